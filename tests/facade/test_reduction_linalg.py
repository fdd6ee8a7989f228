"""Reductions (dim/keepdim, namedtuples, corrections) and matrix products against torch."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from fgrad.testing import strategies as fst

from oracle import check, raises_same

FLOATS = [np.float64, np.float32]


@st.composite
def dims(draw, dtype=np.float64, unique=False):
    x = draw(fst.arrays(dtype=dtype, min_dims=1, max_dims=3, unique=unique))
    # torch squares without scaling: below sqrt(tiny) its norm underflows (ours does not)
    x = np.where(np.abs(x) < np.sqrt(np.finfo(dtype).tiny), np.asarray(0, dtype), x).astype(dtype)
    if unique and len(np.unique(x)) < x.size:
        x = (np.arange(x.size).reshape(x.shape) * 0.37 - 1.0).astype(dtype)
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    keep = draw(st.booleans())
    return x, d, keep


REDUCE = {
    "sum": lambda t, a, d, k: a.sum(d, keepdim=k), "sum_all": lambda t, a, d, k: t.sum(a),
    "sum_tuple": lambda t, a, d, k: a.sum((d, 0) if d % a.ndim != 0 else (d,), keepdim=k),
    "mean": lambda t, a, d, k: t.mean(a, dim=d, keepdim=k), "mean_all": lambda t, a, d, k: a.mean(),
    "var": lambda t, a, d, k: a.var(d, keepdim=k) if a.shape[d] > 1 else a.sum(),
    "var_unbiased_false": lambda t, a, d, k: a.var(d, unbiased=False, keepdim=k),
    "var_correction0": lambda t, a, d, k: t.var(a, dim=d, correction=0),
    "std": lambda t, a, d, k: a.std(d, keepdim=k) if a.shape[d] > 1 else a.sum(),
    "std_all": lambda t, a, d, k: a.std() if a.numel() > 1 else a.sum(),
    "norm": lambda t, a, d, k: a.norm(), "norm_dim": lambda t, a, d, k: t.norm(a, dim=d, keepdim=k),
    "norm_p1": lambda t, a, d, k: a.norm(p=1, dim=d), "prod": lambda t, a, d, k: a.prod(d, keepdim=k),
    "softmax": lambda t, a, d, k: t.softmax(a, dim=d), "log_softmax": lambda t, a, d, k: a.log_softmax(d),
    "logsumexp": lambda t, a, d, k: t.logsumexp(a, d, keepdim=k), "cumsum": lambda t, a, d, k: a.cumsum(d),
    "amax": lambda t, a, d, k: a.amax(d, keepdim=k),
}


@pytest.mark.parametrize("name", sorted(REDUCE))
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_reductions(name, dtype, data):
    x, d, keep = data.draw(dims(dtype, unique=True))
    check(lambda t, a: REDUCE[name](t, a, d, keep), x)


SELECT = {
    "max_dim": lambda t, a, d, k: a.max(d, keepdim=k), "min_dim": lambda t, a, d, k: t.min(a, dim=d, keepdim=k),
    "max_all": lambda t, a, d, k: a.max(), "min_all": lambda t, a, d, k: t.min(a),
    "max_values": lambda t, a, d, k: a.max(dim=d).values * 2, "argmax": lambda t, a, d, k: a.argmax(d, keepdim=k),
    "argmin_all": lambda t, a, d, k: t.argmin(a), "topk": lambda t, a, d, k: a.topk(1, dim=d),
    "topk_smallest": lambda t, a, d, k: t.topk(a, min(2, a.shape[d]), dim=d, largest=False),
    "sort": lambda t, a, d, k: a.sort(d), "sort_desc": lambda t, a, d, k: t.sort(a, dim=d, descending=True),
    "argsort": lambda t, a, d, k: a.argsort(d),
}


@pytest.mark.parametrize("name", sorted(SELECT))
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_selections(name, dtype, data):
    x, d, keep = data.draw(dims(dtype, unique=True))  # distinct values: no ties
    check(lambda t, a: SELECT[name](t, a, d, keep), x)


def test_namedtuple_fields():
    import torch
    import fgrad_nn
    for lib in (torch, fgrad_nn):
        x = lib.tensor([[1.0, 5.0], [7.0, 2.0]])
        m = x.max(dim=1)
        assert m.indices.tolist() == [1, 0] and m.values.tolist() == [5.0, 7.0]
        v, i = x.min(0)
        assert i.tolist() == [0, 1]
        assert x.topk(1).indices.tolist() == [[1], [0]]


def test_integer_reductions_and_errors():
    check(lambda t, a: (a.sum(), a.sum(0), a.prod(), a.cumsum(0)), np.array([[1, 2], [3, 4]]), grad=False)
    check(lambda t, a: (a.sum(), (a > 1).sum(), a.max(), a.argmax()), np.array([[1, 2], [3, 4]], np.int32),
          grad=False)
    raises_same(lambda t, a: a.mean(), np.array([1, 2]))
    raises_same(lambda t, a: a.std(), np.array([1, 2]))
    raises_same(lambda t, a: a.sum(2), np.ones((2, 2)))
    raises_same(lambda t, a: a.max(), np.ones((0,)))


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_matmul(shapes, dtype, data):
    a = data.draw(fst.arrays(shape=shapes[0], dtype=dtype))
    b = data.draw(fst.arrays(shape=shapes[1], dtype=dtype))
    check(lambda t, x, y: x @ y, a, b)
    check(lambda t, x, y: t.matmul(x, y), a, b)
    if len(shapes[0]) == 2 and len(shapes[1]) == 2:
        check(lambda t, x, y: t.mm(x, y), a, b)
        check(lambda t, x, y: x.mm(y.T.T), a, b)
    if len(shapes[0]) == 3 and len(shapes[1]) == 3 and shapes[0][0] == shapes[1][0]:
        check(lambda t, x, y: t.bmm(x, y), a, b)


@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_einsum(dtype, data):
    a = data.draw(fst.arrays(shape=(2, 3), dtype=dtype))
    b = data.draw(fst.arrays(shape=(3, 4), dtype=dtype))
    c = data.draw(fst.arrays(shape=(2, 3), dtype=dtype))
    check(lambda t, x, y: t.einsum("ij,jk->ik", x, y), a, b)
    check(lambda t, x, y: t.einsum("ij,ij->i", x, y), a, c)
    check(lambda t, x: t.einsum("ij->ji", x), a)
    check(lambda t, x: t.einsum("ii", x @ x.T), a)


def test_linalg_errors():
    raises_same(lambda t, a, b: t.mm(a, b), np.ones((2, 3)), np.ones((2, 3)))
    raises_same(lambda t, a, b: t.mm(a, b), np.ones(3), np.ones((3, 3)))
    raises_same(lambda t, a, b: t.bmm(a, b), np.ones((2, 3)), np.ones((3, 2)))
    raises_same(lambda t, a, b: a @ b, np.ones((2, 3)), np.ones((2, 3)))
    raises_same(lambda t, a, b: t.matmul(a, b), np.ones((2, 3), np.float32), np.ones((3, 2)))
