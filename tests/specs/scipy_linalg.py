"""Specs for fgrad/scipy/linalg.py's primitives (triangular_solve, lu, lu_pivots_to_permutation,
expm, sqrtm, logm) and fgrad.numpy.linalg's eig.

Inputs keep finite differences meaningful: diagonally dominant triangles for the solves;
for LU a diagonally dominant matrix with its rows shuffled, so that partial pivoting swaps
rows and no pivot choice is close to a tie; ``expm`` of matrices of 1-norm up to ~2 (compared
with SciPy) and of 1-norm 3 to 6 (scaled and squared); ``sqrtm`` and ``logm`` of matrices whose
eigenvalues lie in a disc around ``n + 1`` of radius ``n - 1``; ``eig`` of ``S diag(w) S^-1`` with
well-separated eigenvalues (real ones, and a complex pair). Complex outputs are checked through
their real and imaginary parts.
"""
import numpy as np
import scipy.linalg as sl
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.scipy import linalg as L
from fgrad.testing.strategies import arrays

from ._spec import Spec
from .linalg import _DENSE, _batch, _one, _spread, _square

LA = fnp.linalg


def _each(fn):
    """A SciPy function of one matrix applied to every matrix of a batch."""
    def batched(*args):
        a = np.asarray(args[0])
        flat = [np.asarray(x).reshape((-1,) + np.shape(x)[a.ndim - 2:]) for x in args]
        out = [fn(*parts) for parts in zip(*flat)]
        return np.stack(out).reshape(a.shape[:-2] + np.shape(out[0]))
    return batched


# ---- triangular solves

def _trisolve_args(form):
    def draw_args(draw):
        a = _square(draw)
        n = a.shape[-1]
        if form == "vector":
            b = draw(arrays(shape=a.shape[:-1], min_value=-1.0, max_value=1.0))
        elif form == "matrix":
            b = draw(arrays(shape=a.shape[:-1] + (draw(st.integers(1, 3)),), min_value=-1.0, max_value=1.0))
        else:  # b's batch axes broadcast against a's
            b = draw(arrays(shape=(2,) + (1,) * (a.ndim - 2) + (n, 2), min_value=-1.0, max_value=1.0))
        return a, b
    return draw_args


def _np_trisolve(lower, trans, unit):
    def reference(a, b):
        t = np.tril(a) if lower else np.triu(a)
        if unit:
            t = t - t * np.eye(a.shape[-1]) + np.eye(a.shape[-1])
        if trans:
            t = np.swapaxes(t, -1, -2)
        if b.ndim == a.ndim - 1:
            return np.linalg.solve(t, b[..., None])[..., 0]
        return np.linalg.solve(t, b)
    return reference


def _trisolve_spec(form, lower, trans=0, unit=False):
    return Spec("triangular_solve",
                lambda a, b: L.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit),
                _trisolve_args(form), reference=_np_trisolve(lower, trans, unit))


# ---- LU

_SHUFFLES = [np.random.default_rng(i).permutation(n) for n in range(1, 5) for i in range(3)]


def _pivoted(draw):
    """A diagonally dominant batch with its rows shuffled: pivoting undoes the shuffle, stably."""
    a = _square(draw)
    n = a.shape[-1]
    order = draw(st.sampled_from([p for p in _SHUFFLES if len(p) == n]))
    return a[..., order, :]


def _np_lu_factor(a):
    return _each(lambda m: sl.lu_factor(m)[0])(a)


def _np_permutation(a):
    def perm(m):
        lu_, piv = sl.lu_factor(m)
        order = np.arange(m.shape[0])
        for i, p in enumerate(piv):
            order[[i, p]] = order[[p, i]]
        return order
    return _each(perm)(a)


# ---- expm

def _small_norm(draw):
    """1-norm at most ~2: Padé degree 3 to 13 without squaring (compared with SciPy)."""
    n = draw(st.integers(1, 4))
    x = draw(arrays(shape=_batch(draw) + (n, n), min_value=-1.0, max_value=1.0))
    return x * draw(st.sampled_from([0.01, 0.2, 0.5])) * 2.0 / n


def _scaled(draw):
    """1-norm 3 to 6: degree 13 with one to three squarings."""
    n = draw(st.integers(2, 4))
    x = draw(arrays(shape=_batch(draw, 1) + (n, n), min_value=0.5, max_value=1.0))
    x = x * np.sign(np.random.default_rng(n).standard_normal((n, n)))
    norm = np.abs(x).sum(axis=-2).max(axis=-1)[..., None, None]
    return x * draw(st.floats(3.0, 6.0)) / norm


