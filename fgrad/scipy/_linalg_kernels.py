"""Raw kernels of ``fgrad.scipy.linalg`` on NumPy or CuPy arrays (no tracers here).

NumPy has no triangular solve, LU or matrix exponential, and SciPy is not a dependency,
so these are built from the array module's own ``linalg.solve`` and matmul:

- a triangular solve is ``linalg.solve`` on the triangle alone, a lower one flipped to
  upper first: partial pivoting never moves a row of an upper-triangular matrix (every
  entry below the pivot is 0), so LAPACK's LU of it is the matrix itself and its solve is
  exactly back substitution;
- LU with partial pivoting is the recursive (Toledo) algorithm: factor the left half of
  the columns, solve for the top-right block, update the bottom-right by one matmul,
  factor it. Its leaves are panels of up to 16 columns, eliminated column by column with
  rank-1 updates (whole-batch operations each): tiny recursive steps cost more in calls
  than they save in arithmetic;
- ``expm`` is Higham's scaling and squaring with Padé approximants of degree 3 to 13.
"""
from __future__ import annotations

from math import factorial
from typing import Any

import numpy as np

from ..numpy import get_array_module


def triangular_solve(a: Any, b: Any, lower: bool, unit_diagonal: bool) -> Any:
    """``x`` with ``tri(a) @ x == b`` for ``b`` of shape ``(..., n, k)``; batch axes broadcast."""
    xp = get_array_module(a, b)
    n = a.shape[-1]
    dtype = np.result_type(a.dtype, b.dtype, np.float16)
    keep = xp.tri(n, dtype=bool)
    if not lower:
        keep = keep.T
    t = xp.where(keep, a, xp.zeros((), dtype=dtype)).astype(dtype, copy=False)
    if unit_diagonal:
        t = xp.where(xp.eye(n, dtype=bool), xp.ones((), dtype=dtype), t)
    b = b.astype(dtype, copy=False)
    if lower:  # J L J is upper triangular (J reverses the order)
        t, b = t[..., ::-1, ::-1], b[..., ::-1, :]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    x = xp.linalg.solve(xp.broadcast_to(t, batch + t.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))
    return x[..., ::-1, :] if lower else x


def lu_factor(a: Any) -> tuple[Any, Any, Any]:
    """``(lu, pivots, permutation)`` of each matrix: ``a[..., permutation, :] == L @ U``.

    ``lu`` packs unit-lower ``L`` (strictly below the diagonal) and ``U``; ``pivots`` are
    LAPACK's (row ``i`` was swapped with row ``pivots[i]``, int32).
    """
    xp = get_array_module(a)
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    size = int(np.prod(batch, dtype=np.int64))
    work = xp.array(a.reshape((size, m, n)), copy=True)
    pivots = xp.zeros((size, k), dtype=np.int32)
    perm = xp.broadcast_to(xp.arange(m, dtype=np.int32), (size, m)).copy()
    if k:
        _factor_columns(xp, work, pivots, perm, 0, k)
        if n > k:  # a wide matrix: the columns right of the square part
            work[:, :k, k:] = triangular_solve(work[:, :k, :k], work[:, :k, k:], True, True)
    return (work.reshape(batch + (m, n)), pivots.reshape(batch + (k,)), perm.reshape(batch + (m,)))


_PANEL = 16  # below this width a panel is eliminated column by column (rank-1 updates): fewer, larger calls


def _factor_columns(xp, work, pivots, perm, c0, c1):
    """Factor columns ``c0:c1`` (rows ``c0:``) of ``work`` in place; row swaps span whole rows."""
    if c1 - c0 <= _PANEL:
        rows = xp.arange(work.shape[0])
        for j in range(c0, c1):  # each pivot depends on the updates before it
            p = xp.argmax(xp.abs(work[:, j:, j]), axis=-1) + j
            pivots[:, j] = p
            for x in (work, perm):
                top = x[:, j].copy()
                x[:, j] = x[rows, p]
                x[rows, p] = top
            d = work[:, j, j:j + 1]
            zero = d == 0  # LAPACK leaves the column of a zero pivot as it is
            work[:, j + 1:, j] /= xp.where(zero, xp.ones((), dtype=d.dtype), d)
            if j + 1 < c1:  # the rest of the panel: minus L[:, j] U[j, :]
                work[:, j + 1:, j + 1:c1] -= work[:, j + 1:, j:j + 1] * work[:, j:j + 1, j + 1:c1]
        return
    cm = c0 + (c1 - c0) // 2
    _factor_columns(xp, work, pivots, perm, c0, cm)
    top = triangular_solve(work[:, c0:cm, c0:cm], work[:, c0:cm, cm:c1], True, True)
    work[:, c0:cm, cm:c1] = top
    work[:, cm:, cm:c1] -= work[:, cm:, c0:cm] @ top
    _factor_columns(xp, work, pivots, perm, cm, c1)


