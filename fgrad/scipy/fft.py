"""Discrete cosine transforms (``jax.scipy.fft``'s names): ``dct``, ``idct``, ``dctn``, ``idctn``.

Type 2 only, as in JAX. Each transform is one FFT of the reordered sequence (even-indexed samples,
then the odd-indexed ones reversed) times twiddle factors (Makhoul's algorithm), so it is a
composite of ``fgrad.numpy.fft`` and slicing: its derivatives, batching and staging come from
theirs, and it runs on the input's device.

>>> from fgrad.scipy.fft import dct, idct
>>> y = dct(np.array([1.0, 2.0, 3.0]))
>>> y
array([12.    , -3.4641,  0.    ])
>>> idct(y)
array([1., 2., 3.])
"""
from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING

import numpy as np

from .. import numpy as fnp

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..typing import Array, ArrayLike

__all__ = ["dct", "idct", "dctn", "idctn"]

_NORMS = (None, "backward", "ortho")


def _check(type: int, norm: str | None, name: str) -> None:
    if type != 2:
        raise NotImplementedError("Only DCT type 2 is implemented.")
    if norm not in _NORMS:
        raise ValueError(f"fgrad.scipy.fft.{name}: norm={norm!r} is not implemented")


def _as_inexact(x: ArrayLike) -> Array:
    """``x`` as an array of the dtype its transform has: float32 for half and single precision,
    float64 for the rest (integers included), complex kept (JAX's and SciPy's dtypes)."""
    x = fnp.asarray(x)
    dt = fnp.result_type(x)
    if dt.kind == "c":
        return x
    return fnp.asarray(x, np.float32 if dt in (np.float16, np.float32) else np.float64)


def _resized_last(x: Array, n: int | None) -> Array:
    """``x`` cut or zero-padded at the end of its last axis to length ``n`` (None: unchanged)."""
    if n is None:
        return x
    n = operator.index(n)
    have = fnp.shape(x)[-1]
    if n < 1:
        raise ValueError(f"invalid number of data points ({n}) specified")
    if n <= have:
        return x[..., :n]
    return fnp.pad(x, [(0, 0)] * (fnp.ndim(x) - 1) + [(0, n - have)])


def _ortho_scale(x: Array, n: int) -> Array:
    """The factors that make the unnormalised DCT-II orthonormal: 1/sqrt(4n) for the first
    coefficient, 1/sqrt(2n) for the others."""
    xp = fnp.get_array_module(x)
    f = xp.full((n,), 1.0 / math.sqrt(2 * n), dtype=np.finfo(fnp.result_type(x)).dtype)
    f[0] = 1.0 / math.sqrt(4 * n)
    return f


def _twiddle(spectrum: Array, n: int, sign: float) -> Array:
    """``exp(sign * i pi k / (2n))`` for k < n, in the spectrum's dtype and on its device."""
    xp = fnp.get_array_module(spectrum)
    return xp.exp(sign * 1j * np.pi * xp.arange(n) / (2 * n)).astype(fnp.result_type(spectrum))


def _dct2_last(x: Array) -> Array:
    """The unnormalised DCT-II of real ``x`` along its last axis (SciPy's ``norm=None``)."""
    n = fnp.shape(x)[-1]
    v = fnp.concatenate([x[..., ::2], fnp.flip(x[..., 1::2], axis=-1)], axis=-1)
    spectrum = fnp.fft.fft(v, axis=-1)
    return 2 * fnp.real(spectrum * _twiddle(spectrum, n, -1.0))


def _idct2_last(y: Array) -> Array:
    """The inverse of ``_dct2_last`` (a DCT-III divided by 2n) along the last axis, real ``y``."""
    n = fnp.shape(y)[-1]
    # V[k] = exp(i pi k / 2n) (y[k] - i y[n-k]) / 2 with y[n] = 0; its inverse FFT is the
    # reordered sequence.
    mirrored = fnp.concatenate([fnp.zeros_like(y[..., :1]), fnp.flip(y[..., 1:], axis=-1)], axis=-1)
    spectrum = (y - 1j * mirrored) * 0.5
    v = fnp.real(fnp.fft.ifft(spectrum * _twiddle(spectrum, n, 1.0), axis=-1))
    half = (n + 1) // 2
    even, odd = v[..., :half], fnp.flip(v[..., half:], axis=-1)
    pairs = fnp.stack([even[..., :n - half], odd], axis=-1)
    x = fnp.reshape(pairs, fnp.shape(v)[:-1] + (2 * (n - half),))
    return fnp.concatenate([x, even[..., n - half:]], axis=-1) if n % 2 else x


