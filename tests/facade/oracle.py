"""Run the same code with real torch and with fgrad_nn; compare values, dtypes, shapes, gradients."""
import contextlib

import numpy as np
import pytest
import torch

import fgrad_nn

LIBS = {"torch": torch, "fgrad_nn": fgrad_nn}
TOL = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-3}


def to_np(x):
    """Host NumPy values of a tensor of either library (or nested tuples of them)."""
    if isinstance(x, (tuple, list)):
        return type(x)(to_np(v) for v in x)
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, fgrad_nn.Tensor):
        return np.asarray(x.detach().cpu())
    return x


def dtype_name(x):
    return str(x.dtype).replace("torch.", "")


def assert_same(a, b, what="value", rtol=None):
    """``a`` from torch, ``b`` from fgrad_nn: same kind, shape, dtype and (close) values."""
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b), f"{what}: {type(a)} vs {type(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{what}[{i}]", rtol)
        return
    if a is None:
        assert b is None, f"{what}: torch gave None, fgrad_nn gave {b!r}"
        return
    if isinstance(a, torch.Tensor):
        assert isinstance(b, fgrad_nn.Tensor), f"{what}: expected a Tensor, got {type(b).__name__}"
        assert tuple(a.shape) == tuple(b.shape), f"{what}: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        assert dtype_name(a) == dtype_name(b), f"{what}: dtype {a.dtype} vs {b.dtype}"
        assert a.requires_grad == b.requires_grad, f"{what}: requires_grad {a.requires_grad} vs {b.requires_grad}"
        x, y = to_np(a), to_np(b)
        tol = rtol if rtol is not None else TOL.get(dtype_name(a), 0)
        if x.dtype.kind in "fc":
            np.testing.assert_allclose(y, x, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(y, x, err_msg=what)
        return
    if isinstance(a, float):
        assert isinstance(b, float) and np.isclose(a, b, rtol=1e-6, equal_nan=True), f"{what}: {a} vs {b}"
        return
    assert a == b, f"{what}: {a!r} vs {b!r}"


@contextlib.contextmanager
def pending():
    """Skip (not fail) while an fgrad function the facade builds on is still being written."""
    try:
        yield
    except NotImplementedError as e:
        if "is not available yet" in str(e):
            pytest.skip(str(e))
        raise


def _weights(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def run(lib, fn, arrays, grad):
    ins = [lib.tensor(a, requires_grad=grad and np.asarray(a).dtype.kind == "f") if isinstance(a, np.ndarray)
           else a for a in arrays]
    out = fn(lib, *ins)
    grads = None
    if grad:
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = None
        for k, o in enumerate(outs):
            if isinstance(o, LIBS["torch"].Tensor if lib is torch else fgrad_nn.Tensor) and o.requires_grad:
                w = lib.tensor(_weights(tuple(o.shape), to_np(o).dtype, k))
                term = (o * w).sum()
                total = term if total is None else total + term
        if total is not None:
            total.backward()
            grads = [x.grad if hasattr(x, "grad") else None for x in ins]
    return out, grads


def check(fn, *arrays, grad=True, rtol=None):
    """``fn(lib, *tensors)`` under both libraries: outputs and input gradients must agree."""
    out_t, g_t = run(torch, fn, arrays, grad)
    with pending():
        out_f, g_f = run(fgrad_nn, fn, arrays, grad)
    assert_same(out_t, out_f, "output", rtol)
    if grad:
        assert_same(g_t, g_f, "grad", rtol if rtol is not None else None)
    return out_t, out_f


def raises_same(fn, *arrays):
    """Both libraries raise, with the same exception type."""
    errs = []
    for lib in (torch, fgrad_nn):
        ins = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
        try:
            fn(lib, *ins)
        except Exception as e:  # noqa: BLE001 -- the type is what is compared
            errs.append(e)
        else:
            errs.append(None)
    t_err, f_err = errs
    assert t_err is not None, "torch did not raise"
    assert f_err is not None, f"fgrad_nn did not raise (torch raised {type(t_err).__name__}: {t_err})"
    assert isinstance(f_err, type(t_err)) or type(t_err) in type(f_err).__mro__, \
        f"torch raised {type(t_err).__name__}({t_err}), fgrad_nn raised {type(f_err).__name__}({f_err})"
    return t_err, f_err


def run_source(src, lib):
    """Execute a code snippet with ``torch`` bound to ``lib``; returns its namespace."""
    ns = {"torch": lib, "np": np}
    exec(compile(src, "<snippet>", "exec"), ns)
    return ns
