"""Indexing and indexed updates against NumPy: values for many index forms, derivatives, errors."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host, same  # noqa: F401

AxisError = np.exceptions.AxisError


def linear_vjp(f, args, g):
    """Exact cotangents of a linear NumPy function ``f``: one basis vector per input element."""
    cts = []
    for k, a in enumerate(args):
        ct = np.zeros(a.shape)
        for j in range(a.size):
            basis = [np.zeros_like(b) for b in args]
            basis[k].flat[j] = 1.0
            ct.flat[j] = np.sum(g * f(*basis))
        cts.append(ct)
    return cts


# ------------------------------------------------------------------ a strategy for NumPy indices

@st.composite
def index_cases(draw, max_dims=4):
    """(shape, index): ints, slices (any step), None, Ellipsis, integer arrays that broadcast
    together (with repeats and negatives) or boolean masks over one or two axes."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=4))
    nd = len(shape)
    use_mask = nd > 0 and draw(st.integers(0, 3)) == 0
    adv = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    with_ellipsis = draw(st.booleans())
    front = draw(st.integers(0, nd))
    back = draw(st.integers(0, nd - front)) if with_ellipsis else 0
    state = {"mask": False}

    def entries(lo, hi):
        out, d = [], lo
        while d < hi:
            n = shape[d]
            kinds = ["slice", "slice"] + (["int"] if n else []) + (["array"] if n and not use_mask else [])
            if use_mask and not state["mask"]:
                kinds += ["mask", "mask"]
            kind = draw(st.sampled_from(kinds))
            if kind == "mask":
                span = draw(st.integers(1, min(2, hi - d)))
                out.append(draw(hnp.arrays(np.bool_, shape[d:d + span])))
                state["mask"] = True
                d += span
                continue
            if kind == "int":
                out.append(draw(st.integers(-n, n - 1)))
            elif kind == "slice":
                bound = st.none() | st.integers(-n - 2, n + 2)
                step = st.none() | st.integers(-3, 3).filter(bool)
                out.append(slice(draw(bound), draw(bound), draw(step)))
            else:
                s = list(adv)[draw(st.integers(0, len(adv))):]
                s = [1 if draw(st.booleans()) else side for side in s]
                arr = draw(hnp.arrays(np.intp, tuple(s), elements=st.integers(-n, n - 1)))
                out.append(arr.tolist() if arr.ndim and draw(st.booleans()) else arr)
            d += 1
        return out

    index = entries(0, front)
    if with_ellipsis:
        index += [Ellipsis] + entries(nd - back, nd)
    for _ in range(draw(st.integers(0, 2))):
        index.insert(draw(st.integers(0, len(index))), None)
    if len(index) == 1 and not isinstance(index[0], list) and draw(st.booleans()):
        return shape, index[0]
    return shape, tuple(index)


def _values(draw, shape):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, allow_nan=False)))


# ------------------------------------------------------------------ getitem

@given(st.data())
def test_getitem_matches_numpy(device, data):
    shape, index = data.draw(index_cases())
    x = _values(data.draw, shape)
    same(fnp.getitem(fgrad.device_put(x, device), index), x[index])


@given(st.data())
def test_getitem_derivatives_match_numpy(device, data):
    shape, index = data.draw(index_cases(max_dims=3))
    x = _values(data.draw, shape)
    want = x[index]
    g = _values(data.draw, np.shape(want))
    xd = fgrad.device_put(x, device)
    out, pullback = fgrad.vjp(lambda x: x[index], xd)
    same(out, want)
    (ct,) = pullback(fgrad.device_put(g, device))
    np.testing.assert_allclose(host(ct), linear_vjp(lambda x: x[index], [x], g)[0], atol=1e-12)
    _, tangent = fgrad.jvp(lambda x: fnp.getitem(x, index), (xd,), (fgrad.device_put(x * 2, device),))
    same(tangent, (x * 2)[index])


