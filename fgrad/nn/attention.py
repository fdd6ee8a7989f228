"""Attention: ``scaled_dot_product_attention``, ``multi_head_attention_forward`` and the
pure ``MultiheadAttention`` layer (torch's semantics, masks and parameter names).

Masks follow torch: in ``scaled_dot_product_attention`` a boolean ``attn_mask`` is
True where a position TAKES PART; in ``multi_head_attention_forward`` (and the
Transformer layers) boolean ``attn_mask``/``key_padding_mask`` are True where a
position is MASKED OUT. Float masks are added to the scores in both.

Rows whose every key is masked: ``scaled_dot_product_attention`` returns zeros there
(with zero gradients), like torch 2.13's math kernel; the ``need_weights=True`` path
of multi-head attention returns NaN there, like torch's.

>>> import numpy as np
>>> q = np.ones((2, 4, 3, 8))          # (N, heads, L, E)
>>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
(2, 4, 3, 8)
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

import fgrad.numpy as fnp
from .activations import softmax
from fgrad.numpy import get_array_module as array_module, result_type as _dtype, shape as _shape

from .base import Layer, kaiming_uniform, need_key, split_key, xavier_normal, xavier_uniform
from .dropout import dropout
from .linear import linear
from .torch_rules import size_str

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "MultiheadAttention"]


def _t(x):
    return fnp.swapaxes(x, -1, -2)


def _linear(x, w, b=None):
    return linear(x, w, b)  # the linear primitive: the weight's cotangent comes out C-ordered


def _heads(t, num_heads, head_dim):
    """(L, N, E) -> (N, heads, L, head_dim): a view (splitting E never copies)."""
    L, N = _shape(t)[:2]
    return fnp.transpose(fnp.reshape(t, (L, N, num_heads, head_dim)), (1, 2, 0, 3))


def _flat_heads(q, k, v, static_k, static_v, n, head_dim):
    """(L, N, E) -> (N * heads, L, head_dim) each; a given static key/value is already so."""
    def flat(t):
        return fnp.swapaxes(fnp.reshape(t, (_shape(t)[0], n, head_dim)), 0, 1)
    return flat(q), static_k if static_k is not None else flat(k), static_v if static_v is not None else flat(v)


def _is_bool(m):
    return _dtype(m) == np.bool_


def _safe_softmax(s):
    """Softmax over the last axis that gives 0 (not NaN) on rows that are all -inf.

    Only the per-row statistics are patched (no full-size select): such a row has
    ``exp(s - 0) = 0`` everywhere and its sum is replaced by 1, so its gradient is 0 too.
    """
    m = fnp.max(s, axis=-1, keepdims=True)
    m = fnp.stop_gradient(fnp.where(fnp.isfinite(m), m, 0.0))
    e = fnp.exp(s - m)
    tot = fnp.sum(e, axis=-1, keepdims=True)
    return e / fnp.where(tot > 0.0, tot, 1.0)


def _causal(L, S, xp):
    return xp.tril(xp.ones((L, S), dtype=bool))


def scaled_dot_product_attention(query: ArrayLike, key: ArrayLike, value: ArrayLike,
                                 attn_mask: ArrayLike | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False, *,
                                 dropout_key: Array | None = None) -> Array:
    """``softmax(q k^T * scale + mask) v`` over the last two axes (torch's F.scaled_dot_product_attention).

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask``:
    boolean (True = attend) or float (added), broadcastable to (..., L, S). ``is_causal``:
    the lower-triangular mask (no ``attn_mask`` allowed with it). ``scale`` defaults to
    ``1 / sqrt(E)``. ``enable_gqa``: key/value with fewer heads (axis -3) than query are
    repeated to match. ``dropout_p > 0`` needs ``dropout_key`` (an fgrad.random key).

    >>> q = k = np.eye(2)
    >>> v = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> fgrad.nn.functional.scaled_dot_product_attention(q, k, v)
    array([[1.6605, 2.6605],
           [2.3395, 3.3395]])
    >>> fgrad.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    array([[1.    , 2.    ],
           [2.3395, 3.3395]])
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                           "is_causal=True")
    E, L, S = _shape(query)[-1], _shape(query)[-2], _shape(key)[-2]
    if enable_gqa and len(_shape(query)) >= 3:
        hq, hk = _shape(query)[-3], _shape(key)[-3]
        if hq != hk:
            if hq % hk:
                raise RuntimeError(f"number of heads in query ({hq}) must be divisible by the number of heads in "
                                   f"key/value ({hk})")
            key = fnp.repeat(key, hq // hk, axis=-3)
            value = fnp.repeat(value, hq // _shape(value)[-3], axis=-3)
    _check_bmm(_shape(query), _shape(key)[:-2] + _shape(key)[-1:] + _shape(key)[-2:-1])
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    s = fnp.matmul(query * scale, _t(key))
    if is_causal:
        attn_mask = _causal(L, S, array_module(query))
    if attn_mask is not None:
        s = fnp.where(attn_mask, s, -np.inf) if _is_bool(attn_mask) else s + attn_mask
    w = _safe_softmax(s)
    if dropout_p > 0.0:
        w = dropout(w, dropout_p, key=need_key(dropout_key, "scaled_dot_product_attention with dropout_p > 0"))
    _check_bmm(_shape(w), _shape(value))
    return fnp.matmul(w, value)


def _check_bmm(a, b):
    """torch's bmm error when ``a (..., n, m) @ b (..., m', p)`` has ``m != m'`` (the batch dims flattened)."""
    if a[-1] != b[-2]:
        n = math.prod(a[:-2])
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {a[-1]}] but "
                           f"got: [{math.prod(b[:-2])}, {b[-2]}].")


