"""Per-coordinate adaptive rates: ``RMSprop``, ``Adagrad``, ``Adadelta`` over their pure rules."""
from __future__ import annotations

from typing import Optional

from fgrad import optim as _pure
from .optimizer import Optimizer, Params, Rate
from .sgd import _check_flags, _check_lr_tensor

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), torch's rule.

    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.RMSprop([w], lr=0.01)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _rule = staticmethod(_pure.rmsprop)
    _rule_keys = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, params: Params, lr: Rate = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: Optional[bool] = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        self._make_rule(defaults)
        super().__init__(params, defaults)


class Adagrad(Optimizer):
    """Adagrad, torch's rule; its state is created for every parameter at construction.

    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adagrad([w], lr=0.5)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.5000, -1.5000], requires_grad=True)
    """

    _rule = staticmethod(_pure.adagrad)
    _rule_keys = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, params: Params, lr: Rate = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Optional[bool] = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: Optional[bool] = None) -> None:
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        self._make_rule(defaults)
        super().__init__(params, defaults)
        _check_flags(fused, foreach, differentiable)
        for group in self.param_groups:  # the pure optimizer starts with the constructor's values, as torch
            for p in group["params"]:
                self.state[p] = self._init_state(p)


class Adadelta(Optimizer):
    """Adadelta, torch's rule (default ``lr=1.0``).

    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.Adadelta([w], lr=1.0)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9968, -1.9968], requires_grad=True)
    """

    _rule = staticmethod(_pure.adadelta)
    _rule_keys = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params: Params, lr: Rate = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: Optional[bool] = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        self._make_rule(defaults)
        super().__init__(params, defaults)
