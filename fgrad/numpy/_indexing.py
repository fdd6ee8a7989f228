"""Indexing and functional indexed updates.

``getitem`` is one primitive for every kind of NumPy index. Its VJP scatters the
cotangent back into zeros with ``index_add``; ``index_add`` and ``index_set`` are
the two primitives behind ``fnp.at(x)[idx].add(v)`` / ``.set(v)`` (``x.at[idx]`` on
a traced value). Each of the three is the others' derivative, so every order of
derivative stays inside this module.

An index is normalised once, at the API boundary, into an ``Index``: Ellipsis
expanded, integers checked against the shape, lists and traced index arrays turned
into raw arrays on ``x``'s device (indices carry no derivative).
"""
import numpy as np

from .. import backend
from ..core import Tracer, concrete
from ._util import array_module, defprim, dtype as dtype_of, shape, unbroadcast

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
    arrays on the indexed array's device; Ellipsis is already expanded.
    ``unique`` is True when no element of the array is selected twice (there is
    no integer array, or the caller guarantees it, as sort does for its
    permutations): then scatters may use plain ``+=`` instead of ``add.at``.
    """

    __slots__ = ("items", "unique")

    def __init__(self, items, unique):
        self.items = items
        self.unique = unique

    def __repr__(self):
        return f"Index({self.items!r}, unique={self.unique})"

    def scatter_items(self):
        """The index with boolean masks spelled as integer arrays (for scatter-add)."""
        out = []
        for e in self.items:
            if _is_array(e) and e.dtype.kind == "b" and e.ndim:
                out.extend(e.nonzero())
            else:
                out.append(e)
        return tuple(out)


def _is_array(e):
    return hasattr(e, "dtype") and hasattr(e, "shape")


def _lowest_nested(seq):
    return [_lowest_nested(v) if isinstance(v, (list, tuple)) else concrete(v) for v in seq]


def _slice_bound(v):
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


def _consumed(e):
    if e is None or e is Ellipsis:
        return 0
    if _is_array(e) and e.dtype.kind == "b":
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
        entries[k:k + 1] = [slice(None)] * (nd - used)
    has_int_array = False
    axis = 0
    for e in entries:
        if isinstance(e, int):
            n = xshape[axis]
            if not -n <= e < n:
                raise IndexError(f"index {e} is out of bounds for axis {axis} with size {n}")
        elif _is_array(e) and e.dtype.kind == "b":
            want = tuple(xshape[axis:axis + e.ndim])
            if tuple(e.shape) != want:
                raise IndexError(f"boolean index of shape {tuple(e.shape)} does not match the indexed array: "
                                 f"axes {axis}..{axis + e.ndim - 1} of the array's shape {xshape} are {want}")
        elif _is_array(e):
            has_int_array = True
            if xp is not np and e.size:
                # CuPy wraps out-of-range indices silently; NumPy raises. Raise like NumPy.
                n = xshape[axis]
                lo, hi = int(e.min()), int(e.max())
                if hi >= n or lo < -n:
                    raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for axis {axis} with size {n}")
        axis += _consumed(e)
    return Index(tuple(entries), unique or not has_int_array)


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

def _getitem_impl(x, index):
    return x[index.items]


def _index_add_impl(x, v, index):
    xp = array_module(x, v)
    out = _fresh_copy(x, xp)
    v = xp.asarray(v, dtype=out.dtype)
    if index.unique:
        out[index.items] += v
    else:
        backend.scatter_add(out, index.scatter_items(), v)
    return out


def _index_set_impl(x, v, index):
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
        from . import reshape
        g_sub = reshape(g_sub, (1,) * (len(vshape) - len(gshape)) + tuple(gshape))
    ct = unbroadcast(g_sub, v)
    if _is_array(concrete(v)) and np.issubdtype(dtype_of(v), np.inexact) and dtype_of(ct) != dtype_of(v):
        from . import astype
        ct = astype(ct, dtype_of(v))
    return ct


def _scatter(g, x, index):
    """Cotangent of ``x`` from the cotangent ``g`` of ``x[index]``: ``g`` added into zeros."""
    from . import broadcast_to, zeros_like
    # A broadcast zero: index_add's one copy is then the only full-size allocation.
    zeros = broadcast_to(zeros_like(x, shape=()), shape(x))
    return _index_add.bind(zeros, g, index=index)


def _set_values_vjp(g, ans, x, v, index):
    g_sub = _getitem.bind(g, index=index)
    if not index.unique:
        from . import where
        win, _ = _last_writes(shape(x), index, array_module(x))
        g_sub = where(win, g_sub, 0.0)  # values overwritten by a later repeat had no effect
    return _fit(g_sub, v)


def _zeros_like(x):
    from . import zeros_like
    return zeros_like(x)


_getitem = defprim("getitem", _getitem_impl,
                   vjp=(lambda g, ans, x, index: _scatter(g, x, index),),
                   jvp=(lambda t, ans, x, index: _getitem.bind(t, index=index),))
_index_add = defprim("index_add", _index_add_impl,
                     vjp=(lambda g, ans, x, v, index: g,
                          lambda g, ans, x, v, index: _fit(_getitem.bind(g, index=index), v)),
                     jvp=(lambda t, ans, x, v, index: t,
                          lambda t, ans, x, v, index: _index_add.bind(_zeros_like(ans), t, index=index)))
# Positions being overwritten pass no derivative back to x.
_index_set = defprim("index_set", _index_set_impl,
                     vjp=(lambda g, ans, x, v, index: _index_set.bind(g, 0.0, index=index), _set_values_vjp),
                     jvp=(lambda t, ans, x, v, index: _index_set.bind(t, 0.0, index=index),
                          lambda t, ans, x, v, index: _index_set.bind(_zeros_like(ans), t, index=index)))


def _as_array(x):
    if isinstance(x, Tracer) or _is_array(x):
        return x
    from . import asarray
    return asarray(x)


def getitem(x, index):
    """``x[index]`` for any NumPy index, differentiable in ``x`` (indices carry no derivative).

    Traced values use it as ``__getitem__``. Integer arrays may repeat; their
    cotangents accumulate.

    >>> fgrad.grad(lambda x: fnp.sum(x[[0, 0, 2]]))(np.ones(3))
    array([2., 0., 1.])
    """
    x = _as_array(x)
    if not isinstance(x, Tracer) and _is_plain(index):
        return x[index]  # nothing to trace or convert; NumPy/CuPy check the bounds themselves
    return _getitem.bind(x, index=normalize_index(x, index))


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
    """

    __slots__ = ("_x", "_index")

    def __init__(self, x, index):
        self._x = x
        self._index = normalize_index(x, index)

    def __repr__(self):
        return f"_IndexUpdateRef({self._index!r})"

    def get(self):
        """``x[index]``."""
        return _getitem.bind(self._x, index=self._index)

    def set(self, values):
        """A copy of ``x`` with ``x[index] = values``."""
        return _index_set.bind(self._x, _values(values), index=self._index)

    def add(self, values):
        """A copy of ``x`` with ``values`` added at ``index`` (repeats accumulate)."""
        return _index_add.bind(self._x, _values(values), index=self._index)

    def subtract(self, values):
        from . import negative
        return self.add(negative(_values(values)))

    def multiply(self, values):
        return self.set(self.get() * _values(values))

    def divide(self, values):
        return self.set(self.get() / _values(values))

    def power(self, values):
        return self.set(self.get() ** _values(values))

    def min(self, values):
        from . import minimum
        return self.set(minimum(self.get(), _values(values)))

    def max(self, values):
        from . import maximum
        return self.set(maximum(self.get(), _values(values)))


