"""``nn.Flatten`` and ``nn.Unflatten``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, TYPE_CHECKING
from fgrad import nn as L
from .module import Module

if TYPE_CHECKING:
    from ..._tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (default: all but the batch dim).

    >>> nn.Flatten()(torch.zeros(2, 3, 4, 5)).shape
    torch.Size([2, 60])
    """

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size``.

    >>> nn.Unflatten(1, (3, 4))(torch.zeros(2, 12)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, dim: Optional[int], unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, int):
            if not isinstance(unflattened_size, (tuple, list)):
                raise TypeError("unflattened_size must be tuple of ints, but found type "
                                f"{type(unflattened_size).__name__}")
            for i, v in enumerate(unflattened_size):
                if not isinstance(v, int):
                    raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                    f"{type(v).__name__} at pos {i}")
        else:
            raise TypeError(f"invalid argument type for dim parameter, expected int, got {type(dim).__name__}")
        self.dim, self.unflattened_size = dim, unflattened_size
        object.__setattr__(self, "_layer", L.Unflatten(dim, unflattened_size))

    def forward(self, input: Tensor) -> Tensor:
        return self._run_layer(input)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
