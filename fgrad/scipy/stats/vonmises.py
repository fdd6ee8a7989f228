"""The von Mises distribution on the circle (concentration ``kappa``), as ``jax.scipy.stats.vonmises``.

>>> from fgrad.scipy.stats import vonmises
>>> print(vonmises.pdf([0.0], 0.0))
[0.1592]
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import LOG_2PI, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """kappa (cos x - 1) - log(2 pi i0e(kappa)) on [-pi, pi], -inf outside (as JAX), for kappa > 0.

    >>> from fgrad.scipy.stats import vonmises
    >>> print(vonmises.logpdf([0.0, 1.0], 2.0))
    [-0.6619 -1.5813]
    """
    x, kappa = promote(x, kappa)
    out = kappa * (fnp.cos(x) - 1.0) - LOG_2PI - fnp.log(special.i0e(kappa))
    out = fnp.where(fnp.absolute(x) <= np.pi, out, -np.inf)
    return fnp.where(kappa > 0, out, np.nan)


def pdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import vonmises
    >>> print(vonmises.pdf([0.0, 1.0], 2.0))
    [0.5159 0.2057]
    """
    return fnp.exp(logpdf(x, kappa))
