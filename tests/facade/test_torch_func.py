"""fgrad_nn.func (torch.func on fgrad's transforms) against real torch.func, and PyTorch's two tutorials.

The tutorials (examples/per_sample_grads.py, examples/ensembling.py) are checked against loops of
ordinary backward() calls / separate model calls; every transform is run next to torch.func on the
same inputs (values, shapes, dtypes, nests) and both must raise the same error types.
(Named test_torch_func.py: tests/nn/test_func.py holds functional_call's and pure's tests.)
"""
import copy
import importlib.util
import os
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.func

import fgrad_nn
import fgrad_nn.func

from oracle import assert_same, raises_same

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUNC = {torch: torch.func, fgrad_nn: fgrad_nn.func}
RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
W = RNG.standard_normal((3, 2))
B = RNG.standard_normal(2)


def _example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(ROOT, "examples", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def same(a, b, what="value", rtol=None):
    """``assert_same`` (oracle) over nests with dicts too: same keys in the same order."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{what}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{what}[{k!r}]", rtol)
        return
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), f"{what}: {type(a).__name__} vs {type(b).__name__}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{what}[{i}]", rtol)
        return
    assert_same(a, b, what, rtol)


def both(fn, *arrays, rtol=None):
    """``fn(lib, func, *tensors)`` with torch/torch.func and fgrad_nn/fgrad_nn.func: the same result."""
    outs = []
    for lib in (torch, fgrad_nn):
        ins = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
        outs.append(fn(lib, FUNC[lib], *ins))
    same(*outs, rtol=rtol)
    return outs


def both_raise(fn, *arrays):
    return raises_same(lambda lib, *ins: fn(lib, FUNC[lib], *ins), *arrays)


def close(got, want, tol):
    """``got`` (fgrad_nn) equals ``want`` to ``tol`` relative to the largest magnitude."""
    g, w = np.asarray(got.detach()), np.asarray(want.detach())
    assert g.shape == w.shape
    np.testing.assert_allclose(g, w, rtol=tol, atol=tol * max(np.abs(w).max(), 1e-30))


# ---------------------------------------------------------------------- the tutorials

@pytest.mark.parametrize("dtype, tol", [(fgrad_nn.float32, 1e-6), (fgrad_nn.float64, 1e-12)])
def test_per_sample_grads_tutorial_matches_a_loop_of_backward_calls(dtype, tol):
    ex = _example("per_sample_grads")
    fgrad_nn.manual_seed(0)
    model, data, targets = ex.make_problem(batch_size=5, dtype=dtype)
    loop = ex.compute_sample_grads(model, data, targets)
    ft = ex.ft_per_sample_grads(model, data, targets)
    assert list(ft) == [n for n, _ in model.named_parameters()]  # the module's order, as torch gives
    for (name, p), want, got in zip(model.named_parameters(), loop, ft.values()):
        assert got.shape == (5,) + tuple(p.shape) and got.dtype == dtype and not got.requires_grad, name
        close(got, want, tol)


@pytest.mark.parametrize("dtype, tol", [(fgrad_nn.float32, 1e-6), (fgrad_nn.float64, 1e-12)])
def test_ensembling_tutorial_matches_calling_each_model(dtype, tol):
    ex = _example("ensembling")
    fgrad_nn.manual_seed(0)
    data, _, models = ex.make_problem(num_models=3, dtype=dtype, num_batches=4, batch_size=16)
    minibatches, minibatch = data[:3], data[0]
    loop1, loop2 = ex.predictions_by_loop(models, minibatches, minibatch)
    got1, got2 = ex.predictions_by_vmap(models, minibatches, minibatch)
    assert got1.shape == got2.shape == (3, 16, 10)
    close(got1, loop1, tol)
    close(got2, loop2, tol)


def test_example_mains_run_their_own_checks():
    _example("ensembling").main(["--num-models", "3"])
    _example("per_sample_grads").main(["--batch-size", "3", "--double"])


def test_ensembling_like_torch():
    """The tutorial's steps side by side with torch: same stacked state, same predictions."""
    def run(lib, func):
        rng = np.random.default_rng(1)
        models = [lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.ReLU(), lib.nn.Linear(5, 2)).double()
                  for _ in range(3)]
        for m in models:
            with lib.no_grad():
                for p in m.parameters():
                    p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
        params, buffers = func.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta")
        assert base[0].weight.device.type == "meta"
        fmodel = lambda p, b, x: func.functional_call(base, (p, b), (x,))  # noqa: E731
        x = lib.tensor(XS)
        return params, buffers, func.vmap(fmodel)(params, buffers, x), \
            func.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, x[0])
    same(run(torch, torch.func), run(fgrad_nn, fgrad_nn.func))


