"""The NaN-ignoring reductions NumPy has beyond nansum/nanmean/nanprod: composites of the reductions
and of ``sort``, with NaNs masked out (their gradient is zero)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _creation, _elementwise as el, _reductions as red, _shape, _sorting
from ._indexing import _as_array, _as_array_like, take_along_axis
from ._util import dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, Axis, DTypeLike

__all__ = ["nanmax", "nanmin", "nanargmax", "nanargmin", "nancumsum", "nancumprod", "nanvar", "nanstd",
           "nanmedian", "nanquantile", "nanpercentile"]


def _floating(a):
    return np.issubdtype(dtype_of(a), np.inexact)


def _nan_extreme(a, axis, keepdims, initial, where, fill, pick):
    a = _as_array(a)
    if not _floating(a):
        return pick(a, axis, keepdims=keepdims, initial=initial, where=where)
    nan = el.isnan(a)
    res = pick(el.where(nan, fill, a), axis, keepdims=keepdims, initial=initial, where=where)
    if initial is not None:
        return res
    mask = nan if where is None or where is True else el.logical_or(nan, el.logical_not(red._mask_value(where)))
    return el.where(red.all(mask, axis, keepdims=keepdims), np.nan, res)


def nanmax(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``max`` ignoring NaNs; NaN where a slice holds only NaNs.

    >>> fnp.nanmax(fnp.array([[1.0, fnp.nan], [fnp.nan, fnp.nan]]), axis=1)
    array([ 1., nan])
    """
    red._no_out(out, "nanmax")
    return _nan_extreme(a, axis, keepdims, initial, True if where is None else where, -np.inf, red.max)


