"""``Tensor.backward`` and ``torch.autograd.grad`` on ``fgrad.core.backward_pass``."""
import numpy as np

from fgrad.core import VJPTracer, backward_pass

from ._tape import TAPE, TapeNode, LINEAR, NO_ANS
from .grad_mode import STATE

__all__ = ["backward", "grad"]

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
          "have already been freed). Saved intermediate values of the graph are freed when you call "
          ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
          "graph a second time or if you need to access saved tensors after calling backward.")


def _modified(node, counter, expected, what):
    from .function import node_name
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{what}] which is used by {node_name(node)}, is at version {counter[0]}; expected version "
        f"{expected} instead. Hint: the backtrace further above can point to the operation that failed to "
        "compute its gradient.")


# x / y and x ** y read their output only for the derivative with respect to y
_ANS_FOR_SECOND = frozenset({"divide", "power"})


class _Hooks:
    """torch's bookkeeping around fgrad's backward pass (see core._hooked_backward_pass)."""

    __slots__ = ("retain", "create", "accumulate", "only")

    def __init__(self, retain, create, accumulate, only=None):
        self.retain = retain
        self.create = create
        self.accumulate = accumulate
        self.only = only  # ids of the tensors `inputs=` names (None: all leaves)

    def saved(self, node):
        if type(node) is not TapeNode:
            return node.args, node.ans
        if node.freed:
            raise RuntimeError(_FREED)
        s = node.saved
        if s is not None:
            name = node.prim.name
            if name not in LINEAR:
                for counter, v in s[0]:
                    if counter[0] != v:
                        raise _modified(node, counter, v, "an input")
                if s[1][0] != s[2] and name not in NO_ANS and not (
                        name in _ANS_FOR_SECOND and all(p[0] == 0 for p in node.parents)):
                    raise _modified(node, s[1], s[2], "its output")
        if not self.create:
            return node.args, node.ans
        # create_graph: the rules run on tape tracers, so the backward pass is recorded too.
        ans = node.ans
        if node.prim.multiple_results:
            ans = tuple(VJPTracer(TAPE, a, node, k) for k, a in enumerate(ans))
        else:
            ans = VJPTracer(TAPE, ans, node, 0)
        return list(node.inputs), ans

    def visit(self, node, g):
        if node.prim is None:
            if not self.accumulate:
                return
            ref = getattr(node, "tensor", None)
            t = ref() if ref is not None else None
            if t is not None and (self.only is None or id(t) in self.only):
                _accumulate_grad(t, g)
            return
        retains = getattr(node, "retains", None)
        if retains:
            for ref, index in retains:
                t = ref()
                if t is not None and t._data._node is node and (self.only is None or id(t) in self.only):
                    _accumulate_grad(t, g[index] if isinstance(g, list) else g)

    def done(self, node):
        if not self.retain and type(node) is TapeNode:
            node.freed = True
            node.args = node.ans = node.inputs = None


def _owned(g):
    """A fresh, writable array with ``g``'s values (cotangents may alias each other or be views)."""
    from fgrad import backend
    if isinstance(g, VJPTracer) or hasattr(g, "_trace"):
        return g
    if backend.is_cupy_array(g):
        return g.copy()
    return np.array(g, copy=True)


def _accumulate_grad(t, g):
    from .._tensor import wrap, raw_of
    import fgrad.numpy as fnp
    want = t._np_dtype()
    if np.result_type(raw_of(g)) != want:
        g = fnp.astype(g, want)
    if np.shape(raw_of(g)) != tuple(t.shape):
        g = fnp.broadcast_to(g, tuple(t.shape))
    old = t._grad
    if old is None:
        t._grad = wrap(_owned(g))
    elif STATE.enabled and (old.requires_grad or isinstance(g, VJPTracer)):
        t._grad = wrap(fnp.add(old._data, g))  # create_graph: out of place, recorded
    else:
        raw = raw_of(old._data)
        raw += raw_of(g)
        old._version[0] += 1


def _roots(outputs, grad_outputs, create_graph):
    from .._tensor import Tensor, raw_of
    import fgrad.numpy as fnp
    roots = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor outputs, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        d = t._data
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if t._np_dtype().kind not in "fc":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"{t.dtype}")
            ct = fnp.ones_like(raw_of(d))
        else:
            if isinstance(g, Tensor):
                if tuple(g.shape) != tuple(t.shape):
                    raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                       f"output[{i}] has a shape of {t.shape}.")
                ct = g._data if create_graph else raw_of(g._data)
            else:
                ct = np.asarray(g, dtype=t._np_dtype())
                if ct.shape != tuple(t.shape):
                    raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {ct.shape} and "
                                       f"output[{i}] has a shape of {tuple(t.shape)}.")
            if np.result_type(raw_of(ct)) != t._np_dtype():
                ct = fnp.astype(ct, t._np_dtype())
        roots.append((d._node, d._index, ct))
    return roots


def _seq(x):
    from .._tensor import Tensor
    if x is None or isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """torch.autograd.backward: accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    outputs = _seq(tensors)
    grads = _seq(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} gradients for {len(outputs)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        ins = _seq(inputs)
        if not ins:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = {id(t) for t in ins}
        for t in ins:
            if not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            if not t.is_leaf:
                t.retain_grad()
    roots = _roots(outputs, grads, create_graph)
    hooks = _Hooks(retain_graph, create_graph, True, only)
    prev = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        backward_pass(roots, [], hooks=hooks)
    finally:
        STATE.enabled = prev


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of ``outputs`` w.r.t. ``inputs`` (``.grad`` is left alone)."""
    from .._tensor import wrap
    import fgrad.numpy as fnp
    outs = _seq(outputs)
    single = not isinstance(inputs, (list, tuple))
    ins = _seq(inputs)
    gouts = _seq(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(gouts) != len(outs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(gouts)} for {len(outs)}")
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outs, gouts, create_graph)
    hooks = _Hooks(retain_graph, create_graph, False)
    prev = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        cts = backward_pass(roots, [t._data._node for t in ins], hooks=hooks)
    finally:
        STATE.enabled = prev
    result = []
    for t, g in zip(ins, cts):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            result.append(wrap(fnp.zeros_like(t._raw())) if materialize_grads else None)
            continue
        if isinstance(g, list):
            g = g[t._data._index]
        from .._tensor import raw_of
        if np.result_type(raw_of(g)) != t._np_dtype():
            g = fnp.astype(g, t._np_dtype())
        if np.shape(raw_of(g)) != tuple(t.shape):
            g = fnp.broadcast_to(g, tuple(t.shape))
        result.append(wrap(_owned(g)))
    return tuple(result)
