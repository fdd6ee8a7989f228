"""Shape, view and indexing ops against torch (values, dtypes, shapes, gradients)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from fgrad.testing import strategies as fst

from oracle import check, raises_same

FLOATS = [np.float64, np.float32]


@st.composite
def array_and_dim(draw, dtype=np.float64, min_dims=1):
    x = draw(fst.arrays(dtype=dtype, min_dims=min_dims, max_dims=4))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_transpose_permute_t_views(dtype, data):
    x, d = data.draw(array_and_dim(dtype, min_dims=2))
    perm = data.draw(st.permutations(range(x.ndim)))
    check(lambda t, a: a.transpose(d, 0) * 2, x)
    check(lambda t, a: t.permute(a, perm).exp(), x)
    check(lambda t, a: a.permute(*perm).contiguous().view(-1), x)
    check(lambda t, a: a.mT.sin() if a.ndim >= 2 else a, x)
    check(lambda t, a: a[..., :2].reshape(-1) * 3, x)


@given(x=fst.arrays(min_dims=2, max_dims=2))
def test_t_and_T(x):
    check(lambda t, a: t.t(a) ** 2, x)
    check(lambda t, a: a.T.exp(), x)


@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_reshape_view_flatten_squeeze(dtype, data):
    x, d = data.draw(array_and_dim(dtype))
    check(lambda t, a: a.reshape(-1) * a.reshape(a.numel()), x)
    check(lambda t, a: a.view(a.shape).tanh(), x)
    check(lambda t, a: t.flatten(a, 0, d) * 2, x)
    check(lambda t, a: a.unsqueeze(d).squeeze() * 2, x)
    check(lambda t, a: a.unsqueeze(-1).squeeze(-1).sum(), x)


def test_view_of_non_contiguous_raises():
    raises_same(lambda t, a: a.t().view(6), np.ones((2, 3)))
    raises_same(lambda t, a: a.reshape(4), np.ones((2, 3)))
    raises_same(lambda t, a: a.view(-1, -1), np.ones((2, 3)))
    check(lambda t, a: a.t().reshape(6), np.arange(6.0).reshape(2, 3))


@given(x=fst.arrays(shape=st.sampled_from([(1, 3), (3, 1), (1,), (2, 1, 3)])))
def test_expand_and_repeat(x):
    check(lambda t, a: a.expand(2, *a.shape).sin(), x)
    check(lambda t, a: a.expand(4, *(-1 for _ in a.shape)) * 2, x)
    check(lambda t, a: a.repeat(2, *([3] * a.ndim)) * 2, x)
    check(lambda t, a: a.expand_as(t.ones((5,) + tuple(a.shape), dtype=a.dtype)).sum(0), x)


def test_expand_errors():
    raises_same(lambda t, a: a.expand(4), np.ones(3))
    raises_same(lambda t, a: a.expand(2, 3).add_(1), np.ones(3))


@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_cat_stack_split_chunk(dtype, data):
    x, d = data.draw(array_and_dim(dtype))
    n = x.shape[d]
    k = data.draw(st.integers(1, max(n, 1)))
    check(lambda t, a: t.cat([a, a * 2, a.exp()], dim=d), x)
    check(lambda t, a: t.stack([a, a.sin()], dim=d), x)
    check(lambda t, a: t.split(a * 1, k, dim=d), x)
    check(lambda t, a: a.chunk(k, dim=d), x)
    check(lambda t, a: a.unbind(d), x)
    check(lambda t, a: a.narrow(d, 0, 1) * 5, x)


def test_cat_promotes_and_errors():
    check(lambda t, a, b: t.cat([a, b]), np.ones(2, np.float32), np.arange(3))
    raises_same(lambda t, a, b: t.cat([a, b], dim=1), np.ones((2, 2)), np.ones((3, 3)))
    raises_same(lambda t, a, b: t.stack([a, b]), np.ones(2), np.ones(3))
    raises_same(lambda t, a: t.split(a, [1, 1]), np.ones(3))


@pytest.mark.parametrize("dtype", FLOATS)
@given(x=fst.arrays(shape=(4, 3)), data=st.data())
def test_getitem(dtype, x, data):
    x = x.astype(dtype)
    rows = np.asarray(data.draw(st.lists(st.integers(-4, 3), min_size=1, max_size=5)))
    check(lambda t, a: a[1] * 2, x)
    check(lambda t, a: a[-1, 1:] * 2, x)
    check(lambda t, a: a[::2, None, 1] * 2, x)
    check(lambda t, a: a[..., 0] * 2, x)
    check(lambda t, a: a[t.tensor(rows)] * 2, x)
    check(lambda t, a: a[rows.tolist(), 0] * 2, x)
    check(lambda t, a: a[a > 0] * 2, x)
    check(lambda t, a: a[t.tensor(rows), t.tensor(rows % 3)], x)


def test_getitem_errors():
    raises_same(lambda t, a: a[5], np.ones((4, 3)))
    raises_same(lambda t, a: a[0, 0, 0], np.ones((4, 3)))
    raises_same(lambda t, a: a[t.tensor([7])], np.ones((4, 3)))


@given(x=fst.arrays(shape=(4, 3)), v=fst.arrays(shape=(3,)))
def test_setitem(x, v):
    def f(t, a, b):
        y = a * 1
        y[1] = b
        y[0, 2] = 5.0
        y[y > 1.5] = 0.0
        y[t.tensor([3, 2]), 0] = b[:2] * 2
        y[:, 1] += b[0]
        return y
    check(f, x, v)


@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_gather_scatter_index_select(dtype, data):
    x = data.draw(fst.arrays(shape=(3, 4), dtype=dtype))
    d = data.draw(st.sampled_from([0, 1, -1]))
    n = x.shape[d]
    idx = data.draw(hnp.arrays(np.int64, (2, 3), elements=st.integers(0, n - 1)))
    rows = data.draw(hnp.arrays(np.int64, (5,), elements=st.integers(0, n - 1)))
    check(lambda t, a: t.gather(a, d, t.tensor(idx)) * 2, x)
    check(lambda t, a: a.index_select(d, t.tensor(rows)) * 2, x)
    # scatter with distinct destinations (torch leaves duplicates unspecified)
    uniq = np.argsort(data.draw(hnp.arrays(np.float64, (3, 4) if d == 0 else (3, 4), elements=st.floats(0, 1))),
                      axis=d)[:2] if d == 0 else None
    if uniq is not None:
        src = data.draw(fst.arrays(shape=(2, 4), dtype=dtype))
        check(lambda t, a, s: t.scatter(a, 0, t.tensor(uniq), s), x, src)
        check(lambda t, a, s: a.scatter_add(0, t.tensor(uniq), s), x, src)
    check(lambda t, a: a.scatter(d, t.tensor(idx[:1, :1]), 2.5), x)


def test_where_masked_fill_clamp_in_place_variants():
    x = np.array([[1.0, -2.0, 0.5], [3.0, -4.0, 2.0]])

    def f(t, a):
        y = a * 2
        y.clamp_(-3, 3)
        y.masked_fill_(y < -2, -1.0)
        y.mul_(a).add_(a, alpha=0.5).sub_(1).div_(2)
        y.abs_()
        return y
    check(f, x)
