"""Elementwise math: each primitive beside its derivative.

A unary primitive is given by ``f'(ans, x)``; a binary one by its two partial
derivatives ``(ans, x, y) -> df/dx, df/dy``. From those one definition both the
VJP (``g * f'``, summed back over broadcast axes) and the JVP (``t * f'``) follow,
so a derivative is never written twice.

Each public function's docstring is given to its factory (``doc=``), beside its definition.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import batching
from ..core import Tracer, concrete
from . import _creation, _indexing, _reductions, _shape
from ._util import defprim, public, shape
from ._util import dtype as dtype_of

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

_ndarray = np.ndarray

__all__ = [
    "add", "subtract", "negative", "positive", "multiply", "divide", "power", "float_power", "square",
    "reciprocal", "sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp",
    "logaddexp2", "cos", "sin", "tan", "arcsin", "arccos", "arctan", "arctan2", "cosh", "sinh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "hypot", "sinc", "absolute", "sign", "maximum",
    "minimum", "fmax", "fmin", "remainder", "fmod", "copysign", "floor_divide", "floor", "ceil", "trunc",
    "fix", "rint", "round", "around", "heaviside", "signbit", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "invert", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
    "true_divide", "pow", "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh", "radians", "degrees",
    "abs", "fabs", "mod", "bitwise_not", "isclose", "allclose", "clip", "where", "conjugate", "real", "conj",
]

_UNARY, _BINARY = ("x",), ("x1", "x2")  # NumPy's names for a ufunc's arguments


def _broadcast_like(t: Array, ans: Array) -> Array:
    if shape(t) == shape(ans):
        return t
    return _shape.broadcast_to(t, shape(ans))


def unbroadcast(g: Array, target: ArrayLike) -> Array:
    """Sum ``g`` down to the shape of ``target`` (undoing NumPy broadcasting), and to a real ``target``'s
    real part: the transpose of promoting a real operand to complex takes the real part, as in JAX."""
    try:
        if g.shape == target.shape and (g.dtype == target.dtype or g.dtype.kind != "c"):  # the common case
            return g
    except AttributeError:  # a Python scalar
        pass
    if _is_complex(g) and not _is_complex(target):
        g = real(g)
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


def unary(name: str, impl: Callable[..., Any], deriv: Callable[[Array, Array], Array], doc: str | None = None,
          **flags: Any) -> Callable[..., Array]:
    """Register ``name`` with derivative ``deriv(ans, x)``; return its public function, documented by ``doc``.

    ``flags`` (``reads_output=False``) go to ``Primitive``: they must match what ``deriv`` reads.
    """
    flags.setdefault("batch", batching.elementwise)
    prim = defprim(name, impl,
                   vjp=(lambda g, ans, x: g * deriv(ans, x),),
                   jvp=(lambda t, ans, x: t * deriv(ans, x),), **flags)
    return public(prim, doc=doc, params=_UNARY)


def unary_dx(name: str, impl: Callable[..., Any], dx: Callable[..., Array], doc: str | None = None
             ) -> Callable[..., Array]:
    """``unary`` for a derivative that is another public unary function ``dx`` of ``x`` (sin: cos).

    The rules call ``dx``'s implementation straight on a raw NumPy ``x`` (what ``dx`` would reach,
    two Python calls less on every backward step); anything else goes through ``dx`` itself.

    >>> sin = unary_dx("sin", np.sin, cos)
    """
    d_impl = dx.primitive.impl  # type: ignore[attr-defined]  # public() gives it
    prim = defprim(name, impl,
                   vjp=(lambda g, ans, x: g * (d_impl(x) if type(x) is _ndarray else dx(x)),),
                   jvp=(lambda t, ans, x: t * (d_impl(x) if type(x) is _ndarray else dx(x)),),
                   batch=batching.elementwise, reads_output=False)
    return public(prim, doc=doc, params=_UNARY)


def binary(name: str, impl: Callable[..., Any], d0: Callable[..., Any] | None, d1: Callable[..., Any] | None,
           doc: str | None = None,
           **flags: Any) -> Callable[..., Array]:
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
    return public(prim, doc=doc, params=_BINARY)


def nondiff(name: str, impl: Callable[..., Any], doc: str | None = None,
            batch: Callable[..., Any] = batching.elementwise) -> Callable[..., Array]:
    """An operation whose output carries no derivative (comparisons, rounding, logic)."""
    params = _BINARY if getattr(impl, "nin", 1) == 2 else _UNARY
    return public(defprim(name, impl, nondiff=True, batch=batch), doc=doc, params=params)


def _add_vjp0(g, ans, x, y):  # one call less per node in the common case (same shape, same dtype)
    return g if type(x) is _ndarray and g.shape == x.shape and g.dtype == x.dtype else unbroadcast(g, x)


def _add_vjp1(g, ans, x, y):
    return g if type(y) is _ndarray and g.shape == y.shape and g.dtype == y.dtype else unbroadcast(g, y)


def _mul_vjp0(g, ans, x, y):
    ct = g * y
    return ct if type(x) is _ndarray and ct.shape == x.shape and ct.dtype == x.dtype else unbroadcast(ct, x)


def _mul_vjp1(g, ans, x, y):
    ct = g * x
    return ct if type(y) is _ndarray and ct.shape == y.shape and ct.dtype == y.dtype else unbroadcast(ct, y)


# Linear ones: their rules skip the multiplication by a constant partial.
_add = defprim("add", np.add,
               vjp=(_add_vjp0, _add_vjp1),
               jvp=(lambda t, ans, x, y: _broadcast_like(t, ans), lambda t, ans, x, y: _broadcast_like(t, ans)),
               batch=batching.elementwise, linear=True)
add = public(_add, params=_BINARY, doc="""Sum of ``x1`` and ``x2``, elementwise, broadcasting as NumPy does.

    >>> fnp.add(fnp.array([1.0, 2.0]), 10.0)
    array([11., 12.])
    """)
_subtract = defprim("subtract", np.subtract,
                    vjp=(lambda g, ans, x, y: unbroadcast(g, x), lambda g, ans, x, y: unbroadcast(-g, y)),
                    jvp=(lambda t, ans, x, y: _broadcast_like(t, ans), lambda t, ans, x, y: _broadcast_like(-t, ans)),
                    batch=batching.elementwise, linear=True)
subtract = public(_subtract, params=_BINARY, doc="""Difference ``x1 - x2``, elementwise.

    >>> fnp.subtract(fnp.array([5, 7]), fnp.array([1, 2]))
    array([4, 5])
    """)
_negative = defprim("negative", np.negative, vjp=(lambda g, ans, x: -g,), jvp=(lambda t, ans, x: -t,),
                    batch=batching.elementwise, linear=True)
negative = public(_negative, params=_UNARY, doc="""``-x``, elementwise.

    >>> fnp.negative(fnp.array([1.0, -2.0]))
    array([-1.,  2.])
    """)
_positive = defprim("positive", np.positive, vjp=(lambda g, ans, x: g,), jvp=(lambda t, ans, x: t,),
                    batch=batching.elementwise, linear=True)
positive = public(_positive, params=_UNARY, doc="""``+x``, elementwise (the values unchanged).

    >>> fnp.positive(fnp.array([1.0, -2.0]))
    array([ 1., -2.])
    """)

_multiply = defprim("multiply", np.multiply,  # binary()'s rules with the partials (y, x) written in
                    vjp=(_mul_vjp0, _mul_vjp1),
                    jvp=(lambda t, ans, x, y: _broadcast_like(t * y, ans),
                         lambda t, ans, x, y: _broadcast_like(t * x, ans)),
                    batch=batching.elementwise, reads_output=False)
multiply = public(_multiply, params=_BINARY, doc="""Product of ``x1`` and ``x2``, elementwise.

    >>> fnp.multiply(fnp.array([1.0, 2.0, 3.0]), 2.0)
    array([2., 4., 6.])
    >>> print(fgrad.grad(fnp.multiply, argnums=1)(3.0, 5.0))  # d(x1 * x2)/dx2 = x1
    3.0
    """)
def _one_over(y: ArrayLike) -> Any:
    """``1 / y``; a Python number stays a (weak) Python float, and ``1 / 0`` is inf as for arrays, not
    Python's ZeroDivisionError (``x / 0.0`` and a variance with no degrees of freedom differentiate)."""
    if isinstance(y, (int, float)) and not y:
        return math.copysign(math.inf, y)
    return 1 / y


