"""``fgrad.numpy.linalg``: NumPy's linear algebra, differentiable.

Inverses, solves and decompositions are primitives whose derivative rules come
from matrix perturbation theory; norms, powers and chained products are
composites. Every function batches over leading dimensions as NumPy does.

Decompositions of symmetric input (``cholesky``, ``eigh``, ``eigvalsh``) read one
triangle, as LAPACK does; their derivatives are taken with respect to symmetric
perturbations (the cotangent they return is symmetric), as in JAX and PyTorch.
Derivatives of eigen- and singular vectors assume distinct eigen/singular values.

>>> import fgrad, fgrad.numpy as fnp
>>> a = fnp.asarray([[2.0, 1.0], [1.0, 3.0]])
>>> fgrad.grad(lambda a: fnp.linalg.slogdet(a).logabsdet)(a)   # inv(a).T
array([[ 0.6, -0.2],
       [-0.2,  0.4]])
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import batching
from ..core import Tracer, concrete, staged
from . import _linalg_ops
from ._creation import astype, stop_gradient
from ._elementwise import (absolute, conjugate, equal, greater, isfinite, isnan, logical_and, logical_not, not_equal,
                           power, real, sqrt, unbroadcast, where)
from ._reductions import any as _any, count_nonzero, max as _max, min as _min, normalize_axis, sum as _sum
from ._shape import _norm_axes, expand_dims, reshape, transpose
from ._util import array_module, defprim, dtype as dtype_of, shape
from ._decompositions import (EighResult, EigResult, QRResult, SlogdetResult, SVDResult,  # noqa: F401
                              cholesky, eig, eigh, eigvals, eigvalsh, qr, svd, svdvals, _as_inexact, _check_matrix,
                              _check_square, _matmul, _matrix_batch, _mT, _nan_where_nonfinite, _xp)

if TYPE_CHECKING:
    from ..core import Primitive
    from ..typing import Array, ArrayLike, Axis, DTypeLike

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "solve", "det", "slogdet", "cholesky",
           "qr", "eig", "eigvals", "eigh", "eigvalsh", "lstsq", "tensorinv", "tensorsolve", "svd", "svdvals",
           "matrix_power", "pinv", "multi_dot", "cond",
           "matrix_rank", "matrix_transpose", "matmul", "diagonal", "trace", "outer", "tensordot", "vecdot",
           "cross", "SlogdetResult", "EigResult", "EighResult", "QRResult", "SVDResult"]

LinAlgError = np.linalg.LinAlgError


# ------------------------------------------------------------------ NumPy 2's array-API names

def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``fnp.matmul`` (NumPy 2 also exposes it as ``numpy.linalg.matmul``).

    >>> fnp.linalg.matmul(fnp.array([[1, 2], [3, 4]]), fnp.array([[1], [1]]))
    array([[3],
           [7]])
    """
    return _matmul(x1, x2)


def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swap the last two axes (``x.mT``).

    >>> fnp.linalg.matrix_transpose(fnp.zeros((5, 2, 3))).shape
    (5, 3, 2)
    """
    if len(shape(x)) < 2:
        raise ValueError(f"matrix_transpose: expected at least two dimensions, got shape {shape(x)}")
    return _mT(x)


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Array:
    """The ``offset`` diagonal of each matrix in the last two axes.

    >>> fnp.linalg.diagonal(fnp.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]))
    array([[1, 4],
           [5, 8]])
    """
    _check_matrix(x, "diagonal")
    return _linalg_ops.diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: DTypeLike | None = None) -> Array:
    """The sum of the ``offset`` diagonal of each matrix in the last two axes.

    >>> fnp.linalg.trace(fnp.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]))
    array([ 5, 13])
    """
    _check_matrix(x, "trace")
    return _linalg_ops.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The outer product of two vectors (both must be 1-D).

    >>> fnp.linalg.outer(fnp.array([1, 2]), fnp.array([3, 4]))
    array([[3, 4],
           [6, 8]])
    """
    if len(shape(x1)) != 1 or len(shape(x2)) != 1:
        raise ValueError(f"outer: expected two 1-D arrays, got shapes {shape(x1)} and {shape(x2)}")
    return _linalg_ops.outer(x1, x2)


