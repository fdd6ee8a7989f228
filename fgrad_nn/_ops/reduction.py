"""Reductions with torch's ``dim``/``keepdim``, namedtuple results and dtype rules."""
import builtins
import collections

import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp

from .. import _dtypes
from .._tensor import Tensor, apply, wrap
from ._common import array_ops, cast, no_out, nondiff, norm_dim, one_dim, to_float
from .pointwise import maximum, minimum
from .shape import narrow

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "norm",
           "logsumexp", "all", "any", "cumsum", "cumprod", "topk", "sort", "argsort", "softmax", "log_softmax",
           "std_mean", "var_mean", "count_nonzero", "median", "nansum"]

def _return_type(name):
    """torch.return_types.<name>: a (values, indices) namedtuple with torch's repr."""
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__repr__": __repr__, "__slots__": ()})


_max_t, _min_t, _topk_t, _sort_t, _median_t = (_return_type(n) for n in ("max", "min", "topk", "sort", "median"))


def _float_only(t):
    if t._np_dtype().kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return t


def _sum_dtype(t, dtype):
    if dtype is not None:
        return _dtypes.to_np(dtype)
    return np.dtype(np.int64) if t._np_dtype().kind in "biu" else None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    ax = norm_dim(dim, input.ndim)
    dt = _sum_dtype(input, dtype)
    if dt is not None and dt != input._np_dtype():
        input = cast(input, dt)
    return apply(lambda x: fnp.sum(x, axis=ax, keepdims=keepdim), (input,), None, "SumBackward1" if dim is not
                 None else "SumBackward0")


nansum = sum


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    if input._np_dtype().kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.name.capitalize().replace('Int64', 'Long')}")
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fnp.mean(x, axis=ax, keepdims=keepdim), (input,), None, "MeanBackward1" if dim is not
                 None else "MeanBackward0")


def prod(input, dim=None, keepdim=False, *, dtype=None):
    dt = _sum_dtype(input, dtype)
    if dt is not None:
        input = cast(input, dt)
    ax = None if dim is None else (one_dim(dim, input.ndim),)
    return apply(lambda x: fnp.prod(x, axis=ax, keepdims=keepdim), (input,), None, "ProdBackward0")


def _var(x, ax, correction, keepdim):
    shape = fnp.shape(x)
    n = int(np.prod([shape[a] for a in ax] if ax is not None else shape, dtype=np.int64))
    m = fnp.mean(x, axis=ax, keepdims=True)
    d = x - m
    return fnp.sum(d * d, axis=ax, keepdims=keepdim) / builtins.max(n - correction, 0)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(input, unbiased)
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: _var(x, ax, c, keepdim), (_float_only(input),), None, "VarBackward0")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fnp.sqrt(_var(x, ax, c, keepdim)), (_float_only(input),), None, "StdBackward0")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _argext(input, dim, keepdim, largest):
    r, xp = nondiff(input), array_ops(input)
    f = xp.argmax if largest else xp.argmin
    if dim is None:
        return wrap(xp.asarray(f(r.reshape(-1))).astype(np.int64))
    d = one_dim(dim, input.ndim)
    if r.ndim == 0:
        return wrap(np.asarray(0, np.int64))
    if r.shape[d] == 0:
        raise IndexError(f"argmax(): Expected reduction dim {d} to have non-zero size.")
    out = f(r, axis=d, keepdims=keepdim).astype(np.int64)
    return wrap(out)


def argmax(input, dim=None, keepdim=False):
    return _argext(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _argext(input, dim, keepdim, False)


def _ext(input, dim, keepdim, largest, other):
    if isinstance(dim, Tensor):
        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        # torch spreads the gradient evenly over ties here, as fgrad.numpy.max does
        name = "MaxBackward1" if largest else "MinBackward1"
        return apply(lambda x: (fnp.max if largest else fnp.min)(x), (input,), None, name)
    d = one_dim(dim, input.ndim)
    idx = _argext(input, d, True, largest)
    ix = nondiff(idx)
    if input.ndim == 0:
        vals = apply(fnp.positive, (input,), None, "MaxBackward0")
        return (_max_t if largest else _min_t)(vals, wrap(np.asarray(0, np.int64)))
    # the value at the chosen index (torch sends the gradient to that index only)
    vals = apply(lambda x: _pick(x, ix, d, keepdim), (input,), None, "MaxBackward0" if largest else "MinBackward0")
    if not keepdim:
        idx = wrap(array_ops(idx).squeeze(ix, axis=d))
    return (_max_t if largest else _min_t)(vals, idx)


def _pick(x, ix, d, keepdim):
    v = fnp.take_along_axis(x, ix, axis=d)
    return v if keepdim else fnp.squeeze(v, axis=d)


def max(input, dim=None, keepdim=False, *, out=None):
    no_out(out)
    return _ext(input, dim, keepdim, True, None)


def min(input, dim=None, keepdim=False, *, out=None):
    no_out(out)
    return _ext(input, dim, keepdim, False, None)


def amax(input, dim=(), keepdim=False):
    ax = norm_dim(dim, input.ndim) if dim != () else None
    return apply(lambda x: fnp.max(x, axis=ax, keepdims=keepdim), (input,), None, "AmaxBackward0")


def amin(input, dim=(), keepdim=False):
    ax = norm_dim(dim, input.ndim) if dim != () else None
    return apply(lambda x: fnp.min(x, axis=ax, keepdims=keepdim), (input,), None, "AminBackward0")


def logsumexp(input, dim, keepdim=False):
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fsp.logsumexp(x, axis=ax, keepdims=keepdim), (to_float(input),),
                 None, "LogsumexpBackward0")


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if not isinstance(input, Tensor):
        raise TypeError("norm(): input must be a Tensor")
    x = to_float(input)
    ax = norm_dim(dim, x.ndim)
    if p in ("fro", 2, 2.0):
        return apply(lambda v: _pnorm2(v, ax, keepdim), (x,), None, "NormBackward1")
    if p in (float("inf"), "inf"):
        return amax(x.abs(), dim if dim is not None else (), keepdim)
    if p in (float("-inf"),):
        return amin(x.abs(), dim if dim is not None else (), keepdim)
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim)
    return apply(lambda v: fnp.sum(fnp.absolute(v) ** p, axis=ax, keepdims=keepdim) ** (1.0 / p), (x,), None,
                 "NormBackward1")


