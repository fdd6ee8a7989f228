"""Student's t distribution with ``df`` degrees of freedom, as ``jax.scipy.stats.t``.

>>> from fgrad.scipy.stats import t
>>> print(t.pdf([0.0], 1.0))
[0.3183]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import LOG_PI, loc_scale_logpdf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def _standard_logpdf(z: Array, df: Array) -> Array:
    half = 0.5 * (df + 1.0)
    norm_const = special.gammaln(half) - special.gammaln(0.5 * df) - 0.5 * (fnp.log(df) + LOG_PI)
    return norm_const - half * fnp.log1p(z * z / df)


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The log density, differentiable in x, df, loc and scale.

    >>> from fgrad.scipy.stats import t
    >>> print(t.logpdf([0.0, 2.0], 3.0))
    [-1.0009 -2.6955]
    """
    return loc_scale_logpdf(_standard_logpdf, x, loc, scale, df)


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import t
    >>> print(t.pdf([0.0, 2.0], 3.0))
    [0.3676 0.0675]
    """
    return fnp.exp(logpdf(x, df, loc, scale))
