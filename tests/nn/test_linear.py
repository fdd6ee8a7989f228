"""Linear, Bilinear, Identity (both faces) and F.linear / F.bilinear against torch 2.13."""
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.random as fr
import fgrad_nn
import fgrad.nn as L

TOL = {np.float32: 1e-5, np.float64: 1e-10}


def to_ours(t, device="cpu"):
    return fgrad_nn.tensor(t.detach().numpy()).to(device)


def np_of(t):
    return np.asarray(t.detach().cpu())


def copy_weights(ours, theirs, device="cpu"):
    ours.load_state_dict(OrderedDict((k, to_ours(v, device)) for k, v in theirs.state_dict().items()))


def compare_module(tmod, fmod, inputs, dtype, device="cpu"):
    """Same outputs and same gradients of the inputs and of every parameter."""
    tol = TOL[dtype]
    tin = [torch.tensor(x, requires_grad=True) for x in inputs]
    fin = [fgrad_nn.tensor(x).to(device).requires_grad_(True) for x in inputs]
    yt, yf = tmod(*tin), fmod(*fin)
    assert tuple(yt.shape) == tuple(yf.shape) and str(yt.dtype) == str(yf.dtype).replace("fgrad_nn", "torch")
    np.testing.assert_allclose(np_of(yf), np_of(yt), rtol=tol, atol=tol)
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    (yt * torch.tensor(w)).sum().backward()
    (yf * fgrad_nn.tensor(w).to(device)).sum().backward()
    for a, b in zip(tin, fin):
        np.testing.assert_allclose(np_of(b.grad), np_of(a.grad), rtol=tol, atol=tol)
    for (n, pt), (m, pf) in zip(tmod.named_parameters(), fmod.named_parameters()):
        assert n == m
        np.testing.assert_allclose(np_of(pf.grad), np_of(pt.grad), rtol=tol, atol=tol, err_msg=n)


dtypes = st.sampled_from([np.float32, np.float64])
tdt = {np.float32: torch.float32, np.float64: torch.float64}
fdt = {np.float32: fgrad_nn.float32, np.float64: fgrad_nn.float64}


@settings(max_examples=10)
@given(st.integers(1, 5), st.integers(1, 4), st.lists(st.integers(1, 3), max_size=2), st.booleans(), dtypes,
       st.integers(0, 2 ** 16))
def test_linear_matches_torch(fin, fout, batch, bias, dtype, seed):
    t = torch.nn.Linear(fin, fout, bias=bias, dtype=tdt[dtype])
    f = fgrad_nn.nn.Linear(fin, fout, bias=bias, dtype=fdt[dtype])
    assert list(f.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in f.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
    copy_weights(f, t)
    x = np.random.default_rng(seed).standard_normal(tuple(batch) + (fin,)).astype(dtype)
    compare_module(t, f, [x], dtype)


def test_linear_on_device(device):
    t = torch.nn.Linear(3, 2)
    f = fgrad_nn.nn.Linear(3, 2).to(device)
    copy_weights(f, t, device)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    compare_module(t, f, [x], np.float32, device)


@settings(max_examples=8)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.lists(st.integers(1, 3), max_size=2),
       st.booleans(), dtypes)
def test_bilinear_matches_torch(n1, n2, nout, batch, bias, dtype):
    t = torch.nn.Bilinear(n1, n2, nout, bias=bias, dtype=tdt[dtype])
    f = fgrad_nn.nn.Bilinear(n1, n2, nout, bias=bias, dtype=fdt[dtype])
    assert list(f.state_dict()) == list(t.state_dict())
    copy_weights(f, t)
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(tuple(batch) + (n1,)).astype(dtype)
    x2 = rng.standard_normal(tuple(batch) + (n2,)).astype(dtype)
    compare_module(t, f, [x1, x2], dtype)


def test_identity():
    x = fgrad_nn.ones(2, requires_grad=True)
    m = fgrad_nn.nn.Identity(54, unused_argument1=0.1)
    assert m(x) is x and repr(m) == repr(torch.nn.Identity(54, unused_argument1=0.1))
    assert L.Identity(3).apply({}, {}, np.ones(2))[0].tolist() == [1.0, 1.0]


def test_functional_linear_and_bilinear_forms():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    w1 = rng.standard_normal(4)
    for args in [(x, w, b), (x, w), (x, w1), (x[0, 0], w, b)]:
        yt = torch.nn.functional.linear(*[torch.tensor(a) for a in args])
        yf = fgrad_nn.nn.functional.linear(*[fgrad_nn.tensor(a) for a in args])
        np.testing.assert_allclose(yf.numpy(), yt.numpy(), rtol=1e-12)
    x1, x2, wb = rng.standard_normal((3, 2)), rng.standard_normal((3, 4)), rng.standard_normal((5, 2, 4))
    yt = torch.nn.functional.bilinear(torch.tensor(x1), torch.tensor(x2), torch.tensor(wb))
    yf = fgrad_nn.nn.functional.bilinear(fgrad_nn.tensor(x1), fgrad_nn.tensor(x2), fgrad_nn.tensor(wb))
    np.testing.assert_allclose(yf.numpy(), yt.numpy(), rtol=1e-12)


