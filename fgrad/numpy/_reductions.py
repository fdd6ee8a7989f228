"""Reductions: each sums, averages or picks along axes; its VJP spreads the cotangent back.

Primitives: ``sum``, ``prod``, ``max``, ``min``, ``cumsum``, ``cumprod``, ``shift`` (the linear
building block of the scans behind cumprod's derivatives) and the non-differentiable
``argmax``, ``argmin``, ``any``, ``all``, ``count_nonzero``.
Everything else (mean, var, std, average, ptp, the nan-variants) is a
composite of those.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .. import batching
from ..core import Tracer, concrete, staged
from . import _creation, _elementwise, _shape
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..core import Primitive
    from ..typing import Array, ArrayLike, Axis, DTypeLike

__all__ = ["sum", "mean", "prod", "max", "amax", "min", "amin", "ptp", "var", "std", "average",
           "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "argmax", "argmin", "any", "all",
           "count_nonzero", "nansum", "nanmean", "nanprod"]


def normalize_axis(axis, nd, name):
    """None (all axes) or a sorted tuple of non-negative axes."""
    if axis is None:
        return None
    return tuple(sorted(_shape._norm_axes(axis, nd, name)))


def keepdims_shape(xshape, axis):
    """The shape of a reduction over ``axis`` with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(xshape)
    return tuple(1 if i in axis else n for i, n in enumerate(xshape))


def spread(g, x, axis, keepdims):
    """Broadcast the cotangent of a reduction back to the input's shape."""
    xs = shape(x)
    if not keepdims:
        g = _shape.reshape(g, keepdims_shape(xs, axis))
    return _shape.broadcast_to(g, xs)


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: fgrad arrays are immutable, so out= is not supported; use the return value")


def _count(xshape, axis):
    if axis is None:
        return int(np.prod(xshape, dtype=np.int64))
    return int(np.prod([xshape[i] for i in axis], dtype=np.int64))


def _mask_value(where):
    """A ``where=`` mask without its derivative tracers (under ``vmap`` it may still be batched)."""
    return where._nondiff_value() if isinstance(where, Tracer) else where


def _masked(a, where, fill, name):
    """``a`` with ``fill`` where the ``where=`` mask is False (the mask carries no derivative)."""
    if where is True or where is None:
        return a
    mask = _mask_value(where)
    if not np.issubdtype(dtype_of(mask), np.bool_):
        raise TypeError(f"{name}: where= must be a boolean mask, got dtype {dtype_of(mask)}")
    return _elementwise.where(mask, a, fill)


# ------------------------------------------------------------------ batching rules
# The reductions over ``axis`` (an axis tuple or None) use the generic ``batching.reduction``;
# the scans keep the batch axis where it is and skip their axis over it.

def _scan_batch(prim, args, dims, params):
    d = dims[0]
    axis = params["axis"]
    return prim.bind(args[0], **dict(params, axis=axis + (axis >= d))), d


def _arg_batch(prim, args, dims, params):
    """argmax/argmin: ``axis=None`` is the index into each example flattened."""
    x = batching.to_front(args[0], dims[0])
    s = shape(x)
    axis, keepdims = params["axis"], params["keepdims"]
    if axis is not None:
        return prim.bind(x, axis=axis + 1, keepdims=keepdims), 0
    out = prim.bind(batching.reshape(x, (s[0], int(np.prod(s[1:], dtype=np.int64)))), axis=1, keepdims=False)
    return (batching.reshape(out, s[:1] + (1,) * (len(s) - 1)) if keepdims else out), 0


# ------------------------------------------------------------------ sum and mean

def _sum_vjp(g, ans, x, axis, keepdims, dtype=None):
    g = spread(g, x, axis, keepdims)
    return g if dtype is None else _cast_back(g, x)


_sum = defprim("sum", lambda x, axis, keepdims, dtype=None: np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype),
               vjp=(_sum_vjp,),
               jvp=(lambda t, ans, x, axis, keepdims, dtype=None: sum(t, axis, dtype, keepdims=keepdims),),
               linear=True, batch=batching.reduction)


