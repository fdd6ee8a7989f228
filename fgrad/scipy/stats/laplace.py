"""The Laplace (double exponential) distribution, as ``jax.scipy.stats.laplace``.

>>> from fgrad.scipy.stats import laplace
>>> print(laplace.cdf([0.0]))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from ._common import safe, standardize

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -|z| - log(2 scale).

    >>> from fgrad.scipy.stats import laplace
    >>> print(laplace.logpdf([0.0, -2.0]))
    [-0.6931 -2.6931]
    """
    z, scale = standardize(x, loc, scale)
    return -fnp.absolute(z) - fnp.log(2.0 * scale)


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
    z, _ = standardize(x, loc, scale)
    neg = z < 0
    return fnp.where(neg, 0.5 * fnp.exp(safe(neg, z, 0.0)), 1.0 - 0.5 * fnp.exp(-safe(neg, 0.0, z)))
