"""``nn.Conv1d/2d/3d``, ``nn.ConvTranspose1d/2d/3d``: facades over ``fgrad.nn.conv``.

Each builds the pure layer (which checks torch's constructor errors), registers its
``weight``/``bias`` and runs it in ``forward``; the math is ``fgrad.convolution``.

>>> import fgrad_nn as torch
>>> conv = torch.nn.Conv2d(3, 8, 3, padding=1)
>>> conv(torch.ones(2, 3, 10, 10)).shape
torch.Size([2, 8, 10, 10])
"""

from __future__ import annotations

from typing import Any

from fgrad import nn as L
from fgrad.nn.torch_rules import dtype_name

from ..._tensor import Tensor
from .. import functional as F
from .module import Module, np_dtype

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_ATTRS = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "transposed",
          "output_padding", "groups", "padding_mode", "_reversed_padding_repeated_twice")


class _ConvNd(Module):
    """Shared by the Conv and ConvTranspose modules: torch's attributes, init and repr."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding", "in_channels",
                     "out_channels", "kernel_size"]
    _layer_cls: Any = L.Conv2d

    def _build(self, layer, bias, device):
        for name in _ATTRS:
            object.__setattr__(self, name, getattr(layer, name))
        self._init_layer(layer, device)
        if not bias:
            self.register_parameter("bias", None)

    def reset_parameters(self):
        self._reset_from_layer()

    def _check_dtype(self, input):
        """torch's error for an input whose float dtype differs from the weight's."""
        if isinstance(input, Tensor) and input._np_dtype() != self.weight._np_dtype():
            raise RuntimeError(f"Input type ({dtype_name(input._np_dtype()).lower()}) and bias type "
                               f"({dtype_name(self.weight._np_dtype()).lower()}) should be the same")

    def extra_repr(self):
        return self._layer.extra_repr()


class _Conv(_ConvNd):
    _fn_name = "conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        layer = self._layer_cls(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                                padding_mode, np_dtype(dtype))
        self._build(layer, bias, device)

    def _conv_forward(self, input, weight, bias):
        """torch's hook for subclasses: this convolution with another weight/bias."""
        fn = getattr(F, self._fn_name)
        if self.padding_mode != "zeros":
            return fn(F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight, bias,
                      self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        self._check_dtype(input)
        return self._run_layer(input)


class Conv1d(_Conv):
    """torch.nn.Conv1d: ``weight`` (C_out, C_in/groups, k), ``bias`` (C_out,).

    >>> m = nn.Conv1d(3, 8, kernel_size=3, padding=1)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 8, 10])
    """
    _layer_cls, _fn_name = L.Conv1d, "conv1d"


class Conv2d(_Conv):
    """torch.nn.Conv2d: ``weight`` (C_out, C_in/groups, kh, kw), ``bias`` (C_out,).

    >>> m = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 8, 10, 10])
    """
    _layer_cls, _fn_name = L.Conv2d, "conv2d"


class Conv3d(_Conv):
    """torch.nn.Conv3d: ``weight`` (C_out, C_in/groups, kd, kh, kw), ``bias`` (C_out,).

    >>> m = nn.Conv3d(3, 8, kernel_size=3, padding=1)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 8, 6, 6, 6])
    """
    _layer_cls, _fn_name = L.Conv3d, "conv3d"


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        layer = self._layer_cls(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups,
                                bias, dilation, padding_mode, np_dtype(dtype))
        self._build(layer, bias, device)

    def _output_padding(self, input, output_size, stride=None, padding=None, kernel_size=None,
                        num_spatial_dims=None, dilation=None):
        return list(self._layer.output_padding_for(input, output_size))

    def forward(self, input, output_size=None):
        self._check_dtype(input)
        if output_size is not None:
            output_size = [int(s) for s in output_size]
        return self._run_layer(input, output_size=output_size)


class ConvTranspose1d(_ConvTranspose):
    """torch.nn.ConvTranspose1d: ``weight`` (C_in, C_out/groups, k); ``forward(input, output_size=None)``.

    >>> m = nn.ConvTranspose1d(3, 8, kernel_size=2, stride=2)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 8, 20])
    """
    _layer_cls = L.ConvTranspose1d


class ConvTranspose2d(_ConvTranspose):
    """torch.nn.ConvTranspose2d: ``weight`` (C_in, C_out/groups, kh, kw); ``forward(input, output_size=None)``.

    >>> m = nn.ConvTranspose2d(3, 8, kernel_size=2, stride=2)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 8, 20, 20])
    """
    _layer_cls = L.ConvTranspose2d


class ConvTranspose3d(_ConvTranspose):
    """torch.nn.ConvTranspose3d: ``weight`` (C_in, C_out/groups, kd, kh, kw).

    >>> m = nn.ConvTranspose3d(3, 8, kernel_size=2, stride=2)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 8, 12, 12, 12])
    """
    _layer_cls = L.ConvTranspose3d
