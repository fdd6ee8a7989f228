"""SciPy's statistical distributions, differentiable: ``fgrad.scipy.stats`` (as ``jax.scipy.stats``).

One module per distribution, with the methods JAX offers for it (``logpdf``/``pdf``/``cdf``/
``logcdf``/``sf``/``logsf``/``ppf``/``isf``, ``logpmf``/``pmf`` for discrete ones), each
differentiable with respect to its inputs and parameters, on every device.

>>> from fgrad.scipy.stats import norm
>>> print(fgrad.grad(lambda mu: norm.logpdf(1.0, loc=mu))(0.0))
1.0
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ... import numpy as fnp
from ...backend import get_array_module
from ...core import concrete_value
from ._kde import gaussian_kde
from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom,  # noqa: F401
               gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm, pareto,
               poisson, t, truncnorm, uniform, vonmises, wrapcauchy)

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma",
           "gaussian_kde", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "mode",
           "ModeResult", "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson",
           "rankdata", "sem", "t", "truncnorm", "uniform", "vonmises", "wrapcauchy"]


def sem(a: ArrayLike, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Array:
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis`` (all elements when None).

    ``nan_policy``: ``'propagate'`` (nan in, nan out) or ``'omit'`` (nans are left out of the count).

    >>> from fgrad.scipy.stats import sem
    >>> print(sem([1.0, 2.0, 3.0, 4.0]))
    0.6454972243679028
    """
    a = fnp.asarray(a)
    if a.dtype.kind in "biu":
        a = fnp.astype(a, fnp.float64)
    if axis is None:
        a, axis = fnp.ravel(a), 0
    if nan_policy == "propagate":
        n = a.shape[axis]
        return fnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / fnp.sqrt(float(n))
    if nan_policy == "omit":
        n = fnp.sum(~fnp.isnan(a), axis=axis, keepdims=keepdims)
        return fnp.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims) / fnp.sqrt(n)
    raise ValueError(f"sem: nan_policy must be 'propagate' or 'omit', got {nan_policy!r}")


def _sorted_runs(a, axis):
    """The raw values of ``a`` sorted along ``axis`` (moved last, rows flattened: shape ``(R, n)``),
    the inverse permutation, and for each sorted position the first and last position of its run of
    equal values (nan equal to nan). Vectorized over rows: no loop over elements."""
    xp = get_array_module(a)
    rows = xp.moveaxis(a, axis, -1)
    shape = rows.shape
    n = shape[-1]
    rows = rows.reshape(-1, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    srt = xp.take_along_axis(rows, order, axis=-1)
    same = (srt[:, 1:] == srt[:, :-1]) | (xp.isnan(srt[:, 1:]) & xp.isnan(srt[:, :-1]))
    ones = xp.ones((srt.shape[0], 1), dtype=bool)
    start = xp.concatenate([ones, ~same], axis=1)  # first of its run
    end = xp.concatenate([~same, ones], axis=1)  # last of its run
    base = (xp.arange(srt.shape[0]) * n)[:, None]
    run_id = xp.cumsum(start.ravel()).reshape(start.shape) - 1
    first = xp.flatnonzero(start.ravel())[run_id] - base
    last = xp.flatnonzero(end.ravel())[run_id] - base
    inverse = xp.argsort(order, axis=-1)
    return srt, order, inverse, first, last, xp.cumsum(start, axis=-1), shape


def rankdata(a: ArrayLike, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Array:
    """Ranks of the data (1 for the smallest), ties resolved by ``method``: ``'average'``, ``'min'``,
    ``'max'``, ``'dense'`` or ``'ordinal'``; float64 as in JAX. A row holding nan ranks as all nan.

    Ranks carry no derivative; the function runs eagerly (not under ``jit`` or ``vmap``).

    >>> from fgrad.scipy.stats import rankdata
    >>> print(rankdata([3.0, 1.0, 3.0, 2.0]))
    [3.5 1.  3.5 2. ]
    >>> print(rankdata([3.0, 1.0, 3.0, 2.0], method="min"))
    [3. 1. 3. 2.]
    """
    methods = ("average", "min", "max", "dense", "ordinal")
    if method not in methods:
        raise ValueError(f"rankdata: unknown method {method!r}; expected one of {methods}")
    if nan_policy != "propagate":
        raise NotImplementedError(f"rankdata: nan_policy={nan_policy!r} is not implemented (as in JAX)")
    raw = concrete_value(fnp.asarray(a), "rankdata's input")
    xp = get_array_module(raw)
    if axis is None:
        raw, axis = raw.ravel(), -1
    if raw.ndim == 0:
        raise ValueError("rankdata: expected an array with at least one dimension")
    axis = axis % raw.ndim
    if raw.shape[axis] == 0:
        return xp.zeros(raw.shape, dtype=np.float64)
    srt, order, inverse, first, last, dense, shape = _sorted_runs(raw, axis)
    by_sorted = {"min": first + 1.0, "max": last + 1.0, "average": 0.5 * (first + last) + 1.0,
                 "dense": dense.astype(np.float64),
                 "ordinal": xp.broadcast_to(xp.arange(1, srt.shape[1] + 1, dtype=np.float64), srt.shape)}[method]
    ranks = xp.take_along_axis(by_sorted.astype(np.float64), inverse, axis=-1)
    ranks = xp.where(xp.any(xp.isnan(srt), axis=-1, keepdims=True), np.nan, ranks)
    return xp.moveaxis(ranks.reshape(shape), -1, axis)


class ModeResult(NamedTuple):
    """``mode(...)``'s result: the most common value and how often it occurs.

    >>> from fgrad.scipy.stats import mode
    >>> mode([1.0, 2.0, 2.0, 3.0], axis=None).count.item()
    2
    """

    mode: Array
    count: Array


def mode(a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False) -> ModeResult:
    """The most common value along ``axis`` (the smallest one on a tie) and its count; nan counts as a value.

    Carries no derivative; runs eagerly (not under ``jit`` or ``vmap``).

    >>> from fgrad.scipy.stats import mode
    >>> res = mode([[1, 2, 2], [3, 3, 1], [3, 1, 1]])
    >>> print(res.mode, res.count)
    [3 1 1] [2 1 2]
    """
    if nan_policy != "propagate":
        raise NotImplementedError(f"mode: nan_policy={nan_policy!r} is not implemented (as in JAX)")
    raw = concrete_value(fnp.asarray(a), "mode's input")
    xp = get_array_module(raw)
    if axis is None:
        raw, axis = raw.ravel(), 0
    if raw.ndim == 0:
        raw = raw.reshape(1)
    axis = axis % raw.ndim
    if raw.shape[axis] == 0:
        raise ValueError("mode: the axis has no elements")
    srt, _, _, first, last, _, shape = _sorted_runs(raw, axis)
    counts = last - first + 1
    pick = xp.argmax(counts, axis=-1)[:, None]  # the first maximum: the smallest value
    values = xp.take_along_axis(srt, pick, axis=-1)[:, 0].reshape(shape[:-1])
    count = xp.take_along_axis(counts, pick, axis=-1)[:, 0].reshape(shape[:-1]).astype(np.int64)
    if keepdims:
        values, count = xp.expand_dims(values, axis), xp.expand_dims(count, axis)
    return ModeResult(values, count)