def _values(v):
    return _as_array(v) if isinstance(v, (list, tuple)) else v


class _IndexUpdateHelper:
    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def __getitem__(self, index):
        return _IndexUpdateRef(self._x, index)

    def __repr__(self):
        return "_IndexUpdateHelper"


def at(x):
    """Functional indexed updates: ``fnp.at(x)[idx].set(v)`` returns a new array (``x`` is unchanged).

    On traced values the same object is the property ``x.at``. Methods: ``get``,
    ``set``, ``add``, ``subtract``, ``multiply``, ``divide``, ``power``, ``min``,
    ``max``; ``add`` accumulates repeated indices, ``set`` keeps the last repeat
    (see ``_IndexUpdateRef`` for the others).

    >>> fnp.at(np.zeros(3))[[0, 0, 2]].add(1.0)
    array([2., 0., 1.])
    """
    return _IndexUpdateHelper(_as_array(x))


# ------------------------------------------------------------------ composites

def _axis(axis, nd, name):
    from ._shape import _norm_axes
    return _norm_axes(axis, nd, name)[0]


def _index_array(indices, x, name):
    """Raw integer index array on ``x``'s device."""
    idx = concrete(indices)
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


def take(a, indices, axis=None, out=None, mode="raise"):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened array when None).

    ``mode``: 'raise' (negative indices count from the end), 'wrap' or 'clip'.

    >>> fnp.take(np.array([[1., 2.], [3., 4.]]), [1, 0], axis=1)
    array([[2., 1.], [4., 3.]])
    """
    _no_out(out, "take")
    a = _as_array(a)
    if axis is None:
        from . import ravel
        a, axis = ravel(a), 0
    else:
        axis = _axis(axis, len(shape(a)), "take")
    idx = _index_array(indices, a, "take")
    n = shape(a)[axis]
    if mode in ("wrap", "clip"):
        if n == 0 and idx.size:
            raise IndexError("take: cannot do a non-empty take from an empty axis")
        idx = idx % n if mode == "wrap" else idx.clip(0, n - 1)
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
    return _getitem.bind(arr, index=Index(fancy, True) if trusted else normalize_index(arr, fancy))


def scatter_along_axis(values, idx, axis, like):
    """Zeros shaped like ``like`` with ``values`` put at the trusted permutation ``idx`` along ``axis``."""
    from . import broadcast_to, zeros_like
    zeros = broadcast_to(zeros_like(like, shape=()), shape(like))
    return _index_set.bind(zeros, values, index=Index(along_axis_index(shape(like), idx, axis, "scatter"), True))


def take_along_axis(arr, indices, axis=-1):
    """``arr`` picked at ``indices`` along ``axis`` (NumPy's take_along_axis).

    >>> fnp.take_along_axis(np.array([[3., 1.]]), np.array([[1, 0]]), axis=1)
    array([[1., 3.]])
    """
    arr = _as_array(arr)
    idx = _index_array(indices, arr, "take_along_axis")
    if axis is None:
        from . import ravel
        if idx.ndim != 1:
            raise ValueError("take_along_axis: when axis=None, `indices` must have a single dimension")
        return gather_along_axis(ravel(arr), idx, 0)
    return gather_along_axis(arr, idx, _axis(axis, len(shape(arr)), "take_along_axis"))


def put_along_axis(arr, indices, values, axis):
    """A copy of ``arr`` with ``values`` put at ``indices`` along ``axis`` (functional).

    Unlike NumPy's, it returns the result and leaves ``arr`` unchanged. Repeated
    indices keep the last value.
    """
    arr = _as_array(arr)
    idx = _index_array(indices, arr, "put_along_axis")
    if axis is None:
        from . import ravel, reshape
        if idx.ndim != 1:
            raise ValueError("put_along_axis: when axis=None, `indices` must have a single dimension")
        return reshape(at(ravel(arr))[idx].set(values), shape(arr))
    axis = _axis(axis, len(shape(arr)), "put_along_axis")
    return at(arr)[along_axis_index(shape(arr), idx, axis, "put_along_axis")].set(values)


def compress(condition, a, axis=None, out=None):
    """The slices of ``a`` along ``axis`` where the 1-d ``condition`` is true."""
    _no_out(out, "compress")
    a = _as_array(a)
    cond = array_module(a).asarray(concrete(condition) if not isinstance(condition, (list, tuple))
                                   else np.asarray(_lowest_nested(condition)))
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {tuple(cond.shape)}")
    return take(a, cond.nonzero()[0], axis=axis)


def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` is nonzero, flattened."""
    from . import ravel
    arr = _as_array(arr)
    cond = array_module(arr).asarray(concrete(condition) if not isinstance(condition, (list, tuple))
                                     else np.asarray(_lowest_nested(condition)))
    return take(ravel(arr), cond.reshape(-1).nonzero()[0])


def choose(a, choices, out=None, mode="raise"):
    """``choices[a[i]][i]`` for each ``i`` (broadcasting); differentiable in ``choices``."""
    from . import broadcast_to, where
    _no_out(out, "choose")
    choices = [_as_array(c) for c in (list(choices) if isinstance(choices, (list, tuple))
                                      else [choices[i] for i in range(len(choices))])]
    if not choices:
        raise ValueError("choose: choices must not be empty")
    xp = array_module(*choices)
    idx = xp.asarray(concrete(a) if not isinstance(a, (list, tuple)) else np.asarray(_lowest_nested(a)))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"choose: a must be an integer array, got dtype {idx.dtype}")
    n = len(choices)
    if mode == "raise":
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise ValueError(f"choose: invalid entry in choice array (entries must be in [0, {n}))")
    elif mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = idx.clip(0, n - 1)
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    full = np.broadcast_shapes(tuple(idx.shape), *[shape(c) for c in choices])
    out = broadcast_to(choices[0], full)
    for k in range(1, n):
        out = where(idx == k, choices[k], out)
    return out


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, else ``default``."""
    from . import where
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    xp = array_module(*choicelist, default)
    conds = []
    for i, c in enumerate(condlist):
        c = concrete(c)
        if not (_is_array(c) and c.dtype.kind == "b") and not isinstance(c, (bool, np.bool_)):
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray")
        conds.append(xp.asarray(c))
    out = _as_array(default)
    for c, v in zip(reversed(conds), reversed(list(choicelist))):
        out = where(c, v, out)
    from . import broadcast_to
    full = np.broadcast_shapes(*[shape(c) for c in conds], *[shape(v) for v in choicelist], shape(default))
    return broadcast_to(out, full)


_nonzero = defprim("nonzero", lambda x: tuple(x.nonzero()), nondiff=True)


def nonzero(a):
    """Indices of the nonzero elements, one array per axis (no derivative)."""
    a = _as_array(a)
    if not shape(a):
        raise ValueError("nonzero: calling nonzero on 0d arrays is not allowed; use fnp.atleast_1d(a) first")
    return _nonzero.bind(a)


def flatnonzero(a):
    """Indices of the nonzero elements of the flattened ``a``."""
    a = concrete(_as_array(a))
    return a.reshape(-1).nonzero()[0]


def argwhere(a):
    """Indices of the nonzero elements, one row per element (NumPy's argwhere)."""
    a = concrete(_as_array(a))
    xp = array_module(a)
    if a.ndim == 0:
        return xp.zeros((int(bool(a)), 0), dtype=np.intp)
    return xp.stack(a.nonzero(), axis=1)


# Index-producing helpers: no array argument to differentiate, NumPy's behaviour as is.

def diag_indices(n, ndim=2):
    return np.diag_indices(n, ndim)


def diag_indices_from(arr):
    return np.diag_indices_from(np.empty(shape(arr), dtype=np.int8))


def tril_indices(n, k=0, m=None):
    return np.tril_indices(n, k, m)


def tril_indices_from(arr, k=0):
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"tril_indices_from: input array must be 2-d, got shape {s}")
    return np.tril_indices(s[0], k, s[1])


def triu_indices(n, k=0, m=None):
    return np.triu_indices(n, k, m)


def triu_indices_from(arr, k=0):
    s = shape(arr)
    if len(s) != 2:
        raise ValueError(f"triu_indices_from: input array must be 2-d, got shape {s}")
    return np.triu_indices(s[0], k, s[1])


def indices(dimensions, dtype=int, sparse=False):
    return np.indices(dimensions, dtype=dtype, sparse=sparse)


def unravel_index(indices, shape, order="C"):
    """Coordinate arrays of flat ``indices`` in an array of ``shape`` (on the indices' device)."""
    return np.unravel_index(concrete(indices), shape, order=order)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of coordinate arrays ``multi_index`` in an array of shape ``dims``."""
    return np.ravel_multi_index(tuple(concrete(i) for i in multi_index), dims, mode=mode, order=order)


def ix_(*args):
    """Open mesh index arrays (NumPy's ix_) from 1-d sequences."""
    return np.ix_(*[concrete(a) for a in args])
