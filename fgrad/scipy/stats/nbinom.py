"""The negative binomial distribution (failures before the ``n``-th success), as ``jax.scipy.stats.nbinom``.

>>> from fgrad.scipy.stats import nbinom
>>> print(nbinom.pmf([0], 1, 0.5))
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
    comb = special.gammaln(k + n) - special.gammaln(n) - special.gammaln(k + 1.0)
    return comb + special.xlogy(n, p) + special.xlog1py(k, -p)


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log C(k + n - 1, k) + n log p + k log(1 - p) for whole k >= 0, -inf elsewhere.

    >>> from fgrad.scipy.stats import nbinom
    >>> print(nbinom.logpmf([0, 2, -1], 3, 0.5))
    [-2.0794 -1.674     -inf]
    """
    return lattice_logpmf(_standard_logpmf, lambda k, n, p: (k >= 0) & is_integer(k), k, loc, n, p)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import nbinom
    >>> print(nbinom.pmf([0, 1, 2], 3, 0.5))
    [0.125  0.1875 0.1875]
    """
    return fnp.exp(logpmf(k, n, p, loc))
