"""Reductions against NumPy: values for many argument forms, errors, and derivative conventions."""
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host

AxisError = np.exceptions.AxisError


def close(got, want):
    """Same shape and dtype as NumPy's result, values equal to rounding."""
    g = host(got)
    want = np.asarray(want)
    assert g.shape == want.shape, (g.shape, want.shape)
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)


@st.composite
def axis_forms(draw, nd):
    """None, an int (either sign) or a tuple of distinct axes in any order."""
    if nd == 0:
        return draw(st.sampled_from([None, ()]))  # (NumPy ufuncs also take 0 and -1 here; fnp does not)
    one = st.integers(-nd, nd - 1)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(one)
    return tuple(draw(st.lists(one, max_size=nd, unique_by=lambda a: a % nd)))


@st.composite
def reduction_cases(draw, min_side=1):
    x = draw(fst.arrays(min_dims=0, max_dims=4, min_side=min_side))
    return x, draw(axis_forms(x.ndim)), draw(st.booleans())


REDUCTIONS = ["sum", "prod", "max", "min", "amax", "amin", "mean", "ptp", "any", "all", "nansum", "nanprod"]


@pytest.mark.parametrize("name", REDUCTIONS)
@given(case=reduction_cases())
def test_reductions_match_numpy(device, name, case):
    x, axis, keepdims = case
    if name == "ptp" and isinstance(axis, tuple):
        axis = axis or None
    arg = x > 0 if name in ("any", "all") else x
    want = getattr(np, name)(arg, axis=axis, keepdims=keepdims)
    close(getattr(fnp, name)(fgrad.device_put(arg, device), axis=axis, keepdims=keepdims), want)


@pytest.mark.parametrize("name", ["var", "std"])
@given(case=reduction_cases(), ddof=st.integers(0, 2))
def test_var_std_match_numpy(device, name, case, ddof):
    x, axis, keepdims = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # ddof >= n: both give inf/nan
        want = getattr(np, name)(x, axis=axis, keepdims=keepdims, ddof=ddof)
        # no degrees of freedom left: JAX's nan (fgrad follows JAX; NumPy divides by 0 and gives inf)
        n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
        if n - ddof <= 0:
            want = np.full_like(want, np.nan)
        got = getattr(fnp, name)(fgrad.device_put(x, device), axis=axis, keepdims=keepdims, ddof=ddof)
        close(got, want)


