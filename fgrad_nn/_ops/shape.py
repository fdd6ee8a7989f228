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
           "flip", "roll", "tile", "broadcast_to", "hstack", "vstack", "ravel", "atleast_1d", "moveaxis",
           "diagonal"]


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
        v = xp.broadcast_to(r, p)
        if getattr(v.flags, "writeable", True) or not r.flags.writeable:
            return v
        # NumPy's broadcast is read-only; torch's expand writes through to the one element it repeats
        return xp.lib.stride_tricks.as_strided(r, shape=v.shape, strides=v.strides)
    if kind == "diagonal":
        xp = backend.get_array_module(r)
        v = xp.diagonal(r, *p)
        if v.flags.writeable or not r.flags.writeable:
            return v
        # NumPy's diagonal is read-only: the same view, written from the diagonal's first element
        offset, d1, d2 = p
        start = [slice(None)] * r.ndim
        start[d2 if offset >= 0 else d1] = slice(abs(offset), None)
        return xp.lib.stride_tricks.as_strided(r[tuple(start)], shape=v.shape, strides=v.strides)
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


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the matrices ``input`` holds in dims ``dim1``, ``dim2``, as a view (the
    diagonal is the last dim).

    >>> x = torch.arange(9).reshape(3, 3)
    >>> torch.diagonal(x), x.diagonal(1)
    (tensor([0, 4, 8]), tensor([1, 5]))
    >>> x.diagonal().zero_()
    tensor([0, 0, 0])
    >>> x
    tensor([[0, 1, 2],
            [3, 0, 5],
            [6, 7, 0]])
    """
    d1, d2 = one_dim(dim1, input.ndim), one_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_op(input, [("diagonal", (int(offset), d1, d2))], "DiagonalBackward0")


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
    if nd == 0:  # dims 0 and -1 name the one element's place: nothing moves
        return permute(input, [])
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
    if self.ndim == 0:
        return self  # torch's identity on a 0-d tensor (deprecated there)
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
    if a == b:
        return input  # nothing to merge: torch hands back the input itself
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
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
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
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
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
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = one_dim(dim, input.ndim)
    n = input.shape[d]
    if not n:  # torch: ``chunks`` empty pieces
        return mark_multi_output(_pieces(input, d, [0] * chunks), "Split")
    return split(input, -(-n // chunks), dim)


def tensor_split(input: Tensor, indices_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` split into ``indices_or_sections`` near-equal pieces, or at the given indices, along ``dim``.

    >>> torch.tensor_split(torch.arange(5), 2)
    (tensor([0, 1, 2]), tensor([3, 4]))
    >>> torch.tensor_split(torch.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3]), tensor([4]))
    """
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
    ts = _promote_all(list(tensors), "cat")
    for i, x in enumerate(ts):
        if x.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # torch leaves 1-D size-0 tensors out of the shape checks (a legacy rule); they still count for the
    # dtype and get their (empty) gradient
    keep = [i for i, x in enumerate(ts) if not (x.ndim == 1 and x.shape[0] == 0)] or list(range(len(ts)))
    ref = ts[keep[0]]
    nd = ref.ndim
    d = one_dim(dim, nd)
    for i in keep[1:]:
        x = ts[i]
        if x.ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {x.ndim}")
        for k in range(nd):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {x.shape[k]} for tensor number {i} in the list.")
    empty = tuple(0 if k == d else n for k, n in enumerate(ref.shape))
    return apply(lambda *xs: fnp.concatenate([x if i in keep else fnp.reshape(x, empty) for i, x in enumerate(xs)],
                                             axis=d), ts, None, "CatBackward0")


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
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined row-wise (1-D tensors become rows).

    >>> torch.vstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([x.reshape(1, -1) if x.ndim < 2 else x for x in tensors], 0)


def atleast_1d(t: Tensor) -> Tensor:
    """``t`` with at least one dim (a 0-d tensor becomes 1-D).

    >>> torch.atleast_1d(torch.tensor(5))
    tensor([5])
    """
    return t.reshape(1) if t.ndim == 0 else t