def sum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
        initial: ArrayLike | None = None, where: ArrayLike = True) -> Array:
    """Sum of the elements over ``axis`` (all axes by default; an int or a tuple).

    ``out`` must be None: fgrad arrays are immutable. ``where`` masks elements out of the sum.

    >>> fnp.sum(fnp.ones((2, 3)), axis=0)
    array([2., 2., 2.])
    >>> fnp.sum(fnp.array([1.0, 2.0, 3.0]), where=fnp.array([True, False, True])).item()
    4.0
    """
    _no_out(out, "sum")
    ax = normalize_axis(axis, len(shape(a)), "sum")
    a = _masked(a, where, 0, "sum")
    total = _sum.bind(a, axis=ax, keepdims=bool(keepdims), dtype=dtype)
    return total if initial is None else total + initial


def mean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
         *, where: ArrayLike = True) -> Array:
    """Arithmetic mean over ``axis``; integers average in float64, as in NumPy.

    >>> fnp.mean(fnp.array([[1, 2], [3, 5]]), axis=1)
    array([1.5, 4. ])
    >>> fgrad.grad(fnp.mean)(fnp.array([1.0, 2.0, 3.0, 4.0]))
    array([0.25, 0.25, 0.25, 0.25])
    """
    _no_out(out, "mean")
    ax = normalize_axis(axis, len(shape(a)), "mean")
    if dtype is None and not np.issubdtype(dtype_of(a), np.inexact):
        dtype = np.float64
    if where is not True and where is not None:
        n = count_nonzero(_shape.broadcast_to(_mask_value(where), shape(a)), axis=ax, keepdims=bool(keepdims))
        return _per(sum(a, ax, dtype, keepdims=keepdims, where=where), n)
    n = _count(shape(a), ax)
    total = _sum.bind(a, axis=ax, keepdims=bool(keepdims), dtype=dtype)
    return total / n if n else total * np.nan


def _per(total, n):
    """``total / n`` for a count ``n`` (an int or an integer array) in ``total``'s dtype."""
    dt = dtype_of(total)
    if isinstance(n, int) or not np.issubdtype(dt, np.inexact):
        return total / n
    return total / _creation.astype(n, dt)


# ------------------------------------------------------------------ cumulative sums and products

def _axis_slice(nd, axis, sl):
    idx = [slice(None)] * nd
    idx[axis] = sl
    return tuple(idx)


def _shift_impl(x, axis, offset):
    out = array_module(x).zeros_like(x)
    n = x.shape[axis]
    if abs(offset) < n:
        src = slice(0, n - offset) if offset > 0 else slice(-offset, n)
        dst = slice(offset, n) if offset > 0 else slice(0, n + offset)
        out[_axis_slice(x.ndim, axis, dst)] = x[_axis_slice(x.ndim, axis, src)]
    return out


# Element k of the result is x[k - offset] (zero where that is outside): a linear map whose
# transpose shifts back. The scans below are built from it.
_shift: Primitive = defprim("shift", _shift_impl,
                 vjp=(lambda g, ans, x, axis, offset: _shift.bind(g, axis=axis, offset=-offset),),
                 jvp=(lambda t, ans, x, axis, offset: _shift.bind(t, axis=axis, offset=offset),), linear=True,
                 batch=_scan_batch)


def _unit_at_start(x, axis, reverse):
    """A constant broadcastable to ``x``: 1 at the first position along ``axis`` (the last if ``reverse``)."""
    nd, n = len(shape(x)), shape(x)[axis]
    e = np.zeros((n,), dtype=dtype_of(x))
    if n:
        e[-1 if reverse else 0] = 1
    e = e.reshape(tuple(n if i == axis else 1 for i in range(nd)))
    xp = array_module(x)
    return e if xp is np else xp.asarray(e)


def _exclusive(y, axis, reverse):
    """The running product ``y`` moved one step on: products of the elements strictly before each."""
    return _shift.bind(y, axis=axis, offset=-1 if reverse else 1) + _unit_at_start(y, axis, reverse)


def _linear_scan(a, b, axis, reverse):
    """``s[k] = a[k] * s[k-1] + b[k]`` along ``axis`` (``s[k+1]`` when ``reverse``), from ``s = 0``.

    Recursive doubling: log2(n) steps of multiplies and shifts, no division, so it is exact
    where ``a`` has zeros and differentiable to any order.
    """
    n = shape(b)[axis]
    step = 1
    while step < n:
        off = -step if reverse else step
        b = b + a * _shift.bind(b, axis=axis, offset=off)
        step *= 2
        if step < n:
            a = a * _shift.bind(a, axis=axis, offset=off)
    return b


