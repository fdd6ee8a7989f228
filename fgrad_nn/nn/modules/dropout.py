"""Dropout Modules: identity in eval mode; in training the mask's key comes from the global generator."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    __constants__ = ["p", "inplace"]
    _fn: Any = None

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1 / (1 - p)``; identity in eval.

    >>> m = nn.Dropout(p=0.5)
    >>> m.eval()(torch.ones(3))
    tensor([1., 1., 1.])
    """
    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` inputs with probability ``p`` in training.

    >>> m = nn.Dropout1d(p=0.5)
    >>> m(torch.ones(2, 4, 5)).shape
    torch.Size([2, 4, 5])
    """
    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` inputs with probability ``p`` in training.

    >>> m = nn.Dropout2d(p=0.5)
    >>> m(torch.ones(2, 4, 5, 5)).shape
    torch.Size([2, 4, 5, 5])
    """
    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` inputs with probability ``p`` in training.

    >>> m = nn.Dropout3d(p=0.5)
    >>> m(torch.ones(2, 4, 3, 3, 3)).shape
    torch.Size([2, 4, 3, 3, 3])
    """
    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's self-normalising mean and variance; identity in eval.

    >>> m = nn.AlphaDropout(p=0.2)
    >>> m.eval()(torch.ones(3))
    tensor([1., 1., 1.])
    """
    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (for SELU networks); identity in eval.

    >>> m = nn.FeatureAlphaDropout(p=0.2)
    >>> m(torch.ones(2, 4, 3)).shape
    torch.Size([2, 4, 3])
    """
    _fn = staticmethod(F.feature_alpha_dropout)
