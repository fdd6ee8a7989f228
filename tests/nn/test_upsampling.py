"""Upsample / F.interpolate, PixelShuffle, F.pad and the padding layers against torch 2.13 (both faces)."""
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
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@settings(max_examples=12)
@given(mode=st.sampled_from(["nearest", "bilinear", "bicubic", "nearest-exact", "area"]),
       align=st.sampled_from([None, False, True]), by_size=st.booleans(), h=st.integers(2, 5), w=st.integers(2, 5),
       a=st.sampled_from([0.5, 1.5, 2.0, 3.0]), b=st.integers(1, 8))
def test_upsample_2d_matches_torch(mode, align, by_size, h, w, a, b, device):
    if mode in ("nearest", "nearest-exact", "area"):
        align = None
    kw = dict(size=(b, int(a * w) or 1)) if by_size else dict(scale_factor=(a, 2.0))
    compare_modules(torch.nn.Upsample(mode=mode, align_corners=align, **kw),
                    ft.nn.Upsample(mode=mode, align_corners=align, **kw), [_x((2, 3, h, w))], device=device)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_1d_3d_and_aliases(dtype, device):
    tF = torch.nn.functional
    cases = [((2, 3, 5), dict(scale_factor=2.5, mode="linear", align_corners=False)),
             ((2, 3, 5), dict(size=3, mode="linear", align_corners=True)),
             ((2, 3, 5), dict(size=9, mode="nearest")),
             ((1, 2, 3, 4, 2), dict(scale_factor=2, mode="trilinear")),
             ((1, 2, 3, 4, 2), dict(size=(2, 5, 3), mode="nearest"))]
    for shape, kw in cases:
        x = _x(shape, dtype=dtype)
        xt, xf = torch.tensor(x, requires_grad=True), ft.tensor(x, device=device, requires_grad=True)
        yt, yf = tF.interpolate(xt, **kw), F.interpolate(xf, **kw)
        close(host(yf.detach()), yt.detach().numpy(), dtype, str(kw))
        (yt ** 2).sum().backward()
        (yf ** 2).sum().backward()
        close(host(xf.grad), xt.grad.numpy(), dtype, f"{kw} grad")
        close(LF.interpolate(x, **kw), yt.detach().numpy(), dtype, f"{kw} pure")
    x = _x((1, 2, 3, 4), dtype=dtype)
    close(host(F.upsample_bilinear(ft.tensor(x), scale_factor=2)),
          tF.interpolate(torch.tensor(x), scale_factor=2, mode="bilinear", align_corners=True).numpy(), dtype)
    close(host(F.upsample_nearest(ft.tensor(x), size=(5, 7))), tF.interpolate(torch.tensor(x), size=(5, 7)).numpy(),
          dtype)
    compare_modules(torch.nn.UpsamplingBilinear2d(scale_factor=2), ft.nn.UpsamplingBilinear2d(scale_factor=2),
                    [x.astype(np.float64)], device=device)
    compare_modules(torch.nn.UpsamplingNearest2d(size=(4, 6)), ft.nn.UpsamplingNearest2d(size=(4, 6)),
                    [x.astype(np.float64)], device=device)


def test_pixel_shuffle_matches_torch(device):
    compare_modules(torch.nn.PixelShuffle(2), ft.nn.PixelShuffle(2), [_x((2, 8, 3, 2))], device=device)
    compare_modules(torch.nn.PixelUnshuffle(2), ft.nn.PixelUnshuffle(2), [_x((2, 3, 4, 6))], device=device)


@settings(max_examples=15)
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]), k=st.integers(1, 3),
       data=st.data())
def test_pad_matches_torch(mode, k, data, device):
    nd = data.draw(st.sampled_from([k + 1, k + 2])) if mode != "constant" else data.draw(st.integers(k, 4))
    shape = tuple(data.draw(st.integers(1, 4)) for _ in range(nd))
    pads = []
    for axis in range(k):
        n = shape[nd - 1 - axis]
        hi = n - 1 if mode == "reflect" else n
        lo = -n if mode == "constant" else 0
        pads += [data.draw(st.integers(lo, min(hi, 3))), data.draw(st.integers(lo, min(hi, 3)))]
    if mode == "constant":  # a negative pad crops; keep the result non-empty
        for i in range(k):
            n = shape[nd - 1 - i]
            if n + pads[2 * i] + pads[2 * i + 1] < 1:
                pads[2 * i], pads[2 * i + 1] = 0, 1
    value = data.draw(st.sampled_from([None, 0.0, 2.5])) if mode == "constant" else None
    x = _x(shape)
    xt, xf = torch.tensor(x, requires_grad=True), ft.tensor(x, device=device, requires_grad=True)
    yt = torch.nn.functional.pad(xt, pads, mode=mode, value=value)
    yf = F.pad(xf, pads, mode=mode, value=value)
    close(host(yf.detach()), yt.detach().numpy(), np.float64, f"pad {pads} {mode}")
    w = _x(tuple(yt.shape), 1)
    (yt * torch.tensor(w)).sum().backward()
    (yf * ft.tensor(w, device=device)).sum().backward()
    close(host(xf.grad), xt.grad.numpy(), np.float64, "pad grad")


def test_padding_modules_match_torch(device):
    x = _x((2, 3, 4, 5))
    for name, args in [("ZeroPad2d", ((1, 2, 0, 3),)), ("ConstantPad2d", (2, -1.5)), ("ConstantPad1d", ((1, 2), 3.0)),
                       ("ReflectionPad2d", (2,)), ("ReplicationPad2d", ((1, 0, 2, 3),)), ("CircularPad2d", (1,)),
                       ("ReflectionPad1d", ((3, 1),)), ("ReplicationPad1d", (2,)), ("CircularPad1d", ((2, 0),)),
                       ("ZeroPad1d", (2,))]:
        tm, fm = getattr(torch.nn, name)(*args), getattr(ft.nn, name)(*args)
        assert repr(tm) == repr(fm)
        assert tm.padding == fm.padding
        compare_modules(tm, fm, [x if name.endswith("2d") else x[0]], device=device)
    x3 = _x((1, 2, 3, 3, 4))
    for name in ("ReflectionPad3d", "ReplicationPad3d", "CircularPad3d", "ZeroPad3d"):
        compare_modules(getattr(torch.nn, name)(2), getattr(ft.nn, name)(2), [x3], device=device)


def test_repr():
    for args in [dict(scale_factor=2), dict(size=(3, 4), mode="bilinear"), dict(scale_factor=(2, 3), mode="bicubic")]:
        assert repr(torch.nn.Upsample(**args)) == repr(ft.nn.Upsample(**args))


def test_invalid_arguments_raise_torchs_errors():
    x = ft.ones(1, 2, 3)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(ft.ones(2, 3), (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input"):
        F.pad(ft.ones(3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (4, 4), mode="circular")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match="doesn't take in value argument"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        ft.nn.Upsample(scale_factor=2, mode="bilinear")(x)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=4, align_corners=True)
