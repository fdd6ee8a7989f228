"""Reductions: each sums, averages or picks along axes; its VJP spreads the cotangent back."""
import numpy as np

from ._util import defprim, shape
from ._shape import _norm_axes, broadcast_to, reshape

__all__ = ["sum", "mean"]


def normalize_axis(axis, nd, name):
    """None (all axes) or a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    return tuple(sorted(_norm_axes(axis, nd, name)))


def keepdims_shape(xshape, axis):
    """The shape of a reduction over ``axis`` with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(xshape)
    return tuple(1 if i in axis else n for i, n in enumerate(xshape))


def spread(g, x, axis, keepdims):
    """Broadcast the cotangent of a reduction back to the input's shape."""
    xs = shape(x)
    if not keepdims:
        g = reshape(g, keepdims_shape(xs, axis))
    return broadcast_to(g, xs)


_sum = defprim("sum", lambda x, axis, keepdims, dtype=None: np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype),
               vjp=(lambda g, ans, x, axis, keepdims, dtype=None: spread(g, x, axis, keepdims),),
               jvp=(lambda t, ans, x, axis, keepdims, dtype=None: sum(t, axis, dtype, keepdims=keepdims),))


def sum(a, axis=None, dtype=None, out=None, keepdims=False):
    """Sum over ``axis`` (all axes by default)."""
    _no_out(out, "sum")
    return _sum.bind(a, axis=normalize_axis(axis, len(shape(a)), "sum"), keepdims=bool(keepdims), dtype=dtype)


def _count(xshape, axis):
    if axis is None:
        return int(np.prod(xshape, dtype=np.int64))
    return int(np.prod([xshape[i] for i in axis], dtype=np.int64))


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """Arithmetic mean over ``axis``."""
    _no_out(out, "mean")
    from ._util import dtype as dtype_of
    ax = normalize_axis(axis, len(shape(a)), "mean")
    if dtype is None and not np.issubdtype(dtype_of(a), np.inexact):
        dtype = np.float64
    n = _count(shape(a), ax)
    total = _sum.bind(a, axis=ax, keepdims=bool(keepdims), dtype=dtype)
    return total / n if n else total * np.nan


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: fgrad arrays are immutable, so out= is not supported; use the return value")