# d/dx2 from the inputs, not the output (-ans / x2): torch's face may let a program write into the output
divide = binary("divide", np.divide, lambda a, x, y: _one_over(y), lambda a, x, y: -(x / y) / y, reads_output=False,
                doc="""True division ``x1 / x2``, elementwise (``true_divide`` is the same function).

    >>> fnp.divide(fnp.array([1, 3]), 2)
    array([0.5, 1.5])
    """)
true_divide = divide


def _pow_d0(ans: Array, x: Array, y: Array) -> Array:
    # x ** 0 is constant: slope 0, and x is replaced by 1 in the unused branch so that its own derivative
    # (y (y - 1) x ** (y - 2) = 0 * inf at x = 0) doesn't turn a second derivative into nan (safe where)
    zero = y == 0
    return where(zero, 0.0, y * power(where(zero, 1.0, x), y - 1))


def _pow_d1(ans: Array, x: Array, y: Array) -> Array:
    # The x == 0 guard keeps 0 ** y (y >= 0) from turning the gradient into nan, as torch does.
    safe_x = where(x == 0, 1.0, x)
    return where((x == 0) & (y >= 0), 0.0, ans * log(safe_x))


power = binary("power", np.power, _pow_d0, _pow_d1, reads_output=(1,),
    doc="""``x1 ** x2``, elementwise (``pow`` is the same function).

    Its derivative in ``x2`` at ``x1 == 0`` is 0, not nan (as in torch).

    >>> fnp.power(fnp.array([1.0, 2.0, 3.0]), 2)
    array([1., 4., 9.])
    >>> print(fgrad.grad(fnp.power)(3.0, 2.0))  # 2 * 3.0
    6.0
    """)
pow = power


def float_power(x1: ArrayLike, x2: ArrayLike) -> Array:
    """``x1 ** x2`` computed in float64, elementwise.

    >>> fnp.float_power(fnp.array([2, 3]), -1)
    array([0.5   , 0.3333])
    """
    return power(_creation.astype(x1, np.float64), _creation.astype(x2, np.float64))


