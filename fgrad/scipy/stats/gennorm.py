"""The generalized normal distribution with shape ``beta`` (2: normal up to scale, 1: Laplace),
as ``jax.scipy.stats.gennorm``.

>>> from fgrad.scipy.stats import gennorm
>>> print(gennorm.cdf([0.0], 2.0))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import LOG_2, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """log(beta / 2) - gammaln(1 / beta) - |x|**beta.

    >>> from fgrad.scipy.stats import gennorm
    >>> print(gennorm.logpdf([0.0, 1.0], 2.0))
    [-0.5724 -1.5724]
    """
    x, beta = promote(x, beta)
    return fnp.log(beta) - LOG_2 - special.gammaln(1.0 / beta) - fnp.absolute(x) ** beta


def pdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import gennorm
    >>> print(gennorm.pdf([0.0, 1.0], 2.0))
    [0.5642 0.2076]
    """
    return fnp.exp(logpdf(x, beta))


def cdf(x: ArrayLike, beta: ArrayLike) -> Array:
    """1/2 + sign(x) gammainc(1 / beta, |x|**beta) / 2 (differentiable in x and beta).

    >>> from fgrad.scipy.stats import gennorm
    >>> print(gennorm.cdf([-1.0, 0.0, 1.0], 1.0))
    [0.1839 0.5    0.8161]
    """
    x, beta = promote(x, beta)
    s = fnp.absolute(x) ** beta
    a = 1.0 / beta
    return fnp.where(x < 0, 0.5 * special.gammaincc(a, s), 0.5 + 0.5 * special.gammainc(a, s))
