"""Statistics of samples: cov, corrcoef, convolve, correlate, histograms, bincount, digitize.

Composites: the moments of matmul and mean, convolutions as a gather of sliding windows times the
kernel (one matmul, no loop over elements), histograms as indexed sums. Counts that decide an
output's length (``bincount`` without ``length``) must be concrete, as in JAX.
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _creation, _elementwise as el, _linalg_ops, _reductions as red, _shape, _sorting
from ._indexing import _as_array, _as_array_like, at, take
from ._numeric import imag
from ._util import array_module, dtype as dtype_of, host_value, shape

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["cov", "corrcoef", "convolve", "correlate", "histogram_bin_edges", "histogram", "histogram2d",
           "histogramdd", "bincount", "digitize"]


def _inexact(x: Array) -> Array:
    return x if np.issubdtype(dtype_of(x), np.inexact) else _creation.astype(x, np.float64)


def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: ArrayLike | None = None, aweights: ArrayLike | None = None, dtype: DTypeLike | None = None) -> Array:
    """The covariance matrix of the variables in the rows of ``m`` (columns if not ``rowvar``), with
    ``y``'s variables added; ``fweights`` (integer) and ``aweights`` weight the observations.

    >>> fnp.cov(fnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    x = _as_array(m)
    if len(shape(x)) > 2:
        raise ValueError(f"cov: m has more than 2 dimensions (shape {shape(x)})")
    x = _shape.atleast_2d(x)
    if not rowvar and shape(x)[0] != 1:
        x = _shape.transpose(x)
    if y is not None:
        yy = _shape.atleast_2d(_as_array(y))
        if not rowvar and shape(yy)[0] != 1:
            yy = _shape.transpose(yy)
        x = _shape.concatenate([x, _creation.astype(yy, np.result_type(dtype_of(x), dtype_of(yy)))], axis=0)
    dt = np.result_type(dtype_of(x), np.float64) if dtype is None else np.dtype(dtype)
    x = _creation.astype(x, dt)
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = shape(x)[1]
    w = None
    if fweights is not None:
        w = _creation.astype(_as_array_like(fweights, x), dt)
    if aweights is not None:
        a = _creation.astype(_as_array_like(aweights, x), dt)
        w = a if w is None else w * a
    if w is None:
        avg = red.mean(x, axis=1, keepdims=True)
        fact = nobs - ddof
    else:
        wsum = red.sum(w)
        avg = red.sum(x * w, axis=1, keepdims=True) / wsum
        if ddof == 0:
            fact = wsum
        elif aweights is None:
            fact = wsum - ddof
        else:
            fact = wsum - ddof * red.sum(w * a) / wsum
    xc = x - avg
    xw = xc if w is None else xc * w
    c = _linalg_ops.matmul(xw, _shape.transpose(el.conjugate(xc))) / fact
    return _shape.squeeze(c) if shape(c) == (1, 1) else c


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, dtype: DTypeLike | None = None) -> Array:
    """Pearson correlation coefficients: ``cov`` scaled by the standard deviations (real parts clipped
    to [-1, 1]).

    >>> fnp.corrcoef(fnp.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.5]]))
    array([[1.    , 0.9979],
           [0.9979, 1.    ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if len(shape(c)) == 0:
        return c / c
    d = _linalg_ops.diagonal(c)
    sd = el.sqrt(el.real(d))
    c = c / sd[:, None] / sd[None, :]
    if np.issubdtype(dtype_of(c), np.complexfloating):
        return el.clip(el.real(c), -1, 1) + el.multiply(_creation.astype(el.clip(imag(c), -1, 1), dtype_of(c)), 1j)
    return el.clip(c, -1, 1)


def _convolve_full(a, v):
    """The full convolution of 1-D ``a`` (the longer) and ``v``: sliding windows of ``a`` times ``v`` reversed."""
    n, k = shape(a)[0], shape(v)[0]
    xp = array_module(a)
    padded = _shape.concatenate([_creation.zeros_like(a, shape=(k - 1,)), a, _creation.zeros_like(a, shape=(k - 1,))])
    windows = take(padded, xp.arange(n + k - 1)[:, None] + xp.arange(k)[None, :])
    return _linalg_ops.matmul(windows, _shape.flip(v, 0))


def _conv(a, v, mode, name, flip):
    a, v = _as_array(a), _as_array(v)
    if len(shape(a)) != 1 or len(shape(v)) != 1:
        raise ValueError(f"{name}() only support 1-dimensional inputs, got shapes {shape(a)} and {shape(v)}")
    n, k = shape(a)[0], shape(v)[0]
    if n == 0 or k == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    dt = np.result_type(dtype_of(a), dtype_of(v))
    dt = dt if np.issubdtype(dt, np.inexact) else np.dtype(np.float64)  # (JAX's promotion: integers give floats)
    a, v = _creation.astype(a, dt), _creation.astype(v, dt)
    if flip:  # correlate(a, v) = convolve(a, conj(v)[::-1])
        v = _shape.flip(el.conjugate(v), 0)
    full = _convolve_full(a, v) if n >= k else _convolve_full(v, a)
    lo, hi = builtins.min(n, k), builtins.max(n, k)
    if mode == "full":
        return full
    if mode == "same":
        start = (lo - 1) // 2 if not flip or n >= k else lo // 2
        return full[start:start + hi]
    if mode == "valid":
        return full[lo - 1:hi]
    raise ValueError(f"{name}: mode must be one of 'full', 'same', 'valid', got {mode!r}")


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full", *, precision: Any = None,
             preferred_element_type: DTypeLike | None = None) -> Array:
    """The discrete convolution of 1-D ``a`` and ``v``; ``mode`` ``'full'``, ``'same'`` or ``'valid'``.

    >>> fnp.convolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> fnp.convolve(fnp.array([1, 2, 3]), fnp.array([0, 1, 0]), mode="same")
    array([1., 2., 3.])
    """
    out = _conv(a, v, mode, "convolve", flip=False)
    return out if preferred_element_type is None else _creation.astype(out, preferred_element_type)


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid", *, precision: Any = None,
              preferred_element_type: DTypeLike | None = None) -> Array:
    """The cross-correlation ``sum_n a[n + k] * conj(v[n])`` of 1-D ``a`` and ``v``.

    >>> fnp.correlate(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]), mode="full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, v = _as_array(a), _as_array(v)
    if shape(v) and shape(a) and shape(v)[0] > shape(a)[0]:  # NumPy: swapped, conjugated, reversed
        out = _shape.flip(el.conjugate(_conv(v, a, mode, "correlate", flip=True)), 0)
    else:
        out = _conv(a, v, mode, "correlate", flip=True)
    return out if preferred_element_type is None else _creation.astype(out, preferred_element_type)


