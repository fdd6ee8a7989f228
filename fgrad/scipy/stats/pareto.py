"""The Pareto distribution with shape ``b`` (support ``z >= 1``), as ``jax.scipy.stats.pareto``.

>>> from fgrad.scipy.stats import pareto
>>> print(pareto.cdf([2.0], 1.0))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from ._common import at_standard, loc_scale_logpdf, loc_scale_ppf, safe

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard_logsf(z: Array, b: Array) -> Array:
    inside = z >= 1
    return fnp.where(inside, -b * fnp.log(safe(inside, z, 1.0)), 0.0)


def logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density log(b) - (b + 1) log(z) - log(scale) for z >= 1, -inf below.

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.logpdf([0.5, 1.0, 2.0], 3.0))
    [   -inf  1.0986 -1.674 ]
    """
    return loc_scale_logpdf(lambda z, b: fnp.log(b) - (b + 1.0) * fnp.log(z), x, loc, scale, b,
                            support=lambda z, b: z >= 1)


def pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.pdf([1.0, 2.0], 3.0))
    [3.     0.1875]
    """
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function -b log(z) (0 below the support).

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.logsf([0.5, 2.0], 3.0))
    [ 0.     -2.0794]
    """
    return at_standard(_standard_logsf, x, loc, scale, b)


def sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function z**-b.

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.sf([0.5, 2.0], 3.0))
    [1.    0.125]
    """
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF 1 - z**-b, computed as -expm1(logsf).

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.cdf([0.5, 2.0], 3.0))
    [0.    0.875]
    """
    return 0.0 - fnp.expm1(logsf(x, b, loc, scale))  # (0.0 -: +0 below the support)


def logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF.

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.logcdf([2.0], 3.0))
    [-0.1335]
    """
    return fnp.log(cdf(x, b, loc, scale))


def ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale * (1 - q)**(-1/b).

    >>> from fgrad.scipy.stats import pareto
    >>> print(pareto.ppf([0.0, 0.875], 3.0))
    [1. 2.]
    """
    return loc_scale_ppf(lambda q, b: fnp.exp(-fnp.log1p(-q) / b), q, loc, scale, b)
