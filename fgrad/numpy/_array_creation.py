"""New arrays: zeros, ranges, grids of points, identity matrices.

Plain functions, not primitives: a new array depends on no traced value. The
exceptions are ``full`` with a traced fill value and ``linspace``/``logspace``/
``geomspace`` with traced end points, which are composites of differentiable
operations. Every function takes ``device=`` ('cpu', 'cuda', 'cuda:1' or a
``fgrad.Device``) and creates the array there directly, or ``like=`` to create it
where another array lives.
"""
from __future__ import annotations

import contextlib
import operator
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from .._device import device_put
from ..core import Tracer, concrete, concrete_value, staged
from ._creation import astype
from ._elementwise import floor, log10, power, sign, where as select
from ._shape import _slice, broadcast_to, concatenate, expand_dims, moveaxis, reshape
from ._util import dtype as dtype_of, shape as shape_of

if TYPE_CHECKING:
    from ..backend import Device
    from ..typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "logspace", "geomspace", "eye",
           "identity", "tri"]


def _place(device: str | Device | None = None, like: ArrayLike | None = None) -> tuple[Any, Any]:
    """(array module, context manager) that creates arrays on ``device``, or where ``like`` lives."""
    if device is None and like is not None:
        raw = concrete(like)
        if backend.is_cupy_array(raw):
            return sys.modules["cupy"], raw.device
        return np, contextlib.nullcontext()
    dev = backend.as_device(device)
    if dev.platform == "cpu":
        return np, contextlib.nullcontext()
    cp = backend.require_cupy()
    count = cp.cuda.runtime.getDeviceCount()
    if dev.id >= count:
        raise ValueError(f"device {dev} does not exist; visible CUDA devices: {count}")
    return cp, cp.cuda.Device(dev.id)