@given(case=reduction_cases())
def test_count_nonzero_matches_numpy(device, case):
    x, axis, keepdims = case
    x = np.round(x)
    close(fnp.count_nonzero(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
          np.count_nonzero(x, axis=axis, keepdims=keepdims))


@given(case=reduction_cases())
def test_median_matches_numpy(device, case):
    x, axis, keepdims = case
    close(fnp.median(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
          np.median(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(x=fst.arrays(min_dims=0, max_dims=3), data=st.data(), keepdims=st.booleans())
def test_argmax_argmin_match_numpy(device, name, x, data, keepdims):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    close(getattr(fnp, name)(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
          getattr(np, name)(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@given(x=fst.arrays(min_dims=0, max_dims=3), data=st.data())
def test_cumulative_match_numpy(device, name, x, data):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    close(getattr(fnp, name)(fgrad.device_put(x, device), axis=axis), getattr(np, name)(x, axis=axis))
    close(getattr(fnp, name)(fgrad.device_put(x, device), axis=axis, dtype=np.float32),
          getattr(np, name)(x, axis=axis, dtype=np.float32))


@pytest.mark.skipif(not hasattr(np, "cumulative_sum"), reason="NumPy < 2.1 has no cumulative_sum to compare with")
@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@given(x=fst.arrays(min_dims=1, max_dims=3), data=st.data(), include_initial=st.booleans())
def test_array_api_cumulative_match_numpy(device, name, x, data, include_initial):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    close(getattr(fnp, name)(fgrad.device_put(x, device), axis=axis, include_initial=include_initial),
          getattr(np, name)(x, axis=axis, include_initial=include_initial))


@given(x=fst.arrays(min_dims=1, max_dims=3), data=st.data())
def test_where_and_initial_match_numpy(device, x, data):
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    axis = data.draw(axis_forms(x.ndim))
    d = fgrad.device_put((x, mask), device)
    close(fnp.sum(d[0], axis=axis, where=d[1], initial=0.5), np.sum(x, axis=axis, where=mask, initial=0.5))
    close(fnp.prod(d[0], axis=axis, where=d[1]), np.prod(x, axis=axis, where=mask))
    close(fnp.max(d[0], axis=axis, where=d[1], initial=-3.0), np.max(x, axis=axis, where=mask, initial=-3.0))
    close(fnp.min(d[0], axis=axis, initial=0.0), np.min(x, axis=axis, initial=0.0))
    close(fnp.any(d[0] > 0, axis=axis, where=d[1]), np.any(x > 0, axis=axis, where=mask))
    close(fnp.all(d[0] > 0, axis=axis, where=d[1]), np.all(x > 0, axis=axis, where=mask))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # slices with nothing selected: nan in both
        close(fnp.mean(d[0], axis=axis, where=d[1]), np.mean(x, axis=axis, where=mask))
        close(fnp.var(d[0], axis=axis, where=d[1]), np.var(x, axis=axis, where=mask))


@given(x=fst.arrays(min_dims=1, max_dims=3), data=st.data(), keepdims=st.booleans())
def test_nan_reductions_match_numpy(device, x, data, keepdims):
    nans = data.draw(hnp.arrays(np.bool_, x.shape))
    x = np.where(nans, np.nan, x)
    axis = data.draw(axis_forms(x.ndim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give nan in both
        for name in ("nansum", "nanmean", "nanprod", "median"):
            close(getattr(fnp, name)(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
                  getattr(np, name)(x, axis=axis, keepdims=keepdims))


@given(x=fst.arrays(min_dims=1, max_dims=3), data=st.data(), returned=st.booleans(), keepdims=st.booleans())
def test_average_matches_numpy(device, x, data, returned, keepdims):
    axis = data.draw(axis_forms(x.ndim))
    if isinstance(axis, tuple) and data.draw(st.booleans()):
        wshape = tuple(x.shape[a] for a in axis)  # weights along the axes only
    else:
        wshape = x.shape
    w = data.draw(fst.arrays(wshape, min_value=0.5, max_value=2.0))
    want = np.average(x, axis=axis, weights=w, returned=returned, keepdims=keepdims)
    dx, dw = fgrad.device_put((x, w), device)
    got = fnp.average(dx, axis=axis, weights=dw, returned=returned, keepdims=keepdims)
    if returned:
        close(got[0], want[0])
        close(got[1], want[1])
    else:
        close(got, want)
    close(fnp.average(fgrad.device_put(x, device), axis=axis, keepdims=keepdims),
          np.average(x, axis=axis, keepdims=keepdims))


def test_integer_and_bool_inputs_follow_numpy_dtypes(device):
    i = np.arange(6).reshape(2, 3)
    d = fgrad.device_put(i, device)
    for name in ("sum", "prod", "max", "mean", "var", "std", "cumsum", "cumprod", "ptp", "median"):
        close(getattr(fnp, name)(d), getattr(np, name)(i))
    close(fnp.sum(d > 2, axis=0), np.sum(i > 2, axis=0))
    close(fnp.average(d, weights=fgrad.device_put(i + 1, device)), np.average(i, weights=i + 1))
    close(fnp.mean(np.float32([1, 2])), np.mean(np.float32([1, 2])))


def test_float32_stays_float32():
    x = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    mask = np.array([[True, False, True], [True, True, False]])
    fns = [lambda v: fnp.var(v, axis=0, where=mask), lambda v: fnp.mean(v, axis=1, where=mask),
           lambda v: fnp.std(v, ddof=1), lambda v: fnp.nanmean(v, axis=0), lambda v: fnp.average(v, axis=1),
           lambda v: fnp.prod(v, axis=(0, 1)), lambda v: fnp.cumprod(v, axis=1), lambda v: fnp.median(v, axis=0),
           lambda v: fnp.max(v, axis=1), lambda v: fnp.ptp(v)]
    for f in fns:
        out, pullback = fgrad.vjp(f, x)
        assert out.dtype == np.float32
        assert pullback(np.ones_like(out))[0].dtype == np.float32
        assert fgrad.jvp(f, (x,), (np.ones_like(x),))[1].dtype == np.float32


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "ptp", "any", "all",
                                  "count_nonzero", "nansum", "nanmean", "median", "argmax", "argmin",
                                  "cumsum", "cumprod"])
def test_bad_axis_raises_axis_error(name):
    with pytest.raises(AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        getattr(fnp, name)(np.ones((2, 3)), axis=2)
    with pytest.raises(AxisError):
        getattr(fnp, name)(np.ones((2, 3)), axis=-3)


def test_argument_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="repeated axis"):
        fnp.sum(x, axis=(0, -2))
    for name in ("argmax", "argmin", "cumsum", "cumprod"):
        with pytest.raises(TypeError, match="axis must be an integer or None"):
            getattr(fnp, name)(x, axis=(0, 1))
    for name in ("sum", "prod", "max", "min", "mean", "var", "std", "argmax", "cumsum", "any", "nansum"):
        with pytest.raises(TypeError, match="out= is not supported"):
            getattr(fnp, name)(x, out=np.empty(3))
    with pytest.raises(ValueError, match="to use a where mask one has to specify 'initial'"):
        fnp.max(x, where=x > 0)
    with pytest.raises(ValueError, match="zero-size array"):
        fnp.max(np.ones((0, 2)))
    with pytest.raises(TypeError, match="where= must be a boolean mask"):
        fnp.sum(x, where=np.ones((2, 3)))
    with pytest.raises(ValueError, match="ddof and correction"):
        fnp.var(x, ddof=1, correction=1)
    with pytest.raises(ValueError, match="axis must be given"):
        fnp.cumulative_sum(x)


def test_average_errors():
    x = np.ones((2, 3))
    with pytest.raises(TypeError, match="axis must be specified when shapes of a and weights differ"):
        fnp.average(x, weights=np.ones(3))
    with pytest.raises(ValueError, match=r"shape of weights \(2,\) must be consistent with shape of a \(2, 3\)"):
        fnp.average(x, axis=1, weights=np.ones(2))
    with pytest.raises(ZeroDivisionError, match="weights sum to zero"):
        fnp.average(np.ones(3), weights=np.zeros(3))


# ------------------------------------------------------------------ derivatives

def test_max_min_split_the_gradient_among_ties(device):
    x = fgrad.device_put(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), device)
    third = 1 / 3
    np.testing.assert_allclose(host(fgrad.grad(lambda v: fnp.sum(fnp.max(v, axis=1)))(x)),
                               [[0, 0.5, 0.5], [third, third, third]])
    np.testing.assert_allclose(host(fgrad.grad(fnp.min)(x)), [[1.0, 0, 0], [0, 0, 0]])
    # forward mode agrees: the directional derivative averages the tied directions
    _, t = fgrad.jvp(lambda v: fnp.max(v, axis=1), (x,), (fgrad.device_put(np.arange(6.0).reshape(2, 3), device),))
    np.testing.assert_allclose(host(t), [1.5, 4.0])
    # ptp = max - min: on a constant row both share the gradient, which cancels
    np.testing.assert_allclose(host(fgrad.grad(lambda v: fnp.ptp(v[1]))(x)), np.zeros((2, 3)))


def _others(x):
    """NumPy: the product of all elements but one, for each element (by brute force)."""
    flat = x.ravel()
    return np.array([np.prod(np.delete(flat, i)) for i in range(flat.size)]).reshape(x.shape)


grid = st.sampled_from([-1.5, -1.0, 0.0, 0.0, 0.5, 2.0])


@given(x=hnp.arrays(np.float64, fst.shapes(1, 2, 1, 4), elements=grid))
def test_prod_derivatives_are_exact_at_zeros(device, x):
    d = fgrad.device_put(x, device)
    np.testing.assert_allclose(host(fgrad.grad(fnp.prod)(d)), _others(x), rtol=1e-12)
    flat = x.ravel()
    n = flat.size
    hess = np.zeros((n, n))
    for i, j in itertools.permutations(range(n), 2):
        hess[i, j] = np.prod(np.delete(flat, [i, j]))
    got = fgrad.hessian(lambda v: fnp.prod(fnp.reshape(v, x.shape)))(fgrad.device_put(flat, device))
    np.testing.assert_allclose(host(got), hess, rtol=1e-12, atol=1e-12)


@given(x=hnp.arrays(np.float64, st.integers(1, 6), elements=grid))
def test_cumprod_jacobian_is_exact_at_zeros(device, x):
    n = x.size
    want = np.zeros((n, n))
    for k in range(n):
        for i in range(k + 1):
            want[k, i] = np.prod(np.delete(x[:k + 1], i))
    d = fgrad.device_put(x, device)
    np.testing.assert_allclose(host(fgrad.jacrev(fnp.cumprod)(d)), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(fgrad.jacfwd(fnp.cumprod)(d)), want, rtol=1e-12, atol=1e-12)
    check_grads(fnp.cumprod, (d,), order=2)


def _separated(shape):
    return hnp.arrays(np.int64, shape, elements=st.integers(-30, 30), unique=True).map(lambda a: a * 0.1)


@given(x=_separated(fst.shapes(1, 3, 2, 3)), ddof=st.integers(0, 1))
def test_composite_gradients(device, x, ddof):
    d = fgrad.device_put(x, device)
    last = x.ndim - 1
    mask = np.ones(x.shape, bool)
    mask.flat[1::2] = False
    mask[0] = True  # every slice along axis 0 keeps an element
    mask = fgrad.device_put(mask, device)
    for f in (lambda v: fnp.mean(v, axis=0), lambda v: fnp.var(v, axis=last, ddof=ddof),
              lambda v: fnp.std(v, ddof=ddof), lambda v: fnp.ptp(v, axis=0, keepdims=True),
              lambda v: fnp.median(v, axis=last), fnp.median, lambda v: fnp.nansum(v, axis=0),
              lambda v: fnp.nanmean(v), lambda v: fnp.average(v, axis=0, weights=v ** 2 + 1),
              lambda v: fnp.cumulative_sum(v, axis=0, include_initial=True),
              lambda v: fnp.mean(v, axis=0, where=mask), lambda v: fnp.var(v, axis=0, where=mask)):
        check_grads(f, (d,), order=2)


def test_nan_functions_ignore_nans_in_gradients(device):
    x = fgrad.device_put(np.array([1.0, np.nan, 3.0]), device)
    np.testing.assert_allclose(host(fgrad.grad(fnp.nansum)(x)), [1.0, 0.0, 1.0])
    np.testing.assert_allclose(host(fgrad.grad(fnp.nanmean)(x)), [0.5, 0.0, 0.5])


def test_traced_values_have_reduction_methods(device):
    x = fgrad.device_put(np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]), device)

    def f(v):
        assert int(v.argmax()) == 4 and int(v.argmin(axis=None)) == 1
        assert bool(v.any()) and not bool((v > 0).all())
        return (v.sum(axis=0).prod() + v.max(axis=1).sum() + v.min() + v.mean() + v.var() + v.std(ddof=1)
                + v.cumsum(axis=1).sum() + v.cumprod().sum() + fnp.ptp(v))

    want = (np.prod(host(x).sum(0)) + host(x).max(1).sum() + host(x).min() + host(x).mean() + host(x).var()
            + host(x).std(ddof=1) + host(x).cumsum(1).sum() + host(x).cumprod().sum() + np.ptp(host(x)))
    np.testing.assert_allclose(host(f(x)), want, rtol=1e-12)
    check_grads(f, (x,), order=1)
