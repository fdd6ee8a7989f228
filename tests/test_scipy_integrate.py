"""fgrad.scipy.integrate: values against SciPy on every device, derivatives against JAX (x64)."""
import numpy as np
import pytest
import scipy.integrate as si

from fgrad.scipy import integrate

from helpers import host
from jax_support import assert_agree, derivatives_agree, jax

import jax.scipy.integrate as jsi  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261208)


@pytest.mark.parametrize("axis", [0, -1])
def test_trapezoid_matches_scipy_on_every_device(axis, put):
    y, x = RNG.standard_normal((4, 5)), np.sort(RNG.standard_normal((4, 5)), axis=axis)
    np.testing.assert_allclose(host(integrate.trapezoid(put(y), axis=axis)), si.trapezoid(y, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(host(integrate.trapezoid(put(y), dx=0.3, axis=axis)),
                               si.trapezoid(y, dx=0.3, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(host(integrate.trapezoid(put(y), put(x), axis=axis)),
                               si.trapezoid(y, x, axis=axis), rtol=1e-12)


def test_trapezoid_derivatives_match_jax():
    y, x = RNG.standard_normal((3, 6)), np.sort(RNG.standard_normal(6))
    derivatives_agree(lambda a, b: integrate.trapezoid(a, b), lambda a, b: jsi.trapezoid(a, b), (y, x))


def test_names_cover_jax():
    assert [n for n in dir(jsi) if not n.startswith("_") and not hasattr(integrate, n)] == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64], ids=str)
def test_trapezoid_dtypes_match_jax(dtype):
    y = (RNG.standard_normal((2, 5)) * 4).astype(dtype)
    assert_agree(integrate.trapezoid(y), jsi.trapezoid(y))
    assert_agree(integrate.trapezoid(y, dx=0.5), jsi.trapezoid(y, dx=0.5))