XS = np.random.default_rng(2).standard_normal((3, 6, 4))


# ---------------------------------------------------------------------- grad and grad_and_value

def test_grad_values_nests_and_argnums():
    both(lambda lib, F, x: F.grad(lambda x: (x.sin() ** 2).sum())(x), X)
    both(lambda lib, F, x, w: F.grad(lambda x, w: (x @ w).tanh().sum(), argnums=(0, 1))(x, w), X, W)
    both(lambda lib, F, x, w: F.grad(lambda x, w: (x @ w).tanh().sum(), argnums=-1)(x, w), X, W)
    # a dict keeps its order (the parameters' order), nests nest
    both(lambda lib, F, x, w, b: F.grad(lambda p, x: ((x @ p["w"] + p["b"]) ** 2).mean())({"w": w, "b": b}, x),
         X, W, B)
    both(lambda lib, F, x, w, b: F.grad(lambda p, x: (x @ p[0][0] + p[1]).exp().sum())(((w,), b), x), X, W, B)
    both(lambda lib, F, x: F.grad(lambda x: x.float().sum())(x), X)  # float32 inside, float64 gradient


def test_grad_has_aux_kwargs_and_grad_and_value():
    both(lambda lib, F, x: F.grad(lambda x: ((x ** 2).sum(), {"c": x.cos(), "n": (x.sum(),)}), has_aux=True)(x), X)
    both(lambda lib, F, x: F.grad_and_value(lambda x, s=1.0: (x ** 3).sum() * s)(x, s=2.0), X)
    both(lambda lib, F, x: F.grad_and_value(lambda x: ((x ** 3).sum(), x.sum()), has_aux=True)(x), X)


def test_grad_of_unused_input_is_zero_and_detach_stops_it():
    both(lambda lib, F, x, w: F.grad(lambda x, w: x.sum(), argnums=1)(x, w), X, W)
    both(lambda lib, F, x: F.grad(lambda x: (x * x.detach()).sum())(x), X)


def test_no_grad_inside_stops_reverse_mode_only_and_outside_is_ignored():
    def f(lib):
        def g(x):
            with lib.no_grad():
                y = x * 2
            return (y * x).sum()
        return g
    both(lambda lib, F, x: F.grad(f(lib))(x), X)
    both(lambda lib, F, x: F.jacrev(f(lib))(x), X)
    both(lambda lib, F, x: F.jvp(f(lib), (x,), (x * 0 + 1,)), X)
    both(lambda lib, F, x: F.jacfwd(f(lib))(x), X)
    both(lambda lib, F, x: F.hessian(f(lib))(x), X[0])
    both(lambda lib, F, x: F.vmap(F.grad(f(lib)))(x), X)

    def outside(lib, F, x):
        with lib.no_grad():
            return F.grad(lambda x: (x * x).sum())(x)
    both(outside, X)


def test_grad_composes_with_itself_and_with_the_tape():
    both(lambda lib, F, x: F.grad(lambda x: F.grad(lambda y: (y ** 3).sum())(x).sum())(x), X)

    def outer(lib, F, x):
        x.requires_grad_(True)
        g = F.grad(lambda x: (x ** 3).sum())(x)  # connected to the outer graph
        (g * g).sum().backward()
        return g, x.grad
    both(outer, X)


