"""The chi-squared distribution with ``df`` degrees of freedom, as ``jax.scipy.stats.chi2``.

>>> from fgrad.scipy.stats import chi2
>>> print(chi2.cdf([0.0], 2.0))
[0.]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ._common import promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

from . import gamma as _gamma

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _as_gamma(x, df, loc, scale):
    """chi2(df, loc, scale) is gamma(df / 2, loc, 2 scale)."""
    x, df, loc, scale = promote(x, df, loc, scale)
    return x, 0.5 * df, loc, 2.0 * scale


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density.

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.logpdf([1.0, 2.0], 3.0))
    [-1.4189 -1.5724]
    """
    return _gamma.logpdf(*_as_gamma(x, df, loc, scale))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.pdf([1.0, 2.0], 3.0))
    [0.242  0.2076]
    """
    return _gamma.pdf(*_as_gamma(x, df, loc, scale))


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF gammainc(df / 2, x / 2).

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.cdf([1.0, 2.0], 3.0))
    [0.1987 0.4276]
    """
    return _gamma.cdf(*_as_gamma(x, df, loc, scale))


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF.

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.logcdf([1.0, 2.0], 3.0))
    [-1.6157 -0.8496]
    """
    return _gamma.logcdf(*_as_gamma(x, df, loc, scale))


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function.

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.sf([1.0, 2.0], 3.0))
    [0.8013 0.5724]
    """
    return _gamma.sf(*_as_gamma(x, df, loc, scale))


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function.

    >>> from fgrad.scipy.stats import chi2
    >>> print(chi2.logsf([1.0, 2.0], 3.0))
    [-0.2216 -0.5579]
    """
    return _gamma.logsf(*_as_gamma(x, df, loc, scale))
