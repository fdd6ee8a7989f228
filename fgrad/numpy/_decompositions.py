"""Matrix decompositions for ``fgrad.numpy.linalg``: Cholesky, QR, eigh and SVD.

Each derivative comes from first-order perturbation theory of its factorisation
(``A = L L^T``, ``A = Q R``, ``A = V diag(w) V^T``, ``A = U diag(s) V^T``) and is
written with ``fgrad.numpy`` operations, so it can be differentiated again.
Triangular solves go through ``linalg.solve``; masks (lower triangle, identity)
are constants built on the input's device.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .. import batching
from ..core import Tracer, concrete
from . import linalg  # its solve primitive; a module object, since linalg imports names from here
from ._creation import astype
from ._elementwise import absolute, conj, equal, real, where
from ._linalg_ops import matmul as _matmul
from ._reductions import argmax, sum as _sum
from ._shape import expand_dims, transpose
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["cholesky", "qr", "eigh", "eigvalsh", "eig", "eigvals", "svd", "svdvals",
           "SlogdetResult", "EighResult", "EigResult", "QRResult", "SVDResult"]

# NumPy's result types (fields named as in numpy.linalg).
class SlogdetResult(NamedTuple):
    """What ``linalg.slogdet`` returns: the ``sign`` and the ``logabsdet`` of each determinant.

    >>> res = fnp.linalg.slogdet(fnp.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> print(res.sign, round(res.logabsdet.item(), 4))  # det = -2
    -1.0 0.6931
    """
    sign: Array
    logabsdet: Array


class EighResult(NamedTuple):
    """What ``linalg.eigh`` returns: ``eigenvalues`` (ascending) and ``eigenvectors`` (columns).

    >>> w, v = fnp.linalg.eigh(fnp.array([[2.0, 0.0], [0.0, 3.0]]))
    >>> w, fnp.abs(v)
    (array([2., 3.]), array([[1., 0.],
           [0., 1.]]))
    """
    eigenvalues: Array
    eigenvectors: Array


class EigResult(NamedTuple):
    """What ``linalg.eig`` returns: complex ``eigenvalues`` and unit-norm ``eigenvectors`` (columns).

    >>> w, v = fnp.linalg.eig(fnp.array([[2.0, 0.0], [0.0, 3.0]]))
    >>> w
    array([2.+0.j, 3.+0.j])
    """
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    """What ``linalg.qr`` returns: ``Q`` with orthonormal columns and upper-triangular ``R``.

    >>> fnp.linalg.qr(fnp.eye(2)).R.shape
    (2, 2)
    """
    Q: Array
    R: Array


class SVDResult(NamedTuple):
    """What ``linalg.svd`` returns: ``U``, the singular values ``S`` (descending) and ``Vh``.

    >>> fnp.linalg.svd(fnp.array([[0.0, 2.0], [1.0, 0.0]])).S
    array([2., 1.])
    """
    U: Array
    S: Array
    Vh: Array


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
    if _is_complex(a):  # Hermitian: L phi(L^-1 dA L^-H), dA's Hermitian part
        y = _solve(L, (t + _mH(t)) * 0.5)
        return _matmul(L, _phi(_mH(_solve(L, _mH(y)))))
    y = _solve(L, _sym(t))
    return _matmul(L, _phi(_mT(_solve(L, _mT(y)))))          # L phi(L^-1 dA L^-T)


def _cholesky_vjp(g, L, a):
    Lt = _mT(L)
    z = _solve(Lt, _phi(_matmul(Lt, g)))                      # L^-T phi(L^T G)
    if _is_complex(a):  # the transpose of the complex JVP: ... conj(L)^-1, Hermitian part
        ga = _mT(_solve(_mH(L), _mT(z)))
        return (ga + _mH(ga)) * 0.5
    return _sym(_mT(_solve(Lt, _mT(z))))                      # ... L^-1, symmetrised


_cholesky = defprim("cholesky", lambda a: _xp(a).cholesky(a), vjp=(_cholesky_vjp,), jvp=(_cholesky_jvp,),
                    batch=_matrix_batch)


def cholesky(a: ArrayLike, /, *, upper: bool = False) -> Array:
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
    cx = _is_complex(q)
    h = _mH if cx else _mT
    b = _mT(_solve(_mT(r), _mT(t)))                           # dA R^-1
    x = _matmul(h(q), b)
    low = x * _strict_lower(x, shape(x)[-1])
    w = x - low + h(low)                                      # dR R^-1
    if cx:  # complex (JAX's rule): R's diagonal stays real, so Q^H dQ's diagonal is imaginary
        w = w - _diag_matrix(_imag_part(_diag_part(x)))
    return b - _matmul(q, w), _matmul(w, r)


def _imag_part(z):
    """``i Im(z)``, complex (its map is its own transpose)."""
    return z - real(z)


def _tall_qr_vjp(gq, gr, q, r):
    cx = _is_complex(q)
    m = _matmul(gr, _mT(r)) - _matmul(_mT(q), gq)
    low = _strict_lower(m, shape(m)[-1])
    n = m - m * low + (_mH(m) if cx else _mT(m)) * low        # upper triangle of m mirrored below
    if cx:  # the transpose of the complex JVP's terms
        n = n - _diag_matrix(_imag_part(_diag_part(m)))
        q = conj(q)
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
    h = _mH if _is_complex(a) else _mT
    dr2 = _matmul(h(dq), _matmul(a, e2)) + _matmul(h(q), _matmul(t, e2))
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
    if _is_complex(a):  # dR2 = dQ^H Y + Q^H dY, transposed
        y = _matmul(a, e2)
        gx = _tall_qr_vjp(gq + _matmul(conj(y), _mH(gr2)), _matmul(gr, e1), q, _matmul(r, e1))
        return _matmul(gx, _mT(e1)) + _matmul(_matmul(conj(q), gr2), _mT(e2))
    gx = _tall_qr_vjp(gq + _matmul(_matmul(a, e2), _mT(gr2)), _matmul(gr, e1), q, _matmul(r, e1))
    return _matmul(gx, _mT(e1)) + _matmul(_matmul(q, gr2), _mT(e2))


def _qr_impl(a, mode):
    q, r = _xp(a).qr(a, mode=mode)
    return q, r


_qr = defprim("qr", _qr_impl, multiple_results=True, vjp=(_qr_vjp,), jvp=(_qr_jvp,),
              batch=_matrix_batch)


def qr(a: ArrayLike, mode: str = "reduced") -> QRResult | Array:
    """``QRResult(Q, R)`` with ``a = Q @ R``; ``mode='r'`` gives ``R`` alone.

    Differentiable for every shape with ``mode='reduced'`` (``a`` of full rank);
    ``mode='complete'`` only where it equals 'reduced' (``m <= n``).

    >>> q, r = fnp.linalg.qr(fnp.array([[3.0, 1.0], [4.0, 2.0], [0.0, 0.0]]))
    >>> q.shape, r.shape, fnp.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0], [0.0, 0.0]])
    ((3, 2), (2, 2), True)
    >>> fnp.abs(r)  # (the signs are LAPACK's choice)
    array([[5. , 2.2],
           [0. , 0.4]])
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


