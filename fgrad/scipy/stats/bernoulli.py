"""The Bernoulli distribution (1 with probability ``p``, else 0), as ``jax.scipy.stats.bernoulli``.

>>> from fgrad.scipy.stats import bernoulli
>>> print(bernoulli.pmf([1], 0.25))
[0.25]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import lattice_logpmf, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """log p at 1, log(1 - p) at 0, -inf elsewhere.

    >>> from fgrad.scipy.stats import bernoulli
    >>> print(bernoulli.logpmf([0, 1, 2], 0.5))
    [-0.6931 -0.6931    -inf]
    """
    return lattice_logpmf(lambda k, p: special.xlogy(k, p) + special.xlog1py(1.0 - k, -p),
                          lambda k, p: (k == 0) | (k == 1), k, loc, p)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import bernoulli
    >>> print(bernoulli.pmf([0, 1, 2], 0.25))
    [0.75 0.25 0.  ]
    """
    return fnp.exp(logpmf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike) -> Array:
    """P(X <= k): 0 below 0, 1 - p on [0, 1), 1 from 1 on (nan for p outside [0, 1]).

    >>> from fgrad.scipy.stats import bernoulli
    >>> print(bernoulli.cdf([-1, 0, 0.5, 1], 0.25))
    [0.   0.75 0.75 1.  ]
    """
    k, p = promote(k, p)
    out = fnp.where(k < 0, 0.0, fnp.where(k < 1, 1.0 - p, 1.0))
    return fnp.where((p >= 0) & (p <= 1), out, np.nan)


def ppf(q: ArrayLike, p: ArrayLike) -> Array:
    """The smallest k with cdf(k) >= q: 0 for q <= 1 - p, else 1 (nan outside [0, 1]).

    >>> from fgrad.scipy.stats import bernoulli
    >>> print(bernoulli.ppf([0.5, 0.9], 0.25))
    [0. 1.]
    """
    q, p = promote(q, p)
    out = fnp.where(q <= 1.0 - p, 0.0, 1.0)
    return fnp.where((q >= 0) & (q <= 1) & (p >= 0) & (p <= 1), out, np.nan)