def _pnorm2(v, ax, keepdim):
    """fgrad's 2-norm: scaled by max|v| (no underflow/overflow), zero gradient at v == 0 like torch."""
    return fnp.astype(fnp.linalg.vector_norm(v, axis=ax, keepdims=keepdim), fnp.result_type(v))


def all(input, dim=None, keepdim=False):
    r, xp = nondiff(input), array_ops(input)
    ax = norm_dim(dim, input.ndim)
    return wrap(xp.asarray(xp.all(r, axis=ax, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    r, xp = nondiff(input), array_ops(input)
    ax = norm_dim(dim, input.ndim)
    return wrap(xp.asarray(xp.any(r, axis=ax, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    r, xp = nondiff(input), array_ops(input)
    return wrap(xp.asarray(xp.count_nonzero(r, axis=norm_dim(dim, input.ndim))).astype(np.int64))


def cumsum(input, dim, *, dtype=None):
    dt = _sum_dtype(input, dtype)
    if dt is not None:
        input = cast(input, dt)
    d = one_dim(dim, input.ndim)
    return apply(lambda x: fnp.cumsum(x, axis=d), (input,), None, "CumsumBackward0")


def cumprod(input, dim, *, dtype=None):
    d = one_dim(dim, input.ndim)
    return apply(lambda x: fnp.cumprod(x, axis=d), (input,), None, "CumprodBackward0")


def sort(input, dim=-1, descending=False, stable=False):
    d = one_dim(dim, input.ndim)
    r, xp = nondiff(input), array_ops(input)
    if r.ndim == 0:
        return _sort_t(apply(fnp.positive, (input,)), wrap(np.asarray(0, np.int64)))
    key = -r if descending and r.dtype.kind != "b" else r
    ix = xp.argsort(key, axis=d, kind="stable").astype(np.int64)
    if descending and r.dtype.kind == "b":
        ix = xp.flip(xp.argsort(r, axis=d, kind="stable"), axis=d).astype(np.int64)
    vals = apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None, "SortBackward0")
    return _sort_t(vals, wrap(ix))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = one_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    sl = (slice(None),) * d + (slice(0, k),)
    ix = nondiff(s.indices)[sl]
    vals = apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None, "TopkBackward0")
    return _topk_t(vals, wrap(ix if array_ops(s.indices) is fnp else np.ascontiguousarray(ix)))


def median(input, dim=None, keepdim=False):
    if dim is None:
        flat = input.reshape(-1)
        s = sort(flat)
        k = (flat.shape[0] - 1) // 2
        return s.values[k]
    d = one_dim(dim, input.ndim)
    s = sort(input, d)
    k = (input.shape[d] - 1) // 2
    v = narrow(s.values, d, k, 1)
    i = narrow(s.indices, d, k, 1)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return _median_t(v, i)


def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(lambda x: fnn.softmax(x, axis=d), (to_float(input),), None, "SoftmaxBackward0")


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(lambda x: fnn.log_softmax(x, axis=d), (to_float(input),), None, "LogSoftmaxBackward0")


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "sum": sum, "nansum": sum, "mean": mean, "prod": prod, "var": var, "std": std, "max": max, "min": min,
    "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin, "norm": norm, "logsumexp": logsumexp,
    "all": all, "any": any, "count_nonzero": count_nonzero, "cumsum": cumsum, "cumprod": cumprod, "sort": sort,
    "argsort": argsort, "topk": topk, "median": median, "softmax": softmax, "log_softmax": log_softmax,
}
