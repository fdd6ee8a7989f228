"""Losses (fgrad.nn.loss, F.*, nn.*Loss) against torch 2.13: values, dtypes, gradients, errors."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad_nn
import fgrad_nn.nn.functional as F
import fgrad.nn as L
import fgrad.nn.functional as LF

TOL = {np.float64: 1e-10, np.float32: 1e-5}
REDUCTIONS = st.sampled_from(["none", "mean", "sum"])
DTYPES = st.sampled_from([np.float64, np.float32])


def _np(t):
    return np.asarray(t.detach().cpu()) if isinstance(t, fgrad_nn.Tensor) else t.detach().numpy()


def compare(call, arrays, grad_of, device="cpu", dtype=np.float64, grad_scale=1.0):
    """``call(lib, F, *tensors)`` in torch and fgrad_nn: same shape, dtype, values and gradients w.r.t.
    ``arrays[i]`` for i in ``grad_of`` (a weighted sum of the output is differentiated). ``grad_scale``:
    the size of terms that cancel in the gradient (its rounding error scales with them)."""
    outs, grads = [], []
    for lib, fn in ((torch, torch.nn.functional), (fgrad_nn, F)):
        kw = {} if lib is torch else {"device": device}
        ts = [lib.tensor(a, requires_grad=i in grad_of, **kw) if isinstance(a, (np.ndarray, np.generic)) else a
              for i, a in enumerate(arrays)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(lib, fn, *ts)
        w = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(_np(out).dtype), **kw)
        gs = lib.autograd.grad((out * w).sum(), [ts[i] for i in grad_of]) if grad_of else ()
        outs.append(out)
        grads.append([_np(g) for g in gs])
    t, f = outs
    assert tuple(t.shape) == tuple(f.shape)
    assert str(t.dtype) == str(f.dtype)
    tol = TOL[dtype]
    np.testing.assert_allclose(_np(f), _np(t), rtol=tol, atol=tol, equal_nan=True)
    for gt, gf in zip(*grads):
        np.testing.assert_allclose(gf, gt, rtol=tol,
                                   atol=tol * max(1.0, grad_scale, float(np.abs(gt).max(initial=0))))
    return f


def raises_like_torch(call, *arrays):
    """torch and fgrad_nn both raise, with the same exception type; returns (torch's, ours)."""
    errs = []
    for lib, fn in ((torch, torch.nn.functional), (fgrad_nn, F)):
        ts = [lib.tensor(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                call(lib, fn, *ts)
            except Exception as e:  # noqa: BLE001 -- the type is what is compared
                errs.append(e)
            else:
                errs.append(None)
    t_err, f_err = errs
    assert t_err is not None and f_err is not None, (t_err, f_err)
    assert type(f_err) is type(t_err), f"torch: {t_err!r}, fgrad_nn: {f_err!r}"
    return t_err, f_err


def _rng(seed):
    return np.random.default_rng(seed)


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


# ----------------------------------------------------------------------------- regression losses

@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       which=st.sampled_from(["mse", "l1", "smooth_l1", "huber"]), weighted=st.booleans(),
       param=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_pointwise_losses(device, shape, seed, reduction, dtype, which, weighted, param):
    r = _rng(seed)
    x, y = r.standard_normal(shape).astype(dtype), r.standard_normal(shape).astype(dtype)
    w = r.random(shape).astype(dtype) + 0.1
    if which == "smooth_l1":
        call = lambda lib, fn, a, b, c: fn.smooth_l1_loss(a, b, reduction=reduction, beta=param)  # noqa: E731
    elif which == "huber":
        param = param or 0.3
        call = lambda lib, fn, a, b, c: fn.huber_loss(a, b, reduction=reduction, delta=param,  # noqa: E731
                                                      weight=c if weighted else None)
    else:
        f = which + "_loss"
        call = lambda lib, fn, a, b, c: getattr(fn, f)(a, b, reduction=reduction,  # noqa: E731
                                                       weight=c if weighted else None)
    compare(call, [x, y, w], (0, 1), device, dtype)


@settings(max_examples=10)
@given(seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, which=st.sampled_from(["mse_loss", "l1_loss"]))
def test_broadcast_target_and_integer_target(device, seed, reduction, which):
    r = _rng(seed)
    x = r.standard_normal((3, 4)).astype(np.float32)
    compare(lambda lib, fn, a, b: getattr(fn, which)(a, b, reduction=reduction),
            [x, r.standard_normal(4).astype(np.float32)], (0, 1), device, np.float32)
    compare(lambda lib, fn, a, b: getattr(fn, which)(a, b, reduction=reduction),
            [x, r.integers(-2, 3, (3, 4))], (0,), device, np.float32)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True),
                                                 (True, False), (None, True)])
