"""normalize, cosine_similarity, pairwise_distance (fgrad.nn.distance, F, nn) against torch 2.13."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad_nn
import fgrad_nn.nn.functional as F
import fgrad.nn as L

TOL = {np.float64: 1e-10, np.float32: 1e-5}
DTYPES = st.sampled_from([np.float64, np.float32])
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _np(t):
    return np.asarray(t.detach().cpu()) if isinstance(t, fgrad_nn.Tensor) else t.detach().numpy()


def compare(call, arrays, grad_of, device="cpu", dtype=np.float64, grad_scale=1.0):
    """Values, dtypes and gradients of ``call`` in both libraries. ``grad_scale``: the size of the terms that
    cancel in the gradient (its rounding error scales with them, even where the exact gradient is 0)."""
    outs, grads = [], []
    for lib, fn in ((torch, torch.nn.functional), (fgrad_nn, F)):
        kw = {} if lib is torch else {"device": device}
        ts = [lib.tensor(np.asarray(a), requires_grad=i in grad_of, **kw) for i, a in enumerate(arrays)]
        out = call(lib, fn, *ts)
        w = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(_np(out).dtype), **kw)
        gs = lib.autograd.grad((out * w).sum(), [ts[i] for i in grad_of]) if grad_of else ()
        outs.append(out)
        grads.append([_np(g) for g in gs])
    t, f = outs
    assert tuple(t.shape) == tuple(f.shape) and str(t.dtype) == str(f.dtype)
    tol = TOL[dtype]
    np.testing.assert_allclose(_np(f), _np(t), rtol=tol, atol=tol)
    for gt, gf in zip(*grads):
        np.testing.assert_allclose(gf, gt, rtol=tol,
                                   atol=tol * max(1.0, grad_scale, float(np.abs(gt).max(initial=0))))
    return f


@st.composite
def dim_of(draw, shape):
    nd = len(shape)
    return draw(st.integers(-nd, nd - 1))


@settings(max_examples=20)
@given(shape=shapes, data=st.data(), seed=st.integers(0, 2 ** 16), dtype=DTYPES,
       p=st.sampled_from([2.0, 1.0, 3.0, 0.5, float("inf")]), tiny=st.booleans())
def test_normalize(device, shape, data, seed, dtype, p, tiny):
    dim = data.draw(dim_of(shape))
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    if tiny:  # rows whose norm falls below eps: the clamp (and its zero derivative) is used
        x = x * 1e-14
    compare(lambda lib, fn, a: fn.normalize(a, p=p, dim=dim, eps=1e-12), [x], (0,), device, dtype)


@settings(max_examples=20)
@given(shape=shapes, data=st.data(), seed=st.integers(0, 2 ** 16), dtype=DTYPES, broadcast=st.booleans(),
       small=st.booleans())
def test_cosine_similarity(device, shape, data, seed, dtype, broadcast, small):
    dim = data.draw(dim_of(shape))
    r = np.random.default_rng(seed)
    x1 = r.standard_normal(shape).astype(dtype)
    x2 = r.standard_normal(shape[1:] if broadcast and len(shape) > 1 else shape).astype(dtype)
    if small:  # norms below eps: torch clamps the value but not the derivative
        x1 = x1 * dtype(1e-9)
    # d cos / d x1 is made of terms of size 1 / |x1| that cancel exactly when x1 has one element
    norms = [np.sqrt((np.broadcast_to(x, shape).astype(np.float64) ** 2).sum(axis=dim)).min() for x in (x1, x2)]
    compare(lambda lib, fn, a, b: fn.cosine_similarity(a, b, dim=dim), [x1, x2], (0, 1), device, dtype,
            grad_scale=1.0 / max(min(norms), 1e-8))


@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), dtype=DTYPES, keepdim=st.booleans(),
       p=st.sampled_from([2.0, 1.0, 3.0, 0.5, float("inf"), -1.0]), broadcast=st.booleans())
def test_pairwise_distance(device, shape, seed, dtype, keepdim, p, broadcast):
    r = np.random.default_rng(seed)
    x1 = r.standard_normal(shape).astype(dtype)
    x2 = r.standard_normal(shape[-1:] if broadcast else shape).astype(dtype)
    compare(lambda lib, fn, a, b: fn.pairwise_distance(a, b, p=p, keepdim=keepdim), [x1, x2], (0, 1), device, dtype)


def test_zero_dim_and_integer_inputs():
    compare(lambda lib, fn, a, b: fn.cosine_similarity(a, b, dim=0), [np.array(2.0), np.array(-3.0)], (0, 1))
    compare(lambda lib, fn, a, b: fn.pairwise_distance(a, b), [np.array(2.0), np.array(0.5)], (0, 1))
    compare(lambda lib, fn, a: fn.normalize(a, dim=0), [np.array(-3.0)], (0,))
    compare(lambda lib, fn, a, b: fn.pairwise_distance(a, b), [np.ones((2, 3), np.int64), np.zeros(3, np.int64)],
            (), dtype=np.float32)
    compare(lambda lib, fn, a, b: fn.cosine_similarity(a, b), [np.ones((2, 3), np.int64), np.ones((2, 3))], (1,))


@pytest.mark.parametrize("call,arrays", [
    (lambda lib, fn, a: fn.normalize(a), [np.ones(3)]),
    (lambda lib, fn, a: fn.normalize(a), [np.ones((2, 3), np.int64)]),
    (lambda lib, fn, a, b: fn.cosine_similarity(a, b), [np.ones((2, 3)), np.ones(4)]),
    (lambda lib, fn, a, b: fn.cosine_similarity(a, b, dim=2), [np.ones((2, 3)), np.ones((2, 3))]),
    (lambda lib, fn, a, b: fn.cosine_similarity(a, b), [np.ones((2, 3), np.int64), np.ones((2, 3), np.int64)]),
])
def test_errors_match_torch(call, arrays):
    errs = []
    for lib, fn in ((torch, torch.nn.functional), (fgrad_nn, F)):
        with pytest.raises(Exception) as e:
            call(lib, fn, *[lib.tensor(a) for a in arrays])
        errs.append(e.value)
    assert type(errs[1]) is type(errs[0]) and str(errs[1]) == str(errs[0])


@pytest.mark.parametrize("name,kw", [("CosineSimilarity", dict(dim=0, eps=1e-6)),
                                     ("PairwiseDistance", dict(p=1.0, keepdim=True))])
def test_modules_and_pure_layers(device, name, kw):
    r = np.random.default_rng(2)
    x1, x2 = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    tm, fm = getattr(torch.nn, name)(**kw), getattr(fgrad_nn.nn, name)(**kw)
    assert repr(tm) == repr(fm)
    compare(lambda lib, fn, a, b: (tm if lib is torch else fm)(a, b), [x1, x2], (0, 1), device)
    layer = getattr(L, name)(**kw)
    params, state = layer.init(fgrad.random.key(0))
    pure, _ = layer.apply(params, state, x1, x2)
    with warnings.catch_warnings():
        face = fm(fgrad_nn.tensor(x1), fgrad_nn.tensor(x2))
    np.testing.assert_array_equal(np.asarray(face), pure)
    assert fgrad.grad(lambda a: layer.apply(params, state, a, x2)[0].sum())(x1).shape == x1.shape
