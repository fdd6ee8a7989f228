"""Gradient of a chain of 200 small elementwise ops on a vector of 100 floats.

The ops cycle sin, tanh, multiply-by-constant, add-constant (50 of each); the
loss is the sum of the result and the step is ``x <- x - LR * grad``. With so
little arithmetic per op this case measures per-operation overhead: recording
the forward pass and dispatching the backward rules.
"""
TITLE = "gradient of 200 chained elementwise ops (sin, tanh, *c, +c) on 100 floats, then x -= lr*g"
VARIANTS = ("float64",)
WARMUP, REPS = 20, 300
QUICK = (2, 5)
N_OPS, SIZE, LR = 200, 100, 0.5
KINDS = ("sin", "tanh", "mul", "add")


def make_data(rng, dtype):
    x = rng.standard_normal(SIZE)
    consts = rng.normal(0.0, 0.05, (N_OPS, SIZE))
    # Multipliers near 1 and small shifts keep the chain out of saturation, so the
    # gradient (and the probe loss after one update) is far from zero.
    consts[2::4] = rng.uniform(0.9, 1.3, (len(range(2, N_OPS, 4)), SIZE))
    return {"x": x.astype(dtype), "consts": consts.astype(dtype)}


def _chain(ops, x, consts):
    """The forward chain, written once for any array namespace ``ops``."""
    h = x
    for i in range(N_OPS):
        kind = KINDS[i % 4]
        if kind == "sin":
            h = ops.sin(h)
        elif kind == "tanh":
            h = ops.tanh(h)
        elif kind == "mul":
            h = h * consts[i]
        else:
            h = h + consts[i]
    return ops.sum(h)


def make_numpy(env):
    """Forward storing what the backward needs; backward by hand. The floor."""
    xp = env.xp
    consts = [env.data["consts"][i] for i in range(N_OPS)]

    def step(x):
        saved = []
        h = x
        for i in range(N_OPS):
            kind = KINDS[i % 4]
            if kind == "sin":
                saved.append(xp.cos(h))
                h = xp.sin(h)
            elif kind == "tanh":
                h = xp.tanh(h)
                saved.append(h)
            elif kind == "mul":
                h = h * consts[i]
            else:
                h = h + consts[i]
        loss = h.sum()
        g = xp.ones_like(h)
        for i in reversed(range(N_OPS)):
            kind = KINDS[i % 4]
            if kind == "sin":
                g = g * saved.pop()
            elif kind == "tanh":
                t = saved.pop()
                g = g * (1.0 - t * t)
            elif kind == "mul":
                g = g * consts[i]
        return x - LR * g, loss

    return env.data["x"], step


def make_fgrad(env):
    import fgrad
    import fgrad.numpy as fnp
    consts = [env.data["consts"][i] for i in range(N_OPS)]
    vg = fgrad.value_and_grad(lambda x, consts: _chain(fnp, x, consts))

    def step(x):
        loss, g = vg(x, consts)
        return x - LR * g, loss

    return env.data["x"], step


def make_fgrad_jit(env):
    """The same step as ``fgrad``, the whole of it under ``fgrad.jit``: staged once, then replayed."""
    import fgrad
    step = make_fgrad(env)[1]
    return env.data["x"], fgrad.jit(step)


def make_autograd(env):
    from _harness import require
    autograd = require("autograd")
    import autograd.numpy as anp
    consts = [env.data["consts"][i] for i in range(N_OPS)]
    vg = autograd.value_and_grad(lambda x, consts: _chain(anp, x, consts))

    def step(x):
        loss, g = vg(x, consts)
        return x - LR * g, loss

    return env.data["x"], step


def _torch_like(torch, env, compiled=False):
    """The same step for ``torch`` or ``fgrad_nn`` (imported as torch); ``compiled``: the chain under
    ``torch.compile``."""
    dev = "cuda" if env.device == "cuda" else "cpu"
    x = torch.tensor(env.data["x"], device=dev, requires_grad=True)
    consts = [c for c in torch.tensor(env.data["consts"], device=dev)]

    def chain(x):
        return _chain(torch, x, consts)

    if compiled:
        chain = torch.compile(chain)

    def step(x):
        loss = chain(x)
        loss.backward()
        with torch.no_grad():
            x -= LR * x.grad
        x.grad = None
        return x, loss.detach()

    return x, step


def make_torch(env):
    from _harness import require
    return _torch_like(require("torch"), env)


def make_facade(env):
    """The torch contestant's code on ``import fgrad_nn as torch``."""
    import fgrad_nn
    return _torch_like(fgrad_nn, env)


def make_facade_compiled(env):
    """The facade's step with the chain under ``fgrad_nn.compile``: staged forward and backward programs."""
    import fgrad_nn
    return _torch_like(fgrad_nn, env, compiled=True)


def make_jax(env):
    """``jax.jit`` of the whole step (value_and_grad and the update), CPU."""
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp
    consts = [jnp.asarray(c) for c in env.data["consts"]]
    vg = jax.value_and_grad(lambda x: _chain(jnp, x, consts))

    @jax.jit
    def step(x):
        loss, g = vg(x)
        return x - LR * g, loss

    return jnp.asarray(env.data["x"]), step


CONTESTANTS = {"numpy": make_numpy, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "autograd": make_autograd, "torch": make_torch,
               "jax": make_jax}
