"""Reductions with torch's ``dim``/``keepdim``, namedtuple results and dtype rules."""
from __future__ import annotations

import builtins
import collections
from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp
from fgrad import backend
from fgrad.custom import custom_jvp
from fgrad.nn.torch_rules import attained, dtype_name, vector_norm

from .. import _dtypes
from .._tensor import Tensor, apply, wrap
from ._common import (array_ops, cast, in_place, no_derivative, no_out, nondiff, norm_dim, on_0d, one_dim,
                      opmath, to_float, zero_derivative)
from .pointwise import maximum, minimum
from .shape import movedim

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
    if not backend.is_inexact(t._np_dtype()):
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
    return apply(opmath(input, lambda x: fn(x, axis=ax, keepdims=keepdim)), (input,), None, name)


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
    if not backend.is_inexact(input._np_dtype()):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.name.capitalize().replace('Int64', 'Long')}")
    ax = norm_dim(dim, input.ndim)
    return apply(opmath(input, lambda x: fnp.mean(x, axis=ax, keepdims=keepdim)), (input,), None,
                 "MeanBackward1" if dim is not None else "MeanBackward0")


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The product of the elements over ``dim`` (all when None); integers multiply as int64.

    >>> torch.prod(torch.tensor([1, 2, 3, 4]))
    tensor(24)
    """
    dt = _sum_dtype(input, dtype)
    if dt is not None:
        input = cast(input, dt)
    if dim is not None and input.ndim == 0:
        return on_0d(input, dim, lambda x, d: prod(x, d, keepdim))
    ax = None if dim is None else (one_dim(dim, input.ndim),)
    return apply(lambda x: fnp.prod(x, axis=ax, keepdims=keepdim), (input,), None, "ProdBackward0")


def _widened(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` computed in float64 for a narrower float ``x`` and cast back: torch accumulates ``var``/``std``
    in double, so float32 values near 1e30 (whose squares overflow float32) still have a finite ``std``."""
    def run(x: Any, *args: Any) -> Any:
        dt = fnp.result_type(x)
        if not backend.is_floating(dt) or dt.itemsize >= 8:
            return fn(x, *args)
        return fnp.astype(fn(fnp.astype(x, np.float64), *args), dt)
    return run


