"""Shape operations: each moves or copies elements, so its derivative moves them back."""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend, batching
from ..core import Tracer, concrete
from . import _creation, _elementwise
from ._util import array_module, defprim, dtype, shape

if TYPE_CHECKING:
    from ..core import Primitive
    from ..typing import Array, ArrayLike, Axis, DTypeLike, Shape

__all__ = ["reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "ravel",
           "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "atleast_1d", "atleast_2d",
           "atleast_3d", "split", "array_split", "hsplit", "vsplit", "dsplit", "moveaxis", "swapaxes", "flip",
           "fliplr", "flipud", "roll", "rot90", "repeat", "tile", "broadcast_arrays", "meshgrid", "pad"]


def _normalize_shape(newshape, size):
    if isinstance(newshape, (int, np.integer)):
        newshape = (int(newshape),)
    newshape = tuple(int(n) for n in newshape)
    if newshape.count(-1) > 1:
        raise ValueError(f"reshape: can only specify one unknown dimension, got {newshape}")
    if -1 in newshape:
        known = math.prod(n for n in newshape if n != -1)
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {newshape}")
        newshape = tuple(size // known if n == -1 else n for n in newshape)
    if math.prod(newshape) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {newshape}")
    return newshape


# ------------------------------------------------------------------ batching rules
# Each keeps the batch axis where it is when the primitive's params can simply skip over it
# (flip, split, repeat, pad; broadcast_to shifts it by the added rank); the others move it first.

def _example_axis(axis, d):
    """A (non-negative) per-example axis as an axis of the batched array, whose batch axis is ``d``."""
    return axis + (axis >= d)


def _reshape_batch(prim, args, dims, params):
    x = batching.to_front(args[0], dims[0])
    return prim.bind(x, shape=shape(x)[:1] + tuple(params["shape"])), 0


def _broadcast_batch(prim, args, dims, params):
    # Broadcasting aligns axes from the right, so the batch axis d of an example of rank r lands on
    # axis d + (R - r) of the rank-R target: no transpose, no reshape.
    x, d = args[0], dims[0]
    s, target = shape(x), tuple(params["shape"])
    out_d = d + len(target) - (len(s) - 1)
    return prim.bind(x, shape=target[:out_d] + (s[d],) + target[out_d:]), out_d


def _transpose_batch(prim, args, dims, params):
    d = dims[0]
    return prim.bind(args[0], axes=(d,) + tuple(_example_axis(a, d) for a in params["axes"])), 0


def _split_batch(prim, args, dims, params):
    d = dims[0]
    outs = prim.bind(args[0], indices=params["indices"], axis=_example_axis(params["axis"], d))
    return outs, (d,) * len(outs)


def _concatenate_batch(prim, args, dims, params):
    """Batch first; a piece that is not mapped is broadcast along the batch (one copy per example)."""
    size = batching.axis_size(args, dims)
    pieces = []
    for x, d in zip(args, dims):
        if d is None:
            s = shape(x)
            x = _broadcast_to.bind(batching.reshape(x, (1,) + s), shape=(size,) + s)
        else:
            x = batching.to_front(x, d)
        pieces.append(x)
    return prim.bind(*pieces, axis=params["axis"] + 1), 0


def _flip_batch(prim, args, dims, params):
    d = dims[0]
    return prim.bind(args[0], axes=tuple(_example_axis(a, d) for a in params["axes"])), d


def _repeat_batch(prim, args, dims, params):
    d = dims[0]
    return prim.bind(args[0], **dict(params, axis=_example_axis(params["axis"], d))), d


def _pad_batch(prim, args, dims, params):
    d = dims[0]
    widths = tuple(params["pad_width"])
    values = params["constant_values"]
    if isinstance(values, tuple):  # one (before, after) pair per axis: the batch axis gets a dummy
        values = values[:d] + ((0, 0),) + values[d:]
    return prim.bind(args[0], pad_width=widths[:d] + ((0, 0),) + widths[d:], constant_values=values), d


def _static(value, what):
    """The raw value of a parameter that decides shapes (split points, repeat counts, shifts, pad
    widths). Under ``vmap`` such a parameter can't differ between examples."""
    if isinstance(value, Tracer) and shape(value) != np.shape(concrete(value)):
        raise batching.ConcretizationTypeError(f"vmap: {what} decides the shape or layout of the result, so it can't be batched "
                         f"(it must be the same for every example)")
    return concrete(value)


_reshape = defprim("reshape", lambda x, shape: np.reshape(x, shape),
                   vjp=(lambda g, ans, x, shape: reshape(g, np.shape(x)),),
                   jvp=(lambda t, ans, x, shape: reshape(t, shape),), linear=True, batch=_reshape_batch)


def reshape(a: ArrayLike, shape: Shape | int | None = None, order: str = "C", *,
            newshape: Shape | int | None = None) -> Array:
    """``a`` with a new shape of the same size (C order only); ``-1`` infers one dimension.

    ``newshape`` is NumPy's older name for ``shape``.

    >>> fnp.reshape(fnp.arange(6), (2, -1))
    array([[0, 1, 2],
           [3, 4, 5]])
    """
    if order != "C":
        raise NotImplementedError("reshape: only order='C' is supported")
    if shape is None:
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    s = np.shape(a) if not hasattr(a, "shape") else a.shape
    target = _normalize_shape(shape, math.prod(s))
    if tuple(s) == target:
        return a
    return _reshape.bind(a, shape=target)


def ravel(a: ArrayLike, order: str = "C") -> Array:
    """``a`` flattened to one dimension, in C order.

    >>> fnp.ravel(fnp.array([[1, 2], [3, 4]]))
    array([1, 2, 3, 4])
    """
    return reshape(a, (-1,), order)


def _broadcast_impl(x, shape):
    return np.broadcast_to(x, shape)


def _check_broadcast(s, target):
    if len(target) < len(s) or any(a != 1 and a != b for a, b in zip(s[::-1], target[::-1])):
        raise ValueError(f"operands could not be broadcast together: cannot broadcast shape {tuple(s)} "
                         f"to shape {tuple(target)}")


def _unbroadcast(g, x):
    return _elementwise.unbroadcast(g, x)


_broadcast_to = defprim("broadcast_to", _broadcast_impl,
                        vjp=(lambda g, ans, x, shape: _unbroadcast(g, x),),
                        jvp=(lambda t, ans, x, shape: broadcast_to(t, shape),), linear=True,
                        batch=_broadcast_batch)


def broadcast_to(array: ArrayLike, shape: Shape | int) -> Array:
    """``array`` broadcast to ``shape``, differentiable (its VJP sums the copies back).

    >>> fnp.broadcast_to(fnp.array([1, 2, 3]), (2, 3))
    array([[1, 2, 3],
           [1, 2, 3]])
    >>> fgrad.grad(lambda x: fnp.sum(fnp.broadcast_to(x, (4, 2))))(fnp.array([1.0, 2.0]))
    array([4., 4.])
    """
    target = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    s = tuple(np.shape(array) if not hasattr(array, "shape") else array.shape)
    if s == target:
        return array
    _check_broadcast(s, target)
    return _broadcast_to.bind(array, shape=target)


def _inverse_perm(axes):
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


_transpose = defprim("transpose", lambda x, axes: np.transpose(x, axes),
                     vjp=(lambda g, ans, x, axes: transpose(g, _inverse_perm(axes)),),
                     jvp=(lambda t, ans, x, axes: transpose(t, axes),), linear=True, batch=_transpose_batch)


def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """``a`` with its axes permuted by ``axes`` (reversed when None).

    >>> fnp.transpose(fnp.array([[1, 2, 3]]))
    array([[1],
           [2],
           [3]])
    >>> fnp.transpose(fnp.zeros((2, 3, 4)), (1, 2, 0)).shape
    (3, 4, 2)
    """
    nd = len(shape(a))
    if axes is None:
        axes = tuple(range(nd - 1, -1, -1))
    else:
        axes = tuple(int(ax) for ax in axes)
        if sorted(ax % nd if nd else ax for ax in axes) != list(range(nd)):
            raise ValueError(f"transpose: axes {axes} don't match an array of {nd} dimensions")
        axes = tuple(ax % nd for ax in axes)
    if axes == tuple(range(nd)):
        return a
    return _transpose.bind(a, axes=axes)


def _norm_axes(axis, nd, name):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(f"{name}: axis {ax} is out of bounds for array of dimension {nd}")
        out.append(int(ax) % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis}")
    return tuple(out)


def expand_dims(a: ArrayLike, axis: int | Sequence[int]) -> Array:
    """``a`` with a new axis of length 1 at each position in ``axis``.

    >>> fnp.expand_dims(fnp.array([1, 2]), 0)
    array([[1, 2]])
    >>> fnp.expand_dims(fnp.zeros((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    s = shape(a)
    axes = _norm_axes(axis, len(s) + (1 if isinstance(axis, (int, np.integer)) else len(axis)), "expand_dims")
    it = iter(s)
    new = tuple(1 if i in axes else next(it) for i in range(len(s) + len(axes)))
    return reshape(a, new)


def squeeze(a: ArrayLike, axis: Axis = None) -> Array:
    """``a`` without its length-1 axes (only those in ``axis`` if given; they must have length 1).

    >>> fnp.squeeze(fnp.zeros((1, 3, 1))).shape
    (3,)
    >>> fnp.squeeze(fnp.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    s = shape(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(s) if n == 1)
    else:
        axes = _norm_axes(axis, len(s), "squeeze")
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size not equal "
                                 f"to one (axis {ax} of shape {s})")
    return reshape(a, tuple(n for i, n in enumerate(s) if i not in axes))


# ------------------------------------------------------------------ helpers

def _asarray(x):
    """Traced values and arrays pass through; lists and Python scalars become NumPy arrays."""
    if isinstance(x, Tracer) or hasattr(x, "shape"):
        return x
    return np.asarray(x)


def _axis(axis, nd, name):
    """One axis, made non-negative; AxisError when out of range (as NumPy)."""
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}")
    return _norm_axes(axis, nd, name)[0]