def test_getitem_gradients_of_every_order(device):
    x = fgrad.device_put(np.linspace(-1, 1, 24).reshape(2, 3, 4), device)
    check_grads(lambda x: fnp.sin(x[[1, 0, 1], ::-1, None, [3, 3, 0]]), (x,), order=3)
    check_grads(lambda x: fnp.sin(x[..., 1:3])[x[..., 1:3] > 0], (x,), order=2)


def test_getitem_of_a_repeated_index_accumulates(device):
    x = fgrad.device_put(np.arange(4.0), device)
    w = fgrad.device_put(np.array([1.0, 2.0, 3.0, 4.0]), device)
    same(fgrad.grad(lambda x: fnp.sum(x[[0, 0, 3, 0]] * w))(x), [7.0, 0.0, 0.0, 3.0])


def test_getitem_mixes_a_mask_with_integer_arrays(device):
    x = np.arange(60.0).reshape(3, 4, 5)
    mask = np.array([True, False, True])
    for index in [(mask, slice(1, 3), [0, 4]), (mask, [1, 3]), (slice(None), np.array([[True] * 2 + [False] * 3] * 4)),
                  (True, 1), (False,), (None, mask, 2), (np.array(1), [0, 0]), ([], Ellipsis)]:
        same(fnp.getitem(fgrad.device_put(x, device), index), x[index])
        g = np.ones(x[index].shape)
        (ct,) = fgrad.vjp(lambda x: x[index], fgrad.device_put(x, device))[1](fgrad.device_put(g, device))
        np.testing.assert_array_equal(host(ct), linear_vjp(lambda x: x[index], [x], g)[0])


def _np_add_at(out, index, v):
    np.add.at(out, index, v)
    return out


def test_traced_values_index_like_arrays(device):
    x = fgrad.device_put(np.arange(12.0).reshape(3, 4), device)

    def f(x):
        rows = [r for r in x]  # iteration uses __getitem__
        return fnp.sum(rows[1] * x[0]) + fnp.sum(x.at[1, ::2].get())
    want_grad = np.zeros((3, 4))
    want_grad[1] = np.arange(4.0)
    want_grad[0] = np.arange(4.0, 8.0)
    want_grad[1, ::2] += 1
    same(fgrad.grad(f)(x), want_grad)


def test_traced_index_arrays_carry_no_derivative(device):
    x = fgrad.device_put(np.arange(5.0), device)
    i = fgrad.device_put(np.array([4, 0, 4]), device)
    out, pullback = fgrad.vjp(lambda x, i: x[i] * 2.0 + x[i[0]:], x, i)
    same(out, [12.0, 4.0, 12.0])
    gx, gi = pullback(fgrad.device_put(np.ones(3), device))
    same(gx, [2.0, 0.0, 0.0, 0.0, 7.0])
    assert not np.any(host(gi))


def test_getitem_accepts_lists_scalars_and_numpy_integers(device):
    x = np.arange(6.0).reshape(2, 3)
    xd = fgrad.device_put(x, device)
    same(fnp.getitem(xd, (np.int64(1), [np.int32(2), 0])), x[1, [2, 0]])
    same(fnp.getitem(xd, slice(np.int64(1), None)), x[1:])
    same(fnp.getitem(xd, [[True, False, True], [False, True, True]]), x[[[True, False, True], [False, True, True]]])
    same(fnp.getitem(xd, ()), x[()])
    same(fnp.getitem([1.0, 2.0, 3.0], -1), np.float64(3.0))


# ------------------------------------------------------------------ at[].set / add

