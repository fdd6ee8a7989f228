"""Shape and view ops. Views (basic indexing, view, transpose, expand, ...) share storage."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import VJPTracer, concrete

from .. import _dtypes
from .._tensor import (Tensor, apply, mark_multi_output, on_tape, transform_traced, wrap, wrap_view_of,
                       _refresh_view, _view_fwd)
from ..autograd._tape import TAPE
from ..autograd.grad_mode import STATE
from ._common import cast, no_out, norm_dim, one_dim, shape_args

__all__ = ["reshape", "t", "transpose", "permute", "flatten", "squeeze", "unsqueeze", "cat", "concat",
           "concatenate", "stack", "split", "chunk", "unbind", "narrow", "movedim", "swapaxes", "swapdims",
           "flip", "roll", "tile", "broadcast_to", "hstack", "vstack", "ravel", "atleast_1d", "moveaxis"]


def _raw_view(r, kind, p):
    if kind == "index":
        v = r[p]
        if isinstance(v, np.generic):  # NumPy gives a scalar, not a 0-d view, for full integer indices
            v = r[p + (Ellipsis,)]
        return v
    if kind == "transpose":
        return r.transpose(p)
    if kind == "reshape":
        v = r.view()
        v.shape = p  # raises AttributeError when no view is possible
        return v
    if kind == "expand":
        xp = backend.get_array_module(r)
        return xp.broadcast_to(r, p)
    raise AssertionError(kind)


def view_op(t, steps, name):
    """A view of ``t``: same storage and version counter, graph through fgrad's view ops."""
    if t._base is not None and t._gv != t._version[0]:
        _refresh_view(t)
    d = t._data
    if transform_traced(d):  # traced: the view is the traced value's (the raw array may be a whole batch)
        for kind, p in steps:
            d = _view_fwd(d, kind, p)
        return wrap_view_of(t, d, steps, name)
    r = concrete(d)
    for kind, p in steps:
        r = _raw_view(r, kind, p)
    if on_tape(d):
        if STATE.enabled:
            start = d
            for kind, p in steps:
                d = _view_fwd(d, kind, p)
            if d is start or on_tape(d) and d._node is start._node:
                d = fnp.positive(start)  # a view that changes nothing is still a node of its own (not a leaf)
            d = VJPTracer(TAPE, r, d._node, d._index) if on_tape(d) else r
        else:
            d = r
    else:
        d = r
    return wrap_view_of(t, d, steps, name)


def _infer(shape, size):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        shape[shape.index(-1)] = size // known
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return tuple(shape)


