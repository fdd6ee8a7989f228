"""fgrad's transforms: JAX semantics, nesting, custom rules, errors; composites against torch.autograd."""
import collections

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing.strategies import arrays


def composite(lib):
    """The same composite function written for fgrad.numpy and for torch."""
    def f(x, y):
        return lib.sum(lib.tanh(x) * lib.exp(y * 0.5) / (1.0 + x * x) + lib.sin(x * y))
    return f


F_FGRAD = composite(fnp)
F_TORCH = composite(torch)


@given(x=arrays(shape=(3,)), y=arrays(shape=(3,)))
def test_grad_matches_torch_autograd(x, y):
    gx, gy = fgrad.grad(F_FGRAD, argnums=(0, 1))(x, y)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    F_TORCH(tx, ty).backward()
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, ty.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(x=arrays(shape=(3,)), y=arrays(shape=(3,)))
def test_hessian_matches_torch(x, y):
    h = fgrad.hessian(F_FGRAD)(x, y)
    th = torch.autograd.functional.hessian(lambda a: F_TORCH(a, torch.tensor(y)), torch.tensor(x))
    np.testing.assert_allclose(h, th.numpy(), rtol=1e-10, atol=1e-12)


@given(x=arrays(shape=(2, 3)))
def test_jacobians_match_torch(x):
    def f(a):
        return fnp.tanh(a) @ fnp.ones((3, 2)) * fnp.sum(a ** 2)
    tj = torch.autograd.functional.jacobian(
        lambda a: torch.tanh(a) @ torch.ones(3, 2, dtype=torch.float64) * torch.sum(a ** 2), torch.tensor(x))
    np.testing.assert_allclose(fgrad.jacrev(f)(x), tj.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fgrad.jacfwd(f)(x), tj.numpy(), rtol=1e-12, atol=1e-12)


def test_third_derivative_of_sin():
    d3 = fgrad.grad(fgrad.grad(fgrad.grad(fnp.sin)))
    assert np.isclose(d3(0.7), -np.cos(0.7))


def test_forward_over_reverse_and_reverse_over_forward_agree():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2)  # noqa: E731
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    hvp_fwd_rev = fgrad.jvp(fgrad.grad(f), (x,), (v,))[1]
    hvp_rev_fwd = fgrad.grad(lambda a: fgrad.jvp(f, (a,), (v,))[1])(x)
    np.testing.assert_allclose(hvp_fwd_rev, hvp_rev_fwd, rtol=1e-12)
    np.testing.assert_allclose(hvp_fwd_rev, fgrad.hessian(f)(x) @ v, rtol=1e-12)


@pytest.mark.parametrize("outer,inner", [("grad", "grad"), ("fwd", "grad"), ("grad", "fwd"), ("fwd", "fwd")])
def test_no_perturbation_confusion(outer, inner):
    # d/dx [ x * d/dy (x + y) |_{y=1} ] = d/dx [x * 1] = 1 (confusing the perturbations gives 2)
    def derivative(kind):
        if kind == "grad":
            return fgrad.grad
        return lambda f: (lambda a: fgrad.jvp(f, (a,), (1.0,))[1])
    g = derivative(outer)(lambda x: x * derivative(inner)(lambda y: x + y)(1.0))
    assert g(2.0) == 1.0


def test_argnums_has_aux_and_pytrees():
    Params = collections.namedtuple("Params", "w b")

    def loss(params, x, scale):
        pred = x @ params.w + params["b"] if isinstance(params, dict) else x @ params.w + params.b
        return fnp.sum(pred ** 2) * scale, {"pred": pred}

    p = Params(np.ones(2), np.array(0.5))
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    (value, aux), grads = fgrad.value_and_grad(loss, argnums=(0, 2), has_aux=True)(p, x, 2.0)
    pred = x @ p.w + p.b
    assert isinstance(grads[0], Params)
    np.testing.assert_allclose(grads[0].w, 2 * 2 * x.T @ pred)
    np.testing.assert_allclose(grads[0].b, 2 * 2 * pred.sum())
    np.testing.assert_allclose(grads[1], np.sum(pred ** 2))
    np.testing.assert_allclose(aux["pred"], pred)
    assert value == np.sum(pred ** 2) * 2.0


