"""Activation functions: ``jax.nn``'s names (and torch's spellings), differentiable.

Values and derivatives match ``torch.nn.functional`` -- including the derivative
at a kink, which is fixed by which side of the comparison the kink falls on:
``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``, ``elu'(0) = alpha``,
``hard_tanh'(min_val) = hard_tanh'(max_val) = 0``, ``softplus`` uses its log1p
branch at the threshold itself, and so on. A nan input gives a nan value, as in
torch (whose own kernels disagree about the gradient at nan). ``relu``,
``leaky_relu`` and ``hard_tanh`` are primitives (hot paths); the others are
composites whose ``where`` conditions mirror torch's kernels, so the kink
derivatives come out the same.

>>> import fgrad, fgrad.nn as nn
>>> fgrad.grad(nn.relu)(0.0)
array(0.)
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

import fgrad.numpy as fnp
from fgrad import batching
from fgrad.core import Primitive as defprim, Tracer
from fgrad.numpy import get_array_module as array_module
from fgrad.scipy.special import expit, logsumexp, log_softmax as _log_softmax, softmax as _softmax, erf

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, Axis, DTypeLike

__all__ = ["relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
           "softplus", "sigmoid", "log_sigmoid", "hard_tanh", "hard_sigmoid", "hard_swish", "hard_silu",
           "soft_sign", "tanhshrink", "softshrink", "hardshrink", "threshold", "softmax", "log_softmax",
           "logsumexp", "one_hot",
           # torch's spellings
           "hardtanh", "hardsigmoid", "hardswish", "logsigmoid", "softsign"]

# torch's SELU constants (Klambauer et al. 2017), to torch's printed precision.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _raw_array(x):
    xp = array_module(x)
    x = xp.asarray(x)
    return x, xp


def _scalar_out(out, xp):
    return out[()] if xp is np and out.ndim == 0 else out


# ------------------------------------------------------------------ primitives (kinks)

def _relu_impl(x):
    x, xp = _raw_array(x)
    return _scalar_out(xp.maximum(x, 0).astype(x.dtype, copy=False), xp)  # keeps nan, like torch


def _select(keep, g):
    """``g`` where ``keep``, else 0, by selection as JAX's relu has it: an inf or nan in ``g`` stays out of
    the dropped positions (``0 * inf`` would be nan). On NumPy arrays a multiply by the mask, ~10x faster
    than ``where()`` on a random mask (the MLP/conv hot path), unless it made a nan."""
    if type(g) is np.ndarray and type(keep) is np.ndarray:
        out = g * keep
        if not np.isnan(out).any():
            return out
    return fnp.where(keep, g, fnp.zeros_like(g))


# torch's threshold_backward: zero where x <= 0, so relu'(0) = 0 and a nan passes its gradient.
_relu = defprim("relu", _relu_impl,
                vjp=(lambda g, ans, x: _select(fnp.logical_not(x <= 0), g),),
                jvp=(lambda t, ans, x: _select(fnp.logical_not(x <= 0), t),), batch=batching.elementwise)


def _leaky_impl(x, negative_slope):
    x, xp = _raw_array(x)
    return _scalar_out(xp.where(x > 0, x, x * negative_slope), xp)


_leaky_relu = defprim("leaky_relu", _leaky_impl,
                      vjp=(lambda g, ans, x, negative_slope: fnp.where(x > 0, g, g * negative_slope),),
                      jvp=(lambda t, ans, x, negative_slope: fnp.where(x > 0, t, t * negative_slope),),
                      batch=batching.elementwise, reads_output=False)


def _hard_tanh_impl(x, min_val, max_val):
    x, xp = _raw_array(x)
    return _scalar_out(xp.clip(x, min_val, max_val).astype(x.dtype, copy=False), xp)


def _hard_tanh_rule(g, ans, x, min_val, max_val):
    # The gradient passes only strictly inside (min_val, max_val) -- unlike fnp.clip.
    return fnp.where((x <= min_val) | (x >= max_val), 0.0, g)


_hard_tanh = defprim("hard_tanh", _hard_tanh_impl, vjp=(_hard_tanh_rule,), jvp=(_hard_tanh_rule,),
                     batch=batching.elementwise, reads_output=False)


def relu(x: ArrayLike) -> Array:
    """``max(x, 0)``, with ``relu'(0) = 0`` as in torch and JAX.

    >>> fgrad.nn.relu(np.array([-2.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> print(fgrad.grad(fgrad.nn.relu)(0.0))
    0.0
    """
    return _relu.bind(x)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Array:
    """``x`` for ``x > 0``, else ``negative_slope * x``; the derivative at 0 is ``negative_slope``.

    >>> fgrad.nn.leaky_relu(np.array([-2.0, 0.0, 2.0]), negative_slope=0.1)
    array([-0.2,  0. ,  2. ])
    """
    return _leaky_relu.bind(x, negative_slope=float(negative_slope))


def hard_tanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    """``x`` clipped to ``[min_val, max_val]``; the derivative is 0 at both ends (torch's hardtanh).

    >>> fgrad.nn.hard_tanh(np.array([-2.0, 0.0, 2.0]))
    array([-1.,  0.,  1.])
    """
    if min_val > max_val:
        raise ValueError(f"hard_tanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _hard_tanh.bind(x, min_val=float(min_val), max_val=float(max_val))


def relu6(x: ArrayLike) -> Array:
    """``min(max(x, 0), 6)``; derivative 0 at 0 and at 6 (torch's relu6 is hardtanh(0, 6)).

    >>> fgrad.nn.relu6(np.array([-8.0, 0.0, 8.0]))
    array([0., 0., 6.])
    """
    return hard_tanh(x, 0.0, 6.0)


# ------------------------------------------------------------------ piecewise composites

def _neg_part(cond, x):
    """``x`` where the negative branch is taken, else 0: keeps expm1 finite elsewhere."""
    return fnp.where(cond, x, 0.0)


def elu(x: ArrayLike, alpha: float = 1.0) -> Array:
    """``x`` for ``x > 0``, else ``alpha * expm1(x)``; the derivative at 0 is ``alpha``.

    >>> fgrad.nn.elu(np.array([-2.0, 0.0, 2.0]))
    array([-0.8647,  0.    ,  2.    ])
    """
    neg = x <= 0  # torch's orientation: a nan takes the identity branch
    return fnp.where(neg, float(alpha) * fnp.expm1(_neg_part(neg, x)), x)


def selu(x: ArrayLike) -> Array:
    """``scale * elu(x, alpha)`` with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507).

    >>> fgrad.nn.selu(np.array([-2.0, 0.0, 2.0]))
    array([-1.5202,  0.    ,  2.1014])
    """
    neg = x <= 0
    return fnp.where(neg, (_SELU_ALPHA * _SELU_SCALE) * fnp.expm1(_neg_part(neg, x)), x * _SELU_SCALE)


def celu(x: ArrayLike, alpha: float = 1.0) -> Array:
    """``x`` for ``x > 0``, else ``alpha * expm1(x / alpha)``; the derivative at 0 is 1.

    >>> fgrad.nn.celu(np.array([-2.0, 0.0, 2.0]), alpha=2.0)
    array([-1.2642,  0.    ,  2.    ])
    """
    alpha = float(alpha)
    if alpha == 0.0:
        raise ValueError("celu: alpha cannot be 0")
    neg = x <= 0
    return fnp.where(neg, alpha * fnp.expm1(_neg_part(neg, x) * (1.0 / alpha)), x)


def prelu(x: ArrayLike, weight: ArrayLike) -> Array:
    """``x`` for ``x > 0``, else ``weight * x``; ``weight`` is differentiable and broadcasts
    as in NumPy (a per-channel torch weight of shape (C,) must be reshaped to (C, 1, ...)).

    >>> fgrad.nn.prelu(np.array([-2.0, 0.0, 2.0]), np.array(0.25))
    array([-0.5,  0. ,  2. ])
    """
    return fnp.where(x > 0, x, weight * x)


def hard_sigmoid(x: ArrayLike) -> Array:
    """``relu6(x + 3) / 6``; derivative 1/6 strictly inside (-3, 3), else 0 (as torch).

    >>> fgrad.nn.hard_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0.1667, 0.5   , 0.8333])
    """
    nan = fnp.isnan(x)  # the slope at nan is 0 (torch's and JAX's; hardtanh's is 1)
    return fnp.where(nan, fnp.stop_gradient(x), hard_tanh(x + 3.0, 0.0, 6.0) / 6.0)


def hard_swish(x: ArrayLike) -> Array:
    """``x * relu6(x + 3) / 6``; derivative ``x/3 + 1/2`` inside (-3, 3), 0 at -3, 1 at 3 (as torch).

    Also spelled ``hard_silu`` (JAX) and ``hardswish`` (torch).

    >>> fgrad.nn.hard_swish(np.array([-2.0, 0.0, 2.0]))
    array([-0.3333,  0.    ,  1.6667])
    """
    return x * hard_tanh(x + 3.0, 0.0, 6.0) / 6.0


def softshrink(x: ArrayLike, lambd: float = 0.5) -> Array:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    >>> fgrad.nn.softshrink(np.array([-2.0, 0.5, 2.0]), lambd=1.0)
    array([-1.,  0.,  1.])
    """
    lambd = float(lambd)
    inside = (x >= -lambd) & (x <= lambd)  # this orientation lets a nan through, as torch's does
    return fnp.where(inside, 0.0, fnp.where(x > lambd, x - lambd, x + lambd))


def hardshrink(x: ArrayLike, lambd: float = 0.5) -> Array:
    """``x`` where ``|x| > lambd``, else 0 (derivative 0 at ``+-lambd``).

    >>> fgrad.nn.hardshrink(np.array([-2.0, 0.5, 2.0]), lambd=1.0)
    array([-2.,  0.,  2.])
    """
    lambd = float(lambd)
    return fnp.where((x >= -lambd) & (x <= lambd), 0.0, x)


def threshold(x: ArrayLike, threshold: float, value: float) -> Array:
    """``x`` where ``x > threshold``, else ``value`` (torch's F.threshold).

    >>> fgrad.nn.threshold(np.array([-2.0, 0.0, 2.0]), 1.0, -1.0)
    array([-1., -1.,  2.])
    """
    return fnp.where(x <= threshold, value, x)


# ------------------------------------------------------------------ smooth composites

sigmoid = expit


def log_sigmoid(x: ArrayLike) -> Array:
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, finite for every ``x``.

    >>> fgrad.nn.log_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([-2.1269, -0.6931, -0.1269])
    """
    pos = x >= 0
    negabs = fnp.where(pos, -x, x)  # -|x| with derivative -1 at 0, as torch's rule has
    return fnp.where(pos, 0.0, x) - fnp.log1p(fnp.exp(negabs))


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """``log1p(exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (torch's softplus).

    >>> fgrad.nn.softplus(np.array([-2.0, 0.0, 2.0]))
    array([0.1269, 0.6931, 2.1269])
    """
    beta, threshold = float(beta), float(threshold)
    xb = x * beta
    linear = xb > threshold
    return fnp.where(linear, x, fnp.log1p(fnp.exp(fnp.where(linear, 0.0, xb))) / beta)


def silu(x: ArrayLike) -> Array:
    """``x * sigmoid(x)`` (also called swish).

    >>> fgrad.nn.silu(np.array([-2.0, 0.0, 2.0]))
    array([-0.2384,  0.    ,  1.7616])
    """
    return x * expit(x)


swish = silu


def mish(x: ArrayLike) -> Array:
    """``x * tanh(softplus(x))``; softplus via logaddexp, so its derivative stays finite.

    >>> fgrad.nn.mish(np.array([-2.0, 0.0, 2.0]))
    array([-0.2525,  0.    ,  1.944 ])
    """
    return x * fnp.tanh(fnp.logaddexp(x, 0.0))


_GELU_TANH_BETA = math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5  # sqrt(2/pi), as torch computes it
_GELU_TANH_KAPPA = 0.044715


def gelu(x: ArrayLike, approximate: bool | str = True) -> Array:
    """The Gaussian error linear unit ``x * ndtr(x)``.

    ``approximate`` is JAX's ``True``/``False`` or torch's ``'tanh'``/``'none'``;
    the default is JAX's (``True``, the tanh form). Both forms use torch's formulas.

    >>> fgrad.nn.gelu(np.array([-2.0, 0.0, 2.0]))
    array([-0.0454,  0.    ,  1.9546])
    >>> fgrad.nn.gelu(np.array([-2.0, 0.0, 2.0]), approximate=False)
    array([-0.0455,  0.    ,  1.9545])
    """
    if approximate in (True, "tanh"):
        inner = _GELU_TANH_BETA * (x + _GELU_TANH_KAPPA * (x * x * x))
        return 0.5 * x * (1.0 + fnp.tanh(inner))
    if approximate in (False, "none"):
        return x * 0.5 * (1.0 + erf(x * math.sqrt(0.5)))
    raise ValueError(f"gelu: approximate must be True, False, 'tanh' or 'none', got {approximate!r}")


def soft_sign(x: ArrayLike) -> Array:
    """``x / (1 + |x|)``.

    >>> fgrad.nn.soft_sign(np.array([-2.0, 0.0, 2.0]))
    array([-0.6667,  0.    ,  0.6667])
    """
    return x / (1.0 + fnp.absolute(x))


def tanhshrink(x: ArrayLike) -> Array:
    """``x - tanh(x)``.

    >>> fgrad.nn.tanhshrink(np.array([-2.0, 0.0, 2.0]))
    array([-1.036,  0.   ,  1.036])
    """
    return x - fnp.tanh(x)


# ------------------------------------------------------------------ normalisers

def softmax(x: ArrayLike, axis: Axis = -1) -> Array:
    """``exp(x) / sum(exp(x))`` along ``axis`` (default the last, as in jax.nn).

    >>> fgrad.nn.softmax(np.array([-2.0, 0.0, 2.0]))
    array([0.0159, 0.1173, 0.8668])
    """
    m = _slice_max(x, axis)
    if m is None:
        return _softmax(x, axis=axis)
    e = fnp.exp(x - m)
    return e / fnp.sum(e, axis=axis, keepdims=True)


def _slice_max(x: ArrayLike, axis: Axis) -> Array | None:
    """The shift for softmax: the slice max without a gradient, left infinite or NaN, so a slice holding +inf
    or NaN (or only -inf) gives NaN, as in JAX and torch (``fgrad.scipy.special`` makes the shift finite, as
    SciPy). None for an empty slice."""
    shape = fnp.shape(x)
    axes = range(len(shape)) if axis is None else (axis,) if isinstance(axis, int) else axis
    if any(shape[a] == 0 for a in axes):
        return None
    return fnp.max(fnp.stop_gradient(x), axis=axis, keepdims=True)


def log_softmax(x: ArrayLike, axis: Axis = -1) -> Array:
    """``x - logsumexp(x)`` along ``axis`` (default the last).

    >>> fgrad.nn.log_softmax(np.array([-2.0, 0.0, 2.0]))
    array([-4.1429, -2.1429, -0.1429])
    """
    m = _slice_max(x, axis)
    if m is None:
        return _log_softmax(x, axis=axis)
    shifted = x - m
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def one_hot(x: ArrayLike, num_classes: int, *, dtype: DTypeLike = np.float64, axis: int = -1) -> Array:
    """One-hot encode integer ``x`` along a new ``axis``; out-of-range values give all zeros.

    Not differentiable (the result is a constant).

    >>> fgrad.nn.one_hot(np.array([0, 2, 5]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    num_classes = int(num_classes)
    if num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be non-negative, got {num_classes}")
    x = x._nondiff_value() if isinstance(x, Tracer) else x
    kind = fnp.result_type(x).kind if isinstance(x, Tracer) else _raw_array(x)[0].dtype.kind
    if kind not in "biuf":
        raise TypeError(f"one_hot: x must hold integers, got dtype {fnp.result_type(x)}")
    nd = len(fnp.shape(x)) + 1
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(f"one_hot: axis {axis} is out of bounds for the result of dimension {nd}")
    if isinstance(x, Tracer):  # under vmap: batched integers, one comparison for the whole batch
        out = fnp.astype(fnp.expand_dims(x, -1) == fnp.arange(num_classes), dtype)
        return fnp.moveaxis(out, -1, axis) if axis % nd != nd - 1 else out
    raw, xp = _raw_array(x)
    out = (raw[..., None] == xp.arange(num_classes)).astype(dtype)
    return xp.moveaxis(out, -1, axis) if axis % nd != nd - 1 else out


# torch's spellings
hardtanh = hard_tanh
hardsigmoid = hard_sigmoid
hardswish = hard_swish
hard_silu = hard_swish
logsigmoid = log_sigmoid
softsign = soft_sign
