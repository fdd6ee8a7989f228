"""RNN, GRU, LSTM, their cells and packed sequences against torch 2.13 (copied weights)."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.random as fr
import fgrad_nn as ft
import fgrad.nn as L
from fgrad.core import concrete
from fgrad_nn.nn.utils import rnn as R

from _layer_compare import close, host

TDT = {np.float64: torch.float64, np.float32: torch.float32}
FDT = {np.float64: ft.float64, np.float32: ft.float32}


def _flat(y):
    """Leaves of a nest of tuples (outputs, (h_n, c_n)), PackedSequences reduced to their data."""
    if isinstance(y, (R.PackedSequence, torch.nn.utils.rnn.PackedSequence)):
        return [y.data]
    if isinstance(y, (tuple, list)):
        return [v for item in y for v in _flat(item)]
    return [y]


def _pair(name, kw, dtype, device="cpu"):
    """The torch module and ours with torch's weights copied in (and equal state_dict keys/shapes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(torch.nn, name)(**kw, dtype=TDT[dtype])
        fm = getattr(ft.nn, name)(**kw, dtype=FDT[dtype])
    tsd, fsd = tm.state_dict(), fm.state_dict()
    assert list(tsd) == list(fsd)
    assert [tuple(v.shape) for v in tsd.values()] == [tuple(v.shape) for v in fsd.values()]
    fm.load_state_dict({k: ft.tensor(v.numpy(), device=device) for k, v in tsd.items()})
    return tm, fm


def _run_both(tm, fm, args_np, dtype, device="cpu", call=None):
    """Outputs and gradients (inputs and parameters) of both modules under a random linear loss."""
    call = call or (lambda m, *a: m(*a))
    rng = np.random.default_rng(3)
    ta = [None if a is None else (torch.tensor(a, requires_grad=True) if not isinstance(a, tuple) else
                                  tuple(torch.tensor(v, requires_grad=True) for v in a)) for a in args_np]
    fa = [None if a is None else (ft.tensor(a, device=device, requires_grad=True) if not isinstance(a, tuple) else
                                  tuple(ft.tensor(v, device=device, requires_grad=True) for v in a))
          for a in args_np]
    yt, yf = _flat(call(tm, *ta)), _flat(call(fm, *fa))
    assert len(yt) == len(yf)
    lt = lf = 0
    for i, (a, b) in enumerate(zip(yt, yf)):
        close(host(b.detach()), a.detach().numpy(), dtype, f"output {i}")
        w = rng.standard_normal(tuple(a.shape)).astype(dtype)
        lt = lt + (a * torch.tensor(w)).sum()
        lf = lf + (b * ft.tensor(w, device=device)).sum()
    lt.backward()
    lf.backward()
    for i, (a, b) in enumerate(zip(_flat(ta), _flat(fa))):
        if a is not None:
            close(host(b.grad), a.grad.numpy(), dtype, f"grad of argument {i}")
    fp = dict(fm.named_parameters())
    for name, p in tm.named_parameters():
        close(host(fp[name].grad), p.grad.numpy(), dtype, f"grad of {name}")
    return yt, yf


@st.composite
def rnn_configs(draw):
    mode = draw(st.sampled_from(["RNN", "RNN_relu", "GRU", "LSTM"]))
    hidden = draw(st.integers(2, 4))
    kw = dict(input_size=draw(st.integers(1, 3)), hidden_size=hidden, num_layers=draw(st.integers(1, 2)),
              bias=draw(st.booleans()), batch_first=draw(st.booleans()), bidirectional=draw(st.booleans()))
    name = "RNN" if mode.startswith("RNN") else mode
    if mode == "RNN_relu":
        kw["nonlinearity"] = "relu"
    if mode == "LSTM":
        kw["proj_size"] = draw(st.integers(0, hidden - 1))
    L_, N = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    unbatched = draw(st.booleans())
    with_hx = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return name, kw, L_, N, unbatched, with_hx, dtype


