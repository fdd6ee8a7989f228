"""``nn.MaxPool*``, ``nn.AvgPool*``, ``nn.MaxUnpool*``, ``nn.AdaptiveAvgPool*``, ``nn.AdaptiveMaxPool*``,
``nn.LPPool*``: stateless facades over ``fgrad.nn.pooling``.

>>> import fgrad_nn as torch
>>> pool = torch.nn.MaxPool2d(2, return_indices=True)
>>> y, idx = pool(torch.arange(16.0).reshape(1, 1, 4, 4))
>>> idx.dtype
torch.int64
"""

from __future__ import annotations

from typing import Any

import inspect

from fgrad import nn as L

from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxUnpool1d",
           "MaxUnpool2d", "MaxUnpool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d"]


class _Pool(Module):
    """A stateless Module over one pure layer (pooling, padding, upsampling, fold): the constructor's arguments
    go to the pure layer (``_layer_cls``, torch's signature), whose attributes ``_attrs`` the Module mirrors
    and copies back at every call (torch reads them then)."""

    _layer_cls: Any = None
    _attrs: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls._layer_cls is not None and cls.__init__ is _Pool.__init__:
            cls.__signature__ = inspect.signature(cls._layer_cls)

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._build(self._layer_cls(*args, **kwargs))

    def _build(self, layer):
        object.__setattr__(self, "_layer", layer)  # no params: nothing to draw from the generator
        for name in self._attrs:
            setattr(self, name, getattr(layer, name))

    def _current_layer(self):
        for name in self._attrs:
            setattr(self._layer, name, getattr(self, name))
        return self._layer

    def forward(self, input):
        return self._run_layer(input)

    def extra_repr(self):
        return self._current_layer().extra_repr()


_MAX = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")


class _MaxPoolNd(_Pool):
    __constants__ = list(_MAX)
    _attrs = _MAX


class MaxPool1d(_MaxPoolNd):
    """torch.nn.MaxPool1d; with ``return_indices=True`` forward returns ``(values, indices)``.

    >>> m = nn.MaxPool1d(2)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 3, 5])
    """
    _layer_cls = L.MaxPool1d


class MaxPool2d(_MaxPoolNd):
    """torch.nn.MaxPool2d; with ``return_indices=True`` forward returns ``(values, indices)``.

    >>> m = nn.MaxPool2d(2)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 3, 5, 5])
    """
    _layer_cls = L.MaxPool2d


class MaxPool3d(_MaxPoolNd):
    """torch.nn.MaxPool3d.

    >>> m = nn.MaxPool3d(2)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 3, 3, 3, 3])
    """
    _layer_cls = L.MaxPool3d


class AvgPool1d(_Pool):
    """torch.nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True).

    >>> m = nn.AvgPool1d(2)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 3, 5])
    """
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
    _attrs = tuple(__constants__)
    _layer_cls = L.AvgPool1d


class _AvgPoolNd(_Pool):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]
    _attrs = tuple(__constants__)


class AvgPool2d(_AvgPoolNd):
    """torch.nn.AvgPool2d (count_include_pad, ceil_mode, divisor_override).

    >>> m = nn.AvgPool2d(2)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 3, 5, 5])
    """
    _layer_cls = L.AvgPool2d


class AvgPool3d(_AvgPoolNd):
    """torch.nn.AvgPool3d.

    >>> m = nn.AvgPool3d(2)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 3, 3, 3, 3])
    """
    _layer_cls = L.AvgPool3d


class _MaxUnpoolNd(_Pool):
    _attrs = ("kernel_size", "stride", "padding")

    def forward(self, input, indices, output_size=None):
        if output_size is not None:
            output_size = [int(s) for s in output_size]
        return self._run_layer(input, indices, output_size=output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool1d: ``forward(input, indices, output_size=None)``.

    >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    >>> y, idx = pool(torch.tensor([[[1.0, 5.0, 3.0, 2.0]]]))
    >>> unpool(y, idx)
    tensor([[[0., 5., 3., 0.]]])
    """
    _layer_cls = L.MaxUnpool1d


class MaxUnpool2d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool2d: ``forward(input, indices, output_size=None)``; indices from MaxPool2d.

    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> x = torch.arange(4*4.0).reshape(1, 1, 4, 4)
    >>> y, idx = pool(x)
    >>> unpool(y, idx).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.MaxUnpool2d


class MaxUnpool3d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool3d.

    >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    >>> x = torch.arange(4*4*4.0).reshape(1, 1, 4, 4, 4)
    >>> y, idx = pool(x)
    >>> unpool(y, idx).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.MaxUnpool3d


class _AdaptiveAvgPoolNd(_Pool):
    __constants__ = ["output_size"]
    _attrs = ("output_size",)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool1d(output_size).

    >>> m = nn.AdaptiveAvgPool1d(1)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 3, 1])
    """
    _layer_cls = L.AdaptiveAvgPool1d


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool2d(output_size); ``None`` keeps that size.

    >>> m = nn.AdaptiveAvgPool2d(1)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 3, 1, 1])
    """
    _layer_cls = L.AdaptiveAvgPool2d


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool3d(output_size).

    >>> m = nn.AdaptiveAvgPool3d(1)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 3, 1, 1, 1])
    """
    _layer_cls = L.AdaptiveAvgPool3d


class _AdaptiveMaxPoolNd(_Pool):
    __constants__ = ["output_size", "return_indices"]
    _attrs = ("output_size", "return_indices")


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False).

    >>> m = nn.AdaptiveMaxPool1d(2)
    >>> m(torch.zeros(2, 3, 10)).shape
    torch.Size([2, 3, 2])
    """
    _layer_cls = L.AdaptiveMaxPool1d


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False).

    >>> m = nn.AdaptiveMaxPool2d(2)
    >>> m(torch.zeros(2, 3, 10, 10)).shape
    torch.Size([2, 3, 2, 2])
    """
    _layer_cls = L.AdaptiveMaxPool2d


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool3d(output_size, return_indices=False).

    >>> m = nn.AdaptiveMaxPool3d(2)
    >>> m(torch.zeros(2, 3, 6, 6, 6)).shape
    torch.Size([2, 3, 2, 2, 2])
    """
    _layer_cls = L.AdaptiveMaxPool3d


class _LPPoolNd(_Pool):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]
    _attrs = tuple(__constants__)


class LPPool1d(_LPPoolNd):
    """torch.nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False).

    >>> nn.LPPool1d(2, 2)(torch.tensor([[[3.0, 4.0, 0.0, 1.0]]]))
    tensor([[[5., 1.]]])
    """
    _layer_cls = L.LPPool1d


class LPPool2d(_LPPoolNd):
    """torch.nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False).

    >>> nn.LPPool2d(2, 2)(torch.ones(1, 1, 4, 4))
    tensor([[[[2., 2.],
              [2., 2.]]]])
    """
    _layer_cls = L.LPPool2d