square = unary("square", np.square, lambda a, x: 2 * x, reads_output=False, doc="""``x * x``, elementwise.

    >>> fnp.square(fnp.array([-2.0, 3.0]))
    array([4., 9.])
    """)
reciprocal = unary("reciprocal", lambda x: np.true_divide(1, x), lambda a, x: -(a * a),
                   doc="""``1 / x``, elementwise; integers give floats, as in JAX (NumPy's integer
    reciprocal truncates).

    >>> fnp.reciprocal(fnp.array([2.0, 4.0]))
    array([0.5 , 0.25])
    """)
sqrt = unary("sqrt", np.sqrt, lambda a, x: 0.5 / a, doc="""Square root, elementwise.

    >>> fnp.sqrt(fnp.array([1.0, 4.0, 9.0]))
    array([1., 2., 3.])
    >>> print(fgrad.grad(fnp.sqrt)(4.0))  # 1 / (2 * sqrt(4))
    0.25
    """)
cbrt = unary("cbrt", np.cbrt, lambda a, x: 1 / (3 * a * a),
    doc="""Cube root, elementwise (real, also for negative ``x``).

    >>> fnp.cbrt(fnp.array([-8.0, 27.0]))
    array([-2.,  3.])
    """)
exp = unary("exp", np.exp, lambda a, x: a, doc="""``e ** x``, elementwise.

    >>> fnp.exp(fnp.array([0.0, 1.0]))
    array([1.    , 2.7183])
    >>> print(fgrad.grad(fnp.exp)(0.0))
    1.0
    """)
exp2 = unary("exp2", np.exp2, lambda a, x: a * math.log(2.0), doc="""``2 ** x``, elementwise.

    >>> fnp.exp2(fnp.array([0.0, 3.0]))
    array([1., 8.])
    """)
expm1 = unary_dx("expm1", np.expm1, exp, doc="""``exp(x) - 1``, elementwise, accurate for small ``x``.

    >>> print(fnp.expm1(1e-10))  # exp(1e-10) - 1 would lose digits
    1.00000000005e-10
    """)  # its derivative is exp(x), not a + 1: that cancels for x << 0
log = unary("log", np.log, lambda a, x: 1 / x, reads_output=False, doc="""Natural logarithm, elementwise.

    >>> fnp.log(fnp.array([1.0, fnp.e]))
    array([0., 1.])
    >>> print(fgrad.grad(fnp.log)(2.0))
    0.5
    """)
log2 = unary("log2", np.log2, lambda a, x: 1 / (x * math.log(2.0)), reads_output=False,
             doc="""Base-2 logarithm, elementwise.

    >>> fnp.log2(fnp.array([1.0, 8.0]))
    array([0., 3.])
    """)
log10 = unary("log10", np.log10, lambda a, x: 1 / (x * math.log(10.0)), reads_output=False,
              doc="""Base-10 logarithm, elementwise.

    >>> fnp.log10(fnp.array([1.0, 1000.0]))
    array([0., 3.])
    """)
log1p = unary("log1p", np.log1p, lambda a, x: 1 / (1 + x), reads_output=False,
              doc="""``log(1 + x)``, elementwise, accurate for small ``x``.

    >>> print(fnp.log1p(1e-10))
    9.999999999500001e-11
    """)
logaddexp = binary("logaddexp", np.logaddexp, lambda a, x, y: exp(x - a), lambda a, x, y: exp(y - a),
                   doc="""``log(exp(x1) + exp(x2))``, elementwise, without overflow.

    >>> fnp.logaddexp(fnp.array([0.0, 1000.0]), fnp.array([0.0, 1000.0]))
    array([   0.6931, 1000.6931])
    """)
logaddexp2 = binary("logaddexp2", np.logaddexp2,
                    lambda a, x, y: exp2(x - a), lambda a, x, y: exp2(y - a),
                    doc="""``log2(2 ** x1 + 2 ** x2)``, elementwise, without overflow.

    >>> fnp.logaddexp2(fnp.array([1.0, 3.0]), fnp.array([1.0, 3.0]))
    array([2., 4.])
    """)

cos = unary("cos", np.cos, lambda a, x: -sin(x), reads_output=False, doc="""Cosine of angles in radians, elementwise.

    >>> fnp.cos(fnp.array([0.0, fnp.pi]))
    array([ 1., -1.])
    """)
sin: Callable[..., Array] = unary_dx("sin", np.sin, cos, doc="""Sine of angles in radians, elementwise.

    >>> fnp.sin(fnp.array([0.0, 1.0]))
    array([0.    , 0.8415])
    >>> print(fgrad.grad(fnp.sin)(0.0))  # cos(0)
    1.0
    """)
tan = unary("tan", np.tan, lambda a, x: 1 + a * a, doc="""Tangent of angles in radians, elementwise.

    >>> fnp.tan(fnp.array([0.0, fnp.pi / 4]))
    array([0., 1.])
    """)
arcsin = unary("arcsin", np.arcsin, lambda a, x: 1 / sqrt(1 - x * x), reads_output=False,
               doc="""Inverse sine in radians, elementwise (``asin`` is the same function).

    >>> fnp.arcsin(fnp.array([0.0, 1.0]))
    array([0.    , 1.5708])
    """)
arccos = unary("arccos", np.arccos, lambda a, x: -1 / sqrt(1 - x * x), reads_output=False,
               doc="""Inverse cosine in radians, elementwise (``acos`` is the same function).

    >>> fnp.arccos(fnp.array([1.0, 0.0]))
    array([0.    , 1.5708])
    """)