def tensordot(x1: ArrayLike, x2: ArrayLike, /, *, axes: int | Sequence[Sequence[int]] = 2) -> Array:
    """``fnp.tensordot`` with ``axes`` keyword-only (the array-API form).

    >>> fnp.linalg.tensordot(fnp.ones((2, 3)), fnp.ones((3, 4)), axes=1)
    array([[3., 3., 3., 3.],
           [3., 3., 3., 3.]])
    """
    return _linalg_ops.tensordot(x1, x2, axes)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """``sum(conj(x1) * x2)`` along ``axis`` (``fnp.vecdot``).

    >>> fnp.linalg.vecdot(fnp.array([1.0, 2.0]), fnp.array([3.0, 4.0])).item()
    11.0
    """
    return _linalg_ops.vecdot(x1, x2, axis=axis)


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """Cross product of 3-element vectors along ``axis`` (the array-API form of ``fnp.cross``).

    >>> fnp.linalg.cross(fnp.array([0, 1, 0]), fnp.array([0, 0, 1]))
    array([1, 0, 0])
    """
    return _linalg_ops.cross(x1, x2, axis=axis)


# ------------------------------------------------------------------ inv, solve, det

def _inv_vjp(g, ans, a):
    ans_t = _mT(ans)
    return -_matmul(_matmul(ans_t, g), ans_t)


def _inv_jvp(t, ans, a):
    return -_matmul(_matmul(ans, t), ans)


_inv = defprim("inv", lambda a: _xp(a).inv(a), vjp=(_inv_vjp,), jvp=(_inv_jvp,), batch=_matrix_batch)


