"""Specs for fgrad/numpy/linalg.py and fgrad/numpy/_decompositions.py.

Inputs are built well-conditioned so finite differences are meaningful:
diagonally dominant matrices for inverses, ``X X^T + n I`` for Cholesky, and
``Q diag(d) Q^T`` / ``U diag(s) V^T`` with gaps of at least 0.5 between the
eigen/singular values for eigh, svd, qr and pinv. Decompositions of symmetric
input are applied to ``(A + A^T) / 2``: their derivatives are taken with respect to
symmetric perturbations. Eigen- and singular vectors are compared after fixing
their signs (each column's sum made positive), since only that choice is smooth.
Each output of a multiple-output primitive gets its own Spec (the test harness
compares one array). Every rule here supports second order, so all use order=2.
"""
import numpy as np
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays

from ._spec import Spec

LA = fnp.linalg


def _batch(draw, max_dims=2):
    return draw(st.lists(st.integers(1, 3), min_size=0, max_size=max_dims).map(tuple))


def _square(draw, min_n=1, max_n=4):
    """A diagonally dominant (so invertible, well-conditioned) batch of square matrices."""
    n = draw(st.integers(min_n, max_n))
    x = draw(arrays(shape=_batch(draw) + (n, n), min_value=-1.0, max_value=1.0))
    return x + (n + 1) * np.eye(n) * draw(st.sampled_from([1.0, -1.0]))


def _spd(draw):
    n = draw(st.integers(1, 4))
    x = draw(arrays(shape=_batch(draw) + (n, n), min_value=-1.0, max_value=1.0))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


# A fixed dense matrix keeps drawn matrices generic: LAPACK's QR (and so its
# derivative) jumps where a column is already zero below the diagonal.
_DENSE = np.random.default_rng(0).standard_normal((6, 6))


def _orthonormal(draw, batch, m, k):
    """``m x k`` orthonormal columns (k <= m), from the QR of a drawn generic matrix."""
    x = draw(arrays(shape=batch + (m, k), min_value=-1.0, max_value=1.0))
    return np.linalg.qr(x + 2.0 * _DENSE[:m, :k])[0]


def _spread(draw, batch, k, low):
    """``k`` values per batch entry, at least 0.5 apart, the smallest >= ``low``, in random order."""
    steps = draw(arrays(shape=batch + (k,), min_value=0.5, max_value=1.5))
    values = low + np.cumsum(steps, axis=-1)
    order = draw(st.permutations(range(k)))
    return values[..., list(order)]


def _symmetric_distinct(draw):
    n = draw(st.integers(1, 4))
    batch = _batch(draw)
    q = _orthonormal(draw, batch, n, n)
    w = _spread(draw, batch, n, draw(st.floats(-3.0, 1.0)))
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def _with_singular_values(draw, m, n, low=0.5):
    """An ``m x n`` batch with distinct singular values, the smallest >= ``low`` + 0.5."""
    batch = _batch(draw, 1)
    k = min(m, n)
    u = _orthonormal(draw, batch, m, k)
    v = _orthonormal(draw, batch, n, k)
    s = _spread(draw, batch, k, low)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _shaped(kind):
    """Draw (m, n): 'square', 'tall' (m > n), 'wide' (m < n) or 'any'."""
    def draw_shape(draw):
        m = draw(st.integers(1, 4))
        if kind == "square":
            return m, m
        if kind == "tall":
            return m + draw(st.integers(1, 2)), m
        if kind == "wide":
            return m, m + draw(st.integers(1, 2))
        return m, draw(st.integers(1, 4))
    return draw_shape


def _full_rank(kind):
    return lambda draw: (_with_singular_values(draw, *_shaped(kind)(draw)),)


def _one(make):
    return lambda draw: (make(draw),)


# ---- symmetric input and sign fixing, once with fgrad.numpy and once with NumPy

def _sym(a):
    return (a + LA.matrix_transpose(a)) * 0.5


def _np_sym(a):
    return (a + np.swapaxes(a, -1, -2)) * 0.5


