"""The facade's autograd graph: one global fgrad reverse-mode trace at level 0.

A Tensor that requires grad holds a ``VJPTracer`` of ``TAPE``. ``TapeTrace`` is
fgrad's ``VJPTrace`` recording ``TapeNode``s: fgrad's ``Node`` plus what torch's
semantics need (the input tracers for ``create_graph``, the version counters of
the tensors the call read, and a freed flag). Which in-place writes spoil a node
is told by its primitive's ``linear``/``reads_output`` flags (see engine.py).
Transforms run at levels >= 1, so ``fgrad.grad`` nests with the tape either way.
"""
import weakref

from fgrad.core import Node, VJPTrace, VJPTracer, next_order

__all__ = ["TapeTrace", "TapeNode", "TAPE"]


class TapeNode(Node):
    __slots__ = ("inputs", "saved", "freed", "tensor", "retains")

    def __init__(self, prim, params, args, ans, parents, inputs=None):
        self.prim = prim
        self.params = params
        self.args = args
        self.ans = ans
        self.parents = parents
        self.inputs = inputs    # the call's arguments as given (tape tracers), for create_graph
        self.saved = TAPE.saved  # ((counter, version), ...) for inputs, (counter, version) of output
        self.freed = False
        self.tensor = None      # leaves: weakref to their Tensor
        self.retains = None     # weakrefs of non-leaf Tensors that called retain_grad()
        self.order = next_order()


class TapeTrace(VJPTrace):
    """The one reverse-mode trace behind ``Tensor.backward``; level 0 (below every transform)."""

    __slots__ = ("saved",)

    def __init__(self):
        self.level = 0
        self.saved = None  # set by the facade's op wrapper around each call; each new node keeps it

    # VJPTrace.process calls make_node(prim, params, vals, ans, parents, args): the class itself (a
    # class held by a class is not bound to the instance), so a node costs one call, not two.
    make_node = TapeNode

    def leaf_of(self, value, tensor):
        node = TapeNode(None, None, None, value, ())
        node.saved = None
        node.tensor = weakref.ref(tensor)
        return VJPTracer(self, value, node)


TAPE = TapeTrace()