@given(st.data())
def test_at_set_and_add_match_numpy(device, data):
    shape, index = data.draw(index_cases(max_dims=3))
    x = _values(data.draw, shape)
    sub = x[index].shape
    vshape = sub[data.draw(st.integers(0, len(sub))):]
    vshape = tuple(1 if data.draw(st.booleans()) else s for s in vshape)
    v = _values(data.draw, vshape)
    x_before, v_before = x.copy(), v.copy()
    xd, vd = fgrad.device_put((x, v), device)

    def np_set(x, v):
        out = x.copy()
        out[index] = v
        return out

    def np_add(x, v):
        return _np_add_at(x.copy(), index, v)

    same(fnp.at(xd)[index].set(vd), np_set(x, v))
    same(fnp.at(xd)[index].add(vd), np_add(x, v))
    same(fnp.at(xd)[index].get(), x[index])
    np.testing.assert_array_equal(host(xd), x_before)  # never mutated
    np.testing.assert_array_equal(host(vd), v_before)

    g = _values(data.draw, shape)
    for ours, theirs in [("set", np_set), ("add", np_add)]:
        _, pullback = fgrad.vjp(lambda x, v: getattr(x.at[index], ours)(v), xd, vd)
        got = pullback(fgrad.device_put(g, device))
        for c, w in zip(got, linear_vjp(theirs, [x, v], g)):
            np.testing.assert_allclose(host(c), w, atol=1e-12)


def test_set_with_repeated_indices_keeps_the_last_value(device):
    x = fgrad.device_put(np.zeros(4), device)
    v = fgrad.device_put(np.array([1.0, 2.0, 3.0, 4.0]), device)
    same(fnp.at(x)[[2, 0, 2, 0]].set(v), [4.0, 0.0, 3.0, 0.0])
    w = fgrad.device_put(np.array([1.0, 2.0, 3.0, 4.0]), device)
    grads = fgrad.grad(lambda v: fnp.sum(fnp.at(x)[[2, 0, 2, 0]].set(v) * w))(v)
    same(grads, [0.0, 0.0, 3.0, 1.0])


def test_add_with_repeated_indices_accumulates(device):
    x = fgrad.device_put(np.ones((3, 2)), device)
    same(fnp.at(x)[[0, 0, 2, 0]].add(1.0), [[4.0, 4.0], [1.0, 1.0], [2.0, 2.0]])
    same(fnp.at(x)[[0, 0], 1].add(fgrad.device_put(np.array([1.0, 2.0]), device)),
         [[1.0, 4.0], [1.0, 1.0], [1.0, 1.0]])


def test_at_updates_of_every_order(device):
    x, v = fgrad.device_put((np.linspace(-1, 1, 12).reshape(3, 4), np.linspace(0.5, 1.5, 6).reshape(2, 3)), device)
    for op in ["set", "add"]:
        check_grads(lambda x, v: fnp.sin(getattr(fnp.at(x)[[2, 2], 1:], op)(v * v)), (x, v), order=3)
        check_grads(lambda x, v: fnp.cos(getattr(fnp.at(x)[:2, :0:-1], op)(v)), (x, v), order=2)


@pytest.mark.parametrize("op, ref", [
    ("multiply", np.multiply), ("divide", np.divide), ("power", np.power), ("min", np.minimum),
    ("max", np.maximum), ("subtract", np.subtract)])
def test_at_combining_updates(device, op, ref):
    x = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    v = np.linspace(0.7, 1.9, 4)
    index = (slice(0, 3, 2),)
    want = x.copy()
    want[index] = ref(x[index], v)
    xd, vd = fgrad.device_put((x, v), device)
    same(getattr(fnp.at(xd)[index], op)(vd), want)
    check_grads(lambda x, v: getattr(fnp.at(x)[index], op)(v), (xd, vd + 0.013), order=2)


def test_at_on_raw_arrays_returns_new_arrays(device):
    x = fgrad.device_put(np.arange(5.0), device)
    y = fnp.at(x)[1:3].set(0.0)
    same(y, [0.0, 0.0, 0.0, 3.0, 4.0])
    same(x, np.arange(5.0))
    assert y is not x
    same(fnp.at([1.0, 2.0])[0].add(1.0), np.array([2.0, 2.0]))
    same(fnp.at(x)[[0, 1]].set([7.0, 8.0]), [7.0, 8.0, 2.0, 3.0, 4.0])