def inv(a: ArrayLike) -> Array:
    """The inverse of each square matrix in ``a``; its derivative is ``-inv(a) da inv(a)``.

    >>> fnp.linalg.inv(fnp.asarray([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    _check_square(a, "inv")
    return _inv.bind(a)


def _solve_impl(a, b):
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    xp = array_module(a, b)
    return xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))


def _solve_vjp_a(g, ans, a, b):
    gb = _solve.bind(_mT(a), g)
    return unbroadcast(-_matmul(gb, _mT(ans)), a)


def _solve_vjp_b(g, ans, a, b):
    return unbroadcast(_solve.bind(_mT(a), g), b)


def _solve_batch(prim, args, dims, params):
    """``solve(a, b)`` on matrices ``b (..., n, k)`` (the public ``solve`` has made a vector ``b`` a
    column already, per example). A mapped ``b`` with an unmapped ``a`` joins the batch to its
    columns: one factorisation of ``a`` for the whole batch. Otherwise both go batch-first, each
    padded with unit axes to the same number of stack axes, and broadcast as the stacks do."""
    (a, b), (da, db) = args, dims
    if da is None:
        s = shape(b)
        size, per = s[db], s[:db] + s[db + 1:]
        b = batching.moveaxis(b, db, len(s) - 2)          # (..., n, B, k)
        x = prim.bind(a, batching.reshape(b, per[:-1] + (size * per[-1],)), **params)
        xs = shape(x)
        return batching.reshape(x, xs[:-1] + (size, per[-1])), len(xs) - 1
    nd = max(len(shape(v)) - (d is not None) for v, d in zip(args, dims))
    moved = []
    for v, d in zip(args, dims):
        if d is not None:
            v = batching.to_front(v, d)
            s = shape(v)
            v = batching.reshape(v, s[:1] + (1,) * (nd + 1 - len(s)) + s[1:])
        moved.append(v)
    return prim.bind(*moved, **params), 0


_solve: Primitive = defprim("solve", _solve_impl, vjp=(_solve_vjp_a, _solve_vjp_b),
                 jvp=(lambda t, ans, a, b: -_solve.bind(a, _matmul(t, ans)),
                      lambda t, ans, a, b: _solve.bind(a, t)),
                 batch=_solve_batch)


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """``x`` with ``a @ x == b``; ``b`` is a vector only when it is 1-D (NumPy 2).

    >>> fnp.linalg.solve(fnp.asarray([[2.0, 0.0], [0.0, 4.0]]), fnp.asarray([1.0, 1.0]))
    array([0.5 , 0.25])
    >>> fgrad.grad(lambda b: fnp.sum(fnp.linalg.solve(fnp.array([[2.0, 0.0], [0.0, 4.0]]), b)))(fnp.ones(2))
    array([0.5 , 0.25])
    """
    _check_square(a, "solve")
    a_shape, b_shape = shape(a), shape(b)
    n = a_shape[-1]
    vector = len(b_shape) == 1
    if vector:
        if b_shape[0] != n:
            raise ValueError(f"solve: b of shape {b_shape} does not match a of shape {a_shape} "
                             f"(expected {n} rows)")
        b = reshape(b, (n, 1))
    elif len(b_shape) < 2 or b_shape[-2] != n:
        raise ValueError(f"solve: b must have shape ({n},) or (..., {n}, K) to match a of shape {a_shape}, "
                         f"got {b_shape}")
    else:
        try:
            np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
        except ValueError:
            raise ValueError(f"solve: the batch dimensions of a {a_shape} and b {b_shape} do not "
                             "broadcast together") from None
    x = _solve.bind(a, b)
    return reshape(x, shape(x)[:-1]) if vector else x


def _trace_of_solve(a, t):
    """``tr(inv(a) @ t)`` for every matrix in the batch."""
    return _sum(_mT(inv(a)) * t, axis=(-2, -1))


def _matrix_scale(c):
    """A batch of scalars as a batch of 1x1 matrices, to scale matrices."""
    return expand_dims(c, (-2, -1))


_det = defprim("det", lambda a: _xp(a).det(a),
               vjp=(lambda g, ans, a: _matrix_scale(g * ans) * _mT(inv(a)),),
               jvp=(lambda t, ans, a: ans * _trace_of_solve(a, t),),
               batch=_matrix_batch)


def det(a: ArrayLike) -> Array:
    """The determinant of each square matrix; its derivative is ``det(a) inv(a).T``.

    The derivative needs ``a`` to be invertible (it raises LinAlgError otherwise).

    >>> print(round(fnp.linalg.det(fnp.array([[1.0, 2.0], [3.0, 4.0]])).item(), 6))
    -2.0
    >>> fgrad.grad(fnp.linalg.det)(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 4., -3.],
           [-2.,  1.]])
    """
    _check_square(a, "det")
    return _det.bind(a)


def _slogdet_impl(a):
    sign, logabsdet = _xp(a).slogdet(a)
    return sign, logabsdet


def _slogdet_jvp(t, ans, a):
    z = _trace_of_solve(a, t)
    if dtype_of(a).kind != "c":
        return None, z
    # complex (JAX's rule): d log|det| = Re z, and the sign det / |det| turns by i Im z
    return ans[0] * (z - real(z)), real(z)


def _slogdet_vjp(g, ans, a):
    if dtype_of(a).kind != "c":
        return _matrix_scale(g[1]) * _mT(inv(a))
    gs = g[0] * ans[0]  # the transpose of the JVP: inv(a)^T scaled by Re g_logabsdet + i Im(g_sign sign)
    return _matrix_scale(real(g[1]) + (gs - conjugate(gs)) * 0.5) * _mT(inv(a))


_slogdet = defprim("slogdet", _slogdet_impl, multiple_results=True, vjp=(_slogdet_vjp,), jvp=(_slogdet_jvp,),
                   batch=_matrix_batch)


def slogdet(a: ArrayLike) -> SlogdetResult:
    """``SlogdetResult(sign, logabsdet)`` with ``det(a) == sign * exp(logabsdet)``.

    ``sign`` has no derivative; the gradient of ``logabsdet`` is ``inv(a).T``.

    >>> sign, logabsdet = fnp.linalg.slogdet(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> print(sign, round(logabsdet.item(), 4))
    -1.0 0.6931
    """
    _check_square(a, "slogdet")
    return SlogdetResult(*_slogdet.bind(a))


# ------------------------------------------------------------------ pinv

def _pinv_vjp(g, ans, a, rcond, hermitian):
    p, pt = ans, _mT(ans)
    gt = _mT(g)
    if dtype_of(a).kind == "c":  # the transpose of the complex JVP: conjugates where the JVP has adjoints
        p, a, gt = conjugate(p), conjugate(a), conjugate(gt)
    # d pinv = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P   (constant rank)
    left = gt - _matmul(a, _matmul(p, gt))       # (I - A P) G^T
    right = gt - _matmul(_matmul(gt, p), a)      # G^T (I - P A)
    return (-_matmul(_matmul(pt, g), pt) + _matmul(left, _matmul(p, pt))
            + _matmul(_matmul(pt, p), right))


def _pinv_jvp(t, ans, a, rcond, hermitian):
    p, pt = ans, _mT(ans)
    tt = _mT(t)
    if dtype_of(a).kind == "c":  # complex: the adjoints P^H, dA^H in place of the transposes
        pt, tt = conjugate(pt), conjugate(tt)
    return (-_matmul(_matmul(p, t), p) + _matmul(_matmul(p, pt), tt - _matmul(_matmul(tt, a), p))
            + _matmul(tt - _matmul(p, _matmul(a, tt)), _matmul(pt, p)))


def _pinv_impl(a, rcond, hermitian):
    xp = array_module(a)
    if xp is np:
        return _nan_where_nonfinite(a, lambda m: np.linalg.pinv(m, rcond=rcond, hermitian=hermitian))
    return _nan_where_nonfinite(a, lambda m: xp.linalg.pinv(m, rcond=rcond))


_pinv = defprim("pinv", _pinv_impl, vjp=(_pinv_vjp,), jvp=(_pinv_jvp,), batch=_matrix_batch)

_NO_RTOL = object()


def pinv(a: ArrayLike, rcond: ArrayLike | None = None, hermitian: bool = False, *, rtol: Any = _NO_RTOL) -> Array:
    """The Moore-Penrose pseudo-inverse (through the SVD, as NumPy computes it).

    Its derivative is the closed form for perturbations that keep the rank, so
    it needs no distinct singular values.

    >>> fnp.linalg.pinv(fnp.array([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]]))
    array([[1. , 0. , 0. ],
           [0. , 0. , 0.5]])
    """
    _check_matrix(a, "pinv")
    a = _as_inexact(a)
    s = shape(a)
    if rcond is None:
        if rtol is _NO_RTOL:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(s[-2:]) * float(np.finfo(dtype_of(a)).eps)
        else:
            rcond = rtol
    elif rtol is not _NO_RTOL:
        raise ValueError("pinv: `rtol` and `rcond` can't be both set")
    return _pinv.bind(a, rcond=concrete(rcond), hermitian=bool(hermitian))


# ------------------------------------------------------------------ composites

def matrix_power(a: ArrayLike, n: int) -> Array:
    """``a`` multiplied by itself ``n`` times (``n < 0``: powers of ``inv(a)``), by repeated squaring.

    >>> fnp.linalg.matrix_power(fnp.array([[1, 1], [0, 1]]), 3)
    array([[1, 3],
           [0, 1]])
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: exponent must be an integer, got {type(n).__name__}")
    _check_square(a, "matrix_power")
    n = int(n)
    if n == 0:
        s = shape(a)
        raw = concrete(a)
        xp = array_module(raw)
        return xp.broadcast_to(xp.eye(s[-1], dtype=dtype_of(raw)), s).copy()
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while True:
        if n & 1:
            result = base if result is None else _matmul(result, base)
        n >>= 1
        if not n:
            return result
        base = _matmul(base, base)


