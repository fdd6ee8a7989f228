"""Elementwise ops and operators, with torch's type promotion."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp
from fgrad.core import Tracer, VJPTracer

from .. import _dtypes
from .._device import put
from .._tensor import Tensor, apply, inplace, wrap
from ._common import cast, document, no_out, nondiff, to_float, zero_derivative

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
        return apply(fn, (a, b), None, name)
    return op


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


def unary(fn: Callable[..., Any], name: str, floating: bool = True) -> Callable[..., Tensor]:
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if out is not None:
            no_out(out)
        if floating:
            d = input._data  # input._np_dtype(), inlined for an array or the tape's tracer of one
            r = d._value if type(d) is VJPTracer else d
            if (r.dtype if type(r) is _ndarray else input._np_dtype()).kind in "biu":
                input = to_float(input)
        return apply(fn, (input,), None, name)
    return op


add_ = binary(fnp.add, "AddBackward0")
sub_ = binary(fnp.subtract, "SubBackward0")
mul = multiply = document(binary(fnp.multiply, "MulBackward0"), "mul",
                          "``input * other``, elementwise with broadcasting (``multiply`` is an alias).",
                          ">>> torch.mul(torch.tensor([1, 2, 3]), 2)\ntensor([2, 4, 6])")
div_ = binary(fnp.divide, "DivBackward0", divide=True)
_pow = binary(fnp.power, "PowBackward0")
remainder = document(binary(fnp.remainder, "RemainderBackward0"), "remainder",
                     "Python's modulus, elementwise: the result has the sign of ``other``.",
                     ">>> torch.remainder(torch.tensor([-3, 3]), 2)\ntensor([1, 1])")
fmod = document(binary(fnp.fmod, "FmodBackward0"), "fmod",
                "C's remainder, elementwise: the result has the sign of ``input``.",
                ">>> torch.fmod(torch.tensor([-3, 3]), 2)\ntensor([-1,  1])")
atan2 = arctan2 = document(binary(fnp.arctan2, "Atan2Backward0", divide=True), "atan2",
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
    if not _traced(x):
        return fnp.clip(x, lo, hi)
    raw = fnp.stop_gradient(x)
    inside = True
    if lo is not None:
        inside = raw >= fnp.stop_gradient(lo)
    if hi is not None:
        inside = inside & (raw <= fnp.stop_gradient(hi))
    return fnp.where(inside, x, fnp.clip(raw, lo, hi))


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
    if alpha != 1:
        other = mul(other, alpha)
    return add_(input, other, out=out)


def sub(input: Tensor | complex, other: Tensor | complex, *, alpha: complex = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, elementwise with broadcasting (``subtract`` is an alias).

    >>> torch.sub(torch.tensor([5.0, 3.0]), torch.tensor([1.0, 1.0]), alpha=2)
    tensor([3., 1.])
    """
    for v in (input, other):
        if isinstance(v, _bool) or isinstance(v, Tensor) and v._np_dtype() == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if alpha != 1:
        other = mul(other, alpha)
    return sub_(input, other, out=out)


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
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and exponent == 2 and \
            input._np_dtype().kind in "fc":
        return apply(fnp.square, (input,), None, "PowBackward0")
    return _pow(input, exponent, out=out)