arctan = unary("arctan", np.arctan, lambda a, x: 1 / (1 + x * x), reads_output=False,
               doc="""Inverse tangent in radians, elementwise (``atan`` is the same function).

    >>> fnp.arctan(fnp.array([0.0, 1.0]))
    array([0.    , 0.7854])
    """)
arctan2 = binary("arctan2", np.arctan2,
                 lambda a, x, y: y / (x * x + y * y), lambda a, x, y: -(x / (x * x + y * y)), reads_output=False,
                 doc="""Angle of the point ``(x2, x1)`` in radians, in [-pi, pi] (``atan2`` is the same function).

    >>> fnp.arctan2(fnp.array([1.0, -1.0]), fnp.array([0.0, -1.0]))
    array([ 1.5708, -2.3562])
    """)
cosh = unary("cosh", np.cosh, lambda a, x: sinh(x), reads_output=False, doc="""Hyperbolic cosine, elementwise.

    >>> fnp.cosh(fnp.array([0.0, 1.0]))
    array([1.    , 1.5431])
    """)
sinh: Callable[..., Array] = unary_dx("sinh", np.sinh, cosh, doc="""Hyperbolic sine, elementwise.

    >>> fnp.sinh(fnp.array([0.0, 1.0]))
    array([0.    , 1.1752])
    """)
tanh = unary("tanh", np.tanh, lambda a, x: 1 - a * a, doc="""Hyperbolic tangent, elementwise.

    >>> fnp.tanh(fnp.array([0.0, 1.0]))
    array([0.    , 0.7616])
    >>> print(fgrad.grad(fnp.tanh)(0.0))  # 1 - tanh(0) ** 2
    1.0
    """)
arcsinh = unary("arcsinh", np.arcsinh, lambda a, x: 1 / sqrt(x * x + 1), reads_output=False,
                doc="""Inverse hyperbolic sine, elementwise (``asinh`` is the same function).

    >>> fnp.arcsinh(fnp.array([0.0, 1.0]))
    array([0.    , 0.8814])
    """)
arccosh = unary("arccosh", np.arccosh, lambda a, x: 1 / sqrt(x * x - 1),
                doc="""Inverse hyperbolic cosine, elementwise (``acosh`` is the same function).

    >>> fnp.arccosh(fnp.array([1.0, 2.0]))
    array([0.   , 1.317])
    """)
arctanh = unary("arctanh", np.arctanh, lambda a, x: 1 / (1 - x * x),
                doc="""Inverse hyperbolic tangent, elementwise (``atanh`` is the same function).

    >>> fnp.arctanh(fnp.array([0.0, 0.5]))
    array([0.    , 0.5493])
    """)
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh
deg2rad = unary("deg2rad", np.deg2rad, lambda a, x: np.pi / 180,
                doc="""Degrees to radians, elementwise (``radians`` is the same function).

    >>> fnp.deg2rad(fnp.array([90.0, 180.0]))
    array([1.5708, 3.1416])
    """)
rad2deg = unary("rad2deg", np.rad2deg, lambda a, x: 180 / np.pi,
                doc="""Radians to degrees, elementwise (``degrees`` is the same function).

    >>> fnp.rad2deg(fnp.array([fnp.pi / 2, fnp.pi]))
    array([ 90., 180.])
    """)
radians, degrees = deg2rad, rad2deg


def _hypot_slope(h: Array, x: Array, y: Array, reverse: bool) -> Array:
    """``dh/dx = x / h``, with JAX's values where that is 0 / 0 or inf / inf: 1/2 at ``x = y = 0`` (a tie of
    its max and min) and, where either leg is infinite (JAX selects a constant inf there), 0 in forward
    mode and nan in reverse mode (the unselected branch's 0 * inf), a nan whose own derivative is nan."""
    zero = h == 0
    slope = where(zero, 0.5, x / where(zero, 1.0, h))
    return where(isinf(x) | isinf(y), x * y * 0 if reverse else 0.0, slope)


_hypot = defprim("hypot", np.hypot,
                 vjp=(lambda g, a, x, y: unbroadcast(g * _hypot_slope(a, x, y, True), x),
                      lambda g, a, x, y: unbroadcast(g * _hypot_slope(a, y, x, True), y)),
                 jvp=(lambda t, a, x, y: _broadcast_like(t * _hypot_slope(a, x, y, False), a),
                      lambda t, a, x, y: _broadcast_like(t * _hypot_slope(a, y, x, False), a)),
                 batch=batching.elementwise)
hypot = public(_hypot, params=_BINARY,
               doc="""``sqrt(x1 ** 2 + x2 ** 2)``, elementwise, without overflow.

    Its derivative is JAX's: ``x1 / hypot`` in ``x1``, 1/2 at the origin; where a leg is infinite, 0
    in forward mode and nan in reverse mode.

    >>> fnp.hypot(fnp.array([3.0, 5.0]), fnp.array([4.0, 12.0]))
    array([ 5., 13.])
    """)
sinc = unary("sinc", np.sinc, lambda a, x: _sinc_deriv(x), reads_output=False,
             doc="""Normalized sinc, ``sin(pi x) / (pi x)`` (1 at 0), elementwise.

    >>> fnp.sinc(fnp.array([0.0, 0.5, 1.0]))
    array([1.    , 0.6366, 0.    ])
    """)


