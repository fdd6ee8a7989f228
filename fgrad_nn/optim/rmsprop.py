"""Per-coordinate adaptive rates: ``RMSprop``, ``Adagrad``, ``Adadelta`` over their pure rules."""
from fgrad import optim as _pure
from .optimizer import Optimizer
from .sgd import _check_flags, _check_lr_tensor

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), torch's rule."""

    _rule = staticmethod(_pure.rmsprop)
    _rule_keys = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        self._make_rule(defaults)
        super().__init__(params, defaults)


class Adagrad(Optimizer):
    """Adagrad, torch's rule; its state is created for every parameter at construction."""

    _rule = staticmethod(_pure.adagrad)
    _rule_keys = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
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
    """Adadelta, torch's rule (default ``lr=1.0``)."""

    _rule = staticmethod(_pure.adadelta)
    _rule_keys = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr_tensor(lr)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        self._make_rule(defaults)
        super().__init__(params, defaults)
