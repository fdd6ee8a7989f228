"""The logistic distribution, as ``jax.scipy.stats.logistic``.

>>> from fgrad.scipy.stats import logistic
>>> print(logistic.cdf([0.0]))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import at_standard, loc_scale_logpdf, loc_scale_ppf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "sf", "ppf", "isf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density -|z| - 2 log1p(exp(-|z|)) - log(scale), without overflow.

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.logpdf([0.0, 800.0]))
    [  -1.3863 -800.    ]
    """
    return loc_scale_logpdf(lambda z: 2.0 * special.log_expit(z) - z, x, loc, scale)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.pdf([0.0, 1.0]))
    [0.25   0.1966]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF expit(z).

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.cdf([-1.0, 2.0]))
    [0.2689 0.8808]
    """
    return at_standard(special.expit, x, loc, scale)


def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function expit(-z).

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.sf([-1.0, 2.0]))
    [0.7311 0.1192]
    """
    return at_standard(lambda z: special.expit(-z), x, loc, scale)


def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function loc + scale * logit(x) (JAX names the argument x).

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.ppf([0.5, 0.75]))
    [0.     1.0986]
    """
    return loc_scale_ppf(special.logit, x, loc, scale)


def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse survival function loc - scale * logit(x).

    >>> from fgrad.scipy.stats import logistic
    >>> print(logistic.isf([0.5, 0.25]))
    [0.     1.0986]
    """
    return loc_scale_ppf(lambda q: -special.logit(q), x, loc, scale)
