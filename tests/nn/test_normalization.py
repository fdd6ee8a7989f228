"""BatchNorm, InstanceNorm, LayerNorm, GroupNorm and their F functions against torch 2.13 (both faces)."""
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


def _x(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2.0 + 0.5).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10)
@given(momentum=st.sampled_from([0.1, 0.5, None]), affine=st.booleans(), track=st.booleans(), bias=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-3]), shape=st.sampled_from([(5, 3), (4, 3, 6), (2, 3, 1)]))
def test_batchnorm1d_train_steps_match_torch(dtype, momentum, affine, track, bias, eps, shape, device):
    kw = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track, bias=bias)
    tm = torch.nn.BatchNorm1d(3, dtype=TORCH_DT[dtype], **kw)
    fm = ft.nn.BatchNorm1d(3, dtype=FT_DT[dtype], **kw)
    x = _x(shape, dtype=dtype)
    compare_modules(tm, fm, [x], dtype=dtype, train=True, steps=3, device=device)  # running stats after 3 steps
    compare_modules(tm, fm, [x], dtype=dtype, train=False, steps=1, device=device)


@settings(max_examples=8)
@given(momentum=st.sampled_from([0.1, 0.3, None]), affine=st.booleans(), track=st.booleans(),
       n=st.integers(1, 3), h=st.integers(1, 4), w=st.integers(2, 4))
def test_batchnorm2d_train_and_eval_match_torch(momentum, affine, track, n, h, w, device):
    kw = dict(momentum=momentum, affine=affine, track_running_stats=track)
    tm, fm = torch.nn.BatchNorm2d(4, dtype=torch.float64, **kw), ft.nn.BatchNorm2d(4, dtype=ft.float64, **kw)
    x = _x((n, 4, h, w))
    compare_modules(tm, fm, [x], train=True, steps=3, device=device)
    compare_modules(tm, fm, [x], train=False, device=device)
    if track:
        assert int(fm.num_batches_tracked) == int(tm.num_batches_tracked) == 3
        assert fm.num_batches_tracked.dtype == ft.int64


def test_batchnorm_momentum_changed_after_construction(device):
    tm, fm = torch.nn.BatchNorm2d(2, dtype=torch.float64), ft.nn.BatchNorm2d(2, dtype=ft.float64)
    tm.momentum = fm.momentum = 0.7
    compare_modules(tm, fm, [_x((3, 2, 2, 2))], steps=2, device=device, check_pure=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_batch_norm_updates_running_stats_in_place(dtype, device):
    x = _x((6, 3, 4), dtype=dtype)
    stats = [np.zeros(3, dtype), np.ones(3, dtype)]
    rt, rf = [torch.tensor(s) for s in stats], [ft.tensor(s, device=device) for s in stats]
    w, b = _x((3,), 1, dtype), _x((3,), 2, dtype)
    xt, xf = torch.tensor(x, requires_grad=True), ft.tensor(x, device=device, requires_grad=True)
    for training in (True, True, False):
        yt = torch.nn.functional.batch_norm(xt, *rt, torch.tensor(w), torch.tensor(b), training, 0.2, 1e-4)
        yf = F.batch_norm(xf, *rf, ft.tensor(w, device=device), ft.tensor(b, device=device), training, 0.2, 1e-4)
        close(host(yf.detach()), yt.detach().numpy(), dtype, "batch_norm")
        for a, c in zip(rt, rf):
            close(host(c), a.numpy(), dtype, "running stat")
    (yt ** 2).sum().backward()
    (yf ** 2).sum().backward()
    close(host(xf.grad), xt.grad.numpy(), dtype, "grad")
    # the pure function leaves its arguments alone and returns the new statistics
    y, m, v = LF.batch_norm_stats(x, stats[0], stats[1], training=True, momentum=0.2)
    assert stats[0].sum() == 0 and m.shape == (3,) and v.shape == (3,)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=8)
@given(affine=st.booleans(), track=st.booleans(), unbatched=st.booleans())
def test_instancenorm2d_matches_torch(dtype, affine, track, unbatched, device):
    kw = dict(affine=affine, track_running_stats=track)
    tm = torch.nn.InstanceNorm2d(3, dtype=TORCH_DT[dtype], **kw)
    fm = ft.nn.InstanceNorm2d(3, dtype=FT_DT[dtype], **kw)
    x = _x((3, 4, 5) if unbatched else (2, 3, 4, 5), dtype=dtype)
    compare_modules(tm, fm, [x], dtype=dtype, train=True, steps=2, device=device)
    compare_modules(tm, fm, [x], dtype=dtype, train=False, device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=8)
@given(shape=st.sampled_from([(4, 5), (2, 3, 4), (2, 3, 2, 3)]), k=st.integers(1, 2), affine=st.booleans(),
       bias=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]))
def test_layernorm_matches_torch(dtype, shape, k, affine, bias, eps, device):
    ns = shape[-k:]
    kw = dict(eps=eps, elementwise_affine=affine, bias=bias)
    tm = torch.nn.LayerNorm(ns, dtype=TORCH_DT[dtype], **kw)
    fm = ft.nn.LayerNorm(ns, dtype=FT_DT[dtype], **kw)
    if affine:  # non-trivial affine parameters
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(_x(ns, 3)))
            if bias:
                tm.bias.copy_(torch.tensor(_x(ns, 4)))
    compare_modules(tm, fm, [_x(shape, dtype=dtype)], dtype=dtype, device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=8)
@given(groups=st.sampled_from([1, 2, 3, 6]), shape=st.sampled_from([(2, 6), (3, 6, 4), (2, 6, 3, 2)]),
       affine=st.booleans())
