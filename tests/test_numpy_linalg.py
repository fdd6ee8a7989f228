"""fgrad.numpy.linalg against NumPy: values for many argument forms, errors, derivatives.

The primitives' derivatives are checked from tests/specs/linalg.py; here are the
composites (norms, matrix_power, multi_dot, eigvalsh, svdvals), every output of
the decompositions at once, known closed forms and the error messages.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host

LA = fnp.linalg
LinAlgError = np.linalg.LinAlgError
RNG = np.random.default_rng(1234)
DENSE = RNG.standard_normal((5, 5))


def close(got, want, rtol=1e-10, atol=1e-12):
    g = host(got)
    want = np.asarray(want)
    assert g.shape == want.shape, (g.shape, want.shape)
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    np.testing.assert_allclose(g, want, rtol=rtol, atol=atol)


def square(n, batch=(), shift=None):
    """A well-conditioned (diagonally dominant) batch of square matrices."""
    return RNG.uniform(-1, 1, batch + (n, n)) + (n + 1 if shift is None else shift) * np.eye(n)


def spd(n, batch=()):
    x = RNG.uniform(-1, 1, batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def generic(m, n, batch=()):
    """A full-rank matrix with distinct singular values and no exact zeros."""
    u = np.linalg.qr(RNG.uniform(-1, 1, batch + (m, min(m, n))) + 2 * DENSE[:m, :min(m, n)])[0]
    v = np.linalg.qr(RNG.uniform(-1, 1, batch + (n, min(m, n))) + 2 * DENSE[:n, :min(m, n)])[0]
    s = 1.0 + np.arange(min(m, n))[::-1] * 0.8
    return (u * s) @ np.swapaxes(v, -1, -2)


def sym(a):
    return (a + LA.matrix_transpose(a)) * 0.5


def fix_signs(v):
    """Columns with positive sums: the smooth choice of each eigen/singular vector's sign."""
    return v * fnp.sign(fnp.sum(v, axis=-2, keepdims=True))


# ------------------------------------------------------------------ norms

VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm_values(device, put, ord, axis, keepdims):
    x = RNG.standard_normal(5)
    x[1] = 0.0
    with np.errstate(divide="ignore"):  # negative orders see 0 ** ord = inf, as in NumPy
        close(LA.norm(put(x), ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims))


