"""Convolution, pooling and resampling on ``(N, C, *spatial)`` arrays, torch's semantics.

Plain functions with keyword hyperparameters, raw arrays or traced values in, arrays
out; ``fgrad_nn``'s layers call them. One module per family: ``conv``, ``pooling``,
``resample``.

>>> import numpy as np, fgrad.convolution as fc
>>> fc.max_pool(fc.conv(np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3)), padding=1), 2).shape
(1, 2, 2, 2)
"""
from . import conv as _conv_mod, pooling as _pooling_mod, resample as _resample_mod
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .resample import *  # noqa: F401,F403

__all__ = _conv_mod.__all__ + _pooling_mod.__all__ + _resample_mod.__all__
