"""Specs for fgrad/numpy/_elementwise.py."""
import numpy as np

import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays, broadcastable_arrays

from ._spec import Spec


def one(**kw):
    return lambda draw: (draw(arrays(**kw)),)


def two(**kw):
    return lambda draw: draw(broadcastable_arrays(**kw))


def unary(name, fn, ref, **kw):
    return Spec(name, fn, one(**kw), reference=ref)


def binary(name, fn, ref, **kw):
    return Spec(name, fn, two(**kw), reference=ref)


def _positive_pairs(draw):
    return draw(broadcastable_arrays(min_value=0.3, max_value=2.0))


def _bounds(draw):
    x = draw(arrays(min_value=-3.0, max_value=3.0))
    lo = draw(arrays(shape=x.shape[-1:], min_value=-1.5, max_value=-0.5))
    hi = draw(arrays(shape=(), min_value=0.5, max_value=1.5))
    return x, lo, hi


def _clip_away_from_bounds(draw):
    # finite differences need x away from the kinks at the bounds
    x, lo, hi = _bounds(draw)
    x = np.where(np.abs(x - lo) < 0.1, x + 0.2, x)
    x = np.where(np.abs(x - hi) < 0.1, x + 0.2, x)
    return x, lo, hi


def _where_args(draw):
    return draw(broadcastable_arrays(avoid=(0.0,)))


def _untied(draw):
    x, y = draw(broadcastable_arrays())
    return x, np.where(np.abs(x - y) < 0.1, y + 0.3, y)


SPECS = [
    binary("add", fnp.add, np.add),
    binary("subtract", fnp.subtract, np.subtract),
    binary("multiply", fnp.multiply, np.multiply),
    Spec("divide", fnp.divide, lambda d: (d(arrays()), d(arrays(shape=(), avoid=(0.0,), margin=0.4))),
         reference=np.divide),
    Spec("divide", lambda x, y: x / y, two(avoid=(0.0,), margin=0.4), reference=np.divide),
    unary("negative", fnp.negative, np.negative),
    unary("positive", fnp.positive, np.positive),
    Spec("power", fnp.power, _positive_pairs, reference=np.power),
    Spec("power", lambda x: x ** 3.0, one(), reference=lambda x: x ** 3.0),
    unary("square", fnp.square, np.square),
    unary("reciprocal", fnp.reciprocal, np.reciprocal, min_value=0.3, max_value=2.0),
    unary("sqrt", fnp.sqrt, np.sqrt, min_value=0.2, max_value=3.0),
    unary("cbrt", fnp.cbrt, np.cbrt, avoid=(0.0,), margin=0.2),
    unary("exp", fnp.exp, np.exp),
    unary("exp2", fnp.exp2, np.exp2),
    unary("expm1", fnp.expm1, np.expm1),
    unary("log", fnp.log, np.log, min_value=0.2, max_value=3.0),
    unary("log2", fnp.log2, np.log2, min_value=0.2, max_value=3.0),
    unary("log10", fnp.log10, np.log10, min_value=0.2, max_value=3.0),
    unary("log1p", fnp.log1p, np.log1p, min_value=-0.7, max_value=3.0),
    binary("logaddexp", fnp.logaddexp, np.logaddexp),
    binary("logaddexp2", fnp.logaddexp2, np.logaddexp2),
    unary("sin", fnp.sin, np.sin),
    unary("cos", fnp.cos, np.cos),
    unary("tan", fnp.tan, np.tan, min_value=-1.2, max_value=1.2),
    unary("arcsin", fnp.arcsin, np.arcsin, min_value=-0.8, max_value=0.8),
    unary("arccos", fnp.arccos, np.arccos, min_value=-0.8, max_value=0.8),
    unary("arctan", fnp.arctan, np.arctan),
    Spec("arctan2", fnp.arctan2, two(min_value=0.3, max_value=2.0), reference=np.arctan2),
    unary("sinh", fnp.sinh, np.sinh),
    unary("cosh", fnp.cosh, np.cosh),
    unary("tanh", fnp.tanh, np.tanh),
    unary("arcsinh", fnp.arcsinh, np.arcsinh),
    unary("arccosh", fnp.arccosh, np.arccosh, min_value=1.2, max_value=3.0),
    unary("arctanh", fnp.arctanh, np.arctanh, min_value=-0.8, max_value=0.8),
    unary("deg2rad", fnp.deg2rad, np.deg2rad),
    unary("rad2deg", fnp.rad2deg, np.rad2deg),
    Spec("hypot", fnp.hypot, two(min_value=0.3, max_value=2.0), reference=np.hypot),
    unary("sinc", fnp.sinc, np.sinc, avoid=(0.0,), margin=0.2),
    unary("absolute", fnp.absolute, np.absolute, avoid=(0.0,)),
    Spec("maximum", fnp.maximum, _untied, reference=np.maximum),
    Spec("minimum", fnp.minimum, _untied, reference=np.minimum),
    Spec("fmax", fnp.fmax, _untied, reference=np.fmax),
    Spec("fmin", fnp.fmin, _untied, reference=np.fmin),
    Spec("remainder", fnp.remainder, lambda d: (d(arrays(min_value=0.1, max_value=0.9)),
                                                d(arrays(shape=(), min_value=1.2, max_value=2.0))),
         reference=np.remainder),
    Spec("fmod", fnp.fmod, lambda d: (d(arrays(min_value=0.1, max_value=0.9)),
                                      d(arrays(shape=(), min_value=1.2, max_value=2.0))),
         reference=np.fmod),
    Spec("copysign", fnp.copysign, two(avoid=(0.0,), margin=0.2), reference=np.copysign),
    Spec("clip", fnp.clip, _clip_away_from_bounds, reference=np.clip),
    Spec("clip", lambda x: fnp.clip(x, -0.5, None), one(avoid=(-0.5,)), reference=lambda x: np.clip(x, -0.5, None)),
    Spec("where", lambda x, y: fnp.where(x > 0, x, y), _where_args, reference=lambda x, y: np.where(x > 0, x, y)),
    Spec("conjugate", fnp.conjugate, one(), reference=np.conjugate),
    Spec("real", fnp.real, one(), reference=np.real),
]

