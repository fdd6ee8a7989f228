"""Elementwise ops and operators, with torch's type promotion."""
from __future__ import annotations

import builtins
import math
import sys
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp
from fgrad import backend
from fgrad.nn.torch_rules import absolute as torch_abs, clip as torch_clip
from fgrad.nn.torch_rules import dtype_name
from fgrad.core import Tracer, VJPTracer

from .. import _dtypes
from .._device import put
from .._tensor import Tensor, apply, inplace, wrap
from ._common import (array_ops, cast, document, fused_in_float32, in_float32, in_place, no_derivative, no_out,
                      nondiff, promote_all, to_float, zero_derivative)

if TYPE_CHECKING:
    from .._dtypes import dtype
from .creation import tensor
from .indexing import nonzero

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg",
           "negative", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sin",
           "cos", "tan", "tanh", "sigmoid", "relu", "clamp", "clip", "square", "sign", "floor", "ceil",
           "round", "trunc", "reciprocal", "eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum",
           "where", "masked_fill", "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not",
           "remainder", "fmod", "floor_divide", "atan2", "asin", "acos", "atan", "sinh", "cosh", "erf",
           "lerp", "equal", "allclose", "isclose", "exp2", "logaddexp", "addcmul", "addcdiv",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "positive", "arcsin", "arccos",
           "arctan", "absolute", "result_type"]

_float, _int, _bool = float, int, bool


def _scalar(x):
    """Python scalar for NumPy scalars and 0-d arrays met as operands (torch treats them so)."""
    if isinstance(x, np.generic):
        return x.item()
    return x


def promote(a: Any, b: Any) -> tuple[Any, Any, np.dtype]:
    """Cast the Tensor operands of a binary op to torch's result dtype."""
    if isinstance(a, Tensor):
        da = a._np_dtype()
        if isinstance(b, Tensor):
            db = b._np_dtype()
            if da == db:
                return a, b, da
            dims: list[np.dtype] = []
            zerod: list[np.dtype] = []
            (dims if a.ndim else zerod).append(da)
            (dims if b.ndim else zerod).append(db)
            want = _dtypes.result_np(dims, zerod, ())
            return cast(a, want), cast(b, want), want
        b = _scalar(b)
        if not isinstance(b, (_float, _int, complex)):
            b = _tensor_arg(b, a)
            return promote(a, b)
        k = da.kind
        if (k in "biu" and isinstance(b, _float)) or (k == "b" and not isinstance(b, _bool)) or \
                (isinstance(b, complex) and k != "c"):
            want = _dtypes.result_np([da] if a.ndim else [], [] if a.ndim else [da], (b,))
            return cast(a, want), b, want
        return a, b, da
    if isinstance(b, Tensor):
        b2, a2, want = promote(b, a)
        return a2, b2, want
    a, b = _tensor_arg(a, None), _tensor_arg(b, None)
    return promote(a, b)


def result_type(a: Tensor | complex, b: Tensor | complex) -> dtype:
    """The dtype torch's type promotion gives an operation on ``a`` and ``b`` (Tensors or Python scalars).

    >>> torch.result_type(torch.tensor([1, 2]), 1.0)
    torch.float32
    >>> torch.result_type(torch.tensor([1, 2], dtype=torch.uint8), torch.tensor(1))
    torch.uint8
    """
    dims: list[np.dtype] = []
    zerod: list[np.dtype] = []
    scalars: list[complex] = []
    for x in (a, b):
        if isinstance(x, Tensor):
            (dims if x.ndim else zerod).append(x._np_dtype())
        else:
            scalars.append(x)
    return _dtypes.from_np(_dtypes.result_np(dims, zerod, scalars))


def _tensor_arg(x, like):
    return tensor(x, device=like.device if like is not None else None)


_ndarray = np.ndarray


def binary(fn: Callable[..., Any], name: str, divide: bool = False) -> Callable[..., Tensor]:
    def op(input: Tensor | complex, other: Tensor | complex, *, out: Tensor | None = None) -> Tensor:
        # fast path: two untracked NumPy tensors of one dtype (no promotion, no graph, no views to refresh)
        if type(input) is Tensor and type(other) is Tensor and out is None:
            da, db = input._data, other._data
            if type(da) is _ndarray and type(db) is _ndarray and da.dtype == db.dtype and \
                    input._base is None and other._base is None and not (divide and da.dtype.kind in "biu"):
                try:
                    return wrap(fn(da, db))
                except ValueError:
                    pass  # the general path raises torch's error
            # two Tensors of one dtype (on the tape, say): nothing to promote. (_np_dtype, inlined
            # for an array or the tape's tracer of one)
            ra = da._value if type(da) is VJPTracer else da
            rb = db._value if type(db) is VJPTracer else db
            dt = ra.dtype if type(ra) is _ndarray else input._np_dtype()
            if dt == (rb.dtype if type(rb) is _ndarray else other._np_dtype()) and \
                    not (divide and dt.kind in "biu"):
                return apply(fn, (input, other), None, name)
        elif (type(other) is _float or type(other) is _int) and isinstance(input, Tensor) and out is None and \
                input._np_dtype().kind in "fc":
            return apply(fn, (input, other), None, name)  # a float Tensor and a Python number: as promote() ends
        if out is not None:
            no_out(out)
        a, b, dt = promote(input, other)
        if divide and dt.kind in "biu":
            want = _dtypes.get_default_dtype().np
            a = cast(a, want) if isinstance(a, Tensor) else a
            b = cast(b, want) if isinstance(b, Tensor) else b
        if backend.is_bfloat16(dt):
            return apply(in_float32(fn), (_scalar_operand(input, a), _scalar_operand(other, b)), None, name)
        return apply(fn, (a, b), None, name)
    return op


def _scalar_operand(given: Any, promoted: Any) -> Any:
    """A 0-d tensor of another dtype beside bfloat16 ones is a float32 scalar to torch's kernel (its value is
    not rounded to bfloat16 first); other operands as promoted."""
    if isinstance(given, Tensor) and given.ndim == 0 and not backend.is_bfloat16(given._np_dtype()):
        return cast(given, np.dtype(np.float32))
    return promoted


