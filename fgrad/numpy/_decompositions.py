"""Matrix decompositions for ``fgrad.numpy.linalg``: Cholesky, QR, eigh and SVD.

Each derivative comes from first-order perturbation theory of its factorisation
(``A = L L^T``, ``A = Q R``, ``A = V diag(w) V^T``, ``A = U diag(s) V^T``) and is
written with ``fgrad.numpy`` operations, so it can be differentiated again.
Triangular solves go through ``linalg.solve``; masks (lower triangle, identity)
are constants built on the input's device.
"""
import collections

import numpy as np

from .. import batching
from ..core import Tracer, concrete
from . import linalg  # its solve primitive; a module object, since linalg imports names from here
from ._creation import astype
from ._elementwise import equal, where
from ._linalg_ops import matmul as _matmul
from ._reductions import sum as _sum
from ._shape import expand_dims, transpose
from ._util import array_module, defprim, dtype as dtype_of, shape

__all__ = ["cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals",
           "SlogdetResult", "EighResult", "QRResult", "SVDResult"]

# NumPy's result types (fields named as in numpy.linalg).
SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = collections.namedtuple("QRResult", ["Q", "R"])
SVDResult = collections.namedtuple("SVDResult", ["U", "S", "Vh"])


# ------------------------------------------------------------------ helpers shared with linalg.py

