"""JAX (x64) as the oracle: one comparison every engine test file shares."""
import numpy as np
import pytest

from fgrad.tree_util import tree_flatten

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

RTOL, ATOL = 1e-10, 1e-12  # float64 through a few dozen operations, two libraries' kernels


def _tol(dtype, rtol, atol):
    """float32 results: the same few operations, to float32's precision."""
    if np.dtype(dtype) in (np.float32, np.complex64):
        return max(rtol, 1e-5), max(atol, 1e-6)
    return rtol, atol


def assert_agree(got, want, rtol=RTOL, atol=ATOL):
    """Same pytree structure; every leaf the same shape, dtype and (to tolerance) values."""
    want = jax.tree_util.tree_map(np.asarray, want)
    g_flat, g_tree = tree_flatten(got)
    w_flat, w_tree = tree_flatten(want)
    assert g_tree == w_tree, f"structure: fgrad {g_tree} vs JAX {w_tree}"
    for i, (g, w) in enumerate(zip(g_flat, w_flat)):
        g = np.asarray(g)
        assert (g.shape, g.dtype) == (w.shape, w.dtype), f"leaf {i}: fgrad {g.dtype}{g.shape} vs JAX {w.dtype}{w.shape}"
        np.testing.assert_allclose(g, w, *_tol(w.dtype, rtol, atol), err_msg=f"leaf {i}")
