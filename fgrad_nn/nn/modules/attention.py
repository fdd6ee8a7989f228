"""``nn.MultiheadAttention`` (torch keeps it in activation.py; here it has its own file).

The module registers torch's parameters (``in_proj_weight`` or ``q/k/v_proj_weight``,
``in_proj_bias``, ``bias_k``, ``bias_v`` and the ``out_proj`` Linear) and runs the pure
``fgrad.nn.MultiheadAttention`` on them with :func:`run_pure`.
"""
from collections import OrderedDict

from fgrad.tree_util import tree_flatten, tree_unflatten

from fgrad import nn as L
from ..._tensor import Tensor, apply, wrap
from fgrad.nn.base import unflatten_params
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module, np_dtype

__all__ = ["MultiheadAttention"]


def run_pure(module, layer, inputs, kwargs=None, key=None):
    """Run the pure ``layer`` on ``module``'s parameters (nested by their dotted names) and ``inputs``.

    Tensors among ``kwargs`` (masks) are unwrapped too; the output nest (tuples, None)
    comes back with Tensors at its leaves. Recorded on the tape like any op.
    """
    kwargs = dict(kwargs or {})
    kw_t = [k for k, v in kwargs.items() if isinstance(v, Tensor)]
    flat = OrderedDict((n, p) for n, p in module.named_parameters() if p is not None)
    names = list(flat)
    n_in, n_kw = len(inputs), len(kw_t)
    train = module.training
    cell = []

    def run(*vals):
        kw = dict(kwargs)
        kw.update(zip(kw_t, vals[n_in:n_in + n_kw]))
        params = unflatten_params(dict(zip(names, vals[n_in + n_kw:])))
        y, _ = layer.apply(params, {}, *vals[:n_in], train=train, key=key, **kw)
        leaves, tree = tree_flatten(y)
        cell.append(tree)
        return leaves

    leaves = apply(run, tuple(inputs) + tuple(kwargs[k] for k in kw_t) + tuple(flat.values()), out_kind="raw")
    return tree_unflatten(cell[0], [wrap(v) for v in leaves])


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's ``out_proj`` (a plain Linear)."""


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights or None)``.
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        layer = L.MultiheadAttention(embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim,
                                     batch_first, np_dtype(dtype))
        object.__setattr__(self, "_layer", layer)
        self.embed_dim, self.kdim, self.vdim = embed_dim, layer.kdim, layer.vdim
        self._qkv_same_embed_dim = layer._qkv_same_embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = layer.head_dim
        self.add_zero_attn = add_zero_attn
        params, _ = layer.init(init.next_key())

        def param(name):
            t = wrap(params[name])
            return Parameter(t.to(device) if device is not None else t)

        if self._qkv_same_embed_dim:
            self.in_proj_weight = param("in_proj_weight")
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.q_proj_weight, self.k_proj_weight = param("q_proj_weight"), param("k_proj_weight")
            self.v_proj_weight = param("v_proj_weight")
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = param("in_proj_bias")
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:
            init.constant_(self.out_proj.bias, 0.0)
        if add_bias_kv:
            self.bias_k, self.bias_v = param("bias_k"), param("bias_v")
        else:
            self.bias_k = self.bias_v = None

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        layer = self._layer
        layer.dropout = float(self.dropout)
        rng = init.next_key() if (self.training and self.dropout > 0) else None
        kw = {"key_padding_mask": key_padding_mask, "need_weights": need_weights, "attn_mask": attn_mask,
              "average_attn_weights": average_attn_weights, "is_causal": is_causal}
        out, w = run_pure(self, layer, (query, key, value), kw, key=rng)
        return out, w
