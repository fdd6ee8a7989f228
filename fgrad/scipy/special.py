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
from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .. import batching, numpy as fnp
from ..core import Primitive, Tracer, concrete, concrete_value
from ..numpy import get_array_module, shape
from ..numpy._elementwise import unbroadcast
from ..numpy._reductions import keepdims_shape, normalize_axis
from . import _kernels

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, Axis

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


def erf(x: ArrayLike) -> Array:
    """The error function, accurate to a few ulp over the whole real line.

    >>> from fgrad.scipy.special import erf
    >>> print(round(float(erf(0.5)), 12))
    0.520499877813
    >>> print(round(float(fgrad.grad(erf)(0.0)), 12))  # 2 / sqrt(pi)
    1.128379167096
    """
    return _erf.bind(x)


def erfc(x: ArrayLike) -> Array:
    """``1 - erf(x)`` without cancellation: full relative accuracy in the tail (to 1e-308).

    >>> from fgrad.scipy.special import erfc
    >>> print(f"{float(erfc(10.0)):.12e}")
    2.088487583763e-45
    """
    return _erfc.bind(x)


def erfcx(x: ArrayLike) -> Array:
    """The scaled complementary error function ``exp(x**2) * erfc(x)``.

    >>> from fgrad.scipy.special import erfcx
    >>> print(f"{float(erfcx(1e5)):.12e}")   # ~ 1 / (x sqrt(pi)), where erfc alone underflows
    5.641895835195e-06
    """
    return _erfcx.bind(x)


def erfinv(y: ArrayLike) -> Array:
    """The inverse of ``erf`` on [-1, 1] (Newton/Halley on ``erf``); derivative
    ``sqrt(pi)/2 * exp(erfinv(y)**2)``.

    >>> from fgrad.scipy.special import erfinv
    >>> print(round(float(erfinv(0.5)), 12))
    0.476936276204
    """
    return _erfinv.bind(y)


def erfcinv(y: ArrayLike) -> Array:
    """The inverse of ``erfc`` on [0, 2], accurate down to the smallest subnormal ``y``.

    >>> from fgrad.scipy.special import erfcinv
    >>> print(round(float(erfcinv(1e-300)), 12))
    26.209469960516
    """
    return _erfcinv.bind(y)


_ndtr = _unary("ndtr", _kernels.ndtr, lambda ans, x: _INV_SQRT_2PI * fnp.exp(-0.5 * (x * x)))


def ndtr(x: ArrayLike) -> Array:
    """The standard normal CDF, with full relative accuracy in the left tail.

    >>> from fgrad.scipy.special import ndtr
    >>> ndtr(fnp.array([0.0, 1.0, -10.0]))
    array([0.5   , 0.8413, 0.    ])
    """
    return _ndtr.bind(x)


def ndtri(p: ArrayLike) -> Array:
    """The inverse of ``ndtr``: ``-sqrt(2) * erfcinv(2 p)``, accurate for tiny ``p``.

    >>> from fgrad.scipy.special import ndtri
    >>> ndtri(fnp.array([0.5, 0.975]))
    array([0.  , 1.96])
    """
    return 0.0 - _SQRT2 * erfcinv(2.0 * p)  # (0.0 -: ndtri(0.5) is +0.0, as in SciPy)


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


def log_ndtr(x: ArrayLike) -> Array:
    """``log(ndtr(x))``, accurate far into both tails.

    >>> from fgrad.scipy.special import log_ndtr
    >>> print(round(float(log_ndtr(-40.0)), 10))   # ndtr(-40) underflows to 0
    -804.6084420138
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


def expit(x: ArrayLike) -> Array:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, without overflow for any ``x``.

    >>> from fgrad.scipy.special import expit
    >>> expit(fnp.array([0.0, 2.0, -1000.0]))
    array([0.5   , 0.8808, 0.    ])
    >>> print(fgrad.grad(expit)(0.0))
    0.25
    """
    return _expit.bind(x)


def logit(p: ArrayLike) -> Array:
    """``log(p / (1 - p))``; near ``p = 1/2`` as ``log1p(s) - log1p(-s)``, ``s = 2p - 1``,
    which keeps full relative accuracy where the plain formula cancels.

    >>> from fgrad.scipy.special import logit
    >>> logit(fnp.array([0.5, 0.75]))
    array([0.    , 1.0986])
    """
    s = 2.0 * p - 1.0  # exact for p in [1/4, 3/4]
    mid = fnp.absolute(s) < 0.5
    sm = _safe(mid, s, 0.0)
    po = _safe(mid, 0.1, p)
    return fnp.where(mid, fnp.log1p(sm) - fnp.log1p(-sm), fnp.log(po / (1.0 - po)))


def log_expit(x: ArrayLike) -> Array:
    """``log(expit(x))`` without underflow: ``min(x, 0) - log1p(exp(-|x|))``.

    >>> from fgrad.scipy.special import log_expit
    >>> log_expit(fnp.array([0.0, -1000.0]))
    array([   -0.6931, -1000.    ])
    """
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


def gammaln(x: ArrayLike) -> Array:
    """``log|Gamma(x)|``; exact zeros at 1 and 2, +inf at the poles 0, -1, -2, ...

    >>> from fgrad.scipy.special import gammaln
    >>> print(round(float(gammaln(0.5)), 12))   # log(sqrt(pi))
    0.572364942925
    >>> gammaln(fnp.array([1.0, 2.0, 5.0]))
    array([0.    , 0.    , 3.1781])
    """
    return _gammaln.bind(x)


def polygamma(n: int, x: ArrayLike) -> Array:
    """The ``n``-th derivative of ``digamma`` (``n`` a static non-negative integer).

    Its derivative is ``polygamma(n + 1, x)``, so any order of differentiation works.

    >>> from fgrad.scipy.special import polygamma
    >>> print(round(float(polygamma(1, 1.0)), 12))   # pi**2 / 6
    1.644934066848
    """
    return _polygamma.bind(x, n=_check_order(n))