def _scan(op):
    def impl(x, axis, reverse=False, dtype=None):
        if not reverse:
            return op(x, axis=axis, dtype=dtype)
        return np.flip(op(np.flip(x, axis), axis=axis, dtype=dtype), axis)
    return impl


def _cast_back(ct, x):
    want = dtype_of(x)
    return ct if dtype_of(ct) == want or not np.issubdtype(want, np.inexact) else _creation.cotangent_as(ct, want)


_cumsum: Primitive = defprim(
    "cumsum", _scan(np.cumsum),
    vjp=(lambda g, ans, x, axis, reverse=False, dtype=None:
         _cast_back(_cumsum.bind(g, axis=axis, reverse=not reverse), x),),
    jvp=(lambda t, ans, x, axis, reverse=False, dtype=None: _cumsum.bind(t, axis=axis, reverse=reverse, dtype=dtype),),
    linear=True, batch=_scan_batch)


# With y = cumprod(x) and L the products strictly before each element,
# dy[k] = x[k] dy[k-1] + t[k] L[k]  and  grad[i] = L[i] h[i], h[i] = g[i] + x[i+1] h[i+1]:
# two linear scans, exact where x has zeros (no division by x).
def _cumprod_vjp(g, ans, x, axis, reverse=False, dtype=None):
    nxt = _shift.bind(x, axis=axis, offset=1 if reverse else -1)
    h = _linear_scan(nxt, g, axis, not reverse)
    return _cast_back(_exclusive(ans, axis, reverse) * h, x)


def _cumprod_jvp(t, ans, x, axis, reverse=False, dtype=None):
    return _linear_scan(x, t * _exclusive(ans, axis, reverse), axis, reverse)


_cumprod = defprim("cumprod", _scan(np.cumprod), vjp=(_cumprod_vjp,), jvp=(_cumprod_jvp,), batch=_scan_batch)


def _cum_args(a, axis, name):
    if axis is None:
        return _shape.reshape(a, (-1,)), 0
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    return a, _shape._norm_axes(axis, len(shape(a)), name)[0]


def cumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out: None = None) -> Array:
    """Running sum along ``axis``; ``axis=None`` runs over the flattened array, as in NumPy.

    >>> fnp.cumsum(fnp.asarray([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    >>> fnp.cumsum(fnp.array([[1, 2], [3, 4]]), axis=0)
    array([[1, 2],
           [4, 6]])
    """
    _no_out(out, "cumsum")
    a, ax = _cum_args(a, axis, "cumsum")
    return _cumsum.bind(a, axis=ax, dtype=dtype)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None, out: None = None) -> Array:
    """Running product along ``axis`` (flattened when ``axis=None``).

    Its derivatives are exact where elements are zero (they use no division); they cost
    O(n log n) along ``axis``.

    >>> fnp.cumprod(fnp.asarray([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    >>> fgrad.grad(lambda x: fnp.cumprod(x)[-1])(fnp.array([2.0, 0.0, 3.0]))
    array([0., 6., 0.])
    """
    _no_out(out, "cumprod")
    a, ax = _cum_args(a, axis, "cumprod")
    return _cumprod.bind(a, axis=ax, dtype=dtype)


def _cumulative(name: str, prim: Primitive, identity: int, doc: str) -> Callable[..., Array]:
    def fn(x: ArrayLike, /, *, axis: int | None = None, dtype: DTypeLike | None = None, out: None = None,
           include_initial: bool = False) -> Array:
        _no_out(out, name)
        nd = len(shape(x))
        if axis is None:
            if nd > 1:
                raise ValueError(f"{name}: axis must be given for arrays of more than one dimension "
                                 f"(got shape {shape(x)})")
            x = _shape.reshape(x, (-1,))
            axis = 0
        ax = _shape._norm_axes(axis, len(shape(x)), name)[0]
        res = prim.bind(x, axis=ax, dtype=dtype)
        if include_initial:
            s = list(shape(res))
            s[ax] = 1
            res = _shape.concatenate([_creation.full_like(res, identity, shape=tuple(s)), res], axis=ax)
        return res
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


