"""Per-example gradients of a 64-256-256-10 ReLU MLP's softmax cross-entropy: batch 128, float32.

Each per-example contestant computes the 128 per-example losses and gradients (one gradient pytree
per example: ``(128,) + shape`` for every weight and bias), then takes an SGD step with their mean;
the step's loss is the mean of the per-example losses. That mean gradient is the gradient of the
mean loss, so the ordinary batched step (``batched``: ``fgrad.value_and_grad`` of the mean loss,
no per-example gradients) computes the same losses: it is the reference, the time of a training
step without per-example gradients, and the probe losses of every contestant must agree with it.
The per-example gradients themselves are checked against JAX in ``tests/test_vmap_jax.py``.

- ``numpy``: hand-written forward and backward over the batch, per-example weight gradients as
  outer products (``x[:, :, None] * dz[:, None, :]``): the floor for per-example gradients
- ``fgrad``: ``fgrad.vmap(fgrad.value_and_grad(loss), in_axes=(None, 0, 0))``
- ``fgrad_jit``: the ``fgrad`` step (per-example gradients and the update) under ``fgrad.jit``
- ``loop``: a Python loop of ``fgrad.value_and_grad(loss)`` over the 128 examples, stacked
- ``facade``: ``fgrad_nn.func.vmap(fgrad_nn.func.grad_and_value(loss), in_dims=(None, 0, 0))``, the
  torch contestant's code on ``import fgrad_nn as torch``; ``facade_compiled``: that per-example
  function under ``fgrad_nn.compile``
- ``jax``: ``jax.vmap(jax.value_and_grad(loss), in_axes=(None, 0, 0))``, no jit (op-by-op dispatch)
- ``jax_jit``: the ``jax`` step under ``jax.jit``
- ``torch``: ``torch.func.vmap(torch.func.grad_and_value(loss), in_dims=(None, 0, 0))``, CPU
"""
import importlib

TITLE = "per-example gradients, MLP 64-256-256-10 ReLU softmax cross-entropy, batch 128, + SGD with their mean"
VARIANTS = ("float32",)
WARMUP, REPS = 3, 30
QUICK = (1, 2)
SIZES = (64, 256, 256, 10)
BATCH, LR = 128, 0.1
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")

ORDER = ("numpy", "batched", "fgrad", "fgrad_jit", "loop", "facade", "facade_compiled", "jax", "jax_jit", "torch")
REFERENCE = "batched"
LABELS = {"numpy": "NumPy (hand-written per-example)", "batched": "fgrad batched step",
          "fgrad": "fgrad vmap(grad)",
          "fgrad_jit": "fgrad vmap(grad), jit",
          "loop": "fgrad loop of grad",
          "facade": "fgrad_nn.func vmap(grad)",
          "facade_compiled": "fgrad_nn.func vmap(grad), compiled",
          "jax": "JAX vmap(grad), no jit",
          "jax_jit": "JAX vmap(grad), jit",
          "torch": "torch.func vmap(grad)"}


def make_data(rng, dtype):
    data = {}
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        data[f"W{i}"] = (rng.standard_normal((n_in, n_out)) * (2.0 / n_in) ** 0.5).astype(dtype)
        data[f"b{i}"] = (0.01 * rng.standard_normal(n_out)).astype(dtype)
    data["x"] = rng.standard_normal((BATCH, SIZES[0])).astype(dtype)
    labels = rng.integers(0, SIZES[-1], BATCH)
    data["y"] = (labels[:, None] == range(SIZES[-1])).astype(dtype)  # one-hot
    return data


def _params(data):
    return {k: data[k] for k in NAMES}


def _fgrad_loss():
    import fgrad.numpy as fnp
    from fgrad import nn

    def loss(params, x, y):  # one example: x (64,), y (10,) one-hot
        h = nn.relu(x @ params["W1"] + params["b1"])
        h = nn.relu(h @ params["W2"] + params["b2"])
        logits = h @ params["W3"] + params["b3"]
        return -fnp.sum(y * nn.log_softmax(logits, axis=-1), axis=-1)  # also works on a batch
    return loss


def _sgd_with_mean(params, grads):
    return {k: p - LR * grads[k].mean(axis=0) for k, p in params.items()}