def test_vjp_and_jvp_with_pytrees():
    f = lambda d: {"s": fnp.sin(d["a"]), "p": d["a"] * d["b"]}  # noqa: E731
    d = {"a": np.array([0.1, 0.2]), "b": np.array([3.0, 4.0])}
    out, pullback = fgrad.vjp(f, d)
    (ct,) = pullback({"s": np.ones(2), "p": np.ones(2)})
    np.testing.assert_allclose(ct["a"], np.cos(d["a"]) + d["b"])
    np.testing.assert_allclose(ct["b"], d["a"])
    _, tangent = fgrad.jvp(f, (d,), ({"a": np.ones(2), "b": np.zeros(2)},))
    np.testing.assert_allclose(tangent["s"], np.cos(d["a"]))
    np.testing.assert_allclose(tangent["p"], d["b"])


def test_plain_numpy_calls_are_differentiated_correctly():
    x = np.array([0.2, 0.4])
    g = fgrad.grad(lambda a: np.sum(np.exp(np.sin(a)) * 2.0))(x)
    np.testing.assert_allclose(g, 2 * np.exp(np.sin(x)) * np.cos(x))


def test_numpy_function_without_fgrad_version_raises_naming_fgrad_numpy():
    with pytest.raises(TypeError, match="fgrad.numpy"):
        fgrad.grad(lambda a: np.sum(np.asarray(a)))(np.ones(2))
    with pytest.raises(TypeError, match="fgrad.numpy"):
        fgrad.grad(lambda a: np.sum(np.real_if_close(a)))(np.ones(2))  # NumPy's, not in jax.numpy either


def test_stop_gradient_blocks_every_order():
    f = lambda x: x * fgrad.stop_gradient(x) ** 2  # noqa: E731
    assert fgrad.grad(f)(3.0) == 9.0
    assert fgrad.grad(fgrad.grad(f))(3.0) == 0.0
    assert fgrad.jvp(f, (3.0,), (1.0,))[1] == 9.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_follows_input(dtype):
    x = np.array([1.0, 2.0], dtype)
    assert fgrad.grad(lambda a: fnp.sum(fnp.exp(a) * 1.5))(x).dtype == dtype
    assert fgrad.jvp(lambda a: fnp.exp(a) * 1.5, (x,), (np.ones(2, dtype),))[1].dtype == dtype


def test_custom_vjp_is_used_by_reverse_mode_and_refused_by_forward_mode():
    @fgrad.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
    assert fgrad.grad(lambda x: 5.0 * clip_gradient(x))(2.0) == 1.0
    assert fgrad.grad(lambda x: fnp.sum(clip_gradient(x) * 0.5))(np.ones(2)).tolist() == [0.5, 0.5]
    with pytest.raises(TypeError, match="forward-mode"):
        fgrad.jvp(clip_gradient, (1.0,), (1.0,))


def test_custom_vjp_nondiff_argnums_and_residuals():
    @fgrad.custom_vjp
    def scaled_sin(k, x):
        return fnp.sin(x) * k

    def fwd(k, x):
        return scaled_sin(k, x), fnp.cos(x)

    def bwd(k, cos_x, g):
        return (g * cos_x * k * 10.0,)  # deliberately not the true derivative: it must be the one used

    scaled_sin.nondiff_argnums = (0,)
    scaled_sin.defvjp(fwd, bwd)
    assert np.isclose(fgrad.grad(lambda x: scaled_sin(2.0, x))(0.3), 20.0 * np.cos(0.3))


def test_custom_jvp_serves_forward_and_reverse_mode_at_every_order():
    @fgrad.custom_jvp
    def log1pexp(x):
        return fnp.log1p(fnp.exp(x))

    @log1pexp.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1.0 / (1.0 + fnp.exp(-x)))

    x = np.array([-50.0, 0.3, 800.0])  # the naive derivative is nan at 800
    expected = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(fgrad.grad(lambda a: fnp.sum(log1pexp(a)))(x), expected)
    np.testing.assert_allclose(fgrad.jvp(log1pexp, (x,), (np.ones(3),))[1], expected)
    d2 = fgrad.grad(lambda a: fnp.sum(fgrad.grad(lambda b: fnp.sum(log1pexp(b)))(a)))(x[1:2])
    np.testing.assert_allclose(d2, expected[1] * (1 - expected[1]))
    check_grads(log1pexp, (np.array([0.3, -0.7]),), order=2)


def test_grad_of_nonscalar_output_names_the_shape():
    with pytest.raises(TypeError, match=r"scalar-output.*\(3,\)"):
        fgrad.grad(fnp.sin)(np.ones(3))