def test_legacy_size_average_reduce(device, size_average, reduce):
    r = _rng(0)
    x, y = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    t = r.integers(0, 4, 3)
    for call in (lambda lib, fn, a, b, c: fn.mse_loss(a, b, size_average, reduce),
                 lambda lib, fn, a, b, c: fn.l1_loss(a, b, size_average=size_average, reduce=reduce),
                 lambda lib, fn, a, b, c: fn.cross_entropy(a, c, size_average=size_average, reduce=reduce),
                 lambda lib, fn, a, b, c: fn.nll_loss(a, c, None, size_average, -100, reduce),
                 lambda lib, fn, a, b, c: fn.kl_div(a, b.abs(), size_average, reduce)):
        compare(call, [x, y, t], (0,), device)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        m = fgrad_nn.nn.MSELoss(size_average, reduce)
    assert m.reduction == torch.nn.MSELoss(size_average, reduce).reduction


# ----------------------------------------------------------------------------- cross entropy / NLL

@st.composite
def class_problems(draw):
    """(input shape, class axis, target shape) for (C,), (N, C) and (N, C, d1, ...) inputs."""
    c = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["unbatched", "2d", "3d", "4d", "5d"]))
    if kind == "unbatched":
        return (c,), ()
    n = draw(st.integers(0 if kind == "2d" else 1, 4))
    extra = {"2d": 0, "3d": 1, "4d": 2, "5d": 3}[kind]
    d = tuple(draw(st.integers(1, 3)) for _ in range(extra))
    return (n, c) + d, (n,) + d


@settings(max_examples=30)
@given(prob=class_problems(), seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       weighted=st.booleans(), ignore=st.sampled_from(["none", "default", "class"]),
       label_smoothing=st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]), nll=st.booleans())
def test_index_targets(device, prob, seed, reduction, dtype, weighted, ignore, label_smoothing, nll):
    in_shape, t_shape = prob
    c = in_shape[0 if len(in_shape) == 1 else 1]
    r = _rng(seed)
    x = (r.standard_normal(in_shape) * 3).astype(dtype)
    t = r.integers(0, c, t_shape)
    ignore_index = -100
    if ignore == "default":
        t = np.where(r.random(t_shape) < 0.3, -100, t)
    elif ignore == "class":
        ignore_index = int(r.integers(0, c))
    w = (r.random(c) + 0.1).astype(dtype)
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    if nll:
        call = lambda lib, fn, a, b, c: fn.nll_loss(fn.log_softmax(a, 0 if a.dim() == 1 else 1),  # noqa: E731
                                                    b, c if weighted else None, **kw)
    else:
        call = lambda lib, fn, a, b, c: fn.cross_entropy(a, b, c if weighted else None,  # noqa: E731
                                                         label_smoothing=label_smoothing, **kw)
    compare(call, [x, t, w], (0,), device, dtype)


@settings(max_examples=20)
@given(prob=class_problems(), seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       weighted=st.booleans(), label_smoothing=st.sampled_from([0.0, 0.2, 1.0]))
def test_probability_targets(device, prob, seed, reduction, dtype, weighted, label_smoothing):
    in_shape, _ = prob
    c = in_shape[0 if len(in_shape) == 1 else 1]
    r = _rng(seed)
    x = (r.standard_normal(in_shape) * 3).astype(dtype)
    p = r.random(in_shape).astype(dtype)
    w = (r.random(c) + 0.1).astype(dtype)
    compare(lambda lib, fn, a, b, c: fn.cross_entropy(a, b, c if weighted else None, reduction=reduction,
                                                      label_smoothing=label_smoothing),
            [x, p, w], (0, 1), device, dtype)


