"""Convolution (torch's cross-correlation) in 1, 2 and 3 spatial dimensions.

Three primitives form a closed set, each bilinear in its two arrays:

- ``conv(x, w)``                 -> y           the forward pass
- ``conv_input_grad(g, w)``      -> dx          its VJP in x: a transposed convolution
- ``conv_weight_grad(x, g)``     -> dw          its VJP in w: x correlated with g

The derivatives of each are written with the other two, so derivatives of every
order stay inside this module. ``conv_transpose`` *is* ``conv_input_grad``.

Each impl is one im2col copy (a strided view made contiguous, channel-major
``(C*K, N*P)``) and one 2-D GEMM per group; the input gradient scatters back with
one strided add per kernel offset. The 2-D GEMMs are deliberate: NumPy's batched
matmul does not call BLAS per matrix and is an order of magnitude slower.

>>> import numpy as np
>>> y = conv(np.ones((1, 3, 8, 8)), np.ones((4, 3, 3, 3)), padding=1)
>>> y.shape
(1, 4, 8, 8)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import backend, batching, numpy as fnp
from ..core import PRIMITIVES, Primitive, Tracer
from ..numpy import get_array_module, shape
from . import _windows as W

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike

__all__ = ["conv", "conv_transpose", "conv_input_grad", "conv_weight_grad"]


# ------------------------------------------------------------------ raw kernels

def _common_dtype(a, b):
    dt = np.result_type(a.dtype, b.dtype)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def _cols(x, kernel, stride, padding, dilation, out):
    """im2col of ``x (N, C, *S)``: a contiguous ``(C * prod(kernel), N * prod(out))``."""
    n, c = x.shape[:2]
    nd = len(kernel)
    need = tuple((o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(out, stride, kernel, dilation))
    buf = W.pad_to(x, tuple(p[0] for p in padding), need)
    v = W.windows(buf, kernel, stride, dilation, out)  # (N, C, *K, *O)
    perm = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    return v.transpose(perm).reshape(c * W.prod(kernel), n * W.prod(out))


def _channel_major(g):
    """``g (N, C, *O)`` as a contiguous ``(C, N * prod(O))``."""
    perm = (1, 0) + tuple(range(2, g.ndim))
    return g.transpose(perm).reshape(g.shape[1], -1)


def _batch_major(y, n, spatial):
    """``y (C, N * P)`` as a contiguous ``(N, C, *spatial)``."""
    y = y.reshape((y.shape[0], n) + tuple(spatial))
    xp = get_array_module(y)
    return xp.ascontiguousarray(y.transpose((1, 0) + tuple(range(2, y.ndim))))


def _per_group(groups, fn, *mats):
    """``fn`` on every group's block of rows of ``mats`` at once (one stacked matmul: a batched
    convolution is a grouped one, so groups can number in the hundreds), results stacked by rows."""
    if groups == 1:
        return fn(*mats)
    out = fn(*(m.reshape((groups, -1) + m.shape[1:]) for m in mats))
    return out.reshape((-1,) + out.shape[2:])


def _t(m):
    return m.swapaxes(-1, -2)


def _conv_impl(x, w, *, stride, padding, dilation, groups, out):
    x, w = _common_dtype(x, w)
    cols = _cols(x, w.shape[2:], stride, padding, dilation, out)
    y = _per_group(groups, lambda wm, cm: wm @ cm, w.reshape(w.shape[0], -1), cols)
    return _batch_major(y, x.shape[0], out)


def _weight_grad_impl(x, g, *, kernel, stride, padding, dilation, groups):
    x, g = _common_dtype(x, g)
    cols = _cols(x, kernel, stride, padding, dilation, g.shape[2:])
    # (cols @ g^T)^T: OpenBLAS is many times faster this way round than g @ cols^T
    # when the reduction (N * P) is long and both results dimensions are small.
    dw = _per_group(groups, lambda gm, cm: _t(cm @ _t(gm)), _channel_major(g), cols)
    return dw.reshape((g.shape[1], x.shape[1] // groups) + tuple(kernel))


def _input_grad_impl(g, w, *, size, stride, padding, dilation, groups):
    g, w = _common_dtype(g, w)
    n, out, kernel, nd = g.shape[0], g.shape[2:], w.shape[2:], w.ndim - 2
    c = w.shape[1] * groups
    cols = _per_group(groups, lambda wm, gm: _t(wm) @ gm, w.reshape(w.shape[0], -1), _channel_major(g))
    cols = cols.reshape((c,) + kernel + (n,) + out)
    cols = cols.transpose((0, 1 + nd) + tuple(range(1, 1 + nd)) + tuple(range(2 + nd, 2 + 2 * nd)))
    lo = tuple(p[0] for p in padding)
    sizes = tuple(max(L + p[0] + p[1], (o - 1) * s + (k - 1) * d + 1)
                  for L, p, o, s, k, d in zip(size, padding, out, stride, kernel, dilation))
    buf = W.col2im(cols, sizes, kernel, stride, dilation, out)  # (C, N, *sizes)
    xp = get_array_module(buf)
    return xp.ascontiguousarray(W.crop(buf, lo, size).transpose((1, 0) + tuple(range(2, 2 + nd))))


# ------------------------------------------------------------------ batching (vmap)
# A vmap batch axis is folded into an axis the operation already has: the images (N) when only
# the data is mapped, the channels (with groups) when weights are mapped too, so the whole batch
# is one call on the same kernels. ``_merge`` folds it in, ``_split`` takes it out of a result.

def _merge(x, d, at, groups=1, free=False):
    """``x``'s batch axis ``d`` folded into axis ``at`` of the example, as ``(x, layout)``.

    The folded axis is batch-major (``layout`` "major"), or, with ``groups``, ordered (group,
    batch, rest) so that each group's block holds all the batch (``("grouped", groups)``).
    ``free``: the order does not matter (the axis holds independent planes), so a batch axis
    right after ``at`` is folded where it stands, minor (no transpose)."""
    s = shape(x)
    if free and d == at + 1:
        return batching.reshape(x, s[:at] + (s[at] * s[d],) + s[d + 1:]), "minor"
    x = batching.moveaxis(x, d, at)
    s = shape(x)
    b, m = s[at], s[at + 1]
    if groups > 1:
        x = batching.reshape(x, s[:at] + (b, groups, m // groups) + s[at + 2:])
        x = batching.moveaxis(x, at, at + 1)                      # (..., G, B, m, ...)
        return batching.reshape(x, s[:at] + (b * m,) + s[at + 2:]), ("grouped", groups)
    return batching.reshape(x, s[:at] + (b * m,) + s[at + 2:]), "major"


def _split(y, at, size, layout):
    """Undo ``_merge`` on axis ``at`` of a result: ``(y, out_dim)``."""
    s = shape(y)
    m = s[at] // size
    if layout == "minor":
        return batching.reshape(y, s[:at] + (m, size) + s[at + 1:]), at + 1
    if layout != "major":
        g = layout[1]
        y = batching.reshape(y, s[:at] + (g, size, m // g) + s[at + 1:])
        y = batching.moveaxis(y, at + 1, at)                      # (..., B, G, m, ...)
    return batching.reshape(y, s[:at] + (size, m) + s[at + 1:]), at


def _merge_planes(x, d):
    """Fold the batch of an operation on independent ``(N, C)`` planes into N (or into C when it
    sits right after C): no transpose unless the batch axis is spatial."""
    at = 1 if d == 2 else 0
    x, layout = _merge(x, d, at, free=True)
    return x, at, layout


def _broadcast_front(x, size):
    """An unmapped argument repeated along a new leading batch axis (a view)."""
    s = shape(x)
    return PRIMITIVES["broadcast_to"].bind(batching.reshape(x, (1,) + s), shape=(size,) + s)


def _conv_batch(prim, args, dims, params):
    (x, w), (dx, dw) = args, dims
    groups = params["groups"]
    if dw is None:  # one weight: the batch is more images
        size = shape(x)[dx]
        x, layout = _merge(x, dx, 0, free=True)
        return _split(prim.bind(x, w, **params), 0, size, layout)
    size = shape(w)[dw]
    if dx is None:  # an ensemble of weights on one input: B * C_out output channels, group by group
        w, layout = _merge(w, dw, 0, groups=groups, free=groups == 1)
        return _split(prim.bind(x, w, **params), 1, size, layout)
    # both: example b's channels are groups b*G .. b*G + G - 1 of one grouped convolution
    x, _ = _merge(x, dx, 1)
    w, _ = _merge(w, dw, 0)
    return _split(prim.bind(x, w, **dict(params, groups=size * groups)), 1, size, "major")


def _input_grad_batch(prim, args, dims, params):
    (g, w), (dg, dw) = args, dims
    groups = params["groups"]
    if dw is None:
        size = shape(g)[dg]
        g, layout = _merge(g, dg, 0, free=True)
        return _split(prim.bind(g, w, **params), 0, size, layout)
    size = shape(w)[dw]
    if dg is None:  # w (C_out, C_in/G, *k): the batch widens each group's C_in block
        w, layout = _merge(w, dw, 1, free=groups == 1)
        return _split(prim.bind(g, w, **params), 1, size, ("grouped", groups) if groups > 1 else layout)
    g, _ = _merge(g, dg, 1)
    w, _ = _merge(w, dw, 0)
    return _split(prim.bind(g, w, **dict(params, groups=size * groups)), 1, size, "major")


def _weight_grad_batch(prim, args, dims, params):
    (x, g), (dx, dg) = args, dims
    groups = params["groups"]
    if dg is None:  # the batch widens each group's input channels: dw (C_out, B * C_in/G, *k)
        size = shape(x)[dx]
        x, layout = _merge(x, dx, 1, groups=groups, free=groups == 1)
        return _split(prim.bind(x, g, **params), 1, size, "major" if groups > 1 else layout)
    size = shape(g)[dg]
    if dx is None:  # ... or each group's output channels: dw (B * C_out, C_in/G, *k)
        g, layout = _merge(g, dg, 1, groups=groups, free=groups == 1)
        return _split(prim.bind(x, g, **params), 0, size, layout)
    x, _ = _merge(x, dx, 1)
    g, _ = _merge(g, dg, 1)
    return _split(prim.bind(x, g, **dict(params, groups=size * groups)), 0, size, "major")


# ------------------------------------------------------------------ the closed set of primitives

def _sp(a):
    return tuple(shape(a)[2:])


def _geom(p):
    return {k: p[k] for k in ("stride", "padding", "dilation", "groups")}


_conv: Primitive = Primitive(
    "conv", _conv_impl,
    vjp=(lambda g, ans, x, w, **p: _input_grad.bind(g, w, size=_sp(x), **_geom(p)),
         lambda g, ans, x, w, **p: _weight_grad.bind(x, g, kernel=_sp(w), **_geom(p))),
    jvp=(lambda t, ans, x, w, **p: _conv.bind(t, w, **p),
         lambda t, ans, x, w, **p: _conv.bind(x, t, **p)),
    batch=_conv_batch, reads_output=False)

_input_grad: Primitive = Primitive(
    "conv_input_grad", _input_grad_impl,
    vjp=(lambda c, ans, g, w, size, **p: _conv.bind(c, w, out=_sp(g), **p),
         lambda c, ans, g, w, size, **p: _weight_grad.bind(c, g, kernel=_sp(w), **p)),
    jvp=(lambda t, ans, g, w, **p: _input_grad.bind(t, w, **p),
         lambda t, ans, g, w, **p: _input_grad.bind(g, t, **p)),
    batch=_input_grad_batch, reads_output=False)

_weight_grad: Primitive = Primitive(
    "conv_weight_grad", _weight_grad_impl,
    vjp=(lambda c, ans, x, g, kernel, **p: _input_grad.bind(g, c, size=_sp(x), **p),
         lambda c, ans, x, g, kernel, **p: _conv.bind(x, c, out=_sp(g), **p)),
    jvp=(lambda t, ans, x, g, **p: _weight_grad.bind(t, g, **p),
         lambda t, ans, x, g, **p: _weight_grad.bind(x, t, **p)),
    batch=_weight_grad_batch, reads_output=False)


# ------------------------------------------------------------------ argument checking

def _padding(padding, nd, kernel, stride, dilation, fn):
    """Per-side pairs ``((lo, hi), ...)`` from an int, a tuple, pairs, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{fn}: padding='same' is not supported for strided convolutions")
            # torch puts the odd extra element on the right/bottom.
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        raise RuntimeError(f"{fn}: Invalid padding string: '{padding}' (expected 'valid' or 'same')")
    if isinstance(padding, (tuple, list)) and padding and all(isinstance(p, (tuple, list)) for p in padding):
        if len(padding) != nd or any(len(p) != 2 for p in padding):
            raise RuntimeError(f"{fn}: explicit padding must be {nd} (lo, hi) pairs, got {padding!r}")
        pairs = tuple((int(a), int(b)) for a, b in padding)
    else:
        pairs = tuple((p, p) for p in W.ntuple(padding, nd, "padding", fn))
    if any(v < 0 for pr in pairs for v in pr):
        raise RuntimeError(f"{fn}: negative padding is not supported, got padding={padding!r}")
    return pairs


