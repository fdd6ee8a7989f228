"""fgrad.scipy.optimize.minimize (BFGS): results against JAX's (x64) where JAX's line search succeeds,
against SciPy's minimum where it does not; eagerly, under jit and vmap; errors as JAX raises them."""
import numpy as np
import pytest
import scipy.optimize as so

import fgrad
import fgrad.numpy as fnp
from fgrad.scipy.optimize import OptimizeResults, minimize

from helpers import host
from jax_support import assert_agree, jax

import jax.numpy as jnp  # noqa: E402  (after jax_support turned x64 on)
import jax.scipy.optimize as jso  # noqa: E402

RNG = np.random.default_rng(20261209)


def rosen(xp):
    return lambda x: xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


A = RNG.standard_normal((5, 5))
A = A @ A.T + np.eye(5)
B = RNG.standard_normal(5)


def quadratic(xp):
    return lambda x, a, b: 0.5 * xp.dot(x, xp.matmul(a, x)) - xp.dot(b, x)


def agree(got, want, rtol=1e-6, atol=1e-8, same_path=True):
    """Every field the same dtype and shape, the same path (counts, status) and the same numbers."""
    assert isinstance(got, OptimizeResults) and got._fields == want._fields
    for name in ("success", "status", "nit", "nfev", "njev"):
        assert np.asarray(getattr(got, name)).dtype == np.asarray(getattr(want, name)).dtype, name
        if same_path or name in ("success", "status"):
            assert int(getattr(got, name)) == int(getattr(want, name)), (name, getattr(got, name), getattr(want, name))
    for name in ("x", "fun", "jac", "hess_inv"):
        if same_path or name != "hess_inv":  # another path: another estimate of the inverse Hessian
            assert_agree(getattr(got, name), getattr(want, name), rtol, atol)
    assert (got.hess_inv.shape, got.hess_inv.dtype) == (want.hess_inv.shape, want.hess_inv.dtype)


# Starts from which JAX's line search succeeds: there fgrad takes exactly JAX's steps.
@pytest.mark.parametrize("x0", [np.array([2.0, 2.0]), np.array([1.2, 0.3, 1.7, 0.9, 0.4])], ids=["2", "5"])
def test_rosenbrock_matches_jax(x0):
    agree(minimize(rosen(fnp), x0, method="BFGS"), jso.minimize(rosen(jnp), x0, method="BFGS"))


def test_quadratic_with_args_matches_jax_and_the_solution():
    got = minimize(quadratic(fnp), np.zeros(5), (A, B), method="BFGS")
    agree(got, jso.minimize(quadratic(jnp), jnp.zeros(5), (A, B), method="BFGS"), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.x, np.linalg.solve(A, B), rtol=1e-7)


def test_classic_start_reaches_scipys_minimum():
    """From (-1.2, 1) JAX's zoom gives up on a reversed interval (status 3); fgrad orders the ends."""
    x0 = np.array([-1.2, 1.0])
    got = minimize(rosen(fnp), x0, method="BFGS")
    want = so.minimize(so.rosen, x0, jac=so.rosen_der, method="BFGS")
    assert bool(got.success) and int(got.status) == 0
    np.testing.assert_allclose(got.x, want.x, atol=1e-5)
    assert float(fnp.max(fnp.abs(got.jac))) < 1e-5
    np.testing.assert_allclose(got.hess_inv, np.linalg.inv(so.rosen_hess(got.x)), rtol=0.1, atol=0.05)


def test_jit_stages_the_loops_and_gives_the_eager_result():
    x0 = np.array([2.0, 2.0])
    f = fgrad.jit(lambda x: minimize(rosen(fnp), x, method="BFGS"))
    agree(f(x0), minimize(rosen(fnp), x0, method="BFGS"), rtol=1e-12, atol=1e-14)
    assert "while" in str(fgrad.make_jaxpr(lambda x: minimize(rosen(fnp), x, method="BFGS").x)(x0))


