"""Set operations: ``unique`` and ``unique_consecutive``, with torch's inverse indices and counts.

The groups are found on the raw values with their array module (NumPy or CuPy); the unique values
are gathered from the input, so they require grad as torch's do (their backward raises, as torch's).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

import fgrad.numpy as fnp

from .._tensor import Tensor, apply, transform_traced, wrap
from ._common import array_ops, no_derivative, nondiff, one_dim

__all__ = ["unique", "unique_consecutive"]


def _group_starts(rows: Any, xp: Any) -> Any:
    """Where a new group starts in ``rows`` (n, k): a row differing from the previous one (NaN differs)."""
    n = rows.shape[0]
    starts = xp.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
    return starts


def _unique(input: Tensor, sort: bool, return_inverse: bool, return_counts: bool, dim: Optional[int],
            name: str) -> Any:
    if transform_traced(input._data):
        raise RuntimeError(f"{name}: the output's shape depends on the values, so it cannot be computed under "
                           "an fgrad transform")
    r, xp = nondiff(input), array_ops(input)
    if dim is None:
        moved, d = r.reshape(-1, 1), None
    else:
        d = one_dim(dim, input.ndim)
        if input.ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
        if r.size == 0 and r.shape[d] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
        moved = xp.moveaxis(r, d, 0).reshape(r.shape[d], -1)
    n = moved.shape[0]
    if sort and n:
        keys = moved[:, ::-1].T  # lexsort sorts by its last key first: the rows' first column
        order = xp.lexsort(keys) if moved.shape[1] > 1 else xp.argsort(moved[:, 0], kind="stable")
    else:
        order = xp.arange(n)
    starts = _group_starts(moved[order], xp)
    first = order[starts]  # the input index of each group's first member
    if d is None:
        values = apply(no_derivative(lambda x: fnp.take(fnp.reshape(x, (-1,)), first), "_unique2"), (input,))
    else:
        values = apply(no_derivative(lambda x: fnp.take(x, first, axis=d), "unique_dim"), (input,))
    outs = [values]
    if return_inverse:
        inverse = xp.empty(n, dtype=np.int64)
        inverse[order] = xp.cumsum(starts) - 1
        outs.append(wrap(inverse.reshape(r.shape) if d is None else inverse))
    if return_counts:
        bounds = xp.concatenate([xp.nonzero(starts)[0], xp.asarray([n])])
        outs.append(wrap((bounds[1:] - bounds[:-1]).astype(np.int64)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: Optional[int] = None) -> Any:
    """The unique elements of ``input`` (or its unique slices along ``dim``), sorted; optionally with each
    element's index into them (``return_inverse``) and how often each occurs (``return_counts``).

    Each NaN is its own value, as in torch.

    >>> torch.unique(torch.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    >>> torch.unique(torch.tensor([[1, 2], [0, 5], [1, 2]]), dim=0)
    tensor([[0, 5],
            [1, 2]])
    """
    return _unique(input, True, return_inverse, return_counts, dim, "unique")


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: Optional[int] = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once.

    >>> torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    return _unique(input, False, return_inverse, return_counts, dim, "unique_consecutive")


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "unique": unique, "unique_consecutive": unique_consecutive,
}
