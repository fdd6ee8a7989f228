"""The negative binomial distribution (failures before the ``n``-th success), as ``jax.scipy.stats.nbinom``.

>>> from fgrad.scipy.stats import nbinom
>>> print(nbinom.pmf([0], 1, 0.5))
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
    """log C(k + n - 1, k) + n log p + k log(1 - p) for whole k >= 0, -inf elsewhere.

    >>> from fgrad.scipy.stats import nbinom
    >>> print(nbinom.logpmf([0, 2, -1], 3, 0.5))
    [-2.0794 -1.674     -inf]
    """
    k, n, p, loc = promote(k, n, p, loc)
    k = k - loc
    inside = (k >= 0) & is_integer(k)
    ks = safe(inside, k, 0.0)
    comb = special.gammaln(ks + n) - special.gammaln(n) - special.gammaln(ks + 1.0)
    return fnp.where(inside, comb + special.xlogy(n, p) + special.xlog1py(ks, -p), -np.inf)


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import nbinom
    >>> print(nbinom.pmf([0, 1, 2], 3, 0.5))
    [0.125  0.1875 0.1875]
    """
    return fnp.exp(logpmf(k, n, p, loc))
