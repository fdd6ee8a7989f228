"""``nn.MaxPool*``, ``nn.AvgPool*``, ``nn.MaxUnpool*``, ``nn.AdaptiveAvgPool*``, ``nn.AdaptiveMaxPool*``,
``nn.LPPool*``: stateless facades over ``fgrad.nn.pooling``.

>>> import fgrad_nn as torch
>>> pool = torch.nn.MaxPool2d(2, return_indices=True)
>>> y, idx = pool(torch.arange(16.0).reshape(1, 1, 4, 4))
>>> idx.dtype
torch.int64
"""
from fgrad import nn as L
from ._run import run_layer
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxUnpool1d",
           "MaxUnpool2d", "MaxUnpool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d"]


class _Pool(Module):
    """A stateless pooling module: torch's attributes copied from the pure layer, which runs in forward."""

    _layer_cls = None
    _attrs = ()

    def _build(self, layer):
        object.__setattr__(self, "_layer", layer)  # no params: nothing to draw from the generator
        for name in self._attrs:
            setattr(self, name, getattr(layer, name))

    def _sync(self):
        for name in self._attrs:  # torch reads its attributes at every call
            setattr(self._layer, name, getattr(self, name))

    def forward(self, input):
        self._sync()
        return run_layer(self, input, out_kind="tree" if getattr(self, "return_indices", False) else "one")

    def extra_repr(self):
        self._sync()
        return self._layer.extra_repr()


_MAX = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")


class _MaxPoolNd(_Pool):
    __constants__ = list(_MAX)
    _attrs = _MAX

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self._build(self._layer_cls(kernel_size, stride, padding, dilation, return_indices, ceil_mode))


class MaxPool1d(_MaxPoolNd):
    """torch.nn.MaxPool1d; with ``return_indices=True`` forward returns ``(values, indices)``."""
    _layer_cls = L.MaxPool1d


class MaxPool2d(_MaxPoolNd):
    """torch.nn.MaxPool2d; with ``return_indices=True`` forward returns ``(values, indices)``."""
    _layer_cls = L.MaxPool2d


class MaxPool3d(_MaxPoolNd):
    """torch.nn.MaxPool3d."""
    _layer_cls = L.MaxPool3d


class AvgPool1d(_Pool):
    """torch.nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)."""
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
    _attrs = tuple(__constants__)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self._build(L.AvgPool1d(kernel_size, stride, padding, ceil_mode, count_include_pad))


class _AvgPoolNd(_Pool):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]
    _attrs = tuple(__constants__)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self._build(self._layer_cls(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))


class AvgPool2d(_AvgPoolNd):
    """torch.nn.AvgPool2d (count_include_pad, ceil_mode, divisor_override)."""
    _layer_cls = L.AvgPool2d


class AvgPool3d(_AvgPoolNd):
    """torch.nn.AvgPool3d."""
    _layer_cls = L.AvgPool3d


class _MaxUnpoolNd(_Pool):
    _attrs = ("kernel_size", "stride", "padding")

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self._build(self._layer_cls(kernel_size, stride, padding))

    def forward(self, input, indices, output_size=None):
        self._sync()
        if output_size is not None:
            output_size = [int(s) for s in output_size]
        return run_layer(self, input, indices, output_size=output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool1d: ``forward(input, indices, output_size=None)``."""
    _layer_cls = L.MaxUnpool1d


class MaxUnpool2d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool2d: ``forward(input, indices, output_size=None)``; indices from MaxPool2d."""
    _layer_cls = L.MaxUnpool2d


class MaxUnpool3d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool3d."""
    _layer_cls = L.MaxUnpool3d


class _AdaptiveAvgPoolNd(_Pool):
    __constants__ = ["output_size"]
    _attrs = ("output_size",)

    def __init__(self, output_size):
        super().__init__()
        self._build(self._layer_cls(output_size))


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool1d(output_size)."""
    _layer_cls = L.AdaptiveAvgPool1d


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool2d(output_size); ``None`` keeps that size."""
    _layer_cls = L.AdaptiveAvgPool2d


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool3d(output_size)."""
    _layer_cls = L.AdaptiveAvgPool3d


class _AdaptiveMaxPoolNd(_Pool):
    __constants__ = ["output_size", "return_indices"]
    _attrs = ("output_size", "return_indices")

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self._build(self._layer_cls(output_size, return_indices))


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False)."""
    _layer_cls = L.AdaptiveMaxPool1d


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False)."""
    _layer_cls = L.AdaptiveMaxPool2d


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool3d(output_size, return_indices=False)."""
    _layer_cls = L.AdaptiveMaxPool3d


class _LPPoolNd(_Pool):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]
    _attrs = tuple(__constants__)

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self._build(self._layer_cls(norm_type, kernel_size, stride, ceil_mode))


class LPPool1d(_LPPoolNd):
    """torch.nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)."""
    _layer_cls = L.LPPool1d


class LPPool2d(_LPPoolNd):
    """torch.nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)."""
    _layer_cls = L.LPPool2d