@pytest.mark.parametrize("case", [
    lambda lib, F, x: F.grad(lambda x: x)(x),                          # not a scalar
    lambda lib, F, x: F.grad(lambda x: 3)(x),                          # not a Tensor
    lambda lib, F, x: F.grad(lambda x: x.sum())(x.long()),             # integer input
    lambda lib, F, x: F.grad(lambda x: x.sum())(3.0),                  # not a Tensor
    lambda lib, F, x: F.grad(lambda x: x.sum(), argnums=2)(x),         # argnum out of range
    lambda lib, F, x: F.grad(lambda x: x.sum(), argnums=(0, 0))(x),    # repeated
    lambda lib, F, x: F.grad(lambda x: x.sum(), argnums=())(x),        # empty
    lambda lib, F, x: F.grad(lambda x: x.sum(), argnums=[0])(x),       # a list
    lambda lib, F, x: F.grad(lambda x: x.sum(), has_aux=True)(x),      # no aux returned
    lambda lib, F, x: F.grad(lambda x: (x.sum(), 3), has_aux=True)(x),  # aux holds a non-Tensor
])
def test_grad_errors_like_torch(case):
    both_raise(case, X)


# ---------------------------------------------------------------------- vjp and jvp

def test_vjp():
    def f(lib, F, x, w):
        out, fn = F.vjp(lambda x, w: ((x @ w).exp(), x.sin()), x, w)
        return out, fn((lib.ones(4, 2, dtype=lib.float64), lib.full((4, 3), 2.0, dtype=lib.float64)))
    both(f, X, W)

    def aux(lib, F, x):
        out, fn, a = F.vjp(lambda x: (x.exp(), {"s": x.sum()}), x, has_aux=True)
        return out, fn(x * 0 + 1), a
    both(aux, X)


@pytest.mark.parametrize("case", [
    lambda lib, F, x: F.vjp(lambda x: x, x)[1](x[0]),              # cotangent of the wrong shape
    lambda lib, F, x: F.vjp(lambda x: x, x)[1]((x,)),              # of the wrong nest
    lambda lib, F, x: F.vjp(lambda x: x.int(), x),                 # integer output
    lambda lib, F, x: F.vjp(lambda x: x, 3.0),                     # not a Tensor
    lambda lib, F, x: F.vjp(lambda x: (x, 1), x),                  # a non-Tensor output
])
def test_vjp_errors_like_torch(case):
    both_raise(case, X)


def test_jvp():
    both(lambda lib, F, x, t: F.jvp(lambda x: x.sin() * 2, (x,), (t,)), X, np.ones_like(X))
    both(lambda lib, F, x, w, t, u: F.jvp(lambda x, w: (x @ w, x.exp()), (x, w), (t, u)), X, W, X * 0.5, W * 2)
    both(lambda lib, F, x, t: F.jvp(lambda x: (x.cos(), x.sum()), (x,), (t,), has_aux=True), X, X)


@pytest.mark.parametrize("case", [
    lambda lib, F, x: F.jvp(lambda x: x, x, x),                                  # primals not a tuple
    lambda lib, F, x: F.jvp(lambda x: x, (x,), (x[0],)),                         # tangent of another shape
    lambda lib, F, x: F.jvp(lambda x: x, (x,), [x]),                             # another nest
    lambda lib, F, x: F.jvp(lambda x: lib.ones(3), (x,), (x,), strict=True),     # independent output
    lambda lib, F, x: F.jvp(lambda x: x, (x,), (x,), has_aux=True),              # no aux returned
])
def test_jvp_errors_like_torch(case):
    both_raise(case, X)


# ---------------------------------------------------------------------- Jacobians and Hessians

@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians(jac):
    both(lambda lib, F, x, w: getattr(F, jac)(lambda x: x.sin() @ w)(x), X, W)
    both(lambda lib, F, x, w: getattr(F, jac)(lambda x, w: ((x @ w).sum(0), {"e": x.exp()}), argnums=(0, 1))(x, w),
         X, W)
    both(lambda lib, F, x, w: getattr(F, jac)(lambda p: (X_T(lib) @ p["w"]).tanh(), argnums=0)({"w": w}), X, W)
    both(lambda lib, F, x: getattr(F, jac)(lambda x: (x.exp(), x.sum()), has_aux=True)(x), X)
    both(lambda lib, F, x: getattr(F, jac)(lambda x: x.sum())(x), X)  # a scalar output: the gradient's shape