def _mT(x):
    """Swap the last two axes."""
    nd = len(shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _solve(a, b):
    """``inv(a) @ b`` for a matrix (batch) ``b``, differentiable."""
    return linalg._solve.bind(a, b)


def _check_square(a, name):
    s = shape(a)
    if len(s) < 2:
        raise np.linalg.LinAlgError(f"{name}: {len(s)}-dimensional array given; expected a square matrix in "
                                    "the last two dimensions")
    if s[-1] != s[-2]:
        raise np.linalg.LinAlgError(f"{name}: expected a square matrix in the last two dimensions, got shape {s}")


def _check_matrix(a, name):
    s = shape(a)
    if len(s) < 2:
        raise np.linalg.LinAlgError(f"{name}: {len(s)}-dimensional array given; expected at least two "
                                    "dimensions")


def _as_inexact(x):
    return x if np.issubdtype(dtype_of(x), np.inexact) else astype(x, np.float64)


def _xp(x):
    return array_module(x).linalg


def _matrix_batch(prim, args, dims, params):
    """Batching rule of a primitive on the matrices in the last two axes of its one argument:
    the batch axis joins the leading (stack) axes, where it already is unless it is one of the
    last two (then it moves to the front). Every output keeps the input's leading axes."""
    x, d = args[0], dims[0]
    if d >= len(shape(x)) - 2:
        x, d = batching.moveaxis(x, d, 0), 0
    out = prim.bind(x, **params)
    return out, ((d,) * len(out) if prim.multiple_results else d)


def _sym(x):
    return (x + _mT(x)) * 0.5


def _eye(like, n):
    return array_module(like).eye(n, dtype=dtype_of(like))


def _strict_lower(like, n):
    return array_module(like).tri(n, k=-1, dtype=dtype_of(like))


def _diag_part(x):
    """The diagonals of a batch of square matrices, as vectors."""
    return _sum(x * _eye(x, shape(x)[-1]), axis=-1)


def _diag_matrix(d):
    """A batch of vectors as diagonal matrices."""
    return expand_dims(d, -1) * _eye(d, shape(d)[-1])


def _safe_reciprocal(d):
    """``1 / d``, and 0 where ``d == 0`` (a pseudo-inverse of ``diag(d)``)."""
    zero = equal(d, 0)
    return where(zero, 0.0, 1.0 / where(zero, 1.0, d))


def _gap_reciprocals(d):
    """``F[..., i, j] = 1 / (d_j - d_i)``, and 0 where ``d_j == d_i`` (the diagonal included).

    Exact ties get 0 so that a zero cotangent (an unused output) stays zero instead
    of becoming ``0 * inf = nan``.
    """
    return _safe_reciprocal(expand_dims(d, -2) - expand_dims(d, -1))


# ------------------------------------------------------------------ cholesky

def _phi(x):
    """The lower triangle with the diagonal halved: ``L^-1 dL = phi(L^-1 dA L^-T)``."""
    n = shape(x)[-1]
    return x * (array_module(x).tri(n, dtype=dtype_of(x)) - 0.5 * _eye(x, n))


def _cholesky_jvp(t, L, a):
    y = _solve(L, _sym(t))
    return _matmul(L, _phi(_mT(_solve(L, _mT(y)))))          # L phi(L^-1 dA L^-T)


def _cholesky_vjp(g, L, a):
    Lt = _mT(L)
    z = _solve(Lt, _phi(_matmul(Lt, g)))                      # L^-T phi(L^T G)
    return _sym(_mT(_solve(Lt, _mT(z))))                      # ... L^-1, symmetrised


_cholesky = defprim("cholesky", lambda a: _xp(a).cholesky(a), vjp=(_cholesky_vjp,), jvp=(_cholesky_jvp,),
                    batch=_matrix_batch)


def cholesky(a, /, *, upper=False):
    """The lower Cholesky factor ``L`` of each symmetric positive-definite matrix (``a = L @ L.T``).

    Reads the lower triangle of ``a``; ``upper=True`` returns ``L.T``.

    >>> fnp.linalg.cholesky(fnp.asarray([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 0.],
           [1., 2.]])
    """
    _check_square(a, "cholesky")
    L = _cholesky.bind(_as_inexact(a))
    return _mT(L) if upper else L


# ------------------------------------------------------------------ qr

def _tall_qr_jvp(t, q, r):
    """(dQ, dR) for ``m >= n``: ``Q^T dQ`` is skew and ``dR R^-1`` upper triangular."""
    b = _mT(_solve(_mT(r), _mT(t)))                           # dA R^-1
    x = _matmul(_mT(q), b)
    low = x * _strict_lower(x, shape(x)[-1])
    w = x - low + _mT(low)                                    # dR R^-1
    return b - _matmul(q, w), _matmul(w, r)


def _tall_qr_vjp(gq, gr, q, r):
    m = _matmul(gr, _mT(r)) - _matmul(_mT(q), gq)
    low = _strict_lower(m, shape(m)[-1])
    n = m - m * low + _mT(m) * low                            # upper triangle of m mirrored below
    return _mT(_solve(r, _mT(gq + _matmul(q, n))))            # (gQ + Q n) R^-T


def _wide_split(a):
    """Constant selectors: ``a @ e1`` is the leading square block of a wide ``a``, ``a @ e2`` the rest."""
    m, n = shape(a)[-2:]
    eye = _eye(a, n)
    return eye[:, :m], eye[:, m:]


def _check_qr_diff(a, mode):
    if mode == "complete":
        raise NotImplementedError(
            f"qr: derivatives with mode='complete' of a tall matrix (shape {shape(a)}) are not defined: the "
            "extra columns of Q are not unique; use mode='reduced'")


def _qr_jvp(t, ans, a, mode):
    _check_qr_diff(a, mode)
    q, r = ans
    m, n = shape(a)[-2:]
    if m >= n:
        return _tall_qr_jvp(t, q, r)
    # Wide: A = [X | Y] with X = Q R1 the QR of the leading square block, and R = [R1 | Q^T Y].
    e1, e2 = _wide_split(a)
    dq, dr1 = _tall_qr_jvp(_matmul(t, e1), q, _matmul(r, e1))
    dr2 = _matmul(_mT(dq), _matmul(a, e2)) + _matmul(_mT(q), _matmul(t, e2))
    return dq, _matmul(dr1, _mT(e1)) + _matmul(dr2, _mT(e2))


def _qr_vjp(g, ans, a, mode):
    _check_qr_diff(a, mode)
    gq, gr = g
    q, r = ans
    m, n = shape(a)[-2:]
    if m >= n:
        return _tall_qr_vjp(gq, gr, q, r)
    e1, e2 = _wide_split(a)
    gr2 = _matmul(gr, e2)
    gx = _tall_qr_vjp(gq + _matmul(_matmul(a, e2), _mT(gr2)), _matmul(gr, e1), q, _matmul(r, e1))
    return _matmul(gx, _mT(e1)) + _matmul(_matmul(q, gr2), _mT(e2))


def _qr_impl(a, mode):
    q, r = _xp(a).qr(a, mode=mode)
    return q, r


_qr = defprim("qr", _qr_impl, multiple_results=True, vjp=(_qr_vjp,), jvp=(_qr_jvp,),
              batch=_matrix_batch)


def qr(a, mode="reduced"):
    """``QRResult(Q, R)`` with ``a = Q @ R``; ``mode='r'`` gives ``R`` alone.

    Differentiable for every shape with ``mode='reduced'`` (``a`` of full rank);
    ``mode='complete'`` only where it equals 'reduced' (``m <= n``).
    """
    _check_matrix(a, "qr")
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unrecognized mode {mode!r}; expected 'reduced', 'complete' or 'r'")
    if mode == "raw":
        raise NotImplementedError("qr: mode='raw' (Householder reflectors) is not supported")
    m, n = shape(a)[-2:]
    prim_mode = "complete" if mode == "complete" and m > n else "reduced"
    q, r = _qr.bind(_as_inexact(a), mode=prim_mode)
    return r if mode == "r" else QRResult(q, r)


# ------------------------------------------------------------------ eigh

def _eigh_impl(a, UPLO):
    w, v = _xp(a).eigh(a, UPLO=UPLO)
    return w, v


def _eigh_jvp(t, ans, a, UPLO):
    w, v = ans
    k = _matmul(_mT(v), _matmul(_sym(t), v))                  # V^T dA V
    return _diag_part(k), _matmul(v, _gap_reciprocals(w) * k)


def _eigh_vjp(g, ans, a, UPLO):
    gw, gv = g
    w, v = ans
    inner = _gap_reciprocals(w) * _matmul(_mT(v), gv) + _diag_matrix(gw)
    return _sym(_matmul(v, _matmul(inner, _mT(v))))


_eigh = defprim("eigh", _eigh_impl, multiple_results=True, vjp=(_eigh_vjp,), jvp=(_eigh_jvp,),
                batch=_matrix_batch)


def _check_uplo(UPLO, name):
    if UPLO not in ("L", "U"):
        raise ValueError(f"{name}: UPLO argument must be 'L' or 'U', got {UPLO!r}")


def eigh(a, UPLO="L"):
    """``EighResult(eigenvalues, eigenvectors)`` of symmetric ``a``, eigenvalues ascending.

    The eigenvector derivative assumes distinct eigenvalues (exact ties contribute 0).

    >>> fnp.linalg.eigh(fnp.asarray([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    array([1., 2.])
    """
    _check_square(a, "eigh")
    _check_uplo(UPLO, "eigh")
    return EighResult(*_eigh.bind(_as_inexact(a), UPLO=UPLO))


def eigvalsh(a, UPLO="L"):
    """The eigenvalues of symmetric ``a``, ascending (through ``eigh`` when differentiated)."""
    _check_square(a, "eigvalsh")
    _check_uplo(UPLO, "eigvalsh")
    a = _as_inexact(a)
    if not isinstance(a, Tracer):
        return _xp(a).eigvalsh(a, UPLO=UPLO)
    return eigh(a, UPLO).eigenvalues


# ------------------------------------------------------------------ svd

def _svd_impl(a, full_matrices, hermitian):
    xp = array_module(a)
    if xp is np:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices, hermitian=hermitian)
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _check_svd_diff(a, full_matrices):
    if full_matrices:
        raise NotImplementedError(
            f"svd: derivatives with full_matrices=True of a non-square matrix (shape {shape(a)}) are not "
            "defined: the extra singular vectors are not unique; use full_matrices=False")


