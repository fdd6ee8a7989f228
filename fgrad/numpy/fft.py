"""``fgrad.numpy.fft``: NumPy's discrete Fourier transforms, differentiable.

Every transform is one call of the backend's kernel (``numpy.fft`` or ``cupy.fft``, chosen by
the input's array module) through one primitive, ``fft``, whose ``kind`` says which:
``fft``/``ifft`` (complex to complex), ``rfft`` (real to half spectrum), ``irfft`` (half
spectrum to real), and the transposes of the last two. The primitive is linear: its JVP is
itself, its VJP is its transpose (a c2c transform is its own, the DFT matrix being symmetric;
``rfft`` and ``irfft`` need the Hermitian weighting of the half spectrum). Cotangents follow JAX's
convention (the transpose, not the adjoint). ``n``/``s`` truncate or zero-pad the input first, as
NumPy does, with ordinary slicing and padding, so their derivatives come from those rules.

dtypes follow JAX: float16/float32 input gives complex64 (float32 from ``irfft``), as in NumPy 2
(which keeps float16 from ``irfft``); float64, integer and bool input gives complex128 (NumPy's
promotion, as everywhere in fgrad; JAX's gives complex64 for int32). Where JAX refuses float16
(``rfft``) it is computed in float32, as NumPy 2 does; a default ``irfft`` length of 0 (one input
bin) is a ValueError, as in NumPy (JAX returns an empty array). On CuPy, ``irfftn`` of input without
Hermitian symmetry across its other axes is cuFFT's business; the derivatives assume NumPy's
reading (the other axes transformed first, the last axis' zero and Nyquist imaginary parts dropped).

>>> import fgrad, fgrad.numpy as fnp
>>> fnp.fft.fft(fnp.array([1.0, 2.0, 3.0, 4.0]))
array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
>>> fgrad.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.rfft(x)) ** 2))(fnp.array([1.0, 0.0, 0.0]))
array([4., 1., 1.])
"""
from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import _creation, _elementwise, _shape
from ._array_creation import arange
from ._reductions import _no_out
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..backend import Device
    from ..core import Primitive
    from ..typing import Array, ArrayLike, DTypeLike, Shape

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn",
           "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
# The transpose of each kind: every kind's VJP is another kind (or itself).
_TRANSPOSE = {"fft": "fft", "ifft": "ifft", "rfft": "rfft_transpose", "rfft_transpose": "rfft",
              "irfft": "irfft_transpose", "irfft_transpose": "irfft"}
_REAL_INPUT = ("rfft", "irfft_transpose")


# ------------------------------------------------------------------ the primitive

def _scale(norm, lengths, inverse):
    """The factor a transform of ``lengths`` applies under ``norm`` (forward or inverse direction)."""
    if norm == "ortho":
        return 1.0 / math.sqrt(math.prod(lengths))
    return 1.0 / math.prod(lengths) if (norm == "forward") != inverse else 1.0


