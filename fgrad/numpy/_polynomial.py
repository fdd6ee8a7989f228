"""NumPy's polynomial functions on coefficient arrays, highest power first (poly, polyval, polyfit,
roots, ...) and vander. Composites of convolution, Horner steps, least squares and eigenvalues, so
differentiable in the coefficients (and ``roots`` through the companion matrix's eigenvalues)."""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _creation, _elementwise as el, _linalg_ops, _reductions as red, _shape, linalg
from ._indexing import _as_array, _as_array_like, at
from ._statistics import convolve
from ._util import array_module, dtype as dtype_of, host_value, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["poly", "polyadd", "polysub", "polymul", "polydiv", "polyval", "polyfit", "polyder", "polyint",
           "roots", "vander"]


def _inexact(*xs: ArrayLike) -> list[Array]:
    arrs = [_as_array(x) for x in xs]
    dt = np.result_type(*[dtype_of(a) for a in arrs])
    dt = dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)
    return [_creation.astype(a, dt) for a in arrs]


def _vector(p: ArrayLike, name: str) -> Array:
    p = _shape.atleast_1d(_as_array(p))
    if len(shape(p)) != 1:
        raise ValueError(f"{name}: input must be a 1-D array of coefficients, got shape {shape(p)}")
    return p


def poly(seq_of_zeros: ArrayLike) -> Array:
    """The coefficients of the monic polynomial with roots ``seq_of_zeros`` (or, for a square matrix,
    of its characteristic polynomial).

    >>> fnp.poly(fnp.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    z = _as_array(seq_of_zeros)
    s = shape(z)
    if len(s) == 2 and s[0] == s[1] and s[0] > 0:
        z = linalg.eigvals(z)
    elif len(s) > 1:
        raise ValueError(f"poly: input must be 1d or non-empty square 2d array, got shape {s}")
    z = _inexact(_shape.ravel(z))[0]
    a = _creation.ones_like(z, shape=(1,))
    for k in range(shape(z)[0]):
        a = convolve(a, _shape.stack([_creation.ones_like(z[k]), -z[k]]))
    return a


def _padded(a: Array, n: int) -> Array:
    k = shape(a)[0]
    return a if k == n else _shape.concatenate([_creation.zeros_like(a, shape=(n - k,)), a])


def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The sum of two polynomials.

    >>> fnp.polyadd(fnp.array([1, 2]), fnp.array([1, 2, 3]))
    array([1, 3, 5])
    """
    a, b = _vector(a1, "polyadd"), _vector(a2, "polyadd")
    n = max(shape(a)[0], shape(b)[0])
    return _padded(a, n) + _padded(b, n)


