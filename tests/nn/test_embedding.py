"""Embedding (both faces), F.embedding, F.one_hot, Flatten/Unflatten against torch 2.13."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.random as fr
import fgrad_nn
import fgrad.nn as L


def pair(n, d, **kw):
    t = torch.nn.Embedding(n, d, dtype=torch.float64, **kw)
    f = fgrad_nn.nn.Embedding(n, d, dtype=fgrad_nn.float64, **kw)
    f.load_state_dict({"weight": fgrad_nn.tensor(t.weight.detach().numpy())})
    return t, f


@settings(max_examples=10)
@given(n=st.integers(2, 8), d=st.integers(1, 4), shape=st.sampled_from([(5,), (2, 3), (2, 2, 2)]),
       padding=st.sampled_from([None, 0, 1, -1]), freq=st.booleans(), seed=st.integers(0, 1000))
def test_embedding_matches_torch(n, d, shape, padding, freq, seed):
    t, f = pair(n, d, padding_idx=padding, scale_grad_by_freq=freq)
    assert repr(t) == repr(f) and list(f.state_dict()) == ["weight"]
    idx = np.random.default_rng(seed).integers(0, n, shape)
    yt, yf = t(torch.tensor(idx)), f(fgrad_nn.tensor(idx))
    np.testing.assert_array_equal(yf.detach().numpy(), yt.detach().numpy())
    w = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yf * fgrad_nn.tensor(w)).sum().backward()
    np.testing.assert_allclose(f.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    fgrad_nn.manual_seed(0)
    m = fgrad_nn.nn.Embedding(5, 3, padding_idx=2)
    assert m.weight[2].abs().sum().item() == 0.0
    with fgrad_nn.no_grad():
        m.weight[2] = 7.0  # a non-zero padding row is still looked up (as torch), but not trained
    y = m(fgrad_nn.tensor([2, 2, 1]))
    assert y[0].tolist() == [7.0, 7.0, 7.0]
    y.sum().backward()
    assert m.weight.grad[2].tolist() == [0.0, 0.0, 0.0] and m.weight.grad[1].tolist() == [1.0, 1.0, 1.0]


def test_max_norm_renormalises_the_weight_in_place_like_torch():
    t, f = pair(6, 4, max_norm=1.0)
    with torch.no_grad():
        t.weight.mul_(3)
    f.load_state_dict({"weight": fgrad_nn.tensor(t.weight.detach().numpy())})
    idx = np.array([[0, 2], [2, 5]])
    yt, yf = t(torch.tensor(idx)), f(fgrad_nn.tensor(idx))
    np.testing.assert_allclose(yf.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(f.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-12)
    yt.pow(2).sum().backward()
    yf.pow(2).sum().backward()
    np.testing.assert_allclose(f.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)
    # the pure face returns the same rows without touching its params
    layer = L.Embedding(6, 4, max_norm=1.0, dtype=np.float64)
    w = t.weight.detach().numpy() * 5
    y, _ = layer.apply({"weight": w}, {}, idx)
    norms = np.linalg.norm(y, axis=-1)
    assert np.all(norms <= 1.0 + 1e-6) and np.all(norms > 0.99)


def test_from_pretrained_and_freeze():
    w = fgrad_nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    for lib, wt in ((torch, torch.tensor(w.numpy())), (fgrad_nn, w)):
        m = lib.nn.Embedding.from_pretrained(wt)
        assert not m.weight.requires_grad and m(lib.tensor([1])).tolist() == [[3.0, 4.0]]
        m2 = lib.nn.Embedding.from_pretrained(wt, freeze=False, padding_idx=0)
        assert m2.weight.requires_grad
    assert repr(fgrad_nn.nn.Embedding.from_pretrained(w, padding_idx=0)) == \
        repr(torch.nn.Embedding.from_pretrained(torch.tensor(w.numpy()), padding_idx=0))


@pytest.mark.parametrize("case", ["float_idx", "out_of_range", "padding_range", "module_padding_range"])
def test_errors_equal_torchs(case):
    errs = []
    for lib in (torch, fgrad_nn):
        try:
            if case == "float_idx":
                lib.nn.Embedding(3, 2)(lib.tensor([0.0, 1.0]))
            elif case == "out_of_range":
                lib.nn.Embedding(3, 2)(lib.tensor([3]))
            elif case == "padding_range":
                lib.nn.functional.embedding(lib.tensor([0]), lib.ones(3, 2), padding_idx=5)
            else:
                lib.nn.Embedding(3, 2, padding_idx=-4)
        except Exception as e:  # noqa: BLE001
            errs.append((type(e).__name__, str(e)))
    assert len(errs) == 2 and errs[0][0] == errs[1][0], errs
    if case != "out_of_range":
        assert errs[0] == errs[1]


def test_embedding_init_distribution_and_pure_face():
    layer = L.Embedding(300, 200, padding_idx=0)
    params, state = layer.init(fr.key(0))
    w = params["weight"]
    assert w.dtype == np.float32 and state == {} and np.all(w[0] == 0)
    assert abs(w[1:].mean()) < 0.01 and abs(w[1:].std() - 1) < 0.01
    idx = np.array([[0, 5, 5], [7, 0, 1]])
    m = fgrad_nn.nn.Embedding(300, 200, padding_idx=0)
    m.load_state_dict({"weight": fgrad_nn.tensor(w)})
    np.testing.assert_array_equal(layer.apply(params, state, idx)[0], m(fgrad_nn.tensor(idx)).detach().numpy())
    g = fgrad.grad(lambda p: layer.apply(p, state, idx)[0].sum())(params)["weight"]
    m(fgrad_nn.tensor(idx)).sum().backward()
    np.testing.assert_array_equal(g, m.weight.grad.numpy())
    assert g[0].sum() == 0 and g[5].sum() == 400


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for k in (-1, 5):
        yt = torch.nn.functional.one_hot(torch.tensor(idx), k)
        yf = fgrad_nn.nn.functional.one_hot(fgrad_nn.tensor(idx), k)
        assert yf.dtype == fgrad_nn.int64
        np.testing.assert_array_equal(yf.numpy(), yt.numpy())
    with pytest.raises(RuntimeError):
        fgrad_nn.nn.functional.one_hot(fgrad_nn.tensor([4]), 3)


def test_embedding_on_device(device):
    m = fgrad_nn.nn.Embedding(4, 3, padding_idx=1).to(device)
    y = m(fgrad_nn.tensor([1, 2, 2], device=device))
    y.sum().backward()
    assert y.device.type == device
    np.testing.assert_array_equal(m.weight.grad.cpu().numpy()[:, 0], [0, 0, 2, 0])


# ---------------------------------------------------------------------------- Flatten / Unflatten

@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-3, -2), (2, -1)])
def test_flatten_matches_torch(args):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    t, f = torch.nn.Flatten(*args), fgrad_nn.nn.Flatten(*args)
    assert repr(t) == repr(f)
    xf = fgrad_nn.tensor(x, requires_grad=True)
    yf = f(xf)
    np.testing.assert_array_equal(yf.detach().numpy(), t(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(L.Flatten(*args).apply({}, {}, x)[0], yf.detach().numpy())
    yf.sum().backward()
    assert xf.grad.shape == xf.shape


@pytest.mark.parametrize("dim,sizes", [(1, (3, 4)), (-1, (2, -1)), (0, [2, 1])])
def test_unflatten_matches_torch(dim, sizes):
    x = np.arange(2 * 12 * 4, dtype=np.float64).reshape(2, 12, 4)
    t, f = torch.nn.Unflatten(dim, sizes), fgrad_nn.nn.Unflatten(dim, sizes)
    assert repr(t) == repr(f)
    ref = t(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(f(fgrad_nn.tensor(x)).numpy(), ref)
    np.testing.assert_array_equal(L.Unflatten(dim, sizes).apply({}, {}, x)[0], ref)


@pytest.mark.parametrize("case", ["bad_sizes", "sizes_type", "flatten_dims"])
def test_flatten_errors_equal_torchs(case):
    errs = []
    for lib in (torch, fgrad_nn):
        try:
            if case == "bad_sizes":
                lib.nn.Unflatten(1, (5, 5))(lib.ones(2, 12))
            elif case == "sizes_type":
                lib.nn.Unflatten(1, 12)
            else:
                lib.nn.Flatten(2, 1)(lib.ones(2, 3, 4))
        except Exception as e:  # noqa: BLE001
            errs.append(type(e).__name__)
    assert len(errs) == 2 and errs[0] == errs[1], errs