@pytest.mark.parametrize("ord", VECTOR_ORDS[:6])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_along_one_axis_of_a_batch(device, put, ord, axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    close(LA.norm(put(x), ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("axis", [None, (0, 1), (1, 0), (-1, -2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norm_values(device, put, ord, axis, keepdims):
    x = RNG.standard_normal((3, 4))
    close(LA.norm(put(x), ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("axis", [(0, 2), (2, 1), (-1, 0)])
def test_matrix_norm_over_axis_pairs_of_a_batch(device, put, ord, axis):
    x = RNG.standard_normal((2, 3, 4))
    close(LA.norm(put(x), ord, axis, keepdims=True), np.linalg.norm(x, ord, axis, keepdims=True))
    close(LA.norm(put(x), ord, axis), np.linalg.norm(x, ord, axis))


def test_norm_of_all_elements_by_default(device, put):
    x = RNG.standard_normal((2, 3, 4))
    close(LA.norm(put(x)), np.linalg.norm(x))
    close(LA.norm(put(x), keepdims=True), np.linalg.norm(x, keepdims=True))


@pytest.mark.parametrize("ord", [2, 1, np.inf, -np.inf, 0, 3.5])
@pytest.mark.parametrize("axis", [None, 1, (0, 2), (-1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm_matches_numpy2(device, put, ord, axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    close(LA.vector_norm(put(x), axis=axis, keepdims=keepdims, ord=ord),
          np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord))


@pytest.mark.parametrize("ord", MATRIX_ORDS[1:])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norm_matches_numpy2(device, put, ord, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    close(LA.matrix_norm(put(x), keepdims=keepdims, ord=ord), np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord))


def test_norm_of_integers_is_float64(device, put):
    x = np.arange(6).reshape(2, 3)
    close(LA.norm(put(x)), np.linalg.norm(x))
    close(LA.norm(put(x), 1, axis=1), np.linalg.norm(x, 1, axis=1))


def test_norm_keeps_float32(device, put):
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    for ord in (None, "nuc", 1, 2):
        assert host(LA.norm(put(x), ord)).dtype == np.float32
    g = fgrad.grad(lambda x: LA.norm(x, "nuc") + LA.norm(x[0], 3))(put(x))
    assert host(g).dtype == np.float32


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 1.5, np.inf, -np.inf])
def test_vector_norm_gradients(ord):
    x = np.array([0.7, -1.3, 0.4, 2.1])  # distinct magnitudes: inf-norms are smooth here
    check_grads(lambda x: LA.norm(x, ord), (x,), order=2)
    check_grads(lambda x: LA.norm(x, ord, axis=1, keepdims=True), (np.stack([x, x[::-1] * 1.3]),), order=2)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradients(ord):
    x = generic(3, 4) + 0.1 * DENSE[:3, 1:]  # ties broken in every row/column sum
    check_grads(lambda x: LA.norm(x, ord), (x,), order=2)
    batch = np.stack([x, 1.5 * x[::-1] + 0.05 * DENSE[:3, :4]])
    check_grads(lambda x: LA.matrix_norm(x, ord="fro" if ord is None else ord), (batch,), order=2)


def test_two_norm_gradient_with_zero_entries_is_finite():
    x = np.array([3.0, 0.0, -4.0])
    g = fgrad.grad(LA.norm)(x)
    np.testing.assert_allclose(g, x / 5.0)
    np.testing.assert_allclose(fgrad.grad(lambda x: LA.vector_norm(x))(x), x / 5.0)


def test_two_norm_gradient_at_zero_is_zero_not_nan():
    for f in (LA.norm, lambda x: LA.norm(x, 3), lambda x: LA.matrix_norm(x.reshape(2, 2))):
        g = fgrad.grad(f)(np.zeros(4))
        np.testing.assert_array_equal(g, np.zeros(4))


@given(fst.arrays(min_dims=1, max_dims=3, avoid=(0.0,)))
def test_norm_gradient_is_the_unit_vector(x):
    g = fgrad.grad(lambda x: LA.norm(x))(x)
    np.testing.assert_allclose(g, x / np.linalg.norm(x), rtol=1e-12, atol=1e-14)


def test_norm_through_numpy_dispatch():
    x = np.array([3.0, 4.0])
    g = fgrad.grad(lambda x: np.linalg.norm(x))(x)
    np.testing.assert_allclose(g, [0.6, 0.8])


def test_norm_errors():
    with pytest.raises(ValueError, match="invalid norm order 'fro' for vectors"):
        LA.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="invalid norm order 3 for matrices"):
        LA.norm(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        LA.norm(np.ones((2, 2, 2)), 1)
    with pytest.raises(ValueError, match="improper number of dimensions"):
        LA.norm(np.ones((2, 2, 2)), axis=(0, 1, 2))
    with pytest.raises(ValueError):
        LA.norm(np.ones((2, 2)), axis=(1, 1))
    with pytest.raises(np.exceptions.AxisError):
        LA.norm(np.ones(3), axis=1)
    with pytest.raises(TypeError, match="axis"):
        LA.norm(np.ones(3), axis=1.5)
    with pytest.raises(ValueError, match="at least two dimensions"):
        LA.matrix_norm(np.ones(3))


# ------------------------------------------------------------------ inv, solve, det, slogdet

@pytest.mark.parametrize("batch", [(), (3,), (2, 1)])
def test_inv_det_slogdet_values(device, put, batch):
    a = square(3, batch, shift=-4.0)
    close(LA.inv(put(a)), np.linalg.inv(a))
    close(LA.det(put(a)), np.linalg.det(a))
    res = LA.slogdet(put(a))
    want = np.linalg.slogdet(a)
    assert type(res).__name__ == "SlogdetResult" and res._fields == ("sign", "logabsdet")
    close(res.sign, want.sign)
    close(res.logabsdet, want.logabsdet)


@pytest.mark.parametrize("a_batch,b_shape", [((), (3,)), ((), (3, 2)), ((4,), (3,)), ((4,), (4, 3, 1)),
                                             ((2, 1), (5, 3, 2)), ((), (2, 3, 2)), ((2,), (1, 3, 3))])
def test_solve_values(device, put, a_batch, b_shape):
    a = square(3, a_batch)
    b = RNG.standard_normal(b_shape)
    close(LA.solve(put(a), put(b)), np.linalg.solve(a, b))


@pytest.mark.parametrize("a_batch,b_shape", [((), (3,)), ((2,), (3, 2)), ((2, 1), (3, 3, 1)), ((), (2, 3, 2))])
def test_solve_gradients(a_batch, b_shape):
    check_grads(LA.solve, (square(3, a_batch), RNG.standard_normal(b_shape)), order=2)


def test_grad_of_logabsdet_is_inverse_transpose(device, put):
    a = square(4, (2,), shift=-5.0)
    g = fgrad.grad(lambda a: fnp.sum(LA.slogdet(a).logabsdet))(put(a))
    close(g, np.swapaxes(np.linalg.inv(a), -1, -2))
    g = fgrad.grad(lambda a: fnp.sum(fnp.log(fnp.abs(LA.det(a)))))(put(a))
    close(g, np.swapaxes(np.linalg.inv(a), -1, -2))


def test_grad_of_det_is_det_times_inverse_transpose(device, put):
    a = square(3)
    close(fgrad.grad(LA.det)(put(a)), np.linalg.det(a) * np.linalg.inv(a).T)


def test_hessian_of_logdet():
    # d^2 log|det A| / dA_ij dA_kl = -inv(A)_jk inv(A)_li
    a = square(3)
    ai = np.linalg.inv(a)
    h = fgrad.hessian(lambda a: LA.slogdet(a).logabsdet)(a)
    np.testing.assert_allclose(h, -np.einsum("jk,li->ijkl", ai, ai), rtol=1e-10, atol=1e-12)


def test_slogdet_gradients_with_both_outputs():
    check_grads(lambda a: tuple(LA.slogdet(a)), (square(3, (2,), shift=-4.0),), order=2)


def test_inv_and_solve_keep_float32(device, put):
    a = square(3).astype(np.float32)
    b = RNG.standard_normal(3).astype(np.float32)
    assert host(LA.inv(put(a))).dtype == np.float32
    assert host(LA.solve(put(a), put(b))).dtype == np.float32
    ga, gb = fgrad.grad(lambda a, b: fnp.sum(LA.solve(a, b)) + LA.det(a), argnums=(0, 1))(put(a), put(b))
    assert host(ga).dtype == np.float32 and host(gb).dtype == np.float32


def test_singular_matrices_raise_linalg_error():
    with pytest.raises(LinAlgError):
        LA.inv(np.ones((2, 2)))
    with pytest.raises(LinAlgError):
        LA.solve(np.ones((2, 2)), np.ones(2))
    with pytest.raises(LinAlgError):
        LA.cholesky(-np.eye(2))
    with pytest.raises(LinAlgError):  # det's derivative needs the inverse
        fgrad.grad(LA.det)(np.ones((2, 2)))


@pytest.mark.parametrize("fn", [LA.inv, LA.det, LA.slogdet, LA.cholesky, LA.eigh, LA.eigvalsh,
                                lambda a: LA.matrix_power(a, 2), lambda a: LA.solve(a, np.ones(2))])
def test_non_square_input_is_named(fn):
    with pytest.raises(LinAlgError, match=r"expected a square matrix in the last two dimensions, got shape \(2, 3\)"):
        fn(np.ones((2, 3)))
    with pytest.raises(LinAlgError, match="1-dimensional array given"):
        fn(np.ones(3))


def test_inv_error_message():
    want = r"^inv: expected a square matrix in the last two dimensions, got shape \(2, 3\)$"
    with pytest.raises(ValueError, match=want):
        LA.inv(np.ones((2, 3)))


def test_solve_shape_errors():
    with pytest.raises(ValueError, match=r"b of shape \(2,\) does not match a of shape \(3, 3\)"):
        LA.solve(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match=r"got \(2, 3\)"):
        LA.solve(np.eye(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="do not broadcast"):
        LA.solve(np.broadcast_to(np.eye(3), (2, 3, 3)), np.ones((4, 3, 1)))


# ------------------------------------------------------------------ decompositions

@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_cholesky_values(device, put, batch):
    a = spd(4, batch)
    close(LA.cholesky(put(a)), np.linalg.cholesky(a))
    close(LA.cholesky(put(a), upper=True), np.linalg.cholesky(a, upper=True))


def test_cholesky_reads_the_lower_triangle_and_returns_symmetric_gradients():
    a = spd(3)
    skewed = np.tril(a) + np.triu(RNG.standard_normal((3, 3)), 1)
    np.testing.assert_allclose(LA.cholesky(skewed), np.linalg.cholesky(a), rtol=1e-12)
    g = fgrad.grad(lambda a: fnp.sum(LA.cholesky(a) ** 3))(a)
    np.testing.assert_allclose(g, g.T, rtol=1e-12, atol=1e-14)


def test_cholesky_gradient_against_torch():
    torch = pytest.importorskip("torch")
    a = spd(4, (2,))
    w = RNG.standard_normal((2, 4, 4))
    g = fgrad.grad(lambda a: fnp.sum(LA.cholesky(a) * w))(a)
    ta = torch.tensor(a, requires_grad=True)
    (torch.linalg.cholesky(ta) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2), (2, 2, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_values(device, put, shape, mode):
    a = RNG.standard_normal(shape)
    got, want = LA.qr(put(a), mode), np.linalg.qr(a, mode)
    if mode == "r":
        close(got, want)
        return
    assert type(got).__name__ == "QRResult" and got._fields == ("Q", "R")
    close(got.Q, want.Q)
    close(got.R, want.R)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2), (2, 2, 4)])
def test_qr_gradients_of_both_factors(shape):
    check_grads(lambda a: tuple(LA.qr(a)), (generic(*shape[-2:], shape[:-2]),), order=2)


def test_qr_complete_of_a_tall_matrix_has_no_derivative():
    a = generic(4, 2)
    close(LA.qr(a, "complete").Q, np.linalg.qr(a, "complete").Q)
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        fgrad.grad(lambda a: fnp.sum(LA.qr(a, "complete").R))(a)
    with pytest.raises(NotImplementedError, match="raw"):
        LA.qr(a, "raw")
    with pytest.raises(ValueError, match="unrecognized mode"):
        LA.qr(a, "full")


@pytest.mark.parametrize("batch", [(), (3,)])
@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh_values(device, put, batch, UPLO):
    a = RNG.standard_normal(batch + (4, 4))
    res, want = LA.eigh(put(a), UPLO), np.linalg.eigh(a, UPLO)
    assert type(res).__name__ == "EighResult" and res._fields == ("eigenvalues", "eigenvectors")
    close(res.eigenvalues, want.eigenvalues)
    close(res.eigenvectors, want.eigenvectors)
    close(LA.eigvalsh(put(a), UPLO), np.linalg.eigvalsh(a, UPLO))


def test_eigh_gradients_of_both_outputs():
    a = generic(4, 4, (2,))
    a = a @ np.swapaxes(a, -1, -2) - 3 * np.eye(4)  # distinct eigenvalues (squares of distinct s, shifted)

    def f(a):
        w, v = LA.eigh(sym(a))
        return w, fix_signs(v)
    check_grads(f, (a,), order=2)


def test_eigh_gradients_are_symmetric_and_match_torch():
    torch = pytest.importorskip("torch")
    a = generic(4, 4)
    a = a + a.T
    ww, wv = RNG.standard_normal(4), RNG.standard_normal((4, 4))

    def loss(lib, w, v, ww, wv):
        return lib.sum(w * ww) + lib.sum((v * v) * wv)  # v * v: independent of the sign choice
    g = fgrad.grad(lambda a: loss(fnp, *LA.eigh(a), ww, wv))(a)
    np.testing.assert_allclose(g, g.T, rtol=1e-12, atol=1e-14)
    ta = torch.tensor(a, requires_grad=True)
    loss(torch, *torch.linalg.eigh(ta), torch.tensor(ww), torch.tensor(wv)).backward()
    np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_eigenvalue_gradients_survive_repeated_eigenvalues():
    # d tr(A) / dA = I, d sum(w^2) = 2A: true even where eigenvalues coincide
    a = np.diag([2.0, 2.0, 5.0])
    np.testing.assert_allclose(fgrad.grad(lambda a: fnp.sum(LA.eigvalsh(a)))(a), np.eye(3), atol=1e-14)
    np.testing.assert_allclose(fgrad.grad(lambda a: fnp.sum(LA.eigh(a)[0] ** 2))(a), 2 * a, atol=1e-13)


def test_eigvalsh_gradients():
    a = generic(3, 3)
    check_grads(lambda a: LA.eigvalsh(sym(a)), (a + a.T,), order=2)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2)])
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_values(device, put, shape, full_matrices):
    a = RNG.standard_normal(shape)
    res, want = LA.svd(put(a), full_matrices), np.linalg.svd(a, full_matrices)
    assert type(res).__name__ == "SVDResult" and res._fields == ("U", "S", "Vh")
    for got, w in zip(res, want):
        close(got, w)
    close(LA.svd(put(a), compute_uv=False), np.linalg.svd(a, compute_uv=False))
    close(LA.svdvals(put(a)), np.linalg.svdvals(a))


def test_svd_hermitian_values():
    a = generic(4, 4)
    a = a + a.T
    for got, want in zip(LA.svd(a, hermitian=True), np.linalg.svd(a, hermitian=True)):
        close(got, want)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2), (2, 2, 3)])
def test_svd_gradients_of_all_outputs(shape):
    def f(a):
        u, s, vh = LA.svd(a, full_matrices=False)
        signs = fnp.sign(fnp.sum(u, axis=-2, keepdims=True))
        return u * signs, s, vh * LA.matrix_transpose(signs)
    check_grads(f, (generic(*shape[-2:], shape[:-2]),), order=2)


def test_svd_gradients_match_torch():
    torch = pytest.importorskip("torch")
    a = generic(5, 3)
    wu, ws, wv = RNG.standard_normal((5, 3)), RNG.standard_normal(3), RNG.standard_normal((3, 3))

    def loss(lib, u, s, vh, wu, ws, wv):  # u * u and u @ diag(.) @ vh do not depend on the signs
        return lib.sum(u @ (vh * wv[:, :1])) + lib.sum(s * ws) + lib.sum((u * u) * wu)
    g = fgrad.grad(lambda a: loss(fnp, *LA.svd(a, full_matrices=False), wu, ws, wv))(a)
    ta = torch.tensor(a, requires_grad=True)
    loss(torch, *torch.linalg.svd(ta, full_matrices=False), *map(torch.tensor, (wu, ws, wv))).backward()
    np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_singular_value_gradients():
    a = generic(4, 3, (2,))
    check_grads(lambda a: LA.svd(a, compute_uv=False), (a,), order=2)
    check_grads(LA.svdvals, (a,), order=2)
    # the nuclear norm's gradient is U V^T, also for an orthogonal matrix (all singular values tie)
    q = np.linalg.qr(DENSE[:3, :3])[0]
    np.testing.assert_allclose(fgrad.grad(lambda a: LA.norm(a, "nuc"))(q), q, rtol=1e-12, atol=1e-14)


def test_svd_full_matrices_has_no_derivative_for_non_square_input():
    a = generic(4, 2)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fgrad.grad(lambda a: fnp.sum(LA.svd(a)[1]))(a)
    check_grads(lambda a: LA.svd(a)[1], (generic(3, 3),), order=2)  # square: full == reduced


def test_decompositions_keep_float32(device, put):
    a = spd(3).astype(np.float32)
    for f in (LA.cholesky, lambda a: LA.qr(a).R, lambda a: LA.eigh(a)[1], lambda a: LA.svd(a)[0], LA.pinv):
        assert host(f(put(a))).dtype == np.float32
        g = fgrad.grad(lambda a: fnp.sum(f(a) ** 2))(put(a))
        assert host(g).dtype == np.float32


# ------------------------------------------------------------------ pinv, matrix_power, multi_dot

@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 2)])
def test_pinv_values(device, put, shape):
    a = RNG.standard_normal(shape)
    close(LA.pinv(put(a)), np.linalg.pinv(a))
    close(LA.pinv(put(a), rcond=0.5), np.linalg.pinv(a, rcond=0.5))
    close(LA.pinv(put(a), rtol=None), np.linalg.pinv(a, rtol=None))


