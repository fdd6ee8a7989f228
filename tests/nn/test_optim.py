"""fgrad_nn.optim against torch.optim 2.13: trajectories, param groups, state_dict, errors."""
import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad_nn as ft

STEPS = 20
unit = st.floats(0.05, 0.95)
small = st.floats(0.0, 0.2)
lrs = st.floats(1e-3, 0.2)


def hyper(name):
    """A strategy for torch-valid hyperparameters of optimizer ``name``."""
    betas = st.tuples(st.floats(0.5, 0.95), st.floats(0.6, 0.999))
    common = dict(lr=lrs, weight_decay=st.one_of(st.just(0.0), small), maximize=st.booleans())
    if name == "SGD":
        return st.one_of(
            st.fixed_dictionaries(dict(common, momentum=unit, nesterov=st.just(True))),
            st.fixed_dictionaries(dict(common, momentum=st.one_of(st.just(0.0), unit), dampening=small)))
    if name in ("Adam", "AdamW"):
        return st.fixed_dictionaries(dict(common, betas=betas, eps=st.sampled_from([1e-8, 1e-3]),
                                          amsgrad=st.booleans()))
    if name == "RMSprop":
        return st.fixed_dictionaries(dict(common, alpha=st.floats(0.5, 0.99), momentum=st.one_of(st.just(0.0), unit),
                                          centered=st.booleans(), eps=st.sampled_from([1e-8, 1e-2])))
    if name == "Adagrad":
        return st.fixed_dictionaries(dict(common, lr_decay=small, initial_accumulator_value=small))
    if name == "Adadelta":
        return st.fixed_dictionaries(dict(common, lr=st.floats(0.1, 1.0), rho=st.floats(0.5, 0.95)))
    if name == "Adamax":
        return st.fixed_dictionaries(dict(common, betas=betas))
    if name == "NAdam":
        return st.fixed_dictionaries(dict(common, betas=betas, momentum_decay=st.floats(0.0, 0.01),
                                          decoupled_weight_decay=st.booleans()))
    if name == "RAdam":
        return st.fixed_dictionaries(dict(common, betas=betas, decoupled_weight_decay=st.booleans()))
    raise AssertionError(name)


NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]
SHAPES = [(3, 4), (5,), ()]


def gradient(p):
    """A fixed, bounded, non-linear function of the parameters: the 'loss gradient'."""
    return np.sin(3.0 * p) + 0.3 * np.tanh(p) - 0.2


def initial(seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in SHAPES]


def groups(params, kw, split):
    """One group, or two groups where the second overrides lr (and the first keeps the defaults)."""
    if not split:
        return [{"params": params}]
    return [{"params": params[:1]}, {"params": params[1:], "lr": kw["lr"] * 0.5}]


def set_grads(ps, lib, step, skip):
    for i, p in enumerate(ps):
        if skip and i == 2 and step % 3 == 0:  # some steps leave a parameter without a gradient
            p.grad = None
        else:
            g = gradient(p.detach().numpy())
            p.grad = torch.tensor(g) if lib is torch else ft.tensor(g)


# Parameters start at O(1); one that passes near zero keeps an absolute error of the trajectory's
# scale (1e-10), so atol is 1e-10 too: a relative-only check would demand more precision than exists.
def assert_close(tps, fps, rtol=1e-10, atol=1e-10):
    for tp, fp in zip(tps, fps):
        np.testing.assert_allclose(fp.detach().numpy(), tp.detach().numpy(), rtol=rtol, atol=atol)


def run(name, kw, seed, split, skip, resume=False):
    p0 = initial(seed)
    tps = [torch.tensor(p.copy(), requires_grad=True) for p in p0]
    fps = [ft.tensor(p.copy(), requires_grad=True) for p in p0]
    topt = getattr(torch.optim, name)(groups(tps, kw, split), **kw)
    fopt = getattr(ft.optim, name)(groups(fps, kw, split), **kw)
    ids = [id(p) for p in fps]
    for step in range(STEPS):
        if resume and step == STEPS // 2:  # both sides reload (torch casts NAdam's mu_product on load)
            saved = copy.deepcopy(fopt.state_dict())
            fopt = getattr(ft.optim, name)(groups(fps, kw, split), **kw)
            fopt.load_state_dict(saved)
            tsaved = copy.deepcopy(topt.state_dict())
            topt = getattr(torch.optim, name)(groups(tps, kw, split), **kw)
            topt.load_state_dict(tsaved)
        set_grads(tps, torch, step, skip)
        set_grads(fps, ft, step, skip)
        topt.step()
        fopt.step()
        assert_close(tps, fps)
    assert [id(p) for p in fps] == ids and all(p.requires_grad and p.is_leaf for p in fps)
    return topt, fopt


