"""Pure optimizers (fgrad.optim) follow torch.optim's trajectories; chains and clipping."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
from fgrad import optim as optax_like
from test_optim import NAMES, STEPS, gradient, hyper, initial

PURE = {"SGD": optax_like.sgd, "Adam": optax_like.adam, "AdamW": optax_like.adamw, "RMSprop": optax_like.rmsprop,
        "Adagrad": optax_like.adagrad, "Adadelta": optax_like.adadelta, "Adamax": optax_like.adamax,
        "NAdam": optax_like.nadam, "RAdam": optax_like.radam}


OPS_PER_STEP = 16  # roundings one optimizer step makes per element, generously (RMSprop centered: ~12)


def _torch_trajectory(name, kw, p0, nudge=0.0):
    """torch's parameters after each step; ``nudge`` > 0: every step's gradient and result moved by that
    many epsilons (random signs), as roundings move them."""
    rng = np.random.default_rng(0)
    eps = np.finfo(np.float64).eps

    def moved(a):
        return a * (1 + nudge * eps * rng.choice([-1.0, 1.0], np.shape(a))) if nudge else a

    tps = [torch.tensor(p.copy(), requires_grad=True) for p in p0]
    topt = getattr(torch.optim, name)(tps, **kw)
    out = []
    for _ in range(STEPS):
        for tp in tps:
            tp.grad = torch.tensor(moved(gradient(tp.detach().numpy())))
        topt.step()
        with torch.no_grad():
            for tp in tps:
                tp.copy_(torch.tensor(moved(tp.numpy())))
        out.append([tp.detach().numpy().copy() for tp in tps])
    return out


def _trajectory_tolerance(name, kw, p0, want):
    """How far two correct float64 implementations may drift apart, per step and tensor: OPS_PER_STEP
    roundings a step, each to the dtype's epsilon, of the parameters and of the step (``lr``) scale, and
    carried along as the trajectory carries an error -- measured: torch's trajectory with every step's
    gradient and result moved by ``nudge`` epsilons, per epsilon. (A centered RMSprop whose variance
    estimate nearly cancels amplifies an error ~10x a step.)"""
    eps = np.finfo(np.float64).eps
    nudge = 2.0 ** 20  # in epsilons: well above rounding, well inside the linear response
    moved = _torch_trajectory(name, kw, p0, nudge)
    tols = []
    for step, (w, m) in enumerate(zip(want, moved), 1):
        # random moves add up like a random walk, sqrt(step); a systematic difference adds up linearly
        tols.append([OPS_PER_STEP * (np.sqrt(step) * np.max(np.abs(a - b), initial=0.0) / nudge
                                     + step * eps * (np.max(np.abs(a), initial=0.0) + kw["lr"]))
                     for a, b in zip(w, m)])
    return tols


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=6)
@given(data=st.data())
def test_pure_trajectory_matches_torch(name, data):
    kw = data.draw(hyper(name), label="hyperparameters")
    p0 = initial(data.draw(st.integers(0, 2 ** 16)))
    want = _torch_trajectory(name, kw, p0)
    tols = _trajectory_tolerance(name, kw, p0, want)
    opt = PURE[name](**kw)
    params = {"a": p0[0], "b": [p0[1], p0[2]]}  # any pytree
    state = opt.init(params)
    for step in range(STEPS):
        grads = fgrad.tree_util.tree_map(gradient, params)
        updates, state = opt.update(grads, state, params)
        params = optax_like.apply_updates(params, updates)
        for got, w, tol in zip([params["a"], *params["b"]], want[step], tols[step]):
            np.testing.assert_allclose(got, w, rtol=0, atol=tol, err_msg=f"step {step}")


def test_with_fgrad_grad_and_a_schedule():
    """fgrad.grad of a loss over a dict of params, an lr schedule, and clipping in a chain."""
    def loss(p):
        return ((p["w"] - 3.0) ** 2).sum() + (p["b"] ** 2).sum()

    params = {"w": np.array([0.0, 1.0]), "b": np.array(2.0)}
    opt = optax_like.chain(optax_like.clip_by_global_norm(10.0),
                           optax_like.scale_by_adam(),
                           optax_like.scale_by_learning_rate(lambda count: 0.1 * 0.99 ** count))
    state = opt.init(params)
    for _ in range(300):
        updates, state = opt.update(fgrad.grad(loss)(params), state, params)
        params = optax_like.apply_updates(params, updates)
    assert loss(params) < 1e-3
    assert int(state[2].count) == 300


def test_schedule_equals_torch_steplr():
    """A schedule lr reproduces SGD + StepLR."""
    p0 = np.array([1.0, -2.0])
    tp = torch.tensor(p0.copy(), requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    opt = optax_like.sgd(lr=lambda count: 0.1 * 0.5 ** (count // 3), momentum=0.9)
    params, state = p0, opt.init(p0)
    for _ in range(10):
        tp.grad = torch.tensor(gradient(tp.detach().numpy()))
        topt.step()
        sched.step()
        updates, state = opt.update(gradient(params), state, params)
        params = optax_like.apply_updates(params, updates)
    np.testing.assert_allclose(params, tp.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_by_global_norm_is_torchs(norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    tps = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for tp, g in zip(tps, grads):
        tp.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(tps, 0.5, norm_type=norm_type)
    np.testing.assert_allclose(optax_like.global_norm(grads, norm_type), total.numpy(), rtol=1e-13)
    clipped, _ = optax_like.clip_by_global_norm(0.5, norm_type).update(grads, optax_like.EmptyState())
    for c, tp in zip(clipped, tps):
        np.testing.assert_allclose(c, tp.grad.numpy(), rtol=1e-13)


def test_float32_is_kept():
    p = {"w": np.ones(3, np.float32)}
    opt = optax_like.adam(lr=0.1, weight_decay=0.1)
    state = opt.init(p)
    updates, state = opt.update({"w": np.full(3, 0.5, np.float32)}, state, p)
    assert updates["w"].dtype == np.float32 and state[1].exp_avg["w"].dtype == np.float32
    assert optax_like.apply_updates(p, updates)["w"].dtype == np.float32


def test_pure_update_is_differentiable():
    """The update rule is fgrad code: its derivative w.r.t. the gradient exists (meta-learning)."""
    opt = optax_like.sgd(lr=0.5, momentum=0.9, weight_decay=0.1)
    p = np.array([1.0, 2.0])

    def after_two_steps(g):
        state = opt.init(p)
        u, state = opt.update(g, state, p)
        q = optax_like.apply_updates(p, u)
        u, state = opt.update(g, state, q)
        return optax_like.apply_updates(q, u).sum()

    d = fgrad.grad(after_two_steps)(np.array([0.3, -0.1]))
    eps = 1e-6
    fd = [(after_two_steps(np.array([0.3, -0.1]) + eps * e) - after_two_steps(np.array([0.3, -0.1]) - eps * e))
          / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(d, fd, rtol=1e-6)


def test_invalid_pure_hyperparameters():
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        optax_like.adam(lr=-0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optax_like.sgd(lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="needs the params"):
        optax_like.add_decayed_weights(0.1).update(np.ones(2), optax_like.EmptyState())


def test_training_doc_runs():
    """Every python block of docs/training.md runs (both faces train: their asserts hold)."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "training.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, "docs/training.md", "exec"), {})
