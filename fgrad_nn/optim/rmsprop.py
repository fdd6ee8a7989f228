"""Per-coordinate adaptive rates: ``RMSprop``, ``Adagrad``, ``Adadelta`` over their pure rules."""
from fgrad import optim as _pure
from .optimizer import Optimizer, _to_scalar
from .sgd import _check_flags, _check_lr_tensor

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum), torch's rule."""

    _rule = staticmethod(_pure.rmsprop)
    _rule_keys = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr_tensor(lr)
        _pure.rmsprop(_to_scalar(lr), alpha, eps, weight_decay, momentum)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)


class Adagrad(Optimizer):
    """Adagrad, torch's rule; its state is created for every parameter at construction."""

    _rule = staticmethod(_pure.adagrad)
    _rule_keys = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr_tensor(lr)
        _pure.adagrad(_to_scalar(lr), lr_decay, weight_decay, initial_accumulator_value, eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        _check_flags(fused, foreach, differentiable)
        for group in self.param_groups:
            tx = self._transform(self.defaults)
            for p in group["params"]:
                self.state[p] = self._init_state(p, group, tx)

    def _init_state(self, p, group, tx):
        # torch fills the accumulator with the constructor's value, whatever the group says
        return super()._init_state(p, group, _pure.scale_by_adagrad(
            initial_accumulator_value=self.defaults["initial_accumulator_value"]))


class Adadelta(Optimizer):
    """Adadelta, torch's rule (default ``lr=1.0``)."""

    _rule = staticmethod(_pure.adadelta)
    _rule_keys = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr_tensor(lr)
        _pure.adadelta(_to_scalar(lr), rho, eps, weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)
