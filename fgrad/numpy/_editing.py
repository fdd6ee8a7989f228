"""Building arrays from pieces and editing them functionally: append, insert, delete, block, resize,
the Array API's spellings (concat, permute_dims, matrix_transpose, unstack), and the update
functions NumPy runs in place (fill_diagonal, place, put), which here return a new array.

All are composites of concatenate, take, reshape, transpose and indexed updates, so they are
differentiable in the arrays' values; indices and masks must be concrete where they decide a shape.
"""
from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _creation, _elementwise as el, _linalg_ops, _shape
from ._indexing import _as_array, _as_array_like, at, take
from ._util import array_module, dtype as dtype_of, host_value, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, Shape

__all__ = ["append", "insert", "delete", "block", "concat", "diagflat", "matrix_transpose", "permute_dims",
           "rollaxis", "resize", "unstack", "trim_zeros", "fill_diagonal", "place", "put", "mask_indices"]


def _axis(axis: int, nd: int, name: str) -> int:
    return _shape._norm_axes(axis, nd, name)[0]


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """``values`` appended to ``arr`` along ``axis`` (both flattened when ``axis`` is None).

    >>> fnp.append(fnp.array([1, 2]), [[3, 4]])
    array([1, 2, 3, 4])
    >>> fnp.append(fnp.array([[1, 2]]), [[3, 4]], axis=0)
    array([[1, 2],
           [3, 4]])
    """
    arr = _as_array(arr)
    values = _as_array_like(values, arr)
    if axis is None:
        return _shape.concatenate([_shape.ravel(arr), _shape.ravel(values)])
    return _shape.concatenate([arr, values], axis=axis)


def _positions(obj: Any, n: int, name: str) -> np.ndarray:
    """The concrete integer positions ``obj`` (an int, a slice, a sequence or a mask) names in ``range(n)``."""
    if isinstance(obj, slice):
        return np.arange(*obj.indices(n))
    idx = host_value(obj, f"{name}: the indices")
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"{name}: boolean array argument obj must be one dimensional and match the axis "
                             f"length of {n}, got shape {idx.shape}")
        return np.flatnonzero(idx)
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise IndexError(f"{name}: obj must be integers, a slice or a boolean mask, got dtype {idx.dtype}")
    idx = idx.astype(np.intp)
    if idx.size and (idx.min() < -n or idx.max() >= n + (name == "insert")):
        raise IndexError(f"{name}: index out of bounds for axis with size {n}: {idx.tolist()}")
    return np.where(idx < 0, idx + n, idx)


def delete(arr: ArrayLike, obj: ArrayLike | slice, axis: int | None = None, *,
           assume_unique_indices: bool = False) -> Array:
    """``arr`` without the entries ``obj`` (an int, a slice, indices or a mask) along ``axis``
    (of the flattened array when ``axis`` is None). The indices must be concrete.

    >>> fnp.delete(fnp.array([1, 2, 3, 4]), [0, 2])
    array([2, 4])
    >>> fnp.delete(fnp.array([[1, 2], [3, 4]]), 0, axis=1)
    array([[2],
           [4]])
    """
    arr = _as_array(arr)
    if axis is None:
        arr, axis = _shape.ravel(arr), 0
    axis = _axis(axis, len(shape(arr)), "delete")
    n = shape(arr)[axis]
    keep = np.ones(n, dtype=bool)
    keep[_positions(obj, n, "delete")] = False
    return take(arr, array_module(arr).asarray(np.flatnonzero(keep)), axis=axis)


