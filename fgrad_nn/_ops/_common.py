"""Helpers shared by the op families: casting, dims, shape arguments."""
from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

import numpy as np

import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import Tracer, concrete
from fgrad.custom import custom_vjp

from .. import _dtypes
from .._tensor import Tensor, apply, inplace, transform_traced

_F = TypeVar("_F", bound=Callable[..., Any])


def cast(t: Tensor, np_dtype: np.dtype | None) -> Tensor:
    """``t`` as ``np_dtype`` (differentiable); ``t`` itself when it already is (or ``np_dtype`` is None)."""
    if np_dtype is None or t._np_dtype() == np_dtype:
        return t
    return apply(fnp.astype, (t,), {"dtype": np_dtype}, "ToCopyBackward0")


def promote_all(operands: Sequence[Any]) -> tuple[list[Any], np.dtype]:
    """The Tensor operands cast to torch's result dtype of all ``operands`` (Tensors with dims, then 0-d
    Tensors, then Python scalars, each weaker within a category); the rest (numbers, None) as they are.

    >>> [t.dtype for t in promote_all([torch.tensor([1]), torch.tensor(2.0, dtype=torch.float64), 0.5])[0][:2]]
    [torch.float64, torch.float64]
    """
    dims: list[np.dtype] = []
    zerod: list[np.dtype] = []
    scalars: list[Any] = []
    for v in operands:
        if isinstance(v, Tensor):
            (dims if v.ndim else zerod).append(v._np_dtype())
        elif v is not None:
            scalars.append(v.item() if isinstance(v, np.generic) else v)
    want = _dtypes.result_np(dims, zerod, scalars)
    return [cast(v, want) if isinstance(v, Tensor) else v for v in operands], want