def _shape(shape: Shape | int) -> tuple[int, ...]:
    if not np.iterable(shape):
        shape = (shape,)
    shape = tuple(operator.index(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"negative dimensions are not allowed, got shape {shape}")
    return shape


def zeros(shape: Shape | int, dtype: DTypeLike | None = None, order: str = "C", *, device: str | Device | None = None,
          like: ArrayLike | None = None) -> Array:
    """An array of zeros (float64 unless ``dtype``), created on ``device``.

    >>> fnp.zeros((2, 3), fnp.float32)
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    xp, where = _place(device, like)
    with where:
        return xp.zeros(_shape(shape), dtype=np.float64 if dtype is None else dtype, order=order)


def ones(shape: Shape | int, dtype: DTypeLike | None = None, order: str = "C", *, device: str | Device | None = None,
         like: ArrayLike | None = None) -> Array:
    """An array of ones (float64 unless ``dtype``), created on ``device`` or where ``like`` lives.

    >>> fnp.ones(3)
    array([1., 1., 1.])
    """
    xp, where = _place(device, like)
    with where:
        return xp.ones(_shape(shape), dtype=np.float64 if dtype is None else dtype, order=order)


def empty(shape: Shape | int, dtype: DTypeLike | None = None, order: str = "C", *, device: str | Device | None = None,
          like: ArrayLike | None = None) -> Array:
    """Like NumPy's ``empty`` but filled with zeros: results never depend on stale memory.

    >>> fnp.empty((2,), fnp.int64)
    array([0, 0])
    """
    return zeros(shape, dtype, order, device=device, like=like)


def full(shape: Shape | int, fill_value: ArrayLike, dtype: DTypeLike | None = None, order: str = "C", *,
         device: str | Device | None = None, like: ArrayLike | None = None) -> Array:
    """An array of ``shape`` filled with ``fill_value`` (broadcast); differentiable in a traced fill value.

    >>> fnp.full((2, 2), 7)
    array([[7, 7],
           [7, 7]])
    >>> print(fgrad.grad(lambda v: fnp.sum(fnp.full((2, 3), v)))(1.0))
    6.0
    """
    shape = _shape(shape)
    if isinstance(fill_value, Tracer):
        v = fill_value if dtype is None else astype(fill_value, dtype)
        if device is not None:
            v = device_put(v, device)
        return broadcast_to(v, shape)
    if like is None and device is None and backend.is_cupy_array(fill_value):
        like = fill_value
    xp, where = _place(device, like)
    with where:
        if np.ndim(fill_value):
            fill_value = xp.asarray(fill_value)
        return xp.full(shape, fill_value, dtype=dtype, order=order)


def arange(start: int | float, stop: int | float | None = None, step: int | float | None = None,
           dtype: DTypeLike | None = None, *, device: str | Device | None = None, like: ArrayLike | None = None
           ) -> Array:
    """Evenly spaced values in ``[start, stop)`` (``arange(stop)`` starts at 0); not differentiable.

    >>> fnp.arange(4)
    array([0, 1, 2, 3])
    >>> fnp.arange(1.0, 2.0, 0.25)
    array([1.  , 1.25, 1.5 , 1.75])
    """
    args = {} if stop is None else {"stop": concrete_value(stop, "arange's stop")}
    if step is not None:
        args["step"] = concrete_value(step, "arange's step")
    xp, where = _place(device, like)
    with where:
        return xp.arange(concrete_value(start, "arange's start"), dtype=dtype, **args)


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = float, order: str = "C", *,
        device: str | Device | None = None, like: ArrayLike | None = None) -> Array:
    """A 2-D ``N`` by ``M`` array with ones on diagonal ``k`` (above the main one if positive), zeros elsewhere.

    >>> fnp.eye(2, 3, k=1)
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    xp, where = _place(device, like)
    with where:
        return xp.eye(N, M, k, dtype=dtype, order=order)


def identity(n: int, dtype: DTypeLike | None = None, *, device: str | Device | None = None,
             like: ArrayLike | None = None) -> Array:
    """The ``n`` by ``n`` identity matrix.

    >>> fnp.identity(2, dtype=fnp.int32)
    array([[1, 0],
           [0, 1]], dtype=int32)
    """
    return eye(n, dtype=float if dtype is None else dtype, device=device, like=like)


def tri(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike = float, *, device: str | Device | None = None,
        like: ArrayLike | None = None) -> Array:
    """Ones at and below diagonal ``k``, zeros above (``N`` by ``M``).

    >>> fnp.tri(3)
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]])
    """
    xp, where = _place(device, like)
    with where:
        return xp.tri(N, M, k, dtype=dtype)


# ------------------------------------------------------------------ point sequences

def _needs_composite(values, device):
    """True when NumPy's own function cannot do it: traced values, or a GPU."""
    raws = [concrete(v) for v in values]
    return (any(isinstance(v, Tracer) for v in values) or any(backend.is_cupy_array(r) for r in raws)
            or (device is not None and backend.as_device(device).platform != "cpu"))


def _as(values, dt, xp, where, device):
    """The end points in dtype ``dt``, on the device of the result."""
    out = []
    for v in values:
        if isinstance(v, Tracer):
            if device is not None:
                v = device_put(v, device)
            out.append(astype(v, dt))
        else:
            with where:
                out.append(xp.asarray(v, dtype=dt))
    return out


def _weak(v):
    """What np.result_type should see: Python scalars stay weakly typed, as in NumPy."""
    return v if isinstance(v, (int, float, complex)) and not isinstance(v, bool) else dtype_of(v)


def _cupy_one(*values):
    return next((v for v in values if backend.is_cupy_array(concrete(v))), None)


def _first_and_last(y, first, last, n):
    """``y`` (points along axis 0) with row 0 replaced by ``first`` and row n-1 by ``last`` (None: keep)."""
    rest = shape_of(y)[1:]

    def row(v):
        return reshape(broadcast_to(v, rest), (1,) + rest)
    lo, hi = (1 if first is not None else 0), (n - 1 if last is not None else n)
    parts = ([row(first)] if first is not None else []) + [_slice(y, lo, hi, 0)] + \
        ([row(last)] if last is not None else [])
    return concatenate(parts, 0)


def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: DTypeLike | None = None, axis: int = 0, *, device: str | Device | None = None
             ) -> Array | tuple[Array, Array]:
    """``num`` evenly spaced points from ``start`` to ``stop``; differentiable in traced end points.

    >>> fnp.linspace(0.0, 1.0, 5)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    >>> fgrad.grad(lambda b: fnp.sum(fnp.linspace(0.0, b, 3)))(2.0).item()  # points 0, b/2, b
    1.5
    """
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"linspace: Number of samples, {num}, must be non-negative.")
    if not _needs_composite((start, stop), device):
        # (numpy's stubs want retstep a Literal)
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore[call-overload]
    xp, where = _place(device, _cupy_one(start, stop))
    dt = np.result_type(_weak(start), _weak(stop), 1.0)
    start, stop = _as((start, stop), dt, xp, where, device)
    div = num - 1 if endpoint else num
    delta = stop - start
    with where:
        y = xp.arange(0, num, dtype=dt).reshape((-1,) + (1,) * len(shape_of(delta)))
    # The same arithmetic as NumPy's, so the values agree to the last bit.
    if div > 0:
        step = delta / div
        if staged(step):  # no branch on a value the program doesn't know yet
            y = select(step == 0, y / div * delta, y * step)
        else:
            y = y / div * delta if bool((concrete(step) == 0).any()) else y * step
    else:
        step = np.nan
        y = y * delta
    y = y + start
    if endpoint and num > 1:
        y = _first_and_last(y, None, stop, num)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if np.issubdtype(dtype, np.integer):
            y = floor(y)
        y = astype(y, dtype)
    return (y, step) if retstep else y


