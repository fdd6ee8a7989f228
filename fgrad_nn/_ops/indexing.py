"""Indexing: basic indices give views; advanced ones copy; indexed assignment is in place."""
from __future__ import annotations

from typing import Any

import numpy as np

import fgrad.numpy as fnp

from .._tensor import Tensor, apply, batched, check_inplace, inplace, on_tape, transform_traced, wrap
from ..autograd.grad_mode import STATE
from ._common import cast, nondiff, one_dim
from .shape import view_op

__all__ = ["gather", "scatter", "scatter_add", "index_select", "take", "take_along_dim", "nonzero",
           "masked_select", "index_add"]

def _norm_index(idx):
    """Tensors in an index become raw arrays; returns (index, is_basic)."""
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


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``self[idx] = value``, in place (recorded by autograd)."""
    idx, _ = _norm_index(idx)
    tracked = STATE.enabled and (on_tape(self._data) or (isinstance(value, Tensor) and value.requires_grad))
    # a value traced by an fgrad transform must go through the functional update too
    traced = transform_traced(self._data) or (isinstance(value, Tensor) and transform_traced(value._data))
    if not tracked and not traced:
        check_inplace(self)
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
    inplace(self, lambda s, v: fnp.at(s)[idx].set(v), (value,), "IndexPutBackward0")


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
    return apply(lambda x: fnp.take(x, ix, axis=d), (input,), None, "IndexSelectBackward0")


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
    if ix.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
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
            return at.add(sv) if reduce == "add" else at.set(sv)
        return apply(f, (input, src), None, "ScatterBackward0")
    v = np.asarray(src, dtype=input._np_dtype())
    return apply(lambda x: fnp.at(x)[full].set(fnp.broadcast_to(v, ix.shape)), (input,), None,
                 "ScatterBackward1")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated indices accumulate).

    >>> torch.scatter_add(torch.zeros(3), 0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    return scatter(input, dim, index, src, reduce="add")


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
}
