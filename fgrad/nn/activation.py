"""Activations: torch.nn.functional's functions on arrays, and the activation layers.

The math is ``fgrad.nn``'s (whose kink derivatives match torch's); this module
adds torch's signatures (``inplace=`` is accepted and ignored -- arrays are
values), torch's ``gelu`` default (``approximate='none'``), per-channel ``prelu``
and the legacy implicit ``dim`` of ``softmax``.

>>> import numpy as np
>>> y, _ = GELU().apply({}, {}, np.array([1.0]))
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from . import activations as fnn
import fgrad.numpy as fnp

from .base import Layer
from .torch_rules import normalize_dim

if TYPE_CHECKING:
    from collections.abc import Callable

    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = [
    # functions
    "relu", "relu6", "leaky_relu", "prelu", "elu", "celu", "selu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "softplus", "hardtanh", "hardswish", "hardsigmoid", "softmax", "log_softmax", "softmin", "logsigmoid",
    "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "glu", "softmax_dim",
    # layers
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Softplus", "Hardtanh", "Hardswish", "Hardsigmoid", "Softmax", "LogSoftmax", "Softmin", "LogSigmoid",
    "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU",
]


# ----------------------------------------------------------------------------- functions

def relu(input: ArrayLike, inplace: bool = False) -> Array:
    """``max(x, 0)`` (torch.nn.functional.relu; ``inplace`` is accepted and ignored).

    >>> fgrad.nn.functional.relu(np.array([-1.0, 0.5, 3.0]))
    array([0. , 0.5, 3. ])
    """
    return fnn.relu(input)


def relu6(input: ArrayLike, inplace: bool = False) -> Array:
    """``min(max(x, 0), 6)``.

    >>> fgrad.nn.functional.relu6(np.array([-1.0, 0.5, 8.0]))
    array([0. , 0.5, 6. ])
    """
    return fnn.relu6(input)


def leaky_relu(input: ArrayLike, negative_slope: float = 0.01, inplace: bool = False) -> Array:
    """``x`` for ``x > 0``, else ``negative_slope * x``.

    >>> fgrad.nn.functional.leaky_relu(np.array([-1.0, 0.5, 3.0]), 0.2)
    array([-0.2,  0.5,  3. ])
    """
    return fnn.leaky_relu(input, negative_slope)


def prelu(input: ArrayLike, weight: ArrayLike) -> Array:
    """``max(0, x) + weight * min(0, x)``; a weight of C elements acts on channel dim 1.

    ``weight`` has 1 or C elements (C = ``input.shape[1]``).

    >>> fgrad.nn.functional.prelu(np.array([[-1.0, 2.0], [3.0, -4.0]]), np.array([0.5, 0.25]))
    array([[-0.5,  2. ],
           [ 3. , -1. ]])
    """
    ws = np.shape(weight)
    n = int(np.prod(ws)) if ws else 1
    nd = np.ndim(input)
    if n == 1:
        w = fnp.reshape(weight, ())
    else:
        channels = np.shape(input)[1] if nd >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        w = fnp.reshape(weight, (n,) + (1,) * (nd - 2))
    return fnn.prelu(input, w)


def elu(input: ArrayLike, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    >>> fgrad.nn.functional.elu(np.array([-1.0, 0.5, 3.0]))
    array([-0.6321,  0.5   ,  3.    ])
    """
    return _torch_elu(input, float(alpha), 1.0, 1.0)


def _torch_elu(x, alpha, scale, input_scale):
    """torch's elu kernel: ``scale * alpha * expm1(x * input_scale)`` for ``x <= 0``, else ``scale * x``.
    At 0 the slope is the exponential branch's but the curvature is 0 (torch's double backward masks
    ``x < 0``; ``fgrad.nn.elu``'s is JAX's, ``alpha``): there the branch is its tangent line. A nan takes the
    identity branch, as torch's."""
    neg = x < 0
    tangent = fnp.where(x == 0, (scale * alpha * input_scale) * x, scale * x)
    return fnp.where(neg, (scale * alpha) * fnp.expm1(fnp.where(neg, x, 0.0) * input_scale), tangent)