def flip(input: Tensor, *args: Any, dims: int | Sequence[int] | None = None) -> Tensor:
    """``input`` with the order of its elements reversed along ``dims`` (a copy).

    >>> torch.flip(torch.tensor([[1, 2], [3, 4]]), [1])
    tensor([[2, 1],
            [4, 3]])
    """
    given = dims if dims is not None else args[0] if len(args) == 1 else args  # Tensor.flip(0, 1) too
    dims = norm_dim(given, input.ndim) or ()
    if len(set(dims)) < len(dims):
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    idx = tuple(slice(None, None, -1) if i in dims else slice(None) for i in range(input.ndim))
    return apply(lambda x: fnp.getitem(x, idx), (input,), None, "FlipBackward0")


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """``input`` rotated by ``shifts`` along ``dims`` (flattened when ``dims`` is None).

    >>> torch.roll(torch.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    """
    if dims is not None:
        dl = (dims,) if isinstance(dims, int) else tuple(dims)
        sl = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        if len(sl) != len(dl):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sl)}, dims:{len(dl)}")
        if input.ndim == 0:
            raise IndexError(f"Dimension specified as {dl[0]} but tensor has no dimensions")
        dims = tuple(one_dim(d, input.ndim) for d in dl)
        shifts = sl
    return apply(lambda x: fnp.roll(x, shifts, dims), (input,), None, "RollBackward0")


def tile(input: Tensor, *dims: Any) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dim.

    >>> torch.tile(torch.tensor([1, 2]), (2,))
    tensor([1, 2, 1, 2])
    """
    reps = shape_args(dims)  # Tensor.tile(2, 2) too
    return apply(lambda x: fnp.tile(x, reps), (input,), None, "TileBackward0")


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
    "diagonal": diagonal, "view": view, "reshape": reshape, "view_as": view_as, "reshape_as": reshape_as, "transpose": transpose,
    "swapaxes": transpose, "swapdims": transpose, "t": t, "permute": permute, "movedim": movedim,
    "moveaxis": movedim, "flatten": flatten, "ravel": ravel, "squeeze": squeeze, "unsqueeze": unsqueeze,
    "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "narrow": narrow, "split": split,
    "chunk": chunk, "tensor_split": tensor_split, "unbind": unbind, "flip": flip, "roll": roll, "tile": tile,
    "repeat": repeat, "contiguous": contiguous, "clone": clone,
    "T": property(_T), "mT": property(_mT), "H": property(_T), "mH": property(_mT),
}


# ------------------------------------------------------------------------- select, diff, the NumPy-style stacks
__all__ += ["select", "diff", "dstack", "column_stack", "row_stack", "atleast_2d", "atleast_3d", "fliplr", "flipud",
            "rot90"]


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``input`` at ``index`` along ``dim``, that dim removed (a view: ``input[:, index]`` for dim 1).

    >>> torch.select(torch.tensor([[1, 2], [3, 4]]), 1, -1)
    tensor([2, 4])
    """
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = one_dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return view_op(input, [("index", (slice(None),) * d + (int(index) % n,))], "SelectBackward0")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined to ``input`` first); on
    bools, ``!=`` of neighbours.

    >>> torch.diff(torch.tensor([1, 3, 6, 10]))
    tensor([2, 3, 4])
    >>> torch.diff(torch.tensor([1, 3, 6, 10]), n=2, prepend=torch.tensor([0]))
    tensor([1, 1, 1])
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = one_dim(dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        after, before = narrow(x, d, 1, size - 1), narrow(x, d, 0, size - 1)
        x = after != before if x._np_dtype() == np.bool_ else after - before
    return x if x is not input else clone(input)


def _at_least(t: Tensor, nd: int) -> Tensor:
    """``t`` with ``nd`` dims at least, as NumPy's atleast_2d/3d place the new ones."""
    if t.ndim >= nd:
        return t
    if t.ndim == 0:
        return t.reshape((1,) * nd)
    if t.ndim == 1:
        return t.reshape((1, -1, 1)[:nd] if nd == 3 else (1, -1))
    return t.reshape(tuple(t.shape) + (1,))  # 2-D to 3-D


def _each(tensors: tuple[Any, ...], nd: int) -> Any:
    """torch's atleast_Nd: one tensor gives one; several, or one sequence of them, give a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _at_least(tensors[0], nd)
    seq = tensors[0] if len(tensors) == 1 else tensors
    return tuple(_at_least(t, nd) for t in seq)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims (a 1-D tensor of n becomes 1 x n); a tuple for several.

    >>> torch.atleast_2d(torch.tensor([1, 2]))
    tensor([[1, 2]])
    """
    return _each(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims (1-D: 1 x n x 1; 2-D: m x n x 1); a tuple for several.

    >>> torch.atleast_3d(torch.tensor([1, 2])).shape
    torch.Size([1, 2, 1])
    """
    return _each(tensors, 3)


def _nonempty(tensors: Sequence[Tensor], what: str) -> list[Tensor]:
    if not len(tensors):
        raise RuntimeError(f"{what} expects a non-empty TensorList")
    return list(tensors)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined depth-wise, along dim 2 (each made at least 3-D first).

    >>> torch.dstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    return cat([_at_least(t, 3) for t in _nonempty(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined as columns (0-d and 1-D tensors become columns; the rest joined along dim 1).

    >>> torch.column_stack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[1, 3],
            [2, 4]])
    """
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in _nonempty(tensors, "column_stack")])


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined as rows: ``vstack``.

    >>> torch.row_stack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return vstack(_nonempty(tensors, "vstack"))


