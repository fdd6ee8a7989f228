"""Hypothesis strategies for property-based gradient tests (needs ``hypothesis``).

>>> from hypothesis import given
>>> from fgrad.testing import strategies as fst
>>> @given(fst.arrays(min_value=-2, max_value=2, avoid=(0.0,)))
... def test_abs(x):
...     check_grads(fnp.abs, (x,), order=2)
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["shapes", "arrays", "broadcastable_arrays", "pytrees", "smooth_floats", "dtypes"]


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes; sides start at 1 so finite differences have something to perturb."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def smooth_floats(min_value=-2.0, max_value=2.0, avoid=(), margin=0.1, width=64):
    """Floats in ``[min_value, max_value]`` at least ``margin`` away from each of ``avoid``.

    Use ``avoid`` for kinks and poles (0 for ``abs``, integers for ``floor``'s
    neighbours, ...) where finite differences are meaningless.
    """
    base = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=width)
    if not avoid:
        return base
    return base.filter(lambda v: all(abs(v - a) >= margin for a in avoid))


def dtypes(floating=("float64", "float32")):
    return st.sampled_from([np.dtype(d) for d in floating])


def arrays(shape=None, dtype=np.float64, min_value=-2.0, max_value=2.0, avoid=(), margin=0.1,
           unique=False, **shape_kwargs):
    """Float arrays of ``shape`` (drawn from ``shapes(**shape_kwargs)`` when None)."""
    dtype = np.dtype(dtype)
    width = 32 if dtype == np.float32 else 64
    elements = smooth_floats(min_value, max_value, avoid, margin, width)
    return hnp.arrays(dtype, shapes(**shape_kwargs) if shape is None else shape, elements=elements,
                      unique=unique)


@st.composite
def broadcastable_arrays(draw, num=2, dtype=np.float64, min_value=-2.0, max_value=2.0, avoid=(),
                         margin=0.1, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A tuple of ``num`` arrays whose shapes broadcast together."""
    bshapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=num, min_dims=min_dims, max_dims=max_dims,
                                                     min_side=min_side, max_side=max_side))
    return tuple(draw(arrays(s, dtype, min_value, max_value, avoid, margin)) for s in bshapes.input_shapes)


def pytrees(leaves=None, max_leaves=6):
    """Nested tuples, lists and dicts of array leaves."""
    leaves = arrays(max_dims=2) if leaves is None else leaves
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.tuples(children, children),
            st.lists(children, min_size=1, max_size=3),
            st.dictionaries(st.text("abcdef", min_size=1, max_size=3), children, min_size=1, max_size=3)),
        max_leaves=max_leaves)
