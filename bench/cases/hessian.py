"""The Hessian of a scalar function of 1,000 inputs: log-sum-exp of a small MLP's outputs.

``f(x) = logsumexp(W2^T tanh(W1^T x + b1) + b2)`` with ``x`` of 1,000 inputs, 32 hidden units and
10 outputs, float64. Each step computes the 1000 x 1000 Hessian at ``x``, reports ``sum(H * H)`` as
its "loss" (every contestant must agree) and moves ``x`` a little (``x <- 0.999 x``), so the second
probe checks the Hessian at another point.

- ``loop``: the per-row approach, a Python loop of 1,000 ``fgrad.jvp(fgrad.grad(f), (x,), (e_i,))``
  (one Hessian-vector product per unit vector ``e_i``), stacked: the baseline
- ``fgrad``: ``fgrad.hessian(f)``, forward-over-reverse with the 1,000 directions vmapped
- ``fgrad_jit``: the ``fgrad`` step under ``fgrad.jit`` (staged once, then replayed)
- ``jax``: ``jax.hessian(f)``, no jit (op-by-op dispatch)
- ``jax_jit``: the ``jax`` step under ``jax.jit``
- ``facade``: the torch contestant's code on ``import fgrad_nn as torch``; ``facade_compiled``: its
  ``hessian(f)`` under ``fgrad_nn.compile``
- ``torch``: ``torch.func.hessian(f)``, CPU
"""
import importlib

TITLE = "Hessian (1000 x 1000) of logsumexp(MLP 1000-32-10 (tanh)) w.r.t. its 1,000 inputs"
VARIANTS = ("float64",)
WARMUP, REPS = 2, 10
QUICK = (1, 2)
N_IN, HIDDEN, N_OUT = 1000, 32, 10

ORDER = ("loop", "fgrad", "fgrad_jit", "facade", "facade_compiled", "jax", "jax_jit", "torch")
REFERENCE = "loop"
LABELS = {"loop": "fgrad per-row loop of jvp(grad)", "fgrad": "fgrad.hessian", "fgrad_jit": "fgrad.hessian, jit",
          "facade": "fgrad_nn.func.hessian", "facade_compiled": "fgrad_nn.func.hessian, compiled",
          "jax": "jax.hessian, no jit", "jax_jit": "jax.hessian, jit", "torch": "torch.func.hessian"}


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


def make_fgrad_jit(env):
    import fgrad
    x, step = make_fgrad(env)
    return x, fgrad.jit(step)


def make_jax(env, jit=False):
    from _harness import jax_or_skip
    jax = jax_or_skip(env)  # float64: x64 on
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp
    d = {k: jnp.asarray(v) for k, v in env.data.items()}

    def f(x):
        return logsumexp(jnp.tanh(x @ d["W1"] + d["b1"]) @ d["W2"] + d["b2"])
    hess = jax.hessian(f)

    def step(x):
        H = hess(x)
        return x * 0.999, (H * H).sum()

    return d["x"], jax.jit(step) if jit else step


def make_jax_jit(env):
    return make_jax(env, jit=True)


def _torch_like(torch, env, compiled=False):
    """``torch.func.hessian`` for ``torch`` or ``fgrad_nn`` (imported as torch); ``compiled``: under
    ``torch.compile``."""
    func = importlib.import_module(torch.__name__ + ".func")
    dev = "cuda" if env.device == "cuda" else "cpu"
    d = {k: torch.tensor(v, device=dev) for k, v in env.data.items()}

    def f(x):
        return torch.logsumexp(torch.tanh(x @ d["W1"] + d["b1"]) @ d["W2"] + d["b2"], dim=-1)
    hess = func.hessian(f)
    if compiled:
        hess = torch.compile(hess)

    def step(x):
        H = hess(x)
        return x * 0.999, (H * H).sum()

    return d["x"], step


def make_torch(env):
    from _harness import require
    return _torch_like(require("torch"), env)


def make_facade(env):
    import fgrad_nn
    return _torch_like(fgrad_nn, env)


def make_facade_compiled(env):
    import fgrad_nn
    return _torch_like(fgrad_nn, env, compiled=True)


CONTESTANTS = {"loop": make_loop, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "jax": make_jax, "jax_jit": make_jax_jit,
               "torch": make_torch}
