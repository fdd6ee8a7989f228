"""SciPy's special functions, differentiable: ``fgrad.scipy.special``.

Names and signatures follow ``scipy.special``. Functions NumPy lacks (the error
and gamma families, ``expit``, ``log_ndtr``) are primitives with NumPy/CuPy
kernels in ``_kernels``; the rest are composites of existing primitives. Each
derivative rule is itself differentiable, so derivatives of every order work:
``gammaln -> digamma -> polygamma(1) -> polygamma(2) -> ...``.

>>> import fgrad, fgrad.numpy as fnp
>>> from fgrad.scipy.special import erf, logsumexp
>>> fgrad.grad(lambda x: logsumexp(x))(fnp.zeros(4))   # the softmax
array([0.25, 0.25, 0.25, 0.25])
"""
import math
import operator

import numpy as np

from .. import batching, numpy as fnp
from ..core import Primitive, Tracer, concrete, concrete_value
from ..numpy import get_array_module, shape
from ..numpy._reductions import keepdims_shape, normalize_axis
from . import _kernels

__all__ = ["erf", "erfc", "erfcx", "erfinv", "erfcinv", "expit", "logit", "log_expit", "ndtr", "ndtri",
           "log_ndtr", "gammaln", "digamma", "psi", "polygamma", "xlogy", "xlog1py", "entr",
           "logsumexp", "softmax", "log_softmax"]

_SQRT_PI = math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)
_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# ------------------------------------------------------------------ primitive plumbing

def _float_input(x, name):
    """``(float64 array, output dtype)``: integers compute as float64, float16/32 stay."""
    xp = get_array_module(x)
    x = xp.asarray(x)
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError(f"{name}: complex input is not supported (got {x.dtype})")
    if kind not in "biuf":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {x.dtype}")
    out_dtype = x.dtype if kind == "f" else np.dtype(np.float64)
    return x.astype(np.float64, copy=False), out_dtype, xp


def _finish(out, out_dtype, xp):
    out = xp.asarray(out).astype(out_dtype, copy=False)
    return out[()] if xp is np and out.ndim == 0 else out  # scalars in, NumPy scalar out (as a ufunc)


def _kernel_impl(name, kernel):
    """A primitive impl that runs a float64 kernel and casts back (float32 in, float32 out)."""
    def impl(x, **params):
        x64, out_dtype, xp = _float_input(x, name)
        with np.errstate(all="ignore"):  # poles and overflow give inf/nan, as in SciPy
            out = kernel(x64, **params)
        return _finish(out, out_dtype, xp)
    impl.__name__ = f"{name}_impl"
    return impl


def _unary(name, kernel, deriv, **flags):
    """Register ``name`` with derivative ``deriv(ans, x, **params)`` (written in fgrad.numpy).

    ``flags`` (``reads_output=False``) go to ``Primitive``: they must match what ``deriv`` reads.
    """
    flags.setdefault("batch", batching.elementwise)
    return Primitive(name, _kernel_impl(name, kernel),
                     vjp=(lambda g, ans, x, **p: g * deriv(ans, x, **p),),
                     jvp=(lambda t, ans, x, **p: t * deriv(ans, x, **p),), **flags)


def _safe(cond, x, fill):
    """``x`` where ``cond`` holds, else a harmless ``fill``: the unselected branch of a
    ``where`` must stay finite, or its derivative (0 * inf) would poison the gradient."""
    return fnp.where(cond, x, fill)


# ------------------------------------------------------------------ error functions

_erf = _unary("erf", _kernels.erf, lambda ans, x: (2.0 / _SQRT_PI) * fnp.exp(-(x * x)), reads_output=False)
_erfc = _unary("erfc", _kernels.erfc, lambda ans, x: (-2.0 / _SQRT_PI) * fnp.exp(-(x * x)), reads_output=False)


