"""Elementwise ops, operators and type promotion against torch."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from fgrad.testing import strategies as fst

from oracle import check, raises_same

FLOATS = [np.float64, np.float32]

UNARY = {
    "exp": lambda t, x: t.exp(x), "log": lambda t, x: t.log(x.abs() + 0.5), "sqrt": lambda t, x: (x.abs() + 0.1).sqrt(),
    "abs": lambda t, x: t.abs(x), "sigmoid": lambda t, x: t.sigmoid(x), "tanh": lambda t, x: x.tanh(),
    "relu": lambda t, x: t.relu(x), "sin": lambda t, x: t.sin(x), "cos": lambda t, x: x.cos(),
    "neg": lambda t, x: -x, "square": lambda t, x: x.square(), "reciprocal": lambda t, x: (x.abs() + 0.5).reciprocal(),
    "rsqrt": lambda t, x: (x.abs() + 0.5).rsqrt(), "log1p": lambda t, x: t.log1p(x.abs()),
    "expm1": lambda t, x: x.expm1(), "pow2": lambda t, x: x ** 2, "pow3": lambda t, x: t.pow(x, 3),
    "rpow": lambda t, x: 2.0 ** x, "clamp": lambda t, x: t.clamp(x, -0.5, 0.7),
    "clamp_min": lambda t, x: x.clamp(min=0), "clamp_max": lambda t, x: x.clamp(max=0.3),
    "atan": lambda t, x: x.atan(), "sinh": lambda t, x: x.sinh(), "erf": lambda t, x: t.erf(x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_unary(name, dtype, data):
    # values away from kinks (0 for abs/relu, the clamp bounds) where derivatives disagree by convention
    x = data.draw(fst.arrays(dtype=dtype, avoid=(0.0, -0.5, 0.7, 0.3), margin=0.01))
    check(UNARY[name], x)


BINARY = {
    "add": lambda t, x, y: x + y, "sub": lambda t, x, y: x - y, "mul": lambda t, x, y: x * y,
    "div": lambda t, x, y: x / (y.abs() + 0.5), "add_alpha": lambda t, x, y: t.add(x, y, alpha=2.5),
    "sub_fn": lambda t, x, y: t.sub(x, y), "pow": lambda t, x, y: (x.abs() + 0.5) ** y,
    "maximum": lambda t, x, y: t.maximum(x, y), "minimum": lambda t, x, y: t.minimum(x, y),
    "where": lambda t, x, y: t.where(x > y, x, y), "atan2": lambda t, x, y: t.atan2(x, y.abs() + 0.5),
    "rsub": lambda t, x, y: 1.5 - x * y, "rdiv": lambda t, x, y: 2 / (y.abs() + 0.5) + x,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
@given(data=st.data())
def test_binary_broadcasting(name, dtype, data):
    x, y = data.draw(fst.broadcastable_arrays(dtype=dtype))
    if name in ("maximum", "minimum", "where"):
        y = np.asarray(y + np.asarray(0.25, dtype), dtype)  # avoid ties (conventions differ there)
        if np.any(np.isclose(*np.broadcast_arrays(x, y))):
            return
    check(BINARY[name], x, y)


COMPARE = {"eq": lambda t, x, y: x == y, "ne": lambda t, x, y: x != y, "lt": lambda t, x, y: x < y,
           "le": lambda t, x, y: t.le(x, y), "gt": lambda t, x, y: x.gt(y), "ge": lambda t, x, y: x >= y,
           "and": lambda t, x, y: (x > 0) & (y > 0), "or": lambda t, x, y: (x > 0) | (y > 0),
           "not": lambda t, x, y: ~(x > y), "isnan": lambda t, x, y: t.isnan(x / y)}


@pytest.mark.parametrize("name", sorted(COMPARE))
@given(xy=fst.broadcastable_arrays())
def test_comparisons(name, xy):
    x, y = xy
    y = np.where(np.random.default_rng(0).random(y.shape) < 0.3, 0.0, y)
    check(COMPARE[name], x, y, grad=False)


SCALARS = [2, 2.5, True, -3]
DTYPES = [np.float32, np.float64, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scalar", SCALARS)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "div", "radd", "rmul", "rsub", "pow"])
def test_scalar_promotion(dtype, scalar, op):
    x = np.array([1, 2, 0], dtype=dtype)
    fns = {"add": lambda t, a: a + scalar, "mul": lambda t, a: a * scalar, "sub": lambda t, a: a - scalar,
           "div": lambda t, a: a / scalar, "radd": lambda t, a: scalar + a, "rmul": lambda t, a: scalar * a,
           "rsub": lambda t, a: scalar - a, "pow": lambda t, a: a ** abs(scalar)}
    try:
        import torch
        fns[op](torch, torch.tensor(x))
    except Exception:
        raises_same(fns[op], x)
        return
    check(fns[op], x, grad=False)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("zero_d", [False, True])
def test_tensor_promotion(da, db, zero_d):
    a = np.array([1, 0, 3], dtype=da)
    b = np.array(2, dtype=db) if zero_d else np.array([2, 1, 1], dtype=db)
    check(lambda t, x, y: x * y, a, b, grad=False)
    check(lambda t, x, y: t.add(x, y), a, b, grad=False)
    if not (np.dtype(da).kind == "b" and np.dtype(db).kind == "b"):
        check(lambda t, x, y: x / (y + 1), a, b, grad=False)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_float_functions_of_integers(dtype):
    x = np.array([1, 2, 0], dtype=dtype)
    for f in (lambda t, a: a.exp(), lambda t, a: t.sqrt(a), lambda t, a: t.sigmoid(a), lambda t, a: a.sin()):
        check(f, x, grad=False)


def test_masked_fill_and_where_scalars():
    x = np.array([[1.0, -2.0], [3.0, -4.0]])
    check(lambda t, a: a.masked_fill(a < 0, 0.5), x)
    check(lambda t, a: t.where(a > 0, a, 0.0), x)
    check(lambda t, a: t.where(a > 0, a * 2, a.new_zeros(())), x)
    check(lambda t, a: t.clamp(a, min=t.tensor(-1.0, dtype=a.dtype)), x, grad=False)


def test_pointwise_errors():
    raises_same(lambda t, a, b: a + b, np.ones(3), np.ones(4))
    raises_same(lambda t, a: a.masked_fill(a, 1.0), np.ones(3))
    raises_same(lambda t, a: t.clamp(a), np.ones(3))