def pivots_to_permutation(pivots: Any, size: int) -> Any:
    """The row order that LAPACK's sequence of swaps ``pivots`` makes of ``size`` rows."""
    xp = get_array_module(pivots)
    batch = pivots.shape[:-1]
    flat = pivots.reshape((int(np.prod(batch, dtype=np.int64)), pivots.shape[-1]))  # (-1 fails with 0 pivots)
    if xp is np and flat.shape[0] <= 16:
        # a few matrices in host memory: a swap on a Python list costs ~0.1 us, a whole-batch array
        # step ~3 us, so lists win until the batch is some tens of matrices
        out = []
        for row in flat.tolist():
            order = list(range(size))
            for i, p in enumerate(row):
                order[i], order[p] = order[p], order[i]
            out.append(order)
        return np.array(out, dtype=np.int32).reshape(batch + (size,))
    perm = xp.broadcast_to(xp.arange(size, dtype=np.int32), (flat.shape[0], size)).copy()
    rows = xp.arange(flat.shape[0])
    for i in range(flat.shape[-1]):  # each swap depends on the ones before it
        p = flat[:, i]
        top = perm[:, i].copy()
        perm[:, i] = perm[rows, p]
        perm[rows, p] = top
    return perm.reshape(batch + (size,))


# Higham (2005), "The scaling and squaring method for the matrix exponential revisited":
# the largest 1-norm for which the degree-m Padé approximant is accurate to the unit roundoff.
_THETA = {np.dtype(np.float64): ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
                                 (9, 2.097847961257068e0), (13, 5.371920351148152e0)),
          np.dtype(np.float32): ((3, 4.258730016922831e-1), (5, 1.880152677804762e0), (7, 3.925724783138660e0))}


def _pade_coefficients(m):
    return [factorial(2 * m - j) * factorial(m) / (factorial(2 * m) * factorial(j) * factorial(m - j))
            for j in range(m + 1)]


