"""scaled_dot_product_attention and MultiheadAttention against torch 2.13 (copied weights)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.random as fr
import fgrad_nn as ft
import fgrad_nn.nn.functional as F
import fgrad.nn as L
import fgrad.nn.functional as LF
from fgrad.core import concrete
from fgrad.nn.base import flatten_params, unflatten_params

from _layer_compare import close, host

TDT = {np.float64: torch.float64, np.float32: torch.float32}
FDT = {np.float64: ft.float64, np.float32: ft.float32}


def _both(lib, a, device="cpu"):
    if a is None or isinstance(a, (bool, int, float)):
        return a
    if lib is torch:
        return torch.tensor(a, requires_grad=a.dtype.kind == "f")
    return ft.tensor(a, device=device, requires_grad=a.dtype.kind == "f")


@settings(max_examples=20)
@given(st.integers(0, 2 ** 31), st.sampled_from(["none", "bool", "float", "causal"]), st.booleans(),
       st.booleans(), st.sampled_from([np.float64, np.float32]))
def test_sdpa_matches_torch(seed, mask_kind, with_scale, gqa, dtype):
    rng = np.random.default_rng(seed)
    N, Hq, L_, S, E, Ev = 2, 4, int(rng.integers(1, 4)), int(rng.integers(1, 5)), 3, 2
    Hk = 2 if gqa else Hq
    q = rng.standard_normal((N, Hq, L_, E)).astype(dtype)
    k = rng.standard_normal((N, Hk, S, E)).astype(dtype)
    v = rng.standard_normal((N, Hk, S, Ev)).astype(dtype)
    mask = None
    if mask_kind == "bool":
        mask = rng.random((L_, S)) > 0.4   # some rows fully masked: torch gives zeros there
    elif mask_kind == "float":
        mask = rng.standard_normal((N, 1, L_, S)).astype(dtype)
    kw = dict(attn_mask=mask, is_causal=mask_kind == "causal", scale=0.7 if with_scale else None, enable_gqa=gqa)
    ta = [_both(torch, a) for a in (q, k, v)]
    fa = [_both(ft, a) for a in (q, k, v)]
    yt = torch.nn.functional.scaled_dot_product_attention(*ta, **{**kw, "attn_mask": _both(torch, mask)})
    yf = F.scaled_dot_product_attention(*fa, **{**kw, "attn_mask": _both(ft, mask)})
    close(host(yf.detach()), yt.detach().numpy(), dtype, "output")
    w = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(w)).sum().backward()
    (yf * ft.tensor(w)).sum().backward()
    for a, b, n in zip(ta, fa, "qkv"):
        close(host(b.grad), a.grad.numpy(), dtype, f"grad of {n}")


def test_sdpa_errors_and_dropout():
    q = ft.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ft.ones(3, 3, dtype=ft.bool), is_causal=True)
    ft.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    ft.manual_seed(0)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    np.testing.assert_array_equal(host(a), host(b))
    assert not np.allclose(host(a), host(F.scaled_dot_product_attention(q, q, q)))
    with pytest.raises(ValueError, match="random key"):
        LF.scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), dropout_p=0.5)


@st.composite
def mha_configs(draw):
    heads = draw(st.sampled_from([1, 2]))
    E = heads * draw(st.integers(1, 3))
    kdim = draw(st.sampled_from([None, E, 2]))
    kw = dict(embed_dim=E, num_heads=heads, bias=draw(st.booleans()), add_bias_kv=draw(st.booleans()),
              add_zero_attn=draw(st.booleans()), kdim=kdim, vdim=kdim, batch_first=draw(st.booleans()))
    call = dict(need_weights=draw(st.booleans()), average_attn_weights=draw(st.booleans()))
    masks = draw(st.sampled_from(["none", "kpm", "bool2d", "float3d", "both", "causal"]))
    self_attn = kdim is None and draw(st.booleans())
    batched = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return kw, call, masks, self_attn, batched, dtype


@settings(max_examples=25)
@given(mha_configs(), st.integers(0, 2 ** 31))
def test_multihead_attention_matches_torch(cfg, seed):
    kw, call, masks, self_attn, batched, dtype = cfg
    rng = np.random.default_rng(seed)
    tm = torch.nn.MultiheadAttention(**kw, dtype=TDT[dtype])
    fm = ft.nn.MultiheadAttention(**kw, dtype=FDT[dtype])
    with torch.no_grad():
        for p in tm.parameters():  # non-zero biases so that their gradients are exercised
            p.add_(0.1 * torch.randn_like(p))
    tsd = tm.state_dict()
    assert list(tsd) == list(fm.state_dict())
    assert [tuple(v.shape) for v in tsd.values()] == [tuple(v.shape) for v in fm.state_dict().values()]
    fm.load_state_dict({k: ft.tensor(v.numpy()) for k, v in tsd.items()})
    E, N, L_, S = kw["embed_dim"], 2, int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if self_attn:
        S = L_
    kd = kw["kdim"] or E

    def seq(n, d):
        if not batched:
            return rng.standard_normal((n, d)).astype(dtype)
        return rng.standard_normal((N, n, d) if kw["batch_first"] else (n, N, d)).astype(dtype)

    q = seq(L_, E)
    k = q if self_attn else seq(S, kd)
    v = k if (self_attn or rng.random() < 0.5) else seq(S, kd)
    extra = {}
    if masks in ("kpm", "both"):
        extra["key_padding_mask"] = rng.random((N, S) if batched else (S,)) > 0.7
    if masks in ("bool2d", "both"):
        extra["attn_mask"] = rng.random((L_, S)) > 0.7
    if masks == "float3d":
        extra["attn_mask"] = rng.standard_normal(((N if batched else 1) * kw["num_heads"], L_, S)).astype(dtype)
    if masks == "causal":
        extra["attn_mask"] = np.triu(np.ones((L_, S), bool), 1)
        extra["is_causal"] = True

    def run(lib, m):
        ins = [_both(lib, a) for a in (q, k, v)]
        if self_attn:
            ins = [ins[0]] * 3
        elif v is k:
            ins[2] = ins[1]
        out = m(*ins, **{n: _both(lib, a) for n, a in extra.items()}, **call)
        return ins, out

    ti, (yt, wt) = run(torch, tm)
    fi, (yf, wf) = run(ft, fm)
    with np.errstate(invalid="ignore"):
        close(host(yf.detach()), yt.detach().numpy(), dtype, "attn_output")
        if call["need_weights"]:
            close(host(wf.detach()), wt.detach().numpy(), dtype, "attn_weights")
        else:
            assert wf is None and wt is None
    out_t = yt.detach().numpy()
    if np.isnan(out_t).any():
        return  # fully masked rows with need_weights=True: NaN in both (checked above); no gradients
    g = rng.standard_normal(out_t.shape).astype(dtype)
    lt, lf = (yt * torch.tensor(g)).sum(), (yf * ft.tensor(g)).sum()
    if call["need_weights"]:
        gw = rng.standard_normal(tuple(wt.shape)).astype(dtype)
        lt, lf = lt + (wt * torch.tensor(gw)).sum(), lf + (wf * ft.tensor(gw)).sum()
    lt.backward()
    lf.backward()
    for i, (a, b) in enumerate(zip(ti, fi)):
        if a.grad is not None:
            close(host(b.grad), a.grad.numpy(), dtype, f"grad of input {i}")
    fp = dict(fm.named_parameters())
    for name, p in tm.named_parameters():
        close(host(fp[name].grad), p.grad.numpy(), dtype, f"grad of {name}")
    # pure face == Module face
    params = unflatten_params({n: concrete(p._data) for n, p in fm.named_parameters()})
    fm_layer = fm._layer
    pk, pv = (q, q) if self_attn else (k, v)
    (yp, _), _ = fm_layer.apply(params, {}, q, pk, pv, **extra, **call)
    np.testing.assert_array_equal(np.asarray(yp), host(yf.detach()))


def test_fully_masked_rows_match_torch():
    """need_weights=True: NaN rows (torch's softmax); need_weights=False: zeros (torch's SDPA)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4))
    kpm = np.zeros((2, 3), bool)
    kpm[1] = True
    tm = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    fm = ft.nn.MultiheadAttention(4, 2, dtype=ft.float64)
    fm.load_state_dict({k: ft.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    for nw in (True, False):
        yt, _ = tm(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm), need_weights=nw)
        yf, _ = fm(*[ft.tensor(x)] * 3, key_padding_mask=ft.tensor(kpm), need_weights=nw)
        np.testing.assert_allclose(host(yf.detach()), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        assert np.isnan(host(yf.detach())[:, 1]).all() == nw


def test_errors_match_torch():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        ft.nn.MultiheadAttention(6, 4)
    q = np.zeros((2, 3, 4))
    cases = [
        (dict(), lambda lib: dict(attn_mask=lib.ones(3, 3, dtype=lib.bool))),
        (dict(), lambda lib: dict(is_causal=True)),
        (dict(), lambda lib: dict(key_padding_mask=lib.ones(2, 3, dtype=lib.bool))),
    ]
    for ctor, kw in cases:
        tm, fm = torch.nn.MultiheadAttention(4, 2, **ctor), ft.nn.MultiheadAttention(4, 2, **ctor)
        with pytest.raises(Exception) as et:
            tm(*[torch.tensor(q, dtype=torch.float32)] * 3, **kw(torch))
        with pytest.raises(Exception) as ef:
            fm(*[ft.tensor(q, dtype=ft.float32)] * 3, **kw(ft))
        assert type(ef.value) is type(et.value), (ef.value, et.value)
        if type(et.value) is RuntimeError:
            assert str(ef.value) == str(et.value)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 5, but got 4"):
        ft.nn.MultiheadAttention(5, 1)(*[ft.tensor(q, dtype=ft.float32)] * 3)


def test_default_init_and_pure_grad():
    ft.manual_seed(0)
    m = ft.nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in
                                                    torch.nn.MultiheadAttention(8, 2, add_bias_kv=True)
                                                    .named_parameters()]
    np.testing.assert_array_equal(host(m.in_proj_bias.detach()), 0)
    np.testing.assert_array_equal(host(m.out_proj.bias.detach()), 0)
    bound = (6 / (8 + 24)) ** 0.5
    w = host(m.in_proj_weight.detach())
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    layer = L.MultiheadAttention(8, 2, dropout=0.5)
    params, state = layer.init(fr.key(0))
    x = np.ones((3, 2, 8), np.float32)
    g = fgrad.grad(lambda p: layer.apply(p, state, x, x, x, train=True, key=fr.key(1))[0][0].sum())(params)
    assert set(flatten_params(g)) == set(flatten_params(params))


def test_device(device):
    tm = torch.nn.MultiheadAttention(4, 2, dtype=torch.float64)
    fm = ft.nn.MultiheadAttention(4, 2, dtype=ft.float64)
    fm.load_state_dict({k: ft.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    fm.to(device)
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    yf, wf = fm(*[ft.tensor(x, device=device)] * 3)
    yt, wt = tm(*[torch.tensor(x)] * 3)
    close(host(yf.detach()), yt.detach().numpy(), np.float64)
    close(host(wf.detach()), wt.detach().numpy(), np.float64)


def test_functional_multi_head_attention_forward_matches_torch():
    rng = np.random.default_rng(0)
    E, H = 4, 2
    q, k = rng.standard_normal((3, 2, E)), rng.standard_normal((5, 2, E))
    w_in, b_in = rng.standard_normal((3 * E, E)), rng.standard_normal(3 * E)
    w_out, b_out = rng.standard_normal((E, E)), rng.standard_normal(E)
    kpm = np.array([[0, 0, 1, 0, 1], [0, 0, 0, 0, 0]], bool)
    outs = []
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward),
                    (ft, F.multi_head_attention_forward)):
        t = [lib.tensor(a, requires_grad=True) for a in (q, k, w_in, b_in, w_out, b_out)]
        y, w = fn(t[0], t[1], t[1], E, H, t[2], t[3], None, None, False, 0.0, t[4], t[5], training=False,
                  key_padding_mask=lib.tensor(kpm), need_weights=True, average_attn_weights=False)
        (y.sum() + (w ** 2).sum()).backward()
        outs.append([y, w] + [a.grad for a in t])
    for a, b in zip(*outs):
        close(host(b.detach()), a.detach().numpy(), np.float64)
