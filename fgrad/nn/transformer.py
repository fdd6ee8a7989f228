"""Transformer layers (torch.nn.Transformer and its parts) as pure layers.

params nest like torch's state_dict: an encoder layer has ``self_attn`` (MultiheadAttention),
``linear1``, ``linear2``, ``norm1``, ``norm2``; a decoder layer adds ``multihead_attn`` and
``norm3``; ``TransformerEncoder`` has ``layers`` {"0": ..., "1": ...} and optional ``norm``;
``Transformer`` has ``encoder`` and ``decoder``. Masks: every kind torch accepts (boolean
True = masked, or float added; ``*_key_padding_mask`` (N, S); ``*_is_causal`` hints).

>>> import fgrad.random as fr, numpy as np
>>> enc = TransformerEncoder(TransformerEncoderLayer(8, 2, dim_feedforward=16), num_layers=2)
>>> params, state = enc.init(fr.key(0))
>>> y, _ = enc.apply(params, state, np.ones((5, 3, 8), np.float32))
>>> y.shape
(5, 3, 8)
"""
from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import activations as fnn
from fgrad.numpy import shape as _shape

from .attention import MultiheadAttention
from .base import Layer, bias_uniform, flatten_params, kaiming_uniform, need_key, split_key, unflatten_params
from .base import xavier_uniform
from .dropout import dropout
from .linear import linear
from .normalization import LayerNorm, layer_norm

if TYPE_CHECKING:
    from collections.abc import Callable

    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = ["TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder",
           "Transformer", "generate_square_subsequent_mask"]


def generate_square_subsequent_mask(sz: int, dtype: DTypeLike = np.float32, xp: Any = np) -> Array:
    """The (sz, sz) causal float mask: -inf above the diagonal, 0 elsewhere.

    ``xp`` is the array module to build it with (NumPy or CuPy).

    >>> fgrad.nn.functional.generate_square_subsequent_mask(3)
    array([[  0., -inf, -inf],
           [  0.,   0., -inf],
           [  0.,   0.,   0.]], dtype=float32)
    """
    return xp.triu(xp.full((sz, sz), -np.inf, dtype=dtype), k=1)


def _linear_params(key, n_in, n_out, bias, dt):
    kw, kb = split_key(key, 2)
    p = {"weight": kaiming_uniform(kw, (n_out, n_in), a=math.sqrt(5), dtype=dt)}
    if bias:
        p["bias"] = bias_uniform(kb, (n_out,), n_in, dtype=dt)
    return p


def _norm_params(d, bias, dt):
    p = {"weight": np.ones(d, dt)}
    if bias:
        p["bias"] = np.zeros(d, dt)
    return p


def _linear(p, x):
    return linear(x, p["weight"], p.get("bias"))


def _layer_norm(p, x, eps):
    return layer_norm(x, _shape(p["weight"]), p["weight"], p.get("bias"), eps)


def _activation(activation):
    if isinstance(activation, str):
        if activation == "relu":
            return fnn.relu
        if activation == "gelu":
            return lambda x: fnn.gelu(x, approximate="none")
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


class _Block(Layer):
    """What the encoder and decoder layers share: feed-forward, norms, dropout keys."""

    def _common(self, d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                norm_first, bias, dtype):
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.dropout, self.layer_norm_eps, self.batch_first = float(dropout), layer_norm_eps, batch_first
        self.norm_first, self.bias, self.dtype = norm_first, bias, np.dtype(dtype)
        self.activation = activation
        self._act = _activation(activation)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)

    def _drop(self, x, train, key):
        return dropout(x, self.dropout, key=key) if train and self.dropout > 0.0 else x

    def _ff(self, p, x, train, k1, k2):
        h = self._drop(self._act(_linear(p["linear1"], x)), train, k1)
        return self._drop(_linear(p["linear2"], h), train, k2)

    def _keys(self, train, key, n):
        if train and self.dropout > 0.0:
            return split_key(need_key(key, type(self).__name__), n)
        return [None] * n

    def _attn(self, attn, p, x, kv, mask, kpm, is_causal, train, key):
        (y, _), _ = attn.apply(p, {}, x, kv, kv, key_padding_mask=kpm, need_weights=False, attn_mask=mask,
                               is_causal=is_causal, train=train, key=key)
        return y


