"""Transformer layers, stacks and nn.Transformer against torch 2.13 (copied weights)."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.random as fr
import fgrad_nn as ft
import fgrad.nn as L
from fgrad.core import concrete
from fgrad.nn.base import flatten_params, unflatten_params

from _layer_compare import close, host

TDT = {np.float64: torch.float64, np.float32: torch.float32}
FDT = {np.float64: ft.float64, np.float32: ft.float32}


def _pair(tm, fm, device="cpu"):
    tsd = tm.state_dict()
    assert list(tsd) == list(fm.state_dict())
    assert [tuple(v.shape) for v in tsd.values()] == [tuple(v.shape) for v in fm.state_dict().values()]
    with torch.no_grad():
        for p in tm.parameters():  # LayerNorm ones/zeros and zero biases -> generic values
            p.add_(0.1 * torch.randn_like(p))
    fm.load_state_dict({k: ft.tensor(v.numpy(), device=device) for k, v in tm.state_dict().items()})
    fm.to(device)


def _compare(tm, fm, inputs, masks, dtype, seed, device="cpu"):
    rng = np.random.default_rng(seed)
    ti = [torch.tensor(x, requires_grad=True) for x in inputs]
    fi = [ft.tensor(x, device=device, requires_grad=True) for x in inputs]
    tk = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in masks.items()}
    fk = {k: (ft.tensor(v, device=device) if isinstance(v, np.ndarray) else v) for k, v in masks.items()}
    yt, yf = tm(*ti, **tk), fm(*fi, **fk)
    close(host(yf.detach()), yt.detach().numpy(), dtype, "output")
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(g)).sum().backward()
    (yf * ft.tensor(g, device=device)).sum().backward()
    for i, (a, b) in enumerate(zip(ti, fi)):
        close(host(b.grad), a.grad.numpy(), dtype, f"grad of input {i}")
    fp = dict(fm.named_parameters())
    for name, p in tm.named_parameters():
        close(host(fp[name].grad), p.grad.numpy(), dtype, f"grad of {name}")
    return yf


@st.composite
def layer_configs(draw):
    kw = dict(d_model=4, nhead=draw(st.sampled_from([1, 2])), dim_feedforward=draw(st.integers(2, 6)),
              dropout=0.0, activation=draw(st.sampled_from(["relu", "gelu"])),
              layer_norm_eps=draw(st.sampled_from([1e-5, 1e-3])), batch_first=draw(st.booleans()),
              norm_first=draw(st.booleans()), bias=draw(st.booleans()))
    return kw, draw(st.sampled_from([np.float64, np.float32])), draw(st.booleans())


def _seq(rng, n, N, kw, dtype, batched=True):
    if not batched:
        return rng.standard_normal((n, kw["d_model"])).astype(dtype)
    return rng.standard_normal((N, n, kw["d_model"]) if kw["batch_first"] else (n, N, kw["d_model"])).astype(dtype)


def _masks(rng, kind, prefix, L_, S, N, dtype, batched=True):
    m = {}
    if kind in ("kpm", "all"):
        m[f"{prefix}_key_padding_mask"] = rng.random((N, S) if batched else (S,)) > 0.7
    if kind in ("bool", "all"):
        m[f"{prefix}_mask"] = rng.random((L_, S)) > 0.7
    if kind == "float":
        m[f"{prefix}_mask"] = rng.standard_normal((L_, S)).astype(dtype)
    if kind == "causal":
        m[f"{prefix}_mask"] = np.triu(np.full((L_, S), -np.inf, dtype), 1)
        m[f"{prefix}_is_causal"] = True
    return m


MASKS = st.sampled_from(["none", "kpm", "bool", "float", "causal", "all"])


@settings(max_examples=12)
@given(layer_configs(), MASKS, st.integers(0, 2 ** 31))
def test_encoder_layer_matches_torch(cfg, mask_kind, seed):
    kw, dtype, batched = cfg
    rng = np.random.default_rng(seed)
    tm = torch.nn.TransformerEncoderLayer(**kw, dtype=TDT[dtype])
    fm = ft.nn.TransformerEncoderLayer(**kw, dtype=FDT[dtype])
    _pair(tm, fm)
    L_, N = int(rng.integers(1, 4)), 2
    x = _seq(rng, L_, N, kw, dtype, batched)
    masks = _masks(rng, mask_kind, "src", L_, L_, N, dtype, batched)
    masks = {("is_causal" if k == "src_is_causal" else k): v for k, v in masks.items()}
    y = _compare(tm, fm, [x], masks, dtype, seed)
    # the pure face on the Module's parameters gives the Module's output
    params = unflatten_params({n: concrete(p._data) for n, p in fm.named_parameters()})
    yp, _ = L.TransformerEncoderLayer(**kw, dtype=dtype).apply(params, {}, x, **masks)
    np.testing.assert_array_equal(np.asarray(yp), host(y.detach()))


@settings(max_examples=12)
@given(layer_configs(), MASKS, MASKS, st.integers(0, 2 ** 31))
def test_decoder_layer_matches_torch(cfg, tgt_kind, mem_kind, seed):
    kw, dtype, batched = cfg
    rng = np.random.default_rng(seed)
    tm = torch.nn.TransformerDecoderLayer(**kw, dtype=TDT[dtype])
    fm = ft.nn.TransformerDecoderLayer(**kw, dtype=FDT[dtype])
    _pair(tm, fm)
    T, S, N = int(rng.integers(1, 4)), int(rng.integers(1, 4)), 2
    tgt, mem = _seq(rng, T, N, kw, dtype, batched), _seq(rng, S, N, kw, dtype, batched)
    masks = _masks(rng, tgt_kind, "tgt", T, T, N, dtype, batched)
    mm = _masks(rng, mem_kind, "memory", T, S, N, dtype, batched)
    masks.update({k: v for k, v in mm.items() if k != "memory_is_causal"})  # torch: a hint for memory_mask only
    _compare(tm, fm, [tgt, mem], masks, dtype, seed)


@settings(max_examples=6)
@given(st.booleans(), st.booleans(), st.sampled_from(["none", "kpm", "causal", "bool"]), st.integers(0, 2 ** 31))
def test_transformer_matches_torch(batch_first, norm_first, mask_kind, seed):
    rng = np.random.default_rng(seed)
    kw = dict(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6, dropout=0.0,
              batch_first=batch_first, norm_first=norm_first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(**kw, dtype=torch.float64)
    fm = ft.nn.Transformer(**kw, dtype=ft.float64)
    _pair(tm, fm)
    S, T, N = 3, 2, 2
    src, tgt = _seq(rng, S, N, kw, np.float64), _seq(rng, T, N, kw, np.float64)
    masks = {}
    if mask_kind == "causal":
        masks["tgt_mask"] = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64).numpy()
        masks["tgt_is_causal"] = True
    else:
        masks.update(_masks(rng, mask_kind, "src", S, S, N, np.float64))
        masks.update(_masks(rng, mask_kind, "memory", T, S, N, np.float64))
    _compare(tm, fm, [src, tgt], masks, np.float64, seed)


def test_stacks_match_torch_and_copy_their_layer():
    rng = np.random.default_rng(0)
    kw = dict(d_model=4, nhead=2, dim_feedforward=6, dropout=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        te = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**kw, dtype=torch.float64), 2,
                                         torch.nn.LayerNorm(4, dtype=torch.float64))
    fe = ft.nn.TransformerEncoder(ft.nn.TransformerEncoderLayer(**kw, dtype=ft.float64), 2,
                                  ft.nn.LayerNorm(4, dtype=ft.float64))
    a, b = fe.layers[0].linear1.weight, fe.layers[1].linear1.weight
    np.testing.assert_array_equal(host(a.detach()), host(b.detach()))  # deep copies of one layer
    assert a is not b
    _pair(te, fe)
    x = rng.standard_normal((3, 2, 4))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64).numpy()
    _compare(te, fe, [x], dict(mask=mask, src_key_padding_mask=np.array([[0, 0, 1], [0, 0, 0]], bool)),
             np.float64, 0)
    td = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(**kw, dtype=torch.float64), 2)
    fd = ft.nn.TransformerDecoder(ft.nn.TransformerDecoderLayer(**kw, dtype=ft.float64), 2)
    _pair(td, fd)
    _compare(td, fd, [x[:2], x], dict(tgt_mask=mask[:2, :2]), np.float64, 1)


def test_pure_stack_and_transformer_init():
    enc = L.TransformerEncoder(L.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1), num_layers=2)
    params, state = enc.init(fr.key(0))
    flat = flatten_params(params)
    ref = {k: tuple(v.shape) for k, v in torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False).state_dict().items()}
    assert {k: tuple(v.shape) for k, v in flat.items()} == ref
    np.testing.assert_array_equal(flat["layers.0.linear1.weight"], flat["layers.1.linear1.weight"])
    x = np.ones((5, 3, 8), np.float32)
    with pytest.raises(ValueError, match="random key"):
        enc.apply(params, state, x, train=True)
    g = fgrad.grad(lambda p: enc.apply(p, state, x, train=True, key=fr.key(1))[0].sum())(params)
    assert set(flatten_params(g)) == set(flat)
    tr = L.Transformer(8, 2, 1, 1, 16)
    p, _ = tr.init(fr.key(0))
    ref = {k: tuple(v.shape) for k, v in torch.nn.Transformer(8, 2, 1, 1, 16).state_dict().items()}
    assert {k: tuple(v.shape) for k, v in flatten_params(p).items()} == ref
    w = flatten_params(p)["encoder.layers.0.linear1.weight"]
    bound = (6 / (8 + 16)) ** 0.5
    assert np.abs(w).max() <= bound and w.std() > bound / 3  # xavier_uniform, not Linear's default


def test_errors_and_mask_helper():
    m = ft.nn.Transformer(4, 2, 1, 1, 6)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(ft.randn(3, 2, 4), ft.randn(3, 1, 4))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        m(ft.randn(3, 2, 4), ft.randn(3, 2, 5))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ft.nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        ft.nn.TransformerEncoderLayer(6, 4)
    np.testing.assert_array_equal(host(ft.nn.Transformer.generate_square_subsequent_mask(4)),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_custom_activation_and_dropout():
    rng = np.random.default_rng(0)
    tm = torch.nn.TransformerEncoderLayer(4, 2, 6, 0.0, activation=lambda x: x * torch.sigmoid(x),
                                          dtype=torch.float64)
    fm = ft.nn.TransformerEncoderLayer(4, 2, 6, 0.0, activation=lambda x: x * ft.sigmoid(x), dtype=ft.float64)
    _pair(tm, fm)
    _compare(tm, fm, [rng.standard_normal((3, 2, 4))], {}, np.float64, 0)
    fm = ft.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.5, dtype=ft.float64)
    x = ft.tensor(rng.standard_normal((3, 2, 4)))
    ft.manual_seed(0)
    a = host(fm(x).detach())
    ft.manual_seed(0)
    np.testing.assert_array_equal(host(fm(x).detach()), a)
    fm.eval()
    assert not np.allclose(host(fm(x).detach()), a)


def test_device(device):
    tm = torch.nn.TransformerEncoderLayer(4, 2, 6, 0.0, dtype=torch.float64)
    fm = ft.nn.TransformerEncoderLayer(4, 2, 6, 0.0, dtype=ft.float64)
    _pair(tm, fm, device)
    _compare(tm, fm, [np.random.default_rng(0).standard_normal((3, 2, 4))], {}, np.float64, 0, device)