def _replace(s, axis, n):
    return s[:axis] + (n,) + s[axis + 1:]


def _slice(x, start, stop, axis):
    """``x[..., start:stop, ...]`` along ``axis`` (0 <= start <= stop <= n): a split piece."""
    n = shape(x)[axis]
    if start == 0 and stop == n:
        return x
    if start == 0:
        return _split.bind(x, indices=(stop,), axis=axis)[0]
    if stop == n:
        return _split.bind(x, indices=(start,), axis=axis)[1]
    return _split.bind(x, indices=(start, stop), axis=axis)[1]


def _cast_like(v, like):
    """``v`` in ``like``'s floating dtype (mixed-dtype concatenations hand back wider cotangents; a real
    operand's is the real part of a complex one, as JAX transposes a real -> complex promotion)."""
    want, have = dtype(like), dtype(v)
    if want == have or not (backend.is_inexact(want) and backend.is_inexact(have)):
        return v
    return _creation.cotangent_as(v, want)


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: fgrad arrays are immutable, so out= is not supported; use the return value")


# ------------------------------------------------------------------ split / concatenate (each other's transpose)

def _split_impl(x, indices, axis):
    return tuple(np.split(x, list(indices), axis=axis))


_split: Primitive = defprim("split", _split_impl, multiple_results=True, linear=True,
                 vjp=(lambda g, ans, x, indices, axis: _concatenate.bind(*g, axis=axis),),
                 jvp=(lambda t, ans, x, indices, axis: _split.bind(t, indices=indices, axis=axis),),
                 batch=_split_batch)


