"""Convolution, correlation, detrending and spectral analysis of signals (``jax.scipy.signal``'s names).

Composites, so every derivative comes from the primitives underneath: the direct method is one
call of ``fgrad.convolution``'s convolution primitive (1 to 3 dimensions), the FFT method (and any
other number of dimensions) a product of ``fgrad.numpy.fft`` transforms, and ``detrend`` one
matmul with a projection built from the (static) breakpoints. The spectral functions (``stft``,
``istft``, ``csd``, ``welch``) gather the overlapping segments with one index array and transform
them with one FFT; ``istft`` adds them back with one scatter-add.

>>> from fgrad.scipy import signal
>>> signal.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
array([0. , 1. , 2.5, 4. , 1.5])
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import numpy as fnp
from ..convolution import conv as _conv_primitive
from ..numpy import fft as _fft

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..typing import Array, ArrayLike

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend", "stft", "istft", "csd",
           "welch"]

_MODES = ("full", "same", "valid")


def _inputs(in1: ArrayLike, in2: ArrayLike, name: str) -> tuple[Array, Array]:
    """Both arrays in one inexact dtype (integers compute as float64), checked for rank and size."""
    a, b = fnp.asarray(in1), fnp.asarray(in2)
    if fnp.ndim(a) != fnp.ndim(b):
        raise ValueError(f"{name}: in1 and in2 must have the same number of dimensions, "
                         f"got shapes {fnp.shape(a)} and {fnp.shape(b)}")
    if fnp.size(a) == 0 or fnp.size(b) == 0:
        raise ValueError(f"{name}: zero-size arrays not supported in convolutions, "
                         f"got shapes {fnp.shape(a)} and {fnp.shape(b)}")
    dtype = fnp.result_type(a, b)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return fnp.astype(a, dtype), fnp.astype(b, dtype)


def _check_mode(mode: str, name: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {list(_MODES)}, got {mode!r}")


def _valid_order(s1: Sequence[int], s2: Sequence[int], name: str) -> bool:
    """Whether 'valid' mode must swap the inputs (SciPy's rule: the larger in every dimension first)."""
    if all(a >= b for a, b in zip(s1, s2)):
        return False
    if all(b >= a for a, b in zip(s1, s2)):
        return True
    raise ValueError(f"{name}: for 'valid' mode, one must be at least as large as the other in every "
                     f"dimension, got shapes {tuple(s1)} and {tuple(s2)}")


def _direct(a: Array, b: Array, mode: str, name: str) -> Array:
    """The convolution of same-rank ``a`` and ``b`` (1 to 3 dimensions) by the convolution primitive."""
    if mode == "valid" and _valid_order(fnp.shape(a), fnp.shape(b), name):
        a, b = b, a
    kernel = fnp.shape(b)
    if mode == "full":
        pairs = [(k - 1, k - 1) for k in kernel]
    elif mode == "same":  # the full result's centre, SciPy's offset (k - 1) // 2
        pairs = [(k - 1 - (k - 1) // 2, (k - 1) // 2) for k in kernel]
    else:
        pairs = [(0, 0) for _ in kernel]
    w = fnp.flip(b)  # the primitive correlates
    return _conv_primitive(a[None, None], w[None, None], padding=pairs)[0, 0]


def _centered(full: Array, axes: Sequence[int], sizes: Sequence[int]) -> Array:
    """The centre ``sizes`` of ``full`` along ``axes``."""
    index: list[Any] = [slice(None)] * fnp.ndim(full)
    for ax, n in zip(axes, sizes):
        start = (fnp.shape(full)[ax] - n) // 2
        index[ax] = slice(start, start + n)
    return full[tuple(index)]


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
             precision: Any = None) -> Array:
    """The N-dimensional convolution of ``in1`` and ``in2`` (``scipy.signal.convolve``).

    ``mode``: ``'full'`` (every overlap), ``'same'`` (the size of ``in1``, centred) or
    ``'valid'`` (full overlaps only); ``method``: ``'auto'``, ``'direct'`` or ``'fft'``
    (``'auto'`` is direct for 1 to 3 dimensions). Integers compute as float64.

    >>> from fgrad.scipy.signal import convolve
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="valid")
    array([3., 5.])
    >>> convolve(np.ones((3, 3)), np.ones((2, 2)), mode="same")
    array([[1., 2., 2.],
           [2., 4., 4.],
           [2., 4., 4.]])
    """
    _check_mode(mode, "convolve")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: got method={method!r}; expected 'auto', 'fft', or 'direct'.")
    a, b = _inputs(in1, in2, "convolve")
    nd = fnp.ndim(a)
    if nd == 0:
        return a * b
    if method == "fft" or nd > 3:
        return fftconvolve(a, b, mode=mode)
    return _direct(a, b, mode, "convolve")


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
              precision: Any = None) -> Array:
    """The N-dimensional cross-correlation of ``in1`` and ``in2`` (``scipy.signal.correlate``):
    the convolution with ``in2`` reversed in every axis and conjugated.

    >>> from fgrad.scipy.signal import correlate
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    _check_mode(mode, "correlate")
    a, b = _inputs(in1, in2, "correlate")
    return convolve(a, fnp.flip(fnp.conj(b)), mode=mode, method=method)


def _check_2d(a: Array, b: Array, boundary: str, fillvalue: float, name: str) -> None:
    if fnp.ndim(a) != 2 or fnp.ndim(b) != 2:
        raise ValueError(f"{name}() only supports 2-dimensional inputs, got shapes {fnp.shape(a)} and {fnp.shape(b)}")
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{name}() only supports boundary='fill', fillvalue=0, "
                                  f"got boundary={boundary!r}, fillvalue={fillvalue!r}")


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0, precision: Any = None) -> Array:
    """The convolution of two 2-D arrays (``scipy.signal.convolve2d``; zero fill at the boundary only).

    >>> from fgrad.scipy.signal import convolve2d
    >>> convolve2d(np.eye(3), np.array([[1.0, 2.0], [3.0, 4.0]]), mode="valid")
    array([[5., 2.],
           [3., 5.]])
    """
    a, b = fnp.asarray(in1), fnp.asarray(in2)
    _check_2d(a, b, boundary, fillvalue, "convolve2d")
    return convolve(a, b, mode=mode, method="direct")


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0, precision: Any = None) -> Array:
    """The cross-correlation of two 2-D arrays (``scipy.signal.correlate2d``; zero fill only).

    >>> from fgrad.scipy.signal import correlate2d
    >>> correlate2d(np.eye(3), np.array([[1.0, 2.0], [3.0, 4.0]]), mode="valid")
    array([[5., 3.],
           [2., 5.]])
    """
    a, b = fnp.asarray(in1), fnp.asarray(in2)
    _check_2d(a, b, boundary, fillvalue, "correlate2d")
    if mode != "same":
        return correlate(a, b, mode=mode, method="direct")
    # SciPy's 2-D 'same' centres the correlation on the kernel's element k // 2 (the N-D
    # correlate's centre is (k - 1) // 2 from the other end): they differ for even kernels
    full = correlate(a, b, mode="full", method="direct")
    return full[tuple(slice(k // 2, k // 2 + n) for n, k in zip(fnp.shape(a), fnp.shape(b)))]


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", axes: Sequence[int] | None = None) -> Array:
    """The convolution of ``in1`` and ``in2`` by FFTs (``scipy.signal.fftconvolve``).

    ``axes``: the axes to convolve over (default all); along the others the inputs broadcast.

    >>> from fgrad.scipy.signal import fftconvolve
    >>> print(fftconvolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])).round(6))
    [1. 3. 5. 3.]
    """
    _check_mode(mode, "fftconvolve")
    a, b = _inputs(in1, in2, "fftconvolve")
    nd = fnp.ndim(a)
    if nd == 0:
        return a * b
    if axes is None:
        ax = list(range(nd))
    else:
        ax = sorted({int(x) % nd for x in ([axes] if isinstance(axes, int) else axes)})
    s1, s2 = fnp.shape(a), fnp.shape(b)
    for i in range(nd):
        if i not in ax and s1[i] != s2[i] and 1 not in (s1[i], s2[i]):
            raise ValueError(f"fftconvolve: incompatible shapes for in1 and in2: {s1} and {s2}")
    if mode == "valid" and _valid_order([s1[i] for i in ax], [s2[i] for i in ax], "fftconvolve"):
        a, b, s1, s2 = b, a, s2, s1
    full = [s1[i] + s2[i] - 1 for i in ax]
    if fnp.iscomplexobj(a):
        out = _fft.ifftn(_fft.fftn(a, full, axes=ax) * _fft.fftn(b, full, axes=ax), full, axes=ax)
    else:
        out = _fft.irfftn(_fft.rfftn(a, full, axes=ax) * _fft.rfftn(b, full, axes=ax), full, axes=ax)
    if mode == "full":
        return out
    if mode == "same":
        return _centered(out, ax, [s1[i] for i in ax])
    return _centered(out, ax, [s1[i] - s2[i] + 1 for i in ax])


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear", bp: int | Sequence[int] = 0,
            overwrite_data: None = None) -> Array:
    """``data`` less its least-squares fit along ``axis`` (``scipy.signal.detrend``).

    ``type``: ``'linear'`` (a line per segment between the breakpoints ``bp``) or ``'constant'``
    (the mean).

    >>> from fgrad.scipy.signal import detrend
    >>> print(detrend(np.array([1.0, 3.0, 5.0, 8.0])).round(4))
    [ 0.2 -0.1 -0.4  0.3]
    >>> print(detrend(np.array([1.0, 2.0, 6.0]), type="constant"))
    [-2. -1.  3.]
    """
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"detrend: trend type must be 'linear' or 'constant', got {type!r}")
    x = fnp.asarray(data)
    if x.dtype.kind not in "fc":
        x = fnp.astype(x, np.float64)
    if type in ("constant", "c"):
        return x - fnp.mean(x, axis=axis, keepdims=True)
    nd = fnp.ndim(x)
    if nd == 0:
        raise ValueError("detrend: data must have at least one dimension")
    axis = axis % nd
    n = fnp.shape(x)[axis]
    points = np.unique(np.concatenate([[0], np.atleast_1d(np.asarray(bp, dtype=np.int64)), [n]]))
    if np.any(points > n) or np.any(points < 0):
        raise ValueError(f"detrend: breakpoints must be in [0, {n}], got bp={bp!r}")
    # the residual is (I - P) x, P the projection onto a line on each segment (orthogonal, so symmetric)
    resid = np.eye(n)
    for lo, hi in zip(points[:-1], points[1:]):
        t = np.arange(hi - lo, dtype=np.float64)
        basis = np.stack([np.ones_like(t), t - t.mean()], axis=1)
        resid[lo:hi, lo:hi] -= basis @ np.linalg.pinv(basis)
    xp = fnp.get_array_module(x)
    r = xp.asarray(resid.astype(np.finfo(x.dtype).dtype))
    return fnp.moveaxis(fnp.matmul(fnp.moveaxis(x, axis, -1), r), -1, axis)


# ------------------------------------------------------------------ spectral analysis

# The windows by name: each made symmetric one sample longer and cut (SciPy's periodic windows).
_WINDOWS: dict[str, Callable[[int], Any]] = {
    "hann": fnp.hanning, "hanning": fnp.hanning, "hamming": fnp.hamming, "blackman": fnp.blackman,
    "bartlett": fnp.bartlett, "boxcar": fnp.ones, "rect": fnp.ones, "rectangular": fnp.ones}


def _window(window: str | ArrayLike, nperseg: int | None, length: int | None, like: Array,
            name: str) -> tuple[Array, int]:
    """The window (periodic, as ``scipy.signal.get_window`` makes them for spectra) and ``nperseg``.

    ``length``: the signal's length, which caps a default or too long ``nperseg`` (SciPy warns)."""
    if isinstance(window, str):
        if window not in _WINDOWS:
            raise ValueError(f"{name}: unknown window {window!r}; supported: {sorted(_WINDOWS)} or an array")
        if nperseg is None:
            nperseg = 256
        if length is not None and nperseg > length:
            warnings.warn(f"nperseg = {nperseg} is greater than input length = {length}, using nperseg = {length}",
                          UserWarning, stacklevel=3)
            nperseg = length
        win = fnp.get_array_module(like).asarray(np.asarray(_WINDOWS[window](nperseg + 1))[:-1])
    else:
        win = fnp.asarray(window)
        if fnp.ndim(win) != 1:
            raise ValueError(f"{name}: window must be 1-D, got shape {fnp.shape(win)}")
        if nperseg is not None and nperseg != fnp.shape(win)[0]:
            raise ValueError(f"{name}: value specified for nperseg ({nperseg}) differs from length of window "
                             f"({fnp.shape(win)[0]})")
        nperseg = fnp.shape(win)[0]
    if nperseg < 1:
        raise ValueError(f"{name}: nperseg must be a positive integer, got {nperseg}")
    return win, nperseg