def digamma(x: ArrayLike) -> Array:
    """``d/dx gammaln(x)``; full relative accuracy around its positive root 1.4616... (``psi`` is the same function).

    >>> from fgrad.scipy.special import digamma, gammaln
    >>> print(round(float(digamma(1.0)), 12))   # -euler_gamma
    -0.577215664902
    >>> print(round(float(fgrad.grad(gammaln)(1.0)), 12))
    -0.577215664902
    """
    return _polygamma.bind(x, n=0)


psi = digamma


# ------------------------------------------------------------------ x log y family

def xlogy(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log(y)``, and 0 where ``x == 0`` (unless ``y`` is nan).

    Its ``x``-derivative is ``log(y)`` even at ``x == 0`` for ``y > 0`` (as in JAX).

    >>> from fgrad.scipy.special import xlogy
    >>> xlogy(fnp.array([0.0, 2.0]), fnp.array([0.0, fnp.e]))
    array([0., 2.])
    """
    special = (x == 0) & ((y <= 0) | (y == np.inf))
    return x * fnp.log(_safe(special, 1.0, y))


def xlog1py(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log1p(y)``, and 0 where ``x == 0`` (unless ``y`` is nan).

    >>> from fgrad.scipy.special import xlog1py
    >>> xlog1py(fnp.array([0.0, 2.0]), fnp.array([-1.0, fnp.e - 1]))
    array([0., 2.])
    """
    special = (x == 0) & ((y <= -1) | (y == np.inf))
    return x * fnp.log1p(_safe(special, 0.0, y))


def entr(x: ArrayLike) -> Array:
    """Elementwise entropy: ``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` for ``x < 0``.

    >>> from fgrad.scipy.special import entr
    >>> entr(fnp.array([0.0, 0.5, 1.0, -1.0]))
    array([ 0.    ,  0.3466, -0.    ,    -inf])
    """
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


def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None, keepdims: bool = False,
              return_sign: bool = False) -> Array | tuple[Array, Array]:
    """``log(sum(b * exp(a)))`` over ``axis``, shifted by the max so nothing overflows.

    ``b`` weighs the terms. The gradient with respect to ``a`` is the (``b``-weighted) softmax.
    With ``return_sign=True`` returns ``(log|s|, sign(s))`` for sums that may be negative.

    >>> from fgrad.scipy.special import logsumexp
    >>> float(logsumexp(fnp.array([1000.0, 1000.0])))
    1000.6931471805599
    >>> print(*logsumexp(fnp.array([0.0, 0.0]), b=fnp.array([1.0, -2.0]), return_sign=True))  # log|1 - 2|, sign
    0.0 -1.0
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


def softmax(x: ArrayLike, axis: Axis = None) -> Array:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all elements when None, as in SciPy).

    >>> from fgrad.scipy.special import softmax
    >>> softmax(fnp.array([[0.0, 0.0], [0.0, fnp.log(3.0)]]), axis=1)
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """
    ax = _axes(x, axis, "softmax")
    e = fnp.exp(x - _max_shift(x, ax))
    return e / fnp.sum(e, axis=ax, keepdims=True)


def log_softmax(x: ArrayLike, axis: Axis = None) -> Array:
    """``x - logsumexp(x)`` over ``axis``, computed from the max-shifted values.

    >>> from fgrad.scipy.special import log_softmax
    >>> log_softmax(fnp.array([0.0, 0.0, 0.0, 0.0]))
    array([-1.3863, -1.3863, -1.3863, -1.3863])
    """
    ax = _axes(x, axis, "log_softmax")
    shifted = x - _max_shift(x, ax)
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=ax, keepdims=True))


# ------------------------------------------------------------------ JAX's wider list (issue 12)

__all__ += ["gamma", "gammasgn", "loggamma", "beta", "betaln", "betainc", "gammainc", "gammaincc", "factorial",
            "comb", "poch", "multigammaln", "kl_div", "rel_entr", "boxcox", "boxcox1p", "bernoulli", "i0", "i0e",
            "i1", "i1e", "zeta", "exp1", "expi", "expn", "spence", "hyp1f1", "sici"]


def _kernel_impl_n(name, kernel):
    """A primitive impl over several arguments: float64 kernel, result in the arguments' float dtype."""
    def impl(*args, **params):
        xp = get_array_module(*args)
        arrays = [xp.asarray(a) for a in args]
        for a in arrays:
            if a.dtype.kind not in "biuf":
                raise TypeError(f"{name}: expected real numeric arrays, got dtype {a.dtype}")
        # Python scalars are weak (as in JAX): float32 arrays with a float parameter stay float32
        floats = [a.dtype for a, raw in zip(arrays, args) if a.dtype.kind == "f" and not isinstance(raw, float)]
        out_dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
        with np.errstate(all="ignore"):
            out = kernel(*(a.astype(np.float64, copy=False) for a in arrays), **params)
        return _finish(out, out_dtype, xp)
    impl.__name__ = f"{name}_impl"
    return impl


def _not_implemented(name, arg):
    def rule(*_args, **_params):
        raise NotImplementedError(f"{name}: the derivative with respect to {arg} is not implemented (as in JAX)")
    return rule


def _elementwise_rules(derivs):
    """VJP and JVP rules from per-argument partial derivatives ``d(ans, *args)`` (None: not differentiable;
    a raising rule: not implemented)."""
    def partial(d, ans, args):
        out = d(ans, *args)  # in the output's dtype: float parameters must not widen float32 results
        return out if fnp.result_type(out) == fnp.result_type(ans) else fnp.astype(out, fnp.result_type(ans))

    def vjp(k, d):
        if d is None or getattr(d, "raises", False):
            return d
        return lambda g, ans, *args: unbroadcast(g * partial(d, ans, args), args[k])

    def jvp(d):
        if d is None or getattr(d, "raises", False):
            return d
        return lambda t, ans, *args: t * partial(d, ans, args)
    return tuple(vjp(k, d) for k, d in enumerate(derivs)), tuple(jvp(d) for d in derivs)