def compare(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    def op(input: Tensor | complex, other: Tensor | complex, *, out: Tensor | None = None) -> Tensor:
        no_out(out)
        if not isinstance(input, Tensor):
            input = _tensor_arg(input, other)
        other = _scalar(other)
        if not isinstance(other, (Tensor, _float, _int)):
            other = _tensor_arg(other, input)
        return apply(fn, (input, other))
    return op


def bitwise(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    """A bitwise op of two operands: torch's promotion, then integer or bool results only (a float result
    is torch's NotImplementedError for the kernel)."""
    def op(input: Tensor | complex, other: Tensor | complex, *, out: Tensor | None = None) -> Tensor:
        no_out(out)
        a, b, dt = promote(input, other)
        if dt.kind in "fc":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dtype_name(dt)}'")
        return apply(fn, (a, b))
    return op


def unary(fn: Callable[..., Any], name: str, floating: bool = True, bool_error: Exception | None = None,
          bool_as: Any = None) -> Callable[..., Tensor]:
    """A torch op of one tensor over ``fn``: ``floating`` ops compute on integers in the default float dtype;
    on a bool tensor torch raises ``bool_error`` or computes in ``bool_as`` (square: int64)."""
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if out is not None:
            no_out(out)
        if (bool_error is not None or bool_as is not None) and input._np_dtype() == np.bool_:
            if bool_error is not None:
                raise type(bool_error)(*bool_error.args)
            input = cast(input, np.dtype(bool_as))
        if floating:
            d = input._data  # input._np_dtype(), inlined for an array or the tape's tracer of one
            r = d._value if type(d) is VJPTracer else d
            if (r.dtype if type(r) is _ndarray else input._np_dtype()).kind in "biu":
                input = to_float(input)
        if "ml_dtypes" in sys.modules and backend.is_bfloat16(input._np_dtype()) and not _bfloat16_loop(fn):
            return apply(in_float32(fn), (input,), None, name)
        return apply(fn, (input,), None, name)
    return op


_BFLOAT16_LOOPS: dict[Any, bool] = {}


def _bfloat16_loop(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` maps bfloat16 to bfloat16 itself (ml_dtypes' loops compute in float32 and round once,
    as torch does, and its derivative rule then rounds as torch's backward does); if not (erf, expit ...),
    the op runs through ``in_float32``."""
    if fn not in _BFLOAT16_LOOPS:
        try:
            ok = fnp.result_type(fn(np.ones(1, backend.bfloat16()))) == backend.bfloat16()
        except TypeError:
            ok = False
        _BFLOAT16_LOOPS[fn] = ok
    return _BFLOAT16_LOOPS[fn]


add_ = binary(fnp.add, "AddBackward0")
sub_ = binary(fnp.subtract, "SubBackward0")
mul = multiply = document(binary(fnp.multiply, "MulBackward0"), "mul",
                          "``input * other``, elementwise with broadcasting (``multiply`` is an alias).",
                          ">>> torch.mul(torch.tensor([1, 2, 3]), 2)\ntensor([2, 4, 6])")
div_ = binary(fnp.divide, "DivBackward0", divide=True)
def _torch_power(x: Any, y: Any) -> Any:
    """``x ** y`` with torch's exponent gradient ``ans * log(x)`` at ``x = +0, y < 0``: ``inf * -inf = -inf``
    (fgrad's, as JAX's, is NaN there); those entries are ``exp(y * log(x))``, whose slopes are torch's."""
    if not isinstance(y, (_int, _float)) and fnp.result_type(x, y).kind in "iu" and fnp.result_type(y).kind == "i":
        return _int_power(x, y)  # (a negative Python int exponent is refused by pow)
    if not isinstance(y, Tracer) or fnp.result_type(x, y).kind != "f":
        return fnp.power(x, y)
    dt = fnp.result_type(x, y)
    x = x if isinstance(x, Tracer) else fnp.asarray(x, dtype=dt)
    xs, ys = fnp.stop_gradient(x), fnp.stop_gradient(y)
    pole = (xs == 0) & ~fnp.signbit(xs) & (ys < 0)
    at_pole = fnp.exp(fnp.where(pole, y, 0.0) * fnp.log(fnp.where(pole, x, 1.0)))
    return fnp.where(pole, at_pole, fnp.power(fnp.where(pole, 1.0, x), fnp.where(pole, 1.0, y)))


def _int_power(x: Any, y: Any) -> Any:
    """Integers to integer powers as torch has them (NumPy raises at negative exponents): 1 and -1 keep
    their powers, every other base to a negative power gives 0."""
    neg = fnp.less(y, 0)
    return fnp.where(neg & (fnp.absolute(x) != 1), 0, fnp.power(x, fnp.absolute(y)))


_pow = binary(_torch_power, "PowBackward0")
remainder = document(binary(fnp.remainder, "RemainderBackward0"), "remainder",
                     "Python's modulus, elementwise: the result has the sign of ``other``.",
                     ">>> torch.remainder(torch.tensor([-3, 3]), 2)\ntensor([1, 1])")
fmod = document(binary(fnp.fmod, "FmodBackward0"), "fmod",
                "C's remainder, elementwise: the result has the sign of ``input``.",
                ">>> torch.fmod(torch.tensor([-3, 3]), 2)\ntensor([-1,  1])")
def _torch_atan2(y: Any, x: Any) -> Any:
    """``arctan2(y, x)`` with torch's zero gradient at ``(0, 0)``, where the slopes' ``0 / 0`` is NaN."""
    if not _traced(y, x):
        return fnp.arctan2(y, x)
    zero = (fnp.stop_gradient(y) == 0) & (fnp.stop_gradient(x) == 0)
    return fnp.where(zero, fnp.arctan2(fnp.stop_gradient(y), fnp.stop_gradient(x)),
                     fnp.arctan2(fnp.where(zero, 1.0, y), fnp.where(zero, 1.0, x)))


atan2 = arctan2 = document(binary(_torch_atan2, "Atan2Backward0", divide=True), "atan2",
                           "The angle of the point ``(other, input)``: arctangent of ``input / other`` by quadrant.",
                           ">>> torch.atan2(torch.tensor([1.0, -1.0]), torch.tensor([1.0, 1.0]))\n"
                           "tensor([ 0.7854, -0.7854])")
# torch routes a masked gradient by selection: an inf or nan cotangent stays out of the positions the
# mask drops (fgrad's clip/maximum/minimum multiply by the mask, as JAX's do). The value is the plain
# op's; where a derivative is being taken, the same value as a `where` over masks of the values.

def _traced(*xs: Any) -> bool:
    return any(isinstance(x, Tracer) for x in xs)


def _select_max(x: Any, y: Any) -> Any:
    """``maximum(x, y)``; its gradient goes to the larger, half each at a tie (torch's)."""
    if not _traced(x, y):
        return fnp.maximum(x, y)
    return fnp.where(x > y, x, fnp.where(x < y, y, fnp.maximum(x, y)))


def _select_min(x: Any, y: Any) -> Any:
    """``minimum(x, y)``; its gradient goes to the smaller, half each at a tie (torch's)."""
    if not _traced(x, y):
        return fnp.minimum(x, y)
    return fnp.where(x < y, x, fnp.where(x > y, y, fnp.minimum(x, y)))


def _select_clip(x: Any, lo: Any, hi: Any) -> Any:
    """``clip(x, lo, hi)``; ``x`` gets the gradient inside the closed interval (torch's clamp)."""
    return torch_clip(x, lo, hi)


maximum = document(binary(_select_max, "MaximumBackward0"), "maximum",
                   "The elementwise maximum of two tensors (NaN wins).",
                   ">>> torch.maximum(torch.tensor([1, 5]), torch.tensor([3, 2]))\ntensor([3, 5])")
minimum = document(binary(_select_min, "MinimumBackward0"), "minimum",
                   "The elementwise minimum of two tensors (NaN wins).",
                   ">>> torch.minimum(torch.tensor([1, 5]), torch.tensor([3, 2]))\ntensor([1, 2])")
logaddexp = document(binary(fnp.logaddexp, "LogaddexpBackward0"), "logaddexp",
                     "``log(exp(input) + exp(other))``, computed without overflow.",
                     ">>> torch.logaddexp(torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0]))\n"
                     "tensor([0.6931, 1.6931])")


def add(input: Tensor | complex, other: Tensor | complex, *, alpha: complex = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``, elementwise with broadcasting and torch's type promotion.

    >>> torch.add(torch.tensor([1, 2]), torch.tensor([10, 20]), alpha=2)
    tensor([21, 42])
    >>> torch.add(torch.tensor([1, 2]), 0.5)
    tensor([1.5000, 2.5000])
    """
    return add_(input, _times_alpha(input, other, alpha), out=out)


def _times_alpha(input: Tensor | complex, other: Tensor | complex, alpha: complex) -> Tensor | complex:
    """``alpha * other`` for ``add``/``sub``: alpha takes no part in the promotion and must fit the result."""
    if type(alpha) is _int and alpha == 1:
        return other
    kind = result_type(input, other).np.kind if isinstance(input, Tensor) or isinstance(other, Tensor) else None
    if kind in ("b", "i", "u") and isinstance(alpha, (_float, complex)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, _bool) and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if alpha == 1:
        return other
    return mul(other, _bool(alpha)) if kind == "b" else mul(other, alpha)


def sub(input: Tensor | complex, other: Tensor | complex, *, alpha: complex = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, elementwise with broadcasting (``subtract`` is an alias).

    >>> torch.sub(torch.tensor([5.0, 3.0]), torch.tensor([1.0, 1.0]), alpha=2)
    tensor([3., 1.])
    """
    for v in (input, other):
        if isinstance(v, _bool) or isinstance(v, Tensor) and v._np_dtype() == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return sub_(input, _times_alpha(input, other, alpha), out=out)


subtract = sub


def div(input: Tensor | complex, other: Tensor | complex, *, rounding_mode: str | None = None,
        out: Tensor | None = None) -> Tensor:
    """``input / other``, elementwise: true division, or rounded (``'trunc'``, ``'floor'``).

    ``divide`` and ``true_divide`` are aliases. Integer inputs give the default float dtype unless
    a rounding mode is asked for.

    >>> torch.div(torch.tensor([1, 3]), 2)
    tensor([0.5000, 1.5000])
    >>> torch.div(torch.tensor([7, -7]), 2, rounding_mode='floor')
    tensor([ 3, -4])
    """
    if rounding_mode is None:
        return div_(input, other, out=out)
    no_out(out)
    a, b, _ = promote(input, other)
    if rounding_mode == "trunc":
        q = apply(zero_derivative(lambda x, y: fnp.trunc(fnp.true_divide(x, y))), (a, b), None, "DivBackward1")
        if a._np_dtype().kind in "iu" if isinstance(a, Tensor) else False:
            q = cast(q, a._np_dtype())
        return q
    return apply(zero_derivative(fnp.floor_divide), (a, b), None, "DivBackward1")


divide = true_divide = div


def pow(input: Tensor | complex, exponent: Tensor | complex, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent``, elementwise with broadcasting.

    >>> torch.pow(torch.tensor([1, 2, 3]), 2)
    tensor([1, 4, 9])
    >>> torch.pow(2, torch.tensor([1.0, 0.5]))
    tensor([2.0000, 1.4142])
    """
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and input._np_dtype().kind == "f" and \
            exponent in (2, 0.5, -0.5):  # torch's kernels for these: x*x, sqrt, rsqrt (-0 and -inf differ)
        kernel = fnp.square if exponent == 2 else fnp.sqrt if exponent == 0.5 else _rsqrt_pow
        return apply(kernel, (input,), None, "PowBackward0")
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and exponent == 2 and \
            input._np_dtype().kind == "c":
        return apply(fnp.square, (input,), None, "PowBackward0")
    if isinstance(input, Tensor) and type(exponent) is _int and exponent < 0 and input._np_dtype().kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _pow(input, exponent, out=out)


def _rsqrt_pow(x: Any) -> Any:
    """torch's ``x ** -0.5``: its values are rsqrt's (``-inf`` at -0, NaN at -inf), its gradient
    ``-0.5 * x ** -1.5`` (``-inf`` at -0, ``-0`` at -inf): at -0 that is ``1 / x``, at -inf a NaN added."""
    neg0 = (x == 0) & fnp.signbit(x)
    one = fnp.ones_like(x)
    safe = fnp.where(neg0, one, x)
    p = fnp.power(safe, -0.5) + fnp.where(safe == -np.inf, np.nan * one, 0 * one)
    return fnp.where(neg0, 1 / fnp.where(neg0, x, one), p)


def floor_divide(input: Tensor | complex, other: Tensor | complex) -> Tensor:
    """``input // other``, elementwise: division rounded toward minus infinity.

    >>> torch.floor_divide(torch.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    a, b, _ = promote(input, other)
    return apply(no_derivative(fnp.floor_divide, "floor_divide"), (a, b))


eq = document(compare(fnp.equal, "eq"), "eq",
    "Elementwise ``input == other`` (a bool tensor).",
    ">>> torch.eq(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 3]))\ntensor([ True, False,  True])")
ne = not_equal = document(compare(fnp.not_equal, "ne"), "ne",
    "Elementwise ``input != other`` (a bool tensor; ``not_equal`` is an alias).",
    ">>> torch.ne(torch.tensor([1, 2]), 2)\ntensor([ True, False])")
lt = less = document(compare(fnp.less, "lt"), "lt",
    "Elementwise ``input < other`` (a bool tensor; ``less`` is an alias).",
    ">>> torch.lt(torch.tensor([1, 2, 3]), 2)\ntensor([ True, False, False])")
le = less_equal = document(compare(fnp.less_equal, "le"), "le",
    "Elementwise ``input <= other`` (a bool tensor; ``less_equal`` is an alias).",
    ">>> torch.le(torch.tensor([1, 2, 3]), 2)\ntensor([ True,  True, False])")
gt = greater = document(compare(fnp.greater, "gt"), "gt",
    "Elementwise ``input > other`` (a bool tensor; ``greater`` is an alias).",
    ">>> torch.gt(torch.tensor([1, 2, 3]), 2)\ntensor([False, False,  True])")
ge = greater_equal = document(compare(fnp.greater_equal, "ge"), "ge",
    "Elementwise ``input >= other`` (a bool tensor; ``greater_equal`` is an alias).",
    ">>> torch.ge(torch.tensor([1, 2, 3]), 2)\ntensor([False,  True,  True])")
logical_and = document(compare(fnp.logical_and, "logical_and"), "logical_and",
    "Elementwise logical AND of the truth values of two tensors.",
    ">>> torch.logical_and(torch.tensor([True, True, False]), torch.tensor([1, 0, 1]))\n"
    "tensor([ True, False, False])")
logical_or = document(compare(fnp.logical_or, "logical_or"), "logical_or",
    "Elementwise logical OR of the truth values of two tensors.",
    ">>> torch.logical_or(torch.tensor([True, False, False]), torch.tensor([0, 0, 2]))\n"
    "tensor([ True, False,  True])")
logical_xor = document(compare(fnp.logical_xor, "logical_xor"), "logical_xor",
    "Elementwise logical XOR of the truth values of two tensors.",
    ">>> torch.logical_xor(torch.tensor([True, True]), torch.tensor([True, False]))\ntensor([False,  True])")
bitwise_and = document(bitwise(fnp.bitwise_and, "bitwise_and"), "bitwise_and",
    "Elementwise bitwise AND of integer or bool tensors (``&``).",
    ">>> torch.bitwise_and(torch.tensor([12, 10]), torch.tensor([10, 6]))\ntensor([8, 2])")
bitwise_or = document(bitwise(fnp.bitwise_or, "bitwise_or"), "bitwise_or",
    "Elementwise bitwise OR of integer or bool tensors (``|``).",
    ">>> torch.bitwise_or(torch.tensor([12, 1]), torch.tensor([10, 6]))\ntensor([14,  7])")
bitwise_xor = document(bitwise(fnp.bitwise_xor, "bitwise_xor"), "bitwise_xor",
    "Elementwise bitwise XOR of integer or bool tensors (``^``).",
    ">>> torch.bitwise_xor(torch.tensor([12, 10]), torch.tensor([10, 6]))\ntensor([ 6, 12])")

exp = document(unary(fnp.exp, "ExpBackward0"), "exp",
    "The exponential of each element, ``e ** input``.",
    ">>> torch.exp(torch.tensor([0.0, 1.0]))\ntensor([1.0000, 2.7183])")
exp2 = document(unary(fnp.exp2, "Exp2Backward0"), "exp2",
    "``2 ** input``, elementwise.",
    ">>> torch.exp2(torch.tensor([0.0, 3.0]))\ntensor([1., 8.])")
expm1 = document(unary(fnp.expm1, "Expm1Backward0"), "expm1",
    "``exp(input) - 1``, accurate near zero.",
    ">>> torch.expm1(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 1.7183])")
log = document(unary(fnp.log, "LogBackward0"), "log",
    "The natural logarithm of each element.",
    ">>> torch.log(torch.tensor([1.0, 2.0]))\ntensor([0.0000, 0.6931])")
log2 = document(unary(fnp.log2, "Log2Backward0"), "log2",
    "The base-2 logarithm of each element.",
    ">>> torch.log2(torch.tensor([1.0, 8.0]))\ntensor([0., 3.])")
log10 = document(unary(fnp.log10, "Log10Backward0"), "log10",
    "The base-10 logarithm of each element.",
    ">>> torch.log10(torch.tensor([1.0, 10.0]))\ntensor([0., 1.])")
log1p = document(unary(fnp.log1p, "Log1PBackward0"), "log1p",
    "``log(1 + input)``, accurate near zero.",
    ">>> torch.log1p(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 0.6931])")
sqrt = document(unary(fnp.sqrt, "SqrtBackward0"), "sqrt",
    "The square root of each element.",
    ">>> torch.sqrt(torch.tensor([4.0, 9.0]))\ntensor([2., 3.])")
sin = document(unary(fnp.sin, "SinBackward0"), "sin",
    "The sine of each element (radians).",
    ">>> torch.sin(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 0.8415])")
cos = document(unary(fnp.cos, "CosBackward0"), "cos",
    "The cosine of each element (radians).",
    ">>> torch.cos(torch.tensor([0.0, 1.0]))\ntensor([1.0000, 0.5403])")
tan = document(unary(fnp.tan, "TanBackward0"), "tan",
    "The tangent of each element (radians).",
    ">>> torch.tan(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 1.5574])")
asin = arcsin = document(unary(fnp.arcsin, "AsinBackward0"), "asin",
    "The arcsine of each element (``arcsin`` is an alias).",
    ">>> torch.asin(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 1.5708])")
acos = arccos = document(unary(fnp.arccos, "AcosBackward0"), "acos",
    "The arccosine of each element (``arccos`` is an alias).",
    ">>> torch.acos(torch.tensor([1.0, 0.0]))\ntensor([0.0000, 1.5708])")
atan = arctan = document(unary(fnp.arctan, "AtanBackward0"), "atan",
    "The arctangent of each element (``arctan`` is an alias).",
    ">>> torch.atan(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 0.7854])")
sinh = document(unary(fnp.sinh, "SinhBackward0"), "sinh",
    "The hyperbolic sine of each element.",
    ">>> torch.sinh(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 1.1752])")
cosh = document(unary(fnp.cosh, "CoshBackward0"), "cosh",
    "The hyperbolic cosine of each element.",
    ">>> torch.cosh(torch.tensor([0.0, 1.0]))\ntensor([1.0000, 1.5431])")
tanh = document(unary(fnp.tanh, "TanhBackward0"), "tanh",
    "The hyperbolic tangent of each element.",
    ">>> torch.tanh(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 0.7616])")
reciprocal = document(unary(fnp.reciprocal, "ReciprocalBackward0"), "reciprocal",
    "``1 / input``, elementwise (integers give the default float dtype).",
    ">>> torch.reciprocal(torch.tensor([2.0, -0.5]))\ntensor([ 0.5000, -2.0000])")
sigmoid = document(unary(fsp.expit, "SigmoidBackward0"), "sigmoid",
    "The logistic function ``1 / (1 + exp(-input))`` of each element.",
    ">>> torch.sigmoid(torch.tensor([0.0, 2.0]))\ntensor([0.5000, 0.8808])")
erf = document(unary(fsp.erf, "ErfBackward0"), "erf",
    "The Gauss error function of each element.",
    ">>> torch.erf(torch.tensor([0.0, 1.0]))\ntensor([0.0000, 0.8427])")
relu = document(unary(fnn.relu, "ReluBackward0", floating=False,
                      bool_error=RuntimeError("Boolean inputs not supported for relu")), "relu",
    "``max(input, 0)``, elementwise.",
    ">>> torch.relu(torch.tensor([-1.0, 2.0]))\ntensor([0., 2.])")
neg = negative = document(unary(fnp.negative, "NegBackward0", floating=False, bool_error=RuntimeError(
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the "
    "`~` or `logical_not()` operator instead.")), "neg",
    "``-input``, elementwise (``negative`` is an alias).",
    ">>> torch.neg(torch.tensor([1, -2]))\ntensor([-1,  2])")
positive = document(unary(fnp.positive, "PositiveBackward0", floating=False), "positive",
    "``+input``: the tensor itself (refused for bool tensors by torch).",
    ">>> torch.positive(torch.tensor([1, -2]))\ntensor([ 1, -2])")
abs = absolute = document(unary(torch_abs, "AbsBackward0", floating=False,
                                bool_error=NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")), "abs",
    "The absolute value of each element (``absolute`` is an alias).",
    ">>> torch.abs(torch.tensor([-1, 2]))\ntensor([1, 2])")
square = document(unary(fnp.square, "PowBackward0", floating=False, bool_as=np.int64), "square",
    "``input * input``, elementwise.",
    ">>> torch.square(torch.tensor([2, -3]))\ntensor([4, 9])")
def _torch_sign(x: Any) -> Any:
    """``sign(x)`` with torch's 0 at NaN (NumPy and JAX give NaN); a bool's sign is itself."""
    if fnp.result_type(x) == np.bool_:
        return fnp.not_equal(x, False)
    s = fnp.sign(x)
    return fnp.where(fnp.isnan(x), fnp.zeros_like(s), s) if fnp.result_type(s).kind in "fc" else s


sign = document(unary(zero_derivative(_torch_sign), "SignBackward0", floating=False), "sign",
    "The sign of each element: -1, 0 or 1 (0 for NaN, as torch).",
    ">>> torch.sign(torch.tensor([-2.0, 0.0, 3.0]))\ntensor([-1.,  0.,  1.])")
floor = document(unary(zero_derivative(fnp.floor), "FloorBackward0", floating=False), "floor",
    "Each element rounded down to an integer value.",
    ">>> torch.floor(torch.tensor([-1.5, 1.5]))\ntensor([-2.,  1.])")
ceil = document(unary(zero_derivative(fnp.ceil), "CeilBackward0", floating=False), "ceil",
    "Each element rounded up to an integer value.",
    ">>> torch.ceil(torch.tensor([-1.5, 1.5]))\ntensor([-1.,  2.])")
trunc = document(unary(zero_derivative(fnp.trunc), "TruncBackward0", floating=False), "trunc",
    "Each element rounded toward zero.",
    ">>> torch.trunc(torch.tensor([-1.5, 1.5]))\ntensor([-1.,  1.])")
isnan = document(unary(fnp.isnan, "isnan", floating=False), "isnan",
    "Which elements are NaN.",
    ">>> torch.isnan(torch.tensor([1.0, float('nan')]))\ntensor([False,  True])")
isinf = document(unary(fnp.isinf, "isinf", floating=False), "isinf",
    "Which elements are infinite (either sign).",
    ">>> torch.isinf(torch.tensor([1.0, float('inf'), -float('inf')]))\ntensor([False,  True,  True])")
isfinite = document(unary(fnp.isfinite, "isfinite", floating=False), "isfinite",
    "Which elements are finite (not infinite, not NaN).",
    ">>> torch.isfinite(torch.tensor([1.0, float('inf'), float('nan')]))\ntensor([ True, False, False])")
logical_not = document(unary(fnp.logical_not, "logical_not", floating=False), "logical_not",
    "Elementwise logical NOT of the truth values of a tensor.",
    ">>> torch.logical_not(torch.tensor([True, False]))\ntensor([False,  True])")
def _torch_invert(x: Any) -> Any:
    """``~x`` of integers and bools; torch has no bitwise NOT of floats."""
    dt = fnp.result_type(x)
    if dt.kind in "fc":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{dtype_name(dt)}'")
    return fnp.invert(x)


def _invert_operator(self: Tensor) -> Tensor:
    """``~self``: ``bitwise_not``, whose Python operator refuses floats with a TypeError."""
    if self._np_dtype().kind in "fc":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


bitwise_not = document(unary(_torch_invert, "bitwise_not", floating=False), "bitwise_not",
    "Elementwise bitwise NOT of an integer or bool tensor (``~``).",
    ">>> torch.bitwise_not(torch.tensor([0, 5]))\ntensor([-1, -6])")


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``, elementwise.

    >>> torch.rsqrt(torch.tensor([4.0, 16.0]))
    tensor([0.5000, 0.2500])
    """
    return reciprocal(sqrt(input))


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Each element rounded to ``decimals`` decimal places, halves to even.

    >>> torch.round(torch.tensor([0.5, 1.5, 2.7]))
    tensor([0., 2., 3.])
    >>> torch.round(torch.tensor([1.2345]), decimals=2)
    tensor([1.2300])
    """
    return apply(zero_derivative(lambda x: fnp.round(x, decimals)), (input,), None, "RoundBackward0")


def clamp(input: Tensor, min: Tensor | float | None = None, max: Tensor | float | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """Each element limited to ``[min, max]`` (``clip`` is an alias); ``min > max`` gives ``max``.

    >>> torch.clamp(torch.tensor([-2.0, 0.5, 3.0]), min=-1.0, max=1.0)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    no_out(out)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    (t, lo, hi), _ = promote_all((input, min, max))
    lo, hi = (nondiff(v) if isinstance(v, Tensor) and not v.requires_grad else v for v in (lo, hi))
    if lo is not None and hi is not None and not isinstance(lo, Tensor) and not isinstance(hi, Tensor):
        if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo > hi:
            lo = hi  # torch: min > max gives max everywhere
    return apply(_select_clip, (t, lo, hi), None, "ClampBackward1")


clip = clamp


def where(condition: Tensor, input: Tensor | float | None = None, other: Tensor | float | None = None) -> Any:
    """``input`` where ``condition`` holds, else ``other``; with the condition alone, ``nonzero(as_tuple=True)``.

    >>> torch.where(torch.tensor([True, False]), torch.tensor([1, 2]), torch.tensor([10, 20]))
    tensor([ 1, 20])
    >>> torch.where(torch.tensor([0, 3, 5]))
    (tensor([1, 2]),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    a, b, _ = promote(input, other)
    cond = nondiff(condition) if isinstance(condition, Tensor) else np.asarray(condition)
    return apply(fnp.where, (cond, a, b), None, "WhereBackward0")


def masked_fill(input: Tensor, mask: Tensor, value: Tensor | float) -> Tensor:
    """``input`` with ``value`` written where the bool ``mask`` (broadcast) is True.

    >>> torch.masked_fill(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([True, False, True]), -1.0)
    tensor([-1.,  2., -1.])
    """
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = cast(value, input._np_dtype())
    if mask._np_dtype() != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    v = value if isinstance(value, Tensor) else _scalar_as(value, input._np_dtype())
    return apply(fnp.where, (nondiff(mask), v, input), None, "MaskedFillBackward0")


def lerp(input: Tensor, end: Tensor, weight: Tensor | float) -> Tensor:
    """Linear interpolation: ``input + weight * (end - input)``.

    >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([10.0, 20.0]), 0.5)
    tensor([ 5., 15.])
    """
    dt = input._np_dtype()
    for name, v in (("end", end), ("weight", weight)):
        if isinstance(v, Tensor) and v._np_dtype() != dt and (name == "end" or v.ndim):
            raise RuntimeError(f"expected dtype {_C_NAMES.get(dt.name, dt.name)} for `{name}` but got dtype "
                               f"{_C_NAMES.get(v._np_dtype().name, v._np_dtype().name)}")
    if dt.kind not in "fc":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dtype_name(dt)}'")
    if isinstance(weight, Tensor):
        weight = cast(weight, dt)  # a 0-d weight of another float dtype does not promote
    return apply(_torch_lerp, (input, end, weight), None, "LerpBackward0")


def _torch_lerp(a: Any, b: Any, w: Any) -> Any:
    """torch's lerp: ``a + w * (b - a)`` for ``|w| < 0.5``, else ``b - (b - a) * (1 - w)`` (exact at ``w = 1``
    and finite at an infinite ``a``); each branch sees only its own entries, so an infinite end in the other
    branch puts no ``0 * inf`` into the gradient."""
    if not isinstance(w, Tracer) and not fnp.ndim(w):  # one weight: one branch
        return a + w * (b - a) if builtins.abs(w) < 0.5 else b - (b - a) * (1 - w)
    small = fnp.absolute(fnp.stop_gradient(w)) < 0.5
    if _traced(a, b, w):
        lo = [fnp.where(small, v, fnp.zeros_like(v)) for v in (a, b, w)]
        hi = [fnp.where(small, fnp.zeros_like(v), v) for v in (a, b, w)]
    else:
        lo = hi = [a, b, w]
    return fnp.where(small, lo[0] + lo[2] * (lo[1] - lo[0]), hi[1] - (hi[1] - hi[0]) * (1 - hi[2]))


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}  # torch's C++ type names


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, elementwise.

    >>> torch.addcmul(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 5.0]), value=0.5)
    tensor([5.0000, 8.5000])
    """
    input, tensor1, tensor2 = _promote_three(input, tensor1, tensor2)
    if (fused := fused_in_float32(addcmul, input, tensor1, tensor2, value=value)) is not None:
        return fused
    return add(input, mul(mul(tensor1, value), tensor2))  # torch's order: self + value * t1 * t2


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, elementwise.

    >>> torch.addcdiv(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 6.0]), value=2)
    tensor([2., 2.])
    """
    input, tensor1, tensor2 = _promote_three(input, tensor1, tensor2)
    if (fused := fused_in_float32(addcdiv, input, tensor1, tensor2, value=value)) is not None:
        return fused
    return add(input, mul(div(tensor1, tensor2), value))


def _promote_three(*ts: Tensor) -> list[Tensor]:
    """The tensors in their common dtype by torch's table (a 0-d tensor is weaker than one with dims), as
    torch promotes before computing ``addcmul``/``addcdiv`` (a float64 ``input`` makes it all float64)."""
    return promote_all(ts)[0]


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Which elements satisfy ``|input - other| <= atol + rtol * |other|``.

    >>> torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0 + 1e-9, 2.1]))
    tensor([ True, False])
    """
    return wrap(fnp.isclose(nondiff(input), nondiff(other), rtol, atol, equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element is close (``isclose``) to its partner.

    >>> torch.allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
    True
    """
    return bool(np.allclose(input._raw(), other._raw(), rtol, atol, equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether two tensors have the same shape and the same elements.

    >>> torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2])), torch.equal(torch.tensor([1]), torch.tensor([1, 1]))
    (True, False)
    """
    a, b = input._raw(), other._raw()
    return a.shape == b.shape and bool((a == b).all())


# ------------------------------------------------------------------ in-place variants

def _same_shape(new, old, name):
    s_new, s_old = fnp.shape(new), fnp.shape(old)
    if s_new != s_old:
        try:
            b = np.broadcast_shapes(s_new, s_old)
        except ValueError:
            b = None
        if b != s_old:
            raise RuntimeError(f"output with shape {list(s_old)} doesn't match the broadcast shape {list(b or s_new)}")
        return fnp.broadcast_to(new, s_old)
    return new


def _inplace_binary(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    def op(self: Tensor, other: Tensor | complex, *, alpha: complex = 1) -> Tensor:
        if alpha != 1:
            other = mul(other, alpha)
        if isinstance(other, np.generic):
            other = other.item()
        f = in_float32(fn) if backend.is_bfloat16(self._np_dtype()) else fn
        return inplace(self, lambda s, o: _same_shape(f(s, o), s, name), (other,), name)
    return op


def _inplace_unary(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    def op(self: Tensor) -> Tensor:
        return inplace(self, lambda s: fn(s), (), name)
    return op


def _fill_value(s, value):
    dt = fnp.result_type(s)
    if isinstance(value, (int, float, bool)):
        new = fnp.full(fnp.shape(s), value, dtype=dt, like=s)  # made on s's device
    else:
        new = fnp.broadcast_to(fnp.astype(value, dt), fnp.shape(s))
    return fnp.where(True, new, s)  # keeps s in the graph, zero gradient (a bool: CuPy takes no NumPy array)


def zero_(self: Tensor) -> Tensor:
    """``Tensor.zero_``: fill ``self`` with zeros in place."""
    return inplace(self, lambda s: _fill_value(s, 0), (), "ZeroBackward0")


def fill_(self: Tensor, value: Tensor | complex) -> Tensor:
    """``Tensor.fill_``: fill ``self`` with ``value`` in place."""
    return inplace(self, lambda s, v: _fill_value(s, v), (value,), "FillBackward0")


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """``Tensor.copy_``: write ``src`` (broadcast, cast, moved to ``self``'s device) into ``self``."""
    if not isinstance(src, Tensor):
        src = _tensor_arg(src, self)
    if src.device != self.device:
        src = wrap(put(src._raw(), self.device)) if not src.requires_grad else src.to(self.device)
    return inplace(self, lambda s, o: _fill_value(s, o), (src,), "CopyBackwards")


def clamp_(self: Tensor, min: Tensor | float | None = None, max: Tensor | float | None = None) -> Tensor:
    """``Tensor.clamp_``: ``clamp`` in place."""
    lo, hi = min, max
    return inplace(self, lambda s: _select_clip(s, lo, hi), (), "ClampBackward1")


def masked_fill_(self: Tensor, mask: Tensor, value: Tensor | complex) -> Tensor:
    """``Tensor.masked_fill_``: ``masked_fill`` in place."""
    m = nondiff(mask)
    if isinstance(value, Tensor):
        return inplace(self, lambda s, v: fnp.where(m, fnp.astype(v, fnp.result_type(s)), s), (value,),
                       "MaskedFillBackward0")
    v = _scalar_as(value, self._np_dtype())
    return inplace(self, lambda s: fnp.where(m, v, s), (), "MaskedFillBackward0")


def _scalar_as(value: complex, dt: np.dtype) -> Any:
    """A Python number as a 0-d array of ``dt``, converted as torch converts a scalar: a float into an
    integer dtype rounds toward zero, and one that does not fit (inf, NaN, 1e30) raises."""
    if dt.kind in "iu" and isinstance(value, (_float, complex)) and not isinstance(value, _bool):
        v = value.real if isinstance(value, complex) else value
        info = np.iinfo(dt)
        if isinstance(value, complex) or not (math.isfinite(v) and info.min <= math.trunc(v) <= info.max):
            raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
        return np.asarray(math.trunc(v), dt)
    return np.asarray(value, dt)


_INPLACE: dict[str, Callable[..., Tensor]] = {
    "add_": _inplace_binary(fnp.add, "AddBackward0"), "sub_": _inplace_binary(fnp.subtract, "SubBackward0"),
    "mul_": _inplace_binary(fnp.multiply, "MulBackward0"), "div_": _inplace_binary(fnp.divide, "DivBackward0"),
    "pow_": _inplace_binary(fnp.power, "PowBackward0"),
    "exp_": _inplace_unary(fnp.exp, "ExpBackward0"), "log_": _inplace_unary(fnp.log, "LogBackward0"),
    "sqrt_": _inplace_unary(fnp.sqrt, "SqrtBackward0"), "neg_": _inplace_unary(fnp.negative, "NegBackward0"),
    "abs_": _inplace_unary(torch_abs, "AbsBackward0"), "tanh_": _inplace_unary(fnp.tanh, "TanhBackward0"),
    "sin_": _inplace_unary(fnp.sin, "SinBackward0"), "cos_": _inplace_unary(fnp.cos, "CosBackward0"),
    "sigmoid_": _inplace_unary(fsp.expit, "SigmoidBackward0"),
    "relu_": _inplace_unary(fnn.relu, "ReluBackward0"),
    "zero_": zero_, "fill_": fill_, "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
    "masked_fill_": masked_fill_,
}
for _name, _op in _INPLACE.items():
    if _op.__name__ == "op":  # a factory's: name it after the method, and say what it does
        _op.__name__ = _op.__qualname__ = _name
        _op.__doc__ = f"``Tensor.{_name}``: ``{_name[:-1]}`` in place; returns ``self``."
_INPLACE["__iadd__"] = _INPLACE["add_"]
_INPLACE["__isub__"] = _INPLACE["sub_"]
_INPLACE["__imul__"] = _INPLACE["mul_"]
_INPLACE["__itruediv__"] = _INPLACE["div_"]
relu_ = document(_INPLACE["relu_"], "relu_", "``relu`` in place: negative elements of ``input`` become zero.",
                 ">>> x = torch.tensor([-1.0, 2.0])\n>>> torch.relu_(x)\ntensor([0., 2.])\n>>> x\ntensor([0., 2.])")
sigmoid_ = document(_INPLACE["sigmoid_"], "sigmoid_",
                    "``sigmoid`` in place: ``input`` is overwritten with its logistic.",
                    ">>> x = torch.tensor([0.0])\n>>> torch.sigmoid_(x)\ntensor([0.5000])\n>>> x\ntensor([0.5000])")


# ------------------------------------------------------------------ methods and operators

def _r(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    return lambda self, other: fn(other, self)


def _rdiv(self: Tensor, other: complex) -> Tensor:
    """``other / self`` for a number ``other``: torch's ``self.reciprocal() * other`` (two roundings, as torch's)."""
    return mul(reciprocal(self), other)


def _where_method(self: Tensor, condition: Tensor, other: Tensor | float) -> Tensor:
    """``Tensor.where``: ``torch.where(condition, self, other)``."""
    return where(condition, self, other)


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "pow": pow, "remainder": remainder, "fmod": fmod,
    "floor_divide": floor_divide, "atan2": atan2, "arctan2": atan2, "maximum": maximum,
    "minimum": minimum, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "not_equal": ne, "less": lt, "greater": gt, "less_equal": le, "greater_equal": ge,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_not": bitwise_not, "bitwise_xor": bitwise_xor,
    "exp": exp, "exp2": exp2, "expm1": expm1, "log": log, "log2": log2, "log10": log10,
    "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt, "sin": sin, "cos": cos, "tan": tan,
    "asin": asin, "acos": acos, "atan": atan, "arcsin": asin, "arccos": acos, "arctan": atan,
    "sinh": sinh, "cosh": cosh, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "erf": erf,
    "neg": neg, "negative": neg, "abs": abs, "absolute": abs, "square": square, "sign": sign,
    "floor": floor, "ceil": ceil, "trunc": trunc, "round": round, "reciprocal": reciprocal,
    "clamp": clamp, "clip": clamp, "masked_fill": masked_fill, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "lerp": lerp, "addcmul": addcmul, "addcdiv": addcdiv,
    "isclose": isclose, "allclose": allclose, "equal": equal, "positive": positive,
    "logaddexp": logaddexp,
    "__add__": add_, "__radd__": _r(add_), "__sub__": sub, "__rsub__": _r(sub), "__mul__": mul,
    "__rmul__": _r(mul), "__truediv__": div, "__rtruediv__": _rdiv, "__pow__": pow,
    "__rpow__": _r(pow), "__mod__": remainder, "__rmod__": _r(remainder),
    "__floordiv__": floor_divide, "__rfloordiv__": _r(floor_divide), "__neg__": neg,
    "__pos__": positive, "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le,
    "__gt__": gt, "__ge__": ge, "__and__": bitwise_and, "__rand__": _r(bitwise_and),
    "__or__": bitwise_or, "__ror__": _r(bitwise_or), "__xor__": bitwise_xor,
    "__rxor__": _r(bitwise_xor), "__invert__": _invert_operator,
    "where": _where_method, **_INPLACE,
}


def _sgn(x: Any) -> Any:
    """``x / |x|`` for complex ``x`` (0 at 0); a real ``x``'s sign, with a zero derivative."""
    if fnp.result_type(x).kind != "c":
        return zero_derivative(_torch_sign)(x)
    size = fnp.abs(x)
    zero = size == 0
    return fnp.where(zero, fnp.zeros_like(x), x / fnp.where(zero, fnp.ones_like(size), size))


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The sign of each element, extended to complex numbers as ``input / |input|`` (0 at 0).

    >>> torch.sgn(torch.tensor([3 + 4j, 0j, -2 + 0j], dtype=torch.complex128))
    tensor([ 0.6000+0.8000j,  0.0000+0.0000j, -1.0000+0.0000j], dtype=torch.complex128)
    >>> torch.sgn(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    no_out(out)
    return apply(_sgn, (input,), None, "SgnBackward0")


__all__ += ["sgn"]
TENSOR_METHODS.update({"sgn": sgn, "sgn_": in_place(sgn, "SgnBackward0")})


# ------------------------------------------------------------------------- more of torch's elementwise names
def _torch_frac(x: Any) -> Any:
    """``x - trunc(x)``: the fractional part, with the sign of ``x`` (gradient 1); torch has none of integers."""
    dt = fnp.result_type(x)
    if dt.kind in "biu":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{dtype_name(dt)}'")
    return x - fnp.stop_gradient(fnp.trunc(x))


def _torch_lgamma(x: Any) -> Any:
    """``log |Gamma(x)|``, +inf at -inf as torch's."""
    return fnp.where(x == -np.inf, fnp.full_like(x, np.inf), fsp.gammaln(x))


def _torch_logit(x: Any) -> Any:
    """``log(x / (1 - x))`` whose derivative is NaN outside [0, 1] (where the value is NaN), as torch's: the
    NaN is added (not selected) so that it reaches the gradient."""
    outside = fnp.stop_gradient(fnp.where((x < 0) | (x > 1), fnp.full_like(x, np.nan), fnp.zeros_like(x)))
    return fsp.logit(x + outside)


def _torch_copysign(x: Any, y: Any) -> Any:
    """``copysign`` whose ``y`` gets torch's zero gradient (it is tied to the result, not left out)."""
    out = fnp.copysign(x, y)
    return fnp.where(fnp.zeros_like(out, dtype=bool), y, out)


def _torch_heaviside(x: Any, values: Any) -> Any:
    """0 below zero, 1 above (NaN counts as below), ``values`` at zero."""
    step = fnp.astype(x > 0, fnp.result_type(x))
    return fnp.where(x == 0, values, step)


def _refusing(kinds: str, op: Callable[..., Tensor], torch_name: str) -> Callable[..., Tensor]:
    """``op`` refusing operands whose promoted dtype kind is in ``kinds`` as torch's kernel does
    (NotImplementedError)."""
    def run(input: Tensor | complex, other: Tensor | complex, *, out: Tensor | None = None) -> Tensor:
        dt = promote(input, other)[2]
        if dt.kind in kinds:
            raise NotImplementedError(f"\"{torch_name}_cpu\" not implemented for '{dtype_name(dt)}'")
        return op(input, other, out=out)
    return run


def _floats_only(op: Callable[..., Tensor], torch_name: str) -> Callable[..., Tensor]:
    return _refusing("biu", op, torch_name)


def _torch_sinc(x: Any) -> Any:
    """``sin(pi x) / (pi x)`` with torch's value 1 and gradient 0 at 0 (``fnp.sinc``'s gradient there is NaN)."""
    zero = x == 0
    safe = fnp.where(zero, fnp.ones_like(x), x)
    return fnp.where(zero, fnp.ones_like(x), fnp.sin(np.pi * safe) / (np.pi * safe))


def _torch_xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), with torch's gradients (``log(y)`` masked by
    ``x != 0`` for ``x``; ``x / y`` for ``y``)."""
    zero = (x == 0) & ~fnp.isnan(y)
    safe_y = fnp.where(zero, fnp.ones_like(y), y)
    return fnp.where(zero, fnp.zeros_like(x * y), x * fnp.log(safe_y))


def _float_unary(fn: Callable[..., Any], name: str, torch_name: str, summary: str,
                 example: str) -> Callable[..., Tensor]:
    """A documented ``unary`` op computing integers in the default float dtype."""
    return document(unary(fn, name), torch_name, summary, example)


asinh = arcsinh = _float_unary(fnp.arcsinh, "AsinhBackward0", "asinh", "The inverse hyperbolic sine, elementwise.",
                               ">>> torch.asinh(torch.tensor([0.0]))\ntensor([0.])")
acosh = arccosh = _float_unary(fnp.arccosh, "AcoshBackward0", "acosh",
                               "The inverse hyperbolic cosine, elementwise (NaN below 1).",
                               ">>> torch.acosh(torch.tensor([1.0]))\ntensor([0.])")
atanh = arctanh = _float_unary(fnp.arctanh, "AtanhBackward0", "atanh",
                               "The inverse hyperbolic tangent, elementwise (infinite at ±1).",
                               ">>> torch.atanh(torch.tensor([0.0, 0.5]))\ntensor([0.0000, 0.5493])")
deg2rad = _float_unary(fnp.deg2rad, "Deg2RadBackward0", "deg2rad", "Degrees to radians, elementwise.",
                       ">>> torch.deg2rad(torch.tensor([180.0]))\ntensor([3.1416])")
rad2deg = _float_unary(fnp.rad2deg, "Rad2DegBackward0", "rad2deg", "Radians to degrees, elementwise.",
                       ">>> torch.rad2deg(torch.tensor([3.14159265]))\ntensor([180.])")
erfc = _float_unary(fsp.erfc, "ErfcBackward0", "erfc", "The complementary error function ``1 - erf``, elementwise.",
                    ">>> torch.erfc(torch.tensor([0.0]))\ntensor([1.])")
erfinv = _float_unary(fsp.erfinv, "ErfinvBackward0", "erfinv", "The inverse error function, elementwise.",
                      ">>> torch.erfinv(torch.tensor([0.0, 0.5]))\ntensor([0.0000, 0.4769])")
lgamma = _float_unary(_torch_lgamma, "LgammaBackward0", "lgamma", "``log |Gamma(input)|``, elementwise.",
                      ">>> torch.lgamma(torch.tensor([1.0, 3.0]))\ntensor([0.0000, 0.6931])")
digamma = _float_unary(fsp.digamma, "DigammaBackward0", "digamma",
                       "The logarithmic derivative of the Gamma function, elementwise.",
                       ">>> torch.digamma(torch.tensor([1.0]))\ntensor([-0.5772])")
sinc = _float_unary(_torch_sinc, "SincBackward0", "sinc", "The normalised sinc ``sin(pi x) / (pi x)`` (1 at 0).",
                    ">>> torch.sinc(torch.tensor([0.0, 0.5]))\ntensor([1.0000, 0.6366])")
frac = document(unary(_torch_frac, "FracBackward0", floating=False), "frac",
                "The fractional part ``input - trunc(input)``, elementwise (floating inputs only).",
                ">>> torch.frac(torch.tensor([1.5, -2.25]))\ntensor([ 0.5000, -0.2500])")
fix = document(unary(zero_derivative(fnp.trunc), "TruncBackward0", floating=False), "fix",
               "``trunc``: each element rounded toward zero.",
               ">>> torch.fix(torch.tensor([-1.5, 2.7]))\ntensor([-1.,  2.])")
hypot = document(_floats_only(binary(fnp.hypot, "HypotBackward0"), "hypot"), "hypot",
                 "``sqrt(input**2 + other**2)``, elementwise, without overflow.",
                 ">>> torch.hypot(torch.tensor([3.0]), torch.tensor([4.0]))\ntensor([5.])")
copysign = document(binary(_torch_copysign, "CopysignBackward0", divide=True), "copysign",
                    "The magnitude of ``input`` with the sign of ``other`` (integers become floats).",
                    ">>> torch.copysign(torch.tensor([1, 2]), -1)\ntensor([-1., -2.])")
fmax = document(binary(fnp.fmax, "FmaxBackward0"), "fmax",
                "The elementwise maximum, a NaN ignored when the other value is a number.",
                ">>> torch.fmax(torch.tensor([1.0, float('nan')]), torch.tensor([2.0, 0.0]))\ntensor([2., 0.])")
fmin = document(binary(fnp.fmin, "FminBackward0"), "fmin",
                "The elementwise minimum, a NaN ignored when the other value is a number.",
                ">>> torch.fmin(torch.tensor([1.0, float('nan')]), torch.tensor([2.0, 0.0]))\ntensor([1., 0.])")
logaddexp2 = document(_floats_only(binary(fnp.logaddexp2, "Logaddexp2Backward0"), "logaddexp2"), "logaddexp2",
                      "``log2(2**input + 2**other)``, computed stably.",
                      ">>> torch.logaddexp2(torch.tensor([1.0]), torch.tensor([1.0]))\ntensor([2.])")
xlogy = document(binary(_torch_xlogy, "XlogyBackward0", divide=True), "xlogy",
                 "``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN).",
                 ">>> torch.xlogy(torch.tensor([0.0, 2.0]), torch.tensor([0.0, 1.0]))\ntensor([0., 0.])")


def _bool_of(fn: Callable[[Any, Any], Any], input: Tensor) -> Tensor:
    """A bool result of ``fn(xp, raw)`` computed on ``input``'s raw value (no derivative)."""
    return wrap(fn(array_ops(input), nondiff(input)))


def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set (True for -0.0).

    >>> torch.signbit(torch.tensor([-1.0, -0.0, 2.0]))
    tensor([ True,  True, False])
    """
    return _bool_of(lambda xp, r: xp.signbit(r), input)


def isposinf(input: Tensor) -> Tensor:
    """Whether each element is +inf.

    >>> torch.isposinf(torch.tensor([float('inf'), -float('inf'), 1.0]))
    tensor([ True, False, False])
    """
    return _bool_of(lambda xp, r: xp.isposinf(r) if r.dtype.kind in "fc" else xp.zeros(r.shape, bool), input)


def isneginf(input: Tensor) -> Tensor:
    """Whether each element is -inf.

    >>> torch.isneginf(torch.tensor([float('inf'), -float('inf'), 1.0]))
    tensor([False,  True, False])
    """
    return _bool_of(lambda xp, r: xp.isneginf(r) if r.dtype.kind in "fc" else xp.zeros(r.shape, bool), input)


def float_power(input: Tensor | complex, exponent: Tensor | complex) -> Tensor:
    """``input ** exponent`` in double precision (complex128 when either is complex).

    >>> torch.float_power(torch.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=torch.float64)
    """
    operands = [input, exponent]
    complex_ = builtins.any((v._np_dtype().kind == "c") if isinstance(v, Tensor) else isinstance(v, complex)
                            for v in operands)
    want = np.dtype(np.complex128 if complex_ else np.float64)
    a, b = (cast(v, want) if isinstance(v, Tensor) else v for v in operands)
    return pow(a, b)


def clamp_min(input: Tensor, min: Tensor | float) -> Tensor:
    """``clamp(input, min=min)``.

    >>> torch.clamp_min(torch.tensor([-1.0, 2.0]), 0.0)
    tensor([0., 2.])
    """
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Tensor | float) -> Tensor:
    """``clamp(input, max=max)``.

    >>> torch.clamp_max(torch.tensor([-1.0, 2.0]), 0.0)
    tensor([-1.,  0.])
    """
    return clamp(input, max=max)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, elementwise; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``.

    >>> torch.logit(torch.tensor([0.5, 0.0]), eps=0.25)
    tensor([ 0.0000, -1.0986])
    """
    x = to_float(input)
    if eps is not None:  # torch's gradient is 0 outside [eps, 1 - eps]
        x = clamp(x, eps, 1 - eps)
    return apply(_torch_logit, (x,), None, "LogitBackward0")


def rsub(input: Tensor, other: Tensor | complex, *, alpha: complex = 1) -> Tensor:
    """``other - alpha * input``.

    >>> torch.rsub(torch.tensor([1, 2]), 10)
    tensor([9, 8])
    """
    return sub(other, input, alpha=alpha)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 below zero, 1 above, ``values`` at zero (``input`` and ``values`` of one dtype).

    >>> torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    if input._np_dtype() != values._np_dtype():
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return apply(no_derivative(_torch_heaviside, "heaviside"), (input, values), None, "HeavisideBackward0")


__all__ += ["asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "deg2rad", "rad2deg", "erfc", "erfinv",
            "lgamma", "digamma", "sinc", "frac", "fix", "hypot", "copysign", "fmax", "fmin", "logaddexp2", "xlogy",
            "signbit", "isposinf", "isneginf", "float_power", "clamp_min", "clamp_max", "logit", "rsub", "heaviside"]
_MORE: dict[str, Callable[..., Tensor]] = {
         "asinh": asinh, "arcsinh": asinh, "acosh": acosh, "arccosh": acosh, "atanh": atanh, "arctanh": atanh,
         "deg2rad": deg2rad, "rad2deg": rad2deg, "erfc": erfc, "erfinv": erfinv, "lgamma": lgamma, "digamma": digamma,
         "sinc": sinc, "frac": frac, "fix": fix, "hypot": hypot, "copysign": copysign, "xlogy": xlogy,
         "float_power": float_power, "clamp_min": clamp_min, "clamp_max": clamp_max, "logit": logit,
         "heaviside": heaviside}
TENSOR_METHODS.update(_MORE)
TENSOR_METHODS.update({f"{n}_": in_place(f, f"{f.__name__.capitalize()}Backward0") for n, f in _MORE.items()})
TENSOR_METHODS.update({"fmax": fmax, "fmin": fmin, "logaddexp2": logaddexp2, "signbit": signbit,
                       "isposinf": isposinf, "isneginf": isneginf})


# ------------------------------------------------ integer and special functions, comparison spellings
def _ints_only(op: Callable[..., Tensor], torch_name: str) -> Callable[..., Tensor]:
    return _refusing("fc", op, torch_name)


gcd = document(_ints_only(binary(fnp.gcd, "GcdBackward0"), "gcd"), "gcd",
               "The greatest common divisor of integers, elementwise (non-negative).",
               ">>> torch.gcd(torch.tensor([12, -9]), torch.tensor([18, 6]))\ntensor([6, 3])")
lcm = document(_ints_only(binary(fnp.lcm, "LcmBackward0"), "lcm"), "lcm",
               "The least common multiple of integers, elementwise (non-negative).",
               ">>> torch.lcm(torch.tensor([4, -6]), torch.tensor([6, 4]))\ntensor([12, 12])")
nextafter = document(_floats_only(binary(no_derivative(fnp.nextafter, "nextafter"), "NextafterBackward0"),
                                  "nextafter"), "nextafter",
                     "The next floating-point value after ``input`` toward ``other``, elementwise.",
                     ">>> torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])) > 1\ntensor([True])")
i0 = _float_unary(fsp.i0, "I0Backward0", "i0", "The modified Bessel function of the first kind, order 0.",
                  ">>> torch.i0(torch.tensor([0.0, 1.0]))\ntensor([1.0000, 1.2661])")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other``, elementwise (a floating result).

    >>> torch.ldexp(torch.tensor([1.0, 3.0]), torch.tensor([2, 1]))
    tensor([4., 6.])
    """
    return mul(input, exp2(other))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of ``digamma``, elementwise.

    >>> torch.polygamma(1, torch.tensor([1.0]))
    tensor([1.6449])
    """
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return apply(lambda x: fsp.polygamma(n, x), (to_float(input),), None, "PolygammaBackward0")


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate Gamma function of dimension ``p``, elementwise.

    >>> torch.mvlgamma(torch.tensor([2.5]), 2)
    tensor([0.8570])
    """
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    const = p * (p - 1) / 4 * math.log(math.pi)

    def f(x: Any) -> Any:  # (a sum over the p terms: p is small, and no index array is made on the host)
        return builtins.sum((fsp.gammaln(x - i / 2) for i in range(1, p)), fsp.gammaln(x)) + const
    return apply(f, (to_float(input),), None, "MvlgammaBackward0")


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``Tensor.polygamma(n)``: ``torch.polygamma(n, self)``."""
    return polygamma(n, self)


__all__ += ["gcd", "lcm", "nextafter", "i0", "ldexp", "polygamma", "mvlgamma", "greater", "greater_equal", "less",
            "less_equal", "not_equal"]
TENSOR_METHODS.update({
    "gcd": gcd, "lcm": lcm, "nextafter": nextafter, "i0": i0, "ldexp": ldexp, "polygamma": _polygamma_method,
    "mvlgamma": mvlgamma, "gcd_": in_place(gcd, "GcdBackward0"), "lcm_": in_place(lcm, "LcmBackward0"),
    "i0_": in_place(i0, "I0Backward0"), "ldexp_": in_place(ldexp, "LdexpBackward0"),
    "mvlgamma_": in_place(mvlgamma, "MvlgammaBackward0"), "nextafter_": in_place(nextafter, "NextafterBackward0"),
    "polygamma_": in_place(_polygamma_method, "PolygammaBackward0"),
})
