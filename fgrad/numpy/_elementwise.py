"""Elementwise math: each primitive beside its derivative.

A unary primitive is given by ``f'(ans, x)``; a binary one by its two partial
derivatives ``(ans, x, y) -> df/dx, df/dy``. From those one definition both the
VJP (``g * f'``, summed back over broadcast axes) and the JVP (``t * f'``) follow,
so a derivative is never written twice.
"""
import math

import numpy as np

from .. import batching
from ..core import Tracer, concrete
from . import _creation, _indexing, _reductions, _shape
from ._util import defprim, public, shape

_ndarray = np.ndarray

__all__ = []  # filled by _export


def _export(fn):
    __all__.append(fn.__name__)
    return fn


def _broadcast_like(t, ans):
    if shape(t) == shape(ans):
        return t
    return _shape.broadcast_to(t, shape(ans))


def unbroadcast(g, target):
    """Sum ``g`` down to the shape of ``target`` (undoing NumPy broadcasting)."""
    try:
        if g.shape == target.shape:  # the common case, without shape()'s conversions
            return g
    except AttributeError:  # a Python scalar
        pass
    tshape = shape(target)
    gshape = shape(g)
    if gshape == tshape:
        return g
    lead = len(gshape) - len(tshape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(tshape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = _reductions.sum(g, axis=axes, keepdims=True)
    return _shape.reshape(g, tshape) if shape(g) != tshape else g


def unary(name, impl, deriv, **flags):
    """Register ``name`` with derivative ``deriv(ans, x)``; return its public function.

    ``flags`` (``reads_output=False``) go to ``Primitive``: they must match what ``deriv`` reads.
    """
    flags.setdefault("batch", batching.elementwise)
    prim = defprim(name, impl,
                   vjp=(lambda g, ans, x: g * deriv(ans, x),),
                   jvp=(lambda t, ans, x: t * deriv(ans, x),), **flags)
    return _export(public(prim))


def unary_dx(name, impl, dx):
    """``unary`` for a derivative that is another public unary function ``dx`` of ``x`` (sin: cos).

    The rules call ``dx``'s implementation straight on a raw NumPy ``x`` (what ``dx`` would reach,
    two Python calls less on every backward step); anything else goes through ``dx`` itself.

    >>> sin = unary_dx("sin", np.sin, cos)
    """
    d_impl = dx.primitive.impl
    prim = defprim(name, impl,
                   vjp=(lambda g, ans, x: g * (d_impl(x) if type(x) is _ndarray else dx(x)),),
                   jvp=(lambda t, ans, x: t * (d_impl(x) if type(x) is _ndarray else dx(x)),),
                   batch=batching.elementwise, reads_output=False)
    return _export(public(prim))


def binary(name, impl, d0, d1, **flags):
    """Register ``name`` with partials ``d0, d1 (ans, x, y)``; ``None`` = no derivative.

    ``flags`` (``reads_output=...``) go to ``Primitive``: they must match what ``d0, d1`` read.
    """
    def vjp_rule(d, k):
        if d is None:
            return None
        if k == 0:
            return lambda g, ans, x, y: unbroadcast(g * d(ans, x, y), x)
        return lambda g, ans, x, y: unbroadcast(g * d(ans, x, y), y)

    def jvp_rule(d):
        if d is None:
            return None
        return lambda t, ans, x, y: _broadcast_like(t * d(ans, x, y), ans)

    flags.setdefault("batch", batching.elementwise)
    prim = defprim(name, impl, vjp=(vjp_rule(d0, 0), vjp_rule(d1, 1)), jvp=(jvp_rule(d0), jvp_rule(d1)),
                   **flags)
    return _export(public(prim))


def nondiff(name, impl, batch=batching.elementwise):
    """An operation whose output carries no derivative (comparisons, rounding, logic)."""
    return _export(public(defprim(name, impl, nondiff=True, batch=batch)))


def _add_vjp0(g, ans, x, y):
    return g if type(x) is _ndarray and g.shape == x.shape else unbroadcast(g, x)  # one call less per node


def _add_vjp1(g, ans, x, y):
    return g if type(y) is _ndarray and g.shape == y.shape else unbroadcast(g, y)


def _mul_vjp0(g, ans, x, y):
    ct = g * y
    return ct if type(x) is _ndarray and ct.shape == x.shape else unbroadcast(ct, x)  # as in _add_vjp0


def _mul_vjp1(g, ans, x, y):
    ct = g * x
    return ct if type(y) is _ndarray and ct.shape == y.shape else unbroadcast(ct, y)


# Linear ones: their rules skip the multiplication by a constant partial.
_add = defprim("add", np.add,
               vjp=(_add_vjp0, _add_vjp1),
               jvp=(lambda t, ans, x, y: _broadcast_like(t, ans), lambda t, ans, x, y: _broadcast_like(t, ans)),
               batch=batching.elementwise, linear=True)
add = _export(public(_add))
_subtract = defprim("subtract", np.subtract,
                    vjp=(lambda g, ans, x, y: unbroadcast(g, x), lambda g, ans, x, y: unbroadcast(-g, y)),
                    jvp=(lambda t, ans, x, y: _broadcast_like(t, ans), lambda t, ans, x, y: _broadcast_like(-t, ans)),
                    batch=batching.elementwise, linear=True)
subtract = _export(public(_subtract))
_negative = defprim("negative", np.negative, vjp=(lambda g, ans, x: -g,), jvp=(lambda t, ans, x: -t,),
                    batch=batching.elementwise, linear=True)
negative = _export(public(_negative))
_positive = defprim("positive", np.positive, vjp=(lambda g, ans, x: g,), jvp=(lambda t, ans, x: t,),
                    batch=batching.elementwise, linear=True)
positive = _export(public(_positive))

_multiply = defprim("multiply", np.multiply,  # binary()'s rules with the partials (y, x) written in
                    vjp=(_mul_vjp0, _mul_vjp1),
                    jvp=(lambda t, ans, x, y: _broadcast_like(t * y, ans),
                         lambda t, ans, x, y: _broadcast_like(t * x, ans)),
                    batch=batching.elementwise, reads_output=False)
multiply = _export(public(_multiply))
divide = binary("divide", np.divide, lambda a, x, y: 1 / y, lambda a, x, y: -a / y, reads_output=(1,))
true_divide = divide


def _pow_d0(ans, x, y):
    return where(y == 0, 0.0, y * power(x, y - 1))


def _pow_d1(ans, x, y):
    # The x == 0 guard keeps 0 ** y (y >= 0) from turning the gradient into nan, as torch does.
    safe_x = where(x == 0, 1.0, x)
    return where((x == 0) & (y >= 0), 0.0, ans * log(safe_x))


power = binary("power", np.power, _pow_d0, _pow_d1, reads_output=(1,))
pow = power


def float_power(x1, x2):
    """NumPy's float_power: power computed in float64."""
    return power(_creation.astype(x1, np.float64), _creation.astype(x2, np.float64))


__all__.append("float_power")

square = unary("square", np.square, lambda a, x: 2 * x, reads_output=False)
reciprocal = unary("reciprocal", np.reciprocal, lambda a, x: -(a * a))
sqrt = unary("sqrt", np.sqrt, lambda a, x: 0.5 / a)
cbrt = unary("cbrt", np.cbrt, lambda a, x: 1 / (3 * a * a))
exp = unary("exp", np.exp, lambda a, x: a)
exp2 = unary("exp2", np.exp2, lambda a, x: a * math.log(2.0))
expm1 = unary_dx("expm1", np.expm1, exp)  # exp(x), not a + 1: that cancels for x << 0
log = unary("log", np.log, lambda a, x: 1 / x, reads_output=False)
log2 = unary("log2", np.log2, lambda a, x: 1 / (x * math.log(2.0)), reads_output=False)
log10 = unary("log10", np.log10, lambda a, x: 1 / (x * math.log(10.0)), reads_output=False)
log1p = unary("log1p", np.log1p, lambda a, x: 1 / (1 + x), reads_output=False)
logaddexp = binary("logaddexp", np.logaddexp, lambda a, x, y: exp(x - a), lambda a, x, y: exp(y - a))
logaddexp2 = binary("logaddexp2", np.logaddexp2,
                    lambda a, x, y: exp2(x - a), lambda a, x, y: exp2(y - a))

cos = unary("cos", np.cos, lambda a, x: -sin(x), reads_output=False)
sin = unary_dx("sin", np.sin, cos)
tan = unary("tan", np.tan, lambda a, x: 1 + a * a)
arcsin = unary("arcsin", np.arcsin, lambda a, x: 1 / sqrt(1 - x * x), reads_output=False)
arccos = unary("arccos", np.arccos, lambda a, x: -1 / sqrt(1 - x * x), reads_output=False)
arctan = unary("arctan", np.arctan, lambda a, x: 1 / (1 + x * x), reads_output=False)
arctan2 = binary("arctan2", np.arctan2,
                 lambda a, x, y: y / (x * x + y * y), lambda a, x, y: -x / (x * x + y * y), reads_output=False)
cosh = unary("cosh", np.cosh, lambda a, x: sinh(x), reads_output=False)
sinh = unary_dx("sinh", np.sinh, cosh)
tanh = unary("tanh", np.tanh, lambda a, x: 1 - a * a)
arcsinh = unary("arcsinh", np.arcsinh, lambda a, x: 1 / sqrt(x * x + 1), reads_output=False)
arccosh = unary("arccosh", np.arccosh, lambda a, x: 1 / sqrt(x * x - 1))
arctanh = unary("arctanh", np.arctanh, lambda a, x: 1 / (1 - x * x))
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh
deg2rad = unary("deg2rad", np.deg2rad, lambda a, x: np.pi / 180)
rad2deg = unary("rad2deg", np.rad2deg, lambda a, x: 180 / np.pi)
radians, degrees = deg2rad, rad2deg
hypot = binary("hypot", np.hypot, lambda a, x, y: x / a, lambda a, x, y: y / a)
sinc = unary("sinc", np.sinc, lambda a, x: _sinc_deriv(x), reads_output=False)


def _sinc_deriv(x):
    px = np.pi * x
    safe = where(x == 0, 1.0, px)
    return where(x == 0, 0.0, (cos(safe) - sin(safe) / safe) / where(x == 0, 1.0, x))


absolute = unary("absolute", np.absolute, lambda a, x: sign(x), reads_output=False)
abs = fabs = absolute
sign = nondiff("sign", np.sign)

# Ties split the gradient evenly, as in torch and JAX.
maximum = binary("maximum", np.maximum,
                 lambda a, x, y: _tie_weight(x, y, greater), lambda a, x, y: _tie_weight(y, x, greater),
                 reads_output=False)
minimum = binary("minimum", np.minimum,
                 lambda a, x, y: _tie_weight(x, y, less), lambda a, x, y: _tie_weight(y, x, less),
                 reads_output=False)
fmax = binary("fmax", np.fmax,
              lambda a, x, y: _tie_weight(x, y, greater), lambda a, x, y: _tie_weight(y, x, greater),
              reads_output=False)
fmin = binary("fmin", np.fmin,
              lambda a, x, y: _tie_weight(x, y, less), lambda a, x, y: _tie_weight(y, x, less),
              reads_output=False)


def _tie_weight(x, y, wins):
    """1 where x wins, 1/2 on a tie, 0 where it loses, in the dtype of the result."""
    dt = np.result_type(concrete(x), concrete(y))  # Python scalars stay weak: float32 in, float32 out
    return _creation.astype(wins(x, y), dt) + _creation.astype(equal(x, y), dt) * 0.5


remainder = binary("remainder", np.remainder, lambda a, x, y: 1.0, lambda a, x, y: -floor_divide(x, y))
mod = remainder
fmod = binary("fmod", np.fmod, lambda a, x, y: 1.0, lambda a, x, y: -trunc(x / y))
copysign = binary("copysign", np.copysign,
                  lambda a, x, y: sign(x) * sign(a), None)

floor_divide = nondiff("floor_divide", np.floor_divide)
floor = nondiff("floor", np.floor)
ceil = nondiff("ceil", np.ceil)
trunc = nondiff("trunc", np.trunc)
fix = nondiff("fix", np.fix)
rint = nondiff("rint", np.rint)
_round = defprim("round", lambda x, decimals=0: np.round(x, decimals), nondiff=True, batch=batching.elementwise)


def round(a, decimals=0):
    """NumPy's round (half to even). Its derivative is zero almost everywhere."""
    return _round.bind(a, decimals=decimals)


around = round
__all__ += ["round", "around"]

heaviside = nondiff("heaviside", np.heaviside)
signbit = nondiff("signbit", np.signbit)
equal = nondiff("equal", np.equal)
not_equal = nondiff("not_equal", np.not_equal)
less = nondiff("less", np.less)
less_equal = nondiff("less_equal", np.less_equal)
greater = nondiff("greater", np.greater)
greater_equal = nondiff("greater_equal", np.greater_equal)
logical_and = nondiff("logical_and", np.logical_and)
logical_or = nondiff("logical_or", np.logical_or)
logical_xor = nondiff("logical_xor", np.logical_xor)
logical_not = nondiff("logical_not", np.logical_not)
bitwise_and = nondiff("bitwise_and", np.bitwise_and)
bitwise_or = nondiff("bitwise_or", np.bitwise_or)
bitwise_xor = nondiff("bitwise_xor", np.bitwise_xor)
invert = bitwise_not = nondiff("invert", np.invert)
isnan = nondiff("isnan", np.isnan)
isinf = nondiff("isinf", np.isinf)
isfinite = nondiff("isfinite", np.isfinite)
isposinf = nondiff("isposinf", np.isposinf)
isneginf = nondiff("isneginf", np.isneginf)
__all__ += ["true_divide", "pow", "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh",
            "radians", "degrees", "abs", "fabs", "mod", "bitwise_not"]

_isclose = defprim("isclose", lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False:
                   np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), nondiff=True,
                   batch=batching.elementwise)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _isclose.bind(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = _reductions.all(isclose(a, b, rtol, atol, equal_nan))
    # A Python bool, as NumPy's; under vmap each example's own (a batched 0-d bool, as in JAX).
    return close if isinstance(close, Tracer) else bool(close)


__all__ += ["isclose", "allclose"]


def _clip_impl(x, a_min, a_max):
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    return np.clip(x, a_min, a_max)


def _in_range(x, lo, hi):
    inside = True
    if lo is not None:
        inside = greater_equal(x, lo)
    if hi is not None:
        inside = inside & less_equal(x, hi) if lo is not None else less_equal(x, hi)
    return inside


def _clip_vjp_bound(k):
    def rule(g, ans, x, lo, hi):
        hit = less(x, lo) if k == 1 else greater(x, hi)
        return unbroadcast(g * hit, (x, lo, hi)[k])
    return rule


def _clip_jvp_bound(k):
    def rule(t, ans, x, lo, hi):
        hit = less(x, lo) if k == 1 else greater(x, hi)
        return _broadcast_like(t * hit, ans)
    return rule


# Inside the closed interval the gradient passes, as in torch.clamp.
_clip = defprim("clip", _clip_impl,
                vjp=(lambda g, ans, x, lo, hi: unbroadcast(g * _in_range(x, lo, hi), x),
                     _clip_vjp_bound(1), _clip_vjp_bound(2)),
                jvp=(lambda t, ans, x, lo, hi: _broadcast_like(t * _in_range(x, lo, hi), ans),
                     _clip_jvp_bound(1), _clip_jvp_bound(2)),
                batch=batching.elementwise, reads_output=False)


def clip(a, a_min=None, a_max=None):
    """Limit values to [a_min, a_max]; the gradient passes where a_min <= a <= a_max."""
    return _clip.bind(a, a_min, a_max)


__all__.append("clip")


def _where_impl(cond, x, y):
    return np.where(cond, x, y)


def _where_vjp(k):
    def rule(g, ans, cond, x, y):
        return unbroadcast(where(cond, g, 0.0) if k == 1 else where(cond, 0.0, g), (cond, x, y)[k])
    return rule


def _where_jvp(k):
    def rule(t, ans, cond, x, y):
        return _broadcast_like(where(cond, t, 0.0) if k == 1 else where(cond, 0.0, t), ans)
    return rule


_where = defprim("where", _where_impl, vjp=(None, _where_vjp(1), _where_vjp(2)),
                 jvp=(None, _where_jvp(1), _where_jvp(2)), batch=batching.elementwise, reads_output=False)


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y``; one-argument form is ``nonzero``."""
    if x is None and y is None:
        return _indexing.nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    # The condition carries no derivative; vmap's batch tracers stay (the batch's conditions differ).
    if isinstance(condition, Tracer):
        condition = condition._nondiff_value()
    return _where.bind(condition, x, y)


__all__.append("where")


_conj = defprim("conjugate", np.conjugate, vjp=(lambda g, ans, x: conjugate(g),),
                jvp=(lambda t, ans, x: conjugate(t),), batch=batching.elementwise, linear=True)
conjugate = conj = _export(public(_conj))
_real = defprim("real", np.real, vjp=(lambda g, ans, x: g,), jvp=(lambda t, ans, x: real(t),),
                batch=batching.elementwise, linear=True)
real = _export(public(_real))
__all__.append("conj")