def _svd_jvp(t, ans, a, full_matrices, hermitian):
    _check_svd_diff(a, full_matrices)
    u, s, vh = ans
    v = _mT(vh)
    m, n = shape(a)[-2:]
    k = min(m, n)
    dp = _matmul(_mT(u), _matmul(t, v))                       # U^T dA V
    f = _gap_reciprocals(s * s)
    srow, scol = expand_dims(s, -2), expand_dims(s, -1)       # X * srow = X S, scol * X = S X
    sinv = expand_dims(_safe_reciprocal(s), -2)
    du = _matmul(u, f * (dp * srow + scol * _mT(dp)))
    dv = _matmul(v, f * (scol * dp + _mT(dp) * srow))
    if m > k:
        du = du + (_matmul(t, v) - _matmul(u, dp)) * sinv
    if n > k:
        dv = dv + (_matmul(_mT(t), u) - _matmul(v, _mT(dp))) * sinv
    return du, _diag_part(dp), _mT(dv)


def _svd_vjp(g, ans, a, full_matrices, hermitian):
    _check_svd_diff(a, full_matrices)
    gu, gs, gvh = g
    u, s, vh = ans
    v, gv = _mT(vh), _mT(gvh)
    m, n = shape(a)[-2:]
    k = min(m, n)
    f = _gap_reciprocals(s * s)
    srow, scol = expand_dims(s, -2), expand_dims(s, -1)
    sinv = expand_dims(_safe_reciprocal(s), -2)
    ju = f * (_matmul(_mT(u), gu) - _matmul(_mT(gu), u))
    jv = f * (_matmul(_mT(v), gv) - _matmul(_mT(gv), v))
    out = _matmul(u, _matmul(ju * srow + _diag_matrix(gs) + scol * jv, vh))
    if m > k:
        out = out + _matmul((gu - _matmul(u, _matmul(_mT(u), gu))) * sinv, vh)
    if n > k:
        out = out + _matmul(u, _mT((gv - _matmul(v, _matmul(_mT(v), gv))) * sinv))
    return out


_svd = defprim("svd", _svd_impl, multiple_results=True, vjp=(_svd_vjp,), jvp=(_svd_jvp,),
               batch=_matrix_batch)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``SVDResult(U, S, Vh)`` with ``a = U @ (S[..., None] * Vh)``; ``compute_uv=False``: ``S`` only.

    Differentiable with ``full_matrices=False`` (or square ``a``). The derivatives of
    ``U`` and ``Vh`` assume distinct nonzero singular values; those of ``S`` alone
    hold at ties too.

    >>> fnp.linalg.svd(fnp.asarray([[3.0, 0.0], [0.0, -4.0]])).S
    array([4., 3.])
    """
    _check_matrix(a, "svd")
    if not compute_uv:
        return svdvals(a)
    m, n = shape(a)[-2:]
    full = bool(full_matrices) and m != n
    return SVDResult(*_svd.bind(_as_inexact(a), full_matrices=full, hermitian=bool(hermitian)))


def svdvals(x, /):
    """The singular values of each matrix, descending (through ``svd`` when differentiated)."""
    _check_matrix(x, "svdvals")
    x = _as_inexact(x)
    if not isinstance(x, Tracer):
        return _xp(x).svd(concrete(x), compute_uv=False)
    return _svd.bind(x, full_matrices=False, hermitian=False)[1]
