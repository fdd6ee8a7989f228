"""Interpolation of N-dimensional arrays (``jax.scipy.ndimage``'s names).

>>> from fgrad.scipy.ndimage import map_coordinates
>>> map_coordinates(np.arange(12.0).reshape(3, 4), [np.array([0.5, 1.5]), np.array([1.5, 2.5])], order=1)
array([3.5, 8.5])
"""
from __future__ import annotations

import functools
import itertools
import operator
from typing import TYPE_CHECKING

import numpy as np

from .. import numpy as fnp

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..typing import Array, ArrayLike

__all__ = ["map_coordinates"]


def _mirror(i: Array, n: int) -> Array:
    """Reflection about the first and last samples (period ``2n - 2``)."""
    if n == 1:
        return fnp.zeros_like(i)
    j = fnp.mod(i, 2 * n - 2)
    return fnp.where(j < n, j, 2 * n - 2 - j)


def _reflect(i: Array, n: int) -> Array:
    """Reflection about the edges between samples (period ``2n``)."""
    j = fnp.mod(i, 2 * n)
    return fnp.where(j < n, j, 2 * n - 1 - j)


# How an index outside [0, n) reads the input. 'constant' reads a clipped index (its value is then
# replaced by cval); 'wrap' and 'constant' follow SciPy's 'grid-wrap' and 'grid-constant', as JAX's do.
_FIXERS: dict[str, Callable[[Array, int], Array]] = {
    "constant": lambda i, n: fnp.clip(i, 0, n - 1),
    "nearest": lambda i, n: fnp.clip(i, 0, n - 1),
    "wrap": lambda i, n: fnp.mod(i, n),
    "mirror": _mirror,
    "reflect": _reflect,
}


def _half_away(x: Array) -> Array:
    """Rounding with halves away from zero (SciPy's and JAX's rule for nearest samples)."""
    return fnp.sign(x) * fnp.floor(fnp.abs(x) + 0.5)


def _nodes(c: Array, order: int) -> list[tuple[Array, Array | None]]:
    """The sample indices that interpolate at coordinates ``c`` and their weights (None: weight 1)."""
    if order == 0:
        i = c if c.dtype.kind in "iub" else _half_away(c)
        return [(fnp.astype(i, np.int64), None)]
    lower = fnp.floor(c)
    upper_weight = c - lower
    i = fnp.astype(lower, np.int64)
    return [(i, 1 - upper_weight), (i + 1, upper_weight)]


def map_coordinates(input: ArrayLike, coordinates: Sequence[ArrayLike], order: int, mode: str = "constant",
                    cval: ArrayLike = 0.0) -> Array:
    """``input`` interpolated at ``coordinates`` (``scipy.ndimage.map_coordinates``).

    ``coordinates``: one array per axis of ``input`` (all one shape, the output's);
    ``order``: 0 (nearest sample) or 1 (linear); ``mode``: how points outside are read,
    ``'constant'`` (``cval``), ``'nearest'``, ``'wrap'``, ``'mirror'`` or ``'reflect'``
    (``'constant'`` and ``'wrap'`` as SciPy's ``'grid-constant'`` and ``'grid-wrap'``, as in JAX).
    Differentiable in ``input`` and, for ``order=1``, in ``coordinates``.

    >>> from fgrad.scipy.ndimage import map_coordinates
    >>> map_coordinates(np.array([0.0, 10.0, 20.0]), [np.array([-0.5, 0.25, 2.5])], order=1)
    array([ 0. ,  2.5, 10. ])
    >>> map_coordinates(np.array([0.0, 10.0, 20.0]), [np.array([-1.0, 3.0])], order=0, mode="wrap")
    array([20.,  0.])
    """
    x = fnp.asarray(input)
    coords = [fnp.asarray(c) for c in coordinates]
    if len(coords) != fnp.ndim(x):
        raise ValueError(f"map_coordinates: coordinates must be a sequence of length input.ndim, "
                         f"but {len(coords)} != {fnp.ndim(x)}")
    fixer = _FIXERS.get(mode)
    if fixer is None:
        raise NotImplementedError(f"map_coordinates does not support mode {mode!r}; "
                                  f"supported modes are {sorted(_FIXERS)}")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates currently requires order<=1, got order={order!r}")
    if order == 1:
        coords = [c if c.dtype.kind in "fc" else fnp.astype(c, np.float64) for c in coords]
    per_axis = []
    for c, n in zip(coords, fnp.shape(x)):
        per_axis.append([(fixer(i, n), (i >= 0) & (i < n) if mode == "constant" else None, w)
                         for i, w in _nodes(c, order)])
    fill = fnp.asarray(cval, dtype=x.dtype, like=x)
    terms = []
    for corner in itertools.product(*per_axis):
        value = x[tuple(i for i, _, _ in corner)]
        valid = [v for _, v, _ in corner if v is not None]
        if valid:
            value = fnp.where(functools.reduce(operator.and_, valid), value, fill)
        weights = [w for _, _, w in corner if w is not None]
        terms.append(functools.reduce(operator.mul, weights) * value if weights else value)
    out = functools.reduce(operator.add, terms)
    if x.dtype.kind in "iub":
        out = _half_away(out)
    return fnp.astype(out, x.dtype)