def _nary(name, kernel, derivs, **flags):
    vjps, jvps = _elementwise_rules(derivs)
    return Primitive(name, _kernel_impl_n(name, kernel), vjp=vjps, jvp=jvps, batch=batching.elementwise, **flags)


def _raising(name, arg):
    rule = _not_implemented(name, arg)
    rule.raises = True
    return rule


def _density_gamma(a, x):
    """``x**(a-1) e**-x / Gamma(a)``, the x-derivative of P(a, x) (0 at x == 0 for a > 1)."""
    xs = _safe(x > 0, x, 1.0)
    return fnp.where(x > 0, fnp.exp(xlogy(a - 1.0, xs) - xs - gammaln(a)), fnp.where(a == 1.0, 1, 0))


_igamma_grad_a = _nary("igamma_grad_a", _kernels.gammainc_grad_a,
                       (_raising("gammainc", "a (second order)"),
                        lambda ans, a, x: _density_gamma(a, x) * (fnp.log(_safe(x > 0, x, 1.0)) - digamma(a))))
_gammainc = _nary("gammainc", _kernels.gammainc,
                  (lambda ans, a, x: _igamma_grad_a.bind(a, x), lambda ans, a, x: _density_gamma(a, x)),
                  reads_output=False)
_gammaincc = _nary("gammaincc", _kernels.gammaincc,
                   (lambda ans, a, x: -_igamma_grad_a.bind(a, x), lambda ans, a, x: -_density_gamma(a, x)),
                   reads_output=False)


def gammainc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized lower incomplete gamma function ``P(a, x)``, differentiable in ``a`` and ``x``.

    >>> from fgrad.scipy.special import gammainc
    >>> print(round(float(gammainc(1.0, 2.0)), 12))   # 1 - exp(-2)
    0.864664716763
    >>> print(round(float(fgrad.grad(gammainc, argnums=1)(1.0, 2.0)), 12))   # exp(-2)
    0.135335283237
    """
    return _gammainc.bind(a, x)


def gammaincc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate where ``P ~ 1``.

    >>> from fgrad.scipy.special import gammaincc
    >>> print(f"{float(gammaincc(1.0, 50.0)):.6e}")   # exp(-50)
    1.928750e-22
    """
    return _gammaincc.bind(a, x)


def _betainc_dx(ans, a, b, x):
    inside = (x > 0) & (x < 1)
    xs = _safe(inside, x, 0.5)
    dens = fnp.exp(xlogy(a - 1.0, xs) + xlog1py(b - 1.0, -xs) - betaln(a, b))
    return fnp.where(inside, dens, 0.0)


_betainc = _nary("betainc", _kernels.betainc,
                 (_raising("betainc", "a"), _raising("betainc", "b"), _betainc_dx), reads_output=False)


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x`` (not in
    ``a``, ``b``: JAX raises there too).

    >>> from fgrad.scipy.special import betainc
    >>> print(round(float(betainc(2.0, 3.0, 0.5)), 12))
    0.6875
    """
    return _betainc.bind(a, b, x)


def gammasgn(x: ArrayLike) -> Array:
    """The sign of ``Gamma(x)``: 1 for ``x > 0``, alternating between the poles, nan at them.

    >>> from fgrad.scipy.special import gammasgn
    >>> gammasgn(fnp.array([2.0, -0.5, -1.5, -1.0]))
    array([ 1., -1.,  1., nan])
    """
    x = fnp.asarray(x)
    if x.dtype.kind in "biu":
        x = fnp.astype(x, np.float64)
    one, nan = fnp.ones_like(x), fnp.full_like(x, np.nan)  # in x's dtype (float32 stays float32)
    fl = fnp.floor(x)
    neg = fnp.where(fnp.remainder(fl, 2.0) == 0.0, one, -one)
    out = fnp.where(x > 0, one, fnp.where(x == fl, nan, neg))
    return fnp.where(x == 0, one, fnp.where(fnp.isnan(x), nan, out))


def gamma(x: ArrayLike) -> Array:
    """The gamma function, ``gammasgn(x) * exp(gammaln(x))``; derivative ``gamma(x) * digamma(x)``.

    >>> from fgrad.scipy.special import gamma
    >>> gamma(fnp.array([1.0, 5.0, 0.5]))
    array([ 1.    , 24.    ,  1.7725])
    """
    return gammasgn(x) * fnp.exp(gammaln(x))


def loggamma(x: ArrayLike) -> Array:
    """The principal branch of ``log(Gamma(x))`` for real ``x``: ``gammaln`` for ``x >= 0``, nan below.

    >>> from fgrad.scipy.special import loggamma
    >>> loggamma(fnp.array([3.0, -0.5]))
    array([0.6931,    nan])
    """
    return fnp.where(x < 0, np.nan, gammaln(x))


def betaln(a: ArrayLike, b: ArrayLike) -> Array:
    """``log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)``.

    >>> from fgrad.scipy.special import betaln
    >>> print(round(float(betaln(2.0, 3.0)), 12))   # log(1/12)
    -2.484906649788
    """
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def beta(a: ArrayLike, b: ArrayLike) -> Array:
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> from fgrad.scipy.special import beta
    >>> print(round(float(beta(2.0, 3.0)), 12))
    0.083333333333
    """
    return gammasgn(a) * gammasgn(b) * gammasgn(a + b) * fnp.exp(betaln(a, b))


