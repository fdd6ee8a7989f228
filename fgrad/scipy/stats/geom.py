"""The geometric distribution (trials up to the first success, ``k >= 1``), as ``jax.scipy.stats.geom``.

>>> from fgrad.scipy.stats import geom
>>> print(geom.pmf([1], 0.5))
[0.5]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from .. import special
from ._common import is_integer, lattice_logpmf

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """(k - 1) log(1 - p) + log p for whole k >= 1, -inf elsewhere.

    >>> from fgrad.scipy.stats import geom
    >>> print(geom.logpmf([0, 1, 3], 0.5))
    [   -inf -0.6931 -2.0794]
    """
    return lattice_logpmf(lambda k, p: special.xlog1py(k - 1.0, -p) + fnp.log(p),
                          lambda k, p: (k >= 1) & is_integer(k), k, loc, p, inner=1.0)


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import geom
    >>> print(geom.pmf([1, 2, 3], 0.5))
    [0.5   0.25  0.125]
    """
    return fnp.exp(logpmf(k, p, loc))