def in_float32(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` on bfloat16 arrays computed as torch does: its bfloat16 arguments widened to float32 (Python
    scalars stay float32 too), and the result rounded to bfloat16 once (sums and products accumulate in float32).
    Differentiable: the casts' derivatives round each gradient to bfloat16 as torch's backward ops do.

    >>> x = torch.tensor([1.0, 2.0**-8, 2.0**-8], dtype=torch.bfloat16)
    >>> x.sum().item(), x[0].item() + x[1].item() + x[2].item()
    (1.0078125, 1.0078125)
    """
    def run(*xs: Any, **kwargs: Any) -> Any:
        wide = [fnp.astype(x, np.float32) if x is not None and backend.is_bfloat16(fnp.result_type(x)) else x
                for x in xs]
        out = fn(*wide, **kwargs)  # (a bool or int result, isnan's say, stays as it is)
        if isinstance(out, (list, tuple)):
            return type(out)(_round_float32(o) for o in out)
        return _round_float32(out)
    return run


def _round_float32(x: Any) -> Any:
    return fnp.astype(x, backend.bfloat16()) if x is not None and fnp.result_type(x) == np.float32 else x


def opmath(t: Tensor, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as torch computes it on ``t``'s dtype: ``in_float32(fn)`` for a bfloat16 ``t``, else ``fn`` itself.

    >>> opmath(torch.ones(2), np.cumsum) is np.cumsum
    True
    """
    return in_float32(fn) if backend.is_bfloat16(t._np_dtype()) else fn


def fused_in_float32(op: Callable[..., Tensor], *tensors: Tensor, **kwargs: Any) -> Tensor | None:
    """``op`` (a composite of several torch ops) on float32 copies of bfloat16 ``tensors``, rounded back once, as
    torch's fused kernel (addmm, addcmul ...) computes it; None when no tensor is bfloat16.

    >>> print(fused_in_float32(torch.add, torch.ones(1), torch.ones(1)))
    None
    """
    if not any(backend.is_bfloat16(t._np_dtype()) for t in tensors):
        return None
    f32 = np.dtype(np.float32)
    return cast(op(*(cast(t, f32) if backend.is_bfloat16(t._np_dtype()) else t for t in tensors), **kwargs),
                backend.bfloat16())


def nondiff(t: Tensor) -> Any:
    """The value of ``t`` where no derivative flows (an index, a mask, a condition): its raw array, or under an
    fgrad transform its traced value with the derivatives stopped (under vmap: one example, the raw array being
    the whole batch)."""
    d = t._data
    return fnp.stop_gradient(d) if transform_traced(d) else concrete(d)


def array_ops(t: Tensor) -> Any:
    """The module to compute on ``nondiff(t)`` with: the raw array's (NumPy or CuPy), fgrad.numpy for a traced
    value."""
    return fnp if transform_traced(t._data) else backend.get_array_module(concrete(t._data))


def to_float(t: Tensor) -> Tensor:
    """Integer/bool tensors become the default float dtype (torch's exp, sqrt, mean ...)."""
    if t._np_dtype().kind in "biu":
        return cast(t, _dtypes.get_default_dtype().np)
    return t


def norm_dim(dim: int | Sequence[int] | None, nd: int) -> tuple[int, ...] | None:
    """torch dim (int, tuple, None) -> fgrad axis (None or tuple of non-negative ints)."""
    if dim is None:
        return None
    n = max(nd, 1)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(int(d) % n)
    return tuple(out) if nd else None


def one_dim(dim: int, nd: int) -> int:
    n = max(nd, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def on_0d(input: Tensor, dim: int, run: Callable[[Tensor, int], Any]) -> Any:
    """An op along ``dim`` of a 0-d ``input``, as torch reads it: one element along dim 0 (or -1). Runs
    ``run(input as 1-D, 0)`` and makes every Tensor of the result 0-d again.

    >>> on_0d(torch.tensor(3.0), -1, lambda x, d: torch.cumsum(x, d))
    tensor(3.)
    """
    one_dim(dim, 0)
    out = run(input.reshape(1), 0)
    if isinstance(out, Tensor):
        return out.reshape(())
    items = [o.reshape(()) if isinstance(o, Tensor) else o for o in out]
    return type(out)(items) if type(out) in (tuple, list) else type(out)(*items)  # a namedtuple


def no_out(out: object) -> None:
    """torch's ``out=``: not supported, rather than ignored (fgrad_nn's tensors are values)."""
    if out is not None:
        raise NotImplementedError("out= is not supported by fgrad_nn (tensors are values; use the result)")


def shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))`` or ``f(torch.Size)`` -> tuple of ints."""
    sizes = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return tuple(int(s) for s in sizes)



def document(fn: _F, name: str, summary: str, example: str) -> _F:
    """Give a factory-made op its public name and its own docstring: a summary and a checked example."""
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{summary}\n\n{example}\n"
    return fn


def no_derivative(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` whose result requires grad as torch's does, but whose backward raises torch's error for an op
    without a derivative (``//``: ``derivative for aten::floor_divide is not implemented``)."""
    def refuse(*_: Any) -> Any:
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    f = custom_vjp(fn)
    f.defvjp(lambda *a: (fn(*a), None), refuse)
    return f


def zero_derivative(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (a rounding: floor, sign, ...), its result tied to the traced arguments with a zero derivative:
    torch's result of a float op on a tensor that requires grad requires grad too, with zero gradients.
    The tie is a ``where`` that never picks the argument, so its derivative is an exact zero."""
    def run(*xs: Any) -> Any:
        out = fn(*xs)
        traced = [x for x in xs if isinstance(x, Tracer)]
        if not traced or not backend.is_inexact(fnp.result_type(out)):
            return out
        for x in traced:
            if fnp.shape(x) == fnp.shape(out):
                out = fnp.where(fnp.zeros_like(out, dtype=bool), x, out)
            else:  # a reduction: a zero made from x (an elementwise result keeps its -0.0 above)
                out = out + fnp.sum(fnp.where(fnp.zeros_like(x, dtype=bool), x, fnp.zeros_like(x)))
        return out
    return run


def in_place(op: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    """``Tensor.<op>_``: ``op`` computed out of place, its result written into ``self`` (graph re-pointed,
    version bumped), as ``index_add_`` has it. ``op`` reads a copy of ``self``: the nodes of a composite ``op``
    may save their input, which the write would otherwise spoil."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        new = op(self.clone() if self.requires_grad else self, *args, **kwargs)
        return inplace(self, lambda s, n: n, (new,), name)
    method.__name__ = method.__qualname__ = f"{op.__name__}_"
    method.__doc__ = f"``Tensor.{op.__name__}_``: ``{op.__name__}`` in place; returns ``self``."
    return method
