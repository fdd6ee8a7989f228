"""Set operations on 1-D arrays: isin, union1d, intersect1d, setdiff1d, setxor1d and the Array API's
unique_values / unique_counts / unique_inverse / unique_all.

Each is a sorted candidate array and a mask of the candidates that belong to the result. How many do
depends on the values, so without ``size=`` the mask must be concrete (not under ``jit`` or ``vmap``,
as in JAX); with ``size=`` the result has exactly ``size`` entries, padded with ``fill_value``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple


from ..errors import ConcretizationTypeError, NonConcreteBooleanIndexError
from . import _creation, _elementwise as el, _reductions as red, _shape, _sorting
from ._indexing import _as_array, _as_array_like, at, getitem, take
from ._util import array_module, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["isin", "union1d", "intersect1d", "setdiff1d", "setxor1d", "unique_values", "unique_counts",
           "unique_inverse", "unique_all"]


class UniqueAllResult(NamedTuple):
    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class UniqueCountsResult(NamedTuple):
    values: Array
    counts: Array


class UniqueInverseResult(NamedTuple):
    values: Array
    inverse_indices: Array


def _flat(x: ArrayLike) -> Array:
    return _shape.ravel(_as_array(x))


def _first_of_runs(s: Array) -> Array:
    """True at the first element of each run of equal values in the sorted ``s``."""
    head = _creation.ones_like(s[:1], dtype=bool)
    return _shape.concatenate([head, el.not_equal(s[1:], s[:-1])])


def _compact_order(keep: Array, size: int) -> Array:
    """The positions of the ``keep`` entries first (in order), as ``size`` indices (repeating the last
    position when ``size`` exceeds the length)."""
    order = _sorting.argsort(el.logical_not(keep), stable=True)
    n = shape(keep)[0]
    idx = array_module(keep).minimum(array_module(keep).arange(size), n - 1)
    return take(order, idx)


def _compact(s: Array, keep: Array, size: int | None, fill_value: ArrayLike | None, name: str,
             default_fill: ArrayLike | None = None) -> Array:
    """The ``keep`` entries of ``s``: all of them (a concrete mask), or ``size`` of them padded with
    ``fill_value`` (default: ``default_fill``, else the first result)."""
    if size is None:
        try:
            return getitem(s, keep)
        except (ConcretizationTypeError, NonConcreteBooleanIndexError) as err:
            raise ConcretizationTypeError(
                f"{name}: the number of results depends on the values, which are not concrete here (jit or "
                f"vmap); pass size= (and optionally fill_value=) for a fixed-size result") from err
    if shape(s)[0] == 0:
        fill = 0 if fill_value is None else fill_value
        return _creation.full_like(s, fill, shape=(size,))
    vals = take(s, _compact_order(keep, size))
    fill = fill_value if fill_value is not None else default_fill if default_fill is not None else vals[0]
    count = red.sum(keep)
    return el.where(el.less(array_module(keep).arange(size), count), vals, _creation.astype(_as_array(fill),
                                                                                            dtype_of(s)))


def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False, invert: bool = False, *,
         method: str = "auto") -> Array:
    """True where an element of ``element`` occurs in ``test_elements`` (False with ``invert``).

    >>> fnp.isin(fnp.array([[1, 2], [3, 4]]), [2, 4, 6])
    array([[False,  True],
           [False,  True]])
    """
    e = _as_array(element)
    t = _sorting.sort(_shape.ravel(_as_array_like(test_elements, e)))
    m = shape(t)[0]
    if m == 0:
        found = _creation.zeros_like(e, dtype=bool)
    else:
        idx = el.clip(_sorting.searchsorted(t, e), 0, m - 1)
        found = el.equal(take(t, idx), e)
    return el.logical_not(found) if invert else found


def union1d(ar1: ArrayLike, ar2: ArrayLike, *, size: int | None = None, fill_value: ArrayLike | None = None
            ) -> Array:
    """The sorted unique values in either array.

    >>> fnp.union1d([3, 1, 3], [2, 1])
    array([1, 2, 3])
    >>> fnp.union1d([3, 1, 3], [2, 1], size=5, fill_value=0)
    array([1, 2, 3, 0, 0])
    """
    s = _sorting.sort(_shape.concatenate([_flat(ar1), _flat(ar2)]))
    return _compact(s, _first_of_runs(s), size, fill_value, "union1d")


def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    """The sorted unique values in both arrays; ``return_indices`` adds the index of each one's first
    occurrence in each (flattened) array.

    >>> fnp.intersect1d([3, 1, 3, 2], [2, 3, 7])
    array([2, 3])
    >>> fnp.intersect1d([3, 1, 3, 2], [2, 3, 7], return_indices=True)
    (array([2, 3]), array([3, 0]), array([0, 1]))
    """
    a, b = _flat(ar1), _flat(ar2)
    perm_a = _sorting.argsort(a, stable=True)
    s = take(a, perm_a)
    keep = el.logical_and(_first_of_runs(s), isin(s, b))
    values = _compact(s, keep, size, fill_value, "intersect1d")
    if not return_indices:
        return values
    ind1 = _compact(perm_a, keep, size, shape(a)[0], "intersect1d")
    perm_b = _sorting.argsort(b, stable=True)
    sb = take(b, perm_b)
    pos = el.clip(_sorting.searchsorted(sb, values), 0, max(shape(b)[0] - 1, 0))
    ind2 = take(perm_b, pos) if shape(b)[0] else _creation.zeros_like(ind1)
    if size is not None:
        ind2 = el.where(el.less(array_module(keep).arange(size), red.sum(keep)), ind2, shape(b)[0])
    return values, ind1, ind2


def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *, size: int | None = None,
              fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values of ``ar1`` not in ``ar2`` (with ``assume_unique``, ``ar1``'s order is kept).

    >>> fnp.setdiff1d([5, 1, 3, 1], [3, 4])
    array([1, 5])
    """
    a = _flat(ar1)
    if assume_unique:
        return _compact(a, isin(a, ar2, invert=True), size, fill_value, "setdiff1d", default_fill=0)
    s = _sorting.sort(a)
    keep = el.logical_and(_first_of_runs(s), isin(s, ar2, invert=True))
    return _compact(s, keep, size, fill_value, "setdiff1d", default_fill=0)