def _offsets(args, argnum, axis):
    before = sum(shape(a)[axis] for a in args[:argnum])
    return before, before + shape(args[argnum])[axis]


def _concatenate_vjp(argnum, g, ans, *args, axis):
    x = args[argnum]
    if not np.issubdtype(dtype(x), np.inexact):
        return None
    start, stop = _offsets(args, argnum, axis)
    return _cast_like(_slice(g, start, stop, axis), x)


def _concatenate_jvp(argnum, t, ans, *args, axis):
    start, stop = _offsets(args, argnum, axis)
    widths = tuple((start, shape(ans)[axis] - stop) if i == axis else (0, 0) for i in range(len(shape(ans))))
    return _cast_like(_pad.bind(t, pad_width=widths, constant_values=0), ans)


_concatenate: Primitive = defprim("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
                       vjp=_concatenate_vjp, jvp=_concatenate_jvp, linear=True, batch=_concatenate_batch)


def _sequence(arrays):
    """The arrays of a concatenate/stack argument, lists converted on the others' device."""
    if isinstance(arrays, Tracer):  # a traced array is a sequence of its rows
        n = shape(arrays)[0] if shape(arrays) else 0
        arrays = [] if n == 0 else [reshape(p, shape(p)[1:]) for p in _split.bind(
            arrays, indices=tuple(range(1, n)), axis=0)]
    else:
        arrays = list(arrays)
    is_array = [isinstance(a, Tracer) or hasattr(a, "shape") for a in arrays]
    if not all(is_array):
        xp = array_module(*[a for a, ok in zip(arrays, is_array) if ok])
        arrays = [a if ok else xp.asarray(a) for a, ok in zip(arrays, is_array)]
    return arrays


def _check_casting(arrays, dtype_, casting, name):
    target = np.dtype(dtype_) if dtype_ is not None else np.result_type(*[dtype(a) for a in arrays])
    for a in arrays:
        if not np.can_cast(dtype(a), target, casting):
            raise TypeError(f"{name}: Cannot cast array data from {dtype(a)!r} to {target!r} "
                            f"according to the rule {casting!r}")
    if dtype_ is None:
        return arrays
    return [_creation.astype(a, target) for a in arrays]