def test_cross_entropy_extremes_are_finite(device):
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 1e4]], np.float32)
    t = np.array([1, 0])
    out = compare(lambda lib, fn, a, b: fn.cross_entropy(a, b), [x, t], (0,), device, np.float32)
    assert np.isfinite(_np(out))


def test_all_ignored_mean_is_nan_sum_is_zero():
    x = fgrad_nn.zeros(3, 4)
    t = fgrad_nn.full((3,), -100, dtype=fgrad_nn.int64)
    assert np.isnan(F.cross_entropy(x, t).item()) and np.isnan(F.nll_loss(x, t).item())
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0


def test_uint8_targets():
    r = _rng(3)
    compare(lambda lib, fn, a, b: fn.cross_entropy(a, b, ignore_index=2),
            [r.standard_normal((5, 4)), r.integers(0, 4, 5).astype(np.uint8)], (0,))


# ----------------------------------------------------------------------------- binary cross entropy

@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       weight_shape=st.sampled_from(["none", "same", "last", "scalar"]))
def test_binary_cross_entropy(device, shape, seed, reduction, dtype, weight_shape):
    r = _rng(seed)
    p = (r.random(shape) * 0.98 + 0.01).astype(dtype)
    y = r.random(shape).astype(dtype)
    wshape = {"none": (), "same": shape, "last": shape[-1:], "scalar": ()}[weight_shape]
    w = (r.random(wshape) + 0.1).astype(dtype)
    call = lambda lib, fn, a, b, c: fn.binary_cross_entropy(  # noqa: E731
        a, b, None if weight_shape == "none" else c, reduction=reduction)
    compare(call, [p, y, w], (0, 1), device, dtype)


def test_binary_cross_entropy_clamps_logs_at_minus_100(device):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    out = compare(lambda lib, fn, a, b: fn.binary_cross_entropy(a, b, reduction="none"), [p, y], (), device)
    np.testing.assert_array_equal(_np(out)[:2], [100.0, 100.0])
    g = fgrad.grad(lambda q: LF.binary_cross_entropy(q, y))(p)
    assert np.isfinite(g).all()


@settings(max_examples=20)
@given(shape=shapes.filter(len), seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       weighted=st.booleans(), pos=st.sampled_from(["none", "last", "full"]), scale=st.sampled_from([1.0, 30.0]))
def test_binary_cross_entropy_with_logits(device, shape, seed, reduction, dtype, weighted, pos, scale):
    r = _rng(seed)
    x = (r.standard_normal(shape) * scale).astype(dtype)
    y = r.random(shape).astype(dtype)
    w = (r.random(shape[-1:]) + 0.1).astype(dtype)
    pw = (r.random({"none": (), "last": shape[-1:], "full": shape}[pos]) * 3).astype(dtype)
    call = lambda lib, fn, a, b, c, d: fn.binary_cross_entropy_with_logits(  # noqa: E731
        a, b, c if weighted else None, reduction=reduction, pos_weight=None if pos == "none" else d)
    compare(call, [x, y, w, pw], (0, 1), device, dtype)


def test_bce_with_logits_is_finite_for_huge_logits():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    y = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    val, g = fgrad.value_and_grad(lambda z: LF.binary_cross_entropy_with_logits(z, y, reduction="sum"))(x)
    assert np.isfinite(val) and np.isfinite(g).all()
    compare(lambda lib, fn, a, b: fn.binary_cross_entropy_with_logits(a, b, reduction="none"), [x, y], (0, 1))


# ----------------------------------------------------------------------------- KL, cosine embedding, ranking

@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), dtype=DTYPES, log_target=st.booleans(),
       reduction=st.sampled_from(["none", "mean", "sum", "batchmean"]))
def test_kl_div(device, shape, seed, dtype, log_target, reduction):
    r = _rng(seed)
    x = r.standard_normal(shape).astype(dtype)
    y = (r.standard_normal(shape) if log_target else r.random(shape) + 0.05).astype(dtype)
    compare(lambda lib, fn, a, b: fn.kl_div(a, b, reduction=reduction, log_target=log_target),
            [x, y], (0, 1), device, dtype)