def X_T(lib):
    return lib.tensor(X)


def test_jacrev_chunks_and_errors():
    both(lambda lib, F, x, w: F.jacrev(lambda x, w: (x.sin() @ w, x), chunk_size=5)(x, w), X, W)
    both(lambda lib, F, x: F.jacrev(lambda x: x.exp(), chunk_size=1)(x), X)
    both_raise(lambda lib, F, x: F.jacrev(lambda x: x, chunk_size=0), X)
    both_raise(lambda lib, F, x: F.jacrev(lambda x: x.long())(x), X)


def test_hessian_and_compositions():
    both(lambda lib, F, x: F.hessian(lambda x: (x.sin() ** 2).sum() * x.prod())(x), X[0])
    both(lambda lib, F, x, w: F.hessian(lambda x, w: ((x @ w) ** 3).sum(), argnums=1)(x, w), X, W)
    both(lambda lib, F, x: F.jacfwd(F.jacrev(lambda x: x.exp() * x.sum()))(x), X[0])
    both(lambda lib, F, x: F.jacrev(F.jacrev(lambda x: x.exp() * x.sum()))(x), X[0])


# ---------------------------------------------------------------------- vmap

def test_vmap_in_dims_and_out_dims():
    both(lambda lib, F, x, w: F.vmap(lambda x, w: x @ w, in_dims=(0, None))(x, w), X, W)
    both(lambda lib, F, x: F.vmap(lambda x: x * 2, in_dims=1)(x), X)
    both(lambda lib, F, x: F.vmap(lambda x: x * 2, in_dims=-1)(x), X)
    both(lambda lib, F, x: F.vmap(lambda x: x.outer(x), out_dims=1)(x), X)
    both(lambda lib, F, x: F.vmap(lambda x: x.outer(x), out_dims=-1)(x), X)
    both(lambda lib, F, x: F.vmap(lambda x: (x, x.sum()), out_dims=(1, 0))(x), X)
    both(lambda lib, F, x, w: F.vmap(lambda x: (x, w), out_dims=(0, None))(x), X, W)   # unmapped, returned as is
    both(lambda lib, F, x, w: F.vmap(lambda x: w)(x), X, W)                            # unmapped, expanded
    both(lambda lib, F, x: F.vmap(lambda d: {"z": d["a"] * 2, "a": d["b"].sum()},
                                  in_dims=({"a": 0, "b": 1},))({"a": x, "b": x.T}), X)
    both(lambda lib, F, x: F.vmap(lambda p, s: p[0] * s + p[1], in_dims=((0, None), None))((x, x[0]), 3.0), X)
    both(lambda lib, F, x: F.vmap(lambda t, k=1: t * k)(x, k=x), X)  # keyword arguments are not mapped


def test_vmap_reports_one_example():
    def f(lib, F, x):
        def per(t):
            assert t.shape == (3,) and t.size() == (3,) and t.dim() == 1 and t.size(0) == 3 and t.numel() == 3
            assert len(t) == 3 and t.ndim == 1
            return t.view(3, 1).reshape(-1).flatten().unsqueeze(0)[0].t().contiguous().view(-1)
        return F.vmap(per)(x)
    both(f, X)


def test_vmap_of_methods_and_functional():
    F_ = lambda lib: lib.nn.functional  # noqa: E731
    both(lambda lib, F, x: F.vmap(lambda t: F_(lib).softmax(t, dim=0) * t.norm() + t.cumsum(0))(x), X)
    both(lambda lib, F, x: F.vmap(lambda t: lib.stack([t.max(), t.argmax().double(), t.mean()]))(x), X)
    both(lambda lib, F, x: F.vmap(lambda t: lib.where(t > 0, t, t.new_zeros(())).clone().mul_(2).add_(1))(x), X)
    both(lambda lib, F, x: F.vmap(lambda t: F_(lib).layer_norm(t, (3,)) + F_(lib).gelu(t))(x), X)
    both(lambda lib, F, x: F.vmap(lambda t: lib.cat([t, t[:1] * 3, t[1:]]).sort().values)(x), X)