def factorial(n: ArrayLike, exact: bool = False) -> Array:
    """``Gamma(n + 1)`` as floats (0 for negative ``n``); ``exact=True`` is not supported (as in JAX).

    >>> from fgrad.scipy.special import factorial
    >>> factorial(fnp.array([0.0, 3.0, 5.0, -1.0]))
    array([  1.,   6., 120.,   0.])
    """
    if exact:
        raise NotImplementedError("factorial: exact=True is not supported (as in JAX)")
    n = fnp.asarray(n)
    return fnp.where(n < 0, 0.0, fnp.exp(gammaln(fnp.where(n < 0, 0.0, n) + 1.0)))


def comb(N: ArrayLike, k: ArrayLike, *, repetition: bool = False) -> Array:
    """The number of ways to choose ``k`` of ``N`` (as floats, through ``gammaln``; 0 outside ``0 <= k <= N``).

    With ``repetition=True``: combinations with replacement, ``comb(N + k - 1, k)``.

    >>> from fgrad.scipy.special import comb
    >>> comb(fnp.array([5.0, 5.0, 3.0]), fnp.array([2.0, 6.0, -1.0]))
    array([10.,  0.,  0.])
    >>> print(round(float(comb(5.0, 2.0, repetition=True)), 9))
    15.0
    """
    if repetition:
        return comb(fnp.asarray(N) + k - 1.0, k)
    N, k = fnp.asarray(N), fnp.asarray(k)
    ok = (k >= 0) & (k <= N) & (N >= 0)
    Ns, ks = _safe(ok, N, 1.0), _safe(ok, k, 0.0)
    return fnp.where(ok, fnp.exp(gammaln(Ns + 1.0) - gammaln(ks + 1.0) - gammaln(Ns - ks + 1.0)), 0.0)


def poch(z: ArrayLike, m: ArrayLike) -> Array:
    """The rising factorial ``Gamma(z + m) / Gamma(z)``.

    >>> from fgrad.scipy.special import poch
    >>> print(round(float(poch(2.0, 3.0)), 9))   # 2 * 3 * 4
    24.0
    """
    zm = fnp.asarray(z) + m
    return gammasgn(zm) * gammasgn(z) * fnp.exp(gammaln(zm) - gammaln(z))


def multigammaln(a: ArrayLike, d: int) -> Array:
    """The log of the multivariate gamma function of dimension ``d`` (a static positive integer).

    >>> from fgrad.scipy.special import multigammaln
    >>> print(round(float(multigammaln(3.0, 2)), 12))
    1.550194993958
    """
    d = operator.index(d)
    if d < 1:
        raise ValueError(f"multigammaln: the dimension d must be a positive integer, got {d}")
    out = (d * (d - 1) / 4.0) * math.log(math.pi)
    for j in range(d):
        out = out + gammaln(fnp.asarray(a) - j / 2.0)
    return out


def rel_entr(p: ArrayLike, q: ArrayLike) -> Array:
    """Elementwise relative entropy: ``p log(p / q)`` for ``p, q > 0``, 0 for ``p == 0 <= q``, else inf.

    >>> from fgrad.scipy.special import rel_entr
    >>> rel_entr(fnp.array([0.5, 0.0, 1.0]), fnp.array([0.25, 1.0, 0.0]))
    array([0.3466, 0.    ,    inf])
    """
    p, q = fnp.asarray(p), fnp.asarray(q)
    both = (p > 0) & (q > 0)
    ps, qs = _safe(both, p, 1.0), _safe(both, q, 1.0)
    return fnp.where(both, ps * fnp.log(ps / qs), fnp.where((p == 0) & (q >= 0), 0.0, np.inf))


def kl_div(p: ArrayLike, q: ArrayLike) -> Array:
    """Elementwise ``p log(p / q) - p + q`` (``q`` where ``p == 0``, inf outside the domain).

    >>> from fgrad.scipy.special import kl_div
    >>> kl_div(fnp.array([0.5, 0.0]), fnp.array([0.25, 1.0]))
    array([0.0966, 1.    ])
    """
    p, q = fnp.asarray(p), fnp.asarray(q)
    both = (p > 0) & (q > 0)
    ps, qs = _safe(both, p, 1.0), _safe(both, q, 1.0)
    inside = ps * fnp.log(ps / qs) - ps + qs
    return fnp.where(both, inside, fnp.where((p == 0) & (q >= 0), q, np.inf))


def boxcox(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda`` (``log x`` at ``lmbda == 0``).

    >>> from fgrad.scipy.special import boxcox
    >>> boxcox(fnp.array([1.0, 4.0]), fnp.array([0.0, 0.5]))
    array([0., 2.])
    """
    lx = fnp.log(x)
    zero = lmbda == 0
    ls = _safe(zero, 1.0, lmbda)
    return fnp.where(zero, lx, fnp.expm1(ls * lx) / ls)


def boxcox1p(x: ArrayLike, lmbda: ArrayLike) -> Array:
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``.

    >>> from fgrad.scipy.special import boxcox1p
    >>> boxcox1p(fnp.array([0.0, 3.0]), fnp.array([0.0, 0.5]))
    array([0., 2.])
    """
    lx = fnp.log1p(x)
    zero = lmbda == 0
    ls = _safe(zero, 1.0, lmbda)
    return fnp.where(zero, lx, fnp.expm1(ls * lx) / ls)


def bernoulli(n: int) -> Array:
    """The Bernoulli numbers ``B_0 .. B_n`` (with ``B_1 = -1/2``), ``n`` a static integer.

    >>> from fgrad.scipy.special import bernoulli
    >>> bernoulli(4)
    array([ 1.    , -0.5   ,  0.1667,  0.    , -0.0333])
    """
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"bernoulli: n must be a non-negative integer, got {n}")
    # Akiyama-Tanigawa, with exact rationals (B_1 comes out +1/2; the convention here is -1/2)
    row: list[Fraction] = []
    out = []
    for m in range(n + 1):
        row.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        out.append(float(row[0]))
    if n >= 1:
        out[1] = -0.5
    return fnp.asarray(np.array(out))


