"""``nn.Flatten`` and ``nn.Unflatten``."""
from fgrad import nn as L
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (default: all but the batch dim)."""

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim, unflattened_size):
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

    def forward(self, input):
        return self._run_layer(input)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
