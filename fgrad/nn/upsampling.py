"""Resampling: ``interpolate`` (and torch's deprecated ``upsample*`` spellings), ``pixel_shuffle``, and
the Upsample / UpsamplingNearest2d / UpsamplingBilinear2d / PixelShuffle layers.

The arithmetic is ``fgrad.convolution.interpolate`` (torch's source-coordinate
conventions for every mode); this module keeps torch's signatures.

>>> import numpy as np
>>> interpolate(np.arange(2.0).reshape(1, 1, 2), scale_factor=2, mode="linear", align_corners=True)
array([[[0.        , 0.33333333, 0.66666667, 1.        ]]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import fgrad.convolution as fc
import fgrad.numpy as fnp
from fgrad.numpy import shape

from .base import Layer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
           "PixelUnshuffle"]


def interpolate(input: ArrayLike, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Array:
    """torch.nn.functional.interpolate on ``(N, C, *spatial)``: modes 'nearest', 'nearest-exact',
    'linear', 'bilinear', 'bicubic', 'trilinear', 'area'; exactly one of ``size``/``scale_factor``.

    ``align_corners`` (linear modes only) maps the corner pixels' centres onto each other.

    >>> fgrad.nn.functional.interpolate(np.ones((1, 3, 4, 4)), size=(8, 6), mode="bilinear").shape
    (1, 3, 8, 6)
    >>> fgrad.nn.functional.interpolate(np.array([[[0.0, 1.0, 2.0]]]), size=5, mode="linear", align_corners=True)
    array([[[0. , 0.5, 1. , 1.5, 2. ]]])
    """
    return fc.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias)


def upsample(input: ArrayLike, size: int | Sequence[int] | None = None,
             scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Array:
    """torch.nn.functional.upsample (deprecated in torch): ``interpolate``.

    >>> fgrad.nn.functional.upsample(np.arange(4.0).reshape(1, 1, 2, 2), scale_factor=2)[0, 0]
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: ArrayLike, size: int | Sequence[int] | None = None,
                     scale_factor: float | Sequence[float] | None = None) -> Array:
    """torch.nn.functional.upsample_nearest: ``interpolate(..., mode='nearest')``.

    >>> fgrad.nn.functional.upsample_nearest(np.arange(4.0).reshape(1, 1, 2, 2), size=3)[0, 0]
    array([[0., 0., 1.],
           [0., 0., 1.],
           [2., 2., 3.]])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: ArrayLike, size: int | Sequence[int] | None = None,
                      scale_factor: float | Sequence[float] | None = None) -> Array:
    """torch.nn.functional.upsample_bilinear: ``interpolate(..., mode='bilinear', align_corners=True)``.

    >>> fgrad.nn.functional.upsample_bilinear(np.arange(4.0).reshape(1, 1, 2, 2), size=3)[0, 0]
    array([[0. , 0.5, 1. ],
           [1. , 1.5, 2. ],
           [2. , 2.5, 3. ]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: ArrayLike, upscale_factor: int) -> Array:
    """torch.nn.functional.pixel_shuffle: ``(*, C r^2, H, W)`` -> ``(*, C, H r, W r)``.

    >>> fgrad.nn.functional.pixel_shuffle(np.arange(4.0).reshape(1, 4, 1, 1), 2)
    array([[[[0., 1.],
             [2., 3.]]]])
    """
    xs, r = shape(input), int(upscale_factor)
    if len(xs) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(xs)} dimension(s)")
    *lead, c, h, w = xs
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    y = fnp.reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    y = fnp.transpose(y, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return fnp.reshape(y, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: ArrayLike, downscale_factor: int) -> Array:
    """torch.nn.functional.pixel_unshuffle: ``(*, C, H r, W r)`` -> ``(*, C r^2, H, W)``.

    >>> y = fgrad.nn.functional.pixel_unshuffle(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> y.shape, y[0, :, 0, 0]
    ((1, 4, 2, 2), array([0., 1., 4., 5.]))
    """
    xs, r = shape(input), int(downscale_factor)
    if len(xs) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{len(xs)} dimension(s)")
    *lead, c, h, w = xs
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"got input of size {list(xs)} and downscale_factor={r}")
    k = len(lead)
    y = fnp.reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    y = fnp.transpose(y, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return fnp.reshape(y, tuple(lead) + (c * r * r, h // r, w // r))


class Upsample(Layer):
    """torch.nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None), stateless: ``interpolate`` as a layer.

    >>> fgrad.nn.Upsample(scale_factor=2, mode="linear").apply({}, {}, np.array([[[0.0, 2.0]]]))[0]
    array([[[0. , 0.5, 1.5, 2. ]]])
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        self.name = type(self).__name__
        self.size = size
        self.scale_factor: float | tuple[float, ...] | None
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """torch.nn.UpsamplingNearest2d(size=None, scale_factor=None): nearest-neighbour upsampling of ``(N, C, H, W)``.

    >>> fgrad.nn.UpsamplingNearest2d(scale_factor=2).apply({}, {}, np.arange(4.0).reshape(1, 1, 2, 2))[0].shape
    (1, 1, 4, 4)
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None): bilinear with align_corners=True.

    >>> fgrad.nn.UpsamplingBilinear2d(size=3).apply({}, {}, np.arange(4.0).reshape(1, 1, 2, 2))[0][0, 0, 1]
    array([1. , 1.5, 2. ])
    """

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Layer):
    """torch.nn.PixelShuffle(upscale_factor): the layer form of ``pixel_shuffle``.

    >>> fgrad.nn.PixelShuffle(2).apply({}, {}, np.zeros((1, 8, 3, 3)))[0].shape
    (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        self.upscale_factor = upscale_factor

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Layer):
    """torch.nn.PixelUnshuffle(downscale_factor): the layer form of ``pixel_unshuffle``.

    >>> fgrad.nn.PixelUnshuffle(3).apply({}, {}, np.zeros((1, 2, 6, 6)))[0].shape
    (1, 18, 2, 2)
    """

    def __init__(self, downscale_factor: int) -> None:
        self.downscale_factor = downscale_factor

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
