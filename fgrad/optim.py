"""Pure optimizers: optax-style gradient transformations over parameter pytrees.

An optimizer is a pair of pure functions, ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)``; ``apply_updates`` adds the
updates to the parameters. Small transformations (``scale``, ``trace``,
``add_decayed_weights``, ``scale_by_adam`` ...) are composed with ``chain``, and
``sgd``, ``adam``, ... are such chains with torch.optim's hyperparameters and
update rules, step for step: ``fgrad_nn.optim`` runs these same functions on
each parameter's arrays, so both faces follow one implementation.

>>> import numpy as np, fgrad
>>> params = {"w": np.array([1.0, -2.0])}
>>> opt = adam(lr=0.1)
>>> state = opt.init(params)
>>> grads = fgrad.grad(lambda p: (p["w"] ** 2).sum())(params)
>>> updates, state = opt.update(grads, state, params)
>>> params = apply_updates(params, updates)

State fields carry torch's per-parameter state names (``step``, ``exp_avg``,
``momentum_buffer`` ...); a field that torch creates lazily is ``None`` until the
first update. Step counters and NAdam's ``mu_product`` are float32 scalars on the
host, as in torch (whose default dtype is float32), so trajectories agree.

The torch rules check their hyperparameters as torch's constructors do (``validate=False``
skips that). ``inject_hyperparams(adam)(lr=0.1)`` keeps the hyperparameters in the state,
where they can be overwritten between updates (an LR schedule, torch's ``group["lr"]``):

>>> opt = inject_hyperparams(sgd)(lr=0.1, momentum=0.9)
>>> state = opt.init(params)
>>> state.hyperparams["lr"] = 0.05
>>> updates, state = opt.update(grads, state, params)
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import numpy as np

import fgrad.numpy as fnp
from fgrad.tree_util import tree_leaves, tree_map

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = [
    "GradientTransformation", "EmptyState", "chain", "identity", "scale", "scale_by_schedule",
    "scale_by_learning_rate", "add_decayed_weights", "trace", "clip", "clip_by_global_norm",
    "global_norm", "scale_by_adam", "scale_by_rms", "scale_by_adagrad", "scale_by_adadelta",
    "scale_by_adamax", "scale_by_nadam", "scale_by_radam", "sgd", "adam", "adamw", "rmsprop",
    "adagrad", "adadelta", "adamax", "nadam", "radam", "apply_updates", "SCALAR_DTYPE",
    "InjectHyperparamsState", "inject_hyperparams", "state_fields",
]

SCALAR_DTYPE = np.float32
"""dtype of step counters and other scalar state (torch's default dtype)."""


class GradientTransformation(NamedTuple):
    """An optimizer or one of its parts: two pure functions.

    ``init(params) -> state``; ``update(updates, state, params=None) -> (updates, state)``, where
    ``updates`` is a pytree shaped like ``params`` (the gradients, for the first link of a chain).

    >>> double = fgrad.optim.GradientTransformation(
    ...     lambda params: fgrad.optim.EmptyState(),
    ...     lambda updates, state, params=None: ({k: 2 * v for k, v in updates.items()}, state))
    >>> double.update({"w": np.array([1.0])}, double.init({}))
    ({'w': array([2.])}, EmptyState())
    """
    init: Callable[[PyTree], Any]
    update: Callable[..., tuple[PyTree, Any]]


class EmptyState(NamedTuple):
    """The state of a stateless transformation.

    >>> fgrad.optim.scale(2.0).init({"w": np.zeros(3)})
    EmptyState()
    """

    pass


class ScaleByScheduleState(NamedTuple):
    count: Any


class TraceState(NamedTuple):
    momentum_buffer: Any


class ScaleByAdamState(NamedTuple):
    step: Any
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


class ScaleByRmsState(NamedTuple):
    step: Any
    square_avg: Any
    grad_avg: Any


class ScaleByAdagradState(NamedTuple):
    step: Any
    sum: Any


class ScaleByAdadeltaState(NamedTuple):
    step: Any
    square_avg: Any
    acc_delta: Any


class ScaleByAdamaxState(NamedTuple):
    step: Any
    exp_avg: Any
    exp_inf: Any


class ScaleByNadamState(NamedTuple):
    step: Any
    mu_product: Any
    exp_avg: Any
    exp_avg_sq: Any


class ScaleByRadamState(NamedTuple):
    step: Any
    exp_avg: Any
    exp_avg_sq: Any


# ---------------------------------------------------------------------- helpers

def _zeros(params):
    return tree_map(fnp.zeros_like, params)


def _scalar(value):
    return np.asarray(value, dtype=SCALAR_DTYPE)


def _next_step(step):
    """``step + 1`` kept in the counter's dtype, and its value as a Python float."""
    new = np.asarray(step + 1, dtype=np.result_type(step))
    return new, float(new)


def _lerp(start, end, weight):
    """torch.lerp's two-sided formula (exact at both ends)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _ema_sq(avg, g, decay):
    """``avg * decay + (1 - decay) * g * g`` in torch's ``mul_(decay).addcmul_(g, g)`` order."""
    return avg * decay + (1.0 - decay) * g * g


def _copy(x):
    return x * 1.0  # a fresh array (the facade writes gradients in place), exact, and traceable


def _dtype(x):
    return fnp.result_type(x)


def _check(ok, message):
    if not ok:
        raise ValueError(message)


def _check_betas(betas):
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")


def _check_lr(lr):
    if not callable(lr):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")


# ---------------------------------------------------------------------- combinators

def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` one after the other; the state is the tuple of their states.

    >>> opt = fgrad.optim.chain(fgrad.optim.clip(1.0), fgrad.optim.scale(-0.5))
    >>> updates, state = opt.update({"w": np.array([2.0, -0.5])}, opt.init({}))
    >>> updates["w"], state
    (array([-0.5 ,  0.25]), (EmptyState(), EmptyState()))
    """
    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def identity() -> GradientTransformation:
    """The transformation that leaves the updates unchanged (and keeps no state).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.identity()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 2., -4.])
    """
    return GradientTransformation(lambda params: EmptyState(), lambda u, s, p=None: (u, s))


def scale(step_size: float) -> GradientTransformation:
    """Multiply the updates by the constant ``step_size``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale(0.5)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -2.])
    """
    step_size = float(step_size)
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda u, s, p=None: (tree_map(lambda g: g * step_size, u), s))


def scale_by_schedule(step_size_fn: Callable[[int], float]) -> GradientTransformation:
    """Multiply the updates by ``step_size_fn(count)``, count = 0, 1, 2, ...

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_schedule(lambda count: 1 / (count + 1))
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -2.])
    """
    def init(params):
        return ScaleByScheduleState(np.zeros((), np.int64))

    def update(updates, state, params=None):
        f = float(step_size_fn(int(state.count)))
        return tree_map(lambda g: g * f, updates), ScaleByScheduleState(state.count + 1)

    return GradientTransformation(init, update)


def scale_by_learning_rate(lr: float | Callable[[int], float]) -> GradientTransformation:
    """``-lr`` (a float or a schedule ``count -> lr``): the step against the gradient.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_learning_rate(0.1)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([-0.2,  0.4])
    """
    if callable(lr):
        return scale_by_schedule(lambda count: -lr(count))
    return scale(-float(lr))


def _needs_params(params, name):
    if params is None:
        raise ValueError(f"{name} needs the params: call update(grads, state, params)")


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """``updates + weight_decay * params`` (L2 penalty, or decoupled decay when chained after
    the scaling).

    ``update`` needs ``params``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.add_decayed_weights(0.1)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state, params)
    >>> updates["w"]
    array([ 2.1, -4.2])
    """
    weight_decay = float(weight_decay)

    def update(updates, state, params=None):
        _needs_params(params, "add_decayed_weights")
        return tree_map(lambda g, p: g + weight_decay * p, updates, params), state

    return GradientTransformation(lambda params: EmptyState(), update)


def trace(momentum: float, dampening: float = 0.0, nesterov: bool = False) -> GradientTransformation:
    """Heavy-ball momentum as in torch.optim.SGD: the first step's buffer is the update itself,
    later ``buf = momentum * buf + (1 - dampening) * g``; nesterov returns ``g + momentum * buf``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.trace(0.9)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 3.8, -7.6])
    """
    momentum, dampening = float(momentum), float(dampening)

    def update(updates, state, params=None):
        if state.momentum_buffer is None:
            buf = tree_map(_copy, updates)
        else:
            buf = tree_map(lambda b, g: b * momentum + (1.0 - dampening) * g, state.momentum_buffer, updates)
        out = tree_map(lambda g, b: g + momentum * b, updates, buf) if nesterov else buf
        return out, TraceState(buf)

    return GradientTransformation(lambda params: TraceState(None), update)


def global_norm(tree: PyTree, norm_type: float = 2.0) -> Array:
    """torch.nn.utils.clip_grad_norm_'s total norm: the ``norm_type`` norm of the leaves' norms.

    >>> print(fgrad.optim.global_norm({"a": np.array([3.0, 4.0]), "b": np.array([12.0])}))
    13.0
    """
    leaves = tree_leaves(tree)
    norm_type = float(norm_type)
    if not leaves:
        return np.asarray(0.0, SCALAR_DTYPE)
    norms = [fnp.linalg.vector_norm(g, ord=norm_type) for g in leaves]
    return fnp.linalg.vector_norm(fnp.stack(norms), ord=norm_type)


def clip_coefficient(total_norm: ArrayLike, max_norm: float) -> Array:
    """``min(max_norm / (total_norm + 1e-6), 1)``: torch's factor for clipping by norm.

    >>> print(round(float(fgrad.optim.clip_coefficient(np.array(4.0), 1.0)), 4))
    0.25
    """
    return fnp.minimum(float(max_norm) / (total_norm + 1e-6), 1.0)


def clip_by_global_norm(max_norm: float, norm_type: float = 2.0) -> GradientTransformation:
    """Scale all updates by ``min(1, max_norm / (global_norm + 1e-6))`` (torch's clip_grad_norm_).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.clip_by_global_norm(1.0)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 0.4472, -0.8944])
    """
    def update(updates, state, params=None):
        coef = clip_coefficient(global_norm(updates, norm_type), max_norm)
        return tree_map(lambda g: g * fnp.astype(coef, _dtype(g)), updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta: float) -> GradientTransformation:
    """Clamp every update to ``[-max_delta, max_delta]`` (torch's clip_grad_value_).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.clip(1.0)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -1.])
    """
    max_delta = float(max_delta)
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda u, s, p=None: (tree_map(lambda g: fnp.clip(g, -max_delta, max_delta), u), s))


# ---------------------------------------------------------------------- torch's scalings

def scale_by_adam(betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                  amsgrad: bool = False) -> GradientTransformation:
    """Adam's direction ``m_hat / (sqrt(v_hat) + eps)`` (torch's bias corrections and amsgrad).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_adam()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -1.])
    """
    b1, b2 = float(betas[0]), float(betas[1])
    eps = float(eps)

    def init(params):
        return ScaleByAdamState(_scalar(0.0), _zeros(params), _zeros(params),
                                _zeros(params) if amsgrad else None)

    def update(updates, state, params=None):
        step, t = _next_step(state.step)
        m = tree_map(lambda m, g: _lerp(m, g, 1.0 - b1), state.exp_avg, updates)
        v = tree_map(lambda v, g: _ema_sq(v, g, b2), state.exp_avg_sq, updates)
        vmax = tree_map(fnp.maximum, state.max_exp_avg_sq, v) if amsgrad else None
        bc1 = 1 - b1 ** t
        bc2_sqrt = (1 - b2 ** t) ** 0.5
        out = tree_map(lambda m, v: m / (fnp.sqrt(v) / bc2_sqrt + eps) / bc1, m, vmax if amsgrad else v)
        return out, ScaleByAdamState(step, m, v, vmax)

    return GradientTransformation(init, update)


def scale_by_rms(alpha: float = 0.99, eps: float = 1e-8, centered: bool = False) -> GradientTransformation:
    """RMSprop's direction ``g / (sqrt(E[g^2] - (E[g])^2 if centered) + eps)``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_rms(centered=True)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 10.0504, -10.0504])
    """
    alpha, eps = float(alpha), float(eps)

    def init(params):
        return ScaleByRmsState(_scalar(0.0), _zeros(params), _zeros(params) if centered else None)

    def update(updates, state, params=None):
        step, _ = _next_step(state.step)
        sq = tree_map(lambda s, g: _ema_sq(s, g, alpha), state.square_avg, updates)
        if centered:
            ga = tree_map(lambda a, g: _lerp(a, g, 1.0 - alpha), state.grad_avg, updates)
            avg = tree_map(lambda s, a: fnp.sqrt(s - a * a), sq, ga)
        else:
            ga = None
            avg = tree_map(fnp.sqrt, sq)
        out = tree_map(lambda g, a: g / (a + eps), updates, avg)
        return out, ScaleByRmsState(step, sq, ga)

    return GradientTransformation(init, update)


def scale_by_adagrad(lr_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                     eps: float = 1e-10) -> GradientTransformation:
    """Adagrad's direction ``g / (sqrt(sum g^2) + eps) / (1 + (step - 1) * lr_decay)``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_adagrad()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -1.])
    """
    lr_decay, eps, init_value = float(lr_decay), float(eps), float(initial_accumulator_value)

    def init(params):
        return ScaleByAdagradState(_scalar(0.0), tree_map(lambda p: fnp.full_like(p, init_value), params))

    def update(updates, state, params=None):
        step, t = _next_step(state.step)
        decay = 1 + (t - 1) * lr_decay
        acc = tree_map(lambda s, g: s + g * g, state.sum, updates)
        out = tree_map(lambda g, s: g / (fnp.sqrt(s) + eps) / decay, updates, acc)
        return out, ScaleByAdagradState(step, acc)

    return GradientTransformation(init, update)


def scale_by_adadelta(rho: float = 0.9, eps: float = 1e-6) -> GradientTransformation:
    """Adadelta's direction ``sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_adadelta()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 0.0032, -0.0032])
    """
    rho, eps = float(rho), float(eps)

    def init(params):
        return ScaleByAdadeltaState(_scalar(0.0), _zeros(params), _zeros(params))

    def update(updates, state, params=None):
        step, _ = _next_step(state.step)
        sq = tree_map(lambda s, g: _ema_sq(s, g, rho), state.square_avg, updates)
        delta = tree_map(lambda s, a, g: fnp.sqrt(a + eps) / fnp.sqrt(s + eps) * g, sq, state.acc_delta, updates)
        acc = tree_map(lambda a, d: _ema_sq(a, d, rho), state.acc_delta, delta)
        return delta, ScaleByAdadeltaState(step, sq, acc)

    return GradientTransformation(init, update)


def scale_by_adamax(betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> GradientTransformation:
    """Adamax's direction ``m / u / (1 - beta1^t)`` with ``u = max(beta2 * u, |g| + eps)``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_adamax()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1., -1.])
    """
    b1, b2, eps = float(betas[0]), float(betas[1]), float(eps)

    def init(params):
        return ScaleByAdamaxState(_scalar(0.0), _zeros(params), _zeros(params))

    def update(updates, state, params=None):
        step, t = _next_step(state.step)
        m = tree_map(lambda m, g: _lerp(m, g, 1.0 - b1), state.exp_avg, updates)
        u = tree_map(lambda u, g: fnp.maximum(u * b2, fnp.abs(g) + eps), state.exp_inf, updates)
        bc = 1 - b1 ** t
        out = tree_map(lambda m, u: m / u / bc, m, u)
        return out, ScaleByAdamaxState(step, m, u)

    return GradientTransformation(init, update)


def scale_by_nadam(betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                   momentum_decay: float = 4e-3) -> GradientTransformation:
    """NAdam's direction (torch's momentum schedule ``mu_t = beta1 (1 - 0.5 * 0.96^(t psi))``).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_nadam()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 1.0565, -1.0565])
    """
    b1, b2, eps, psi = float(betas[0]), float(betas[1]), float(eps), float(momentum_decay)

    def init(params):
        return ScaleByNadamState(_scalar(0.0), _scalar(1.0), _zeros(params), _zeros(params))

    def update(updates, state, params=None):
        step, t = _next_step(state.step)
        bc2 = 1 - b2 ** t
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        mu_product = np.asarray(state.mu_product * mu, dtype=np.result_type(state.mu_product))
        mp = float(mu_product)
        c_grad = (1.0 - mu) / (1.0 - mp)
        c_avg = mu_next / (1.0 - mp * mu_next)
        m = tree_map(lambda m, g: _lerp(m, g, 1.0 - b1), state.exp_avg, updates)
        v = tree_map(lambda v, g: _ema_sq(v, g, b2), state.exp_avg_sq, updates)
        out = tree_map(lambda g, m, v: _nadam_dir(g, m, fnp.sqrt(v / bc2) + eps, c_grad, c_avg), updates, m, v)
        return out, ScaleByNadamState(step, mu_product, m, v)

    return GradientTransformation(init, update)


def _nadam_dir(g, m, denom, c_grad, c_avg):
    return c_grad * g / denom + c_avg * m / denom


def scale_by_radam(betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> GradientTransformation:
    """RAdam's rectified direction (plain bias-corrected momentum while ``rho_t <= 5``).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.scale_by_radam()
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state)
    >>> updates["w"]
    array([ 2., -4.])
    """
    b1, b2, eps = float(betas[0]), float(betas[1]), float(eps)

    def init(params):
        return ScaleByRadamState(_scalar(0.0), _zeros(params), _zeros(params))

    def update(updates, state, params=None):
        step, t = _next_step(state.step)
        m = tree_map(lambda m, g: _lerp(m, g, 1.0 - b1), state.exp_avg, updates)
        v = tree_map(lambda v, g: _ema_sq(v, g, b2), state.exp_avg_sq, updates)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2 ** t) / bc2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            out = tree_map(lambda m, v: m / bc1 * ((bc2 ** 0.5) / (fnp.sqrt(v) + eps)) * rect, m, v)
        else:
            out = tree_map(lambda m: m / bc1, m)
        return out, ScaleByRadamState(step, m, v)

    return GradientTransformation(init, update)


# ---------------------------------------------------------------------- torch's optimizers

def _assemble(core, lr, weight_decay, maximize, decoupled=False, after=()):
    """maximize -> (coupled L2) -> core -> extra -> (decoupled decay) -> -lr."""
    links = [scale(-1.0)] if maximize else []
    if weight_decay != 0 and not decoupled:
        links.append(add_decayed_weights(weight_decay))
    links.append(core)
    links.extend(after)
    if weight_decay != 0 and decoupled:
        links.append(add_decayed_weights(weight_decay))
    links.append(scale_by_learning_rate(lr))
    return chain(*links)


def sgd(lr: float | Callable[[int], float] = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False, *,
        validate: bool = True) -> GradientTransformation:
    """torch.optim.SGD's rule, momentum and nesterov included.

    ``lr`` may be a schedule ``count -> lr``; ``maximize`` ascends; ``validate=False`` skips torch's argument checks.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.sgd(lr=0.1, momentum=0.9)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.42, -0.84])
    """
    if validate:
        _check_lr(lr)
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(not nesterov or (momentum > 0 and dampening == 0),
               "Nesterov momentum requires a momentum and zero dampening")
    core = trace(momentum, dampening, nesterov) if momentum != 0 else identity()
    return _assemble(core, lr, weight_decay, maximize)


def adam(lr: float | Callable[[int], float] = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False,
         decoupled_weight_decay: bool = False, *, validate: bool = True) -> GradientTransformation:
    """torch.optim.Adam's rule (``decoupled_weight_decay=True`` is AdamW).

    ``lr`` may be a schedule ``count -> lr``; ``maximize`` ascends; ``validate=False`` skips torch's argument checks.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.adam(lr=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.8, -1.8])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
    return _assemble(scale_by_adam(betas, eps, amsgrad), lr, weight_decay, maximize, decoupled_weight_decay)


def adamw(lr: float | Callable[[int], float] = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False, *,
          validate: bool = True) -> GradientTransformation:
    """torch.optim.AdamW's rule: Adam with decoupled weight decay (default 0.01).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.adamw(lr=0.1, weight_decay=0.5)
    >>> state = opt.init(params)
    >>> updates, state = opt.update(grads, state, params)
    >>> params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.85, -1.8 ])
    """
    return adam(lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay=True, validate=validate)


def rmsprop(lr: float | Callable[[int], float] = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, maximize: bool = False, *,
            validate: bool = True) -> GradientTransformation:
    """torch.optim.RMSprop's rule (``centered``, ``momentum`` as torch's).

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.rmsprop(lr=0.01, centered=True)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.8279, -1.8279])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
    after = [trace(momentum)] if momentum > 0 else []
    return _assemble(scale_by_rms(alpha, eps, centered), lr, weight_decay, maximize, after=after)


def adagrad(lr: float | Callable[[int], float] = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10, maximize: bool = False, *,
            validate: bool = True) -> GradientTransformation:
    """torch.optim.Adagrad's rule.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.adagrad(lr=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.8293, -1.8293])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= initial_accumulator_value,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    return _assemble(scale_by_adagrad(lr_decay, initial_accumulator_value, eps), lr, weight_decay, maximize)


def adadelta(lr: float | Callable[[int], float] = 1.0, rho: float = 0.9, eps: float = 1e-6,
             weight_decay: float = 0.0, maximize: bool = False, *,
             validate: bool = True) -> GradientTransformation:
    """torch.optim.Adadelta's rule.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.adadelta(lr=1.0)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.9936, -1.9936])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
    return _assemble(scale_by_adadelta(rho, eps), lr, weight_decay, maximize)


def adamax(lr: float | Callable[[int], float] = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
           weight_decay: float = 0.0, maximize: bool = False, *, validate: bool = True) -> GradientTransformation:
    """torch.optim.Adamax's rule.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.adamax(lr=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.8, -1.8])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
    return _assemble(scale_by_adamax(betas, eps), lr, weight_decay, maximize)


def nadam(lr: float | Callable[[int], float] = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
          maximize: bool = False, *, validate: bool = True) -> GradientTransformation:
    """torch.optim.NAdam's rule.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.nadam(lr=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.816, -1.816])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
    return _assemble(scale_by_nadam(betas, eps, momentum_decay), lr, weight_decay, maximize,
                     decoupled_weight_decay)


def radam(lr: float | Callable[[int], float] = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.0, decoupled_weight_decay: bool = False, maximize: bool = False, *,
          validate: bool = True) -> GradientTransformation:
    """torch.optim.RAdam's rule.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> grads = {"w": np.array([2.0, -4.0])}
    >>> opt = fgrad.optim.radam(lr=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     updates, state = opt.update(grads, state, params)
    ...     params = fgrad.optim.apply_updates(params, updates)
    >>> params["w"]
    array([ 0.6, -1.2])
    """
    if validate:
        _check_lr(lr)
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
    return _assemble(scale_by_radam(betas, eps), lr, weight_decay, maximize, decoupled_weight_decay)


# ---------------------------------------------------------------------- hyperparameters in the state

class InjectHyperparamsState(NamedTuple):
    """``hyperparams``: the current values by name (write new ones between updates); ``inner_state``:
    the rule's state (or a mapping of its fields by name, see :func:`inject_hyperparams`).

    >>> state = fgrad.optim.inject_hyperparams(fgrad.optim.sgd)(lr=0.1).init({"w": np.zeros(2)})
    >>> state.hyperparams
    {'lr': 0.1}
    """
    hyperparams: Any
    inner_state: Any


def state_fields(state: Any) -> dict[str, Any]:
    """``{name: value}`` for every field of a (nested) optimizer state: torch's per-parameter state names.

    >>> state = fgrad.optim.adam(lr=0.1, amsgrad=True).init({"w": np.zeros(2)})
    >>> sorted(fgrad.optim.state_fields(state))
    ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']
    """
    out: dict[str, Any] = {}
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        out.update(zip(state._fields, state))
    elif isinstance(state, tuple):
        for s in state:
            out.update(state_fields(s))
    return out


def _fill(template, fields):
    """``template`` with each field taken from ``fields`` by name where given."""
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return type(template)(*(fields[n] if n in fields else v for n, v in zip(template._fields, template)))
    if isinstance(template, tuple):
        return tuple(_fill(t, fields) for t in template)
    return template


def _frozen(v):
    return tuple(_frozen(x) for x in v) if isinstance(v, (list, tuple)) else v


def inject_hyperparams(rule: Callable[..., GradientTransformation]) -> Callable[..., GradientTransformation]:
    """optax's ``inject_hyperparams``: ``inject_hyperparams(rule)(**hyperparams)`` is ``rule(**hyperparams)``
    with the hyperparameters kept in the state (:class:`InjectHyperparamsState`).

    They are checked once, when the optimizer is made (torch's constructors check; ``validate=False``
    skips it); a value written into ``state.hyperparams`` later is used as it is at the next update (the
    rule is made again for new values only, and kept for them). The inner state may be given as a
    mapping of its fields by name (torch's per-parameter state dict): fields missing from it that the
    rule starts with values are initialised from ``params``, lazy ones stay ``None``.

    >>> params = {"w": np.array([1.0, -2.0])}
    >>> opt = fgrad.optim.inject_hyperparams(fgrad.optim.sgd)(lr=0.1)
    >>> state = opt.init(params)
    >>> state.hyperparams["lr"] = 0.5  # e.g. a learning-rate schedule
    >>> updates, state = opt.update({"w": np.array([2.0, -4.0])}, state, params)
    >>> updates["w"]
    array([-1.,  2.])
    """
    takes_validate = "validate" in inspect.signature(rule).parameters
    made: dict[Any, list[Any]] = {}  # hyperparameters -> [the rule made with them, its state's template (by need)]

    def rule_for(hyperparams, validate=False):
        try:
            key = tuple(sorted((k, _frozen(v)) for k, v in hyperparams.items()))
            hash(key)
        except TypeError:  # unhashable values (traced ones): made for this update only
            key = None
        entry = made.get(key) if key is not None else None
        if entry is None:
            entry = [rule(**hyperparams, validate=validate) if takes_validate else rule(**hyperparams), None]
            if key is not None:
                if len(made) >= 64:  # a schedule writing a new value every step
                    made.clear()
                made[key] = entry
        return entry

    def by_name(entry, fields, params):
        tx, template = entry
        if template is None:
            template = entry[1] = tx.init(np.zeros((), SCALAR_DTYPE))
        if any(v is not None and n not in fields for n, v in state_fields(template).items()):
            template = tx.init(params)
        return _fill(template, fields)

    def make(*, validate=True, **hyperparams):
        first = rule_for(hyperparams, validate)[0]

        def init(params):
            return InjectHyperparamsState(dict(hyperparams), first.init(params))

        def update(updates, state, params=None):
            entry = rule_for(state.hyperparams)
            inner = state.inner_state
            if isinstance(inner, Mapping):
                inner = by_name(entry, inner, params)
            updates, inner = entry[0].update(updates, inner, params)
            return updates, InjectHyperparamsState(state.hyperparams, inner)

        return GradientTransformation(init, update)

    return make


def apply_updates(params: PyTree, updates: PyTree) -> PyTree:
    """``params + updates`` leafwise, keeping each parameter's dtype.

    >>> params = {"w": np.array([1.0, 2.0], np.float32)}
    >>> fgrad.optim.apply_updates(params, {"w": np.array([0.5, -0.5])})["w"]
    array([1.5, 1.5], dtype=float32)
    """
    def add(p, u):
        new = p + u
        return new if _dtype(new) == _dtype(p) else fnp.astype(new, _dtype(p))
    return tree_map(add, params, updates)