def celu(input: ArrayLike, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x`` for ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``; alpha must not be 0.

    >>> fgrad.nn.functional.celu(np.array([-1.0, 0.5, 3.0]), alpha=2.0)
    array([-0.7869,  0.5   ,  3.    ])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _torch_elu(input, float(alpha), 1.0, 1.0 / alpha)


def selu(input: ArrayLike, inplace: bool = False) -> Array:
    """``scale * elu(x, alpha)`` with SELU's self-normalising constants.

    >>> fgrad.nn.functional.selu(np.array([-1.0, 0.5, 3.0]))
    array([-1.1113,  0.5254,  3.1521])
    """
    return _torch_elu(input, fnn._SELU_ALPHA, fnn._SELU_SCALE, 1.0)


def gelu(input: ArrayLike, approximate: str = "none") -> Array:
    """``x * Phi(x)``, torch's default ``approximate='none'`` (exact, via erf); ``'tanh'`` is the tanh form.

    >>> fgrad.nn.functional.gelu(np.array([-1.0, 0.5, 3.0]), approximate='tanh')
    array([-0.1588,  0.3457,  2.9964])

    >>> fgrad.nn.functional.gelu(np.array([-1.0, 0.5, 3.0]))
    array([-0.1587,  0.3457,  2.996 ])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return fnn.gelu(input, approximate=approximate)


def silu(input: ArrayLike, inplace: bool = False) -> Array:
    """``x * sigmoid(x)``.

    >>> fgrad.nn.functional.silu(np.array([-1.0, 0.5, 3.0]))
    array([-0.2689,  0.3112,  2.8577])
    """
    return fnn.silu(input)


def mish(input: ArrayLike, inplace: bool = False) -> Array:
    """``x * tanh(softplus(x))``.

    >>> fgrad.nn.functional.mish(np.array([-1.0, 0.5, 3.0]))
    array([-0.3034,  0.3752,  2.9865])
    """
    return fnn.mish(input)


def sigmoid(input: ArrayLike) -> Array:
    """``1 / (1 + exp(-x))``.

    >>> fgrad.nn.functional.sigmoid(np.array([-1.0, 0.5, 3.0]))
    array([0.2689, 0.6225, 0.9526])
    """
    return fnn.sigmoid(input)


def tanh(input: ArrayLike) -> Array:
    """The hyperbolic tangent, elementwise.

    >>> fgrad.nn.functional.tanh(np.array([-1.0, 0.5, 3.0]))
    array([-0.7616,  0.4621,  0.9951])
    """
    return fnp.tanh(input)


def softplus(input: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """``log(1 + exp(beta x)) / beta``, linear where ``beta x > threshold``.

    >>> fgrad.nn.functional.softplus(np.array([-1.0, 0.5, 3.0]), beta=2.0)
    array([0.0635, 0.6566, 3.0012])
    """
    return fnn.softplus(input, beta, threshold)


def hardtanh(input: ArrayLike, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Array:
    """``x`` clipped to ``[min_val, max_val]``.

    >>> fgrad.nn.functional.hardtanh(np.array([-1.0, 0.5, 3.0]))
    array([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return fnn.hard_tanh(input, min_val, max_val)


def hardswish(input: ArrayLike, inplace: bool = False) -> Array:
    """``x * relu6(x + 3) / 6``.

    >>> fgrad.nn.functional.hardswish(np.array([-1.0, 0.5, 3.0]))
    array([-0.3333,  0.2917,  3.    ])
    """
    nan = fnp.isnan(input)  # torch's slope at nan is 1 (its kernel's last branch); JAX's is nan
    safe = fnp.where(nan, 0.0, input)
    return fnp.where(nan, input, fnn.hard_swish(safe))


def hardsigmoid(input: ArrayLike, inplace: bool = False) -> Array:
    """``relu6(x + 3) / 6``.

    >>> fgrad.nn.functional.hardsigmoid(np.array([-1.0, 0.5, 3.0]))
    array([0.3333, 0.5833, 1.    ])
    """
    return fnn.hard_sigmoid(input)


def softmax_dim(name: str, ndim: int, stacklevel: int = 3) -> int:
    """torch's legacy implicit dim (with its deprecation warning): 0 for 0-, 1- and 3-D input, else 1.

    ``name`` is the calling function's name (for the warning), ``ndim`` the input's rank.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fgrad.nn.functional.softmax_dim("softmax", 2), fgrad.nn.functional.softmax_dim("softmax", 3)
    (1, 0)
    """
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _axis(input, dim, name, stacklevel):
    nd = np.ndim(input)
    if dim is None:
        dim = softmax_dim(name, nd, stacklevel + 1)
    return normalize_dim(dim, nd)


def _cast(input, dtype):
    return input if dtype is None else fnp.astype(input, np.dtype(dtype))


def softmax(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3, dtype: DTypeLike | None = None) -> Array:
    """``exp(x) / sum(exp(x))`` along ``dim`` (``None``: torch's legacy implicit dim, with a warning).

    ``dtype``, when given, casts the input first.

    >>> fgrad.nn.functional.softmax(np.array([-1.0, 0.5, 3.0]), dim=0)
    array([0.0166, 0.0746, 0.9088])
    """
    axis = _axis(input, dim, "softmax", _stacklevel)
    x = _cast(input, dtype)
    if np.ndim(x):
        return fnn.softmax(x, axis=axis)
    return fnp.reshape(fnn.softmax(fnp.reshape(x, (1,)), axis=0), ())  # 1, with x's graph (a zero gradient)


def log_softmax(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3,
                dtype: DTypeLike | None = None) -> Array:
    """``x - logsumexp(x)`` along ``dim`` (``None``: torch's legacy implicit dim, with a warning).

    >>> fgrad.nn.functional.log_softmax(np.array([-1.0, 0.5, 3.0]), dim=0)
    array([-4.0957, -2.5957, -0.0957])
    """
    axis = _axis(input, dim, "log_softmax", _stacklevel)
    x = _cast(input, dtype)
    if np.ndim(x):
        return fnn.log_softmax(x, axis=axis)
    return fnp.reshape(fnn.log_softmax(fnp.reshape(x, (1,)), axis=0), ())  # 0, with x's graph


def softmin(input: ArrayLike, dim: int | None = None, _stacklevel: int = 3, dtype: DTypeLike | None = None) -> Array:
    """``softmax(-x)`` along ``dim`` (``None``: torch's legacy implicit dim, with a warning).

    >>> fgrad.nn.functional.softmin(np.array([-1.0, 0.5, 3.0]), dim=0)
    array([0.8055, 0.1797, 0.0148])
    """
    axis = _axis(input, dim, "softmin", _stacklevel)
    x = -_cast(input, dtype)
    if np.ndim(x):
        return fnn.softmax(x, axis=axis)
    return fnp.reshape(fnn.softmax(fnp.reshape(x, (1,)), axis=0), ())  # 1, with x's graph (a zero gradient)


def logsigmoid(input: ArrayLike) -> Array:
    """``log(sigmoid(x))``, computed stably.

    >>> fgrad.nn.functional.logsigmoid(np.array([-1.0, 0.5, 3.0]))
    array([-1.3133, -0.4741, -0.0486])
    """
    return fnn.log_sigmoid(input)


def softsign(input: ArrayLike) -> Array:
    """``x / (1 + |x|)``.

    >>> fgrad.nn.functional.softsign(np.array([-1.0, 0.5, 3.0]))
    array([-0.5   ,  0.3333,  0.75  ])
    """
    return fnn.soft_sign(input)


def tanhshrink(input: ArrayLike) -> Array:
    """``x - tanh(x)``.

    >>> fgrad.nn.functional.tanhshrink(np.array([-1.0, 0.5, 3.0]))
    array([-0.2384,  0.0379,  2.0049])
    """
    return fnn.tanhshrink(input)


def softshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """Shrink towards 0 by ``lambd`` (>= 0); values within ``lambd`` of 0 become 0.

    >>> fgrad.nn.functional.softshrink(np.array([-1.0, 0.25, 3.0]))
    array([-0.5,  0. ,  2.5])
    """
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return fnn.softshrink(input, lambd)


def hardshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """``x`` where ``|x| > lambd``, else 0.

    >>> fgrad.nn.functional.hardshrink(np.array([-1.0, 0.5, 3.0]))
    array([-1.,  0.,  3.])
    """
    return fnn.hardshrink(input, lambd)


def threshold(input: ArrayLike, threshold: float, value: float, inplace: bool = False) -> Array:
    """``x`` where ``x > threshold``, else ``value`` (keeps the input's dtype).

    >>> fgrad.nn.functional.threshold(np.array([-1.0, 0.5, 3.0]), 0.5, 9.0)
    array([9., 9., 3.])
    """
    x = fnn.threshold(input, threshold, value)
    return fnp.astype(x, np.result_type(input)) if hasattr(input, "dtype") else x


def glu(input: ArrayLike, dim: int = -1) -> Array:
    """The gated linear unit ``a * sigmoid(b)``, where ``a, b`` are the halves of ``input`` along ``dim``.

    ``input.shape[dim]`` must be even; the result has half that size.

    >>> fgrad.nn.functional.glu(np.array([[1.0, 2.0, 0.0, 0.0]]))
    array([[0.5, 1. ]])
    """
    nd = np.ndim(input)
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _axis(input, dim, "glu", 3)
    size = np.shape(input)[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    a, b = fnp.split(input, 2, axis=axis)
    return a * fnn.sigmoid(b)


# ----------------------------------------------------------------------------- layers

class _Act(Layer):
    """A stateless activation: ``call`` runs ``fn(x, **self._kwargs())``."""

    fn: Callable[..., Array]

    def _kwargs(self) -> dict[str, Any]:
        return {}

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return type(self).fn(x, **self._kwargs())


def _inplace_str(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class ReLU(_Act):
    """The layer form of ``relu``: ``apply(params, state, x)`` with empty params and state.

    >>> y, _ = fgrad.nn.ReLU().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([0., 0., 1.])
    """
    fn = staticmethod(relu)

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, True)


class ReLU6(ReLU):
    """The layer form of ``relu6``.

    >>> y, _ = fgrad.nn.ReLU6().apply({}, {}, np.array([-3.0, 0.5, 7.0]))
    >>> y
    array([0. , 0.5, 6. ])
    """
    fn = staticmethod(relu6)


class SELU(ReLU):
    """The layer form of ``selu``.

    >>> y, _ = fgrad.nn.SELU().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-1.6706, -0.6918,  1.0507])
    """
    fn = staticmethod(selu)


class SiLU(ReLU):
    """The layer form of ``silu``.

    >>> y, _ = fgrad.nn.SiLU().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.1423, -0.1888,  0.7311])
    """
    fn = staticmethod(silu)


class Mish(ReLU):
    """The layer form of ``mish``.

    >>> y, _ = fgrad.nn.Mish().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.1456, -0.2207,  0.8651])
    """
    fn = staticmethod(mish)


class Hardswish(ReLU):
    """The layer form of ``hardswish``.

    >>> y, _ = fgrad.nn.Hardswish().apply({}, {}, np.array([-0.5, 1.0, 4.0]))
    >>> y
    array([-0.2083,  0.6667,  4.    ])
    """
    fn = staticmethod(hardswish)

    def extra_repr(self) -> str:
        return ""  # as torch's


class Hardsigmoid(Hardswish):
    """The layer form of ``hardsigmoid``.

    >>> y, _ = fgrad.nn.Hardsigmoid().apply({}, {}, np.array([-0.5, 1.0, 4.0]))
    >>> y
    array([0.4167, 0.6667, 1.    ])
    """
    fn = staticmethod(hardsigmoid)


class LeakyReLU(_Act):
    """The layer form of ``leaky_relu(x, negative_slope)``.

    >>> y, _ = fgrad.nn.LeakyReLU(0.5).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-1.5 , -0.25,  1.  ])
    """
    fn = staticmethod(leaky_relu)

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        self.negative_slope, self.inplace = negative_slope, inplace

    def _kwargs(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class ELU(_Act):
    """The layer form of ``elu(x, alpha)``.

    >>> y, _ = fgrad.nn.ELU(alpha=0.5).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.4751, -0.1967,  1.    ])
    """
    fn = staticmethod(elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.alpha, self.inplace = alpha, inplace

    def _kwargs(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    """The layer form of ``celu(x, alpha)``.

    >>> y, _ = fgrad.nn.CELU(alpha=0.5).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.4988, -0.3161,  1.    ])
    """
    fn = staticmethod(celu)


class GELU(_Act):
    """The layer form of ``gelu(x, approximate)`` (``'none'`` by default, as torch).

    >>> y, _ = fgrad.nn.GELU(approximate='tanh').apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.0036, -0.1543,  0.8412])
    """
    fn = staticmethod(gelu)

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def _kwargs(self) -> dict[str, Any]:
        return {"approximate": self.approximate}

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(_Act):
    """The layer form of ``sigmoid``.

    >>> y, _ = fgrad.nn.Sigmoid().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([0.0474, 0.3775, 0.7311])
    """
    fn = staticmethod(sigmoid)


class Tanh(_Act):
    """The layer form of ``tanh``.

    >>> y, _ = fgrad.nn.Tanh().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.9951, -0.4621,  0.7616])
    """
    fn = staticmethod(tanh)


class LogSigmoid(_Act):
    """The layer form of ``logsigmoid``.

    >>> y, _ = fgrad.nn.LogSigmoid().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-3.0486, -0.9741, -0.3133])
    """
    fn = staticmethod(logsigmoid)


class Softsign(_Act):
    """The layer form of ``softsign``.

    >>> y, _ = fgrad.nn.Softsign().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-0.75  , -0.3333,  0.5   ])
    """
    fn = staticmethod(softsign)


class Tanhshrink(_Act):
    """The layer form of ``tanhshrink``.

    >>> y, _ = fgrad.nn.Tanhshrink().apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-2.0049, -0.0379,  0.2384])
    """
    fn = staticmethod(tanhshrink)


class Softplus(_Act):
    """The layer form of ``softplus(x, beta, threshold)``.

    >>> y, _ = fgrad.nn.Softplus(beta=0.5).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([0.4028, 1.1519, 1.9482])
    """
    fn = staticmethod(softplus)

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold

    def _kwargs(self) -> dict[str, Any]:
        return {"beta": self.beta, "threshold": self.threshold}

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_Act):
    """The layer form of ``hardtanh(x, min_val, max_val)``.

    >>> y, _ = fgrad.nn.Hardtanh(-2.0, 2.0).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-2. , -0.5,  1. ])
    """
    fn = staticmethod(hardtanh)

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def _kwargs(self) -> dict[str, Any]:
        return {"min_val": self.min_val, "max_val": self.max_val}

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class Threshold(_Act):
    """The layer form of ``threshold(x, threshold, value)``.

    >>> y, _ = fgrad.nn.Threshold(0.0, -1.0).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-1., -1.,  1.])
    """
    fn = staticmethod(threshold)

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def _kwargs(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "value": self.value}

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class Softshrink(_Act):
    """The layer form of ``softshrink(x, lambd)``.

    >>> y, _ = fgrad.nn.Softshrink(0.5).apply({}, {}, np.array([-3.0, 0.25, 1.0]))
    >>> y
    array([-2.5,  0. ,  0.5])
    """
    fn = staticmethod(softshrink)

    def __init__(self, lambd: float = 0.5) -> None:
        self.lambd = lambd

    def _kwargs(self) -> dict[str, Any]:
        return {"lambd": self.lambd}

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """The layer form of ``hardshrink(x, lambd)``.

    >>> y, _ = fgrad.nn.Hardshrink(0.5).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-3.,  0.,  1.])
    """
    fn = staticmethod(hardshrink)


class Softmax(_Act):
    """The layer form of ``softmax(x, dim)``.

    >>> y, _ = fgrad.nn.Softmax(dim=0).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([0.0148, 0.1797, 0.8055])
    """
    fn = staticmethod(softmax)

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def _kwargs(self) -> dict[str, Any]:
        return {"dim": self.dim, "_stacklevel": 6}

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """The layer form of ``log_softmax(x, dim)``.

    >>> y, _ = fgrad.nn.LogSoftmax(dim=0).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([-4.2163, -1.7163, -0.2163])
    """
    fn = staticmethod(log_softmax)


class Softmin(Softmax):
    """The layer form of ``softmin(x, dim)``.

    >>> y, _ = fgrad.nn.Softmin(dim=0).apply({}, {}, np.array([-3.0, -0.5, 1.0]))
    >>> y
    array([0.9088, 0.0746, 0.0166])
    """
    fn = staticmethod(softmin)


class GLU(_Act):
    """The layer form of ``glu(x, dim)``: halves ``dim``.

    >>> y, _ = fgrad.nn.GLU().apply({}, {}, np.array([[2.0, -2.0, 0.0, 1.0]]))
    >>> y
    array([[ 1.    , -1.4621]])
    """
    fn = staticmethod(glu)

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def _kwargs(self) -> dict[str, Any]:
        return {"dim": self.dim}

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Layer):
    """``max(0, x) + a * min(0, x)`` with a learnable ``weight`` (num_parameters,), filled with ``init``.

    ``init(key)`` gives ``({"weight": (num_parameters,)}, {})``; ``num_parameters`` is 1 or the
    number of channels (dim 1 of the input).

    >>> layer = fgrad.nn.PReLU()
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"]
    array([0.25], dtype=float32)
    >>> layer.apply(params, state, np.array([-3.0, -0.5, 1.0], np.float32))[0]
    array([-0.75 , -0.125,  1.   ], dtype=float32)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: DTypeLike = np.float32) -> None:
        self.num_parameters, self.init_value, self.dtype = int(num_parameters), float(init), np.dtype(dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        return {"weight": np.full((self.num_parameters,), self.init_value, self.dtype)}, {}

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return prelu(x, params["weight"])

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
