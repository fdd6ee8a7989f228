"""The left-skewed Gumbel (extreme value of minima) distribution, as ``jax.scipy.stats.gumbel_l``.

>>> from fgrad.scipy.stats import gumbel_l
>>> print(gumbel_l.logsf([0.0]))
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
    """The log density z - exp(z) - log(scale).

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.logpdf([0.0, -2.0]))
    [-1.     -2.1353]
    """
    return loc_scale_logpdf(lambda z: z - fnp.exp(z), x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.pdf([0.0, -2.0]))
    [0.3679 0.1182]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF -expm1(-exp(z)), accurate in the left tail.

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.cdf([0.0, -40.0]))
    [0.6321 0.    ]
    """
    return at_standard(lambda z: -fnp.expm1(-fnp.exp(z)), x, loc, scale)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF.

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.logcdf([0.0, -2.0]))
    [-0.4587 -2.0669]
    """
    return fnp.log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function exp(-exp(z)).

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.sf([0.0, -2.0]))
    [0.3679 0.8734]
    """
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function -exp(z).

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.logsf([0.0, -2.0]))
    [-1.     -0.1353]
    """
    return at_standard(lambda z: -fnp.exp(z), x, loc, scale)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale * log(-log1p(-q)).

    >>> from fgrad.scipy.stats import gumbel_l
    >>> print(gumbel_l.ppf([0.25, 0.5]))
    [-1.2459 -0.3665]
    """
    return loc_scale_ppf(lambda q: fnp.log(-fnp.log1p(-q)), q, loc, scale)