NONDIFF_UNARY = ["sign", "floor", "ceil", "trunc", "fix", "rint", "signbit", "logical_not", "isnan",
                 "isinf", "isfinite", "isposinf", "isneginf"]
NONDIFF_BINARY = ["floor_divide", "heaviside", "equal", "not_equal", "less", "less_equal", "greater",
                  "greater_equal", "logical_and", "logical_or", "logical_xor"]

SPECS += [Spec(n, getattr(fnp, n), one(), reference=getattr(np, n), nondiff=True) for n in NONDIFF_UNARY]
SPECS += [Spec(n, getattr(fnp, n), two(), reference=getattr(np, n), nondiff=True) for n in NONDIFF_BINARY]
SPECS += [
    Spec("floor_divide", fnp.floor_divide, two(avoid=(0.0,), margin=0.3), reference=np.floor_divide, nondiff=True),
    Spec("round", lambda x: fnp.round(x, 1), one(), reference=lambda x: np.round(x, 1), nondiff=True),
    Spec("isclose", fnp.isclose, two(), reference=np.isclose, nondiff=True),
    Spec("bitwise_and", lambda x, y: fnp.bitwise_and((x > 0), (y > 0)), two(),
         reference=lambda x, y: np.bitwise_and(x > 0, y > 0), nondiff=True),
    Spec("bitwise_or", lambda x, y: fnp.bitwise_or((x > 0), (y > 0)), two(),
         reference=lambda x, y: np.bitwise_or(x > 0, y > 0), nondiff=True),
    Spec("bitwise_xor", lambda x, y: fnp.bitwise_xor((x > 0), (y > 0)), two(),
         reference=lambda x, y: np.bitwise_xor(x > 0, y > 0), nondiff=True),
    Spec("invert", lambda x: fnp.invert(x > 0), one(), reference=lambda x: np.invert(x > 0), nondiff=True),
]
