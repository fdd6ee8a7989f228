"""Indexing and functional indexed updates.

``getitem`` is one primitive for every kind of NumPy index. Its VJP scatters the
cotangent back into zeros with ``index_add``; ``index_add`` and ``index_set`` are
the two primitives behind ``fnp.at(x)[idx].add(v)`` / ``.set(v)`` (``x.at[idx]`` on
a traced value). Each of the three is the others' derivative, so every order of
derivative stays inside this module.

An index is normalised once, at the API boundary, into an ``Index``: Ellipsis
expanded, integers checked against the shape, lists and traced index arrays turned
into raw arrays on ``x``'s device (indices carry no derivative). Under ``vmap`` an
index array may vary over the batch: it stays traced, and the three primitives take
such arrays as extra positional arguments after their own (``getitem(x, *arrays)``,
``index_add(x, v, *arrays)``), the ``Index`` param holding a placeholder where each goes.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .. import backend, batching
from ..core import Tracer, concrete, concrete_value
from . import _creation, _elementwise, _shape
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..core import Primitive
    from ..typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["getitem", "at", "take", "take_along_axis", "put_along_axis", "compress", "choose", "select",
           "extract", "nonzero", "flatnonzero", "argwhere", "diag_indices", "diag_indices_from",
           "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from", "indices",
           "unravel_index", "ravel_multi_index", "ix_"]

_VALID = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
          "boolean arrays are valid indices")


# ------------------------------------------------------------------ the canonical index

class Index:
    """A normalised NumPy index: a tuple NumPy and CuPy index with directly.

    ``items`` holds only ints, slices of ints, None and raw integer or boolean
    arrays on the indexed array's device; Ellipsis is already expanded. Under
    ``vmap`` an integer array may vary over the batch: ``normalize_index`` leaves
    it traced, and ``_bind`` passes it to the primitive as an argument, an ``_Arg``
    standing in its place in the params.
    ``unique`` is True when no element of the array is selected twice (there is
    no integer array, or the caller guarantees it, as sort does for its
    permutations): then scatters may use plain ``+=`` instead of ``add.at``.
    ``gather_values``: the user's ``unique_indices=True`` (JAX's keyword): ``index_set``'s
    cotangent of the values is the plain gather of ``g``, repeats or not. (It is not
    ``unique``: a broken promise must not make a scatter-add drop repeats.)
    """

    __slots__ = ("items", "unique", "gather_values")

    def __init__(self, items, unique, gather_values=False):
        self.items = items
        self.unique = unique
        self.gather_values = gather_values

    def __repr__(self):
        return f"Index({self.items!r}, unique={self.unique}" + (", gather_values=True)" if self.gather_values else ")")

    def resolve(self, arrays):
        """The index with the primitive's index-array arguments put in place of their ``_Arg``s."""
        if not arrays:
            return self
        return self.with_items(tuple(arrays[e.k] if type(e) is _Arg else e for e in self.items))

    def with_items(self, items, unique=None):
        """This index's flags on other items (``unique`` replaced when given)."""
        return Index(items, self.unique if unique is None else unique, self.gather_values)

    def scatter_items(self):
        """The index with boolean masks spelled as integer arrays (for scatter-add)."""
        out = []
        for e in self.items:
            if _is_array(e) and e.dtype.kind == "b" and e.ndim:
                out.extend(e.nonzero())
            else:
                out.append(e)
        return tuple(out)


class _Arg:
    """Placeholder in a primitive's ``Index`` for its ``k``-th index-array argument (an index array
    that varies over a ``vmap`` batch, so it can't be a raw array in the params)."""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __repr__(self):
        return f"_Arg({self.k})"


def _bind(prim, *args, index):
    """``prim.bind(*args, index=index)``, with the traced index arrays of ``index`` passed as arguments."""
    if not any(isinstance(e, Tracer) for e in index.items):
        return prim.bind(*args, index=index)
    items, arrays = [], []
    for e in index.items:
        e = _batch_traced(e)
        if isinstance(e, Tracer):
            items.append(_Arg(len(arrays)))
            arrays.append(e)
        else:
            items.append(e)
    return prim.bind(*args, *arrays, index=index.with_items(tuple(items)))


def _batch_traced(v):
    """``v`` without its derivative tracers: a Tracer still when it varies over a ``vmap`` batch."""
    return v._nondiff_value() if isinstance(v, Tracer) else v


def _is_array(e):
    return hasattr(e, "dtype") and hasattr(e, "shape")


def _lowest_nested(seq):
    return [_lowest_nested(v) if isinstance(v, (list, tuple)) else concrete(v) for v in seq]


def _nested_batch_traced(seq):
    """A nested list of indices as one traced array when some vary over a ``vmap`` batch, else None."""
    vals = []
    for v in seq:
        if isinstance(v, (list, tuple)):
            t = _nested_batch_traced(v)
            vals.append(_lowest_nested(v) if t is None else t)
        else:
            vals.append(_batch_traced(v))
    if not any(isinstance(v, Tracer) for v in _creation._walk(vals)):
        return None
    return _creation.asarray(vals)


def _slice_bound(v):
    if isinstance(_batch_traced(v), Tracer):
        raise IndexError("vmap: slice bounds that vary over the batch are not supported (the slice's length "
                         "would too); use fnp.take with a computed index array")
    v = concrete(v)
    if v is None:
        return None
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    if _is_array(v) and v.ndim == 0 and v.dtype.kind in "iu":
        return int(v)
    raise TypeError("slice indices must be integers or None or have an __index__ method, "
                    f"got {type(v).__name__}")


