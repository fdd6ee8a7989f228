"""SciPy's linear algebra, differentiable: ``fgrad.scipy.linalg`` (as ``jax.scipy.linalg``).

Three primitives run kernels NumPy lacks (``_linalg_kernels``): ``triangular_solve``,
``lu`` (partial pivoting) and ``expm`` (Padé approximation with scaling and squaring).
Their rules are written with ``fgrad.numpy``, so derivatives of every order work. The
derivative of ``expm`` is its Fréchet derivative, computed as one ``expm`` of the block
matrix ``[[A, E], [0, A]]`` (whose top-right block is ``L(A, E)``): the rule calls the
primitive again, so the derivative of the derivative needs no more code. The rest are
composites: ``lu_solve`` and ``cho_solve`` are triangular solves; ``cholesky``, ``eigh``,
``svd``, ``qr``, ``inv``, ``det``, ``solve`` are ``fgrad.numpy.linalg``'s with SciPy's
signatures (their Cholesky derivatives, like ``fgrad.numpy.linalg``'s, are taken with respect to
symmetric perturbations, where JAX's SciPy form reads one triangle's tangent as it is);
``hessenberg`` is Householder reflections in ``fgrad.numpy`` operations, one per column.
Every function batches over leading axes, as JAX's do.

``sqrtm`` (the scaled Denman-Beavers iteration) and ``logm`` (inverse scaling and squaring
over it) are primitives too, differentiated by the same block-matrix rule as ``expm``.
``solve_sylvester`` solves the Kronecker-product system (or uses ``eig`` with ``method='eigen'``).

Not here yet: ``schur`` and ``funm`` (Schur-Parlett) need a Schur kernel that neither NumPy nor
CuPy has (``rsf2csf``, which converts a given real Schur form, is here).

>>> import fgrad, fgrad.numpy as fnp
>>> from fgrad.scipy.linalg import expm
>>> expm(fnp.zeros((2, 2)))
array([[1., 0.],
       [0., 1.]])
>>> fgrad.grad(lambda t: expm(t * fnp.array([[0.0, 1.0], [0.0, 0.0]]))[0, 1])(2.0)
array(1.)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import numpy as fnp
from ..core import JVPTracer, Primitive, Tracer, VJPTracer, concrete
from ..numpy import get_array_module, linalg as _np_linalg, shape
from ..numpy._elementwise import unbroadcast
from . import _linalg_kernels as _kernels

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["solve_triangular", "lu", "lu_factor", "lu_solve", "cho_factor", "cho_solve", "cholesky", "solve",
           "inv", "det", "eigh", "svd", "qr", "polar", "expm", "expm_frechet", "block_diag", "toeplitz",
           "circulant", "hankel", "hilbert", "companion", "convolution_matrix", "dft", "eigh_tridiagonal",
           "fiedler", "hadamard", "helmert", "invpascal", "leslie", "pascal", "hessenberg",
           "solve_sylvester", "sqrtm", "logm", "invhilbert", "qr_multiply", "fiedler_companion",
           "rsf2csf", "schur", "funm"]

LinAlgError = np.linalg.LinAlgError

# fgrad.numpy.linalg's batching rules serve these primitives too: ``_solve_batch`` for a
# solve's (a, b) pair, ``_matrix_batch`` for a function of one batch of matrices.
_solve_batch = _np_linalg._solve_batch
_matrix_batch = _np_linalg._matrix_batch


# ------------------------------------------------------------------ helpers

def _mT(x):
    return fnp.swapaxes(x, -1, -2)


def _mH(x):
    """The conjugate transpose (the transpose of a real matrix)."""
    return _mT(fnp.conj(x)) if np.iscomplexobj(concrete(x)) else _mT(x)


def _inexact(x):
    x = fnp.asarray(x) if not isinstance(x, Tracer) else x
    return x if np.issubdtype(fnp.result_type(x), np.inexact) else fnp.astype(x, np.float64)


def _square(a, name):
    s = shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a batch of them) in the last two axes, "
                         f"got shape {s}")


def _eye_like(x, n, m=None):
    return get_array_module(concrete(x)).eye(n, m, dtype=fnp.result_type(x))


def _zeros(like, shape_, dtype=None):
    """Zeros on ``like``'s device, of ``like``'s dtype unless ``dtype`` is given."""
    return get_array_module(concrete(like)).zeros(shape_, dtype=dtype or fnp.result_type(like))


def _row_permutation(perm, like):
    """The one-hot matrices ``M`` with ``(M @ x)[i] == x[perm[i]]``, of ``like``'s dtype and device."""
    m = shape(perm)[-1]
    rows = get_array_module(concrete(like)).arange(m)
    return fnp.astype(fnp.equal(fnp.expand_dims(perm, -1), rows), fnp.result_type(like))


def _as_matrix_rhs(b, n, batch_nd, name):
    """``b`` as a batch of ``(n, k)`` matrices, and whether it was a (batch of) vector(s)."""
    s = shape(b)
    vector = len(s) == batch_nd + 1
    if vector:
        b = fnp.expand_dims(b, -1)
    if len(shape(b)) < 2 or shape(b)[-2] != n:
        raise ValueError(f"{name}: b of shape {s} does not match a matrix with {n} rows")
    return b, vector


# ------------------------------------------------------------------ triangular_solve

def _triangle(x, lower, unit_diagonal):
    """The entries of ``x`` that a triangular solve reads (the diagonal too unless it is unit)."""
    n = shape(x)[-1]
    keep = get_array_module(concrete(x)).tri(n, k=-1 if unit_diagonal else 0, dtype=fnp.result_type(x))
    return x * (keep if lower else keep.T)


def _trisolve(a, b, lower, unit_diagonal=False):
    return _triangular_solve.bind(a, b, lower=bool(lower), unit_diagonal=bool(unit_diagonal))


def _trisolve_vjp_b(g, ans, a, b, lower, unit_diagonal):
    return unbroadcast(_trisolve(_mT(a), g, not lower, unit_diagonal), b)


def _trisolve_vjp_a(g, ans, a, b, lower, unit_diagonal):
    gb = _trisolve(_mT(a), g, not lower, unit_diagonal)
    return unbroadcast(-_triangle(gb @ _mT(ans), lower, unit_diagonal), a)


_triangular_solve = Primitive(
    "triangular_solve", _kernels.triangular_solve,
    vjp=(_trisolve_vjp_a, _trisolve_vjp_b),
    jvp=(lambda t, ans, a, b, lower, unit_diagonal:
         -_trisolve(a, _triangle(t, lower, unit_diagonal) @ ans, lower, unit_diagonal),
         lambda t, ans, a, b, lower, unit_diagonal: _trisolve(a, t, lower, unit_diagonal)),
    batch=_solve_batch)