def fliplr(input: Tensor) -> Tensor:
    """``input`` with its columns (dim 1) in reverse order; at least 2-D.

    >>> torch.fliplr(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 1],
            [4, 3]])
    """
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input: Tensor) -> Tensor:
    """``input`` with its rows (dim 0) in reverse order; at least 1-D.

    >>> torch.flipud(torch.tensor([[1, 2], [3, 4]]))
    tensor([[3, 4],
            [1, 2]])
    """
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` rotated by ``k`` quarter turns in the plane of ``dims``, from the first dim toward the second.

    >>> torch.rot90(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = one_dim(dims[0], input.ndim), one_dim(dims[1], input.ndim)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    k %= 4
    if k == 1:
        return transpose(flip(input, [b]), a, b)
    if k == 2:
        return flip(input, [a, b])
    if k == 3:
        return flip(transpose(input, a, b), [b])
    return clone(input)


TENSOR_METHODS.update({"select": select, "diff": diff, "fliplr": fliplr, "flipud": flipud, "rot90": rot90})


# ------------------------------------------------------------- NumPy-style splits, unflatten, *_scatter, repeats
__all__ += ["tensor_split", "hsplit", "vsplit", "dsplit", "unflatten", "adjoint", "select_scatter", "slice_scatter",
            "diagonal_scatter", "repeat_interleave", "block_diag", "cartesian_prod", "kron"]


def _split_along(input: Tensor, sections: int | Sequence[int], d: int, what: str, least: int) -> tuple[Tensor, ...]:
    if input.ndim < least:
        raise RuntimeError(f"torch.{what} requires a tensor with at least {least} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(sections, int) and sections and input.shape[d] % sections:
        raise RuntimeError(f"torch.{what} attempted to split along dimension {d}, but the size of the dimension "
                           f"{input.shape[d]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, d)


def hsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` split column-wise (along dim 1; dim 0 of a 1-D tensor) into equal pieces or at indices.

    >>> torch.hsplit(torch.arange(4), 2)
    (tensor([0, 1]), tensor([2, 3]))
    """
    return _split_along(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


def vsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` (at least 2-D) split row-wise, along dim 0, into equal pieces or at indices.

    >>> torch.vsplit(torch.arange(4).reshape(2, 2), 2)
    (tensor([[0, 1]]), tensor([[2, 3]]))
    """
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """``input`` (at least 3-D) split depth-wise, along dim 2, into equal pieces or at indices.

    >>> [t.shape for t in torch.dsplit(torch.zeros(1, 1, 4), [1])]
    [torch.Size([1, 1, 1]), torch.Size([1, 1, 3])]
    """
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """``input`` with dim ``dim`` expanded into ``sizes`` (one of them may be -1).

    >>> torch.unflatten(torch.arange(6), 0, (2, -1)).shape
    torch.Size([2, 3])
    """
    sizes = tuple(int(k) for k in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    d = one_dim(dim, input.ndim)
    shape = tuple(input.shape)
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (a view; ``input.mH``).

    >>> torch.adjoint(torch.tensor([[1, 2], [3, 4]]))
    tensor([[1, 3],
            [2, 4]])
    """
    if input.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return input.mH


def _scatter_into(input: Tensor, src: Tensor, at: tuple[Any, ...], what: str) -> Tensor:
    """A copy of ``input`` with ``src`` written at the basic index ``at`` (gradients: ``input`` outside ``at``,
    ``src`` all of it)."""
    want = tuple(input[at].shape)
    if tuple(src.shape) != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(want)}")
    return apply(lambda x, s: fnp.at(x)[at].set(s), (input, cast(src, input._np_dtype())), None, what)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``.

    >>> torch.select_scatter(torch.zeros(2, 2), torch.ones(2), 0, 0)
    tensor([[1., 1.],
            [0., 0.]])
    """
    select(input, dim, index)  # torch's checks
    d = one_dim(dim, input.ndim)
    return _scatter_into(input, src, (slice(None),) * d + (int(index) % input.shape[d],), "SelectScatterBackward0")


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written into the slice ``start:end:step`` of dim ``dim``.

    >>> torch.slice_scatter(torch.zeros(4), torch.ones(2), start=1, end=3)
    tensor([0., 1., 1., 0.])
    """
    d = one_dim(dim, input.ndim)
    return _scatter_into(input, src, (slice(None),) * d + (slice(start, end, step),), "SliceScatterBackward0")


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written onto ``input.diagonal(offset, dim1, dim2)``.

    >>> torch.diagonal_scatter(torch.zeros(2, 2), torch.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    d1, d2 = one_dim(dim1, input.ndim), one_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    want = tuple(diagonal(input, offset, d1, d2).shape)
    if tuple(src.shape) != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(want)}")
    k = want[-1]
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    # the diagonal as an advanced index: the other dims in order, then the diagonal's (as ``diagonal`` puts it)
    rest = [a for a in range(input.ndim) if a not in (d1, d2)]
    grids = np.indices([input.shape[a] for a in rest] + [k], sparse=True)
    at: list[Any] = [None] * input.ndim
    for a, g in zip(rest, grids[:-1]):
        at[a] = g
    at[d1], at[d2] = rows[grids[-1]], cols[grids[-1]]
    return apply(lambda x, s: fnp.at(x)[tuple(at)].set(s), (input, cast(src, input._np_dtype())), None,
                 "DiagonalScatterBackward0")


def repeat_interleave(input: Tensor, repeats: Tensor | int | None = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (each slice along ``dim``; of the flattened tensor when None) repeated ``repeats`` times in
    place; ``repeat_interleave(counts)`` alone gives ``0, 0, ..., 1, ...`` (index ``i`` ``counts[i]`` times).

    >>> torch.repeat_interleave(torch.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    >>> torch.repeat_interleave(torch.tensor([2, 1]))
    tensor([0, 0, 1])
    """
    if repeats is None:  # repeat_interleave(counts)
        counts = input
        return repeat_interleave(wrap(backend.get_array_module(counts._raw()).arange(counts.shape[0],
                                                                                    dtype=np.int64)), counts)
    r: Any
    if isinstance(repeats, Tensor) and repeats.ndim:
        r = repeats._raw()
        negative = bool((r < 0).any())
    else:
        r = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
        negative = r < 0
    if negative:
        raise RuntimeError("repeats can not be negative")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else one_dim(dim, input.ndim)
    if not isinstance(r, int) and r.shape[0] != (x.shape[d] if x.ndim else 1):
        raise RuntimeError("repeats must have the same size as input along dim")
    if x.ndim == 0:
        x = x.reshape(1)
    return apply(lambda v: fnp.repeat(v, r, axis=d), (x,), None, "RepeatInterleaveBackward0")


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-D as one row, or 2-D) placed along the diagonal of a zero matrix.

    >>> torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([[3], [4]]))
    tensor([[1, 2, 0],
            [0, 0, 3],
            [0, 0, 4]])
    """
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        mats.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not mats:  # torch: a 1 x 0 matrix of the default dtype
        return wrap(np.zeros((1, 0), _dtypes.get_default_dtype().np))
    mats = _promote_all(mats, "block_diag")
    cols = sum(m.shape[1] for m in mats)
    bands, c = [], 0
    for m in mats:  # each block padded with zeros to the full width: one band of rows
        left = m.new_zeros((m.shape[0], c))
        right = m.new_zeros((m.shape[0], cols - c - m.shape[1]))
        bands.append(cat([left, m, right], 1))
        c += m.shape[1]
    return cat(bands, 0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (a 1-D input: itself).

    >>> torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return clone(tensors[0])
    ts = _promote_all(list(tensors), "cartesian_prod")
    sizes = tuple(t.shape[0] for t in ts)
    cols = [expand(t.reshape(tuple(-1 if k == i else 1 for k in range(len(ts)))), sizes).reshape(-1)
            for i, t in enumerate(ts)]
    return stack(cols, 1)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: ``other`` scaled by each element of ``input``, tiled.

    >>> torch.kron(torch.tensor([1, 2]), torch.tensor([1, 10]))
    tensor([ 1, 10,  2, 20])
    """
    a, b = _promote_all([input, other], "kron")
    return apply(fnp.kron, (a, b), None, "KronBackward0")


