"""``fgrad.numpy`` (import it as ``fnp``): NumPy's names, differentiable.

Every function takes raw NumPy/CuPy arrays or traced values and returns the same
kind; none mutates its inputs. Indexed updates are functional: ``fnp.at(x)[i].set(v)``
(or ``x.at[i].set(v)`` on a traced value) returns a new array.

>>> import fgrad.numpy as fnp
>>> fgrad.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(fnp.ones(3))
array([0.6397, 0.6397, 0.6397])
"""
from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

import numpy as _np

from ..core import Tracer as _Tracer, concrete as _lowest
from ._util import array_module, dtype as result_dtype, get_array_module, shape  # noqa: F401
from ._elementwise import *  # noqa: F401,F403
from ._shape import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._creation import *  # noqa: F401,F403
from ._array_creation import *  # noqa: F401,F403
from ._linalg_ops import *  # noqa: F401,F403
from ._indexing import *  # noqa: F401,F403
from ._sorting import *  # noqa: F401,F403
from ._interop import *  # noqa: F401,F403
from ._numeric import *  # noqa: F401,F403
from ._nanfunctions import *  # noqa: F401,F403
from ._editing import *  # noqa: F401,F403
from ._index_tricks import *  # noqa: F401,F403
from ._functional import *  # noqa: F401,F403
from ._differences import *  # noqa: F401,F403
from ._statistics import *  # noqa: F401,F403
from ._sets import *  # noqa: F401,F403
from ._polynomial import *  # noqa: F401,F403
from ._windows import *  # noqa: F401,F403
from ._io import *  # noqa: F401,F403
from ._ufunc import *  # noqa: F401,F403
from . import linalg  # noqa: F401

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike
    from . import fft  # noqa: F401  (loaded on first use: __getattr__ below)

# NumPy's constants and dtypes, so ``fnp.float32`` and ``fnp.pi`` read as in NumPy.
pi, e, inf, nan, newaxis, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, None, _np.euler_gamma
(float16, float32, float64, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32,
 uint64, bool_, dtype, finfo, iinfo, ndarray) = (
    _np.float16, _np.float32, _np.float64, _np.complex64, _np.complex128, _np.int8, _np.int16, _np.int32,
    _np.int64, _np.uint8, _np.uint16, _np.uint32, _np.uint64, _np.bool_, _np.dtype, _np.finfo, _np.iinfo,
    _np.ndarray)
floating, integer, inexact, number = _np.floating, _np.integer, _np.inexact, _np.number
# NumPy's other scalar-type names (``fnp.double`` is ``fnp.float64``, ``fnp.int_`` the default integer)
(bool, int_, uint, float_, complex_, single, double, csingle, cdouble, object_, generic, character, flexible,
 signedinteger, unsignedinteger, complexfloating) = (
    _np.bool_, _np.int_, _np.uint, _np.float64, _np.complex128, _np.single, _np.double, _np.csingle, _np.cdouble,
    _np.object_, _np.generic, _np.character, _np.flexible, _np.signedinteger, _np.unsignedinteger,
    _np.complexfloating)
ComplexWarning = _np.exceptions.ComplexWarning
promote_types, can_cast, issubdtype = _np.promote_types, _np.can_cast, _np.issubdtype


def result_type(*arrays_and_dtypes: ArrayLike | DTypeLike) -> _np.dtype:
    """The dtype NumPy's type promotion gives these arrays and dtypes; traced values count as their arrays.

    >>> fnp.result_type(fnp.ones(2, dtype=fnp.float32), fnp.int64)
    dtype('float64')
    >>> fnp.result_type(fnp.array([1, 2]), 1.5)
    dtype('float64')
    """
    if len(arrays_and_dtypes) == 1:  # one array's dtype: read it (np.result_type costs 4x more)
        dt = getattr(_lowest(arrays_and_dtypes[0]), "dtype", None)
        if isinstance(dt, _np.dtype):
            return dt
    return _np.result_type(*[_lowest(a) for a in arrays_and_dtypes])


def copy(a: ArrayLike, order: str = "K") -> Array:
    """A copy of ``a``. fgrad values are immutable, so a traced value is returned as is.

    >>> x = fnp.array([1, 2]); y = fnp.copy(x); print(y is x, y.tolist())
    False [1, 2]
    """
    if isinstance(a, _Tracer):
        return a
    return array_module(a).array(a, copy=True, order=order)


def ndim(a: ArrayLike) -> int:
    """The number of dimensions of ``a`` (under ``vmap``, of one example).

    >>> fnp.ndim([[1, 2, 3]]), fnp.ndim(5.0)
    (2, 0)
    """
    return len(shape(a))  # a traced value's own shape: under vmap, one example's