_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, check_finite: bool = True) -> Array:
    """``x`` with ``op(a) @ x == b`` for triangular ``a``, reading only its ``lower`` (or upper) triangle.

    ``trans``: 0/'N' solves ``a x = b``, 1/'T' ``a^T x = b``, 2/'C' ``a^H x = b``;
    ``unit_diagonal``: the diagonal is taken as ones (not read). ``b`` is ``(n,)`` or
    ``(n, k)`` (with leading batch axes matching ``a``'s).

    >>> from fgrad.scipy.linalg import solve_triangular
    >>> solve_triangular(fnp.array([[2.0, 0.0], [1.0, 1.0]]), fnp.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a, b = _inexact(a), _inexact(b)
    _square(a, "solve_triangular")
    b, vector = _as_matrix_rhs(b, shape(a)[-1], len(shape(a)) - 2, "solve_triangular")
    mode = _TRANS[trans]
    if mode:
        a, lower = (_mH(a) if mode == 2 else _mT(a)), not lower
    x = _trisolve(a, b, lower, unit_diagonal)
    return x[..., 0] if vector else x


# ------------------------------------------------------------------ LU

def _unpack_lu(lu_):
    n = shape(lu_)[-1]
    return fnp.tril(lu_, -1) + _eye_like(lu_, n), fnp.triu(lu_)


def _check_lu_diff(a):
    m, n = shape(a)[-2:]
    if m != n:
        raise NotImplementedError(f"lu: derivatives of the LU factorisation of a non-square matrix (shape "
                                  f"{shape(a)}) are not supported")


def _lu_jvp(t, ans, a):
    _check_lu_diff(a)
    lu_, _, perm = ans
    low, up = _unpack_lu(lu_)
    x = _trisolve(lu_, _row_permutation(perm, t) @ t, True, True)     # L^-1 P^T dA
    x = _mT(_trisolve(_mT(lu_), _mT(x), True))                         # ... U^-1
    return low @ fnp.tril(x, -1) + fnp.triu(x) @ up, None, None


def _lu_vjp(g, ans, a):
    _check_lu_diff(a)
    lu_, _, perm = ans
    g = g[0]
    low, up = _unpack_lu(lu_)
    y = fnp.tril(_mT(low) @ fnp.tril(g, -1), -1) + fnp.triu(fnp.triu(g) @ _mT(up))
    z = _trisolve(_mT(lu_), y, False, True)                            # L^-T Y
    z = _mT(_trisolve(lu_, _mT(z), False))                             # ... U^-T
    return _mT(_row_permutation(perm, z)) @ z


_lu = Primitive("lu", _kernels.lu_factor, multiple_results=True, vjp=(_lu_vjp,), jvp=(_lu_jvp,),
                    batch=_matrix_batch)


def _pivots_batch(prim, args, dims, params):
    x, d = args[0], dims[0]
    if d == len(shape(x)) - 1:
        x, d = fnp.moveaxis(x, d, 0), 0
    return prim.bind(x, **params), d


_pivots_to_permutation = Primitive(
    "lu_pivots_to_permutation", lambda pivots, size: _kernels.pivots_to_permutation(pivots, size),
    nondiff=True, batch=_pivots_batch)


def _lu_parts(a, name):
    a = _inexact(a)
    if len(shape(a)) < 2:
        raise ValueError(f"{name}: expected a matrix (or a batch of them), got shape {shape(a)}")
    return _lu.bind(a)


def lu_factor(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Array, Array]:
    """``(lu, piv)``: ``L`` (unit diagonal, not stored) and ``U`` packed in one matrix, and LAPACK's pivots.

    Row ``i`` was interchanged with row ``piv[i]``; ``lu_solve`` takes the pair.

    >>> from fgrad.scipy.linalg import lu_factor
    >>> lu, piv = lu_factor(fnp.array([[1.0, 2.0], [4.0, 2.0]]))
    >>> lu, piv
    (array([[4.  , 2.  ],
           [0.25, 1.5 ]]), array([1, 1], dtype=int32))
    """
    lu_, piv, _ = _lu_parts(a, "lu_factor")
    return lu_, piv


def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True,
       p_indices: bool = False) -> tuple[Array, ...]:
    """``(p, l, u)`` with ``a == p @ l @ u``: a permutation, unit-lower ``l`` and upper ``u``.

    ``permute_l=True`` returns ``(p @ l, u)``; ``p_indices=True`` gives ``p`` as row
    indices (``a == l[p] @ u``). Rectangular ``a`` of shape ``(m, n)``: ``l`` is
    ``(m, k)`` and ``u`` ``(k, n)``, ``k = min(m, n)``.

    >>> from fgrad.scipy.linalg import lu
    >>> p, l, u = lu(fnp.array([[1.0, 2.0], [4.0, 2.0]]))
    >>> p, l, u
    (array([[0., 1.],
           [1., 0.]]), array([[1.  , 0.  ],
           [0.25, 1.  ]]), array([[4. , 2. ],
           [0. , 1.5]]))
    """
    lu_, _, perm = _lu_parts(a, "lu")
    m, n = shape(lu_)[-2:]
    k = min(m, n)
    low = fnp.tril(lu_[..., :, :k], -1) + _eye_like(lu_, m, k)
    up = fnp.triu(lu_[..., :k, :])
    p = _mT(_row_permutation(perm, lu_))
    if permute_l:
        return p @ low, up
    if p_indices:
        return fnp.astype(fnp.argsort(perm, axis=-1), np.int32), low, up
    return p, low, up


def lu_solve(lu_and_piv: tuple[ArrayLike, ArrayLike], b: ArrayLike, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Array:
    """``x`` with ``a @ x == b`` (``trans=1``: ``a^T``, ``2``: ``a^H``) from ``lu_factor(a)``.

    >>> from fgrad.scipy.linalg import lu_factor, lu_solve
    >>> lu_solve(lu_factor(fnp.array([[1.0, 2.0], [4.0, 2.0]])), fnp.array([3.0, 6.0]))
    array([1., 1.])
    """
    lu_, piv = lu_and_piv
    lu_, b = _inexact(lu_), _inexact(b)
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    _square(lu_, "lu_solve")
    n = shape(lu_)[-1]
    b, vector = _as_matrix_rhs(b, n, len(shape(lu_)) - 2, "lu_solve")
    perm = _pivots_to_permutation.bind(piv, size=n)
    if trans == 2:
        lu_ = fnp.conj(lu_)
    if trans == 0:   # P L U x = b
        x = _trisolve(lu_, _trisolve(lu_, _row_permutation(perm, b) @ b, True, True), False)
    else:            # U^T L^T P^T x = b
        z = _trisolve(_mT(lu_), _trisolve(_mT(lu_), b, True), False, True)
        x = _mT(_row_permutation(perm, z)) @ z
    return x[..., 0] if vector else x


# ------------------------------------------------------------------ Cholesky

def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The Cholesky factor of positive-definite ``a``: upper ``u`` with ``a == u^H u`` (SciPy's default),
    or lower ``l`` with ``a == l l^H``; it reads that triangle of ``a`` only.

    >>> from fgrad.scipy.linalg import cholesky
    >>> cholesky(fnp.array([[4.0, 2.0], [2.0, 5.0]]))
    array([[2., 1.],
           [0., 2.]])
    """
    a = _inexact(a)
    _square(a, "cholesky")
    if lower:
        return _np_linalg.cholesky(a)
    return _mH(_np_linalg.cholesky(_mH(a)))


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Array, bool]:
    """``(c, lower)`` for ``cho_solve``: the Cholesky factor (zeros in the other triangle) and its side.

    >>> from fgrad.scipy.linalg import cho_factor
    >>> cho_factor(fnp.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)
    (array([[2., 0.],
           [1., 2.]]), True)
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower: tuple[ArrayLike, bool], b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True) -> Array:
    """``x`` with ``a @ x == b`` from ``cho_factor(a)``: two triangular solves.

    >>> from fgrad.scipy.linalg import cho_factor, cho_solve
    >>> cho_solve(cho_factor(fnp.array([[4.0, 2.0], [2.0, 5.0]])), fnp.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    c, b = _inexact(c), _inexact(b)
    _square(c, "cho_solve")
    b, vector = _as_matrix_rhs(b, shape(c)[-1], len(shape(c)) - 2, "cho_solve")
    if lower:   # L L^H x = b
        x = _trisolve(_mH(c), _trisolve(c, b, True), False)
    else:       # U^H U x = b
        x = _trisolve(c, _trisolve(_mH(c), b, True), False)
    return x[..., 0] if vector else x


# ------------------------------------------------------------------ NumPy's, with SciPy's signatures

def solve(a: ArrayLike, b: ArrayLike, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          check_finite: bool = True, assume_a: str | None = None, transposed: bool = False) -> Array:
    """``x`` with ``a @ x == b``; ``assume_a='pos'`` solves by Cholesky, reading one triangle.

    ``b`` is ``(n,)`` or ``(n, k)`` (with ``a``'s batch axes in front); ``transposed``
    solves ``a^T x = b``. 'gen', 'sym', 'her' and the triangular kinds are accepted.

    >>> from fgrad.scipy.linalg import solve
    >>> solve(fnp.array([[2.0, 1.0], [1.0, 2.0]]), fnp.array([3.0, 3.0]), assume_a="pos")
    array([1., 1.])
    """
    a, b = _inexact(a), _inexact(b)
    _square(a, "solve")
    kind = assume_a or "gen"
    aliases = {"general": "gen", "symmetric": "sym", "hermitian": "her", "positive definite": "pos",
               "lower triangular": "lower triangular", "upper triangular": "upper triangular"}
    kind = aliases.get(kind, kind)
    if transposed:
        a = _mT(a)
        lower = not lower
    if kind == "pos":
        return cho_solve(cho_factor(a, lower=lower), b)
    if kind in ("lower triangular", "upper triangular"):
        return solve_triangular(a, b, lower=(kind == "lower triangular") != transposed)
    if kind not in ("gen", "sym", "her", "diagonal", "tridiagonal", "banded"):
        raise ValueError(f"solve: {assume_a!r} is not a recognized matrix structure")
    b, vector = _as_matrix_rhs(b, shape(a)[-1], len(shape(a)) - 2, "solve")
    x = _np_linalg.solve(a, b)
    return x[..., 0] if vector else x


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The inverse of each square matrix (``fnp.linalg.inv``).

    >>> from fgrad.scipy.linalg import inv
    >>> inv(fnp.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _inexact(a)
    _square(a, "inv")
    return _np_linalg.inv(a)


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Array:
    """The determinant of each square matrix (``fnp.linalg.det``).

    >>> from fgrad.scipy.linalg import det
    >>> print(round(det(fnp.array([[1.0, 2.0], [3.0, 4.0]])).item(), 6))
    -2.0
    """
    a = _inexact(a)
    _square(a, "det")
    return _np_linalg.det(a)


def eigh(a: ArrayLike, b: ArrayLike | None = None, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1, check_finite: bool = True,
         subset_by_index: Any = None, subset_by_value: Any = None, driver: str | None = None
         ) -> Array | tuple[Array, Array]:
    """``(w, v)``: eigenvalues (ascending) and eigenvectors of Hermitian ``a``, reading its ``lower``
    (or upper) triangle; with positive-definite ``b``, of the problem ``a v = w b v`` (``type=1``).

    >>> from fgrad.scipy.linalg import eigh
    >>> eigh(fnp.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True)
    array([1., 3.])
    >>> eigh(fnp.array([[2.0, 0.0], [0.0, 8.0]]), fnp.array([[1.0, 0.0], [0.0, 2.0]]), eigvals_only=True)
    array([2., 4.])
    """
    if subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_index and subset_by_value are not supported")
    if type != 1:
        raise NotImplementedError(f"eigh: only type=1 (a v = w b v) is supported, got type={type}")
    a = _inexact(a)
    _square(a, "eigh")
    uplo = "L" if lower else "U"
    if b is None:
        w, v = _np_linalg.eigh(a, UPLO=uplo)
        return w if eigvals_only else (w, v)
    b = _inexact(b)
    _square(b, "eigh")
    # b = L L^H turns a v = w b v into the standard problem of C = L^-1 a L^-H, with v = L^-H y.
    low = cholesky(b, lower=True) if lower else _mH(cholesky(b, lower=False))
    herm = fnp.tril(a) + _mH(fnp.tril(a, -1)) if lower else fnp.triu(a) + _mH(fnp.triu(a, 1))
    c = _mH(_trisolve(low, _mH(_trisolve(low, herm, True)), True))
    w, y = _np_linalg.eigh(c)
    return w if eigvals_only else (w, _trisolve(_mH(low), y, False))


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd") -> Array | tuple[Array, Array, Array]:
    """``(u, s, vh)`` with ``a == u @ diag(s) @ vh`` (``fnp.linalg.svd``); ``compute_uv=False``: ``s``.

    >>> from fgrad.scipy.linalg import svd
    >>> svd(fnp.array([[0.0, 2.0], [1.0, 0.0]]), compute_uv=False)
    array([2., 1.])
    """
    a = _inexact(a)
    if not compute_uv:
        return _np_linalg.svd(a, compute_uv=False)
    u, s, vh = _np_linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def qr(a: ArrayLike, overwrite_a: bool = False, lwork: int | None = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> tuple[Array, ...]:
    """``(q, r)`` with ``a == q @ r``; ``mode`` 'full' (square ``q``), 'economic', or 'r' (``(r,)``, full size).

    >>> from fgrad.scipy.linalg import qr
    >>> q, r = qr(fnp.array([[3.0, 0.0], [4.0, 5.0]]))
    >>> fnp.abs(r)
    array([[5., 4.],
           [0., 3.]])
    """
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r}")
    a = _inexact(a)
    if mode == "r":  # the full R: the reduced one above zero rows (differentiable, unlike the full Q)
        r = _np_linalg.qr(a, mode="r")
        m, k = shape(a)[-2], shape(r)[-2]
        return (fnp.pad(r, ((0, 0),) * (len(shape(r)) - 2) + ((0, m - k), (0, 0))),)
    q, r = _np_linalg.qr(a, mode="complete" if mode == "full" else "reduced")
    return q, r


def polar(a: ArrayLike, side: str = "right") -> tuple[Array, Array]:
    """``(u, p)``: unitary ``u`` and positive semidefinite ``p`` with ``a == u @ p`` (``side='left'``:
    ``a == p @ u``), from the SVD (derivatives need distinct singular values).

    >>> from fgrad.scipy.linalg import polar
    >>> u, p = polar(fnp.array([[0.0, 2.0], [3.0, 0.0]]))
    >>> u, p
    (array([[0., 1.],
           [1., 0.]]), array([[3., 0.],
           [0., 2.]]))
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    a = _inexact(a)
    u, s, vh = _np_linalg.svd(a, full_matrices=False)
    unitary = u @ vh
    if side == "right":
        return unitary, _mH(vh) @ (fnp.expand_dims(s, -1) * vh)
    return unitary, (u * fnp.expand_dims(s, -2)) @ _mH(u)


# ------------------------------------------------------------------ expm

def _frechet(prim, a, e, **params):
    """``L_f(a, e)``, the Fréchet derivative of the primary matrix function ``f`` (the primitive
    ``prim``) at ``a`` along ``e``: the top-right block of ``f([[a, e], [0, a]])``. It is linear in
    ``e``, which is scaled to unit size first so the block's norm stays about that of ``a``."""
    n = shape(a)[-1]
    size = fnp.stop_gradient(fnp.max(fnp.abs(e), axis=(-2, -1), keepdims=True))
    size = fnp.where(fnp.equal(size, 0), 1.0, size)
    top = fnp.concatenate([a, e / size], axis=-1)
    bottom = fnp.concatenate([fnp.zeros_like(a), a], axis=-1)
    big = prim.bind(fnp.concatenate([top, bottom], axis=-2), **params)
    return big[..., :n, n:] * size


# L_f(a, .)'s transpose is L_f(a^T, .) for a primary matrix function: f(a)^T = f(a^T).
_expm: Primitive = Primitive(
    "expm", _kernels.expm,
    vjp=(lambda g, ans, a, max_squarings: _frechet(_expm, _mT(a), g, max_squarings=max_squarings + 2),),
    jvp=(lambda t, ans, a, max_squarings: _frechet(_expm, a, t, max_squarings=max_squarings + 2),),
    batch=_matrix_batch)


def expm(A: ArrayLike, *, upper_triangular: bool = False, max_squarings: int = 16) -> Array:
    """The matrix exponential of each square matrix, by Padé approximation with scaling and squaring.

    A matrix that needs more than ``max_squarings`` squarings gives NaN, as in JAX.
    Its derivative in both modes is the Fréchet derivative (``expm_frechet``).

    >>> from fgrad.scipy.linalg import expm
    >>> expm(fnp.array([[0.0, 1.0], [0.0, 0.0]]))
    array([[1., 1.],
           [0., 1.]])
    """
    A = _inexact(A)
    _square(A, "expm")
    return _expm.bind(A, max_squarings=int(max_squarings))


def expm_frechet(A: ArrayLike, E: ArrayLike, method: str | None = None, compute_expm: bool = True,
                 check_finite: bool = True) -> Array | tuple[Array, Array]:
    """``(expm(A), L(A, E))``: the exponential and its Fréchet derivative at ``A`` along ``E``
    (``compute_expm=False``: ``L(A, E)`` alone), both from one ``expm`` of ``[[A, E], [0, A]]``.

    >>> from fgrad.scipy.linalg import expm_frechet
    >>> expm_frechet(fnp.zeros((2, 2)), fnp.array([[1.0, 2.0], [3.0, 4.0]]), compute_expm=False)
    array([[1., 2.],
           [3., 4.]])
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"expm_frechet: unknown method {method!r}")
    A, E = _inexact(A), _inexact(E)
    _square(A, "expm_frechet")
    if shape(A) != shape(E):
        raise ValueError(f"expm_frechet: A and E must have the same shape, got {shape(A)} and {shape(E)}")
    n = shape(A)[-1]
    top = fnp.concatenate([A, E], axis=-1)
    big = expm(fnp.concatenate([top, fnp.concatenate([fnp.zeros_like(A), A], axis=-1)], axis=-2))
    frechet = big[..., :n, n:]
    return (big[..., :n, :n], frechet) if compute_expm else frechet


# ------------------------------------------------------------------ special matrices

def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix of the given 0-, 1- or 2-d arrays (a 1-d one is one row).

    >>> from fgrad.scipy.linalg import block_diag
    >>> block_diag(fnp.array([[1, 2]]), fnp.array(3))
    array([[1, 2, 0],
           [0, 0, 3]])
    """
    if not arrs:
        return fnp.zeros((1, 0))
    mats = []
    for i, x in enumerate(arrs):
        nd = len(shape(x))
        if nd > 2:
            raise ValueError(f"block_diag: arguments must have 2 or fewer dimensions, argument {i} has shape "
                             f"{shape(x)}")
        mats.append(fnp.reshape(x, (1, -1)) if nd < 2 else x)
    dtype = fnp.result_type(*mats)
    widths = [shape(m)[1] for m in mats]
    total = sum(widths)
    rows, left = [], 0
    for m, w in zip(mats, widths):
        rows.append(fnp.pad(fnp.astype(m, dtype), ((0, 0), (left, total - left - w))))
        left += w
    return fnp.concatenate(rows, axis=0)


def toeplitz(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``r[0]`` is ignored; default
    ``conj(c)``). Leading axes of ``c`` and ``r`` are batch axes, as in JAX.

    >>> from fgrad.scipy.linalg import toeplitz
    >>> toeplitz(fnp.array([1, 2, 3]), fnp.array([1, 4]))
    array([[1, 4],
           [2, 1],
           [3, 2]])
    """
    c = fnp.atleast_1d(fnp.asarray(c) if not isinstance(c, Tracer) else c)
    r = fnp.conj(c) if r is None else fnp.atleast_1d(fnp.asarray(r) if not isinstance(r, Tracer) else r)
    m, n = shape(c)[-1], shape(r)[-1]
    batch = np.broadcast_shapes(shape(c)[:-1], shape(r)[:-1])
    c, r = fnp.broadcast_to(c, batch + (m,)), fnp.broadcast_to(r, batch + (n,))
    values = fnp.concatenate([fnp.flip(r[..., 1:], axis=-1), c], axis=-1)
    index = (n - 1) + np.arange(m)[:, None] - np.arange(n)[None, :]
    return fnp.take(values, get_array_module(concrete(values)).asarray(index), axis=-1)


def hankel(c: ArrayLike, r: ArrayLike | None = None) -> Array:
    """The Hankel matrix with first column ``c`` and last row ``r`` (``r[0]`` is ignored; default zeros).

    >>> from fgrad.scipy.linalg import hankel
    >>> hankel(fnp.array([1, 2, 3]), fnp.array([3, 4]))
    array([[1, 2],
           [2, 3],
           [3, 4]])
    """
    c = fnp.ravel(c)
    r = fnp.zeros_like(c) if r is None else fnp.ravel(r)
    m, n = shape(c)[0], shape(r)[0]
    values = fnp.concatenate([c, r[1:]])
    index = np.arange(m)[:, None] + np.arange(n)[None, :]
    return fnp.take(values, get_array_module(concrete(values)).asarray(index))


def circulant(c: ArrayLike) -> Array:
    """The circulant matrix with first column ``c``.

    >>> from fgrad.scipy.linalg import circulant
    >>> circulant(fnp.array([1, 2, 3]))
    array([[1, 3, 2],
           [2, 1, 3],
           [3, 2, 1]])
    """
    c = fnp.ravel(c)
    n = shape(c)[0]
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % max(n, 1)
    return fnp.take(c, get_array_module(concrete(c)).asarray(index))


def hilbert(n: int) -> Array:
    """The ``n x n`` Hilbert matrix, ``1 / (i + j + 1)``.

    >>> from fgrad.scipy.linalg import hilbert
    >>> hilbert(2)
    array([[1.    , 0.5   ],
           [0.5   , 0.3333]])
    """
    i = np.arange(int(n))
    return fnp.asarray(1.0 / (i[:, None] + i[None, :] + 1))


def _vector(x, name):
    x = fnp.asarray(x) if not isinstance(x, Tracer) else x
    if len(shape(x)) != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {shape(x)}")
    return x


def companion(a: ArrayLike) -> Array:
    """The companion matrix of the polynomial with coefficients ``a`` (highest power first, ``a[0] != 0``):
    its eigenvalues are the polynomial's roots.

    >>> from fgrad.scipy.linalg import companion
    >>> companion(fnp.array([1.0, -3.0, 2.0]))
    array([[ 3., -2.],
           [ 1.,  0.]])
    """
    a = _vector(a, "companion")
    n = shape(a)[0]
    if n < 2:
        raise ValueError(f"companion: the length of a must be at least 2, got {n}")
    first = -a[1:] / a[0]
    below = _eye_like(first, n - 2, n - 1) if n > 2 else _zeros(first, (0, 1))
    return fnp.concatenate([fnp.reshape(first, (1, n - 1)), below], axis=0)


def leslie(f: ArrayLike, s: ArrayLike) -> Array:
    """The Leslie matrix: fecundities ``f`` in the first row, survival rates ``s`` below the diagonal.

    >>> from fgrad.scipy.linalg import leslie
    >>> leslie(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.5, 0.25]))
    array([[1.  , 2.  , 3.  ],
           [0.5 , 0.  , 0.  ],
           [0.  , 0.25, 0.  ]])
    """
    f, s = _vector(f, "leslie"), _vector(s, "leslie")
    n = shape(f)[0]
    if n < 1 or shape(s)[0] != n - 1:
        raise ValueError(f"leslie: s must have length len(f) - 1 = {n - 1}, got {shape(s)[0]} (f of length {n})")
    dtype = fnp.result_type(f, s)
    below = fnp.concatenate([fnp.astype(s, dtype)[:, None] * _eye_like(fnp.astype(s, dtype), n - 1),
                             _zeros(f, (n - 1, 1), dtype)], axis=1)
    return fnp.concatenate([fnp.reshape(fnp.astype(f, dtype), (1, n)), below], axis=0)


def fiedler(a: ArrayLike) -> Array:
    """The symmetric Fiedler matrix ``|a[i] - a[j]|``.

    >>> from fgrad.scipy.linalg import fiedler
    >>> fiedler(fnp.array([1, 4, 2]))
    array([[0, 3, 1],
           [3, 0, 2],
           [1, 2, 0]])
    """
    a = _vector(a, "fiedler")
    return fnp.abs(a[:, None] - a[None, :])


def convolution_matrix(a: ArrayLike, n: int, mode: str = "full") -> Array:
    """The matrix ``A`` with ``A @ v == fnp.convolve(a, v, mode)`` for every ``v`` of length ``n``.

    >>> from fgrad.scipy.linalg import convolution_matrix
    >>> convolution_matrix(fnp.array([1.0, 2.0]), 2)
    array([[1., 0.],
           [2., 1.],
           [0., 2.]])
    """
    a = _vector(a, "convolution_matrix")
    m, n = shape(a)[0], int(n)
    if m == 0 or n <= 0:
        raise ValueError(f"convolution_matrix: a must be non-empty and n positive, got len(a)={m}, n={n}")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"convolution_matrix: mode must be 'full', 'same' or 'valid', got {mode!r}")
    zeros = _zeros(a, (n - 1,))
    full = toeplitz(fnp.concatenate([a, zeros]), fnp.concatenate([a[:1], zeros]))
    short = min(m, n)
    if mode == "same":
        start = (short - 1) // 2
        return full[start:start + max(m, n)]
    if mode == "valid":
        return full[short - 1:max(m, n)]
    return full


def dft(n: int, scale: str | None = None, *, dtype: Any = None) -> Array:
    """The ``n``-point discrete Fourier transform matrix, ``exp(-2 pi i j k / n)``; ``scale`` None,
    ``'sqrtn'`` (unitary) or ``'n'``.

    >>> from fgrad.scipy.linalg import dft
    >>> dft(2)
    array([[ 1.+0.j,  1.+0.j],
           [ 1.+0.j, -1.-0.j]])
    """
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"dft: scale must be None, 'sqrtn' or 'n', got {scale!r}")
    k = np.arange(int(n))
    # the exponent reduced mod n first, so large j k lose nothing
    m = np.exp(-2j * np.pi * ((k[:, None] * k[None, :]) % max(int(n), 1)) / max(int(n), 1))
    if scale == "sqrtn":
        m = m / np.sqrt(n)
    elif scale == "n":
        m = m / n
    return fnp.asarray(m if dtype is None else m.astype(dtype))


def hadamard(n: int, dtype: Any = int) -> Array:
    """The ``n x n`` Hadamard matrix (Sylvester's construction; ``n`` a power of 2).

    >>> from fgrad.scipy.linalg import hadamard
    >>> hadamard(2)
    array([[ 1,  1],
           [ 1, -1]])
    """
    n = int(n)
    if n < 1 or n & (n - 1):
        raise ValueError(f"hadamard: n must be a positive power of 2, got {n}")
    h = np.ones((1, 1), dtype=dtype)
    for _ in range(n.bit_length() - 1):  # log2(n) doublings
        h = np.block([[h, h], [h, -h]])
    return fnp.asarray(h)


def helmert(n: int, full: bool = False) -> Array:
    """The Helmert matrix of order ``n``: orthogonal, its first row constant; ``full=False`` drops that row.

    >>> from fgrad.scipy.linalg import helmert
    >>> helmert(2, full=True)
    array([[ 0.7071,  0.7071],
           [ 0.7071, -0.7071]])
    """
    n = int(n)
    i = np.arange(n)
    h = np.tril(np.ones((n, n)), -1) - np.diag(i)
    norms = np.sqrt(np.maximum(i * (i + 1), 1))[:, None]
    h = h / norms
    if n:
        h[0] = 1.0 / np.sqrt(n)
    return fnp.asarray(h if full else h[1:])


def _lower_pascal(n):
    """``C(i, j)`` for ``j <= i < n``, exactly, in int64 (row ``i`` from row ``i - 1``)."""
    low = np.zeros((n, n), dtype=np.int64)
    if n:
        low[:, 0] = 1
    for i in range(1, n):
        low[i, 1:] = low[i - 1, 1:] + low[i - 1, :-1]
    return low


def pascal(n: int, kind: str = "symmetric", exact: bool = True) -> Array:
    """The Pascal matrix of binomial coefficients: ``'symmetric'`` ``C(i + j, i)``, ``'lower'`` or ``'upper'``
    ``C(i, j)`` (int64; ``exact=False``: float64).

    >>> from fgrad.scipy.linalg import pascal
    >>> pascal(3)
    array([[1, 1, 1],
           [1, 2, 3],
           [1, 3, 6]])
    """
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"pascal: kind must be 'symmetric', 'lower' or 'upper', got {kind!r}")
    low = _lower_pascal(int(n))
    p = low @ low.T if kind == "symmetric" else low if kind == "lower" else low.T
    return fnp.asarray(p if exact else p.astype(np.float64))


def invpascal(n: int, kind: str = "symmetric", exact: bool = True) -> Array:
    """The inverse of ``pascal(n, kind)``, exactly: the lower Pascal matrix's inverse is itself with
    alternating signs.

    >>> from fgrad.scipy.linalg import invpascal
    >>> invpascal(3)
    array([[ 3, -3,  1],
           [-3,  5, -2],
           [ 1, -2,  1]])
    """
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"invpascal: kind must be 'symmetric', 'lower' or 'upper', got {kind!r}")
    n = int(n)
    signs = (-1) ** np.arange(n)
    inv_low = signs[:, None] * _lower_pascal(n) * signs[None, :]
    p = inv_low.T @ inv_low if kind == "symmetric" else inv_low if kind == "lower" else inv_low.T
    return fnp.asarray(p if exact else p.astype(np.float64))


def eigh_tridiagonal(d: ArrayLike, e: ArrayLike, *, eigvals_only: bool = False, select: str = "a",
                     select_range: Any = None, tol: float | None = None) -> Array | tuple[Array, Array]:
    """Eigenvalues (and eigenvectors) of the symmetric tridiagonal matrix with diagonal ``d`` and
    off-diagonal ``e``, through ``eigh`` of that matrix (so differentiable in ``d`` and ``e``).

    >>> from fgrad.scipy.linalg import eigh_tridiagonal
    >>> eigh_tridiagonal(fnp.array([2.0, 2.0]), fnp.array([1.0]), eigvals_only=True)
    array([1., 3.])
    """
    if select != "a" or select_range is not None:
        raise NotImplementedError("eigh_tridiagonal: only select='a' is supported")
    d, e = _inexact(_vector(d, "eigh_tridiagonal")), _inexact(_vector(e, "eigh_tridiagonal"))
    n = shape(d)[0]
    if shape(e)[0] != max(n - 1, 0):
        raise ValueError(f"eigh_tridiagonal: e must have length len(d) - 1 = {n - 1}, got {shape(e)[0]}")
    dtype = fnp.result_type(d, e)
    d, e = fnp.astype(d, dtype), fnp.astype(e, dtype)
    band = fnp.pad(e[:, None] * _eye_like(e, n - 1), ((0, 1), (1, 0))) if n > 1 else _zeros(d, (n, n))
    t = d[:, None] * _eye_like(d, n) + band + _mT(band)
    return eigh(t, eigvals_only=eigvals_only)


def hessenberg(a: ArrayLike, *, calc_q: bool = False, overwrite_a: bool = False, check_finite: bool = True
               ) -> Array | tuple[Array, Array]:
    """The upper Hessenberg form ``h`` of each square matrix, ``a == q @ h @ q^H`` (``calc_q=True``:
    ``(h, q)``), by Householder reflections with LAPACK's sign convention.

    One reflection per column, each a whole-matrix update written in ``fgrad.numpy`` operations:
    differentiable (where no column below the subdiagonal is already zero), batched, staged.

    >>> from fgrad.scipy.linalg import hessenberg
    >>> hessenberg(fnp.array([[1.0, 0.0, 0.0], [3.0, 1.0, 0.0], [4.0, 0.0, 1.0]]))
    array([[ 1.,  0.,  0.],
           [-5.,  1.,  0.],
           [ 0.,  0.,  1.]])
    """
    h = _inexact(a)
    _square(h, "hessenberg")
    n = shape(h)[-1]
    xp = get_array_module(concrete(h))
    dtype = fnp.result_type(h)
    complex_ = np.issubdtype(dtype, np.complexfloating)
    q = fnp.broadcast_to(_eye_like(h, n), shape(h)) if calc_q else None
    # (LAPACK makes a complex subdiagonal real, the last entry too: one more reflection)
    for k in range(n - 1 if complex_ else n - 2):
        col = h[..., :, k]
        alpha, x = col[..., k + 1], col[..., k + 2:]
        squares = fnp.sum(fnp.real(x * fnp.conj(x)), axis=-1)
        skip = fnp.equal(squares, 0)         # nothing to annihilate: the identity (tau = 0), as LAPACK
        if complex_:
            skip = fnp.logical_and(skip, fnp.equal(fnp.real(-1j * alpha), 0))
        norm = fnp.sqrt(fnp.real(alpha * fnp.conj(alpha)) + fnp.where(skip, 1.0, squares))
        # (where a complex alpha with nothing below it is rotated, squares is 0 and this sqrt is |alpha|)
        beta = -fnp.where(fnp.real(alpha) >= 0, 1.0, -1.0) * norm
        tau = fnp.where(skip, 0.0, (beta - alpha) / beta)
        scale = 1.0 / (alpha - beta)
        v = fnp.concatenate([_zeros(h, shape(alpha) + (k + 1,)), xp.ones(shape(alpha) + (1,), dtype=dtype),
                             x * scale[..., None]], axis=-1)
        vc = fnp.conj(v) if complex_ else v
        tc = fnp.conj(tau) if complex_ else tau
        # h <- P^H h P, P = I - tau v v^H
        h = h - v[..., :, None] * (tc[..., None] * fnp.sum(vc[..., :, None] * h, axis=-2))[..., None, :]
        h = h - (fnp.sum(h * v[..., None, :], axis=-1) * tau[..., None])[..., :, None] * vc[..., None, :]
        if q is not None:
            q = q - (fnp.sum(q * v[..., None, :], axis=-1) * tau[..., None])[..., :, None] * vc[..., None, :]
    h = h * (1 - xp.tri(n, k=-2, dtype=dtype))  # exact zeros below the subdiagonal
    return (h, q) if calc_q else h


def _kron_sum(a, b):
    """The matrix of ``X -> a @ X + X @ b`` on row-major ``vec(X)``: ``kron(a, I) + kron(I, b^T)``."""
    m, n = shape(a)[-1], shape(b)[-1]
    eye_m, eye_n = _eye_like(a, m), _eye_like(b, n)
    big = (a[..., :, None, :, None] * eye_n[:, None, :] + eye_m[:, None, :, None] * _mT(b)[..., None, :, None, :])
    return fnp.reshape(big, shape(big)[:-4] + (m * n, m * n))


def solve_sylvester(A: ArrayLike, B: ArrayLike, C: ArrayLike, *, method: str = "schur", tol: float = 1e-8
                    ) -> Array:
    """``X`` with ``A @ X + X @ B == C``.

    ``method='schur'`` (the default name, as in JAX) solves the equivalent ``mn x mn`` linear
    system ``(kron(A, I) + kron(I, B^T)) vec(X) = vec(C)`` directly: exact, in ``O((mn)^3)``;
    ``method='eigen'`` diagonalises ``A`` and ``B`` (for large, diagonalisable matrices).

    >>> from fgrad.scipy.linalg import solve_sylvester
    >>> solve_sylvester(fnp.array([[2.0, 0.0], [0.0, 3.0]]), fnp.array([[1.0]]), fnp.array([[3.0], [8.0]]))
    array([[1.],
           [2.]])
    """
    A, B, C = _inexact(A), _inexact(B), _inexact(C)
    _square(A, "solve_sylvester")
    _square(B, "solve_sylvester")
    m, n = shape(A)[-1], shape(B)[-1]
    if shape(C)[-2:] != (m, n):
        raise ValueError(f"solve_sylvester: C must have shape ({m}, {n}) for A {shape(A)} and B {shape(B)}, "
                         f"got {shape(C)}")
    if method == "eigen":
        wa, va = _np_linalg.eig(A)
        wb, vb = _np_linalg.eig(B)
        inner = _np_linalg.solve(va, C @ vb) / (wa[..., :, None] + wb[..., None, :])
        x = va @ _mT(_np_linalg.solve(_mT(vb), _mT(inner)))
        complex_in = any(np.issubdtype(fnp.result_type(v), np.complexfloating) for v in (A, B, C))
        return x if complex_in else fnp.real(x)
    if method != "schur":
        raise ValueError(f"solve_sylvester: method must be 'schur' or 'eigen', got {method!r}")
    batch = np.broadcast_shapes(shape(A)[:-2], shape(B)[:-2], shape(C)[:-2])
    system = fnp.broadcast_to(_kron_sum(A, B), batch + (m * n, m * n))
    rhs = fnp.broadcast_to(fnp.reshape(C, shape(C)[:-2] + (m * n, 1)), batch + (m * n, 1))
    return fnp.reshape(_np_linalg.solve(system, rhs), batch + (m, n))


_sqrtm: Primitive = Primitive(
    "sqrtm", _kernels.sqrtm,
    vjp=(lambda g, ans, a: _frechet(_sqrtm, _mT(a), g),),
    jvp=(lambda t, ans, a: _frechet(_sqrtm, a, t),),
    batch=_matrix_batch)


def sqrtm(A: ArrayLike, blocksize: int = 1) -> Array:
    """The principal square root of each square matrix (complex where a real one has negative real
    eigenvalues), by the scaled Denman-Beavers iteration; ``A`` must be nonsingular.

    Its derivative (which solves ``X dX + dX X = dA``) is the top-right block of the square
    root of ``[[A, dA], [0, A]]``, as for ``expm``.

    >>> from fgrad.scipy.linalg import sqrtm
    >>> sqrtm(fnp.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    A = _inexact(A)
    _square(A, "sqrtm")
    return _sqrtm.bind(A)


_logm: Primitive = Primitive(
    "logm", _kernels.logm,
    vjp=(lambda g, ans, a: _frechet(_logm, _mT(a), g),),
    jvp=(lambda t, ans, a: _frechet(_logm, a, t),),
    batch=_matrix_batch)


def logm(A: ArrayLike, disp: bool = True) -> Array:
    """The principal matrix logarithm of each square matrix (complex where a real one has negative real
    eigenvalues; ``A`` nonsingular), by inverse scaling and squaring: square roots until the matrix is
    near ``I``, a Padé approximant there, times ``2^k``. Differentiated like ``expm``, by one ``logm``
    of ``[[A, dA], [0, A]]``.

    >>> from fgrad.scipy.linalg import logm
    >>> logm(fnp.array([[1.0, 1.0], [0.0, 1.0]]))
    array([[0., 1.],
           [0., 0.]])
    """
    A = _inexact(A)
    _square(A, "logm")
    return _logm.bind(A)


def invhilbert(n: int, exact: bool = False) -> Array:
    """The inverse of ``hilbert(n)``, from its closed form (float64; ``exact=True``: int64, for ``n <= 14``).

    >>> from fgrad.scipy.linalg import invhilbert
    >>> invhilbert(2)
    array([[ 4., -6.],
           [-6., 12.]])
    """
    n = int(n)
    # binomial coefficients C(a, b), a < 2n, exactly in int64 while they fit, by rows of Pascal's triangle
    table = _lower_pascal(2 * n + 1).astype(object if exact else np.float64)
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    signs = np.where((i + j) % 2, -1, 1)
    inv = signs * (i + j + 1) * table[n + i, n - j - 1] * table[n + j, n - i - 1] * table[i + j, i] ** 2
    return fnp.asarray(inv.astype(np.int64) if exact else inv.astype(np.float64))


def qr_multiply(a: ArrayLike, c: ArrayLike, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False) -> tuple[Array, Array]:
    """``(q @ c, r)`` (``mode='left'``) or ``(c @ q, r)`` (``'right'``) with ``q, r`` the economic QR of
    ``a``; ``conjugate`` uses ``conj(q)``; a 1-D ``c`` is a vector.

    >>> from fgrad.scipy.linalg import qr_multiply
    >>> cq, r = qr_multiply(fnp.array([[3.0, 0.0], [4.0, 5.0]]), fnp.eye(2))
    >>> fnp.abs(cq) * 5
    array([[3., 4.],
           [4., 3.]])
    """
    if pivoting:
        raise NotImplementedError("qr_multiply: pivoting=True is not supported")
    if mode not in ("left", "right"):
        raise ValueError(f"qr_multiply: mode must be 'left' or 'right', got {mode!r}")
    a, c = _inexact(a), _inexact(c)
    q, r = _np_linalg.qr(a, mode="reduced")
    if conjugate:
        q = fnp.conj(q)
    vector = len(shape(c)) == 1
    if mode == "left":
        c2 = fnp.reshape(c, (-1, 1)) if vector else c
        out = q @ c2
    else:
        c2 = fnp.reshape(c, (1, -1)) if vector else c
        out = c2 @ q
    return (fnp.ravel(out) if vector else out), r


def fiedler_companion(a: ArrayLike) -> Array:
    """Fiedler's pentadiagonal companion matrix of the polynomial with coefficients ``a`` (highest power
    first, ``a[0] != 0``): the same eigenvalues as ``companion(a)``.

    >>> from fgrad.scipy.linalg import fiedler_companion
    >>> fiedler_companion(fnp.array([1.0, -3.0, 2.0]))
    array([[ 3., -2.],
           [ 1.,  0.]])
    """
    a = _vector(a, "fiedler_companion")
    size = shape(a)[0] - 1
    if size < 1:
        raise ValueError(f"fiedler_companion: the length of a must be at least 2, got {size + 1}")
    c = -a[1:] / a[0]
    # entries read from [0, 1, -c_1, ..., -c_size]: -c_1 at (0, 0); -c_k (k >= 2) in row 2((k-1)//2),
    # column k-1 (k even) or k-2 (k odd); ones at (2j+1, max(2j-1, 0)) and (2j, 2j+2)
    index = np.zeros((size, size), dtype=np.int64)
    index[0, 0] = 2
    k = np.arange(2, size + 1)
    index[2 * ((k - 1) // 2), np.where(k % 2 == 0, k - 1, k - 2)] = k + 1
    odd = np.arange(1, size, 2)
    index[odd, np.maximum(odd - 2, 0)] = 1
    even = np.arange(0, size - 2, 2)
    index[even, even + 2] = 1
    xp = get_array_module(concrete(c))
    values = fnp.concatenate([xp.zeros((1,), dtype=fnp.result_type(c)), xp.ones((1,), dtype=fnp.result_type(c)), c])
    return fnp.take(values, xp.asarray(index))


def rsf2csf(T: ArrayLike, Z: ArrayLike, check_finite: bool = True) -> tuple[Array, Array]:
    """A real Schur form ``(T, Z)`` (``a == Z @ T @ Z.T``, ``T`` quasi-triangular) made complex Schur:
    each 2x2 block of a complex-conjugate pair is triangularised by one Givens rotation.

    >>> from fgrad.scipy.linalg import rsf2csf
    >>> t, z = rsf2csf(fnp.array([[0.0, 1.0], [-1.0, 0.0]]), fnp.eye(2))
    >>> fnp.round(fnp.diagonal(t), 6)
    array([0.+1.j, 0.-1.j])
    """
    T, Z = _inexact(T), _inexact(Z)
    _square(T, "rsf2csf")
    n = shape(T)[-1]
    if shape(Z)[-2:] != (n, n):
        raise ValueError(f"rsf2csf: Z must be {n} x {n} like T, got shape {shape(Z)}")
    ctype = np.result_type(fnp.result_type(T, Z), np.complex64)
    T, Z = fnp.astype(T, ctype), fnp.astype(Z, ctype)
    xp = get_array_module(concrete(T))
    eps = float(np.finfo(ctype).eps)
    for m in range(n - 1, 0, -1):  # bottom up: the rows below are triangular already
        sub, a, b, d = T[..., m, m - 1], T[..., m - 1, m - 1], T[..., m - 1, m], T[..., m, m]
        split = fnp.abs(sub) > eps * (fnp.abs(a) + fnp.abs(d))
        # the block's eigenvalue with the larger imaginary part, minus T[m, m]
        half = (a - d) / 2
        root = fnp.sqrt(half * half + b * sub)
        root = fnp.where(fnp.real(-1j * root) < 0, -root, root)
        mu = half + root
        r = fnp.sqrt(fnp.abs(mu) ** 2 + fnp.abs(sub) ** 2)
        safe_r = fnp.where(split, r, 1.0)
        c = fnp.where(split, mu / safe_r, 1.0)
        s_ = fnp.where(split, sub / safe_r, 0.0)
        g = fnp.stack([fnp.stack([fnp.conj(c), s_], -1), fnp.stack([-s_, c], -1)], -2)   # (..., 2, 2)
        pick = xp.eye(n, dtype=ctype)[:, m - 1:m + 1]                                   # rows m-1, m
        rows = _mT(pick) @ T
        T = T + pick @ (g @ rows - rows)
        gh = _mT(fnp.conj(g))
        cols = T @ pick
        T = T + (cols @ gh - cols) @ _mT(pick)
        zc = Z @ pick
        Z = Z + (zc @ gh - zc) @ _mT(pick)
        T = T * (1 - xp.eye(n, k=-1, dtype=ctype) * (xp.arange(n) == m)[:, None])          # T[m, m-1] = 0
    return T, Z


def _differentiated(x: Any) -> bool:
    """Whether ``x`` is being differentiated (a JVP or VJP tracer at some level of its nesting)."""
    while isinstance(x, Tracer):
        if isinstance(x, (JVPTracer, VJPTracer)):
            return True
        x = x._value
    return False


def schur(a: ArrayLike, output: str = "real") -> tuple[Array, Array]:
    """The Schur decomposition ``a == Z @ T @ Z^H``: ``Z`` unitary, ``T`` upper triangular
    (``output='complex'``) or, for a real ``a`` and ``output='real'``, quasi-upper-triangular with a 2x2
    block per complex-conjugate eigenvalue pair. Returns ``(T, Z)``.

    Computed from the eigenvectors: the QR factorisation of the eigenvector matrix (for the real form, the
    real and imaginary parts of each pair's eigenvector) gives ``Z``, whose leading columns span the
    invariant subspaces, and ``T = Z^H a Z``; accurate to about ``cond(eigenvectors) * eps`` (a defective
    matrix loses accuracy). The 2x2 blocks are not put in LAPACK's standard form. As in JAX, there is no
    derivative rule (``NotImplementedError``); ``vmap`` and ``jit`` work.

    >>> from fgrad.scipy.linalg import schur
    >>> t, z = schur(fnp.array([[1.0, 2.0], [0.0, 3.0]]))
    >>> print(fnp.abs(fnp.diagonal(t)), fnp.allclose(z @ t @ z.T, fnp.array([[1.0, 2.0], [0.0, 3.0]])))
    [1. 3.] True
    """
    if output not in ("real", "complex"):
        raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    if _differentiated(a):
        raise NotImplementedError("Differentiation rule for 'schur' not implemented (as in JAX)")
    a = _inexact(a)
    _square(a, "schur")
    n = shape(a)[-1]
    w, v = _np_linalg.eig(a)
    real = output == "real" and not np.issubdtype(fnp.result_type(a), np.complexfloating)
    if real:
        # a conjugate pair (positive imaginary part first, as LAPACK orders them) spans the same real plane
        # as the real and imaginary parts of its first eigenvector
        v = fnp.where(fnp.imag(w)[..., None, :] < 0, fnp.imag(v), fnp.real(v))
    else:
        a = fnp.astype(a, fnp.result_type(v))
    z, _ = _np_linalg.qr(v)
    t = _mH(z) @ a @ z
    xp = get_array_module(concrete(t))
    keep = xp.triu(xp.ones((n, n), dtype=bool))
    if real:  # and the subdiagonal entry of each 2x2 block
        first = fnp.imag(w) > 0                      # column c opens a block: keep T[c + 1, c]
        keep = keep | (fnp.expand_dims(first, -2) & xp.eye(n, k=-1, dtype=bool))
    return fnp.where(keep, t, 0.0), z


def funm(A: ArrayLike, func: Any, disp: bool = True) -> Array | tuple[Array, Array]:
    """``func`` applied to a square matrix through its complex Schur form and Parlett's recurrence
    (``func`` maps an array of eigenvalues elementwise); complex, as in JAX. ``disp=False`` also returns
    SciPy's error estimate. Not differentiable (as in JAX: Schur has no derivative rule).

    >>> from fgrad.scipy.linalg import funm
    >>> print(funm(fnp.array([[1.0, 0.0], [0.0, 2.0]]), lambda x: x * x).real)
    [[1. 0.]
     [0. 4.]]
    """
    A = _inexact(A)
    if len(shape(A)) != 2:
        raise ValueError(f"funm: expected a square matrix, got shape {shape(A)}")
    _square(A, "funm")
    n = shape(A)[-1]
    T, Z = schur(A, output="complex")
    diagonal = fnp.diagonal(T)
    F = fnp.diag(fnp.astype(func(diagonal), fnp.result_type(T)))
    eps = float(np.finfo(fnp.result_type(T)).eps)
    smallest = float(fnp.abs(concrete(diagonal)[0])) if n else 0.0   # (SciPy's start)
    for p in range(1, n):  # one superdiagonal at a time, each from the ones before (Parlett)
        # diagonal p of T @ F - F @ T (whose entries on diagonal p and beyond are still 0), without the products
        s = fnp.sum(T[:n - p] * _mT(F[:, p:]), axis=-1) - fnp.sum(F[:n - p] * _mT(T[:, p:]), axis=-1)
        den = diagonal[p:] - diagonal[:-p]
        zero = den == 0
        F = F + fnp.diag(fnp.where(zero, s, s / fnp.where(zero, 1.0, den)), k=p)
        smallest = min(smallest, float(fnp.min(fnp.abs(concrete(den)))))
    F = Z @ F @ _mH(Z)
    if disp:
        return F
    smallest = eps if smallest == 0.0 else smallest
    err = fnp.minimum(1.0, fnp.maximum(eps, (eps / smallest) * fnp.max(fnp.sum(fnp.abs(fnp.triu(T, 1)), axis=0),
                                                                          initial=0.0)))
    return F, fnp.where(fnp.all(fnp.isfinite(F)), err, np.inf)
