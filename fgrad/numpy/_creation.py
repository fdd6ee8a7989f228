"""Array creation, dtype casts and stop_gradient: constants carry no derivative."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend, batching
from ..core import Tracer
from . import _shape
from . import _elementwise  # (as a module: _elementwise imports this one)
from ._util import array_module, defprim, dtype as dtype_of, public, shape as shape_of

if TYPE_CHECKING:
    from ..backend import Device
    from ..typing import Array, ArrayLike, DTypeLike, Shape

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
stop_gradient = public(_stop_gradient, params=("x",),
    doc="""``x`` itself, but no derivative flows through it: a constant to every transform.

    (Under ``vmap`` it stays batched.)

    >>> print(fgrad.grad(lambda x: x * fnp.stop_gradient(x))(3.0))  # d/dx (x * c) with c = 3
    3.0
    """)

_zeros_like = defprim("zeros_like", lambda x, dtype=None, shape=None: np.zeros_like(x, dtype=dtype, shape=shape),
                      nondiff=True, batch=_like_batch)
_ones_like = defprim("ones_like", lambda x, dtype=None, shape=None: np.ones_like(x, dtype=dtype, shape=shape),
                     nondiff=True, batch=_like_batch)
_full_like = defprim("full_like", lambda x, fill_value, dtype=None, shape=None:
                     np.full_like(x, fill_value, dtype=dtype, shape=shape), nondiff=True, batch=_like_batch)


def zeros_like(a: ArrayLike, dtype: DTypeLike | None = None, shape: Shape | int | None = None) -> Array:
    """Zeros with the shape and dtype of ``a`` (``shape``/``dtype`` override them); carries no derivative.

    ``empty_like`` is the same function: fgrad never hands out uninitialised memory.

    >>> fnp.zeros_like(fnp.array([[1, 2, 3]]))
    array([[0, 0, 0]])
    """
    return _zeros_like.bind(a, dtype=dtype, shape=shape)


def ones_like(a: ArrayLike, dtype: DTypeLike | None = None, shape: Shape | int | None = None) -> Array:
    """Ones with the shape and dtype of ``a`` (``shape``/``dtype`` override them); carries no derivative.

    >>> fnp.ones_like(fnp.array([1.0, 2.0]), dtype=fnp.int32)
    array([1, 1], dtype=int32)
    """
    return _ones_like.bind(a, dtype=dtype, shape=shape)


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape: Shape | int | None = None) -> Array:
    """``fill_value`` in the shape and dtype of ``a`` (``shape``/``dtype`` override them); carries no derivative.

    >>> fnp.full_like(fnp.array([1, 2, 3]), 7)
    array([7, 7, 7])
    """
    # fill_value is an argument (not a param), so that under vmap it may vary over the batch;
    # as the primitive has no derivative, binding drops any derivative tracer of it.
    return _full_like.bind(a, fill_value, dtype=dtype, shape=shape)


empty_like = zeros_like  # uninitialised memory would make results depend on luck


def cotangent_as(ct: Array, want: DTypeLike) -> Array:
    """Cotangent ``ct`` in a primal's dtype ``want``: a real primal's is the real part of a complex one,
    as JAX transposes a real -> complex promotion (and without NumPy's ComplexWarning of the cast).

    >>> cotangent_as(np.array([1 + 2j]), np.float64)
    array([1.])
    """
    want = np.dtype(want)
    have = dtype_of(ct)
    if have == want:
        return ct
    if have.kind == "c" and want.kind != "c":
        ct = _elementwise.real(ct)
    return astype(ct, want)


def _astype_vjp(g, ans, x, dtype):
    return cotangent_as(g, dtype_of(x))


def _astype_jvp(t, ans, x, dtype):
    return astype(t, dtype)


_astype = defprim("astype", lambda x, dtype: x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype),
                  vjp=(_astype_vjp,), jvp=(_astype_jvp,), batch=batching.elementwise, linear=True)


def astype(x: ArrayLike, dtype: DTypeLike, copy: bool = False) -> Array:
    """``x`` as ``dtype``; the derivative flows only between floating-point dtypes.

    >>> fnp.astype(fnp.array([1.7, -1.7]), fnp.int32)
    array([ 1, -1], dtype=int32)
    >>> print(fgrad.grad(lambda x: fnp.astype(x, fnp.float32) * 2)(1.0))
    2.0
    """
    dtype = np.dtype(dtype)
    if dtype_of(x) == dtype and hasattr(x, "dtype"):
        return x
    if not backend.is_inexact(dtype):
        # No derivative to an integer/bool dtype: drop derivative tracers (vmap's batch ones stay).
        if isinstance(x, Tracer):
            x = x._nondiff_value()
        if not isinstance(x, Tracer):
            return _astype.impl(x, dtype)
    return _astype.bind(x, dtype=dtype)


def asarray(a: ArrayLike, dtype: DTypeLike | None = None, order: str | None = None, *, like: ArrayLike | None = None,
            device: str | Device | None = None) -> Array:
    """An array from ``a``; traced values pass through unchanged (so gradients flow).

    ``device`` ('cpu', 'cuda', 'cuda:1') places the result; ``like`` puts it where that array lives.

    >>> fnp.asarray([[1, 2], [3, 4]], dtype=fnp.float32)
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    if isinstance(a, Tracer):
        return a if dtype is None else astype(a, dtype)
    if isinstance(a, (list, tuple)) and any(isinstance(v, Tracer) for v in _walk(a)):
        return _shape.stack([asarray(v, dtype) for v in a])
    if device is not None:
        raw = np.asarray(a, dtype=dtype) if not hasattr(a, "__cuda_array_interface__") else a
        return backend.transfer(raw, device)
    xp = array_module(like) if like is not None else array_module(a)
    return xp.asarray(a, dtype=dtype)


def array(object: ArrayLike, dtype: DTypeLike | None = None, copy: bool = True, ndmin: int = 0, *,
          device: str | Device | None = None) -> Array:
    """A new array from ``object`` (traced values pass through, see ``asarray``).

    >>> fnp.array([1, 2], ndmin=2)
    array([[1, 2]])
    """
    out = asarray(object, dtype=dtype, device=device)
    if not isinstance(out, Tracer) and copy and out is object:
        out = out.copy()
    while len(shape_of(out)) < ndmin:
        out = _shape.expand_dims(out, 0)
    return out


def _walk(seq: Any) -> Iterator[Any]:
    for v in seq:
        if isinstance(v, (list, tuple)):
            yield from _walk(v)
        else:
            yield v