def _edges(axis, ndim, n):
    """Indices of the bins ``irfft`` counts once (the zero and, for even ``n``, the Nyquist
    frequency) along ``axis`` of a half spectrum; every other bin stands for two."""
    head = (slice(None),) * axis
    return [head + (0,)] + ([head + (n // 2,)] if n % 2 == 0 else [])


def _rfft_transpose(xp, ct, axes, lengths, norm):
    """The transpose of ``rfftn`` (real ``lengths`` -> half spectrum) applied to ``ct``.

    On the last axis, ``x -> Re(sum_{k <= n//2} ct_k e^{-2 pi i jk/n})``: the unnormalised inverse
    real transform of ``conj(ct)`` with each bin it counts twice halved, and the imaginary parts
    of the ones it counts once (which it drops) made zero here, so that every backend agrees.
    The other axes take a forward c2c transform (the DFT matrix is symmetric)."""
    if len(axes) > 1:
        ct = xp.fft.fftn(ct, axes=axes[:-1])
    axis, n = axes[-1], lengths[-1]
    half = xp.conj(ct)
    for idx in _edges(axis, half.ndim, n):  # weight 2 here, 1/2 for all in the final scaling
        half[idx] = 2 * half[idx].real
    out = xp.fft.irfft(half, n=n, axis=axis, norm="forward")
    out *= 0.5 * _scale(norm, lengths, inverse=False)
    return out


def _irfft_transpose(xp, ct, axes, lengths, norm):
    """The transpose of ``irfftn`` (half spectrum -> real ``lengths``) applied to real ``ct``:
    ``conj(rfftn(ct))`` times 2 on the bins the inverse counts twice, times its scale."""
    out = xp.fft.rfftn(ct, axes=axes)
    xp.conjugate(out, out=out)
    out *= 2 * _scale(norm, lengths, inverse=True)
    for idx in _edges(axes[-1], out.ndim, lengths[-1]):
        out[idx] *= 0.5
    return out


def _fft_impl(x, kind, axes, lengths, norm):
    xp = array_module(x)
    if kind == "fft":
        return xp.fft.fftn(x, axes=axes, norm=norm)
    if kind == "ifft":
        return xp.fft.ifftn(x, axes=axes, norm=norm)
    if kind == "rfft":
        return xp.fft.rfftn(x, axes=axes, norm=norm)
    if kind == "irfft":
        return xp.fft.irfftn(x, s=lengths, axes=axes, norm=norm)
    if kind == "rfft_transpose":
        return _rfft_transpose(xp, x, axes, lengths, norm)
    return _irfft_transpose(xp, x, axes, lengths, norm)


def _fft_batch(prim, args, dims, params):
    """The batch axis stays where it is; the transformed axes (of one example) move past it."""
    x, d = args[0], dims[0]
    axes = tuple(a + (a >= d) for a in params["axes"])
    return prim.bind(x, **{**params, "axes": axes}), d


def _real_for(kind, v):
    """``v`` as the argument of ``kind``: the kinds on real input take a complex tangent's or
    cotangent's real part, as a real value's cotangent is real in JAX's convention."""
    return _elementwise.real(v) if kind in _REAL_INPUT and dtype_of(v).kind == "c" else v


def _fft_vjp(g, ans, x, kind, **params):
    kind = _TRANSPOSE[kind]
    ct = _fft.bind(_real_for(kind, g), kind=kind, **params)
    # a real input of a complex transform: its cotangent is the real part
    return _elementwise.real(ct) if dtype_of(x).kind != "c" and dtype_of(ct).kind == "c" else ct


def _fft_jvp(t, ans, x, kind, **params):
    return _fft.bind(_real_for(kind, t), kind=kind, **params)


_fft: Primitive = defprim(
    "fft", _fft_impl,
    vjp=(_fft_vjp,),
    jvp=(_fft_jvp,),
    batch=_fft_batch, linear=True)


# ------------------------------------------------------------------ argument handling

def _check_norm(norm, name):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f'{name}: invalid norm value {norm!r}; should be "backward", "ortho" or "forward"')
    return norm


def _inexact(x, kind, name):
    """``x`` in a dtype the kernels take: float32/64 or complex64/128 (single precision stays
    single, as in NumPy 2 and JAX). Real input of a complex transform stays real: the kernels
    take it, and the VJP rule hands back the real part."""
    dt = dtype_of(x)
    single = dt in (np.float16, np.float32, np.complex64)
    if dt.kind == "c":
        if kind == "rfft":
            raise ValueError(f"{name}: only real valued inputs are supported, got dtype {dt}")
        want = np.dtype(np.complex64 if single else np.complex128)
    else:
        want = np.dtype(np.float32 if single else np.float64)
    return x if dt == want else _creation.astype(x, want)


def _resized(x, axes, sizes):
    """``x`` cut or zero-padded at the end of each axis to ``sizes``, as NumPy's ``n``/``s`` do."""
    s = shape(x)
    for ax, n in zip(axes, sizes):
        if n < s[ax]:
            x = _shape._slice(x, 0, n, ax)
    widths = [(0, 0)] * len(s)
    for ax, n in zip(axes, sizes):
        widths[ax] = (0, max(n - s[ax], 0))
    return _shape.pad(x, widths) if any(w for _, w in widths) else x


def _transform(a, s, axes, norm, kind, name):
    """The n-D transform ``kind`` of ``a`` over ``axes`` with lengths ``s`` (NumPy's meanings)."""
    x = _shape._asarray(a)
    nd = len(shape(x))
    if s is not None:
        s = tuple(operator.index(n) for n in s)
    if axes is None:
        axes = tuple(range(nd)) if s is None else tuple(range(-len(s), 0))
    axes = _shape._norm_axes(tuple(axes), nd, name)
    if s is not None and len(s) != len(axes):
        raise ValueError(f"{name}: shape s={s} and axes={axes} have different lengths")
    norm = _check_norm(norm, name)
    x = _inexact(x, kind, name)
    if not axes:  # no axis to transform: the input as the transform's dtype, as JAX gives it
        if kind != "fft" and kind != "ifft":
            raise ValueError(f"{name}: at least one axis must be transformed")
        return _creation.astype(x, np.result_type(dtype_of(x), np.complex64))
    have = tuple(shape(x)[ax] for ax in axes)
    if kind == "irfft":
        have = have[:-1] + (2 * (have[-1] - 1),)
    lengths = have if s is None else tuple(h if n == -1 else n for h, n in zip(have, s))
    for ax, n in zip(axes, lengths):
        if n < 1:
            raise ValueError(f"{name}: invalid number of FFT data points ({n}) specified for axis {ax}")
    sizes = lengths[:-1] + (lengths[-1] // 2 + 1,) if kind == "irfft" else lengths
    return _fft.bind(_resized(x, axes, sizes), kind=kind, axes=axes, lengths=lengths, norm=norm)


def _transform_1d(a, n, axis, norm, kind, name):
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}")
    return _transform(a, None if n is None else (n,), (axis,), norm, kind, name)


# ------------------------------------------------------------------ 1-D transforms

def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The discrete Fourier transform along ``axis``.

    ``n``: the transform's length (the input is cut or zero-padded to it); ``norm``: "backward"
    (the default: no scaling forward, 1/n inverse), "ortho" (1/sqrt(n) both ways) or "forward".

    >>> fnp.fft.fft(fnp.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j])
    >>> fnp.fft.fft(fnp.array([1.0, 1.0]), n=4, norm="ortho")
    array([1. +0.j , 0.5-0.5j, 0. +0.j , 0.5+0.5j])
    """
    _no_out(out, "fft")
    return _transform_1d(a, n, axis, norm, "fft", "fft")


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The inverse discrete Fourier transform along ``axis`` (see ``fft`` for ``n`` and ``norm``).

    >>> fnp.fft.ifft(fnp.array([0.0, 2.0, 0.0, 2.0]))
    array([ 1.+0.j,  0.+0.j, -1.+0.j,  0.+0.j])
    """
    _no_out(out, "ifft")
    return _transform_1d(a, n, axis, norm, "ifft", "ifft")


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The discrete Fourier transform of real input: the ``n // 2 + 1`` non-negative frequencies.

    >>> fnp.fft.rfft(fnp.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _no_out(out, "rfft")
    return _transform_1d(a, n, axis, norm, "rfft", "rfft")


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The inverse of ``rfft``: ``n`` real values (``2 * (m - 1)`` by default) from ``m`` frequencies.

    The imaginary parts of the zero (and, for even ``n``, the Nyquist) frequency are ignored.

    >>> fnp.fft.irfft(fnp.array([10.0, -2 + 2j, -2.0]))
    array([1., 2., 3., 4.])
    """
    _no_out(out, "irfft")
    return _transform_1d(a, n, axis, norm, "irfft", "irfft")


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The transform of a signal with Hermitian symmetry given by its first half: a real spectrum.

    ``hfft(a, n)`` is ``irfft(conj(a), n)`` with the opposite normalization.

    >>> fnp.fft.hfft(fnp.array([1.0, 2.0, 3.0]))
    array([ 8., -2.,  0., -2.])
    """
    _no_out(out, "hfft")
    a = _elementwise.conjugate(_shape._asarray(a))
    return _transform_1d(a, n, axis, _SWAPPED[_check_norm(norm, "hfft")], "irfft", "hfft")


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Array:
    """The inverse of ``hfft``: ``conj(rfft(a, n))`` with the opposite normalization.

    >>> fnp.fft.ihfft(fnp.array([8.0, -2.0, 0.0, -2.0])).real
    array([1., 2., 3.])
    """
    _no_out(out, "ihfft")
    return _elementwise.conjugate(_transform_1d(a, n, axis, _SWAPPED[_check_norm(norm, "ihfft")], "rfft", "ihfft"))


# ------------------------------------------------------------------ n-D and 2-D transforms

def fftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
         out: None = None) -> Array:
    """The n-dimensional discrete Fourier transform over ``axes`` (all by default, or the last
    ``len(s)``), each cut or zero-padded to ``s``; one kernel call.

    >>> fnp.fft.fftn(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]])
    """
    _no_out(out, "fftn")
    return _transform(a, s, axes, norm, "fft", "fftn")


def ifftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
          out: None = None) -> Array:
    """The n-dimensional inverse discrete Fourier transform (see ``fftn``).

    >>> fnp.fft.ifftn(fnp.array([[10.0, -2.0], [-4.0, 0.0]])).real
    array([[1., 2.],
           [3., 4.]])
    """
    _no_out(out, "ifftn")
    return _transform(a, s, axes, norm, "ifft", "ifftn")


def rfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
          out: None = None) -> Array:
    """The n-dimensional transform of real input; the last axis keeps ``s[-1] // 2 + 1`` frequencies.

    >>> fnp.fft.rfftn(fnp.ones((2, 4))).shape
    (2, 3)
    """
    _no_out(out, "rfftn")
    return _transform(a, s, axes, norm, "rfft", "rfftn")


def irfftn(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
           out: None = None) -> Array:
    """The inverse of ``rfftn``; ``s`` gives the real output's lengths (by default the input's, and
    ``2 * (m - 1)`` on the last axis).

    >>> fnp.fft.irfftn(fnp.fft.rfftn(fnp.array([[1.0, 2.0], [3.0, 4.0]])))
    array([[1., 2.],
           [3., 4.]])
    """
    _no_out(out, "irfftn")
    return _transform(a, s, axes, norm, "irfft", "irfftn")


def fft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
         out: None = None) -> Array:
    """``fftn`` over the last two axes.

    >>> fnp.fft.fft2(fnp.array([[1.0, 2.0], [3.0, 4.0]])).real
    array([[10., -2.],
           [-4.,  0.]])
    """
    _no_out(out, "fft2")
    return _transform(a, s, axes, norm, "fft", "fft2")


def ifft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: None = None) -> Array:
    """``ifftn`` over the last two axes.

    >>> fnp.fft.ifft2(fnp.array([[10.0, -2.0], [-4.0, 0.0]])).real
    array([[1., 2.],
           [3., 4.]])
    """
    _no_out(out, "ifft2")
    return _transform(a, s, axes, norm, "ifft", "ifft2")


def rfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: None = None) -> Array:
    """``rfftn`` over the last two axes.

    >>> fnp.fft.rfft2(fnp.array([[1.0, 2.0], [3.0, 4.0]])).real
    array([[10., -2.],
           [-4.,  0.]])
    """
    _no_out(out, "rfft2")
    return _transform(a, s, axes, norm, "rfft", "rfft2")


def irfft2(a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
           out: None = None) -> Array:
    """``irfftn`` over the last two axes.

    >>> fnp.fft.irfft2(fnp.array([[10.0, -2.0], [-4.0, 0.0]]))
    array([[1., 2.],
           [3., 4.]])
    """
    _no_out(out, "irfft2")
    return _transform(a, s, axes, norm, "irfft", "irfft2")


# ------------------------------------------------------------------ frequencies and shifts

def _freq(k, n, d, dtype):
    values = _elementwise.divide(k, _elementwise.multiply(d, n))
    return values if dtype is None else _creation.astype(values, dtype)


def fftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None,
            device: str | Device | None = None) -> Array:
    """The sample frequencies of ``fft``'s output for ``n`` samples spaced ``d`` apart (cycles per
    unit of ``d``): ``[0, 1, ..., -(n // 2), ..., -1] / (d * n)``. Differentiable in ``d``.

    >>> fnp.fft.fftfreq(4, d=0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    n = operator.index(n)
    k = arange(n, dtype=np.float64, device=device)
    k[(n + 1) // 2:] -= n  # the negative frequencies, in fft's order
    return _freq(k, n, d, dtype)


def rfftfreq(n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None,
             device: str | Device | None = None) -> Array:
    """The sample frequencies of ``rfft``'s output: ``[0, 1, ..., n // 2] / (d * n)``.

    >>> fnp.fft.rfftfreq(5)
    array([0. , 0.2, 0.4])
    """
    n = operator.index(n)
    return _freq(arange(n // 2 + 1, dtype=np.float64, device=device), n, d, dtype)


def _shift(x, axes, sign, name):
    x = _shape._asarray(x)
    s = shape(x)
    axes = tuple(range(len(s))) if axes is None else _shape._norm_axes(axes, len(s), name)
    if not axes:
        return x
    return _shape.roll(x, [sign * (s[ax] // 2) for ax in axes], axes)


def fftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """Move the zero frequency to the middle (a roll by half of each axis in ``axes``; all by default).

    >>> fnp.fft.fftshift(fnp.fft.fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shift(x, axes, 1, "fftshift")


def ifftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """The inverse of ``fftshift`` (they differ for odd lengths).

    >>> fnp.fft.ifftshift(fnp.array([-0.4, -0.2, 0.0, 0.2, 0.4]))
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    return _shift(x, axes, -1, "ifftshift")
