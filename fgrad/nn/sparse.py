"""Lookup tables: ``embedding`` and the ``Embedding`` layer.

Rows at ``padding_idx`` get no gradient; ``scale_grad_by_freq`` divides each row's
gradient by how often its index occurs in the batch; ``max_norm`` rescales the
looked-up rows whose norm exceeds it (torch does that to the weight in place, without
a gradient; here the pure function returns the rescaled rows with the same identity
gradient, and the Module face writes them back).

>>> import fgrad.random as fr, numpy as np
>>> layer = Embedding(10, 3, padding_idx=0)
>>> params, state = layer.init(fr.key(0))
>>> float(abs(params["weight"][0]).sum())
0.0
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fgrad.transforms import stop_gradient
import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import Tracer, concrete
from fgrad.numpy import get_array_module as array_module

from .base import Layer, normal_init

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = ["embedding", "embedding_renorm", "one_hot", "Embedding"]


def _raw_indices(input, who):
    idx = concrete(input)
    xp = backend.get_array_module(idx)
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {idx.dtype}")
    return idx, xp


def _renorm_scale(weight, idx, xp, max_norm, norm_type):
    """Per-row factors that bring the rows referenced by ``idx`` to norm <= max_norm (torch's 1e-7 slack)."""
    w = concrete(weight)
    n = w.shape[0]
    used = xp.zeros(n, bool)
    used[idx.reshape(-1)] = True
    norms = xp.sum(xp.abs(w) ** norm_type, axis=tuple(range(1, w.ndim))) ** (1.0 / norm_type)
    scale = xp.where(used & (norms > max_norm), max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    return scale.reshape((n,) + (1,) * (w.ndim - 1))


def embedding_renorm(weight: ArrayLike, input: ArrayLike, max_norm: float, norm_type: float = 2.0) -> Array:
    """``weight`` with the rows referenced by ``input`` rescaled to norm <= ``max_norm`` (no gradient).

    torch's ``max_norm`` renormalisation, as a value: the result replaces the table.

    >>> w = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 6.0]])
    >>> fgrad.nn.functional.embedding_renorm(w, np.array([0, 2]), 1.0)
    array([[0.6, 0.8],
           [1. , 0. ],
           [0. , 1. ]])
    """
    idx, xp = _raw_indices(input, "embedding_renorm")
    return weight * _renorm_scale(weight, idx, xp, float(max_norm), float(norm_type))


def embedding(input: ArrayLike, weight: ArrayLike, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Array:
    """Rows of ``weight`` picked by the integer array ``input`` (shape ``input.shape + weight.shape[1:]``).

    ``padding_idx``'s row gets no gradient; ``max_norm`` renormalises the looked-up rows
    (in the result: fgrad arrays are values, so the table itself is not written to).

    >>> fgrad.nn.functional.embedding(np.array([2, 0]), np.arange(6.0).reshape(3, 2))
    array([[4., 5.],
           [0., 1.]])
    """
    idx, xp = _raw_indices(input, "embedding")
    n = np.shape(weight)[0]
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n or int(idx.min()) < 0):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    w = weight
    if max_norm is not None:
        scale = _renorm_scale(weight, idx, xp, float(max_norm), float(norm_type))
        w = w + stop_gradient(w * scale - w)  # rescaled values, identity gradient (as torch's in-place renorm)
    if isinstance(input, Tracer):  # traced indices (under vmap: a batch of them, checked above as a whole)
        return _embedding_traced(input, w, padding_idx, scale_grad_by_freq)
    rows = fnp.take(w, idx, axis=0)
    if padding_idx is None and not scale_grad_by_freq:
        return rows
    g = xp.ones(idx.shape, np.result_type(concrete(weight)))
    if scale_grad_by_freq:
        counts = xp.zeros(n, g.dtype)
        backend.scatter_add(counts, idx.reshape(-1), xp.ones(idx.size, g.dtype))
        g = g / counts[idx]
    if padding_idx is not None:
        g = xp.where(idx == padding_idx, 0.0, g).astype(g.dtype)
    g = g.reshape(idx.shape + (1,) * (np.ndim(weight) - 1))
    frozen = stop_gradient(rows)
    return frozen + (rows - frozen) * g  # exact values; gradient scaled by g


def _embedding_traced(ix, w, padding_idx, scale_grad_by_freq):
    rows = fnp.take(w, ix, axis=0)
    if scale_grad_by_freq:
        raise NotImplementedError("embedding: scale_grad_by_freq with traced (batched) indices")
    if padding_idx is None:
        return rows
    g = fnp.astype(ix != padding_idx, fnp.result_type(w))
    g = fnp.reshape(g, fnp.shape(ix) + (1,) * (len(fnp.shape(w)) - 1))
    frozen = stop_gradient(rows)
    return frozen + (rows - frozen) * g


def one_hot(tensor: ArrayLike, num_classes: int = -1) -> Array:
    """int64 one-hot encoding along a new last axis; ``num_classes=-1`` infers ``max + 1``.

    >>> fgrad.nn.functional.one_hot(np.array([1, 0, 3]))
    array([[0, 1, 0, 0],
           [1, 0, 0, 0],
           [0, 0, 0, 1]])
    """
    raw = concrete(tensor)
    xp = array_module(raw)
    raw = xp.asarray(raw)
    if raw.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    num_classes = int(num_classes)
    if num_classes == -1:
        if raw.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(raw.max()) + 1
    elif num_classes < -1:
        raise RuntimeError("num_classes should be positive")
    if raw.size:
        if bool((raw < 0).any()):
            raise RuntimeError("Class values must be non-negative.")
        if bool((raw >= num_classes).any()):
            raise RuntimeError("Class values must be smaller than num_classes.")
    if isinstance(tensor, Tracer):  # traced (under vmap: a batch, checked above as a whole)
        return fnp.astype(fnp.expand_dims(tensor, -1) == xp.arange(num_classes), np.int64)
    return (raw[..., None] == xp.arange(num_classes)).astype(np.int64)


class Embedding(Layer):
    """A (num_embeddings, embedding_dim) table; torch's init N(0, 1) with the padding row zeroed.

    ``init(key)`` gives ``({"weight": (num_embeddings, embedding_dim)}, {})``; ``apply(params, state, idx)``
    maps integer indices of any shape to ``idx.shape + (embedding_dim,)``.

    >>> layer = fgrad.nn.Embedding(10, 3, padding_idx=0)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"][0]
    array([0., 0., 0.], dtype=float32)
    >>> layer.apply(params, state, np.array([[1, 2], [0, 9]]))[0].shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, dtype: DTypeLike = np.float32) -> None:
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse, self.dtype = scale_grad_by_freq, sparse, np.dtype(dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        w = normal_init(key, (self.num_embeddings, self.embedding_dim), 0.0, 1.0, self.dtype)
        if self.padding_idx is not None:
            w[self.padding_idx] = 0
        return {"weight": w}, {}

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return embedding(x, params["weight"], self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s