def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0, out: None = None, *,
                dtype: DTypeLike | None = None, casting: str = "same_kind") -> Array:
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    >>> fnp.concatenate([fnp.array([[1, 2]]), fnp.array([[3, 4], [5, 6]])])
    array([[1, 2],
           [3, 4],
           [5, 6]])
    >>> fnp.concatenate([fnp.ones((2, 3)), fnp.zeros((2, 1))], axis=1).shape
    (2, 4)
    """
    _no_out(out, "concatenate")
    arrays = _sequence(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if dtype is not None or casting != "same_kind":
        arrays = _check_casting(arrays, dtype, casting, "concatenate")
    shapes = [shape(a) for a in arrays]
    if any(len(s) == 0 for s in shapes):
        raise ValueError(f"concatenate: zero-dimensional arrays cannot be concatenated (shapes {shapes})")
    nd = len(shapes[0])
    ax = _axis(axis, nd, "concatenate")
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != nd:
            raise ValueError(
                f"concatenate: all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {nd} dimension(s) and the array at index {i} has {len(s)} dimension(s) "
                f"(shapes {shapes[0]} and {s})")
        for d in range(nd):
            if d != ax and s[d] != shapes[0][d]:
                raise ValueError(
                    f"concatenate: all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size {shapes[0][d]} "
                    f"and the array at index {i} has size {s[d]} (shapes {shapes[0]} and {s})")
    if len(arrays) == 1:
        return arrays[0]
    return _concatenate.bind(*arrays, axis=ax)


def stack(arrays: Sequence[ArrayLike], axis: int = 0, out: None = None, *, dtype: DTypeLike | None = None,
          casting: str = "same_kind") -> Array:
    """Join equally shaped arrays along a new axis.

    >>> fnp.stack([fnp.array([1, 2]), fnp.array([3, 4])])
    array([[1, 2],
           [3, 4]])
    >>> fnp.stack([fnp.ones(3), fnp.zeros(3)], axis=1).shape
    (3, 2)
    """
    _no_out(out, "stack")
    arrays = _sequence(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = [shape(a) for a in arrays]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"stack: all input arrays must have the same shape, got shapes "
                         f"{sorted(set(shapes), key=shapes.index)}")
    ax = _axis(axis, len(shapes[0]) + 1, "stack")
    s = shapes[0]
    new = s[:ax] + (1,) + s[ax:]
    return concatenate([_reshape.bind(a, shape=new) for a in arrays], ax, dtype=dtype, casting=casting)


def _atleast(n, arys):
    out = []
    for a in arys:
        a = _asarray(a)
        s = shape(a)
        if len(s) < n:
            if n == 3:
                s = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
            else:
                s = (1,) * (n - len(s)) + s
            a = reshape(a, s)
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: ArrayLike) -> Array | list[Array]:
    """Each input viewed with at least one dimension (one array in, one array out; several: a list).

    >>> fnp.atleast_1d(5.0)
    array([5.])
    """
    return _atleast(1, arys)


def atleast_2d(*arys: ArrayLike) -> Array | list[Array]:
    """Each input viewed with at least two dimensions: (n,) becomes (1, n).

    >>> fnp.atleast_2d(fnp.array([1, 2]))
    array([[1, 2]])
    """
    return _atleast(2, arys)


def atleast_3d(*arys: ArrayLike) -> Array | list[Array]:
    """Each input viewed with at least three dimensions: (n,) -> (1, n, 1), (m, n) -> (m, n, 1).

    >>> [a.shape for a in fnp.atleast_3d(fnp.ones(2), fnp.ones((2, 3)))]
    [(1, 2, 1), (2, 3, 1)]
    """
    return _atleast(3, arys)


def _each(fn, tup):
    return [fn(a) for a in _sequence(tup)]


def hstack(tup: Sequence[ArrayLike], *, dtype: DTypeLike | None = None, casting: str = "same_kind") -> Array:
    """Stack column-wise: along axis 1, or axis 0 for 1-D inputs.

    >>> fnp.hstack([fnp.array([1, 2]), fnp.array([3])])
    array([1, 2, 3])
    """
    arrs = _each(atleast_1d, tup)
    axis = 0 if arrs and len(shape(arrs[0])) == 1 else 1
    return concatenate(arrs, axis, dtype=dtype, casting=casting)


def vstack(tup: Sequence[ArrayLike], *, dtype: DTypeLike | None = None, casting: str = "same_kind") -> Array:
    """Stack row-wise: 1-D inputs become rows.

    >>> fnp.vstack([fnp.array([1, 2]), fnp.array([3, 4])])
    array([[1, 2],
           [3, 4]])
    """
    return concatenate(_each(atleast_2d, tup), 0, dtype=dtype, casting=casting)


def dstack(tup: Sequence[ArrayLike]) -> Array:
    """Stack along the third axis (inputs viewed as at least 3-D first).

    >>> fnp.dstack([fnp.array([1, 2]), fnp.array([3, 4])])
    array([[[1, 3],
            [2, 4]]])
    """
    return concatenate(_each(atleast_3d, tup), 2)


def column_stack(tup: Sequence[ArrayLike]) -> Array:
    """1-D inputs become columns of a 2-D result; 2-D inputs are stacked as they are.

    >>> fnp.column_stack([fnp.array([1, 2]), fnp.array([3, 4])])
    array([[1, 3],
           [2, 4]])
    """
    def column(a):
        s = shape(a)
        return reshape(a, (-1, 1) if len(s) == 1 else (1, 1)) if len(s) < 2 else a
    return concatenate(_each(column, tup), 1)


def _bounds(n, indices_or_sections, equal, name, axis):
    """(start, stop) of each piece, as NumPy's (array_)split slices them."""
    try:
        sections = operator.index(indices_or_sections)
    except TypeError:
        sections = None
    if sections is not None:
        if equal and sections and n % sections:
            raise ValueError(f"{name}: array split does not result in an equal division: {n} elements along "
                             f"axis {axis} cannot be split into {sections} equal sections")
        if sections <= 0:
            raise ValueError(f"{name}: number sections must be larger than 0, got {sections}")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        points = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        indices = _static(indices_or_sections, f"{name}: indices_or_sections")
        points = [0] + [int(i) for i in np.asarray(indices).ravel().tolist()] + [n]

    def clip(i):  # Python slice semantics for step 1
        return min(max(i + n if i < 0 else i, 0), n)
    return [(clip(a), max(clip(a), clip(b))) for a, b in zip(points[:-1], points[1:])]