@settings(max_examples=20)
@given(n=st.integers(0, 4), d=st.integers(1, 4), seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS,
       dtype=DTYPES, margin=st.sampled_from([0.0, 0.3, -0.5]), unbatched=st.booleans(), int_target=st.booleans())
def test_cosine_embedding_loss(device, n, d, seed, reduction, dtype, margin, unbatched, int_target):
    r = _rng(seed)
    shape = (d,) if unbatched else (n, d)
    x1, x2 = r.standard_normal(shape).astype(dtype), r.standard_normal(shape).astype(dtype)
    t = r.choice([-1, 1], () if unbatched else (n,)).astype(np.int64 if int_target else dtype)
    # d cos / d x1 is made of terms of size 1 / |x1| that cancel exactly when the rows have one element
    norms = [np.sqrt((x.astype(np.float64) ** 2).sum(axis=-1)).min(initial=np.inf) for x in (x1, x2)]
    compare(lambda lib, fn, a, b, c: fn.cosine_embedding_loss(a, b, c, margin=margin, reduction=reduction),
            [x1, x2, t], (0, 1), device, dtype, grad_scale=1.0 / max(min(norms), 1e-8))


@settings(max_examples=20)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, dtype=DTYPES,
       margin=st.sampled_from([0.0, 0.5, -0.2]))
def test_margin_ranking_loss(device, shape, seed, reduction, dtype, margin):
    r = _rng(seed)
    x1, x2 = r.standard_normal(shape).astype(dtype), r.standard_normal(shape).astype(dtype)
    t = r.choice([-1.0, 1.0], shape).astype(dtype)
    compare(lambda lib, fn, a, b, c: fn.margin_ranking_loss(a, b, c, margin=margin, reduction=reduction),
            [x1, x2, t], (0, 1, 2), device, dtype)


# ----------------------------------------------------------------------------- errors