@settings(max_examples=20)
@given(rnn_configs(), st.integers(0, 2 ** 31))
def test_recurrent_layers_match_torch(cfg, seed):
    name, kw, L_, N, unbatched, with_hx, dtype = cfg
    rng = np.random.default_rng(seed)
    tm, fm = _pair(name, kw, dtype)
    D = 2 if kw["bidirectional"] else 1
    h_out = kw.get("proj_size") or kw["hidden_size"]
    lead = (L_,) if unbatched else ((N, L_) if kw["batch_first"] else (L_, N))
    x = rng.standard_normal(lead + (kw["input_size"],)).astype(dtype)
    batch = () if unbatched else (N,)
    hx = None
    if with_hx:
        h0 = rng.standard_normal((D * kw["num_layers"],) + batch + (h_out,)).astype(dtype)
        hx = (h0, rng.standard_normal((D * kw["num_layers"],) + batch + (kw["hidden_size"],)).astype(dtype)) \
            if name == "LSTM" else h0
    yt, yf = _run_both(tm, fm, [x, hx], dtype)
    # the documented shapes
    assert tuple(yf[0].shape) == lead + (D * h_out,)
    assert tuple(yf[1].shape) == (D * kw["num_layers"],) + batch + (h_out,)
    # the pure face on the Module's arrays gives the Module's output, and fgrad.grad works over it
    params = {k: concrete(p._data) for k, p in fm.named_parameters()}
    (out, hid), _ = fm._layer.apply(params, {}, x, hx)
    np.testing.assert_array_equal(np.asarray(out), host(yf[0].detach()))
    g = fgrad.grad(lambda p: fm._layer.apply(p, {}, x, hx)[0][0].sum())(params)
    assert set(g) == set(params)


@settings(max_examples=15)
@given(st.sampled_from(["RNN", "GRU", "LSTM"]), st.lists(st.integers(1, 5), min_size=1, max_size=4),
       st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.integers(0, 2 ** 31))
def test_packed_sequences_match_torch(name, lengths, batch_first, bidirectional, sort, with_hx, seed):
    rng = np.random.default_rng(seed)
    dtype = np.float64
    if sort:
        lengths = sorted(lengths, reverse=True)
    kw = dict(input_size=2, hidden_size=3, num_layers=2, batch_first=batch_first, bidirectional=bidirectional)
    if name == "LSTM":
        kw["proj_size"] = 2
    tm, fm = _pair(name, kw, dtype)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal(((B, T) if batch_first else (T, B)) + (2,))
    D = 2 if bidirectional else 1
    hx = None
    if with_hx:
        h0 = rng.standard_normal((2 * D, B, 2 if name == "LSTM" else 3))
        hx = (h0, rng.standard_normal((2 * D, B, 3))) if name == "LSTM" else h0
    total = T + int(rng.integers(0, 2))

    def call(lib, mod, x, hx):
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=sort)
        out, hid = mod(packed, hx)
        padded, lens = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first, padding_value=-1.5,
                                                            total_length=total)
        assert lens.tolist() == lengths
        return padded, hid

    _run_both(tm, fm, [x, hx], dtype, call=lambda m, *a: call(torch if m is tm else ft, m, *a))


def test_pad_sequence_and_pack_sequence_match_torch():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    for bf in (False, True):
        for side in ("right", "left"):
            a = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], bf, 7.0, side)
            b = R.pad_sequence([ft.tensor(s) for s in seqs], bf, 7.0, side)
            np.testing.assert_array_equal(host(b), a.numpy())
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    pf = R.pack_sequence([ft.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(host(pf.data), pt.data.numpy())
    for name in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        np.testing.assert_array_equal(host(getattr(pf, name)), getattr(pt, name).numpy())
    back = R.unpack_sequence(pf)
    for s, u in zip(seqs, back):
        np.testing.assert_array_equal(host(u), s)


def test_packing_errors_match_torch():
    x = np.zeros((3, 2, 1))
    for fn in (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x), [1, 3]),
               lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.tensor(x), [3, 0])):
        with pytest.raises(RuntimeError) as et:
            fn(torch)
        with pytest.raises(RuntimeError) as ef:
            fn(ft)
        assert str(ef.value) == str(et.value)
    packed = R.pack_padded_sequence(ft.tensor(x), [3, 2])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(packed, total_length=2)


