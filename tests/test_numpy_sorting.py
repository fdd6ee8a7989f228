"""Sorting, searching and order statistics against NumPy: values, derivatives, errors."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host, same  # noqa: F401
from specs.sorting import distinct_arrays

AxisError = np.exceptions.AxisError


def close(got, want):
    g, w = host(got), np.asarray(want)
    assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
    np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@st.composite
def arrays_with_ties(draw, min_dims=1, dtype=np.float64):
    """Arrays of a few repeated values (ties everywhere), with an axis to work along."""
    x = draw(hnp.arrays(dtype, fst.shapes(min_dims=min_dims, max_dims=3, min_side=0),
                        elements=st.integers(-3, 3)))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    return x, axis


# ------------------------------------------------------------------ sort / argsort

@given(arrays_with_ties(), st.sampled_from([np.float64, np.float32, np.int64]))
def test_sort_and_argsort_match_numpy(device, case, dtype):
    x, axis = case
    x = x.astype(dtype)
    xd = fgrad.device_put(x, device)
    same(fnp.sort(xd, axis=axis), np.sort(x, axis=axis))
    same(fnp.argsort(xd, axis=axis), np.argsort(x, axis=axis, kind="stable"))
    same(fnp.sort(xd, axis=axis, kind="heapsort"), np.sort(x, axis=axis))


@given(st.data())
def test_sort_derivatives(device, data):
    x = fgrad.device_put(data.draw(distinct_arrays()), device)
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check_grads(lambda x: fnp.sort(x, axis=axis) ** 2, (x,), order=2)
    check_grads(lambda x: fnp.sort(x, axis=None)[::2], (x,), order=2)


def test_sort_sends_tied_cotangents_in_stable_order(device):
    x = fgrad.device_put(np.array([2.0, 1.0, 2.0, 1.0]), device)
    weights = fgrad.device_put(np.array([1.0, 10.0, 100.0, 1000.0]), device)
    # sorted: [1 (from 1), 1 (from 3), 2 (from 0), 2 (from 2)]
    same(fgrad.grad(lambda x: fnp.sum(fnp.sort(x) * weights))(x), [100.0, 1.0, 1000.0, 10.0])


def test_sort_errors(device):
    x = fgrad.device_put(np.zeros((2, 3)), device)
    with pytest.raises(AxisError):
        fnp.sort(x, axis=2)
    with pytest.raises(AxisError):
        fnp.argsort(fgrad.device_put(np.float64(1.0), device))
    with pytest.raises(NotImplementedError, match="order"):
        fnp.sort(x, order="a")


# ------------------------------------------------------------------ partition

@given(st.data())
def test_partition_places_kth_elements(device, data):
    x, axis = data.draw(arrays_with_ties())
    n = x.size if axis is None else x.shape[axis]
    if n == 0:
        return
    kth = data.draw(st.integers(-n, n - 1) | st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    xd = fgrad.device_put(x, device)
    got = host(fnp.partition(xd, kth, axis=axis))
    idx = host(fnp.argpartition(xd, kth, axis=axis))
    ax = -1 if axis is None else axis
    flat = x.reshape(-1) if axis is None else x
    np.testing.assert_array_equal(got, np.take_along_axis(flat, idx, axis=ax))
    ranked = np.sort(flat, axis=ax)
    for k in np.atleast_1d(kth):
        k = int(k) % n
        np.testing.assert_array_equal(np.take(got, [k], axis=ax), np.take(ranked, [k], axis=ax))
        assert np.all(np.take(got, range(k), axis=ax) <= np.take(got, [k], axis=ax))
        assert np.all(np.take(got, range(k + 1, n), axis=ax) >= np.take(got, [k], axis=ax))
    # the partition is a permutation of each slice
    np.testing.assert_array_equal(np.sort(got, axis=ax), ranked)


def test_partition_derivatives(device):
    x = fgrad.device_put(np.array([[0.3, -1.2, 2.0, 0.9], [1.1, 0.2, -0.4, 1.6]]), device)
    check_grads(lambda x: fnp.partition(x, 2, axis=1) ** 2, (x,), order=2)
    check_grads(lambda x: fnp.partition(x, (0, 3), axis=None)[3], (x,), order=2)


# ------------------------------------------------------------------ searchsorted / unique / lexsort

@given(hnp.arrays(np.float64, st.integers(0, 8), elements=st.integers(-3, 3)),
       hnp.arrays(np.float64, fst.shapes(min_dims=0, max_dims=2), elements=st.integers(-4, 4)),
       st.sampled_from(["left", "right"]), st.booleans())
def test_searchsorted_matches_numpy(device, a, v, side, use_sorter):
    sorter = np.argsort(a, kind="stable") if use_sorter else None
    ref = a if use_sorter else np.sort(a)
    ad, vd, sd = fgrad.device_put((ref, v, sorter), device)
    same(fnp.searchsorted(ad, vd, side=side, sorter=sd), np.searchsorted(ref, v, side=side, sorter=sorter))
    with pytest.raises(ValueError, match="side"):
        fnp.searchsorted(ad, vd, side="middle")


@given(arrays_with_ties(), st.booleans(), st.booleans(), st.booleans())
def test_unique_matches_numpy(device, case, ret_index, ret_inverse, ret_counts):
    x, axis = case
    if axis is not None and x.shape[axis] == 0:
        return
    kw = dict(return_index=ret_index, return_inverse=ret_inverse, return_counts=ret_counts, axis=axis)
    got, want = fnp.unique(fgrad.device_put(x, device), **kw), np.unique(x, **kw)
    same(got, want)


def test_unique_stops_tracing(device):
    x = fgrad.device_put(np.array([3.0, 1.0, 3.0]), device)
    out, _ = fgrad.vjp(lambda x: fnp.sum(x) * 0 + fnp.unique(x).size, x)
    assert host(out) == 2


@given(st.data())
def test_lexsort_matches_numpy(device, data):
    shape = data.draw(fst.shapes(min_dims=1, max_dims=2, min_side=0))
    k = data.draw(st.integers(1, 3))
    keys = [data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 2))) for _ in range(k)]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    keysd = fgrad.device_put(keys, device)
    same(fnp.lexsort(keysd, axis=axis), np.lexsort(keys, axis=axis))
    same(fnp.lexsort(fgrad.device_put(np.stack(keys), device), axis=axis), np.lexsort(np.stack(keys), axis=axis))
    from fgrad.numpy._sorting import lexsort_by_stable_sorts  # the CuPy path, checked on NumPy
    same(lexsort_by_stable_sorts(keys, axis), np.lexsort(keys, axis=axis))


# ------------------------------------------------------------------ median / quantile / percentile

@st.composite
def reductions(draw):
    x = draw(fst.arrays(min_dims=0, max_dims=3))
    nd = x.ndim
    axis = draw(st.none() | (st.integers(-nd, nd - 1) if nd else st.none())
                | st.lists(st.integers(0, max(nd - 1, 0)), unique=True, max_size=nd).map(tuple))
    return x, axis, draw(st.booleans())


@given(reductions())
def test_median_matches_numpy(device, case):
    x, axis, keepdims = case
    close(fnp.median(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
          np.median(x, axis=axis, keepdims=keepdims))


@given(reductions(), st.one_of(st.floats(0, 1), hnp.arrays(np.float64, fst.shapes(min_dims=1, max_dims=2),
                                                               elements=st.floats(0, 1))))
def test_quantile_and_percentile_match_numpy(device, case, q):
    x, axis, keepdims = case
    xd = fgrad.device_put(x, device)
    qd = fgrad.device_put(q, device) if isinstance(q, np.ndarray) else q
    close(fnp.quantile(xd, qd, axis=axis, keepdims=keepdims), np.quantile(x, q, axis=axis, keepdims=keepdims))
    close(fnp.percentile(xd, qd * 100, axis=axis, keepdims=keepdims),
          np.percentile(x, q * 100, axis=axis, keepdims=keepdims))


def test_order_statistics_propagate_nan_and_keep_dtypes(device):
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    xd = fgrad.device_put(x, device)
    np.testing.assert_array_equal(host(fnp.median(xd, axis=1)), np.median(x, axis=1))
    np.testing.assert_array_equal(host(fnp.quantile(xd, [0.2, 0.9], axis=1)), np.quantile(x, [0.2, 0.9], axis=1))
    x32 = fgrad.device_put(np.arange(5, dtype=np.float32), device)
    assert host(fnp.median(x32)).dtype == np.float32
    assert host(fnp.quantile(x32, 0.3)).dtype == np.float32
    assert host(fnp.percentile(x32, [30.0, 40.0])).dtype == np.float64  # a float64 q promotes, as in NumPy
    close(fnp.median(fgrad.device_put(np.array([4, 1, 2, 7]), device)), np.median(np.array([4, 1, 2, 7])))


@given(st.data())
def test_order_statistics_derivatives(device, data):
    x = fgrad.device_put(data.draw(distinct_arrays(min_dims=1, max_dims=3)), device)
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    q = data.draw(hnp.arrays(np.float64, st.integers(1, 3), elements=st.floats(0.05, 0.95)))
    check_grads(lambda x: fnp.median(x, axis=axis), (x,), order=2)
    check_grads(lambda x: fnp.quantile(x, q, axis=axis, keepdims=True), (x,), order=2)
    check_grads(lambda x: fnp.percentile(x, 37.0, axis=axis), (x,), order=2)


def test_quantile_is_differentiable_in_q(device):
    x = fgrad.device_put(np.array([0.5, -1.0, 2.0, 3.5]), device)
    # sorted [-1, .5, 2, 3.5]; q = 0.4 lies between .5 and 2, where d/dq = (2 - .5) * 3
    same(fgrad.grad(lambda q: fnp.quantile(x, q))(0.4), np.float64(4.5))
    check_grads(lambda q: fnp.quantile(x, q), (fgrad.device_put(np.array([0.1, 0.45, 0.9]), device),), order=2)


def test_order_statistic_errors(device):
    x = fgrad.device_put(np.arange(6.0).reshape(2, 3), device)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        fnp.percentile(x, [-1.0, 50.0])
    with pytest.raises(NotImplementedError, match="linear"):
        fnp.quantile(x, 0.5, method="nearest")
    with pytest.raises(TypeError, match="out="):
        fnp.median(x, out=np.zeros(()))
    with pytest.raises(AxisError):
        fnp.median(x, axis=2)
