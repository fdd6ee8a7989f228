"""NumPy's index tricks: ``r_`` and ``c_`` (concatenation by slicing syntax), ``mgrid`` and ``ogrid``
(dense and open grids), ``s_`` and ``index_exp`` (index tuples).

Grids come from concrete slices, so they are plain arrays; ``r_`` and ``c_`` join their pieces with
``concatenate``, so traced pieces keep their derivatives.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..core import Tracer
from . import _creation, _shape
from ._util import shape

if TYPE_CHECKING:
    from ..typing import Array

__all__ = ["r_", "c_", "s_", "index_exp", "mgrid", "ogrid"]

s_ = np.s_
index_exp = np.index_exp


class _Grid:
    """``mgrid[a:b:s, ...]`` / ``ogrid[...]``: NumPy's grids as arrays (a complex step ``nj`` means n points)."""

    def __init__(self, sparse: bool) -> None:
        self.sparse = sparse

    def __getitem__(self, key: Any) -> Array | list[Array]:
        grid = (np.ogrid if self.sparse else np.mgrid)[key]
        if self.sparse:
            return [_creation.asarray(g) for g in (grid if isinstance(grid, (tuple, list)) else [grid])]
        return _creation.asarray(grid)


class _Concatenator:
    """``r_[...]`` / ``c_[...]``: pieces joined along an axis; a leading string ``'axis,ndmin,trans1d'``
    sets the axis, the minimum number of dimensions and where a 1-D piece's axis goes."""

    def __init__(self, axis: int, ndmin: int, trans1d: int) -> None:
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __getitem__(self, key: Any) -> Array:
        items = list(key) if isinstance(key, tuple) else [key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if items and isinstance(items[0], str):
            spec = items.pop(0)
            if spec in ("r", "c"):
                raise NotImplementedError("r_/c_: matrix outputs ('r', 'c') are not supported; use '0,2' or '1,2'")
            parts = [int(p) for p in spec.split(",")]
            axis = parts[0]
            ndmin = parts[1] if len(parts) > 1 else ndmin
            trans1d = parts[2] if len(parts) > 2 else trans1d
        pieces = []
        for item in items:
            if isinstance(item, slice):
                piece = _creation.asarray(np.r_[item])
            elif isinstance(item, str):
                raise ValueError("r_/c_: a string directive must come first")
            else:
                piece = _creation.asarray(item) if not isinstance(item, Tracer) else item
                if len(shape(piece)) == 0:
                    piece = _shape.reshape(piece, (1,))
            pieces.append(self._with_ndmin(piece, ndmin, trans1d))
        if not pieces:
            return _creation.asarray(np.r_[()])
        return _shape.concatenate(pieces, axis=axis)

    @staticmethod
    def _with_ndmin(piece: Array, ndmin: int, trans1d: int) -> Array:
        nd = len(shape(piece))
        if nd >= ndmin:
            return piece
        piece = _shape.reshape(piece, (1,) * (ndmin - nd) + shape(piece))
        if trans1d == -1:
            return piece
        # the piece's own axes go to position trans1d among the ndmin axes (NumPy's rule)
        k2, k1 = ndmin - nd, trans1d if trans1d >= 0 else trans1d + ndmin - nd + 1
        axes = list(range(ndmin))
        return _shape.transpose(piece, tuple(axes[:k1] + axes[k2:] + axes[k1:k2]))


r_ = _Concatenator(0, 1, -1)
c_ = _Concatenator(-1, 2, 0)
mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)
