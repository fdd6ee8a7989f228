"""``Tensor.backward`` and ``torch.autograd.grad`` on ``fgrad.core.backward_pass``."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import BackwardHooks, Tracer, VJPTracer, backward_pass, concrete

from .._tensor import Tensor, wrap
from ._tape import TAPE, TapeNode
from .graph import PackedArgs, Saved
from .function import node_name, torch_convention
from .grad_mode import STATE

__all__ = ["backward", "grad", "queue_callback"]

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


def _reads(node, entry):
    """Whether ``node`` reads the tensor a saved ``entry`` stands for: ``(counter, version)`` for an
    input on the tape (any node of the call may read a value made from it), ``(counter, version, value)``
    for a constant to the graph, which only the nodes it was handed to read (a buffer that a batch norm
    updates after its forward is no input of the nodes it did not feed)."""
    if len(entry) == 2:
        return True
    if node.prim.vjp_fwd is not None:
        return False  # its rules read the residuals its forward saved (lax, checkpoint, compiled calls)
    value = entry[2]
    return any(a is value for a in node.inputs)


class _Hooks(BackwardHooks):
    """torch's bookkeeping around fgrad's backward pass (see fgrad.core.BackwardHooks)."""

    __slots__ = ("retain", "create", "accumulate", "only", "captured")

    def __init__(self, retain, create, accumulate, only=None):
        self.retain = retain
        self.create = create
        self.accumulate = accumulate
        self.only = only  # ids of the tensors `inputs=` names (None: all leaves)
        self.captured = None  # autograd.grad: {input node: its cotangent after its tensor hooks}

    def enter(self, node, g):
        """``visit`` where it does something, then what the rules run on, checked against the version
        counters (both parts of fgrad.core.BackwardHooks.enter, in one call). Without retain_graph the
        node is freed here, its saved values handed to the rules (BackwardHooks.done, folded in: one
        call less per node)."""
        prim = node.prim
        hooked = g
        if type(node) is not TapeNode or prim is None or node.retains or node.hooks:
            hooked = self.visit(node, g)  # (a leaf, or a node with retain_grad() outputs or tensor hooks)
            if prim is None:
                return None
            if type(node) is not TapeNode:
                return node.args, node.ans
        if node.freed:
            raise RuntimeError(_FREED)
        s = node.saved
        if s is not None:
            if not prim.linear:
                for entry in s[0]:
                    counter = entry[0]
                    if counter[0] != entry[1] and _reads(node, entry):
                        raise _modified(node, counter, entry[1], "an input")
            if s[1] is not None and s[1][0] != s[2]:
                reads = prim.reads_output  # True, False, or the argnums whose rules read it
                if reads is True or reads and any(p[0] in reads for p in node.parents):
                    raise _modified(node, s[1], s[2], "its output")
        ans = node.ans
        if type(ans) is PackedArgs or type(ans) is Saved:  # saved_tensors_hooks packed it
            ans = ans.unpack()
        if self.create:
            # create_graph: the rules run on tape tracers, so the backward pass is recorded too.
            args = list(node.inputs)
            if prim.multiple_results:
                ans = tuple(VJPTracer(TAPE, a, node, k) for k, a in enumerate(ans))
            else:
                ans = VJPTracer(TAPE, ans, node, 0)
        else:
            args = node.args
            if type(args) is PackedArgs:
                args = args.unpack()
        if not self.retain:  # free the node (its values live on in args, ans until its rules have run)
            node.freed = True
            # a multi-output node keeps its output count: later passes size its cotangent slots by it
            node.ans = (None,) * len(ans) if prim.multiple_results else None
            node.args = node.inputs = None
        return (args, ans) if hooked is g else (args, ans, hooked)

    def visit(self, node, g):
        """Runs tensor hooks and fills ``.grad``; returns the cotangent the hooks leave (``g`` or a
        replacement)."""
        if node.prim is None:
            if not self.accumulate:
                if self.captured is not None and node in self.captured:  # autograd.grad runs a leaf's hooks
                    ref = getattr(node, "tensor", None)
                    t = ref() if ref is not None else None
                    pre = getattr(t, "_hooks", None)
                    self.captured[node] = g = _run_hooks(pre, g) if pre else g
                return g
            ref = getattr(node, "tensor", None)
            t = ref() if ref is not None else None
            if t is not None and (self.only is None or id(t) in self.only):
                pre = getattr(t, "_hooks", None)
                if pre:
                    g = _run_hooks(pre, g)
                _accumulate_grad(t, g)
                post = getattr(t, "_post_hooks", None)
                if post:
                    for hook in list(post.values()):
                        hook(t)
            return g
        hooks = getattr(node, "hooks", None)
        if hooks:
            if isinstance(g, list):  # a multi-output node: one cotangent slot per output
                g = list(g)
                for index, fns in hooks.items():
                    if g[index] is not None:
                        g[index] = _run_hooks(fns, g[index])
            else:
                g = _run_hooks(hooks.get(0, {}), g)
            if self.captured is not None and node in self.captured:
                self.captured[node] = g
        retains = getattr(node, "retains", None)
        if retains:
            for ref, index in retains:
                t = ref()
                if t is not None and t._data._node is node and (self.only is None or id(t) in self.only):
                    _accumulate_grad(t, g[index] if isinstance(g, list) else g)
        return g


def _run_hooks(hooks, g):
    """torch's tensor hooks in registration order, each seeing the previous one's result (None: keep it)."""
    for hook in list(hooks.values()):
        out = hook(wrap(torch_convention(g)))
        if out is not None:
            if not isinstance(out, Tensor):
                raise TypeError(f"hook returned an object of type {type(out).__name__}; expected a Tensor or None")
            if tuple(out.shape) != tuple(fnp.shape(g)):
                raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value")
            g = torch_convention(out._data)
    return g


# what queue_callback collected during the running backward passes (each pass runs those it added)
_FINAL_CALLBACKS: list[Callable[[], Any]] = []
_IN_BACKWARD = [0]


def queue_callback(callback: Callable[[], Any]) -> None:
    """Run ``callback()`` once the running backward pass has finished (torch's
    ``Variable._execution_engine.queue_callback``); only valid inside a backward pass (from a hook).

    >>> import fgrad_nn as torch
    >>> from fgrad_nn.autograd.engine import queue_callback
    >>> w = torch.ones(2, requires_grad=True)
    >>> _ = w.register_hook(lambda g: queue_callback(lambda: print("backward done")))
    >>> (w * 3).sum().backward()
    backward done
    """
    if not _IN_BACKWARD[0]:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _FINAL_CALLBACKS.append(callback)


def _owned(g, like=None):
    """A fresh, writable array with ``g``'s values (cotangents may alias each other or be views), laid out
    as torch lays out a gradient: like the tensor ``like`` (row-major, or column-major if it is), so
    ``p.grad.view(-1)`` works where ``p.view(-1)`` does."""
    if isinstance(g, Tracer):
        return g
    order = "C"
    if like is not None:
        flags = getattr(like._raw(), "flags", None)
        if flags is not None and flags.f_contiguous and not flags.c_contiguous:
            order = "F"
    if backend.is_cupy_array(g):
        return g.copy(order=order)
    return np.array(g, copy=True, order=order)


def _like(t, g):
    """The cotangent ``g`` with the dtype and shape of ``t``."""
    want = t._np_dtype()
    if fnp.result_type(g) != want:
        g = fnp.astype(g, want)
    if fnp.shape(g) != tuple(t.shape):
        g = fnp.broadcast_to(g, tuple(t.shape))
    return g


def _accumulate_grad(t, g):
    g = torch_convention(_like(t, g))
    old = t._grad
    if old is None:
        t._grad = wrap(_owned(g, t))
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
            if not backend.is_inexact(t._np_dtype()):
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
            ct = torch_convention(ct)
        roots.append((d._node, d._index, ct))
    return roots


def _seq(x):
    if x is None or isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables: Tensor | Sequence[Tensor | None] | None = None,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``) into the leaves' ``.grad``.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> torch.autograd.backward((x * x).sum())
    >>> x.grad
    tensor([2., 4.])
    >>> torch.autograd.backward([x * 3], [torch.tensor([1.0, 0.0])])
    >>> x.grad
    tensor([5., 4.])
    """
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
    _IN_BACKWARD[0] += 1
    mark = len(_FINAL_CALLBACKS)
    try:
        backward_pass(roots, [], hooks=hooks)
        while len(_FINAL_CALLBACKS) > mark:  # (a callback may queue another)
            _FINAL_CALLBACKS.pop(mark)()
    finally:
        del _FINAL_CALLBACKS[mark:]
        _IN_BACKWARD[0] -= 1
        STATE.enabled = prev


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is left alone).

    ``only_inputs`` is ignored, as by torch (deprecated there); ``is_grads_batched`` is not supported.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> torch.autograd.grad((x ** 3).sum(), x)
    (tensor([ 3., 12.]),)
    >>> g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
    >>> torch.autograd.grad(g.sum(), x)
    (tensor([ 6., 12.]),)
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
    hooks.captured = {t._data._node: None for t in ins}
    prev = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        cts = backward_pass(roots, [t._data._node for t in ins], hooks=hooks)
    finally:
        STATE.enabled = prev
    result = []
    for t, g in zip(ins, cts):
        hooked = hooks.captured.get(t._data._node)
        if hooked is not None:  # what the tensor's hooks made of it, as torch captures it
            g = hooked
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            result.append(wrap(fnp.zeros_like(t._raw())) if materialize_grads else None)
            continue
        if isinstance(g, list):
            g = g[t._data._index]
        result.append(wrap(_owned(torch_convention(_like(t, g)), t)))
    return tuple(result)


def _tensor_backward(self: Tensor, gradient: Tensor | None = None, retain_graph: bool | None = None,
                     create_graph: bool = False, inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """``Tensor.backward``: accumulate d(self)/d(leaf) into each leaf's ``.grad``."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


TENSOR_METHODS = {"backward": _tensor_backward}  # added to Tensor by fgrad_nn._ops
