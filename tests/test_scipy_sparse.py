"""fgrad.scipy.sparse.linalg: solutions against SciPy and NumPy on every device, implicit derivatives
(w.r.t. b and through the matrix A, both modes) against JAX (x64), vmap/jit, and JAX's errors."""
import numpy as np
import pytest
import scipy.sparse.linalg as ssl

import fgrad
import fgrad.numpy as fnp
from fgrad.scipy.sparse import linalg

from helpers import host
from jax_support import assert_agree, jax

import jax.scipy.sparse.linalg as jsl  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261206)
Q = RNG.standard_normal((6, 6))
SPD = Q @ Q.T + 6 * np.eye(6)                        # for cg
GENERAL = RNG.standard_normal((6, 6)) + 6 * np.eye(6)  # for gmres and bicgstab
B = RNG.standard_normal(6)
SOLVERS = [("cg", SPD), ("gmres", GENERAL), ("bicgstab", GENERAL)]
TIGHT = {"tol": 1e-12}


@pytest.mark.parametrize("name, A", SOLVERS)
def test_solutions_match_scipy_on_every_device(name, A, put):
    ours = getattr(linalg, name)
    want = np.linalg.solve(A, B)
    x, info = ours(put(A), put(B), **TIGHT)
    assert info is None
    np.testing.assert_allclose(host(x), want, rtol=1e-9, atol=1e-12)
    theirs, code = getattr(ssl, name)(A, B, rtol=1e-12, atol=0.0)
    assert code == 0
    np.testing.assert_allclose(host(x), theirs, rtol=1e-8, atol=1e-10)
    # a linear function, a first guess and a (diagonal) preconditioner; a small restart for gmres
    A_dev, d = put(A), put(1.0 / np.diag(A))
    extra = {"restart": 2} if name == "gmres" else {}
    x, _ = ours(lambda v: A_dev @ v, put(B), x0=put(np.ones(6)), M=lambda v: d * v, **TIGHT, **extra)
    np.testing.assert_allclose(host(x), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, A", SOLVERS)
def test_pytree_right_hand_side(name, A):
    rhs = {"a": B[:2], "b": B[2:].reshape(2, 2)}

    def matvec(t):
        y = fnp.matmul(A, fnp.concatenate([t["a"], fnp.ravel(t["b"])]))
        return {"a": y[:2], "b": fnp.reshape(y[2:], (2, 2))}

    x, _ = getattr(linalg, name)(matvec, rhs, **TIGHT)
    want = np.linalg.solve(A, B)
    np.testing.assert_allclose(x["a"], want[:2], rtol=1e-9)
    np.testing.assert_allclose(x["b"], want[2:].reshape(2, 2), rtol=1e-9)


def _derivatives(lib, solve, A, b, tA, tb):
    """Reverse mode w.r.t. b and through a function closing over A, reverse mode w.r.t. A itself, and
    forward mode; JAX's side runs compiled (op by op, its gmres takes seconds)."""
    xp = lib.numpy
    through_function = lambda A, b: xp.sum(xp.sin(solve(lambda v: xp.matmul(A, v), b)[0]))  # noqa: E731
    of_matrix = lambda A, b: solve(A, b)[0]  # noqa: E731
    return (lib.grad(through_function, (0, 1))(A, b),
            lib.grad(lambda A: xp.sum(of_matrix(A, b) ** 2))(A),
            lib.jvp(of_matrix, (A, b), (tA, tb))[1])


# restart=3 < n: gmres needs several cycles (and JAX compiles faster)
OPTIONS = {"cg": {}, "gmres": {"restart": 3}, "bicgstab": {}}


@pytest.mark.parametrize("name, A", SOLVERS)
def test_derivatives_wrt_b_and_A_match_jax(name, A):
    kw = dict(tol=1e-12, atol=0.0, **OPTIONS[name])
    ours = lambda A, b: getattr(linalg, name)(A, b, **kw)  # noqa: E731
    theirs = lambda A, b: getattr(jsl, name)(A, b, **kw)  # noqa: E731
    tA, tb = RNG.standard_normal((6, 6)), RNG.standard_normal(6)
    assert_agree(_derivatives(fgrad, ours, A, B, tA, tb),
                 jax.jit(lambda *a: _derivatives(jax, theirs, *a))(A, B, tA, tb), rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("name", ["cg", "gmres", "bicgstab"])
def test_complex_derivatives_match_jax(name):
    A = GENERAL + 1j * RNG.standard_normal((6, 6))
    A = A @ A.conj().T if name == "cg" else A
    b = B + 1j * RNG.standard_normal(6)
    kw = dict(tol=1e-12, **OPTIONS[name])
    loss = lambda lib, s: lambda A, b: lib.numpy.sum(lib.numpy.abs(s(A, b, **kw)[0]) ** 2)  # noqa: E731
    assert_agree(fgrad.grad(loss(fgrad, getattr(linalg, name)), (0, 1))(A, b),
                 jax.jit(jax.grad(loss(jax, getattr(jsl, name)), (0, 1)))(A, b), rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("name, A", [("bicgstab", GENERAL)])
def test_second_derivatives_match_jax(name, A):
    """Forward over reverse in b, reverse over reverse through A: the implicit rules solve with the
    differentiable solver itself."""
    def both(lib, solve):
        loss = lambda A, b: lib.numpy.sum(lib.numpy.sin(solve(lambda v: A @ v, b, tol=1e-12)[0]))  # noqa: E731
        return lambda A, b: (lib.hessian(loss, 1)(A, b),
                             lib.grad(lambda A: lib.numpy.sum(lib.grad(loss)(A, b) ** 2))(A))

    assert_agree(both(fgrad, getattr(linalg, name))(A, B), jax.jit(both(jax, getattr(jsl, name)))(A, B),
                 rtol=1e-8, atol=1e-11)


def test_forward_over_forward_matches_the_closed_form():
    """JAX 0.10 fails on jacfwd(jacfwd) of its solvers; the Hessian of sum(x**3), x = A^-1 b, in b is
    A^-T diag(6 x) A^-1."""
    f = lambda b: fnp.sum(linalg.gmres(GENERAL, b, tol=1e-12)[0] ** 3)  # noqa: E731
    inv = np.linalg.inv(GENERAL)
    np.testing.assert_allclose(fgrad.jacfwd(fgrad.jacfwd(f))(B), inv.T @ np.diag(6 * inv @ B) @ inv,
                               rtol=1e-9, atol=1e-12)


def test_first_guess_and_preconditioner_get_zero_gradients():
    d = 1.0 / np.diag(GENERAL)
    f = lambda x0, d: fnp.sum(linalg.gmres(GENERAL, B, x0=x0, M=lambda v: d * v, tol=1e-12)[0])  # noqa: E731
    g0, gd = fgrad.grad(f, (0, 1))(np.ones(6), d)
    np.testing.assert_array_equal(g0, np.zeros(6))
    np.testing.assert_array_equal(gd, np.zeros(6))


def test_vmap_and_jit(put):
    A, bs = put(GENERAL), put(np.stack([B, 2 * B, -B]))
    want = np.linalg.solve(GENERAL, host(bs).T).T
    for name in ("gmres", "bicgstab"):
        solve = lambda b: getattr(linalg, name)(A, b, **TIGHT)[0]  # noqa: E731
        np.testing.assert_allclose(host(fgrad.vmap(solve)(bs)), want, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(host(fgrad.jit(solve)(bs[1])), want[1], rtol=1e-9, atol=1e-12)
    # per-example matrices, and the gradient of a jitted solve
    As = np.stack([SPD, 2 * SPD])
    xs = fgrad.vmap(lambda A: linalg.cg(A, B, **TIGHT)[0])(As)
    np.testing.assert_allclose(xs, [np.linalg.solve(SPD, B), np.linalg.solve(2 * SPD, B)], rtol=1e-9)
    g = fgrad.grad(fgrad.jit(lambda b: fnp.sum(linalg.cg(SPD, b, **TIGHT)[0])))(B)
    np.testing.assert_allclose(g, np.linalg.solve(SPD, np.ones(6)), rtol=1e-9)


def test_errors_match_jax():
    for bad, err in [(np.ones((2, 3)), ValueError), (np.ones(3), ValueError), (3.0, TypeError)]:
        with pytest.raises(err, match="linear operator"):
            linalg.cg(bad, np.ones(2))
    with pytest.raises(ValueError, match="matching shapes"):
        linalg.cg(lambda x: x, np.ones(2), x0=np.ones(3))
    with pytest.raises(ValueError, match="solve_method"):
        linalg.gmres(np.eye(2), np.ones(2), solve_method="x")
    with pytest.raises(ValueError, match="structure and shapes"):
        linalg.bicgstab(lambda x: x[:1], np.ones(2))


def test_names_cover_jax():
    assert [n for n in dir(jsl) if not n.startswith("_") and not hasattr(linalg, n)] == []