cumulative_sum = _cumulative("cumulative_sum", _cumsum, 0,
    """Running sum along ``axis``: NumPy 2's array-API ``cumsum``.

    ``axis`` may be left out only for 1-d ``x``; ``include_initial=True`` puts a 0 first.

    >>> fnp.cumulative_sum(fnp.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """)
cumulative_prod = _cumulative("cumulative_prod", _cumprod, 1,
    """Running product along ``axis``: NumPy 2's array-API ``cumprod``.

    ``axis`` may be left out only for 1-d ``x``; ``include_initial=True`` puts a 1 first.

    >>> fnp.cumulative_prod(fnp.array([[1, 2], [3, 4]]), axis=1)
    array([[ 1,  2],
           [ 3, 12]])
    """)


# ------------------------------------------------------------------ products

def _others_product(x, axis):
    """For each element, the product of every other element in its reduction slice.

    The running products before and after each element, multiplied: never ``prod / x``,
    so it is exact (at every order) where ``x`` has zeros.
    """
    xs = shape(x)
    nd = len(xs)
    axes = tuple(range(nd)) if axis is None else axis
    if len(axes) == 1:
        ax = axes[0]
        return (_exclusive(_cumprod.bind(x, axis=ax), ax, False)
                * _exclusive(_cumprod.bind(x, axis=ax, reverse=True), ax, True))
    rest = tuple(i for i in range(nd) if i not in axes)
    perm = rest + axes
    moved = _shape.transpose(x, perm)
    mshape = shape(moved)
    others = _others_product(_shape.reshape(moved, mshape[:len(rest)] + (-1,)), (len(rest),))
    inv = [0] * nd
    for i, p in enumerate(perm):
        inv[p] = i
    return _shape.transpose(_shape.reshape(others, mshape), tuple(inv))


def _prod_vjp(g, ans, x, axis, keepdims, dtype=None):
    return _cast_back(spread(g, x, axis, keepdims) * _others_product(x, axis), x)


def _prod_jvp(t, ans, x, axis, keepdims, dtype=None):
    return sum(t * _others_product(x, axis), axis, dtype, keepdims=keepdims)


_prod = defprim("prod", lambda x, axis, keepdims, dtype=None: np.prod(x, axis=axis, keepdims=keepdims, dtype=dtype),
                vjp=(_prod_vjp,), jvp=(_prod_jvp,), batch=batching.reduction)


def prod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
         initial: ArrayLike | None = None, where: ArrayLike = True) -> Array:
    """Product of the elements over ``axis``. Its derivatives are exact where elements are zero.

    >>> fnp.prod(fnp.array([[1, 2], [3, 4]]), axis=1)
    array([ 2, 12])
    >>> fgrad.grad(fnp.prod)(fnp.asarray([0.0, 2.0, 3.0]))
    array([6., 0., 0.])
    """
    _no_out(out, "prod")
    ax = normalize_axis(axis, len(shape(a)), "prod")
    a = _masked(a, where, 1, "prod")
    res = _prod.bind(a, axis=ax, keepdims=bool(keepdims), dtype=dtype)
    return res if initial is None else res * initial


# ------------------------------------------------------------------ max and min

def _extreme_weights(x, ans, axis, keepdims):
    """1/k on each of the k elements that attain the extreme of their slice, else 0 (ties split evenly)."""
    hit = _elementwise.equal(x, ans if keepdims else _shape.reshape(ans, keepdims_shape(shape(x), axis)))
    count = _sum.bind(hit, axis=axis, keepdims=True)
    dt = dtype_of(x) if np.issubdtype(dtype_of(x), np.inexact) else np.float64
    return _creation.astype(hit, dt) / _creation.astype(count, dt)


def _extreme(name, impl):
    def vjp(g, ans, x, axis, keepdims):
        return spread(g, x, axis, keepdims) * _extreme_weights(x, ans, axis, keepdims)

    def jvp(t, ans, x, axis, keepdims):
        return sum(t * _extreme_weights(x, ans, axis, keepdims), axis, keepdims=keepdims)

    return defprim(name, lambda x, axis, keepdims: impl(x, axis=axis, keepdims=keepdims),
                   vjp=(vjp,), jvp=(jvp,), batch=batching.reduction)


_max = _extreme("max", np.max)
_min = _extreme("min", np.min)


