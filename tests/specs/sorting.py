"""Specs for sorting: ``sort`` is differentiable; the rest return positions or counts."""
import numpy as np
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.testing import strategies as fst

from ._spec import Spec


@st.composite
def distinct_arrays(draw, shape=None, min_dims=1, max_dims=3):
    """Arrays whose values are at least 0.2 apart: no ties, even after a finite-difference step."""
    if shape is None:
        shape = draw(fst.shapes(min_dims=min_dims, max_dims=max_dims))
    n = int(np.prod(shape, dtype=np.int64))
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    jitter = np.array(draw(st.lists(st.floats(0.0, 0.05), min_size=n, max_size=n)))
    return ((order - n / 2) * 0.25 + jitter).reshape(shape)


def _distinct(**kw):
    return lambda draw: (draw(distinct_arrays(**kw)),)


def _rounded(n_arrays, **kw):
    """args() drawing arrays of one shape; the Specs round them to get ties."""
    def args(draw):
        s = draw(fst.shapes(**kw))
        return tuple(draw(fst.arrays(s)) for _ in range(n_arrays))
    return args


SPECS = [
    Spec("sort", fnp.sort, _distinct(), reference=np.sort),
    Spec("sort", lambda x: fnp.sort(x, axis=0), _distinct(), reference=lambda x: np.sort(x, axis=0)),
    Spec("sort", lambda x: fnp.sort(x, axis=None), _distinct(min_dims=0), reference=lambda x: np.sort(x, axis=None)),

    Spec("argsort", lambda x: fnp.argsort(fnp.round(x)), _rounded(1, min_dims=1),
         reference=lambda x: np.argsort(np.round(x), kind="stable"), nondiff=True),
    Spec("argsort", lambda x: fnp.argsort(x, axis=None), _rounded(1),
         reference=lambda x: np.argsort(x, axis=None, kind="stable"),
         nondiff=True),
    # Which indices land left of the kth element is defined (values are distinct); their order is not.
    Spec("argpartition", lambda x: fnp.sort(fnp.argpartition(x, 1, axis=0)[:2], axis=0),
         _distinct(shape=(4, 3)), reference=lambda x: np.sort(np.argsort(x, axis=0)[:2], axis=0), nondiff=True),
    Spec("searchsorted", lambda a, v: fnp.searchsorted(fnp.sort(fnp.round(a)), fnp.round(v), side="right"),
         lambda draw: (draw(fst.arrays(min_dims=1, max_dims=1)), draw(fst.arrays(max_dims=2))),
         reference=lambda a, v: np.searchsorted(np.sort(np.round(a)), np.round(v), side="right"), nondiff=True),
    Spec("unique", lambda x: fnp.unique(fnp.round(x), return_counts=True)[1], _rounded(1),
         reference=lambda x: np.unique(np.round(x), return_counts=True)[1], nondiff=True),
    Spec("unique", lambda x: fnp.unique(fnp.round(x), return_inverse=True, axis=0)[1], _rounded(1, min_dims=2),
         reference=lambda x: np.unique(np.round(x), return_inverse=True, axis=0)[1], nondiff=True),
    Spec("lexsort", lambda a, b: fnp.lexsort((fnp.round(a), fnp.round(b))), _rounded(2, min_dims=1, max_dims=1),
         reference=lambda a, b: np.lexsort((np.round(a), np.round(b))), nondiff=True),
]
