"""nn.init: torch's formulas checked statistically (fixed seeds, so deterministic), gains, errors."""
import math
import warnings

import numpy as np
import pytest
import torch

import fgrad.nn as L
import fgrad_nn
from fgrad_nn.nn import init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain_equals_torchs(name):
    assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)
    for p in (0, 0.2, 3, None):
        assert init.calculate_gain(name, p) == torch.nn.init.calculate_gain(name, p)


@pytest.mark.parametrize("name,param", [("leaky_relu", True), ("leaky_relu", "0.1"), ("softmax", None),
                                        ("gelu", None)])
def test_calculate_gain_errors_equal_torchs(name, param):
    with pytest.raises(ValueError) as et:
        torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError) as ef:
        init.calculate_gain(name, param)
    assert str(et.value) == str(ef.value)


@pytest.mark.parametrize("shape", [(3,), (4, 5), (6, 3, 2), (2, 3, 4, 5), (0, 3)])
def test_fan_in_and_fan_out(shape):
    t, f = torch.empty(shape), fgrad_nn.empty(shape)
    if len(shape) < 2:
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            init._calculate_fan_in_and_fan_out(f)
        return
    assert init._calculate_fan_in_and_fan_out(f) == torch.nn.init._calculate_fan_in_and_fan_out(t)


def sample(fn, shape=(400, 500), seed=0, dtype=fgrad_nn.float32, **kw):
    fgrad_nn.manual_seed(seed)
    t = fgrad_nn.empty(shape, dtype=dtype)
    out = fn(t, **kw)
    assert out is t
    return t.numpy().astype(np.float64)


N = 400 * 500
SE = 5 / math.sqrt(N)  # 5 standard errors of a mean of N unit-variance draws


def check_uniform(x, lo, hi):
    assert lo <= x.min() and x.max() <= hi
    width = hi - lo
    assert x.min() < lo + 0.001 * width and x.max() > hi - 0.001 * width
    assert abs(x.mean() - (lo + hi) / 2) < SE * width
    assert abs(x.std() - width / math.sqrt(12)) < 0.01 * width


def check_normal(x, mean, std):
    assert abs(x.mean() - mean) < SE * std
    assert abs(x.std() - std) < 0.01 * std
    assert abs(((x - mean) / std > 1.0).mean() - 0.15866) < 0.005  # the shape is Gaussian, not just the moments


def test_uniform_and_normal():
    check_uniform(sample(init.uniform_, a=-2.0, b=3.0), -2.0, 3.0)
    check_uniform(sample(init.uniform_), 0.0, 1.0)
    check_normal(sample(init.normal_, mean=1.5, std=0.3), 1.5, 0.3)
    check_normal(sample(init.normal_, dtype=fgrad_nn.float64), 0.0, 1.0)


def test_trunc_normal():
    x = sample(init.trunc_normal_, mean=0.5, std=2.0, a=-1.0, b=1.5)
    assert -1.0 <= x.min() and x.max() <= 1.5
    a, b = (-1.0 - 0.5) / 2.0, (1.5 - 0.5) / 2.0
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    Z = cdf(b) - cdf(a)
    mean = 0.5 + 2.0 * (phi(a) - phi(b)) / Z
    var = 4.0 * (1 + (a * phi(a) - b * phi(b)) / Z - ((phi(a) - phi(b)) / Z) ** 2)
    assert abs(x.mean() - mean) < SE * math.sqrt(var)
    assert abs(x.std() - math.sqrt(var)) < 0.01 * math.sqrt(var)
    y = sample(init.trunc_normal_)  # defaults: N(0, 1) cut to [-2, 2]
    assert -2 <= y.min() and y.max() <= 2 and abs(y.std() - 0.8796) < 0.01