@settings(max_examples=12)
@given(st.sampled_from(["RNNCell", "GRUCell", "LSTMCell"]), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from([np.float64, np.float32]), st.integers(0, 2 ** 31))
def test_cells_match_torch(name, bias, unbatched, with_hx, dtype, seed):
    rng = np.random.default_rng(seed)
    kw = dict(input_size=3, hidden_size=4, bias=bias)
    if name == "RNNCell":
        kw["nonlinearity"] = ["tanh", "relu"][seed % 2]
    tm, fm = _pair(name, kw, dtype)
    batch = () if unbatched else (2,)
    x = rng.standard_normal(batch + (3,)).astype(dtype)
    hx = None
    if with_hx:
        h = rng.standard_normal(batch + (4,)).astype(dtype)
        hx = (h, rng.standard_normal(batch + (4,)).astype(dtype)) if name == "LSTMCell" else h
    _run_both(tm, fm, [x, hx], dtype)


def test_dropout_between_layers():
    """p=1 drops the whole first layer's output (deterministic: compare with torch); p=0.5 is random but
    seeded, and off in eval mode."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3))
    tm, fm = _pair("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, dropout=1.0), np.float64)
    tm.train(), fm.train()
    _run_both(tm, fm, [x, None], np.float64)
    tm, fm = _pair("GRU", dict(input_size=3, hidden_size=4, num_layers=2, dropout=0.5), np.float64)
    ft.manual_seed(0)
    a = host(fm(ft.tensor(x))[0].detach())
    ft.manual_seed(0)
    b = host(fm(ft.tensor(x))[0].detach())
    np.testing.assert_array_equal(a, b)
    fm.eval()
    tm.eval()
    c = host(fm(ft.tensor(x))[0].detach())
    assert not np.allclose(a, c)
    np.testing.assert_allclose(c, tm(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="random key"):
        L.GRU(3, 4, num_layers=2, dropout=0.5).apply(fm._layer.init(fr.key(0))[0], {}, x.astype(np.float32),
                                                      train=True)


def test_default_init_is_torchs_uniform():
    ft.manual_seed(0)
    m = ft.nn.LSTM(3, 16, num_layers=2, bidirectional=True, proj_size=4)
    bound = 1 / 16 ** 0.5
    for name, p in m.named_parameters():
        v = host(p.detach())
        assert v.dtype == np.float32
        assert np.all(np.abs(v) <= bound) and np.std(v) > bound / 3, name


_ERRORS = [
    ("LSTM", dict(input_size=3, hidden_size=5), [(2, 3, 4)]),
    ("LSTM", dict(input_size=3, hidden_size=5), [(2, 3, 4, 3)]),
    ("LSTM", dict(input_size=3, hidden_size=5, num_layers=2), [(2, 3, 3), ((1, 3, 5), (2, 3, 5))]),
    ("LSTM", dict(input_size=3, hidden_size=5, num_layers=2), [(2, 3, 3), ((2, 3, 5), (1, 3, 5))]),
    ("LSTM", dict(input_size=3, hidden_size=5), [(2, 3), ((1, 3, 5), (1, 3, 5))]),
    ("LSTM", dict(input_size=3, hidden_size=5), [(2, 2, 3), ((1, 5), (1, 5))]),
    ("GRU", dict(input_size=3, hidden_size=5), [(2, 3, 3), (2, 3, 5)]),
    ("GRU", dict(input_size=3, hidden_size=5), [(2, 3), (1, 3, 5)]),
    ("RNN", dict(input_size=3, hidden_size=5), [(2, 3, 3), (1, 5)]),
    ("RNN", dict(input_size=3, hidden_size=5), [(2, 3, 4)]),
    ("LSTMCell", dict(input_size=3, hidden_size=5), [(2, 4)]),
    ("LSTMCell", dict(input_size=3, hidden_size=5), [(2, 3, 3)]),
    ("LSTMCell", dict(input_size=3, hidden_size=5), [(2, 3), ((3, 5), (2, 5))]),
    ("GRUCell", dict(input_size=3, hidden_size=5), [(2, 3), (2, 4)]),
]


def _arr(s, lib):
    if isinstance(s[0], tuple):
        return tuple(lib.zeros(*v, dtype=lib.float64) for v in s)
    return lib.zeros(*s, dtype=lib.float64)


def test_dtype_errors_match_torch():
    for name in ("LSTM", "GRUCell"):
        shape = (2, 1, 3) if name == "LSTM" else (2, 3)
        with pytest.raises(Exception) as et:
            getattr(torch.nn, name)(3, 4)(torch.zeros(*shape, dtype=torch.float64))
        with pytest.raises(Exception) as ef:
            getattr(ft.nn, name)(3, 4)(ft.zeros(*shape, dtype=ft.float64))
        assert type(ef.value) is type(et.value) and str(ef.value) == str(et.value)


@pytest.mark.parametrize("name,kw,shapes", _ERRORS)
def test_shape_errors_match_torch(name, kw, shapes):
    tm = getattr(torch.nn, name)(**kw, dtype=torch.float64)
    fm = getattr(ft.nn, name)(**kw, dtype=ft.float64)
    with pytest.raises(Exception) as et:
        tm(*[_arr(s, torch) for s in shapes])
    with pytest.raises(Exception) as ef:
        fm(*[_arr(s, ft) for s in shapes])
    assert type(ef.value) is type(et.value)
    assert str(ef.value) == str(et.value)


@pytest.mark.parametrize("name,kw", [
    ("RNN", dict(input_size=3, hidden_size=5, nonlinearity="x")),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=5)),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=-1)),
    ("LSTM", dict(input_size=3, hidden_size=0)),
    ("LSTM", dict(input_size=3, hidden_size=5, num_layers=0)),
    ("GRU", dict(input_size=3, hidden_size=5, dropout=1.5)),
])
def test_constructor_errors_match_torch(name, kw):
    with pytest.raises(Exception) as et:
        getattr(torch.nn, name)(**kw)
    with pytest.raises(Exception) as ef:
        getattr(ft.nn, name)(**kw)
    assert type(ef.value) is type(et.value)
    assert str(ef.value) == str(et.value)


def test_proj_size_and_dropout_warning():
    with pytest.raises(ValueError, match="only supported for LSTM"):
        ft.nn.RNNBase("GRU", 3, 5, proj_size=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ft.nn.LSTM(3, 5, dropout=0.5)


def test_shape_table_in_docs_matches_lstm():
    """docs/sequence_models.md's LSTM shape table, evaluated for several settings, against our LSTM."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "sequence_models.md").read_text()
    rows = re.findall(r"^\| *`(\w+)` *\| *`\(([^)]*)\)` *\| *`\(([^)]*)\)` *\| *`\(([^)]*)\)` *\|", text, re.M)
    table = {r[0]: r[1:] for r in rows}
    assert set(table) == {"input", "h_0", "c_0", "output", "h_n", "c_n"}, table
    for bidirectional in (False, True):
        for proj in (0, 2):
            for bf in (False, True):
                m = ft.nn.LSTM(3, 4, num_layers=2, batch_first=bf, bidirectional=bidirectional, proj_size=proj)
                env = dict(L=5, N=2, H_in=3, H_cell=4, H_out=proj or 4, D=2 if bidirectional else 1, num_layers=2)

                def shape(expr):
                    return tuple(eval(e.strip(), {}, dict(env)) for e in expr.split(","))

                # columns: unbatched, batched with batch_first=False, batched with batch_first=True
                for col in (0, 2 if bf else 1):
                    x = ft.randn(*shape(table["input"][col]))
                    hx = (ft.randn(*shape(table["h_0"][col])), ft.randn(*shape(table["c_0"][col])))
                    out, (h, c) = m(x, hx)
                    assert tuple(out.shape) == shape(table["output"][col])
                    assert tuple(h.shape) == shape(table["h_n"][col])
                    assert tuple(c.shape) == shape(table["c_n"][col])


def test_long_sequence_gradient_is_linear_in_length():
    """The layer is one scan over time (no full-size scatter per step): the backward pass of a
    length-200 LSTM is one reverse scan, O(L) work, so it runs quickly."""
    lstm = L.LSTM(4, 8)
    params, _ = lstm.init(fr.key(0))
    x = np.ones((200, 2, 4), np.float32)
    g = fgrad.grad(lambda p: lstm.apply(p, {}, x)[0][0].sum())(params)
    assert all(np.all(np.isfinite(v)) for v in g.values())
    assert g["weight_ih_l0"].dtype == np.float32


def test_device(device):
    tm, fm = _pair("GRU", dict(input_size=2, hidden_size=3, bidirectional=True), np.float64, device=device)
    x = np.random.default_rng(0).standard_normal((3, 2, 2))
    fm.to(device)
    out, h = fm(ft.tensor(x, device=device))
    close(host(out.detach()), tm(torch.tensor(x))[0].detach().numpy(), np.float64)