def _entry(e, xp):
    """One index entry in canonical form (Ellipsis is expanded later)."""
    if isinstance(e, (list, tuple)):
        t = _nested_batch_traced(e)
        e = e if t is None else t
    if isinstance(e, Tracer):
        e = _batch_traced(e)
        if isinstance(e, Tracer):  # varies over a vmap batch: stays traced
            kind = np.dtype(dtype_of(e)).kind
            if kind == "b":
                raise batching.NonConcreteBooleanIndexError("vmap: a boolean mask index that varies over the batch selects a data-dependent "
                                 "number of elements, which can't be batched (as in JAX); use "
                                 "fnp.where(mask, x, ...) instead")
            if kind not in "iu":
                raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got {dtype_of(e)}")
            return e
    e = concrete(e)
    if e is None or e is Ellipsis:
        return e
    if isinstance(e, slice):
        return slice(_slice_bound(e.start), _slice_bound(e.stop), _slice_bound(e.step))
    if isinstance(e, (bool, np.bool_)):
        return xp.asarray(bool(e))
    if isinstance(e, (int, np.integer)):
        return int(e)
    if isinstance(e, (list, tuple)):
        e = np.asarray(_lowest_nested(e))
        if e.size == 0 and e.dtype.kind == "f":  # x[[]] selects nothing, as in NumPy
            e = e.astype(np.intp)
    if isinstance(e, np.generic):
        e = np.asarray(e)
    if not _is_array(e):
        raise IndexError(_VALID)
    if e.dtype.kind not in "biu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got {e.dtype}")
    if e.ndim == 0 and e.dtype.kind != "b":
        return int(e)  # NumPy treats a 0-d integer array as the integer itself
    if xp is np:
        if not isinstance(e, np.ndarray):
            raise ValueError(f"index array on {backend.device_of(e)} used to index an array on the cpu; "
                             "move it with fgrad.device_put first")
    elif isinstance(e, np.ndarray):
        e = xp.asarray(e)
    return e


def _is_spacer(e):
    """None, Ellipsis or a slice: an entry that separates advanced indices (NumPy's adjacency rule)."""
    return e is None or e is Ellipsis or isinstance(e, slice)


def _splits_advanced(entries, k):
    """True when ``entries[k]`` lies between two advanced entries and an index array is among them."""
    if not any(_is_array(e) or isinstance(e, Tracer) for e in entries):
        return False
    return not all(_is_spacer(e) for e in entries[:k]) and not all(_is_spacer(e) for e in entries[k + 1:])


def _consumed(e):
    if e is None or e is Ellipsis:
        return 0
    if _is_array(e) and not isinstance(e, Tracer) and e.dtype.kind == "b":
        return e.ndim
    return 1


def normalize_index(x, index, unique=False):
    """The ``Index`` for ``x[index]``, raising NumPy's IndexErrors for bad indices.

    ``unique=True`` is a promise by an internal caller that no element is selected twice.
    """
    xp = array_module(x)
    xshape = shape(x)
    nd = len(xshape)
    entries = [_entry(e, xp) for e in (index if isinstance(index, tuple) else (index,))]
    n_ellipsis = sum(e is Ellipsis for e in entries)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(_consumed(e) for e in entries)
    if used > nd:
        raise IndexError(f"too many indices for array: array is {nd}-dimensional, but {used} were indexed")
    if n_ellipsis:
        k = next(i for i, e in enumerate(entries) if e is Ellipsis)
        fill = [slice(None)] * (nd - used)
        if not fill and _splits_advanced(entries, k):
            fill = [Ellipsis]  # an empty Ellipsis still keeps the advanced indices apart, as in NumPy
        entries[k:k + 1] = fill
    has_int_array = False
    axis = 0
    for e in entries:
        if isinstance(e, int):
            n = xshape[axis]
            if not -n <= e < n:
                raise IndexError(f"index {e} is out of bounds for axis {axis} with size {n}")
        elif isinstance(e, Tracer):
            has_int_array = has_int_array or bool(e.shape)  # a 0-d one picks one element, as an int does
            if xp is not np and e.size:
                _check_bounds(concrete(e), xshape[axis], axis)  # every example's indices
        elif _is_array(e) and e.dtype.kind == "b":
            want = tuple(xshape[axis:axis + e.ndim])
            if tuple(e.shape) != want:
                raise IndexError(f"boolean index of shape {tuple(e.shape)} does not match the indexed array: "
                                 f"axes {axis}..{axis + e.ndim - 1} of the array's shape {xshape} are {want}")
        elif _is_array(e):
            has_int_array = True
            if xp is not np and e.size:
                _check_bounds(e, xshape[axis], axis)
        axis += _consumed(e)
    return Index(tuple(entries), unique or not has_int_array)


def _check_bounds(e, n, axis):
    """CuPy wraps out-of-range indices silently; NumPy raises. Raise like NumPy."""
    lo, hi = int(e.min()), int(e.max())
    if hi >= n or lo < -n:
        raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for axis {axis} with size {n}")


# ------------------------------------------------------------------ raw helpers (no derivative)

def _positions(xshape, index, xp):
    """The flat position in ``x`` of every element of ``x[index]`` (shape of ``x[index]``).

    Sums one broadcast (zero-copy) coordinate grid per axis, so the cost is that
    of the result, not of ``x``.
    """
    lin = None
    stride = 1
    for d in range(len(xshape) - 1, -1, -1):
        grid = xp.arange(xshape[d], dtype=np.intp) * stride
        grid = xp.broadcast_to(grid.reshape((-1,) + (1,) * (len(xshape) - 1 - d)), xshape)[index.items]
        lin = grid if lin is None else lin + grid
        stride *= xshape[d]
    if lin is None:
        lin = xp.zeros((), dtype=np.intp)[index.items]
    return xp.asarray(lin)


def stable_argsort(x, axis=-1):
    """Indices sorting raw ``x`` along ``axis``, ties kept in their original order."""
    if backend.is_cupy_array(x):
        return x.argsort(axis=axis)  # CuPy's sort is always stable
    return np.argsort(x, axis=axis, kind="stable")


