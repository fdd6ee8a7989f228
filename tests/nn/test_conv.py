"""Conv1d/2d/3d, ConvTranspose1d/2d, F.conv*, unfold/fold against torch 2.13 (both faces)."""
import math

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
from _layer_compare import FT_DT, TORCH_DT, close, compare_modules, host

DTYPES = [np.float64, np.float32]


@st.composite
def conv_config(draw, nd):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding_mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    padding = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    if padding == "same":
        stride = 1
    else:
        stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    if padding == "int":
        padding = draw(st.integers(0, 2))
    elif padding == "tuple":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    # reflect needs padding < size; keep every spatial size comfortably above kernel and padding
    size = tuple(max(e, 3) + draw(st.integers(0, 3)) for e in eff)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=draw(st.booleans()),
              padding_mode=padding_mode)
    return cin, cout, kernel, kw, size, draw(st.integers(1, 2))


@pytest.mark.parametrize("nd", [1, 2, 3])
@settings(max_examples=10)
@given(data=st.data())
def test_conv_matches_torch(nd, data, device):
    cin, cout, kernel, kw, size, n = data.draw(conv_config(nd))
    name = f"Conv{nd}d"
    tm = getattr(torch.nn, name)(cin, cout, kernel, dtype=torch.float64, **kw)
    fm = getattr(ft.nn, name)(cin, cout, kernel, dtype=ft.float64, **kw)
    x = np.random.default_rng(0).standard_normal((n, cin) + size)
    compare_modules(tm, fm, [x], device=device)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_float32_and_unbatched(dtype, device):
    tm = torch.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2, dtype=TORCH_DT[dtype])
    fm = ft.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2, dtype=FT_DT[dtype])
    rng = np.random.default_rng(2)
    compare_modules(tm, fm, [rng.standard_normal((3, 4, 7, 5)).astype(dtype)], dtype=dtype, device=device)
    compare_modules(tm, fm, [rng.standard_normal((4, 7, 5)).astype(dtype)], dtype=dtype, device=device)


@st.composite
def conv_transpose_config(draw, nd):
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(nd))
    # output_padding must be smaller than stride or dilation
    opad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = tuple(draw(st.integers(2, 4)) for _ in range(nd))
    out = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1
           for n, s, p, d, k, op in zip(size, stride, padding, dilation, kernel, opad)]
    if min(out) <= 0:
        padding = (0,) * nd
    kw = dict(stride=stride, padding=padding, output_padding=opad, groups=groups, dilation=dilation,
              bias=draw(st.booleans()))
    return cin, cout, kernel, kw, size


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=10)
@given(data=st.data())
def test_conv_transpose_matches_torch(nd, data, device):
    cin, cout, kernel, kw, size = data.draw(conv_transpose_config(nd))
    name = f"ConvTranspose{nd}d"
    tm = getattr(torch.nn, name)(cin, cout, kernel, dtype=torch.float64, **kw)
    fm = getattr(ft.nn, name)(cin, cout, kernel, dtype=ft.float64, **kw)
    x = np.random.default_rng(0).standard_normal((2, cin) + size)
    compare_modules(tm, fm, [x], device=device)


def test_conv_transpose_output_size(device):
    tm = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=torch.float64)
    fm = ft.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype=ft.float64)
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    for size in [(7, 9), (8, 10), (2, 2, 8, 9)]:
        yt, yf = compare_modules(tm, fm, [x], kwargs=dict(output_size=size), device=device)
        assert tuple(yf[0].shape[-2:]) == tuple(size[-2:])
    with pytest.raises(ValueError, match="requested an output size"):
        fm(ft.tensor(x, device=device), output_size=(20, 20))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        fm(ft.tensor(x, device=device), output_size=(1, 7, 9))


def test_functional_conv_matches_torch(device):
    rng = np.random.default_rng(4)
    cases = [("conv1d", (2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
             ("conv2d", (2, 3, 6, 7), (4, 3, 3, 2), dict(padding="same", dilation=(2, 1))),
             ("conv2d", (2, 3, 6, 7), (4, 3, 3, 3), dict(padding="valid")),
             ("conv3d", (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=1)),
             ("conv_transpose1d", (2, 4, 5), (4, 3, 3), dict(stride=2, output_padding=1)),
             ("conv_transpose2d", (2, 4, 3, 4), (4, 1, 3, 2), dict(stride=2, padding=1, groups=2, dilation=2))]
    for name, xs, ws, kw in cases:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(
            ws[1] * kw.get("groups", 1) if "transpose" in name else ws[0])
        tt = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        ff = [ft.tensor(a, device=device, requires_grad=True) for a in (x, w, b)]
        yt, yf = getattr(torch.nn.functional, name)(*tt, **kw), getattr(F, name)(*ff, **kw)
        close(host(yf.detach()), yt.detach().numpy(), np.float64, name)
        (yt ** 2).sum().backward()
        (yf ** 2).sum().backward()
        for a, c in zip(tt, ff):
            close(host(c.grad), a.grad.numpy(), np.float64, name + " grad")
        # the pure function is the same math
        close(getattr(LF, name)(x, w, b, **kw), yt.detach().numpy(), np.float64, name + " pure")


def test_unfold_fold_match_torch(device):
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 5))
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    yt = torch.nn.functional.unfold(torch.tensor(x), **kw)
    yf = F.unfold(ft.tensor(x, device=device), **kw)
    close(host(yf), yt.numpy(), np.float64, "unfold")
    compare_modules(torch.nn.Unfold(**kw), ft.nn.Unfold(**kw), [x], device=device)
    cols = yt.numpy()
    compare_modules(torch.nn.Fold((6, 5), **kw), ft.nn.Fold((6, 5), **kw), [cols], device=device)


