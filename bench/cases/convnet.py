"""One training step of a small conv net: batch 64 of 3x32x32, softmax cross-entropy, SGD.

The network is the classic exercise's ``ThreeLayerConvNet``: conv 5x5 3->32 pad 2, ReLU,
conv 3x3 32->16 pad 1, ReLU, flatten, linear 16*32*32 -> 10. Every contestant computes
the mean cross-entropy, the gradient of every weight and bias, and ``p <- p - LR * grad``.

Contestants: ``numpy`` writes im2col forward AND backward by hand (channel-major
activations, one GEMM per convolution and per gradient, col2im as one strided add per
kernel offset): the floor. ``fgrad`` is the PURE face: ``fgrad.nn`` (serial of
Conv2d/ReLU/Flatten/Linear) differentiated by ``fgrad.value_and_grad``. ``facade`` (fgrad_nn) is
the PyTorch FACADE: the torch contestant's code with ``import fgrad_nn as torch``.
"""

from _harness import jax_sgd_step, torch_sgd_step
TITLE = "conv net training step: batch 64 of 3x32x32, conv5x5(3->32)-ReLU-conv3x3(32->16)-ReLU-linear(->10), SGD"
VARIANTS = ("float32", "float64")
WARMUP, REPS = 3, 20
QUICK = (1, 2)
BATCH, LR, H = 64, 0.01, 32
C1, C2, K1, K2 = 32, 16, 5, 3
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def make_data(rng, dtype):
    data = {"W1": rng.standard_normal((C1, 3, K1, K1)) * (2.0 / (3 * K1 * K1)) ** 0.5,
            "b1": 0.01 * rng.standard_normal(C1),
            "W2": rng.standard_normal((C2, C1, K2, K2)) * (2.0 / (C1 * K2 * K2)) ** 0.5,
            "b2": 0.01 * rng.standard_normal(C2),
            "W3": rng.standard_normal((10, C2 * H * H)) * (1.0 / (C2 * H * H)) ** 0.5,
            "b3": 0.01 * rng.standard_normal(10),
            "x": rng.standard_normal((BATCH, 3, H, H))}
    data = {k: v.astype(dtype) for k, v in data.items()}
    labels = rng.integers(0, 10, BATCH)
    data["labels"] = labels
    data["y"] = (labels[:, None] == range(10)).astype(dtype)  # one-hot
    return data


def make_numpy(env):
    """im2col forward and backward by hand; activations channel-major (C, N, H, W) throughout."""
    xp = env.xp
    d = env.data
    W1, b1, W2, b2, W3, b3 = (d[k].copy() for k in NAMES)
    x, y = d["x"], d["y"]
    n = BATCH
    P = n * H * H

    def im2col(a, k, pad):
        """``a (C, N, H, W)`` -> contiguous ``(C*k*k, N*H*W)`` for a stride-1 'same' convolution."""
        c = a.shape[0]
        buf = xp.zeros((c, n, H + 2 * pad, H + 2 * pad), dtype=a.dtype)
        buf[:, :, pad:pad + H, pad:pad + H] = a
        s = buf.strides
        v = xp.lib.stride_tricks.as_strided(buf, (c, k, k, n, H, H), (s[0], s[2], s[3], s[1], s[2], s[3]))
        return v.reshape(c * k * k, P)

    def col2im(cols, c, k, pad):
        """Transpose of im2col: ``(C*k*k, N*H*W)`` summed into ``(C, N, H, W)``."""
        cols = cols.reshape(c, k, k, n, H, H)
        buf = xp.zeros((c, n, H + 2 * pad, H + 2 * pad), dtype=cols.dtype)
        for i in range(k):
            for j in range(k):
                buf[:, :, i:i + H, j:j + H] += cols[:, i, j]
        return buf[:, :, pad:pad + H, pad:pad + H]

    x_cm = x.transpose(1, 0, 2, 3)  # (3, N, H, W), a view: im2col's padding copy reorders it

    def step(state):
        cols1 = im2col(x_cm, K1, 2)                                  # (75, P)
        z1 = W1.reshape(C1, -1) @ cols1 + b1[:, None]                # (32, P)
        h1 = xp.maximum(z1, 0)
        cols2 = im2col(h1.reshape(C1, n, H, H), K2, 1)               # (288, P)
        z2 = W2.reshape(C2, -1) @ cols2 + b2[:, None]                # (16, P)
        h2 = xp.maximum(z2, 0)
        flat = h2.reshape(C2, n, H * H).transpose(1, 0, 2).reshape(n, -1)  # torch's flatten order
        logits = flat @ W3.T + b3
        logits = logits - logits.max(axis=1, keepdims=True)
        e = xp.exp(logits)
        s = e.sum(axis=1, keepdims=True)
        loss = -(y * (logits - xp.log(s))).sum() / n
        dlogits = (e / s - y) / n                                    # (N, 10)
        dW3, db3 = dlogits.T @ flat, dlogits.sum(axis=0)
        dflat = dlogits @ W3                                         # (N, 16*H*H)
        dz2 = dflat.reshape(n, C2, H * H).transpose(1, 0, 2).reshape(C2, P) * (z2 > 0)
        # (cols @ dz^T)^T: OpenBLAS is much faster this way round for a long reduction (see fgrad.convolution)
        dW2, db2 = (cols2 @ dz2.T).T.reshape(W2.shape), dz2.sum(axis=1)
        dh1 = col2im(W2.reshape(C2, -1).T @ dz2, C1, K2, 1).reshape(C1, P)
        dz1 = dh1 * (z1 > 0)
        dW1, db1 = (cols1 @ dz1.T).T.reshape(W1.shape), dz1.sum(axis=1)
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            p -= LR * g
        return state, loss

    return None, step


