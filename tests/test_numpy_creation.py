"""Array creation against NumPy: values, dtypes, devices, and derivatives where end points are traced."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad import backend
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host


def same(got, want):
    g = host(got)
    assert g.dtype == np.asarray(want).dtype, (g.dtype, np.asarray(want).dtype)
    assert g.shape == np.shape(want)
    np.testing.assert_array_equal(g, want)


def on(x, device):
    assert backend.device_of(x) == backend.as_device(device)
    return x


shapes = st.one_of(st.integers(0, 4), fst.shapes(min_dims=0, max_dims=3, min_side=0),
                   fst.shapes(max_dims=2).map(lambda s: [np.int64(n) for n in s]))
dtypes = st.sampled_from([None, np.float32, np.float64, np.int32, np.int64, np.bool_, "float32"])


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@given(shape=shapes, dtype=dtypes)
def test_constant_arrays_match_numpy(device, name, shape, dtype):
    want = getattr(np, "zeros" if name == "empty" else name)(shape, dtype)
    same(on(getattr(fnp, name)(shape, dtype, device=device), device), want)


@given(shape=shapes, fill=st.one_of(st.integers(-5, 5), st.floats(-5, 5), st.booleans()), dtype=dtypes)
def test_full_matches_numpy(device, shape, fill, dtype):
    same(on(fnp.full(shape, fill, dtype, device=device), device), np.full(shape, fill, dtype))


def test_full_broadcasts_an_array_fill_value(device):
    same(on(fnp.full((2, 3), np.arange(3.0), device=device), device), np.full((2, 3), np.arange(3.0)))


def test_full_is_differentiable_in_a_traced_fill_value(device):
    v = fgrad.device_put(np.array(1.5), device)
    assert float(fgrad.grad(lambda c: fnp.sum(fnp.full((2, 3), c) ** 2))(v)) == 18.0
    same(fgrad.grad(lambda c: fnp.sum(fnp.full((4, 2), c, np.float32)))(np.arange(2.0)), np.full(2, 4.0))


def test_creation_arguments(device):
    dev = fgrad.devices("cuda")[0] if device == "cuda" else fgrad.devices()[0]
    same(on(fnp.zeros(3, device=dev), device), np.zeros(3))  # a Device object
    like = fgrad.device_put(np.ones(2), device)
    same(on(fnp.ones((2, 2), like=like), device), np.ones((2, 2)))
    same(on(fnp.eye(3, like=like), device), np.eye(3))
    same(on(fnp.full(2, 7, like=like), device), np.full(2, 7))
    empty = fnp.empty((3, 4), device=device)
    assert not host(empty).any()  # never uninitialised memory


def test_creation_errors():
    with pytest.raises(ValueError, match="negative dimensions"):
        fnp.zeros((2, -1))
    with pytest.raises(TypeError):
        fnp.ones(2.5)
    with pytest.raises(ValueError, match="unknown device"):
        fnp.zeros(3, device="tpu")
    with pytest.raises(TypeError, match="device must be"):
        fnp.zeros(3, device=3)


def test_creation_on_cuda_without_a_gpu_says_so(monkeypatch):
    monkeypatch.setattr(fgrad.backend, "_cupy", lambda: None)  # as where CuPy finds no GPU
    with pytest.raises(RuntimeError, match="no CUDA device"):
        fnp.zeros(3, device="cuda")


numbers = st.one_of(st.integers(-20, 20), st.floats(-20, 20).map(lambda v: round(v, 2)))


@given(start=numbers, stop=st.one_of(st.none(), numbers), step=st.one_of(st.none(), numbers),
       dtype=st.sampled_from([None, np.float32, np.float64, np.int64]))
def test_arange_matches_numpy(device, start, stop, step, dtype):
    assume(step != 0)
    kwargs = {} if step is None else {"step": step}
    try:
        want = np.arange(start, stop, dtype=dtype, **kwargs)
    except (ValueError, ZeroDivisionError):
        return
    assume(want.size < 10000)
    same(on(fnp.arange(start, stop, dtype=dtype, device=device, **kwargs), device), want)


@given(n=st.integers(0, 5), m=st.one_of(st.none(), st.integers(0, 5)), k=st.integers(-6, 6),
       dtype=st.sampled_from([float, np.float32, np.int64, bool]))
def test_eye_and_tri_match_numpy(device, n, m, k, dtype):
    same(on(fnp.eye(n, m, k, dtype, device=device), device), np.eye(n, m, k, dtype))
    same(on(fnp.tri(n, m, k, dtype, device=device), device), np.tri(n, m, k, dtype))
    same(on(fnp.identity(n, dtype, device=device), device), np.identity(n, dtype))


# ------------------------------------------------------------------ point sequences

ends = st.one_of(st.floats(-10, 10), st.integers(-10, 10),
                 st.lists(st.floats(-10, 10), min_size=1, max_size=3).map(np.array),
                 st.floats(-10, 10).map(np.float32))


@st.composite
def spaced(draw):
    start, stop = draw(ends), draw(ends)
    if np.ndim(start) and np.ndim(stop) and len(start) != len(stop):
        stop = stop[:1]  # (n,) and (1,) broadcast
    nd = np.broadcast(start, stop).ndim
    return dict(start=start, stop=stop, num=draw(st.integers(0, 7)), endpoint=draw(st.booleans()),
                axis=draw(st.integers(-nd - 1, nd)))


def traced(name, kwargs):
    """``fnp.name`` with ``start`` traced (forward mode, so along the composite path), and NumPy's value
    for the same concrete ``start`` array."""
    start = np.asarray(kwargs["start"])
    if start.dtype.kind not in "fc":
        start = start.astype(float)
    rest = {k: v for k, v in kwargs.items() if k != "start"}
    got = fgrad.jvp(lambda s: getattr(fnp, name)(s, **rest), (start,), (np.ones_like(start),))[0]
    with np.errstate(invalid="ignore"):
        return got, getattr(np, name)(start, **rest)


@given(spaced(), st.sampled_from([None, np.float32, np.int64]))
def test_linspace_matches_numpy(device, kw, dtype):
    want = np.linspace(**kw, dtype=dtype)
    same(on(fnp.linspace(**kw, dtype=dtype, device=device), device), want)
    if np.asarray(kw["start"]).dtype.kind == "f":  # the traced path computes the same bits
        same(*traced("linspace", dict(kw, dtype=dtype)))
    y, step = fnp.linspace(**kw, retstep=True, device=device)
    np.testing.assert_array_equal(host(step), np.linspace(**kw, retstep=True)[1])


@given(spaced(), st.sampled_from([2.0, 10.0, 0.5]))
def test_logspace_matches_numpy(device, kw, base):
    want = np.logspace(**kw, base=base)
    same(on(fnp.logspace(**kw, base=base, device=device), device), want)
    if np.asarray(kw["start"]).dtype.kind == "f":
        got, want = traced("logspace", dict(kw, base=base))
        np.testing.assert_allclose(host(got), want, rtol=1e-14 if want.dtype == np.float64 else 1e-6)
        assert host(got).dtype == want.dtype


@given(spaced())
def test_geomspace_matches_numpy(device, kw):
    start, stop = np.asarray(kw["start"]), np.asarray(kw["stop"])
    assume(np.all(start != 0) and np.all(stop != 0))
    kw["stop"] = np.abs(stop) * np.sign(start)  # NumPy gives nan across zero; keep one sign
    with np.errstate(invalid="ignore"):
        want = np.geomspace(**kw)
    same(on(fnp.geomspace(**kw, device=device), device), want)
    if start.dtype.kind == "f":
        got, want = traced("geomspace", kw)
        np.testing.assert_allclose(host(got), want, rtol=1e-13 if want.dtype == np.float64 else 1e-6)
        assert host(got).dtype == want.dtype


def test_sequence_errors():
    with pytest.raises(ValueError, match="Number of samples, -1, must be non-negative"):
        fnp.linspace(0.0, 1.0, -1)
    with pytest.raises(ValueError, match="cannot include zero"):
        fnp.geomspace(0.0, 1.0, 3)
    with pytest.raises(ValueError, match="cannot include zero"):
        fgrad.grad(lambda s: fnp.sum(fnp.geomspace(s, 1.0, 3)))(0.0)
    with pytest.raises(np.exceptions.AxisError):
        fgrad.grad(lambda s: fnp.sum(fnp.linspace(s, 1.0, 3, axis=2)))(0.0)


def test_sequences_are_differentiable_in_their_end_points(device):
    a = fgrad.device_put(np.array([0.5, -1.0]), device)
    b = fgrad.device_put(np.array(2.0), device)
    check_grads(lambda s, t: fnp.linspace(s, t, 5), (a, b), order=2)
    check_grads(lambda s, t: fnp.linspace(s, t, 4, endpoint=False, axis=1), (a, b), order=2)
    check_grads(lambda s, t: fnp.linspace(s, t, 3, retstep=True)[1], (a, b), order=2)
    check_grads(lambda s, t: fnp.logspace(s, t, 4, base=2.0), (a, b), order=2)
    check_grads(lambda s, t: fnp.geomspace(s, t * s, 4), (a, b), order=2)
    # d/ds of linspace(s, t, 5)[i] is 1 - i/4, and d/dt is i/4
    gs, gt = fgrad.grad(lambda s, t: fnp.sum(fnp.linspace(s, t, 5) * fnp.arange(5.0)), argnums=(0, 1))(1.0, 2.0)
    assert np.isclose(gs, sum(i * (1 - i / 4) for i in range(5)))
    assert np.isclose(gt, sum(i * i / 4 for i in range(5)))


def test_array_queries_see_through_traced_values(device):
    """get_array_module, shape and result_type: what code outside fgrad.numpy asks of a possibly-traced value."""
    x = fgrad.device_put(np.ones((2, 3), np.float32), device)
    xp = backend.get_array_module(x)
    seen = []

    def f(v):
        seen.append((fnp.get_array_module(v, 1.0), fnp.shape(v), fnp.result_type(v), fnp.result_type(v, 1.0)))
        return fnp.sum(v)
    f(x)
    fgrad.grad(f)(x)
    fgrad.grad(lambda v: fgrad.grad(f)(v).sum())(x)
    assert seen == [(xp, (2, 3), np.float32, np.float32)] * 3
    assert fnp.get_array_module is fnp.array_module and fnp.shape([[1, 2]]) == (1, 2)
    assert fnp.result_type(np.float32) == np.float32 and fnp.result_type(1.0) == np.float64