def _std(x: Any, ax: tuple[int, ...] | None, correction: float, keepdim: bool) -> Any:
    """``sqrt(var)`` with torch's zero gradient where the variance is 0 (a constant slice), not 0 * inf."""
    v = _var(x, ax, correction, keepdim)
    zero = v == 0
    return fnp.where(zero, fnp.zeros_like(v), fnp.sqrt(fnp.where(zero, fnp.ones_like(v), v)))


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
    return apply(lambda x: _widened(_var)(x, ax, c, keepdim), (_float_only(input),), None, "VarBackward0")


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
    return apply(lambda x: _widened(_std)(x, ax, c, keepdim), (_float_only(input),), None, "StdBackward0")


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
        name = "MaxBackward1" if largest else "MinBackward1"
        ext = fnp.max if largest else fnp.min
        if input._np_dtype().kind != "f":
            return apply(ext, (input,), None, name)
        # torch splits the gradient evenly among the elements equal to the result (the NaNs, if NaN)
        return apply(lambda x: attained(x, ext(fnp.stop_gradient(x), keepdims=True)), (input,), None, name)
    d = one_dim(dim, input.ndim)
    idx = _argext(input, d, True, largest)
    ix = nondiff(idx)
    if input.ndim == 0:
        vals = apply(fnp.copy, (input,), None, "MaxBackward0")  # (a new node: apply never hands back input)
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
    return apply(opmath(input, lambda x: fsp.logsumexp(x, axis=ax, keepdims=keepdim)), (to_float(input),),
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
    x = input if dtype is None else cast(input, _dtypes.to_np(dtype))
    if not backend.is_inexact(x._np_dtype()):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{dtype_name(x._np_dtype())}")
    ax = norm_dim(dim, x.ndim)
    if p == "fro" or p == "inf":
        p = 2 if p == "fro" else float("inf")
    if isinstance(p, str):
        raise NotImplementedError(f"norm(p={p!r}) is not supported by fgrad_nn")
    if p == 0:
        count = zero_derivative(lambda v: fnp.sum(fnp.astype(v != 0, fnp.result_type(v)), axis=ax, keepdims=keepdim))
        return apply(count, (x,), None, "NormBackward1")
    return apply(opmath(x, lambda v: vector_norm(v, p, ax, keepdim)), (x,), None, "NormBackward1")


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
    if input.ndim == 0:
        return on_0d(input, dim, cumsum)
    d = one_dim(dim, input.ndim)
    return apply(opmath(input, lambda x: fnp.cumsum(x, axis=d)), (input,), None, "CumsumBackward0")


def cumprod(input: Tensor, dim: int, *, dtype: DType | None = None) -> Tensor:
    """The running product along ``dim``.

    >>> torch.cumprod(torch.tensor([1, 2, 3]), dim=0)
    tensor([1, 2, 6])
    """
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: cumprod(x, d, dtype=dtype))
    d = one_dim(dim, input.ndim)
    return apply(opmath(input, lambda x: fnp.cumprod(x, axis=d)), (input,), None, "CumprodBackward0")


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
        return _sort_t(apply(fnp.copy, (input,), None, "SortBackward0"), wrap(np.asarray(0, np.int64)))
    if descending:  # NaN is the largest; ties keep their order: the stable ascending sort of the
        # reversed slice, reversed (no negation, so bools, unsigned ints and NaNs sort as torch's)
        n = r.shape[d]
        ix = (n - 1 - xp.flip(xp.argsort(xp.flip(r, axis=d), axis=d, kind="stable"), axis=d)).astype(np.int64)
    else:
        ix = xp.argsort(r, axis=d, kind="stable").astype(np.int64)
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
    if input._np_dtype() == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: topk(x, k, d, largest, sorted))
    d = one_dim(dim, input.ndim)
    n = input.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    sl = (slice(None),) * d + (slice(0, k),)
    ix = nondiff(s.indices)[sl]
    vals = apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None, "TopkBackward0")
    return _topk_t(vals, wrap(ix if array_ops(s.indices) is fnp else array_ops(s.indices).ascontiguousarray(ix)))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median (the lower of the two middle values for an even count); along ``dim``, with indices.

    >>> torch.median(torch.tensor([3.0, 1.0, 4.0, 2.0]))
    tensor(2.)
    """
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:  # torch: NaN (an integer tensor: the lowest integer)
            if input._np_dtype().kind in "fc":
                return flat.sum() * 0 + float("nan")
            return wrap(np.asarray(np.iinfo(input._np_dtype()).min, input._np_dtype()))
        s = sort(flat)
        k = (flat.shape[0] - 1) // 2
        if input._np_dtype().kind != "f":
            return s.values[k]
        ordered = nondiff(s.values)  # NaNs last: any NaN makes the median NaN, as torch's
        v = array_ops(s.values).where(ordered[-1] != ordered[-1], ordered[-1], ordered[k])
        return apply(lambda x: attained(x, fnp.reshape(v, (1,))), (flat,), None, "MedianBackward0")
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: median(x, d))
    d = one_dim(dim, input.ndim)
    if input.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    s = sort(input, d)
    n = input.shape[d]
    ordered, order, xp = nondiff(s.values), nondiff(s.indices), array_ops(s.values)
    k = xp.full(ordered.shape[:d] + (1,) + ordered.shape[d + 1:], (n - 1) // 2, dtype=np.int64)
    if input._np_dtype().kind == "f":  # a slice with NaNs: its first NaN (sorted last), as torch's
        nans = xp.sum(xp.isnan(ordered), axis=d, keepdims=True)
        k = xp.where(nans > 0, n - nans, k)
    ix = xp.take_along_axis(order, k, axis=d)
    v = apply(lambda x: _pick(x, ix, d, keepdim), (input,), None, "MedianBackward1")
    return _median_t(v, wrap(ix if keepdim else xp.squeeze(ix, axis=d)))


def softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None, *, _stacklevel: int = 3) -> Tensor:
    """``exp(input)`` normalised to sum to one along ``dim``.

    >>> torch.softmax(torch.tensor([0.0, 0.0, 0.0, 0.0]), dim=0)
    tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(opmath(input, lambda x: _as_1d(fnn.softmax, x, d)), (to_float(input),), None, "SoftmaxBackward0")