def make_fgrad(env):
    """The pure face: fgrad.nn + fgrad.value_and_grad, params a nested dict."""
    import fgrad
    from fgrad.tree_util import tree_map
    import fgrad.nn as L
    import fgrad.nn.functional as LF

    d = env.data
    net = L.serial(L.Conv2d(3, C1, K1, padding=2), L.ReLU(), L.Conv2d(C1, C2, K2, padding=1), L.ReLU(),
                   L.Flatten(), L.Linear(C2 * H * H, 10))
    params = {"0": {"weight": d["W1"], "bias": d["b1"]}, "2": {"weight": d["W2"], "bias": d["b2"]},
              "5": {"weight": d["W3"], "bias": d["b3"]}}
    x, labels = d["x"], d["labels"]

    def loss_fn(params):
        logits, _ = net.apply(params, {}, x)
        return LF.cross_entropy(logits, labels)

    vg = fgrad.value_and_grad(loss_fn)

    def step(params):
        loss, grads = vg(params)
        return tree_map(lambda p, g: p - LR * g, params, grads), loss

    return params, step


def make_fgrad_jit(env):
    """The ``fgrad`` step (value_and_grad and the update) under ``fgrad.jit``: staged once, then replayed."""
    import fgrad
    params, step = make_fgrad(env)
    return params, fgrad.jit(step)


def _torch_like(torch, env, device, compiled=False):
    """The same training step for ``torch`` or ``fgrad_nn`` (imported as torch); ``compiled``: the model
    under ``torch.compile``."""
    nn, F = torch.nn, torch.nn.functional
    d = env.data
    model = nn.Sequential(nn.Conv2d(3, C1, K1, padding=2), nn.ReLU(), nn.Conv2d(C1, C2, K2, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(C2 * H * H, 10))
    model.to(device=device, dtype=getattr(torch, env.dtype.name))
    model.load_state_dict({k: torch.tensor(d[n]) for k, n in zip(
        ("0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"), NAMES)})
    x, labels = torch.tensor(d["x"], device=device), torch.tensor(d["labels"], device=device)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    if compiled:
        model = torch.compile(model)

    step = torch_sgd_step(opt, lambda: F.cross_entropy(model(x), labels))

    return None, step


def make_facade(env):
    import fgrad_nn as torch
    return _torch_like(torch, env, "cuda" if env.device == "cuda" else "cpu")


def make_torch(env):
    from _harness import require
    torch = require("torch")
    return _torch_like(torch, env, "cuda" if env.device == "cuda" else "cpu")


def make_facade_compiled(env):
    """The facade's step with the model under ``fgrad_nn.compile``: staged forward and backward programs."""
    import fgrad_nn as torch
    return _torch_like(torch, env, "cuda" if env.device == "cuda" else "cpu", compiled=True)


def make_jax(env):
    """The same net in jax.numpy (``lax.conv_general_dilated``, NCHW/OIHW, 'same' padding), ``jax.jit`` of
    the whole step, CPU."""
    from _harness import jax_or_skip
    jax = jax_or_skip(env)
    import jax.numpy as jnp
    conv = jax.lax.conv_general_dilated
    d = {k: jnp.asarray(v) for k, v in env.data.items()}
    x, y = d["x"], d["y"]

    def loss_fn(p):
        h = conv(x, p["W1"], (1, 1), [(2, 2), (2, 2)], dimension_numbers=("NCHW", "OIHW", "NCHW"))
        h = jax.nn.relu(h + p["b1"][:, None, None])
        h = conv(h, p["W2"], (1, 1), [(1, 1), (1, 1)], dimension_numbers=("NCHW", "OIHW", "NCHW"))
        h = jax.nn.relu(h + p["b2"][:, None, None])
        logits = h.reshape(BATCH, -1) @ p["W3"].T + p["b3"]  # torch's flatten order (C, H, W)
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits, axis=-1), axis=-1))

    step = jax_sgd_step(jax, loss_fn, LR)

    return {k: d[k] for k in NAMES}, step


CONTESTANTS = {"numpy": make_numpy, "fgrad": make_fgrad, "fgrad_jit": make_fgrad_jit, "facade": make_facade,
               "facade_compiled": make_facade_compiled, "torch": make_torch, "jax": make_jax}