def make_numpy(env):
    """Hand-written: forward and backward on the whole batch, then each example's weight gradients
    as outer products (the memory-bound part every contestant pays) -- the floor."""
    xp = env.xp
    x, y = env.data["x"], env.data["y"]

    def step(params):
        W1, b1, W2, b2, W3, b3 = (params[k] for k in NAMES)
        z1 = x @ W1 + b1
        h1 = xp.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = xp.maximum(z2, 0)
        z3 = h2 @ W3 + b3
        z3 = z3 - z3.max(axis=1, keepdims=True)
        e = xp.exp(z3)
        s = e.sum(axis=1, keepdims=True)
        losses = -(y * (z3 - xp.log(s))).sum(axis=1)
        dz3 = e / s - y  # one example's loss: no 1/BATCH
        dz2 = (dz3 @ W3.T) * (z2 > 0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        grads = {"W1": x[:, :, None] * dz1[:, None, :], "b1": dz1, "W2": h1[:, :, None] * dz2[:, None, :],
                 "b2": dz2, "W3": h2[:, :, None] * dz3[:, None, :], "b3": dz3}
        return _sgd_with_mean(params, grads), losses.mean()

    return _params(env.data), step


def make_batched(env):
    import fgrad
    import fgrad.numpy as fnp
    loss = _fgrad_loss()
    vg = fgrad.value_and_grad(lambda p, x, y: fnp.mean(loss(p, x, y)))
    x, y = env.data["x"], env.data["y"]

    def step(params):
        value, grads = vg(params, x, y)
        return {k: p - LR * grads[k] for k, p in params.items()}, value

    return _params(env.data), step


def make_fgrad(env):
    import fgrad
    per_example = fgrad.vmap(fgrad.value_and_grad(_fgrad_loss()), in_axes=(None, 0, 0))
    x, y = env.data["x"], env.data["y"]

    def step(params):
        losses, grads = per_example(params, x, y)
        return _sgd_with_mean(params, grads), losses.mean()

    return _params(env.data), step


def make_fgrad_jit(env):
    import fgrad
    params, step = make_fgrad(env)
    return params, fgrad.jit(step)


def make_loop(env):
    import fgrad
    vg = fgrad.value_and_grad(_fgrad_loss())
    xp = env.xp
    x, y = env.data["x"], env.data["y"]

    def step(params):
        outs = [vg(params, x[i], y[i]) for i in range(BATCH)]
        losses = xp.stack([o[0] for o in outs])
        grads = {k: xp.stack([o[1][k] for o in outs]) for k in NAMES}
        return _sgd_with_mean(params, grads), losses.mean()

    return _params(env.data), step


def make_jax(env, jit=False):
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp

    def loss(params, x, y):
        h = jax.nn.relu(x @ params["W1"] + params["b1"])
        h = jax.nn.relu(h @ params["W2"] + params["b2"])
        logits = h @ params["W3"] + params["b3"]
        return -jnp.sum(y * jax.nn.log_softmax(logits, axis=-1), axis=-1)

    per_example = jax.vmap(jax.value_and_grad(loss), in_axes=(None, 0, 0))
    x, y = jnp.asarray(env.data["x"]), jnp.asarray(env.data["y"])

    def step(params):
        losses, grads = per_example(params, x, y)
        return _sgd_with_mean(params, grads), losses.mean()

    return {k: jnp.asarray(v) for k, v in _params(env.data).items()}, jax.jit(step) if jit else step


def make_jax_jit(env):
    return make_jax(env, jit=True)


def _torch_like(torch, env, compiled=False):
    """torch.func's per-example gradients, for ``torch`` or ``fgrad_nn`` (imported as torch); ``compiled``:
    the per-example function under ``torch.compile``."""
    func = importlib.import_module(torch.__name__ + ".func")
    F = torch.nn.functional
    dev = "cuda" if env.device == "cuda" else "cpu"
    params = {k: torch.tensor(v, device=dev) for k, v in _params(env.data).items()}
    x, y = torch.tensor(env.data["x"], device=dev), torch.tensor(env.data["y"], device=dev)

    def loss(params, x, y):
        h = F.relu(x @ params["W1"] + params["b1"])
        h = F.relu(h @ params["W2"] + params["b2"])
        logits = h @ params["W3"] + params["b3"]
        return -(y * F.log_softmax(logits, dim=-1)).sum(-1)

    per_example = func.vmap(func.grad_and_value(loss), in_dims=(None, 0, 0))
    if compiled:
        per_example = torch.compile(per_example)

    def step(params):
        grads, losses = per_example(params, x, y)
        with torch.no_grad():
            params = {k: p - LR * grads[k].mean(0) for k, p in params.items()}
        return params, losses.mean()

    return params, step


def make_facade(env):
    import fgrad_nn as torch
    return _torch_like(torch, env)


def make_facade_compiled(env):
    import fgrad_nn as torch
    return _torch_like(torch, env, compiled=True)


def make_torch(env):
    from _harness import require
    return _torch_like(require("torch"), env)


CONTESTANTS = {"numpy": make_numpy, "batched": make_batched, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit,
               "loop": make_loop, "facade": make_facade, "facade_compiled": make_facade_compiled, "jax": make_jax,
               "jax_jit": make_jax_jit, "torch": make_torch}