def test_at_keeps_the_dtype_of_x(device):
    x = fgrad.device_put(np.zeros(3, np.float32), device)
    assert host(fnp.at(x)[0].set(np.float64(1.5))).dtype == np.float32
    grads = fgrad.grad(lambda v: fnp.sum(fnp.at(x)[[0, 0]].add(v)))(np.float32(2.0))
    assert np.asarray(host(grads)).dtype == np.float32
    i = fgrad.device_put(np.arange(3), device)
    same(fnp.at(i)[1].add(2), np.array([0, 3, 2]))


# ------------------------------------------------------------------ errors

def test_index_errors_are_numpys(device):
    x = fgrad.device_put(np.zeros((2, 3)), device)
    bad = [(5, "out of bounds"), ((0, -4), "out of bounds"), ((0, 0, 0), "too many indices"),
           (0.5, "valid indices"), (np.array([1.0]), "integer"), ((Ellipsis, Ellipsis), "single ellipsis"),
           ([5, 0], "out of bounds"), ((slice(None), [0, -4]), "out of bounds")]
    for index, words in bad:
        for f in [lambda: fnp.getitem(x, index), lambda: fnp.at(x)[index].set(1.0),
                  lambda: fnp.at(x)[index].add(1.0), lambda: fgrad.grad(lambda x: fnp.sum(x[index]))(x)]:
            with pytest.raises(IndexError, match=words):
                f()


def test_out_of_bounds_integer_arrays_raise_on_the_scatter_path(device):
    x = fgrad.device_put(np.zeros(3), device)
    with pytest.raises(IndexError):
        fnp.at(x)[[0, 0, 3]].add(np.ones(3))
    with pytest.raises(IndexError):
        fnp.at(x)[[0, 0, -4]].set(np.ones(3))


def test_mask_shape_mismatch_names_the_shapes(device):
    x = fgrad.device_put(np.zeros((3, 4)), device)
    with pytest.raises(IndexError, match=r"\(2,\).*\(3,\)"):
        fnp.getitem(x, np.array([True, False]))
    with pytest.raises(IndexError, match=r"\(3, 3\).*\(3, 4\)"):
        fnp.at(x)[np.ones((3, 3), bool)].set(0.0)


def test_bad_slice_bounds_and_values_raise(device):
    x = fgrad.device_put(np.zeros((2, 3)), device)
    with pytest.raises(TypeError, match="slice indices"):
        fnp.getitem(x, slice(0.5, None))
    with pytest.raises(ValueError):
        fnp.at(x)[0].set(np.ones(4))


# ------------------------------------------------------------------ take / along axis / compress / choose / select

@given(st.data())
def test_take_matches_numpy(device, data):
    x = data.draw(fst.arrays(min_dims=1))
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    n = x.size if axis is None else x.shape[axis]
    mode = data.draw(st.sampled_from(["raise", "wrap", "clip"]))
    span = (-n, n - 1) if mode == "raise" else (-2 * n - 2, 2 * n + 2)
    idx = data.draw(hnp.arrays(np.intp, fst.shapes(min_dims=0, max_dims=2), elements=st.integers(*span)))
    same(fnp.take(fgrad.device_put(x, device), fgrad.device_put(idx, device), axis=axis, mode=mode),
         np.take(x, idx, axis=axis, mode=mode))


def test_take_derivatives_and_errors(device):
    x = fgrad.device_put(np.linspace(-1, 1, 12).reshape(3, 4), device)
    check_grads(lambda x: fnp.take(x, [[5, 0], [-1, 5]], axis=1, mode="wrap") ** 2, (x,), order=2)
    check_grads(lambda x: fnp.take(x, [11, 0, 11]) ** 2, (x,), order=2)
    with pytest.raises(IndexError):
        fnp.take(x, [4], axis=1)
    with pytest.raises(AxisError):
        fnp.take(x, [0], axis=2)
    with pytest.raises(ValueError, match="mode"):
        fnp.take(x, [0], mode="bogus")
    with pytest.raises(TypeError, match="out="):
        fnp.take(x, [0], out=np.zeros(1))