def cond(x: ArrayLike, p: int | float | str | None = None) -> Array:
    """The condition number of each matrix in the ``p`` norm (None/2/-2: ratio of singular values).

    Other ``p`` compute ``norm(x, p) * norm(inv(x), p)``, which raises LinAlgError for
    a singular ``x`` (NumPy returns inf there).

    >>> print(fnp.linalg.cond(fnp.array([[1.0, 0.0], [0.0, 4.0]])))
    4.0
    """
    _check_matrix(x, "cond")
    x = _as_inexact(x)
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        big, small = _reduce_max(s, -1, False), _reduce_min(s, -1, False)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = small / big if p == -2 else big / small
        # A singular matrix has condition number inf (0/0 included), as in NumPy; a non-finite one NaN, as in JAX.
        singular = logical_and(isnan(r), logical_not(_any(logical_not(isfinite(x)), axis=(-2, -1))))
        if staged(singular):
            return where(singular, np.inf, r)
        raw = concrete(singular)  # (the whole batch under vmap: the branch is taken for all or none)
        return where(singular, np.inf, r) if array_module(raw).any(raw) else r
    _check_square(x, "cond")
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


def matrix_rank(A: ArrayLike, tol: ArrayLike | None = None, hermitian: bool = False, *,
                rtol: ArrayLike | None = None) -> Array:
    """The number of singular values above the tolerance (an integer: no derivative).

    >>> print(fnp.linalg.matrix_rank(fnp.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    if isinstance(A, Tracer) or isinstance(tol, Tracer) or isinstance(rtol, Tracer):
        return _traced_matrix_rank(A, tol, hermitian, rtol)
    raw = concrete(A)
    xp = array_module(raw)
    if raw.ndim >= 2 and not xp.isfinite(raw).all():  # JAX: the SVD is NaN, so no value passes the tolerance
        return _traced_matrix_rank(A, tol, hermitian, rtol)
    if xp is np:
        return np.linalg.matrix_rank(raw, tol, hermitian, rtol=rtol)
    if rtol is not None:
        raise NotImplementedError("matrix_rank: rtol= is not supported for CuPy arrays; pass tol=")
    return xp.linalg.matrix_rank(raw, tol)


def _traced_matrix_rank(A, tol, hermitian, rtol):
    """NumPy's ``matrix_rank`` in fgrad operations, so that it batches (under ``vmap``)."""
    A = stop_gradient(_as_inexact(A))
    s = shape(A)
    if len(s) < 2:
        return astype(_any(not_equal(A, 0)), np.int64)
    S = absolute(eigvalsh(A)) if hermitian else svdvals(A)
    if tol is None:
        if rtol is None:
            rtol = max(s[-2:]) * float(np.finfo(dtype_of(S)).eps)
        else:
            rtol = expand_dims(rtol, -1) if len(shape(rtol)) else rtol
        tol = _max(S, axis=-1, keepdims=True) * rtol
    elif len(shape(tol)):
        tol = expand_dims(tol, -1)
    return count_nonzero(greater(S, tol), axis=-1)


