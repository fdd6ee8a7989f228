"""The beta-binomial distribution (``n`` trials, success probability drawn from beta(a, b)),
as ``jax.scipy.stats.betabinom``.

>>> from fgrad.scipy.stats import betabinom
>>> print(betabinom.pmf([0], 1, 1.0, 1.0))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import is_integer, lattice_logpmf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def _standard_logpmf(k: Array, n: Array, a: Array, b: Array) -> Array:
    comb = special.gammaln(n + 1.0) - special.gammaln(k + 1.0) - special.gammaln(n - k + 1.0)
    return comb + special.betaln(k + a, n - k + b) - special.betaln(a, b)


def logpmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log C(n, k) + betaln(k + a, n - k + b) - betaln(a, b) for whole 0 <= k <= n, -inf elsewhere.

    >>> from fgrad.scipy.stats import betabinom
    >>> print(betabinom.logpmf([0, 1, 5], 3, 2.0, 3.0))
    [-1.2528 -1.0704    -inf]
    """
    return lattice_logpmf(_standard_logpmf, lambda k, n, a, b: (k >= 0) & (k <= n) & is_integer(k), k, loc, n, a, b)


def pmf(k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import betabinom
    >>> print(betabinom.pmf([0, 1, 2, 3], 3, 2.0, 3.0))
    [0.2857 0.3429 0.2571 0.1143]
    """
    return fnp.exp(logpmf(k, n, a, b, loc))