class TransformerEncoderLayer(_Block):
    """Self-attention then feed-forward, each with a residual and LayerNorm (post- or pre-norm).

    Params: ``self_attn`` (MultiheadAttention's), ``linear1`` (dim_feedforward, d_model), ``linear2``,
    ``norm1``, ``norm2``. ``apply(params, state, src, src_mask=None, src_key_padding_mask=None)``;
    ``src`` is (S, N, E), or (N, S, E) with ``batch_first``.

    >>> layer = fgrad.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> sorted(params)
    ['linear1', 'linear2', 'norm1', 'norm2', 'self_attn']
    >>> layer.apply(params, state, np.ones((5, 3, 8), np.float32))[0].shape
    (5, 3, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Array], Array] = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        self._common(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                     norm_first, bias, dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        k = split_key(key, 3)
        dt = self.dtype
        return {"self_attn": self.self_attn.init(k[0])[0],
                "linear1": _linear_params(k[1], self.d_model, self.dim_feedforward, self.bias, dt),
                "linear2": _linear_params(k[2], self.dim_feedforward, self.d_model, self.bias, dt),
                "norm1": _norm_params(self.d_model, self.bias, dt),
                "norm2": _norm_params(self.d_model, self.bias, dt)}, {}

    def apply(self, params: PyTree, state: PyTree, src: ArrayLike, src_mask: ArrayLike | None = None,
              src_key_padding_mask: ArrayLike | None = None, is_causal: bool = False, *, train: bool = False,
              key: Array | None = None) -> tuple[Array, PyTree]:
        ka, k0, k1, k2 = self._keys(train, key, 4)
        eps, x = self.layer_norm_eps, src

        def sa(y):
            y = self._attn(self.self_attn, params["self_attn"], y, y, src_mask, src_key_padding_mask,
                           is_causal, train, ka)
            return self._drop(y, train, k1)

        if self.norm_first:
            x = x + sa(_layer_norm(params["norm1"], x, eps))
            x = x + self._ff(params, _layer_norm(params["norm2"], x, eps), train, k0, k2)
        else:
            x = _layer_norm(params["norm1"], x + sa(x), eps)
            x = _layer_norm(params["norm2"], x + self._ff(params, x, train, k0, k2), eps)
        return x, state


class TransformerDecoderLayer(_Block):
    """Self-attention, cross-attention over ``memory``, feed-forward; residuals and LayerNorms.

    ``apply(params, state, tgt, memory, tgt_mask=None, memory_mask=None, ...)``: ``tgt`` (T, N, E),
    ``memory`` (S, N, E) (batch first with ``batch_first``).

    >>> layer = fgrad.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> tgt, memory = np.ones((2, 4, 8), np.float32), np.ones((2, 6, 8), np.float32)
    >>> layer.apply(params, state, tgt, memory)[0].shape
    (2, 4, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Array], Array] = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        self._common(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                     norm_first, bias, dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        k = split_key(key, 4)
        dt = self.dtype
        return {"self_attn": self.self_attn.init(k[0])[0],
                "multihead_attn": self.multihead_attn.init(k[1])[0],
                "linear1": _linear_params(k[2], self.d_model, self.dim_feedforward, self.bias, dt),
                "linear2": _linear_params(k[3], self.dim_feedforward, self.d_model, self.bias, dt),
                "norm1": _norm_params(self.d_model, self.bias, dt),
                "norm2": _norm_params(self.d_model, self.bias, dt),
                "norm3": _norm_params(self.d_model, self.bias, dt)}, {}

    def apply(self, params: PyTree, state: PyTree, tgt: ArrayLike, memory: ArrayLike,
              tgt_mask: ArrayLike | None = None, memory_mask: ArrayLike | None = None,
              tgt_key_padding_mask: ArrayLike | None = None, memory_key_padding_mask: ArrayLike | None = None,
              tgt_is_causal: bool = False, memory_is_causal: bool = False, *, train: bool = False,
              key: Array | None = None) -> tuple[Array, PyTree]:
        ka, kb, k0, k1, k2, k3 = self._keys(train, key, 6)
        eps, x = self.layer_norm_eps, tgt

        def sa(y):
            y = self._attn(self.self_attn, params["self_attn"], y, y, tgt_mask, tgt_key_padding_mask,
                           tgt_is_causal, train, ka)
            return self._drop(y, train, k1)

        def mha(y):
            y = self._attn(self.multihead_attn, params["multihead_attn"], y, memory, memory_mask,
                           memory_key_padding_mask, memory_is_causal, train, kb)
            return self._drop(y, train, k2)

        if self.norm_first:
            x = x + sa(_layer_norm(params["norm1"], x, eps))
            x = x + mha(_layer_norm(params["norm2"], x, eps))
            x = x + self._ff(params, _layer_norm(params["norm3"], x, eps), train, k0, k3)
        else:
            x = _layer_norm(params["norm1"], x + sa(x), eps)
            x = _layer_norm(params["norm2"], x + mha(x), eps)
            x = _layer_norm(params["norm3"], x + self._ff(params, x, train, k0, k3), eps)
        return x, state


def _stack_init(layer, num_layers, norm, key):
    """Every layer starts from the same parameters (torch deep-copies the layer it is given)."""
    k_layer, k_norm = split_key(key, 2)
    p0, s0 = layer.init(k_layer)
    params = {"layers": {str(i): copy.deepcopy(p0) for i in range(num_layers)}}
    state = {"layers": {str(i): copy.deepcopy(s0) for i in range(num_layers)}}
    if norm is not None:
        params["norm"], state["norm"] = norm.init(k_norm)
    return params, state


def _keys_for(n, train, key):
    return split_key(key, n) if (train and key is not None) else [None] * n


class TransformerEncoder(Layer):
    """``num_layers`` copies of ``encoder_layer``, then ``norm`` (a pure layer, optional).

    Params nest as torch's: ``layers.0...``, ``layers.1...``, ``norm...``.

    >>> enc = fgrad.nn.TransformerEncoder(fgrad.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), num_layers=2)
    >>> params, state = enc.init(fgrad.random.key(0))
    >>> sorted(params["layers"])
    ['0', '1']
    >>> y, _ = enc.apply(params, state, np.ones((5, 3, 8), np.float32))
    >>> y.shape
    (5, 3, 8)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Layer | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        self.layer, self.num_layers, self.norm = encoder_layer, num_layers, norm

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        return _stack_init(self.layer, self.num_layers, self.norm, key)

    def apply(self, params: PyTree, state: PyTree, src: ArrayLike, mask: ArrayLike | None = None,
              src_key_padding_mask: ArrayLike | None = None, is_causal: bool | None = None, *, train: bool = False,
              key: Array | None = None) -> tuple[Array, PyTree]:
        keys = _keys_for(self.num_layers + 1, train, key)
        x = src
        for i in range(self.num_layers):
            x, _ = self.layer.apply(params["layers"][str(i)], {}, x, src_mask=mask,
                                    src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal),
                                    train=train, key=keys[i])
        if self.norm is not None:
            x, _ = self.norm.apply(params["norm"], state.get("norm", {}), x, train=train, key=keys[-1])
        return x, state


class TransformerDecoder(Layer):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` (optional).

    >>> dec = fgrad.nn.TransformerDecoder(fgrad.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), 2)
    >>> params, state = dec.init(fgrad.random.key(0))
    >>> mask = fgrad.nn.Transformer.generate_square_subsequent_mask(4)
    >>> tgt, memory = np.ones((4, 1, 8), np.float32), np.ones((6, 1, 8), np.float32)
    >>> dec.apply(params, state, tgt, memory, tgt_mask=mask)[0].shape
    (4, 1, 8)
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Layer | None = None) -> None:
        self.layer, self.num_layers, self.norm = decoder_layer, num_layers, norm

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        return _stack_init(self.layer, self.num_layers, self.norm, key)

    def apply(self, params: PyTree, state: PyTree, tgt: ArrayLike, memory: ArrayLike,
              tgt_mask: ArrayLike | None = None, memory_mask: ArrayLike | None = None,
              tgt_key_padding_mask: ArrayLike | None = None, memory_key_padding_mask: ArrayLike | None = None,
              tgt_is_causal: bool | None = None, memory_is_causal: bool = False, *, train: bool = False,
              key: Array | None = None) -> tuple[Array, PyTree]:
        keys = _keys_for(self.num_layers + 1, train, key)
        x = tgt
        for i in range(self.num_layers):
            x, _ = self.layer.apply(params["layers"][str(i)], {}, x, memory, tgt_mask=tgt_mask,
                                    memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
                                    memory_key_padding_mask=memory_key_padding_mask,
                                    tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal,
                                    train=train, key=keys[i])
        if self.norm is not None:
            x, _ = self.norm.apply(params["norm"], state.get("norm", {}), x, train=train, key=keys[-1])
        return x, state


class Transformer(Layer):
    """torch.nn.Transformer: an encoder and a decoder stack, each ending in a LayerNorm.

    ``init`` draws every parameter of more than one dimension from xavier_uniform (torch's
    ``_reset_parameters``); ``custom_encoder``/``custom_decoder`` are pure layers.
    ``apply(params, state, src, tgt, src_mask=None, tgt_mask=None, ...)`` returns the decoder's output.

    >>> model = fgrad.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
    ...                              dim_feedforward=16)
    >>> params, state = model.init(fgrad.random.key(0))
    >>> src, tgt = np.ones((6, 2, 8), np.float32), np.ones((4, 2, 8), np.float32)
    >>> model.apply(params, state, src, tgt)[0].shape
    (4, 2, 8)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Array], Array] = "relu", custom_encoder: Layer | None = None,
                 custom_decoder: Layer | None = None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype: DTypeLike = np.float32) -> None:
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        self.dtype = np.dtype(dtype)
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias,
                dtype)
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(*args), num_encoder_layers, LayerNorm(d_model, layer_norm_eps, True, bias, dtype))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(*args), num_decoder_layers, LayerNorm(d_model, layer_norm_eps, True, bias, dtype))

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        ke, kd, kx = split_key(key, 3)
        pe, se = self.encoder.init(ke)
        pd, sd = self.decoder.init(kd)
        flat = flatten_params({"encoder": pe, "decoder": pd})
        keys = split_key(kx, len(flat))
        for k, (name, v) in zip(keys, list(flat.items())):
            if np.ndim(v) > 1:
                flat[name] = xavier_uniform(k, np.shape(v), dtype=v.dtype)
        return unflatten_params(flat), {"encoder": se, "decoder": sd}

    def apply(self, params: PyTree, state: PyTree, src: ArrayLike, tgt: ArrayLike,
              src_mask: ArrayLike | None = None, tgt_mask: ArrayLike | None = None,
              memory_mask: ArrayLike | None = None, src_key_padding_mask: ArrayLike | None = None,
              tgt_key_padding_mask: ArrayLike | None = None, memory_key_padding_mask: ArrayLike | None = None,
              src_is_causal: bool | None = None, tgt_is_causal: bool | None = None, memory_is_causal: bool = False,
              *, train: bool = False, key: Array | None = None) -> tuple[Array, PyTree]:
        s, t = _shape(src), _shape(tgt)
        if len(s) == 3:
            b = 0 if self.batch_first else 1
            if s[b] != t[b]:
                raise RuntimeError("the batch number of src and tgt must be equal")
        if s[-1] != self.d_model or t[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        ke, kd = _keys_for(2, train, key)
        memory, _ = self.encoder.apply(params["encoder"], state.get("encoder", {}), src, mask=src_mask,
                                       src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal,
                                       train=train, key=ke)
        out, _ = self.decoder.apply(params["decoder"], state.get("decoder", {}), tgt, memory, tgt_mask=tgt_mask,
                                    memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
                                    memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                                    memory_is_causal=memory_is_causal, train=train, key=kd)
        return out, state
