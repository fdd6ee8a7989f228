"""Affine layers: ``linear``, ``bilinear`` and the ``Linear``, ``Bilinear``, ``Identity`` layers.

>>> import fgrad.random as fr, numpy as np
>>> layer = Linear(3, 2)
>>> params, state = layer.init(fr.key(0))
>>> params["weight"].shape, params["bias"].shape
((2, 3), (2,))
>>> y, _ = layer.apply(params, state, np.ones((4, 3), np.float32))
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.numpy as fnp
from fgrad import batching
from fgrad.core import Primitive as defprim

from .base import Layer, bias_uniform, kaiming_uniform, split_key
from .torch_rules import shape_str

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = ["linear", "bilinear", "identity", "Linear", "Bilinear", "Identity"]


def _shape(x):
    s = getattr(x, "shape", None)  # arrays and tracers have one; np.shape would dispatch through fgrad
    return tuple(np.shape(x) if s is None else s)


def linear(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> Array:
    """``input @ weight.T + bias`` (torch.nn.functional.linear).

    ``input`` is ``(*, in)``, ``weight`` ``(out, in)`` (or ``(in,)``), ``bias`` ``(out,)``; the result is ``(*, out)``.

    >>> x = np.array([[1.0, 2.0]])
    >>> w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> fgrad.nn.functional.linear(x, w, np.array([0.0, 0.0, 0.5]))
    array([[1. , 2. , 3.5]])
    """
    xs, ws = _shape(input), _shape(weight)
    if not xs or ws[-1] != xs[-1] or len(ws) > 2:
        a = "x".join(map(str, (math.prod(xs[:-1]), xs[-1]) if xs else (1,)))
        b = "x".join(map(str, ws[::-1] if len(ws) == 2 else ws))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a} and {b})")
    if bias is not None and len(ws) == 2:
        _check_bias(_shape(bias), (math.prod(xs[:-1]), ws[0]))
    if len(ws) == 2 and len(xs) >= 2:
        y = _linear.bind(input, weight)
    else:
        y = fnp.matmul(input, fnp.transpose(weight) if len(ws) == 2 else weight)
    return y if bias is None else y + bias


# ------------------------------------------------------------------ the x @ w.T primitive

# A primitive rather than matmul(x, transpose(w)): that composite's weight cotangent is the transposed
# view (x^T g)^T, so an in-place update of the C-ordered weight mixes layouts (a slow strided loop).
# Here it is the C-ordered product g^T x, as torch's linear backward computes it. Forward values are
# matmul(x, w.T) over x's rows: a batched x is folded into one matrix (one GEMM, as torch's linear folds
# its input; NumPy would loop over the batch).

def _linear_impl(x, w):
    if x.ndim == 2:
        return x @ w.T  # (the operator: NumPy or CuPy, whichever holds the arrays)
    rows = math.prod(x.shape[:-1])
    return (x.reshape(rows, x.shape[-1]) @ w.T).reshape(x.shape[:-1] + (w.shape[0],))


def _rows(a):
    s = _shape(a)
    return fnp.reshape(a, (math.prod(s[:-1]), s[-1]))  # explicit rows: -1 is ambiguous with a 0 axis


def _linear_vjp_x(g, ans, x, w):
    return fnp.reshape(fnp.matmul(_rows(g), w), _shape(x))


def _linear_vjp_w(g, ans, x, w):
    return fnp.matmul(fnp.transpose(_rows(g)), _rows(x))


def _linear_batch(prim, args, dims, params):
    """An unmapped weight: the batch is one more leading axis of x. A mapped weight: one batched matmul
    over x's rows (batch first)."""
    (x, w), (dx, dw) = args, dims
    nx = len(batching._shape(x))
    if dw is None:
        return (_linear.bind(x, w), dx) if dx < nx - 1 else (_linear.bind(batching.moveaxis(x, dx, 0), w), 0)
    size = batching.axis_size(args, dims)
    w = batching.to_front(w, dw)
    if dx is None:
        lead = batching._shape(x)[:-1]
        xr = batching.reshape(x, (math.prod(lead), batching._shape(x)[-1]))
    else:
        x = batching.to_front(x, dx)
        lead = batching._shape(x)[1:-1]
        xr = batching.reshape(x, (size, math.prod(lead), batching._shape(x)[-1]))
    out = fnp.matmul(xr, fnp.swapaxes(w, -1, -2))
    return batching.reshape(out, (size,) + tuple(lead) + (batching._shape(w)[1],)), 0


