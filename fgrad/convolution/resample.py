"""Resampling: ``unfold``/``fold`` (im2col/col2im) and ``interpolate``, torch's semantics.

``unfold`` and ``fold`` are primitives and each other's transpose. ``interpolate`` is
a composite: every mode is separable, so it resamples one spatial axis at a time
with ``take`` (or ``repeat`` for integer nearest upsampling) and per-position weights,
with torch's source-coordinate conventions reproduced in torch's precision (float32
for the nearest modes' scale, the input's dtype for the interpolating ones).

>>> import numpy as np
>>> interpolate(np.ones((1, 1, 2, 2)), scale_factor=2, mode="bilinear").shape
(1, 1, 4, 4)
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .. import numpy as fnp
from ..core import Primitive
from ..numpy import get_array_module, shape
from . import _windows as W
from .conv import _as_array, _merge, _split
from .pooling import adaptive_avg_pool

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike

__all__ = ["unfold", "fold", "interpolate"]


# ------------------------------------------------------------------ unfold / fold

def _unfold_impl(x, *, kernel, dilation, padding, stride, out):
    need = tuple(max((o - 1) * s + (k - 1) * d + 1, n + 2 * p)
                 for o, s, k, d, n, p in zip(out, stride, kernel, dilation, x.shape[2:], padding))
    buf = W.pad_to(x, padding, need)
    v = W.windows(buf, kernel, stride, dilation, out)  # (N, C, *K, *O)
    return v.reshape(x.shape[0], x.shape[1] * W.prod(kernel), W.prod(out))


def _fold_impl(cols, *, size, kernel, dilation, padding, stride, out):
    n = cols.shape[0]
    c = cols.shape[1] // W.prod(kernel)
    sizes = tuple(max((o - 1) * s + (k - 1) * d + 1, L + 2 * p)
                  for o, s, k, d, L, p in zip(out, stride, kernel, dilation, size, padding))
    buf = W.col2im(cols.reshape((n, c) + tuple(kernel) + tuple(out)), sizes, kernel, stride, dilation, out)
    xp = get_array_module(buf)
    return xp.ascontiguousarray(W.crop(buf, padding, size))


def _no_size(p):
    return {k: v for k, v in p.items() if k != "size"}


def _images_batch(prim, args, dims, params):
    """The batch is more images: folded into N (the channels mix with the kernel offsets here)."""
    x, d = args[0], dims[0]
    size = shape(x)[d]
    x, layout = _merge(x, d, 0, free=True)
    return _split(prim.bind(x, **params), 0, size, layout)


_unfold: Primitive = Primitive(
    "unfold", _unfold_impl,
    vjp=(lambda g, ans, x, **p: _fold.bind(g, size=tuple(shape(x)[2:]), **p),),
    jvp=(lambda t, ans, x, **p: _unfold.bind(t, **p),),
    batch=_images_batch)

_fold: Primitive = Primitive(
    "fold", _fold_impl,
    vjp=(lambda c, ans, cols, **p: _unfold.bind(c, **_no_size(p)),),
    jvp=(lambda t, ans, cols, **p: _fold.bind(t, **p),),
    batch=_images_batch)


def _blocks(size, kernel, dilation, padding, stride, fn):
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{fn}: Given input with spatial size {list(size)}, kernel_size={list(kernel)}, "
                           f"dilation={list(dilation)}, padding={list(padding)}, calculated shape of the array "
                           f"of sliding blocks as {list(out)}, but its components must be at least one.")
    return out


def _fold_args(kernel_size, dilation, padding, stride, fn):
    return (W.ntuple(kernel_size, 2, "kernel_size", fn, minimum=1), W.ntuple(dilation, 2, "dilation", fn, minimum=1),
            W.ntuple(padding, 2, "padding", fn, minimum=0), W.ntuple(stride, 2, "stride", fn, minimum=1))


def unfold(x: ArrayLike, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> Array:
    """torch's ``F.unfold``: ``(N, C, H, W)`` -> ``(N, C * kh * kw, L)`` sliding blocks (im2col).

    >>> import fgrad.convolution as fc
    >>> fc.unfold(np.ones((1, 2, 4, 4)), 2).shape
    (1, 8, 9)
    """
    x = _as_array(x)
    xs = shape(x)
    if len(xs) not in (3, 4):
        raise NotImplementedError(f"unfold: Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {len(xs)}D, size {W.fmt(xs)})")
    added = len(xs) == 3
    if added:
        x = fnp.expand_dims(x, 0)
    kernel, dilation, padding, stride = _fold_args(kernel_size, dilation, padding, stride, "unfold")
    out = _blocks(shape(x)[2:], kernel, dilation, padding, stride, "unfold")
    y = _unfold.bind(x, kernel=kernel, dilation=dilation, padding=padding, stride=stride, out=out)
    return fnp.squeeze(y, 0) if added else y


def fold(cols: ArrayLike, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
         dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
         stride: int | tuple[int, ...] = 1) -> Array:
    """torch's ``F.fold``: sums ``(N, C * kh * kw, L)`` blocks into ``(N, C, *output_size)``;
    the transpose of ``unfold``.

    >>> import fgrad.convolution as fc
    >>> fc.fold(np.ones((1, 4, 9)), (4, 4), 2)[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    cols = _as_array(cols)
    cs = shape(cols)
    if len(cs) not in (2, 3):
        raise NotImplementedError(f"fold: Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                                  f"supported (got {len(cs)}D, size {W.fmt(cs)})")
    added = len(cs) == 2
    if added:
        cols = fnp.expand_dims(cols, 0)
        cs = shape(cols)
    size = W.ntuple(output_size, 2, "output_size", "fold", minimum=1)
    kernel, dilation, padding, stride = _fold_args(kernel_size, dilation, padding, stride, "fold")
    kk = W.prod(kernel)
    if cs[1] % kk:
        raise RuntimeError(f"fold: Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={cs[1]} and kernel_size={tuple(kernel)}")
    out = _blocks(size, kernel, dilation, padding, stride, "fold")
    if cs[2] != W.prod(out):
        raise RuntimeError(f"fold: Expected size of input's dimension 2 to match the calculated number of sliding "
                           f"blocks {' * '.join(map(str, out))} = {W.prod(out)}, but got input.size(2)={cs[2]}")
    y = _fold.bind(cols, size=size, kernel=kernel, dilation=dilation, padding=padding, stride=stride, out=out)
    return fnp.squeeze(y, 0) if added else y


# ------------------------------------------------------------------ interpolate

_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_MODES = ("nearest", "nearest-exact", "area") + tuple(_LINEAR)


def _on(xp, a):
    return a if xp is np else xp.asarray(a)


def _along(v, axis, nd):
    """A 1-D weight vector shaped to broadcast along spatial ``axis`` of an ``(N, C, *S)`` array."""
    return v.reshape((1,) * (2 + axis) + (-1,) + (1,) * (nd - axis - 1))


def _pick(x, idx, axis, n):
    """``x`` at positions ``idx`` along spatial ``axis`` (``repeat`` when idx repeats each one r times)."""
    o = idx.shape[0]
    if o % n == 0 and np.array_equal(idx, np.repeat(np.arange(n), o // n)):
        return x if o == n else fnp.repeat(x, o // n, axis=2 + axis)
    return fnp.take(x, _on(get_array_module(x), idx), axis=2 + axis)


def _nearest(x, axis, n, o, scale, exact):
    if o == n:
        return x
    # torch's 2-D kernel halves the index whenever the output doubles; its 1-D and 3-D kernels use the scale
    if o == 2 * n and not exact and (fnp.ndim(x) == 4 or not scale or scale == 2.0):
        idx = np.arange(o) >> 1
    else:
        s = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(o)
        dst = np.arange(o)
        if exact:
            src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
        else:
            src = np.floor(dst.astype(np.float32) * s)
        idx = np.minimum(src.astype(np.int64), n - 1)
    return _pick(x, idx, axis, n)


def _source(n, o, scale, align, cubic, dt):
    """torch's area_pixel_compute_source_index in the dtype ``dt``."""
    dst = np.arange(o).astype(dt)
    if align:
        s = dt.type((n - 1) / (o - 1)) if o > 1 else dt.type(0)
        return s * dst
    s = dt.type(1.0 / scale) if scale else dt.type(n) / dt.type(o)
    src = s * (dst + dt.type(0.5)) - dt.type(0.5)
    return src if cubic else np.maximum(src, dt.type(0))


def _linear(x, axis, n, o, scale, align, nd, dt):
    src = _source(n, o, scale, align, False, dt)
    i0 = src.astype(np.int64)
    lam1 = np.clip(src - i0.astype(dt), 0, 1).astype(dt)
    i1 = i0 + (i0 < n - 1)
    xp = get_array_module(x)
    w1 = _on(xp, _along(lam1, axis, nd))
    w0 = _on(xp, _along((dt.type(1) - lam1).astype(dt), axis, nd))
    return _pick(x, i0, axis, n) * w0 + _pick(x, i1, axis, n) * w1


def _cubic_weights(t, dt):
    a = dt.type(-0.75)

    def near(v):  # |v| <= 1
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def far(v):  # 1 < |v| < 2
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a

    one = dt.type(1)
    return [far(t + one), near(t), near(one - t), far(dt.type(2) - t)]


def _cubic(x, axis, n, o, scale, align, nd, dt):
    src = _source(n, o, scale, align, True, dt)
    base = np.floor(src)
    t = (src - base).astype(dt)
    base = base.astype(np.int64)
    xp = get_array_module(x)
    out = None
    for j, w in enumerate(_cubic_weights(t, dt)):
        idx = np.clip(base - 1 + j, 0, n - 1)
        term = _pick(x, idx, axis, n) * _on(xp, _along(w.astype(dt), axis, nd))
        out = term if out is None else out + term
    return out


def _output_sizes(xs, size, scale_factor, nd, recompute):
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != nd:
            raise ValueError(f"interpolate: Input and output must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {list(xs[2:])} and output size of "
                             f"{list(sizes)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             "output size in (o1, o2, ...,oK) format.")
        return tuple(int(v) for v in sizes), (None,) * nd
    if scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    factors = (scale_factor,) * nd if isinstance(scale_factor, (int, float, np.number)) else tuple(scale_factor)
    if len(factors) != nd:
        raise ValueError(f"interpolate: Input and scale_factor must have the same number of spatial dimensions, "
                         f"but got input with spatial dimensions of {list(xs[2:])} and scale_factor of "
                         f"{list(factors)}")
    sizes = tuple(int(math.floor(float(n) * float(f))) for n, f in zip(xs[2:], factors))
    scales = (None,) * nd if recompute else tuple(float(f) for f in factors)
    return sizes, scales


def interpolate(x: ArrayLike, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Array:
    """torch's ``F.interpolate`` on ``(N, C, *S)``: modes 'nearest', 'nearest-exact', 'linear',
    'bilinear', 'bicubic', 'trilinear' and 'area'; exactly one of ``size``/``scale_factor``.

    Derivatives are those of the underlying takes and weighted sums, i.e. the transposes
    torch uses.

    >>> import fgrad.convolution as fc
    >>> fc.interpolate(np.array([[[0.0, 2.0]]]), size=4, mode="linear")
    array([[[0. , 0.5, 1.5, 2. ]]])
    """
    x = _as_array(x)
    xs = shape(x)
    nd = len(xs) - 2
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: unsupported mode {mode!r}; expected one of {list(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode in _LINEAR:
        if _LINEAR[mode] != nd:
            raise NotImplementedError(f"Got {len(xs)}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if nd < 1:
        raise ValueError(f"interpolate: input must be (N, C, *spatial), got shape {W.fmt(xs)}")
    sizes, scales = _output_sizes(xs, size, scale_factor, nd, bool(recompute_scale_factor))
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"interpolate: Input and output sizes should be greater than 0, but got input "
                           f"{list(xs[2:])} output {list(sizes)}")
    if mode == "area":
        return adaptive_avg_pool(x, sizes)
    dt = np.dtype(np.result_type(x.dtype, np.float32)) if hasattr(x, "dtype") else np.dtype(np.float64)
    align = bool(align_corners)
    for axis, (n, o, sc) in enumerate(zip(xs[2:], sizes, scales)):
        if mode in ("nearest", "nearest-exact"):
            x = _nearest(x, axis, n, o, sc, mode == "nearest-exact")
        elif mode == "bicubic":
            x = _cubic(x, axis, n, o, sc, align, nd, dt)
        else:
            x = _linear(x, axis, n, o, sc, align, nd, dt)
    return x
