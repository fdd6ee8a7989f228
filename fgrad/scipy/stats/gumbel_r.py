"""The right-skewed Gumbel (extreme value of maxima) distribution, as ``jax.scipy.stats.gumbel_r``.

>>> from fgrad.scipy.stats import gumbel_r
>>> print(gumbel_r.logcdf([0.0]))
[-1.]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from ._common import at_standard, loc_scale_logpdf, loc_scale_ppf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -z - exp(-z) - log(scale).

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.logpdf([0.0, 2.0]))
    [-1.     -2.1353]
    """
    return loc_scale_logpdf(lambda z: -z - fnp.exp(-z), x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.pdf([0.0, 2.0]))
    [0.3679 0.1182]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF exp(-exp(-z)).

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.cdf([0.0, 2.0]))
    [0.3679 0.8734]
    """
    return fnp.exp(logcdf(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF -exp(-z).

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.logcdf([0.0, 2.0]))
    [-1.     -0.1353]
    """
    return at_standard(lambda z: -fnp.exp(-z), x, loc, scale)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function -expm1(-exp(-z)), accurate in the right tail.

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.sf([0.0, 40.0]))
    [0.6321 0.    ]
    """
    return at_standard(lambda z: -fnp.expm1(-fnp.exp(-z)), x, loc, scale)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function.

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.logsf([0.0, 2.0]))
    [-0.4587 -2.0669]
    """
    return fnp.log(sf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc - scale * log(-log(q)).

    >>> from fgrad.scipy.stats import gumbel_r
    >>> print(gumbel_r.ppf([0.25, 0.5]))
    [-0.3266  0.3665]
    """
    return loc_scale_ppf(lambda q: -fnp.log(-fnp.log(q)), q, loc, scale)