def _overlap(nperseg: int, noverlap: int | None, nfft: int | None, name: str) -> tuple[int, int]:
    """``(noverlap, nfft)`` with SciPy's defaults and checks."""
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError(f"{name}: noverlap must be less than nperseg, got noverlap={noverlap}, nperseg={nperseg}")
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise ValueError(f"{name}: nfft must be greater than or equal to nperseg, got nfft={nfft}, nperseg={nperseg}")
    return noverlap, nfft


def _segments(x: Array, nperseg: int, step: int) -> Array:
    """The overlapping segments along the last axis, as ``(..., n_segments, nperseg)``."""
    xp = fnp.get_array_module(x)
    count = (fnp.shape(x)[-1] - nperseg) // step + 1
    return x[..., xp.arange(count)[:, None] * step + xp.arange(nperseg)[None, :]]


def _spectrum(x: Array, win: Array, nperseg: int, noverlap: int, nfft: int,
              trend: str | bool | Callable[[Array], Array], onesided: bool) -> Array:
    """The windowed FFT of every segment along the last axis: ``(..., n_segments, n_frequencies)``."""
    seg = _segments(x, nperseg, nperseg - noverlap)
    if callable(trend):
        seg = trend(seg)
    elif trend:
        if not isinstance(trend, str):
            raise ValueError(f"detrend must be 'constant', 'linear', a callable or False, got {trend!r}")
        seg = detrend(seg, axis=-1, type=trend)
    seg = seg * fnp.astype(win, fnp.result_type(seg.dtype, win.dtype))
    return _fft.rfft(seg, nfft) if onesided else _fft.fft(seg, nfft)


