"""Indexing: basic indices give views; advanced ones copy; indexed assignment is in place."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import fgrad.numpy as fnp
from fgrad.nn.torch_rules import dtype_name

from .._tensor import (Tensor, apply, batched, check_inplace, check_no_overlap, inplace, on_tape, transform_traced,
                       wrap)
from ..autograd.grad_mode import STATE
from ._common import array_ops, cast, in_place, no_derivative, nondiff, on_0d, one_dim
from .shape import view_op

__all__ = ["gather", "scatter", "scatter_add", "index_select", "take", "take_along_dim", "nonzero",
           "masked_select", "index_add", "index_put"]

def _sequence_as_tuple(idx: Any) -> bool:
    """torch's legacy rule (NumPy's before 1.23): a short list holding a sequence, Tensor, slice, None or
    Ellipsis is read as a tuple of indices (with a deprecation warning)."""
    return isinstance(idx, list) and len(idx) < 32 and any(
        isinstance(e, (list, tuple, Tensor, np.ndarray, slice)) or e is None or e is Ellipsis for e in idx)


def _norm_index(idx):
    """Tensors in an index become raw arrays; returns (index, is_basic)."""
    if _sequence_as_tuple(idx):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
                      "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
                      "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error "
                      "or a different result", UserWarning, stacklevel=3)
        idx = tuple(idx)
    if not isinstance(idx, tuple):
        idx = (idx,)
    out, basic = [], True
    for i in idx:
        if isinstance(i, Tensor):
            r = nondiff(i)
            if batched(i._data):  # one index per example: an advanced index, batched
                i = r
                basic = False
            elif r.ndim == 0 and r.dtype.kind in "iu":
                i = int(r)
            else:
                i = r
                basic = False
        elif isinstance(i, (list, np.ndarray)):
            i = np.asarray(i)
            if i.size == 0 and i.dtype.kind == "f":  # x[[]] selects nothing (an int64 index, as torch reads it)
                i = i.astype(np.int64)
            basic = False
        elif isinstance(i, bool):
            basic = False
        out.append(i)
    return tuple(out), basic


def _check_bounds(shape, idx):
    dim = 0
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    for i in idx:
        if i is Ellipsis:
            dim += len(shape) - n_real
            continue
        if i is None:
            continue
        if isinstance(i, int):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += 1
    if dim > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")


def getitem(self: Tensor, idx: Any) -> Tensor:
    """``self[idx]``: basic indices give a view, advanced ones (tensors, masks, lists) a copy."""
    idx, basic = _norm_index(idx)
    if basic:
        _check_bounds(tuple(self.shape), idx)
        return view_op(self, [("index", idx)], "SelectBackward0" if len(idx) == 1 and isinstance(idx[0], int)
                       else "SliceBackward0")
    try:
        return apply(lambda x: fnp.getitem(x, idx), (self,), None, "IndexBackward0")  # advanced: a copy
    except IndexError:
        raise
    except Exception as e:  # NumPy's messages for bad advanced indices
        raise IndexError(str(e)) from None


def _check_put_dtype(self: Tensor, idx: tuple[Any, ...], value: Any) -> None:
    """torch's index_put refuses values of another dtype (a lone mask with a 0-d value is a masked fill)."""
    if not isinstance(value, Tensor) or value._np_dtype() == self._np_dtype():
        return
    if value.ndim == 0 and len(idx) == 1 and getattr(idx[0], "dtype", None) == np.bool_:
        return
    raise RuntimeError("Index put requires the source and destination dtypes match, got "
                       f"{dtype_name(self._np_dtype())} for the destination and {dtype_name(value._np_dtype())} "
                       "for the source.")


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``self[idx] = value``, in place (recorded by autograd)."""
    idx, basic = _norm_index(idx)
    if not basic:
        _check_put_dtype(self, idx, value)
    tracked = STATE.enabled and (on_tape(self._data) or (isinstance(value, Tensor) and value.requires_grad))
    # a value traced by an fgrad transform must go through the functional update too
    traced = transform_traced(self._data) or (isinstance(value, Tensor) and transform_traced(value._data))
    if not tracked and not traced:
        check_inplace(self)
        if basic:  # (an advanced index may write into an expanded tensor: torch warns, NumPy picks one write)
            check_no_overlap(self._raw()[idx])
        try:
            self._assign(value._raw() if isinstance(value, Tensor) else value, idx)
        except ValueError as e:
            raise RuntimeError(str(e)) from None
        return
    dt = self._np_dtype()
    if not isinstance(value, Tensor):
        value = np.asarray(value, dtype=dt)
    elif value._np_dtype() != dt:
        value = cast(value, dt)
    if value.ndim and value.shape[0] == 1:  # torch drops a value's leading size-1 dims (fnp.at, as JAX, does not)
        value = value.reshape(value.shape[next(i for i, n in enumerate(value.shape + (0,)) if n != 1):])
    # torch's gradient of the values is the plain gather, repeated indices included
    inplace(self, lambda s, v: fnp.at(s)[idx].set(v, unique_indices=True), (value,), "IndexPutBackward0")


def index_put(input: Tensor, indices: tuple[Tensor, ...] | list[Tensor], values: Tensor,
              accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at the advanced index ``indices`` (added with ``accumulate``).

    >>> torch.zeros(3).index_put((torch.tensor([0, 2, 0]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    tensor([4., 0., 2.])
    """
    idx, _ = _norm_index(tuple(indices))
    _check_put_dtype(input, idx, values)
    if not isinstance(values, Tensor):
        values = np.asarray(values, dtype=input._np_dtype())
    if accumulate:
        return apply(lambda x, v: fnp.at(x)[idx].add(v), (input, values), None, "IndexPutBackward0")
    return apply(lambda x, v: fnp.at(x)[idx].set(v, unique_indices=True), (input, values), None,
                 "IndexPutBackward0")


