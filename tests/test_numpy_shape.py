"""Shape manipulation against NumPy: values for many argument forms, errors, derivatives."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host

AxisError = np.exceptions.AxisError


def same(got, want):
    """Equal values, shapes and dtypes (a list/tuple compared piece by piece)."""
    if isinstance(want, (list, tuple)):
        assert isinstance(got, type(want)), (type(got), type(want))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    g = host(got)
    assert g.dtype == np.asarray(want).dtype, (g.dtype, np.asarray(want).dtype)
    np.testing.assert_array_equal(g, want)


@st.composite
def joinable(draw, max_arrays=4):
    """(arrays, axis): arrays equal in every dimension but ``axis``."""
    nd = draw(st.integers(1, 3))
    axis = draw(st.integers(-nd, nd - 1))
    base = draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd))
    n = draw(st.integers(1, max_arrays))
    out = []
    for _ in range(n):
        s = list(base)
        s[axis] = draw(st.integers(0, 3))
        out.append(draw(fst.arrays(tuple(s), min_side=0)))
    return out, axis


# ------------------------------------------------------------------ concatenate / stack

@given(joinable())
def test_concatenate_matches_numpy(device, data):
    arrays, axis = data
    same(fnp.concatenate(fgrad.device_put(arrays, device), axis=axis), np.concatenate(arrays, axis=axis))


@given(st.lists(fst.arrays(min_side=0), min_size=1, max_size=3))
def test_concatenate_axis_none_flattens(device, arrays):
    same(fnp.concatenate(fgrad.device_put(arrays, device), axis=None), np.concatenate(arrays, axis=None))


def test_concatenate_mixes_lists_and_dtypes(device):
    a = fgrad.device_put(np.ones((2, 2), np.float32), device)
    same(fnp.concatenate([a, [[1.0, 2.0]]]), np.concatenate([np.ones((2, 2), np.float32), [[1.0, 2.0]]]))
    same(fnp.concatenate([a, a], dtype=np.float64), np.ones((4, 2)))
    same(fnp.concatenate((np.arange(3), np.arange(2))), np.arange(5) - np.array([0, 0, 0, 3, 3]))


def test_concatenate_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"along dimension 1.*\(2, 3\) and \(2, 4\)"):
        fnp.concatenate([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"same number of dimensions.*\(2, 3\) and \(3,\)"):
        fnp.concatenate([np.ones((2, 3)), np.ones(3)])
    with pytest.raises(ValueError, match="zero-dimensional"):
        fnp.concatenate([np.ones(3), np.float64(1.0)])
    with pytest.raises(ValueError, match="at least one array"):
        fnp.concatenate([])
    with pytest.raises(AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        fnp.concatenate([np.ones((2, 3))] * 2, axis=2)
    with pytest.raises(TypeError, match="Cannot cast"):
        fnp.concatenate([np.ones(2), np.ones(2)], dtype=np.int64)
    with pytest.raises(TypeError, match="out="):
        fnp.concatenate([np.ones(2)], out=np.ones(2))


@given(st.integers(1, 4), fst.shapes(min_dims=0, max_dims=3, min_side=0), st.data())
def test_stack_matches_numpy(device, n, shape, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = [data.draw(fst.arrays(shape, min_side=0)) for _ in range(n)]
    same(fnp.stack(fgrad.device_put(arrays, device), axis=axis), np.stack(arrays, axis=axis))


def test_stack_errors():
    with pytest.raises(ValueError, match=r"same shape.*\(3,\), \(2,\)"):
        fnp.stack([np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match="at least one array"):
        fnp.stack([])
    with pytest.raises(AxisError):
        fnp.stack([np.ones(3)], axis=2)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack"])
@given(shape=fst.shapes(min_dims=0, max_dims=3), n=st.integers(1, 3))
def test_stacking_helpers_match_numpy(device, name, shape, n):
    if name == "column_stack" and len(shape) > 2:
        shape = shape[:2]
    arrays = [np.full(shape, float(k)) for k in range(n)]
    same(getattr(fnp, name)(fgrad.device_put(arrays, device)), getattr(np, name)(arrays))


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@given(shapes=st.lists(fst.shapes(min_dims=0, max_dims=4), min_size=1, max_size=3))
def test_atleast_nd_matches_numpy(device, name, shapes):
    arrays = [np.zeros(s) for s in shapes]
    got = getattr(fnp, name)(*fgrad.device_put(arrays, device))
    same(got, getattr(np, name)(*arrays))
    assert fnp.atleast_1d(2.0).shape == (1,)


# ------------------------------------------------------------------ split

split_forms = st.one_of(st.integers(1, 5), st.lists(st.integers(-7, 7), max_size=4))


@given(fst.shapes(min_dims=1, max_dims=3, min_side=0, max_side=6), split_forms, st.data())
def test_array_split_matches_numpy(device, shape, form, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.array_split(fgrad.device_put(x, device), form, axis=axis), np.array_split(x, form, axis=axis))


@given(fst.shapes(min_dims=1, max_dims=3, min_side=0, max_side=6), split_forms, st.data())
def test_split_matches_numpy_or_raises_like_it(device, shape, form, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    try:
        want = np.split(x, form, axis=axis)
    except ValueError:
        with pytest.raises(ValueError, match="equal division"):
            fnp.split(fgrad.device_put(x, device), form, axis=axis)
        return
    same(fnp.split(fgrad.device_put(x, device), form, axis=axis), want)


def test_split_errors():
    with pytest.raises(ValueError, match=r"equal division: 6 elements along axis 0 cannot be split into 4"):
        fnp.split(np.ones(6), 4)
    with pytest.raises(ValueError, match="larger than 0"):
        fnp.array_split(np.ones(6), 0)
    with pytest.raises(AxisError):
        fnp.split(np.ones(6), 2, axis=1)
    with pytest.raises(ValueError, match="hsplit only works on arrays of 1 or more"):
        fnp.hsplit(np.float64(1.0), 1)
    with pytest.raises(ValueError, match="vsplit only works"):
        fnp.vsplit(np.ones(4), 2)
    with pytest.raises(ValueError, match="dsplit only works"):
        fnp.dsplit(np.ones((2, 2)), 2)


@pytest.mark.parametrize("name, shape", [("hsplit", (4,)), ("hsplit", (2, 4)), ("vsplit", (4, 2)),
                                         ("dsplit", (1, 2, 4))])
def test_hvd_split_match_numpy(device, name, shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    for form in (2, [1, 3]):
        same(getattr(fnp, name)(fgrad.device_put(x, device), form), getattr(np, name)(x, form))


def test_split_gradients_flow_through_unused_pieces(device):
    x = fgrad.device_put(np.arange(6.0), device)
    g = fgrad.grad(lambda v: fnp.sum(fnp.split(v, [2, 3])[2] ** 2))(x)
    same(g, np.array([0, 0, 0, 6.0, 8.0, 10.0]))
    check_grads(lambda v: fnp.concatenate(fnp.array_split(v, 4)[::-1]) * v, (x,), order=2)


# ------------------------------------------------------------------ axes

@given(fst.shapes(min_dims=0, max_dims=4), st.data())
def test_moveaxis_matches_numpy(device, shape, data):
    nd = len(shape)
    axes = st.integers(-nd, nd - 1) if nd else st.nothing()
    k = data.draw(st.integers(0, nd))
    src = data.draw(st.lists(axes, min_size=k, max_size=k, unique_by=lambda a: a % nd))
    dst = data.draw(st.lists(axes, min_size=k, max_size=k, unique_by=lambda a: a % nd))
    x = np.zeros(shape)
    same(fnp.moveaxis(fgrad.device_put(x, device), src, dst), np.moveaxis(x, src, dst))
    if k == 1:
        same(fnp.moveaxis(fgrad.device_put(x, device), src[0], dst[0]), np.moveaxis(x, src[0], dst[0]))


def test_axis_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="same number of elements"):
        fnp.moveaxis(x, [0, 1], [0])
    with pytest.raises(ValueError, match="repeated axis"):
        fnp.moveaxis(x, [0, 0], [0, 1])
    for call in (lambda: fnp.moveaxis(x, 2, 0), lambda: fnp.swapaxes(x, 0, 2), lambda: fnp.flip(x, -3),
                 lambda: fnp.roll(x, 1, 2), lambda: fnp.repeat(x, 2, 5), lambda: fnp.stack([x], 3),
                 lambda: fnp.array_split(x, 2, -3)):
        with pytest.raises(AxisError):
            call()


@given(fst.shapes(min_dims=2, max_dims=4), st.data())
def test_swapaxes_matches_numpy(device, shape, data):
    nd = len(shape)
    i, j = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.swapaxes(fgrad.device_put(x, device), i, j), np.swapaxes(x, i, j))


# ------------------------------------------------------------------ flip / roll / rot90

axis_forms = st.one_of(st.none(), st.integers(-3, 2), st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True)
                       .map(tuple))


@given(shape=fst.shapes(min_dims=3, max_dims=3, min_side=0), axis=axis_forms)
def test_flip_matches_numpy(device, shape, axis):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.flip(fgrad.device_put(x, device), axis), np.flip(x, axis))
    same(fnp.fliplr(fgrad.device_put(x, device)), np.fliplr(x))
    same(fnp.flipud(fgrad.device_put(x, device)), np.flipud(x))


def test_flip_errors():
    with pytest.raises(ValueError, match=">= 2-d"):
        fnp.fliplr(np.ones(3))
    with pytest.raises(ValueError, match=">= 1-d"):
        fnp.flipud(np.float64(1.0))


@given(shape=fst.shapes(min_dims=1, max_dims=3, min_side=0),
       shift=st.one_of(st.integers(-9, 9), st.lists(st.integers(-9, 9), min_size=1, max_size=3).map(tuple)),
       data=st.data())
def test_roll_matches_numpy(device, shape, shift, data):
    nd = len(shape)
    n = len(shift) if isinstance(shift, tuple) else data.draw(st.integers(1, 3))
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1),
                               st.lists(st.integers(-nd, nd - 1), min_size=n, max_size=n).map(tuple)))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.roll(fgrad.device_put(x, device), shift, axis), np.roll(x, shift, axis))


def test_roll_rejects_nested_shifts():
    with pytest.raises(ValueError, match="scalars or 1D sequences"):
        fnp.roll(np.ones(3), [[1]], axis=0)


@given(shape=fst.shapes(min_dims=2, max_dims=4), k=st.integers(-5, 5), data=st.data())
def test_rot90_matches_numpy(device, shape, k, data):
    nd = len(shape)
    a = data.draw(st.integers(-nd, nd - 1))
    b = data.draw(st.integers(-nd, nd - 1).filter(lambda v: v % nd != a % nd))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.rot90(fgrad.device_put(x, device), k, (a, b)), np.rot90(x, k, (a, b)))


def test_rot90_errors():
    for axes, msg in (((0,), "len"), ((0, 0), "different"), ((0, 2), "different"), ((0, 3), "out of range")):
        with pytest.raises(ValueError, match=msg):
            fnp.rot90(np.ones((2, 3)), axes=axes)


# ------------------------------------------------------------------ repeat / tile

@given(shape=fst.shapes(min_dims=0, max_dims=3, min_side=0), data=st.data())
def test_repeat_matches_numpy(device, shape, data):
    nd = len(shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none())
    n = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n),
                                  st.just([2])))
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.repeat(fgrad.device_put(x, device), repeats, axis), np.repeat(x, repeats, axis))


def test_repeat_errors():
    with pytest.raises(ValueError, match=r"broadcast.*\(6,\).*\(2,\)"):
        fnp.repeat(np.ones(6), [1, 2])
    with pytest.raises(ValueError, match="negative"):
        fnp.repeat(np.ones(6), -1)


def test_repeat_gradient_sums_the_copies(device):
    x = fgrad.device_put(np.arange(1.0, 4.0), device)
    same(fgrad.grad(lambda v: fnp.sum(fnp.repeat(v, [2, 0, 3]) * fnp.arange(5.0, device=device)))(x),
         np.array([1.0, 0, 9.0]))
    check_grads(lambda v: fnp.repeat(v, [2, 0, 3]) ** 2, (x,), order=2)
    check_grads(lambda v: v.repeat(2) ** 2, (x,), order=2)


@given(shape=fst.shapes(min_dims=0, max_dims=3),
       reps=st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4).map(tuple)))
def test_tile_matches_numpy(device, shape, reps):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    same(fnp.tile(fgrad.device_put(x, device), reps), np.tile(x, reps))


# ------------------------------------------------------------------ pad

def pad_widths(nd):
    w = st.integers(0, 7)
    return st.one_of(w, st.tuples(w), st.tuples(w, w), st.tuples(st.tuples(w, w)),
                     st.lists(st.tuples(w, w), min_size=nd, max_size=nd).map(tuple),
                     st.lists(st.tuples(w), min_size=nd, max_size=nd).map(tuple) if nd == 2 else st.tuples(w, w))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap", "empty"])
@given(shape=fst.shapes(min_dims=1, max_dims=3, max_side=4), data=st.data())
def test_pad_matches_numpy(device, mode, shape, data):
    width = data.draw(pad_widths(len(shape)))
    x = np.arange(1, np.prod(shape) + 1, dtype=float).reshape(shape)
    want = np.pad(x, width, mode="constant" if mode == "empty" else mode)
    same(fnp.pad(fgrad.device_put(x, device), width, mode=mode), want)


@given(shape=fst.shapes(min_dims=1, max_dims=2), data=st.data())
def test_pad_constant_values_forms(device, shape, data):
    nd = len(shape)
    v = st.floats(-3, 3, allow_nan=False)
    values = data.draw(st.one_of(v, st.tuples(v), st.tuples(v, v), st.lists(st.tuples(v, v), min_size=nd,
                                                                          max_size=nd).map(tuple)))
    x = np.ones(shape)
    same(fnp.pad(fgrad.device_put(x, device), 2, constant_values=values), np.pad(x, 2, constant_values=values))


def test_pad_gradients(device):
    x = fgrad.device_put(np.linspace(-1.0, 1.0, 6).reshape(2, 3), device)
    for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
        check_grads(lambda v: fnp.pad(v, ((1, 4), (5, 2)), mode=mode) ** 2, (x,), order=2)
    # a traced fill value is differentiable too
    g = fgrad.grad(lambda c: fnp.sum(fnp.pad(x, 1, constant_values=c)))(2.0)
    assert float(g) == 4 * 5 - 6


def test_pad_errors():
    x = np.ones(3)
    with pytest.raises(ValueError, match="negative"):
        fnp.pad(x, -1)
    with pytest.raises(TypeError, match="integral"):
        fnp.pad(x, 1.5)
    with pytest.raises(ValueError, match="not supported"):
        fnp.pad(x, 1, mode="foo")
    with pytest.raises(NotImplementedError, match="mean"):
        fnp.pad(x, 1, mode="mean")
    with pytest.raises(ValueError, match="unsupported keyword"):
        fnp.pad(x, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="empty axis 0"):
        fnp.pad(np.ones((0, 2)), 1, mode="wrap")
    with pytest.raises(ValueError, match=r"cannot be broadcast to \(1, 2\)"):
        fnp.pad(x, ((1, 2), (3, 4)))


# ------------------------------------------------------------------ broadcasting

@given(fst.broadcastable_arrays(num=3, min_dims=0))
def test_broadcast_arrays_matches_numpy(device, arrays):
    got = fnp.broadcast_arrays(*fgrad.device_put(list(arrays), device))
    assert isinstance(got, tuple)
    same(list(got), list(np.broadcast_arrays(*arrays)))


def test_broadcast_arrays_error_names_shapes():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        fnp.broadcast_arrays(np.ones(2), np.ones(3))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
@given(sizes=st.lists(st.integers(1, 4), max_size=4))
def test_meshgrid_matches_numpy(device, indexing, sparse, sizes):
    xs = [np.arange(n, dtype=float) + 10 * i for i, n in enumerate(sizes)]
    got = fnp.meshgrid(*fgrad.device_put(xs, device), indexing=indexing, sparse=sparse)
    same(got, np.meshgrid(*xs, indexing=indexing, sparse=sparse))


def test_meshgrid_outputs_are_writable_copies():
    x = np.arange(3.0)
    gx, gy = fnp.meshgrid(x, x)
    gx[0, 0] = 7.0
    assert x[0] == 0.0
    with pytest.raises(ValueError, match="indexing"):
        fnp.meshgrid(x, indexing="yx")


# ------------------------------------------------------------------ through the transforms

def test_jacobians_and_hessians_use_stack(device):
    x = fgrad.device_put(np.arange(3.0), device)
    same(fgrad.jacrev(fnp.sin)(x), np.diag(np.cos(np.arange(3.0))))
    same(fgrad.jacfwd(fnp.sin)(x), np.diag(np.cos(np.arange(3.0))))
    same(fgrad.hessian(lambda v: fnp.sum(v ** 3))(x), np.diag(6 * np.arange(3.0)))


def test_mixed_dtype_concatenate_keeps_each_cotangent_dtype(device):
    a = fgrad.device_put(np.ones(2, np.float32), device)
    b = fgrad.device_put(np.ones(3), device)
    ga, gb = fgrad.grad(lambda u, v: fnp.sum(fnp.concatenate([u, v]) ** 2), argnums=(0, 1))(a, b)
    assert host(ga).dtype == np.float32 and host(gb).dtype == np.float64
    same(ga, np.full(2, 2.0, np.float32))


def test_composites_check_grads(device):
    x = fgrad.device_put(np.linspace(-1.0, 2.0, 12).reshape(3, 4), device)
    y = fgrad.device_put(np.linspace(0.5, 1.5, 4), device)
    funs = [
        lambda a, b: fnp.stack([a[0] * b, b, a[1]], axis=-1),
        lambda a, b: fnp.vstack([a, b]) * fnp.hstack([b, b, b])[:4],
        lambda a, b: fnp.tile(a, (2, 1)) * fnp.tile(b, 2)[:4],
        lambda a, b: fnp.rot90(a, 3) @ fnp.roll(b[:3], 1),
        lambda a, b: fnp.moveaxis(fnp.broadcast_arrays(a, b)[1] * a, 0, 1) ** 2,
        lambda a, b: fnp.meshgrid(b, a[0], indexing="ij")[0] * fnp.meshgrid(b, a[1])[1].T,
        lambda a, b: fnp.dstack([a, a]) * fnp.reshape(fnp.column_stack([b, b])[:3], (3, 1, 2)),
    ]
    for f in funs:
        check_grads(f, (x, y), order=2)


def test_functions_accept_tracers_through_numpy(device):
    # np.concatenate(traced) dispatches to fnp.concatenate via __array_function__
    x = fgrad.device_put(np.arange(3.0), device)
    g = fgrad.grad(lambda v: np.sum(np.concatenate([v, v * 2.0]) ** 2))(x)
    same(g, 10 * np.arange(3.0))
    g = fgrad.grad(lambda v: fnp.sum(fnp.concatenate(fnp.reshape(v, (3, 1))) * v))(x)
    same(g, 2 * np.arange(3.0))
