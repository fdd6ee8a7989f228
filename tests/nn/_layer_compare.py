"""Differential checks of a facade Module against the same torch 2.13 Module.

``compare_modules`` copies torch's state_dict into ours, runs both on the same inputs
for a few steps (train or eval), and checks outputs, input gradients, parameter
gradients, the state_dict after the steps (running statistics) and that the pure
face (``module._layer.apply`` on the Module's arrays) gives the Module's output.
"""
import numpy as np
import torch

import fgrad_nn as ft
from fgrad.core import concrete

TOL = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DT = {np.float64: torch.float64, np.float32: torch.float32}
FT_DT = {np.float64: ft.float64, np.float32: ft.float32}


def host(t):
    """A facade Tensor's data as a NumPy array (CuPy copied to the host)."""
    r = concrete(t._data)
    return r.get() if hasattr(r, "get") else np.asarray(r)


def close(ours, ref, dtype, what=""):
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != torch's {ref.shape}"
    rtol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=rtol * scale, err_msg=what)


def copy_state(tm, fm, device="cpu"):
    sd = {k: ft.tensor(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()}
    fm.load_state_dict(sd)


def _outs(y):
    return list(y) if isinstance(y, (tuple, list)) else [y]


def compare_modules(tm, fm, inputs, dtype=np.float64, train=True, steps=1, device="cpu", kwargs=None,
                    grad_inputs=None, check_pure=True):
    """Run torch module ``tm`` and facade module ``fm`` side by side (see the module docstring).

    ``inputs``: NumPy arrays (float ones get gradients unless ``grad_inputs`` says otherwise).
    Returns the last outputs ``(torch_outs, ft_outs)``.
    """
    kwargs = kwargs or {}
    fm.to(device)
    copy_state(tm, fm, device)
    assert list(tm.state_dict()) == list(fm.state_dict()), "state_dict keys differ from torch's"
    for (k, a), (_, b) in zip(tm.state_dict().items(), fm.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), f"state_dict[{k!r}] shape"
    tm.train(train)
    fm.train(train)
    rng = np.random.default_rng(1)
    for step in range(steps):
        xs = [x * (1.0 + 0.5 * step) if x.dtype.kind == "f" else x for x in inputs]
        req = [x.dtype.kind == "f" if grad_inputs is None else g for x, g in
               zip(xs, grad_inputs or [None] * len(xs))]
        xt = [torch.tensor(x, requires_grad=r) for x, r in zip(xs, req)]
        xf = [ft.tensor(x, device=device, requires_grad=r) for x, r in zip(xs, req)]
        if check_pure:
            pure = _pure_run(fm, [x.copy() for x in xs], train, device, kwargs)
        tm.zero_grad()
        fm.zero_grad()
        yt, yf = _outs(tm(*xt, **kwargs)), _outs(fm(*xf, **kwargs))
        assert len(yt) == len(yf)
        loss_t = loss_f = 0
        for i, (a, b) in enumerate(zip(yt, yf)):
            if a.dtype.is_floating_point:
                close(host(b.detach()), a.detach().numpy(), dtype, f"step {step} output {i}")
                w = rng.standard_normal(tuple(a.shape)).astype(dtype)
                loss_t = loss_t + (a * torch.tensor(w)).sum()
                loss_f = loss_f + (b * ft.tensor(w, device=device)).sum()
            else:
                np.testing.assert_array_equal(host(b), a.numpy(), err_msg=f"step {step} output {i}")
            if check_pure:
                np.testing.assert_array_equal(pure[0][i], host(b.detach()), err_msg="pure face != Module face")
        if torch.is_tensor(loss_t) and loss_t.requires_grad:
            loss_t.backward()
            loss_f.backward()
            for i, (a, b, r) in enumerate(zip(xt, xf, req)):
                if r:
                    close(host(b.grad), a.grad.numpy(), dtype, f"step {step} grad of input {i}")
            fparams = dict(fm.named_parameters())
            for name, p in tm.named_parameters():
                close(host(fparams[name].grad), p.grad.numpy(), dtype, f"step {step} grad of {name}")
        fsd = fm.state_dict()
        for k, v in tm.state_dict().items():
            if v.dtype.is_floating_point:
                close(host(fsd[k]), v.numpy(), dtype, f"step {step} state_dict[{k!r}]")
            else:
                np.testing.assert_array_equal(host(fsd[k]), v.numpy(), err_msg=f"state_dict[{k!r}]")
        if check_pure:
            for k, v in pure[1].items():
                np.testing.assert_array_equal(np.asarray(v), host(fsd[k]), err_msg=f"pure new state {k!r}")
    return yt, yf


def _pure_run(fm, xs, train, device, kwargs):
    """The pure layer's (outputs, new_state) on the Module's current params/buffers (all raw arrays)."""
    import fgrad
    params = {k: concrete(p._data) for k, p in fm._parameters.items() if p is not None}
    state = {k: concrete(b._data).copy() for k, b in fm._buffers.items() if b is not None}
    xs = [fgrad.device_put(x, device) for x in xs]
    y, new_state = fm._layer.apply(params, state, *xs, train=train, **kwargs)
    ys = [np.asarray(v.get() if hasattr(v, "get") else v) for v in _outs(y)]
    return ys, {k: (v.get() if hasattr(v, "get") else v) for k, v in new_state.items()}
