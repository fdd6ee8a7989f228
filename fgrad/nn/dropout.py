"""Dropout: ``dropout``, ``dropout1d/2d/3d`` (whole channels), ``alpha_dropout`` and their layers.

Randomness comes from the explicit ``key``; ``training=True`` without a key is a
ValueError. In eval mode (``train=False``) every layer is the identity.

>>> import fgrad.random as fr, numpy as np
>>> y, _ = Dropout(0.5).apply({}, {}, np.ones((2, 4)), train=True, key=fr.key(0))
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import fgrad.random as fr

from .. import backend
from .._device import device_put
from ..core import concrete
from .base import Layer, need_key

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]

# SELU's fixed point (Klambauer et al. 2017): alpha' = -scale * alpha.
_ALPHA_P = -1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _key_for(key, input, who):
    """``key`` on ``input``'s device: the mask is drawn where it is used (a key is two words)."""
    key = need_key(key, who)
    if backend.cupy_active():
        key = device_put(key, backend.device_of(concrete(input)))
    return key


def _keep_mask(key, p, shape, dtype):
    return fr.bernoulli(key, 1.0 - p, shape).astype(dtype)


def _dropout(input, p, training, key, mask_shape, who):
    _check_p(p)
    if not training or p == 0.0:
        return input
    dt = np.result_type(input)
    if p == 1.0:
        return input * 0.0
    mask = _keep_mask(_key_for(key, input, who), p, mask_shape, dt)
    return input * mask * (1.0 / (1.0 - p))


def dropout(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            key: Array | None = None) -> Array:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    ``key`` (an fgrad.random key) is required when ``training`` and ``0 < p < 1``;
    ``inplace`` is accepted and ignored.

    >>> y = fgrad.nn.functional.dropout(np.ones(8), 0.5, key=fgrad.random.key(0))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> fgrad.nn.functional.dropout(np.ones(3), 0.5, training=False)
    array([1., 1., 1.])
    """
    return _dropout(input, p, training, key, np.shape(input), "dropout")


def _feature_shape(input, batched_ndim):
    s = np.shape(input)
    if len(s) == batched_ndim - 1:  # no batch dim: channels first
        return (s[0],) + (1,) * (len(s) - 1)
    return s[:2] + (1,) * (len(s) - 2)


def dropout1d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              key: Array | None = None) -> Array:
    """Zero whole channels of (N, C, L) or (C, L) input, scaling the rest by ``1 / (1 - p)``.

    >>> y = fgrad.nn.functional.dropout1d(np.ones((2, 6, 5)), 0.5, key=fgrad.random.key(0))
    >>> bool((y == y[:, :, :1]).all())  # each channel is all kept or all zeroed
    True
    """
    _check_p(p)
    if np.ndim(input) not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {np.ndim(input)}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout(input, p, training, key, _feature_shape(input, 3), "dropout1d")


def dropout2d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              key: Array | None = None) -> Array:
    """Zero whole channels; (N, C, H, W) input (3-D input is taken as (N, C, L), as torch does).

    >>> y = fgrad.nn.functional.dropout2d(np.ones((1, 6, 2, 2)), 0.5, key=fgrad.random.key(1))
    >>> y.shape, bool((y == y[:, :, :1, :1]).all())
    ((1, 6, 2, 2), True)
    """
    s = np.shape(input)
    shape = s[:2] + (1,) * (len(s) - 2) if len(s) >= 2 else s
    return _dropout(input, p, training, key, shape, "dropout2d")


def dropout3d(input: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              key: Array | None = None) -> Array:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input.

    >>> y = fgrad.nn.functional.dropout3d(np.ones((4, 2, 2, 2)), 0.25, key=fgrad.random.key(2))
    >>> y.shape, sorted(set(y.reshape(4, -1).mean(1).round(4).tolist()) - {0.0})
    ((4, 2, 2, 2), [1.3333])
    """
    return _dropout(input, p, training, key, _feature_shape(input, 5), "dropout3d")