def _sinc_deriv(x: Array) -> Array:
    px = np.pi * x
    safe = where(x == 0, 1.0, px)
    return where(x == 0, 0.0, (cos(safe) - sin(safe) / safe) / where(x == 0, 1.0, x))


def _abs_slope(x: Array) -> Array:
    """``d|x|`` per unit of ``dx``, JAX's: for real ``x`` 1 where ``x >= 0`` (at 0 and -0 too), else -1 (nan
    too); ``conj(x) / |x|`` for complex ``x``, whose tangent map ``t -> Re(conj(x) t) / |x|`` is JAX's (0 at 0,
    and no nan from the 0 / 0 there)."""
    if _is_complex(x):
        return conjugate(x) / where(x == 0, 1.0, absolute(x))
    return 2 * _creation.astype(greater_equal(x, 0), dtype_of(x)) - 1


def _is_complex(x: ArrayLike) -> bool:
    return dtype_of(x).kind == "c"


_absolute = defprim("absolute", np.absolute,
                    vjp=(lambda g, ans, x: (real(g) if _is_complex(x) else g) * _abs_slope(x),),
                    jvp=(lambda t, ans, x: real(t * _abs_slope(x)) if _is_complex(x) else t * _abs_slope(x),),
                    batch=batching.elementwise, reads_output=False)
absolute = public(_absolute, params=_UNARY,
                  doc="""``|x|``, elementwise.

    ``abs`` is the same function; ``fabs`` converts integers to floats first.
    Its derivative is JAX's: 1 where ``x >= 0`` (so 1 at 0), else -1 (``fgrad.nn`` and the PyTorch
    face give torch's 0 at 0). For complex ``x`` the tangent is ``Re(conj(x) dx) / |x|`` and ``grad``
    gives ``conj(x) / |x|``, as in JAX.

    >>> fnp.absolute(fnp.array([-1.5, 0.0, 2.0]))
    array([1.5, 0. , 2. ])
    >>> print(fgrad.grad(fnp.absolute)(-3.0))
    -1.0
    """)
abs = absolute


def fabs(x: ArrayLike) -> Array:
    """``|x|`` as a float, elementwise (integers and booleans are converted first, as NumPy's ``fabs``).

    >>> fnp.fabs(fnp.array([-2, 3]))
    array([2., 3.])
    """
    dt = dtype_of(x)
    if dt.kind in "biu":
        x = _creation.astype(x, np.fabs(np.zeros((), dt)).dtype)
    return absolute(x)
sign: Callable[..., Array] = nondiff("sign", np.sign,
    doc="""-1, 0 or 1 by the sign of ``x``, elementwise. Its derivative is zero.

    >>> fnp.sign(fnp.array([-2.0, 0.0, 3.0]))
    array([-1.,  0.,  1.])
    """)

# Ties split the gradient evenly, as in torch and JAX.
maximum = binary("maximum", np.maximum,
                 lambda a, x, y: _tie_weight(x, y, greater), lambda a, x, y: _tie_weight(y, x, greater),
                 reads_output=False, doc="""The larger of ``x1`` and ``x2``, elementwise; nan if either is nan.

    On a tie the gradient is split evenly between the two, as in JAX and torch.

    >>> fnp.maximum(fnp.array([1.0, 5.0]), fnp.array([3.0, 2.0]))
    array([3., 5.])
    >>> fgrad.grad(lambda x: fnp.sum(fnp.maximum(x, 1.0)))(fnp.array([0.0, 1.0, 2.0]))
    array([0. , 0.5, 1. ])
    """)
minimum = binary("minimum", np.minimum,
                 lambda a, x, y: _tie_weight(x, y, less), lambda a, x, y: _tie_weight(y, x, less),
                 reads_output=False, doc="""The smaller of ``x1`` and ``x2``, elementwise; nan if either is nan.

    On a tie the gradient is split evenly between the two.

    >>> fnp.minimum(fnp.array([1.0, 5.0]), fnp.array([3.0, 2.0]))
    array([1., 2.])
    """)
def _selecting(name: str, first_wins: Callable[[Array, Array], Array], doc: str) -> Callable[..., Array]:
    """A binary primitive that is ``where(first_wins(x1, x2), x1, x2)`` (JAX's fmax/fmin): the gradient
    goes to the selected operand, by selection (an inf or nan cotangent stays out of the other)."""
    def vjp(k):
        return lambda g, ans, x, y: unbroadcast(where(first_wins(x, y), g, 0.0) if k == 0
                                                else where(first_wins(x, y), 0.0, g), (x, y)[k])

    def jvp(k):
        return lambda t, ans, x, y: _broadcast_like(where(first_wins(x, y), t, 0.0) if k == 0
                                                    else where(first_wins(x, y), 0.0, t), ans)
    impl = getattr(np, name)
    prim = defprim(name, impl, vjp=(vjp(0), vjp(1)), jvp=(jvp(0), jvp(1)), batch=batching.elementwise,
                   reads_output=False)
    return public(prim, doc=doc, params=_BINARY)