def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, *, size: int | None = None,
             fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values in exactly one of the arrays.

    >>> fnp.setxor1d([1, 2, 2, 3], [3, 4])
    array([1, 2, 4])
    """
    a, b = _flat(ar1), _flat(ar2)
    s = _sorting.sort(_shape.concatenate([a, b]))
    keep = el.logical_and(_first_of_runs(s), el.not_equal(isin(s, a), isin(s, b)))
    return _compact(s, keep, size, fill_value, "setxor1d")


def _unique_sized(x: Array, size: int, fill_value: ArrayLike | None) -> tuple[Array, Array, Array, Array]:
    """(values, first indices, inverse, counts) of the flattened ``x``, padded to ``size``, from one
    stable sort: jit- and vmap-friendly."""
    xf = _shape.ravel(x)
    xp = array_module(xf)
    perm = _sorting.argsort(xf, stable=True)
    s = take(xf, perm)
    keep = _first_of_runs(s)
    group = red.cumsum(keep) - 1
    inverse = _shape.reshape(at(_creation.zeros_like(perm))[perm].set(group), shape(x))
    values = _compact(s, keep, size, fill_value, "unique")
    order = _compact_order(keep, size)
    first = take(perm, order)
    valid = el.less(xp.arange(size), red.sum(keep))
    indices = el.where(valid, first, first[0])
    in_range = el.less(group, size)
    counts = at(_creation.zeros_like(perm, shape=(size,)))[el.clip(group, 0, size - 1)].add(
        _creation.astype(in_range, dtype_of(perm)))
    return values, indices, inverse, counts


def _unique_parts(x: ArrayLike, size: int | None, fill_value: ArrayLike | None) -> tuple[Array, ...]:
    x = _as_array(x)
    if size is not None:
        return _unique_sized(x, size, fill_value)
    try:
        values, indices, inverse, counts = _sorting.unique(x, return_index=True, return_inverse=True,
                                                           return_counts=True)
    except ConcretizationTypeError as err:
        raise ConcretizationTypeError("unique: the number of unique values depends on the values, which are "
                                      "not concrete here (jit); pass size= (and optionally fill_value=)") from err
    return values, indices, _shape.reshape(inverse, shape(x)), counts


def unique_values(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None) -> Array:
    """The sorted unique values of ``x`` (flattened); ``size`` pads them with ``fill_value`` (default:
    the smallest).

    >>> fnp.unique_values(fnp.array([3, 1, 3, 2]))
    array([1, 2, 3])
    >>> fnp.unique_values(fnp.array([3, 1, 3, 2]), size=5)
    array([1, 2, 3, 1, 1])
    """
    if size is None:
        return _unique_parts(x, None, None)[0]
    return _unique_sized(_as_array(x), size, fill_value)[0]


def unique_counts(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
                  ) -> UniqueCountsResult:
    """``(values, counts)``: the sorted unique values of ``x`` and how often each occurs.

    >>> fnp.unique_counts(fnp.array([3, 1, 3, 2]))
    UniqueCountsResult(values=array([1, 2, 3]), counts=array([1, 1, 2]))
    """
    values, _, _, counts = _unique_parts(x, size, fill_value)
    return UniqueCountsResult(values, counts)


def unique_inverse(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
                   ) -> UniqueInverseResult:
    """``(values, inverse_indices)``: the sorted unique values, and for each element of ``x`` (in
    ``x``'s shape) the index of its value.

    >>> fnp.unique_inverse(fnp.array([3, 1, 3, 2]))
    UniqueInverseResult(values=array([1, 2, 3]), inverse_indices=array([2, 0, 2, 1]))
    """
    values, _, inverse, _ = _unique_parts(x, size, fill_value)
    return UniqueInverseResult(values, inverse)


def unique_all(x: ArrayLike, /, *, size: int | None = None, fill_value: ArrayLike | None = None
               ) -> UniqueAllResult:
    """``(values, indices, inverse_indices, counts)``: ``unique_inverse`` and ``unique_counts`` together,
    with the index of each value's first occurrence in the flattened ``x``.

    >>> fnp.unique_all(fnp.array([3, 1, 3, 2])).indices
    array([1, 3, 0])
    """
    return UniqueAllResult(*_unique_parts(x, size, fill_value))
