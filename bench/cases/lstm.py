"""One training step of a 1-layer LSTM: input 128, hidden 256, length 35, batch 20.

Loss ``0.5 * mean((output - Y)**2)`` over the whole output sequence, gradients of the
four parameters (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``; torch's
gate order i, f, g, o) and an SGD update. 35 small recurrent matrix products forward and
35 backward, plus the big input-projection and weight-gradient products: this measures the
per-step overhead of a Python-level time loop.
"""

from _harness import jax_sgd_step
TITLE = "LSTM 128->256 training step: length 35, batch 20, MSE to a random target, SGD"
VARIANTS = ("float32", "float64")
WARMUP, REPS = 5, 40
QUICK = (1, 3)
T, N, I, H = 35, 20, 128, 256
LR = 0.1
NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def make_data(rng, dtype):
    k = 1.0 / H ** 0.5
    data = {"weight_ih_l0": rng.uniform(-k, k, (4 * H, I)), "weight_hh_l0": rng.uniform(-k, k, (4 * H, H)),
            "bias_ih_l0": rng.uniform(-k, k, 4 * H), "bias_hh_l0": rng.uniform(-k, k, 4 * H),
            "x": rng.standard_normal((T, N, I)), "y": 0.1 * rng.standard_normal((T, N, H))}
    return {n: v.astype(dtype) for n, v in data.items()}


def _params(data):
    return {k: data[k].copy() for k in NAMES}


