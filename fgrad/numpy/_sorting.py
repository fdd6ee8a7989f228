"""Sorting, searching and order statistics.

``sort`` is the one differentiable primitive: it moves elements, so its VJP moves
the cotangent back through the (stable) sorting permutation. ``partition``,
``median`` and ``quantile`` are composites of it and of indexing. Everything that
returns positions or counts (argsort, searchsorted, unique, ...) has no derivative.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import backend, batching
from ..core import Tracer, concrete, concrete_value
from . import _elementwise
from ._creation import astype
from ._elementwise import where
from ._indexing import (_as_array, _batch_traced, _no_out, gather_along_axis, getitem, scatter_along_axis,
                        stable_argsort, take_along_axis)
from ._reductions import keepdims_shape, mean, normalize_axis
from ._shape import _norm_axes, broadcast_to, ravel, reshape, transpose
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, Axis

__all__ = ["sort", "argsort", "partition", "argpartition", "searchsorted", "unique", "lexsort",
           "median", "quantile", "percentile"]


def _axis(axis, nd, name):
    return _norm_axes(axis, nd, name)[0]


def _flat_or_axis(a, axis, name):
    """(array, non-negative axis); axis=None means the flattened array."""
    a = _as_array(a)
    if axis is None:
        return ravel(a), 0
    return a, _axis(axis, len(shape(a)), name)


def _no_order(order, name):
    if order is not None:
        raise NotImplementedError(f"{name}: order= (structured arrays) is not supported")


def _sort_impl(x, axis):
    return np.sort(x, axis=axis)


def _sort_permutation(x, ans, axis):
    """The stable sorting permutation of ``x`` (``ans`` is ``x`` sorted): raw, or traced when ``x``
    varies over a ``vmap`` batch.

    NumPy's stable argsort is a few times slower than its default one, and both
    agree unless there are ties (or NaNs), which ``ans`` shows.
    """
    if isinstance(_batch_traced(x), Tracer):
        return _argsort.bind(x, axis=axis)
    x, ans = concrete(x), concrete(ans)
    if backend.is_cupy_array(x) or x.shape[axis] < 2:
        return stable_argsort(x, axis)
    head = (slice(None),) * axis
    later, earlier = ans[head + (slice(1, None),)], ans[head + (slice(None, -1),)]
    if np.any(later == earlier) or np.any(np.isnan(later)):
        return stable_argsort(x, axis)
    return np.argsort(x, axis=axis)


def _sort_vjp(g, ans, x, axis):
    # Each cotangent goes back to the element that was sorted into its place.
    return scatter_along_axis(g, _sort_permutation(x, ans, axis), axis, like=x)


def _sort_jvp(t, ans, x, axis):
    return gather_along_axis(t, _sort_permutation(x, ans, axis), axis, trusted=True)


def _along_axis_batch(prim, args, dims, params):
    """One array argument worked along ``params['axis']`` (an axis >= 0), the output shaped like it:
    the batch axis stays where it is."""
    d = dims[0]
    axis = params["axis"]
    return prim.bind(args[0], *args[1:], **dict(params, axis=axis + (axis >= d))), d


_sort = defprim("sort", _sort_impl, vjp=(_sort_vjp,), jvp=(_sort_jvp,), batch=_along_axis_batch)


def sort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order: None = None, *,
         stable: bool | None = None) -> Array:
    """A sorted copy of ``a`` along ``axis`` (flattened when None); differentiable.

    ``kind`` is ignored: ties are ordered stably, which fixes where their
    cotangents go.

    >>> fnp.sort(fnp.array([[3, 1, 2], [0, 5, 4]]))
    array([[1, 2, 3],
           [0, 4, 5]])
    >>> fgrad.grad(lambda x: fnp.sort(x)[0])(np.array([3., 1., 2.]))
    array([0., 1., 0.])
    """
    _no_order(order, "sort")
    a, axis = _flat_or_axis(a, axis, "sort")
    return _sort.bind(a, axis=axis)


_argsort = defprim("argsort", lambda x, axis: stable_argsort(x, axis), nondiff=True, batch=_along_axis_batch)


def argsort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order: None = None, *,
            stable: bool | None = None) -> Array:
    """Indices that sort ``a`` along ``axis``, ties in their original order (no derivative).

    >>> fnp.argsort(fnp.array([3, 1, 2, 1]))
    array([1, 3, 2, 0])
    """
    _no_order(order, "argsort")
    a, axis = _flat_or_axis(a, axis, "argsort")
    return _argsort.bind(a, axis=axis)


def _argpartition_impl(x, kth, axis):
    return np.argpartition(x, kth, axis=axis)


_argpartition = defprim("argpartition", _argpartition_impl, nondiff=True, batch=_along_axis_batch)


def _kth(kth):
    kth = concrete_value(kth, "kth")
    if isinstance(kth, (int, np.integer)) or (hasattr(kth, "ndim") and kth.ndim == 0):
        return int(kth)
    return tuple(int(k) for k in kth)


def argpartition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1, kind: str = "introselect",
                 order: None = None) -> Array:
    """Indices that partition ``a`` around the ``kth`` element(s) (no derivative).

    The element at position ``kth`` is the one sorting would put there; smaller ones come
    before it and larger ones after, each side in an unspecified order.

    >>> fnp.argpartition(fnp.array([3, 4, 2, 1]), 2)[2].item()  # the index of the third smallest
    0
    """
    _no_order(order, "argpartition")
    a, axis = _flat_or_axis(a, axis, "argpartition")
    return _argpartition.bind(a, kth=_kth(kth), axis=axis)


def partition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1, kind: str = "introselect",
              order: None = None) -> Array:
    """A copy of ``a`` with the ``kth`` element(s) where sorting would put them.

    Differentiable: it gathers through ``argpartition``'s permutation. Within
    each side of a kth element the order is unspecified, as in NumPy.

    >>> fnp.partition(fnp.array([3, 4, 2, 1]), 2)[2].item()  # the third smallest
    3
    """
    _no_order(order, "partition")
    a, axis = _flat_or_axis(a, axis, "partition")
    perm = _argpartition.bind(a, kth=_kth(kth), axis=axis)  # (binding drops a's derivative)
    return gather_along_axis(a, perm, axis, trusted=True)


def _searchsorted_impl(a, v, sorter, side):
    xp = array_module(a)
    return np.searchsorted(a, xp.asarray(v), side=side, sorter=None if sorter is None else xp.asarray(sorter))


def _searchsorted_batch(prim, args, dims, params):
    """Only the queries mapped: one searchsorted, shaped like them. A mapped sorted array (or
    sorter): a binary search of each example's row, batch-wide: log2(n) rounds of whole-array ops."""
    a, v, sorter = args
    da, dv, ds = dims
    if da is None and ds is None:
        return prim.bind(a, v, sorter, **params), dv
    size = batching.axis_size(args, dims)
    a = _batch_first(a, da, size)
    if sorter is not None:
        a = take_along_axis(a, _batch_first(sorter, ds, size), axis=1)
    v = _batch_first(v, dv, size)
    vshape = batching._shape(v)[1:]
    n = batching._shape(a)[1]
    v = reshape(v, (size, -1))
    xp = array_module(a)
    lo = xp.zeros((size, batching._shape(v)[1]), dtype=np.intp)
    hi = lo + n
    for _ in range(int(n).bit_length()):  # the interval [lo, hi) halves each round: empty after these
        mid = (lo + hi) // 2
        at = take_along_axis(a, _elementwise.minimum(mid, n - 1), axis=1)  # (clipped: finished rows)
        below = _sorts_before(at, v) if params["side"] == "left" else _elementwise.logical_not(_sorts_before(v, at))
        live = _elementwise.less(lo, hi)
        lo = where(_elementwise.logical_and(live, below), mid + 1, lo)
        hi = where(_elementwise.logical_and(live, _elementwise.logical_not(below)), mid, hi)
    return reshape(lo, (size,) + vshape), 0