def expm(a: Any, max_squarings: int = 16) -> Any:
    """The matrix exponential of each square matrix (float32/complex64 or float64/complex128);
    NaN for a matrix that needs more than ``max_squarings`` squarings."""
    xp = get_array_module(a)
    n = a.shape[-1]
    if n == 0 or a.size == 0:
        return a.copy()
    real = np.dtype(a.real.dtype if a.dtype.kind == "c" else a.dtype)
    thetas = _THETA[np.dtype(np.float32) if real == np.float32 else np.dtype(np.float64)]
    norms = xp.abs(a).sum(axis=-2).max(axis=-1)          # the 1-norm of each matrix
    biggest = float(norms.max())
    if not np.isfinite(biggest):
        return xp.full(a.shape, np.nan, dtype=a.dtype)
    degree, theta = next(((m, t) for m, t in thetas if biggest <= t), thetas[-1])
    squarings = xp.zeros(norms.shape, dtype=np.int64)
    if biggest > theta:
        ratio = xp.maximum(norms / theta, 1.0)
        squarings = xp.ceil(xp.log2(ratio)).astype(np.int64)
        a = a * (0.5 ** squarings).astype(real)[..., None, None]
    b = _pade_coefficients(degree)
    eye = xp.eye(n, dtype=a.dtype)
    a2 = a @ a
    if degree == 13:
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    else:
        powers = [eye, a2]
        while len(powers) <= degree // 2:
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * i + 1] * powers[i] for i in range(degree // 2 + 1))
        v = sum(b[2 * i] * powers[i] for i in range(degree // 2 + 1))
    r = xp.linalg.solve(v - u, v + u)
    too_many = squarings > max_squarings
    squarings = xp.where(too_many, 0, squarings)
    for i in range(int(squarings.max())):  # the batch's matrices that need it square once more
        r = xp.where((squarings > i)[..., None, None], r @ r, r)
    return xp.where(too_many[..., None, None], xp.full((), np.nan, dtype=r.dtype), r)


def sqrtm(a: Any) -> Any:
    """The principal square root of each square matrix by the scaled Denman-Beavers iteration
    (complex when a real matrix has an eigenvalue on the negative real axis)."""
    xp = get_array_module(a)
    n = a.shape[-1]
    if n == 0 or a.size == 0:
        return a.copy()
    x, theta = _rotation(xp, a)  # sqrtm(a) = exp(i theta / 2) sqrtm(exp(-i theta) a)
    root = _denman_beavers(xp, x)
    return root if theta is None else xp.exp(0.5j * theta) * root


def _denman_beavers(xp, a):
    n = a.shape[-1]
    eps = np.finfo(a.dtype).eps
    y, z = a, xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape)
    extra = None
    for _ in range(100):  # quadratic convergence: a handful of steps for a well-conditioned matrix
        # determinant scaling (Higham) speeds the first steps
        _, logdet_y = xp.linalg.slogdet(y)
        _, logdet_z = xp.linalg.slogdet(z)
        mu = xp.exp(-(logdet_y + logdet_z) / (2 * n))[..., None, None].astype(a.real.dtype)
        y_new = 0.5 * (mu * y + xp.linalg.inv(mu * z))
        z = 0.5 * (mu * z + xp.linalg.inv(mu * y))
        change = xp.abs(y_new - y).max(axis=(-2, -1))
        size = xp.abs(y_new).max(axis=(-2, -1))
        y = y_new
        if extra is not None:
            extra -= 1
            if not extra:
                break
        elif bool(xp.all(change <= np.sqrt(eps) * size)):
            extra = 2  # the error is about squared at each step: two more reach the rounding level
    return y


def _rotation(xp, a):
    """``(a', phase)`` with ``a = phase * a'`` and no eigenvalue of ``a'`` on the closed negative real
    axis: a matrix with one there is turned by ``exp(-i theta)``, ``theta`` below every other
    eigenvalue's angular distance to that axis, so no eigenvalue crosses it (``phase`` per matrix)."""
    w = xp.linalg.eigvals(a)
    on_axis = (w.real < 0) & (xp.abs(w.imag) <= 1e3 * np.finfo(a.dtype).eps * xp.abs(w))
    rotated = xp.any(on_axis, axis=-1)
    if not bool(xp.any(rotated)):
        return a, None
    a = a.astype(np.result_type(a.dtype, np.complex64))
    gap = xp.min(xp.where(on_axis, np.pi, np.pi - xp.abs(xp.angle(w))), axis=-1)
    theta = xp.where(rotated, xp.minimum(gap / 2, 0.5), 0.0)[..., None, None]
    return a * xp.exp(-1j * theta), theta


def logm(a: Any) -> Any:
    """The principal logarithm of each square matrix by inverse scaling and squaring: square roots
    until ``||X - I||_1 <= 0.25``, then the degree-8 Padé approximant of ``log(I + Y)`` (in its
    Gauss-Legendre partial-fraction form), times ``2^k``."""
    xp = get_array_module(a)
    n = a.shape[-1]
    if n == 0 or a.size == 0:
        return a.astype(np.result_type(a.dtype, np.float16))
    a = a.astype(np.result_type(a.dtype, np.float16))
    x, theta = _rotation(xp, a)
    eye = xp.eye(n, dtype=x.dtype)
    roots = xp.zeros(x.shape[:-2], dtype=np.int64)
    for _ in range(64):
        big = xp.abs(x - eye).sum(axis=-2).max(axis=-1) > 0.25
        if not bool(xp.any(big)):
            break
        x = xp.where(big[..., None, None], _denman_beavers(xp, x), x)
        roots = roots + big
    y = x - eye
    nodes, weights = np.polynomial.legendre.leggauss(8)
    log = sum(float(wt) / 2 * xp.linalg.solve(eye + float((nd + 1) / 2) * y, y) for nd, wt in zip(nodes, weights))
    log = log * (2.0 ** roots).astype(log.real.dtype)[..., None, None]
    if theta is not None:
        log = log + 1j * theta * eye
    return log