@pytest.mark.parametrize("case", ["shape", "dtype", "bilinear_shape"])
def test_errors_match_torch(case):
    errs = []
    for lib in (torch, fgrad_nn):
        try:
            if case == "shape":
                lib.nn.Linear(3, 2)(lib.ones(4, 5))
            elif case == "dtype":
                lib.nn.Linear(3, 2)(lib.ones(4, 3, dtype=lib.float64))
            else:
                lib.nn.Bilinear(2, 3, 1)(lib.ones(4, 2), lib.ones(4, 2))
        except Exception as e:  # noqa: BLE001
            errs.append((type(e).__name__, str(e)))
    assert len(errs) == 2
    assert errs[0][0] == errs[1][0]
    if case != "bilinear_shape":
        assert errs[0] == errs[1]


def test_default_init_distribution_follows_torchs_bounds():
    fgrad_nn.manual_seed(0)
    fin = 400
    m = fgrad_nn.nn.Linear(fin, 300)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    bound = 1 / math.sqrt(fin)  # kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.mean()) < 0.02 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound
    m2 = fgrad_nn.nn.Bilinear(50, 7, 400)
    assert np.abs(m2.weight.detach().numpy()).max() <= 1 / math.sqrt(50)


def test_reset_parameters_redraws_with_nn_init():
    m = fgrad_nn.nn.Linear(5, 3)
    before = m.weight.tolist()
    m.reset_parameters()
    assert m.weight.tolist() != before and np.abs(m.weight.detach().numpy()).max() <= 1 / math.sqrt(5)


def test_pure_face_and_module_face_agree():
    fgrad_nn.manual_seed(0)
    m = fgrad_nn.nn.Linear(4, 3)
    layer = L.Linear(4, 3)
    params = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    y_pure, state = layer.apply(params, {}, x)
    assert state == {}
    np.testing.assert_array_equal(y_pure, m(fgrad_nn.tensor(x)).detach().numpy())
    g = fgrad.grad(lambda p: layer.apply(p, {}, x)[0].sum())(params)
    m(fgrad_nn.tensor(x)).sum().backward()
    np.testing.assert_allclose(g["weight"], m.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(g["bias"], m.bias.grad.numpy(), rtol=1e-6)


def test_pure_linear_init_and_repr():
    layer = L.Linear(6, 2, bias=False, dtype=np.float64)
    params, state = layer.init(fr.key(1))
    assert set(params) == {"weight"} and params["weight"].dtype == np.float64 and state == {}
    p2, _ = layer.init(fr.key(1))
    np.testing.assert_array_equal(params["weight"], p2["weight"])
    assert repr(layer) == "Linear(in_features=6, out_features=2, bias=False)"
    assert repr(fgrad_nn.nn.Linear(6, 2, bias=False)) == repr(torch.nn.Linear(6, 2, bias=False))


def test_serial_nests_params_and_grads():
    net = L.serial(L.Linear(3, 4), L.ReLU(), L.Linear(4, 2))
    params, state = net.init(fr.key(0))
    assert sorted(L.flatten_params(params)) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert params["1"] == {} and state == {"0": {}, "1": {}, "2": {}}
    round_trip = L.unflatten_params(L.flatten_params(params))  # drops the empty "1" entry
    assert sorted(round_trip) == ["0", "2"]
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)

    def loss(p):
        return (net.apply(p, state, x)[0] ** 2).sum()
    g = fgrad.grad(loss)(params)
    np.testing.assert_array_equal(net.apply(round_trip, state, x)[0], net.apply(params, state, x)[0])
    # the same computation with the torch-like facade
    m = fgrad_nn.nn.Sequential(fgrad_nn.nn.Linear(3, 4), fgrad_nn.nn.ReLU(), fgrad_nn.nn.Linear(4, 2))
    m.load_state_dict({k: fgrad_nn.tensor(np.asarray(v)) for k, v in L.flatten_params(params).items()})
    (m(fgrad_nn.tensor(x)) ** 2).sum().backward()
    for name, p in m.named_parameters():
        np.testing.assert_allclose(L.flatten_params(g)[name], p.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert "Linear(in_features=3" in repr(net)


def test_lazy_linear_infers_in_features():
    m = fgrad_nn.nn.LazyLinear(3)
    y = m(fgrad_nn.ones(2, 5))
    assert tuple(y.shape) == (2, 3) and type(m) is fgrad_nn.nn.Linear and m.in_features == 5
    assert tuple(m.weight.shape) == (3, 5)


def test_nested_serial_uses_torchs_nested_names():
    inner = L.serial(L.Linear(2, 3), L.Tanh())
    net = L.Sequential(OrderedDict([("block", inner), ("head", L.Linear(3, 1))]))
    params, state = net.init(fr.key(0))
    names = list(L.flatten_params(params))
    nn = torch.nn
    tnet = nn.Sequential(OrderedDict([("block", nn.Sequential(nn.Linear(2, 3), nn.Tanh())), ("head", nn.Linear(3, 1))]))
    assert names == list(tnet.state_dict())
    tnet.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in L.flatten_params(params).items()})
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(net.apply(params, state, x)[0], tnet(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert len(net) == 2 and net["head"] is net[1] and [type(l).__name__ for l in inner] == ["Linear", "Tanh"]


def test_layer_protocol_errors():
    class NoCall(L.Layer):
        pass
    with pytest.raises(NotImplementedError, match="NoCall must define call"):
        NoCall().apply({}, {}, np.ones(1))
    with pytest.raises(TypeError, match="not a layer"):
        L.serial(L.ReLU(), 3)