def _last_writes(xshape, index, xp):
    """Bool mask over ``x[index]``: True where that element is the last write to its position.

    With repeated indices NumPy's assignment keeps the last value (C order). NumPy
    itself finds the winners; elsewhere a stable sort of the positions does.
    Returns (mask, flat positions).
    """
    lin = _positions(xshape, index, xp)
    flat = lin.reshape(-1)
    ids = xp.arange(flat.size)
    if xp is np:
        # NumPy's own assignment keeps the last write: let it tell which one that is.
        scratch = np.empty(int(np.prod(xshape, dtype=np.int64)), dtype=np.intp)
        scratch[flat] = ids
        return (scratch[flat] == ids).reshape(lin.shape), lin
    order = stable_argsort(flat)
    ranked = flat[order]
    last = xp.ones(ranked.shape, dtype=bool)
    last[:-1] = ranked[1:] != ranked[:-1]
    win = xp.empty(ranked.shape, dtype=bool)
    win[order] = last
    return win.reshape(lin.shape), lin


def _fresh_copy(x, xp):
    # C order: set_last_wins writes through a flat view of it.
    return xp.array(x, copy=True, order="C")


# ------------------------------------------------------------------ primitives

def _getitem_impl(x, *arrays, index):
    items = index.resolve(arrays).items
    out = x[items]
    if any(_is_array(e) for e in items) and not out.flags.c_contiguous:
        # an advanced index copies anyway; NumPy may lay the copy out in another order, torch's is C order
        out = array_module(out).ascontiguousarray(out)
    return out


def _index_add_impl(x, v, *arrays, index):
    index = index.resolve(arrays)
    xp = array_module(x, v)
    out = _fresh_copy(x, xp)
    v = xp.asarray(v, dtype=out.dtype)
    if index.unique:
        out[index.items] += v
    else:
        backend.scatter_add(out, index.scatter_items(), v)
    return out


def _index_set_impl(x, v, *arrays, index):
    index = index.resolve(arrays)
    xp = array_module(x, v)
    out = _fresh_copy(x, xp)
    v = xp.asarray(v, dtype=out.dtype)
    if index.unique or xp is np or v.ndim == 0:
        out[index.items] = v  # NumPy keeps the last of repeated writes
    else:
        set_last_wins(out, index, v)  # CuPy leaves the winner undefined
    return out


def set_last_wins(out, index, v):
    """``out[index] = v`` in place, keeping the last of repeated writes on any backend."""
    xp = array_module(out)
    win, lin = _last_writes(out.shape, index, xp)
    if v.ndim > lin.ndim:
        v = v.reshape(v.shape[v.ndim - lin.ndim:])
    v = xp.broadcast_to(v, lin.shape)
    out.reshape(-1)[lin[win]] = v[win]


def _fit(g_sub, v):
    """The cotangent of update values ``v`` from the cotangent of ``x[index]``."""
    vshape = shape(v)
    gshape = shape(g_sub)
    if len(vshape) > len(gshape):  # NumPy lets values carry extra leading 1s
        g_sub = _shape.reshape(g_sub, (1,) * (len(vshape) - len(gshape)) + tuple(gshape))
    ct = _elementwise.unbroadcast(g_sub, v)
    if _is_array(concrete(v)) and np.issubdtype(dtype_of(v), np.inexact) and dtype_of(ct) != dtype_of(v):
        ct = _creation.astype(ct, dtype_of(v))
    return ct


def _scatter(g, x, arrays, index):
    """Cotangent of ``x`` from the cotangent ``g`` of ``x[index]``: ``g`` added into zeros."""
    # A broadcast zero: index_add's one copy is then the only full-size allocation.
    zeros = _shape.broadcast_to(_creation.zeros_like(x, shape=()), shape(x))
    return _index_add.bind(zeros, g, *arrays, index=index)


def _set_values_vjp(g, ans, x, v, *arrays, index):
    g_sub = _getitem.bind(g, *arrays, index=index)
    if not index.unique and not index.gather_values:
        if arrays:  # traced index arrays: NumPy's own last write, found through the primitives
            xp = array_module(x)
            ids = xp.arange(math.prod(shape(g_sub)), dtype=np.intp).reshape(shape(g_sub))
            scratch = _index_set.bind(xp.full(shape(x), -1, dtype=np.intp), ids, *arrays, index=index)
            win = _elementwise.equal(_getitem.bind(scratch, *arrays, index=index), ids)
        else:
            win, _ = _last_writes(shape(x), index, array_module(x))
        g_sub = _elementwise.where(win, g_sub, 0.0)  # values overwritten by a later repeat had no effect
    return _fit(g_sub, v)


def _zeros_like(x):
    return _creation.zeros_like(x)


# ------------------------------------------------------------------ batching rules

def _ex_shape(a, d):
    """One example's shape of a batched argument (batch axis ``d``, None when not mapped)."""
    s = batching._shape(a)
    return s if d is None else s[:d] + s[d + 1:]


def _adv_shape(e, arg_shapes):
    """The shape an advanced index entry broadcasts with (an int's is ())."""
    if type(e) is _Arg:
        return arg_shapes[e.k]
    if isinstance(e, int):
        return ()
    if e.dtype.kind == "b":  # a mask stands for its nonzero() arrays (a 0-d one: 0 or 1 elements)
        return (int(e.sum()),)
    return tuple(e.shape)


def _is_basic(e, arg_shapes):
    """None, Ellipsis, a slice, an int, or a 0-d index-array argument (NumPy reads a 0-d int array as an int)."""
    return _is_spacer(e) or isinstance(e, int) or (type(e) is _Arg and not arg_shapes[e.k])


def _advanced(items, arg_shapes):
    """(positions of the advanced entries, their broadcast rank, whether they are next to each other).

    As in NumPy: with an index array present an int counts as advanced too, and None breaks adjacency.
    """
    if all(_is_basic(e, arg_shapes) for e in items):
        return [], 0, True
    pos = [i for i, e in enumerate(items) if not _is_spacer(e)]
    rank = max(len(_adv_shape(items[i], arg_shapes)) for i in pos)
    return pos, rank, pos == list(range(pos[0], pos[-1] + 1))