def _column_signs(v):
    return fnp.sign(fnp.sum(v, axis=-2, keepdims=True))


def _np_column_signs(v):
    return np.sign(np.sum(v, axis=-2, keepdims=True))


def _eigvecs(a):
    v = LA.eigh(_sym(a)).eigenvectors
    return v * _column_signs(v)


def _np_eigvecs(a):
    v = np.linalg.eigh(_np_sym(a)).eigenvectors
    return v * _np_column_signs(v)


def _svd_u(a):
    u = LA.svd(a, full_matrices=False).U
    return u * _column_signs(u)


def _svd_vh(a):
    u, _, vh = LA.svd(a, full_matrices=False)
    return vh * LA.matrix_transpose(_column_signs(u))


def _np_svd_u(a):
    u = np.linalg.svd(a, full_matrices=False).U
    return u * _np_column_signs(u)


def _np_svd_vh(a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return vh * np.swapaxes(_np_column_signs(u), -1, -2)


def _solve_args(form):
    def draw_args(draw):
        a = _square(draw)
        n = a.shape[-1]
        if form == "vector":
            b = draw(arrays(shape=(n,)))
        elif form == "matrix":
            b = draw(arrays(shape=a.shape[:-1] + (draw(st.integers(1, 3)),)))
        else:  # batch dimensions that broadcast against a's
            b = draw(arrays(shape=(2,) + (1,) * (a.ndim - 2) + (n, 2)))
        return a, b
    return draw_args


SPECS = [
    Spec("inv", LA.inv, _one(_square), reference=np.linalg.inv),
    Spec("solve", LA.solve, _solve_args("vector"), reference=np.linalg.solve),
    Spec("solve", LA.solve, _solve_args("matrix"), reference=np.linalg.solve),
    Spec("solve", LA.solve, _solve_args("broadcast"), reference=np.linalg.solve),
    Spec("det", LA.det, _one(_square), reference=np.linalg.det),
    Spec("slogdet", lambda a: LA.slogdet(a).logabsdet, _one(_square),
         reference=lambda a: np.linalg.slogdet(a).logabsdet),
    Spec("slogdet", lambda a: LA.slogdet(a).sign * LA.slogdet(a).logabsdet, _one(_square),
         reference=lambda a: np.linalg.slogdet(a).sign * np.linalg.slogdet(a).logabsdet),
    Spec("cholesky", lambda a: LA.cholesky(_sym(a)), _one(_spd),
         reference=lambda a: np.linalg.cholesky(_np_sym(a))),
    Spec("qr", lambda a: LA.qr(a).Q, _full_rank("any"), reference=lambda a: np.linalg.qr(a).Q),
    Spec("qr", lambda a: LA.qr(a).R, _full_rank("any"), reference=lambda a: np.linalg.qr(a).R),
    Spec("qr", lambda a: LA.qr(a, mode="r"), _full_rank("tall"), reference=lambda a: np.linalg.qr(a, mode="r")),
    Spec("eigh", lambda a: LA.eigh(_sym(a)).eigenvalues, _one(_symmetric_distinct),
         reference=lambda a: np.linalg.eigh(_np_sym(a)).eigenvalues),
    Spec("eigh", _eigvecs, _one(_symmetric_distinct), reference=_np_eigvecs),
    Spec("eigh", lambda a: LA.eigh(_sym(a), UPLO="U").eigenvalues, _one(_symmetric_distinct),
         reference=lambda a: np.linalg.eigh(_np_sym(a), UPLO="U").eigenvalues),
    Spec("svd", lambda a: LA.svd(a, full_matrices=False).S, _full_rank("any"),
         reference=lambda a: np.linalg.svd(a, full_matrices=False).S),
    Spec("svd", _svd_u, _full_rank("any"), reference=_np_svd_u),
    Spec("svd", _svd_vh, _full_rank("any"), reference=_np_svd_vh),
    Spec("pinv", LA.pinv, _full_rank("any"), reference=np.linalg.pinv),
]
