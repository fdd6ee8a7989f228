"""Reductions with torch's ``dim``/``keepdim``, namedtuple results and dtype rules."""
from __future__ import annotations

import builtins
import collections
from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp

from .. import _dtypes
from .._tensor import Tensor, apply, wrap
from ._common import array_ops, cast, no_out, nondiff, norm_dim, one_dim, to_float, zero_derivative
from .pointwise import maximum, minimum
from .shape import narrow

if TYPE_CHECKING:
    from .._dtypes import dtype as DType
    Dim = Union[int, Sequence[int], None]

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "norm",
           "logsumexp", "all", "any", "cumsum", "cumprod", "topk", "sort", "argsort", "softmax", "log_softmax",
           "std_mean", "var_mean", "count_nonzero", "median", "nansum"]

_ValuesIndices = collections.namedtuple("_ValuesIndices", ["values", "indices"])


def _return_type(name: str) -> Any:
    """torch.return_types.<name>: a (values, indices) namedtuple with torch's repr."""
    base = _ValuesIndices

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__repr__": __repr__, "__slots__": ()})


_max_t, _min_t, _topk_t, _sort_t, _median_t = (_return_type(n) for n in ("max", "min", "topk", "sort", "median"))


def _float_only(t):
    if t._np_dtype().kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return t


def _sum_dtype(t: Tensor, dtype: DType | None) -> np.dtype | None:
    if dtype is not None:
        return _dtypes.to_np(dtype)
    return np.dtype(np.int64) if t._np_dtype().kind in "biu" else None


def _sum(fn: Callable[..., Any], input: Tensor, dim: Dim, keepdim: bool, dtype: DType | None, name: str) -> Tensor:
    ax = norm_dim(dim, input.ndim)
    dt = _sum_dtype(input, dtype)
    if dt is not None and dt != input._np_dtype():
        input = cast(input, dt)
    return apply(lambda x: fn(x, axis=ax, keepdims=keepdim), (input,), None, name)


def sum(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The sum of the elements of ``input`` over ``dim`` (all of them when None); integers sum as int64.

    >>> torch.sum(torch.tensor([[1, 2], [3, 4]]))
    tensor(10)
    >>> torch.sum(torch.tensor([[1, 2], [3, 4]]), dim=0)
    tensor([4, 6])
    """
    return _sum(fnp.sum, input, dim, keepdim, dtype, "SumBackward1" if dim is not None else "SumBackward0")


def nansum(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The sum over ``dim`` with NaNs counted as zero.

    >>> torch.nansum(torch.tensor([1.0, float('nan'), 2.0]))
    tensor(3.)
    """
    return _sum(fnp.nansum, input, dim, keepdim, dtype, "NansumBackward0")


def mean(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The mean of the elements over ``dim`` (all when None); floating or complex inputs only.

    >>> torch.mean(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1, keepdim=True)
    tensor([[1.5000],
            [3.5000]])
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    if input._np_dtype().kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.name.capitalize().replace('Int64', 'Long')}")
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fnp.mean(x, axis=ax, keepdims=keepdim), (input,), None, "MeanBackward1" if dim is not
                 None else "MeanBackward0")


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The product of the elements over ``dim`` (all when None); integers multiply as int64.

    >>> torch.prod(torch.tensor([1, 2, 3, 4]))
    tensor(24)
    """
    dt = _sum_dtype(input, dtype)
    if dt is not None:
        input = cast(input, dt)
    ax = None if dim is None else (one_dim(dim, input.ndim),)
    return apply(lambda x: fnp.prod(x, axis=ax, keepdims=keepdim), (input,), None, "ProdBackward0")


def _var(x: Any, ax: tuple[int, ...] | None, correction: float, keepdim: bool) -> Any:
    shape = fnp.shape(x)
    n = int(np.prod([shape[a] for a in ax] if ax is not None else shape, dtype=np.int64))
    m = fnp.mean(x, axis=ax, keepdims=True)
    d = x - m
    return fnp.sum(d * d, axis=ax, keepdims=keepdim) / builtins.max(n - correction, 0)


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input: Tensor, dim: Dim | bool = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The variance over ``dim``, divided by ``N - correction`` (default 1, Bessel's correction).

    >>> torch.var(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6667)
    >>> torch.var(torch.tensor([1.0, 2.0, 3.0, 4.0]), correction=0)
    tensor(1.2500)
    """
    if isinstance(dim, bool):  # var(input, unbiased)
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: _var(x, ax, c, keepdim), (_float_only(input),), None, "VarBackward0")


