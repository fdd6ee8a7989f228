"""Dropout family (both faces) against torch 2.13: masks are random, so their laws are checked."""
import warnings

import numpy as np
import pytest
import torch

import fgrad
import fgrad.random as fr
import fgrad_nn
import fgrad.nn as L

NAMES = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
SHAPES = {"Dropout": (40, 50), "Dropout1d": (20, 30, 10), "Dropout2d": (10, 30, 4, 4),
          "Dropout3d": (10, 20, 2, 3, 3), "AlphaDropout": (40, 50), "FeatureAlphaDropout": (20, 30, 4)}


@pytest.mark.parametrize("name", NAMES)
def test_repr_eval_identity_and_state_dict(name):
    t, f = getattr(torch.nn, name)(0.3, inplace=False), getattr(fgrad_nn.nn, name)(0.3)
    assert repr(t) == repr(f) and list(f.state_dict()) == []
    x = fgrad_nn.ones(*SHAPES[name])
    f.eval()
    assert f(x) is x


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"])
def test_training_masks_scale_and_channels(name):
    fgrad_nn.manual_seed(0)
    p = 0.3
    shape = SHAPES[name]
    x = fgrad_nn.ones(*shape, requires_grad=True)
    y = getattr(fgrad_nn.nn, name)(p)(x)
    v = y.detach().numpy()
    assert set(np.unique(v)) <= {0.0, np.float32(1 / (1 - p))}
    kept = (v != 0).mean()
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / (v.size if name == "Dropout" else np.prod(shape[:2])))
    if name != "Dropout":  # whole channels are dropped together
        per_channel = v.reshape(shape[0], shape[1], -1)
        assert np.all((per_channel == per_channel[..., :1]))
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * v)


ALPHA = -1.7580993408473766  # -scale * alpha of SELU


@pytest.mark.parametrize("name", ["AlphaDropout", "FeatureAlphaDropout"])
def test_alpha_dropout_keeps_mean_and_variance(name):
    fgrad_nn.manual_seed(0)
    x = fgrad_nn.randn(400, 500) if name == "AlphaDropout" else fgrad_nn.randn(400, 500, 1)
    y = getattr(fgrad_nn.nn, name)(0.2)(x).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_alpha_dropout_values_follow_torchs_affine_map():
    p = 0.2
    a = (1 / ((1 - p) * (1 + p * ALPHA ** 2))) ** 0.5
    b = -a * ALPHA * p
    torch.manual_seed(0)
    x = torch.randn(2000, dtype=torch.float64)
    for y in (torch.nn.AlphaDropout(p)(x).numpy(), fgrad_nn.nn.AlphaDropout(p)(fgrad_nn.tensor(x.numpy())).numpy()):
        kept = np.isclose(y, a * x.numpy() + b, rtol=1e-12)
        np.testing.assert_allclose(y[~kept], a * ALPHA + b, rtol=1e-12)
        assert abs((~kept).mean() - p) < 0.05


def test_functional_forms_and_inplace():
    fgrad_nn.manual_seed(1)
    F = fgrad_nn.nn.functional
    x = fgrad_nn.ones(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    r = F.dropout(x, 0.5, True, inplace=True)
    assert r is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    assert F.dropout(fgrad_nn.ones(3), 0.0).tolist() == [1.0, 1.0, 1.0]
    assert F.dropout(fgrad_nn.ones(3), 1.0).tolist() == [0.0, 0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(F.dropout2d(fgrad_nn.ones(2, 3, 4)).shape) == (2, 3, 4)


@pytest.mark.parametrize("case", ["p_high", "p_low", "module_p", "dropout1d_dims"])
def test_errors_equal_torchs(case):
    errs = []
    for lib in (torch, fgrad_nn):
        try:
            if case == "p_high":
                lib.nn.functional.dropout(lib.ones(2), 1.5)
            elif case == "p_low":
                lib.nn.functional.dropout2d(lib.ones(2, 2, 2), -0.1)
            elif case == "module_p":
                lib.nn.Dropout(2)
            else:
                lib.nn.functional.dropout1d(lib.ones(2, 2, 2, 2))
        except Exception as e:  # noqa: BLE001
            errs.append((type(e).__name__, str(e)))
    assert len(errs) == 2 and errs[0] == errs[1]


def test_pure_dropout_needs_a_key_in_training_and_is_deterministic_given_one():
    layer = L.Dropout(0.5)
    x = np.ones((6, 7), np.float32)
    assert layer.apply({}, {}, x)[0] is x
    with pytest.raises(ValueError, match="needs a random key"):
        layer.apply({}, {}, x, train=True)
    a, _ = layer.apply({}, {}, x, train=True, key=fr.key(0))
    b, _ = layer.apply({}, {}, x, train=True, key=fr.key(0))
    c, _ = layer.apply({}, {}, x, train=True, key=fr.key(1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and a.dtype == np.float32
    g = fgrad.grad(lambda v: layer.apply({}, {}, v, train=True, key=fr.key(0))[0].sum())(x)
    np.testing.assert_array_equal(g, a)  # d/dx (x * mask / (1-p)) with x = 1
    net = L.serial(L.Linear(7, 3), L.Dropout2d(0.5), L.Dropout(0.2))
    p, s = net.init(fr.key(0))
    y1, _ = net.apply(p, s, x, train=True, key=fr.key(5))
    y2, _ = net.apply(p, s, x, train=True, key=fr.key(5))
    np.testing.assert_array_equal(y1, y2)


def test_dropout_on_device(device):
    x = fgrad_nn.ones(3, 4, device=device, requires_grad=True)
    y = fgrad_nn.nn.Dropout(0.5)(x)
    y.sum().backward()
    assert y.device.type == device and x.grad.device.type == device