def _selection_rank(items, xshape, arg_shapes):
    """The number of dimensions of one example's ``x[index]``."""
    _, rank, _ = _advanced(items, arg_shapes)
    basic = sum(1 for e in items if e is None or isinstance(e, slice))
    return basic + rank + len(xshape) - sum(_consumed(e) for e in items)


def _batch_index(x, dx, arrays, adims, index, size):
    """The batched ``x[index]``: ``(x, x's batch axis, arrays, Index, batch axis of x[Index])``.

    Only ``x`` mapped: a ``slice(None)`` for its batch axis (where it sits, for a basic index; in
    front otherwise). Mapped index arrays: an ``arange(size)`` index array for ``x``'s batch axis
    beside them (none when ``x`` isn't mapped), each mapped array with its batch axis first, so the
    advanced indices broadcast to ``(size,) + their example shape``.
    """
    items = index.items
    arg_shapes = [_ex_shape(a, d) for a, d in zip(arrays, adims)]
    if all(d is None for d in adims):
        pos, rank, adjacent = _advanced(items, arg_shapes)
        if not pos:  # basic: slice(None) where the batch axis is, no data moves
            consumed = out = 0
            for j, e in enumerate(items):
                if consumed == dx:
                    return x, dx, arrays, index.with_items(items[:j] + (slice(None),) + items[j:]), out
                if e is None or isinstance(e, slice):
                    out += 1
                consumed += _consumed(e)
            return x, dx, arrays, index, out + dx - consumed
        x = batching.to_front(x, dx)
        return x, 0, arrays, index.with_items((slice(None),) + items), 0 if adjacent else rank
    pos = [i for i, e in enumerate(items) if not _is_spacer(e)]
    rank = max(len(_adv_shape(items[i], arg_shapes)) for i in pos)
    adjacent = pos == list(range(pos[0], pos[-1] + 1))
    arrays = [a if d is None else batching.reshape(batching.to_front(a, d), (size,) + (1,) * (rank - len(s)) + s)
              for a, d, s in zip(arrays, adims, arg_shapes)]
    q = pos[0] if adjacent else 0  # the advanced block goes there (adjacent) or in front
    out_dim = sum(1 for e in items[:q] if e is None or isinstance(e, slice))
    if dx is None:  # a gather from one array: positions repeat across the batch
        return x, None, arrays, index.with_items(items, unique=False), out_dim
    c = sum(1 for e in items[:q] if isinstance(e, slice))
    x = batching.moveaxis(x, dx, c)
    which = array_module(x).arange(size, dtype=np.intp).reshape((size,) + (1,) * rank)
    return x, c, arrays, index.with_items(items[:q] + (which,) + items[q:]), out_dim


def _check_mask_args(prim, arrays):
    for a in arrays:
        if np.dtype(dtype_of(a)).kind == "b":
            raise batching.NonConcreteBooleanIndexError(f"vmap: {prim.name} with a boolean mask index that varies over the batch can't be "
                             "batched: the number of elements it selects depends on the values")


def _getitem_batch(prim, args, dims, params):
    _check_mask_args(prim, args[1:])
    size = batching.axis_size(args, dims)
    x, _, arrays, index, out_dim = _batch_index(args[0], dims[0], list(args[1:]), dims[1:], params["index"], size)
    return _getitem.bind(x, *arrays, index=index), out_dim


def _update_batch(prim, args, dims, params):
    """index_add / index_set: ``x`` batched (broadcast when not mapped: the result is), the values
    laid out like the batched ``x[index]``."""
    x, v, arrays = args[0], args[1], list(args[2:])
    dx, dv, adims = dims[0], dims[1], dims[2:]
    _check_mask_args(prim, arrays)
    size = batching.axis_size(args, dims)
    index = params["index"]
    arg_shapes = [_ex_shape(a, d) for a, d in zip(arrays, adims)]
    rank = _selection_rank(index.items, _ex_shape(x, dx), arg_shapes)
    if dx is None:
        s = batching._shape(x)
        x, dx = _shape.broadcast_to(batching.reshape(x, (1,) + s), (size,) + s), 0
    x, x_dim, arrays, index, sel_dim = _batch_index(x, dx, arrays, adims, index, size)
    return prim.bind(x, _values_like_selection(v, dv, rank, sel_dim, size), *arrays, index=index), x_dim


def _values_like_selection(v, dv, rank, sel_dim, size):
    """Update values (batch axis ``dv``) that broadcast against the batched ``x[index]``: ``rank``
    dimensions per example, the batch at ``sel_dim``. (NumPy lets values carry extra leading 1s.)"""
    s = batching._shape(v)
    if dv is None:
        if len(s) > rank:
            s = s[len(s) - rank:]
            v = batching.reshape(v, s)
        if sel_dim > rank - len(s):  # the batch axis falls among the values' own axes
            s = (1,) * (rank - len(s)) + s
            v = batching.reshape(v, s[:sel_dim] + (1,) + s[sel_dim:])
        return v
    v = batching.to_front(v, dv)
    s = s[:dv] + s[dv + 1:]
    s = s[len(s) - rank:] if len(s) > rank else (1,) * (rank - len(s)) + s
    return batching.moveaxis(batching.reshape(v, (size,) + s), 0, sel_dim)


_getitem: Primitive = defprim("getitem", _getitem_impl,
                   vjp=(lambda g, ans, x, *arrays, index: _scatter(g, x, arrays, index),),
                   jvp=(lambda t, ans, x, *arrays, index: _getitem.bind(t, *arrays, index=index),), linear=True,
                   batch=_getitem_batch)
_index_add: Primitive = defprim("index_add", _index_add_impl,
                     vjp=(lambda g, ans, x, v, *arrays, index: g,
                          lambda g, ans, x, v, *arrays, index: _fit(_getitem.bind(g, *arrays, index=index), v)),
                     jvp=(lambda t, ans, x, v, *arrays, index: t,
                          lambda t, ans, x, v, *arrays, index:
                          _index_add.bind(_zeros_like(ans), t, *arrays, index=index)),
                     linear=True, batch=_update_batch)
