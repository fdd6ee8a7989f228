"""Sliding windows on raw arrays: argument normalisation, padding, im2col and col2im.

Everything here works on raw NumPy/CuPy arrays laid out ``(A, B, *spatial)`` (A, B
are batch and channel in either order) and is shared by the three families.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import get_array_module


def ntuple(value: Any, nd: int, name: str, fn: str, minimum: int | None = None) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``nd`` ints) as a tuple of ``nd`` Python ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * nd
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"{fn}: {name} must be an int or a tuple of {nd} ints, got {value!r}") from None
        if len(out) == 1 and nd > 1:
            out = out * nd
        if len(out) != nd:
            raise RuntimeError(f"{fn}: expected {name} to be a single integer value or a list of {nd} values "
                               f"to match the convolution dimensions, but got {name}={list(out)}")
    if minimum is not None and any(v < minimum for v in out):
        what = "non-positive" if minimum == 1 else "negative"
        raise RuntimeError(f"{fn}: {what} {name} is not supported, got {name}={list(out)}")
    return out


def fmt(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def pad_to(x, lo, sizes, fill=0):
    """``x (A, B, *S)`` placed at offset ``lo`` in a ``fill``-filled ``(A, B, *sizes)`` buffer.

    ``sizes`` may be smaller than ``lo + S`` (the excess of ``x`` is cut off).
    """
    sp = x.shape[2:]
    if all(p == 0 for p in lo) and tuple(sizes) == tuple(sp):
        return x
    xp = get_array_module(x)
    buf = xp.full(x.shape[:2] + tuple(sizes), fill, dtype=x.dtype)
    dst = tuple(slice(p, min(p + n, m)) for p, n, m in zip(lo, sp, sizes))
    src = tuple(slice(0, s.stop - s.start) for s in dst)
    buf[(slice(None), slice(None)) + dst] = x[(slice(None), slice(None)) + src]
    return buf


def crop(buf, lo, sizes):
    """The ``(A, B, *sizes)`` block of ``buf`` starting at ``lo`` (a view)."""
    return buf[(slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(lo, sizes))]


def windows(buf, kernel, stride, dilation, out):
    """A strided view ``(A, B, *kernel, *out)`` of ``buf (A, B, *S)``: element
    ``[a, b, k..., o...]`` is ``buf[a, b, o*stride + k*dilation ...]``. No copy."""
    xp = get_array_module(buf)
    st = buf.strides
    sp = st[2:]
    shape = buf.shape[:2] + tuple(kernel) + tuple(out)
    strides = st[:2] + tuple(s * d for s, d in zip(sp, dilation)) + tuple(s * t for s, t in zip(sp, stride))
    return xp.lib.stride_tricks.as_strided(buf, shape=shape, strides=strides)


def offset_slices(k, stride, dilation, out):
    """The slice of a padded buffer seen by kernel offset ``k`` (a tuple), for every output position."""
    return (slice(None), slice(None)) + tuple(
        slice(ki * d, ki * d + s * (o - 1) + 1, s) for ki, d, s, o in zip(k, dilation, stride, out))


def col2im(cols, sizes, kernel, stride, dilation, out):
    """Transpose of ``windows``: ``cols (A, B, *kernel, *out)`` summed into zeros ``(A, B, *sizes)``.

    One strided add per kernel offset: no temporary beyond the result.
    """
    xp = get_array_module(cols)
    buf = xp.zeros(cols.shape[:2] + tuple(sizes), dtype=cols.dtype)
    for k in np.ndindex(*kernel):
        buf[offset_slices(k, stride, dilation, out)] += cols[(slice(None), slice(None)) + k]
    return buf


def conv_out_size(size, lo, hi, k, s, d):
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def pool_out_size(size, pad, k, s, d, ceil_mode):
    """torch's pooling output length: with ``ceil_mode`` the last window must start inside
    the input or the left padding."""
    span = size + 2 * pad - d * (k - 1) - 1
    n = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (n - 1) * s >= size + pad:
        n -= 1
    return n


def prod(xs):
    return math.prod(xs)