def test_groupnorm_matches_torch(dtype, groups, shape, affine, device):
    tm = torch.nn.GroupNorm(groups, 6, affine=affine, dtype=TORCH_DT[dtype])
    fm = ft.nn.GroupNorm(groups, 6, affine=affine, dtype=FT_DT[dtype])
    if affine:
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(_x((6,), 3)))
            tm.bias.copy_(torch.tensor(_x((6,), 4)))
    x = _x(shape, dtype=dtype)
    if shape == (2, 6) and groups == 6:
        x = _x((2, 6, 2), dtype=dtype)  # one element per group has zero variance: not a useful case
    compare_modules(tm, fm, [x], dtype=dtype, device=device)


def test_functional_norms_match_torch(device):
    x = _x((3, 4, 5))
    w, b = _x((4,), 1), _x((4,), 2)
    tF = torch.nn.functional
    for name, args, kw in [("layer_norm", ((4, 5),), dict(eps=1e-3)), ("group_norm", (2,), {}),
                           ("instance_norm", (), dict(use_input_stats=True))]:
        targs = [torch.tensor(x, requires_grad=True)] + list(args)
        fargs = [ft.tensor(x, device=device, requires_grad=True)] + list(args)
        if name == "layer_norm":
            tw, fw = torch.tensor(_x((4, 5), 1)), ft.tensor(_x((4, 5), 1), device=device)
            yt, yf = tF.layer_norm(*targs, tw, **kw), F.layer_norm(*fargs, fw, **kw)
        elif name == "group_norm":
            yt = tF.group_norm(*targs, torch.tensor(w), torch.tensor(b))
            yf = F.group_norm(*fargs, ft.tensor(w, device=device), ft.tensor(b, device=device))
        else:
            yt = tF.instance_norm(*targs, weight=torch.tensor(w), bias=torch.tensor(b))
            yf = F.instance_norm(*fargs, weight=ft.tensor(w, device=device), bias=ft.tensor(b, device=device))
        close(host(yf.detach()), yt.detach().numpy(), np.float64, name)
        (yt ** 3).sum().backward()
        (yf ** 3).sum().backward()
        close(host(fargs[0].grad), targs[0].grad.numpy(), np.float64, name + " grad")


def test_state_dict_keys_and_repr():
    cases = [(torch.nn.BatchNorm2d(3), ft.nn.BatchNorm2d(3)),
             (torch.nn.BatchNorm1d(3, affine=False), ft.nn.BatchNorm1d(3, affine=False)),
             (torch.nn.BatchNorm1d(3, track_running_stats=False), ft.nn.BatchNorm1d(3, track_running_stats=False)),
             (torch.nn.BatchNorm2d(3, bias=False), ft.nn.BatchNorm2d(3, bias=False)),
             (torch.nn.InstanceNorm2d(3), ft.nn.InstanceNorm2d(3)),
             (torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
              ft.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)),
             (torch.nn.LayerNorm((4, 5)), ft.nn.LayerNorm((4, 5))),
             (torch.nn.LayerNorm(4, bias=False), ft.nn.LayerNorm(4, bias=False)),
             (torch.nn.GroupNorm(2, 4), ft.nn.GroupNorm(2, 4)),
             (torch.nn.GroupNorm(2, 4, affine=False), ft.nn.GroupNorm(2, 4, affine=False))]
    for tm, fm in cases:
        assert repr(tm) == repr(fm)
        ts, fs = tm.state_dict(), fm.state_dict()
        assert list(ts) == list(fs)
        for k in ts:
            assert tuple(ts[k].shape) == tuple(fs[k].shape), k
            np.testing.assert_array_equal(host(fs[k]), ts[k].numpy())  # the initial values too
        assert [n for n, _ in tm.named_parameters()] == [n for n, _ in fm.named_parameters()]


def test_invalid_inputs_raise_torchs_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        ft.nn.BatchNorm1d(3)(ft.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        ft.nn.BatchNorm2d(3)(ft.ones(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        ft.nn.BatchNorm1d(3)(ft.ones(1, 3))
    ft.nn.BatchNorm1d(3).eval()(ft.ones(1, 3))  # fine in eval mode
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        ft.nn.BatchNorm1d(3)(ft.ones(2, 4))
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
        ft.nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible by num_groups"):
        F.group_norm(ft.ones(2, 4, 3), 3)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\]"):
        ft.nn.LayerNorm(3)(ft.ones(2, 4))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        ft.nn.InstanceNorm2d(3)(ft.ones(2, 3))
    with pytest.raises(ValueError, match="to match num_features"):
        ft.nn.InstanceNorm2d(3, affine=True)(ft.ones(2, 4, 3, 3))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ft.ones(2, 3), None, None)


def test_pure_batchnorm_under_grad():
    """fgrad.grad through the pure BatchNorm's train step; the new state carries no derivative."""
    bn = L.BatchNorm2d(3, dtype=np.float64)
    params, state = bn.init(fr.key(0))
    x = _x((4, 3, 2, 2))

    def loss(p, x):
        y, new_state = bn.apply(p, state, x, train=True)
        return (y ** 3).sum() + 0.0 * new_state["running_mean"].sum()

    gp, gx = fgrad.grad(loss, argnums=(0, 1))(params, x)
    tm = torch.nn.BatchNorm2d(3, dtype=torch.float64)
    xt = torch.tensor(x, requires_grad=True)
    (tm(xt) ** 3).sum().backward()
    close(gx, xt.grad.numpy(), np.float64, "dx")
    close(gp["weight"], tm.weight.grad.numpy(), np.float64, "dweight")
    _, new_state = bn.apply(params, state, x, train=True)
    close(new_state["running_var"], tm.running_var.numpy(), np.float64, "running_var")
    assert int(new_state["num_batches_tracked"]) == 1 and int(state["num_batches_tracked"]) == 0