def _i0e_deriv(ans, x):
    return i1e(x) - fnp.sign(x) * ans


def _i1e_deriv(ans, x):
    # i0e - i1e / x - sign(x) i1e; its limit at 0 is 1/2
    zero = x == 0
    xs = _safe(zero, 1.0, x)
    return fnp.where(zero, 0.5, i0e(x) - ans / xs - fnp.sign(x) * ans)


_i0e = _unary("i0e", lambda x: _kernels.bessel_ie(0, x), _i0e_deriv)
_i1e = _unary("i1e", lambda x: _kernels.bessel_ie(1, x), _i1e_deriv)


def i0e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``.

    >>> from fgrad.scipy.special import i0e
    >>> i0e(fnp.array([0.0, 1.0]))
    array([1.    , 0.4658])
    """
    return _i0e.bind(x)


def i1e(x: ArrayLike) -> Array:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``.

    >>> from fgrad.scipy.special import i1e
    >>> i1e(fnp.array([0.0, 1.0]))
    array([0.    , 0.2079])
    """
    return _i1e.bind(x)


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of order 0.

    >>> from fgrad.scipy.special import i0
    >>> i0(fnp.array([0.0, 1.0]))
    array([1.    , 1.2661])
    """
    return fnp.exp(fnp.absolute(x)) * i0e(x)


def i1(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of order 1; ``d/dx i0 = i1``.

    >>> from fgrad.scipy.special import i1
    >>> i1(fnp.array([0.0, 1.0]))
    array([0.    , 0.5652])
    """
    return fnp.exp(fnp.absolute(x)) * i1e(x)


def _zeta_dq(ans, s, q):
    return -s * _zeta.bind(s + 1.0, q)


_zeta = _nary("zeta", _kernels.hurwitz_zeta, (_raising("zeta", "x (the exponent)"), _zeta_dq))


def zeta(x: ArrayLike, q: ArrayLike | None = None) -> Array:
    """The Hurwitz zeta function ``sum_k (q + k)**-x`` (Riemann's when ``q`` is None), ``x > 1``.

    Differentiable in ``q`` (``-x zeta(x + 1, q)``); the derivative in ``x`` is not implemented.

    >>> from fgrad.scipy.special import zeta
    >>> print(round(float(zeta(2.0)), 12))   # pi**2 / 6
    1.644934066848
    >>> print(round(float(zeta(2.0, 2.0)), 12))
    0.644934066848
    """
    return _zeta.bind(x, 1.0 if q is None else q)


_exp1 = _unary("exp1", _kernels.exp1, lambda ans, x: -fnp.exp(-x) / x, reads_output=False)
_expi = _unary("expi", _kernels.expi, lambda ans, x: fnp.exp(x) / x, reads_output=False)


def exp1(x: ArrayLike) -> Array:
    """The exponential integral ``E1(x) = int_x^inf exp(-t) / t dt`` for ``x >= 0`` (nan below).

    >>> from fgrad.scipy.special import exp1
    >>> print(round(float(exp1(1.0)), 12))
    0.219383934396
    """
    return _exp1.bind(x)


def expi(x: ArrayLike) -> Array:
    """The exponential integral ``Ei(x)`` (principal value), ``-E1(-x)`` for ``x < 0``.

    >>> from fgrad.scipy.special import expi
    >>> print(round(float(expi(1.0)), 12))
    1.895117816356
    """
    return _expi.bind(x)


def _expn_dx(ans, n, x):
    # d/dx E_n = -E_{n-1}; E_{-1}(x) = exp(-x) (1 + x) / x**2 closes the ladder at n = 0
    low = n <= 0
    xs = _safe(x > 0, x, 1.0)
    return fnp.where(low, -fnp.exp(-xs) * (1.0 + xs) / (xs * xs), -_expn.bind(fnp.where(low, 1, n - 1), x))


_expn = _nary("expn", _kernels.expn, (None, _expn_dx))


def expn(n: ArrayLike, x: ArrayLike) -> Array:
    """The generalized exponential integral ``E_n(x) = int_1^inf exp(-x t) / t**n dt`` (integer ``n >= 0``).

    >>> from fgrad.scipy.special import expn
    >>> expn(fnp.array([1, 2]), 1.0)
    array([0.2194, 0.1485])
    """
    return _expn.bind(n, x)


def _spence_deriv(ans, x):
    # log(x) / (1 - x), whose limit at x = 1 is -1
    one = x == 1.0
    xs = _safe(one, 2.0, x)
    return fnp.where(one, -1.0, fnp.log(xs) / (1.0 - xs))


_spence = _unary("spence", _kernels.spence, _spence_deriv, reads_output=False)


def spence(x: ArrayLike) -> Array:
    """Spence's function ``int_1^x log(t) / (t - 1) dt`` (the dilogarithm ``Li2(1 - x)``) for ``x >= 0``.

    >>> from fgrad.scipy.special import spence
    >>> print(round(float(spence(0.0)), 12))   # pi**2 / 6
    1.644934066848
    >>> print(fgrad.grad(spence)(1.0))
    -1.0
    """
    return _spence.bind(x)


def _hyp1f1_dx(ans, a, b, x):
    return (a / b) * _hyp1f1.bind(a + 1.0, b + 1.0, x)


_hyp1f1 = _nary("hyp1f1", _kernels.hyp1f1, (_raising("hyp1f1", "a"), _raising("hyp1f1", "b"), _hyp1f1_dx),
                reads_output=False)