def log_softmax(input: Tensor, dim: int | None = None, dtype: DType | None = None, *,
                _stacklevel: int = 3) -> Tensor:
    """The logarithm of ``softmax`` along ``dim``, computed stably.

    >>> torch.log_softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    d = one_dim(dim if dim is not None else -1, input.ndim)
    return apply(opmath(input, lambda x: _as_1d(fnn.log_softmax, x, d)), (to_float(input),), None,
                 "LogSoftmaxBackward0")


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


# ------------------------------------------------------------------------------- running extrema, modes, orders
__all__ += ["nanmean", "nanmedian", "cummax", "cummin", "logcumsumexp", "aminmax", "msort", "mode", "kthvalue",
            "renorm"]

_cummax_t, _cummin_t, _mode_t, _kthvalue_t, _nanmedian_t = (
    _return_type(n) for n in ("cummax", "cummin", "mode", "kthvalue", "nanmedian"))


def _aminmax_repr(self: Any) -> str:
    return f"torch.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


# torch.return_types.aminmax: a (min, max) namedtuple with torch's name and repr
_aminmax_t = type("aminmax", (collections.namedtuple("_MinMax", ["min", "max"]),),
                  {"__repr__": _aminmax_repr, "__slots__": ()})


def _prefix_scan(op: Callable[[Any, Any], Any], x: Any, d: int, xp: Any) -> Any:
    """The inclusive running ``op`` (associative) of ``x`` along ``d``, in log2(n) whole-array steps (doubling),
    with ``xp``'s functions: runs on NumPy, CuPy and fgrad's traced values alike."""
    n = fnp.shape(x)[d]
    lead = (slice(None),) * d
    step = 1
    while step < n:
        x = xp.concatenate([x[lead + (slice(0, step),)], op(x[lead + (slice(step, None),)],
                                                            x[lead + (slice(0, n - step),)])], axis=d)
        step *= 2
    return x


def _positions(xp: Any, n: int, d: int, nd: int) -> Any:
    """``0 .. n-1`` along dim ``d`` of an ``nd``-dim array (size 1 elsewhere)."""
    return xp.arange(n, dtype=np.int64).reshape((1,) * d + (n,) + (1,) * (nd - d - 1))


def _cum_extreme(input: Tensor, dim: int, largest: bool) -> Any:
    result = _cummax_t if largest else _cummin_t
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: _cum_extreme(x, d, largest))
    d = one_dim(dim, input.ndim)
    r, xp = nondiff(input), array_ops(input)
    best = _prefix_scan(xp.maximum if largest else xp.minimum, r, d, xp)  # NaN propagates, as torch's
    hit = r == best  # where the running extreme is (re)attained; torch takes the latest tie, the latest NaN
    if input._np_dtype().kind in "fc":
        hit = hit | (xp.isnan(r) & xp.isnan(best))
    pos = xp.where(hit, _positions(xp, r.shape[d], d, r.ndim), 0)
    ix = _prefix_scan(xp.maximum, pos, d, xp).astype(np.int64)
    vals = apply(lambda x: fnp.take_along_axis(x, ix, axis=d), (input,), None,
                 "CummaxBackward0" if largest else "CumminBackward0")
    return result(vals, wrap(ix))


def cummax(input: Tensor, dim: int) -> Any:
    """The running maximum along ``dim`` and where it was attained (the latest index among ties; NaN propagates).

    >>> torch.cummax(torch.tensor([1, 3, 2, 3]), dim=0)
    torch.return_types.cummax(
    values=tensor([1, 3, 3, 3]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme(input, dim, True)


def cummin(input: Tensor, dim: int) -> Any:
    """The running minimum along ``dim`` and where it was attained (the latest index among ties; NaN propagates).

    >>> torch.cummin(torch.tensor([3, 1, 2, 1]), dim=0).indices
    tensor([0, 1, 1, 3])
    """
    return _cum_extreme(input, dim, False)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow or underflow.

    >>> torch.logcumsumexp(torch.tensor([0.0, 0.0, -1000.0]), dim=0)
    tensor([0.0000, 0.6931, 0.6931])
    """
    if input._np_dtype().kind not in "fc":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{dtype_name(input._np_dtype())}'")
    if input.ndim == 0:
        return on_0d(input, dim, logcumsumexp)
    d = one_dim(dim, input.ndim)
    return apply(lambda x: _prefix_scan(fnp.logaddexp, x, d, fnp), (input,), None, "LogcumsumexpBackward0")


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """``(min, max)`` of ``input`` (over ``dim``, or all of it), as a ``(min, max)`` namedtuple.

    >>> torch.aminmax(torch.tensor([[1, 5], [7, 2]]), dim=1)
    torch.return_types.aminmax(
    min=tensor([1, 2]),
    max=tensor([5, 7]))
    """
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                               "no identity.")
        return _aminmax_t(amin(input).reshape((1,) * input.ndim if keepdim else ()),
                          amax(input).reshape((1,) * input.ndim if keepdim else ()))
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: aminmax(x, dim=d))
    d = one_dim(dim, input.ndim)
    if input.shape[d] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    return _aminmax_t(amin(input, d, keepdim), amax(input, d, keepdim))


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim (``sort(input, dim=0).values``).

    >>> torch.msort(torch.tensor([[3, 1], [1, 2]]))
    tensor([[1, 1],
            [3, 2]])
    """
    return sort(input, dim=0).values


def _ordered_pick(input: Tensor, dim: int, keepdim: bool, result: Any, name: str,
                  choose: Callable[[Any, Any, Any, int], Any]) -> Any:
    """An order statistic along ``dim``: ``choose(xp, sorted values, sorted indices, d)`` gives the position (in
    sorted order, dim kept) of the chosen element; the value comes from that index, which gets the gradient."""
    if input.ndim == 0:
        return on_0d(input, dim, lambda x, d: _ordered_pick(x, d, keepdim, result, name, choose))
    d = one_dim(dim, input.ndim)
    s = sort(input, d)
    ordered, order, xp = nondiff(s.values), nondiff(s.indices), array_ops(s.values)
    ix = xp.take_along_axis(order, choose(xp, ordered, order, d), axis=d)
    v = apply(lambda x: _pick(x, ix, d, keepdim), (input,), None, name)
    return result(v, wrap(ix if keepdim else xp.squeeze(ix, axis=d)))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element along ``dim`` (``k`` from 1) and its index.

    >>> torch.kthvalue(torch.tensor([3.0, 1.0, 2.0]), 2)
    torch.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    d = one_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")

    def kth(xp: Any, ordered: Any, order: Any, d: int) -> Any:
        return xp.full(ordered.shape[:d] + (1,) + ordered.shape[d + 1:], k - 1, dtype=np.int64)
    return _ordered_pick(input, d if input.ndim else dim, keepdim, _kthvalue_t, "KthvalueBackward0", kth)


def _mode_position(xp: Any, ordered: Any, order: Any, d: int) -> Any:
    """The end (in sorted order) of the longest run of equal values, the smallest value among equally long runs;
    the stable sort puts that run's last original index there, which is torch's index."""
    n = ordered.shape[d]
    lead = (slice(None),) * d
    starts = xp.concatenate([xp.ones_like(ordered[lead + (slice(0, 1),)], dtype=bool),
                             ordered[lead + (slice(1, None),)] != ordered[lead + (slice(0, n - 1),)]], axis=d)
    pos = _positions(xp, n, d, ordered.ndim)
    run = pos - _prefix_scan(xp.maximum, xp.where(starts, pos, 0), d, xp) + 1
    longest = run == xp.max(run, axis=d, keepdims=True)
    return xp.argmax(longest, axis=d, keepdims=True).astype(np.int64)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and its last index.

    >>> torch.mode(torch.tensor([[1, 2, 2, 3, 3], [5, 5, 1, 1, 0]]))
    torch.return_types.mode(
    values=tensor([2, 1]),
    indices=tensor([2, 3]))
    """
    d = one_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return _ordered_pick(input, d if input.ndim else dim, keepdim, _mode_t, "ModeBackward0", _mode_position)


def _nan_median_position(xp: Any, ordered: Any, order: Any, d: int) -> Any:
    """The lower middle of the non-NaN values (sorted first); an all-NaN slice: its first NaN."""
    count = xp.sum(~xp.isnan(ordered), axis=d, keepdims=True)
    return xp.maximum((count - 1) // 2, 0).astype(np.int64)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median ignoring NaNs (NaN only when every element is NaN); along ``dim``, with indices.

    >>> torch.nanmedian(torch.tensor([3.0, float('nan'), 1.0, 2.0]))
    tensor(2.)
    >>> torch.nanmedian(torch.tensor([[float('nan'), 1.0], [2.0, 4.0]]), dim=1)
    torch.return_types.nanmedian(
    values=tensor([1., 2.]),
    indices=tensor([1, 0]))
    """
    if input._np_dtype().kind not in "fc":  # no NaNs: the median
        if dim is None:
            return median(input)
        m = median(input, dim, keepdim)
        return _nanmedian_t(m.values, m.indices)
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:
            return flat.sum() * 0 + float("nan")
        s = sort(flat)
        ordered, xp = nondiff(s.values), array_ops(s.values)
        v = xp.take(ordered, _nan_median_position(xp, ordered, None, 0))
        # torch splits the gradient among the elements equal to the median (the NaNs when all are NaN)
        return apply(lambda x: fnp.reshape(attained(x, v), ()), (flat,), None, "NanmedianBackward0")
    if input.ndim and input.shape[one_dim(dim, input.ndim)] == 0:
        raise IndexError(f"median(): Expected reduction dim {one_dim(dim, input.ndim)} to have non-zero size.")
    return _ordered_pick(input, dim, keepdim, _nanmedian_t, "NanmedianBackward1", _nan_median_position)


def nanmean(input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """The mean over ``dim`` of the elements that are not NaN (NaN where all are).

    >>> torch.nanmean(torch.tensor([1.0, float('nan'), 3.0]))
    tensor(2.)
    """
    if dtype is not None:
        input = cast(input, _dtypes.to_np(dtype))
    if input._np_dtype().kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{dtype_name(input._np_dtype())}")
    ax = norm_dim(dim, input.ndim)

    def count(x: Any) -> tuple[Any, Any]:
        keep = ~fnp.isnan(x)
        return keep, fnp.astype(fnp.sum(keep, axis=ax, keepdims=keepdim), x.dtype)

    @custom_jvp
    def f(x: Any) -> Any:
        keep, n = count(x)
        return fnp.sum(fnp.where(keep, x, fnp.zeros_like(x)), axis=ax, keepdims=keepdim) / n

    @f.defjvp
    def f_jvp(primals: Any, tangents: Any) -> Any:
        # torch's nansum/count: the tangent masked by a product, so an all-NaN slice (count 0) has NaN
        # derivatives, as torch's backward gives, where a ``where`` would give 0
        (x,), (t,) = primals, tangents
        keep, n = count(x)
        return f(x), fnp.sum(t * fnp.astype(keep, t.dtype), axis=ax, keepdims=keepdim) / n
    return apply(f, (input,), None, "NanmeanBackward0")


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` rescaled to norm ``maxnorm``.

    >>> torch.renorm(torch.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    if input._np_dtype().kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{dtype_name(input._np_dtype())}")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = one_dim(dim, input.ndim)
    others = tuple(k for k in range(input.ndim) if k != d)

    def f(x: Any) -> Any:
        size = vector_norm(x, p, others, True)
        # torch's factor: maxnorm / (norm + 1e-7) where the norm exceeds maxnorm
        return x * fnp.where(size > maxnorm, maxnorm / (size + 1e-7), fnp.ones_like(size))
    return apply(f, (input,), None, "RenormBackward0")


TENSOR_METHODS.update({
    "nanmean": nanmean, "nanmedian": nanmedian, "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp,
    "aminmax": aminmax, "msort": msort, "mode": mode, "kthvalue": kthvalue, "renorm": renorm,
    "renorm_": in_place(renorm, "RenormBackward0"),
})


# ----------------------------------------------------------- quantiles, binning, distances, covariance, integrals
__all__ += ["quantile", "nanquantile", "searchsorted", "bucketize", "cdist", "dist", "cov", "corrcoef", "trapezoid",
            "trapz", "cumulative_trapezoid", "bincount"]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q: Tensor | float, dim: int | None, keepdim: bool, interpolation: str,
              skip_nan: bool) -> Tensor:
    if input._np_dtype() not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q._np_dtype() != input._np_dtype():
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qv, xp = nondiff(q), array_ops(q)
        if not bool(xp.all((qv >= 0) & (qv <= 1))):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    elif not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else one_dim(dim, input.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    s = sort(movedim(x, d, -1), -1).values  # NaNs last
    r, xp = nondiff(s), array_ops(s)
    n = r.shape[-1]
    qs = xp.reshape(nondiff(q) if isinstance(q, Tensor) else xp.asarray(q, r.dtype), (-1,))
    nans = xp.sum(xp.isnan(r), axis=-1, keepdims=True)
    if skip_nan:  # the non-NaN values only; an all-NaN slice: its last (NaN) value
        count = n - nans
        rank = xp.where(count > 0, qs * (count - 1).astype(r.dtype), n - 1)
    else:  # any NaN makes the quantile NaN: the last value
        rank = xp.where(nans > 0, xp.asarray(n - 1, r.dtype), qs * (n - 1))
    if interpolation == "nearest":
        rank = xp.round(rank)  # half to even, as torch
    lo, hi = xp.floor(rank), xp.ceil(rank)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        hi = lo
    w = xp.where(hi > lo, xp.asarray(0.5, r.dtype), 0) if interpolation == "midpoint" else rank - lo
    ilo, ihi, w = lo.astype(np.int64), hi.astype(np.int64), w.astype(r.dtype)

    def interpolate(v: Any) -> Any:
        a, b = fnp.take_along_axis(v, ilo, axis=-1), fnp.take_along_axis(v, ihi, axis=-1)
        # torch's lerp: exact at both ends
        return fnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))
    out = movedim(apply(interpolate, (s,), None, "QuantileBackward0"), -1, 0)  # q's dim first
    if keepdim:
        out = out.reshape((out.shape[0],) + ((1,) * input.ndim if dim is None else
                                             tuple(1 if k == d else m for k, m in enumerate(input.shape))))
    return out[0] if not isinstance(q, Tensor) or q.ndim == 0 else out


def quantile(input: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles of ``input`` (over ``dim``; all of it when None); a 1-D ``q`` adds a first dim.
    ``interpolation`` between the two nearest values: linear, lower, higher, midpoint or nearest. NaN in a
    slice makes its quantile NaN.

    >>> torch.quantile(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0.25, 0.5]))
    tensor([1.7500, 2.5000])
    """
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Tensor | float, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` of the values that are not NaN (NaN where a slice has none).

    >>> torch.nanquantile(torch.tensor([1.0, float('nan'), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, True)


def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (along its last dim) to keep it
    sorted: before equal values, or after them with ``right=True``/``side='right'``.

    >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]))
    tensor([1, 3])
    >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), right=True)
    tensor([2, 3])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq, xp = nondiff(sorted_sequence), array_ops(sorted_sequence)
    if sorter is not None:
        seq = xp.take_along_axis(seq, nondiff(sorter), axis=-1)
    v = nondiff(input) if isinstance(input, Tensor) else xp.asarray(input)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, v, side="right" if right else "left")
    else:
        if tuple(seq.shape[:-1]) != tuple(v.shape[:-1]):
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(v.shape)}")
        below = seq[..., None, :] <= v[..., :, None] if right else seq[..., None, :] < v[..., :, None]
        out = xp.sum(below | xp.isnan(v[..., :, None]) if v.dtype.kind == "f" else below, axis=-1)
    return wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of ``boundaries`` (1-D, sorted) each value falls in: ``boundaries[i-1] < x <=
    boundaries[i]`` (``<= x <`` with ``right=True``).

    >>> torch.bucketize(torch.tensor([1, 4, 9]), torch.tensor([1, 5, 9]))
    tensor([0, 1, 2])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M): (..., P, R).

    >>> torch.cdist(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
        if x._np_dtype().kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{dtype_name(x._np_dtype())}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    def distances(a: Any, b: Any) -> Any:
        gaps = fnp.expand_dims(a, -2) - fnp.expand_dims(b, -3)
        if p == 0:  # the count of differing coordinates: torch's result requires grad, its gradient is 0
            return fnp.sum(fnp.astype(gaps != 0, fnp.result_type(gaps)), axis=-1)
        return vector_norm(gaps, p, (-1,), False)
    return apply(zero_derivative(distances) if p == 0 else distances, (x1, x2), None, "CdistBackward0")


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast), over all elements.

    >>> torch.dist(torch.tensor([1.0, 1.0]), torch.tensor([4.0, 5.0]))
    tensor(5.)
    """
    return norm(input - other, p)


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in its columns); a 1-D
    ``input`` is one variable (0-d result).

    >>> torch.cov(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    fw = nondiff(fweights) if fweights is not None else None
    x = to_float(input)
    dt = x._np_dtype()  # NumPy's cov computes in float64 at least; torch's in the input's dtype
    if aweights is None:
        return apply(lambda v: fnp.cov(v, ddof=correction, fweights=fw, dtype=dt), (x,), None, "CovBackward0")
    return apply(lambda v, a: fnp.cov(v, ddof=correction, fweights=fw, aweights=a, dtype=dt),
                 (x, cast(aweights, dt)), None, "CovBackward0")


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the variables in the rows of ``input``.

    >>> torch.corrcoef(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    sd = apply(lambda m: fnp.sqrt(fnp.diagonal(m)), (c,), None, "SqrtBackward0")
    r = c / sd[:, None] / sd[None, :]
    # rounding may step past +-1: clipped, as torch's
    return apply(lambda m: fnp.clip(m, -1, 1), (r,), None, "ClampBackward1") if r._np_dtype().kind == "f" else r


def _trapezoid_dim(y: Tensor, dim: int) -> int:
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return one_dim(dim, y.ndim)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule's integral of ``y`` along ``dim``, at sample points ``x`` (or spacing ``dx``, 1).

    >>> torch.trapezoid(torch.tensor([1.0, 2.0, 3.0]))
    tensor(4.)
    """
    d = _trapezoid_dim(y, dim)
    if y.shape[d] == 0:  # torch: zeros, outside the graph
        r = nondiff(to_float(y))
        return wrap(array_ops(y).zeros(r.shape[:d] + r.shape[d + 1:], r.dtype))
    if x is None:
        step = 1.0 if dx is None else dx
        return apply(lambda v: fnp.trapezoid(v, dx=step, axis=d), (to_float(y),), None, "TrapezoidBackward0")
    return apply(lambda v, t: fnp.trapezoid(v, t, axis=d), (to_float(y), to_float(x)), None, "TrapezoidBackward0")


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """``trapezoid`` (its older name).

    >>> torch.trapz(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0, 3.0]))
    tensor(6.5000)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one element fewer than ``y``).

    >>> torch.cumulative_trapezoid(torch.tensor([1.0, 2.0, 3.0]))
    tensor([1.5000, 4.0000])
    """
    if y.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = one_dim(dim, y.ndim)
    n = y.shape[d]
    m = builtins.max(n - 1, 0)
    yf = to_float(y)
    mid = (yf.narrow(d, 1, m) + yf.narrow(d, 0, m)) / 2 if n else yf
    if x is not None:
        xd = 0 if x.ndim == 1 else d
        k = x.shape[xd]
        step = x.narrow(xd, 1, builtins.max(k - 1, 0)) - x.narrow(xd, 0, builtins.max(k - 1, 0))
        if x.ndim == 1:
            step = step.reshape(tuple(-1 if i == d else 1 for i in range(y.ndim)))
        mid = mid * step
    elif dx is not None:
        mid = mid * dx
    return cumsum(mid, d)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0 .. max(input)`` occurs in the 1-D non-negative integer ``input`` (the sum of
    ``weights`` there, if given); at least ``minlength`` bins.

    >>> torch.bincount(torch.tensor([0, 2, 2]))
    tensor([1, 0, 2])
    """
    r, xp = nondiff(input), array_ops(input)
    if r.dtype.kind not in "iu" and r.dtype != np.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{dtype_name(r.dtype)}'")
    if r.ndim != 1 or (r.size and bool(xp.any(r < 0))):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    size = builtins.max(int(r.max()) + 1 if r.size else 0, minlength)
    if weights is None:
        return wrap(xp.bincount(r, minlength=size).astype(np.int64))
    w = weights if weights._np_dtype().kind == "f" else cast(weights, np.dtype(np.float64))
    # torch has no derivative for bincount
    def count(v: Any) -> Any:
        return fnp.at(fnp.full((size,), 0, dtype=fnp.result_type(v), like=v))[r].add(v)
    return apply(no_derivative(count, "_bincount"), (w,), None, "NotImplemented")


TENSOR_METHODS.update({"quantile": quantile, "nanquantile": nanquantile, "dist": dist, "cov": cov,
                       "corrcoef": corrcoef, "bincount": bincount})


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """The counts of ``input``'s elements in ``bins`` equal bins over ``[min, max]`` (the data's range when both
    are 0); elements outside are ignored.

    >>> torch.histc(torch.tensor([1.0, 2.0, 2.0, 5.0]), bins=4)
    tensor([1., 2., 0., 1.])
    """
    r, xp = nondiff(input), array_ops(input)
    if r.dtype.kind not in "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{dtype_name(r.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for bins")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} and max {hi}")
    if lo == hi and r.size:
        lo, hi = float(r.min()), float(r.max())
    if lo == hi:  # torch widens an empty range by one on each side
        lo, hi = lo - 1, hi + 1
    counts, _ = xp.histogram(r.reshape(-1), bins=bins, range=(lo, hi))
    return wrap(xp.asarray(counts).astype(r.dtype))


__all__ += ["histc"]
TENSOR_METHODS.update({"histc": histc})
