"""The uniform distribution on ``[loc, loc + scale]``, as ``jax.scipy.stats.uniform``.

>>> from fgrad.scipy.stats import uniform
>>> print(uniform.cdf([0.25]))
[0.25]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from ._common import at_standard, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """-log(scale) inside [loc, loc + scale], -inf outside.

    >>> from fgrad.scipy.stats import uniform
    >>> print(uniform.logpdf([-1.0, 0.5, 1.0], scale=2.0))
    [   -inf -0.6931 -0.6931]
    """
    x, loc, scale = promote(x, loc, scale)
    inside = (x >= loc) & (x <= loc + scale)
    return fnp.where(inside, -fnp.log(scale), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """1 / scale inside [loc, loc + scale], 0 outside.

    >>> from fgrad.scipy.stats import uniform
    >>> print(uniform.pdf([-1.0, 0.5], scale=2.0))
    [0.  0.5]
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """(x - loc) / scale clipped to [0, 1].

    >>> from fgrad.scipy.stats import uniform
    >>> print(uniform.cdf([-1.0, 0.5, 3.0], scale=2.0))
    [0.   0.25 1.  ]
    """
    return at_standard(lambda z: fnp.where(z < 0, 0.0, fnp.where(z > 1, 1.0, z)), x, loc, scale)


def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """loc + q * scale for q in [0, 1], nan outside.

    >>> from fgrad.scipy.stats import uniform
    >>> print(uniform.ppf([0.25, 2.0], loc=1.0, scale=2.0))
    [1.5 nan]
    """
    q, loc, scale = promote(q, loc, scale)
    return fnp.where((q >= 0) & (q <= 1), loc + q * scale, np.nan)
