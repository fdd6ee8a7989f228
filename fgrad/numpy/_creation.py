"""Array creation, dtype casts and stop_gradient: constants carry no derivative."""
import numpy as np

from ..core import Tracer, concrete
from ._util import array_module, defprim, dtype as dtype_of, public

__all__ = ["zeros_like", "ones_like", "full_like", "empty_like", "astype", "asarray", "array",
           "stop_gradient"]

_stop_gradient = defprim("stop_gradient", lambda x: x, nondiff=True)
stop_gradient = public(_stop_gradient)

_zeros_like = defprim("zeros_like", lambda x, dtype=None, shape=None: np.zeros_like(x, dtype=dtype, shape=shape),
                      nondiff=True)
_ones_like = defprim("ones_like", lambda x, dtype=None, shape=None: np.ones_like(x, dtype=dtype, shape=shape),
                     nondiff=True)
_full_like = defprim("full_like", lambda x, fill_value, dtype=None, shape=None:
                     np.full_like(x, fill_value, dtype=dtype, shape=shape), nondiff=True)


def zeros_like(a, dtype=None, shape=None):
    return _zeros_like.bind(a, dtype=dtype, shape=shape)


def ones_like(a, dtype=None, shape=None):
    return _ones_like.bind(a, dtype=dtype, shape=shape)


def full_like(a, fill_value, dtype=None, shape=None):
    return _full_like.bind(a, fill_value=concrete(fill_value), dtype=dtype, shape=shape)


empty_like = zeros_like  # uninitialised memory would make results depend on luck


def _astype_vjp(g, ans, x, dtype):
    return astype(g, dtype_of(x))


def _astype_jvp(t, ans, x, dtype):
    return astype(t, dtype)


_astype = defprim("astype", lambda x, dtype: x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype),
                  vjp=(_astype_vjp,), jvp=(_astype_jvp,))


def astype(x, dtype, copy=False):
    """``x`` as ``dtype``; the derivative flows only between floating-point dtypes."""
    dtype = np.dtype(dtype)
    if dtype_of(x) == dtype and hasattr(x, "dtype"):
        return x
    if not np.issubdtype(dtype, np.inexact):
        return _astype.impl(concrete(x), dtype)
    return _astype.bind(x, dtype=dtype)


def asarray(a, dtype=None, order=None, *, like=None, device=None):
    """An array from ``a``; traced values pass through unchanged (so gradients flow)."""
    if isinstance(a, Tracer):
        return a if dtype is None else astype(a, dtype)
    if isinstance(a, (list, tuple)) and any(isinstance(v, Tracer) for v in _walk(a)):
        from . import stack
        return stack([asarray(v, dtype) for v in a])
    if device is not None:
        from ..backend import transfer
        return transfer(np.asarray(a, dtype=dtype) if not hasattr(a, "__cuda_array_interface__") else a, device)
    xp = array_module(like) if like is not None else array_module(a)
    return xp.asarray(a, dtype=dtype)


def array(object, dtype=None, copy=True, ndmin=0, *, device=None):
    """A new array from ``object`` (traced values pass through, see ``asarray``)."""
    out = asarray(object, dtype=dtype, device=device)
    if not isinstance(out, Tracer) and copy and out is object:
        out = out.copy()
    while len(np.shape(concrete(out))) < ndmin:
        from . import expand_dims
        out = expand_dims(out, 0)
    return out


def _walk(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _walk(v)
        else:
            yield v
