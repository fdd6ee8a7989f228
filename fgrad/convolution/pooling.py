"""Pooling in 1, 2 and 3 spatial dimensions, torch's semantics.

Primitives:

- ``max_pool`` / ``adaptive_max_pool`` -> (values, indices): indices are torch's flat
  per-plane positions in the unpadded input. The VJP scatters the cotangent to them
  (``plane_scatter_add``), the JVP gathers the tangent there (``plane_gather``); those
  two are each other's transpose, so every order of derivative is defined.
- ``max_unpool``: writes values at indices (its VJP gathers, as torch's does).
- ``avg_pool`` and its transpose ``avg_pool_transpose``: a linear pair.

``adaptive_avg_pool`` is a composite (an ``avg_pool`` when the sizes divide, else one
small averaging matrix per axis); ``lp_pool`` is a composite of ``avg_pool``.

Windows are visited by a loop over kernel offsets (``kh * kw`` strided slices), never
over pixels or the batch: no temporary larger than the output.

>>> import numpy as np
>>> max_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2)
array([[[[ 5.,  7.],
         [13., 15.]]]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend, batching, numpy as fnp
from ..core import Primitive, Tracer
from ..numpy import get_array_module, shape
from . import _windows as W
from .conv import _as_array, _batched, _broadcast_front, _merge, _merge_planes, _split, _unbatch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike

__all__ = ["max_pool", "max_unpool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool", "lp_pool"]


# ------------------------------------------------------------------ gather / scatter on planes

def _global_index(idx, plane):
    """Indices into the flattened ``(N*C*plane,)`` array from per-plane indices ``idx (N, C, ...)``."""
    xp = get_array_module(idx)
    base = xp.arange(idx.shape[0] * idx.shape[1], dtype=idx.dtype).reshape(idx.shape[:2] + (1,) * (idx.ndim - 2))
    return (idx + base * plane).reshape(-1)


def _gather_impl(x, idx):
    xp = get_array_module(x)
    plane = W.prod(x.shape[2:])
    return xp.take(x.reshape(-1), _global_index(idx, plane)).reshape(idx.shape)


def _scatter_add_impl(g, idx, *, size, unique):
    xp = get_array_module(g)
    out = xp.zeros(g.shape[:2] + tuple(size), dtype=g.dtype)
    flat = out.reshape(-1)
    where = _global_index(idx, W.prod(size))
    if unique:  # non-overlapping windows: every index at most once, plain assignment
        flat[where] = g.reshape(-1)
    else:
        backend.scatter_add(flat, where, g.reshape(-1))
    return out


def _const(idx):
    """Indices as a constant: the value under any derivative tracers (vmap's batch tracers stay)."""
    return idx._nondiff_value() if isinstance(idx, Tracer) else idx


# ------------------------------------------------------------------ batching (vmap)

def _planes_batch(prim, args, dims, params):
    """One array of independent ``(N, C)`` planes: the batch joins N (or C), the results split."""
    x, d = args[0], dims[0]
    size = shape(x)[d]
    x, at, layout = _merge_planes(x, d)
    out = prim.bind(x, **params)
    if prim.multiple_results:
        outs = [_split(o, at, size, layout) for o in out]
        return tuple(o for o, _ in outs), tuple(dd for _, dd in outs)
    return _split(out, at, size, layout)


def _with_indices_batch(prim, args, dims, params):
    """``(values, idx)`` on the same ``(N, C)`` planes: both batch-first (an unmapped one repeated
    along the batch: indices are small), the batch folded into N."""
    size = batching.axis_size(args, dims)
    moved = [_broadcast_front(a, size) if d is None else batching.to_front(a, d) for a, d in zip(args, dims)]
    moved = [_merge(a, 0, 0)[0] for a in moved]
    return _split(prim.bind(*moved, **params), 0, size, "major")


def _gather_batch(prim, args, dims, params):
    (x, idx), (dx, di) = args, dims
    if dx is None:  # one array, a batch of index sets: the batch is more positions per plane
        return prim.bind(x, batching.moveaxis(idx, di, 2), **params), 2
    return _with_indices_batch(prim, args, dims, params)


plane_gather: Primitive = Primitive(
    "plane_gather", _gather_impl,
    vjp=(lambda c, ans, x, idx: plane_scatter_add.bind(c, idx, size=tuple(shape(x)[2:]), unique=False), None),
    jvp=(lambda t, ans, x, idx: plane_gather.bind(t, idx), None),
    batch=_gather_batch, reads_output=False)

plane_scatter_add: Primitive = Primitive(
    "plane_scatter_add", _scatter_add_impl,
    vjp=(lambda c, ans, g, idx, **p: plane_gather.bind(c, idx), None),
    jvp=(lambda t, ans, g, idx, **p: plane_scatter_add.bind(t, idx, **p), None),
    batch=_with_indices_batch, reads_output=False)


def _argmax_rules(name, impl):
    """A primitive returning (values, indices) whose derivative moves along the indices."""
    def vjp(g, ans, x, **p):
        return plane_scatter_add.bind(g[0], _const(ans[1]), size=tuple(shape(x)[2:]), unique=p.get("unique", False))

    def jvp(t, ans, x, **p):
        return plane_gather.bind(t, _const(ans[1])), None

    return Primitive(name, impl, vjp=(vjp,), jvp=(jvp,), multiple_results=True, batch=_planes_batch)


# ------------------------------------------------------------------ max pooling

def _max_pool_impl(x, *, kernel, stride, padding, dilation, out, unique):
    xp = get_array_module(x)
    nd = len(kernel)
    need = tuple(max((o - 1) * s + (k - 1) * d + 1, n + p)
                 for o, s, k, d, n, p in zip(out, stride, kernel, dilation, x.shape[2:], padding))
    buf = W.pad_to(x, padding, need, fill=-np.inf)
    best = None
    for j, k in enumerate(np.ndindex(*kernel)):
        v = buf[W.offset_slices(k, stride, dilation, out)]
        if best is None:
            best = v.copy()
            arg = xp.zeros(best.shape, dtype=np.int32)
            continue
        # torch: a later element wins only if strictly greater, or nan (nan propagates)
        take = (v > best) | xp.isnan(v)
        xp.copyto(best, v, where=take)
        arg[take] = j
    # window offset -> flat position in the unpadded plane
    flat = None
    rest = arg
    for axis in range(nd - 1, -1, -1):
        ki = rest % kernel[axis]
        rest = rest // kernel[axis]
        shp = (1,) * (2 + axis) + (out[axis],) + (1,) * (nd - axis - 1)
        pos = xp.arange(out[axis], dtype=np.int64).reshape(shp) * stride[axis] - padding[axis] + ki * dilation[axis]
        scale = W.prod(x.shape[2 + axis + 1:])
        flat = pos * scale if flat is None else flat + pos * scale
    return best, flat.astype(np.int64, copy=False)


_max_pool = _argmax_rules("max_pool", _max_pool_impl)


def _pool_args(x: Array, kernel_size: Any, stride: Any, padding: Any, dilation: Any, nd: int,
               fn: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    kernel = W.ntuple(kernel_size, nd, "kernel_size", fn, minimum=1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        W.ntuple(stride, nd, "stride", fn, minimum=1)
    padding = W.ntuple(padding, nd, "padding", fn, minimum=0)
    dilation = W.ntuple(dilation, nd, "dilation", fn, minimum=1)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{fn}: pad should be at most half of effective kernel size, but got "
                           f"pad={list(padding)} and kernel_size={list(kernel)}")
    return kernel, stride, padding, dilation


def _out_sizes(xs, kernel, stride, padding, dilation, ceil_mode, fn):
    out = tuple(W.pool_out_size(n, p, k, s, d, ceil_mode)
                for n, p, k, s, d in zip(xs[2:], padding, kernel, stride, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{fn}: Given input size: ({'x'.join(map(str, xs[1:]))}). Calculated output size: "
                           f"({'x'.join(map(str, (xs[1],) + out))}). Output size is too small")
    return out


def _spatial_rank(x, kernel_size, fn):
    """Spatial dims from the kernel (a tuple) or from x (batched input assumed for an int kernel)."""
    if isinstance(kernel_size, (tuple, list)) and len(kernel_size) > 1:
        return len(kernel_size)
    return max(len(shape(x)) - 2, 1)


def max_pool(x: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
             padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
             return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch's ``max_pool1d/2d/3d`` on ``(N, C, *S)``; padding counts as ``-inf``.

    With ``return_indices`` also the flat per-plane position of each maximum (ties go to
    the first in window order), as ``max_unpool`` wants them.

    >>> import fgrad.convolution as fc
    >>> fc.max_pool(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0, 0.0]]]), 2, return_indices=True)
    (array([[[3., 5., 4.]]]), array([[[1, 3, 4]]]))
    """
    x = _as_array(x)
    nd = _spatial_rank(x, kernel_size, "max_pool")
    fn = f"max_pool{nd}d"
    x, added = _batched(x, nd, fn)
    kernel, stride, padding, dilation = _pool_args(x, kernel_size, stride, padding, dilation, nd, fn)
    out = _out_sizes(shape(x), kernel, stride, padding, dilation, ceil_mode, fn)
    # disjoint windows (along every axis) pick every position at most once
    unique = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
    vals, idx = _max_pool.bind(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation, out=out,
                               unique=unique)
    vals = _unbatch(vals, added)
    if not return_indices:
        return vals
    return vals, _unbatch(_const(idx), added)


# ------------------------------------------------------------------ max unpooling

def _unpool_impl(x, idx, *, size):
    xp = get_array_module(x)
    plane = W.prod(size)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= plane):
        bad = int(idx.max()) if int(idx.max()) >= plane else int(idx.min())
        raise RuntimeError(f"max_unpool: Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    out = xp.zeros(x.shape[:2] + tuple(size), dtype=x.dtype)
    out.reshape(-1)[_global_index(idx, plane)] = x.reshape(-1)
    return out


_max_unpool: Primitive = Primitive(
    "max_unpool", _unpool_impl,
    vjp=(lambda c, ans, x, idx, size: plane_gather.bind(c, idx), None),
    jvp=(lambda t, ans, x, idx, size: _max_unpool.bind(t, idx, size=size), None),
    batch=_with_indices_batch)


def max_unpool(x: ArrayLike, indices: ArrayLike, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               output_size: Sequence[int] | None = None) -> Array:
    """torch's ``max_unpool1d/2d/3d``: ``x`` written at ``indices`` into zeros.

    The default output length is ``(L - 1) * stride - 2 * padding + kernel_size``.

    >>> import fgrad.convolution as fc
    >>> fc.max_unpool(np.array([[[3.0, 5.0]]]), np.array([[[1, 3]]]), 2)
    array([[[0., 3., 0., 5.]]])
    """
    x = _as_array(x)
    nd = _spatial_rank(x, kernel_size, "max_unpool")
    fn = f"max_unpool{nd}d"
    x, added = _batched(x, nd, fn)
    kernel = W.ntuple(kernel_size, nd, "kernel_size", fn, minimum=1)
    stride = kernel if stride is None else W.ntuple(stride, nd, "stride", fn, minimum=1)
    padding = W.ntuple(padding, nd, "padding", fn, minimum=0)
    xs = shape(x)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(xs[2:], stride, padding, kernel))
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in output_size)[-nd:]
        if len(size) != nd:
            raise ValueError(f"{fn}: output_size should have {nd} or {nd + 2} elements, got {output_size!r}")
        for n, d, s in zip(size, default, stride):
            if not d - s < n < d + s:
                raise ValueError(f"{fn}: invalid output_size {list(size)} (dim must be between "
                                 f"{[a - b for a, b in zip(default, stride)]} and "
                                 f"{[a + b for a, b in zip(default, stride)]}, exclusive)")
    idx = _const(indices) if isinstance(indices, Tracer) else get_array_module(x).asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{fn}: indices must be an integer array, got dtype {idx.dtype}")
    if added:
        idx = fnp.expand_dims(idx, 0)
    if tuple(shape(idx)) != tuple(xs):
        raise RuntimeError(f"{fn}: Expected shape of indices to be same as that of the input tensor "
                           f"({W.fmt(xs)}) but got indices tensor with shape: {W.fmt(shape(idx))}")
    return _unbatch(_max_unpool.bind(x, fnp.astype(idx, np.int64), size=size), added)


# ------------------------------------------------------------------ average pooling

def _divisor(xs, kernel, stride, padding, out, count_include_pad, divisor_override, dtype, xp):
    """torch's per-window divisor, a product of per-axis window lengths, shape (1, 1, *out)."""
    if divisor_override:
        return float(divisor_override)
    div = None
    nd = len(kernel)
    for axis, (n, k, s, p, o) in enumerate(zip(xs[2:], kernel, stride, padding, out)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        length = end - start
        if not count_include_pad:
            length = np.minimum(end, n) - np.maximum(start, 0)
        length = length.reshape((1,) * (2 + axis) + (o,) + (1,) * (nd - axis - 1))
        div = length if div is None else div * length
    return xp.asarray(div.astype(dtype))


def _avg_pool_impl(x, *, kernel, stride, padding, out, count_include_pad, divisor_override):
    xp = get_array_module(x)
    need = tuple(max((o - 1) * s + k, n + p) for o, s, k, n, p in zip(out, stride, kernel, x.shape[2:], padding))
    buf = W.pad_to(x, padding, need)
    ones = (1,) * len(kernel)
    total = None
    for k in np.ndindex(*kernel):
        v = buf[W.offset_slices(k, stride, ones, out)]
        total = v.copy() if total is None else total.__iadd__(v)
    return total / _divisor(x.shape, kernel, stride, padding, out, count_include_pad, divisor_override, x.dtype, xp)


def _avg_pool_t_impl(g, *, size, kernel, stride, padding, out, count_include_pad, divisor_override):
    xp = get_array_module(g)
    shp = g.shape[:2] + tuple(size)
    g = g / _divisor(shp, kernel, stride, padding, out, count_include_pad, divisor_override, g.dtype, xp)
    need = tuple(max((o - 1) * s + k, n + p) for o, s, k, n, p in zip(out, stride, kernel, size, padding))
    ones = (1,) * len(kernel)
    buf = xp.zeros(g.shape[:2] + need, dtype=g.dtype)
    for k in np.ndindex(*kernel):
        buf[W.offset_slices(k, stride, ones, out)] += g
    return xp.ascontiguousarray(W.crop(buf, padding, size))


def _avg_params(p):
    return {k: v for k, v in p.items() if k != "size"}


_avg_pool: Primitive = Primitive(
    "avg_pool", _avg_pool_impl,
    vjp=(lambda g, ans, x, **p: _avg_pool_t.bind(g, size=tuple(shape(x)[2:]), **p),),
    jvp=(lambda t, ans, x, **p: _avg_pool.bind(t, **p),),
    batch=_planes_batch, linear=True)

_avg_pool_t: Primitive = Primitive(
    "avg_pool_transpose", _avg_pool_t_impl,
    vjp=(lambda c, ans, g, **p: _avg_pool.bind(c, **_avg_params(p)),),
    jvp=(lambda t, ans, g, **p: _avg_pool_t.bind(t, **p),),
    batch=_planes_batch, linear=True)


def avg_pool(x: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
             padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
             divisor_override: int | None = None) -> Array:
    """torch's ``avg_pool1d/2d/3d``: window means over zero padding.

    ``count_include_pad=False`` divides by the number of real elements; windows that
    ``ceil_mode`` adds past the padding never count those extra positions.

    >>> import fgrad.convolution as fc
    >>> fc.avg_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    x = _as_array(x)
    nd = _spatial_rank(x, kernel_size, "avg_pool")
    fn = f"avg_pool{nd}d"
    x, added = _batched(x, nd, fn)
    kernel, stride, padding, _ = _pool_args(x, kernel_size, stride, padding, 1, nd, fn)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError(f"{fn}: divisor must be not zero")
    xs = shape(x)
    if nd == 3 and any(n < k for n, k in zip(xs[2:], kernel)):  # torch's avg_pool3d ignores padding here
        raise RuntimeError(f"{fn}: input image (T: {xs[2]} H: {xs[3]} W: {xs[4]}) smaller than kernel size "
                           f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    out = _out_sizes(xs, kernel, stride, padding, (1,) * nd, ceil_mode, fn)
    y = _avg_pool.bind(x, kernel=kernel, stride=stride, padding=padding, out=out,
                       count_include_pad=bool(count_include_pad),
                       divisor_override=None if divisor_override is None else int(divisor_override))
    return _unbatch(y, added)


def lp_pool(x: ArrayLike, norm_type: float, kernel_size: int | tuple[int, ...],
            stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> Array:
    """torch's ``lp_pool1d/2d/3d``: ``(sum over the window of x ** p) ** (1 / p)``, ``p = norm_type``.

    >>> import fgrad.convolution as fc
    >>> fc.lp_pool(np.array([[[3.0, 4.0, 1.0, 1.0]]]), 2.0, 2)
    array([[[5.    , 1.4142]]])
    """
    x = _as_array(x)
    nd = _spatial_rank(x, kernel_size, "lp_pool")
    kernel = W.ntuple(kernel_size, nd, "kernel_size", f"lp_pool{nd}d", minimum=1)
    p = float(norm_type)
    y = avg_pool(x ** p, kernel, stride, 0, ceil_mode)
    # torch's sign(y) * relu(|y|), where relu(|y|) is |y|; not just y: its derivative at y == 0 is 0
    return (fnp.sign(y) * fnp.abs(y) * float(W.prod(kernel))) ** (1.0 / p)


# ------------------------------------------------------------------ adaptive pooling

def _adaptive_sizes(xs, output_size, nd, fn):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise ValueError(f"{fn}: output_size must be an int or a tuple of {nd}, got {output_size!r}")
    out = tuple(n if o is None else int(o) for o, n in zip(output_size, xs[2:]))
    if any(o < 0 for o in out) or any(n == 0 for n in xs[2:]):
        raise RuntimeError(f"{fn}: elements of output_size must be non-negative and the input must have "
                           f"non-zero spatial sizes, got input {W.fmt(xs)} and output_size {list(out)}")
    return out


def _bounds(n, o):
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _averaging_matrix(n, o, dtype):
    start, end = _bounds(n, o)
    pos = np.arange(n)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool(x: ArrayLike, output_size: int | Sequence[int | None]) -> Array:
    """torch's ``adaptive_avg_pool1d/2d/3d``: windows ``[floor(i L / o), ceil((i + 1) L / o))``.

    ``output_size`` has one entry per spatial axis (``None`` keeps that size).

    >>> import fgrad.convolution as fc
    >>> fc.adaptive_avg_pool(np.array([[[1.0, 2.0, 3.0, 6.0]]]), 2)
    array([[[1.5, 4.5]]])
    """
    x = _as_array(x)
    nd = len(output_size) if isinstance(output_size, (tuple, list)) else max(len(shape(x)) - 2, 1)
    fn = f"adaptive_avg_pool{nd}d"
    x, added = _batched(x, nd, fn)
    xs = shape(x)
    out = _adaptive_sizes(xs, output_size, nd, fn)
    if all(o and n % o == 0 for n, o in zip(xs[2:], out)):
        k = tuple(n // o for n, o in zip(xs[2:], out))
        if any(v != 1 for v in k):
            x = _avg_pool.bind(x, kernel=k, stride=k, padding=(0,) * nd, out=out, count_include_pad=True,
                               divisor_override=None)
        return _unbatch(x, added)
    xp = get_array_module(x)
    dt = np.result_type(x.dtype if hasattr(x, "dtype") else np.float64, np.float32)
    for axis in range(nd):
        n, o = shape(x)[2 + axis], out[axis]
        if n == o:
            continue
        m = _averaging_matrix(n, o, dt)
        m = m if xp is np else xp.asarray(m)
        x = fnp.moveaxis(fnp.tensordot(x, m, axes=([2 + axis], [1])), -1, 2 + axis)
    return _unbatch(x, added)


def _adaptive_max_impl(x, *, out):
    xp = get_array_module(x)
    nd = len(out)
    idx = []
    for axis, (n, o) in enumerate(zip(x.shape[2:], out)):
        start, end = _bounds(n, o)
        kmax = int((end - start).max())
        # windows padded to kmax by repeating their last element: the max and its first position stay
        ix = np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)
        idx.append(ix)
    fancy = []
    for axis, ix in enumerate(idx):
        shp = [1] * (2 * nd)
        shp[axis], shp[nd + axis] = ix.shape
        fancy.append(xp.asarray(ix.reshape(shp)))
    win = x[(slice(None), slice(None)) + tuple(fancy)]  # (N, C, *out, *kmax)
    win = win.reshape(win.shape[:2 + nd] + (-1,))
    arg = xp.argmax(win, axis=-1)
    best = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    flat = None
    rest = arg
    for axis in range(nd - 1, -1, -1):
        k = idx[axis].shape[1]
        ki, rest = rest % k, rest // k
        pos = xp.asarray(idx[axis])[
            xp.arange(out[axis]).reshape((1,) * (2 + axis) + (out[axis],) + (1,) * (nd - axis - 1)), ki]
        scale = W.prod(x.shape[3 + axis:])
        flat = pos * scale if flat is None else flat + pos * scale
    return best, flat.astype(np.int64, copy=False)


_adaptive_max = _argmax_rules("adaptive_max_pool", _adaptive_max_impl)


def adaptive_max_pool(x: ArrayLike, output_size: int | Sequence[int | None],
                      return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch's ``adaptive_max_pool1d/2d/3d`` (indices as ``max_pool``'s).

    >>> import fgrad.convolution as fc
    >>> fc.adaptive_max_pool(np.array([[[1.0, 5.0, 3.0, 2.0, 4.0]]]), 2, return_indices=True)
    (array([[[5., 4.]]]), array([[[1, 4]]]))
    """
    x = _as_array(x)
    nd = len(output_size) if isinstance(output_size, (tuple, list)) else max(len(shape(x)) - 2, 1)
    fn = f"adaptive_max_pool{nd}d"
    x, added = _batched(x, nd, fn)
    xs = shape(x)
    out = _adaptive_sizes(xs, output_size, nd, fn)
    if any(o == 0 for o in out):
        raise RuntimeError(f"{fn}: output_size must be positive, got {list(out)}")
    if all(n % o == 0 for n, o in zip(xs[2:], out)):
        k = tuple(n // o for n, o in zip(xs[2:], out))
        vals, idx = _max_pool.bind(x, kernel=k, stride=k, padding=(0,) * nd, dilation=(1,) * nd, out=out,
                                   unique=True)
    else:
        vals, idx = _adaptive_max.bind(x, out=out)
    vals = _unbatch(vals, added)
    if not return_indices:
        return vals
    return vals, _unbatch(_const(idx), added)

