"""One training step of one TransformerEncoderLayer: batch 16, length 64, d_model 256, 8 heads, ff 1024.

Post-norm, ReLU, dropout 0, ``batch_first=True``; loss ``0.5 * mean((layer(x) - Y)**2)``,
gradients of the twelve parameters (torch's names) and an SGD update. Attention is a few
batched matrix products (B*heads of 64x32 @ 32x64), the rest are big 2-D products and
LayerNorms.
"""
import math

from _harness import jax_sgd_step, torch_sgd_step

TITLE = "TransformerEncoderLayer training step: batch 16, length 64, d_model 256, 8 heads, ff 1024, SGD"
VARIANTS = ("float32", "float64")
WARMUP, REPS = 5, 30
QUICK = (1, 3)
B, L, E, NH, FF = 16, 64, 256, 8, 1024
HD = E // NH
EPS = 1e-5
LR = 0.1
NAMES = ("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
         "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
         "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias")


def make_data(rng, dtype):
    def u(shape, fan_in):
        k = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-k, k, shape)

    data = {"self_attn.in_proj_weight": u((3 * E, E), E), "self_attn.in_proj_bias": u(3 * E, E),
            "self_attn.out_proj.weight": u((E, E), E), "self_attn.out_proj.bias": u(E, E),
            "linear1.weight": u((FF, E), E), "linear1.bias": u(FF, E),
            "linear2.weight": u((E, FF), FF), "linear2.bias": u(E, FF),
            "norm1.weight": 1 + 0.1 * rng.standard_normal(E), "norm1.bias": 0.1 * rng.standard_normal(E),
            "norm2.weight": 1 + 0.1 * rng.standard_normal(E), "norm2.bias": 0.1 * rng.standard_normal(E),
            "x": rng.standard_normal((B, L, E)), "y": rng.standard_normal((B, L, E))}
    return {n: v.astype(dtype) for n, v in data.items()}


def _params(data):
    return {k: data[k].copy() for k in NAMES}


def make_numpy(env):
    """Forward and backward by hand (attention, LayerNorms, feed-forward), updating in place."""
    xp = env.xp
    p = _params(env.data)
    X = env.data["x"].reshape(B * L, E)
    Y = env.data["y"].reshape(B * L, E)
    scale = 1.0 / math.sqrt(HD)
    inv_n = 1.0 / Y.size

    def ln(r, g, b):
        mu = r.mean(-1, keepdims=True)
        xc = r - mu
        rstd = 1.0 / xp.sqrt((xc * xc).mean(-1, keepdims=True) + EPS)
        xh = xc * rstd
        return xh * g + b, xh, rstd

    def ln_back(dy, xh, rstd, g):
        dxh = dy * g
        dr = rstd * (dxh - dxh.mean(-1, keepdims=True) - xh * (dxh * xh).mean(-1, keepdims=True))
        return dr, (dy * xh).sum(0), dy.sum(0)

    def heads(t):  # (B*L, E) -> (B, NH, L, HD)
        return t.reshape(B, L, NH, HD).transpose(0, 2, 1, 3)

    def unheads(t):  # (B, NH, L, HD) -> (B*L, E)
        return t.transpose(0, 2, 1, 3).reshape(B * L, E)

    def step(state):
        win, wo = p["self_attn.in_proj_weight"], p["self_attn.out_proj.weight"]
        w1, w2 = p["linear1.weight"], p["linear2.weight"]
        qkv = X @ win.T + p["self_attn.in_proj_bias"]
        q, k, v = heads(qkv[:, :E]), heads(qkv[:, E:2 * E]), heads(qkv[:, 2 * E:])
        s = (q * scale) @ k.transpose(0, 1, 3, 2)
        s = s - s.max(-1, keepdims=True)
        e = xp.exp(s)
        P = e / e.sum(-1, keepdims=True)
        A = unheads(P @ v)
        n1, xh1, rstd1 = ln(X + A @ wo.T + p["self_attn.out_proj.bias"], p["norm1.weight"], p["norm1.bias"])
        f1 = n1 @ w1.T + p["linear1.bias"]
        r = xp.maximum(f1, 0)
        out, xh2, rstd2 = ln(n1 + r @ w2.T + p["linear2.bias"], p["norm2.weight"], p["norm2.bias"])
        diff = out - Y
        loss = 0.5 * inv_n * (diff * diff).sum()
        # backward
        dr2, dg2, db2n = ln_back(diff * inv_n, xh2, rstd2, p["norm2.weight"])
        dW2, db2 = dr2.T @ r, dr2.sum(0)
        df1 = (dr2 @ w2) * (f1 > 0)
        dW1, db1 = df1.T @ n1, df1.sum(0)
        dn1 = dr2 + df1 @ w1
        dr1, dg1, db1n = ln_back(dn1, xh1, rstd1, p["norm1.weight"])
        dWo, dbo = dr1.T @ A, dr1.sum(0)
        dA = heads(dr1 @ wo)
        dP = dA @ v.transpose(0, 1, 3, 2)
        dv = P.transpose(0, 1, 3, 2) @ dA
        dS = P * (dP - (dP * P).sum(-1, keepdims=True))
        dq = (dS @ k) * scale
        dk = dS.transpose(0, 1, 3, 2) @ q * scale
        dqkv = xp.concatenate([unheads(dq), unheads(dk), unheads(dv)], axis=1)
        grads = {"self_attn.in_proj_weight": dqkv.T @ X, "self_attn.in_proj_bias": dqkv.sum(0),
                 "self_attn.out_proj.weight": dWo, "self_attn.out_proj.bias": dbo,
                 "linear1.weight": dW1, "linear1.bias": db1, "linear2.weight": dW2, "linear2.bias": db2,
                 "norm1.weight": dg1, "norm1.bias": db1n, "norm2.weight": dg2, "norm2.bias": db2n}
        for name, g in grads.items():
            p[name] -= LR * g
        return state, loss

    return None, step