def _extreme_public(prim: Primitive, name: str, ufunc_name: str, doc: str) -> Callable[..., Array]:
    def fn(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike = True) -> Array:
        _no_out(out, name)
        ax = normalize_axis(axis, len(shape(a)), name)
        if where is not True and where is not None:
            if initial is None:
                raise ValueError(f"{name}: reduction operation '{ufunc_name}' does not have an identity, so to "
                                 "use a where mask one has to specify 'initial'")
            a = _masked(a, where, initial, name)
        res = prim.bind(a, axis=ax, keepdims=bool(keepdims))
        if initial is None:
            return res
        return (_elementwise.maximum if name == "max" else _elementwise.minimum)(res, initial)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


max = amax = _extreme_public(_max, "max", "maximum",
    """The largest element over ``axis`` (``amax`` is the same function).

    Where several elements attain it, the gradient is split evenly among them (as in JAX).
    ``where`` masks elements out; it needs ``initial``, as in NumPy.

    >>> fnp.max(fnp.asarray([[1.0, 5.0], [3.0, 2.0]]), axis=1)
    array([5., 3.])
    >>> fgrad.grad(fnp.max)(fnp.array([1.0, 3.0, 3.0]))
    array([0. , 0.5, 0.5])
    """)
min = amin = _extreme_public(_min, "min", "minimum",
    """The smallest element over ``axis`` (``amin`` is the same function).

    Where several elements attain it, the gradient is split evenly among them (as in JAX).

    >>> fnp.min(fnp.asarray([[1.0, 5.0], [3.0, 2.0]]), axis=1)
    array([1., 2.])
    >>> print(fnp.min(fnp.array([4, 9, 2]), where=fnp.array([True, True, False]), initial=10))
    4
    """)


def ptp(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False) -> Array:
    """Peak to peak: ``max - min`` over ``axis``.

    >>> fnp.ptp(fnp.array([[1, 5, 2], [0, 0, 3]]), axis=1)
    array([4, 3])
    """
    _no_out(out, "ptp")
    return max(a, axis, keepdims=keepdims) - min(a, axis, keepdims=keepdims)


# ------------------------------------------------------------------ moments