def test_pinv_of_rank_deficient_and_hermitian_input():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    close(LA.pinv(a), np.linalg.pinv(a))
    s = spd(3)
    close(LA.pinv(s, hermitian=True), np.linalg.pinv(s, hermitian=True))
    with pytest.raises(ValueError, match="can't be both set"):
        LA.pinv(a, rcond=0.1, rtol=0.1)


def test_pinv_gradient_needs_no_distinct_singular_values():
    q = np.linalg.qr(DENSE[:4, :4])[0]  # orthogonal: every singular value is 1
    check_grads(LA.pinv, (q,), order=2)
    check_grads(LA.pinv, (q[:, :2] * 3.0,), order=2)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, -1, -2, -3])
def test_matrix_power_values(device, put, n):
    a = square(3, (2,)) / 4
    close(LA.matrix_power(put(a), n), np.linalg.matrix_power(a, n))


def test_matrix_power_of_integers():
    a = np.array([[1, 2], [3, 4]])
    close(LA.matrix_power(a, 3), np.linalg.matrix_power(a, 3))
    close(LA.matrix_power(a, 0), np.linalg.matrix_power(a, 0))


@pytest.mark.parametrize("n", [1, 2, 5, -2])
def test_matrix_power_gradients(n):
    check_grads(lambda a: LA.matrix_power(a, n), (square(3) / 4,), order=2)