def multi_dot(arrays: Sequence[ArrayLike], *, out: None = None) -> Array:
    """``arrays[0] @ arrays[1] @ ...`` in the cheapest order; the ends may be 1-D.

    >>> fnp.linalg.multi_dot([fnp.array([1, 1]), fnp.array([[1, 2], [3, 4]]), fnp.array([[1, 0], [0, 2]])])
    array([ 4, 12])
    """
    if out is not None:
        raise TypeError("multi_dot: fgrad arrays are immutable, so out= is not supported; use the return value")
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    first_1d = len(shape(arrays[0])) == 1
    last_1d = len(shape(arrays[-1])) == 1
    if first_1d:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last_1d:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for i, m in enumerate(arrays):
        if len(shape(m)) != 2:
            raise LinAlgError(f"multi_dot: array {i} has shape {shape(m)}; only the first and last may be "
                              "1-D, the others must be 2-D")
    for i in range(len(arrays) - 1):
        if shape(arrays[i])[1] != shape(arrays[i + 1])[0]:
            raise ValueError(f"multi_dot: shapes {shape(arrays[i])} (array {i}) and {shape(arrays[i + 1])} "
                             f"(array {i + 1}) are not aligned")
    result = _chain(arrays, _chain_order([shape(m)[0] for m in arrays] + [shape(arrays[-1])[1]]),
                    0, len(arrays) - 1)
    if first_1d and last_1d:
        return reshape(result, ())
    if first_1d or last_1d:
        return reshape(result, (-1,))
    return result