def test_state_dict_init_and_repr():
    for args, kw in [((3, 8, 5), dict(padding=2)), ((4, 6, (3, 2)), dict(groups=2, bias=False)),
                     ((4, 6, 3), dict(padding="same", padding_mode="reflect", dilation=2))]:
        tm, fm = torch.nn.Conv2d(*args, **kw), ft.nn.Conv2d(*args, **kw)
        assert {k: tuple(v.shape) for k, v in tm.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in fm.state_dict().items()}
        assert repr(tm) == repr(fm)
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                     "padding_mode", "output_padding", "transposed", "_reversed_padding_repeated_twice"):
            assert getattr(tm, name) == getattr(fm, name), name
        assert fm.weight.dtype == ft.float32
    tm, fm = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), ft.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)
    assert repr(tm) == repr(fm)
    assert tuple(fm.weight.shape) == tuple(tm.weight.shape) == (4, 3, 3, 3)
    assert tuple(fm.bias.shape) == (6,)


def test_default_init_is_torchs_distribution():
    # kaiming_uniform(a=sqrt(5)) weight and the bias are both U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    params, _ = L.Conv2d(16, 64, 3).init(fr.key(0))
    bound = 1 / math.sqrt(16 * 9)
    w = params["weight"]
    assert w.shape == (64, 16, 3, 3) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(params["bias"]).max() <= bound
    params, _ = L.ConvTranspose2d(16, 8, 3).init(fr.key(1))  # fan_in from weight.shape[1] = out/groups
    assert np.abs(params["weight"]).max() <= 1 / math.sqrt(8 * 9)


def test_invalid_arguments_raise_torchs_errors():
    cases = [(dict(args=(3, 4, 3), groups=2), ValueError, "in_channels must be divisible by groups"),
             (dict(args=(4, 3, 3), groups=2), ValueError, "out_channels must be divisible by groups"),
             (dict(args=(4, 4, 3), groups=0), ValueError, "groups must be a positive integer"),
             (dict(args=(4, 4, 3), padding="foo"), ValueError, "Invalid padding string"),
             (dict(args=(4, 4, 3), padding="same", stride=2), ValueError, "not supported for strided"),
             (dict(args=(4, 4, 3), padding_mode="foo"), ValueError, "padding_mode must be one of")]
    for kw, exc, msg in cases:
        args = kw.pop("args")
        with pytest.raises(exc, match=msg):
            torch.nn.Conv2d(*args, **kw)
        with pytest.raises(exc, match=msg):
            ft.nn.Conv2d(*args, **kw)
        with pytest.raises(exc, match=msg):
            L.Conv2d(*args, **kw)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        ft.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
    conv = ft.nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError):  # wrong channel count
        conv(ft.ones(1, 2, 5, 5))
    with pytest.raises(RuntimeError):  # wrong rank
        conv(ft.ones(5, 5))
    with pytest.raises(RuntimeError, match="should be the same"):  # float64 input, float32 weight
        conv(ft.ones(1, 3, 5, 5, dtype=ft.float64))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        conv(ft.ones(1, 3, 2, 2))
    with pytest.raises(RuntimeError):
        F.conv1d(ft.ones(1, 2, 5), ft.ones(3, 2, 3, 3))


def test_grad_over_pure_layer_equals_facade_grads():
    """fgrad.grad over the pure layer's apply == loss.backward() through the Module."""
    fm = ft.nn.Conv2d(2, 3, 3, padding=1, dtype=ft.float64)
    x = np.random.default_rng(6).standard_normal((2, 2, 5, 5))
    params = {k: host(p.detach()) for k, p in fm.named_parameters()}

    def loss(p):
        y, _ = fm._layer.apply(p, {}, x)
        return (y ** 3).sum()

    g = fgrad.grad(loss)(params)
    (fm(ft.tensor(x)) ** 3).sum().backward()
    for k, p in fm.named_parameters():
        close(g[k], host(p.grad), np.float64, k)
