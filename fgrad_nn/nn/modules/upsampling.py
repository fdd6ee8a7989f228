"""``nn.Upsample``, ``nn.UpsamplingNearest2d``, ``nn.UpsamplingBilinear2d``, ``nn.PixelShuffle``,
``nn.PixelUnshuffle``: stateless facades over ``fgrad.nn.upsampling``.

>>> import fgrad_nn as torch
>>> torch.nn.Upsample(scale_factor=2, mode="bilinear")(torch.ones(1, 1, 2, 2)).shape
torch.Size([1, 1, 4, 4])
"""

from __future__ import annotations

from typing import Any

from fgrad import nn as L

from .pooling import _Pool

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle"]


class Upsample(_Pool):
    """torch.nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None).

    >>> nn.Upsample(scale_factor=2, mode='nearest')(torch.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2., 2.]]])
    """

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]
    _attrs = ("name", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    _layer_cls: Any = L.Upsample


class UpsamplingNearest2d(Upsample):
    """torch.nn.UpsamplingNearest2d(size=None, scale_factor=None).

    >>> nn.UpsamplingNearest2d(scale_factor=2)(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[0., 0., 1., 1.],
              [0., 0., 1., 1.],
              [2., 2., 3., 3.],
              [2., 2., 3., 3.]]]])
    """
    _layer_cls = L.UpsamplingNearest2d


class UpsamplingBilinear2d(Upsample):
    """torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None): bilinear, align_corners=True.

    >>> nn.UpsamplingBilinear2d(size=3)(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[0.0000, 0.5000, 1.0000],
              [1.0000, 1.5000, 2.0000],
              [2.0000, 2.5000, 3.0000]]]])
    """
    _layer_cls = L.UpsamplingBilinear2d


class PixelShuffle(_Pool):
    """torch.nn.PixelShuffle(upscale_factor).

    >>> nn.PixelShuffle(2)(torch.zeros(1, 8, 3, 3)).shape
    torch.Size([1, 2, 6, 6])
    """

    __constants__ = ["upscale_factor"]
    _attrs = ("upscale_factor",)
    _layer_cls = L.PixelShuffle


class PixelUnshuffle(_Pool):
    """torch.nn.PixelUnshuffle(downscale_factor).

    >>> nn.PixelUnshuffle(2)(torch.zeros(1, 2, 6, 6)).shape
    torch.Size([1, 8, 3, 3])
    """

    __constants__ = ["downscale_factor"]
    _attrs = ("downscale_factor",)
    _layer_cls = L.PixelUnshuffle