def std(input: Tensor, dim: Dim | bool = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The standard deviation over ``dim``: the square root of ``var``.

    >>> torch.std(torch.tensor([1.0, 3.0]))
    tensor(1.4142)
    """
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fnp.sqrt(_var(x, ax, c, keepdim)), (_float_only(input),), None, "StdBackward0")


def var_mean(input: Tensor, dim: Dim | bool = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` in one call.

    >>> torch.var_mean(torch.tensor([1.0, 2.0, 3.0]))
    (tensor(1.), tensor(2.))
    """
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input: Tensor, dim: Dim | bool = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim`` in one call.

    >>> torch.std_mean(torch.tensor([1.0, 3.0]), correction=0)
    (tensor(1.), tensor(2.))
    """
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _argext(input: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
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


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element along ``dim`` (of the flattened tensor when None).

    >>> torch.argmax(torch.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([1, 0])
    """
    return _argext(input, dim, keepdim, True)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element along ``dim`` (of the flattened tensor when None).

    >>> torch.argmin(torch.tensor([3, 1, 2]))
    tensor(1)
    """
    return _argext(input, dim, keepdim, False)


def _ext(input: Tensor, dim: Any, keepdim: bool, largest: bool, other: Any) -> Any:
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


def _pick(x: Any, ix: Any, d: int, keepdim: bool) -> Any:
    v = fnp.take_along_axis(x, ix, axis=d)
    return v if keepdim else fnp.squeeze(v, axis=d)


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *, out: Any = None) -> Any:
    """The largest element; along ``dim``, the ``(values, indices)`` namedtuple; with a Tensor, ``maximum``.

    >>> torch.max(torch.tensor([1, 5, 3]))
    tensor(5)
    >>> torch.max(torch.tensor([[1, 5], [7, 2]]), dim=1)
    torch.return_types.max(
    values=tensor([5, 7]),
    indices=tensor([1, 0]))
    """
    no_out(out)
    return _ext(input, dim, keepdim, True, None)


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *, out: Any = None) -> Any:
    """The smallest element; along ``dim``, the ``(values, indices)`` namedtuple; with a Tensor, ``minimum``.

    >>> torch.min(torch.tensor([4, 1, 3]))
    tensor(1)
    >>> torch.min(torch.tensor([[1, 5], [7, 2]]), dim=0).values
    tensor([1, 2])
    """
    no_out(out)
    return _ext(input, dim, keepdim, False, None)


def amax(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The largest elements over ``dim`` (all dims by default); the gradient is shared among ties.

    >>> torch.amax(torch.tensor([[1, 5], [7, 2]]), dim=0)
    tensor([7, 5])
    """
    ax = norm_dim(dim, input.ndim) if dim != () else None
    return apply(lambda x: fnp.max(x, axis=ax, keepdims=keepdim), (input,), None, "AmaxBackward0")


def amin(input: Tensor, dim: int | Sequence[int] = (), keepdim: bool = False) -> Tensor:
    """The smallest elements over ``dim`` (all dims by default); the gradient is shared among ties.

    >>> torch.amin(torch.tensor([[1, 5], [7, 2]]), dim=1)
    tensor([1, 2])
    """
    ax = norm_dim(dim, input.ndim) if dim != () else None
    return apply(lambda x: fnp.min(x, axis=ax, keepdims=keepdim), (input,), None, "AminBackward0")


def logsumexp(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow.

    >>> torch.logsumexp(torch.tensor([0.0, 0.0]), dim=0)
    tensor(0.6931)
    """
    ax = norm_dim(dim, input.ndim)
    return apply(lambda x: fsp.logsumexp(x, axis=ax, keepdims=keepdim), (to_float(input),),
                 None, "LogsumexpBackward0")


def norm(input: Tensor, p: float | str = "fro", dim: Dim = None, keepdim: bool = False,
         dtype: DType | None = None) -> Tensor:
    """The ``p``-norm of ``input`` over ``dim`` (default: the 2-norm of all elements).

    >>> torch.norm(torch.tensor([3.0, 4.0]))
    tensor(5.)
    >>> torch.norm(torch.tensor([3.0, -4.0]), p=1)
    tensor(7.)
    """
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
    if isinstance(p, str):
        raise NotImplementedError(f"norm(p={p!r}) is not supported by fgrad_nn")
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    if p == 0:
        count = zero_derivative(lambda v: fnp.sum(fnp.astype(v != 0, fnp.result_type(v)), axis=ax, keepdims=keepdim))
        return apply(count, (x,), None, "NormBackward1")
    return apply(lambda v: fnp.sum(fnp.absolute(v) ** p, axis=ax, keepdims=keepdim) ** (1.0 / p), (x,), None,
                 "NormBackward1")


def _pnorm2(v: Any, ax: tuple[int, ...] | None, keepdim: bool) -> Any:
    """fgrad's 2-norm: scaled by max|v| (no underflow/overflow), zero gradient at v == 0 like torch."""
    return fnp.astype(fnp.linalg.vector_norm(v, axis=ax, keepdims=keepdim), fnp.result_type(v))


def all(input: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """Whether every element (over ``dim``) is true.

    >>> torch.all(torch.tensor([True, False])), torch.all(torch.tensor([[1, 0], [1, 1]]), dim=1)
    (tensor(False), tensor([False,  True]))
    """
    r, xp = nondiff(input), array_ops(input)
    ax = norm_dim(dim, input.ndim)
    return wrap(xp.asarray(xp.all(r, axis=ax, keepdims=keepdim)))


def any(input: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """Whether any element (over ``dim``) is true.

    >>> torch.any(torch.tensor([True, False])), torch.any(torch.tensor([[0, 0], [1, 0]]), dim=1)
    (tensor(True), tensor([False,  True]))
    """
    r, xp = nondiff(input), array_ops(input)
    ax = norm_dim(dim, input.ndim)
    return wrap(xp.asarray(xp.any(r, axis=ax, keepdims=keepdim)))


def count_nonzero(input: Tensor, dim: Dim = None) -> Tensor:
    """The number of non-zero elements (over ``dim``).

    >>> torch.count_nonzero(torch.tensor([0, 1, 2, 0]))
    tensor(2)
    """
    r, xp = nondiff(input), array_ops(input)
    return wrap(xp.asarray(xp.count_nonzero(r, axis=norm_dim(dim, input.ndim))).astype(np.int64))


def cumsum(input: Tensor, dim: int, *, dtype: DType | None = None) -> Tensor:
    """The running sum along ``dim``.

    >>> torch.cumsum(torch.tensor([1, 2, 3]), dim=0)
    tensor([1, 3, 6])
    """
    dt = _sum_dtype(input, dtype)
    if dt is not None:
        input = cast(input, dt)
    d = one_dim(dim, input.ndim)
    return apply(lambda x: fnp.cumsum(x, axis=d), (input,), None, "CumsumBackward0")


def cumprod(input: Tensor, dim: int, *, dtype: DType | None = None) -> Tensor:
    """The running product along ``dim``.

    >>> torch.cumprod(torch.tensor([1, 2, 3]), dim=0)
    tensor([1, 2, 6])
    """
    d = one_dim(dim, input.ndim)
    return apply(lambda x: fnp.cumprod(x, axis=d), (input,), None, "CumprodBackward0")


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The ``(values, indices)`` of ``input`` sorted along ``dim`` (always stable in fgrad_nn).

    >>> torch.sort(torch.tensor([3, 1, 2]))
    torch.return_types.sort(
    values=tensor([1, 2, 3]),
    indices=tensor([1, 2, 0]))
    """
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


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``.

    >>> torch.argsort(torch.tensor([3, 1, 2]), descending=True)
    tensor([0, 2, 1])
    """
    return sort(input, dim, descending, stable).indices


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.

    >>> torch.topk(torch.tensor([1, 5, 3, 4]), 2)
    torch.return_types.topk(
    values=tensor([5, 4]),
    indices=tensor([1, 3]))
    """
    d = one_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    sl = (slice(None),) * d + (slice(0, k),)
    ix = nondiff(s.indices)[sl]
    vals = apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None, "TopkBackward0")
    return _topk_t(vals, wrap(ix if array_ops(s.indices) is fnp else np.ascontiguousarray(ix)))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median (the lower of the two middle values for an even count); along ``dim``, with indices.

    >>> torch.median(torch.tensor([3.0, 1.0, 4.0, 2.0]))
    tensor(2.)
    """
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


def softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None, *, _stacklevel: int = 3) -> Tensor:
    """``exp(input)`` normalised to sum to one along ``dim``.

    >>> torch.softmax(torch.tensor([0.0, 0.0, 0.0, 0.0]), dim=0)
    tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(lambda x: _as_1d(fnn.softmax, x, d), (to_float(input),), None, "SoftmaxBackward0")


def log_softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None, *,
                _stacklevel: int = 3) -> Tensor:
    """The logarithm of ``softmax`` along ``dim``, computed stably.

    >>> torch.log_softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(lambda x: _as_1d(fnn.log_softmax, x, d), (to_float(input),), None, "LogSoftmaxBackward0")


def _as_1d(fn: Any, x: Any, axis: int) -> Any:
    """``fn(x, axis=axis)``; a 0-d ``x`` as one element along its only dim (torch's 0-d softmax: 1, log 0)."""
    if fnp.ndim(x):
        return fn(x, axis=axis)
    return fnp.reshape(fn(fnp.reshape(x, (1,)), axis=0), ())


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "sum": sum, "nansum": nansum, "mean": mean, "prod": prod, "var": var, "std": std, "max": max, "min": min,
    "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin, "norm": norm, "logsumexp": logsumexp,
    "all": all, "any": any, "count_nonzero": count_nonzero, "cumsum": cumsum, "cumprod": cumprod, "sort": sort,
    "argsort": argsort, "topk": topk, "median": median, "softmax": softmax, "log_softmax": log_softmax,
}