def insert(arr: ArrayLike, obj: ArrayLike | slice, values: ArrayLike, axis: int | None = None) -> Array:
    """``arr`` with ``values`` inserted before the index or indices ``obj`` along ``axis`` (of the
    flattened array when ``axis`` is None); ``values`` take ``arr``'s dtype. The indices must be concrete.

    >>> fnp.insert(fnp.array([1, 2, 3]), 1, 9)
    array([1, 9, 2, 3])
    >>> fnp.insert(fnp.array([1, 2, 3]), [0, 3], [7, 8])
    array([7, 1, 2, 3, 8])
    >>> fnp.insert(fnp.array([[1, 2], [3, 4]]), 1, [5, 6], axis=0)
    array([[1, 2],
           [5, 6],
           [3, 4]])
    """
    arr = _as_array(arr)
    if axis is None:
        arr, axis = _shape.ravel(arr), 0
    nd = len(shape(arr))
    axis = _axis(axis, nd, "insert")
    n = shape(arr)[axis]
    values = _creation.astype(_as_array_like(values, arr), dtype_of(arr))
    scalar_index = not isinstance(obj, slice) and np.ndim(host_value(obj, "insert: the indices")) == 0
    if scalar_index:
        at_pos = int(_positions(obj, n, "insert"))
        if len(shape(values)) < nd:  # NumPy's ndmin: leading axes of length 1
            values = _shape.reshape(values, (1,) * (nd - len(shape(values))) + shape(values))
        values = _shape.moveaxis(values, 0, axis)
        block_shape = list(shape(arr))
        block_shape[axis] = shape(values)[axis]
        values = _shape.broadcast_to(values, tuple(block_shape))
        before = take(arr, array_module(arr).arange(at_pos), axis=axis)
        after = take(arr, array_module(arr).arange(at_pos, n), axis=axis)
        return _shape.concatenate([before, values, after], axis=axis)
    pos = _positions(obj, n, "insert")
    k = len(pos)
    new_shape = list(shape(arr))
    new_shape[axis] = k
    values = _shape.broadcast_to(values, tuple(new_shape))
    order = np.argsort(pos, kind="stable")
    at_new = np.empty(k, dtype=np.intp)
    at_new[order] = pos[order] + np.arange(k)  # each insertion shifts the later ones by one
    old = np.ones(n + k, dtype=bool)
    old[at_new] = False
    source = np.empty(n + k, dtype=np.intp)  # output position -> index into concatenate([arr, values])
    source[old] = np.arange(n)
    source[at_new] = n + np.arange(k)
    both = _shape.concatenate([arr, values], axis=axis)
    return take(both, array_module(arr).asarray(source), axis=axis)


def _nesting(x: Any) -> int:
    return 1 + _nesting(x[0]) if isinstance(x, list) and x else int(isinstance(x, list))


def block(arrays: ArrayLike | list[Any]) -> Array:
    """An array assembled from nested lists of blocks: the innermost lists are joined along the
    last axis, the next ones along the second-last, and so on.

    >>> fnp.block([[fnp.eye(2), fnp.zeros((2, 1))], [fnp.ones((1, 2)), fnp.full((1, 1), 5.0)]])
    array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 5.]])
    """
    if isinstance(arrays, tuple):
        raise TypeError("block: arrays is a tuple; only lists can be used to arrange blocks")
    depth = _nesting(arrays)

    def leaves(x):
        return [y for item in x for y in leaves(item)] if isinstance(x, list) else [x]

    items = leaves(arrays)
    if not items:
        raise ValueError("block: lists cannot be empty")
    ndim = builtins.max([depth] + [len(shape(a)) for a in items])

    def build(x, level):
        if not isinstance(x, list):
            if level != depth:
                raise ValueError(f"block: list depths are mismatched (a block at depth {level}, expected {depth})")
            x = _as_array(x)
            return _shape.reshape(x, (1,) * (ndim - len(shape(x))) + shape(x))
        if not x:
            raise ValueError("block: lists cannot be empty")
        return _shape.concatenate([build(y, level + 1) for y in x], axis=-(depth - level))

    return build(arrays, 0)


def concat(arrays: Sequence[ArrayLike], /, *, axis: int | None = 0) -> Array:
    """The Array API's name for ``concatenate``.

    >>> fnp.concat([fnp.array([1, 2]), fnp.array([3])])
    array([1, 2, 3])
    """
    return _shape.concatenate(arrays, axis=axis)


