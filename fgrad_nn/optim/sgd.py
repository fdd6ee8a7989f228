"""``torch.optim.SGD`` over :func:`fgrad.optim.sgd`; on plain arrays the update runs in place on the
parameter's storage and momentum buffer (the pure rule's arithmetic, no new arrays per step), as torch's does."""
from __future__ import annotations

from typing import Optional

from fgrad import optim as _pure
from fgrad.core import Tracer, concrete

from .._tensor import inplace, transform_traced, wrap
from .optimizer import Optimizer, Params, Rate

__all__ = ["SGD"]


def _check_flags(fused, foreach, differentiable):
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_lr_tensor(lr):
    if hasattr(lr, "numel") and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, nesterov and weight decay (torch's rule).

    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([0.8000, 1.6000], requires_grad=True)
    """

    _rule = staticmethod(_pure.sgd)
    _rule_keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, params: Params, lr: Rate = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: Optional[bool] = None, differentiable: bool = False, fused: Optional[bool] = None) -> None:
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        self._make_rule(defaults)
        super().__init__(params, defaults)
        _check_flags(fused, foreach, differentiable)

    def _update(self, p, hyperparams):
        state = self.state.get(p) or {}
        if not _step_in_place(p, hyperparams, state):
            super()._update(p, hyperparams)
        elif state:
            self.state[p] = state


def _plain(a, like):
    """Whether ``a`` is an array we may read as ``like``'s kind (type, dtype, shape) without a cast."""
    return type(a) is type(like) and a.dtype == like.dtype and a.shape == like.shape


def _step_in_place(p, hp, state):
    """torch's SGD on raw arrays, the pure rule's operations in its order (maximize, weight decay,
    momentum buffer updated in place, nesterov, -lr), the result added into p's storage. False, with
    nothing changed, unless p, its grad and its momentum buffer are plain writeable arrays of one kind."""
    g, d = p.grad._data, p._data
    storage = concrete(d)
    buf = state.get("momentum_buffer")
    buf = None if buf is None else buf._data
    if (isinstance(g, Tracer) or transform_traced(d) or callable(hp["lr"]) or not _plain(g, storage)
            or not getattr(storage.flags, "writeable", True) or set(state) - {"momentum_buffer"}
            or (buf is not None and (not _plain(buf, storage) or not getattr(buf.flags, "writeable", True)))):
        return False
    u = g * -1.0 if hp["maximize"] else g
    if hp["weight_decay"] != 0:
        u = u + float(hp["weight_decay"]) * storage
    momentum = float(hp["momentum"])
    if momentum != 0:
        if buf is None:
            buf = u * 1.0  # the first step's buffer: a copy of the update
            state["momentum_buffer"] = wrap(buf)
        else:
            buf *= momentum
            buf += (1.0 - float(hp["dampening"])) * u
        u = u + momentum * buf if hp["nesterov"] else buf
    lr = -float(hp["lr"])
    u = u * lr if u is g or u is buf else _scale_into(u, lr)  # never scale the grad or the buffer
    inplace(p, lambda old: _add_into(old, u))
    return True


def _scale_into(u, c):
    u *= c
    return u


def _add_into(old, u):
    old += u
    return old