def _split_public(ary, indices_or_sections, axis, name, equal):
    x = _asarray(ary)
    s = shape(x)
    ax = _axis(axis, len(s), name)
    bounds = _bounds(s[ax], indices_or_sections, equal, name, ax)
    if len(bounds) == 1 and bounds[0] == (0, s[ax]):
        return [x]
    if all(b[1] == c[0] for b, c in zip(bounds[:-1], bounds[1:])):
        return list(_split.bind(x, indices=tuple(b[1] for b in bounds[:-1]), axis=ax))
    return [_slice(x, a, b, ax) for a, b in bounds]  # overlapping pieces (decreasing indices)


def split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Array]:
    """Split into ``n`` equal sections (an int) or at the given indices; a list of pieces.

    >>> fnp.split(fnp.arange(6), 3)
    [array([0, 1]), array([2, 3]), array([4, 5])]
    >>> [p.shape for p in fnp.split(fnp.ones(6), [1, 4])]
    [(1,), (3,), (2,)]
    """
    return _split_public(ary, indices_or_sections, axis, "split", equal=True)


def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Array]:
    """Like ``split``, but ``n`` sections need not divide the axis (the first pieces get one more).

    >>> fnp.array_split(fnp.arange(5), 2)
    [array([0, 1, 2]), array([3, 4])]
    """
    return _split_public(ary, indices_or_sections, axis, "array_split", equal=False)


def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """Split along axis 1 (axis 0 for 1-D arrays).

    >>> fnp.hsplit(fnp.array([[1, 2, 3, 4]]), 2)
    [array([[1, 2]]), array([[3, 4]])]
    """
    nd = len(shape(ary))
    if nd == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split_public(ary, indices_or_sections, 1 if nd > 1 else 0, "hsplit", equal=True)


def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """Split along axis 0 of an array of at least 2 dimensions.

    >>> fnp.vsplit(fnp.array([[1, 2], [3, 4]]), 2)
    [array([[1, 2]]), array([[3, 4]])]
    """
    if len(shape(ary)) < 2:
        raise ValueError(f"vsplit only works on arrays of 2 or more dimensions, got shape {shape(ary)}")
    return _split_public(ary, indices_or_sections, 0, "vsplit", equal=True)


def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """Split along axis 2 of an array of at least 3 dimensions.

    >>> [p.shape for p in fnp.dsplit(fnp.zeros((2, 3, 4)), [1])]
    [(2, 3, 1), (2, 3, 3)]
    """
    if len(shape(ary)) < 3:
        raise ValueError(f"dsplit only works on arrays of 3 or more dimensions, got shape {shape(ary)}")
    return _split_public(ary, indices_or_sections, 2, "dsplit", equal=True)


# ------------------------------------------------------------------ axis permutations

