"""``nn.Upsample``, ``nn.UpsamplingNearest2d``, ``nn.UpsamplingBilinear2d``, ``nn.PixelShuffle``,
``nn.PixelUnshuffle``: stateless facades over ``fgrad.nn.upsampling``.

>>> import fgrad_nn as torch
>>> torch.nn.Upsample(scale_factor=2, mode="bilinear")(torch.ones(1, 1, 2, 2)).shape
torch.Size([1, 1, 4, 4])
"""
from fgrad import nn as L

from .pooling import _Pool

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle"]


class Upsample(_Pool):
    """torch.nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None)."""

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]
    _attrs = ("name", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    _layer_cls = L.Upsample


class UpsamplingNearest2d(Upsample):
    """torch.nn.UpsamplingNearest2d(size=None, scale_factor=None)."""
    _layer_cls = L.UpsamplingNearest2d


class UpsamplingBilinear2d(Upsample):
    """torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None): bilinear, align_corners=True."""
    _layer_cls = L.UpsamplingBilinear2d


class PixelShuffle(_Pool):
    """torch.nn.PixelShuffle(upscale_factor)."""

    __constants__ = ["upscale_factor"]
    _attrs = ("upscale_factor",)
    _layer_cls = L.PixelShuffle


class PixelUnshuffle(_Pool):
    """torch.nn.PixelUnshuffle(downscale_factor)."""

    __constants__ = ["downscale_factor"]
    _attrs = ("downscale_factor",)
    _layer_cls = L.PixelUnshuffle
