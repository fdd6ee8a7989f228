"""``nn.ZeroPad*``, ``nn.ConstantPad*``, ``nn.ReflectionPad*``, ``nn.ReplicationPad*``, ``nn.CircularPad*``
(1d/2d/3d): stateless facades over ``fgrad.nn.padding``.

>>> import fgrad_nn as torch
>>> torch.nn.ReflectionPad2d((1, 1, 2, 0))(torch.ones(1, 1, 3, 3)).shape
torch.Size([1, 1, 5, 5])
"""

from __future__ import annotations

from fgrad import nn as L

from .pooling import _Pool

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


class _PadNd(_Pool):
    __constants__ = ["padding", "value"]
    _attrs = ("padding", "value")

    def __init__(self, padding):  # torch's signature (the pure layers take a fill value too)
        super().__init__(padding)


class _ConstantPadNd(_PadNd):
    __init__ = _Pool.__init__  # (padding, value): the pure layer's signature


class ZeroPad1d(_PadNd):
    """torch.nn.ZeroPad1d(padding): pads with zeros.

    >>> nn.ZeroPad1d(1)(torch.arange(3.0).reshape(1, 1, 3))
    tensor([[[0., 0., 1., 2., 0.]]])
    """
    _layer_cls = L.ZeroPad1d


class ZeroPad2d(_PadNd):
    """torch.nn.ZeroPad2d(padding): pads with zeros.

    >>> nn.ZeroPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.ZeroPad2d


class ZeroPad3d(_PadNd):
    """torch.nn.ZeroPad3d(padding): pads with zeros.

    >>> nn.ZeroPad3d(1)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.ZeroPad3d


class ConstantPad1d(_ConstantPadNd):
    """torch.nn.ConstantPad1d(padding, value): pads with ``value``.

    >>> nn.ConstantPad1d(1, 3.5)(torch.arange(3.0).reshape(1, 1, 3))
    tensor([[[3.5000, 0.0000, 1.0000, 2.0000, 3.5000]]])
    """
    _layer_cls = L.ConstantPad1d


class ConstantPad2d(_ConstantPadNd):
    """torch.nn.ConstantPad2d(padding, value): pads with ``value``.

    >>> nn.ConstantPad2d(1, 3.5)(torch.arange(4.0).reshape(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.ConstantPad2d


class ConstantPad3d(_ConstantPadNd):
    """torch.nn.ConstantPad3d(padding, value): pads with ``value``.

    >>> nn.ConstantPad3d(1, 3.5)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.ConstantPad3d


class ReflectionPad1d(_PadNd):
    """torch.nn.ReflectionPad1d(padding): mirrors without repeating the edge.

    >>> nn.ReflectionPad1d(1)(torch.arange(3.0).reshape(1, 1, 3))
    tensor([[[1., 0., 1., 2., 1.]]])
    """
    _layer_cls = L.ReflectionPad1d


class ReflectionPad2d(_PadNd):
    """torch.nn.ReflectionPad2d(padding): mirrors without repeating the edge.

    >>> nn.ReflectionPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.ReflectionPad2d


class ReflectionPad3d(_PadNd):
    """torch.nn.ReflectionPad3d(padding): mirrors without repeating the edge.

    >>> nn.ReflectionPad3d(1)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.ReflectionPad3d


class ReplicationPad1d(_PadNd):
    """torch.nn.ReplicationPad1d(padding): repeats the edge value.

    >>> nn.ReplicationPad1d(1)(torch.arange(3.0).reshape(1, 1, 3))
    tensor([[[0., 0., 1., 2., 2.]]])
    """
    _layer_cls = L.ReplicationPad1d


class ReplicationPad2d(_PadNd):
    """torch.nn.ReplicationPad2d(padding): repeats the edge value.

    >>> nn.ReplicationPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.ReplicationPad2d


class ReplicationPad3d(_PadNd):
    """torch.nn.ReplicationPad3d(padding): repeats the edge value.

    >>> nn.ReplicationPad3d(1)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.ReplicationPad3d


class CircularPad1d(_PadNd):
    """torch.nn.CircularPad1d(padding): wraps around.

    >>> nn.CircularPad1d(1)(torch.arange(3.0).reshape(1, 1, 3))
    tensor([[[2., 0., 1., 2., 0.]]])
    """
    _layer_cls = L.CircularPad1d


class CircularPad2d(_PadNd):
    """torch.nn.CircularPad2d(padding): wraps around.

    >>> nn.CircularPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """
    _layer_cls = L.CircularPad2d


class CircularPad3d(_PadNd):
    """torch.nn.CircularPad3d(padding): wraps around.

    >>> nn.CircularPad3d(1)(torch.arange(8.0).reshape(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    _layer_cls = L.CircularPad3d