@pytest.mark.parametrize("shape", [(400, 500), (50, 20, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(shape, gain):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    check_uniform(sample(init.xavier_uniform_, shape, gain=gain), -bound, bound)
    check_normal(sample(init.xavier_normal_, shape, gain=gain), 0.0, std)


@pytest.mark.parametrize("a,mode,nonlinearity", [(0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
                                                 (0.1, "fan_out", "relu"), (0, "fan_out", "tanh"),
                                                 (0, "FAN_IN", "selu")])
def test_kaiming(a, mode, nonlinearity):
    shape = (80, 50, 7)
    t = torch.empty(shape)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(t)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    check_uniform(sample(init.kaiming_uniform_, shape, a=a, mode=mode, nonlinearity=nonlinearity),
                  -math.sqrt(3) * std, math.sqrt(3) * std)
    check_normal(sample(init.kaiming_normal_, shape, a=a, mode=mode, nonlinearity=nonlinearity), 0.0, std)


@pytest.mark.parametrize("shape", [(30, 50), (50, 30), (10, 4, 3, 3), (7, 7)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal(shape, gain):
    x = sample(init.orthogonal_, shape, gain=gain, dtype=fgrad_nn.float64)
    m = x.reshape(shape[0], -1)
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(small), atol=1e-10)


def test_constant_ones_zeros_eye_dirac():
    def both(fn, shape, **kw):
        t = torch.empty(shape)
        f = fgrad_nn.empty(shape)
        assert fn(f, **kw) is f
        getattr(torch.nn.init, fn.__name__)(t, **kw)
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    both(init.constant_, (3, 4), val=0.25)
    both(init.ones_, (2, 5))
    both(init.zeros_, (2, 5))
    both(init.eye_, (3, 5))
    both(init.eye_, (5, 3))
    for shape, groups in [((4, 3, 5), 1), ((6, 2, 3, 3), 2), ((4, 4, 3, 3, 3), 1), ((6, 5, 3, 4), 3)]:
        both(init.dirac_, shape, groups=groups)


def test_sparse():
    x = sample(init.sparse_, (200, 300), sparsity=0.3, std=0.05)
    zeros = (x == 0).sum(axis=0)
    assert (zeros >= math.ceil(0.3 * 200)).all() and (zeros <= math.ceil(0.3 * 200) + 2).all()
    nz = x[x != 0]
    assert abs(nz.std() - 0.05) < 0.002


@pytest.mark.parametrize("case", ["eye_dims", "dirac_dims", "dirac_groups", "orthogonal_dims", "sparse_dims", "mode",
                                  "xavier_1d", "kaiming_1d"])
def test_errors_equal_torchs(case):
    def run(lib, mod):
        if case == "eye_dims":
            mod.eye_(lib.empty(2, 3, 4))
        elif case == "dirac_dims":
            mod.dirac_(lib.empty(2, 3))
        elif case == "dirac_groups":
            mod.dirac_(lib.empty(5, 3, 3), groups=2)
        elif case == "orthogonal_dims":
            mod.orthogonal_(lib.empty(3))
        elif case == "sparse_dims":
            mod.sparse_(lib.empty(3, 3, 3), 0.1)
        elif case == "mode":
            mod.kaiming_uniform_(lib.empty(3, 3), mode="fan_avg")
        elif case == "xavier_1d":
            mod.xavier_uniform_(lib.empty(3))
        else:
            mod.kaiming_normal_(lib.empty(3))
    with pytest.raises(ValueError) as et:
        run(torch, torch.nn.init)
    with pytest.raises(ValueError) as ef:
        run(fgrad_nn, init)
    assert str(et.value) == str(ef.value)


def test_zero_element_tensor_is_a_no_op_with_torchs_warning():
    t = fgrad_nn.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(t) is t


def test_works_in_place_on_parameters_without_recording():
    m = fgrad_nn.nn.Linear(20, 30)
    w = m.weight
    for fn in (init.kaiming_normal_, init.xavier_uniform_, init.orthogonal_, init.trunc_normal_, init.zeros_,
               init.ones_, init.eye_, init.normal_, init.uniform_):
        assert fn(m.weight) is w
        assert w.requires_grad and w.is_leaf and w.grad_fn is None and isinstance(w, fgrad_nn.nn.Parameter)
    init.constant_(m.bias, 0.5)
    m(fgrad_nn.ones(2, 20)).sum().backward()
    np.testing.assert_allclose(m.bias.grad.numpy(), np.full(30, 2.0))


def test_generator_and_global_seed_make_draws_reproducible():
    g1, g2 = fgrad_nn.Generator().manual_seed(7), fgrad_nn.Generator().manual_seed(7)
    a = init.normal_(fgrad_nn.empty(5), generator=g1).tolist()
    b = init.normal_(fgrad_nn.empty(5), generator=g2).tolist()
    c = init.normal_(fgrad_nn.empty(5), generator=g1).tolist()
    assert a == b and a != c
    fgrad_nn.manual_seed(1)
    x = init.kaiming_uniform_(fgrad_nn.empty(4, 4)).tolist()
    fgrad_nn.manual_seed(1)
    assert init.kaiming_uniform_(fgrad_nn.empty(4, 4)).tolist() == x


def test_keeps_dtype(device):
    for dt in (fgrad_nn.float32, fgrad_nn.float64):
        t = fgrad_nn.empty(3, 4, dtype=dt, device=device)
        for fn in (init.kaiming_uniform_, init.xavier_normal_, init.trunc_normal_, init.orthogonal_, init.eye_):
            assert fn(t).dtype == dt and t.device.type == device


def test_deprecated_aliases_warn():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        init.xavier_uniform(fgrad_nn.empty(3, 3))
    assert any(issubclass(x.category, FutureWarning) and "xavier_uniform_" in str(x.message) for x in w)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Linear(5, 3), lambda nn: nn.Bilinear(2, 3, 4), lambda nn: nn.Conv2d(2, 4, 3),
    lambda nn: nn.ConvTranspose1d(2, 3, 2), lambda nn: nn.LSTM(3, 4, 2, proj_size=2), lambda nn: nn.GRUCell(3, 4),
    lambda nn: nn.BatchNorm1d(3), lambda nn: nn.LayerNorm(4), lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.Embedding(5, 2, padding_idx=1), lambda nn: nn.PReLU(3, 0.1)])
def test_one_init_rule_per_layer(make):
    """Construction and ``reset_parameters`` both draw with the pure layer's own ``init``, keyed from the
    global generator: seeded alike, they give the same numbers as ``layer.init`` itself."""
    m = make(fgrad_nn.nn)
    with fgrad_nn.no_grad():
        for p in m.parameters():
            p.add_(1.0)
    for b in m.buffers():
        if b.is_floating_point():
            b.add_(1.0)
    fgrad_nn.manual_seed(11)
    m.reset_parameters()
    fgrad_nn.manual_seed(11)
    params, state = m._layer.init(fgrad_nn.nn.init.next_key())
    expected = {**L.flatten_params(params), **L.flatten_params(state)}
    got = m.state_dict()
    assert sorted(got) == sorted(expected)
    for k, v in expected.items():
        np.testing.assert_array_equal(got[k].numpy(), np.asarray(v), err_msg=k)
    fgrad_nn.manual_seed(11)
    fresh = make(fgrad_nn.nn)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), got[k].numpy(), err_msg=k)