def _index_put_(self: Tensor, indices: tuple[Tensor, ...] | list[Tensor], values: Tensor,
                accumulate: bool = False) -> Tensor:
    """``Tensor.index_put_``: ``index_put`` in place."""
    if not accumulate:
        setitem(self, tuple(indices), values)
        return self
    new = index_put(self, indices, values, accumulate=True)
    if self.requires_grad or (isinstance(values, Tensor) and values.requires_grad):
        return inplace(self, lambda s, n: n, (new,), "IndexPutBackward0")
    return self._assign(new._data)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` at positions ``index`` (a 1-D integer tensor) along ``dim``.

    >>> torch.index_select(torch.tensor([[1, 2], [3, 4], [5, 6]]), 0, torch.tensor([2, 0]))
    tensor([[5, 6],
            [1, 2]])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    if ix.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if ix.dtype not in (np.int32, np.int64):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if input.ndim == 0:
        if ix.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {ix.size} value(s)")
        return on_0d(input, dim, lambda x, d: index_select(x, d, index.reshape(1)))
    n = input.shape[d]
    bad = _out_of_range(ix, n, negative_ok=False)
    if bad is not None:
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
    return apply(lambda x: fnp.take(x, ix, axis=d), (input,), None, "IndexSelectBackward0")


def _out_of_range(ix: Any, n: int, negative_ok: bool) -> int | None:
    """The first index outside ``[0, n)`` (``[-n, n)`` with ``negative_ok``), or None; a traced index is not
    checked (its values are not known here)."""
    if transform_traced(ix) or not ix.size:
        return None
    lo = -n if negative_ok else 0
    bad = (ix < lo) | (ix >= n)
    if not bad.any():
        return None
    return int(ix[bad].reshape(-1)[0])


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened ``input`` at ``index``, in the shape of ``index``.

    >>> torch.take(torch.tensor([[1, 2], [3, 4]]), torch.tensor([0, 3]))
    tensor([1, 4])
    """
    ix = nondiff(index)
    return apply(lambda x: fnp.take(fnp.reshape(x, (-1,)), ix), (input,), None, "TakeBackward0")


def _crop(x_shape, ix_shape, d):
    return tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(ix_shape))


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``; likewise for other dims).

    >>> torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[1], [0]]))
    tensor([[2],
            [3]])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    if ix.dtype != np.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    if ix.ndim != max(input.ndim, 1) and not (input.ndim == 0 and ix.ndim == 0):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    n = input.shape[d] if input.ndim else 1
    bad = _out_of_range(ix, n, negative_ok=False)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    if input.ndim == 0:  # one element along dim 0: the result has the index's shape
        return gather(input.reshape(1), 0, index.reshape(-1)).reshape(tuple(index.shape))
    crop = _crop(input.shape, ix.shape, d)

    def f(x):
        if any(s != slice(None) for s in crop):
            x = fnp.getitem(x, crop)
        return fnp.take_along_axis(x, ix, axis=d)
    return apply(f, (input,), None, "GatherBackward0")


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """The values of ``input`` at ``indices`` along ``dim`` (``argsort``'s or ``argmax``'s output, say).

    >>> x = torch.tensor([[3, 1, 2]])
    >>> torch.take_along_dim(x, torch.argsort(x, dim=1), dim=1)
    tensor([[1, 2, 3]])
    """
    ix = nondiff(indices)
    if dim is None:
        return apply(lambda x: fnp.take_along_axis(fnp.reshape(x, (-1,)), ix.reshape(-1), axis=0),
                     (input,), None, "TakeAlongDimBackward0")
    d = one_dim(dim, input.ndim)
    return apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None, "TakeAlongDimBackward0")


def _scatter_index(ix, d):
    grids = np.indices(ix.shape, sparse=True)
    return tuple(ix if k == d else g for k, g in enumerate(grids))


def scatter(input: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None, *,
            value: float | None = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``: the inverse of ``gather``.

    >>> torch.scatter(torch.zeros(3, dtype=torch.int64), 0, torch.tensor([2, 0]), torch.tensor([5, 7]))
    tensor([7, 0, 5])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    full = _scatter_index(ix, d)
    if src is None:
        src = value
    if isinstance(src, Tensor):
        crop = tuple(slice(0, n) for n in ix.shape)
        src = cast(src, input._np_dtype())

        def f(x, s):
            sv = fnp.getitem(s, crop)
            at = fnp.at(x)[full]
            if reduce is None:  # torch's gradient of src is the plain gather, repeated indices included
                return at.set(sv, unique_indices=True)
            return no_derivative(lambda x, s: _reduce_at(fnp.at(x)[full], reduce, s), "scatter")(x, sv)
        return apply(f, (input, src), None, "ScatterBackward0")
    v = np.asarray(src, dtype=input._np_dtype())
    if reduce is not None:
        return apply(no_derivative(lambda x: _reduce_at(fnp.at(x)[full], reduce, v), "scatter"), (input,), None,
                     "ScatterBackward1")
    return apply(lambda x: fnp.at(x)[full].set(fnp.broadcast_to(v, ix.shape)), (input,), None,
                 "ScatterBackward1")


def _reduce_at(at: Any, reduce: str, v: Any) -> Any:
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    return at.add(v) if reduce == "add" else at.multiply(v)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate).

    >>> torch.scatter_add(torch.zeros(3), 0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    d = one_dim(dim, input.ndim)
    full = _scatter_index(nondiff(index), d)
    crop = tuple(slice(0, n) for n in nondiff(index).shape)
    return apply(lambda x, s: fnp.at(x)[full].add(fnp.getitem(s, crop)), (input, cast(src, input._np_dtype())),
                 None, "ScatterAddBackward0")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source[i]`` added at position ``index[i]`` along ``dim``.

    >>> torch.index_add(torch.zeros(3), 0, torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    idx = (slice(None),) * d + (ix,)
    if alpha != 1:
        source = source * alpha
    source = cast(source, input._np_dtype())
    return apply(lambda x, s: fnp.at(x)[idx].add(s), (input, source), None, "IndexAddBackward0")


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: one row per element, or one tensor per dim with ``as_tuple``.

    >>> torch.nonzero(torch.tensor([[1, 0], [0, 2]]))
    tensor([[0, 0],
            [1, 1]])
    >>> torch.nonzero(torch.tensor([0, 3, 4]), as_tuple=True)
    (tensor([1, 2]),)
    """
    if batched(input._data):
        raise RuntimeError("vmap: We do not support batching operators that can output dynamic shape. Attempted "
                           "to vmap over aten::nonzero. Please voice your support in "
                           "https://github.com/pytorch/functorch/issues/256")
    r = input._raw()
    nz = np.nonzero(r) if r.ndim else np.nonzero(np.atleast_1d(r))
    if as_tuple:
        return tuple(wrap(a.astype(np.int64)) for a in nz)
    if not r.ndim:  # torch: one row per nonzero element, no columns
        return wrap(np.zeros((len(nz[0]), 0), np.int64))
    return wrap(np.stack(nz, axis=-1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-D tensor.

    >>> torch.masked_select(torch.tensor([1, 2, 3]), torch.tensor([True, False, True]))
    tensor([1, 3])
    """
    if batched(input._data) or batched(mask._data):
        raise RuntimeError("vmap: We do not support batching operators that can output dynamic shape. Attempted "
                           "to vmap over aten::masked_select. Please voice your support in "
                           "https://github.com/pytorch/functorch/issues/256")
    m = mask._raw()
    return apply(lambda x: fnp.getitem(fnp.broadcast_to(x, np.broadcast_shapes(x.shape, m.shape)),
                                    np.broadcast_to(m, np.broadcast_shapes(x.shape, m.shape))),
                 (input,), None, "MaskedSelectBackward0")


def _scatter_(self: Tensor, dim: int, index: Tensor, src: Tensor | float | None = None, value: float | None = None,
              reduce: str | None = None) -> Tensor:
    """``Tensor.scatter_``: ``scatter`` in place."""
    new = scatter(self.detach() if not self.requires_grad else self, dim, index, src, value=value, reduce=reduce)
    return inplace(self, lambda s, n: n, (new,), "ScatterBackward0") if self.requires_grad or \
        (isinstance(src, Tensor) and src.requires_grad) else self._assign(new._data)


def _index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """``Tensor.index_add_``: ``index_add`` in place."""
    new = index_add(self, dim, index, source, alpha=alpha)
    if self.requires_grad or source.requires_grad:
        return inplace(self, lambda s, n: n, (new,), "IndexAddBackward0")
    return self._assign(new._data)


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "__getitem__": getitem, "__setitem__": setitem, "index_select": index_select, "take": take, "gather": gather,
    "take_along_dim": take_along_dim, "scatter": scatter, "scatter_add": scatter_add, "index_add": index_add,
    "nonzero": nonzero, "masked_select": masked_select, "scatter_": _scatter_, "index_add_": _index_add_,
    "index_put": index_put, "index_put_": _index_put_,
}


# ------------------------------------------------------------------------------------ index_copy, masked_scatter
__all__ += ["index_copy", "masked_scatter"]


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with ``source``'s slice ``i`` along ``dim`` written at position ``index[i]``.

    >>> torch.index_copy(torch.zeros(3, 2), 0, torch.tensor([2, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[3., 4.],
            [0., 0.],
            [1., 2.]])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    if ix.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {dtype_name(ix.dtype)}")
    if source._np_dtype() != input._np_dtype():
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{dtype_name(input._np_dtype())} and (source) {dtype_name(source._np_dtype())}")
    if input.ndim == 0:
        return index_copy(input.reshape(1), 0, index.reshape(-1), source.reshape(-1)).reshape(())
    count = source.shape[d] if source.ndim else 1
    if ix.size != count:
        raise IndexError(f"index_copy_(): Number of indices ({ix.size}) should be equal to source.size(dim) "
                         f"({count})")
    bad = _out_of_range(ix, input.shape[d], negative_ok=False)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with size "
                         f"{input.shape[d]}")
    at = (slice(None),) * d + (ix.reshape(-1),)
    # torch's gradient of source is the plain gather, repeated indices included
    return apply(lambda x, s: fnp.at(x)[at].set(fnp.reshape(s, fnp.shape(fnp.getitem(x, at))), unique_indices=True),
                 (input, source), None, "IndexCopyBackward0")


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose elements where ``mask`` is True are, in order, the
    first elements of ``source``.

    >>> torch.masked_scatter(torch.zeros(4), torch.tensor([True, False, True, True]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 2., 3.])
    """
    m, xp = nondiff(mask), array_ops(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{dtype_name(m.dtype).lower()}")
    if source._np_dtype() != input._np_dtype():
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{dtype_name(input._np_dtype())} and {dtype_name(source._np_dtype())}")
    if batched(mask._data):  # where the elements go would differ per example
        raise RuntimeError("vmap: masked_scatter with a batched mask is not supported (its positions depend on "
                           "the mask's values)")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(m.shape))
    where = xp.nonzero(xp.broadcast_to(m, shape).reshape(-1))[0]
    if int(where.shape[0]) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")

    def f(x: Any, s: Any) -> Any:
        flat = fnp.reshape(fnp.broadcast_to(x, shape), (-1,))
        picked = fnp.getitem(fnp.reshape(s, (-1,)), slice(0, int(where.shape[0])))
        return fnp.reshape(fnp.at(flat)[where].set(picked), shape)
    return apply(f, (input, source), None, "MaskedScatterBackward0")


TENSOR_METHODS.update({
    "index_copy": index_copy, "index_copy_": in_place(index_copy, "IndexCopyBackward0"),
    "masked_scatter": masked_scatter, "masked_scatter_": in_place(masked_scatter, "MaskedScatterBackward0"),
})


# ------------------------------------------------------------------ argwhere, index_fill, put, isin, unravel_index
__all__ += ["argwhere", "index_fill", "put", "isin", "unravel_index"]


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each: ``nonzero(input)``.

    >>> torch.argwhere(torch.tensor([[1, 0], [0, 2]]))
    tensor([[0, 0],
            [1, 1]])
    """
    return nonzero(input)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Tensor | float) -> Tensor:
    """A copy of ``input`` whose slices at ``index`` along ``dim`` are filled with ``value``.

    >>> torch.index_fill(torch.zeros(2, 3), 1, torch.tensor([0, 2]), 5.0)
    tensor([[5., 0., 5.],
            [5., 0., 5.]])
    """
    d = one_dim(dim, input.ndim)
    ix = nondiff(index)
    if ix.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if input.ndim == 0:
        return index_fill(input.reshape(1), 0, index.reshape(-1), value).reshape(())
    n = input.shape[d]
    bad = _out_of_range(ix, n, negative_ok=True)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    at = (slice(None),) * d + (ix.reshape(-1),)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return apply(lambda x, v: fnp.at(x)[at].set(fnp.broadcast_to(v, fnp.shape(fnp.getitem(x, at)))),
                     (input, cast(value, input._np_dtype())), None, "IndexFillBackward1")
    v = np.asarray(value, input._np_dtype())
    return apply(lambda x: fnp.at(x)[at].set(v), (input,), None, "IndexFillBackward0")


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or added, with ``accumulate``) at ``index`` of the flattened
    tensor.

    >>> torch.put(torch.zeros(2, 2), torch.tensor([3, 0, 3]), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    tensor([[2., 0.],
            [0., 4.]])
    """
    ix = nondiff(index)
    if ix.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {dtype_name(ix.dtype)}")
    if ix.size != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {ix.size}")
    bad = _out_of_range(ix, input.numel(), negative_ok=True)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {input.numel()} elements.")
    flat = ix.reshape(-1)

    def f(x: Any, s: Any) -> Any:
        at = fnp.at(fnp.reshape(x, (-1,)))[flat]
        s = fnp.reshape(s, (-1,))
        # torch's gradient of source is the plain gather, repeated indices included
        return fnp.reshape(at.add(s) if accumulate else at.set(s, unique_indices=True), fnp.shape(x))
    return apply(f, (input, cast(source, input._np_dtype())), None, "PutBackward0")


def isin(elements: Tensor | float, test_elements: Tensor | float, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` is in ``test_elements`` (not in, with ``invert``).

    >>> torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]))
    tensor([False,  True, False])
    """
    tensors = [t for t in (elements, test_elements) if isinstance(t, Tensor)]
    xp = array_ops(tensors[0])
    e = nondiff(elements) if isinstance(elements, Tensor) else xp.asarray(elements)
    t = nondiff(test_elements) if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.asarray(xp.isin(e, t, invert=invert)))


def unravel_index(indices: Tensor, shape: int | tuple[int, ...]) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of each flat index in ``indices``, one tensor per dim.

    >>> torch.unravel_index(torch.tensor([5, 7]), (2, 4))
    (tensor([1, 1]), tensor([1, 3]))
    """
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    ix, xp = nondiff(indices), array_ops(indices)
    if ix.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got {}".format(indices.dtype))
    coords = []
    rest = ix.astype(np.int64)
    for n in reversed(dims):  # torch's arithmetic: floor remainders, so indices wrap around (-1: the last)
        coords.append(rest % n)
        rest = rest // n
    return tuple(wrap(c) for c in reversed(coords))


TENSOR_METHODS.update({"argwhere": argwhere, "index_fill": index_fill, "index_fill_": in_place(index_fill,
                       "IndexFillBackward0"), "put": put, "put_": in_place(put, "PutBackward0")})
