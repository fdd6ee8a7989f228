"""The Cauchy distribution, as ``jax.scipy.stats.cauchy``.

>>> from fgrad.scipy.stats import cauchy
>>> print(cauchy.cdf([0.0]))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from ._common import LOG_PI, at_standard, loc_scale_logpdf, loc_scale_ppf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -log(pi scale (1 + z**2)).

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.logpdf([0.0, 1.0]))
    [-1.1447 -1.8379]
    """
    return loc_scale_logpdf(lambda z: -LOG_PI - fnp.log1p(z * z), x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.pdf([0.0, 1.0]))
    [0.3183 0.1592]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF 1/2 + arctan(z) / pi.

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.cdf([-1.0, 1.0]))
    [0.25 0.75]
    """
    return at_standard(lambda z: 0.5 + fnp.arctan(z) / np.pi, x, loc, scale)


def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log of the CDF.

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.logcdf([0.0, 1.0]))
    [-0.6931 -0.2877]
    """
    return fnp.log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function 1/2 - arctan(z) / pi.

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.sf([-1.0, 1.0]))
    [0.75 0.25]
    """
    return at_standard(lambda z: 0.5 - fnp.arctan(z) / np.pi, x, loc, scale)


def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function.

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.logsf([0.0, 1.0]))
    [-0.6931 -1.3863]
    """
    return fnp.log(sf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale * tan(pi (q - 1/2)).

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.ppf([0.5, 0.75]))
    [0. 1.]
    """
    return loc_scale_ppf(lambda q: fnp.tan(np.pi * (q - 0.5)), q, loc, scale)


def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse survival function loc + scale * tan(pi (1/2 - q)).

    >>> from fgrad.scipy.stats import cauchy
    >>> print(cauchy.isf([0.5, 0.25]))
    [0. 1.]
    """
    return loc_scale_ppf(lambda q: fnp.tan(np.pi * (0.5 - q)), q, loc, scale)