def hyp1f1(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """Kummer's confluent hypergeometric function ``1F1(a; b; x)`` for real arguments.

    Differentiable in ``x`` (``a / b * hyp1f1(a + 1, b + 1, x)``); not in ``a`` and ``b``.

    >>> from fgrad.scipy.special import hyp1f1
    >>> print(round(float(hyp1f1(1.0, 1.0, 1.0)), 12))   # e
    2.718281828459
    """
    return _hyp1f1.bind(a, b, x)


def _si_deriv(ans, x):
    # sin(x) / x; near 0 its Taylor polynomial, whose own derivatives stay finite (those of
    # sin(x) / x overflow as 1 / x**2 for tiny x)
    small = fnp.absolute(x) < 1e-3
    xs = _safe(small, 1.0, x)
    x2 = x * x
    return fnp.where(small, 1.0 - x2 / 6.0 * (1.0 - x2 / 20.0), fnp.sin(xs) / xs)


_si = _unary("si", lambda x: _kernels.sici(x)[0], _si_deriv, reads_output=False)
_ci = _unary("ci", lambda x: _kernels.sici(x)[1], lambda ans, x: fnp.cos(x) / x, reads_output=False)


def sici(x: ArrayLike) -> tuple[Array, Array]:
    """The sine and cosine integrals ``(Si(x), Ci(x))``; for ``x < 0`` Ci is its real part, ``Ci(|x|)``.

    >>> from fgrad.scipy.special import sici
    >>> si, ci = sici(fnp.array([1.0, 30.0]))
    >>> print(si, ci)
    [0.9461 1.5668] [ 0.3374 -0.033 ]
    """
    return _si.bind(x), _ci.bind(x)


# ------------------------------------------------------------------ the rest of JAX's list (issue 12)

__all__ += ["wofz", "dawsn", "fresnel", "owens_t", "bessel_jn", "hyp2f1", "sph_harm_y"]

_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI


def _wofz_impl(z):
    xp = get_array_module(z)
    z = xp.asarray(z)
    out_dtype = np.dtype(np.complex64) if z.dtype == np.complex64 else np.dtype(np.complex128)
    with np.errstate(all="ignore"):
        out = _kernels.wofz(z.astype(np.complex128, copy=False))
    return _finish(out, out_dtype, xp)


def _wofz_deriv(ans, z):
    return -2.0 * z * ans + 1j * _TWO_OVER_SQRT_PI


# holomorphic: both rules multiply by w'(z), the VJP without conjugation (JAX's convention)
_wofz = Primitive("wofz", _wofz_impl,
                  vjp=(lambda g, ans, z: g * _wofz_deriv(ans, z),),
                  jvp=(lambda t, ans, z: t * _wofz_deriv(ans, z),), batch=batching.elementwise)


def wofz(z: ArrayLike) -> Array:
    """The Faddeeva function ``w(z) = exp(-z**2) erfc(-iz)``, complex for real or complex ``z``.

    Holomorphic: ``w'(z) = -2 z w(z) + 2i / sqrt(pi)``.

    >>> from fgrad.scipy.special import wofz
    >>> print(wofz(fnp.array([0.0, 1.0])))
    [1.    +0.j     0.3679+0.6072j]
    """
    z = fnp.asarray(z) if not isinstance(z, Tracer) else z
    dtype = fnp.result_type(z)
    if dtype.kind not in "biufc":
        raise TypeError(f"wofz: expected a numeric array, got dtype {dtype}")
    complex_dtype = np.complex64 if dtype in (np.float16, np.float32, np.complex64) else np.complex128
    return _wofz.bind(fnp.astype(z, complex_dtype))


_dawsn = _unary("dawsn", _kernels.dawsn, lambda ans, x: 1.0 - 2.0 * x * ans)


def dawsn(x: ArrayLike) -> Array:
    """Dawson's integral ``exp(-x**2) int_0^x exp(t**2) dt``; derivative ``1 - 2 x dawsn(x)``.

    >>> from fgrad.scipy.special import dawsn
    >>> print(dawsn(fnp.array([0.0, 1.0])))
    [0.     0.5381]
    """
    return _dawsn.bind(x)


_fresnel_s = _unary("fresnel_s", lambda x: _kernels.fresnel(x)[0],
                    lambda ans, x: fnp.sin((0.5 * math.pi) * (x * x)), reads_output=False)
_fresnel_c = _unary("fresnel_c", lambda x: _kernels.fresnel(x)[1],
                    lambda ans, x: fnp.cos((0.5 * math.pi) * (x * x)), reads_output=False)


def fresnel(x: ArrayLike) -> tuple[Array, Array]:
    """The Fresnel integrals ``(S(x), C(x))``: ``int_0^x sin(pi t**2 / 2) dt`` and the same with cos.

    >>> from fgrad.scipy.special import fresnel
    >>> s, c = fresnel(fnp.array([0.0, 1.0]))
    >>> print(s, c)
    [0.     0.4383] [0.     0.7799]
    """
    return _fresnel_s.bind(x), _fresnel_c.bind(x)


_OWENS_T_NODES = 48  # Gauss-Legendre points on [0, a], a <= 1: ~1e-15 for every h


def _owens_t_small_a(h, a):
    """T(h, a) for h >= 0, 0 <= a <= 1 by Gauss-Legendre quadrature of its defining integral over
    [0, min(a, 9 / h)] (beyond ``x = 9 / h`` the integrand is below e**-40 of its value at 0)."""
    xp = get_array_module(concrete(h))
    nodes, weights = (xp.asarray(v, dtype=fnp.result_type(h)) for v in np.polynomial.legendre.leggauss(_OWENS_T_NODES))
    top = fnp.minimum(a, 9.0 / fnp.maximum(h, 1.0))
    x = fnp.expand_dims(top, -1) * ((nodes + 1.0) / 2.0)
    x2 = x * x
    hh = fnp.expand_dims(h * h, -1)
    f = fnp.exp(-0.5 * hh * (1.0 + x2)) / (1.0 + x2)
    return top * fnp.sum(f * (weights / 2.0), axis=-1) / (2.0 * math.pi)


def owens_t(h: ArrayLike, a: ArrayLike) -> Array:
    """Owen's T function ``T(h, a) = 1/(2 pi) int_0^a exp(-h**2 (1 + x**2) / 2) / (1 + x**2) dx``.

    For ``|a| > 1``, ``T(h, a) = (Q(h) + Q(ah)) / 2 - Q(h) Q(ah) - T(ah, 1/a)`` (``Q = ndtr(-x)``) brings the
    quadrature to ``|a| <= 1``. Differentiable in both arguments.

    >>> from fgrad.scipy.special import owens_t
    >>> print(round(float(owens_t(0.0, 1.0)), 12))   # atan(1) / (2 pi)
    0.125
    """
    h, a = _arrays_together(h, a)
    dtype = fnp.result_type(h, a, np.float16) if fnp.result_type(h, a).kind == "f" else np.dtype(np.float64)
    h, a = fnp.astype(h, dtype), fnp.astype(a, dtype)
    h, a = fnp.broadcast_arrays(h, a)
    # (T is 0 to the last bit from h = 40 on: capping |h| and |ah| keeps h**2 from overflowing)
    habs, aabs = fnp.minimum(fnp.absolute(h), 1e100), fnp.absolute(a)
    small = aabs <= 1.0
    ah = fnp.minimum(habs * fnp.minimum(aabs, 1e100), 1e100)
    inner = _owens_t_small_a(fnp.where(small, habs, ah), fnp.where(small, aabs, 1.0 / _safe(small, 1.0, aabs)))
    qh, qah = ndtr(-habs), ndtr(-ah)
    big = 0.5 * (qh + qah) - qh * qah - inner
    return fnp.sign(a) * fnp.where(small, inner, big)


def bessel_jn(z: ArrayLike, *, v: int, n_iter: int = 50) -> Array:
    """Bessel functions of the first kind of orders ``0, 1, ..., v`` at real ``z``: shape ``(v + 1, *z.shape)``.

    Miller's backward recurrence in ratio form, ``J_k / J_(k-1) = z / (2k - z J_(k+1) / J_k)``, started at order
    ``max(n_iter, v + 1)`` and normalised by ``J_0 + 2 (J_2 + J_4 + ...) = 1``; accurate while ``|z|`` stays well
    below the starting order (JAX's rule of thumb for ``n_iter``). Differentiable in ``z``.

    >>> from fgrad.scipy.special import bessel_jn
    >>> print(bessel_jn(fnp.array([0.0, 1.0]), v=1))
    [[1.     0.7652]
     [0.     0.4401]]
    """
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise TypeError(f"bessel_jn: the order v must be an int, got {type(v).__name__}")
    if v < 0:
        raise ValueError(f"bessel_jn: the order v must be non-negative, got {v}")
    z = fnp.asarray(z) if not isinstance(z, Tracer) else z
    kind = fnp.result_type(z).kind
    if kind not in "biuf":
        raise ValueError(f"bessel_jn: z must be real, got dtype {fnp.result_type(z)}")
    if kind != "f":
        z = fnp.astype(z, np.float64)
    start = max(int(n_iter), v + 1)
    ratios = [fnp.zeros_like(z)] * (start + 2)  # ratios[k] = J_k / J_(k-1); 0 beyond the start
    for k in range(start, 0, -1):
        ratios[k] = z / (2.0 * k - z * ratios[k + 1])
    product, norm, relative = fnp.ones_like(z), fnp.ones_like(z), [fnp.ones_like(z)]
    for k in range(1, start + 1):  # J_k / J_0 and the normalisation sum
        product = product * ratios[k]
        if k <= v:
            relative.append(product)
        if k % 2 == 0:
            norm = norm + 2.0 * product
    return fnp.stack(relative) / norm


def _hyp2f1_series(a, b, c, z, terms):
    term, total = fnp.ones_like(z), fnp.ones_like(z)
    for k in range(terms):
        term = term * ((a + k) * (b + k) / ((c + k) * (k + 1.0))) * z
        total = total + term
    return total


def _largest(x):
    """The largest value of ``x`` as a Python float (0 for an empty array), read off its concrete value."""
    value = concrete(x)
    return float(get_array_module(value).max(value)) if value.size else 0.0


def _terms_for(z, limit):
    """Series terms for ``sum z**k`` to reach the rounding level at the largest ``|z|`` (read off the value)."""
    biggest = _largest(fnp.absolute(z))
    if not np.isfinite(biggest) or biggest >= 1.0:
        return limit
    return int(min(limit, 30 + math.ceil(-37.0 / math.log(max(biggest, 1e-300)))))


def _rgamma(t):
    """1 / Gamma(t): 0 at the poles."""
    return gammasgn(t) * fnp.exp(-gammaln(t))


def _hyp2f1_connection(a, b, c, w, terms):
    """2F1(a, b; c; 1 - w) by the connection formula, c - a - b not an integer:
    A 2F1(a, b; a + b - c + 1; w) + B w**(c - a - b) 2F1(c - a, c - b; c - a - b + 1; w)."""
    gap = c - a - b
    first = gamma(c) * gamma(gap) * _rgamma(c - a) * _rgamma(c - b)
    second = gamma(c) * gamma(-gap) * _rgamma(a) * _rgamma(b)
    return (first * _hyp2f1_series(a, b, 1.0 - gap, w, terms)
            + second * fnp.power(w, gap) * _hyp2f1_series(c - a, c - b, 1.0 + gap, w, terms))


def _arrays_together(*args):
    """The arguments as arrays on the device of the array (or traced) ones; Python scalars included."""
    xp = get_array_module(*(concrete(t) for t in args))
    return [t if isinstance(t, Tracer) else fnp.asarray(xp.asarray(t)) for t in args]


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, x: ArrayLike) -> Array:
    """The Gauss hypergeometric function ``2F1(a, b; c; x)`` for real arguments and ``x <= 1``.

    ``x < 0`` goes through Pfaff's ``(1 - x)**-a 2F1(a, c - b; c; x / (x - 1))``; for ``x / (x - 1)``, or ``x``,
    above 0.9 the ``1 - x`` connection formula (for an integer ``c - a - b`` its limit, to ~1e-10), at 1 Gauss's
    sum; elsewhere the power series (the number of its terms read off the largest argument). Differentiable in
    every argument (as in JAX, through the series).

    >>> from fgrad.scipy.special import hyp2f1
    >>> print(round(float(hyp2f1(1.0, 1.0, 2.0, 0.5)), 12))   # -log(1 - x) / x
    1.38629436112
    """
    args = _arrays_together(a, b, c, x)
    dtype = fnp.result_type(*args)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    a, b, c, x = fnp.broadcast_arrays(*(fnp.astype(t, dtype) for t in args))
    negative = x < 0
    one_minus = 1.0 - _safe(negative, x, 0.0)
    z = fnp.where(negative, -x / one_minus, x)                     # x / (x - 1): in [0, 1]
    b = fnp.where(negative, c - b, b)
    prefactor = fnp.where(negative, fnp.power(one_minus, -a), 1.0)
    gap = c - a - b
    integer_gap = gap == fnp.round(gap)
    terminating = ((a <= 0) & (a == fnp.round(a))) | ((b <= 0) & (b == fnp.round(b)))
    near_one = (z > 0.9) & ~terminating
    at_one = (z == 1.0) & ~terminating
    zs = fnp.where(near_one, 0.0, z)
    direct = _hyp2f1_series(a, b, c, zs, _terms_for(zs, 3000))
    used = near_one & ~at_one
    w = fnp.where(used, 1.0 - z, 0.05)
    terms = _terms_for(w, 3000)
    # harmless parameters where the connection is not used (a pole there would leak NaN into gradients)
    ac, bc, cc = _safe(used, a, 0.25), _safe(used, b, 0.5), _safe(used, c, 1.0)
    # an integer c - a - b is the limit of the connection formula: the mean of c +- 1e-5 is within ~1e-10 of it
    shift = fnp.where(used & integer_gap, 1e-5, 0.0)
    connected = 0.5 * (_hyp2f1_connection(ac, bc, cc + shift, w, terms)
                       + _hyp2f1_connection(ac, bc, cc - shift, w, terms))
    gap_safe = _safe(at_one & (gap > 0), gap, 1.0)
    gauss = fnp.where(gap > 0, gamma(c) * gamma(gap_safe) * _rgamma(c - a) * _rgamma(c - b), np.inf)  # z = 1
    return prefactor * fnp.where(at_one, gauss, fnp.where(near_one, connected, direct))