# Positions being overwritten pass no derivative back to x.
_index_set: Primitive = defprim("index_set", _index_set_impl,
                     vjp=(lambda g, ans, x, v, *arrays, index: _index_set.bind(g, 0.0, *arrays, index=index),
                          _set_values_vjp),
                     jvp=(lambda t, ans, x, v, *arrays, index: _index_set.bind(t, 0.0, *arrays, index=index),
                          lambda t, ans, x, v, *arrays, index:
                          _index_set.bind(_zeros_like(ans), t, *arrays, index=index)),
                     linear=True, batch=_update_batch)


def _as_array(x):
    if isinstance(x, Tracer) or _is_array(x):
        return x
    return _creation.asarray(x)


def _as_array_like(x, ref):
    """``x`` as an array; plain data (a scalar, a list) is put where ``ref`` lives, as NumPy's array-likes
    meet a device array. (An array stays where it is: mixing devices is an error elsewhere too.)"""
    if isinstance(x, Tracer) or _is_array(x):
        return x
    return _creation.asarray(x, like=ref)


def getitem(x: ArrayLike, index: Any) -> Array:
    """``x[index]`` for any NumPy index, differentiable in ``x`` (indices carry no derivative).

    Traced values use it as ``__getitem__``. Integer arrays may repeat; their
    cotangents accumulate.

    >>> fnp.getitem(fnp.array([[1, 2], [3, 4]]), (slice(None), 0))
    array([1, 3])
    >>> fgrad.grad(lambda x: fnp.sum(x[[0, 0, 2]]))(np.ones(3))
    array([2., 0., 1.])
    """
    x = _as_array(x)
    if not isinstance(x, Tracer) and _is_plain(index):
        return x[index]  # nothing to trace or convert; NumPy/CuPy check the bounds themselves
    return _bind(_getitem, x, index=normalize_index(x, index))


def _is_plain(index):
    """True for an index of Python ints, int slices, None and Ellipsis only."""
    for e in (index if type(index) is tuple else (index,)):
        t = type(e)
        if t is int or e is None or e is Ellipsis:
            continue
        if t is slice and all(type(b) is int or b is None for b in (e.start, e.stop, e.step)):
            continue
        return False
    return True


# ------------------------------------------------------------------ x.at[idx]