def nanmin(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``min`` ignoring NaNs; NaN where a slice holds only NaNs.

    >>> fnp.nanmin(fnp.array([[3.0, fnp.nan, 2.0]]), axis=1)
    array([2.])
    """
    red._no_out(out, "nanmin")
    return _nan_extreme(a, axis, keepdims, initial, True if where is None else where, np.inf, red.min)


def _nan_arg(a, axis, keepdims, fill, pick):
    a = _as_array(a)
    if not _floating(a):
        return pick(a, axis, keepdims=bool(keepdims))
    nan = el.isnan(a)
    res = pick(el.where(nan, fill, a), axis, keepdims=bool(keepdims))
    return el.where(red.all(nan, axis, keepdims=bool(keepdims)), -1, res)


def nanargmax(a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None) -> Array:
    """``argmax`` ignoring NaNs; -1 where a slice holds only NaNs (as in JAX; NumPy raises).

    >>> fnp.nanargmax(fnp.array([[1.0, fnp.nan, 3.0], [fnp.nan, fnp.nan, fnp.nan]]), axis=1)
    array([ 2, -1])
    """
    red._no_out(out, "nanargmax")
    return _nan_arg(a, axis, keepdims, -np.inf, red.argmax)


def nanargmin(a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None) -> Array:
    """``argmin`` ignoring NaNs; -1 where a slice holds only NaNs (as in JAX; NumPy raises).

    >>> print(fnp.nanargmin(fnp.array([fnp.nan, 2.0, 1.0])))
    2
    """
    red._no_out(out, "nanargmin")
    return _nan_arg(a, axis, keepdims, np.inf, red.argmin)


def nancumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out: None = None) -> Array:
    """``cumsum`` treating NaN as zero.

    >>> fnp.nancumsum(fnp.array([1.0, fnp.nan, 2.0]))
    array([1., 1., 3.])
    """
    red._no_out(out, "nancumsum")
    return red.cumsum(red._nan_filled(_as_array(a), 0.0), axis, dtype)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out: None = None) -> Array:
    """``cumprod`` treating NaN as one.

    >>> fnp.nancumprod(fnp.array([2.0, fnp.nan, 3.0]))
    array([2., 2., 6.])
    """
    red._no_out(out, "nancumprod")
    return red.cumprod(red._nan_filled(_as_array(a), 1.0), axis, dtype)


def nanvar(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, ddof: float = 0,
           keepdims: bool = False, where: ArrayLike | None = None, mean: ArrayLike | None = None) -> Array:
    """``var`` over the non-NaN elements (``ddof`` subtracted from their count).

    >>> fnp.nanvar(fnp.array([[1.0, fnp.nan, 3.0], [2.0, 2.0, 2.0]]), axis=1)
    array([1., 0.])
    """
    red._no_out(out, "nanvar")
    a = _as_array(a)
    if not _floating(a):
        return red.var(a, axis, dtype, ddof=ddof, keepdims=keepdims, where=True if where is None else where,
                       mean=mean)
    if dtype is not None:
        a = _creation.astype(a, dtype)
    ax = red.normalize_axis(axis, len(shape(a)), "nanvar")
    valid = el.logical_not(el.isnan(a))
    if where is not None and where is not True:
        valid = el.logical_and(valid, red._mask_value(where))
    m = red.nanmean(a, ax, keepdims=True, where=valid) if mean is None else mean
    d = el.where(valid, a - m, 0.0)
    sq = el.real(d * el.conjugate(d)) if np.issubdtype(dtype_of(d), np.complexfloating) else d * d
    n = red.count_nonzero(valid, axis=ax, keepdims=bool(keepdims)) - ddof
    return red._per(red.sum(sq, ax, keepdims=keepdims), el.maximum(n, 0))


def nanstd(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, ddof: float = 0,
           keepdims: bool = False, where: ArrayLike | None = None, mean: ArrayLike | None = None) -> Array:
    """``std`` over the non-NaN elements: ``sqrt(nanvar(...))``.

    >>> print(fnp.nanstd(fnp.array([1.0, fnp.nan, 3.0])))
    1.0
    """
    red._no_out(out, "nanstd")
    return el.sqrt(nanvar(a, axis, dtype, None, ddof, keepdims, where, mean))


def _nan_quantile(a, q, axis, method, keepdims, weights, name):
    if method != "linear":
        raise NotImplementedError(f"{name}: only method='linear' is supported, got {method!r}")
    if weights is not None:
        raise NotImplementedError(f"{name}: weights= is not supported")
    ranked, kept_shape, keep_shape = _sorting._sorted_over(a, axis, name)  # NaNs sort last
    n = shape(ranked)[-1]
    if n == 0:
        raise ValueError(f"{name}: cannot take a quantile of an empty array")
    q = _as_array_like(q, ranked)
    if not _floating(q):
        q = _creation.astype(q, np.float64)
    qs = shape(q)
    count = red.count_nonzero(el.logical_not(el.isnan(ranked)), axis=-1)  # valid values per slice
    last = _creation.astype(el.maximum(count - 1, 0), dtype_of(q))
    virtual = _shape.reshape(q, qs + (1,) * len(kept_shape)) * last  # q's shape + kept shape
    lo_f = el.clip(el.floor(virtual), 0, n - 1)
    lo = _creation.astype(lo_f, np.intp)
    hi = el.minimum(lo + 1, _creation.astype(last, np.intp))
    gamma = virtual - lo_f
    full = _shape.broadcast_to(ranked, qs + tuple(kept_shape) + (n,))
    below = take_along_axis(full, _shape.expand_dims(lo, -1), axis=-1)[..., 0]
    above = take_along_axis(full, _shape.expand_dims(hi, -1), axis=-1)[..., 0]
    diff = above - below
    res = el.where(gamma >= 0.5, above - diff * (1.0 - gamma), below + diff * gamma)  # NumPy's lerp
    res = el.where(count == 0, np.nan, res)
    return _shape.reshape(res, qs + keep_shape) if keepdims else res


def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights: ArrayLike | None = None) -> Array:
    """``quantile`` over the non-NaN elements (only ``method='linear'``); differentiable in ``a`` and ``q``.

    >>> fnp.nanquantile(fnp.array([[1.0, fnp.nan, 3.0], [1.0, 2.0, 4.0]]), 0.5, axis=1)
    array([2., 2.])
    """
    red._no_out(out, "nanquantile")
    return _nan_quantile(a, q, axis, method, keepdims, weights, "nanquantile")


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights: ArrayLike | None = None) -> Array:
    """``percentile`` over the non-NaN elements: ``nanquantile(a, q / 100)``.

    >>> fnp.nanpercentile(fnp.array([1.0, fnp.nan, 3.0, 5.0]), [0, 50])
    array([1., 3.])
    """
    red._no_out(out, "nanpercentile")
    a = _as_array(a)
    q = _as_array_like(q, a)
    return _nan_quantile(a, q / 100.0, axis, method, keepdims, weights, "nanpercentile")


def nanmedian(a: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Array:
    """``median`` over the non-NaN elements.

    >>> print(fnp.nanmedian(fnp.array([4.0, fnp.nan, 1.0, 2.0])))
    2.0
    """
    red._no_out(out, "nanmedian")
    return _nan_quantile(a, 0.5, axis, "linear", keepdims, None, "nanmedian")
