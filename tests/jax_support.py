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


def derivatives_agree(f, jf, args, argnums=None, rtol=1e-9, atol=1e-10):
    """``f`` (fgrad) and ``jf`` (JAX) of array outputs agree in value, in reverse- and forward-mode first
    derivatives and in both second-order compositions (forward over reverse, reverse over forward),
    taken in the inexact arguments ``argnums`` (default all) through a fixed smooth scalar of the output."""
    import fgrad
    import fgrad.numpy as fnp
    import jax.numpy as jnp
    argnums = tuple(range(len(args))) if argnums is None else tuple(argnums)
    rng = np.random.default_rng(0)
    tangents = []
    for i in argnums:
        a = np.asarray(args[i])
        t = rng.standard_normal(a.shape) + (1j * rng.standard_normal(a.shape) if np.iscomplexobj(a) else 0)
        tangents.append(t.astype(a.dtype))

    def part(fun):  # fun of the differentiated arguments only, the others held
        def g(*xs):
            full = list(args)
            for i, x in zip(argnums, xs):
                full[i] = x
            return fun(*full)
        return g

    f_, jf_ = part(f), part(jf)
    s = lambda *xs: fnp.sum(fnp.sin(fnp.real(f_(*xs))))  # noqa: E731
    js = lambda *xs: jnp.sum(jnp.sin(jnp.real(jf_(*xs))))  # noqa: E731
    primals = [args[i] for i in argnums]
    n = tuple(range(len(primals)))
    assert_agree(f(*args), jf(*args), rtol, atol)
    # JAX's side compiled: op-by-op dispatch of its second derivatives takes seconds
    assert_agree(fgrad.grad(s, n)(*primals), jax.jit(jax.grad(js, n))(*primals), rtol, atol)
    primals, tangents = tuple(primals), tuple(tangents)
    assert_agree(fgrad.jvp(f_, primals, tangents)[1], jax.jit(lambda p: jax.jvp(jf_, p, tangents)[1])(primals),
                 rtol, atol)
    assert_agree(fgrad.jvp(fgrad.grad(s, n), primals, tangents)[1],
                 jax.jit(lambda p: jax.jvp(jax.grad(js, n), p, tangents)[1])(primals), rtol * 10, atol * 10)
    assert_agree(fgrad.grad(lambda *xs: _scalar_of_jvp(fgrad, fnp, f_, xs, tangents), n)(*primals),
                 jax.jit(jax.grad(lambda *xs: _scalar_of_jvp(jax, jnp, jf_, xs, tangents), n))(*primals),
                 rtol * 10, atol * 10)


def _scalar_of_jvp(lib, xp, f, xs, tangents):
    """A smooth scalar of ``f``'s directional derivative (for reverse over forward)."""
    return xp.sum(xp.sin(xp.real(lib.jvp(f, tuple(xs), tuple(tangents))[1])))
