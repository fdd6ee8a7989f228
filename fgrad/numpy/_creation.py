"""Array creation, dtype casts and stop_gradient: constants carry no derivative."""
import numpy as np

from .. import backend, batching
from ..core import Tracer
from . import _shape
from ._util import array_module, defprim, dtype as dtype_of, public, shape as shape_of

__all__ = ["zeros_like", "ones_like", "full_like", "empty_like", "astype", "asarray", "array",
           "stop_gradient"]


def _stop_gradient_batch(prim, args, dims, params):
    return prim.bind(args[0], **params), dims[0]


def _like_batch(prim, args, dims, params):
    """zeros/ones/full_like: the template ``x`` gives only dtype (and, without ``shape=``, the
    per-example shape), so the result is one unbatched constant -- unless a batched fill value
    varies over the batch, which then fills a ``(batch,) + shape`` result."""
    x, d = args[0], dims[0]
    xshape = shape_of(x)
    shape = params.get("shape")
    if shape is None:
        shape = xshape if d is None else xshape[:d] + xshape[d + 1:]
    shape = tuple(shape) if np.ndim(shape) else (int(shape),)
    if len(args) < 2 or dims[1] is None:
        return prim.bind(*args, **dict(params, shape=shape)), None
    fill = batching.to_front(args[1], dims[1])
    fshape = shape_of(fill)
    fill = batching.reshape(fill, fshape[:1] + (1,) * (len(shape) - len(fshape) + 1) + fshape[1:])
    return prim.bind(x, fill, **dict(params, shape=fshape[:1] + shape)), 0


_stop_gradient = defprim("stop_gradient", lambda x: x, nondiff=True, batch=_stop_gradient_batch)
stop_gradient = public(_stop_gradient)

_zeros_like = defprim("zeros_like", lambda x, dtype=None, shape=None: np.zeros_like(x, dtype=dtype, shape=shape),
                      nondiff=True, batch=_like_batch)
_ones_like = defprim("ones_like", lambda x, dtype=None, shape=None: np.ones_like(x, dtype=dtype, shape=shape),
                     nondiff=True, batch=_like_batch)
_full_like = defprim("full_like", lambda x, fill_value, dtype=None, shape=None:
                     np.full_like(x, fill_value, dtype=dtype, shape=shape), nondiff=True, batch=_like_batch)


def zeros_like(a, dtype=None, shape=None):
    return _zeros_like.bind(a, dtype=dtype, shape=shape)


def ones_like(a, dtype=None, shape=None):
    return _ones_like.bind(a, dtype=dtype, shape=shape)


def full_like(a, fill_value, dtype=None, shape=None):
    # fill_value is an argument (not a param), so that under vmap it may vary over the batch;
    # as the primitive has no derivative, binding drops any derivative tracer of it.
    return _full_like.bind(a, fill_value, dtype=dtype, shape=shape)


empty_like = zeros_like  # uninitialised memory would make results depend on luck


def _astype_vjp(g, ans, x, dtype):
    return astype(g, dtype_of(x))


def _astype_jvp(t, ans, x, dtype):
    return astype(t, dtype)


_astype = defprim("astype", lambda x, dtype: x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype),
                  vjp=(_astype_vjp,), jvp=(_astype_jvp,), batch=batching.elementwise, linear=True)


def astype(x, dtype, copy=False):
    """``x`` as ``dtype``; the derivative flows only between floating-point dtypes."""
    dtype = np.dtype(dtype)
    if dtype_of(x) == dtype and hasattr(x, "dtype"):
        return x
    if not np.issubdtype(dtype, np.inexact):
        # No derivative to an integer/bool dtype: drop derivative tracers (vmap's batch ones stay).
        if isinstance(x, Tracer):
            x = x._nondiff_value()
        if not isinstance(x, Tracer):
            return _astype.impl(x, dtype)
    return _astype.bind(x, dtype=dtype)


def asarray(a, dtype=None, order=None, *, like=None, device=None):
    """An array from ``a``; traced values pass through unchanged (so gradients flow)."""
    if isinstance(a, Tracer):
        return a if dtype is None else astype(a, dtype)
    if isinstance(a, (list, tuple)) and any(isinstance(v, Tracer) for v in _walk(a)):
        return _shape.stack([asarray(v, dtype) for v in a])
    if device is not None:
        raw = np.asarray(a, dtype=dtype) if not hasattr(a, "__cuda_array_interface__") else a
        return backend.transfer(raw, device)
    xp = array_module(like) if like is not None else array_module(a)
    return xp.asarray(a, dtype=dtype)


def array(object, dtype=None, copy=True, ndmin=0, *, device=None):
    """A new array from ``object`` (traced values pass through, see ``asarray``)."""
    out = asarray(object, dtype=dtype, device=device)
    if not isinstance(out, Tracer) and copy and out is object:
        out = out.copy()
    while len(shape_of(out)) < ndmin:
        out = _shape.expand_dims(out, 0)
    return out


def _walk(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _walk(v)
        else:
            yield v