def _along(x: Array, axis: int, n: int | None, norm: str | None, inverse: bool) -> Array:
    """The (inverse) DCT-II of ``x`` along ``axis``, the input resized to ``n`` first."""
    nd = fnp.ndim(x)
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {nd}")
    x = _resized_last(fnp.moveaxis(x, axis, -1), n)
    length = fnp.shape(x)[-1]
    ortho = norm == "ortho"
    if ortho and inverse:
        x = x / _ortho_scale(x, length)
    kernel = _idct2_last if inverse else _dct2_last
    if fnp.iscomplexobj(x):  # the transform is real-linear: real and imaginary parts separately
        y = kernel(fnp.real(x)) + 1j * kernel(fnp.imag(x))
    else:
        y = kernel(x)
    if ortho and not inverse:
        y = y * _ortho_scale(y, length)
    return fnp.moveaxis(y, -1, axis)


def _axes_and_sizes(x: Array, s: Sequence[int] | None, axes: Sequence[int] | None,
                    name: str) -> list[tuple[int, int | None]]:
    nd = fnp.ndim(x)
    if axes is None:
        axes = range(nd) if s is None else range(-len(s), 0)
    axes = [operator.index(a) for a in axes]
    sizes: Sequence[int | None] = [None] * len(axes) if s is None else list(s)
    if len(sizes) != len(axes):
        raise ValueError(f"fgrad.scipy.fft.{name}: s={tuple(sizes)} and axes={tuple(axes)} have different "
                         "lengths")
    return list(zip(axes, sizes))


def dct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The discrete cosine transform (type 2) of ``x`` along ``axis`` (``scipy.fft.dct``).

    ``n``: the transform's length (``x`` is cut or zero-padded to it); ``norm``: None or
    "backward" (unnormalised, SciPy's default) or "ortho". Other types raise NotImplementedError,
    as in JAX.

    >>> from fgrad.scipy.fft import dct
    >>> dct(np.array([1.0, 1.0, 1.0, 1.0]))
    array([8., 0., 0., 0.])
    >>> dct(np.array([1.0, 1.0, 1.0, 1.0]), norm="ortho")
    array([2., 0., 0., 0.])
    """
    _check(type, norm, "dct")
    return _along(_as_inexact(x), operator.index(axis), n, norm, inverse=False)


def idct(x: ArrayLike, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The inverse of ``dct`` (type 2) along ``axis`` (``scipy.fft.idct``): a type-3 DCT scaled so that
    ``idct(dct(x)) == x`` for the same ``norm``.

    >>> from fgrad.scipy.fft import idct
    >>> idct(np.array([8.0, 0.0, 0.0, 0.0]))
    array([1., 1., 1., 1.])
    """
    _check(type, norm, "idct")
    return _along(_as_inexact(x), operator.index(axis), n, norm, inverse=True)


def dctn(x: ArrayLike, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None) -> Array:
    """The n-dimensional ``dct`` over ``axes`` (all by default; the last ``len(s)`` when only ``s``, the
    lengths, is given), as ``scipy.fft.dctn``.

    >>> from fgrad.scipy.fft import dctn
    >>> dctn(np.ones((2, 3)))
    array([[24.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """
    _check(type, norm, "dctn")
    y = _as_inexact(x)
    for axis, n in _axes_and_sizes(y, s, axes, "dctn"):
        y = _along(y, axis, n, norm, inverse=False)
    return y


def idctn(x: ArrayLike, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None) -> Array:
    """The inverse of ``dctn`` (``scipy.fft.idctn``).

    >>> from fgrad.scipy.fft import idctn
    >>> idctn(np.array([[24.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    _check(type, norm, "idctn")
    y = _as_inexact(x)
    for axis, n in _axes_and_sizes(y, s, axes, "idctn"):
        y = _along(y, axis, n, norm, inverse=True)
    return y