f32, i64 = np.float32, np.int64
ERRORS = [
    ("class index out of range", lambda lib, fn, a, b: fn.cross_entropy(a, b),
     [np.zeros((3, 4), f32), np.array([0, 1, 4])]),
    ("negative class index", lambda lib, fn, a, b: fn.nll_loss(a, b), [np.zeros((3, 4), f32), np.array([0, -1, 2])]),
    ("index out of range 4d", lambda lib, fn, a, b: fn.nll_loss(a, b),
     [np.zeros((2, 3, 2, 2), f32), np.full((2, 2, 2), 3)]),
    ("batch mismatch", lambda lib, fn, a, b: fn.cross_entropy(a, b), [np.zeros((3, 4), f32), np.array([0, 1])]),
    ("0-d target for 2-d input", lambda lib, fn, a, b: fn.nll_loss(a, b), [np.zeros((3, 4), f32), np.array(1)]),
    ("0-d input", lambda lib, fn, a, b: fn.nll_loss(a, b), [np.array(1.0, f32), np.array(0)]),
    ("int32 target", lambda lib, fn, a, b: fn.cross_entropy(a, b),
     [np.zeros((3, 4), f32), np.array([0, 1, 2], np.int32)]),
    ("float 1-d target", lambda lib, fn, a, b: fn.cross_entropy(a, b), [np.zeros((3, 4), f32), np.zeros(3, f32)]),
    ("multi-target", lambda lib, fn, a, b: fn.cross_entropy(a, b), [np.zeros((3, 4), f32), np.zeros((3, 1), i64)]),
    ("spatial target size", lambda lib, fn, a, b: fn.cross_entropy(a, b),
     [np.zeros((2, 3, 4), f32), np.zeros((2, 5), i64)]),
    ("4d target dims", lambda lib, fn, a, b: fn.nll_loss(a, b), [np.zeros((2, 3, 4, 5), f32), np.zeros((2, 20), i64)]),
    ("4d target size", lambda lib, fn, a, b: fn.nll_loss(a, b),
     [np.zeros((2, 3, 4, 5), f32), np.zeros((2, 4, 4), i64)]),
    ("weight size", lambda lib, fn, a, b, c: fn.cross_entropy(a, b, c),
     [np.zeros((3, 4), f32), np.zeros(3, i64), np.ones(3, f32)]),
    ("weight size 3d", lambda lib, fn, a, b, c: fn.nll_loss(a, b, c),
     [np.zeros((2, 3, 4), f32), np.zeros((2, 4), i64), np.ones(2, f32)]),
    ("weight dtype", lambda lib, fn, a, b, c: fn.cross_entropy(a, b, c),
     [np.zeros((3, 4), f32), np.zeros(3, i64), np.ones(4)]),
    ("prob weight size", lambda lib, fn, a, b, c: fn.cross_entropy(a, b, c),
     [np.zeros((3, 4), f32), np.zeros((3, 4), f32), np.ones(3, f32)]),
    ("long prob target", lambda lib, fn, a, b: fn.cross_entropy(a, b), [np.zeros(4, f32), np.zeros(4, i64)]),
    ("ignore_index with probs", lambda lib, fn, a, b: fn.cross_entropy(a, b, ignore_index=1),
     [np.zeros((3, 4), f32), np.zeros((3, 4), f32)]),
    ("label_smoothing > 1", lambda lib, fn, a, b: fn.cross_entropy(a, b, label_smoothing=1.5),
     [np.zeros((3, 4), f32), np.zeros(3, i64)]),
    ("1-d target of size 2 for 1-d input", lambda lib, fn, a, b: fn.nll_loss(a, b),
     [np.zeros(4, f32), np.zeros(2, i64)]),
    ("bad reduction", lambda lib, fn, a, b: fn.cross_entropy(a, b, reduction="avg"),
     [np.zeros((3, 4), f32), np.zeros(3, i64)]),
    ("bad reduction mse", lambda lib, fn, a, b: fn.mse_loss(a, b, reduction="batchmean"),
     [np.zeros(3, f32), np.zeros(3, f32)]),
    ("mse shapes", lambda lib, fn, a, b: fn.mse_loss(a, b), [np.zeros((3, 4), f32), np.zeros((3, 5), f32)]),
    ("mse weight size", lambda lib, fn, a, b, c: fn.mse_loss(a, b, weight=c),
     [np.zeros(3, f32), np.zeros(3, f32), np.ones(2, f32)]),
    ("huber delta", lambda lib, fn, a, b: fn.huber_loss(a, b, delta=0.0), [np.zeros(3, f32), np.zeros(3, f32)]),
    ("smooth_l1 beta", lambda lib, fn, a, b: fn.smooth_l1_loss(a, b, beta=-1.0), [np.zeros(3, f32), np.zeros(3, f32)]),
    ("bce size", lambda lib, fn, a, b: fn.binary_cross_entropy(a, b), [np.full(3, .5, f32), np.zeros((3, 1), f32)]),
    ("bce input range", lambda lib, fn, a, b: fn.binary_cross_entropy(a, b), [np.array([1.5], f32), np.zeros(1, f32)]),
    ("bce target range", lambda lib, fn, a, b: fn.binary_cross_entropy(a, b),
     [np.array([.5], f32), np.array([2.], f32)]),
    ("bce target dtype", lambda lib, fn, a, b: fn.binary_cross_entropy(a, b),
     [np.array([.5], f32), np.array([1], i64)]),
    ("bce weight shape", lambda lib, fn, a, b, c: fn.binary_cross_entropy(a, b, c),
     [np.full((3, 4), .5, f32), np.zeros((3, 4), f32), np.ones((2, 3, 4), f32)]),
    ("bce logits size", lambda lib, fn, a, b: fn.binary_cross_entropy_with_logits(a, b),
     [np.zeros(3, f32), np.zeros((3, 1), f32)]),
    ("bce logits long target", lambda lib, fn, a, b: fn.binary_cross_entropy_with_logits(a, b),
     [np.zeros(3, f32), np.zeros(3, i64)]),
    ("bce logits pos_weight", lambda lib, fn, a, b, c: fn.binary_cross_entropy_with_logits(a, b, pos_weight=c),
     [np.zeros((3, 4), f32), np.zeros((3, 4), f32), np.ones(3, f32)]),
    ("kl shapes", lambda lib, fn, a, b: fn.kl_div(a, b, reduction="sum"),
     [np.zeros((3, 4), f32), np.ones((3, 5), f32)]),
    ("kl integer target", lambda lib, fn, a, b: fn.kl_div(a, b, reduction="sum"), [np.zeros(3, f32), np.ones(3, i64)]),
    ("margin ranking dims", lambda lib, fn, a, b, c: fn.margin_ranking_loss(a, b, c),
     [np.zeros(3, f32), np.zeros(3, f32), np.ones((3, 1), f32)]),
    ("margin ranking shapes", lambda lib, fn, a, b, c: fn.margin_ranking_loss(a, b, c),
     [np.zeros(3, f32), np.zeros(4, f32), np.ones(3, f32)]),
    ("cosine embedding 3d", lambda lib, fn, a, b, c: fn.cosine_embedding_loss(a, b, c),
     [np.ones((2, 3, 4), f32), np.ones((2, 3, 4), f32), np.ones(2, f32)]),
    ("cosine embedding 2d target", lambda lib, fn, a, b, c: fn.cosine_embedding_loss(a, b, c),
     [np.ones((2, 3), f32), np.ones((2, 3), f32), np.ones((2, 1), f32)]),
    ("cosine embedding target size", lambda lib, fn, a, b, c: fn.cosine_embedding_loss(a, b, c),
     [np.ones((2, 3), f32), np.ones((2, 3), f32), np.ones(3, f32)]),
]


