"""Specs for the reduction primitives (and the cumulative ones), each against NumPy."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES
from fgrad.testing import strategies as fst

from ._spec import Spec, on_device_of


def _one(shape=None, **kw):
    """args() drawing one array (of ``shape``, or of a drawn shape with ``kw``)."""
    return lambda draw: (draw(fst.arrays(shape, **kw)),)


def _separated(shape=None, min_dims=1, max_dims=3, max_side=4):
    """args() drawing distinct values at least 0.1 apart: max/min have kinks at ties, where
    finite differences are meaningless."""
    def args(draw):
        s = draw(fst.shapes(min_dims, max_dims, 1, max_side)) if shape is None else shape
        ints = draw(hnp.arrays(np.int64, s, elements=st.integers(-40, 40), unique=True))
        return (ints * 0.1,)
    return args


def _with_zeros(shape=None, **kw):
    """args() drawing from a grid that includes 0 (products must be exact there)."""
    elements = st.sampled_from([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
    return lambda draw: (draw(hnp.arrays(np.float64, shape if shape is not None else fst.shapes(**kw),
                                         elements=elements)),)


def _shift(axis, offset):
    prim = PRIMITIVES["shift"]
    return lambda x: prim.bind(x, axis=axis, offset=offset)


def _np_shift(axis, offset):
    def ref(x):
        out = np.zeros_like(x)
        n = x.shape[axis]
        if abs(offset) < n:
            src = np.take(x, np.arange(n - offset) if offset > 0 else np.arange(-offset, n), axis=axis)
            idx = [slice(None)] * x.ndim
            idx[axis] = slice(offset, n) if offset > 0 else slice(0, n + offset)
            out[tuple(idx)] = src
        return out
    return ref


def _cum_reverse(prim_name, axis):
    prim = PRIMITIVES[prim_name]
    return lambda x: prim.bind(x, axis=axis, reverse=True)


def _np_cum_reverse(fn, axis):
    return lambda x: np.flip(fn(np.flip(x, axis), axis=axis), axis)


def _mask(shape):
    return (np.arange(int(np.prod(shape))).reshape(shape) % 3) != 1


SPECS = [
    # sum
    Spec("sum", fnp.sum, _one(), reference=np.sum),
    Spec("sum", lambda x: fnp.sum(x, axis=0), _one(min_dims=1), reference=lambda x: np.sum(x, axis=0)),
    Spec("sum", lambda x: fnp.sum(x, axis=(0, 2), keepdims=True), _one(min_dims=3),
         reference=lambda x: np.sum(x, axis=(0, 2), keepdims=True)),
    Spec("sum", lambda x: fnp.sum(x, axis=-1, where=on_device_of(x, _mask(x.shape)), initial=1.5), _one((3, 4)),
         reference=lambda x: np.sum(x, axis=-1, where=_mask(x.shape), initial=1.5)),

    # prod: exact derivatives where elements are zero, so the grid includes 0
    Spec("prod", fnp.prod, _one(max_dims=2, max_side=3), reference=np.prod),
    Spec("prod", fnp.prod, _with_zeros(max_dims=2, max_side=3), reference=np.prod),
    Spec("prod", lambda x: fnp.prod(x, axis=1, keepdims=True), _with_zeros(min_dims=2, max_dims=3, max_side=3),
         reference=lambda x: np.prod(x, axis=1, keepdims=True)),
    Spec("prod", lambda x: fnp.prod(x, axis=(0, 2)), _with_zeros(min_dims=3, max_dims=3, max_side=3),
         reference=lambda x: np.prod(x, axis=(0, 2))),
    Spec("prod", lambda x: fnp.prod(x, axis=-1), _one((2, 5), min_value=-1.5, max_value=1.5),
         reference=lambda x: np.prod(x, axis=-1)),

    # max / min (distinct values: their derivative at ties is a convention, tested elsewhere)
    Spec("max", fnp.max, _separated(), reference=np.max),
    Spec("max", lambda x: fnp.max(x, axis=0, keepdims=True), _separated(),
         reference=lambda x: np.max(x, 0, keepdims=True)),
    Spec("max", lambda x: fnp.amax(x, axis=(1, 2)), _separated(min_dims=3), reference=lambda x: np.amax(x, (1, 2))),
    Spec("min", fnp.min, _separated(), reference=np.min),
    Spec("min", lambda x: fnp.min(x, axis=-1), _separated(min_dims=2), reference=lambda x: np.min(x, axis=-1)),
    Spec("min", lambda x: fnp.amin(x, axis=(0, 1), keepdims=True), _separated(min_dims=2),
         reference=lambda x: np.amin(x, (0, 1), keepdims=True)),

    # cumulative
    Spec("cumsum", fnp.cumsum, _one(), reference=np.cumsum),
    Spec("cumsum", lambda x: fnp.cumsum(x, axis=1), _one(min_dims=2), reference=lambda x: np.cumsum(x, axis=1)),
    Spec("cumsum", _cum_reverse("cumsum", 0), _one(min_dims=1), reference=_np_cum_reverse(np.cumsum, 0)),
    Spec("cumprod", fnp.cumprod, _one(max_dims=2), reference=np.cumprod),
    Spec("cumprod", fnp.cumprod, _with_zeros(max_dims=1, max_side=6), reference=np.cumprod),
    Spec("cumprod", lambda x: fnp.cumprod(x, axis=0), _with_zeros(min_dims=2, max_dims=2),
         reference=lambda x: np.cumprod(x, axis=0)),
    Spec("cumprod", _cum_reverse("cumprod", 1), _with_zeros(min_dims=2, max_dims=2),
         reference=_np_cum_reverse(np.cumprod, 1)),
    Spec("shift", _shift(0, 1), _one(min_dims=1), reference=_np_shift(0, 1)),
    Spec("shift", _shift(1, -2), _one(min_dims=2), reference=_np_shift(1, -2)),

    # not differentiable
    Spec("argmax", fnp.argmax, _one(), reference=np.argmax, nondiff=True),
    Spec("argmax", lambda x: fnp.argmax(x, axis=-1, keepdims=True), _one(min_dims=1),
         reference=lambda x: np.argmax(x, axis=-1, keepdims=True), nondiff=True),
    Spec("argmin", fnp.argmin, _one(), reference=np.argmin, nondiff=True),
    Spec("argmin", lambda x: fnp.argmin(x, axis=0), _one(min_dims=1), reference=lambda x: np.argmin(x, axis=0),
         nondiff=True),
    Spec("any", lambda x: fnp.any(x > 1), _one(), reference=lambda x: np.any(x > 1), nondiff=True),
    Spec("any", lambda x: fnp.any(x > 0, axis=(0, -1), keepdims=True), _one(min_dims=2),
         reference=lambda x: np.any(x > 0, axis=(0, -1), keepdims=True), nondiff=True),
    Spec("all", lambda x: fnp.all(x > -1), _one(), reference=lambda x: np.all(x > -1), nondiff=True),
    Spec("all", lambda x: fnp.all(x > 0, axis=0), _one(min_dims=1), reference=lambda x: np.all(x > 0, axis=0),
         nondiff=True),
    Spec("count_nonzero", lambda x: fnp.count_nonzero(x > 0), _one(), reference=lambda x: np.count_nonzero(x > 0),
         nondiff=True),
    Spec("count_nonzero", lambda x: fnp.count_nonzero(x > 0, axis=(0, 1), keepdims=True), _one(min_dims=2),
         reference=lambda x: np.count_nonzero(x > 0, axis=(0, 1), keepdims=True), nondiff=True),
]
