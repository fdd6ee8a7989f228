"""Specs for the shape primitives: each moves or copies elements, so values come from NumPy."""
import numpy as np
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES
from fgrad.testing import strategies as fst

from ._spec import Spec


def _one(shape=None, **kw):
    """args() drawing one array (of ``shape``, or of a drawn shape with ``kw``)."""
    return lambda draw: (draw(fst.arrays(shape, **kw)),)


def _side(draw):
    return draw(st.integers(1, 4))


def _joinable(n, axis, nd):
    """args() drawing ``n`` arrays of ``nd`` dims equal except along ``axis``."""
    def args(draw):
        base = [_side(draw) for _ in range(nd)]
        out = []
        for _ in range(n):
            s = list(base)
            s[axis] = draw(st.integers(0 if out else 1, 3))  # empty pieces are legal too
            out.append(draw(fst.arrays(tuple(s))))
        return tuple(out)
    return args


def _equal(n, nd):
    def args(draw):
        s = tuple(_side(draw) for _ in range(nd))
        return tuple(draw(fst.arrays(s)) for _ in range(n))
    return args


def _weighted(pieces, xp):
    """One array from the pieces of a split, each scaled differently (so a mix-up shows)."""
    return xp.concatenate([xp.ravel(p) * (k + 1.0) for k, p in enumerate(pieces)])


def _repeat_sum(repeats, axis, length):
    prim = PRIMITIVES["repeat_sum"]
    return lambda g: prim.bind(g, repeats=repeats, axis=axis, length=length)


def _np_repeat_sum(repeats, axis, length):
    def ref(g):
        counts = np.broadcast_to(repeats, (length,))
        ends = np.cumsum(counts)
        parts = [np.sum(np.take(g, np.arange(e - c, e), axis=axis), axis=axis) for c, e in zip(counts, ends)]
        return np.stack(parts, axis=axis)
    return ref