# As in JAX, x2 wins a tie, and a nan loses to a number.
fmax = _selecting("fmax", lambda x, y: greater(x, y) | isnan(y),
                  doc="""The larger of ``x1`` and ``x2``, elementwise, ignoring a nan on one side.

    The gradient goes to the one selected: ``x2`` on a tie, the number beside a nan (as in JAX).

    >>> fnp.fmax(fnp.array([1.0, fnp.nan]), fnp.array([fnp.nan, 2.0]))
    array([1., 2.])
    """)
fmin = _selecting("fmin", lambda x, y: less(x, y) | isnan(y),
                  doc="""The smaller of ``x1`` and ``x2``, elementwise, ignoring a nan on one side.

    The gradient goes to the one selected: ``x2`` on a tie, the number beside a nan (as in JAX).

    >>> fnp.fmin(fnp.array([1.0, fnp.nan]), fnp.array([fnp.nan, 2.0]))
    array([1., 2.])
    """)


def _tie_weight(x: Array, y: Array, wins: Callable[..., Array]) -> Array:
    """1 where x wins, 1/2 on a tie, 0 where it loses, in the dtype of the result."""
    dt = np.result_type(concrete(x), concrete(y))  # Python scalars stay weak: float32 in, float32 out
    return _creation.astype(wins(x, y), dt) + _creation.astype(equal(x, y), dt) * 0.5


remainder = binary("remainder", np.remainder, lambda a, x, y: 1.0, lambda a, x, y: -floor_divide(x, y),
                   reads_output=False, doc="""Remainder of ``x1 / x2`` with the sign of ``x2``, as Python's ``%`` (``mod`` too).

    >>> fnp.remainder(fnp.array([5, -5]), 3)
    array([2, 1])
    """)
mod = remainder
fmod = binary("fmod", np.fmod, lambda a, x, y: 1.0, lambda a, x, y: -trunc(x / y),
              reads_output=False, doc="""Remainder of ``x1 / x2`` with the sign of ``x1`` (C's ``fmod``), elementwise.

    >>> fnp.fmod(fnp.array([5, -5]), 3)
    array([ 2, -2])
    """)
copysign = binary("copysign", np.copysign,
                  lambda a, x, y: sign(x) * sign(a), None,
                  doc="""``|x1|`` with the sign of ``x2``, elementwise; differentiable in ``x1`` only.

    >>> fnp.copysign(fnp.array([1.0, -2.0]), -1.0)
    array([-1., -2.])
    """)

floor_divide: Callable[..., Array] = nondiff("floor_divide", np.floor_divide,
    doc="""``x1 // x2``, elementwise. Its derivative is zero.

    >>> fnp.floor_divide(fnp.array([7, -7]), 2)
    array([ 3, -4])
    """)
floor = nondiff("floor", np.floor, doc="""The largest integer ``<= x``, elementwise. Its derivative is zero.

    >>> fnp.floor(fnp.array([-1.5, 1.5]))
    array([-2.,  1.])
    """)
ceil = nondiff("ceil", np.ceil, doc="""The smallest integer ``>= x``, elementwise. Its derivative is zero.

    >>> fnp.ceil(fnp.array([-1.5, 1.5]))
    array([-1.,  2.])
    """)
trunc: Callable[..., Array] = nondiff("trunc", np.trunc,
    doc="""``x`` rounded toward zero, elementwise. Its derivative is zero.

    >>> fnp.trunc(fnp.array([-1.7, 1.7]))
    array([-1.,  1.])
    """)
fix = nondiff("fix", np.fix, doc="""``x`` rounded toward zero (as ``trunc``), elementwise. Its derivative is zero.

    >>> fnp.fix(fnp.array([-1.7, 1.7]))
    array([-1.,  1.])
    """)
rint = nondiff("rint", np.rint, doc="""``x`` rounded to the nearest integer, halves to even. Its derivative is zero.

    >>> fnp.rint(fnp.array([0.5, 1.5, 2.7]))
    array([0., 2., 3.])
    """)
_round = defprim("round", lambda x, decimals=0: np.round(x, decimals), nondiff=True, batch=batching.elementwise)


def round(a: ArrayLike, decimals: int = 0) -> Array:
    """``a`` rounded to ``decimals`` decimals, halves to even (``around`` is the same function).

    Its derivative is zero almost everywhere, so it is taken as zero.

    >>> fnp.round(fnp.array([0.5, 1.5, 2.675]), 1)
    array([0.5, 1.5, 2.7])
    """
    return _round.bind(a, decimals=decimals)


around = round

heaviside = nondiff("heaviside", np.heaviside, doc="""Step function: 0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0``.

    Its derivative is zero.

    >>> fnp.heaviside(fnp.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """)
signbit = nondiff("signbit", np.signbit, doc="""True where the sign bit of ``x`` is set (also for ``-0.0``).

    >>> fnp.signbit(fnp.array([-1.0, -0.0, 2.0]))
    array([ True,  True, False])
    """)
equal = nondiff("equal", np.equal, doc="""``x1 == x2``, elementwise, as a bool array.

    >>> fnp.equal(fnp.array([1, 2, 3]), 2)
    array([False,  True, False])
    """)
not_equal = nondiff("not_equal", np.not_equal, doc="""``x1 != x2``, elementwise, as a bool array.

    >>> fnp.not_equal(fnp.array([1, 2, 3]), 2)
    array([ True, False,  True])
    """)
less: Callable[..., Array] = nondiff("less", np.less, doc="""``x1 < x2``, elementwise, as a bool array.

    >>> fnp.less(fnp.array([1, 2, 3]), 2)
    array([ True, False, False])
    """)
