"""The Dirichlet distribution on the simplex, as ``jax.scipy.stats.dirichlet``: ``x`` has the
components on its first axis (shape ``(K,)`` or ``(K, N)``, or ``K - 1`` components, the last
one then being 1 - sum), ``alpha`` has shape ``(K,)``.

>>> from fgrad.scipy.stats import dirichlet
>>> print(dirichlet.pdf([0.5, 0.5], [1.0, 1.0]))
1.0
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """sum((alpha - 1) log x) - (sum(gammaln(alpha)) - gammaln(sum(alpha))); -inf off the simplex.

    >>> from fgrad.scipy.stats import dirichlet
    >>> print(round(float(dirichlet.logpdf([0.2, 0.3, 0.5], [1.0, 2.0, 3.0])), 6))
    1.504077
    """
    x, alpha = promote(x, alpha)
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet.logpdf: alpha must be one-dimensional, got shape {alpha.shape}")
    k = alpha.shape[0]
    if x.shape[0] == k - 1:
        x = fnp.concatenate([x, fnp.expand_dims(1.0 - fnp.sum(x, axis=0), 0)], axis=0)
    elif x.shape[0] != k:
        raise ValueError(f"dirichlet.logpdf: x has {x.shape[0]} components on its first axis, alpha has {k}")
    a = fnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    log_norm = fnp.sum(special.gammaln(alpha)) - special.gammaln(fnp.sum(alpha))
    on_simplex = fnp.all(x >= 0, axis=0) & (fnp.absolute(fnp.sum(x, axis=0) - 1.0) < 1e-6)
    return fnp.where(on_simplex, fnp.sum(special.xlogy(a - 1.0, x), axis=0) - log_norm, -np.inf)


def pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import dirichlet
    >>> print(round(float(dirichlet.pdf([0.2, 0.3, 0.5], [1.0, 2.0, 3.0])), 6))
    4.5
    """
    return fnp.exp(logpdf(x, alpha))
