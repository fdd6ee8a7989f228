"""``nn.LayerNorm``, ``nn.GroupNorm``: facades over ``fgrad.nn.normalization``.

>>> import fgrad_nn as torch
>>> ln = torch.nn.LayerNorm(4)
>>> [n for n, _ in ln.named_parameters()]
['weight', 'bias']
"""
from fgrad import nn as L

from .module import Module, np_dtype

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

    def forward(self, input):
        return self._run_layer(input)


class LayerNorm(_AffineNorm):
    """torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        layer = L.LayerNorm(normalized_shape, eps, elementwise_affine, bias, np_dtype(dtype))
        self.normalized_shape = layer.normalized_shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._init_affine(layer, device, elementwise_affine, bias)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None if self.elementwise_affine else False}")


class GroupNorm(_AffineNorm):
    """torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True)."""

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        layer = L.GroupNorm(num_groups, num_channels, eps, affine, np_dtype(dtype), bias=bias)
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._init_affine(layer, device, affine, bias)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None if self.affine else False}")
