"""``nn.MultiheadAttention`` (torch keeps it in activation.py; here it has its own file).

The module registers torch's parameters (``in_proj_weight`` or ``q/k/v_proj_weight``,
``in_proj_bias``, ``bias_k``, ``bias_v`` and the ``out_proj`` Linear) and runs the pure
``fgrad.nn.MultiheadAttention`` on them (nested by their dotted names) with ``_run_layer``.
"""

from __future__ import annotations

from typing import Optional, TYPE_CHECKING
from fgrad import nn as L

from .. import init
from .linear import Linear
from .module import Module, np_dtype

if TYPE_CHECKING:
    from ..._tensor import Tensor
    from ...types import DType
    from ...types import DeviceLike

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's ``out_proj`` (a plain Linear)."""


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights or None)``.

    >>> mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
    >>> q = torch.zeros(2, 5, 8)
    >>> out, weights = mha(q, q, q)
    >>> out.shape, weights.shape
    (torch.Size([2, 5, 8]), torch.Size([2, 5, 5]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Optional[int] = None,
                 vdim: Optional[int] = None, batch_first: bool = False, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__()
        layer = L.MultiheadAttention(embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim,
                                     batch_first, np_dtype(dtype))
        self.embed_dim, self.kdim, self.vdim = embed_dim, layer.kdim, layer.vdim
        self._qkv_same_embed_dim = layer._qkv_same_embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = layer.head_dim
        self.add_zero_attn = add_zero_attn
        self._init_layer(layer, device)  # out_proj's params are the Linear's own, below
        for n in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias"):
            if n not in self._parameters:
                self.register_parameter(n, None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:
            init.constant_(self.out_proj.bias, 0.0)
        if not add_bias_kv:
            self.bias_k = self.bias_v = None

    def _reset_parameters(self):
        self._reset_from_layer()

    def _current_layer(self):
        self._layer.dropout = float(self.dropout)
        return self._layer

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Optional[Tensor] = None,
                need_weights: bool = True, attn_mask: Optional[Tensor] = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> Tensor:
        rng = init.next_key() if (self.training and self.dropout > 0) else None
        return self._run_layer(query, key, value, key_padding_mask=key_padding_mask, need_weights=need_weights,
                               attn_mask=attn_mask, average_attn_weights=average_attn_weights,
                               is_causal=is_causal, key=rng)