def _float_mask(mask, dt):
    """torch's ``_canonical_mask``: a boolean mask (True = masked) becomes 0 / -inf of dtype ``dt``."""
    if mask is None:
        return None
    if _is_bool(mask):
        xp = array_module(mask)
        return fnp.where(mask, xp.asarray(-np.inf, dt), xp.asarray(0.0, dt))
    if np.dtype(_dtype(mask)).kind != "f":
        raise AssertionError("only bool and floating types of attn_mask are supported")
    return mask


def _pad_last(m):
    """Append one zero column (torch's F.pad(mask, (0, 1)))."""
    return fnp.pad(m, [(0, 0)] * (len(_shape(m)) - 1) + [(0, 1)])


def multi_head_attention_forward(query: ArrayLike, key: ArrayLike, value: ArrayLike, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: ArrayLike | None, in_proj_bias: ArrayLike | None,
                                 bias_k: ArrayLike | None, bias_v: ArrayLike | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: ArrayLike, out_proj_bias: ArrayLike | None,
                                 training: bool = True, key_padding_mask: ArrayLike | None = None,
                                 need_weights: bool = True, attn_mask: ArrayLike | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: ArrayLike | None = None,
                                 k_proj_weight: ArrayLike | None = None, v_proj_weight: ArrayLike | None = None,
                                 static_k: ArrayLike | None = None, static_v: ArrayLike | None = None,
                                 average_attn_weights: bool = True, is_causal: bool = False, *,
                                 dropout_key: Array | None = None) -> tuple[Array, Array | None]:
    """torch's F.multi_head_attention_forward on sequence-first (L, N, E) or unbatched (L, E) inputs.

    ``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E,) project query, key and value (or the
    separate ``q/k/v_proj_weight`` with ``use_separate_proj_weight``); ``out_proj_weight`` (E, E).
    Returns ``(attn_output, attn_weights)``; weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S), or None when ``need_weights`` is False.

    >>> x = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # (L=2, N=1, E=2)
    >>> w_in, b_in = np.tile(np.eye(2), (3, 1)), np.zeros(6)
    >>> out, weights = fgrad.nn.functional.multi_head_attention_forward(
    ...     x, x, x, 2, 1, w_in, b_in, None, None, False, 0.0, np.eye(2), np.zeros(2), training=False)
    >>> weights
    array([[[0.6698, 0.3302],
            [0.3302, 0.6698]]])
    """
    is_batched = len(_shape(query)) == 3
    if not is_batched:
        query, key, value = (fnp.expand_dims(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = fnp.expand_dims(key_padding_mask, 0)
    tgt_len, bsz, embed_dim = _shape(query)
    src_len = _shape(key)[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if _shape(key)[:2] != _shape(value)[:2]:
            raise AssertionError(f"key's sequence and batch dims {_shape(key)[:2]} do not match value's "
                                 f"{_shape(value)[:2]}")
    elif _shape(key) != _shape(value):
        raise AssertionError(f"key shape {_shape(key)} does not match value shape {_shape(value)}")
    dt = _dtype(query)

    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone drives the kernel
    else:
        attn_mask = _float_mask(attn_mask, dt)
        if key_padding_mask is not None:
            is_causal = False
    key_padding_mask = _float_mask(key_padding_mask, dt)

    # input projections
    if not use_separate_proj_weight:
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = fnp.split(in_proj_bias, 3)
        if query is key and key is value:
            q, k, v = fnp.split(_linear(query, in_proj_weight, in_proj_bias), 3, axis=-1)
        else:
            wq, wk, wv = fnp.split(in_proj_weight, 3)
            q = _linear(query, wq, bq)
            if key is value:
                k, v = fnp.split(_linear(key, fnp.concatenate([wk, wv]),
                                         None if bk is None else fnp.concatenate([bk, bv])), 2, axis=-1)
            else:
                k, v = _linear(key, wk, bk), _linear(value, wv, bv)
    else:
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = fnp.split(in_proj_bias, 3)
        q, k, v = _linear(query, q_proj_weight, bq), _linear(key, k_proj_weight, bk), _linear(value, v_proj_weight, bv)

    if attn_mask is not None:
        nd = len(_shape(attn_mask))
        if nd == 2:
            if _shape(attn_mask) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {size_str(_shape(attn_mask))}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = fnp.expand_dims(attn_mask, 0)
        elif nd == 3:
            if _shape(attn_mask) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {size_str(_shape(attn_mask))}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {nd} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key/value.")
        k = fnp.concatenate([k, fnp.broadcast_to(bias_k, (1, bsz, embed_dim))])
        v = fnp.concatenate([v, fnp.broadcast_to(bias_v, (1, bsz, embed_dim))])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif not (bias_k is None and bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")

    # The fused path's (L, N, E) -> (N, heads, L, head_dim) is a view (no copy of a column slice of the
    # packed projection); the others go through (N * heads, L, head_dim), as torch's reference does.
    fused = not need_weights and static_k is None and static_v is None and not add_zero_attn
    if fused:
        q, k, v = (_heads(t, num_heads, head_dim) for t in (q, k, v))
    else:
        q, k, v = _flat_heads(q, k, v, static_k, static_v, bsz * num_heads, head_dim)
    if add_zero_attn:
        k = fnp.pad(k, [(0, 0), (0, 1), (0, 0)])
        v = fnp.pad(v, [(0, 0), (0, 1), (0, 0)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = _shape(k)[-2]

    if key_padding_mask is not None:
        if _shape(key_padding_mask) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(_shape(key_padding_mask))}")
        kpm = fnp.reshape(fnp.broadcast_to(fnp.reshape(key_padding_mask, (bsz, 1, 1, src_len)),
                                           (bsz, num_heads, 1, src_len)), (bsz * num_heads, 1, src_len))
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0
    if dropout_p > 0.0:
        dropout_key = need_key(dropout_key, "multi_head_attention_forward with dropout_p > 0")

    if need_weights:
        s = fnp.matmul(q * math.sqrt(1.0 / head_dim), _t(k))
        if attn_mask is not None:
            s = s + attn_mask
        w = softmax(s, axis=-1)
        if dropout_p > 0.0:
            w = dropout(w, dropout_p, key=dropout_key)
        out = fnp.matmul(w, v)                                   # (N*h, L, hd)
        out = fnp.reshape(fnp.swapaxes(out, 0, 1), (tgt_len * bsz, embed_dim))
        out = fnp.reshape(_linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, embed_dim))
        w = fnp.reshape(w, (bsz, num_heads, tgt_len, src_len))
        if average_attn_weights:
            w = fnp.mean(w, axis=1)
        if not is_batched:
            out, w = fnp.squeeze(out, 1), fnp.squeeze(w, 0)
        return out, w

    if attn_mask is not None:
        if _shape(attn_mask)[0] == 1:
            attn_mask = fnp.expand_dims(attn_mask, 0)
        else:
            attn_mask = fnp.reshape(attn_mask, (bsz, num_heads, -1, src_len))
    if not fused:
        q = fnp.reshape(q, (bsz, num_heads, tgt_len, head_dim))
        k = fnp.reshape(k, (bsz, num_heads, src_len, head_dim))
        v = fnp.reshape(v, (bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, dropout_key=dropout_key)
    out = fnp.reshape(fnp.transpose(out, (2, 0, 1, 3)), (bsz * tgt_len, embed_dim))
    out = fnp.reshape(_linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, embed_dim))
    if not is_batched:
        out = fnp.squeeze(out, 1)
    return out, None


class MultiheadAttention(Layer):
    """torch.nn.MultiheadAttention as a pure layer.

    params: ``in_proj_weight`` (3E, E) [or ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when
    kdim/vdim differ from embed_dim], ``in_proj_bias`` (3E,), ``bias_k``/``bias_v`` (1, 1, E) with
    add_bias_kv, and ``out_proj`` = {"weight", "bias"}. ``apply(params, state, query, key, value,
    key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True,
    is_causal=False)`` -> ``((attn_output, attn_weights), state)`` (``key=`` is the random key for
    dropout, as for every layer: pass the attention key and value positionally).

    >>> mha = fgrad.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> params, state = mha.init(fgrad.random.key(0))
    >>> params["in_proj_weight"].shape, params["out_proj"]["weight"].shape
    ((24, 8), (8, 8))
    >>> x = np.ones((3, 5, 8), np.float32)  # (N, L, E)
    >>> (out, weights), state = mha.apply(params, state, x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, dtype: DTypeLike = np.float32) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, float(dropout)
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first, self.bias = batch_first, bias
        self.add_bias_kv, self.add_zero_attn = add_bias_kv, add_zero_attn
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.dtype = np.dtype(dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        """xavier_uniform in-projections, zero in_proj_bias and out_proj.bias, xavier_normal bias_k/v;
        out_proj.weight as Linear's default (kaiming_uniform(a=sqrt(5)))."""
        E, dt = self.embed_dim, self.dtype
        k = split_key(key, 6)
        p = {}
        if self._qkv_same_embed_dim:
            p["in_proj_weight"] = xavier_uniform(k[0], (3 * E, E), dtype=dt)
        else:
            p["q_proj_weight"] = xavier_uniform(k[0], (E, E), dtype=dt)
            p["k_proj_weight"] = xavier_uniform(k[1], (E, self.kdim), dtype=dt)
            p["v_proj_weight"] = xavier_uniform(k[2], (E, self.vdim), dtype=dt)
        if self.bias:
            p["in_proj_bias"] = np.zeros(3 * E, dt)
        out_w = kaiming_uniform(k[3], (E, E), a=math.sqrt(5), dtype=dt)
        p["out_proj"] = {"weight": out_w}
        if self.bias:
            p["out_proj"]["bias"] = np.zeros(E, dt)
        if self.add_bias_kv:
            p["bias_k"] = xavier_normal(k[4], (1, 1, E), dtype=dt)
            p["bias_v"] = xavier_normal(k[5], (1, 1, E), dtype=dt)
        return p, {}

    def apply(self, params: PyTree, state: PyTree, query: ArrayLike, k: ArrayLike, v: ArrayLike,
              key_padding_mask: ArrayLike | None = None, need_weights: bool = True,
              attn_mask: ArrayLike | None = None, average_attn_weights: bool = True, is_causal: bool = False, *,
              train: bool = False, key: Array | None = None) -> tuple[tuple[Array, Array | None], PyTree]:
        """``key`` is the random key (dropout); the attention key and value are ``k`` and ``v``."""
        rng, key, value = key, k, v
        q_nd = len(_shape(query))
        if q_nd not in (2, 3):
            raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {q_nd}-D "
                                 "query tensor")
        if self.batch_first and q_nd == 3:
            same_kv = key is value
            if key is query:
                query = key = fnp.swapaxes(query, 0, 1)
            else:
                query, key = fnp.swapaxes(query, 0, 1), fnp.swapaxes(key, 0, 1)
            value = key if same_kv else fnp.swapaxes(value, 0, 1)
        out, w = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, params.get("in_proj_weight"),
            params.get("in_proj_bias"), params.get("bias_k"), params.get("bias_v"), self.add_zero_attn,
            self.dropout, params["out_proj"]["weight"], params["out_proj"].get("bias"), training=train,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim, q_proj_weight=params.get("q_proj_weight"),
            k_proj_weight=params.get("k_proj_weight"), v_proj_weight=params.get("v_proj_weight"),
            average_attn_weights=average_attn_weights, is_causal=is_causal, dropout_key=rng)
        if self.batch_first and q_nd == 3:
            out = fnp.swapaxes(out, 0, 1)
        return (out, w), state

    def extra_repr(self) -> str:
        return ""