SPECS = [
    # reshape / broadcast_to / transpose
    Spec("reshape", lambda x: fnp.reshape(x, (-1,)), _one(min_dims=2), reference=lambda x: np.reshape(x, (-1,))),
    Spec("reshape", lambda x: fnp.reshape(x, (3, 1, -1)), _one((2, 3, 2)),
         reference=lambda x: np.reshape(x, (3, 1, -1))),
    Spec("reshape", lambda x: fnp.expand_dims(x, (0, -1)), _one(), reference=lambda x: np.expand_dims(x, (0, -1))),
    Spec("reshape", lambda x: fnp.squeeze(x, 1), _one((3, 1, 2)), reference=lambda x: np.squeeze(x, 1)),
    Spec("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 3, 4)), _one((3, 1)),
         reference=lambda x: np.broadcast_to(x, (2, 3, 4))),
    Spec("broadcast_to", lambda x: fnp.broadcast_to(x, (3, 2)), _one(()), reference=lambda x: np.broadcast_to(x, (3, 2))),
    Spec("transpose", fnp.transpose, _one(min_dims=2), reference=np.transpose),
    Spec("transpose", lambda x: fnp.transpose(x, (1, 2, 0)), _one(min_dims=3, max_dims=3),
         reference=lambda x: np.transpose(x, (1, 2, 0))),
    Spec("transpose", lambda x: fnp.moveaxis(x, 0, -1), _one(min_dims=2), reference=lambda x: np.moveaxis(x, 0, -1)),
    Spec("transpose", lambda x: fnp.swapaxes(x, 0, 2), _one(min_dims=3), reference=lambda x: np.swapaxes(x, 0, 2)),

    # concatenate (and the stacks built on it)
    Spec("concatenate", lambda a, b: fnp.concatenate([a, b]), _joinable(2, 0, 1),
         reference=lambda a, b: np.concatenate([a, b])),
    Spec("concatenate", lambda a, b, c: fnp.concatenate([a, b, c], axis=1), _joinable(3, 1, 3),
         reference=lambda a, b, c: np.concatenate([a, b, c], axis=1)),
    Spec("concatenate", lambda a, b: fnp.concatenate([a, b], axis=-1), _joinable(2, 1, 2),
         reference=lambda a, b: np.concatenate([a, b], axis=-1)),
    Spec("concatenate", lambda a, b: fnp.concatenate((a, b), axis=None), lambda d: (d(fst.arrays()), d(fst.arrays())),
         reference=lambda a, b: np.concatenate((a, b), axis=None)),
    Spec("concatenate", lambda a, b: fnp.concatenate([a, a * b, b]), _equal(2, 2),
         reference=lambda a, b: np.concatenate([a, a * b, b])),
    Spec("concatenate", lambda a, b, c: fnp.stack([a, b, c], axis=1), _equal(3, 2),
         reference=lambda a, b, c: np.stack([a, b, c], axis=1)),
    Spec("concatenate", lambda a, b: fnp.stack([a, b], axis=-1), _equal(2, 0),
         reference=lambda a, b: np.stack([a, b], axis=-1)),
    Spec("concatenate", lambda a, b: fnp.hstack([a, b]), _equal(2, 1), reference=lambda a, b: np.hstack([a, b])),
    Spec("concatenate", lambda a, b: fnp.vstack([a, b]), _equal(2, 1), reference=lambda a, b: np.vstack([a, b])),
    Spec("concatenate", lambda a, b: fnp.dstack([a, b]), _equal(2, 2), reference=lambda a, b: np.dstack([a, b])),
    Spec("concatenate", lambda a, b: fnp.column_stack([a, b]), _equal(2, 1),
         reference=lambda a, b: np.column_stack([a, b])),
    Spec("concatenate", lambda x: fnp.roll(x, (1, -2), (0, 1)), _one((3, 4)),
         reference=lambda x: np.roll(x, (1, -2), (0, 1))),
    Spec("concatenate", lambda x: fnp.roll(x, 3), _one((2, 5)), reference=lambda x: np.roll(x, 3)),

    # split (multiple results): its VJP concatenates the pieces' cotangents
    Spec("split", lambda x: tuple(fnp.split(x, 2)), _one((4, 3)), reference=lambda x: np.split(x, 2)),
    Spec("split", lambda x: tuple(fnp.split(x, 3, axis=1)), _one((2, 3)), reference=lambda x: np.split(x, 3, axis=1)),
    Spec("split", lambda x: fnp.split(x, [1, 3])[1], _one((5, 2)), reference=lambda x: np.split(x, [1, 3])[1]),
    Spec("split", lambda x: _weighted(fnp.array_split(x, 3, axis=-1), fnp), _one((2, 5)),
         reference=lambda x: _weighted(np.array_split(x, 3, axis=-1), np)),
    Spec("split", lambda x: _weighted(fnp.split(x, [-1, 1, 9]), fnp), _one((4,)),
         reference=lambda x: _weighted(np.split(x, [-1, 1, 9]), np)),
    Spec("split", lambda x: _weighted(fnp.hsplit(x, [2]), fnp), _one((2, 3)),
         reference=lambda x: _weighted(np.hsplit(x, [2]), np)),

    # flip
    Spec("flip", fnp.flip, _one(min_dims=1), reference=np.flip),
    Spec("flip", lambda x: fnp.flip(x, -1), _one(min_dims=1), reference=lambda x: np.flip(x, -1)),
    Spec("flip", lambda x: fnp.flip(x, (0, 2)), _one(min_dims=3), reference=lambda x: np.flip(x, (0, 2))),
    Spec("flip", fnp.fliplr, _one(min_dims=2), reference=np.fliplr),
    Spec("flip", lambda x: fnp.rot90(x), _one(min_dims=2), reference=lambda x: np.rot90(x)),
    Spec("flip", lambda x: fnp.rot90(x, -1, (2, 0)), _one(min_dims=3), reference=lambda x: np.rot90(x, -1, (2, 0))),
    Spec("flip", lambda x: fnp.rot90(x, 2), _one(min_dims=2), reference=lambda x: np.rot90(x, 2)),

    # repeat and its transpose
    Spec("repeat", lambda x: fnp.repeat(x, 2), _one(), reference=lambda x: np.repeat(x, 2)),
    Spec("repeat", lambda x: fnp.repeat(x, 3, axis=1), _one(min_dims=2), reference=lambda x: np.repeat(x, 3, axis=1)),
    Spec("repeat", lambda x: fnp.repeat(x, [2, 0, 1], axis=0), _one((3, 2)),
         reference=lambda x: np.repeat(x, [2, 0, 1], axis=0)),
    Spec("repeat", lambda x: fnp.repeat(x, [1, 3], axis=-1), _one((2, 2)),
         reference=lambda x: np.repeat(x, [1, 3], axis=-1)),
    Spec("repeat_sum", _repeat_sum(2, 0, 3), _one((6, 2)), reference=_np_repeat_sum(2, 0, 3)),
    Spec("repeat_sum", _repeat_sum((2, 0, 1), 1, 3), _one((2, 3)), reference=_np_repeat_sum((2, 0, 1), 1, 3)),
    Spec("repeat_sum", _repeat_sum(0, 0, 2), _one((0, 2)), reference=lambda g: np.zeros((2, 2))),
    Spec("broadcast_to", lambda x: fnp.tile(x, (2, 1, 3)), _one(max_dims=2), reference=lambda x: np.tile(x, (2, 1, 3))),
    Spec("broadcast_to", lambda x: fnp.tile(x, 2), _one(), reference=lambda x: np.tile(x, 2)),
    Spec("broadcast_to", lambda a, b: fnp.broadcast_arrays(a, b),
         lambda d: (d(fst.arrays((3, 1))), d(fst.arrays((2, 1, 4)))), reference=lambda a, b: np.broadcast_arrays(a, b)),

    # pad: the constant mode is the primitive; the others are built from slices, flips and joins
    Spec("pad", lambda x: fnp.pad(x, 1), _one(min_dims=1), reference=lambda x: np.pad(x, 1)),
    Spec("pad", lambda x: fnp.pad(x, ((0, 2), (1, 0)), constant_values=((1.5, 2.0), (-1.0, 0.5))),
         _one((2, 3)), reference=lambda x: np.pad(x, ((0, 2), (1, 0)), constant_values=((1.5, 2.0), (-1.0, 0.5)))),
    Spec("concatenate", lambda x: fnp.pad(x, (2, 1), mode="edge"), _one(min_dims=1), reference=lambda x: np.pad(x, (2, 1), mode="edge")),
    Spec("concatenate", lambda x: fnp.pad(x, ((3, 1), (0, 2)), mode="reflect"), _one((2, 3)),
         reference=lambda x: np.pad(x, ((3, 1), (0, 2)), mode="reflect")),
    Spec("concatenate", lambda x: fnp.pad(x, 4, mode="symmetric"), _one((3,)),
         reference=lambda x: np.pad(x, 4, mode="symmetric")),
    Spec("concatenate", lambda x: fnp.pad(x, ((1,), (5,)), mode="wrap"), _one((2, 2)),
         reference=lambda x: np.pad(x, ((1,), (5,)), mode="wrap")),
]
