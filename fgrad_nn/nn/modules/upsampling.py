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

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self._build(L.Upsample(size, scale_factor, mode, align_corners, recompute_scale_factor))


class UpsamplingNearest2d(Upsample):
    """torch.nn.UpsamplingNearest2d(size=None, scale_factor=None)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None): bilinear, align_corners=True."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(_Pool):
    """torch.nn.PixelShuffle(upscale_factor)."""

    __constants__ = ["upscale_factor"]
    _attrs = ("upscale_factor",)

    def __init__(self, upscale_factor):
        super().__init__()
        self._build(L.PixelShuffle(upscale_factor))


class PixelUnshuffle(_Pool):
    """torch.nn.PixelUnshuffle(downscale_factor)."""

    __constants__ = ["downscale_factor"]
    _attrs = ("downscale_factor",)

    def __init__(self, downscale_factor):
        super().__init__()
        self._build(L.PixelUnshuffle(downscale_factor))
