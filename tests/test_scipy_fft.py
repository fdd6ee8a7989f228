"""fgrad.scipy.fft (the type-2 DCT): values against SciPy on every device, dtypes, errors and
derivatives against JAX (x64), and the transforms under vmap and jit."""
import numpy as np
import pytest
import scipy.fft as sf

import fgrad
from fgrad.scipy import fft

from helpers import host
from jax_support import assert_agree, derivatives_agree, jax

import jax.scipy.fft as jfft  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261206)


@pytest.mark.parametrize("norm", [None, "ortho", "backward"])
@pytest.mark.parametrize("length", [1, 2, 5, 8])
def test_dct_and_idct_match_scipy_on_every_device(norm, length, put):
    x = RNG.standard_normal((3, length))
    for name in ("dct", "idct"):
        ours, theirs = getattr(fft, name), getattr(sf, name)
        np.testing.assert_allclose(host(ours(put(x), norm=norm)), theirs(x, norm=norm), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(host(ours(put(x), n=length + 2, axis=0, norm=norm)),
                                   theirs(x, n=length + 2, axis=0, norm=norm), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(host(ours(put(x), n=max(length - 1, 1), norm=norm)),
                                   theirs(x, n=max(length - 1, 1), norm=norm), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("s, axes", [(None, None), ((3, 7), None), (None, (0,)), ((4, 2), (1, 0)), ((3,), None)])
def test_dctn_and_idctn_match_scipy_on_every_device(s, axes, put):
    x = RNG.standard_normal((4, 5, 3)) + 1j * RNG.standard_normal((4, 5, 3))
    for norm in (None, "ortho"):
        np.testing.assert_allclose(host(fft.dctn(put(x), s=s, axes=axes, norm=norm)),
                                   sf.dctn(x, s=s, axes=axes, norm=norm), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(host(fft.idctn(put(x), s=s, axes=axes, norm=norm)),
                                   sf.idctn(x, s=s, axes=axes, norm=norm), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.complex64, np.complex128],
                         ids=str)
def test_dtypes_match_jax(dtype):
    x = (RNG.standard_normal((2, 6)) * 3).astype(dtype)
    # JAX's inverse keeps some float16 arithmetic for float16 input (off by ~1e-3 from SciPy's float64
    # result, where ours, computed in float32, is off by ~1e-7): JAX's dtype, SciPy's values
    rtol = 1e-2 if dtype == np.float16 else 1e-10
    assert_agree(fft.dct(x), jfft.dct(x), rtol=rtol)
    assert_agree(fft.idctn(x), jfft.idctn(x), rtol=rtol)
    if dtype == np.float16:
        np.testing.assert_allclose(fft.idctn(x), sf.idctn(x.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_errors_match_jax():
    x = np.ones(4)
    for name in ("dct", "idct", "dctn", "idctn"):
        with pytest.raises(NotImplementedError, match="type 2"):
            getattr(fft, name)(x, type=3)
        with pytest.raises(ValueError, match="norm"):
            getattr(fft, name)(x, norm="forward")
    with pytest.raises(ValueError, match="out of bounds"):
        fft.dct(x, axis=1)
    with pytest.raises(ValueError, match="different lengths"):
        fft.dctn(np.ones((2, 3)), s=(2, 3), axes=(0,))


@pytest.mark.parametrize("name, kwargs", [("dct", {"n": 7, "axis": 0}), ("idctn", {"s": (3, 6), "norm": "ortho"})])
def test_derivatives_match_jax(name, kwargs):
    x = RNG.standard_normal((4, 5))
    derivatives_agree(lambda a: getattr(fft, name)(a, **kwargs), lambda a: getattr(jfft, name)(a, **kwargs), (x,))


def test_complex_gradient_matches_jax():
    z = RNG.standard_normal(5) + 1j * RNG.standard_normal(5)
    w = RNG.standard_normal(5)
    loss = lambda lib, xp: lambda a: xp.sum(xp.abs(lib.dct(a, norm="ortho") * w) ** 2)  # noqa: E731
    assert_agree(fgrad.grad(loss(fft, fgrad.numpy))(z), jax.jit(jax.grad(loss(jfft, jax.numpy)))(z))


def test_vmap_and_jit_match_eager(put):
    x = put(RNG.standard_normal((3, 6)))
    want = host(fft.dct(x, axis=-1))
    np.testing.assert_allclose(host(fgrad.vmap(fft.dct)(x)), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(fgrad.jit(lambda a: fft.idct(fft.dct(a)))(x)), host(x), rtol=1e-12, atol=1e-12)


def test_names_cover_jax():
    assert [n for n in dir(jfft) if not n.startswith("_") and not hasattr(fft, n)] == []
