"""Specs for indexing and indexed updates: values come from NumPy's own indexing."""
import numpy as np
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.testing import strategies as fst

from ._spec import Spec


def _one(shape=None, **kw):
    return lambda draw: (draw(fst.arrays(shape, **kw)),)


def _at_least(*sides, extra_dims=0, exact=0):
    """args() drawing one array whose leading sides are at least ``sides`` (the first ``exact`` equal)."""
    def args(draw):
        s = tuple(n if i < exact else draw(st.integers(n, n + 2)) for i, n in enumerate(sides))
        s += tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, extra_dims))))
        return (draw(fst.arrays(s)),)
    return args


def _x_and_values(x_sides, values_shape, avoid=()):
    """args() drawing ``x`` (sides at least ``x_sides``) and update values.

    ``values_shape(xshape)`` gives the values' shape from the drawn ``x`` shape.
    """
    def args(draw):
        s = tuple(draw(st.integers(n, n + 2)) for n in x_sides)
        return draw(fst.arrays(s, avoid=avoid)), draw(fst.arrays(values_shape(s)))
    return args


def _np_set(index):
    def ref(x, v):
        out = x.copy()
        out[index] = v
        return out
    return ref


def _np_add(index):
    def ref(x, v):
        out = x.copy()
        np.add.at(out, index, v)
        return out
    return ref


REPEATS = [0, -1, 0, 0]
MIXED = ([1, 0, 1], slice(None), [0, 0, 1])        # advanced split by a slice: advanced dims go first
ADJACENT = (slice(None), [0, 2, 2], [[1], [0]])    # adjacent advanced, broadcast to (2, 3)
MASK_AND_INT = (np.array([True, False, True]), slice(1, None), [0, 0])

SPECS = [
    # getitem: one Spec per kind of index
    Spec("getitem", lambda x: x[-1], _at_least(1, extra_dims=2), reference=lambda x: x[-1]),
    Spec("getitem", lambda x: x[1, 0], _at_least(2, 1, extra_dims=1), reference=lambda x: x[1, 0]),
    Spec("getitem", lambda x: x[::-2], _at_least(1, extra_dims=2), reference=lambda x: x[::-2]),
    Spec("getitem", lambda x: x[3:0:-1, 1:], _at_least(1, 1), reference=lambda x: x[3:0:-1, 1:]),
    Spec("getitem", lambda x: x[None, ..., 0, None], _at_least(1, extra_dims=2),
         reference=lambda x: x[None, ..., 0, None]),
    Spec("getitem", lambda x: x[...], _one(), reference=lambda x: x[...]),
    Spec("getitem", lambda x: x[REPEATS], _at_least(1, extra_dims=2), reference=lambda x: x[REPEATS]),
    Spec("getitem", lambda x: x[np.array([[1, 1], [0, -1]])], _at_least(2, extra_dims=1),
         reference=lambda x: x[np.array([[1, 1], [0, -1]])]),
    Spec("getitem", lambda x: x[x > 0], _one(avoid=(0.0,)), reference=lambda x: x[x > 0],
         tags=("value_dependent_shape",)),
    Spec("getitem", lambda x: x[x[..., 0] > 0], _one(min_dims=2, avoid=(0.0,)),
         reference=lambda x: x[x[..., 0] > 0], tags=("value_dependent_shape",)),
    Spec("getitem", lambda x: x[MIXED], _at_least(2, 1, 2), reference=lambda x: x[MIXED]),
    Spec("getitem", lambda x: x[ADJACENT], _at_least(1, 3, 2), reference=lambda x: x[ADJACENT]),
    Spec("getitem", lambda x: x[MASK_AND_INT], _at_least(3, 2, 1, exact=1), reference=lambda x: x[MASK_AND_INT]),

    # index_add: repeats accumulate; without integer arrays the fast path (+=) runs
    Spec("index_add", lambda x, v: fnp.at(x)[[0, 0, -1]].add(v), _x_and_values((1, 2), lambda s: (3, s[1])),
         reference=lambda x, v: _np_add([0, 0, -1])(x, v)),
    Spec("index_add", lambda x, v: fnp.at(x)[[1, 1]].add(v), _x_and_values((2, 2), lambda s: (s[1],)),
         reference=lambda x, v: _np_add([1, 1])(x, v)),
    Spec("index_add", lambda x, v: fnp.at(x)[:, MIXED[0]].add(v), _x_and_values((1, 2), lambda s: (s[0], 3)),
         reference=lambda x, v: _np_add((slice(None), MIXED[0]))(x, v)),
    Spec("index_add", lambda x, v: fnp.at(x)[1:, ::-1].add(v), _x_and_values((2, 1), lambda s: (s[0] - 1, s[1])),
         reference=lambda x, v: _np_add((slice(1, None), slice(None, None, -1)))(x, v)),
    Spec("index_add", lambda x, v: fnp.at(x)[x > 0].add(v), _x_and_values((1, 1), lambda s: (), avoid=(0.0,)),
         tags=("value_dependent_shape",),
         reference=lambda x, v: np.where(x > 0, x + v, x)),

    # index_set: with repeats the last write wins, so earlier values get no derivative
    Spec("index_set", lambda x, v: fnp.at(x)[[0, 0, -1]].set(v), _x_and_values((1, 2), lambda s: (3, s[1])),
         reference=lambda x, v: _np_set([0, 0, -1])(x, v)),
    Spec("index_set", lambda x, v: fnp.at(x)[[1, 1]].set(v), _x_and_values((2, 2), lambda s: (s[1],)),
         reference=lambda x, v: _np_set([1, 1])(x, v)),
    Spec("index_set", lambda x, v: fnp.at(x)[MIXED].set(v), _x_and_values((2, 1, 2), lambda s: (3, s[1])),
         reference=lambda x, v: _np_set(MIXED)(x, v)),
    Spec("index_set", lambda x, v: fnp.at(x)[:, 0].set(v), _x_and_values((1, 1), lambda s: (s[0],)),
         reference=lambda x, v: _np_set((slice(None), 0))(x, v)),
    Spec("index_set", lambda x, v: fnp.at(x)[None, ..., ::2].set(v), _x_and_values((1, 1), lambda s: ()),
         reference=lambda x, v: _np_set((None, Ellipsis, slice(None, None, 2)))(x, v)),

    Spec("nonzero", lambda x: fnp.nonzero(x > 0), _one(min_dims=1), reference=lambda x: np.nonzero(x > 0),
         nondiff=True),
]