def test_vmap_over_starts():
    x0 = np.array([[2.0, 2.0], [0.5, 0.5], [1.3, 0.7]])
    got = fgrad.vmap(lambda x: minimize(rosen(fnp), x, method="BFGS").x)(x0)
    want = np.stack([np.asarray(minimize(rosen(fnp), x, method="BFGS").x) for x in x0])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_float32_and_options_match_jax():
    x0 = np.array([2.0, 2.0], np.float32)
    # float32 rounding may cost a step more or less; the minimum and its dtypes agree
    agree(minimize(rosen(fnp), x0, method="BFGS"), jso.minimize(rosen(jnp), x0, method="BFGS"), rtol=1e-4, atol=1e-4,
          same_path=False)
    opts = {"maxiter": 3, "gtol": 1e-3, "norm": 2, "line_search_maxiter": 5}
    got = minimize(rosen(fnp), np.array([2.0, 2.0]), method="bfgs", options=opts)
    agree(got, jso.minimize(rosen(jnp), np.array([2.0, 2.0]), method="bfgs", options=opts))
    assert int(got.status) == 1 and not bool(got.success)


def test_tol_sets_the_gradient_tolerance():
    loose = minimize(rosen(fnp), np.array([2.0, 2.0]), tol=1e-2)
    assert float(fnp.max(fnp.abs(loose.jac))) < 1e-2
    assert int(loose.nit) < int(minimize(rosen(fnp), np.array([2.0, 2.0])).nit)


def test_errors_match_jax():
    f = rosen(fnp)
    with pytest.raises(TypeError):
        jso.minimize(rosen(jnp), np.zeros(2), [1], method="BFGS")
    with pytest.raises(TypeError):
        minimize(f, np.zeros(2), [1], method="BFGS")
    with pytest.raises(ValueError):
        jso.minimize(rosen(jnp), np.zeros(2), method="Nelder-Mead")
    with pytest.raises(ValueError):
        minimize(f, np.zeros(2), method="Nelder-Mead")
    with pytest.raises(TypeError):
        jso.minimize(rosen(jnp), np.zeros(2), method="BFGS", options={"bogus": 1})
    with pytest.raises(TypeError):
        minimize(f, np.zeros(2), method="BFGS", options={"bogus": 1})
    with pytest.raises(ValueError, match="1-D"):
        minimize(f, np.zeros((2, 2)), method="BFGS")
    with pytest.raises(ValueError, match="Reverse-mode"):  # a while loop, as in JAX
        fgrad.grad(lambda s: minimize(lambda x: fnp.sum((x - s) ** 2), np.zeros(2), method="BFGS").fun)(1.0)


def test_names_cover_jax():
    import fgrad.scipy.optimize as fso
    assert [n for n in dir(jso) if not n.startswith("_") and not hasattr(fso, n)] == []


def test_runs_on_every_device(put):
    x0 = np.array([2.0, 2.0])
    got = minimize(rosen(fnp), put(x0), method="BFGS")
    want = minimize(rosen(fnp), x0, method="BFGS")
    for a, b in zip(got, want):
        np.testing.assert_allclose(host(a), np.asarray(b), rtol=1e-12, atol=1e-14)


def test_forward_mode_through_the_iterations_matches_jax():
    """JVP of the minimizer in a parameter: the loops carry tangents (as JAX's); it approaches A^-1 t."""
    t = RNG.standard_normal(5)
    got = fgrad.jvp(lambda b: minimize(quadratic(fnp), np.zeros(5), (A, b), method="BFGS").x, (B,), (t,))[1]
    want = jax.jvp(lambda b: jso.minimize(quadratic(jnp), jnp.zeros(5), (A, b), method="BFGS").x, (B,), (t,))[1]
    assert_agree(got, want, 1e-8, 1e-10)
    np.testing.assert_allclose(got, np.linalg.solve(A, t), rtol=1e-4, atol=1e-5)
