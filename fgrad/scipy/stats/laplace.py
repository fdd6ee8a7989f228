"""The Laplace (double exponential) distribution, as ``jax.scipy.stats.laplace``.

>>> from fgrad.scipy.stats import laplace
>>> print(laplace.cdf([0.0]))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from ._common import LOG_2, at_standard, loc_scale_logpdf, safe

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf"]


def _standard_cdf(z: Array) -> Array:
    neg = z < 0
    return fnp.where(neg, 0.5 * fnp.exp(safe(neg, z, 0.0)), 1.0 - 0.5 * fnp.exp(-safe(neg, 0.0, z)))


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -|z| - log(2 scale).

    >>> from fgrad.scipy.stats import laplace
    >>> print(laplace.logpdf([0.0, -2.0]))
    [-0.6931 -2.6931]
    """
    return loc_scale_logpdf(lambda z: -fnp.absolute(z) - LOG_2, x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import laplace
    >>> print(laplace.pdf([0.0, 1.0]))
    [0.5    0.1839]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF: exp(z) / 2 left of loc, 1 - exp(-z) / 2 right of it.

    >>> from fgrad.scipy.stats import laplace
    >>> print(laplace.cdf([-1.0, 0.0, 1.0]))
    [0.1839 0.5    0.8161]
    """
    return at_standard(_standard_cdf, x, loc, scale)
