"""The Hessian of a scalar function of 1,000 inputs: log-sum-exp of a small MLP's outputs.

``f(x) = logsumexp(W2^T tanh(W1^T x + b1) + b2)`` with ``x`` of 1,000 inputs, 32 hidden units and
10 outputs, float64. Each step computes the 1000 x 1000 Hessian at ``x``, reports ``sum(H * H)`` as
its "loss" (every contestant must agree) and moves ``x`` a little (``x <- 0.999 x``), so the second
probe checks the Hessian at another point.

- ``loop``: the per-row approach, a Python loop of 1,000 ``fgrad.jvp(fgrad.grad(f), (x,), (e_i,))``
  (one Hessian-vector product per unit vector ``e_i``), stacked: the baseline
- ``fgrad``: ``fgrad.hessian(f)``, forward-over-reverse with the 1,000 directions vmapped
- ``jax``: ``jax.hessian(f)``, no jit (op-by-op dispatch)
- ``torch``: ``torch.func.hessian(f)``, CPU
"""
TITLE = "Hessian (1000 x 1000) of logsumexp(MLP 1000-32-10 (tanh)) w.r.t. its 1,000 inputs"
VARIANTS = ("float64",)
WARMUP, REPS = 2, 10
QUICK = (1, 2)
N_IN, HIDDEN, N_OUT = 1000, 32, 10

ORDER = ("loop", "fgrad", "jax", "torch")
REFERENCE = "loop"
LABELS = {"loop": "fgrad per-row loop of jvp(grad)", "fgrad": "fgrad.hessian",
          "jax": "jax.hessian, no jit", "torch": "torch.func.hessian"}


def make_data(rng, dtype):
    return {"W1": (rng.standard_normal((N_IN, HIDDEN)) / N_IN ** 0.5).astype(dtype),
            "b1": (0.1 * rng.standard_normal(HIDDEN)).astype(dtype),
            "W2": (rng.standard_normal((HIDDEN, N_OUT)) / HIDDEN ** 0.5).astype(dtype),
            "b2": (0.1 * rng.standard_normal(N_OUT)).astype(dtype),
            "x": rng.standard_normal(N_IN).astype(dtype)}


def _fgrad_f(d):
    import fgrad.numpy as fnp
    from fgrad.scipy.special import logsumexp

    def f(x):
        return logsumexp(fnp.tanh(x @ d["W1"] + d["b1"]) @ d["W2"] + d["b2"])
    return f


def make_loop(env):
    import fgrad
    xp = env.xp
    g = fgrad.grad(_fgrad_f(env.data))
    eye = xp.eye(N_IN, dtype=env.dtype)

    def step(x):
        H = xp.stack([fgrad.jvp(g, (x,), (eye[i],))[1] for i in range(N_IN)])
        return x * 0.999, (H * H).sum()

    return env.data["x"], step


def make_fgrad(env):
    import fgrad
    hess = fgrad.hessian(_fgrad_f(env.data))

    def step(x):
        H = hess(x)
        return x * 0.999, (H * H).sum()

    return env.data["x"], step


def make_jax(env):
    import os
    from _harness import Skip, require
    if env.device == "cuda":
        raise Skip("CPU only in this bench")
    if env.threads == 1:  # before jax's first import: one XLA CPU thread, as the others get
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    jax = require("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp
    d = {k: jnp.asarray(v) for k, v in env.data.items()}

    def f(x):
        return logsumexp(jnp.tanh(x @ d["W1"] + d["b1"]) @ d["W2"] + d["b2"])
    hess = jax.hessian(f)

    def step(x):
        H = hess(x)
        return x * 0.999, (H * H).sum()

    return d["x"], step


def make_torch(env):
    from _harness import require
    torch = require("torch")
    import torch.func
    dev = "cuda" if env.device == "cuda" else "cpu"
    d = {k: torch.tensor(v, device=dev) for k, v in env.data.items()}

    def f(x):
        return torch.logsumexp(torch.tanh(x @ d["W1"] + d["b1"]) @ d["W2"] + d["b2"], dim=-1)
    hess = torch.func.hessian(f)

    def step(x):
        H = hess(x)
        return x * 0.999, (H * H).sum()

    return d["x"], step


CONTESTANTS = {"loop": make_loop, "fgrad": make_fgrad, "jax": make_jax, "torch": make_torch}
