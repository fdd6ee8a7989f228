"""Where Tensor's methods come from: its class body, or one family's TENSOR_METHODS table each."""
import numpy as np
import pytest

import fgrad.numpy as fnp
import fgrad_nn
from fgrad.tree_util import tree_flatten
from fgrad_nn import _ops
from fgrad_nn._tensor import Tensor, define_methods
from fgrad_nn.autograd import engine, function

TABLES = [_ops.creation, _ops.shape, _ops.indexing, _ops.pointwise, _ops.reduction, _ops.linalg, engine, function]


def test_every_attached_method_comes_from_one_table():
    names = [n for m in TABLES for n in m.TENSOR_METHODS]
    assert len(names) == len(set(names))
    for m in TABLES:
        for name, fn in m.TENSOR_METHODS.items():
            assert Tensor.__dict__[name] is fn, name
    with pytest.raises(AssertionError, match="defined twice"):
        define_methods({"add": lambda self, other: None})
    assert Tensor.add is _ops.pointwise.add


def test_numpy_protocols_and_pytree_come_with_the_class():
    assert {"__array__", "__array_ufunc__", "__array_function__"} <= set(Tensor.__dict__)
    t = fgrad_nn.tensor([1.0, 4.0])
    assert isinstance(np.sqrt(t), Tensor) and np.sqrt(t).tolist() == [1.0, 2.0]
    assert isinstance(np.concatenate([t, t]), Tensor)
    leaves, _ = tree_flatten({"a": t})
    assert len(leaves) == 1 and leaves[0] is t._data
    assert fnp.sum(t).item() == 5.0


@pytest.mark.parametrize("call", [
    lambda t, x, o: t.zeros(2, out=o), lambda t, x, o: t.arange(2, out=o), lambda t, x, o: t.rand(2, out=o),
    lambda t, x, o: t.eye(2, out=o), lambda t, x, o: t.add(x, x, out=o), lambda t, x, o: t.eq(x, x, out=o),
    lambda t, x, o: t.div(x, x, rounding_mode="floor", out=o), lambda t, x, o: t.clamp(x, 0, 1, out=o),
    lambda t, x, o: t.cat([x, x], out=o), lambda t, x, o: t.stack([x, x], out=o),
    lambda t, x, o: t.max(x, 0, out=o),
])
def test_out_argument_is_refused_not_ignored(call):
    x = fgrad_nn.ones(2)
    with pytest.raises(NotImplementedError, match="out="):
        call(fgrad_nn, x, x)
    call(fgrad_nn, x, None)  # out=None: the default