def make_fgrad(env):
    """``fgrad.value_and_grad`` over the pure layer ``fgrad.nn.TransformerEncoderLayer``."""
    import fgrad
    import fgrad.numpy as fnp
    from fgrad.tree_util import tree_map
    from fgrad.nn import TransformerEncoderLayer, unflatten_params

    layer = TransformerEncoderLayer(E, NH, FF, dropout=0.0, batch_first=True, dtype=env.dtype)
    x, y = env.data["x"], env.data["y"]

    def loss_fn(params):
        out, _ = layer.apply(params, {}, x)
        d = out - y
        return 0.5 * fnp.mean(d * d)

    vg = fgrad.value_and_grad(loss_fn)

    def step(params):
        loss, grads = vg(params)
        return tree_map(lambda p, g: p - LR * g, params, grads), loss

    return unflatten_params(_params(env.data)), step


def make_fgrad_jit(env):
    """The ``fgrad`` step (value_and_grad and the update) under ``fgrad.jit``: staged once, then replayed."""
    import fgrad
    params, step = make_fgrad(env)
    return params, fgrad.jit(step)


def _torch_like(torch, env, compiled=False):
    """The same training step for ``torch`` or ``fgrad_nn``; ``compiled``: the layer under ``torch.compile``."""
    dev = "cuda" if env.device == "cuda" else "cpu"
    dt = {"float32": torch.float32, "float64": torch.float64}[env.dtype.name]
    layer = torch.nn.TransformerEncoderLayer(E, NH, FF, dropout=0.0, batch_first=True, dtype=dt, device=dev)
    layer.load_state_dict({k: torch.tensor(env.data[k], device=dev) for k in NAMES})
    x, y = torch.tensor(env.data["x"], device=dev), torch.tensor(env.data["y"], device=dev)
    opt = torch.optim.SGD(layer.parameters(), lr=LR)
    if compiled:
        layer = torch.compile(layer)

    step = torch_sgd_step(opt, lambda: 0.5 * ((layer(x) - y) ** 2).mean())

    return None, step


def make_facade(env):
    """``import fgrad_nn as torch``: nn.TransformerEncoderLayer, loss.backward(), optim.SGD."""
    import fgrad_nn
    return _torch_like(fgrad_nn, env)


def make_torch(env):
    from _harness import require
    return _torch_like(require("torch"), env)


def make_facade_compiled(env):
    """The facade's step with the layer under ``fgrad_nn.compile``: staged forward and backward programs."""
    import fgrad_nn
    return _torch_like(fgrad_nn, env, compiled=True)


def make_jax(env):
    """The hand-written layer's math in jax.numpy (post-norm, ReLU), ``jax.jit`` of the whole step, CPU."""
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp
    X = jnp.asarray(env.data["x"]).reshape(B * L, E)
    Y = jnp.asarray(env.data["y"]).reshape(B * L, E)
    scale = 1.0 / math.sqrt(HD)

    def ln(r, g, b):
        xc = r - r.mean(-1, keepdims=True)
        return xc / jnp.sqrt((xc * xc).mean(-1, keepdims=True) + EPS) * g + b

    def heads(t):  # (B*L, E) -> (B, NH, L, HD)
        return t.reshape(B, L, NH, HD).transpose(0, 2, 1, 3)

    def loss_fn(p):
        qkv = X @ p["self_attn.in_proj_weight"].T + p["self_attn.in_proj_bias"]
        q, k, v = heads(qkv[:, :E]), heads(qkv[:, E:2 * E]), heads(qkv[:, 2 * E:])
        P = jax.nn.softmax((q * scale) @ k.transpose(0, 1, 3, 2), axis=-1)
        A = (P @ v).transpose(0, 2, 1, 3).reshape(B * L, E)
        n1 = ln(X + A @ p["self_attn.out_proj.weight"].T + p["self_attn.out_proj.bias"], p["norm1.weight"],
                p["norm1.bias"])
        r = jax.nn.relu(n1 @ p["linear1.weight"].T + p["linear1.bias"])
        out = ln(n1 + r @ p["linear2.weight"].T + p["linear2.bias"], p["norm2.weight"], p["norm2.bias"])
        d = out - Y
        return 0.5 * jnp.mean(d * d)

    step = jax_sgd_step(jax, loss_fn, LR)

    return {k: jnp.asarray(v) for k, v in _params(env.data).items()}, step


CONTESTANTS = {"numpy": make_numpy, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "torch": make_torch, "jax": make_jax}