# ------------------------------------------------------------------ histograms and counting

def histogram_bin_edges(a: ArrayLike, bins: ArrayLike = 10, range: Sequence[ArrayLike] | None = None,
                        weights: ArrayLike | None = None) -> Array:
    """The edges of ``bins`` equal bins over ``range`` (default: the data's min to max), or ``bins``
    itself when it is an array of edges.

    >>> fnp.histogram_bin_edges(fnp.array([0.0, 1.0, 4.0]), bins=4)
    array([0., 1., 2., 3., 4.])
    """
    if isinstance(bins, str):
        raise NotImplementedError("histogram_bin_edges: string values for bins are not implemented")
    if not isinstance(bins, (int, np.integer)):
        b = _as_array(bins)
        if len(shape(b)) == 1:
            return b
        bins = int(host_value(b, "histogram_bin_edges: the number of bins"))
    a = _inexact(_as_array(a))
    if range is None:
        lo, hi = red.min(a), red.max(a)
    else:
        lo, hi = (_creation.astype(_as_array_like(r, a), dtype_of(a)) for r in range)
    same = el.equal(lo, hi)
    lo, hi = el.where(same, lo - 0.5, lo), el.where(same, hi + 0.5, hi)
    steps = _creation.astype(array_module(a).arange(bins + 1), dtype_of(a)) / bins
    edges = lo + (hi - lo) * steps
    return at(edges)[-1].set(hi)


def histogram(a: ArrayLike, bins: ArrayLike = 10, range: Sequence[ArrayLike] | None = None,
              weights: ArrayLike | None = None, density: bool | None = None) -> tuple[Array, Array]:
    """``(counts, edges)``: the (weighted) number of ``a``'s values in each bin, the last bin closed;
    ``density`` normalises to a probability density. Counts are floats, as in JAX.

    >>> counts, edges = fnp.histogram(fnp.array([0.0, 1.0, 1.0, 4.0]), bins=4)
    >>> counts, edges
    (array([1., 2., 0., 1.]), array([0., 1., 2., 3., 4.]))
    """
    a = _shape.ravel(_inexact(_as_array(a)))
    edges = histogram_bin_edges(a, bins, range, weights)
    hist = _binned(a[:, None], [edges], weights, dtype_of(a))
    if density:
        hist = hist / (red.sum(hist) * _diff(edges))
    return hist, edges


def _diff(x):
    return x[1:] - x[:-1]


def _binned(sample, edges, weights, count_dtype):
    """Weighted counts of the rows of ``sample`` (n, d) in the grid of bins ``edges`` (one array per column);
    unweighted counts have ``count_dtype``."""
    n, d = shape(sample)
    sizes = [shape(e)[0] - 1 for e in edges]
    w = _creation.ones_like(sample[:, 0], dtype=count_dtype) if weights is None else _shape.ravel(
        _as_array_like(weights, sample))
    flat = None
    inside = None
    for j, e in enumerate(edges):
        col = sample[:, j]
        idx = _sorting.searchsorted(e, col, side="right") - 1
        idx = el.where(el.equal(col, e[-1]), sizes[j] - 1, idx)  # the last bin includes its right edge
        ok = el.logical_and(el.greater_equal(idx, 0), el.less(idx, sizes[j]))
        inside = ok if inside is None else el.logical_and(inside, ok)
        idx = el.clip(idx, 0, sizes[j] - 1)
        flat = idx if flat is None else flat * sizes[j] + idx
    total = int(np.prod(sizes, dtype=np.int64))
    w = el.where(inside, w, 0)
    zeros = _creation.zeros_like(w, shape=(total,))
    return _shape.reshape(at(zeros)[flat].add(w), tuple(sizes)) if n else _shape.reshape(zeros, tuple(sizes))


