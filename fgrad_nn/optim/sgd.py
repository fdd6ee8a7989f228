"""``torch.optim.SGD`` over :func:`fgrad.optim.sgd`."""
from fgrad import optim as _pure
from .optimizer import Optimizer

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

    >>> import fgrad_nn as torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([0.8000, 1.6000], requires_grad=True)
    """

    _rule = staticmethod(_pure.sgd)
    _rule_keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        self._make_rule(defaults)
        super().__init__(params, defaults)
        _check_flags(fused, foreach, differentiable)