def assert_same_state_dict(tsd, fsd):
    assert tsd["param_groups"] == fsd["param_groups"]
    assert tsd["state"].keys() == fsd["state"].keys()
    for k, tstate in tsd["state"].items():
        fstate = fsd["state"][k]
        assert tstate.keys() == fstate.keys()
        for key, tv in tstate.items():
            fv = fstate[key]
            assert str(fv.dtype) == str(tv.dtype), key
            np.testing.assert_allclose(fv.numpy(), tv.numpy(), rtol=1e-10, atol=1e-10)  # see assert_close


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=6)
@given(data=st.data())
def test_trajectory_matches_torch(name, data):
    kw = data.draw(hyper(name), label="hyperparameters")
    split, skip = data.draw(st.booleans(), label="two groups"), data.draw(st.booleans(), label="None grads")
    topt, fopt = run(name, kw, data.draw(st.integers(0, 2 ** 16)), split, skip)
    assert_same_state_dict(topt.state_dict(), fopt.state_dict())


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=3)
@given(data=st.data())
def test_state_dict_round_trip_mid_training(name, data):
    kw = data.draw(hyper(name), label="hyperparameters")
    run(name, kw, data.draw(st.integers(0, 2 ** 16)), split=True, skip=True, resume=True)


@pytest.mark.parametrize("name", NAMES)
def test_loads_torch_state_dict(name):
    """A state_dict saved by torch (after 5 steps) continues the same trajectory in fgrad_nn."""
    kw = {"lr": 0.05} if name != "Adadelta" else {}
    p0 = initial(1)
    tps = [torch.tensor(p.copy(), requires_grad=True) for p in p0]
    topt = getattr(torch.optim, name)(tps, **kw)
    for step in range(5):
        set_grads(tps, torch, step, False)
        topt.step()
    fps = [ft.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tps]
    fopt = getattr(ft.optim, name)(fps, **kw)
    saved = topt.state_dict()
    fopt.load_state_dict(saved)
    topt = getattr(torch.optim, name)(tps, **kw)
    topt.load_state_dict(saved)
    assert_same_state_dict(topt.state_dict(), fopt.state_dict())
    for step in range(5):
        set_grads(tps, torch, step, False)
        set_grads(fps, ft, step, False)
        topt.step()
        fopt.step()
    assert_close(tps, fps)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_float32(name):
    kw = {"lr": 0.05, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.05}
    p0 = [p.astype(np.float32) for p in initial(2)]
    tps = [torch.tensor(p.copy(), requires_grad=True) for p in p0]
    fps = [ft.tensor(p.copy(), requires_grad=True) for p in p0]
    topt, fopt = getattr(torch.optim, name)(tps, **kw), getattr(ft.optim, name)(fps, **kw)
    for step in range(STEPS):
        set_grads(tps, torch, step, False)
        set_grads(fps, ft, step, False)
        topt.step()
        fopt.step()
    for fp in fps:
        assert fp.dtype == ft.float32
    assert_close(tps, fps, rtol=1e-5, atol=1e-6)


def test_closure_zero_grad_and_backward_loop():
    """A real loop: closure under enable_grad, loss returned, grads reset to None."""
    def make(lib):
        w = lib.tensor([1.5, -0.5], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.5)

        def closure():
            opt.zero_grad()
            loss = ((w - 0.25) ** 2).sum()
            loss.backward()
            return loss
        return w, opt, closure

    (tw, topt, tc), (fw, fopt, fc) = make(torch), make(ft)
    with torch.no_grad(), ft.no_grad():
        for _ in range(5):
            np.testing.assert_allclose(float(fopt.step(fc)), float(topt.step(tc)), rtol=1e-6)
    np.testing.assert_allclose(fw.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    fopt.zero_grad()
    assert fw.grad is None
    fw.grad = ft.ones(2)
    fopt.zero_grad(set_to_none=False)
    assert fw.grad is not None and float(fw.grad.abs().sum()) == 0.0


def test_add_param_group_and_defaults():
    a, b = ft.zeros(2, requires_grad=True), ft.zeros(3, requires_grad=True)
    opt = ft.optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert opt.defaults["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        ft.optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        ft.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        ft.optim.SGD([a * 2], lr=0.1)
    assert ft.optim.AdamW([a]).defaults["weight_decay"] == 0.01


INVALID = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1.0)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.1)), ("AdamW", dict(betas=(0.9, 1.0))),
    ("RMSprop", dict(alpha=-0.1)), ("RMSprop", dict(momentum=-0.1)), ("RMSprop", dict(eps=-1e-8)),
    ("Adagrad", dict(lr_decay=-0.1)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(lr=-1.0)), ("Adamax", dict(betas=(0.9, 1.5))),
    ("NAdam", dict(momentum_decay=-1.0)), ("RAdam", dict(betas=(-0.1, 0.9))), ("RAdam", dict(eps=-1.0)),
]


@pytest.mark.parametrize("name,kw", INVALID)
def test_invalid_hyperparameters_raise_torchs_errors(name, kw):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as got:
        getattr(ft.optim, name)([ft.zeros(1, requires_grad=True)], **kw)
    assert str(got.value) == str(expected.value)


