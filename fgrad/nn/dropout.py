"""Dropout: ``dropout``, ``dropout1d/2d/3d`` (whole channels), ``alpha_dropout`` and their layers.

Randomness comes from the explicit ``key``; ``training=True`` without a key is a
ValueError. In eval mode (``train=False``) every layer is the identity.

>>> import fgrad.random as fr, numpy as np
>>> y, _ = Dropout(0.5).apply({}, {}, np.ones((2, 4)), train=True, key=fr.key(0))
"""
import numpy as np

import fgrad.random as fr

from .base import Layer, need_key

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]

# SELU's fixed point (Klambauer et al. 2017): alpha' = -scale * alpha.
_ALPHA_P = -1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(key, p, shape, dtype):
    return fr.bernoulli(key, 1.0 - p, shape).astype(dtype)


def _dropout(input, p, training, key, mask_shape, who):
    _check_p(p)
    if not training or p == 0.0:
        return input
    dt = np.result_type(input)
    if p == 1.0:
        return input * 0.0
    mask = _keep_mask(need_key(key, who), p, mask_shape, dt)
    return input * mask * (1.0 / (1.0 - p))


def dropout(input, p=0.5, training=True, inplace=False, *, key=None):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    return _dropout(input, p, training, key, np.shape(input), "dropout")


def _feature_shape(input, batched_ndim):
    s = np.shape(input)
    if len(s) == batched_ndim - 1:  # no batch dim: channels first
        return (s[0],) + (1,) * (len(s) - 1)
    return s[:2] + (1,) * (len(s) - 2)


def dropout1d(input, p=0.5, training=True, inplace=False, *, key=None):
    """Zero whole channels of (N, C, L) or (C, L) input."""
    _check_p(p)
    if np.ndim(input) not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {np.ndim(input)}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout(input, p, training, key, _feature_shape(input, 3), "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False, *, key=None):
    """Zero whole channels; (N, C, H, W) input (3-D input is taken as (N, C, L), as torch does)."""
    s = np.shape(input)
    shape = s[:2] + (1,) * (len(s) - 2) if len(s) >= 2 else s
    return _dropout(input, p, training, key, shape, "dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False, *, key=None):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    return _dropout(input, p, training, key, _feature_shape(input, 5), "dropout3d")


def _alpha(input, p, training, key, mask_shape, who):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = _keep_mask(need_key(key, who), p, mask_shape, np.result_type(input))
    a = (1.0 / ((1.0 - p) * (1.0 + p * _ALPHA_P ** 2))) ** 0.5
    b = -a * _ALPHA_P * p
    return (input * keep + _ALPHA_P * (1.0 - keep)) * a + b


def alpha_dropout(input, p=0.5, training=False, inplace=False, *, key=None):
    """Dropout that keeps SELU's zero mean and unit variance."""
    return _alpha(input, p, training, key, np.shape(input), "alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False, *, key=None):
    s = np.shape(input)
    return _alpha(input, p, training, key, s[:2] + (1,) * (len(s) - 2), "feature_alpha_dropout")


class Dropout(Layer):
    fn = staticmethod(dropout)

    def __init__(self, p=0.5, inplace=False):
        _check_p(p)
        self.p, self.inplace = p, inplace

    def call(self, params, x, *, train=False, key=None):
        return type(self).fn(x, self.p, train, key=key)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    fn = staticmethod(dropout1d)


class Dropout2d(Dropout):
    fn = staticmethod(dropout2d)


class Dropout3d(Dropout):
    fn = staticmethod(dropout3d)


class AlphaDropout(Dropout):
    fn = staticmethod(alpha_dropout)


class FeatureAlphaDropout(Dropout):
    fn = staticmethod(feature_alpha_dropout)
