"""Elementwise ops and operators, with torch's type promotion."""
import numpy as np

import fgrad.nn as fnn
import fgrad.numpy as fnp
import fgrad.scipy.special as fsp
from fgrad.core import VJPTracer

from .. import _dtypes
from .._device import put
from .._tensor import Tensor, apply, inplace, wrap
from ._common import cast, no_out, nondiff, to_float
from .creation import tensor
from .indexing import nonzero

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg",
           "negative", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sin",
           "cos", "tan", "tanh", "sigmoid", "relu", "clamp", "clip", "square", "sign", "floor", "ceil",
           "round", "trunc", "reciprocal", "eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum",
           "where", "masked_fill", "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_not",
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


def promote(a, b):
    """Cast the Tensor operands of a binary op to torch's result dtype."""
    if isinstance(a, Tensor):
        da = a._np_dtype()
        if isinstance(b, Tensor):
            db = b._np_dtype()
            if da == db:
                return a, b, da
            dims, zerod = [], []
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


def result_type(a, b):
    """torch.result_type: the dtype torch's promotion gives an op on ``a`` and ``b`` (Tensors or scalars)."""
    dims, zerod, scalars = [], [], []
    for x in (a, b):
        if isinstance(x, Tensor):
            (dims if x.ndim else zerod).append(x._np_dtype())
        else:
            scalars.append(x)
    return _dtypes.from_np(_dtypes.result_np(dims, zerod, scalars))


def _tensor_arg(x, like):
    return tensor(x, device=like.device if like is not None else None)


_ndarray = np.ndarray


def binary(fn, name, divide=False):
    def op(input, other, *, out=None):
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


def compare(fn, name):
    def op(input, other, *, out=None):
        no_out(out)
        if not isinstance(input, Tensor):
            input = _tensor_arg(input, other)
        other = _scalar(other)
        if not isinstance(other, (Tensor, _float, _int)):
            other = _tensor_arg(other, input)
        return apply(fn, (input, other))
    return op


def unary(fn, name, floating=True):
    def op(input, *, out=None):
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
mul = multiply = binary(fnp.multiply, "MulBackward0")
div_ = binary(fnp.divide, "DivBackward0", divide=True)
_pow = binary(fnp.power, "PowBackward0")
remainder = binary(fnp.remainder, "RemainderBackward0")
fmod = binary(fnp.fmod, "FmodBackward0")
atan2 = arctan2 = binary(fnp.arctan2, "Atan2Backward0", divide=True)
maximum = binary(fnp.maximum, "MaximumBackward0")
minimum = binary(fnp.minimum, "MinimumBackward0")
logaddexp = binary(fnp.logaddexp, "LogaddexpBackward0")


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return add_(input, other, out=out)


def sub(input, other, *, alpha=1, out=None):
    for v in (input, other):
        if isinstance(v, _bool) or isinstance(v, Tensor) and v._np_dtype() == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if alpha != 1:
        other = mul(other, alpha)
    return sub_(input, other, out=out)


subtract = sub


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return div_(input, other, out=out)
    no_out(out)
    a, b, _ = promote(input, other)
    q = apply(fnp.true_divide if rounding_mode == "trunc" else fnp.floor_divide, (a, b))
    if rounding_mode == "trunc":
        q = apply(fnp.trunc, (q,))
        if a._np_dtype().kind in "iu" if isinstance(a, Tensor) else False:
            q = cast(q, a._np_dtype())
    return q


divide = true_divide = div


def pow(input, exponent, *, out=None):
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and exponent == 2 and \
            input._np_dtype().kind in "fc":
        return apply(fnp.square, (input,), None, "PowBackward0")
    return _pow(input, exponent, out=out)


def floor_divide(input, other):
    a, b, _ = promote(input, other)
    return apply(fnp.floor_divide, (a, b))


eq = compare(fnp.equal, "eq")
ne = not_equal = compare(fnp.not_equal, "ne")
lt = less = compare(fnp.less, "lt")
le = less_equal = compare(fnp.less_equal, "le")
gt = greater = compare(fnp.greater, "gt")
ge = greater_equal = compare(fnp.greater_equal, "ge")
logical_and = compare(fnp.logical_and, "logical_and")
logical_or = compare(fnp.logical_or, "logical_or")
logical_xor = compare(fnp.logical_xor, "logical_xor")
bitwise_and = compare(fnp.bitwise_and, "bitwise_and")
bitwise_or = compare(fnp.bitwise_or, "bitwise_or")
bitwise_xor = compare(fnp.bitwise_xor, "bitwise_xor")