def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    """Move axes to new positions; the others keep their order.

    >>> fnp.moveaxis(fnp.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = _asarray(a)
    nd = len(shape(x))
    src = _norm_axes(source, nd, "moveaxis (source)")
    dst = _norm_axes(destination, nd, "moveaxis (destination)")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: `source` and `destination` arguments must have the same number of "
                         f"elements, got {source!r} and {destination!r}")
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    """``a`` with two axes exchanged.

    >>> fnp.swapaxes(fnp.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    x = _asarray(a)
    nd = len(shape(x))
    i, j = _axis(axis1, nd, "swapaxes (axis1)"), _axis(axis2, nd, "swapaxes (axis2)")
    order = list(range(nd))
    order[i], order[j] = j, i
    return transpose(x, order)


# ------------------------------------------------------------------ flips, rolls, rotations

_flip: Primitive = defprim("flip", lambda x, axes: np.flip(x, axes),
                vjp=(lambda g, ans, x, axes: _flip.bind(g, axes=axes),),
                jvp=(lambda t, ans, x, axes: _flip.bind(t, axes=axes),), linear=True, batch=_flip_batch)


def flip(m: ArrayLike, axis: Axis = None) -> Array:
    """Reverse the order of elements along ``axis`` (every axis when None).

    >>> fnp.flip(fnp.array([[1, 2], [3, 4]]))
    array([[4, 3],
           [2, 1]])
    >>> fnp.flip(fnp.array([[1, 2], [3, 4]]), axis=1)
    array([[2, 1],
           [4, 3]])
    """
    x = _asarray(m)
    nd = len(shape(x))
    axes = tuple(range(nd)) if axis is None else tuple(sorted(_norm_axes(axis, nd, "flip")))
    return _flip.bind(x, axes=axes) if axes else x


def fliplr(m: ArrayLike) -> Array:
    """Reverse axis 1 (left/right).

    >>> fnp.fliplr(fnp.array([[1, 2], [3, 4]]))
    array([[2, 1],
           [4, 3]])
    """
    if len(shape(m)) < 2:
        raise ValueError(f"fliplr: Input must be >= 2-d, got shape {shape(m)}")
    return flip(m, 1)


def flipud(m: ArrayLike) -> Array:
    """Reverse axis 0 (up/down).

    >>> fnp.flipud(fnp.array([[1, 2], [3, 4]]))
    array([[3, 4],
           [1, 2]])
    """
    if len(shape(m)) < 1:
        raise ValueError("flipud: Input must be >= 1-d, got a 0-d array")
    return flip(m, 0)


def roll(a: ArrayLike, shift: int | Sequence[int], axis: Axis = None) -> Array:
    """Shift elements cyclically along ``axis`` (over the flattened array when None).

    >>> fnp.roll(fnp.arange(4.0), 1)
    array([3., 0., 1., 2.])
    >>> fnp.roll(fnp.array([[1, 2], [3, 4]]), -1, axis=1)
    array([[2, 1],
           [4, 3]])
    """
    x = _asarray(a)
    s = shape(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), s)
    pairs = np.broadcast(np.asarray(backend.to_host(_static(shift, "roll: shift"))), np.asarray(axis))
    if pairs.ndim > 1:
        raise ValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences")
    total: dict[int, int] = {}
    for sh, ax in pairs:
        ax = _axis(int(ax), len(s), "roll")
        total[ax] = total.get(ax, 0) + int(sh)
    for ax, sh in sorted(total.items()):
        n = s[ax]
        k = sh % n if n else 0
        if k:
            x = _concatenate.bind(_slice(x, n - k, n, ax), _slice(x, 0, n - k, ax), axis=ax)
    return x


def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Array:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first toward the second).

    >>> fnp.rot90(fnp.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: len(axes) must be 2, got axes={axes}")
    x = _asarray(m)
    nd = len(shape(x))
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError(f"rot90: Axes must be different, got axes={axes} for an array of ndim={nd}")
    if not all(-nd <= ax < nd for ax in axes):
        raise ValueError(f"rot90: Axes={axes} out of range for array of ndim={nd}.")
    k = operator.index(k) % 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, axes)
    order = list(range(nd))
    a0, a1 = axes[0] % nd, axes[1] % nd
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(x, a1), order)
    return flip(transpose(x, order), a1)


# ------------------------------------------------------------------ repetition

def _repeat_impl(x, repeats, axis):
    return np.repeat(x, repeats if isinstance(repeats, int) else list(repeats), axis=axis)


def _repeat_sum_impl(g, repeats, axis, length):
    """The transpose of repeat: the copies of each element summed back into it."""
    s = g.shape
    if isinstance(repeats, int) and repeats:
        return g.reshape(s[:axis] + (length, repeats) + s[axis + 1:]).sum(axis=axis + 1)
    xp = array_module(g)
    out = xp.zeros(_replace(s, axis, length), dtype=g.dtype)
    if not isinstance(repeats, int):
        index = xp.repeat(xp.arange(length), list(repeats))
        backend.scatter_add(out, (slice(None),) * axis + (index,), g)
    return out


_repeat: Primitive = defprim("repeat", _repeat_impl,
                  vjp=(lambda g, ans, x, repeats, axis: _repeat_sum.bind(
                      g, repeats=repeats, axis=axis, length=shape(x)[axis]),),
                  jvp=(lambda t, ans, x, repeats, axis: _repeat.bind(t, repeats=repeats, axis=axis),),
                  linear=True, batch=_repeat_batch)
_repeat_sum: Primitive = defprim("repeat_sum", _repeat_sum_impl,
                      vjp=(lambda g, ans, x, repeats, axis, length: _repeat.bind(g, repeats=repeats, axis=axis),),
                      jvp=(lambda t, ans, x, repeats, axis, length: _repeat_sum.bind(
                          t, repeats=repeats, axis=axis, length=length),), linear=True, batch=_repeat_batch)