# ---- eig

def _eig_input(kind):
    def draw_matrix(draw):
        n = draw(st.integers(2 if kind == "complex" else 1, 4))
        batch = _batch(draw, 1)
        # A fixed dense part keeps S generic: for a triangular input LAPACK's eigenvector signs can flip.
        s = (np.eye(n) + 0.3 * _DENSE[:n, :n]
             + 0.1 * draw(arrays(shape=batch + (n, n), min_value=-1.0, max_value=1.0)))
        d = np.zeros(batch + (n, n))
        w = _spread(draw, batch, n, -2.0)
        idx = np.arange(n)
        d[..., idx, idx] = w
        if kind == "complex":   # the first two eigenvalues become w0 +- 1.5 i
            d[..., 0, 1], d[..., 1, 0], d[..., 1, 1] = 1.5, -1.5, w[..., 0]
        return s @ d @ np.linalg.inv(s)
    return draw_matrix


def _sorted_eig(a, vectors, xp=fnp):
    """Eigenvalues (or eigenvectors) ordered by ``10 Re(w) + Im(w)``: LAPACK's own order can jump
    under a perturbation (a triangular input is already in Schur form, a perturbed one is not)."""
    w, v = LA.eig(a) if xp is fnp else np.linalg.eig(a)
    w, v = w.astype(complex) if xp is np else w, v.astype(complex) if xp is np else v
    order = xp.argsort(xp.real(w) * 10 + xp.real(-1j * w), axis=-1)
    if vectors:
        v = xp.take_along_axis(v, xp.expand_dims(order, -2), axis=-1)
        # LAPACK fixes each vector up to its sign only, and that sign may jump at special inputs:
        # the sign of the largest entry's real part made positive (a constant to the derivative)
        big = xp.expand_dims(xp.argmax(xp.abs(v), axis=-2), -2)
        lead = xp.real(xp.take_along_axis(v, big, axis=-2))
        return v * xp.where(lead < 0, -1.0, 1.0)
    return xp.take_along_axis(w, order, axis=-1)


def _parts(x, xp=fnp):
    """Real and imaginary parts, stacked."""
    return xp.stack([xp.real(x), xp.real(-1j * x)])


def _sqrtm_input(draw):
    """Eigenvalues with positive real parts, well away from the negative real axis."""
    n = draw(st.integers(1, 4))
    x = draw(arrays(shape=_batch(draw) + (n, n), min_value=-1.0, max_value=1.0))
    return x + (n + 1) * np.eye(n)   # Gershgorin: every eigenvalue within n - 1 of n + 1


SPECS = [
    _trisolve_spec("vector", lower=True),
    _trisolve_spec("matrix", lower=False),
    _trisolve_spec("matrix", lower=True, trans=1),
    _trisolve_spec("matrix", lower=False, unit=True),
    _trisolve_spec("broadcast", lower=True),
    Spec("lu", lambda a: L.lu_factor(a)[0], _one(_pivoted), reference=_np_lu_factor),
    Spec("lu", lambda a: L.lu(a)[2], _one(_pivoted), reference=lambda a: np.triu(_np_lu_factor(a))),
    Spec("lu_pivots_to_permutation",
         lambda a: L._pivots_to_permutation.bind(L.lu_factor(a)[1], size=a.shape[-1]),
         _one(_pivoted), reference=_np_permutation, nondiff=True),
    Spec("expm", L.expm, _one(_small_norm), reference=_each(sl.expm)),
    Spec("expm", L.expm, _one(_scaled)),
    Spec("sqrtm", L.sqrtm, _one(_sqrtm_input), reference=_each(lambda m: np.real(sl.sqrtm(m)))),
    Spec("logm", L.logm, _one(_sqrtm_input), reference=_each(lambda m: np.real(sl.logm(m)))),
    Spec("eig", lambda a: fnp.real(_sorted_eig(a, False)), _one(_eig_input("real")),
         reference=lambda a: np.real(_sorted_eig(a, False, np))),
    Spec("eig", lambda a: _parts(_sorted_eig(a, False)), _one(_eig_input("complex")),
         reference=lambda a: _parts(_sorted_eig(a, False, np), np)),
    Spec("eig", lambda a: _parts(_sorted_eig(a, True)), _one(_eig_input("real")),
         reference=lambda a: _parts(_sorted_eig(a, True, np), np)),
    Spec("eig", lambda a: _parts(_sorted_eig(a, True)), _one(_eig_input("complex")),
         reference=lambda a: _parts(_sorted_eig(a, True, np), np)),
]