def test_vmap_of_a_module_and_backward_through_it():
    def f(lib, F, x):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(W.T))
            m.bias.copy_(lib.tensor(B))
        y = F.vmap(m)(x)
        y.pow(2).sum().backward()
        return y, m.weight.grad, m.bias.grad
    both(f, X)


def test_vmap_nested_and_with_grad():
    both(lambda lib, F, x, v: F.vmap(F.vmap(lambda a, b: a * b, in_dims=(0, None)), in_dims=(None, 0))(x, v),
         X[0], X[:, 0])
    both(lambda lib, F, x: F.vmap(F.vmap(lambda t: t.exp().sum()))(x), X)
    both(lambda lib, F, x: F.vmap(F.grad(lambda x: (x.sin() ** 2).sum()))(x), X)
    both(lambda lib, F, x: F.grad(lambda x: F.vmap(lambda t: (t ** 3).sum())(x).sum())(x), X)
    both(lambda lib, F, x: F.vmap(F.jacrev(lambda x: x.sin() * x.sum()))(x), X)
    both(lambda lib, F, x: F.vmap(F.jacfwd(lambda x: x.sin() * x.sum()))(x), X)
    both(lambda lib, F, x: F.vmap(F.hessian(lambda x: (x.sin() * x.sum()).sum()))(x), X)
    both(lambda lib, F, x, t: F.vmap(lambda x, t: F.jvp(lambda y: y.exp(), (x,), (t,))[1])(x, t), X, X * 2)
    both(lambda lib, F, x, c: F.vmap(lambda x, c: F.vjp(lambda y: y.exp(), x)[1](c)[0])(x, c), X, X * 2)


def test_vmap_chunk_size_gives_the_same_result():
    both(lambda lib, F, x: F.vmap(lambda x: (x.sum() * x, x.max()), chunk_size=3)(x), X)
    both(lambda lib, F, x: F.vmap(lambda x: x.outer(x), out_dims=2, chunk_size=1)(x), X)


def _setitem(z, i, v):
    z[i] = v
    return z


@pytest.mark.parametrize("case", [
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=[0])(x),                  # a list
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=None)(x),                 # nothing mapped
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=2)(x),                    # beyond the rank
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=-3)(x),
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=(0, 0))(x),              # more entries than arguments
    lambda lib, F, x: F.vmap(lambda t: t, in_dims=(1.5,))(x),              # not an int
    lambda lib, F, x: F.vmap(lambda t, k: t * k, in_dims=(0, 0))(x, 2),    # mapping a non-Tensor
    lambda lib, F, x: F.vmap(lambda a, b: a + b)(x, x.T),                   # mismatched sizes
    lambda lib, F, x: F.vmap(lambda d: d["a"], in_dims=({"b": 0},))({"a": x}),  # another nest
    lambda lib, F, x: F.vmap(lambda t: t)(),                                # no inputs
    lambda lib, F, x: F.vmap(lambda t: t, out_dims=5)(x),                   # out_dim beyond the rank
    lambda lib, F, x: F.vmap(lambda t: t, out_dims=1.5)(x),                 # not an int
    lambda lib, F, x: F.vmap(lambda t: t, out_dims=(0, 0))(x),              # another nest
    lambda lib, F, x: F.vmap(lambda t: 3)(x),                               # a non-Tensor output
    lambda lib, F, x: F.vmap(lambda t: t, out_dims=None)(x),                # mapped output, out_dim None
    lambda lib, F, x: F.vmap(lambda t: t, randomness="sometimes"),          # randomness
    lambda lib, F, x: F.vmap(lambda t: t, chunk_size=0),
    lambda lib, F, x: F.vmap(lambda t: t.sum().item())(x),                  # data-dependent
    lambda lib, F, x: F.vmap(lambda t: t if t.sum() > 0 else -t)(x),
    lambda lib, F, x: F.vmap(lambda t: lib.tensor(t.tolist()))(x),
    lambda lib, F, x: F.vmap(lambda t: lib.zeros(3, dtype=lib.float64).copy_(t))(x),   # batched into unbatched
    lambda lib, F, x: F.vmap(lambda t: _setitem(lib.zeros(3, dtype=lib.float64), 0, t[0]))(x),
    lambda lib, F, x: F.vmap(lib.nn.BatchNorm1d(3).double())(x.unsqueeze(1).expand(4, 2, 3).contiguous()),
    lambda lib, F, x: F.vmap(lambda t: t.nonzero())(x),
])
def test_vmap_errors_like_torch(case):
    both_raise(case, X)