def polysub(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The difference of two polynomials.

    >>> fnp.polysub(fnp.array([1, 2, 3]), fnp.array([1, 1]))
    array([1, 1, 2])
    """
    a, b = _vector(a1, "polysub"), _vector(a2, "polysub")
    n = max(shape(a)[0], shape(b)[0])
    return _padded(a, n) - _padded(b, n)


def _trim_leading_zeros(p: Array, name: str) -> Array:
    nz = np.flatnonzero(host_value(el.not_equal(p, 0), f"{name}: the coefficients"))
    return p[int(nz[0]):] if nz.size else p[-1:]


def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool = False) -> Array:
    """The product of two polynomials (floating point, as in JAX).

    >>> fnp.polymul(fnp.array([1, 2]), fnp.array([3, 4]))
    array([ 3., 10.,  8.])
    """
    a, b = _inexact(_vector(a1, "polymul"), _vector(a2, "polymul"))
    if trim_leading_zeros:
        a, b = _trim_leading_zeros(a, "polymul"), _trim_leading_zeros(b, "polymul")
    return convolve(a, b)


def polydiv(u: ArrayLike, v: ArrayLike, *, trim_leading_zeros: bool = False) -> tuple[Array, Array]:
    """``(quotient, remainder)`` of polynomial division; the remainder keeps ``u``'s length (with
    leading zeros) unless ``trim_leading_zeros``, as in JAX.

    >>> fnp.polydiv(fnp.array([1.0, 3.0, 3.0]), fnp.array([1.0, 1.0]))
    (array([1., 2.]), array([0., 0., 1.]))
    """
    u_, v_ = _inexact(_vector(u, "polydiv"), _vector(v, "polydiv"))
    m, n = shape(u_)[0] - 1, shape(v_)[0] - 1
    scale = 1.0 / v_[0]
    q = _creation.zeros_like(u_, shape=(max(m - n + 1, 1),))
    r = u_
    for k in range(m - n + 1):
        d = scale * r[k]
        q = at(q)[k].set(d)
        r = at(r)[k:k + n + 1].add(-d * v_)
    if trim_leading_zeros:
        r = _trim_leading_zeros(r, "polydiv")
    return q, r


def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16) -> Array:
    """The polynomial ``p`` evaluated at ``x`` by Horner's rule.

    >>> fnp.polyval(fnp.array([1, 0, -1]), fnp.array([0, 1, 2]))
    array([-1,  0,  3])
    """
    p, x = _vector(p, "polyval"), _as_array(x)
    dt = np.result_type(dtype_of(p), dtype_of(x))
    p, x = _creation.astype(p, dt), _creation.astype(x, dt)
    y = _creation.zeros_like(x)
    for k in range(shape(p)[0]):
        y = y * x + p[k]
    return y


def polyder(p: ArrayLike, m: int = 1) -> Array:
    """The ``m``-th derivative of the polynomial ``p``.

    >>> fnp.polyder(fnp.array([1, 2, 3, 4]), 2)
    array([6., 4.])
    """
    m = operator.index(m)
    if m < 0:
        raise ValueError(f"polyder: order of derivative must be non-negative, got {m}")
    p = _inexact(_vector(p, "polyder"))[0]
    for _ in range(m):
        n = shape(p)[0] - 1
        if n <= 0:  # a constant's derivative: no coefficients (as in JAX)
            return _creation.zeros_like(p, shape=(0,))
        p = p[:-1] * _creation.astype(array_module(p).arange(n, 0, -1), dtype_of(p))
    return p


def polyint(p: ArrayLike, m: int = 1, k: int | ArrayLike | None = None) -> Array:
    """The ``m``-th antiderivative of the polynomial ``p``, with integration constants ``k`` (one, or
    one per step; default 0).

    >>> fnp.polyint(fnp.array([3.0, 2.0, 1.0]))
    array([1., 1., 1., 0.])
    """
    m = operator.index(m)
    if m < 0:
        raise ValueError(f"polyint: order of integral must be non-negative, got {m}")
    p = _inexact(_vector(p, "polyint"))[0]
    if m == 0:
        return p
    ks = _creation.zeros_like(p, shape=(m,)) if k is None else _creation.astype(
        _shape.ravel(_as_array_like(k, p)), dtype_of(p))
    if shape(ks)[0] == 1 and m > 1:
        ks = _shape.broadcast_to(ks, (m,))
    if shape(ks)[0] != m:
        raise ValueError(f"polyint: k must be a scalar or a sequence of length m={m}, got {shape(ks)[0]}")
    for i in range(m):
        n = shape(p)[0]
        p = _shape.concatenate([p / _creation.astype(array_module(p).arange(n, 0, -1), dtype_of(p)), ks[i:i + 1]])
    return p


def roots(p: ArrayLike, *, strip_zeros: bool = True) -> Array:
    """The roots of the polynomial ``p``: the eigenvalues of its companion matrix (complex); with
    ``strip_zeros`` (concrete coefficients), leading zeros are dropped and trailing ones give zero roots.

    >>> fnp.sort_complex(fnp.roots(fnp.array([1.0, -3.0, 2.0])))
    array([1.+0.j, 2.+0.j])
    """
    p = _inexact(_vector(p, "roots"))[0]
    trailing = 0
    if strip_zeros:
        nz = np.flatnonzero(host_value(el.not_equal(p, 0), "roots: the coefficients (or pass strip_zeros=False)"))
        if nz.size == 0:
            return _creation.astype(_creation.zeros_like(p, shape=(0,)), np.result_type(dtype_of(p), np.complex64))
        trailing = shape(p)[0] - 1 - int(nz[-1])
        p = p[int(nz[0]):int(nz[-1]) + 1]
    n = shape(p)[0] - 1
    cdt = np.result_type(dtype_of(p), np.complex64)
    if n < 1:
        found = _creation.astype(_creation.zeros_like(p, shape=(0,)), cdt)
    else:
        first_row = -p[1:] / p[0]
        shift = _creation.astype(array_module(p).eye(n - 1, n), dtype_of(p))  # ones below the diagonal
        companion = _shape.concatenate([first_row[None, :], shift], axis=0)
        found = _creation.astype(linalg.eigvals(companion), cdt)
    if trailing:
        found = _shape.concatenate([_creation.zeros_like(found, shape=(trailing,)), found])
    return found


def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, full: bool = False,
            w: ArrayLike | None = None, cov: bool | str = False) -> Array | tuple[Array, ...]:
    """The least-squares polynomial of degree ``deg`` through the points ``(x, y)`` (``y`` may hold
    several columns), highest power first; ``w`` weights the points. ``full`` adds (residuals, rank,
    singular values, rcond); ``cov`` adds the coefficients' covariance.

    >>> fnp.polyfit(fnp.array([0.0, 1.0, 2.0, 3.0]), fnp.array([1.0, 3.0, 7.0, 13.0]), 2)
    array([1., 1., 1.])
    """
    deg = operator.index(deg)
    if deg < 0:
        raise ValueError(f"polyfit: expected deg >= 0, got {deg}")
    x_, y_ = _inexact(x, y)
    if len(shape(x_)) != 1 or shape(x_)[0] == 0:
        raise TypeError(f"polyfit: expected a non-empty 1-D x, got shape {shape(x_)}")
    if len(shape(y_)) not in (1, 2) or shape(y_)[0] != shape(x_)[0]:
        raise TypeError(f"polyfit: expected y of shape ({shape(x_)[0]},) or ({shape(x_)[0]}, k), got {shape(y_)}")
    order = deg + 1
    if rcond is None:
        rcond = shape(x_)[0] * float(np.finfo(dtype_of(x_)).eps)
    lhs = vander(x_, order)
    rhs = y_
    if w is not None:
        ww = _creation.astype(_as_array_like(w, x_), dtype_of(x_))
        lhs = lhs * ww[:, None]
        rhs = rhs * (ww if len(shape(rhs)) == 1 else ww[:, None])
    scale = el.sqrt(red.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if full:
        return c, resids, rank, s, _creation.asarray(rcond)
    if cov:
        base = linalg.inv(_linalg_ops.matmul(lhs.T, lhs)) / _linalg_ops.outer(scale, scale)
        if cov == "unscaled":
            fac: Any = 1.0
        else:
            if shape(x_)[0] <= order:
                raise ValueError("polyfit: the number of data points must exceed order to scale the covariance "
                                 "matrix")
            fac = resids / (shape(x_)[0] - order)
        if len(shape(y_)) == 1:
            return c, base * fac
        return c, base[:, :, None] * fac
    return c


def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    """The Vandermonde matrix of ``x``: columns ``x**(N-1), ..., x, 1`` (reversed if ``increasing``).

    >>> fnp.vander(fnp.array([1, 2, 3]), 3)
    array([[1, 1, 1],
           [4, 2, 1],
           [9, 3, 1]])
    """
    x = _as_array(x)
    if len(shape(x)) != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape {shape(x)}")
    n = shape(x)[0] if N is None else operator.index(N)
    if n < 0:
        raise ValueError(f"vander: N must be nonnegative, got {N}")
    cols = []
    col = _creation.ones_like(x)
    for _ in range(n):  # one column per power (a product, so the derivative at x = 0 is exact)
        cols.append(col)
        col = col * x
    out = _shape.stack(cols, axis=1) if cols else _creation.zeros_like(x, shape=(shape(x)[0], 0))
    return out if increasing else _shape.flip(out, 1)
