"""The recurrent layers run on ``fgrad.lax.scan``: one scan per layer and direction, whose
gradients equal torch 2.13's (facade ``.backward()``) and the packed path's (a Python loop over
time), eagerly and under ``jit``."""
import warnings

import numpy as np
import pytest
import torch

import fgrad
import fgrad.nn as L
import fgrad.nn.rnn as rnn
import fgrad.numpy as fnp
import fgrad.random as fr
import fgrad_nn as ft
from fgrad.testing import check_grads
from fgrad.tree_util import tree_flatten, tree_map

from _layer_compare import FT_DT, TORCH_DT, close, host

CONFIGS = [
    ("LSTM", dict(input_size=3, hidden_size=4)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, batch_first=True)),
    ("LSTM", dict(input_size=2, hidden_size=5, proj_size=3, bidirectional=True, bias=False)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
    ("GRU", dict(input_size=3, hidden_size=4, batch_first=True, bias=False)),
    ("RNN", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, batch_first=True)),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", num_layers=2)),
]
IDS = [f"{name}-" + "-".join(f"{k}={v}" for k, v in kw.items() if k not in ("input_size", "hidden_size"))
       for name, kw in CONFIGS]


@pytest.fixture
def scan_calls(monkeypatch):
    """Counts the scans the recurrent layers bind (the facade calls the same pure layer)."""
    calls = []
    real = rnn.scan

    def counting(f, init, xs=None, **kw):
        calls.append(kw.get("reverse", False))
        return real(f, init, xs, **kw)

    monkeypatch.setattr(rnn, "scan", counting)
    return calls


def _leaves(y):
    """Leaves of a nest of tuples of Tensors: (output, h_n) or (output, (h_n, c_n))."""
    return [v for item in y for v in _leaves(item)] if isinstance(y, tuple) else [y]


def _layer(name, kw, dtype):
    kw = dict(kw)
    nonlin = kw.pop("nonlinearity", "tanh")
    extra = dict(nonlinearity=nonlin) if name == "RNN" else {}
    return getattr(L, name)(**kw, **extra, dtype=dtype)


