"""The multinomial distribution over the last axis (``n`` trials, probabilities ``p``),
as ``jax.scipy.stats.multinomial``.

>>> from fgrad.scipy.stats import multinomial
>>> print(multinomial.pmf([1, 1], 2, [0.5, 0.5]))
0.5
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp
from .. import special
from ._common import is_integer, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpmf", "pmf"]


def logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """gammaln(n + 1) + sum(x log p - gammaln(x + 1)) over the last axis where sum(x) == n, else -inf.

    >>> from fgrad.scipy.stats import multinomial
    >>> print(multinomial.logpmf([[2, 0, 1], [1, 1, 1]], 3, [0.5, 0.25, 0.25]))
    [-1.674 -1.674]
    """
    x, n, p = promote(x, n, p)
    terms = fnp.sum(special.xlogy(x, p) - special.gammaln(x + 1.0), axis=-1)
    ok = (fnp.sum(x, axis=-1) == n) & fnp.all((x >= 0) & is_integer(x), axis=-1)
    return fnp.where(ok, special.gammaln(n + 1.0) + terms, -np.inf)


def pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    """The probability mass.

    >>> from fgrad.scipy.stats import multinomial
    >>> print(multinomial.pmf([[2, 0, 1], [1, 1, 1]], 3, [0.5, 0.25, 0.25]))
    [0.1875 0.1875]
    """
    return fnp.exp(logpmf(x, n, p))