def _erfcx_deriv(ans, x):
    # 2x erfcx(x) - 2/sqrt(pi) cancels as x grows (relative error ~ x**2 eps); from x = 12
    # on the asymptotic series sum_k (-1)**k (2k-1)!! / (2x**2)**k is exact to eps instead.
    big = x > 12.0
    u = 1.0 / (2.0 * fnp.square(_safe(big, x, 12.0)))
    series, term = 0.0, -u
    for k in range(1, 15):
        series = series + term
        term = term * (-(2 * k + 1) * u)
    return fnp.where(big, (2.0 / _SQRT_PI) * series, 2.0 * x * ans - 2.0 / _SQRT_PI)


_erfcx = _unary("erfcx", _kernels.erfcx, _erfcx_deriv)
_erfinv = _unary("erfinv", _kernels.erfinv, lambda ans, x: (_SQRT_PI / 2.0) * fnp.exp(ans * ans))
_erfcinv = _unary("erfcinv", _kernels.erfcinv, lambda ans, x: (-_SQRT_PI / 2.0) * fnp.exp(ans * ans))


def erf(x):
    """The error function, accurate to a few ulp over the whole real line.

    >>> erf(0.5)
    np.float64(0.5204998778130465)
    """
    return _erf.bind(x)


def erfc(x):
    """``1 - erf(x)`` without cancellation: full relative accuracy in the tail (to 1e-308)."""
    return _erfc.bind(x)


def erfcx(x):
    """The scaled complementary error function ``exp(x**2) * erfc(x)``.

    >>> erfcx(1e5)   # ~ 1 / (x sqrt(pi)), where erfc alone underflows
    np.float64(5.641895835195468e-06)
    """
    return _erfcx.bind(x)


def erfinv(y):
    """The inverse of ``erf`` on [-1, 1] (Newton/Halley on ``erf``); derivative
    ``sqrt(pi)/2 * exp(erfinv(y)**2)``.

    >>> erfinv(0.5)
    np.float64(0.4769362762044699)
    """
    return _erfinv.bind(y)


def erfcinv(y):
    """The inverse of ``erfc`` on [0, 2], accurate down to the smallest subnormal ``y``."""
    return _erfcinv.bind(y)


_ndtr = _unary("ndtr", _kernels.ndtr, lambda ans, x: _INV_SQRT_2PI * fnp.exp(-0.5 * (x * x)))


def ndtr(x):
    """The standard normal CDF, with full relative accuracy in the left tail.

    >>> ndtr(0.0)
    np.float64(0.5)
    """
    return _ndtr.bind(x)


def ndtri(p):
    """The inverse of ``ndtr``: ``-sqrt(2) * erfcinv(2 p)``, accurate for tiny ``p``."""
    return -_SQRT2 * erfcinv(2.0 * p)


def _log_ndtr_kernel(x):
    neg = x < 0
    z = -np.where(neg, x, 0.0) * _SQRT1_2
    left = np.log(0.5 * _kernels.erfcx(z)) - z * z  # log(0.5 erfc(z)) without underflow
    right = np.log1p(-_kernels.ndtr(-np.where(neg, 0.0, x)))
    return np.where(neg, left, right)


def _log_ndtr_deriv(ans, x):
    # pdf / cdf. Left of 0 it is sqrt(2/pi) / erfcx(-x/sqrt(2)), which neither
    # underflows nor cancels; right of 0 the cdf is >= 1/2.
    neg = x < 0
    xn = _safe(neg, x, 0.0)
    xr = _safe(neg, 0.0, x)
    left = _SQRT_2_OVER_PI / erfcx(-(xn * _SQRT1_2))
    right = _INV_SQRT_2PI * fnp.exp(-0.5 * (xr * xr)) / ndtr(xr)
    return fnp.where(neg, left, right)


_log_ndtr = _unary("log_ndtr", _log_ndtr_kernel, _log_ndtr_deriv)


def log_ndtr(x):
    """``log(ndtr(x))``, accurate far into both tails.

    >>> log_ndtr(-40.0)   # ndtr(-40) underflows to 0
    np.float64(-804.6084420137539)
    """
    return _log_ndtr.bind(x)


# ------------------------------------------------------------------ logistic

def _expit_kernel(x):
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    r = 1.0 / (1.0 + e)
    return xp.where(x >= 0, r, e * r)