def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None, *, numpy_resid: bool = False
          ) -> tuple[Array, Array, Array, Array]:
    """``(x, residuals, rank, s)``: the least-squares solution of ``a @ x = b`` (JAX's ``lstsq``).

    ``x = pinv(a) @ b``, so its derivative holds for rank-keeping perturbations;
    ``residuals`` are ``sum(|b - a x|**2, axis=0)`` always (NumPy's empty ones with
    ``numpy_resid=True``), ``s`` the singular values of ``a``.

    >>> x, res, rank, s = fnp.linalg.lstsq(fnp.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]),
    ...                                    fnp.array([1.0, 2.0, 3.0]))
    >>> x, rank.item()
    (array([1., 1.]), 2)
    """
    a, b = _as_inexact(a), _as_inexact(b)
    a_shape, b_shape = shape(a), shape(b)
    if len(a_shape) != 2:
        raise TypeError(f"lstsq: {len(a_shape)}-dimensional array given. Array must be two-dimensional")
    if len(b_shape) not in (1, 2):
        raise TypeError(f"lstsq: {len(b_shape)}-dimensional array given. Array must be one or two-dimensional")
    if a_shape[0] != b_shape[0]:
        raise ValueError(f"lstsq: leading dimensions of a {a_shape} and b {b_shape} must match")
    m, n = a_shape
    vector = len(b_shape) == 1
    if vector:
        b = reshape(b, (m, 1))
    if rcond is None or rcond < 0:
        rcond = float(np.finfo(dtype_of(a)).eps) * (max(m, n) if rcond is None else 1)
    s = svdvals(a)
    fixed = stop_gradient(s)
    rank = count_nonzero(greater(fixed, rcond * _reduce_max(fixed, -1, True)), axis=-1) if m and n else \
        astype(_sum(fixed), np.int64)
    x = _matmul(pinv(a, rcond), b)
    resid = _sum(power(absolute(b - _matmul(a, x)), 2), axis=0)
    if numpy_resid and (int(concrete(rank)) < n or m <= n):
        resid = array_module(concrete(a)).zeros((0,), dtype=dtype_of(resid))
    return (reshape(x, (n,)) if vector else x), resid, astype(rank, np.int64), s