def view(input: Tensor, *shape: Any) -> Tensor:
    """``Tensor.view``: a view of the same storage with a new shape (a RuntimeError where strides forbid it)."""
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        raise NotImplementedError("view(dtype) is not supported by fgrad_nn")
    shape = _infer(shape_args(shape), input.numel())
    if not _viewable(input, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) "
                           "instead.") from None
    return view_op(input, [("reshape", shape)], "ViewBackward0")


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with a new shape (one size may be -1): a view where the storage allows, else a copy.

    >>> torch.reshape(torch.arange(6), (2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = _infer(shape_args(shape), input.numel())
    if shape == tuple(input.shape):
        return view_op(input, [("reshape", shape)], "ViewBackward0")
    if not _viewable(input, shape):
        return apply(fnp.reshape, (input, shape), None, "UnsafeViewBackward0")  # a copy, like torch
    return view_op(input, [("reshape", shape)], "ViewBackward0")


def _viewable(input, shape):
    """Whether ``input``'s storage can be viewed with ``shape``. A value traced by an fgrad transform has no
    storage of its own to view (under vmap the raw array is the whole batch): its reshape is traced."""
    if transform_traced(input._data):
        return True
    try:
        _raw_view(input._raw(), "reshape", shape)
    except AttributeError:
        return False
    return True


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """A view of ``input`` with the shape of ``other`` (in torch a Tensor method only).

    >>> torch.arange(6).view_as(torch.zeros(3, 2))
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
    """
    return view(input, tuple(other.shape))


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``Tensor.reshape_as``: ``input`` reshaped to ``other``'s shape."""
    return reshape(input, tuple(other.shape))


def _perm(nd, d0, d1):
    p = list(range(nd))
    p[d0], p[d1] = p[d1], p[d0]
    return tuple(p)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped (``swapaxes``, ``swapdims`` are aliases).

    >>> torch.transpose(torch.tensor([[1, 2, 3]]), 0, 1)
    tensor([[1],
            [2],
            [3]])
    """
    nd = input.ndim
    if nd == 0:
        return view_op(input, [], "TransposeBackward0")
    d0, d1 = one_dim(dim0, nd), one_dim(dim1, nd)
    return view_op(input, [("transpose", _perm(nd, d0, d1))], "TransposeBackward0")


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a vector or scalar as it is).

    >>> torch.t(torch.tensor([[1, 2], [3, 4]]))
    tensor([[1, 3],
            [2, 4]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return view_op(input, [], "TBackward0")
    return view_op(input, [("transpose", (1, 0))], "TBackward0")


def permute(input: Tensor, *dims: Any) -> Tensor:
    """A view of ``input`` with its dims reordered.

    >>> torch.permute(torch.zeros(2, 3, 4), (2, 0, 1)).shape
    torch.Size([4, 2, 3])
    """
    dims = shape_args(dims)
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(dims)}")
    p = tuple(one_dim(d, nd) for d in dims)
    if len(set(p)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_op(input, [("transpose", p)], "PermuteBackward0")


def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """A view of ``input`` with the dims ``source`` moved to positions ``destination`` (``moveaxis`` is an alias).

    >>> torch.movedim(torch.zeros(2, 3, 4), 0, -1).shape
    torch.Size([3, 4, 2])
    """
    nd = input.ndim
    src = [one_dim(s, nd) for s in ((source,) if isinstance(source, int) else source)]
    dst = [one_dim(s, nd) for s in ((destination,) if isinstance(destination, int) else destination)]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def _T(self: Tensor) -> Tensor:
    """``Tensor.T``: the dims in reverse order."""
    nd = self.ndim
    return view_op(self, [("transpose", tuple(range(nd - 1, -1, -1)))], "PermuteBackward0") if nd > 1 \
        else view_op(self, [], "PermuteBackward0")


def _mT(self: Tensor) -> Tensor:
    """``Tensor.mT``: the last two dims swapped (a batch of transposed matrices)."""
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input`` with dims ``start_dim`` to ``end_dim`` merged into one.

    >>> torch.flatten(torch.zeros(2, 3, 4), start_dim=1).shape
    torch.Size([2, 12])
    """
    s = tuple(input.shape)
    if not s:
        return reshape(input, (1,))
    a, b = one_dim(start_dim, len(s)), one_dim(end_dim, len(s))
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = s[:a] + (int(np.prod(s[a:b + 1], dtype=np.int64)),) + s[b + 1:]
    return reshape(input, new)


def ravel(input: Tensor) -> Tensor:
    """``input`` as a 1-D tensor (a view where possible).

    >>> torch.ravel(torch.tensor([[1, 2], [3, 4]]))
    tensor([1, 2, 3, 4])
    """
    return reshape(input, (-1,))


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """A view of ``input`` without its size-1 dims (or only those among ``dim``).

    >>> torch.squeeze(torch.zeros(1, 2, 1)).shape
    torch.Size([2])
    >>> torch.squeeze(torch.zeros(1, 2, 1), 0).shape
    torch.Size([2, 1])
    """
    s = tuple(input.shape)
    if dim is None:
        new = tuple(n for n in s if n != 1)
    else:
        dims = norm_dim(dim, len(s)) or ()
        new = tuple(n for i, n in enumerate(s) if not (i in dims and n == 1))
    return view_op(input, [("reshape", new)], "SqueezeBackward0")


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view of ``input`` with a size-1 dim inserted at ``dim``.

    >>> torch.unsqueeze(torch.tensor([1, 2]), 1)
    tensor([[1],
            [2]])
    """
    s = list(input.shape)
    d = one_dim(dim, len(s) + 1)
    s.insert(d, 1)
    return view_op(input, [("reshape", tuple(s))], "UnsqueezeBackward0")


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view of ``input`` with its size-1 dims repeated to ``sizes`` (-1 keeps a size; a Tensor method in torch).

    >>> torch.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    sizes = shape_args(sizes)
    s = tuple(input.shape)
    if len(sizes) < len(s):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(s)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({len(s)})")
    lead = len(sizes) - len(s)
    new = []
    for i, n in enumerate(sizes):
        old = s[i - lead] if i >= lead else None
        if n == -1:
            if old is None:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   "non-existing dimension")
            n = old
        elif old is not None and old != 1 and old != n:
            raise RuntimeError(f"The expanded size of the tensor ({n}) must match the existing size ({old}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(s)}")
        new.append(n)
    return view_op(input, [("expand", tuple(new))], "ExpandBackward0")


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to the shape of ``other`` (a Tensor method in torch).

    >>> torch.tensor([1, 2]).expand_as(torch.zeros(2, 2))
    tensor([[1, 2],
            [1, 2]])
    """
    return expand(input, tuple(other.shape))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to the shape ``size`` (a view, as ``expand``).

    >>> torch.broadcast_to(torch.tensor([1, 2, 3]), (2, 3))
    tensor([[1, 2, 3],
            [1, 2, 3]])
    """
    return expand(input, tuple(size))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of ``length`` elements of ``input`` along ``dim``, from ``start``.

    >>> torch.narrow(torch.arange(6), 0, 2, 3)
    tensor([2, 3, 4])
    """
    d = one_dim(dim, input.ndim)
    n = input.shape[d]
    if start < 0:
        start += n
    if not 0 <= start <= n or start + length > n or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    return view_op(input, [("index", idx)], "SliceBackward0")


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``tensor`` in pieces of ``split_size_or_sections`` elements along ``dim`` (a list: each size).

    >>> torch.split(torch.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> torch.split(torch.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
    d = one_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        k = split_size_or_sections
        if k <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(k, n - i) for i in range(0, n, k)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    return mark_multi_output(_pieces(tensor, d, sizes), "Split")


def _pieces(tensor: Tensor, d: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        out[-1]._fn = "SplitBackward0"
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` split into at most ``chunks`` equal pieces along ``dim`` (the last may be smaller).

    >>> torch.chunk(torch.arange(6), 3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4, 5]))
    """
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input.shape[one_dim(dim, input.ndim)]
    size = -(-n // chunks) if n else 0
    return split(input, max(size, 1), dim) if n else split(input, 1, dim)


def tensor_split(input: Tensor, indices_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` split into ``indices_or_sections`` near-equal pieces, or at the given indices, along ``dim``."""
    d = one_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        bounds = [0] + list(indices_or_sections) + [n]
        sizes = [max(0, min(b, n) - min(a, n)) for a, b in zip(bounds, bounds[1:])]
    return _pieces(input, d, sizes)  # torch lets its pieces be written in place


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, that dim removed.

    >>> torch.unbind(torch.tensor([[1, 2], [3, 4]]))
    (tensor([1, 2]), tensor([3, 4]))
    """
    d = one_dim(dim, input.ndim)
    out = []
    for i in range(input.shape[d]):
        out.append(view_op(input, [("index", (slice(None),) * d + (i,))], "UnbindBackward0"))
    return mark_multi_output(tuple(out), "Unbind")


def _promote_all(tensors: Sequence[Tensor], what: str) -> list[Tensor]:
    if not tensors:
        raise RuntimeError(f"{what}(): expected a non-empty list of Tensors")
    dts = {t._np_dtype() for t in tensors}
    if len(dts) == 1:
        return list(tensors)
    dims = [t._np_dtype() for t in tensors if t.ndim]
    zerod = [t._np_dtype() for t in tensors if not t.ndim]
    want = _dtypes.result_np(dims, zerod, ())
    return [cast(t, want) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The tensors joined along an existing dim (``concat``, ``concatenate`` are aliases).

    >>> torch.cat([torch.tensor([1, 2]), torch.tensor([3])])
    tensor([1, 2, 3])
    """
    no_out(out)
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or list(tensors)[:1]
    ts = _promote_all(list(tensors), "cat")
    nd = ts[0].ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = one_dim(dim, nd)
    for i, x in enumerate(ts[1:], 1):
        if x.ndim != nd or any(a != b for k, (a, b) in enumerate(zip(x.shape, ts[0].shape)) if k != d):
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                               f"{ts[0].shape[1 - d if nd > 1 else 0]} but got size {x.shape[1 - d if nd > 1 else 0]} "
                               f"for tensor number {i} in the list.")
    return apply(lambda *xs: fnp.concatenate(list(xs), axis=d), ts, None, "CatBackward0")


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Tensors of one shape joined along a new dim ``dim``.

    >>> torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
    no_out(out)
    ts = _promote_all(list(tensors), "stack")
    s0 = tuple(ts[0].shape)
    for i, x in enumerate(ts[1:], 1):
        if tuple(x.shape) != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 and "
                               f"{list(x.shape)} at entry {i}")
    d = one_dim(dim, len(s0) + 1)
    return apply(lambda *xs: fnp.stack(list(xs), axis=d), ts, None, "StackBackward0")


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined column-wise (along dim 1; dim 0 for 1-D tensors).

    >>> torch.hstack([torch.tensor([1, 2]), torch.tensor([3])])
    tensor([1, 2, 3])
    """
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined row-wise (1-D tensors become rows).

    >>> torch.vstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([x.reshape(1, -1) if x.ndim == 1 else x for x in tensors], 0)


def atleast_1d(t: Tensor) -> Tensor:
    """``t`` with at least one dim (a 0-d tensor becomes 1-D).

    >>> torch.atleast_1d(torch.tensor(5))
    tensor([5])
    """
    return t.reshape(1) if t.ndim == 0 else t


def flip(input: Tensor, dims: int | Sequence[int]) -> Tensor:
    """``input`` with the order of its elements reversed along ``dims`` (a copy).

    >>> torch.flip(torch.tensor([[1, 2], [3, 4]]), [1])
    tensor([[2, 1],
            [4, 3]])
    """
    dims = norm_dim(dims, input.ndim) or ()
    idx = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(input.ndim))
    return apply(lambda x: fnp.getitem(x, idx), (input,), None, "FlipBackward0")


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """``input`` rotated by ``shifts`` along ``dims`` (flattened when ``dims`` is None).

    >>> torch.roll(torch.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    """
    return apply(lambda x: fnp.roll(x, shifts, dims), (input,), None, "RollBackward0")


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dim.

    >>> torch.tile(torch.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    return apply(lambda x: fnp.tile(x, tuple(dims)), (input,), None, "TileBackward0")


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """``Tensor.repeat``: ``input`` tiled ``sizes[i]`` times along each dim (a copy)."""
    sizes = shape_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    x = input.reshape((1,) * (len(sizes) - input.ndim) + tuple(input.shape))
    s = tuple(x.shape)
    # repeat = expand over new interleaved axes, then merge them: only view ops and one copy
    inter = []
    for k, n in zip(sizes, s):
        inter += [1, n]
    y = x.reshape(tuple(inter))
    big = []
    for k, n in zip(sizes, s):
        big += [k, n]
    y = expand(y, tuple(big))
    out = apply(fnp.reshape, (y, tuple(k * n for k, n in zip(sizes, s))), None, "RepeatBackward0")
    return out


def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """``self`` if its storage is contiguous, else a contiguous copy (a Tensor method in torch).

    >>> x = torch.zeros(2, 3).t()
    >>> x.is_contiguous(), x.contiguous().is_contiguous()
    (False, True)
    """
    if self.is_contiguous():
        return self
    return apply(lambda x: _contig(x), (self,), None, "CloneBackward0")


def _contig(x):
    y = fnp.positive(x)
    r = concrete(y)
    if hasattr(r, "flags") and not r.flags.c_contiguous:
        xp = backend.get_array_module(r)
        c = xp.ascontiguousarray(r)
        y = VJPTracer(y._trace, c, y._node, y._index) if isinstance(y, VJPTracer) else c
    return y


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``input`` with its own storage (differentiable).

    >>> x = torch.tensor([1, 2])
    >>> y = torch.clone(x)
    >>> y[0] = 5
    >>> x, y
    (tensor([1, 2]), tensor([5, 2]))
    """
    if input._np_dtype().kind in "fc":
        return apply(_contig, (input,), None, "CloneBackward0")
    return wrap(input._raw().copy())


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "view": view, "reshape": reshape, "view_as": view_as, "reshape_as": reshape_as, "transpose": transpose,
    "swapaxes": transpose, "swapdims": transpose, "t": t, "permute": permute, "movedim": movedim,
    "moveaxis": movedim, "flatten": flatten, "ravel": ravel, "squeeze": squeeze, "unsqueeze": unsqueeze,
    "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "narrow": narrow, "split": split,
    "chunk": chunk, "tensor_split": tensor_split, "unbind": unbind, "flip": flip, "roll": roll, "tile": tile,
    "repeat": repeat, "contiguous": contiguous, "clone": clone,
    "T": property(_T), "mT": property(_mT), "H": property(_T), "mH": property(_mT),
}
