"""fgrad.scipy.signal: values against SciPy (on every device), values, dtypes, shapes and first and
second derivatives in both modes against JAX (x64), errors as JAX raises them."""
import numpy as np
import pytest
import scipy.signal as ss

import fgrad
from fgrad.scipy import signal

from helpers import host
from jax_support import assert_agree, derivatives_agree, jax

import jax.scipy.signal as jss  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261206)

SHAPES = [((7,), (3,)), ((3,), (7,)), ((5,), (5,)), ((5, 6), (2, 3)), ((2, 3), (5, 6)), ((4, 5, 3), (2, 2, 3))]


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name", ["convolve", "correlate"])
def test_values_match_scipy_on_every_device(name, shapes, mode, put):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    for method in ("direct", "fft"):
        want = getattr(ss, name)(a, b, mode, method=method)
        got = getattr(signal, name)(put(a), put(b), mode, method=method)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(host(got), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(host(signal.fftconvolve(put(a), put(b), mode)), ss.fftconvolve(a, b, mode),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_complex_values_match_scipy(mode):
    a = RNG.standard_normal(6) + 1j * RNG.standard_normal(6)
    b = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    for x, y in ((a, b), (b, a), (a, b.real), (a.real, b)):
        np.testing.assert_allclose(signal.correlate(x, y, mode), ss.correlate(x, y, mode), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(signal.convolve(x, y, mode), ss.convolve(x, y, mode), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(signal.fftconvolve(x, y, mode), ss.fftconvolve(x, y, mode), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,method", [("convolve", "direct"), ("correlate", "fft"), ("fftconvolve", None)])
def test_complex_derivatives_match_jax(name, method):
    """JAX's convention: the gradient of a real function of complex inputs is the conjugate Wirtinger one."""
    a = RNG.standard_normal(6) + 1j * RNG.standard_normal(6)
    b = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    kw = {} if method is None else {"method": method}
    derivatives_agree(lambda x, y: getattr(signal, name)(x, y, "same", **kw),
                      lambda x, y: getattr(jss, name)(x, y, "same", **kw), (a, b))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("shapes", [((5, 4), (3, 2)), ((6, 5), (3, 3)), ((2, 3), (4, 4))], ids=str)
@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
def test_2d_match_scipy(name, shapes, mode, put):
    """correlate2d's 'same' centres even kernels differently from correlate's, as SciPy's does."""
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    np.testing.assert_allclose(host(getattr(signal, name)(put(a), put(b), mode)), getattr(ss, name)(a, b, mode),
                               rtol=1e-10, atol=1e-12)


# Each function is bilinear and the 2-D names are the N-D direct path, so a few cases exercise every
# derivative path (the convolution and FFT primitives' rules are tested with the engine); JAX's side is slow.
@pytest.mark.parametrize("name,shapes,mode", [
    ("convolve", ((6,), (3,)), "full"), ("convolve", ((2, 5), (4, 7)), "valid"),
    ("convolve", ((3, 2, 3), (2, 2, 2)), "same"), ("correlate", ((2, 5), (4, 7)), "same"),
    ("fftconvolve", ((3, 2, 3), (2, 2, 2)), "valid"), ("correlate2d", ((5, 4), (3, 2)), "same")], ids=str)
def test_derivatives_match_jax(name, shapes, mode):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    derivatives_agree(lambda x, y: getattr(signal, name)(x, y, mode), lambda x, y: getattr(jss, name)(x, y, mode),
                      (a, b))


def test_more_than_three_dimensions_and_scalars_match_jax():
    a, b = RNG.standard_normal((3, 2, 4, 2)), RNG.standard_normal((2, 2, 2, 2))
    for mode in ("full", "same", "valid"):
        assert_agree(signal.convolve(a, b, mode), jss.convolve(a, b, mode), 1e-10, 1e-12)
    assert_agree(signal.convolve(np.float64(2.0), np.float64(3.0)), jss.convolve(np.float64(2.0), np.float64(3.0)))


@pytest.mark.parametrize("axes", [None, 1, (0,), (-1, 0)])
def test_fftconvolve_axes_match_scipy_and_jax(axes):
    a, b = RNG.standard_normal((3, 5)), RNG.standard_normal((3, 2)) if axes != (0,) else RNG.standard_normal((2, 5))
    for mode in ("full", "same", "valid"):
        want = ss.fftconvolve(a, b, mode, axes=axes)
        np.testing.assert_allclose(signal.fftconvolve(a, b, mode, axes=axes), want, rtol=1e-10, atol=1e-12)
        assert_agree(signal.fftconvolve(a, b, mode, axes=axes), jss.fftconvolve(a, b, mode, axes=axes), 1e-10, 1e-12)


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.int64, np.int64), (np.float64, np.float64),
                                    (np.complex64, np.complex64)], ids=str)
@pytest.mark.parametrize("name", ["convolve", "correlate", "fftconvolve"])
def test_dtypes_and_shapes_match_jax(name, dtypes):
    a = (RNG.standard_normal(6) * 3).astype(dtypes[0])
    b = (RNG.standard_normal(3) * 3).astype(dtypes[1])
    got, want = getattr(signal, name)(a, b), getattr(jss, name)(a, b)
    assert_agree(got, want, 1e-6 if np.dtype(dtypes[0]).itemsize <= 8 else 1e-10, 1e-6)


def test_under_jit_and_vmap():
    a, b = RNG.standard_normal((4, 6)), RNG.standard_normal(3)
    f = fgrad.jit(lambda x, y: signal.convolve(x, y, "same"))
    np.testing.assert_allclose(f(a[0], b), ss.convolve(a[0], b, "same"), rtol=1e-12)
    got = fgrad.vmap(lambda x: signal.correlate(x, b, "valid"))(a)
    np.testing.assert_allclose(got, np.stack([ss.correlate(r, b, "valid") for r in a]), rtol=1e-12)


@pytest.mark.parametrize("bp", [0, [3], [2, 7]])
@pytest.mark.parametrize("kind", ["linear", "constant"])
@pytest.mark.parametrize("axis", [0, -1])
def test_detrend_matches_scipy(bp, kind, axis, put):
    x = RNG.standard_normal((9, 10))
    want = ss.detrend(x, axis=axis, type=kind, bp=bp)
    np.testing.assert_allclose(host(signal.detrend(put(x), axis=axis, type=kind, bp=bp)), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["linear", "constant"])
def test_detrend_derivatives_match_jax(kind):
    x = RNG.standard_normal((4, 10))
    derivatives_agree(lambda d: signal.detrend(d, type=kind, bp=[3]), lambda d: jss.detrend(d, type=kind, bp=[3]), (x,))


def test_errors_match_jax():
    one, two = np.ones(3), np.ones((2, 2))
    cases = [
        (lambda m: m.convolve(one, two), ValueError),
        (lambda m: m.convolve(one, np.ones(0)), ValueError),
        (lambda m: m.convolve(one, one, mode="x"), ValueError),
        (lambda m: m.convolve(one, one, method="x"), ValueError),
        (lambda m: m.convolve2d(one, one), ValueError),
        (lambda m: m.convolve2d(two, two, boundary="wrap"), NotImplementedError),
        (lambda m: m.correlate2d(two, two, fillvalue=1.0), NotImplementedError),
        (lambda m: m.convolve(np.ones((2, 3)), np.ones((3, 2)), mode="valid"), ValueError),
        (lambda m: m.detrend(one, type="cubic"), ValueError),
    ]
    for call, err in cases:
        with pytest.raises(err):
            call(jss)
        with pytest.raises(err):
            call(signal)


def test_names_cover_jax():
    assert sorted(n for n in dir(jss) if not n.startswith("_") and not hasattr(signal, n)) == []


# ------------------------------------------------------------------ spectral analysis

def same(got, want, rtol=1e-10, atol=1e-12):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = host(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("kw", [{"nperseg": 8}, {"nperseg": 8, "noverlap": 5, "nfft": 10},
                                {"nperseg": 7, "boundary": None, "padded": False},
                                {"nperseg": 8, "return_onesided": False}, {"nperseg": 6, "window": "hamming"},
                                {"nperseg": 5, "window": np.arange(1.0, 6.0), "detrend": "linear"}], ids=str)
def test_stft_and_istft_match_scipy_on_every_device(kw, put):
    x = RNG.standard_normal((9, 40))
    on_device = {k: put(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}  # an array window too
    for axis in (0, -1):
        same(signal.stft(put(x), axis=axis, **on_device), ss.stft(x, axis=axis, **kw))
    _, _, z = ss.stft(x, **kw)
    if kw.get("boundary", "zeros") and "detrend" not in kw:
        inv = {k: v for k, v in kw.items() if k not in ("padded", "return_onesided")}
        inv["input_onesided"] = kw.get("return_onesided", True)
        same(signal.istft(put(z), **inv), ss.istft(z, **inv))
        same(signal.istft(put(np.moveaxis(z, 0, -1)), time_axis=1, freq_axis=0, **inv),
             ss.istft(np.moveaxis(z, 0, -1), time_axis=1, freq_axis=0, **inv))


@pytest.mark.parametrize("average", ["mean", "median"])
@pytest.mark.parametrize("scaling", ["density", "spectrum"])
@pytest.mark.parametrize("axis", [0, -1])
def test_welch_and_csd_match_scipy_on_every_device(average, scaling, axis, put):
    x, y = RNG.standard_normal((9, 50)), RNG.standard_normal((9, 50))
    kw = {"nperseg": 8, "average": average, "scaling": scaling, "axis": axis}
    same(signal.welch(put(x), fs=2.0, **kw), ss.welch(x, fs=2.0, **kw))
    same(signal.csd(put(x), put(y), nfft=11, detrend="linear", **kw), ss.csd(x, y, nfft=11, detrend="linear", **kw))
    xc = x + 1j * y
    with pytest.warns(UserWarning, match="complex"):  # as JAX warns (this SciPy switches silently)
        got = signal.csd(put(xc), put(y), **kw)
    same(got, ss.csd(xc, y, **kw))


def test_spectral_values_and_dtypes_match_jax():
    """float32 stays float32 (complex64 spectra), integers compute as float64; float64: the test below."""
    x = (RNG.standard_normal((2, 40)) * 4).astype(np.float32)
    assert_agree(signal.stft(x, nperseg=8), jss.stft(x, nperseg=8), 1e-5, 1e-5)
    assert_agree(signal.welch(x, nperseg=8), jss.welch(x, nperseg=8), 1e-5, 1e-5)
    assert_agree(signal.csd(x, x[::-1], nperseg=8), jss.csd(x, x[::-1], nperseg=8), 1e-5, 1e-5)
    _, _, z = jss.stft(x, nperseg=8)
    assert_agree(signal.istft(np.asarray(z), nperseg=8), jss.istft(z, nperseg=8), 1e-5, 1e-5)
    xi = x.astype(np.int64)
    assert_agree(signal.stft(xi, nperseg=8), jss.stft(xi, nperseg=8))


def test_spectral_derivatives_match_jax():
    """(welch is csd of x with itself.)"""
    x, y = RNG.standard_normal(24), RNG.standard_normal(24)
    derivatives_agree(lambda a: signal.stft(a, nperseg=8)[2], lambda a: jss.stft(a, nperseg=8)[2], (x,))
    derivatives_agree(lambda a, b: signal.csd(a, b, nperseg=8)[1], lambda a, b: jss.csd(a, b, nperseg=8)[1], (x, y))
    z = ss.stft(x, nperseg=8)[2]
    derivatives_agree(lambda a: signal.istft(a, nperseg=8)[1], lambda a: jss.istft(a, nperseg=8)[1], (z,))


def test_spectral_errors_match_jax():
    x = np.ones(16)
    cases = [(lambda m: m.stft(x, nperseg=8, noverlap=8), ValueError),
             (lambda m: m.stft(x, nperseg=8, nfft=4), ValueError),
             (lambda m: m.welch(x, nperseg=4, window=np.ones(3)), ValueError),
             (lambda m: m.welch(x, nperseg=4, scaling="bogus"), ValueError),
             (lambda m: m.csd(x, x, nperseg=4, average="bogus"), ValueError),
             (lambda m: m.istft(np.ones((5, 3)), time_axis=0, freq_axis=0), ValueError)]
    for call, err in cases:
        with pytest.raises(err):
            call(jss)
        with pytest.raises(err):
            call(signal)