def _expit_impl(x):
    xp = get_array_module(x)
    x = xp.asarray(x)
    if x.dtype.kind in "biu":
        x = x.astype(np.float64)
    elif x.dtype.kind != "f":
        raise TypeError(f"expit: expected a real numeric array, got dtype {x.dtype}")
    out = _expit_kernel(x)
    return out[()] if xp is np and out.ndim == 0 else out


# The rule ans * (1 - ans) is the one torch and JAX use, so derivatives agree with them exactly.
_expit = Primitive("expit", _expit_impl,
                   vjp=(lambda g, ans, x: g * (ans * (1.0 - ans)),),
                   jvp=(lambda t, ans, x: t * (ans * (1.0 - ans)),), batch=batching.elementwise)


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for any ``x``.

    >>> expit(0.0)
    np.float64(0.5)
    """
    return _expit.bind(x)


def logit(p):
    """``log(p / (1 - p))``; near ``p = 1/2`` as ``log1p(s) - log1p(-s)``, ``s = 2p - 1``,
    which keeps full relative accuracy where the plain formula cancels."""
    s = 2.0 * p - 1.0  # exact for p in [1/4, 3/4]
    mid = fnp.absolute(s) < 0.5
    sm = _safe(mid, s, 0.0)
    po = _safe(mid, 0.1, p)
    return fnp.where(mid, fnp.log1p(sm) - fnp.log1p(-sm), fnp.log(po / (1.0 - po)))


def log_expit(x):
    """``log(expit(x))`` without underflow: ``min(x, 0) - log1p(exp(-|x|))``."""
    pos = x >= 0
    negabs = fnp.where(pos, -x, x)  # -|x|, with derivative -1 at 0 (not abs's 0)
    return fnp.where(pos, 0.0, x) - fnp.log1p(fnp.exp(negabs))


# ------------------------------------------------------------------ gamma family

def _check_order(n):
    try:
        k = operator.index(n)
    except TypeError:
        v = np.asarray(concrete_value(n, "polygamma's order n"))
        if v.ndim == 0 and v.dtype.kind == "f" and float(v).is_integer():
            k = int(v)
        else:
            raise TypeError(f"polygamma: the order n must be a non-negative integer scalar, got {n!r}") from None
    if k < 0:
        raise ValueError(f"polygamma: the order n must be non-negative, got {k}")
    return k


_polygamma = _unary("polygamma", lambda x, n: _kernels.polygamma(n, x), lambda ans, x, n: polygamma(n + 1, x))
_gammaln = _unary("gammaln", _kernels.gammaln, lambda ans, x: digamma(x), reads_output=False)


def gammaln(x):
    """``log|Gamma(x)|``; exact zeros at 1 and 2, +inf at the poles 0, -1, -2, ...

    >>> gammaln(0.5)   # log(sqrt(pi))
    np.float64(0.5723649429247001)
    """
    return _gammaln.bind(x)


def polygamma(n, x):
    """The ``n``-th derivative of ``digamma`` (``n`` a static non-negative integer).

    Its derivative is ``polygamma(n + 1, x)``, so any order of differentiation works.

    >>> polygamma(1, 1.0)   # pi**2 / 6
    np.float64(1.6449340668482264)
    """
    return _polygamma.bind(x, n=_check_order(n))


def digamma(x):
    """``d/dx gammaln(x)``; full relative accuracy around its positive root 1.4616...

    >>> digamma(1.0)   # -euler_gamma
    np.float64(-0.5772156649015329)
    """
    return _polygamma.bind(x, n=0)


psi = digamma


# ------------------------------------------------------------------ x log y family

def xlogy(x, y):
    """``x * log(y)``, and 0 where ``x == 0`` (unless ``y`` is nan).

    Its ``x``-derivative is ``log(y)`` even at ``x == 0`` for ``y > 0`` (as in JAX).
    """
    special = (x == 0) & ((y <= 0) | (y == np.inf))
    return x * fnp.log(_safe(special, 1.0, y))


def xlog1py(x, y):
    """``x * log1p(y)``, and 0 where ``x == 0`` (unless ``y`` is nan)."""
    special = (x == 0) & ((y <= -1) | (y == np.inf))
    return x * fnp.log1p(_safe(special, 0.0, y))


def entr(x):
    """Elementwise entropy: ``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` for ``x < 0``."""
    xs = _safe(x > 0, x, 1.0)
    out = -(x * fnp.log(xs))
    return fnp.where(x < 0, -np.inf, fnp.where(x == 0, 0.0, out))


# ------------------------------------------------------------------ log-sum-exp family

def _axes(x, axis, name):
    return normalize_axis(axis, len(shape(x)), name)


def _max_shift(x, axis, values=None):
    """The max of ``values`` (default ``x``) over ``axis``, dims kept, in ``x``'s dtype.

    A constant (the raw max, never traced): the shift that keeps exp from
    overflowing. Every function below is invariant to it, so no gradient is lost.
    Under ``vmap`` each example gets its own shift (a batched constant).
    """
    raw, values = _constant(x), _constant(values)
    if isinstance(raw, Tracer) or isinstance(values, Tracer):
        kshape = keepdims_shape(shape(raw), axis)
        if 0 in shape(raw) or 0 in kshape:
            return fnp.zeros_like(raw, shape=kshape)
        m = fnp.max(raw if values is None else values, axis=axis, keepdims=True)
        return fnp.astype(fnp.where(fnp.isfinite(m), m, 0), concrete(raw).dtype)
    xp = get_array_module(raw)
    raw = xp.asarray(raw)
    values = raw if values is None else values
    kshape = keepdims_shape(raw.shape, axis)
    if raw.size == 0 or 0 in kshape:
        return xp.zeros(kshape, dtype=raw.dtype)
    m = xp.max(values, axis=axis, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0).astype(raw.dtype, copy=False)


def _constant(x):
    """``x`` without its derivative tracers: a raw array, or under ``vmap`` a batch tracer of one."""
    return x._nondiff_value() if isinstance(x, Tracer) else x


def _drop_axes(out, xshape, axis, keepdims):
    if keepdims:
        return out
    if axis is None:
        return fnp.reshape(out, ())
    return fnp.reshape(out, tuple(n for i, n in enumerate(xshape) if i not in axis))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` over ``axis``, shifted by the max so nothing overflows.

    The gradient with respect to ``a`` is the (``b``-weighted) softmax. With
    ``return_sign=True`` returns ``(log|s|, sign(s))`` for sums that may be negative.

    >>> float(logsumexp(fnp.array([1000.0, 1000.0])))
    1000.6931471805599
    """
    if b is not None:
        common = np.broadcast_shapes(shape(a), shape(b))
        a, b = fnp.broadcast_to(a, common), fnp.broadcast_to(b, common)
    ax = _axes(a, axis, "logsumexp")
    if b is None:
        m = _max_shift(a, ax)
        e = fnp.exp(a - m)
    else:
        # Entries with b == 0 do not count, also not for the shift (as in SciPy); they are
        # capped at the shift so that exp cannot overflow into 0 * inf = nan.
        counts = _constant(b) != 0
        m = _max_shift(a, ax, fnp.where(counts, _constant(a), -np.inf))
        e = b * fnp.exp(fnp.where(counts, a, fnp.minimum(a, m)) - m)
    s = fnp.sum(e, axis=ax, keepdims=True)
    sign = None
    if return_sign:
        sign = fnp.sign(s)
        s = fnp.absolute(s)
    with np.errstate(divide="ignore"):  # an empty or all -inf sum is -inf, quietly (as SciPy)
        out = _drop_axes(fnp.log(s) + m, shape(a), ax, keepdims)
    if return_sign:
        return out, _drop_axes(sign, shape(a), ax, keepdims)
    return out


def softmax(x, axis=None):
    """``exp(x) / sum(exp(x))`` over ``axis`` (all elements when None, as in SciPy)."""
    ax = _axes(x, axis, "softmax")
    e = fnp.exp(x - _max_shift(x, ax))
    return e / fnp.sum(e, axis=ax, keepdims=True)


def log_softmax(x, axis=None):
    """``x - logsumexp(x)`` over ``axis``, computed from the max-shifted values."""
    ax = _axes(x, axis, "log_softmax")
    shifted = x - _max_shift(x, ax)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=ax, keepdims=True))
