"""The exponential distribution (rate 1 / scale, starting at loc), as ``jax.scipy.stats.expon``.

>>> from fgrad.scipy.stats import expon
>>> print(expon.cdf([0.0]))
[0.]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from ._common import at_standard, loc_scale_logpdf, promote, safe

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _standard_logcdf(z: Array) -> Array:
    pos = z > 0
    return fnp.where(pos, fnp.log(-fnp.expm1(-safe(pos, z, 1.0))), -np.inf)


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -z - log(scale) for z = (x - loc) / scale >= 0, -inf below.

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.logpdf([-1.0, 0.0, 2.0], scale=2.0))
    [   -inf -0.6931 -1.6931]
    """
    # (nan stays nan, as in JAX and SciPy)
    return loc_scale_logpdf(lambda z: -z, x, loc, scale, support=lambda z: ~(z < 0))


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.pdf([0.0, 1.0]))
    [1.     0.3679]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """1 - exp(-z), computed as -expm1(-z).

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.cdf([-1.0, 1e-10, 1.0]))
    [0.     0.     0.6321]
    """
    return at_standard(lambda z: fnp.where(z < 0, 0.0, -fnp.expm1(-fnp.maximum(z, 0.0))), x, loc, scale)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log of the CDF.

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.logcdf([1.0]))
    [-0.4587]
    """
    return at_standard(_standard_logcdf, x, loc, scale)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function exp(-z).

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.sf([-1.0, 1.0]))
    [1.     0.3679]
    """
    return fnp.exp(logsf(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function -z (0 below loc).

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.logsf([-1.0, 3.0]))
    [ 0. -3.]
    """
    return at_standard(lambda z: fnp.where(z < 0, 0.0, -z), x, loc, scale)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc - scale * log1p(-q).

    >>> from fgrad.scipy.stats import expon
    >>> print(expon.ppf([0.0, 0.5]))
    [0.     0.6931]
    """
    q, loc, scale = promote(q, loc, scale)
    inside = (q >= 0) & (q <= 1)
    return fnp.where(inside, loc - scale * fnp.log1p(-safe(inside, q, 0.0)), np.nan)
