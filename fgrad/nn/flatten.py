"""``Flatten`` and ``Unflatten`` layers (reshapes; no parameters).

>>> import numpy as np
>>> Flatten().apply({}, {}, np.zeros((2, 3, 4)))[0].shape
(2, 12)
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

import fgrad.numpy as fnp

from .base import Layer
from .torch_rules import normalize_dim

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["flatten", "unflatten", "Flatten", "Unflatten"]


def flatten(input: ArrayLike, start_dim: int = 0, end_dim: int = -1) -> Array:
    """Merge dims ``start_dim..end_dim`` into one (torch.flatten; a 0-d input becomes 1-d).

    >>> fgrad.nn.functional.flatten(np.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    s = np.shape(input)
    if not s:
        return fnp.reshape(input, (1,))
    a, b = normalize_dim(start_dim, len(s)), normalize_dim(end_dim, len(s))
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return fnp.reshape(input, s[:a] + (math.prod(s[a:b + 1]),) + s[b + 1:])


def unflatten(input: ArrayLike, dim: int, sizes: Sequence[int]) -> Array:
    """Split dim ``dim`` into ``sizes`` (one entry may be -1, inferred).

    >>> fgrad.nn.functional.unflatten(np.zeros((2, 12)), 1, (3, -1)).shape
    (2, 3, 4)
    """
    s = np.shape(input)
    d = normalize_dim(dim, len(s))
    sizes = tuple(int(v) for v in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(v for v in sizes if v != -1)
    if -1 in sizes:
        if known == 0 or s[d] % known:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                               f"{dim} ({s[d]}) in the input tensor")
        sizes = tuple(s[d] // known if v == -1 else v for v in sizes)
    elif known != s[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({s[d]}) in the input tensor")
    return fnp.reshape(input, s[:d] + sizes + s[d + 1:])


class Flatten(Layer):
    """The layer form of ``flatten``; by default keeps the batch dim (``start_dim=1``), as torch's.

    >>> fgrad.nn.Flatten().apply({}, {}, np.zeros((2, 3, 4)))[0].shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Layer):
    """The layer form of ``unflatten(x, dim, unflattened_size)``.

    >>> fgrad.nn.Unflatten(1, (2, 3)).apply({}, {}, np.zeros((4, 6)))[0].shape
    (4, 2, 3)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        self.dim, self.unflattened_size = dim, unflattened_size

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