def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal.

    >>> fnp.diagflat([[1, 2]], k=1)
    array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]])
    """
    return _linalg_ops.diag(_shape.ravel(_as_array(v)), k)


def matrix_transpose(x: ArrayLike, /) -> Array:
    """The transpose of each matrix in a stack: the last two axes swapped.

    >>> fnp.matrix_transpose(fnp.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    x = _as_array(x)
    if len(shape(x)) < 2:
        raise ValueError(f"matrix_transpose: x must be at least 2-dimensional, got shape {shape(x)}")
    return _shape.swapaxes(x, -1, -2)


def permute_dims(a: ArrayLike, /, axes: tuple[int, ...]) -> Array:
    """The Array API's name for ``transpose(a, axes)``.

    >>> fnp.permute_dims(fnp.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return _shape.transpose(_as_array(a), tuple(axes))


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """``a`` with ``axis`` moved to lie before position ``start`` (prefer ``moveaxis``).

    >>> fnp.rollaxis(fnp.ones((3, 4, 5)), 2).shape
    (5, 3, 4)
    >>> fnp.rollaxis(fnp.ones((3, 4, 5)), 0, 2).shape
    (4, 3, 5)
    """
    a = _as_array(a)
    nd = len(shape(a))
    axis = _axis(axis, nd, "rollaxis")
    if not -nd <= start <= nd:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an array of {nd} dimensions")
    start = start + nd if start < 0 else start
    if axis < start:
        start -= 1
    return _shape.moveaxis(a, axis, start)


def resize(a: ArrayLike, new_shape: Shape | int) -> Array:
    """An array of ``new_shape`` filled with ``a``'s flattened elements, repeated as often as needed.

    >>> fnp.resize(fnp.array([1, 2, 3]), (2, 4))
    array([[1, 2, 3, 1],
           [2, 3, 1, 2]])
    """
    a = _shape.ravel(_as_array(a))
    new_shape = (operator.index(new_shape),) if not isinstance(new_shape, Sequence) else tuple(new_shape)
    if builtins.any(d < 0 for d in new_shape):
        raise ValueError(f"resize: all elements of new_shape must be non-negative, got {new_shape}")
    size = int(np.prod(new_shape, dtype=np.int64))
    n = shape(a)[0]
    if n == 0 or size == 0:
        return _creation.zeros_like(a, shape=new_shape)
    reps = -(-size // n)
    return _shape.reshape(_shape.tile(a, reps)[:size], new_shape)


def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple[Array, ...]:
    """The slices of ``x`` along ``axis``, as a tuple (the inverse of ``stack``).

    >>> fnp.unstack(fnp.array([[1, 2], [3, 4]]), axis=1)
    (array([1, 3]), array([2, 4]))
    """
    x = _as_array(x)
    if len(shape(x)) == 0:
        raise ValueError("unstack: x must be at least 1-dimensional")
    x = _shape.moveaxis(x, axis, 0)
    return tuple(x[i] for i in range(shape(x)[0]))


def trim_zeros(filt: ArrayLike, trim: str = "fb", axis: int | Sequence[int] | None = None) -> Array:
    """``filt`` without its leading (``'f'`` in ``trim``) and trailing (``'b'``) zeros; with several
    dimensions, the all-zero borders of the ``axis`` (default: all) axes are trimmed. Its values must
    be concrete.

    >>> fnp.trim_zeros(fnp.array([0, 0, 1, 2, 0]))
    array([1, 2])
    >>> fnp.trim_zeros(fnp.array([0, 1, 0]), trim="b")
    array([0, 1])
    """
    filt = _as_array(filt)
    nz = host_value(el.not_equal(filt, 0), "trim_zeros: the values of filt")
    nd = nz.ndim
    axes = range(nd) if axis is None else _shape._norm_axes(axis, nd, "trim_zeros")
    index: list[slice] = [slice(None)] * nd
    for ax in axes:
        hit = np.flatnonzero(nz.any(axis=tuple(d for d in range(nd) if d != ax)))
        if hit.size == 0:
            index = [slice(0, 0) if d in axes else slice(None) for d in range(nd)]
            break
        lo = hit[0] if "f" in trim.lower() else 0
        hi = hit[-1] + 1 if "b" in trim.lower() else nz.shape[ax]
        index[ax] = slice(int(lo), int(hi))
    return filt[tuple(index)]


def _immutable(inplace: bool, name: str) -> None:
    if inplace:
        raise NotImplementedError(f"{name}: fgrad arrays are immutable, so pass inplace=False and use the returned "
                                  "array")


def _cycled(vals: Any, k: int, dt: Any, ref: Array) -> Array:
    """The first ``k`` elements of the flattened ``vals`` repeated over and over, in dtype ``dt``, where
    ``ref`` lives."""
    v = _shape.ravel(_creation.astype(_as_array_like(vals, ref), dt))
    m = shape(v)[0]
    if m == 0:
        raise ValueError("cannot place an empty set of values")
    return take(v, array_module(v).arange(k) % m) if k != m else v


def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *, inplace: bool = True) -> Array:
    """``a`` with its main diagonal set to ``val`` (repeated as needed); ``inplace=False`` is required, as
    in JAX. For a tall 2-D ``a``, ``wrap=True`` continues the diagonal after every ``n + 1`` rows.

    >>> fnp.fill_diagonal(fnp.zeros((3, 3), dtype=int), [1, 2], inplace=False)
    array([[1, 0, 0],
           [0, 2, 0],
           [0, 0, 1]])
    """
    _immutable(inplace, "fill_diagonal")
    a = _as_array(a)
    s = shape(a)
    if len(s) < 2:
        raise ValueError(f"fill_diagonal: array must be at least 2-d, got shape {s}")
    if len(s) > 2 and len(set(s)) != 1:
        raise ValueError(f"fill_diagonal: all dimensions of input must be of equal length, got shape {s}")
    total = int(np.prod(s, dtype=np.int64))
    step = s[1] + 1 if len(s) == 2 else 1 + int(np.cumprod(s[:-1]).sum())
    end = total if (len(s) > 2 or wrap) else builtins.min(total, s[1] * s[1])
    idx = np.arange(0, end, step)
    flat = at(_shape.ravel(a))[array_module(a).asarray(idx)].set(_cycled(val, len(idx), dtype_of(a), a))
    return _shape.reshape(flat, s)


def place(arr: ArrayLike, mask: ArrayLike, vals: ArrayLike, *, inplace: bool = True) -> Array:
    """``arr`` with the elements where ``mask`` holds set to ``vals`` in order (repeated as needed);
    ``inplace=False`` is required, as in JAX. The mask must be concrete.

    >>> fnp.place(fnp.arange(5), fnp.arange(5) > 2, [9], inplace=False)
    array([0, 1, 2, 9, 9])
    """
    _immutable(inplace, "place")
    arr = _as_array(arr)
    m = host_value(mask, "place: the mask").astype(bool).ravel()
    idx = np.flatnonzero(np.broadcast_to(m, (int(np.prod(shape(arr), dtype=np.int64)),)))
    if idx.size == 0:
        return arr
    flat = at(_shape.ravel(arr))[array_module(arr).asarray(idx)].set(_cycled(vals, len(idx), dtype_of(arr), arr))
    return _shape.reshape(flat, shape(arr))


def put(a: ArrayLike, ind: ArrayLike, v: ArrayLike, mode: str | None = None, *, inplace: bool = True) -> Array:
    """``a`` with its flattened elements at ``ind`` set to ``v`` (repeated as needed); ``mode`` ``'wrap'``
    or ``'clip'`` maps out-of-range indices. ``inplace=False`` is required, as in JAX.

    >>> fnp.put(fnp.zeros(4, dtype=int), [0, 5], [7, 8], mode="wrap", inplace=False)
    array([7, 8, 0, 0])
    """
    _immutable(inplace, "put")
    a = _as_array(a)
    n = int(np.prod(shape(a), dtype=np.int64))
    ind = _shape.ravel(_as_array_like(ind, a))
    if mode == "wrap":
        ind = el.remainder(ind, n)
    elif mode == "clip":
        ind = el.clip(ind, 0, n - 1)
    elif mode not in (None, "raise", "fill"):
        raise ValueError(f"put: mode must be one of 'raise', 'wrap', 'clip' or None, got {mode!r}")
    k = shape(ind)[0]
    if k == 0:
        return a
    flat = at(_shape.ravel(a))[ind].set(_cycled(v, k, dtype_of(a), a))
    return _shape.reshape(flat, shape(a))


def mask_indices(n: int, mask_func: Callable[[Array, int], Array], k: int = 0, *,
                 size: int | None = None) -> tuple[Array, Array]:
    """The (row, column) indices where ``mask_func(ones((n, n)), k)`` is nonzero, e.g. ``fnp.triu``.

    >>> fnp.mask_indices(3, fnp.triu, 1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    m = host_value(mask_func(_creation.ones_like(np.empty((n, n), dtype=int)), k), "mask_indices: the mask") != 0
    rows, cols = np.nonzero(m)
    if size is not None:
        fill = np.zeros(builtins.max(size - len(rows), 0), dtype=rows.dtype)
        rows, cols = np.concatenate([rows, fill])[:size], np.concatenate([cols, fill])[:size]
    return rows, cols
