"""``Tensor.backward`` and ``torch.autograd.grad`` on ``fgrad.core.backward_pass``."""
import warnings

import numpy as np

import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import BackwardHooks, Tracer, VJPTracer, backward_pass, concrete

from .._tensor import Tensor, wrap
from ._tape import TAPE, TapeNode
from .function import node_name
from .grad_mode import STATE

__all__ = ["backward", "grad"]

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
          "have already been freed). Saved intermediate values of the graph are freed when you call "
          ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
          "graph a second time or if you need to access saved tensors after calling backward.")


def _modified(node, counter, expected, what):
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{what}] which is used by {node_name(node)}, is at version {counter[0]}; expected version "
        f"{expected} instead. Hint: the backtrace further above can point to the operation that failed to "
        "compute its gradient.")


class _Hooks(BackwardHooks):
    """torch's bookkeeping around fgrad's backward pass (see fgrad.core.BackwardHooks)."""

    __slots__ = ("retain", "create", "accumulate", "only")

    def __init__(self, retain, create, accumulate, only=None):
        self.retain = retain
        self.create = create
        self.accumulate = accumulate
        self.only = only  # ids of the tensors `inputs=` names (None: all leaves)

    def enter(self, node, g):
        """``visit`` where it does something, then what the rules run on, checked against the version
        counters (both parts of fgrad.core.BackwardHooks.enter, in one call). Without retain_graph the
        node is freed here, its saved values handed to the rules (BackwardHooks.done, folded in: one
        call less per node)."""
        prim = node.prim
        if type(node) is not TapeNode or prim is None or node.retains:
            self.visit(node, g)  # (a leaf, or a node with retain_grad() outputs)
            if prim is None:
                return None
            if type(node) is not TapeNode:
                return node.args, node.ans
        if node.freed:
            raise RuntimeError(_FREED)
        s = node.saved
        if s is not None:
            if not prim.linear:
                for counter, v in s[0]:
                    if counter[0] != v:
                        raise _modified(node, counter, v, "an input")
            if s[1][0] != s[2]:
                reads = prim.reads_output  # True, False, or the argnums whose rules read it
                if reads is True or reads and any(p[0] in reads for p in node.parents):
                    raise _modified(node, s[1], s[2], "its output")
        ans = node.ans
        if self.create:
            # create_graph: the rules run on tape tracers, so the backward pass is recorded too.
            args = list(node.inputs)
            if prim.multiple_results:
                ans = tuple(VJPTracer(TAPE, a, node, k) for k, a in enumerate(ans))
            else:
                ans = VJPTracer(TAPE, ans, node, 0)
        else:
            args = node.args
        if not self.retain:  # free the node (its values live on in args, ans until its rules have run)
            node.freed = True
            # a multi-output node keeps its output count: later passes size its cotangent slots by it
            node.ans = (None,) * len(ans) if prim.multiple_results else None
            node.args = node.inputs = None
        return args, ans

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


def _owned(g):
    """A fresh, writable array with ``g``'s values (cotangents may alias each other or be views)."""
    if isinstance(g, Tracer):
        return g
    if backend.is_cupy_array(g):
        return g.copy()
    return np.array(g, copy=True)


def _like(t, g):
    """The cotangent ``g`` with the dtype and shape of ``t``."""
    want = t._np_dtype()
    if fnp.result_type(g) != want:
        g = fnp.astype(g, want)
    if fnp.shape(g) != tuple(t.shape):
        g = fnp.broadcast_to(g, tuple(t.shape))
    return g


def _accumulate_grad(t, g):
    g = _like(t, g)
    old = t._grad
    if old is None:
        t._grad = wrap(_owned(g))
    elif STATE.enabled and (old.requires_grad or isinstance(g, VJPTracer)):
        t._grad = wrap(fnp.add(old._data, g))  # create_graph: out of place, recorded
    else:
        old._assign(old._raw() + concrete(g))


def _roots(outputs, grad_outputs, create_graph):
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
            ct = fnp.ones_like(concrete(d))
        else:
            if isinstance(g, Tensor):
                if tuple(g.shape) != tuple(t.shape):
                    raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                                       f"output[{i}] has a shape of {t.shape}.")
                ct = g._data if create_graph else g._raw()
            else:
                ct = np.asarray(g, dtype=t._np_dtype())
                if ct.shape != tuple(t.shape):
                    raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {ct.shape} and "
                                       f"output[{i}] has a shape of {tuple(t.shape)}.")
            if fnp.result_type(ct) != t._np_dtype():
                ct = fnp.astype(ct, t._np_dtype())
        roots.append((d._node, d._index, ct))
    return roots


def _seq(x):
    if x is None or isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """torch.autograd.backward: accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.", FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                               "`backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
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
    """torch.autograd.grad: the gradients of ``outputs`` w.r.t. ``inputs`` (``.grad`` is left alone).

    ``only_inputs`` is ignored, as by torch (deprecated there).
    """
    if is_grads_batched:
        raise NotImplementedError("torch.autograd.grad(is_grads_batched=True) is not supported by fgrad_nn")
    outs = _seq(outputs)
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
        result.append(wrap(_owned(_like(t, g))))
    return tuple(result)


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """``Tensor.backward``: accumulate d(self)/d(leaf) into each leaf's ``.grad``."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


TENSOR_METHODS = {"backward": _tensor_backward}  # added to Tensor by fgrad_nn._ops