def repeat(a: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> Array:
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``axis``.

    ``axis=None`` repeats the elements of the flattened array. The VJP sums the copies back.

    >>> fnp.repeat(fnp.array([1.0, 2.0]), [2, 1])
    array([1., 1., 2.])
    >>> fnp.repeat(fnp.array([[1, 2]]), 2, axis=0)
    array([[1, 2],
           [1, 2]])
    """
    x = _asarray(a)
    if axis is None:
        x, axis = ravel(x), 0
    s = shape(x)
    ax = _axis(axis, len(s), "repeat")
    n = s[ax]
    r = np.asarray(backend.to_host(_static(repeats, "repeat: repeats")))
    if r.ndim > 1:
        raise ValueError(f"repeat: repeats must be an int or a 1-D sequence, got shape {r.shape}")
    if r.size not in (1, n):
        raise ValueError(f"repeat: operands could not be broadcast together with shape ({n},) (the axis) "
                         f"and shape {r.shape} (repeats)")
    r = r.astype(np.intp).ravel()
    if (r < 0).any():
        raise ValueError("repeat: repeats may not contain negative values")
    counts = int(r[0]) if r.size == 1 or (r.size and (r == r[0]).all()) else (0 if n == 0 else tuple(r.tolist()))
    if counts == 1:
        return x
    return _repeat.bind(x, repeats=counts, axis=ax)


def tile(A: ArrayLike, reps: int | Sequence[int]) -> Array:
    """Repeat the whole array ``reps`` times along each axis (``reps`` an int or a tuple).

    >>> fnp.tile(fnp.array([1, 2]), 2)
    array([1, 2, 1, 2])
    >>> fnp.tile(fnp.array([1.0, 2.0]), (2, 2)).shape
    (2, 4)
    """
    x = _asarray(A)
    reps = (operator.index(reps),) if not np.iterable(reps) else tuple(operator.index(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: negative dimensions are not allowed, got reps={reps}")
    s = shape(x)
    d = max(len(reps), len(s))
    s = (1,) * (d - len(s)) + s
    reps = (1,) * (d - len(reps)) + reps
    if all(r == 1 for r in reps):
        return reshape(x, s)
    # Interleave a length-1 axis before each axis, broadcast it to the repetition count, merge the pairs.
    x = reshape(x, tuple(n for pair in ((1, m) for m in s) for n in pair))
    x = broadcast_to(x, tuple(n for pair in zip(reps, s) for n in pair))
    return reshape(x, tuple(r * m for r, m in zip(reps, s)))


# ------------------------------------------------------------------ broadcasting helpers

def broadcast_arrays(*args: ArrayLike, subok: bool = False) -> tuple[Array, ...]:
    """The inputs broadcast against each other (a tuple).

    >>> [a.shape for a in fnp.broadcast_arrays(fnp.ones((2, 1)), fnp.ones(3))]
    [(2, 3), (2, 3)]
    """
    arrays = [_asarray(a) for a in args]
    target = np.broadcast_shapes(*[shape(a) for a in arrays])
    return tuple(broadcast_to(a, target) for a in arrays)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> tuple[Array, ...]:
    """Coordinate arrays from 1-D coordinate vectors (``indexing`` 'xy' or 'ij'), as a tuple.

    >>> xs, ys = fnp.meshgrid(fnp.array([1, 2, 3]), fnp.array([10, 20]))
    >>> xs
    array([[1, 2, 3],
           [1, 2, 3]])
    >>> ys
    array([[10, 10, 10],
           [20, 20, 20]])
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: Valid values for `indexing` are 'xy' and 'ij', got {indexing!r}")
    nd = len(xi)
    ones = (1,) * nd
    out = [reshape(_asarray(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if not sparse:
        out = list(broadcast_arrays(*out))
    if copy:  # raw outputs must be writable arrays of their own, as NumPy's are
        out = [o if isinstance(o, Tracer) else o.copy() for o in out]
    return tuple(out)


# ------------------------------------------------------------------ padding

def _pad_impl(x, pad_width, constant_values):
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _crop(g, pad_width):
    """The transpose of constant padding: the middle of ``g``."""
    for axis, (before, after) in enumerate(pad_width):
        if before or after:
            g = _slice(g, before, shape(g)[axis] - after, axis)
    return g


_pad: Primitive = defprim("pad", _pad_impl,
               vjp=(lambda g, ans, x, pad_width, constant_values: _crop(g, pad_width),),
               jvp=(lambda t, ans, x, pad_width, constant_values: _pad.bind(
                   t, pad_width=pad_width, constant_values=0),), linear=True, batch=_pad_batch)


def _as_pairs(value, nd, name, as_index):
    """NumPy's broadcasting of pad_width/constant_values to ``nd`` (before, after) pairs."""
    v = np.asarray(backend.to_host(_static(value, f"pad: {name}")))
    if as_index:
        if v.size and v.dtype.kind not in "iu":
            raise TypeError(f"pad: `pad_width` must be of integral type, got dtype {v.dtype}")
        if v.size and v.min() < 0:
            raise ValueError(f"pad: index can't contain negative values (pad_width={value!r})")
    if v.size == 1:
        v = v.ravel()
    if v.size == 2 and v.shape != (2, 1):
        v = v.ravel()
    try:
        pairs = np.broadcast_to(v, (nd, 2))
    except ValueError:
        raise ValueError(f"pad: {name} of shape {v.shape} cannot be broadcast to ({nd}, 2), one "
                         f"(before, after) pair per axis of the array") from None
    return tuple((a, b) for a, b in pairs.tolist())


_PAD_KWARGS = {"constant": {"constant_values"}, "empty": set(), "edge": set(),
               "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}, "wrap": set()}
_NUMPY_ONLY_MODES = ("linear_ramp", "maximum", "mean", "median", "minimum")


def pad(array: ArrayLike, pad_width: int | Sequence[int] | Sequence[Sequence[int]], mode: str = "constant",
        **kwargs: Any) -> Array:
    """Pad an array. Modes: constant (``constant_values``), edge, reflect, symmetric, wrap; 'empty'
    pads with zeros. ``pad_width`` takes every NumPy form: n, (n,), (before, after), or one pair per axis.

    >>> fnp.pad(fnp.array([1.0, 2.0]), 1, mode="reflect")
    array([2., 1., 2., 1.])
    >>> fnp.pad(fnp.array([[1, 2]]), ((0, 1), (1, 0)), constant_values=9)
    array([[9, 1, 2],
           [9, 9, 9]])
    """
    if callable(mode) or mode in _NUMPY_ONLY_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported by fgrad; use one of "
                                  f"{sorted(_PAD_KWARGS)}")
    if mode not in _PAD_KWARGS:
        raise ValueError(f"pad: mode {mode!r} is not supported")
    unexpected = set(kwargs) - _PAD_KWARGS[mode]
    if unexpected:
        raise ValueError(f"pad: unsupported keyword arguments for mode '{mode}': {unexpected}")
    if kwargs.get("reflect_type", "even") == "odd":
        raise NotImplementedError("pad: reflect_type='odd' is not supported; use the default 'even'")
    x = _asarray(array)
    s = shape(x)
    widths = tuple((int(a), int(b)) for a, b in _as_pairs(pad_width, len(s), "pad_width", True))
    if mode in ("constant", "empty"):
        return _pad_constant(x, widths, kwargs.get("constant_values", 0))
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if s[axis] == 0:
                raise ValueError(f"pad: can't extend empty axis {axis} using modes other than 'constant' "
                                 f"or 'empty' (array of shape {s})")
            x = _pad_axis(x, axis, before, after, mode)
    return x


def _pad_constant(x, widths, values):
    if isinstance(values, Tracer):
        if shape(values) != ():
            raise NotImplementedError("pad: traced constant_values must be a scalar")
        base = _pad.bind(x, pad_width=widths, constant_values=0)
        mask = np.pad(array_module(x).zeros(shape(x), dtype(base)), widths, constant_values=1)
        return base + _creation.astype(values, dtype(base)) * mask
    values = _as_pairs(values, len(shape(x)), "constant_values", False)
    if not any(a or b for a, b in widths):
        return x
    if all(v == 0 for pair in values for v in pair):
        values = 0
    return _pad.bind(x, pad_width=widths, constant_values=values)


def _periodic(ext, lo, hi, axis):
    """Elements ``lo .. hi-1`` of the periodic extension of ``ext`` along ``axis``."""
    p = shape(ext)[axis]
    start = lo % p
    copies = -(-(start + hi - lo) // p)
    y = ext if copies == 1 else _concatenate.bind(*([ext] * copies), axis=axis)
    return _slice(y, start, start + hi - lo, axis)


def _pad_axis(x, axis, before, after, mode):
    s = shape(x)
    n = s[axis]
    if mode == "edge" or (mode == "reflect" and n == 1):
        parts = [broadcast_to(_slice(x, 0, 1, axis), _replace(s, axis, before)) if before else None, x,
                 broadcast_to(_slice(x, n - 1, n, axis), _replace(s, axis, after)) if after else None]
    else:
        # reflect, symmetric and wrap repeat one period: x and its mirror image (without the edges for
        # reflect), or x itself.
        if mode == "wrap":
            ext = x
        elif mode == "symmetric":
            ext = _concatenate.bind(x, flip(x, axis), axis=axis)
        else:
            ext = _concatenate.bind(x, _slice(flip(x, axis), 1, n - 1, axis), axis=axis) if n > 2 else x
        parts = [_periodic(ext, -before, 0, axis) if before else None, x,
                 _periodic(ext, n, n + after, axis) if after else None]
    return _concatenate.bind(*[p for p in parts if p is not None], axis=axis)