def size(a: ArrayLike, axis: int | None = None) -> int:
    """The number of elements of ``a``, or its length along ``axis``.

    >>> fnp.size(fnp.ones((2, 3))), fnp.size(fnp.ones((2, 3)), axis=1)
    (6, 3)
    """
    s = shape(a)
    return int(_np.prod(s, dtype=_np.int64)) if axis is None else s[axis]


# ------------------------------------------------------------ traced values act like arrays

def _r(fn):
    return lambda self, other: fn(other, self)


def _method(name):
    fn = globals()[name]
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


def _shape_method(name):
    fn = globals()[name]

    def method(self, *shape, **kwargs):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return fn(self, shape, **kwargs)
    return method


_OPERATORS = {
    "__add__": add, "__radd__": _r(add), "__sub__": subtract, "__rsub__": _r(subtract),
    "__mul__": multiply, "__rmul__": _r(multiply), "__truediv__": divide, "__rtruediv__": _r(divide),
    "__floordiv__": floor_divide, "__rfloordiv__": _r(floor_divide), "__mod__": remainder,
    "__rmod__": _r(remainder), "__pow__": power, "__rpow__": _r(power), "__neg__": negative,
    "__pos__": positive, "__abs__": absolute, "__lt__": less, "__le__": less_equal, "__gt__": greater,
    "__ge__": greater_equal, "__eq__": equal, "__ne__": not_equal, "__and__": logical_and,
    "__rand__": _r(logical_and), "__or__": logical_or, "__ror__": _r(logical_or), "__xor__": logical_xor,
    "__invert__": logical_not,
}
_METHODS = ["sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "argmax", "argmin",
            "any", "all", "dot", "astype", "ravel", "squeeze", "clip", "round", "conj", "conjugate",
            "swapaxes", "repeat", "take", "diagonal", "trace", "sort", "argsort", "nonzero", "ptp"]


def _below(t):
    """The value under ``t``: a tracer of a lower transform (which decides what ``item`` means), or an array."""
    v = t._value
    return v if hasattr(v, "item") else _np.asarray(v)  # (a Python scalar has no item())


def _install_tracer_interface():
    for name, fn in _OPERATORS.items():  # a primitive's public function is its bind (fgrad.core.binder)
        setattr(_Tracer, name, fn)
    _Tracer.__matmul__ = matmul
    _Tracer.__rmatmul__ = _r(matmul)
    _Tracer.__getitem__ = getitem
    _Tracer.at = property(at)
    for name in _METHODS:
        setattr(_Tracer, name, _method(name))
    _Tracer.flatten = _method("ravel")
    _Tracer.reshape = _shape_method("reshape")
    _Tracer.transpose = lambda self, *axes: transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else (axes or None))
    _Tracer.T = property(lambda self: transpose(self))
    _Tracer.mT = property(lambda self: swapaxes(self, -1, -2))
    _Tracer.real = property(lambda self: real(self))
    _Tracer.item = lambda self, *a: _below(self).item(*a)
    _Tracer.copy = lambda self, order="K": self
    _Tracer.tolist = lambda self: _below(self).tolist()
    _Tracer.__array_ufunc__ = _array_ufunc
    _Tracer.__array_function__ = _array_function


def _not_supported(what):
    return TypeError(f"{what} is not supported on values being differentiated; use the function of "
                     "the same name in fgrad.numpy (import fgrad.numpy as fnp), which is differentiable")


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``np.sin(traced)`` runs ``fnp.sin``: plain NumPy code is differentiated correctly."""
    fn = globals().get(ufunc.__name__)
    if method != "__call__" or fn is None or kwargs.get("out") is not None:
        raise _not_supported(f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
                             + (" with out=" if kwargs.get("out") is not None else ""))
    kwargs.pop("out", None)
    if kwargs:
        raise _not_supported(f"numpy.{ufunc.__name__} with {sorted(kwargs)}")
    return fn(*inputs)


def _array_function(self, func, types, args, kwargs):
    """``np.sum(traced)`` runs ``fnp.sum``, and so on for every name fgrad.numpy has."""
    module = func.__module__ or "numpy"
    namespace = linalg if module.endswith("linalg") else __getattr__("fft") if module.endswith(".fft") else globals()
    fn = namespace.get(func.__name__) if isinstance(namespace, dict) else getattr(namespace, func.__name__, None)
    if fn is None or not callable(fn):
        raise _not_supported(f"{module}.{func.__name__}")
    return fn(*args, **kwargs)


_install_tracer_interface()


def __getattr__(name: str) -> object:
    """``fgrad.numpy.fft`` loads on first use (PEP 562), so ``import fgrad`` stays light."""
    if name == "fft":
        return _importlib.import_module("fgrad.numpy.fft")
    raise AttributeError(f"module 'fgrad.numpy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"fft"})
