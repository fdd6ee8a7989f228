"""MaxPool, AvgPool, MaxUnpool, adaptive pools and their F functions against torch 2.13 (both faces)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad_nn as ft
import fgrad_nn.nn.functional as F
import fgrad.nn as L
import fgrad.nn.functional as LF
from _layer_compare import close, compare_modules, host


def _x(shape, seed=0, dtype=np.float64):
    # distinct values: no ties, so the max positions (and gradients) are unambiguous
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) / n - 0.5).astype(dtype)


@st.composite
def pool_config(draw, nd, dilation=True):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * nd)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dil = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if dilation else (1,) * nd
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for k, d in zip(kernel, dil))
    return kernel, stride, padding, dil, draw(st.booleans()), size


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=12)
@given(data=st.data())
def test_max_pool_matches_torch(nd, data, device):
    kernel, stride, padding, dil, ceil_mode, size = data.draw(pool_config(nd))
    ret = data.draw(st.booleans())
    kw = dict(stride=stride, padding=padding, dilation=dil, ceil_mode=ceil_mode, return_indices=ret)
    name = f"MaxPool{nd}d"
    compare_modules(getattr(torch.nn, name)(kernel, **kw), getattr(ft.nn, name)(kernel, **kw),
                    [_x((2, 3) + size)], device=device)


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=12)
@given(data=st.data())
def test_avg_pool_matches_torch(nd, data, device):
    kernel, stride, padding, _, ceil_mode, size = data.draw(pool_config(nd, dilation=False))
    kw = dict(stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=data.draw(st.booleans()))
    if nd == 2:
        kw["divisor_override"] = data.draw(st.sampled_from([None, None, 1, 3]))
    name = f"AvgPool{nd}d"
    compare_modules(getattr(torch.nn, name)(kernel, **kw), getattr(ft.nn, name)(kernel, **kw),
                    [_x((2, 3) + size)], device=device)


@settings(max_examples=10)
@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 5), ow=st.one_of(st.none(), st.integers(1, 5)))
def test_adaptive_pools_match_torch(h, w, oh, ow, device):
    x = _x((2, 3, h, w))
    compare_modules(torch.nn.AdaptiveAvgPool2d((oh, ow)), ft.nn.AdaptiveAvgPool2d((oh, ow)), [x], device=device)
    for ret in (False, True):
        compare_modules(torch.nn.AdaptiveMaxPool2d((oh, ow), ret), ft.nn.AdaptiveMaxPool2d((oh, ow), ret), [x],
                        device=device)


def test_max_unpool_roundtrip_matches_torch(device):
    x = _x((2, 3, 6, 7))
    tp, fp = torch.nn.MaxPool2d(2, return_indices=True), ft.nn.MaxPool2d(2, return_indices=True)
    (yt, it), (yf, idx) = tp(torch.tensor(x)), fp(ft.tensor(x, device=device))
    np.testing.assert_array_equal(host(idx), it.numpy())
    assert idx.dtype == ft.int64 and not idx.requires_grad
    y = yt.numpy()
    compare_modules(torch.nn.MaxUnpool2d(2), ft.nn.MaxUnpool2d(2), [y, it.numpy()], kwargs=dict(output_size=(6, 7)),
                    grad_inputs=[True, False], device=device)
    y6, i6 = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x[..., :6]))  # default size: 6 x 6
    compare_modules(torch.nn.MaxUnpool2d(2), ft.nn.MaxUnpool2d(2), [y6.numpy(), i6.numpy()],
                    grad_inputs=[True, False], device=device)
    out = F.max_unpool2d(ft.tensor(y, device=device), idx, 2, output_size=(6, 7))
    close(host(out), torch.nn.functional.max_unpool2d(yt, it, 2, output_size=(6, 7)).numpy(), np.float64)
    with pytest.raises(ValueError):
        ft.nn.MaxUnpool2d(2)(ft.tensor(y, device=device), idx, output_size=(9, 9))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_pools_match_torch(dtype, device):
    tF = torch.nn.functional
    cases = [("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
             ("max_pool2d", (3, 7, 6), dict(kernel_size=2, ceil_mode=True)),  # unbatched
             ("max_pool3d", (1, 2, 4, 5, 4), dict(kernel_size=2, stride=1)),
             ("avg_pool1d", (2, 3, 9), dict(kernel_size=4, stride=3, padding=2, count_include_pad=False)),
             ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=(3, 2), padding=1, divisor_override=2)),
             ("adaptive_avg_pool1d", (2, 3, 7), dict(output_size=3)),
             ("adaptive_avg_pool2d", (3, 7, 6), dict(output_size=(4, 4))),
             ("adaptive_max_pool2d", (2, 3, 7, 6), dict(output_size=(3, 5))),
             ("lp_pool2d", (2, 3, 6, 6), dict(norm_type=2, kernel_size=2))]
    for name, shape, kw in cases:
        x = _x(shape, dtype=dtype)
        if name.startswith("lp"):
            x = np.abs(x) + 0.1
        xt, xf = torch.tensor(x, requires_grad=True), ft.tensor(x, device=device, requires_grad=True)
        yt, yf = getattr(tF, name)(xt, **kw), getattr(F, name)(xf, **kw)
        close(host(yf.detach()), yt.detach().numpy(), dtype, name)
        (yt ** 2).sum().backward()
        (yf ** 2).sum().backward()
        close(host(xf.grad), xt.grad.numpy(), dtype, name + " grad")
        close(getattr(LF, name)(x, **kw), yt.detach().numpy(), dtype, name + " pure")
    yt, it = tF.max_pool2d(torch.tensor(_x((2, 2, 5, 5))), 3, 2, 1, return_indices=True)
    yf, idx = F.max_pool2d(ft.tensor(_x((2, 2, 5, 5)), device=device), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(host(idx), it.numpy())


def test_repr_and_attributes():
    for tm, fm in [(torch.nn.MaxPool2d(3, 2, 1), ft.nn.MaxPool2d(3, 2, 1)),
                   (torch.nn.MaxPool1d(2), ft.nn.MaxPool1d(2)),
                   (torch.nn.AvgPool1d(3), ft.nn.AvgPool1d(3)),
                   (torch.nn.AvgPool2d((2, 3), padding=1), ft.nn.AvgPool2d((2, 3), padding=1)),
                   (torch.nn.MaxUnpool2d(2), ft.nn.MaxUnpool2d(2)),
                   (torch.nn.AdaptiveAvgPool2d((2, None)), ft.nn.AdaptiveAvgPool2d((2, None))),
                   (torch.nn.AdaptiveMaxPool2d(3), ft.nn.AdaptiveMaxPool2d(3))]:
        assert repr(tm) == repr(fm)
        assert dict(fm.state_dict()) == {}
        for name in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "output_size"):
            if hasattr(tm, name):
                assert getattr(tm, name) == getattr(fm, name), name


def test_invalid_arguments_raise_torchs_errors():
    x = ft.ones(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        ft.nn.MaxPool2d(2)(ft.ones(1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="kernel_size must either be a single int, or a tuple of two ints"):
        F.max_pool2d(x, (2, 2, 2))
    with pytest.raises(RuntimeError, match="kernel_size must be an int, list of ints or tuple of ints of size 1"):
        F.max_pool1d(ft.ones(1, 1, 4), (2, 2))
    with pytest.raises(RuntimeError):
        F.max_pool2d(ft.ones(4, 4), 2)  # rank 2 is neither (C, H, W) nor (N, C, H, W)