def _mH(x):
    """The conjugate transpose of the last two axes."""
    return conj(_mT(x))


def _is_complex(x):
    return dtype_of(x).kind == "c"


def _eigh_jvp(t, ans, a, UPLO):
    w, v = ans
    if _is_complex(a):  # Hermitian: V^H sym(dA) V, whose diagonal (the eigenvalues' tangent) is real
        k = _matmul(_mH(v), _matmul((t + _mH(t)) * 0.5, v))
        return real(_diag_part(k)), _matmul(v, _gap_reciprocals(w) * k)
    k = _matmul(_mT(v), _matmul(_sym(t), v))                  # V^T dA V
    return _diag_part(k), _matmul(v, _gap_reciprocals(w) * k)


def _eigh_vjp(g, ans, a, UPLO):
    gw, gv = g
    w, v = ans
    if _is_complex(a):  # the transpose of the JVP's map (JAX's convention: no conjugate of the cotangent)
        inner = _gap_reciprocals(w) * _matmul(_mT(v), gv) + _diag_matrix(real(gw))
        ga = _matmul(conj(v), _matmul(inner, _mT(v)))
        return (ga + _mH(ga)) * 0.5
    inner = _gap_reciprocals(w) * _matmul(_mT(v), gv) + _diag_matrix(gw)
    return _sym(_matmul(v, _matmul(inner, _mT(v))))


