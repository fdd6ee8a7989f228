"""Array products against NumPy: values for many argument forms, errors, gradients, Jacobians."""
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads
from fgrad.testing import strategies as fst

from helpers import host

AxisError = np.exceptions.AxisError


def close(got, want, rtol=1e-12):
    g = host(got)
    want = np.asarray(want)
    assert g.shape == want.shape, (g.shape, want.shape)
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    np.testing.assert_allclose(g, want, rtol=rtol, atol=1e-12)


# ------------------------------------------------------------------ matmul and friends

@st.composite
def matmul_shapes(draw):
    """Shapes NumPy's matmul accepts: 1-D on either side, broadcasting batches."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    sa = (k,) if draw(st.integers(0, 4)) == 0 else batch.input_shapes[0] + (n, k)
    sb = (k,) if draw(st.integers(0, 4)) == 0 else batch.input_shapes[1] + (k, m)
    return sa, sb


@given(shapes=matmul_shapes(), data=st.data())
def test_matmul_matches_numpy(device, shapes, data):
    a, b = (data.draw(fst.arrays(s)) for s in shapes)
    da, db = fgrad.device_put((a, b), device)
    close(fnp.matmul(da, db), np.matmul(a, b))
    close(fgrad.jvp(lambda x, y: x @ y, (da, db), (da, db))[0], a @ b)
    check_grads(fnp.matmul, (da, db), order=2)


def test_matmul_vjp_is_exactly_two_gemms(device):
    rng = np.random.default_rng(0)
    a, b, g = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    _, pullback = fgrad.vjp(fnp.matmul, *fgrad.device_put((a, b), device))
    ga, gb = pullback(fgrad.device_put(g, device))
    np.testing.assert_array_equal(host(ga), g @ b.T)
    np.testing.assert_array_equal(host(gb), a.T @ g)
    # batches: swapped last axes, and the broadcast operand's batch summed away
    a3, g3 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 4))
    _, pullback = fgrad.vjp(fnp.matmul, *fgrad.device_put((a3, b), device))
    ga, gb = pullback(fgrad.device_put(g3, device))
    np.testing.assert_array_equal(host(ga), g3 @ b.T)
    np.testing.assert_allclose(host(gb), np.einsum("bnk,bnm->km", a3, g3), rtol=1e-12)


def test_matmul_float32_stays_float32(device):
    a, b = fgrad.device_put((np.ones((2, 3), np.float32), np.ones((3,), np.float32)), device)
    out, pullback = fgrad.vjp(fnp.matmul, a, b)
    assert host(out).dtype == np.float32
    assert all(host(g).dtype == np.float32 for g in pullback(out))


def test_matmul_errors_name_both_shapes():
    with pytest.raises(ValueError, match=re.escape(
            "matmul: input operand shapes (2,3) and (4,5) are not aligned: 3 (dim 1) != 4 (dim 0)")):
        fnp.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=re.escape("(7,2,3) and (4,) are not aligned: 3 (dim 2) != 4 (dim 0)")):
        fnp.matmul(np.ones((7, 2, 3)), np.ones(4))
    with pytest.raises(ValueError, match=re.escape("(2,2,3) and (3,3,4) cannot be broadcast together")):
        fnp.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match=re.escape("shapes () and (3,): scalar operands are not allowed")):
        fnp.matmul(2.0, np.ones(3))
    # through the operator, on traced values, the same message
    with pytest.raises(ValueError, match=re.escape("shapes (2,3) and (2,3) are not aligned")):
        fgrad.grad(lambda x: fnp.sum(x @ x))(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("shapes (4,) and (2,3) are not aligned")):
        fgrad.grad(lambda x: fnp.sum(np.ones(4) @ x))(np.ones((2, 3)))


@st.composite
def nd_pairs(draw):
    """Two arrays of 0-3 dimensions whose last/second-to-last sizes agree as dot needs."""
    k = draw(st.integers(1, 3))
    na, nb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    sa = tuple(draw(st.integers(1, 3)) for _ in range(max(na - 1, 0))) + ((k,) if na else ())
    sb = tuple(draw(st.integers(1, 3)) for _ in range(max(nb - 2, 0))) + ((k,) if nb else ())
    if nb >= 2:
        sb = sb + (draw(st.integers(1, 3)),)
    return draw(fst.arrays(sa)), draw(fst.arrays(sb))


@given(pair=nd_pairs())
def test_dot_matches_numpy(device, pair):
    a, b = pair
    da, db = fgrad.device_put(pair, device)
    close(fnp.dot(da, db), np.dot(a, b))
    check_grads(fnp.dot, (da, db), order=1)


@given(x=fst.arrays(min_dims=0, max_dims=3), y=fst.arrays(min_dims=0, max_dims=3), data=st.data())
def test_inner_outer_kron_match_numpy(device, x, y, data):
    dx, dy = fgrad.device_put((x, y), device)
    close(fnp.outer(dx, dy), np.outer(x, y))
    close(fnp.kron(dx, dy), np.kron(x, y))
    check_grads(fnp.kron, (dx, dy), order=1)
    if x.ndim and y.ndim:
        y = data.draw(fst.arrays(y.shape[:-1] + x.shape[-1:]))
        dy = fgrad.device_put(y, device)
    close(fnp.inner(dx, dy), np.inner(x, y))
    check_grads(fnp.inner, (dx, dy), order=1)


@given(x=fst.arrays(min_dims=0, max_dims=3), data=st.data())
def test_vdot_matches_numpy(device, x, data):
    y = data.draw(fst.arrays(st.permutations(x.shape).map(tuple)))
    close(fnp.vdot(*fgrad.device_put((x, y), device)), np.vdot(x, y))
    z = x + 1j * np.flip(x)
    close(fnp.vdot(*fgrad.device_put((z, y), device)), np.vdot(z, y))


@st.composite
def tensordot_cases(draw):
    a = draw(fst.arrays(min_dims=0, max_dims=4, max_side=3))
    if draw(st.booleans()):
        n = draw(st.integers(0, a.ndim))
        b_shape = a.shape[a.ndim - n:] + draw(fst.shapes(0, 2, 1, 3))
        return a, draw(fst.arrays(b_shape)), n
    k = draw(st.integers(0, a.ndim))
    ax_a = draw(st.permutations(range(a.ndim)))[:k]
    extra = list(draw(fst.shapes(0, 2, 1, 3)))
    nb = k + len(extra)
    ax_b = draw(st.permutations(range(nb)))[:k]
    b_shape = [0] * nb
    for i, j in zip(ax_a, ax_b):
        b_shape[j] = a.shape[i]
    for j in range(nb):
        if j not in ax_b:
            b_shape[j] = extra.pop()
    signs = draw(st.booleans())  # negative axes are fine too
    if signs:
        ax_a = [i - a.ndim for i in ax_a]
    return a, draw(fst.arrays(tuple(b_shape))), (list(ax_a), list(ax_b))


@given(case=tensordot_cases())
def test_tensordot_matches_numpy(device, case):
    a, b, axes = case
    da, db = fgrad.device_put((a, b), device)
    close(fnp.tensordot(da, db, axes), np.tensordot(a, b, axes))
    check_grads(lambda x, y: fnp.tensordot(x, y, axes), (da, db), order=1)


@pytest.mark.skipif(not hasattr(np, "matvec"), reason="NumPy < 2.2 has no matvec/vecmat to compare with")
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3), n=st.integers(1, 3),
       m=st.integers(1, 3), data=st.data())
def test_vecdot_matvec_vecmat_match_numpy(device, shapes, n, m, data):
    sa, sb = shapes.input_shapes
    x, y = data.draw(fst.arrays(sa + (n,))), data.draw(fst.arrays(sb + (n,)))
    mat = data.draw(fst.arrays(sa + (m, n)))
    dx, dy, dmat = fgrad.device_put((x, y, mat), device)
    close(fnp.vecdot(dx, dy), np.vecdot(x, y))
    close(fnp.matvec(dmat, dy), np.matvec(mat, y))
    mt = np.swapaxes(mat, -1, -2)
    close(fnp.vecmat(dy, fgrad.device_put(mt, device)), np.vecmat(y, mt))
    check_grads(lambda p, q, r: fnp.vecdot(p, q) + fnp.sum(fnp.matvec(r, q)), (dx, dy, dmat), order=1)


def test_product_errors():
    with pytest.raises(ValueError, match=re.escape("dot: shapes (2,3) and (4,5) not aligned: 3 (dim 1) != 4 (dim 0)")):
        fnp.dot(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=re.escape("inner: shapes (3,) and (4,) not aligned")):
        fnp.inner(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=re.escape("shapes (3,) and (4,) have different sizes")):
        fnp.vdot(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        fnp.tensordot(np.ones((2, 3)), np.ones((4, 5)), 1)
    with pytest.raises(ValueError, match="shape-mismatch for sum"):
        fnp.tensordot(np.ones((2, 3)), np.ones((3, 5)), ([0, 1], [0]))
    with pytest.raises(AxisError):
        fnp.tensordot(np.ones((2, 3)), np.ones((3, 5)), ([2], [0]))
    with pytest.raises(ValueError, match="incompatible dimensions for cross product"):
        fnp.cross(np.ones(3), np.ones(4))
    with pytest.raises(TypeError, match="out= is not supported"):
        fnp.dot(np.ones(2), np.ones(2), out=np.empty(()))


# ------------------------------------------------------------------ einsum

@st.composite
def einsum_cases(draw):
    """Random subscripts over up to 4 letters: repeated letters, letters in one operand only,
    size-1 broadcasting, implicit or explicit outputs."""
    letters = "abcd"[:draw(st.integers(1, 4))]
    size = {c: draw(st.integers(1, 3)) for c in letters}
    terms = [draw(st.lists(st.sampled_from(letters), max_size=3)) for _ in range(draw(st.integers(1, 3)))]
    used = sorted(set("".join("".join(t) for t in terms)))
    explicit = draw(st.booleans())
    subscripts = ",".join("".join(t) for t in terms)
    if explicit:
        out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        subscripts += "->" + "".join(out)
    operands = []
    for t in terms:
        shape = [size[c] for c in t]
        for i, c in enumerate(t):
            if t.count(c) == 1 and draw(st.integers(0, 5)) == 0:
                shape[i] = 1  # broadcast against the other operands
        operands.append(draw(fst.arrays(tuple(shape))))
    return subscripts, operands


@given(case=einsum_cases(), optimize=st.booleans())
def test_einsum_matches_numpy_with_gradients(device, case, optimize):
    subscripts, operands = case
    ops = fgrad.device_put(operands, device)
    close(fnp.einsum(subscripts, *ops, optimize=optimize), np.einsum(subscripts, *operands))
    check_grads(lambda *xs: fnp.einsum(subscripts, *xs, optimize=optimize), tuple(ops), order=2)


@pytest.mark.parametrize("subscripts, shapes", [
    ("...ij,...jk", [(2, 3, 4), (4, 5)]), ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 5)]),
    ("i...->...", [(3, 2, 2)]), ("...ii->...i", [(2, 3, 3)]), ("ij...,jk...->ik...", [(2, 3, 4), (3, 2, 1)]),
    ("...", [(2, 3)]), ("...,...", [(2, 3), (3,)]), ("ba,cb", [(2, 3), (4, 2)]), ("Ab,bA->", [(2, 3), (3, 2)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]), ("i...i", [(3, 2, 3)]), (",i->i", [(), (3,)]),
])
def test_einsum_forms(device, subscripts, shapes):
    rng = np.random.default_rng(0)
    operands = [rng.standard_normal(s) for s in shapes]
    ops = fgrad.device_put(operands, device)
    close(fnp.einsum(subscripts, *ops), np.einsum(subscripts, *operands))
    check_grads(lambda *xs: fnp.einsum(subscripts, *xs), tuple(ops), order=2)


def test_einsum_sublist_form_and_dtype(device):
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    da, db = fgrad.device_put((a, b), device)
    close(fnp.einsum(da, [0, 1], db, [1, 2], [0, 2]), np.einsum(a, [0, 1], b, [1, 2], [0, 2]))
    close(fnp.einsum(da, [Ellipsis, 1], db, [1, 30]), np.einsum(a, [Ellipsis, 1], b, [1, 30]))
    close(fnp.einsum("ij,jk", da, db, dtype=np.float32, casting="same_kind"),
          np.einsum("ij,jk", a, b, dtype=np.float32, casting="same_kind"))
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        fnp.einsum("ij,jk", da, db, dtype=np.float32)


def test_einsum_errors():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="more operands"):
        fnp.einsum("ij", x, x)
    with pytest.raises(ValueError, match="fewer operands"):
        fnp.einsum("ij,jk", x)
    with pytest.raises(ValueError, match=re.escape("operand 0 has shape (2,3) (2 dimensions) but its subscripts")):
        fnp.einsum("ijk", x)
    with pytest.raises(ValueError, match="no '...' ellipsis provided"):
        fnp.einsum("...i->i", np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="output subscript 'k' never appeared"):
        fnp.einsum("ij->k", x)
    with pytest.raises(ValueError, match="output subscript 'i' appears more than once"):
        fnp.einsum("ij->ii", x)
    with pytest.raises(ValueError, match="invalid subscript"):
        fnp.einsum("i2", x)
    with pytest.raises(ValueError):
        fnp.einsum("ij,jk", x, np.ones((4, 5)))  # NumPy's own shape check


# ------------------------------------------------------------------ diagonals and triangles

@given(x=fst.arrays(min_dims=2, max_dims=4), data=st.data())
def test_diagonal_and_trace_match_numpy(device, x, data):
    nd = x.ndim
    ax1 = data.draw(st.integers(-nd, nd - 1))
    ax2 = data.draw(st.integers(-nd, nd - 1).filter(lambda a: a % nd != ax1 % nd))
    offset = data.draw(st.integers(-4, 4))
    dx = fgrad.device_put(x, device)
    close(fnp.diagonal(dx, offset, ax1, ax2), np.diagonal(x, offset, ax1, ax2))
    close(fnp.trace(dx, offset, ax1, ax2), np.trace(x, offset, ax1, ax2))
    close(dx.diagonal(offset, ax1, ax2) if hasattr(dx, "diagonal") else fnp.diagonal(dx, offset, ax1, ax2),
          x.diagonal(offset, ax1, ax2))
    check_grads(lambda v: fnp.diagonal(v, offset, ax1, ax2), (dx,), order=1)


@given(x=fst.arrays(min_dims=1, max_dims=2), k=st.integers(-3, 3))
def test_diag_matches_numpy(device, x, k):
    dx = fgrad.device_put(x, device)
    close(fnp.diag(dx, k), np.diag(x, k))
    check_grads(lambda v: fnp.diag(v, k), (dx,), order=2)


@given(x=fst.arrays(min_dims=1, max_dims=4), k=st.integers(-3, 3))
def test_tril_triu_match_numpy(device, x, k):
    dx = fgrad.device_put(x, device)
    close(fnp.tril(dx, k), np.tril(x, k))
    close(fnp.triu(dx, k), np.triu(x, k))
    close(fnp.triu(fgrad.device_put(x > 0, device), k), np.triu(x > 0, k))
    check_grads(lambda v: fnp.tril(v, k) + fnp.triu(v, k) * 2, (dx,), order=1)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3), data=st.data())
def test_cross_matches_numpy(device, shapes, data):
    a = data.draw(fst.arrays(shapes.input_shapes[0] + (3,)))
    b = data.draw(fst.arrays(shapes.input_shapes[1] + (3,)))
    da, db = fgrad.device_put((a, b), device)
    close(fnp.cross(da, db), np.cross(a, b))
    check_grads(fnp.cross, (da, db), order=2)
    at = np.moveaxis(a, -1, 0)
    close(fnp.cross(fgrad.device_put(at, device), db, axisa=0, axisc=0), np.cross(at, b, axisa=0, axisc=0))


def test_diagonal_errors():
    with pytest.raises(ValueError, match="axis1 and axis2 cannot be the same"):
        fnp.diagonal(np.ones((2, 3)), 0, 1, -1)
    with pytest.raises(AxisError, match="axis 5 is out of bounds"):
        fnp.diagonal(np.ones((2, 3)), axis2=5)
    with pytest.raises(ValueError, match=re.escape("at least two dimensions, got shape (3,)")):
        fnp.trace(np.ones(3))
    with pytest.raises(ValueError, match="1- or 2-d"):
        fnp.diag(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="at least one dimension"):
        fnp.tril(np.float64(1.0))


def test_diagonal_returns_a_writable_copy():
    x = np.arange(9.0).reshape(3, 3)
    d = fnp.diagonal(x)
    d[0] = 100.0
    assert x[0, 0] == 0.0


# ------------------------------------------------------------------ Jacobians of a small network

def _layer(x, w, v):
    return fnp.tanh(x @ w) @ v


def test_jacobians_and_hessian_of_an_mlp(device):
    rng = np.random.default_rng(1)
    x, w, v = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    dx, dw, dv = fgrad.device_put((x, w, v), device)
    t = np.tanh(x @ w)
    jac = np.einsum("ni,nj,j->nij", x, 1 - t ** 2, v)  # d out[n] / d w[i, j]
    close(fgrad.jacrev(_layer, argnums=1)(dx, dw, dv), jac)
    close(fgrad.jacfwd(_layer, argnums=1)(dx, dw, dv), jac)
    close(fgrad.jacrev(_layer, argnums=2)(dx, dw, dv), t)

    def loss(w):
        return fnp.sum(_layer(dx, w, dv))

    def np_grad(w):
        return x.T @ ((1 - np.tanh(x @ w) ** 2) * v)

    eps = 1e-6
    hess = np.zeros(w.shape + w.shape)
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = eps
        hess[(...,) + idx] = (np_grad(w + e) - np_grad(w - e)) / (2 * eps)
    got = fgrad.hessian(loss)(dw)
    np.testing.assert_allclose(host(got), hess, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(host(got), np.transpose(host(got), (2, 3, 0, 1)), rtol=1e-12, atol=1e-14)


def test_traced_values_have_product_methods(device):
    a = fgrad.device_put(np.arange(9.0).reshape(3, 3), device)
    eye = fgrad.device_put(np.eye(3), device)
    f = lambda m: (m @ m).trace() + m.dot(m[0]).sum() + m.diagonal(1).sum() + (eye @ m).sum()
    want = np.trace(host(a) @ host(a)) + host(a).dot(host(a)[0]).sum() + 6.0 + host(a).sum()
    np.testing.assert_allclose(host(f(a)), want)
    check_grads(f, (a,), order=2)


def test_matmul_gradient_with_a_zero_size_output_dimension():
    g = fgrad.grad(lambda w: fnp.sum(fnp.matmul(np.ones((2, 1, 3)), w)))(np.ones((3, 0)))
    assert g.shape == (3, 0)
