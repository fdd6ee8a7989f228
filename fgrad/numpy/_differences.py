"""Differences, derivatives and integrals of sampled data: diff, ediff1d, gradient, trapezoid,
unwrap, interp. Composites of slicing and arithmetic, so differentiable in every float argument."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import _creation, _elementwise as el, _reductions as red, _shape, _sorting
from ._indexing import _as_array, _as_array_like, take
from ._util import dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "unwrap", "interp"]


def _slice(nd: int, axis: int, sl: slice) -> tuple[slice, ...]:
    return tuple(sl if d == axis else slice(None) for d in range(nd))


def _float(x: Array) -> Array:
    return x if np.issubdtype(dtype_of(x), np.inexact) else _creation.astype(x, np.float64)


def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None) -> Array:
    """The ``n``-th difference ``a[i + 1] - a[i]`` along ``axis`` (booleans: ``!=``), after joining
    ``prepend`` and ``append`` (scalars are broadcast to one slice).

    >>> fnp.diff(fnp.array([1, 4, 9, 16]))
    array([3, 5, 7])
    >>> fnp.diff(fnp.array([1, 4, 9, 16]), n=2, prepend=0)
    array([2, 2, 2])
    """
    a = _as_array(a)
    nd = len(shape(a))
    if nd == 0:
        raise ValueError("diff: requires input that is at least one dimensional")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative, got {n}")
    axis = _shape._norm_axes(axis, nd, "diff")[0]
    def one_slice(extra):
        e = _as_array_like(extra, a)
        if len(shape(e)) == 0:
            e = _shape.broadcast_to(e, tuple(1 if d == axis else k for d, k in enumerate(shape(a))))
        return e

    pieces = ([one_slice(prepend)] if prepend is not None else []) + [a] + (
        [one_slice(append)] if append is not None else [])
    if len(pieces) > 1:
        a = _shape.concatenate(pieces, axis=axis)
    boolean = np.issubdtype(dtype_of(a), np.bool_)
    for _ in range(n):
        hi, lo = a[_slice(nd, axis, slice(1, None))], a[_slice(nd, axis, slice(None, -1))]
        a = el.not_equal(hi, lo) if boolean else hi - lo
    return a


def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None, to_begin: ArrayLike | None = None) -> Array:
    """The differences of the flattened ``ary``, with ``to_begin`` and ``to_end`` joined at the ends.

    >>> fnp.ediff1d(fnp.array([[1, 2], [4, 7]]), to_begin=[-9])
    array([-9,  1,  2,  3])
    """
    flat = _shape.ravel(_as_array(ary))
    d = flat[1:] - flat[:-1]
    pieces = [_shape.ravel(_creation.astype(_as_array_like(to_begin, d), dtype_of(d)))] if to_begin is not None else []
    pieces.append(d)
    if to_end is not None:
        pieces.append(_shape.ravel(_creation.astype(_as_array_like(to_end, d), dtype_of(d))))
    return _shape.concatenate(pieces) if len(pieces) > 1 else d


def _gradient_along(f, h, axis, edge_order):
    """Second-order central differences inside, one-sided ones of ``edge_order`` at the ends; ``h`` is
    a scalar spacing or the coordinates along ``axis``."""
    nd = len(shape(f))
    n = shape(f)[axis]
    if n < edge_order + 1:
        raise ValueError(f"gradient: shape of array too small to calculate a numerical gradient, at least "
                         f"(edge_order + 1) = {edge_order + 1} elements are required along axis {axis}")

    def at(sl):
        return f[_slice(nd, axis, sl)]

    def along(v):  # a 1-D spacing array lined up with axis
        return _shape.reshape(v, tuple(-1 if d == axis else 1 for d in range(nd)))

    if len(shape(h)) == 0:
        h = h if isinstance(h, (int, float)) else _as_array_like(h, f)
        inside = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / h
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / h
        else:
            first = (-1.5 * at(slice(0, 1)) + 2.0 * at(slice(1, 2)) - 0.5 * at(slice(2, 3))) / h
            last = (0.5 * at(slice(-3, -2)) - 2.0 * at(slice(-2, -1)) + 1.5 * at(slice(-1, None))) / h
        return _shape.concatenate([first, inside, last], axis=axis)
    h = _as_array_like(h, f)
    if shape(h) != (n,):
        raise ValueError(f"gradient: distances must be either scalars or match the length of the axis ({n}), "
                         f"got shape {shape(h)}")
    dx = _float(h[1:] - h[:-1])
    d1, d2 = dx[:-1], dx[1:]
    a = along(-d2 / (d1 * (d1 + d2)))
    b = along((d2 - d1) / (d1 * d2))
    c = along(d1 / (d2 * (d1 + d2)))
    inside = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
    if edge_order == 1:
        first = (at(slice(1, 2)) - at(slice(0, 1))) / along(dx[:1])
        last = (at(slice(-1, None)) - at(slice(-2, -1))) / along(dx[-1:])
    else:
        p, q = dx[0], dx[1]
        first = (along(-(2.0 * p + q) / (p * (p + q))[None]) * at(slice(0, 1))
                 + along(((p + q) / (p * q))[None]) * at(slice(1, 2))
                 - along((p / (q * (p + q)))[None]) * at(slice(2, 3)))
        p, q = dx[-2], dx[-1]
        last = (along((q / (p * (p + q)))[None]) * at(slice(-3, -2))
                - along(((p + q) / (p * q))[None]) * at(slice(-2, -1))
                + along(((2.0 * q + p) / (q * (p + q)))[None]) * at(slice(-1, None)))
    return _shape.concatenate([first, inside, last], axis=axis)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
             edge_order: int | None = None) -> Array | list[Array]:
    """The derivative of sampled ``f`` along each axis: central differences inside, one-sided ones of
    order ``edge_order`` (1 or 2) at the ends. ``varargs`` are spacings (one scalar for all axes, or
    one scalar or coordinate array per axis). Several axes give a list, one per axis, as in JAX.

    >>> fnp.gradient(fnp.array([1.0, 2.0, 4.0, 7.0]))
    array([1. , 1.5, 2.5, 3. ])
    >>> fnp.gradient(fnp.array([1.0, 2.0, 4.0, 7.0]), fnp.array([0.0, 1.0, 3.0, 4.0]))
    array([1.    , 1.    , 2.3333, 3.    ])
    """
    f = _float(_as_array(f))
    nd = len(shape(f))
    axes = tuple(range(nd)) if axis is None else _shape._norm_axes(axis, nd, "gradient")
    order = 1 if edge_order is None else edge_order
    if order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    if len(varargs) == 0:
        spacings: list[ArrayLike] = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape(varargs[0])) == 0:
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError(f"gradient: invalid number of spacing arguments ({len(varargs)}) for {len(axes)} axes")
    out = [_gradient_along(f, h, ax, order) for h, ax in zip(spacings, axes)]
    return out[0] if len(out) == 1 else out


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1) -> Array:
    """The integral of sampled ``y`` along ``axis`` by the trapezoidal rule, at points ``x`` or with
    spacing ``dx``.

    >>> print(fnp.trapezoid(fnp.array([1.0, 2.0, 3.0])))
    4.0
    >>> print(fnp.trapezoid(fnp.array([1.0, 2.0, 3.0]), x=fnp.array([0.0, 1.0, 3.0])))
    6.5
    """
    y = _shape.moveaxis(_as_array(y), axis, -1)
    if x is None:
        d = dx if isinstance(dx, (int, float)) else _as_array_like(dx, y)  # a Python number stays weak (keeps float32, any device)
    else:
        x = _as_array_like(x, y)
        d = diff(x) if len(shape(x)) == 1 else _shape.moveaxis(diff(x, axis=axis), axis, -1)
    return red.sum(d * (y[..., 1:] + y[..., :-1]), axis=-1) * 0.5


def unwrap(p: ArrayLike, discont: ArrayLike | None = None, axis: int = -1, period: ArrayLike = 2 * np.pi) -> Array:
    """``p`` with jumps larger than ``max(discont, period / 2)`` along ``axis`` taken off by multiples
    of ``period``.

    >>> fnp.unwrap(fnp.array([0.0, 3.0, 6.0, 9.0]), period=4.0)
    array([ 0., -1., -2., -3.])
    """
    p = _as_array(p)
    nd = len(shape(p))
    axis = _shape._norm_axes(axis, nd, "unwrap")[0]
    dd = diff(p, axis=axis)
    if np.issubdtype(np.result_type(dtype_of(dd), np.asarray(period).dtype), np.integer):
        half, odd = divmod(period, 2)  # integer phases: the boundary is ambiguous only for an even period
        ambiguous = odd == 0
    else:
        half, ambiguous = period / 2, True
    discont = period / 2 if discont is None else discont
    ddmod = el.remainder(dd + half, period) - half
    if ambiguous:
        ddmod = el.where(el.logical_and(el.equal(ddmod, -half), dd > 0), half, ddmod)
    correct = el.where(el.less(el.absolute(dd), discont), 0, ddmod - dd)
    head = p[_slice(nd, axis, slice(0, 1))]
    tail = p[_slice(nd, axis, slice(1, None))] + red.cumsum(correct, axis=axis)
    return _shape.concatenate([_creation.astype(head, dtype_of(tail)), tail], axis=axis)


def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | str | None = None,
           right: ArrayLike | str | None = None, period: ArrayLike | None = None) -> Array:
    """The piecewise-linear interpolant through ``(xp, fp)`` (``xp`` increasing) at ``x``; ``left`` and
    ``right`` (default ``fp[0]``, ``fp[-1]``) outside; ``period`` for periodic ``x``. Differentiable in
    ``x``, ``xp`` and ``fp``.

    >>> fnp.interp(fnp.array([0.5, 2.5, 9.0]), fnp.array([0.0, 1.0, 3.0]), fnp.array([0.0, 10.0, 30.0]))
    array([ 5., 25., 30.])
    """
    x = _as_array(x)
    xp, fp = _as_array_like(xp, x), _as_array_like(fp, x)
    if len(shape(xp)) != 1 or len(shape(fp)) != 1:
        raise ValueError(f"interp: xp and fp must be one-dimensional, got shapes {shape(xp)} and {shape(fp)}")
    if shape(xp)[0] != shape(fp)[0]:
        raise ValueError(f"interp: xp and fp must have the same length, got {shape(xp)[0]} and {shape(fp)[0]}")
    if shape(xp)[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    dt = np.result_type(dtype_of(x), dtype_of(xp), dtype_of(fp))
    dt = dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)
    real_dt = np.finfo(dt).dtype  # the positions are real even when the values are complex
    x, xp, fp = _creation.astype(x, real_dt), _creation.astype(xp, real_dt), _creation.astype(fp, dt)
    if period is not None:
        if left is not None or right is not None:
            raise ValueError("interp: left and right have no meaning with period")
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = el.absolute(_as_array(period))
        x = el.remainder(x, period)
        xp = el.remainder(xp, period)
        order = _sorting.argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        xp = _shape.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = _shape.concatenate([fp[-1:], fp, fp[:1]])
    n = shape(xp)[0]
    if n == 1:
        f = _shape.broadcast_to(fp[0], shape(x))
    else:
        i = el.clip(_sorting.searchsorted(xp, x, side="right"), 1, n - 1)
        x0, x1, f0, f1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
        dx = x1 - x0
        flat = el.less_equal(el.absolute(dx), 10 * np.finfo(real_dt).eps)
        f = el.where(flat, f0, f0 + (x - x0) / el.where(flat, 1.0, dx) * (f1 - f0))
    if period is None:
        lo = fp[0] if left is None else _as_array_like(left, fp)
        hi = fp[-1] if right is None else _as_array_like(right, fp)
        f = el.where(el.less(x, xp[0]), lo, f)
        f = el.where(el.greater(x, xp[-1]), hi, f)
    return f