def _batched(x, nd, fn):
    """(x with a batch axis, whether one was added); torch's error for a wrong rank."""
    xs = shape(x)
    if len(xs) == nd + 2:
        return x, False
    if len(xs) == nd + 1:
        return fnp.expand_dims(x, 0), True
    raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, "
                       f"but got input of size: {W.fmt(xs)}")


def _unbatch(y, added):
    if not added:
        return y
    return fnp.squeeze(y, 0)


def _as_array(x):
    if isinstance(x, Tracer) or backend.is_raw_array(x):
        return x
    return np.asarray(x)


def _weight_rank(w, fn):
    nd = len(shape(w)) - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(f"{fn}: weight must have 3, 4 or 5 dimensions (C_out, C_in/groups, *kernel), "
                           f"got weight of size {W.fmt(shape(w))}")
    return nd


def _check_groups(groups, w, fn):
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"{fn}: non-positive groups is not supported, got groups={groups!r}")
    if shape(w)[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {W.fmt(shape(w))} instead")
    return int(groups)


def conv(x: ArrayLike, w: ArrayLike, *, stride: int | tuple[int, ...] = 1,
         padding: int | tuple[int, ...] | Sequence[tuple[int, int]] | str = 0, dilation: int | tuple[int, ...] = 1,
         groups: int = 1) -> Array:
    """torch's ``conv1d/2d/3d`` without bias: ``x (N, C_in, *S)``, ``w (C_out, C_in/groups, *k)``.

    ``padding``: int, tuple, per-side pairs ``((lo, hi), ...)``, 'valid' or 'same'
    (zeros; 'same' puts an odd extra element at the end, as torch does). An unbatched
    ``(C_in, *S)`` input gives an unbatched output.

    >>> import fgrad.convolution as fc
    >>> fc.conv(np.ones((2, 4, 10)), np.ones((6, 2, 3)), groups=2, padding="same").shape
    (2, 6, 10)
    >>> fc.conv(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, 0.0, -1.0]]]))
    array([[[-2., -2.]]])
    """
    x, w = _as_array(x), _as_array(w)
    nd = _weight_rank(w, "conv")
    fn = f"conv{nd}d"
    x, added = _batched(x, nd, fn)
    stride = W.ntuple(stride, nd, "stride", fn, minimum=1)
    dilation = W.ntuple(dilation, nd, "dilation", fn, minimum=1)
    groups = _check_groups(groups, w, fn)
    xs, ws = shape(x), shape(w)
    kernel = ws[2:]
    pairs = _padding(padding, nd, kernel, stride, dilation, fn)
    if xs[1] != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {W.fmt(ws)}, expected input{W.fmt(xs)} to have "
                           f"{ws[1] * groups} channels, but got {xs[1]} channels instead")
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(xs[2:], pairs))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, eff))}). "
                           "Kernel size can't be greater than actual input size")
    out = tuple(W.conv_out_size(n, lo, hi, k, s, d)
                for n, (lo, hi), k, s, d in zip(xs[2:], pairs, kernel, stride, dilation))
    y = _conv.bind(x, w, stride=stride, padding=pairs, dilation=dilation, groups=groups, out=out)
    return _unbatch(y, added)