def _batch_first(x, d, size):
    """A batched argument with its batch axis first; an unmapped one broadcast along a new first axis."""
    if d is not None:
        return batching.to_front(x, d)
    x = _as_array(x)
    s = batching._shape(x)
    return broadcast_to(reshape(x, (1,) + s), (size,) + s)


def _sorts_before(p, q):
    """``p < q`` in NumPy's sort order: NaNs last."""
    if np.issubdtype(np.result_type(dtype_of(p), dtype_of(q)), np.complexfloating):
        raise NotImplementedError("vmap: searchsorted in complex sorted arrays that vary over the batch")
    lt = _elementwise.less(p, q)
    if not np.issubdtype(np.result_type(dtype_of(p), dtype_of(q)), np.inexact):
        return lt
    return _elementwise.logical_or(lt, _elementwise.logical_and(_elementwise.isnan(q),
                                                                _elementwise.logical_not(_elementwise.isnan(p))))


_searchsorted = defprim("searchsorted", _searchsorted_impl, nondiff=True, batch=_searchsorted_batch)


def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left", sorter: ArrayLike | None = None) -> Array:
    """Where ``v`` would be inserted into the sorted 1-d ``a`` to keep it sorted (no derivative).

    >>> fnp.searchsorted(fnp.array([1, 2, 2, 5]), fnp.array([2, 6]))
    array([1, 4])
    >>> fnp.searchsorted(fnp.array([1, 2, 2, 5]), 2, side="right").item()
    3
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    return _searchsorted.bind(_as_array(a), v, sorter, side=side)


def _unique_impl(x, return_index, return_inverse, return_counts, axis, equal_nan):
    kwargs = dict(return_index=return_index, return_inverse=return_inverse, return_counts=return_counts)
    if axis is not None:
        kwargs["axis"] = axis
    if not equal_nan:  # passed only when asked: older CuPy has no equal_nan
        kwargs["equal_nan"] = False
    out = np.unique(x, **kwargs)
    if return_inverse:
        # NumPy 2 gives the inverse the input's shape when axis is None, a flat one otherwise.
        k = 1 + return_index
        inverse = out[k].reshape(x.shape if axis is None else (-1,))
        out = out[:k] + (inverse,) + out[k + 1:]
    return out


_unique = defprim("unique", _unique_impl, nondiff=True,
                  batch=batching.not_batchable("the number of unique values varies over the batch"),
                  value_dependent_shape=True)


def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: int | None = None, *, equal_nan: bool = True, sorted: bool = True) -> Array | tuple[Array, ...]:
    """NumPy's unique: sorted unique values and optionally index, inverse and counts (no derivative).

    >>> fnp.unique(fnp.array([3, 1, 3, 2]))
    array([1, 2, 3])
    >>> fnp.unique(fnp.array([3, 1, 3, 2]), return_counts=True)
    (array([1, 2, 3]), array([1, 1, 2]))
    """
    if not sorted:
        raise NotImplementedError("unique: sorted=False is not supported")
    return _unique.bind(_as_array(ar), return_index=bool(return_index), return_inverse=bool(return_inverse),
                        return_counts=bool(return_counts), axis=axis, equal_nan=bool(equal_nan))


def _lexsort_impl(*keys, axis, stacked):
    keys = keys[0] if stacked else keys
    if len(keys) == 0:
        raise TypeError("lexsort: need sequence of keys with len > 0")
    if not backend.is_cupy_array(keys[0] if not stacked else keys):
        return np.lexsort(keys, axis=axis)
    return lexsort_by_stable_sorts(list(keys), axis)


def lexsort_by_stable_sorts(keys, axis):
    """lexsort as successive stable argsorts, least significant key first (any backend)."""
    xp = array_module(*keys)
    keys = [xp.asarray(k) for k in keys]
    order = stable_argsort(keys[0], axis)
    for key in keys[1:]:
        ranked = xp.take_along_axis(key, order, axis=axis)
        order = xp.take_along_axis(order, stable_argsort(ranked, axis), axis=axis)
    return order


def _lexsort_batch(prim, args, dims, params):
    """Every key batch-first (an unmapped one broadcast), the axis shifted past the batch; stacked
    keys get the batch axis right after the key axis. (0-d keys: each example's one element gets
    an axis of its own to be sorted along.)"""
    size = batching.axis_size(args, dims)
    if params["stacked"]:
        keys = batching.moveaxis(args[0], dims[0], 1)
        nd = len(batching._shape(keys)) - 2  # one key's dimensions, per example
        keys = [keys]
    else:
        keys = [_batch_first(k, d, size) for k, d in zip(args, dims)]
        nd = len(batching._shape(keys[0])) - 1
    if nd == 0:
        keys = [reshape(k, batching._shape(k) + (1,)) for k in keys]
        return reshape(prim.bind(*keys, **dict(params, axis=-1)), (size,)), 0
    axis = _norm_axes(params["axis"], nd, "lexsort")[0] + 1
    return prim.bind(*keys, **dict(params, axis=axis)), 0


_lexsort = defprim("lexsort", _lexsort_impl, nondiff=True, batch=_lexsort_batch)


def lexsort(keys: ArrayLike | Sequence[ArrayLike], axis: int = -1) -> Array:
    """Indices sorting by several keys, the last key primary (no derivative).

    >>> fnp.lexsort((fnp.array([2, 1, 3]), fnp.array([0, 1, 0])))  # by the second key, then the first
    array([0, 2, 1])
    """
    if isinstance(keys, (list, tuple)):
        return _lexsort.bind(*[_as_array(k) for k in keys], axis=axis, stacked=False)
    return _lexsort.bind(_as_array(keys), axis=axis, stacked=True)


# ------------------------------------------------------------------ order statistics

def _sorted_over(a, axis, name):
    """``a`` with the reduced axes flattened into a sorted last axis.

    Returns (sorted array, shape kept by the reduction, shape with keepdims).
    """
    a = _as_array(a)
    if not np.issubdtype(dtype_of(a), np.inexact):
        a = astype(a, np.float64)
    s = shape(a)
    axes = normalize_axis(axis, len(s), name)
    if axes is None:
        axes = tuple(range(len(s)))
    kept = [d for d in range(len(s)) if d not in axes]
    kept_shape = tuple(s[d] for d in kept)
    n = int(np.prod([s[d] for d in axes], dtype=np.int64))
    a = reshape(transpose(a, tuple(kept) + tuple(axes)), kept_shape + (n,))
    return _sort.bind(a, axis=len(kept_shape)), kept_shape, keepdims_shape(s, axes)


def _nan_if_any(res, ranked, trailing=0):
    """NaN where a reduced slice holds a NaN (sorting puts NaNs last)."""
    bad = _elementwise.isnan(ranked[..., -1])
    if not array_module(ranked).any(concrete(bad)):  # (under vmap: in any example)
        return res
    return where(reshape(bad, shape(bad) + (1,) * trailing), np.nan, res)


def median(a: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Array:
    """The median along ``axis`` (all axes when None); differentiable through ``sort``.

    >>> print(fnp.median(np.array([3., 1., 2., 10.])))
    2.5
    >>> fgrad.grad(fnp.median)(fnp.array([3.0, 1.0, 2.0, 10.0]))  # the two middle values
    array([0.5, 0. , 0.5, 0. ])
    """
    _no_out(out, "median")
    ranked, kept_shape, keep_shape = _sorted_over(a, axis, "median")
    n = shape(ranked)[-1]
    if n == 0:
        res = mean(ranked, axis=-1)
    elif n % 2:
        res = ranked[..., n // 2]
    else:
        res = (ranked[..., n // 2 - 1] + ranked[..., n // 2]) / 2.0
    res = _nan_if_any(res, ranked)
    return reshape(res, keep_shape) if keepdims else res


def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: ArrayLike | None = None,
             interpolation: str | None = None) -> Array:
    """The ``q``-th quantile(s) along ``axis``; only ``method='linear'`` (NumPy's default) is supported.

    Differentiable in ``a`` (through ``sort``) and in ``q``. The result has
    ``q``'s shape in front of the reduced shape, as in NumPy.

    >>> fnp.quantile(fnp.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 1.0, 1.0]]), 0.5, axis=1)
    array([2.5, 0.5])
    >>> fgrad.grad(lambda q: fnp.quantile(fnp.array([0.0, 10.0]), q))(0.3).item()
    10.0
    """
    _no_out(out, "quantile")
    qv = _check_q(q, 1.0, "quantile", "Quantiles must be in the range [0, 1]")
    return _quantile(a, q, qv, axis, method if interpolation is None else interpolation, keepdims, weights,
                     "quantile")


def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights: ArrayLike | None = None,
               interpolation: str | None = None) -> Array:
    """The ``q``-th percentile(s) along ``axis``: ``quantile(a, q / 100)``.

    >>> fnp.percentile(fnp.array([1.0, 2.0, 3.0, 4.0, 5.0]), [25, 50])
    array([2., 3.])
    """
    _no_out(out, "percentile")
    qv = _check_q(q, 100.0, "percentile", "Percentiles must be in the range [0, 100]")
    q = q / 100 if not isinstance(q, (list, tuple)) else np.asarray(q) / 100
    return _quantile(a, q, qv / 100, axis, method if interpolation is None else interpolation, keepdims,
                     weights, "percentile")


def _check_q(q, top, name, message):
    qv = np.asarray(backend.to_host(concrete(q)) if not isinstance(q, (list, tuple)) else q, dtype=np.float64)
    if not np.all((qv >= 0) & (qv <= top)):
        raise ValueError(f"{name}: {message}, got {q!r}")
    return qv


def _quantile(a, q, qv, axis, method, keepdims, weights, name):
    if method != "linear":
        raise NotImplementedError(f"{name}: only method='linear' is supported, got {method!r}")
    if weights is not None:
        raise NotImplementedError(f"{name}: weights= is not supported")
    ranked, kept_shape, keep_shape = _sorted_over(a, axis, name)
    xp = array_module(ranked)
    n = shape(ranked)[-1]
    if n == 0:
        raise ValueError(f"{name}: cannot take a quantile of an empty array")
    if isinstance(_batch_traced(q), Tracer):  # q varies over a vmap batch: so do its positions
        return _quantile_traced_q(ranked, q, n, kept_shape, keep_shape, keepdims)
    virtual = qv * (n - 1)
    lo = np.clip(np.floor(virtual), 0, n - 1).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    if isinstance(q, (list, tuple)):
        q = np.asarray(q, dtype=np.float64)
    below = ranked[..., xp.asarray(lo) if lo.ndim else int(lo)]
    above = ranked[..., xp.asarray(hi) if hi.ndim else int(hi)]
    diff = above - below
    # NumPy's lerp: measured from the nearer end, so both ends are exact.
    if qv.ndim == 0 and not hasattr(q, "shape"):
        gamma = float(virtual) - float(lo)  # a Python float keeps float32 inputs float32
        res = above - diff * (1.0 - gamma) if gamma >= 0.5 else below + diff * gamma
    else:
        q = q if isinstance(q, Tracer) else xp.asarray(q)
        gamma = q * float(n - 1) - xp.asarray(lo.astype(np.float64))
        res = where(gamma >= 0.5, above - diff * (1.0 - gamma), below + diff * gamma)
    res = _nan_if_any(res, ranked, trailing=qv.ndim)
    k, m = len(kept_shape), qv.ndim
    if m:
        res = transpose(res, tuple(range(k, k + m)) + tuple(range(k)))
    return reshape(res, qv.shape + keep_shape) if keepdims else res


def _quantile_traced_q(ranked, q, n, kept_shape, keep_shape, keepdims):
    """``_quantile`` for a ``q`` that varies over a ``vmap`` batch: the positions are traced index arrays."""
    lo = astype(_elementwise.clip(_elementwise.floor(_batch_traced(q) * float(n - 1)), 0, n - 1), np.intp)
    hi = _elementwise.minimum(lo + 1, n - 1)
    below, above = getitem(ranked, (Ellipsis, lo)), getitem(ranked, (Ellipsis, hi))  # (ranked may be raw)
    diff = above - below
    gamma = q * float(n - 1) - astype(lo, np.float64)
    res = where(gamma >= 0.5, above - diff * (1.0 - gamma), below + diff * gamma)
    m = len(shape(q))
    res = _nan_if_any(res, ranked, trailing=m)
    k = len(kept_shape)
    if m:
        res = transpose(res, tuple(range(k, k + m)) + tuple(range(k)))
    return reshape(res, shape(q) + keep_shape) if keepdims else res
