"""The gamma distribution with shape ``a``, as ``jax.scipy.stats.gamma``.

>>> from fgrad.scipy.stats import gamma
>>> print(gamma.pdf([1.0], 1.0))
[0.3679]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import at_standard, loc_scale_logpdf, log_from_pair

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density (a - 1) log(z) - z - gammaln(a) - log(scale) for z >= 0, -inf below.

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.logpdf([-1.0, 1.0, 2.0], 2.0))
    [   -inf -1.     -1.3069]
    """
    return loc_scale_logpdf(lambda z, a: special.xlogy(a - 1.0, z) - z - special.gammaln(a), x, loc, scale, a,
                            support=lambda z, a: z >= 0)


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.pdf([1.0, 2.0], 2.0))
    [0.3679 0.2707]
    """
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF gammainc(a, z) (differentiable in a too).

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.cdf([-1.0, 1.0, 2.0], 2.0))
    [0.     0.2642 0.594 ]
    """
    return at_standard(lambda z, a: special.gammainc(a, fnp.maximum(z, 0.0)), x, loc, scale, a)


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF.

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.logcdf([1.0, 2.0], 2.0))
    [-1.3309 -0.5209]
    """
    return log_from_pair(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function gammaincc(a, z), accurate in the right tail.

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.sf([1.0, 2.0], 2.0))
    [0.7358 0.406 ]
    """
    return at_standard(lambda z, a: special.gammaincc(a, fnp.maximum(z, 0.0)), x, loc, scale, a)


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function.

    >>> from fgrad.scipy.stats import gamma
    >>> print(gamma.logsf([1.0, 2.0], 2.0))
    [-0.3069 -0.9014]
    """
    return log_from_pair(sf(x, a, loc, scale), cdf(x, a, loc, scale))