exp = unary(fnp.exp, "ExpBackward0")
exp2 = unary(fnp.exp2, "Exp2Backward0")
expm1 = unary(fnp.expm1, "Expm1Backward0")
log = unary(fnp.log, "LogBackward0")
log2 = unary(fnp.log2, "Log2Backward0")
log10 = unary(fnp.log10, "Log10Backward0")
log1p = unary(fnp.log1p, "Log1PBackward0")
sqrt = unary(fnp.sqrt, "SqrtBackward0")
sin = unary(fnp.sin, "SinBackward0")
cos = unary(fnp.cos, "CosBackward0")
tan = unary(fnp.tan, "TanBackward0")
asin = arcsin = unary(fnp.arcsin, "AsinBackward0")
acos = arccos = unary(fnp.arccos, "AcosBackward0")
atan = arctan = unary(fnp.arctan, "AtanBackward0")
sinh = unary(fnp.sinh, "SinhBackward0")
cosh = unary(fnp.cosh, "CoshBackward0")
tanh = unary(fnp.tanh, "TanhBackward0")
reciprocal = unary(fnp.reciprocal, "ReciprocalBackward0")
sigmoid = unary(fsp.expit, "SigmoidBackward0")
erf = unary(fsp.erf, "ErfBackward0")
relu = unary(fnn.relu, "ReluBackward0", floating=False)
neg = negative = unary(fnp.negative, "NegBackward0", floating=False)
positive = unary(fnp.positive, "PositiveBackward0", floating=False)
abs = absolute = unary(fnp.absolute, "AbsBackward0", floating=False)
square = unary(fnp.square, "PowBackward0", floating=False)
sign = unary(fnp.sign, "SignBackward0", floating=False)
floor = unary(fnp.floor, "FloorBackward0", floating=False)
ceil = unary(fnp.ceil, "CeilBackward0", floating=False)
trunc = unary(fnp.trunc, "TruncBackward0", floating=False)
isnan = unary(fnp.isnan, "isnan", floating=False)
isinf = unary(fnp.isinf, "isinf", floating=False)
isfinite = unary(fnp.isfinite, "isfinite", floating=False)
logical_not = unary(fnp.logical_not, "logical_not", floating=False)
bitwise_not = unary(fnp.invert, "bitwise_not", floating=False)


def rsqrt(input):
    return reciprocal(sqrt(input))


def round(input, *, decimals=0):
    return apply(lambda x: fnp.round(x, decimals), (input,))


def clamp(input, min=None, max=None, *, out=None):
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
    return apply(fnp.clip, (t, lo, hi), None, "ClampBackward1")


clip = clamp


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    a, b, _ = promote(input, other)
    cond = nondiff(condition) if isinstance(condition, Tensor) else np.asarray(condition)
    return apply(fnp.where, (cond, a, b), None, "WhereBackward0")


def masked_fill(input, mask, value):
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


def lerp(input, end, weight):
    return add(input, mul(weight, sub(end, input)))


def addcmul(input, tensor1, tensor2, *, value=1):
    return add(input, mul(mul(tensor1, tensor2), value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return add(input, mul(div(tensor1, tensor2), value))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(fnp.isclose(nondiff(input), nondiff(other), rtol, atol, equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._raw(), other._raw(), rtol, atol, equal_nan))


def equal(input, other):
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


def _inplace_binary(fn, name):
    def op(self, other, *, alpha=1):
        if alpha != 1:
            other = mul(other, alpha)
        if isinstance(other, np.generic):
            other = other.item()
        return inplace(self, lambda s, o: _same_shape(fn(s, o), s, name), (other,), name)
    return op


def _inplace_unary(fn, name):
    def op(self):
        return inplace(self, lambda s: fn(s), (), name)
    return op


def _fill_value(s, value):
    dt = fnp.result_type(s)
    v = fnp.astype(value, dt) if not isinstance(value, (int, float, bool)) else np.asarray(value, dtype=dt)
    new = fnp.broadcast_to(v, fnp.shape(s))
    return fnp.where(np.ones((), bool), new, s)  # keeps s in the graph with a zero gradient


def zero_(self):
    return inplace(self, lambda s: _fill_value(s, 0), (), "ZeroBackward0")


def fill_(self, value):
    return inplace(self, lambda s, v: _fill_value(s, v), (value,), "FillBackward0")


def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = _tensor_arg(src, self)
    if src.device != self.device:
        src = wrap(put(src._raw(), self.device)) if not src.requires_grad else src.to(self.device)
    return inplace(self, lambda s, o: _fill_value(s, o), (src,), "CopyBackwards")


def clamp_(self, min=None, max=None):
    lo, hi = min, max
    return inplace(self, lambda s: fnp.clip(s, lo, hi), (), "ClampBackward1")


def masked_fill_(self, mask, value):
    m = nondiff(mask)
    if isinstance(value, Tensor):
        return inplace(self, lambda s, v: fnp.where(m, fnp.astype(v, fnp.result_type(s)), s), (value,),
                       "MaskedFillBackward0")
    return inplace(self, lambda s: fnp.where(m, np.asarray(value, fnp.result_type(s)), s), (),
                   "MaskedFillBackward0")


_INPLACE = {
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
_INPLACE["__iadd__"] = _INPLACE["add_"]
_INPLACE["__isub__"] = _INPLACE["sub_"]
_INPLACE["__imul__"] = _INPLACE["mul_"]
_INPLACE["__itruediv__"] = _INPLACE["div_"]
relu_ = _INPLACE["relu_"]
sigmoid_ = _INPLACE["sigmoid_"]


# ------------------------------------------------------------------ methods and operators

def _r(fn):
    return lambda self, other: fn(other, self)


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
    "where": lambda self, condition, other: where(condition, self, other), **_INPLACE,
}