_eigh = defprim("eigh", _eigh_impl, multiple_results=True, vjp=(_eigh_vjp,), jvp=(_eigh_jvp,),
                batch=_matrix_batch)


def _check_uplo(UPLO, name):
    if UPLO not in ("L", "U"):
        raise ValueError(f"{name}: UPLO argument must be 'L' or 'U', got {UPLO!r}")


def eigh(a: ArrayLike, UPLO: str = "L") -> EighResult:
    """``EighResult(eigenvalues, eigenvectors)`` of symmetric ``a``, eigenvalues ascending.

    ``UPLO`` says which triangle is read ('L' or 'U'). The eigenvector derivative
    assumes distinct eigenvalues (exact ties contribute 0).

    >>> fnp.linalg.eigh(fnp.asarray([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    array([1., 2.])
    """
    _check_square(a, "eigh")
    _check_uplo(UPLO, "eigh")
    return EighResult(*_eigh.bind(_as_inexact(a), UPLO=UPLO))


def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Array:
    """The eigenvalues of symmetric ``a``, ascending (through ``eigh`` when differentiated).

    >>> fnp.linalg.eigvalsh(fnp.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    >>> fgrad.grad(lambda a: fnp.linalg.eigvalsh(a)[-1])(fnp.array([[2.0, 1.0], [1.0, 2.0]]))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
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
        return _nan_where_nonfinite(a, lambda m: np.linalg.svd(m, full_matrices=full_matrices, hermitian=hermitian))
    return _nan_where_nonfinite(a, lambda m: xp.linalg.svd(m, full_matrices=full_matrices))


def _nan_where_nonfinite(a, kernel):
    """``kernel(a)`` (a tuple of arrays, or one array, each with ``a``'s batch dims in front), NaN for every
    matrix holding an inf or NaN, as JAX gives (LAPACK may not converge on those: NumPy raises)."""
    xp = array_module(a)
    bad = ~xp.isfinite(a).all(axis=(-2, -1))
    if not bad.any():
        return kernel(a)
    outs = kernel(xp.where(bad[..., None, None], 0, a))
    nb = bad.ndim
    fill = [xp.where(bad.reshape(bad.shape + (1,) * (o.ndim - nb)), xp.nan, o)
            for o in (outs if isinstance(outs, tuple) else (outs,))]
    return tuple(fill) if isinstance(outs, tuple) else fill[0]


def _check_svd_diff(a, full_matrices):
    if full_matrices:
        raise NotImplementedError(
            f"svd: derivatives with full_matrices=True of a non-square matrix (shape {shape(a)}) are not "
            "defined: the extra singular vectors are not unique; use full_matrices=False")


def _svd_jvp(t, ans, a, full_matrices, hermitian):
    _check_svd_diff(a, full_matrices)
    u, s, vh = ans
    cx = _is_complex(a)
    h = _mH if cx else _mT                                    # (complex: JAX's rule, conjugate transposes)
    v = h(vh)
    m, n = shape(a)[-2:]
    k = min(m, n)
    dp = _matmul(h(u), _matmul(t, v))                         # U^H dA V
    f = _gap_reciprocals(s * s)
    srow, scol = expand_dims(s, -2), expand_dims(s, -1)       # X * srow = X S, scol * X = S X
    sinv = expand_dims(_safe_reciprocal(s), -2)
    du = _matmul(u, f * (dp * srow + scol * h(dp)))
    dv = _matmul(v, f * (scol * dp + h(dp) * srow))
    ds = _diag_part(dp)
    if cx:  # the phase of each singular pair: fixed, as JAX fixes it, by an imaginary diagonal in U's tangent
        ds = real(ds)
        du = du + u * expand_dims((ds - _diag_part(dp)) * -1.0, -2) * sinv
    if m > k:
        du = du + (_matmul(t, v) - _matmul(u, dp)) * sinv
    if n > k:
        dv = dv + (_matmul(h(t), u) - _matmul(v, h(dp))) * sinv
    return du, ds, h(dv)


def _svd_vjp(g, ans, a, full_matrices, hermitian):
    _check_svd_diff(a, full_matrices)
    if _is_complex(a):
        return _svd_vjp_complex(g, ans, a)
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


def _svd_vjp_complex(g, ans, a):
    """The transpose of the complex JVP, term by term (JAX's convention: the cotangents are not conjugated)."""
    gu, gs, gvh = g
    u, s, vh = ans
    v, gv = _mH(vh), _mH(gvh)                                 # gv: the cotangent of V = Vh^H
    m, n = shape(a)[-2:]
    k = min(m, n)
    f = _gap_reciprocals(s * s)
    srow, scol = expand_dims(s, -2), expand_dims(s, -1)
    sinv = expand_dims(_safe_reciprocal(s), -2)
    p, q = _matmul(_mT(u), gu), _matmul(_mT(v), gv)
    dp = _diag_part(p) * _safe_reciprocal(s)
    phase = _diag_matrix((dp - conj(dp)) * 0.5)               # i Im(p_ii / s_i): the phase term's transpose
    gs_ = real(gs) if _is_complex(gs) else gs
    inner = (f * (p - _mH(p))) * srow + scol * (f * (q - _mH(q))) + _diag_matrix(gs_) + phase
    out = _matmul(conj(u), _matmul(inner, conj(vh)))
    if m > k:
        out = out + _matmul((gu - _matmul(conj(u), p)) * sinv, conj(vh))
    if n > k:
        out = out + _matmul(conj(u), _mH((gv - _matmul(conj(v), q)) * sinv))
    return out


_svd = defprim("svd", _svd_impl, multiple_results=True, vjp=(_svd_vjp,), jvp=(_svd_jvp,),
               batch=_matrix_batch)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
        ) -> SVDResult | Array:
    """``SVDResult(U, S, Vh)`` with ``a = U @ (S[..., None] * Vh)``; ``compute_uv=False``: ``S`` only.

    Differentiable with ``full_matrices=False`` (or square ``a``). The derivatives of
    ``U`` and ``Vh`` assume distinct nonzero singular values; those of ``S`` alone
    hold at ties too.

    >>> fnp.linalg.svd(fnp.asarray([[3.0, 0.0], [0.0, -4.0]])).S
    array([4., 3.])
    >>> [m.shape for m in fnp.linalg.svd(fnp.ones((4, 2)), full_matrices=False)]
    [(4, 2), (2,), (2, 2)]
    """
    _check_matrix(a, "svd")
    if not compute_uv:
        return svdvals(a)
    m, n = shape(a)[-2:]
    full = bool(full_matrices) and m != n
    return SVDResult(*_svd.bind(_as_inexact(a), full_matrices=full, hermitian=bool(hermitian)))


def svdvals(x: ArrayLike, /) -> Array:
    """The singular values of each matrix, descending (through ``svd`` when differentiated).

    >>> fnp.linalg.svdvals(fnp.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    _check_matrix(x, "svdvals")
    x = _as_inexact(x)
    if not isinstance(x, Tracer):
        return _nan_where_nonfinite(concrete(x), lambda m: _xp(x).svd(m, compute_uv=False))
    return _svd.bind(x, full_matrices=False, hermitian=False)[1]


# ------------------------------------------------------------------ eig

def _eig_impl(a):
    w, v = _xp(a).eig(a)
    ctype = np.result_type(a.dtype, np.complex64)  # always complex, as in JAX
    return w.astype(ctype, copy=False), v.astype(ctype, copy=False)


def _re(z):
    """``Re(z)`` kept complex: the rules stay complex-to-complex, whose transposes need no projection."""
    return (z + conj(z)) * 0.5


def _i_im(z):
    """``i Im(z)``, complex."""
    return (z - conj(z)) * 0.5


def _largest_entry_mask(v):
    """One-hot per column at its largest-magnitude entry: where LAPACK makes each eigenvector real."""
    rows = array_module(v).arange(shape(v)[-2])[:, None]
    return astype(equal(expand_dims(argmax(absolute(v), axis=-2), -2), rows), dtype_of(v))


def _eig_jvp(t, ans, a):
    # Nondegenerate perturbation theory: V^-1 dA V = dW + (F * V^-1 dA V), and each eigenvector's free
    # complex scale fixed as LAPACK fixes it (unit 2-norm, largest entry real), as JAX differentiates it:
    # c = -Re(v^H u) - i Im(u_k) / Re(v_k) at the largest entry k.
    w, v = ans
    p = _solve(v, _matmul(t, v))
    u = _matmul(v, _gap_reciprocals(w) * p)
    mask = _largest_entry_mask(v)
    c = -_re(_sum(conj(v) * u, axis=-2)) - _i_im(_sum(mask * u, axis=-2)) / _re(_sum(mask * v, axis=-2))
    return _diag_part(p), u + v * expand_dims(c, -2)


def _eig_vjp(g, ans, a):
    # The transpose of the JVP's map, term by term (JAX's convention for complex cotangents).
    gw, gv = g
    w, v = ans
    mask = _largest_entry_mask(v)
    gc = _sum(v * gv, axis=-2)
    gu = (gv - conj(v) * expand_dims(_re(gc), -2)
          - mask * expand_dims(_i_im(gc) / _re(_sum(mask * v, axis=-2)), -2))
    gp = _gap_reciprocals(w) * _matmul(_mT(v), gu) + _diag_matrix(gw)
    ga = _solve(_mT(v), _matmul(gp, _mT(v)))
    return ga if np.iscomplexobj(concrete(a)) else real(ga)


_eig = defprim("eig", _eig_impl, multiple_results=True, vjp=(_eig_vjp,), jvp=(_eig_jvp,), batch=_matrix_batch)


def eig(a: ArrayLike) -> EigResult:
    """``EigResult(eigenvalues, eigenvectors)`` of a general square matrix, always complex (as in JAX).

    Each eigenvector has unit norm and its largest entry real (LAPACK's choice); the
    derivatives, JAX's, assume distinct eigenvalues and differentiate that choice.

    >>> w, v = fnp.linalg.eig(fnp.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> w
    array([0.+1.j, 0.-1.j])
    >>> fgrad.grad(lambda a: fnp.real(fnp.linalg.eig(a).eigenvalues[0]))(fnp.array([[1.0, 2.0], [0.0, 3.0]]))
    array([[ 1.,  0.],
           [-1.,  0.]])
    """
    _check_square(a, "eig")
    return EigResult(*_eig.bind(_as_inexact(a)))


def eigvals(a: ArrayLike) -> Array:
    """The eigenvalues of a general square matrix, complex (through ``eig`` when differentiated).

    >>> fnp.linalg.eigvals(fnp.array([[1.0, 2.0], [0.0, 3.0]]))
    array([1.+0.j, 3.+0.j])
    """
    _check_square(a, "eigvals")
    a = _as_inexact(a)
    if not isinstance(a, Tracer):
        w = _xp(a).eigvals(a)
        return w.astype(np.result_type(w.dtype, np.complex64), copy=False)
    return _eig.bind(a)[0]
