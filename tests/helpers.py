"""Small helpers shared by test modules (conftest.py is for fixtures only)."""
import numpy as np

import fgrad


def host(x):
    """A NumPy copy of ``x``, wherever it lives."""
    return np.asarray(fgrad.device_get(x))


def same(got, want):
    """Equal values, shapes and dtypes (tuples compared piece by piece)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            same(g, w)
        return
    g, w = host(got), np.asarray(want)
    assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
    np.testing.assert_array_equal(g, w)
