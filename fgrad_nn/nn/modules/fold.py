"""``nn.Unfold``, ``nn.Fold``: im2col / col2im as stateless facades over ``fgrad.nn.conv``.

>>> import fgrad_nn as torch
>>> torch.nn.Unfold(2)(torch.ones(1, 3, 4, 4)).shape
torch.Size([1, 12, 9])
"""

from __future__ import annotations

from fgrad import nn as L

from .pooling import _Pool

__all__ = ["Unfold", "Fold"]


class Fold(_Pool):
    """torch.nn.Fold(output_size, kernel_size, dilation=1, padding=0, stride=1).

    >>> m = nn.Fold(output_size=(3, 3), kernel_size=2)
    >>> m(torch.ones(1, 4, 4))
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]
    _attrs = tuple(__constants__)
    _layer_cls = L.Fold


class Unfold(_Pool):
    """torch.nn.Unfold(kernel_size, dilation=1, padding=0, stride=1).

    >>> m = nn.Unfold(kernel_size=2)
    >>> m(torch.arange(9.0).reshape(1, 1, 3, 3))
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]
    _attrs = tuple(__constants__)
    _layer_cls = L.Unfold
