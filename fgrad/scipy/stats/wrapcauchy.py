"""The wrapped Cauchy distribution on ``[0, 2 pi]`` (shape ``0 < c < 1``), as ``jax.scipy.stats.wrapcauchy``.

>>> from fgrad.scipy.stats import wrapcauchy
>>> print(wrapcauchy.pdf([1.0], 0.0))
[0.1592]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from ._common import LOG_2PI, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, c: ArrayLike) -> Array:
    """log((1 - c**2) / (2 pi (1 + c**2 - 2 c cos x))) on [0, 2 pi], -inf outside.

    >>> from fgrad.scipy.stats import wrapcauchy
    >>> print(wrapcauchy.logpdf([0.0, 1.0], 0.5))
    [-0.7393 -1.7826]
    """
    x, c = promote(x, c)
    out = fnp.log1p(-c * c) - LOG_2PI - fnp.log1p(c * c - 2.0 * c * fnp.cos(x))
    out = fnp.where((x >= 0) & (x <= 2.0 * np.pi), out, -np.inf)
    return fnp.where((c > 0) & (c < 1), out, np.nan)


def pdf(x: ArrayLike, c: ArrayLike) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import wrapcauchy
    >>> print(wrapcauchy.pdf([0.0, 1.0], 0.5))
    [0.4775 0.1682]
    """
    return fnp.exp(logpdf(x, c))