def floor_divide(input: Tensor | complex, other: Tensor | complex) -> Tensor:
    """``input // other``, elementwise: division rounded toward minus infinity.

    >>> torch.floor_divide(torch.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    a, b, _ = promote(input, other)
    return apply(fnp.floor_divide, (a, b))


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
bitwise_and = document(compare(fnp.bitwise_and, "bitwise_and"), "bitwise_and",
    "Elementwise bitwise AND of integer or bool tensors (``&``).",
    ">>> torch.bitwise_and(torch.tensor([12, 10]), torch.tensor([10, 6]))\ntensor([8, 2])")
bitwise_or = document(compare(fnp.bitwise_or, "bitwise_or"), "bitwise_or",
    "Elementwise bitwise OR of integer or bool tensors (``|``).",
    ">>> torch.bitwise_or(torch.tensor([12, 1]), torch.tensor([10, 6]))\ntensor([14,  7])")
bitwise_xor = document(compare(fnp.bitwise_xor, "bitwise_xor"), "bitwise_xor",
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
relu = document(unary(fnn.relu, "ReluBackward0", floating=False), "relu",
    "``max(input, 0)``, elementwise.",
    ">>> torch.relu(torch.tensor([-1.0, 2.0]))\ntensor([0., 2.])")
neg = negative = document(unary(fnp.negative, "NegBackward0", floating=False), "neg",
    "``-input``, elementwise (``negative`` is an alias).",
    ">>> torch.neg(torch.tensor([1, -2]))\ntensor([-1,  2])")
positive = document(unary(fnp.positive, "PositiveBackward0", floating=False), "positive",
    "``+input``: the tensor itself (refused for bool tensors by torch).",
    ">>> torch.positive(torch.tensor([1, -2]))\ntensor([ 1, -2])")
abs = absolute = document(unary(fnp.absolute, "AbsBackward0", floating=False), "abs",
    "The absolute value of each element (``absolute`` is an alias).",
    ">>> torch.abs(torch.tensor([-1, 2]))\ntensor([1, 2])")
square = document(unary(fnp.square, "PowBackward0", floating=False), "square",
    "``input * input``, elementwise.",
    ">>> torch.square(torch.tensor([2, -3]))\ntensor([4, 9])")
sign = document(unary(zero_derivative(fnp.sign), "SignBackward0", floating=False), "sign",
    "The sign of each element: -1, 0 or 1.",
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
bitwise_not = document(unary(fnp.invert, "bitwise_not", floating=False), "bitwise_not",
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
    lo, hi = (nondiff(v) if isinstance(v, Tensor) and not v.requires_grad else v for v in (min, max))
    t = input
    if t._np_dtype().kind in "biu" and any(isinstance(v, float) for v in (lo, hi)):
        t = to_float(t)
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
    elif input._np_dtype().kind in "biu" and isinstance(value, float) and not float(value).is_integer():
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    if mask._np_dtype() != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    v = value if isinstance(value, Tensor) else np.asarray(value, dtype=input._np_dtype())
    return apply(fnp.where, (nondiff(mask), v, input), None, "MaskedFillBackward0")


def lerp(input: Tensor, end: Tensor, weight: Tensor | float) -> Tensor:
    """Linear interpolation: ``input + weight * (end - input)``.

    >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([10.0, 20.0]), 0.5)
    tensor([ 5., 15.])
    """
    return add(input, mul(weight, sub(end, input)))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, elementwise.

    >>> torch.addcmul(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 5.0]), value=0.5)
    tensor([5.0000, 8.5000])
    """
    input, tensor1, tensor2 = _promote_three(input, tensor1, tensor2)
    return add(input, mul(mul(tensor1, value), tensor2))  # torch's order: self + value * t1 * t2


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, elementwise.

    >>> torch.addcdiv(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 3.0]), torch.tensor([4.0, 6.0]), value=2)
    tensor([2., 2.])
    """
    input, tensor1, tensor2 = _promote_three(input, tensor1, tensor2)
    return add(input, mul(div(tensor1, tensor2), value))


def _promote_three(*ts: Tensor) -> list[Tensor]:
    """The tensors in their common dtype by torch's table (a 0-d tensor is weaker than one with dims), as
    torch promotes before computing ``addcmul``/``addcdiv`` (a float64 ``input`` makes it all float64)."""
    want = _dtypes.result_np([t._np_dtype() for t in ts if t.ndim], [t._np_dtype() for t in ts if not t.ndim], ())
    return [cast(t, want) for t in ts]


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
        return inplace(self, lambda s, o: _same_shape(fn(s, o), s, name), (other,), name)
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
    return inplace(self, lambda s: fnp.where(m, np.asarray(value, fnp.result_type(s)), s), (),
                   "MaskedFillBackward0")


_INPLACE: dict[str, Callable[..., Tensor]] = {
    "add_": _inplace_binary(fnp.add, "AddBackward0"), "sub_": _inplace_binary(fnp.subtract, "SubBackward0"),
    "mul_": _inplace_binary(fnp.multiply, "MulBackward0"), "div_": _inplace_binary(fnp.divide, "DivBackward0"),
    "pow_": _inplace_binary(fnp.power, "PowBackward0"),
    "exp_": _inplace_unary(fnp.exp, "ExpBackward0"), "log_": _inplace_unary(fnp.log, "LogBackward0"),
    "sqrt_": _inplace_unary(fnp.sqrt, "SqrtBackward0"), "neg_": _inplace_unary(fnp.negative, "NegBackward0"),
    "abs_": _inplace_unary(fnp.absolute, "AbsBackward0"), "tanh_": _inplace_unary(fnp.tanh, "TanhBackward0"),
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
    "__rmul__": _r(mul), "__truediv__": div, "__rtruediv__": _r(div), "__pow__": pow,
    "__rpow__": _r(pow), "__mod__": remainder, "__rmod__": _r(remainder),
    "__floordiv__": floor_divide, "__rfloordiv__": _r(floor_divide), "__neg__": neg,
    "__pos__": positive, "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le,
    "__gt__": gt, "__ge__": ge, "__and__": bitwise_and, "__rand__": _r(bitwise_and),
    "__or__": bitwise_or, "__ror__": _r(bitwise_or), "__xor__": bitwise_xor,
    "__rxor__": _r(bitwise_xor), "__invert__": bitwise_not,
    "where": _where_method, **_INPLACE,
}
