"""The facade's autograd graph: one global fgrad reverse-mode trace at level 0.

A Tensor that requires grad holds a ``VJPTracer`` of ``TAPE``. Every primitive
bound on such tracers is recorded as a ``TapeNode`` (fgrad's ``Node`` plus what
torch's semantics need: the input tracers for ``create_graph``, the version
counters of the tensors whose values the rules read, and a freed flag).
Transforms run at levels >= 1, so ``fgrad.grad`` nests with the tape either way.
"""
import weakref

from fgrad.core import Node, VJPTrace, VJPTracer

__all__ = ["TapeTrace", "TapeNode", "TAPE", "LINEAR", "NO_ANS"]

# Primitives whose VJP rules read neither the inputs nor the output: mutating
# those values in place cannot spoil the backward pass.
LINEAR = frozenset({
    "add", "subtract", "negative", "positive", "reshape", "transpose", "broadcast_to", "sum",
    "astype", "concatenate", "stack", "getitem", "expand_dims", "squeeze", "device_put", "real",
    "conjugate", "swapaxes", "moveaxis", "take", "index_update", "scatter_add", "pad", "flip",
    "roll", "tile", "repeat", "diagonal", "trace", "cumsum", "at_set", "at_add", "gather",
    "index_set", "index_add", "split", "shift", "repeat_sum", "diag_embed", "stop_gradient",
})
# Primitives whose rules never read the output (so the output may be modified in place).
NO_ANS = LINEAR | frozenset({
    "multiply", "matmul", "dot", "einsum", "tensordot", "inner", "outer", "log", "log1p", "log2",
    "log10", "sin", "cos", "square", "clip", "where", "maximum", "minimum", "absolute", "arctan",
    "arcsin", "arccos", "sinh", "cosh", "arcsinh", "erf", "take_along_axis",
    "index_select", "mean", "var", "std", "leaky_relu", "hard_tanh", "erfc", "gammaln", "fmax", "fmin",
    "arctan2", "sinc",
})


class TapeNode(Node):
    __slots__ = ("inputs", "saved", "freed", "tensor", "retains")

    def __init__(self, prim, params, args, ans, parents, inputs, saved):
        self.prim = prim
        self.params = params
        self.args = args
        self.ans = ans
        self.parents = parents
        self.inputs = inputs    # the call's arguments as given (tape tracers), for create_graph
        self.saved = saved      # ((counter, version), ...) for inputs, (counter, version) of output
        self.freed = False
        self.tensor = None      # leaves: weakref to their Tensor
        self.retains = None     # weakrefs of non-leaf Tensors that called retain_grad()


class TapeTrace(VJPTrace):
    """The one reverse-mode trace behind ``Tensor.backward``; level 0 (below every transform)."""

    __slots__ = ("saved",)

    def __init__(self):
        self.level = 0
        self.saved = None  # set by the facade's op wrapper around each call

    def process(self, prim, args, params):
        vals = list(args)
        parents = []
        for i, a in enumerate(args):
            if type(a) is VJPTracer and a._trace is self:
                vals[i] = a._value
                if prim.has_vjp(i):
                    parents.append((i, a._node, a._index))
        ans = prim.bind(*vals, **params)
        if not parents:
            return ans
        node = TapeNode(prim, params, vals, ans, tuple(parents), args, self.saved)
        if prim.multiple_results:
            return tuple(VJPTracer(self, a, node, k) for k, a in enumerate(ans))
        return VJPTracer(self, ans, node)

    def leaf_of(self, value, tensor):
        node = TapeNode(None, None, None, value, (), None, None)
        node.tensor = weakref.ref(tensor)
        return VJPTracer(self, value, node)


TAPE = TapeTrace()
