"""Interpolation on a rectilinear grid (``jax.scipy.interpolate``'s names): ``RegularGridInterpolator``.

A composite of array operations: each query point's cell is found by ``searchsorted``, and the
result is a weighted sum of the cell's corner values (gathered for all points at once), so it is
differentiable in ``values`` and in the query points, runs under ``vmap``/``jit`` and on the
device of its arrays.

>>> from fgrad.scipy.interpolate import RegularGridInterpolator
>>> f = RegularGridInterpolator((np.array([0.0, 1.0, 2.0]),), np.array([0.0, 10.0, 40.0]))
>>> f(np.array([[0.5], [1.5]]))
array([ 5., 25.])
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import numpy as fnp

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..typing import Array, ArrayLike

__all__ = ["RegularGridInterpolator"]

_METHODS = ("linear", "nearest")


def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ValueError(f"method {method!r} is not defined")
    return method


class RegularGridInterpolator:
    """Interpolation of ``values`` given on the grid ``points`` (one increasing 1-D array per
    dimension), as ``scipy.interpolate.RegularGridInterpolator`` and JAX's.

    ``values`` has shape ``(len(points[0]), ..., len(points[d-1]), *rest)``; ``method``: "linear" or
    "nearest"; points outside the grid get ``fill_value`` (NaN), or are extrapolated from the edge
    cells when it is None. ``bounds_error=True`` raises NotImplementedError, as in JAX.

    >>> from fgrad.scipy.interpolate import RegularGridInterpolator
    >>> x, y = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0])
    >>> f = RegularGridInterpolator((x, y), np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
    >>> f(np.array([[0.5, 1.0], [2.0, 0.0], [4.0, 1.0]]))
    array([1.5, 3. , nan])
    >>> fgrad.grad(lambda p: f(p)[0])(np.array([0.5, 1.0]))
    array([2. , 0.5])
    """

    def __init__(self, points: Sequence[ArrayLike], values: ArrayLike, method: str = "linear",
                 bounds_error: bool = False, fill_value: float | None = np.nan) -> None:
        self.method = _check_method(method)
        if bounds_error:
            raise NotImplementedError("`bounds_error` takes no effect under JIT")
        self.bounds_error = bounds_error
        values = fnp.asarray(values)
        grid = tuple(fnp.asarray(p) for p in points)
        if len(grid) > fnp.ndim(values):
            raise ValueError(f"There are {len(grid)} point arrays, but values has {fnp.ndim(values)} dimensions")
        for i, p in enumerate(grid):
            if fnp.ndim(p) != 1:
                raise ValueError(f"The points in dimension {i} must be 1-dimensional")
            if fnp.shape(p)[0] != fnp.shape(values)[i]:
                raise ValueError(f"There are {fnp.shape(p)[0]} points and {fnp.shape(values)[i]} values in "
                                 f"dimension {i}")
            if fnp.shape(p)[0] < 2:
                raise ValueError(f"There must be at least two points in dimension {i}")
        self.grid = grid
        self.values = values
        self.fill_value = fill_value

    def _coords(self, xi: ArrayLike | Sequence[ArrayLike]) -> Array:
        """The query points as an array ``(..., d)``: a tuple holds one coordinate array per
        dimension (broadcast together); a 1-D array is a flat list of points."""
        d = len(self.grid)
        if isinstance(xi, tuple):
            xi = fnp.stack(fnp.broadcast_arrays(*xi), axis=-1)
        else:
            xi = fnp.asarray(xi)
            if fnp.ndim(xi) == 1:
                xi = fnp.reshape(xi, (-1, d))
        if fnp.shape(xi)[-1] != d:
            raise ValueError(f"the requested sample points xi have dimension {fnp.shape(xi)[-1]}, but this "
                             f"RegularGridInterpolator has dimension {d}")
        if fnp.result_type(xi).kind not in "fc":
            xi = fnp.asarray(xi, np.float64)
        return xi

    def _find_indices(self, xi: Array) -> tuple[list[Array], list[Array], Any]:
        """Per dimension, each point's cell (the left one at a grid point, the edge cell outside)
        and its position in the cell (0 to 1 inside); and whether the point is off the grid."""
        cells, fractions = [], []
        off = False
        for k, g in enumerate(self.grid):
            x = xi[:, k]
            i = fnp.clip(fnp.searchsorted(g, x) - 1, 0, fnp.shape(g)[0] - 2)
            lo, hi = fnp.take(g, i), fnp.take(g, i + 1)
            cells.append(i)
            fractions.append((x - lo) / (hi - lo))
            off = off | (x < g[0]) | (x > g[-1])
        return cells, fractions, off

    def _gather(self, index: tuple[Array, ...]) -> Array:
        """``values[index]`` for per-point index arrays along the grid's axes, as one ``take`` of the
        flattened grid (the index arrays may be traced, the values raw)."""
        d = len(self.grid)
        sizes = tuple(fnp.shape(self.values)[:d])
        flat, stride = 0, 1
        for i, n in zip(reversed(index), reversed(sizes)):
            flat = flat + i * stride
            stride *= n
        grid_first = fnp.reshape(self.values, (-1,) + tuple(fnp.shape(self.values)[d:]))
        return fnp.take(grid_first, flat, axis=0)

    def __call__(self, xi: ArrayLike | Sequence[ArrayLike], method: str | None = None) -> Array:
        """The interpolated values at ``xi`` (shape ``(..., d)``, or a tuple of coordinate arrays):
        shape ``xi.shape[:-1] + values.shape[d:]``."""
        method = _check_method(self.method if method is None else method)
        xi = self._coords(xi)
        d = len(self.grid)
        batch = tuple(fnp.shape(xi)[:-1])
        flat = fnp.reshape(xi, (-1, d))
        cells, fractions, off = self._find_indices(flat)
        rest = (1,) * (fnp.ndim(self.values) - d)
        if method == "linear":
            result = 0
            for corner in itertools.product((0, 1), repeat=d):  # 2**d corners, every point at once
                weight = 1
                for up, t in zip(corner, fractions):
                    weight = weight * (t if up else 1 - t)
                index = tuple(i + up for i, up in zip(cells, corner))
                result = result + fnp.reshape(weight, fnp.shape(weight) + rest) * self._gather(index)
        else:
            result = self._gather(tuple(fnp.where(t <= 0.5, i, i + 1) for i, t in zip(cells, fractions)))
        if self.fill_value is not None:
            result = fnp.where(fnp.reshape(off, fnp.shape(off) + rest), self.fill_value, result)
        return fnp.reshape(result, batch + tuple(fnp.shape(self.values)[d:]))