def test_matrix_power_errors():
    with pytest.raises(TypeError, match="integer"):
        LA.matrix_power(np.eye(2), 1.5)


@pytest.mark.parametrize("shapes", [[(3,), (3, 4)], [(2, 3), (3,)], [(3,), (3,)], [(2, 3), (3, 4), (4, 5)],
                                    [(10, 2), (2, 8), (8, 3), (3,)], [(4,), (4, 1), (1, 6), (6, 2), (2, 3)]])
def test_multi_dot(device, put, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    close(LA.multi_dot(put(arrays)), np.linalg.multi_dot(arrays))
    check_grads(LA.multi_dot, (arrays,), order=2)


def test_multi_dot_picks_the_cheap_order():
    from fgrad.numpy.linalg import _chain_order
    # (10x100)(100x5)(5x50): ((AB)C) costs 7500, (A(BC)) 75000
    assert _chain_order([10, 100, 5, 50])[0][2] == 1


def test_multi_dot_errors():
    with pytest.raises(ValueError, match="at least two"):
        LA.multi_dot([np.ones((2, 2))])
    with pytest.raises(LinAlgError, match=r"array 1 has shape \(2,\)"):
        LA.multi_dot([np.ones((2, 2)), np.ones(2), np.ones((2, 2))])
    with pytest.raises(ValueError, match="not aligned"):
        LA.multi_dot([np.ones((2, 3)), np.ones((2, 2))])


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_matmul_alias_and_matrix_transpose(m, k, n):
    a, b = RNG.standard_normal((m, k)), RNG.standard_normal((2, k, n))
    np.testing.assert_allclose(LA.matmul(a, b), np.linalg.matmul(a, b), rtol=1e-12)
    np.testing.assert_array_equal(LA.matrix_transpose(b), np.linalg.matrix_transpose(b))


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"])
def test_cond(device, put, p):
    a = RNG.standard_normal((2, 3, 3))
    close(LA.cond(put(a), p), np.linalg.cond(a, p))
    check_grads(lambda a: LA.cond(a, p), (generic(3, 3, (2,)) + 0.1 * DENSE[:3, :3],), order=2)


def test_cond_of_singular_and_rectangular_matrices():
    with np.errstate(divide="ignore"):
        assert host(LA.cond(np.zeros((2, 2)))) == np.linalg.cond(np.zeros((2, 2)))
    a = RNG.standard_normal((4, 2))
    close(LA.cond(a), np.linalg.cond(a))
    with pytest.raises(LinAlgError, match="square"):
        LA.cond(a, 1)


def test_matrix_rank(device, put):
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])
    assert int(host(LA.matrix_rank(put(a)))) == 1
    assert int(host(LA.matrix_rank(put(np.eye(3))))) == 3
    b = np.stack([a, np.eye(3)])
    np.testing.assert_array_equal(host(LA.matrix_rank(put(b))), np.linalg.matrix_rank(b))


def test_array_api_aliases(device, put):
    x = RNG.standard_normal((2, 3, 3))
    v, w = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    close(LA.diagonal(put(x), offset=1), np.linalg.diagonal(x, offset=1))
    close(LA.trace(put(x), offset=-1), np.linalg.trace(x, offset=-1))
    close(LA.outer(put(w), put(w[:2])), np.linalg.outer(w, w[:2]))
    close(LA.tensordot(put(x), put(x[0]), axes=1), np.linalg.tensordot(x, x[0], axes=1))
    close(LA.vecdot(put(v), put(w)), np.linalg.vecdot(v, w))
    close(LA.cross(put(v), put(w)), np.linalg.cross(v, w))
    with pytest.raises(ValueError, match="1-D"):
        LA.outer(v, w)


@pytest.mark.parametrize("ord", [2, 3.5, 1])
def test_vector_norms_neither_underflow_nor_overflow(ord):
    for scale in (1e-250, 1e250):
        x = np.array([1.0, -2.0, 0.5]) * scale
        expected = np.linalg.norm(np.array([1.0, -2.0, 0.5]), ord) * scale
        np.testing.assert_allclose(fnp.linalg.norm(x, ord), expected, rtol=1e-14)