def _alpha(input, p, training, key, mask_shape, who):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _keep_mask(_key_for(key, input, who), p, mask_shape, np.result_type(input))
    a = (1.0 / ((1.0 - p) * (1.0 + p * _ALPHA_P ** 2))) ** 0.5
    b = -a * _ALPHA_P * p
    return (input * keep + _ALPHA_P * (1.0 - keep)) * a + b


def alpha_dropout(input: ArrayLike, p: float = 0.5, training: bool = False, inplace: bool = False, *,
                  key: Array | None = None) -> Array:
    """Dropout that keeps SELU's zero mean and unit variance (dropped elements take SELU's
    negative saturation value, then an affine map restores the statistics).

    The identity unless ``training=True`` (torch's default here is ``False``).

    >>> x = np.zeros(100)
    >>> y = fgrad.nn.functional.alpha_dropout(x, 0.2, training=True, key=fgrad.random.key(0))
    >>> np.unique(y).size, fgrad.nn.functional.alpha_dropout(x, 0.2).shape
    (2, (100,))
    """
    return _alpha(input, p, training, key, np.shape(input), "alpha_dropout")


def feature_alpha_dropout(input: ArrayLike, p: float = 0.5, training: bool = False, inplace: bool = False, *,
                          key: Array | None = None) -> Array:
    """Alpha dropout of whole channels of ``(N, C, *)`` input (identity unless ``training=True``).

    >>> y = fgrad.nn.functional.feature_alpha_dropout(np.zeros((1, 8, 3)), 0.5, training=True, key=fgrad.random.key(0))
    >>> bool((y == y[:, :, :1]).all())
    True
    """
    s = np.shape(input)
    return _alpha(input, p, training, key, s[:2] + (1,) * (len(s) - 2), "feature_alpha_dropout")


class Dropout(Layer):
    """The layer form of ``dropout``: active only under ``apply(..., train=True, key=key)``.

    >>> layer = fgrad.nn.Dropout(0.5)
    >>> layer.apply({}, {}, np.ones(3))[0]
    array([1., 1., 1.])
    >>> y, _ = layer.apply({}, {}, np.ones(8), train=True, key=fgrad.random.key(0))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """

    fn = staticmethod(dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        _check_p(p)
        self.p, self.inplace = p, inplace

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return type(self).fn(x, self.p, train, key=key)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """The layer form of ``dropout1d`` (whole channels of ``(N, C, L)``).

    >>> y, _ = fgrad.nn.Dropout1d(0.5).apply({}, {}, np.ones((2, 6, 5)), train=True, key=fgrad.random.key(0))
    >>> bool((y == y[:, :, :1]).all())
    True
    """

    fn = staticmethod(dropout1d)


class Dropout2d(Dropout):
    """The layer form of ``dropout2d`` (whole channels of ``(N, C, H, W)``).

    >>> y, _ = fgrad.nn.Dropout2d(0.5).apply({}, {}, np.ones((1, 6, 2, 2)), train=True, key=fgrad.random.key(1))
    >>> bool((y == y[:, :, :1, :1]).all())
    True
    """

    fn = staticmethod(dropout2d)


class Dropout3d(Dropout):
    """The layer form of ``dropout3d`` (whole channels of ``(N, C, D, H, W)``).

    >>> fgrad.nn.Dropout3d(0.5).apply({}, {}, np.ones((1, 2, 2, 2, 2)))[0].shape
    (1, 2, 2, 2, 2)
    """

    fn = staticmethod(dropout3d)


class AlphaDropout(Dropout):
    """The layer form of ``alpha_dropout`` (for SELU networks).

    >>> y, _ = fgrad.nn.AlphaDropout(0.2).apply({}, {}, np.zeros(100), train=True, key=fgrad.random.key(0))
    >>> np.unique(y).size
    2
    """

    fn = staticmethod(alpha_dropout)


class FeatureAlphaDropout(Dropout):
    """The layer form of ``feature_alpha_dropout`` (whole channels).

    >>> fgrad.nn.FeatureAlphaDropout(0.2).apply({}, {}, np.zeros((1, 3, 4)))[0]
    array([[[0., 0., 0., 0.],
            [0., 0., 0., 0.],
            [0., 0., 0., 0.]]])
    """

    fn = staticmethod(feature_alpha_dropout)