@given(st.data())
def test_take_and_put_along_axis_match_numpy(device, data):
    x = data.draw(fst.arrays(min_dims=1))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    ishape = tuple(data.draw(st.sampled_from([1, s])) for s in x.shape)
    ishape = ishape[:axis % x.ndim] + (data.draw(st.integers(1, 4)),) + ishape[axis % x.ndim + 1:]
    idx = data.draw(hnp.arrays(np.intp, ishape, elements=st.integers(-n, n - 1)))
    xd, idd = fgrad.device_put((x, idx), device)
    same(fnp.take_along_axis(xd, idd, axis=axis), np.take_along_axis(x, idx, axis=axis))
    v = data.draw(hnp.arrays(np.float64, np.take_along_axis(x, idx, axis=axis).shape,
                             elements=st.floats(-2, 2, allow_nan=False)))
    want = x.copy()
    np.put_along_axis(want, idx, v, axis=axis)
    same(fnp.put_along_axis(xd, idd, fgrad.device_put(v, device), axis=axis), want)
    same(xd, x)


def test_along_axis_derivatives_and_axis_none(device):
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    idx = np.array([[0, 3, 3], [1, 1, 0], [2, 0, 1]])
    xd, idd = fgrad.device_put((x, idx), device)
    check_grads(lambda x: fnp.take_along_axis(x, idd, axis=1) ** 2, (xd,), order=2)
    ones = fgrad.device_put(np.ones((3, 3)), device)
    check_grads(lambda x, v: fnp.put_along_axis(x, idd, v, axis=1) ** 2, (xd, ones), order=2)
    flat = np.array([11, 0, 5])
    same(fnp.take_along_axis(xd, flat, axis=None), np.take_along_axis(x, flat, axis=None))
    want = x.copy()
    np.put_along_axis(want, flat, -1.0, axis=None)
    same(fnp.put_along_axis(xd, flat, -1.0, axis=None), want)
    with pytest.raises(ValueError, match="same number of dimensions"):
        fnp.take_along_axis(xd, np.array([0, 1]), axis=1)


def test_compress_and_extract(device):
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    xd = fgrad.device_put(x, device)
    for cond, axis in [([True, False, True], 0), ([False, True], 1), ([1, 0, 0, 1, 1], None), ([], 0)]:
        same(fnp.compress(cond, xd, axis=axis), np.compress(cond, x, axis=axis))
    with pytest.raises(IndexError):
        fnp.compress([False, False, False, True], xd, axis=0)
    cond = x > 0.1
    same(fnp.extract(fgrad.device_put(cond, device), xd), np.extract(cond, x))
    check_grads(lambda x: fnp.compress([True, False, True], x, axis=0) ** 2, (xd,), order=2)
    check_grads(lambda x: fnp.extract(cond, x) ** 2, (xd,), order=2)


def test_choose_and_select(device):
    a = np.array([[0, 2, 1], [2, 2, 0]])
    choices = [np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(1, 2, 3), np.array(5.0)]
    ad, cd = fgrad.device_put((a, choices), device)
    same(fnp.choose(ad, cd), np.choose(a, choices))
    for mode in ["wrap", "clip"]:
        same(fnp.choose(ad + 2, cd, mode=mode), np.choose(a + 2, choices, mode=mode))
    with pytest.raises(ValueError, match="invalid entry"):
        fnp.choose(ad + 1, cd)
    check_grads(lambda c0, c1: fnp.choose(ad, [c0, c1, 5.0]) ** 2, tuple(cd[:2]), order=2)

    x = np.linspace(-2, 2, 10)
    conds = [x < -1, x > 1]
    picks = [x ** 2, np.float64(7.0)]
    same(fnp.select(fgrad.device_put(conds, device), fgrad.device_put(picks, device), default=-1.0),
         np.select(conds, picks, default=-1.0))
    check_grads(lambda x: fnp.select([x < -1.05, x > 1.05], [x ** 2, fnp.sin(x)], default=x),
                (fgrad.device_put(x, device),), order=2)
    with pytest.raises(ValueError):
        fnp.select(conds, picks[:1])
    with pytest.raises(TypeError, match="condlist"):
        fnp.select([x], [x])


# ------------------------------------------------------------------ index producers

