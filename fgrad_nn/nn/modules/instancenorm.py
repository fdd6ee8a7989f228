"""``nn.InstanceNorm1d/2d/3d``: facades over ``fgrad.nn.normalization`` (torch's defaults:
``affine=False``, ``track_running_stats=False``).

>>> import fgrad_nn as torch
>>> torch.nn.InstanceNorm2d(3)(torch.randn(2, 3, 4, 4)).shape
torch.Size([2, 3, 4, 4])
"""

from __future__ import annotations

import warnings

from fgrad import nn as L
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        nd = self._layer.nd
        if input.dim() in (nd + 1, nd + 2) and not self.affine:
            feature_dim = input.dim() - (nd + 1)
            if input.size(feature_dim) != self.num_features:
                warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence "
                              "this warning by not passing in num_features, which is not used because "
                              "affine=False", stacklevel=2)
        return super().forward(input)


class InstanceNorm1d(_InstanceNorm):
    """torch.nn.InstanceNorm1d over ``(N, C, L)`` or ``(C, L)``.

    >>> m = nn.InstanceNorm1d(3)
    >>> m(torch.ones(2, 3, 10)).abs().max().item()
    0.0
    """
    _layer_cls = L.InstanceNorm1d


class InstanceNorm2d(_InstanceNorm):
    """torch.nn.InstanceNorm2d over ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> m = nn.InstanceNorm2d(3)
    >>> m(torch.ones(2, 3, 10, 10)).abs().max().item()
    0.0
    """
    _layer_cls = L.InstanceNorm2d


class InstanceNorm3d(_InstanceNorm):
    """torch.nn.InstanceNorm3d over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> m = nn.InstanceNorm3d(3)
    >>> m(torch.ones(2, 3, 6, 6, 6)).abs().max().item()
    0.0
    """
    _layer_cls = L.InstanceNorm3d