@pytest.mark.parametrize("case", [
    lambda lib, F, x: F.vmap(lambda t: t + lib.randn(3))(x),
    lambda lib, F, x: F.vmap(lambda t: lib.nn.functional.dropout(t, 0.5))(x),
    lambda lib, F, x: F.vmap(lambda t: t.clone().normal_())(x),
    lambda lib, F, x: F.vmap(lambda t: lib.rand_like(t))(x),
    lambda lib, F, x: F.vmap(lambda t: lib.bernoulli(t.sigmoid()))(x),
    lambda lib, F, x: F.vmap(F.vmap(lambda t: lib.randn(()), randomness="different"))(x),
    lambda lib, F, x: F.vmap(F.vmap(lambda t: lib.randn(())), randomness="different")(x),
    lambda lib, F, x: F.jacfwd(lambda t: t * lib.randn(3))(x[0]),
])
def test_random_ops_raise_in_randomness_error_mode(case):
    t_err, f_err = both_raise(case, X)
    assert str(f_err) == str(t_err)


def _rows_differ(y):
    y = np.asarray(y)
    return all(not np.allclose(y[0], y[k]) for k in range(1, len(y)))


@pytest.mark.parametrize("op", [
    lambda lib, t: lib.randn(3, dtype=lib.float64) + t * 0,
    lambda lib, t: lib.rand_like(t),
    lambda lib, t: lib.randint(0, 1000, (3,)).double() + t * 0,
    lambda lib, t: t.clone().uniform_(),
    lambda lib, t: lib.bernoulli(lib.full_like(t, 0.5)) + lib.rand(3, dtype=lib.float64),
    lambda lib, t: lib.randperm(50)[:3].double() + t * 0,
    lambda lib, t: lib.nn.functional.dropout(t.repeat(20), 0.5),
    lambda lib, t: lib.nn.Dropout(0.3)(t.repeat(20) + 1),
])
def test_randomness_same_and_different(op):
    x = fgrad_nn.tensor(np.ones((5, 3)))
    fgrad_nn.manual_seed(0)
    same_rows = fgrad_nn.func.vmap(lambda t: op(fgrad_nn, t), randomness="same")(x)
    shape = tuple(same_rows.shape)
    assert shape[0] == 5
    np.testing.assert_array_equal(np.asarray(same_rows), np.broadcast_to(np.asarray(same_rows)[0], shape))
    diff = fgrad_nn.func.vmap(lambda t: op(fgrad_nn, t), randomness="different")(x)
    assert diff.shape == shape and _rows_differ(diff)
    # chunks: 'same' stays the same across chunks, 'different' keeps drawing
    fgrad_nn.manual_seed(0)
    chunked = fgrad_nn.func.vmap(lambda t: op(fgrad_nn, t), randomness="same", chunk_size=2)(x)
    np.testing.assert_array_equal(np.asarray(chunked), np.asarray(same_rows))
    assert _rows_differ(fgrad_nn.func.vmap(lambda t: op(fgrad_nn, t), randomness="different", chunk_size=2)(x))


def test_randomness_nested_like_torch():
    """Only the 'different' levels get their own numbers (torch's rule, compared by pattern)."""
    x = np.ones((3, 4))
    for outer, inner in (("different", "same"), ("same", "different"), ("different", "different")):
        pats = []
        for lib in (torch, fgrad_nn):
            y = FUNC[lib].vmap(FUNC[lib].vmap(lambda t: lib.randn(()), randomness=inner),
                               randomness=outer)(lib.tensor(x))
            y = np.asarray(y.detach() if lib is fgrad_nn else y.numpy())
            pats.append((np.allclose(y, y[:, :1]), np.allclose(y, y[:1, :])))  # same along inner / outer
        assert pats[0] == pats[1], (outer, inner, pats)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_dropout_under_vmap(randomness):
    x = fgrad_nn.tensor(np.ones((4, 50)))
    y = np.asarray(fgrad_nn.func.vmap(lambda t: fgrad_nn.nn.functional.dropout(t, 0.5), randomness=randomness)(x))
    assert set(np.unique(y)) == {0.0, 2.0}
    assert (y == y[0]).all() == (randomness == "same")


