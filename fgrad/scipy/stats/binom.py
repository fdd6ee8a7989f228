"""The binomial distribution (``n`` trials, success probability ``p``), as ``jax.scipy.stats.binom``.

>>> from fgrad.scipy.stats import binom
>>> print(binom.pmf([1], 2, 0.5))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import is_integer, promote, safe

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log C(n, k) + k log p + (n - k) log(1 - p) for whole 0 <= k <= n, -inf elsewhere.

    >>> from fgrad.scipy.stats import binom
    >>> print(binom.logpmf([0, 1, 3], 2, 0.25))
    [-0.5754 -0.9808    -inf]
    """
    k, n, p, loc = promote(k, n, p, loc)
    k = k - loc
    inside = (k >= 0) & (k <= n) & is_integer(k)
    ks = safe(inside, k, 0.0)
    comb = special.gammaln(n + 1.0) - special.gammaln(ks + 1.0) - special.gammaln(n - ks + 1.0)
    return fnp.where(inside, comb + special.xlogy(ks, p) + special.xlog1py(n - ks, -p), -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import binom
    >>> print(binom.pmf([0, 1, 2], 2, 0.25))
    [0.5625 0.375  0.0625]
    """
    return fnp.exp(logpmf(k, n, p, loc))
