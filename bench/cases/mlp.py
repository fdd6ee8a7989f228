"""One training step of a 784-512-512-10 ReLU MLP: batch 128, softmax cross-entropy, SGD.

Every contestant computes ``loss = -mean(sum(Y * log_softmax(MLP(x)), axis=1))``
with one-hot labels ``Y``, its gradient w.r.t. every weight and bias, and the
update ``p <- p - LR * grad``. Six matrix products forward and about twice that
backward dominate, so this case measures how close the engine gets to the BLAS floor.
"""

from _harness import torch_sgd_step
TITLE = "MLP 784-512-512-10 training step: batch 128, ReLU, softmax cross-entropy, SGD"
VARIANTS = ("float32", "float64")
WARMUP, REPS = 10, 100
QUICK = (1, 3)
SIZES = (784, 512, 512, 10)
BATCH, LR = 128, 0.1
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def make_data(rng, dtype):
    data = {}
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        data[f"W{i}"] = (rng.standard_normal((n_in, n_out)) * (2.0 / n_in) ** 0.5).astype(dtype)
        data[f"b{i}"] = (0.01 * rng.standard_normal(n_out)).astype(dtype)
    data["x"] = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    labels = rng.integers(0, SIZES[-1], BATCH)
    data["y"] = (labels[:, None] == range(SIZES[-1])).astype(dtype)  # one-hot
    data["labels"] = labels
    return data


def _params(data):
    return {k: data[k] for k in NAMES}


def make_numpy(env):
    """Forward and backward by hand, updating in place: the floor."""
    xp = env.xp
    params, x, y = _params(env.data), env.data["x"], env.data["y"]
    W1, b1, W2, b2, W3, b3 = (params[k].copy() for k in NAMES)

    def step(state):
        z1 = x @ W1 + b1
        h1 = xp.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = xp.maximum(z2, 0)
        z3 = h2 @ W3 + b3
        z3 = z3 - z3.max(axis=1, keepdims=True)
        e = xp.exp(z3)
        s = e.sum(axis=1, keepdims=True)
        loss = -(y * (z3 - xp.log(s))).sum() / BATCH
        dz3 = (e / s - y) / BATCH
        dh2 = dz3 @ W3.T
        dz2 = dh2 * (z2 > 0)
        dh1 = dz2 @ W2.T
        dz1 = dh1 * (z1 > 0)
        for p, g in ((W3, h2.T @ dz3), (b3, dz3.sum(axis=0)), (W2, h1.T @ dz2), (b2, dz2.sum(axis=0)),
                     (W1, x.T @ dz1), (b1, dz1.sum(axis=0))):
            p -= LR * g
        return state, loss

    return None, step


def make_fgrad(env):
    import fgrad
    import fgrad.numpy as fnp
    from fgrad import nn
    from fgrad.tree_util import tree_map

    def loss_fn(params, x, y):
        h = nn.relu(x @ params["W1"] + params["b1"])
        h = nn.relu(h @ params["W2"] + params["b2"])
        logits = h @ params["W3"] + params["b3"]
        return -fnp.mean(fnp.sum(y * nn.log_softmax(logits, axis=-1), axis=-1))

    vg = fgrad.value_and_grad(loss_fn)
    x, y = env.data["x"], env.data["y"]

    def step(params):
        loss, grads = vg(params, x, y)
        return tree_map(lambda p, g: p - LR * g, params, grads), loss

    return _params(env.data), step


def make_fgrad_jit(env):
    """The ``fgrad`` step (value_and_grad and the update) under ``fgrad.jit``: staged once, then replayed."""
    import fgrad
    params, step = make_fgrad(env)
    return params, fgrad.jit(step)


def make_autograd(env):
    from _harness import require
    autograd = require("autograd")
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    def loss_fn(params, x, y):
        h = anp.maximum(anp.dot(x, params["W1"]) + params["b1"], 0.0)
        h = anp.maximum(anp.dot(h, params["W2"]) + params["b2"], 0.0)
        logits = anp.dot(h, params["W3"]) + params["b3"]
        logp = logits - logsumexp(logits, axis=-1, keepdims=True)
        return -anp.mean(anp.sum(y * logp, axis=-1))

    vg = autograd.value_and_grad(loss_fn)
    x, y = env.data["x"], env.data["y"]

    def step(params):
        loss, grads = vg(params, x, y)
        return {k: p - LR * grads[k] for k, p in params.items()}, loss

    return _params(env.data), step


def make_torch(env):
    from _harness import require
    torch = require("torch")
    import torch.nn.functional as F
    dev = "cuda" if env.device == "cuda" else "cpu"
    params = {k: torch.tensor(v, device=dev, requires_grad=True) for k, v in _params(env.data).items()}
    x = torch.tensor(env.data["x"], device=dev)
    labels = torch.tensor(env.data["labels"], device=dev)
    opt = torch.optim.SGD(params.values(), lr=LR)

    def step(state):
        h = F.relu(x @ params["W1"] + params["b1"])
        h = F.relu(h @ params["W2"] + params["b2"])
        loss = F.cross_entropy(h @ params["W3"] + params["b3"], labels)  # = mean -sum(Y * log_softmax)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return state, loss.detach()

    return None, step


def _facade(env, compiled):
    """The torch step on ``import fgrad_nn as torch`` with nn.Linear layers (weights stored (out, in)),
    the model under ``torch.compile`` when ``compiled``."""
    import fgrad_nn as torch
    import fgrad_nn.nn.functional as F
    nn, dev = torch.nn, "cuda" if env.device == "cuda" else "cpu"
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(), nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
                          nn.Linear(SIZES[2], SIZES[3]))
    model.to(device=dev, dtype=getattr(torch, env.dtype.name))
    state = {}
    for i in range(3):  # layers 0, 2, 4 of the Sequential
        state[f"{2 * i}.weight"] = torch.tensor(env.data[f"W{i + 1}"].T.copy())
        state[f"{2 * i}.bias"] = torch.tensor(env.data[f"b{i + 1}"])
    model.load_state_dict(state)
    x, labels = torch.tensor(env.data["x"], device=dev), torch.tensor(env.data["labels"], device=dev)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    if compiled:
        model = torch.compile(model)

    step = torch_sgd_step(opt, lambda: F.cross_entropy(model(x), labels))

    return None, step


def make_facade(env):
    return _facade(env, compiled=False)


def make_facade_compiled(env):
    """The facade's step with the model under ``fgrad_nn.compile``: staged forward and backward programs."""
    return _facade(env, compiled=True)


def make_jax(env):
    """The same loss in jax.numpy, ``jax.jit`` of the whole step (value_and_grad and the update), CPU."""
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp

    def loss_fn(params, x, y):
        h = jax.nn.relu(x @ params["W1"] + params["b1"])
        h = jax.nn.relu(h @ params["W2"] + params["b2"])
        logits = h @ params["W3"] + params["b3"]
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits, axis=-1), axis=-1))

    vg = jax.value_and_grad(loss_fn)
    x, y = jnp.asarray(env.data["x"]), jnp.asarray(env.data["y"])

    @jax.jit
    def step(params):
        loss, grads = vg(params, x, y)
        return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), loss

    return {k: jnp.asarray(v) for k, v in _params(env.data).items()}, step


CONTESTANTS = {"numpy": make_numpy, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "autograd": make_autograd, "torch": make_torch,
               "jax": make_jax}