def _hidden(name, kw, batch, rng, dtype):
    D = 2 if kw.get("bidirectional") else 1
    lead = (D * kw.get("num_layers", 1), batch)
    h0 = rng.standard_normal(lead + (kw.get("proj_size") or kw["hidden_size"],)).astype(dtype)
    if name != "LSTM":
        return h0
    return h0, rng.standard_normal(lead + (kw["hidden_size"],)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_facade_gradients_through_scan_match_torch(name, kw, dtype, scan_calls):
    """fgrad_nn's .backward() through the scan path against torch 2.13, inputs and h_0/c_0 included."""
    rng = np.random.default_rng(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(torch.nn, name)(**kw, dtype=TORCH_DT[dtype])
        fm = getattr(ft.nn, name)(**kw, dtype=FT_DT[dtype])
    fm.load_state_dict({k: ft.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    T, N = 5, 3
    x = rng.standard_normal(((N, T) if kw.get("batch_first") else (T, N)) + (kw["input_size"],)).astype(dtype)
    hx = _hidden(name, kw, N, rng, dtype)
    hx_leaves = list(hx) if name == "LSTM" else [hx]
    t_in = [torch.tensor(a, requires_grad=True) for a in [x] + hx_leaves]
    f_in = [ft.tensor(a, requires_grad=True) for a in [x] + hx_leaves]
    pack = (lambda a: (a[0], (a[1], a[2]))) if name == "LSTM" else (lambda a: (a[0], a[1]))
    t_out, f_out = _leaves(tm(*pack(t_in))), _leaves(fm(*pack(f_in)))
    n_dir = 2 if kw.get("bidirectional") else 1
    assert scan_calls == [False, True][:n_dir] * kw.get("num_layers", 1)
    t_loss = f_loss = 0
    for a, b in zip(t_out, f_out):
        close(host(b.detach()), a.detach().numpy(), dtype, "output")
        w = rng.standard_normal(tuple(a.shape)).astype(dtype)
        t_loss = t_loss + (a * torch.tensor(w)).sum()
        f_loss = f_loss + (b * ft.tensor(w)).sum()
    t_loss.backward()
    f_loss.backward()
    for i, (a, b) in enumerate(zip(t_in, f_in)):
        close(host(b.grad), a.grad.numpy(), dtype, f"grad of input {i}")
    f_params = dict(fm.named_parameters())
    for k, p in tm.named_parameters():
        close(host(f_params[k].grad), p.grad.numpy(), dtype, f"grad of {k}")


def _loss_fn(layer, x, w, packed=False):
    """A random linear loss of (output, h_n[, c_n]) of the pure layer, on padded or packed data."""
    def loss(params, x, hx):
        kw = {}
        if packed:
            T, N = np.shape(x)[:2]
            x, kw = fnp.reshape(x, (T * N, np.shape(x)[2])), dict(batch_sizes=[N] * T)
        (out, hid), _ = layer.apply(params, {}, x, hx, **kw)
        if packed:
            out = fnp.reshape(out, np.shape(w[0]))
        leaves = tree_flatten((out, hid))[0]
        return sum(fnp.sum(a * b) for a, b in zip(leaves, w))
    return loss


def _setup(name, kw, dtype, T=6, N=3):
    rng = np.random.default_rng(11)
    layer = _layer(name, kw, dtype)
    params, _ = layer.init(fr.key(2))
    x = rng.standard_normal((T, N, kw["input_size"])).astype(dtype)
    hx = _hidden(name, kw, N, rng, dtype)
    (out, hid), _ = layer.apply(params, {}, x, hx)
    w = [rng.standard_normal(np.shape(a)).astype(dtype) for a in tree_flatten((out, hid))[0]]
    return layer, params, x, hx, w


def _assert_trees_close(got, want, dtype):
    g, gt = tree_flatten(got)
    h, ht = tree_flatten(want)
    assert gt == ht
    for a, b in zip(g, h):
        close(np.asarray(a), np.asarray(b), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kw", [(n, dict(k, batch_first=False)) for n, k in CONFIGS], ids=IDS)
def test_scan_path_equals_packed_loop_path(name, kw, dtype, scan_calls):
    """The same data, unpacked (one scan per direction) and packed with equal lengths (the Python
    loop over time): equal values and gradients w.r.t. parameters, input and h_0/c_0."""
    layer, params, x, hx, w = _setup(name, kw, dtype)
    scan_calls.clear()
    scanned = fgrad.value_and_grad(_loss_fn(layer, x, w), argnums=(0, 1, 2))(params, x, hx)
    n_scans = len(scan_calls)
    assert n_scans == (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    looped = fgrad.value_and_grad(_loss_fn(layer, x, w, packed=True), argnums=(0, 1, 2))(params, x, hx)
    assert len(scan_calls) == n_scans  # the packed path loops in Python
    _assert_trees_close(scanned, looped, dtype)


def _scan_equations(program):
    return [e for e in program.equations if e.prim.name == "scan"]


@pytest.mark.parametrize("T", [4, 9])
def test_lstm_loss_stages_one_scan_whatever_the_length(T):
    """make_jaxpr of an LSTM's loss holds ONE scan (length T), not T steps; the program's size does
    not depend on T, and its gradient is one forward and one reverse scan."""
    layer, params, x, hx, w = _setup("LSTM", dict(input_size=3, hidden_size=4), np.float64, T=T)
    loss = _loss_fn(layer, x, w)
    program = fgrad.make_jaxpr(loss)(params, x, hx)
    scans = _scan_equations(program)
    assert len(scans) == 1
    assert scans[0].params["length"] == T and scans[0].params["reverse"] is False
    # outside the scan: the input projection of all T steps, one matmul
    assert [np.shape(e.outputs[0]) for e in program.equations if e.prim.name == "matmul"] == [(T * 3, 16)]
    layer2, params2, x2, hx2, w2 = _setup("LSTM", dict(input_size=3, hidden_size=4), np.float64, T=2)
    assert len(fgrad.make_jaxpr(_loss_fn(layer2, x2, w2))(params2, x2, hx2).equations) == len(program.equations)
    grad_program = fgrad.make_jaxpr(fgrad.grad(loss))(params, x, hx)
    assert sorted(e.params["reverse"] for e in _scan_equations(grad_program)) == [False, True]


def test_lstm_weight_gradient_is_one_matmul_after_the_reverse_scan():
    """The reverse scan carries only the state's cotangents: W_hh's cotangent (a sum of one
    ``h_t^T dG_t`` per step) is ONE matmul over the stacked (T*N, .) factors after the loop, and
    the forward scan stacks h untransposed."""
    T, N = 6, 3
    layer, params, x, hx, w = _setup("LSTM", dict(input_size=3, hidden_size=4), np.float64, T=T, N=N)
    program = fgrad.make_jaxpr(fgrad.grad(_loss_fn(layer, x, w)))(params, x, hx)
    fwd, back = _scan_equations(program)
    assert [o.shape for o in back.outputs if len(o.shape) < 3] == [(N, 4), (N, 4)]  # dh, dc: no weight
    assert (T, 4, N) not in [o.shape for o in fwd.outputs]
    after = program.equations[program.equations.index(back) + 1:]
    products = [e for e in after if e.prim.name == "matmul" and e.outputs[0].shape == (4, 16)]
    assert [e.inputs[0].shape for e in products] == [(4, T * N)]


def test_bidirectional_layers_stage_a_reverse_scan_per_layer():
    layer, params, x, hx, w = _setup("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True),
                                     np.float64)
    scans = _scan_equations(fgrad.make_jaxpr(_loss_fn(layer, x, w))(params, x, hx))
    assert [e.params["reverse"] for e in scans] == [False, True, False, True]


@pytest.mark.parametrize("kw", [dict(input_size=3, hidden_size=4),
                                dict(input_size=3, hidden_size=5, proj_size=2, num_layers=2, bidirectional=True)])
def test_jit_of_grad_equals_eager_grad(kw):
    """jit(grad(loss)) of the pure LSTM (a staged backward scan, replayed) equals the eager gradient;
    so does grad(jit(loss))."""
    layer, params, x, hx, w = _setup("LSTM", kw, np.float64)
    loss = _loss_fn(layer, x, w)
    eager = fgrad.grad(loss, argnums=(0, 1, 2))(params, x, hx)
    jitted = fgrad.jit(fgrad.grad(loss, argnums=(0, 1, 2)))
    _assert_trees_close(jitted(params, x, hx), eager, np.float64)
    moved = tree_map(lambda a: a * 0.5, (params, x, hx))
    _assert_trees_close(jitted(*moved), fgrad.grad(loss, argnums=(0, 1, 2))(*moved), np.float64)
    assert jitted._cache_size() == 1
    _assert_trees_close(fgrad.grad(fgrad.jit(loss), argnums=(0, 1, 2))(params, x, hx), eager, np.float64)



@pytest.mark.parametrize("name,kw", [("LSTM", dict(input_size=2, hidden_size=3, proj_size=2, bidirectional=True)),
                                     ("GRU", dict(input_size=2, hidden_size=3, num_layers=2)),
                                     ("RNN", dict(input_size=2, hidden_size=3, bidirectional=True))])
def test_forward_mode_and_second_order_through_the_scan(name, kw):
    """jvp (a scan of the step's JVP) and grad of grad through the layer, against finite differences."""
    layer, params, x, hx, w = _setup(name, kw, np.float64, T=4, N=2)
    loss = _loss_fn(layer, x, w)
    check_grads(lambda w_hh, x: fnp.sin(loss(dict(params, weight_hh_l0=w_hh), x, hx)),
                (params["weight_hh_l0"], x), order=2, modes=("fwd", "rev"))


def test_per_example_gradients_through_the_scan():
    """vmap(grad) over unbatched sequences (the scan's batching rule) equals one grad per example."""
    layer = L.LSTM(2, 3, proj_size=2, bidirectional=True, dtype=np.float64)
    params, _ = layer.init(fr.key(0))
    xs = np.random.default_rng(0).standard_normal((5, 4, 2))

    def loss(p, x):
        return fnp.sum(fnp.tanh(layer.apply(p, {}, x)[0][0]))

    per_example = fgrad.vmap(fgrad.grad(loss), in_axes=(None, 0))(params, xs)
    for i in range(len(xs)):
        _assert_trees_close(tree_map(lambda g: g[i], per_example), fgrad.grad(loss)(params, xs[i]), np.float64)
