"""Integration of sampled functions (``jax.scipy.integrate``'s names).

>>> from fgrad.scipy.integrate import trapezoid
>>> print(trapezoid(np.array([0.0, 1.0, 4.0]), dx=0.5))
1.5
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import numpy as fnp

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["trapezoid"]


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1) -> Array:
    """The integral of samples ``y`` along ``axis`` by the trapezoidal rule
    (``scipy.integrate.trapezoid``): at the points ``x`` if given, else with spacing ``dx``.

    >>> from fgrad.scipy.integrate import trapezoid
    >>> print(trapezoid(np.array([1.0, 2.0, 3.0]), x=np.array([0.0, 1.0, 3.0])))
    6.5
    >>> trapezoid(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0)
    array([2. , 3.5])
    """
    return fnp.trapezoid(y, x=x, dx=dx, axis=axis)
