"""NumPy's window functions (bartlett, blackman, hamming, hanning, kaiser), as float64 arrays."""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from . import _creation
from ._numeric import i0

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _positions(M: int) -> np.ndarray | None:
    """``1 - M, 3 - M, ..., M - 1`` over ``M - 1``: the window's abscissae in [-1, 1] (None when ``M < 2``)."""
    M = operator.index(M)
    if M < 2:
        return None
    return np.arange(1 - M, M, 2, dtype=np.float64) / (M - 1)


def _short(M: int) -> Array:
    return _creation.asarray(np.ones(max(operator.index(M), 0), dtype=np.float64))


def bartlett(M: int) -> Array:
    """The triangular (Bartlett) window of ``M`` points.

    >>> fnp.bartlett(5)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    t = _positions(M)
    return _short(M) if t is None else _creation.asarray(1.0 - np.abs(t))


def _cosine_sum(M: int, coeffs: tuple[float, ...]) -> Array:
    t = _positions(M)
    if t is None:
        return _short(M)
    return _creation.asarray(sum(c * np.cos(k * np.pi * t) for k, c in enumerate(coeffs)))


def blackman(M: int) -> Array:
    """The Blackman window of ``M`` points.

    >>> fnp.blackman(3)
    array([-0.,  1., -0.])
    """
    return _cosine_sum(M, (0.42, 0.5, 0.08))


def hamming(M: int) -> Array:
    """The Hamming window of ``M`` points.

    >>> fnp.hamming(3)
    array([0.08, 1.  , 0.08])
    """
    return _cosine_sum(M, (0.54, 0.46))


def hanning(M: int) -> Array:
    """The Hann window of ``M`` points.

    >>> fnp.hanning(3)
    array([0., 1., 0.])
    """
    return _cosine_sum(M, (0.5, 0.5))


def kaiser(M: int, beta: ArrayLike) -> Array:
    """The Kaiser window of ``M`` points with shape parameter ``beta`` (differentiable in ``beta``).

    >>> fnp.kaiser(3, 2.0)
    array([0.4387, 1.    , 0.4387])
    """
    t = _positions(M)
    if t is None:
        return _short(M)
    beta = _creation.astype(_creation.asarray(beta), np.float64)
    shape_ = _creation.asarray(np.sqrt(np.clip(1.0 - t * t, 0.0, None)), like=beta)  # (where beta lives)
    return i0(beta * shape_) / i0(beta)