def make_numpy(env):
    """Forward and backward through time by hand, updating in place: the floor."""
    xp = env.xp
    p = _params(env.data)
    x, y = env.data["x"], env.data["y"]
    dt = x.dtype
    scale = 1.0 / y.size

    def sig(z):
        return 1.0 / (1.0 + xp.exp(-z))

    def step(state):
        w_ih, w_hh = p["weight_ih_l0"], p["weight_hh_l0"]
        gx = (x.reshape(T * N, I) @ w_ih.T + (p["bias_ih_l0"] + p["bias_hh_l0"])).reshape(T, N, 4 * H)
        h = xp.zeros((N, H), dt)
        c = xp.zeros((N, H), dt)
        hs = xp.empty((T + 1, N, H), dt)
        hs[0] = h
        cs, acts = [c], []
        for t in range(T):
            g = gx[t] + h @ w_hh.T
            i, f, o = sig(g[:, :H]), sig(g[:, H:2 * H]), sig(g[:, 3 * H:])
            gg = xp.tanh(g[:, 2 * H:3 * H])
            c = f * c + i * gg
            tc = xp.tanh(c)
            h = o * tc
            hs[t + 1] = h
            cs.append(c)
            acts.append((i, f, gg, o, tc))
        diff = hs[1:] - y
        loss = 0.5 * scale * (diff * diff).sum()
        dout = diff * scale
        dh = xp.zeros((N, H), dt)
        dc = xp.zeros((N, H), dt)
        dG = xp.empty((T, N, 4 * H), dt)
        for t in range(T - 1, -1, -1):
            i, f, gg, o, tc = acts[t]
            dh = dh + dout[t]
            dc = dc + dh * o * (1 - tc * tc)
            dG[t, :, :H] = dc * gg * i * (1 - i)
            dG[t, :, H:2 * H] = dc * cs[t] * f * (1 - f)
            dG[t, :, 2 * H:3 * H] = dc * i * (1 - gg * gg)
            dG[t, :, 3 * H:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = dG[t] @ w_hh
        dG2 = dG.reshape(T * N, 4 * H)
        gb = dG2.sum(0)
        grads = {"weight_ih_l0": dG2.T @ x.reshape(T * N, I), "weight_hh_l0": dG2.T @ hs[:-1].reshape(T * N, H),
                 "bias_ih_l0": gb, "bias_hh_l0": gb}
        for k, g in grads.items():
            p[k] -= LR * g
        return state, loss

    return None, step


def make_fgrad(env):
    """``fgrad.value_and_grad`` over the pure layer ``fgrad.nn.LSTM``."""
    import fgrad
    import fgrad.numpy as fnp
    from fgrad.tree_util import tree_map
    from fgrad.nn import LSTM

    lstm = LSTM(I, H, dtype=env.dtype)
    x, y = env.data["x"], env.data["y"]

    def loss_fn(params):
        (out, _), _ = lstm.apply(params, {}, x)
        d = out - y
        return 0.5 * fnp.mean(d * d)

    vg = fgrad.value_and_grad(loss_fn)

    def step(params):
        loss, grads = vg(params)
        return tree_map(lambda p, g: p - LR * g, params, grads), loss

    return _params(env.data), step


def make_fgrad_jit(env):
    """The ``fgrad`` step under ``fgrad.jit``: the layer's ``fgrad.lax.scan`` over time, its backward
    scan and the update staged as one program, then replayed."""
    import fgrad
    params, step = make_fgrad(env)
    return params, fgrad.jit(step)


def make_facade(env, compiled=False):
    """``import fgrad_nn as torch``: nn.LSTM, loss.backward(), optim.SGD; ``compiled``: the LSTM under
    ``torch.compile``."""
    import fgrad_nn as torch
    dev = "cuda" if env.device == "cuda" else "cpu"
    dt = {"float32": torch.float32, "float64": torch.float64}[env.dtype.name]
    lstm = torch.nn.LSTM(I, H, dtype=dt, device=dev)
    lstm.load_state_dict({k: torch.tensor(env.data[k], device=dev) for k in NAMES})
    x, y = torch.tensor(env.data["x"], device=dev), torch.tensor(env.data["y"], device=dev)
    opt = torch.optim.SGD(lstm.parameters(), lr=LR)
    if compiled:
        lstm = torch.compile(lstm)

    def step(state):
        out, _ = lstm(x)
        loss = 0.5 * ((out - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return state, loss.detach()

    return None, step


def make_facade_compiled(env):
    """The facade's step with the LSTM under ``fgrad_nn.compile``: staged forward and backward programs."""
    return make_facade(env, compiled=True)


def make_autograd(env):
    """The same LSTM written with autograd.numpy (time steps indexed out of the projection)."""
    from _harness import require
    autograd = require("autograd")
    import autograd.numpy as anp

    x, y = env.data["x"], env.data["y"]

    def sig(z):
        return 1.0 / (1.0 + anp.exp(-z))

    def loss_fn(p):
        gx = anp.reshape(anp.dot(anp.reshape(x, (T * N, I)), p["weight_ih_l0"].T) + p["bias_ih_l0"]
                         + p["bias_hh_l0"], (T, N, 4 * H))
        h = anp.zeros((N, H), x.dtype)
        c = anp.zeros((N, H), x.dtype)
        hs = []
        for t in range(T):
            g = gx[t] + anp.dot(h, p["weight_hh_l0"].T)
            c = sig(g[:, H:2 * H]) * c + sig(g[:, :H]) * anp.tanh(g[:, 2 * H:3 * H])
            h = sig(g[:, 3 * H:]) * anp.tanh(c)
            hs.append(h)
        d = anp.stack(hs) - y
        return 0.5 * anp.mean(d * d)

    vg = autograd.value_and_grad(loss_fn)

    def step(params):
        loss, grads = vg(params)
        return {k: v - LR * grads[k] for k, v in params.items()}, loss

    return _params(env.data), step


def make_torch(env):
    from _harness import require
    torch = require("torch")
    dev = "cuda" if env.device == "cuda" else "cpu"
    dt = {"float32": torch.float32, "float64": torch.float64}[env.dtype.name]
    lstm = torch.nn.LSTM(I, H, dtype=dt, device=dev)
    with torch.no_grad():
        for k in NAMES:
            getattr(lstm, k).copy_(torch.tensor(env.data[k]))
    x, y = torch.tensor(env.data["x"], device=dev), torch.tensor(env.data["y"], device=dev)
    opt = torch.optim.SGD(lstm.parameters(), lr=LR)

    def step(state):
        out, _ = lstm(x)
        loss = 0.5 * ((out - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return state, loss.detach()

    return None, step


def make_jax(env):
    """The same LSTM in jax.numpy, the time loop a ``jax.lax.scan``; ``jax.jit`` of the whole step, CPU."""
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp
    sig = jax.nn.sigmoid
    x, y = jnp.asarray(env.data["x"]), jnp.asarray(env.data["y"])

    def loss_fn(p):
        gx = (x.reshape(T * N, I) @ p["weight_ih_l0"].T + (p["bias_ih_l0"] + p["bias_hh_l0"])).reshape(T, N, 4 * H)
        w_hh_t = p["weight_hh_l0"].T

        def cell(carry, g_t):
            h, c = carry
            g = g_t + h @ w_hh_t
            c = sig(g[:, H:2 * H]) * c + sig(g[:, :H]) * jnp.tanh(g[:, 2 * H:3 * H])
            h = sig(g[:, 3 * H:]) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((N, H), x.dtype)
        _, hs = jax.lax.scan(cell, (zeros, zeros), gx)
        d = hs - y
        return 0.5 * jnp.mean(d * d)

    step = jax_sgd_step(jax, loss_fn, LR)

    return {k: jnp.asarray(v) for k, v in _params(env.data).items()}, step


CONTESTANTS = {"numpy": make_numpy, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "autograd": make_autograd, "torch": make_torch,
               "jax": make_jax}