@given(fst.arrays(min_dims=1, min_value=-1, max_value=1))
def test_nonzero_family_matches_numpy(device, x):
    x = np.round(x)
    xd = fgrad.device_put(x, device)
    same(fnp.nonzero(xd), np.nonzero(x))
    same(fnp.where(xd), np.where(x))
    same(fnp.argwhere(xd), np.argwhere(x))
    same(fnp.flatnonzero(xd), np.flatnonzero(x))
    (out, _) = fgrad.vjp(lambda x: fnp.nonzero(x > 0)[0] * 1.0, xd)
    same(out, np.nonzero(x > 0)[0] * 1.0)


def test_index_helpers_are_numpys(device):
    same(fnp.diag_indices(3), np.diag_indices(3))
    same(fnp.diag_indices_from(np.zeros((2, 2, 2))), np.diag_indices_from(np.zeros((2, 2, 2))))
    same(fnp.tril_indices(3, -1, 4), np.tril_indices(3, -1, 4))
    same(fnp.triu_indices(3, 1), np.triu_indices(3, 1))
    same(fnp.tril_indices_from(np.zeros((2, 3))), np.tril_indices_from(np.zeros((2, 3))))
    same(fnp.triu_indices_from(np.zeros((3, 2)), 1), np.triu_indices_from(np.zeros((3, 2)), 1))
    same(fnp.indices((2, 3)), np.indices((2, 3)))
    same(fnp.ix_([0, 1], [2, 0]), np.ix_([0, 1], [2, 0]))
    flat = fgrad.device_put(np.array([0, 5, 7]), device)
    same(fnp.unravel_index(flat, (2, 4)), np.unravel_index([0, 5, 7], (2, 4)))
    same(fnp.ravel_multi_index(fnp.unravel_index(flat, (2, 4)), (2, 4)), np.array([0, 5, 7]))
    x = np.arange(9.0).reshape(3, 3)
    same(fnp.getitem(fgrad.device_put(x, device), fnp.diag_indices(3)), np.diag(x))
    same(fnp.getitem(fgrad.device_put(x, device), fnp.triu_indices(3)), x[np.triu_indices(3)])


# ------------------------------------------------------------------ the CuPy-only paths, run on NumPy

@given(st.data())
def test_positions_and_last_wins_agree_with_numpy(data):
    from fgrad.numpy._indexing import _fresh_copy, _positions, normalize_index, set_last_wins
    shape, index = data.draw(index_cases(max_dims=3))
    x = _values(data.draw, shape)
    idx = normalize_index(x, index)
    np.testing.assert_array_equal(_positions(shape, idx, np), np.arange(x.size).reshape(shape)[index])
    v = _values(data.draw, x[index].shape)
    want = x.copy()
    want[index] = v
    got = _fresh_copy(np.asfortranarray(x), np)  # a C-order copy, whatever the input's order
    set_last_wins(got, idx, v)
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ JAX's keywords; an empty Ellipsis between advanced indices

def test_unique_indices_makes_the_values_cotangent_a_plain_gather():
    """JAX's ``unique_indices=True``: the values' cotangent is ``g[index]`` even where indices repeat;
    without it, overwritten values get none. JAX (x64) is the oracle for both."""
    from jax_support import assert_agree, jax
    jnp = jax.numpy
    idx = np.array([0, 0, 1])
    s, g = np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 100.0])
    for unique in (False, True):
        ours = fgrad.vjp(lambda s: fnp.at(fnp.zeros(3))[idx].set(s, unique_indices=unique), s)
        theirs = jax.vjp(lambda s: jnp.zeros(3).at[idx].set(s, unique_indices=unique), s)
        assert_agree(ours[0], theirs[0])
        assert_agree(ours[1](g), theirs[1](g))
    # the values' cotangent is linear in g: its transpose adds up over the repeats (a promise broken, still exact)
    w = np.array([1.0, 2.0, 3.0])
    _, pull = fgrad.vjp(lambda g: fgrad.vjp(lambda s: fnp.at(fnp.zeros(3))[idx].set(s, unique_indices=True), s)[1](g)[0], g)
    _, jpull = jax.vjp(lambda g: jax.vjp(lambda s: jnp.zeros(3).at[idx].set(s, unique_indices=True), s)[1](g)[0], g)
    assert_agree(pull(w), jpull(w))
    x = np.arange(4.0)  # every method takes both keywords (unique indices: the same values as without)
    for op in ("get", "add", "subtract", "multiply", "divide", "power", "min", "max"):
        args = () if op == "get" else (2.0,)
        ref = fnp.at(x)[np.array([3, 1])]
        same(getattr(ref, op)(*args, indices_are_sorted=True, unique_indices=True), getattr(ref, op)(*args))


