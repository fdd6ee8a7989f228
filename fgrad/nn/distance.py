"""Distances and normalisation: ``torch.nn.functional``'s normalize, cosine_similarity, pairwise_distance.

The array-level functions work on fgrad arrays (NumPy/CuPy or tracers) with torch's
formulas, so values and gradients match torch's; ``CosineSimilarity`` and
``PairwiseDistance`` are the stateless pure layers over them.

>>> import numpy as np
>>> float(cosine_similarity(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]))[0])
0.7071067811865475
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fgrad.transforms import stop_gradient
import fgrad.numpy as fnp
from fgrad.numpy import result_type as _dtype, shape as _shape

from .base import Layer
from .torch_rules import (absolute as torch_abs, broadcast_shapes, clip as torch_clip, dtype_name, normalize_dim,
                          vector_norm)

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["normalize", "cosine_similarity", "pairwise_distance", "CosineSimilarity", "PairwiseDistance"]


def _floats(x1, x2):
    """torch's promotion: ints join the float operand's dtype; two ints give NumPy's default float (the torch
    face casts them to its default dtype first)."""
    f1, f2 = _dtype(x1).kind in "fc", _dtype(x2).kind in "fc"
    if not f1 and not f2:
        dt = np.float64
        return fnp.astype(x1, dt), fnp.astype(x2, dt)
    if not f1:
        x1 = fnp.astype(x1, _dtype(x2))
    elif not f2:
        x2 = fnp.astype(x2, _dtype(x1))
    return x1, x2


def normalize(input: ArrayLike, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: None = None) -> Array:
    """``input / max(||input||_p, eps)`` along ``dim`` (``out=`` is refused: arrays are values).

    >>> fgrad.nn.functional.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    >>> fgrad.nn.functional.normalize(np.array([[3.0, 4.0], [1.0, 1.0]]), p=1.0)
    array([[0.4286, 0.5714],
           [0.5   , 0.5   ]])
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported (fgrad arrays are immutable); use the result")
    if _dtype(input).kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{dtype_name(_dtype(input))}")
    nd = len(_shape(input))
    axis = normalize_dim(dim, nd)
    if nd == 0:
        norm = torch_abs(input) if p != 0 else fnp.astype(input != 0, _dtype(input))
    else:
        norm = vector_norm(input, p, axis, keepdims=True)  # torch's: not rescaled, 0 slope at a zero norm
    return input / torch_clip(norm, float(eps), None)  # clip's derivative is 1 at the bound, like clamp_min


def cosine_similarity(x1: ArrayLike, x2: ArrayLike, dim: int = 1, eps: float = 1e-8) -> Array:
    """``sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)))`` along ``dim`` (torch's formula).

    ``x1`` and ``x2`` broadcast; ``dim`` is removed from the result. As in torch, the clamp to
    ``eps`` changes the value only: the gradient flows as if the norms were unclamped.

    >>> fgrad.nn.functional.cosine_similarity(np.array([[3.0, 4.0], [1.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]]))
    array([1., 0.])
    """
    if _dtype(x1).kind not in "fc" and _dtype(x2).kind not in "fc":
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{dtype_name(np.result_type(_dtype(x1), _dtype(x2)))}")
    x1, x2 = _floats(x1, x2)
    shp = broadcast_shapes(_shape(x1), _shape(x2))
    axis = normalize_dim(dim, len(shp))
    scalar = not shp
    x1, x2 = fnp.broadcast_to(x1, shp or (1,)), fnp.broadcast_to(x2, shp or (1,))

    def unit(x):
        n = fnp.linalg.vector_norm(x, axis=axis, keepdims=True)
        return x / (n + stop_gradient(fnp.maximum(n, float(eps)) - n))

    out = fnp.sum(unit(x1) * unit(x2), axis=axis)
    return fnp.reshape(out, ()) if scalar else out


def pairwise_distance(x1: ArrayLike, x2: ArrayLike, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Array:
    """``||x1 - x2 + eps||_p`` along the last dimension (of the broadcast shape).

    >>> fgrad.nn.functional.pairwise_distance(np.array([[3.0, 4.0], [1.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]]))
    array([0.    , 1.4142])
    """
    x1, x2 = _floats(x1, x2)
    broadcast_shapes(_shape(x1), _shape(x2))
    diff = x1 - x2 + float(eps)
    nd = len(_shape(diff))
    if nd == 0:
        return fnp.reshape(fnp.linalg.vector_norm(fnp.reshape(diff, (1,)), axis=0, ord=p), ())
    return fnp.linalg.vector_norm(diff, axis=nd - 1, keepdims=keepdim, ord=p)


class CosineSimilarity(Layer):
    """Pure ``torch.nn.CosineSimilarity``: ``apply(params, state, x1, x2)``, no params.

    >>> y, _ = fgrad.nn.CosineSimilarity(dim=0).apply({}, {}, np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    >>> print(round(float(y), 4))
    0.7071
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        self.dim, self.eps = dim, eps

    def call(self, params: PyTree, x1: ArrayLike, x2: ArrayLike, train: bool = False,
             key: Array | None = None) -> Array:
        return cosine_similarity(x1, x2, self.dim, self.eps)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, eps={self.eps}"


class PairwiseDistance(Layer):
    """Pure ``torch.nn.PairwiseDistance``: ``apply(params, state, x1, x2)``, no params.

    >>> fgrad.nn.PairwiseDistance().apply({}, {}, np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]))[0]
    array([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def call(self, params: PyTree, x1: ArrayLike, x2: ArrayLike, train: bool = False,
             key: Array | None = None) -> Array:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)

    def extra_repr(self) -> str:
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"