less_equal = nondiff("less_equal", np.less_equal, doc="""``x1 <= x2``, elementwise, as a bool array.

    >>> fnp.less_equal(fnp.array([1, 2, 3]), 2)
    array([ True,  True, False])
    """)
greater: Callable[..., Array] = nondiff("greater", np.greater, doc="""``x1 > x2``, elementwise, as a bool array.

    >>> fnp.greater(fnp.array([1, 2, 3]), 2)
    array([False, False,  True])
    """)
greater_equal = nondiff("greater_equal", np.greater_equal, doc="""``x1 >= x2``, elementwise, as a bool array.

    >>> fnp.greater_equal(fnp.array([1, 2, 3]), 2)
    array([False,  True,  True])
    """)
logical_and = nondiff("logical_and", np.logical_and, doc="""Truth of ``x1 and x2``, elementwise.

    >>> fnp.logical_and(fnp.array([True, True, False]), fnp.array([True, False, False]))
    array([ True, False, False])
    """)
logical_or = nondiff("logical_or", np.logical_or, doc="""Truth of ``x1 or x2``, elementwise.

    >>> fnp.logical_or(fnp.array([True, True, False]), fnp.array([True, False, False]))
    array([ True,  True, False])
    """)
logical_xor = nondiff("logical_xor", np.logical_xor, doc="""Truth of ``x1 != x2`` as booleans, elementwise.

    >>> fnp.logical_xor(fnp.array([True, True, False]), fnp.array([True, False, False]))
    array([False,  True, False])
    """)
logical_not = nondiff("logical_not", np.logical_not, doc="""Truth of ``not x``, elementwise.

    >>> fnp.logical_not(fnp.array([True, False]))
    array([False,  True])
    >>> fnp.logical_not(fnp.array([0.0, 2.0]))
    array([ True, False])
    """)
bitwise_and = nondiff("bitwise_and", np.bitwise_and, doc="""Bitwise ``x1 & x2`` of integers or booleans, elementwise.

    >>> fnp.bitwise_and(fnp.array([12, 10]), 6)
    array([4, 2])
    """)
bitwise_or = nondiff("bitwise_or", np.bitwise_or, doc="""Bitwise ``x1 | x2`` of integers or booleans, elementwise.

    >>> fnp.bitwise_or(fnp.array([12, 10]), 6)
    array([14, 14])
    """)
bitwise_xor = nondiff("bitwise_xor", np.bitwise_xor, doc="""Bitwise ``x1 ^ x2`` of integers or booleans, elementwise.

    >>> fnp.bitwise_xor(fnp.array([12, 10]), 6)
    array([10, 12])
    """)
invert = bitwise_not = nondiff("invert", np.invert,
    doc="""Bitwise ``~x`` (logical not for booleans); ``bitwise_not`` is the same function.

    >>> fnp.invert(fnp.array([0, 5]))
    array([-1, -6])
    >>> fnp.invert(fnp.array([True, False]))
    array([False,  True])
    """)
isnan: Callable[..., Array] = nondiff("isnan", np.isnan, doc="""True where ``x`` is nan.

    >>> fnp.isnan(fnp.array([1.0, fnp.nan, fnp.inf]))
    array([False,  True, False])
    """)
isinf = nondiff("isinf", np.isinf, doc="""True where ``x`` is plus or minus infinity.

    >>> fnp.isinf(fnp.array([1.0, fnp.nan, -fnp.inf]))
    array([False, False,  True])
    """)
isfinite = nondiff("isfinite", np.isfinite, doc="""True where ``x`` is neither infinite nor nan.

    >>> fnp.isfinite(fnp.array([1.0, fnp.nan, fnp.inf]))
    array([ True, False, False])
    """)
isposinf = nondiff("isposinf", np.isposinf, doc="""True where ``x`` is plus infinity.

    >>> fnp.isposinf(fnp.array([fnp.inf, -fnp.inf, 1.0]))
    array([ True, False, False])
    """)
isneginf = nondiff("isneginf", np.isneginf, doc="""True where ``x`` is minus infinity.

    >>> fnp.isneginf(fnp.array([fnp.inf, -fnp.inf, 1.0]))
    array([False,  True, False])
    """)

_isclose = defprim("isclose", lambda a, b, rtol=1e-05, atol=1e-08, equal_nan=False:
                   np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), nondiff=True,
                   batch=batching.elementwise)


def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
            ) -> Array:
    """True where ``|a - b| <= atol + rtol * |b|``, elementwise (nan equals nan if ``equal_nan``).

    >>> fnp.isclose(fnp.array([1.0, 1.1]), fnp.array([1.0 + 1e-9, 1.0]))
    array([ True, False])
    """
    return _isclose.bind(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
             ) -> bool | Array:
    """Whether ``isclose(a, b)`` holds everywhere: a Python bool (under ``vmap``, each example's).

    >>> fnp.allclose(fnp.array([1.0, 2.0]), fnp.array([1.0, 2.0 + 1e-9]))
    True
    """
    close = _reductions.all(isclose(a, b, rtol, atol, equal_nan))
    # A Python bool, as NumPy's; under vmap each example's own (a batched 0-d bool, as in JAX).
    return close if isinstance(close, Tracer) else bool(close)


