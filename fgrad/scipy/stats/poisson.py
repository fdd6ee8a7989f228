"""The Poisson distribution with mean ``mu``, as ``jax.scipy.stats.poisson``.

>>> from fgrad.scipy.stats import poisson
>>> print(poisson.pmf([0], 1.0))
[0.3679]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import is_integer, lattice_logpmf, promote, safe

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf", "cdf", "entropy"]


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """k log(mu) - mu - gammaln(k + 1) at whole k >= loc, -inf elsewhere; differentiable in mu.

    >>> from fgrad.scipy.stats import poisson
    >>> print(poisson.logpmf([0, 2, -1], 2.0))
    [-2.     -1.3069    -inf]
    """
    return lattice_logpmf(lambda k, mu: special.xlogy(k, mu) - mu - special.gammaln(k + 1.0),
                          lambda k, mu: (k >= 0) & is_integer(k), k, loc, mu)


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass P(X = k).

    >>> from fgrad.scipy.stats import poisson
    >>> print(poisson.pmf([0, 1, 2], 2.0))
    [0.1353 0.2707 0.2707]
    """
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """P(X <= k) = gammaincc(floor(k) + 1, mu) (0 below loc).

    >>> from fgrad.scipy.stats import poisson
    >>> print(poisson.cdf([-1, 0, 1.5, 2], 2.0))
    [0.     0.1353 0.406  0.6767]
    """
    k, mu, loc = promote(k, mu, loc)
    k = fnp.floor(k - loc)
    inside = k >= 0
    return fnp.where(inside, special.gammaincc(safe(inside, k, 0.0) + 1.0, mu), 0.0)


_TERMS = 400  # the direct sum covers mu <= 150 (its mass beyond k = 400 is below 1e-40)


def entropy(mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The entropy -sum_k pmf(k) log pmf(k): a direct sum for mu <= 150, the
    asymptotic expansion in 1 / mu above (loc shifts and does not change it).

    >>> from fgrad.scipy.stats import poisson
    >>> print(poisson.entropy([1.0, 10.0]))
    [1.3048 2.5614]
    """
    mu, = promote(mu)
    small = mu <= 150.0
    ms = safe(small, mu, 1.0)
    k = fnp.arange(_TERMS, dtype=ms.dtype, like=ms)
    m = fnp.expand_dims(ms, -1)
    logp = special.xlogy(k, m) - m - special.gammaln(k + 1.0)
    direct = -fnp.sum(fnp.exp(logp) * logp, axis=-1)
    mb = safe(small, 200.0, mu)
    inv = 1.0 / mb
    asym = 0.5 * fnp.log(2.0 * np.pi * np.e * mb) - inv * (1.0 / 12.0 + inv * (1.0 / 24.0 + inv * (
        19.0 / 360.0 + inv * (1.0 / 60.0))))
    return fnp.where(mu == 0, 0.0, fnp.where(small, direct, asym))
