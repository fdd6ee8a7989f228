"""One engine: fgrad transforms differentiate facade code, and fgrad.numpy runs on facade tensors."""
import numpy as np
import torch
from hypothesis import given

import fgrad
import fgrad.numpy as fnp
import fgrad_nn

from fgrad.testing import strategies as fst


def model(lib, x):
    t = lib.as_tensor(x)
    w = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=t.dtype)
    h = lib.tanh(t @ w.T)
    return (h.softmax(dim=-1) * h).sum() + t.pow(2).mean()


@given(x=fst.arrays(shape=(4, 3)))
def test_fgrad_grad_of_facade_code(x):
    g = fgrad.grad(lambda v: model(fgrad_nn, v))(x)
    xt = torch.tensor(x, requires_grad=True)
    model(torch, xt).backward()
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_fgrad_hessian_of_facade_code_and_tape_inside_transform():
    x = np.array([0.3, -0.7, 1.1])
    h = fgrad.hessian(lambda v: (fgrad_nn.as_tensor(v).sin() * fgrad_nn.as_tensor(v)).sum()._data)(x)
    expected = np.diag(2 * np.cos(x) - x * np.sin(x))
    np.testing.assert_allclose(h, expected, rtol=1e-10, atol=1e-12)


def test_fgrad_grad_nested_inside_backward_code():
    # a tape-tracked tensor used inside an fgrad transform: the transform's level is above the tape's
    w = fgrad_nn.tensor([1.0, 2.0], dtype=fgrad_nn.float64, requires_grad=True)

    def inner(v):
        return fnp.sum(fnp.sin(v) * w._data)

    g = fgrad.grad(inner)(np.array([0.1, 0.2]))   # d/dv: cos(v) * w, still a function of w on the tape
    gw = fgrad_nn.as_tensor(g)
    assert gw.requires_grad
    gw.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.cos([0.1, 0.2]), rtol=1e-12)


def test_fgrad_numpy_functions_on_tensors():
    for lib in (torch, fgrad_nn):
        x = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        if lib is fgrad_nn:
            y = fnp.sum(fnp.exp(x) * fnp.sin(x))      # fgrad.numpy functions applied to Tensors
            z = np.tanh(x)                              # NumPy ufuncs dispatch to fgrad.numpy too
            assert isinstance(y, fgrad_nn.Tensor) and y.requires_grad
        else:
            y = (x.exp() * x.sin()).sum()
            z = x.tanh()
        (y + z.sum()).backward()
        if lib is torch:
            expected = x.grad.numpy()
        else:
            np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_value_and_grad_returns_tensor_value():
    val, g = fgrad.value_and_grad(lambda v: (fgrad_nn.as_tensor(v) ** 2).sum())(np.array([1.0, 3.0]))
    assert isinstance(val, fgrad_nn.Tensor) and val.item() == 10.0
    np.testing.assert_allclose(g, [2.0, 6.0])


def test_inplace_methods_inside_fgrad_transforms_keep_exact_derivatives():
    import fgrad
    import fgrad_nn

    def f(x):
        t = fgrad_nn.as_tensor(x)
        u = t * 1.0
        u.mul_(t)
        u.add_(t)
        v = u.clone()
        v.relu_()
        v[0] = 5.0
        return (u.sum() + (v * v).sum())

    x = np.array([1.0, 2.0])
    expected = 2 * x + 1 + np.array([0.0, 2 * (x[1] ** 2 + x[1]) * (2 * x[1] + 1)])
    np.testing.assert_allclose(fgrad.grad(f)(x), expected)


def test_untracked_inplace_writes_follow_fgrad_transforms():
    # index_add_ and scatter_ on tensors that do not require grad: inside an fgrad transform the
    # tensor follows the traced result (Tensor._assign), so derivatives flow through the write
    def f(x):
        t = fgrad_nn.as_tensor(x)
        u = fgrad_nn.zeros(3, dtype=t.dtype)
        u.index_add_(0, fgrad_nn.tensor([0, 2]), t[:2] * t[:2])
        v = fgrad_nn.zeros(3, dtype=t.dtype)
        v.scatter_(0, fgrad_nn.tensor([1]), t[2:] * 3.0)
        return (u * u).sum()._data + v.sum()._data

    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fgrad.grad(f)(x), [4 * x[0] ** 3, 4 * x[1] ** 3, 3.0])
    u = fgrad_nn.zeros(3)
    u.index_add_(0, fgrad_nn.tensor([0, 2]), fgrad_nn.ones(2))
    assert u.tolist() == [1.0, 0.0, 1.0] and u._version[0] == 1
