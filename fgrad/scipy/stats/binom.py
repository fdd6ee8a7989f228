"""The binomial distribution (``n`` trials, success probability ``p``), as ``jax.scipy.stats.binom``.

>>> from fgrad.scipy.stats import binom
>>> print(binom.pmf([1], 2, 0.5))
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


def _standard_logpmf(k: Array, n: Array, p: Array) -> Array:
    comb = special.gammaln(n + 1.0) - special.gammaln(k + 1.0) - special.gammaln(n - k + 1.0)
    return comb + special.xlogy(k, p) + special.xlog1py(n - k, -p)


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log C(n, k) + k log p + (n - k) log(1 - p) for whole 0 <= k <= n, -inf elsewhere.

    >>> from fgrad.scipy.stats import binom
    >>> print(binom.logpmf([0, 1, 3], 2, 0.25))
    [-0.5754 -0.9808    -inf]
    """
    return lattice_logpmf(_standard_logpmf, lambda k, n, p: (k >= 0) & (k <= n) & is_integer(k), k, loc, n, p)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import binom
    >>> print(binom.pmf([0, 1, 2], 2, 0.25))
    [0.5625 0.375  0.0625]
    """
    return fnp.exp(logpmf(k, n, p, loc))