TENSOR_METHODS.update({"hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "unflatten": unflatten,
                       "adjoint": adjoint, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
                       "diagonal_scatter": diagonal_scatter, "repeat_interleave": repeat_interleave, "kron": kron})


# ------------------------------------------------------------------------------- diagonal matrices, Vandermonde
__all__ += ["diag_embed", "diagflat", "vander"]


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonals (``offset``, in the planes of the new dims ``dim1``, ``dim2``) hold the last dim
    of ``input``; zeros elsewhere.

    >>> torch.diag_embed(torch.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    nd = input.ndim + 1
    d1, d2 = one_dim(dim1, nd), one_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input.reshape(1) if input.ndim == 0 else input
    n = x.shape[-1]
    m = n + abs(offset)
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)

    def f(v: Any) -> Any:
        lead = fnp.shape(v)[:-1]
        base = fnp.full(lead + (m, m), 0, dtype=fnp.result_type(v), like=v)
        return fnp.at(base)[(Ellipsis, rows, cols)].set(v)
    out = apply(f, (x,), None, "DiagEmbedBackward0")
    return movedim(out, (-2, -1), (d1, d2))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A matrix with the flattened ``input`` on its ``offset``-th diagonal.

    >>> torch.diagflat(torch.tensor([[1, 2]]))
    tensor([[1, 0],
            [0, 2]])
    """
    return diag_embed(input.reshape(-1), offset)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x ** (N-1), ..., x, 1`` (reversed with ``increasing``).

    >>> torch.vander(torch.tensor([1, 2, 3]), 3)
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    v = cast(x, np.dtype(np.int64)) if x._np_dtype().kind in "biu" else x
    return apply(lambda a: fnp.vander(a, n, increasing=increasing), (v,), None, "VanderBackward0")
TENSOR_METHODS.update({"diag_embed": diag_embed, "diagflat": diagflat})
