"""Elementwise odds and ends: complex parts, float decomposition, integer arithmetic, predicates.

Primitives: ``imag`` and ``ldexp`` (both linear) and the non-differentiable ``frexp_exponent``,
``gcd``, ``lcm``, ``left_shift``, ``right_shift``, ``bitwise_count``, ``nextafter``.
The rest are composites.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import batching
from ..core import Tracer
from . import _creation, _elementwise as el, _reductions, _sorting
from ._elementwise import binary, nondiff
from ._indexing import _as_array
from ._util import defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["imag", "angle", "divmod", "frexp", "ldexp", "modf", "gcd", "lcm", "i0", "nextafter", "spacing",
           "nan_to_num", "sort_complex", "bitwise_count", "bitwise_invert", "bitwise_left_shift",
           "bitwise_right_shift", "left_shift", "right_shift", "iscomplex", "isreal", "iscomplexobj",
           "isrealobj", "isscalar", "iterable", "isdtype", "array_equal", "array_equiv"]


def _is_complex(x: ArrayLike) -> bool:
    return bool(np.issubdtype(dtype_of(x), np.complexfloating))


def _inexact(x: Array) -> Array:
    """``x`` itself if it is floating or complex, else ``x`` as float64 (NumPy's promotion of integers)."""
    return x if np.issubdtype(dtype_of(x), np.inexact) else _creation.astype(x, np.float64)


def imag(val: ArrayLike, /) -> Array:
    """The imaginary part of ``val``, elementwise (zeros of ``val``'s dtype if it is real).

    >>> fnp.imag(fnp.array([1 + 2j, 3 - 1j]))
    array([ 2., -1.])
    """
    val = _as_array(val)
    return _imag.bind(val) if _is_complex(val) else _creation.zeros_like(val)


# Linear: the transpose of taking the imaginary part puts a real cotangent g on it, as -1j * g (JAX's);
# a cotangent that arrives complex (from a product with a complex constant) counts by its real part.
_imag = defprim("imag", np.imag, vjp=(lambda g, ans, x: el.multiply(el.real(g), -1j),), jvp=(lambda t, ans, x: imag(t),),
                batch=batching.elementwise, linear=True)


def angle(z: ArrayLike, deg: bool = False) -> Array:
    """The argument of each complex number in ``z``, in radians (degrees if ``deg``).

    >>> fnp.angle(fnp.array([1.0, 1j, -1.0]))
    array([0.    , 1.5708, 3.1416])
    >>> print(fnp.angle(1 + 1j, deg=True))
    45.0
    """
    z = _as_array(z)
    if _is_complex(z):
        re, im = el.real(z), imag(z)
    else:
        re = _inexact(z)
        im = _creation.zeros_like(re)
    out = el.arctan2(im, re)
    return el.rad2deg(out) if deg else out


def divmod(x1: ArrayLike, x2: ArrayLike, /) -> tuple[Array, Array]:
    """``(floor_divide(x1, x2), remainder(x1, x2))``, elementwise.

    >>> fnp.divmod(fnp.array([7, -7]), 2)
    (array([ 3, -4]), array([1, 1]))
    """
    return el.floor_divide(x1, x2), el.remainder(x1, x2)


def _ldexp_d0(ans, x, y):
    return ldexp(_creation.ones_like(x, dtype=dtype_of(ans)), y)  # d(x 2**y)/dx = 2**y


ldexp = binary("ldexp", np.ldexp, _ldexp_d0, None, reads_output=True, doc="""``x1 * 2**x2`` for integer ``x2``, exactly.

    Differentiable in ``x1``.

    >>> fnp.ldexp(fnp.array([1.0, 3.0]), fnp.array([2, -1]))
    array([4. , 1.5])
    """)
_frexp_exponent = nondiff("frexp_exponent", lambda x: np.frexp(x)[1])


def frexp(x: ArrayLike, /) -> tuple[Array, Array]:
    """``(mantissa, exponent)`` with ``x == mantissa * 2**exponent`` and ``0.5 <= |mantissa| < 1``.

    The mantissa is differentiable in ``x``; the exponent is an integer.

    >>> fnp.frexp(fnp.array([8.0, 0.75]))
    (array([0.5 , 0.75]), array([4, 0], dtype=int32))
    """
    x = _inexact(_as_array(x))
    e = _frexp_exponent(x)
    return ldexp(x, el.negative(e)), e


def modf(x: ArrayLike, /, out: None = None) -> tuple[Array, Array]:
    """``(fractional part, integral part)`` of ``x``, both with ``x``'s sign.

    >>> fnp.modf(fnp.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    if out is not None:
        raise TypeError("modf: fgrad arrays are immutable, so out= is not supported")
    x = _inexact(_as_array(x))
    whole = el.trunc(x)
    return x - whole, whole


gcd = nondiff("gcd", np.gcd, doc="""The greatest common divisor of ``|x1|`` and ``|x2|``, elementwise.

    >>> fnp.gcd(fnp.array([12, 20]), 8)
    array([4, 4])
    """)
lcm = nondiff("lcm", np.lcm, doc="""The least common multiple of ``|x1|`` and ``|x2|``, elementwise.

    >>> fnp.lcm(fnp.array([4, 6]), 10)
    array([20, 30])
    """)
left_shift = bitwise_left_shift = nondiff("left_shift", np.left_shift,
    doc="""``x1 << x2`` for integers, elementwise (``bitwise_left_shift`` is the same function).

    >>> fnp.left_shift(fnp.array([1, 3]), 2)
    array([ 4, 12])
    """)
right_shift = bitwise_right_shift = nondiff("right_shift", np.right_shift,
    doc="""``x1 >> x2`` for integers, elementwise (``bitwise_right_shift`` is the same function).

    >>> fnp.right_shift(fnp.array([8, 13]), 2)
    array([2, 3])
    """)
bitwise_count = nondiff("bitwise_count", np.bitwise_count,
    doc="""The number of 1 bits in ``|x|``, elementwise (uint8, as in NumPy).

    >>> fnp.bitwise_count(fnp.array([0, 7, -8]))
    array([0, 3, 1], dtype=uint8)
    """)
bitwise_invert = el.invert
nextafter = nondiff("nextafter", np.nextafter, doc="""The next float after ``x1`` towards ``x2`` (no derivative).

    >>> print(fnp.nextafter(fnp.array(1.0), 2.0) - 1.0 == fnp.finfo(float).eps)
    True
    """)


def spacing(x: ArrayLike, /) -> Array:
    """The distance from ``x`` to the next float away from zero (negative for negative ``x``).

    >>> print(fnp.spacing(fnp.array(1.0)) == fnp.finfo(float).eps)
    True
    """
    x = _inexact(_as_array(x))
    away = el.where(el.less(x, 0), -np.inf, np.inf)  # (-0.0 steps up, as in NumPy)
    return nextafter(x, _creation.astype(away, dtype_of(x))) - x  # (CuPy has no spacing kernel)


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind, order 0; differentiable (its derivative is ``i1``).

    >>> fnp.i0(fnp.array([0.0, 1.0]))
    array([1.    , 1.2661])
    """
    # fgrad.scipy.special owns the Bessel kernels and their rules (the same floor as fgrad.numpy);
    # imported here, on use, because fgrad.scipy.special itself imports fgrad.numpy.
    special: Any = importlib.import_module("fgrad.scipy.special")
    return special.i0(_inexact(_as_array(x)))


def nan_to_num(x: ArrayLike, copy: bool = True, nan: ArrayLike = 0.0, posinf: ArrayLike | None = None,
               neginf: ArrayLike | None = None) -> Array:
    """``x`` with nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and
    the largest and smallest finite values of the dtype); complex parts are treated separately.

    The derivative is 1 at finite elements and 0 at replaced ones.

    >>> fnp.nan_to_num(fnp.array([1.0, fnp.nan, fnp.inf, -fnp.inf]), posinf=9.0)
    array([ 1.0000e+000,  0.0000e+000,  9.0000e+000, -1.7977e+308])
    """
    x = _as_array(x)
    dt = dtype_of(x)
    if not np.issubdtype(dt, np.inexact):
        return x
    if np.issubdtype(dt, np.complexfloating):
        re = nan_to_num(el.real(x), nan=nan, posinf=posinf, neginf=neginf)
        im = nan_to_num(imag(x), nan=nan, posinf=posinf, neginf=neginf)
        return re + el.multiply(_creation.astype(im, dt), 1j)
    info = np.finfo(dt)
    top = info.max if posinf is None else posinf
    bottom = info.min if neginf is None else neginf
    out = el.where(el.isnan(x), _creation.astype(_as_array(nan), dt), x)
    out = el.where(el.isposinf(x), _creation.astype(_as_array(top), dt), out)
    return el.where(el.isneginf(x), _creation.astype(_as_array(bottom), dt), out)


def sort_complex(a: ArrayLike) -> Array:
    """``a`` sorted along its last axis by real part, then imaginary part, as a complex array.

    >>> fnp.sort_complex(fnp.array([3, 1, 2]))
    array([1.+0.j, 2.+0.j, 3.+0.j])
    """
    a = _sorting.sort(_as_array(a), axis=-1)
    dt = dtype_of(a)
    return _creation.astype(a, dt if np.issubdtype(dt, np.complexfloating) else np.promote_types(dt, np.complex64))


def iscomplex(x: ArrayLike) -> Array:
    """True where an element has a nonzero imaginary part.

    >>> fnp.iscomplex(fnp.array([1 + 1j, 2 + 0j]))
    array([ True, False])
    """
    return el.not_equal(imag(x), 0)


def isreal(x: ArrayLike) -> Array:
    """True where an element has a zero imaginary part (everywhere for a real array).

    >>> fnp.isreal(fnp.array([1 + 1j, 2 + 0j]))
    array([False,  True])
    """
    return el.equal(imag(x), 0)


def iscomplexobj(x: ArrayLike) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values).

    >>> fnp.iscomplexobj(fnp.array([1 + 0j])), fnp.iscomplexobj([1.0])
    (True, False)
    """
    return _is_complex(x)


def isrealobj(x: ArrayLike) -> bool:
    """Whether ``x`` does not have a complex dtype.

    >>> fnp.isrealobj(fnp.array([1.0])), fnp.isrealobj(1j)
    (True, False)
    """
    return not _is_complex(x)


def isscalar(element: Any) -> bool:
    """Whether ``element`` is a scalar: a Python or NumPy scalar, or (as in JAX) a 0-d array.

    >>> fnp.isscalar(3.0), fnp.isscalar(fnp.array(3.0)), fnp.isscalar([3.0])
    (True, True, False)
    """
    if isinstance(element, Tracer) or hasattr(element, "__array_namespace__"):
        return len(shape(element)) == 0
    return bool(np.isscalar(element))


def iterable(y: Any) -> bool:
    """Whether ``iter(y)`` works (a 0-d array is not iterable).

    >>> fnp.iterable([1, 2]), fnp.iterable(fnp.array(1.0))
    (True, False)
    """
    if isinstance(y, Tracer):
        return len(shape(y)) > 0
    return bool(np.iterable(y))


def isdtype(dtype: DTypeLike, kind: DTypeLike | str | tuple[DTypeLike | str, ...]) -> bool:
    """Whether ``dtype`` is of ``kind`` (the Array API's ``'bool'``, ``'signed integer'``,
    ``'unsigned integer'``, ``'integral'``, ``'real floating'``, ``'complex floating'``, ``'numeric'``,
    a dtype, or a tuple of these).

    >>> fnp.isdtype(fnp.float32, "real floating"), fnp.isdtype(fnp.int8, ("bool", "integral"))
    (True, True)
    """
    return bool(np.isdtype(np.dtype(dtype).type, kind))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> Array:
    """Whether ``a1`` and ``a2`` have the same shape and elements, as a 0-d boolean array.

    >>> print(fnp.array_equal([1, 2], [1, 2]), fnp.array_equal([1, 2], [1, 2, 3]))
    True False
    """
    a1, a2 = _as_array(a1), _as_array(a2)
    if shape(a1) != shape(a2):
        return _creation.asarray(False)
    eq = el.equal(a1, a2)
    if equal_nan:
        eq = el.logical_or(eq, el.logical_and(_isnan_any(a1), _isnan_any(a2)))
    return _reductions.all(eq)


def _isnan_any(x):
    dt = dtype_of(x)
    if not np.issubdtype(dt, np.inexact):
        return _creation.zeros_like(x, dtype=bool)
    if np.issubdtype(dt, np.complexfloating):
        return el.logical_or(el.isnan(el.real(x)), el.isnan(imag(x)))
    return el.isnan(x)


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Array:
    """Whether ``a1`` and ``a2`` broadcast together and are equal everywhere, as a 0-d boolean array.

    >>> print(fnp.array_equiv([1, 2], [[1, 2], [1, 2]]), fnp.array_equiv([1, 2], [1, 3]))
    True False
    """
    a1, a2 = _as_array(a1), _as_array(a2)
    try:
        np.broadcast_shapes(shape(a1), shape(a2))
    except ValueError:
        return _creation.asarray(False)
    return _reductions.all(el.equal(a1, a2))