def test_repr_and_state_dict_format():
    p = ft.zeros(2, requires_grad=True)
    opt = ft.optim.SGD([p], lr=0.5, momentum=0.9)
    tp = torch.zeros(2, requires_grad=True)
    assert repr(opt) == repr(torch.optim.SGD([tp], lr=0.5, momentum=0.9))
    p.grad = ft.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert list(sd["state"]) == [0] and list(sd["state"][0]) == ["momentum_buffer"]
    assert sd["param_groups"][0]["params"] == [0]


@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "Adagrad"])
def test_device(name, device):
    """Parameters, gradients and state stay on the parameters' device; results equal the CPU run."""
    def run(dev):
        p = ft.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True, device=dev)
        opt = getattr(ft.optim, name)([p], lr=0.1)
        for _ in range(3):
            p.grad = ft.tensor(gradient(p.detach().cpu().numpy()), device=dev)
            ft.nn.utils.clip_grad_norm_([p], 1.0)
            opt.step()
        assert p.device.type == dev
        assert all(v.device.type == dev for k, v in opt.state[p].items() if k not in ("step", "mu_product"))
        return p.detach().cpu().numpy()
    np.testing.assert_allclose(run(device), run("cpu"), rtol=1e-12)


@pytest.mark.parametrize("name,group_kw,later", [
    ("SGD", dict(momentum=0.9, weight_decay=0.1), dict(lr=0.02, momentum=0.5, weight_decay=0.0)),
    ("Adam", dict(amsgrad=True, weight_decay=0.05), dict(lr=0.03, betas=(0.8, 0.99), weight_decay=0.0)),
    ("RMSprop", dict(momentum=0.5, centered=True), dict(lr=0.002, alpha=0.9)),
    ("NAdam", dict(weight_decay=0.1), dict(lr=0.01, momentum_decay=0.01)),
])
def test_group_hyperparameters_are_read_at_every_step(name, group_kw, later):
    """A group may differ from the defaults in kind (momentum, amsgrad), and any hyperparameter may be
    changed between steps without re-validation, as torch's schedulers do: the trajectories stay torch's."""
    def make(lib):
        ps = [lib.tensor(p, requires_grad=True) for p in initial(3)]
        opt = getattr(lib.optim, name)([{"params": ps[:1]}, {"params": ps[1:], **group_kw}], lr=0.05)
        return ps, opt

    (tps, topt), (fps, fopt) = make(torch), make(ft)
    for step in range(8):
        if step == 4:
            for opt in (topt, fopt):
                opt.param_groups[1].update(later)
                opt.param_groups[0]["lr"] = -0.01  # torch does not check values set after construction
        for ps, lib, opt in ((tps, torch, topt), (fps, ft, fopt)):
            set_grads(ps, lib, step, skip=False)
            opt.step()
        assert_close(tps, fps)
    assert sorted(fopt.state[fps[1]]) == sorted(topt.state[tps[1]])


@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1}, {"maximize": True, "weight_decay": 0.05},
                                {"momentum": 0.9}, {"momentum": 0.5, "dampening": 0.1, "weight_decay": 0.1},
                                {"momentum": 0.8, "nesterov": True, "maximize": True}])
def test_sgd_updates_the_parameter_storage_in_place(kw):
    """torch's step writes into the parameter (same storage, its views see the new value) and into its
    momentum buffer, in float32."""
    def run(lib):
        w = lib.tensor(np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        view = w.detach()[1]
        opt = lib.optim.SGD([w], lr=0.1, **kw)
        ptr, bufs = w.data_ptr(), set()
        for _ in range(3):
            opt.zero_grad()
            (w ** 3).sum().backward()
            opt.step()
            buf = opt.state[w].get("momentum_buffer") if w in opt.state else None
            bufs.add(None if buf is None else buf.data_ptr())
        return w, view, w.data_ptr() == ptr, len(bufs), buf

    (tw, tview, tsame, tn, tbuf), (fw, fview, fsame, fn, fbuf) = run(torch), run(ft)
    assert fsame and tsame
    assert fn == tn == 1  # one buffer (or none), written in place
    if tbuf is not None:
        want = tbuf.numpy()
        tol = 8 * np.finfo(np.float32).eps
        np.testing.assert_allclose(fbuf.numpy(), want, rtol=tol, atol=tol * np.abs(want).max())
    assert fw.dtype == ft.float32
    tol = 8 * np.finfo(np.float32).eps  # torch fuses lr into its add: a rounding apart, near 0 too
    want = tw.detach().numpy()
    np.testing.assert_allclose(fw.detach().numpy(), want, rtol=tol, atol=tol * np.abs(want).max())
    np.testing.assert_array_equal(fview.numpy(), fw.detach().numpy()[1])
    np.testing.assert_array_equal(tview.numpy(), tw.detach().numpy()[1])