def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """The inverse of ``a`` as a linear map from its first ``ind`` axes to the rest (NumPy's ``tensorinv``).

    >>> fnp.linalg.tensorinv(fnp.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    if ind <= 0:
        raise ValueError(f"tensorinv: invalid ind argument {ind}; it must be positive")
    s = shape(a)
    rows, cols = int(np.prod(s[:ind])), int(np.prod(s[ind:]))
    if rows != cols:
        raise LinAlgError(f"tensorinv: a of shape {s} with ind={ind} is not square: {s[:ind]} vs {s[ind:]}")
    return reshape(inv(reshape(a, (rows, cols))), s[ind:] + s[:ind])


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """``x`` with ``tensordot(a, x, x.ndim) == b`` (NumPy's ``tensorsolve``); ``axes`` of ``a`` move last first.

    >>> fnp.linalg.tensorsolve(fnp.eye(4).reshape(2, 2, 4), fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 2., 3., 4.])
    """
    if axes is not None:
        nd = len(shape(a))
        moved = [ax % nd for ax in axes]
        a = transpose(a, tuple(i for i in range(nd) if i not in moved) + tuple(moved))
    s, bs = shape(a), shape(b)
    x_shape = s[len(bs):]
    rows, cols = int(np.prod(bs)), int(np.prod(x_shape))
    if s[:len(bs)] != bs or rows != cols:
        raise LinAlgError(f"tensorsolve: a of shape {s} does not give a square system for b of shape {bs}")
    return reshape(solve(reshape(a, (rows, cols)), reshape(b, (rows,))), x_shape)


def _chain_order(dims):
    """The matrix-chain split table: ``split[i][j]`` is where to cut the product i..j."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(arrays, split, i, j):
    if i == j:
        return arrays[i]
    k = split[i][j]
    return _matmul(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


# ------------------------------------------------------------------ norms

def _reduce_max(x, axis, keepdims):
    s = shape(x)
    axes = range(len(s)) if axis is None else (axis,) if isinstance(axis, int) else axis
    if any(s[a] == 0 for a in axes):  # NumPy's norms of nothing are 0 (x >= 0 here)
        return _sum(x, axis=axis, keepdims=keepdims)
    return _max(x, axis=axis, keepdims=keepdims)


def _reduce_min(x, axis, keepdims):
    return _min(x, axis=axis, keepdims=keepdims)


def _root(s, p):
    """``s ** (1/p)`` whose derivative at ``s == 0`` is 0, not nan (a subgradient of the norm at 0)."""
    if not isinstance(s, Tracer):  # nothing to differentiate: NumPy's value and type
        return sqrt(s) if p == 2 else power(s, 1.0 / p)
    zero = equal(s, 0)
    safe = where(zero, 1.0, s)
    root = sqrt(safe) if p == 2 else power(safe, 1.0 / p)
    return where(zero, 0.0, root)


def _scaled_norm(x, p, axis, keepdims):
    """(sum |x|**p) ** (1/p) computed as m * (sum (|x|/m)**p) ** (1/p), m = max|x|, for p > 0:
    no underflow or overflow (NumPy's own 2-norm of [1e-200] is 0). m is a constant to the
    derivative, which is unchanged."""
    if any(n == 0 for i, n in enumerate(shape(x)) if axis is None or i in axis):
        return _root(_sum(power(absolute(x), p), axis=axis, keepdims=keepdims), p)
    m = stop_gradient(_reduce_max(absolute(x), axis, True))
    safe_m = where(equal(m, 0), 1.0, m)
    scaled = x / safe_m
    if p != 2:
        powered = power(absolute(scaled), p)
    elif dtype_of(x).kind == "c":  # |z|**2 = Re(z conj(z)): real, and smooth where |z| is not
            powered = real(scaled * conjugate(scaled))
    else:
        powered = scaled * scaled
    total = _root(_sum(powered, axis=axis, keepdims=True), p) * safe_m
    if not keepdims:
        total = reshape(total, tuple(n for i, n in enumerate(shape(x)) if axis is not None and i not in axis))
    return total


def _vector_norm(x, ord, axis, keepdims):
    """The ``ord``-norm over ``axis`` (a tuple of axes, or None for all)."""
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord is None or ord == 2:
        return _scaled_norm(x, 2, axis, keepdims)
    if ord == np.inf:
        return _reduce_max(absolute(x), axis, keepdims)
    if ord == -np.inf:
        return _reduce_min(absolute(x), axis, keepdims)
    if ord == 0:
        return _sum(astype(not_equal(x, 0), dtype_of(x)), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(absolute(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    if p > 0:
        return _scaled_norm(x, p, axis, keepdims)
    return _root(_sum(power(absolute(x), p), axis=axis, keepdims=keepdims), p)


def _svd_norm_values(x, row, col):
    nd = len(shape(x))
    perm = tuple(i for i in range(nd) if i not in (row, col)) + (row, col)
    return svdvals(transpose(x, perm))


def _matrix_norm(x, ord, row, col):
    """The ``ord``-norm of the matrices spanning axes ``(row, col)``, those axes dropped."""
    if ord in (None, "fro", "f"):
        return _scaled_norm(x, 2, (row, col), False)
    if ord == "nuc":
        return _sum(_svd_norm_values(x, row, col), axis=-1)
    if ord == 2:
        return _reduce_max(_svd_norm_values(x, row, col), -1, False)
    if ord == -2:
        return _reduce_min(_svd_norm_values(x, row, col), -1, False)
    if ord in (1, -1):
        sums, other = _sum(absolute(x), axis=row), col - (col > row)
    elif ord in (np.inf, -np.inf):
        sums, other = _sum(absolute(x), axis=col), row - (row > col)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    return (_reduce_max if ord > 0 else _reduce_min)(sums, other, False)


def norm(x: ArrayLike, ord: int | float | str | None = None, axis: int | tuple[int, ...] | None = None,
         keepdims: bool = False) -> Array:
    """NumPy's ``linalg.norm``: vector norms over one axis, matrix norms over two.

    ``ord`` for vectors: None/2, 1, inf, -inf, 0, any p; for matrices: None/'fro',
    'nuc', 1, -1, 2, -2, inf, -inf. The gradient of the 2-norm at 0 is 0.

    >>> float(fnp.linalg.norm(fnp.asarray([3.0, 4.0])))
    5.0
    >>> fnp.linalg.norm(fnp.array([[3.0, 4.0], [1.0, -1.0]]), ord=1, axis=1)
    array([7., 2.])
    >>> fgrad.grad(fnp.linalg.norm)(fnp.array([3.0, 4.0]))
    array([0.6, 0.8])
    """
    x = _as_inexact(x)
    nd = len(shape(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            return _scaled_norm(x, 2, None, keepdims)
        if nd not in (1, 2):
            raise ValueError(f"norm: improper number of dimensions to norm: ord={ord!r} needs a 1-D or 2-D "
                             f"array (or an axis), got shape {shape(x)}")
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError:
            raise TypeError("norm: 'axis' must be None, an integer or a tuple of integers") from None
    if len(axis) == 1:
        return _vector_norm(x, ord, normalize_axis(axis, nd, "norm"), keepdims)
    if len(axis) == 2:
        row, col = _norm_axes(axis, nd, "norm")
        out = _matrix_norm(x, ord, row, col)
        if keepdims:
            out = reshape(out, tuple(1 if i in (row, col) else n for i, n in enumerate(shape(x))))
        return out
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis}")


def vector_norm(x: ArrayLike, /, *, axis: Axis = None, keepdims: bool = False, ord: int | float = 2) -> Array:
    """NumPy 2's ``linalg.vector_norm``: ``x`` as a vector over ``axis`` (all axes by default).

    >>> print(fnp.linalg.vector_norm(fnp.array([[1.0, 2.0], [2.0, 4.0]])))
    5.0
    """
    x = _as_inexact(x)
    nd = len(shape(x))
    return _vector_norm(x, ord, normalize_axis(axis, nd, "vector_norm"), keepdims)


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: int | float | str = "fro") -> Array:
    """NumPy 2's ``linalg.matrix_norm``: the norm of each matrix in the last two axes.

    >>> fnp.linalg.matrix_norm(fnp.array([[[3.0, 0.0], [0.0, 4.0]]]), ord="nuc")
    array([7.])
    """
    if len(shape(x)) < 2:
        raise ValueError(f"matrix_norm: expected at least two dimensions, got shape {shape(x)}")
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