def var(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, where: ArrayLike = True, mean: ArrayLike | None = None,
        correction: float | None = None) -> Array:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom (``correction`` is its alias).

    ``mean``, if given, is the mean to use (with ``keepdims=True``'s shape), as in NumPy 2.

    >>> print(fnp.var(fnp.asarray([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    >>> fgrad.grad(fnp.var)(fnp.array([1.0, 2.0, 3.0]))
    array([-0.6667,  0.    ,  0.6667])
    """
    _no_out(out, "var")
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't be provided simultaneously")
        ddof = correction
    ax = normalize_axis(axis, len(shape(a)), "var")
    if dtype is None and not np.issubdtype(dtype_of(a), np.inexact):
        dtype = np.float64
    if dtype is not None:
        a = _creation.astype(a, dtype)
    m = _mean_fn(a, ax, keepdims=True, where=where) if mean is None else mean
    d = a - m
    if np.issubdtype(dtype_of(d), np.complexfloating):
        sq = _elementwise.real(d * _elementwise.conjugate(d))
    else:
        sq = d * d
    if where is not True and where is not None:
        n = count_nonzero(_shape.broadcast_to(_mask_value(where), shape(a)), axis=ax, keepdims=bool(keepdims))
        n = _elementwise.maximum(n - ddof, 0)
    else:
        n = builtins.max(_count(shape(a), ax) - ddof, 0)
    out = _per(sum(sq, ax, keepdims=keepdims, where=where), n)
    if isinstance(n, int) and n > 0:
        return out
    # no degrees of freedom: nan selected by a where, as in JAX (a zero tangent in forward mode)
    return _elementwise.where(_elementwise.greater(n, 0), out, np.nan)


_mean_fn = mean


def std(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, ddof: float = 0,
        keepdims: bool = False, *, where: ArrayLike = True, mean: ArrayLike | None = None,
        correction: float | None = None) -> Array:
    """Standard deviation, ``sqrt(var(...))``.

    Where the variance is 0 (a single element, equal elements) the derivative is 0, as in PyTorch, not
    JAX's nan: a single element's standard deviation is constantly 0.

    >>> fnp.std(fnp.array([[1.0, 3.0], [2.0, 2.0]]), axis=1)
    array([1., 0.])
    >>> fgrad.grad(fnp.std)(fnp.array([5.0]))
    array([0.])
    """
    _no_out(out, "std")
    v = var(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean, correction=correction)
    zero = v == 0  # sqrt's slope is infinite there: a safe where keeps nan out of the derivative
    return _elementwise.where(zero, 0.0, _elementwise.sqrt(_elementwise.where(zero, 1.0, v)))


def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None, returned: bool = False, *,
            keepdims: bool = False) -> Array | tuple[Array, Array]:
    """Weighted mean over ``axis``; ``returned=True`` also gives the sum of the weights.

    >>> print(fnp.average(fnp.asarray([1.0, 2.0, 4.0]), weights=fnp.asarray([2.0, 1.0, 1.0])))
    2.0
    >>> fnp.average(fnp.array([[1.0, 3.0], [2.0, 6.0]]), axis=1, returned=True)
    (array([2., 4.]), array([2., 2.]))
    """
    nd = len(shape(a))
    ax = None if axis is None else _shape._norm_axes(axis, nd, "average")
    if weights is None:
        avg = mean(a, ax, keepdims=keepdims)
        scl = _count(shape(a), None if ax is None else tuple(sorted(ax)))
        if returned:
            return avg, _creation.full_like(avg, scl)
        return avg
    w = weights
    ws = shape(w)
    if shape(a) != ws:
        if ax is None:
            raise TypeError("average: axis must be specified when shapes of a and weights differ "
                            f"(a {shape(a)}, weights {ws})")
        if ws != tuple(shape(a)[i] for i in ax):
            raise ValueError(f"average: shape of weights {ws} must be consistent with shape of a {shape(a)} "
                             f"along axis {axis}")
        w = _shape.transpose(w, tuple(np.argsort(ax))) if len(ax) > 1 else w
        w = _shape.reshape(w, tuple(n if i in ax else 1 for i, n in enumerate(shape(a))))
    if np.issubdtype(dtype_of(a), np.integer) or np.issubdtype(dtype_of(a), np.bool_):
        rdt = np.result_type(dtype_of(a), dtype_of(w), "f8")
    else:
        rdt = np.result_type(dtype_of(a), dtype_of(w))
    a, w = _creation.astype(a, rdt), _creation.astype(w, rdt)
    sax = None if ax is None else tuple(sorted(ax))
    scl = sum(w, sax, keepdims=keepdims)
    if not staged(scl) and bool(any(concrete(scl) == 0)):  # (JAX can't check a staged value either)
        raise ZeroDivisionError("average: weights sum to zero, can't be normalized")
    avg = sum(a * w, sax, keepdims=keepdims) / scl
    if returned:
        if shape(scl) != shape(avg):
            scl = _shape.broadcast_to(scl, shape(avg))
        return avg, scl
    return avg


# ------------------------------------------------------------------ NaN-ignoring variants

def _nan_filled(a, fill):
    if not np.issubdtype(dtype_of(a), np.inexact):
        return a
    return _elementwise.where(_elementwise.isnan(a), fill, a)


def nansum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike = True) -> Array:
    """``sum`` treating NaN as zero (the gradient at a NaN is zero).

    >>> print(fnp.nansum(fnp.array([1.0, fnp.nan, 2.0])))
    3.0
    >>> fgrad.grad(fnp.nansum)(fnp.array([1.0, fnp.nan, 2.0]))
    array([1., 0., 1.])
    """
    _no_out(out, "nansum")
    return sum(_nan_filled(a, 0.0), axis, dtype, keepdims=keepdims, initial=initial, where=where)


def nanprod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None, keepdims: bool = False,
            initial: ArrayLike | None = None, where: ArrayLike = True) -> Array:
    """``prod`` treating NaN as one.

    >>> print(fnp.nanprod(fnp.array([2.0, fnp.nan, 3.0])))
    6.0
    """
    _no_out(out, "nanprod")
    return prod(_nan_filled(a, 1.0), axis, dtype, keepdims=keepdims, initial=initial, where=where)


def nanmean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
            keepdims: bool = False, *, where: ArrayLike = True) -> Array:
    """``mean`` over the non-NaN elements (NaN where a slice has none).

    >>> fnp.nanmean(fnp.array([[1.0, fnp.nan], [2.0, 4.0]]), axis=1)
    array([1., 3.])
    """
    _no_out(out, "nanmean")
    if not np.issubdtype(dtype_of(a), np.inexact):
        return mean(a, axis, dtype, keepdims=keepdims, where=where)
    ax = normalize_axis(axis, len(shape(a)), "nanmean")
    valid = _elementwise.logical_not(_elementwise.isnan(a))
    if where is not True and where is not None:
        valid = _elementwise.logical_and(valid, _mask_value(where))
    n = count_nonzero(valid, axis=ax, keepdims=bool(keepdims))
    return _per(sum(_nan_filled(a, 0.0), ax, dtype, keepdims=keepdims, where=valid), n)


# ------------------------------------------------------------------ non-differentiable reductions

def _index_axis(axis, nd, name):
    if axis is None:
        return None
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    return _shape._norm_axes(axis, nd, name)[0]


_argmax = defprim("argmax", lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims), nondiff=True,
                  batch=_arg_batch)
_argmin = defprim("argmin", lambda x, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims), nondiff=True,
                  batch=_arg_batch)


def argmax(a: ArrayLike, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Array:
    """Index of the (first) largest element along ``axis`` (of the flattened array when None).

    >>> fnp.argmax(fnp.array([[1, 5, 5], [7, 0, 2]]), axis=1)
    array([1, 0])
    >>> fnp.argmax(fnp.array([[1, 5, 5], [7, 0, 2]])).item()
    3
    """
    _no_out(out, "argmax")
    return _argmax.bind(a, axis=_index_axis(axis, len(shape(a)), "argmax"), keepdims=bool(keepdims))


def argmin(a: ArrayLike, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> Array:
    """Index of the (first) smallest element along ``axis`` (of the flattened array when None).

    >>> fnp.argmin(fnp.array([[1, 0, 0], [7, 9, 2]]), axis=1)
    array([1, 2])
    """
    _no_out(out, "argmin")
    return _argmin.bind(a, axis=_index_axis(axis, len(shape(a)), "argmin"), keepdims=bool(keepdims))


def _logical_impl(fn):
    def impl(x, axis, keepdims, where=True):
        return fn(x, axis=axis, keepdims=keepdims, where=where)
    return impl


# ``where`` is a raw mask broadcastable to one example: it broadcasts the same against the batch-first array.
_any = defprim("any", _logical_impl(np.any), nondiff=True, batch=batching.reduction)
_all = defprim("all", _logical_impl(np.all), nondiff=True, batch=batching.reduction)
_count_nonzero = defprim("count_nonzero", lambda x, axis, keepdims:
                         np.count_nonzero(x, axis=axis, keepdims=keepdims), nondiff=True, batch=batching.reduction)


def any(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False, *,
        where: ArrayLike = True) -> Array:
    """Whether any element along ``axis`` is true (non-zero).

    >>> fnp.any(fnp.array([[0, 0], [0, 3]]), axis=1)
    array([False,  True])
    """
    _no_out(out, "any")
    if isinstance(where, Tracer):  # a traced mask (batched under vmap) can't be a param: fold it into a
        a, where = _elementwise.logical_and(a, _mask_value(where)), True
    return _any.bind(a, axis=normalize_axis(axis, len(shape(a)), "any"), keepdims=bool(keepdims),
                     where=concrete(where))


def all(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False, *,
        where: ArrayLike = True) -> Array:
    """Whether every element along ``axis`` is true (non-zero).

    >>> fnp.all(fnp.array([[1, 2], [0, 3]]), axis=1)
    array([ True, False])
    """
    _no_out(out, "all")
    if isinstance(where, Tracer):  # a traced mask (batched under vmap) can't be a param: fold it into a
        a, where = _elementwise.logical_or(a, _elementwise.logical_not(_mask_value(where))), True
    return _all.bind(a, axis=normalize_axis(axis, len(shape(a)), "all"), keepdims=bool(keepdims),
                     where=concrete(where))


def count_nonzero(a: ArrayLike, axis: Axis = None, *, keepdims: bool = False) -> Array:
    """Number of non-zero elements along ``axis`` (of the whole array when None).

    >>> fnp.count_nonzero(fnp.array([[0, 1, 2], [0, 0, 3]]), axis=1)
    array([2, 1])
    """
    return _count_nonzero.bind(a, axis=normalize_axis(axis, len(shape(a)), "count_nonzero"),
                               keepdims=bool(keepdims))