@pytest.mark.parametrize("what,call,arrays", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(what, call, arrays):
    t_err, f_err = raises_like_torch(call, *arrays)
    if isinstance(t_err, (IndexError, ValueError)) or "out of bounds" in str(t_err):
        assert str(f_err) == str(t_err)


def test_size_mismatch_warns_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(fgrad_nn.zeros(3, 4), fgrad_nn.zeros(4))


# ----------------------------------------------------------------------------- one_hot (pure)

@pytest.mark.parametrize("values,num_classes", [([0, 3, 1], -1), ([[0, 1], [2, 0]], 5), ([], 3), (2, 4)])
def test_one_hot(values, num_classes):
    a = np.array(values, np.int64)
    got = L.sparse.one_hot(a, num_classes)
    want = torch.nn.functional.one_hot(torch.tensor(a), num_classes).numpy()
    assert got.dtype == np.int64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("values,num_classes", [([0, -1], -1), ([0, 3], 2), (np.zeros(0, np.int64), -1)])
def test_one_hot_errors(values, num_classes):
    a = np.array(values, np.int64)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.one_hot(torch.tensor(a), num_classes)
    with pytest.raises(RuntimeError, match=str(theirs.value)):
        L.sparse.one_hot(a, num_classes)
    with pytest.raises(RuntimeError, match="LongTensor"):
        L.sparse.one_hot(a.astype(np.int32), num_classes)


# ----------------------------------------------------------------------------- the faces agree

def _module_cases():
    r = _rng(7)
    x, y = r.standard_normal((4, 3)), r.standard_normal((4, 3))
    t, w = r.integers(0, 3, 4), r.random(3) + 0.1
    p, pr = r.random((4, 3)), r.random((4, 3)) * 0.9 + 0.05
    s = np.array([1.0, -1.0, 1.0, -1.0])
    return [
        ("MSELoss", dict(reduction="sum"), (), [x, y]),
        ("L1Loss", dict(reduction="none"), (), [x, y]),
        ("SmoothL1Loss", dict(beta=0.5), (), [x, y]),
        ("HuberLoss", dict(delta=0.5, reduction="sum"), (), [x, y]),
        ("CrossEntropyLoss", dict(ignore_index=1, label_smoothing=0.1), ("weight",), [x, t]),
        ("CrossEntropyLoss", dict(), (), [x, p]),
        ("NLLLoss", dict(reduction="sum"), ("weight",), [x, t]),
        ("BCELoss", dict(), ("weight",), [pr, p]),
        ("BCEWithLogitsLoss", dict(reduction="none"), ("weight", "pos_weight"), [x, p]),
        ("KLDivLoss", dict(reduction="batchmean", log_target=True), (), [x, y]),
        ("CosineEmbeddingLoss", dict(margin=0.2), (), [x, y, s]),
        ("MarginRankingLoss", dict(margin=0.1), (), [x[:, 0], y[:, 0], s]),
    ], w


@pytest.mark.parametrize("case", range(12))
def test_module_equals_torch_and_pure_layer(device, case):
    cases, w = _module_cases()
    name, kw, buffers, arrays = cases[case]
    tkw = dict(kw, **{b: torch.tensor(w) for b in buffers})
    fkw = dict(kw, **{b: fgrad_nn.tensor(w, device=device) for b in buffers})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, fm = getattr(torch.nn, name)(**tkw), getattr(fgrad_nn.nn, name)(**fkw)
        assert list(tm.state_dict()) == list(fm.state_dict())
        assert repr(tm) == repr(fm)
        compare(lambda lib, fn, *ts: (tm if lib is torch else fm)(*ts), arrays, (0,), device)
        # the pure loss layer (buffers in its state) gives the Module's value
        layer = getattr(L, name)(**dict(kw, **{b: w for b in buffers}))
        params, state = layer.init(fgrad.random.key(0))
        assert sorted(state) == sorted(buffers)
        pure, _ = layer.apply(params, state, *arrays)
        face = fm(*[fgrad_nn.tensor(a, device=device) for a in arrays])
    np.testing.assert_allclose(face.detach().cpu().numpy(), pure, rtol=1e-12, atol=1e-14)


@settings(max_examples=10)
@given(seed=st.integers(0, 2 ** 16), reduction=REDUCTIONS, label_smoothing=st.sampled_from([0.0, 0.3]))
def test_pure_function_equals_F_and_differentiates(seed, reduction, label_smoothing):
    r = _rng(seed)
    x, t, w = r.standard_normal((5, 4)), r.integers(0, 4, 5), r.random(4) + 0.1
    kw = dict(reduction=reduction, label_smoothing=label_smoothing, ignore_index=2)
    pure = LF.cross_entropy(x, t, w, **kw)
    xt = fgrad_nn.tensor(x, requires_grad=True)
    face = F.cross_entropy(xt, fgrad_nn.tensor(t), fgrad_nn.tensor(w), **kw)
    np.testing.assert_array_equal(np.asarray(face.detach()), pure)
    face.sum().backward()
    g = fgrad.grad(lambda z: LF.cross_entropy(z, t, w, **kw).sum())(x)
    np.testing.assert_allclose(np.asarray(xt.grad), g, rtol=1e-12, atol=1e-15)


def test_cross_entropy_hessian_matches_torch():
    r = _rng(11)
    x, t = r.standard_normal((3, 4)), r.integers(0, 4, 3)
    h = fgrad.hessian(lambda z: LF.cross_entropy(z, t, label_smoothing=0.2))(x)
    th = torch.autograd.functional.hessian(
        lambda z: torch.nn.functional.cross_entropy(z, torch.tensor(t), label_smoothing=0.2), torch.tensor(x))
    np.testing.assert_allclose(h, th.numpy(), rtol=1e-10, atol=1e-12)


def test_seed_usages_train():
    """The seeds' spellings: nn.MSELoss(reduction='sum'), nn.CrossEntropyLoss(), nn.BCELoss(), F.cross_entropy."""
    r = _rng(5)
    x = r.standard_normal((6, 3)).astype(np.float32)
    results = {}
    for lib in (torch, fgrad_nn):
        scores = lib.tensor(x, requires_grad=True)
        y = lib.tensor(r.integers(0, 3, 6) * 0 + np.arange(6) % 3)
        losses = [lib.nn.MSELoss(reduction="sum")(scores, lib.zeros(6, 3)),
                  lib.nn.CrossEntropyLoss()(scores, y),
                  lib.nn.BCELoss()(lib.sigmoid(scores), lib.ones(6, 3) * 0.25),
                  lib.nn.functional.cross_entropy(scores, y)]
        sum(losses).backward()
        results[lib.__name__] = ([float(v.item()) for v in losses], _np(scores.grad))
    (tv, tg), (fv, fg) = results["torch"], results["fgrad_nn"]
    np.testing.assert_allclose(fv, tv, rtol=1e-5)
    np.testing.assert_allclose(fg, tg, rtol=1e-5, atol=1e-6)
