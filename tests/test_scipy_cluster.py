"""fgrad.scipy.cluster.vq: codes and distances against SciPy and JAX on every device, derivatives
against JAX (x64), and JAX's errors."""
import numpy as np
import pytest
import scipy.cluster.vq as svq

import fgrad
from fgrad.scipy.cluster import vq

from helpers import host
from jax_support import assert_agree, jax

import jax.scipy.cluster.vq as jvq  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261206)


@pytest.mark.parametrize("shape", [(9, 3), (9,)])
def test_vq_matches_scipy_and_jax_on_every_device(shape, device, put):
    obs = RNG.standard_normal(shape)
    book = RNG.standard_normal((4,) + shape[1:])
    codes, dists = vq.vq(put(obs), put(book))
    want_codes, want_dists = svq.vq(obs, book)
    np.testing.assert_array_equal(host(codes), want_codes)
    np.testing.assert_allclose(host(dists), want_dists, rtol=1e-12)
    if device == "cpu":
        assert_agree(vq.vq(obs, book), jvq.vq(obs, book))


def test_ties_integers_and_derivatives_match_jax():
    assert_agree(vq.vq(np.array([0.0, 2.0, 5.0]), np.array([1.0, 4.0])),
                 jvq.vq(np.array([0.0, 2.0, 5.0]), np.array([1.0, 4.0])))
    ints = np.arange(6).reshape(3, 2)
    assert_agree(vq.vq(ints, ints[:2]), jvq.vq(ints, ints[:2]))
    obs, book = RNG.standard_normal((9, 3)), RNG.standard_normal((4, 3))
    loss = lambda lib, f: lambda o, b: lib.numpy.sum(f(o, b)[1] ** 3)  # noqa: E731
    assert_agree(fgrad.grad(loss(fgrad, vq.vq), (0, 1))(obs, book),
                 jax.jit(jax.grad(loss(jax, jvq.vq), (0, 1)))(obs, book))


def test_errors_match_jax():
    with pytest.raises(ValueError, match="same rank"):
        vq.vq(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="ndim different than 1 or 2"):
        vq.vq(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="features"):
        vq.vq(np.ones((2, 3)), np.ones((2, 2)))


def test_names_cover_jax():
    assert [n for n in dir(jvq) if not n.startswith("_") and not hasattr(vq, n)] == []