def test_an_empty_ellipsis_keeps_advanced_indices_apart(device):
    """``x[:, i, ..., j]`` where ``...`` stands for no axis: NumPy (and JAX) still put the advanced result
    first, as for any advanced indices that are not next to each other."""
    x = np.arange(60.0).reshape(5, 3, 4)
    i, j = np.array([0, 1]), np.array([1, 2])
    xd = fgrad.device_put(x, device)
    v = np.arange(10.0).reshape(2, 5)
    want = x.copy()
    want[:, i, ..., j] = v
    same(fnp.at(xd)[:, i, ..., j].get(), x[:, i, ..., j])
    same(fnp.at(xd)[:, i, ..., j].set(fgrad.device_put(v, device)), want)
    same(fnp.at(xd)[:, i, ..., j].add(fgrad.device_put(v, device)), _np_add_at(x.copy(), (slice(None), i, ..., j), v))
    same(fnp.getitem(xd, (slice(None), i, Ellipsis, j)), x[:, i, ..., j])
    y = x[0]
    same(fnp.at(fgrad.device_put(y, device))[i, ..., j].get(), y[i, ..., j])
    batched = fgrad.vmap(lambda k: fnp.getitem(xd, (slice(None), i, Ellipsis, k)))(fgrad.device_put(np.array([[0, 1], [3, 2]]), device))
    same(batched, np.stack([x[:, i, ..., k] for k in ([0, 1], [3, 2])]))


@st.composite
def ellipsis_between_cases(draw):
    """(shape, index): advanced entries (int arrays, ints) on both sides of an Ellipsis that may stand for no
    axis, with slices and None mixed in."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=2, max_size=4)))
    nd = len(shape)
    before = draw(st.integers(1, nd - 1))
    after = draw(st.integers(1, nd - before))
    adv = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))

    def entry(d, must_be_advanced):
        kind = draw(st.sampled_from(["array", "int"] if must_be_advanced else ["array", "int", "slice"]))
        if kind == "slice":
            return slice(draw(st.none() | st.integers(-3, 3)), None, draw(st.sampled_from([None, 1, -1, 2])))
        if kind == "int":
            return draw(st.integers(-shape[d], shape[d] - 1))
        s = tuple(1 if draw(st.booleans()) else n for n in adv)
        return draw(hnp.arrays(np.intp, s, elements=st.integers(-shape[d], shape[d] - 1)))

    head = [entry(d, d == before - 1) for d in range(before)]
    tail = [entry(nd - after + k, k == 0) for k in range(after)]
    if not any(isinstance(e, np.ndarray) for e in head + tail):
        tail[0] = np.zeros(adv, np.intp)
    index = head + [Ellipsis] + tail
    for _ in range(draw(st.integers(0, 1))):
        index.insert(draw(st.integers(0, len(index))), None)
    return shape, tuple(index)


@given(st.data())
def test_at_with_an_ellipsis_between_advanced_indices_matches_numpy(data):
    shape, index = data.draw(ellipsis_between_cases())
    x = _values(data.draw, shape)
    want = x[index]
    v = _values(data.draw, want.shape)
    put = x.copy()
    put[index] = v
    same(fnp.at(x)[index].get(), want)
    same(fnp.at(x)[index].set(v), put)
    same(fnp.at(x)[index].add(v), _np_add_at(x.copy(), index, v))