class _IndexUpdateRef:
    """``at(x)[index]``: functional updates of ``x`` at ``index`` (JAX's ``.at``).

    ``.add`` accumulates over repeated indices. ``.set`` with repeated indices keeps
    the last value in C order, as NumPy's assignment does (on CuPy too).
    ``.multiply``, ``.divide``, ``.power``, ``.min`` and ``.max`` read ``x[index]``
    and set the combined value, so with repeated indices only the last update
    counts (JAX would combine them all); use unique indices with those.

    Every method takes JAX's keywords ``indices_are_sorted`` (a hint, unused) and
    ``unique_indices``: a promise that no element is selected twice, under which
    ``.set``'s derivative in the values is the plain gather of the cotangent (with
    repeats, every repeated value then gets its position's cotangent); other results
    stay exact with repeats.
    """

    __slots__ = ("_x", "_index")

    def __init__(self, x, index):
        self._x = x
        self._index = normalize_index(x, index)

    def __repr__(self):
        return f"_IndexUpdateRef({self._index!r})"

    def _promised(self, unique_indices):
        return Index(self._index.items, self._index.unique, True) if unique_indices else self._index

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False) -> Array:
        """``x[index]``."""
        return _bind(_getitem, self._x, index=self._promised(unique_indices))

    def set(self, values: ArrayLike, *, indices_are_sorted: bool = False, unique_indices: bool = False) -> Array:
        """A copy of ``x`` with ``x[index] = values``."""
        return _bind(_index_set, self._x, _values(values, self._x), index=self._promised(unique_indices))

    def add(self, values: ArrayLike, *, indices_are_sorted: bool = False, unique_indices: bool = False) -> Array:
        """A copy of ``x`` with ``values`` added at ``index`` (repeats accumulate)."""
        return _bind(_index_add, self._x, _values(values, self._x), index=self._promised(unique_indices))

    def subtract(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False) -> Array:
        return self.add(_elementwise.negative(_values(values, self._x)), unique_indices=unique_indices)

    def _combine(self, fn, values, unique_indices):
        return self.set(fn(self.get(unique_indices=unique_indices), _values(values, self._x)),
                        unique_indices=unique_indices)

    def multiply(self, values: ArrayLike, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False) -> Array:
        return self._combine(_elementwise.multiply, values, unique_indices)

    def divide(self, values: ArrayLike, *, indices_are_sorted: bool = False,
               unique_indices: bool = False) -> Array:
        return self._combine(_elementwise.true_divide, values, unique_indices)

    def power(self, values: ArrayLike, *, indices_are_sorted: bool = False,
              unique_indices: bool = False) -> Array:
        return self._combine(_elementwise.power, values, unique_indices)

    def min(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Array:
        return self._combine(_elementwise.minimum, values, unique_indices)

    def max(self, values: ArrayLike, *, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Array:
        return self._combine(_elementwise.maximum, values, unique_indices)


def _values(v, x):
    """Update values: a list or tuple becomes an array on ``x``'s device (a literal, like a number)."""
    return backend.to_module(_as_array(v), array_module(x)) if isinstance(v, (list, tuple)) else v


class _IndexUpdateHelper:
    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def __getitem__(self, index):
        return _IndexUpdateRef(self._x, index)

    def __repr__(self):
        return "_IndexUpdateHelper"


def at(x: ArrayLike) -> _IndexUpdateHelper:
    """Functional indexed updates: ``fnp.at(x)[idx].set(v)`` returns a new array (``x`` is unchanged).

    On traced values the same object is the property ``x.at``, as in JAX. Methods: ``get``,
    ``set``, ``add``, ``subtract``, ``multiply``, ``divide``, ``power``, ``min``,
    ``max``; ``add`` accumulates repeated indices, ``set`` keeps the last repeat
    (see ``_IndexUpdateRef`` for the others).

    >>> fnp.at(np.zeros(3))[[0, 0, 2]].add(1.0)
    array([2., 0., 1.])
    >>> fnp.at(fnp.array([1, 2, 3]))[1:].set(0)
    array([1, 0, 0])
    """
    return _IndexUpdateHelper(_as_array(x))


# ------------------------------------------------------------------ composites

def _axis(axis, nd, name):
    return _shape._norm_axes(axis, nd, name)[0]


def _index_array(indices, x, name):
    """Integer index array on ``x``'s device: raw, or traced when it varies over a ``vmap`` batch."""
    idx = _batch_traced(indices)
    if isinstance(idx, (list, tuple)):
        t = _nested_batch_traced(idx)
        idx = idx if t is None else t
    if isinstance(idx, Tracer):
        if np.dtype(dtype_of(idx)).kind not in "iu":
            raise IndexError(f"{name}: indices must be integers, got dtype {dtype_of(idx)}")
        return idx
    idx = concrete(idx)
    xp = array_module(x)
    if isinstance(idx, (list, tuple)):
        idx = np.asarray(_lowest_nested(idx))
        if idx.size == 0:
            idx = idx.astype(np.intp)
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{name}: indices must be integers, got dtype {idx.dtype}")
    return idx


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: fgrad arrays are immutable, so out= is not supported; use the return value")


def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, out: None = None, mode: str = "raise") -> Array:
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened array when None).

    ``mode``: 'raise' (negative indices count from the end), 'wrap' or 'clip'.

    >>> fnp.take(np.array([[1., 2.], [3., 4.]]), [1, 0], axis=1)
    array([[2., 1.],
           [4., 3.]])
    >>> fnp.take(fnp.array([10, 20, 30]), [0, 5], mode="clip")
    array([10, 30])
    """
    _no_out(out, "take")
    a = _as_array(a)
    if axis is None:
        a, axis = _shape.ravel(a), 0
    else:
        axis = _axis(axis, len(shape(a)), "take")
    idx = _index_array(indices, a, "take")
    n = shape(a)[axis]
    if mode in ("wrap", "clip"):
        if n == 0 and idx.size:
            raise IndexError("take: cannot do a non-empty take from an empty axis")
        idx = idx % n if mode == "wrap" else _elementwise.clip(idx, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return getitem(a, (slice(None),) * axis + (idx,))


def along_axis_index(xshape, idx, axis, name):
    if idx.ndim != len(xshape):
        raise ValueError(f"{name}: `indices` and `arr` must have the same number of dimensions, "
                         f"got shapes {tuple(idx.shape)} and {tuple(xshape)}")
    xp = array_module(idx)
    nd = len(xshape)
    return tuple(idx if d == axis else xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))
                 for d, n in enumerate(xshape))


def gather_along_axis(arr, idx, axis, trusted=False):
    """``take_along_axis`` on a raw index array.

    ``trusted=True``: an internal caller promises ``idx`` is in bounds, on ``arr``'s
    device and without repeats along ``axis`` (a permutation), so checks are skipped.
    """
    arr = _as_array(arr)
    fancy = along_axis_index(shape(arr), idx, axis, "take_along_axis")
    return _bind(_getitem, arr, index=Index(fancy, True) if trusted else normalize_index(arr, fancy))


def scatter_along_axis(values, idx, axis, like):
    """Zeros shaped like ``like`` with ``values`` put at the trusted permutation ``idx`` along ``axis``."""
    zeros = _shape.broadcast_to(_creation.zeros_like(like, shape=()), shape(like))
    return _bind(_index_set, zeros, values, index=Index(along_axis_index(shape(like), idx, axis, "scatter"), True))


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None = -1) -> Array:
    """``arr`` picked at ``indices`` along ``axis`` (NumPy's take_along_axis).

    >>> fnp.take_along_axis(np.array([[3., 1.]]), np.array([[1, 0]]), axis=1)
    array([[1., 3.]])
    """
    arr = _as_array(arr)
    idx = _index_array(indices, arr, "take_along_axis")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError("take_along_axis: when axis=None, `indices` must have a single dimension")
        return gather_along_axis(_shape.ravel(arr), idx, 0)
    return gather_along_axis(arr, idx, _axis(axis, len(shape(arr)), "take_along_axis"))


def put_along_axis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: int | None) -> Array:
    """A copy of ``arr`` with ``values`` put at ``indices`` along ``axis`` (functional).

    Unlike NumPy's, it returns the result and leaves ``arr`` unchanged. Repeated
    indices keep the last value.

    >>> fnp.put_along_axis(fnp.array([[1, 2], [3, 4]]), fnp.array([[1], [0]]), 0, axis=1)
    array([[1, 0],
           [0, 4]])
    """
    arr = _as_array(arr)
    idx = _index_array(indices, arr, "put_along_axis")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError("put_along_axis: when axis=None, `indices` must have a single dimension")
        return _shape.reshape(at(_shape.ravel(arr))[idx].set(values), shape(arr))
    axis = _axis(axis, len(shape(arr)), "put_along_axis")
    return at(arr)[along_axis_index(shape(arr), idx, axis, "put_along_axis")].set(values)


def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, out: None = None) -> Array:
    """The slices of ``a`` along ``axis`` where the 1-d ``condition`` is true.

    >>> fnp.compress([True, False, True], fnp.array([[1, 2, 3], [4, 5, 6]]), axis=1)
    array([[1, 3],
           [4, 6]])
    """
    _no_out(out, "compress")
    a = _as_array(a)
    _no_mapped_mask(condition, "compress")
    cond = array_module(a).asarray(concrete(condition) if not isinstance(condition, (list, tuple))
                                   else np.asarray(_lowest_nested(condition)))
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {tuple(cond.shape)}")
    return take(a, cond.nonzero()[0], axis=axis)


def extract(condition: ArrayLike, arr: ArrayLike) -> Array:
    """The elements of ``arr`` where ``condition`` is nonzero, flattened.

    >>> x = fnp.array([[1, 2], [3, 4]]); fnp.extract(x % 2 == 0, x)
    array([2, 4])
    """
    arr = _as_array(arr)
    _no_mapped_mask(condition, "extract")
    cond = array_module(arr).asarray(concrete(condition) if not isinstance(condition, (list, tuple))
                                     else np.asarray(_lowest_nested(condition)))
    return take(_shape.ravel(arr), cond.reshape(-1).nonzero()[0])


def _no_mapped_mask(a, name):
    """Refuse, under ``vmap``, a condition that varies over the batch where it decides an output shape."""
    if isinstance(_batch_traced(a), Tracer):
        raise batching.ConcretizationTypeError(f"vmap: {name} of a value that varies over the batch can't be batched: its output shape "
                         "depends on the values (as in JAX)")


def choose(a: ArrayLike, choices: Sequence[ArrayLike] | ArrayLike, out: None = None, mode: str = "raise") -> Array:
    """``choices[a[i]][i]`` for each ``i`` (broadcasting); differentiable in ``choices``.

    >>> fnp.choose(fnp.array([0, 1, 0]), [fnp.array([1, 2, 3]), fnp.array([10, 20, 30])])
    array([ 1, 20,  3])
    """
    _no_out(out, "choose")
    choices = [_as_array(c) for c in (list(choices) if isinstance(choices, (list, tuple))
                                      else [choices[i] for i in range(len(choices))])]
    if not choices:
        raise ValueError("choose: choices must not be empty")
    xp = array_module(*choices)
    idx = _batch_traced(a)
    if not isinstance(idx, Tracer):
        idx = xp.asarray(concrete(a) if not isinstance(a, (list, tuple)) else np.asarray(_lowest_nested(a)))
    if np.dtype(dtype_of(idx)).kind not in "iu":
        raise TypeError(f"choose: a must be an integer array, got dtype {dtype_of(idx)}")
    n = len(choices)
    if mode == "raise":
        raw = concrete(idx)  # (traced: every example's entries)
        if raw.size and (int(raw.min()) < 0 or int(raw.max()) >= n):
            raise ValueError(f"choose: invalid entry in choice array (entries must be in [0, {n}))")
    elif mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = _elementwise.clip(idx, 0, n - 1)
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    full = np.broadcast_shapes(shape(idx), *[shape(c) for c in choices])
    out = _shape.broadcast_to(choices[0], full)
    for k in range(1, n):
        out = _elementwise.where(idx == k, choices[k], out)
    return out


def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike], default: ArrayLike = 0) -> Array:
    """The element of the first choice whose condition holds, else ``default``.

    >>> x = fnp.arange(5)
    >>> fnp.select([x < 2, x > 3], [x, x * 10], default=-1)
    array([ 0,  1, -1, -1, 40])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    xp = array_module(*choicelist, default)
    conds = []
    for i, c in enumerate(condlist):
        c = _batch_traced(c)
        if isinstance(c, Tracer):  # varies over a vmap batch
            if np.dtype(dtype_of(c)).kind != "b":
                raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray")
            conds.append(c)
            continue
        c = concrete(c)
        if not (_is_array(c) and c.dtype.kind == "b") and not isinstance(c, (bool, np.bool_)):
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray")
        conds.append(xp.asarray(c))
    out = _as_array(default)
    for c, v in zip(reversed(conds), reversed(list(choicelist))):
        out = _elementwise.where(c, v, out)
    full = np.broadcast_shapes(*[shape(c) for c in conds], *[shape(v) for v in choicelist], shape(default))
    return _shape.broadcast_to(out, full)


_nonzero = defprim("nonzero", lambda x: tuple(x.nonzero()), nondiff=True,
                   batch=batching.not_batchable("the number of nonzero elements varies over the batch"),
                   value_dependent_shape=True)


def nonzero(a: ArrayLike) -> tuple[Array, ...]:
    """Indices of the nonzero elements, one array per axis (no derivative; not under ``jit``).

    >>> fnp.nonzero(fnp.array([[0, 1], [2, 0]]))
    (array([0, 1]), array([1, 0]))
    """
    a = _as_array(a)
    if not shape(a):
        raise ValueError("nonzero: calling nonzero on 0d arrays is not allowed; use fnp.atleast_1d(a) first")
    return _nonzero.bind(a)


def flatnonzero(a: ArrayLike) -> Array:
    """Indices of the nonzero elements of the flattened ``a``.

    >>> fnp.flatnonzero(fnp.array([[0, 1], [2, 0]]))
    array([1, 2])
    """
    _no_mapped_mask(a, "flatnonzero")
    a = concrete(_as_array(a))
    return a.reshape(-1).nonzero()[0]


def argwhere(a: ArrayLike) -> Array:
    """Indices of the nonzero elements, one row per element (NumPy's argwhere).

    >>> fnp.argwhere(fnp.array([[0, 1], [2, 0]]))
    array([[0, 1],
           [1, 0]])
    """
    _no_mapped_mask(a, "argwhere")
    a = concrete(_as_array(a))
    xp = array_module(a)
    if a.ndim == 0:
        return xp.zeros((int(bool(a)), 0), dtype=np.intp)
    return xp.stack(a.nonzero(), axis=1)


# Index-producing helpers: no array argument to differentiate, NumPy's behaviour as is.

def diag_indices(n: int, ndim: int = 2) -> tuple[Array, ...]:
    """Index arrays of the main diagonal of an ``n``-wide array of ``ndim`` dimensions.

    >>> fnp.diag_indices(3)
    (array([0, 1, 2]), array([0, 1, 2]))
    """
    return np.diag_indices(n, ndim)


def diag_indices_from(arr: ArrayLike) -> tuple[Array, ...]:
    """Index arrays of the main diagonal of ``arr`` (all its sides equal).

    >>> x = fnp.array([[1, 2], [3, 4]]); x[fnp.diag_indices_from(x)]
    array([1, 4])
    """
    return np.diag_indices_from(np.empty(shape(arr), dtype=np.int8))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    """Row and column indices of the lower triangle (at and below diagonal ``k``) of an ``n`` by ``m`` array.

    >>> fnp.tril_indices(3)
    (array([0, 1, 1, 2, 2, 2]), array([0, 0, 1, 0, 1, 2]))
    """
    return np.tril_indices(n, k, m)


def tril_indices_from(arr: ArrayLike, k: int = 0) -> tuple[Array, Array]:
    """``tril_indices`` for the shape of the 2-d ``arr``.

    >>> x = fnp.array([[1, 2], [3, 4]]); x[fnp.tril_indices_from(x)]
    array([1, 3, 4])
    """
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"tril_indices_from: input array must be 2-d, got shape {s}")
    return np.tril_indices(s[0], k, s[1])


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Array, Array]:
    """Row and column indices of the upper triangle (at and above diagonal ``k``) of an ``n`` by ``m`` array.

    >>> fnp.triu_indices(3, k=1)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    return np.triu_indices(n, k, m)


def triu_indices_from(arr: ArrayLike, k: int = 0) -> tuple[Array, Array]:
    """``triu_indices`` for the shape of the 2-d ``arr``.

    >>> x = fnp.array([[1, 2], [3, 4]]); x[fnp.triu_indices_from(x)]
    array([1, 2, 4])
    """
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"triu_indices_from: input array must be 2-d, got shape {s}")
    return np.triu_indices(s[0], k, s[1])


def indices(dimensions: Shape, dtype: DTypeLike = int, sparse: bool = False) -> Array | tuple[Array, ...]:
    """A grid of the indices of an array of shape ``dimensions``: one array per axis, stacked.

    >>> fnp.indices((2, 3))[1]  # the column index of each element
    array([[0, 1, 2],
           [0, 1, 2]])
    """
    # (numpy's stubs take no general DTypeLike with a bool sparse)
    return np.indices(dimensions, dtype=dtype, sparse=sparse)  # type: ignore[call-overload]


def _dims_tuple(dims):
    return (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(int(n) for n in dims)


def unravel_index(indices: ArrayLike, shape: Shape | int, order: Literal["C", "F"] = "C") -> tuple[Array, ...]:
    """Coordinate arrays of flat ``indices`` in an array of ``shape`` (on the indices' device).

    >>> fnp.unravel_index(fnp.array([1, 5]), (2, 3))
    (array([0, 1]), array([1, 2]))
    """
    idx = _batch_traced(indices)
    if not isinstance(idx, Tracer):
        return np.unravel_index(concrete(indices), shape, order=order)
    # Varies over a vmap batch: the same arithmetic, traced (NumPy's checks on every example's values).
    dims = _dims_tuple(shape)
    np.unravel_index(concrete(idx).reshape(-1), dims, order=order)
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    idx = _creation.astype(idx, np.intp)
    coords = [None] * len(dims)
    for d in (reversed(range(len(dims))) if order == "C" else range(len(dims))):
        coords[d] = idx % dims[d]
        idx = idx // dims[d]
    return tuple(coords)


def ravel_multi_index(multi_index: Sequence[ArrayLike], dims: Shape, mode: Literal["raise", "wrap", "clip"] = "raise",
                      order: Literal["C", "F"] = "C") -> Array:
    """Flat indices of coordinate arrays ``multi_index`` in an array of shape ``dims``.

    >>> fnp.ravel_multi_index((fnp.array([0, 1]), fnp.array([1, 2])), (2, 3))
    array([1, 5])
    """
    coords = [_batch_traced(i) for i in multi_index]
    if not any(isinstance(c, Tracer) for c in coords):
        return np.ravel_multi_index(tuple(concrete(i) for i in multi_index), dims, mode=mode, order=order)
    # Some vary over a vmap batch: the same arithmetic, traced (NumPy's checks on every example's values).
    dims = _dims_tuple(dims)
    if len(coords) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    modes = (mode,) * len(dims) if isinstance(mode, str) else tuple(mode)
    flat, stride = 0, 1
    for d in (reversed(range(len(dims))) if order == "C" else range(len(dims))):
        c, n = coords[d], dims[d]
        if modes[d] == "raise":
            raw = concrete_value(c, "ravel_multi_index's coordinates with mode='raise'")
            if np.size(raw) and (int(np.min(raw)) < 0 or int(np.max(raw)) >= n):
                raise ValueError("invalid entry in coordinates array")
        elif modes[d] == "wrap":
            c = c % n
        elif modes[d] == "clip":
            c = _elementwise.clip(c, 0, n - 1)
        else:
            raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap', got {modes[d]!r}")
        flat = flat + _creation.astype(c, np.intp) * stride
        stride *= n
    return flat


def ix_(*args: ArrayLike) -> tuple[Array, ...]:
    """Open mesh index arrays (NumPy's ix_) from 1-d sequences: ``x[ix_(rows, cols)]`` picks a submatrix.

    >>> x = fnp.arange(9).reshape(3, 3); x[fnp.ix_([0, 2], [1, 2])]
    array([[1, 2],
           [7, 8]])
    """
    vals = [_batch_traced(a) for a in args]
    if not any(isinstance(v, Tracer) for v in vals):
        return np.ix_(*[concrete(a) for a in args])
    out = []
    for k, v in enumerate(vals):  # some vary over a vmap batch: the same reshapes, traced
        if isinstance(v, Tracer):
            if np.dtype(dtype_of(v)).kind == "b":
                _no_mapped_mask(v, "ix_ of a boolean array")
            if len(shape(v)) != 1:
                raise ValueError("Cross index must be 1 dimensional")
            out.append(_shape.reshape(v, (1,) * k + (-1,) + (1,) * (len(vals) - k - 1)))
        else:
            out.append(np.ix_(*[np.zeros(1, np.intp) if j != k else concrete(a)
                                for j, a in enumerate(args)])[k])
    return tuple(out)