_linear: defprim = defprim("linear", _linear_impl,
                  vjp=(_linear_vjp_x, _linear_vjp_w),
                  jvp=(lambda t, ans, x, w: _linear.bind(t, w), lambda t, ans, x, w: _linear.bind(x, t)),
                  reads_output=False, batch=_linear_batch)


def _check_bias(bs, target):
    """torch's addmm expands the bias to ``(batch, out_features)``: its error when it cannot."""
    for k in range(1, min(len(bs), len(target)) + 1):
        if bs[-k] not in (1, target[-k]):
            raise RuntimeError(f"The expanded size of the tensor ({target[-k]}) must match the existing size "
                               f"({bs[-k]}) at non-singleton dimension {len(target) - k}.  Target sizes: "
                               f"{shape_str(target)}.  Tensor sizes: {shape_str(bs)}")


def bilinear(input1: ArrayLike, input2: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> Array:
    """``y_k = x1 @ weight[k] @ x2 + bias[k]`` (torch.nn.functional.bilinear).

    ``input1`` is ``(*, in1)``, ``input2`` ``(*, in2)``, ``weight`` ``(out, in1, in2)``; the result is ``(*, out)``.

    >>> w = np.arange(6.0).reshape(1, 2, 3)
    >>> fgrad.nn.functional.bilinear(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0]]), w)
    array([[114.]])
    """
    s1, s2, ws = _shape(input1), _shape(input2), _shape(weight)
    if len(ws) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(ws)} dimension(s)")
    if s1[:-1] != s2[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {s1[:-1]} and {s2[:-1]}")
    if s1[-1] != ws[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {ws[1]}")
    if s2[-1] != ws[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {ws[2]}")
    y = fnp.einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias


def identity(input: ArrayLike) -> Array:
    """Returns ``input`` unchanged (the function behind :class:`Identity`).

    >>> fgrad.nn.functional.identity(np.array([1, 2]))
    array([1, 2])
    """
    return input


class Linear(Layer):
    """``y = x W^T + b``; torch's init: W ~ kaiming_uniform(a=sqrt(5)), b ~ U(+-1/sqrt(in_features)).

    ``init(key)`` gives ``({"weight": (out_features, in_features), "bias": (out_features,)}, {})``;
    ``apply(params, state, x)`` maps ``(*, in_features)`` to ``(*, out_features)``.

    >>> layer = fgrad.nn.Linear(2, 3)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((3, 2), (3,))
    >>> y, state = layer.apply(params, state, np.ones((4, 2), np.float32))
    >>> y.shape
    (4, 3)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        self.in_features, self.out_features = int(in_features), int(out_features)
        if self.in_features < 0 or self.out_features < 0:
            raise ValueError(f"Linear: in_features and out_features must be non-negative, got "
                             f"{in_features} and {out_features}")
        self.bias = bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        kw, kb = split_key(key, 2)
        shape = (self.out_features, self.in_features)
        params = {"weight": kaiming_uniform(kw, shape, a=math.sqrt(5), dtype=self.dtype)}
        if self.bias:
            params["bias"] = bias_uniform(kb, (self.out_features,), self.in_features, self.dtype)
        return params, {}

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return linear(x, params["weight"], params.get("bias"))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias}"


class Bilinear(Layer):
    """``y = x1^T A x2 + b``; torch's init: A and b ~ U(+-1/sqrt(in1_features)).

    Params: ``weight (out_features, in1_features, in2_features)`` and ``bias (out_features,)``;
    ``apply(params, state, x1, x2)`` takes ``(*, in1_features)`` and ``(*, in2_features)``.

    >>> layer = fgrad.nn.Bilinear(2, 3, 4)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape
    (4, 2, 3)
    >>> layer.apply(params, state, np.ones((5, 2), np.float32), np.ones((5, 3), np.float32))[0].shape
    (5, 4)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        self.bias = bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        kw, kb = split_key(key, 2)
        fan = self.in1_features
        params = {"weight": bias_uniform(kw, (self.out_features, self.in1_features, self.in2_features), fan,
                                         self.dtype)}
        if self.bias:
            params["bias"] = bias_uniform(kb, (self.out_features,), fan, self.dtype)
        return params, {}

    def call(self, params: PyTree, x1: ArrayLike, x2: ArrayLike, *, train: bool = False,
             key: Array | None = None) -> Array:
        return bilinear(x1, x2, params["weight"], params.get("bias"))

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias}")


class Identity(Layer):
    """Returns its input (any arguments to the constructor are ignored, as in torch).

    >>> fgrad.nn.Identity(54, unused="x").apply({}, {}, np.array([1.0, 2.0]))[0]
    array([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def call(self, params: PyTree, x: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return x