def _freqs(nfft: int, fs: ArrayLike, onesided: bool, like: Array) -> Array:
    f = _fft.rfftfreq(nfft, 1.0 / fs) if onesided else _fft.fftfreq(nfft, 1.0 / fs)
    return fnp.get_array_module(like).asarray(f)


def _real_dtype(x: Array) -> np.dtype:
    """The real dtype of ``x``'s precision (float32 for anything narrower)."""
    return np.dtype(np.finfo(fnp.result_type(x.dtype, np.float32)).dtype)


def stft(x: ArrayLike, fs: ArrayLike = 1.0, window: str | ArrayLike = "hann", nperseg: int = 256,
         noverlap: int | None = None, nfft: int | None = None, detrend: bool = False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1) -> tuple[Array, Array, Array]:
    """The short-time Fourier transform ``(f, t, Zxx)`` of ``x`` along ``axis`` (``scipy.signal.stft``).

    ``Zxx`` has the frequencies then the segment times as its last two axes (in place of ``axis``);
    ``boundary``: ``'zeros'`` pads ``nperseg // 2`` zeros at both ends (or None); ``padded`` pads
    the end with zeros to a whole number of segments.

    >>> from fgrad.scipy.signal import stft
    >>> f, t, z = stft(np.arange(8.0), nperseg=4)
    >>> f.tolist(), t.tolist(), z.shape
    ([0.0, 0.25, 0.5], [0.0, 2.0, 4.0, 6.0, 8.0], (3, 5))
    >>> print(z[0].real.round(4))
    [0.25 2.   4.   6.   1.75]
    """
    return _stft(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, boundary, padded, axis, "stft")