# ---------------------------------------------------------------------- stack_module_state

def test_stack_module_state_like_torch():
    def run(lib, F):
        lib.manual_seed(0)
        models = [lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3)) for _ in range(4)]
        params, buffers = F.stack_module_state(models)
        return ({k: (tuple(v.shape), v.requires_grad, v.is_leaf) for k, v in params.items()},
                {k: (tuple(v.shape), v.requires_grad) for k, v in buffers.items()})
    assert run(torch, torch.func) == run(fgrad_nn, fgrad_nn.func)

    def values(lib, F):
        models = [lib.nn.Linear(2, 3) for _ in range(2)]
        with lib.no_grad():
            for k, m in enumerate(models):
                m.weight.copy_(lib.tensor(np.full((3, 2), float(k))))
        return F.stack_module_state(models)[0]["weight"]
    a, b = values(torch, torch.func), values(fgrad_nn, fgrad_nn.func)
    np.testing.assert_array_equal(np.asarray(b.detach()), a.detach().numpy())


@pytest.mark.parametrize("case", [
    lambda lib, F: F.stack_module_state([]),
    lambda lib, F: F.stack_module_state([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2).eval()]),
    lambda lib, F: F.stack_module_state([lib.nn.Linear(2, 2), lib.nn.Tanh()]),
    lambda lib, F: F.stack_module_state([lib.nn.Linear(2, 2), lib.nn.Linear(2, 2).requires_grad_(False)]),
])
def test_stack_module_state_errors_like_torch(case):
    both_raise(lambda lib, F, *a: case(lib, F))


def test_ensemble_trains_through_the_stacked_parameters():
    """The stacked parameters are leaves: a loss over the vmapped ensemble backpropagates into them."""
    def run(lib, F):
        lib.manual_seed(0)
        models = [lib.nn.Linear(4, 2).double() for _ in range(3)]
        for k, m in enumerate(models):
            with lib.no_grad():
                m.weight.copy_(lib.tensor(np.full((2, 4), 0.1 * k)))
                m.bias.zero_()
        params, buffers = F.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta")
        out = F.vmap(lambda p, b, x: F.functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))(
            params, buffers, lib.tensor(XS[0]))
        (out ** 2).sum().backward()
        return out, OrderedDict((k, v.grad) for k, v in params.items())
    same(run(torch, torch.func), run(fgrad_nn, fgrad_nn.func))


def test_meta_device():
    m = fgrad_nn.nn.Linear(3, 2).to("meta")
    assert m.weight.device == fgrad_nn.device("meta") and m.weight.shape == (2, 3)
    assert m.weight.requires_grad and isinstance(m.weight, fgrad_nn.nn.Parameter)
    assert fgrad_nn.zeros(2, device="meta").device.type == "meta"
    assert repr(fgrad_nn.device("meta")) == repr(torch.device("meta"))


def test_docs_vmap_page_runs_as_written():
    src = open(os.path.join(ROOT, "docs", "vmap.md")).read()
    blocks = re.findall(r"```python\n(.*?)```", src, re.S)
    assert len(blocks) >= 8
    ns = {}
    for i, code in enumerate(blocks):  # one namespace: later blocks use the earlier imports
        exec(compile(code, f"docs/vmap.md block {i}", "exec"), ns)


# ---------------------------------------------------------------------- Tensor methods and nn.functional inside vmap

_XB = np.random.default_rng(3).standard_normal((3, 4, 5))
_IB = np.random.default_rng(4).integers(0, 4, (3, 4))
_EMB = np.random.default_rng(5).standard_normal((5, 6))


