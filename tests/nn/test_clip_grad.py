"""torch.nn.utils clip_grad_norm_ / clip_grad_value_ / parameters_to_vector against torch."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import fgrad_nn as ft
from fgrad.testing.strategies import arrays


def pair(values, dtype="float64"):
    tps, fps = [], []
    for v in values:
        v = np.asarray(v, dtype)
        tp, fp = torch.zeros(v.shape, dtype=getattr(torch, dtype), requires_grad=True), ft.zeros(
            v.shape, dtype=getattr(ft, dtype), requires_grad=True)
        tp.grad, fp.grad = torch.tensor(v), ft.tensor(v)
        tps.append(tp)
        fps.append(fp)
    return tps, fps


@settings(max_examples=20)
@given(grads=st.lists(arrays(shape=st.sampled_from([(3,), (2, 2), ()])), min_size=1, max_size=3),
       max_norm=st.floats(0.01, 5.0), norm_type=st.sampled_from([1.0, 2.0, 3.5, float("inf")]),
       dtype=st.sampled_from(["float64", "float32"]))
def test_clip_grad_norm_matches_torch(grads, max_norm, norm_type, dtype):
    tps, fps = pair(grads, dtype)
    tps.append(torch.zeros(2, requires_grad=True))  # a parameter without .grad is ignored
    fps.append(ft.zeros(2, requires_grad=True))
    expected = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    got = ft.nn.utils.clip_grad_norm_(fps, max_norm, norm_type=norm_type)
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert got.dtype == getattr(ft, dtype) and got.shape == ()
    # torch sums |g| ** p, which underflows (to a norm of 0) for elements below tiny ** (1 / p)
    count = sum(np.size(g) for g in grads)
    underflow = 0.0 if norm_type == float("inf") else (count * np.finfo(dtype).tiny) ** (1 / norm_type)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=tol, atol=underflow)
    for tp, fp in zip(tps[:-1], fps[:-1]):
        assert fp.grad.dtype == getattr(ft, dtype)
        np.testing.assert_allclose(fp.grad.numpy(), tp.grad.numpy(), rtol=tol, atol=tol)
    assert fps[-1].grad is None


def test_clip_grad_norm_nonfinite_and_empty():
    _, fps = pair([[1.0, np.inf]])
    with pytest.raises(RuntimeError, match="non-finite"):
        ft.nn.utils.clip_grad_norm_(fps, 1.0, error_if_nonfinite=True)
    assert float(ft.nn.utils.clip_grad_norm_([ft.zeros(2, requires_grad=True)], 1.0)) == 0.0
    w = ft.tensor([3.0, 4.0], requires_grad=True)
    w.grad = ft.tensor([3.0, 4.0])
    assert float(ft.nn.utils.clip_grad_norm_(w, 1.0)) == 5.0  # a single Tensor works too


@settings(max_examples=15)
@given(grads=st.lists(arrays(shape=st.sampled_from([(3,), (2, 2)])), min_size=1, max_size=3),
       clip_value=st.floats(0.0, 2.0))
def test_clip_grad_value_matches_torch(grads, clip_value):
    tps, fps = pair(grads)
    torch.nn.utils.clip_grad_value_(tps, clip_value)
    ft.nn.utils.clip_grad_value_(fps, clip_value)
    for tp, fp in zip(tps, fps):
        np.testing.assert_array_equal(fp.grad.numpy(), tp.grad.numpy())


def test_parameters_to_vector_round_trip():
    ps = [ft.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True), ft.tensor([7.0, 8.0], requires_grad=True)]
    tvec = torch.nn.utils.parameters_to_vector([torch.tensor(p.detach().numpy()) for p in ps])
    vec = ft.nn.utils.parameters_to_vector(ps)
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.numpy())
    (vec * vec).sum().backward()  # differentiable, like torch's
    np.testing.assert_array_equal(ps[1].grad.numpy(), [14.0, 16.0])
    ft.nn.utils.vector_to_parameters(ft.arange(8.0), ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ps[1].detach().numpy(), [6.0, 7.0])
    assert ps[0].requires_grad and ps[0].shape == (2, 3)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        ft.nn.utils.vector_to_parameters(np.zeros(8), ps)
