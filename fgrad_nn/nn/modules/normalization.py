"""``nn.LayerNorm``, ``nn.GroupNorm``: facades over ``fgrad.nn.normalization``.

>>> import fgrad_nn as torch
>>> ln = torch.nn.LayerNorm(4)
>>> [n for n, _ in ln.named_parameters()]
['weight', 'bias']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, TYPE_CHECKING, Union
from fgrad import nn as L

from .module import Module, np_dtype

if TYPE_CHECKING:
    from ..._tensor import Tensor
    from ...types import DType
    from ...types import DeviceLike

__all__ = ["LayerNorm", "GroupNorm"]


class _AffineNorm(Module):
    """A normalisation whose optional affine part is (weight=1, bias=0), like torch's."""

    def _init_affine(self, layer, device, affine, bias):
        self._init_layer(layer, device)
        if not affine:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        elif not bias:
            self.register_parameter("bias", None)

    def reset_parameters(self):
        self._reset_from_layer()

    def _current_layer(self):
        self._layer.eps = self.eps
        return self._layer

    _grad_fn = "NativeLayerNormBackward0"  # torch's node name for the output's grad_fn

    def forward(self, input: Tensor) -> Tensor:
        return self._run_layer(input, name=self._grad_fn)


class LayerNorm(_AffineNorm):
    """torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True).

    >>> m = nn.LayerNorm(3)
    >>> m(torch.tensor([[1.0, 2.0, 3.0]]))
    tensor([[-1.2247,  0.0000,  1.2247]], grad_fn=<NativeLayerNormBackward0>)
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__()
        layer = L.LayerNorm(normalized_shape, eps, elementwise_affine, bias, np_dtype(dtype))
        self.normalized_shape = layer.normalized_shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._init_affine(layer, device, elementwise_affine, bias)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None if self.elementwise_affine else False}")


class GroupNorm(_AffineNorm):
    """torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True).

    >>> m = nn.GroupNorm(2, 4)
    >>> m(torch.tensor([[1.0, 3.0, 5.0, 5.0]])).shape
    torch.Size([1, 4])
    """

    _grad_fn = "NativeGroupNormBackward0"

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None, *, bias: bool = True) -> None:
        super().__init__()
        layer = L.GroupNorm(num_groups, num_channels, eps, affine, np_dtype(dtype), bias=bias)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._init_affine(layer, device, affine, bias)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None if self.affine else False}")