def _per_example_cases():
    F_ = fgrad_nn.nn.functional
    emb = fgrad_nn.tensor(_EMB)
    mha = fgrad_nn.nn.MultiheadAttention(5, 1, batch_first=True).double()
    lstm = fgrad_nn.nn.LSTM(5, 3, batch_first=True).double()
    return {
        "cross_entropy": (lambda x, i: F_.cross_entropy(x, i), True),
        "cross_entropy_none": (lambda x, i: F_.cross_entropy(x, i, reduction="none"), True),
        "nll_ignore_index": (lambda x, i: F_.nll_loss(F_.log_softmax(x, 1), i, ignore_index=2), True),
        "embedding": (lambda x, i: F_.embedding(i, emb), True),
        "embedding_padding": (lambda x, i: F_.embedding(i, emb, padding_idx=1), True),
        "one_hot": (lambda x, i: F_.one_hot(i, 5), True),
        "gather": (lambda x, i: x.gather(1, i.unsqueeze(1)), True),
        "tensor_index": (lambda x, i: x[i], True),
        "scalar_tensor_index": (lambda x, i: x[i[0]], True),
        "index_select": (lambda x, i: x.index_select(1, i), True),
        "scatter": (lambda x, i: fgrad_nn.zeros(4, 5, dtype=x.dtype).scatter(1, i.unsqueeze(1), x[:, :1]), True),
        "masked_fill": (lambda x: x.masked_fill(x > 0, 0.0), False),
        "where": (lambda x: fgrad_nn.where(x > 0, x, -x), False),
        "clamp_tensor": (lambda x: x.clamp(min=x.mean(), max=x.max()), False),
        "topk": (lambda x: x.topk(2, dim=1).values + x.topk(2, dim=1).indices, False),
        "sort": (lambda x: x.sort(dim=0, descending=True).values, False),
        "argsort": (lambda x: x.argsort(dim=1), False),
        "median": (lambda x: x.median(dim=1).values, False),
        "max_dim": (lambda x: x.max(dim=1).values * x.max(dim=1).indices, False),
        "argmax": (lambda x: x.argmax() + x.argmin(1), False),
        "all_any_count": (lambda x: fgrad_nn.stack([(x > 0).all(), (x > 0).any(), (x > 0).count_nonzero() > 3]), False),
        "isclose": (lambda x: fgrad_nn.isclose(x, x.round()), False),
        "softmax": (lambda x: F_.softmax(x, -1) + F_.log_softmax(x, 0), False),
        "bce": (lambda x: F_.binary_cross_entropy(x.sigmoid(), (x > 0).double()), False),
        "conv1d_pool": (lambda x: F_.max_pool1d(F_.conv1d(x.unsqueeze(0), fgrad_nn.ones(2, 4, 3, dtype=x.dtype)), 2),
                        False),
        "norms": (lambda x: F_.layer_norm(x, (5,)) + F_.group_norm(x.unsqueeze(0), 2)[0], False),
        "setitem": (lambda x: _setitem(_setitem(x.clone(), 0, 0.0), (slice(None), 1), 1.0), False),
        "views": (lambda x: fgrad_nn.cat(x.chunk(2, 1)[::-1], 1) + fgrad_nn.stack(x.unbind(1), 1), False),
        "mha": (lambda x: mha(x.unsqueeze(0), x.unsqueeze(0), x.unsqueeze(0))[0], False),
        "lstm": (lambda x: lstm(x.unsqueeze(0))[0], False),
        "sdpa_causal": (lambda x: F_.scaled_dot_product_attention(x, x, x, is_causal=True), False),
    }


@pytest.mark.parametrize("name", sorted(_per_example_cases()))
def test_vmap_of_tensor_ops_and_functional_equals_a_loop(name):
    f, with_index = _per_example_cases()[name]
    args = (fgrad_nn.tensor(_XB), fgrad_nn.tensor(_IB)) if with_index else (fgrad_nn.tensor(_XB),)
    got = fgrad_nn.func.vmap(f)(*args)
    want = fgrad_nn.stack([f(*[a[k] for a in args]) for k in range(3)])
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got.detach()), np.asarray(want.detach()), rtol=1e-12, atol=1e-12)
