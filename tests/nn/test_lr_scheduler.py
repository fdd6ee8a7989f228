"""fgrad_nn.optim.lr_scheduler gives torch's learning-rate sequences (exactly)."""
import warnings

import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad_nn as ft

EPOCHS = 25
steps = st.integers(1, 8)
gammas = st.floats(0.1, 0.99)


def optimizers(lib, lrs, kind="SGD"):
    groups = [{"params": [lib.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=lrs[0])
    return lib.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def factories(draw):
    """(name, kwargs-builder) for a scheduler with drawn arguments."""
    name = draw(st.sampled_from(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                 "CosineAnnealingWarmRestarts", "LambdaLR", "LinearLR", "OneCycleLR", "ConstantLR",
                                 "PolynomialLR", "MultiplicativeLR"]))
    if name == "StepLR":
        kw = dict(step_size=draw(steps), gamma=draw(gammas))
    elif name == "MultiStepLR":
        kw = dict(milestones=draw(st.lists(st.integers(1, EPOCHS), max_size=4)), gamma=draw(gammas))
    elif name == "ExponentialLR":
        kw = dict(gamma=draw(gammas))
    elif name == "CosineAnnealingLR":
        kw = dict(T_max=draw(st.integers(1, 12)), eta_min=draw(st.sampled_from([0.0, 1e-3])))
    elif name == "CosineAnnealingWarmRestarts":
        kw = dict(T_0=draw(st.integers(1, 6)), T_mult=draw(st.integers(1, 3)), eta_min=draw(st.sampled_from([0.0, 1e-3])))
    elif name == "LambdaLR":
        k = draw(st.floats(0.5, 0.99))
        kw = dict(lr_lambda=lambda epoch: k ** epoch / (1 + epoch % 3))
    elif name == "MultiplicativeLR":
        k = draw(st.floats(0.5, 1.0))
        kw = dict(lr_lambda=lambda epoch: k)
    elif name == "LinearLR":
        kw = dict(start_factor=draw(st.floats(0.1, 1.0)), end_factor=draw(st.floats(0.0, 1.0)),
                  total_iters=draw(steps))
    elif name == "ConstantLR":
        kw = dict(factor=draw(st.floats(0.1, 1.0)), total_iters=draw(steps))
    elif name == "PolynomialLR":
        kw = dict(total_iters=draw(steps), power=draw(st.floats(0.5, 3.0)))
    else:
        kw = dict(max_lr=draw(st.floats(0.1, 1.0)), total_steps=EPOCHS + 1, pct_start=draw(st.floats(0.1, 0.9)),
                  anneal_strategy=draw(st.sampled_from(["cos", "linear"])), three_phase=draw(st.booleans()))
    return name, kw


def sequence(lib, name, kw, lrs, kind="SGD", n=EPOCHS):
    opt = optimizers(lib, lrs, kind)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    out = [list(sched.get_last_lr())]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()) + [opt.param_groups[0].get("momentum", opt.param_groups[0].get("betas"))])
    return out, sched


@settings(max_examples=60)
@given(data=st.data())
def test_sequences_match_torch(data):
    name, kw = factories(data.draw)
    lrs = data.draw(st.lists(st.floats(1e-3, 1.0), min_size=1, max_size=2), label="group lrs")
    kind = data.draw(st.sampled_from(["SGD", "Adam"]))
    expected, _ = sequence(torch, name, kw, lrs, kind)
    got, _ = sequence(ft, name, kw, lrs, kind)
    assert got == expected


@settings(max_examples=15)
@given(data=st.data())
def test_state_dict_resume(data):
    """Save after k steps, load into a fresh scheduler (on a reloaded optimizer), continue: same lrs."""
    name, kw = factories(data.draw)
    k = data.draw(st.integers(1, EPOCHS - 1))
    expected, _ = sequence(ft, name, kw, [0.1])
    opt = optimizers(ft, [0.1])
    sched = getattr(ft.optim.lr_scheduler, name)(opt, **kw)
    for _ in range(k):
        opt.step()
        sched.step()
    sd, osd = sched.state_dict(), opt.state_dict()
    opt2 = optimizers(ft, [0.1])
    sched2 = getattr(ft.optim.lr_scheduler, name)(opt2, **kw)
    opt2.load_state_dict(osd)
    sched2.load_state_dict(sd)
    for i in range(k, EPOCHS):
        opt2.step()
        sched2.step()
        assert sched2.get_last_lr() == expected[i + 1][:1]


@settings(max_examples=20)
@given(milestone=st.integers(1, 10), gamma=gammas, t_max=st.integers(1, 10))
def test_sequential_and_chained(milestone, gamma, t_max):
    def run(lib, chained):
        opt = optimizers(lib, [0.5])
        s = lib.optim.lr_scheduler
        a = s.LinearLR(opt, start_factor=0.25, total_iters=milestone)
        b = s.ExponentialLR(opt, gamma=gamma) if chained else s.CosineAnnealingLR(opt, T_max=t_max)
        sched = s.ChainedScheduler([a, b]) if chained else s.SequentialLR(opt, [a, b], milestones=[milestone])
        out = [sched.get_last_lr()]
        for _ in range(EPOCHS):
            opt.step()
            sched.step()
            out.append(sched.get_last_lr())
        return out

    for chained in (False, True):
        assert run(ft, chained) == run(torch, chained)


@settings(max_examples=20)
@given(mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2), factor=st.floats(0.1, 0.9),
       metrics=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=25))
def test_reduce_lr_on_plateau(mode, threshold_mode, patience, cooldown, factor, metrics):
    def run(lib):
        opt = optimizers(lib, [0.5, 0.1])
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=factor, patience=patience,
                                                         cooldown=cooldown, threshold_mode=threshold_mode,
                                                         min_lr=[0.0, 0.01])
        out = []
        for m in metrics:
            opt.step()
            sched.step(m)
            out.append((sched.get_last_lr(), sched.num_bad_epochs, sched.best))
        return out
    assert run(ft) == run(torch)


@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=3, gamma=0.5)),
                                     ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5)),
                                     ("ExponentialLR", dict(gamma=0.9)),
                                     ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
                                     ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2))])
def test_step_with_epoch_uses_the_closed_form(name, kw):
    def run(lib):
        opt = optimizers(lib, [0.5])
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 1, 8, 2, 11]:
                opt.step()
                sched.step(epoch)
                out.append(sched.get_last_lr())
        return out
    assert run(ft) == run(torch)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = optimizers(ft, [0.1])
    sched = ft.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


@pytest.mark.parametrize("name,kw", [("LinearLR", dict(start_factor=0.0)), ("LinearLR", dict(end_factor=2.0)),
                                     ("ConstantLR", dict(factor=2.0)), ("CosineAnnealingWarmRestarts", dict(T_0=0)),
                                     ("CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=0)),
                                     ("OneCycleLR", dict(max_lr=1.0)), ("OneCycleLR", dict(max_lr=1.0, total_steps=5,
                                                                                           pct_start=2.0)),
                                     ("ReduceLROnPlateau", dict(factor=1.5)),
                                     ("ReduceLROnPlateau", dict(mode="median"))])
def test_invalid_arguments_raise_torchs_errors(name, kw):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim.lr_scheduler, name)(optimizers(torch, [0.1]), **kw)
    with pytest.raises(ValueError) as got:
        getattr(ft.optim.lr_scheduler, name)(optimizers(ft, [0.1]), **kw)
    assert str(got.value) == str(expected.value)