def _clip_impl(x: Array, a_min: ArrayLike | None, a_max: ArrayLike | None) -> Array:
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    return np.clip(x, a_min, a_max)


def _clip_weights(x: Array, lo: ArrayLike | None, hi: ArrayLike | None) -> tuple[Any, Any, Any]:
    """The slopes of ``clip`` in ``x``, ``lo``, ``hi``: JAX's clip is ``minimum(maximum(x, lo), hi)``, so a tie
    with a bound splits the gradient evenly (as ``maximum``/``minimum`` do) and a nan gives 0 to all three."""
    wx: Any = None
    wlo: Any = None
    whi: Any = None
    m: Any = x
    if lo is not None:
        wx, wlo = _tie_weight(x, lo, greater), _tie_weight(lo, x, greater)
        m = maximum(x, lo)
    if hi is not None:
        wm, whi = _tie_weight(m, hi, less), _tie_weight(hi, m, less)
        wx = wm if wx is None else wx * wm
        wlo = None if wlo is None else wlo * wm
    return wx, wlo, whi


def _clip_vjp(k: int) -> Callable[..., Array]:
    def rule(g, ans, x, lo, hi):
        return unbroadcast(g * _clip_weights(x, lo, hi)[k], (x, lo, hi)[k])
    return rule


def _clip_jvp(k: int) -> Callable[..., Array]:
    def rule(t, ans, x, lo, hi):
        return _broadcast_like(t * _clip_weights(x, lo, hi)[k], ans)
    return rule


# JAX's derivative (the PyTorch face selects torch.clamp's: fgrad.nn.torch_rules.clip).
_clip = defprim("clip", _clip_impl, vjp=(_clip_vjp(0), _clip_vjp(1), _clip_vjp(2)),
                jvp=(_clip_jvp(0), _clip_jvp(1), _clip_jvp(2)), batch=batching.elementwise, reads_output=False)


def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None) -> Array:
    """``a`` limited to ``[a_min, a_max]`` (either bound may be None, not both), elementwise.

    Its derivative is JAX's, that of ``minimum(maximum(a, a_min), a_max)``: the gradient passes inside
    the interval, a bound gets it where it is the value, and a tie with a bound splits it evenly.

    >>> fnp.clip(fnp.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    >>> fgrad.grad(lambda x: fnp.sum(fnp.clip(x, 0.0, 1.0)))(fnp.array([-2.0, 0.5, 1.0]))
    array([0. , 1. , 0.5])
    """
    return _clip.bind(a, a_min, a_max)


def _where_impl(cond: Array, x: Array, y: Array) -> Array:
    return np.where(cond, x, y)


def _where_vjp(k: int) -> Callable[..., Array]:
    def rule(g, ans, cond, x, y):
        return unbroadcast(where(cond, g, 0.0) if k == 1 else where(cond, 0.0, g), (cond, x, y)[k])
    return rule


def _where_jvp(k: int) -> Callable[..., Array]:
    def rule(t, ans, cond, x, y):
        return _broadcast_like(where(cond, t, 0.0) if k == 1 else where(cond, 0.0, t), ans)
    return rule


_where = defprim("where", _where_impl, vjp=(None, _where_vjp(1), _where_vjp(2)),
                 jvp=(None, _where_jvp(1), _where_jvp(2)), batch=batching.elementwise, reads_output=False)


def where(condition: ArrayLike, x: ArrayLike | None = None, y: ArrayLike | None = None) -> Any:
    """``x`` where ``condition`` holds, else ``y``, broadcasting all three.

    The gradient reaches ``x`` where the condition holds and ``y`` elsewhere; the condition
    carries none. With the condition alone it is ``nonzero(condition)`` (a tuple of index arrays).

    >>> fnp.where(fnp.array([True, False, True]), fnp.array([1.0, 2.0, 3.0]), 0.0)
    array([1., 0., 3.])
    >>> fnp.where(fnp.array([0, 3, 0, 4]))
    (array([1, 3]),)
    """
    if x is None and y is None:
        return _indexing.nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    # The condition carries no derivative; vmap's batch tracers stay (the batch's conditions differ).
    if isinstance(condition, Tracer):
        condition = condition._nondiff_value()
    return _where.bind(condition, x, y)


_conj = defprim("conjugate", np.conjugate, vjp=(lambda g, ans, x: conjugate(g),),
                jvp=(lambda t, ans, x: conjugate(t),), batch=batching.elementwise, linear=True)
conjugate: Callable[..., Array]
conjugate = conj = public(_conj, params=_UNARY, doc="""Complex conjugate, elementwise (``conj`` is the same function).

    >>> fnp.conjugate(fnp.array([1 + 2j, 3 - 1j]))
    array([1.-2.j, 3.+1.j])
    """)
# (a cotangent of the real output that arrives complex, from a product with a complex constant, counts by
# its real part: the transpose of taking the real part is the embedding of the reals)
_real = defprim("real", np.real, vjp=(lambda g, ans, x: real(g),), jvp=(lambda t, ans, x: real(t),),
                batch=batching.elementwise, linear=True)
real: Callable[..., Array] = public(_real, params=("val",),
    doc="""The real part of ``val``, elementwise (``val`` itself if it is real).

    >>> fnp.real(fnp.array([1 + 2j, 3 - 1j]))
    array([1., 3.])
    """)