def _stft(x: ArrayLike, fs: ArrayLike, window: str | ArrayLike, nperseg: int | None, noverlap: int | None,
          nfft: int | None, trend: str | bool, onesided: bool, boundary: str | None, padded: bool, axis: int,
          name: str, y: ArrayLike | None = None, scaling: str = "spectrum") -> tuple[Array, Array, Array]:
    """SciPy's spectral helper: ``(f, t, spectrum)``, the spectrum ``(..., n_freq, n_segments)``
    moved to ``axis``; with ``y`` (csd) the cross spectrum ``conj(X) Y``, scaled for ``scaling``."""
    xa = fnp.asarray(x)
    ya = xa if y is None else fnp.asarray(y)
    if boundary not in (None, "zeros"):
        raise ValueError(f"{name}: boundary must be 'zeros' or None, got {boundary!r}")
    if fnp.shape(xa) != fnp.shape(ya):
        raise ValueError(f"{name}: x and y must have the same shape, got {fnp.shape(xa)} and {fnp.shape(ya)}")
    nd = fnp.ndim(xa)
    if nd == 0:
        raise ValueError(f"{name}: input must have at least one dimension")
    axis = int(axis) % nd
    dt = fnp.result_type(xa, ya, np.float32)
    xs = [fnp.moveaxis(fnp.astype(a, dt), axis, -1) for a in ((xa,) if y is None else (xa, ya))]
    win, nperseg = _window(window, nperseg, fnp.shape(xs[0])[-1], xs[0], name)
    noverlap, nfft = _overlap(nperseg, noverlap, nfft, name)
    step = nperseg - noverlap
    if dt.kind == "c" and onesided:
        warnings.warn("Input data is complex, switching to return_onesided=False", UserWarning, stacklevel=3)
        onesided = False
    if boundary is not None:
        half = nperseg // 2
        xs = [fnp.pad(a, [(0, 0)] * (nd - 1) + [(half, half)]) for a in xs]
    if padded:
        extra = (-(fnp.shape(xs[0])[-1] - nperseg) % step) % nperseg
        xs = [fnp.pad(a, [(0, 0)] * (nd - 1) + [(0, extra)]) for a in xs]
    win = fnp.astype(win, _real_dtype(xs[0]))
    if scaling == "density":
        scale = 1.0 / (fs * fnp.sum(win * win))
    elif scaling == "spectrum":
        scale = 1.0 / fnp.sum(win) ** 2
    else:
        raise ValueError(f"{name}: unknown scaling {scaling!r}; expected 'density' or 'spectrum'")
    specs = [_spectrum(a, win, nperseg, noverlap, nfft, trend, onesided) for a in xs]
    if name == "stft":
        out = specs[0] * fnp.sqrt(scale)
    else:
        out = fnp.conj(specs[0]) * specs[-1] * scale
        if onesided:  # the negative frequencies' power folded onto the positive ones
            double = np.full(fnp.shape(out)[-1], 2.0)
            double[0] = 1.0
            if nfft % 2 == 0:
                double[-1] = 1.0
            out = out * fnp.asarray(double.astype(_real_dtype(out)), like=out)
    n = fnp.shape(xs[0])[-1]
    time = np.arange(nperseg / 2, n - nperseg / 2 + 1, step) / float(fs)
    if boundary is not None:
        time = time - (nperseg / 2) / float(fs)
    xp = fnp.get_array_module(out)
    freqs = _freqs(nfft, fs, onesided, out)
    out = fnp.moveaxis(fnp.swapaxes(out, -1, -2), -2, axis)  # (..., n_freq at axis, ..., n_segments)
    return fnp.astype(freqs, _real_dtype(out)), fnp.astype(xp.asarray(time), _real_dtype(out)), out


