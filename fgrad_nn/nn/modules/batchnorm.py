"""``nn.BatchNorm1d/2d/3d``: facades over ``fgrad.nn.normalization``.

Parameters ``weight``/``bias`` (affine), buffers ``running_mean``, ``running_var``,
``num_batches_tracked`` (track_running_stats); forward runs the pure layer and writes
its new running statistics back into the buffers (in place, no grad), as torch does.

>>> import fgrad_nn as torch
>>> bn = torch.nn.BatchNorm2d(3)
>>> _ = bn(torch.randn(4, 3, 5, 5))
>>> int(bn.num_batches_tracked)
1
"""

from __future__ import annotations

from typing import Any

from fgrad import nn as L

from .module import Module, np_dtype

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """Shared by BatchNorm and InstanceNorm: torch's attributes, parameters and buffers."""

    _version = 2
    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]
    _layer_cls: Any = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._init_layer(self._layer_cls(num_features, eps, momentum, affine, track_running_stats, np_dtype(dtype),
                                         bias=bias), device)
        if not affine:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        elif not bias:
            self.register_parameter("bias", None)
        if not track_running_stats:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self._reset_from_layer()  # the layer's init: running statistics reset, weight 1, bias 0

    def _current_layer(self):
        lay = self._layer
        lay.eps, lay.momentum, lay.track_running_stats = self.eps, self.momentum, self.track_running_stats
        return lay

    def forward(self, input):
        return self._run_layer(input)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None if self.affine else False}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    pass


class BatchNorm1d(_BatchNorm):
    """torch.nn.BatchNorm1d over ``(N, C)`` or ``(N, C, L)``.

    >>> m = nn.BatchNorm1d(3)
    >>> y = m(torch.randn(2, 3, 10))
    >>> y.shape, m.running_mean.shape, m.num_batches_tracked.item()
    (torch.Size([2, 3, 10]), torch.Size([3]), 1)
    """
    _layer_cls = L.BatchNorm1d


class BatchNorm2d(_BatchNorm):
    """torch.nn.BatchNorm2d over ``(N, C, H, W)``.

    >>> m = nn.BatchNorm2d(3)
    >>> y = m(torch.randn(2, 3, 10, 10))
    >>> y.shape, m.running_mean.shape, m.num_batches_tracked.item()
    (torch.Size([2, 3, 10, 10]), torch.Size([3]), 1)
    """
    _layer_cls = L.BatchNorm2d


class BatchNorm3d(_BatchNorm):
    """torch.nn.BatchNorm3d over ``(N, C, D, H, W)``.

    >>> m = nn.BatchNorm3d(3)
    >>> y = m(torch.randn(2, 3, 6, 6, 6))
    >>> y.shape, m.running_mean.shape, m.num_batches_tracked.item()
    (torch.Size([2, 3, 6, 6, 6]), torch.Size([3]), 1)
    """
    _layer_cls = L.BatchNorm3d
