"""The normal distribution, as ``jax.scipy.stats.norm``: ``loc`` is the mean, ``scale`` the standard deviation.

>>> from fgrad.scipy.stats import norm
>>> print(norm.cdf([0.0]))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import LOG_2PI, at_standard, loc_scale_logpdf, loc_scale_ppf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log of the normal density at ``x``.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.logpdf([0.0, 1.0, -2.0]))
    [-0.9189 -1.4189 -2.9189]
    """
    return loc_scale_logpdf(lambda z: -0.5 * (z * z) - 0.5 * LOG_2PI, x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal density at ``x``.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.pdf([0.0, 1.0], loc=1.0, scale=2.0))
    [0.176  0.1995]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The cumulative distribution function ``P(X <= x)``.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.cdf([-1.0, 0.0, 1.96]))
    [0.1587 0.5    0.975 ]
    """
    return at_standard(special.ndtr, x, loc, scale)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log of the CDF, accurate far into the left tail.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.logcdf([-40.0, 0.0]))
    [-804.6084   -0.6931]
    """
    return at_standard(special.log_ndtr, x, loc, scale)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function ``1 - cdf``, computed without cancellation.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.sf([0.0, 1.96]))
    [0.5   0.025]
    """
    return at_standard(lambda z: special.ndtr(-z), x, loc, scale)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log of the survival function, accurate far into the right tail.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.logsf([40.0, 0.0]))
    [-804.6084   -0.6931]
    """
    return at_standard(lambda z: special.log_ndtr(-z), x, loc, scale)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function, the inverse of ``cdf``.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.ppf([0.5, 0.975]))
    [0.   1.96]
    """
    return loc_scale_ppf(special.ndtri, q, loc, scale)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse of ``sf``: ``ppf(1 - q)`` without rounding ``1 - q``.

    >>> from fgrad.scipy.stats import norm
    >>> print(norm.isf([0.5, 0.025]))
    [0.   1.96]
    """
    return loc_scale_ppf(lambda q: -special.ndtri(q), q, loc, scale)