def csd(x: ArrayLike, y: ArrayLike | None, fs: ArrayLike = 1.0, window: str | ArrayLike = "hann",
        nperseg: int | None = None, noverlap: int | None = None, nfft: int | None = None,
        detrend: str | bool = "constant", return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean") -> tuple[Array, Array]:
    """The cross power spectral density ``(f, Pxy)`` of ``x`` and ``y`` by Welch's method
    (``scipy.signal.csd``): segment spectra ``conj(X) Y`` averaged (``'mean'`` or ``'median'``).

    >>> from fgrad.scipy.signal import csd
    >>> f, p = csd(np.array([1.0, -1.0] * 4), np.array([1.0, -1.0] * 4), nperseg=4)
    >>> f.tolist(), p.real.round(4).tolist()
    ([0.0, 0.25, 0.5], [0.0, 1.3333, 2.6667])
    """
    if average not in ("mean", "median"):
        raise ValueError(f"csd: average must be 'mean' or 'median', got {average!r}")
    freqs, _, p = _stft(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, None, False, axis, "csd",
                        y=x if y is None else y, scaling=scaling)
    if fnp.shape(p)[-1] == 1:
        return freqs, p[..., 0]
    if average == "mean":
        return freqs, fnp.mean(p, axis=-1)
    # the median of n periodogram values (exponential draws) is biased low: SciPy's correction for n
    even = 2 * np.arange(1.0, (fnp.shape(p)[-1] - 1) // 2 + 1)
    bias = 1.0 + float(np.sum(1.0 / (even + 1) - 1.0 / even))
    med = fnp.median(fnp.real(p), axis=-1)
    if fnp.iscomplexobj(p):
        med = med + 1j * fnp.median(fnp.imag(p), axis=-1)
    return freqs, med / bias


def welch(x: ArrayLike, fs: ArrayLike = 1.0, window: str | ArrayLike = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, detrend: str | bool = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean") -> tuple[Array, Array]:
    """The power spectral density ``(f, Pxx)`` of ``x`` by Welch's method (``scipy.signal.welch``).

    >>> from fgrad.scipy.signal import welch
    >>> f, p = welch(np.array([1.0, -1.0] * 4), nperseg=4)
    >>> f.tolist(), p.round(4).tolist()
    ([0.0, 0.25, 0.5], [0.0, 1.3333, 2.6667])
    """
    freqs, p = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided, scaling, axis, average)
    return freqs, fnp.real(p)


def istft(Zxx: ArrayLike, fs: ArrayLike = 1.0, window: str | ArrayLike = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, input_onesided: bool = True, boundary: bool = True,
          time_axis: int = -1, freq_axis: int = -2) -> tuple[Array, Array]:
    """The inverse of ``stft``: ``(t, x)``, the segments inverse-transformed, windowed and added
    back where they overlap (``scipy.signal.istft``).

    >>> from fgrad.scipy.signal import istft, stft
    >>> _, _, z = stft(np.arange(8.0), nperseg=4)
    >>> t, x = istft(z, nperseg=4)
    >>> print(x.round(6))
    [0. 1. 2. 3. 4. 5. 6. 7.]
    """
    z = fnp.asarray(Zxx)
    nd = fnp.ndim(z)
    if nd < 2:
        raise ValueError(f"istft: Zxx must have at least two dimensions, got shape {fnp.shape(z)}")
    time_axis, freq_axis = int(time_axis) % nd, int(freq_axis) % nd
    if time_axis == freq_axis:
        raise ValueError("istft: must specify differing time and frequency axes")
    z = fnp.moveaxis(z, (freq_axis, time_axis), (-2, -1))
    if z.dtype.kind != "c":
        z = fnp.astype(z, fnp.result_type(z.dtype, np.complex64))
    n_freq, n_seg = fnp.shape(z)[-2:]
    n_default = 2 * (n_freq - 1) if input_onesided else n_freq
    if nperseg is not None and nperseg < 1:
        raise ValueError(f"istft: nperseg must be a positive integer, got {nperseg}")
    win, nperseg = _window(window, n_default if nperseg is None else int(nperseg), None, z, "istft")
    if nfft is None:
        nfft = nperseg if input_onesided and nperseg == n_default + 1 else n_default
    noverlap, nfft = _overlap(nperseg, noverlap, nfft, "istft")
    step = nperseg - noverlap
    real = _real_dtype(z)
    win = fnp.astype(win, real)
    segs = (_fft.irfft(z, nfft, axis=-2) if input_onesided else _fft.ifft(z, nfft, axis=-2))[..., :nperseg, :]
    segs = fnp.swapaxes(segs, -1, -2) * (fnp.sum(win) * win)  # (..., n_segments, nperseg), the stft's scale undone
    length = nperseg + (n_seg - 1) * step
    xp = fnp.get_array_module(z)
    where = (xp.arange(n_seg)[:, None] * step + xp.arange(nperseg)[None, :]).ravel()
    x = fnp.zeros(fnp.shape(segs)[:-2] + (length,), segs.dtype, like=segs)
    x = fnp.at(x)[..., where].add(fnp.reshape(segs, fnp.shape(segs)[:-2] + (-1,)))
    norm = fnp.at(fnp.zeros((length,), real, like=segs))[where].add(fnp.tile(win * win, n_seg))
    if boundary:
        x, norm = x[..., nperseg // 2:length - nperseg // 2], norm[nperseg // 2:length - nperseg // 2]
    x = x / fnp.where(norm > 1e-10, norm, 1.0)
    if input_onesided:
        x = fnp.real(x)
    if nd > 2 and time_axis != nd - 1:
        x = fnp.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
    time = xp.arange(fnp.shape(x)[0]) / float(fs)
    return fnp.astype(time, real), x
