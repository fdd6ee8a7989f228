"""The normal distribution truncated to ``[a, b]`` (in standard units), as ``jax.scipy.stats.truncnorm``.

>>> from fgrad.scipy.stats import truncnorm
>>> print(truncnorm.cdf([0.0], -1.0, 1.0))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import LOG_2, LOG_2PI, loc_scale_logpdf, standardize

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _log_mass(lo: Array, hi: Array) -> Array:
    """log(ndtr(hi) - ndtr(lo)) for lo <= hi, without cancellation in either tail: right of 0
    the interval's mass is taken from the upper tail, ndtr(-lo) - ndtr(-hi)."""
    right = lo > 0
    lo_, hi_ = fnp.where(right, -hi, lo), fnp.where(right, -lo, hi)
    big, small = special.log_ndtr(hi_), special.log_ndtr(lo_)
    return big + fnp.log1p(-fnp.exp(fnp.minimum(small - big, 0.0)))


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The normal log density renormalized over [a, b], -inf outside.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.logpdf([-2.0, 0.0, 0.5], -1.0, 1.0))
    [   -inf -0.5372 -0.6622]
    """
    return loc_scale_logpdf(lambda z, a, b: -0.5 * (z * z) - 0.5 * LOG_2PI - _log_mass(a, b), x, loc, scale, a, b,
                            support=lambda z, a, b: (z >= a) & (z <= b))


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.pdf([0.0, 0.5], -1.0, 1.0))
    [0.5844 0.5157]
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _log_cdf_sf(x, a, b, loc, scale):
    """``(log cdf, log sf)``: each from the interval masses, and where one is near 0 (its value
    near 1) through ``log1p(-exp(other))``, which keeps the digits the direct difference loses."""
    z, _, a, b = standardize(x, loc, scale, a, b)
    below, above = z <= a, z >= b
    zc = fnp.where(below | above, (a + b) / 2.0, z)  # inside for the formulas; the ends are set below
    total = _log_mass(a, b)
    lc, ls = _log_mass(a, zc) - total, _log_mass(zc, b) - total
    half = -LOG_2
    # (the minimum keeps the unselected branch finite, so no nan reaches a gradient)
    lc, ls = (fnp.where(ls < half, fnp.log1p(-fnp.exp(fnp.minimum(ls, half))), lc),
              fnp.where(lc < half, fnp.log1p(-fnp.exp(fnp.minimum(lc, half))), ls))
    return (fnp.where(below, -np.inf, fnp.where(above, 0.0, lc)), fnp.where(below, 0.0, fnp.where(above, -np.inf, ls)))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF, accurate in both tails.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.logcdf([0.0, 0.5], -1.0, 1.0))
    [-0.6931 -0.2479]
    """
    return _log_cdf_sf(x, a, b, loc, scale)[0]


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.cdf([-2.0, 0.0, 0.5, 2.0], -1.0, 1.0))
    [0.     0.5    0.7805 1.    ]
    """
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function, accurate in both tails.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.logsf([0.0, 0.5], -1.0, 1.0))
    [-0.6931 -1.5162]
    """
    return _log_cdf_sf(x, a, b, loc, scale)[1]


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function.

    >>> from fgrad.scipy.stats import truncnorm
    >>> print(truncnorm.sf([-2.0, 0.0, 0.5, 2.0], -1.0, 1.0))
    [1.     0.5    0.2195 0.    ]
    """
    return fnp.exp(logsf(x, a, b, loc, scale))
