"""``nn.Embedding`` and ``nn.EmbeddingBag``: lookup tables of ``num_embeddings`` rows."""

from __future__ import annotations

import weakref
from typing import Optional, TYPE_CHECKING

from fgrad import nn as L

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..parameter import Parameter
from .module import Module, np_dtype

if TYPE_CHECKING:
    from ...types import DType
    from ...types import DeviceLike

__all__ = ["Embedding", "EmbeddingBag"]

# Weights of the sparse=True embeddings, whose (dense) gradients stand for sparse ones (optim.SparseAdam reads
# this). By id: a WeakSet would compare tensors with (elementwise) ==.
_SPARSE: dict[int, weakref.ref[Tensor]] = {}


def mark_sparse_gradient(weight: Tensor) -> None:
    """Note that ``weight``'s gradient stands for a sparse one (called by the ``sparse=True`` embeddings)."""
    key = id(weight)
    if key not in _SPARSE:
        _SPARSE[key] = weakref.ref(weight, lambda _: _SPARSE.pop(key, None))


def has_sparse_gradient(weight: Tensor) -> bool:
    """Whether ``weight`` is the weight of a ``sparse=True`` embedding."""
    ref = _SPARSE.get(id(weight))
    return ref is not None and ref() is weight


class Embedding(Module):
    """torch.nn.Embedding: ``weight`` (num_embeddings, embedding_dim) ~ N(0, 1), padding row zero.

    >>> m = nn.Embedding(10, 3, padding_idx=0)
    >>> m(torch.tensor([[0, 2], [4, 9]])).shape
    torch.Size([2, 2, 3])
    >>> m.weight[0]
    tensor([0., 0., 0.], grad_fn=<SelectBackward0>)
    """

    __constants__ = ["num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                     "scale_grad_by_freq", "sparse"]

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None,
                 max_norm: Optional[float] = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Optional[Tensor] = None, _freeze: bool = False,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__()
        layer = L.Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                            sparse, np_dtype(dtype))
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = layer.padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self._init_layer(layer, device)
            if _freeze:
                self.weight.requires_grad_(False)  # type: ignore[has-type]  # set by _init_layer
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            object.__setattr__(self, "_layer", layer)
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        self._reset_from_layer()  # the layer's init: N(0, 1), the padding row zero

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        if self.sparse:  # SparseAdam takes this weight's (dense) gradient for a sparse one
            mark_sparse_gradient(self.weight)
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        return self._layer.extra_repr()

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: Optional[int] = None,
                        max_norm: Optional[float] = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        if not isinstance(embeddings, Tensor) or embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(Module):
    """torch.nn.EmbeddingBag: the sum, mean or max of bags of rows of ``weight`` (num_embeddings,
    embedding_dim) ~ N(0, 1), without making the rows' tensor for sums and means (``F.embedding_bag``).

    >>> m = nn.EmbeddingBag(10, 3, mode='sum')
    >>> m(torch.tensor([1, 2, 4, 5, 4]), torch.tensor([0, 2])).shape
    torch.Size([2, 3])
    >>> m
    EmbeddingBag(10, 3, mode='sum')
    """

    __constants__ = ["num_embeddings", "embedding_dim", "max_norm", "norm_type", "scale_grad_by_freq", "mode",
                     "sparse", "include_last_offset", "padding_idx"]

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: Optional[float] = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Optional[Tensor] = None, include_last_offset: bool = False,
                 padding_idx: Optional[int] = None, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__()
        layer = L.Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                            sparse, np_dtype(dtype))
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.padding_idx = layer.padding_idx
        if _weight is None:
            self._init_layer(layer, device)
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            object.__setattr__(self, "_layer", layer)
            self.weight = Parameter(_weight)
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input: Tensor, offsets: Optional[Tensor] = None,
                per_sample_weights: Optional[Tensor] = None) -> Tensor:
        if self.sparse:
            mark_sparse_gradient(self.weight)
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: Optional[float] = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: Optional[int] = None) -> EmbeddingBag:
        """An EmbeddingBag over the given 2-D ``embeddings`` (frozen unless ``freeze=False``).

        >>> nn.EmbeddingBag.from_pretrained(torch.eye(3), mode='sum')(torch.tensor([[0, 2]]))
        tensor([[1., 0., 1.]])
        """
        if not isinstance(embeddings, Tensor) or embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, max_norm=max_norm,
                  norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