def conv_transpose(x: ArrayLike, w: ArrayLike, *, stride: int | tuple[int, ...] = 1,
                   padding: int | tuple[int, ...] = 0, output_padding: int | tuple[int, ...] = 0,
                   dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """torch's ``conv_transpose1d/2d/3d`` without bias; ``w (C_in, C_out/groups, *k)``.

    The output length is ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.
    It is the gradient of ``conv`` with respect to its input (``conv_input_grad``).

    >>> import fgrad.convolution as fc
    >>> fc.conv_transpose(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), stride=2).shape
    (1, 2, 11, 11)
    >>> fc.conv_transpose(np.array([[[1.0, 2.0]]]), np.ones((1, 1, 3)), stride=2)
    array([[[1., 1., 3., 2., 2.]]])
    """
    x, w = _as_array(x), _as_array(w)
    nd = _weight_rank(w, "conv_transpose")
    fn = f"conv_transpose{nd}d"
    x, added = _batched(x, nd, fn)
    stride = W.ntuple(stride, nd, "stride", fn, minimum=1)
    dilation = W.ntuple(dilation, nd, "dilation", fn, minimum=1)
    opad = W.ntuple(output_padding, nd, "output_padding", fn, minimum=0)
    groups = _check_groups(groups, w, fn)
    xs, ws = shape(x), shape(w)
    kernel = ws[2:]
    if isinstance(padding, str):
        raise RuntimeError(f"{fn}: padding must be an int or a tuple of ints, got {padding!r}")
    pairs = _padding(padding, nd, kernel, stride, dilation, fn)
    if xs[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {W.fmt(ws)}, expected input{W.fmt(xs)} to have "
                           f"{ws[0]} channels, but got {xs[1]} channels instead")
    if any(op >= s and op >= d for op, s, d in zip(opad, stride, dilation)):
        raise RuntimeError(f"{fn}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(opad)}, stride={list(stride)}, dilation={list(dilation)}")
    size = tuple((n - 1) * s - lo - hi + d * (k - 1) + op + 1
                 for n, s, (lo, hi), d, k, op in zip(xs[2:], stride, pairs, dilation, kernel, opad))
    if any(v <= 0 for v in size):
        raise RuntimeError(f"{fn}: Given input size per channel: ({' x '.join(map(str, xs[2:]))}). "
                           f"Calculated output size per channel: ({' x '.join(map(str, size))}). "
                           "Output size is too small")
    y = _input_grad.bind(x, w, size=size, stride=stride, padding=pairs, dilation=dilation, groups=groups)
    return _unbatch(y, added)


def conv_input_grad(g: ArrayLike, w: ArrayLike, input_size: Sequence[int], *, stride: int | tuple[int, ...] = 1,
                    padding: int | tuple[int, ...] | Sequence[tuple[int, int]] | str = 0,
                    dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """The VJP of ``conv`` in ``x``: ``g (N, C_out, *O)`` -> ``(N, C_in, *input_size)``.

    ``input_size`` is the spatial size of ``x`` (it fixes the output length a strided conv leaves open).

    >>> import fgrad.convolution as fc
    >>> fc.conv_input_grad(np.array([[[1.0, 1.0]]]), np.array([[[1.0, 0.0, -1.0]]]), (4,))
    array([[[ 1.,  1., -1., -1.]]])
    """
    nd = _weight_rank(w, "conv_input_grad")
    stride = W.ntuple(stride, nd, "stride", "conv_input_grad", minimum=1)
    dilation = W.ntuple(dilation, nd, "dilation", "conv_input_grad", minimum=1)
    size = tuple(int(s) for s in input_size)[-nd:]
    pairs = _padding(padding, nd, shape(w)[2:], stride, dilation, "conv_input_grad")
    return _input_grad.bind(g, w, size=size, stride=stride, padding=pairs, dilation=dilation,
                            groups=_check_groups(groups, w, "conv_input_grad"))


def conv_weight_grad(x: ArrayLike, g: ArrayLike, kernel_size: Sequence[int], *, stride: int | tuple[int, ...] = 1,
                     padding: int | tuple[int, ...] | Sequence[tuple[int, int]] | str = 0,
                     dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """The VJP of ``conv`` in ``w``: ``(C_out, C_in/groups, *kernel_size)`` from ``x`` and ``g``.

    >>> import fgrad.convolution as fc
    >>> fc.conv_weight_grad(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, 1.0]]]), (3,))
    array([[[3., 5., 7.]]])
    """
    nd = len(shape(x)) - 2
    kernel = W.ntuple(kernel_size, nd, "kernel_size", "conv_weight_grad", minimum=1)
    stride = W.ntuple(stride, nd, "stride", "conv_weight_grad", minimum=1)
    dilation = W.ntuple(dilation, nd, "dilation", "conv_weight_grad", minimum=1)
    pairs = _padding(padding, nd, kernel, stride, dilation, "conv_weight_grad")
    if not isinstance(groups, (int, np.integer)) or groups <= 0 or shape(g)[1] % groups or shape(x)[1] % groups:
        raise RuntimeError(f"conv_weight_grad: groups={groups!r} must divide both channel counts "
                           f"({shape(x)[1]} and {shape(g)[1]})")
    return _weight_grad.bind(x, g, kernel=kernel, stride=stride, padding=pairs, dilation=dilation,
                             groups=int(groups))