def test_grad_of_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="int64"):
        fgrad.grad(lambda x: x * 2.0)(np.array(3))


def test_grad_of_comparison_says_it_has_no_derivative():
    with pytest.raises(TypeError, match="no derivative"):
        fgrad.grad(lambda x: fnp.sum(fnp.greater(x, 0.0)))(np.ones(2))


def test_bad_argnums():
    with pytest.raises(TypeError, match="argnums"):
        fgrad.grad(lambda x: x, argnums=3)(1.0)
    with pytest.raises(TypeError, match="argnums"):
        fgrad.grad(lambda x: x, argnums="0")(1.0)


def test_unknown_pytree_leaf_says_how_to_register_it():
    class Opaque:
        pass

    with pytest.raises(TypeError, match="register_pytree_node"):
        fgrad.grad(lambda o: 1.0)(Opaque())


def test_jvp_checks_tangent_shapes():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        fgrad.jvp(fnp.sin, (np.ones(2),), (np.ones(3),))


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)|\(3,\).*\(2,\)"):
        fgrad.grad(lambda a: fnp.sum(a + np.ones(3)))(np.ones(2))


def test_traced_values_support_python_control_flow():
    def f(x):
        return x ** 2 if x > 0 else -x
    assert fgrad.grad(f)(3.0) == 6.0
    assert fgrad.grad(f)(-3.0) == -1.0


@given(st.floats(-3, 3))
def test_linearize_matches_jvp(x):
    out, f_jvp = fgrad.linearize(fnp.tanh, x)
    assert np.isclose(f_jvp(1.0), 1 - np.tanh(x) ** 2)
    assert np.isclose(out, np.tanh(x))


def test_device_put_and_devices(device):
    x = fgrad.device_put(np.arange(3.0), device)
    assert str(fgrad.core.backend.device_of(x)).startswith(device)
    g = fgrad.grad(lambda a: fnp.sum(fgrad.device_put(a, device) ** 2))(np.arange(3.0))
    assert isinstance(g, np.ndarray)  # the cotangent came back to the input's device
    np.testing.assert_allclose(g, 2 * np.arange(3.0))
    assert fgrad.devices()[0].platform == "cpu"


def test_copy_and_result_type_of_traced_values():
    def f(x):
        assert np.result_type(x, np.float32) == np.float32
        return fnp.sum(np.copy(x) * x.copy())
    np.testing.assert_allclose(fgrad.grad(f)(np.float32([1.0, 2.0])), [2.0, 4.0])


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_cotangents_of_a_value_used_many_times_accumulate_exactly(shape):
    # the backward pass adds later contributions into buffers it allocated itself
    w = np.full(shape, 0.5)

    def f(w):
        total = 0.0
        h = w
        for _ in range(6):
            h = fnp.tanh(h) * w + w
            total = total + fnp.sum(h)
        return total

    check_grads(f, (w,), order=2)


@pytest.mark.parametrize("transform", [fgrad.jacrev, fgrad.jacfwd, fgrad.hessian])
def test_holomorphic_differentiates_complex_functions(transform):
    # sin' = cos, sin'' = -sin at a complex point (tests/test_complex.py compares with JAX in detail)
    z = np.array(0.5 + 0.25j)
    expected = -np.sin(z) if transform is fgrad.hessian else np.cos(z)
    np.testing.assert_allclose(transform(fnp.sin, holomorphic=True)(z), expected, rtol=1e-13)
    with pytest.raises(TypeError, match="holomorphic=True requires inputs with complex dtype"):
        transform(fnp.sin, holomorphic=True)(0.5)
    expected = 0.0 if transform is fgrad.hessian else 1.0  # sin'' (0) and sin' (0)
    np.testing.assert_allclose(transform(fnp.sin, holomorphic=False)(0.0), expected)


@pytest.mark.parametrize("transform", [
    lambda f, x: fgrad.jvp(f, (x,), (x,), has_aux=True),
    lambda f, x: fgrad.vjp(f, x, has_aux=True),
    lambda f, x: fgrad.jacfwd(f, has_aux=True)(x),
])
def test_has_aux_requires_a_pair(transform):
    """A function returning a length-2 array is not an (output, aux) pair: JAX raises, and so do we."""
    with pytest.raises(TypeError, match="pair"):
        transform(lambda x: x * 2.0, np.array([1.0, 2.0]))
