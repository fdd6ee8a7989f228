"""The beta distribution with shapes ``a``, ``b`` on ``[loc, loc + scale]``, as ``jax.scipy.stats.beta``.

>>> from fgrad.scipy.stats import beta
>>> print(beta.cdf([0.5], 2.0, 2.0))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import at_standard, loc_scale_logpdf, log_from_pair

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _standard_logpdf(z: Array, a: Array, b: Array) -> Array:
    return special.xlogy(a - 1.0, z) + special.xlog1py(b - 1.0, -z) - special.betaln(a, b)


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density (a-1) log z + (b-1) log(1-z) - betaln(a, b) - log(scale) on [0, 1], -inf outside.

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.logpdf([-0.5, 0.25, 0.5], 2.0, 3.0))
    [  -inf 0.5232 0.4055]
    """
    return loc_scale_logpdf(_standard_logpdf, x, loc, scale, a, b, support=lambda z, a, b: (z >= 0) & (z <= 1),
                            inner=0.5)


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.pdf([0.25, 0.5], 2.0, 3.0))
    [1.6875 1.5   ]
    """
    return fnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The CDF betainc(a, b, z) (differentiable in x, loc, scale; not in a, b, as in JAX).

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.cdf([-1.0, 0.25, 0.5, 2.0], 2.0, 3.0))
    [0.     0.2617 0.6875 1.    ]
    """
    return at_standard(lambda z, a, b: special.betainc(a, b, fnp.clip(z, 0.0, 1.0)), x, loc, scale, a, b)


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log CDF.

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.logcdf([0.25, 0.5], 2.0, 3.0))
    [-1.3405 -0.3747]
    """
    return log_from_pair(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function betainc(b, a, 1 - z).

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.sf([0.25, 0.5], 2.0, 3.0))
    [0.7383 0.3125]
    """
    return at_standard(lambda z, a, b: special.betainc(b, a, 1.0 - fnp.clip(z, 0.0, 1.0)), x, loc, scale, a, b)


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log survival function.

    >>> from fgrad.scipy.stats import beta
    >>> print(beta.logsf([0.25, 0.5], 2.0, 3.0))
    [-0.3034 -1.1632]
    """
    return log_from_pair(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))
