"""fgrad.scipy.ndimage.map_coordinates: values against SciPy (JAX's 'constant' and 'wrap' are SciPy's
'grid-constant' and 'grid-wrap') on every device, values, dtypes and derivatives against JAX (x64)."""
import numpy as np
import pytest
import scipy.ndimage as sn

import fgrad
from fgrad.scipy.ndimage import map_coordinates

from helpers import host
from jax_support import assert_agree, derivatives_agree, jax

import jax.scipy.ndimage as jsn  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261207)
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
SCIPY_MODE = {"constant": "grid-constant", "wrap": "grid-wrap"}


def coordinates(shape, out_shape=(3, 4)):
    """Points inside and outside the grid, none halfway between samples (where rounding rules differ)."""
    c = [RNG.uniform(-n - 2, 2 * n + 2, out_shape) for n in shape]
    return [np.where(np.abs(x - np.round(x) - 0.5) < 1e-3, x + 0.1, x) for x in c]


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(6,), (4, 5), (3, 4, 2)], ids=str)
def test_values_match_scipy_on_every_device(shape, mode, order, put):
    x, c = RNG.standard_normal(shape), coordinates(shape)
    want = sn.map_coordinates(x, np.array(c), order=order, mode=SCIPY_MODE.get(mode, mode), cval=1.5)
    got = map_coordinates(put(x), put(c), order, mode=mode, cval=1.5)
    np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-12)


# The modes only choose which samples are read (checked above); two of them cover the derivative paths.
@pytest.mark.parametrize("mode", ["constant", "reflect"])
def test_derivatives_in_input_and_coordinates_match_jax(mode):
    x, c = RNG.standard_normal((4, 5)), coordinates((4, 5))
    derivatives_agree(lambda a, u, v: map_coordinates(a, [u, v], 1, mode=mode, cval=0.5),
                      lambda a, u, v: jsn.map_coordinates(a, [u, v], 1, mode=mode, cval=0.5), (x, c[0], c[1]))
    derivatives_agree(lambda a: map_coordinates(a, c, 0, mode=mode), lambda a: jsn.map_coordinates(a, c, 0, mode=mode),
                      (x,))


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex128], ids=str)
@pytest.mark.parametrize("order", [0, 1])
def test_dtypes_match_jax(dtype, order):
    x = (RNG.standard_normal((4, 5)) * 10).astype(dtype)
    c = coordinates((4, 5))
    assert_agree(map_coordinates(x, c, order), jsn.map_coordinates(x, c, order), 1e-6, 1e-5)


def test_single_sample_axes_and_jit():
    x, c = RNG.standard_normal((1, 5)), coordinates((1, 5))
    for mode in MODES:
        assert_agree(map_coordinates(x, c, 1, mode=mode), jsn.map_coordinates(x, c, 1, mode=mode))
    f = fgrad.jit(lambda a, u, v: map_coordinates(a, [u, v], 1, mode="mirror"))
    assert_agree(f(x, *c), jsn.map_coordinates(x, c, 1, mode="mirror"))


def test_errors_match_jax():
    x, c = np.ones((3, 3)), [np.zeros(2), np.zeros(2)]
    for call, err in [(lambda m: m.map_coordinates(x, c[:1], 1), ValueError),
                      (lambda m: m.map_coordinates(x, c, 2), NotImplementedError),
                      (lambda m: m.map_coordinates(x, c, 1, mode="grid-wrap"), NotImplementedError)]:
        with pytest.raises(err):
            call(jsn)
        with pytest.raises(err):
            call(__import__("fgrad.scipy.ndimage", fromlist=["_"]))