def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, base: ArrayLike = 10.0,
             dtype: DTypeLike | None = None, axis: int = 0, *, device: str | Device | None = None) -> Array:
    """``base ** linspace(start, stop)``: points evenly spaced on a log scale.

    >>> fnp.logspace(0.0, 3.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    if not _needs_composite((start, stop, base), device):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    if np.ndim(concrete(base)):
        if not isinstance(base, Tracer):
            xp, where = _place(device, _cupy_one(start, stop))
            with where:
                base = xp.asarray(base)
        # A non-scalar base is broadcast with the end points and gets the points' axis.
        nd = len(np.broadcast_shapes(shape_of(start), shape_of(stop), shape_of(base)))
        start, stop, base = (reshape(v, (1,) * (nd - len(shape_of(v))) + shape_of(v)) for v in (start, stop, base))
        base = expand_dims(base, axis)
    y = power(base, linspace(start, stop, num, endpoint, axis=axis, device=device))
    return y if dtype is None else astype(y, dtype)


def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype: DTypeLike | None = None, axis: int = 0, *, device: str | Device | None = None) -> Array:
    """Points evenly spaced on a log scale from ``start`` to ``stop`` (both negative or both positive).

    >>> fnp.geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    >>> fnp.geomspace(-1.0, -16.0, 3)
    array([ -1.,  -4., -16.])
    """
    if not _needs_composite((start, stop), device):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    if any(not staged(v) and np.any(backend.to_host(concrete(v)) == 0) for v in (start, stop)):
        raise ValueError("geomspace: Geometric sequence cannot include zero")
    dt = np.result_type(dtype_of(start), dtype_of(stop), float(num), np.float64 if dtype is None else dtype)
    xp, where = _place(device, _cupy_one(start, stop))
    start, stop = _as((start, stop), dt, xp, where, device)
    # Rotate start to the positive reals, compute, rotate back (as NumPy does).
    sign_ = sign(start)
    start, stop = start / sign_, stop / sign_
    y = logspace(log10(start), log10(stop), num, endpoint, 10.0, dt, device=device)
    # exp(log(x)) need not be x: put the end points in exactly.
    if num > 0:
        y = _first_and_last(y, start, stop if num > 1 and endpoint else None, num)
    y = y * sign_
    if axis != 0:
        y = moveaxis(y, 0, axis)
    return y if dtype is None else astype(y, dtype)