def sph_harm_y(n: ArrayLike, m: ArrayLike, theta: ArrayLike, phi: ArrayLike, diff_n: int | None = None,
               n_max: int | None = None) -> Array:
    """Spherical harmonics ``Y_n^m(theta, phi)`` (``theta`` the colatitude, ``phi`` the longitude), as SciPy's
    ``sph_harm_y``, with the Condon-Shortley phase; ``n_max`` (JAX's extra argument) caps the degree.

    The normalised associated Legendre functions come from the three-term recurrence in the degree, up to
    ``n_max`` (``max(n)`` when not given) for all elements at once. Differentiable in ``theta`` and ``phi``.

    >>> from fgrad.scipy.special import sph_harm_y
    >>> print(sph_harm_y(fnp.array([0, 1]), fnp.array([0, 0]), fnp.array([0.0, 0.0]), fnp.array([0.0, 0.0])).real)
    [0.2821 0.4886]
    """
    if diff_n is not None:
        raise NotImplementedError("sph_harm_y: diff_n is not supported (as in JAX)")
    n, m, theta, phi = _arrays_together(n, m, theta, phi)
    if n_max is None:
        n_max = int(_largest(n))
    dtype = fnp.result_type(n, m, theta, phi, np.float16)
    n, m, theta, phi = fnp.broadcast_arrays(fnp.minimum(n, n_max), m, fnp.astype(theta, dtype), fnp.astype(phi, dtype))
    mabs = fnp.astype(fnp.absolute(m), dtype)
    cos, sin = fnp.cos(theta), fnp.sin(theta)
    diagonal = fnp.full_like(theta, 0.5 / math.sqrt(math.pi))     # P_m^m for m = 0, 1, ..., |m|
    for k in range(1, n_max + 1):
        diagonal = fnp.where(mabs >= k, diagonal * (-math.sqrt((2 * k + 1) / (2 * k))) * sin, diagonal)
    before, current = fnp.zeros_like(theta), fnp.zeros_like(theta)
    result = fnp.zeros_like(theta)
    for degree in range(n_max + 1):
        gap = _safe(mabs < degree, degree * degree - mabs * mabs, 1.0)
        up = fnp.sqrt(max(4.0 * degree * degree - 1.0, 1.0) / gap)  # (finite where unused: NaN * 0 is NaN)
        down = fnp.sqrt(_safe(mabs < degree, (degree - 1.0) ** 2 - mabs * mabs, 0.0)
                        / max(4.0 * (degree - 1.0) ** 2 - 1.0, 1.0))
        following = fnp.where(mabs == degree, diagonal,
                              fnp.where(mabs < degree, up * (cos * current - down * before), 0.0))
        before, current = current, following
        result = fnp.where(n == degree, current, result)
    sign = fnp.where((m < 0) & (fnp.remainder(mabs, 2.0) == 1.0), -1.0, 1.0)
    return sign * result * fnp.exp(1j * fnp.astype(m, dtype) * phi)