def histogramdd(sample: ArrayLike, bins: ArrayLike | list[ArrayLike] = 10,
                range: Sequence[None | Array | Sequence[ArrayLike]] | None = None,
                weights: ArrayLike | None = None, density: bool | None = None) -> tuple[Array, list[Array]]:
    """``(counts, edges)`` of the points in the rows of ``sample`` (n, d) in a d-dimensional grid of
    bins; ``bins`` is a count or edges, for all dimensions or one per dimension.

    >>> counts, edges = fnp.histogramdd(fnp.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> counts
    array([[1, 0],
           [1, 1]])
    """
    s = _inexact(_as_array(sample))
    if len(shape(s)) == 1:
        s = s[:, None]
    d = shape(s)[1]
    per_dim = isinstance(bins, (list, tuple)) and len(bins) == d
    edges = [histogram_bin_edges(s[:, j], bins[j] if per_dim else bins,
                                 None if range is None else range[j]) for j in builtins.range(d)]
    hist = _binned(s, edges, weights, np.int64)  # (JAX's: integer counts here, float ones from histogram)
    if density:
        widths = [_diff(e) for e in edges]
        vol = widths[0]
        for wd in widths[1:]:
            vol = vol[..., None] * wd
        hist = _inexact(hist)
        hist = hist / (red.sum(hist) * vol)
    return hist, edges


def histogram2d(x: ArrayLike, y: ArrayLike, bins: ArrayLike | list[ArrayLike] = 10,
                range: Sequence[None | Array | Sequence[ArrayLike]] | None = None,
                weights: ArrayLike | None = None, density: bool | None = None) -> tuple[Array, Array, Array]:
    """``(counts, xedges, yedges)``: ``histogramdd`` of the points ``(x[i], y[i])``.

    >>> counts, xe, ye = fnp.histogram2d(fnp.array([0.0, 1.0, 1.0]), fnp.array([0.0, 1.0, 0.0]), bins=2)
    >>> counts
    array([[1, 0],
           [1, 1]])
    """
    hist, edges = histogramdd(_shape.stack([_as_array(x), _as_array(y)], axis=1), bins, range, weights, density)
    return hist, edges[0], edges[1]


def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *,
             length: int | None = None) -> Array:
    """The number (or weight sum) of each non-negative integer in ``x``; ``length`` fixes the output's
    length (values beyond it are dropped), otherwise ``max(x) + 1`` (at least ``minlength``) must be
    concrete. Differentiable in ``weights``.

    >>> fnp.bincount(fnp.array([0, 1, 1, 3]))
    array([1, 2, 0, 1])
    >>> fnp.bincount(fnp.array([0, 1, 1]), weights=fnp.array([0.5, 1.0, 2.0]), length=4)
    array([0.5, 3. , 0. , 0. ])
    """
    x = _as_array(x)
    if not np.issubdtype(dtype_of(x), np.integer):
        raise TypeError(f"bincount: x argument must have an integer type, got {dtype_of(x)}")
    if len(shape(x)) != 1:
        raise ValueError(f"bincount: only 1-dimensional input supported, got shape {shape(x)}")
    if length is None:
        top = host_value(red.max(x), "bincount: the largest value (pass length= to bincount under jit)") \
            if shape(x)[0] else -1
        length = builtins.max(int(minlength), int(top) + 1)
    w = _creation.ones_like(x) if weights is None else _as_array_like(weights, x)
    if weights is not None and shape(w) != shape(x):
        raise ValueError(f"bincount: weights shape {shape(w)} must equal x's shape {shape(x)}")
    inside = el.logical_and(el.greater_equal(x, 0), el.less(x, length))
    w = el.where(inside, w, 0)
    return at(_creation.zeros_like(w, shape=(length,)))[el.clip(x, 0, builtins.max(length - 1, 0))].add(w)


def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False, *, method: str | None = None) -> Array:
    """The index of the bin of ``bins`` (monotonic, either direction) each value of ``x`` falls in.

    >>> fnp.digitize(fnp.array([0.5, 1.0, 2.5]), fnp.array([0.0, 1.0, 2.0]))
    array([1, 2, 3])
    >>> fnp.digitize(fnp.array([0.5, 1.0, 2.5]), fnp.array([0.0, 1.0, 2.0]), right=True)
    array([1, 1, 3])
    """
    x = _as_array(x)
    b = _as_array_like(bins, x)
    if len(shape(b)) != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array, got shape {shape(b)}")
    if shape(b)[0] == 0:
        return _creation.zeros_like(x, dtype=np.int64)
    side = "left" if right else "right"
    up = _sorting.searchsorted(b, x, side=side)
    down = shape(b)[0] - _sorting.searchsorted(_shape.flip(b, 0), x, side=side)
    return el.where(el.greater_equal(b[-1], b[0]), up, down)
