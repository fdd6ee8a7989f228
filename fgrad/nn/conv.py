"""Convolutions: ``torch.nn.functional``'s conv functions and the Conv*/ConvTranspose* layers.

The arithmetic is ``fgrad.convolution`` (torch's cross-correlation, im2col + GEMM);
this module adapts torch's signatures onto it: bias, the padding modes other than
zeros (``pad`` first, as torch does), ``output_size`` for transposed convolutions.
``unfold``/``fold`` (im2col/col2im) live here too.

>>> import numpy as np, fgrad.random as fr
>>> conv = Conv2d(3, 8, 3, padding="same")
>>> params, state = conv.init(fr.key(0))
>>> y, _ = conv.apply(params, state, np.ones((2, 3, 16, 16), np.float32))
>>> y.shape
(2, 8, 16, 16)
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

import fgrad.convolution as fc
import fgrad.numpy as fnp
from fgrad.numpy import shape

from .base import Layer, bias_uniform, kaiming_uniform, split_key
from .padding import pad
from .torch_rules import shape_str

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d", "Unfold", "Fold"]


def _check_rank(input, weight, nd, fn):
    ws, xs = shape(weight), shape(input)
    if len(ws) != nd + 2:
        raise RuntimeError(f"{fn}: expected weight to be {nd + 2}-dimensional, but got weight of size {shape_str(ws)}")
    if len(xs) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got input "
                           f"of size: {shape_str(xs)}")


def _add_bias(y, bias, nd):
    if bias is None:
        return y
    bs = shape(bias)
    return y + fnp.reshape(bias, bs + (1,) * nd)


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    fn = f"conv{nd}d"
    _check_rank(input, weight, nd, fn)
    if bias is not None and shape(bias) != (shape(weight)[0],):
        raise RuntimeError(f"Given weight of size {shape_str(shape(weight))}, expected bias to be 1-dimensional with "
                           f"{shape(weight)[0]} elements, but got bias of size {shape_str(shape(bias))} instead")
    y = fc.conv(input, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _add_bias(y, bias, nd)


def conv1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] | str = 0, dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """torch.nn.functional.conv1d: ``(N, C_in, L)`` * ``(C_out, C_in/groups, k)`` (+ bias ``(C_out,)``).

    ``padding`` is an int, a 1-tuple, ``'valid'`` or ``'same'``; like torch, this is cross-correlation
    (the kernel is not flipped).

    >>> fgrad.nn.functional.conv1d(np.array([[[1.0, 2.0, 3.0, 4.0]]]), np.array([[[1.0, 0.0, -1.0]]]))
    array([[[-2., -2.]]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] | str = 0, dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """torch.nn.functional.conv2d: ``(N, C_in, H, W)`` * ``(C_out, C_in/groups, kh, kw)`` (+ bias ``(C_out,)``).

    ``stride``, ``padding`` (or ``'valid'``/``'same'``) and ``dilation`` are an int or a pair.

    >>> fgrad.nn.functional.conv2d(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.array([0.5]))
    array([[[[ 8.5, 12.5],
             [20.5, 24.5]]]])
    >>> fgrad.nn.functional.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), padding=1).shape
    (1, 2, 5, 5)
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] | str = 0, dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """torch.nn.functional.conv3d: ``(N, C_in, D, H, W)`` * ``(C_out, C_in/groups, kd, kh, kw)`` (+ bias).

    >>> fgrad.nn.functional.conv3d(np.ones((1, 2, 3, 3, 3)), np.ones((4, 2, 2, 2, 2))).shape
    (1, 4, 2, 2, 2)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    fn = f"conv_transpose{nd}d"
    _check_rank(input, weight, nd, fn)
    out_ch = shape(weight)[1] * groups
    if bias is not None and shape(bias) != (out_ch,):
        raise RuntimeError(f"Given transposed=1, weight of size {shape_str(shape(weight))}, expected bias to be "
                           f"1-dimensional with {out_ch} elements, but got bias of size {shape_str(shape(bias))} "
                           "instead")
    y = fc.conv_transpose(input, weight, stride=stride, padding=padding, output_padding=output_padding,
                          dilation=dilation, groups=groups)
    return _add_bias(y, bias, nd)


def conv_transpose1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Array:
    """torch.nn.functional.conv_transpose1d (the gradient of conv1d); ``weight (C_in, C_out/groups, k)``.

    >>> fgrad.nn.functional.conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 1.0, 1.0]]]), stride=2)
    array([[[1., 1., 3., 2., 2.]]])
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Array:
    """torch.nn.functional.conv_transpose2d; ``weight (C_in, C_out/groups, kh, kw)``.

    ``output_padding`` adds rows/columns on one side to pick among the sizes a strided conv maps from.

    >>> fgrad.nn.functional.conv_transpose2d(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), stride=2).shape
    (1, 2, 11, 11)
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Array:
    """torch.nn.functional.conv_transpose3d; ``weight (C_in, C_out/groups, kd, kh, kw)``.

    >>> x, w = np.ones((1, 2, 2, 2, 2)), np.ones((2, 3, 3, 3, 3))
    >>> fgrad.nn.functional.conv_transpose3d(x, w, stride=2, padding=1, output_padding=1).shape
    (1, 3, 4, 4, 4)
    """
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def unfold(input: ArrayLike, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
           padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> Array:
    """torch.nn.functional.unfold (im2col): ``(N, C, H, W)`` -> ``(N, C * kh * kw, L)``, L blocks.

    >>> fgrad.nn.functional.unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    """
    return fc.unfold(input, kernel_size, dilation=dilation, padding=padding, stride=stride)


def fold(input: ArrayLike, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
         dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
         stride: int | tuple[int, ...] = 1) -> Array:
    """torch.nn.functional.fold (col2im, summing overlaps): ``(N, C * kh * kw, L)`` -> ``(N, C, *output_size)``.

    >>> fgrad.nn.functional.fold(np.ones((1, 4, 4)), (3, 3), 2)
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    return fc.fold(input, output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


# ----------------------------------------------------------------------------- layers

def _ntuple(v, n):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    return v * n if len(v) == 1 and n > 1 else v


_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


class _ConvNd(Layer):
    """Shared by the Conv and ConvTranspose layers: torch's _ConvNd constructor checks and init."""

    nd = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, dtype=np.float32):
        nd = self.nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.stride = _ntuple(stride, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _ntuple(kernel_size, nd)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.dilation = _ntuple(dilation, nd)
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        self.use_bias = bool(bias)
        self.dtype = np.dtype(dtype)
        # F.pad's list (last axis first) for the non-zero padding modes, as torch computes it; torch keeps
        # a list for 'same'/'valid' and a tuple for numeric padding
        if isinstance(self.padding, str):
            rev = []
            for k, d in reversed(list(zip(self.kernel_size, self.dilation))):
                total = d * (k - 1) if self.padding == "same" else 0
                rev += [total // 2, total - total // 2]
            self._reversed_padding_repeated_twice = rev
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(self.padding) for _ in (0, 1))

    @property
    def weight_shape(self):
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        return (self.out_channels, self.in_channels // self.groups) + self.kernel_size

    def init(self, key):
        """torch's reset_parameters: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        kw, kb = split_key(key, 2)
        ws = self.weight_shape
        params = {"weight": kaiming_uniform(kw, ws, a=math.sqrt(5), dtype=self.dtype)}
        if self.use_bias:
            fan_in = ws[1] * math.prod(ws[2:])
            params["bias"] = bias_uniform(kb, (self.out_channels,), fan_in, dtype=self.dtype)
        return params, {}

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self.use_bias:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _fn = staticmethod(conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", dtype=np.float32):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, dtype)

    def call(self, params, input, *, train=False, key=None):
        w, b = params["weight"], params.get("bias")
        if self.padding_mode != "zeros":
            return self._fn(pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), w, b,
                            self.stride, 0, self.dilation, self.groups)
        return self._fn(input, w, b, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """torch.nn.Conv1d as a pure layer: params ``weight (C_out, C_in/groups, k)``, ``bias (C_out,)``.

    torch's init (kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias); ``apply(params, state, x)``
    takes ``(N, C_in, L)`` or ``(C_in, L)``.

    >>> layer = fgrad.nn.Conv1d(2, 4, 3, padding=1)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((4, 2, 3), (4,))
    >>> layer.apply(params, state, np.ones((5, 2, 10), np.float32))[0].shape
    (5, 4, 10)
    """
    nd = 1
    _fn = staticmethod(conv1d)


class Conv2d(_Conv):
    """torch.nn.Conv2d as a pure layer: params ``weight (C_out, C_in/groups, kh, kw)``, ``bias (C_out,)``.

    ``padding_mode`` ('zeros', 'reflect', 'replicate', 'circular') pads before a padding-free conv.

    >>> layer = fgrad.nn.Conv2d(3, 8, 3, stride=2)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((8, 3, 3, 3), (8,))
    >>> layer.apply(params, state, np.ones((2, 3, 9, 9), np.float32))[0].shape
    (2, 8, 4, 4)
    """
    nd = 2
    _fn = staticmethod(conv2d)


class Conv3d(_Conv):
    """torch.nn.Conv3d as a pure layer: params ``weight (C_out, C_in/groups, kd, kh, kw)``, ``bias (C_out,)``.

    >>> layer = fgrad.nn.Conv3d(4, 2, 3, groups=2, padding='same')
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((2, 2, 3, 3, 3), (2,))
    >>> layer.apply(params, state, np.ones((1, 4, 5, 5, 5), np.float32))[0].shape
    (1, 2, 5, 5, 5)
    """
    nd = 3
    _fn = staticmethod(conv3d)


class _ConvTranspose(_ConvNd):
    transposed = True
    _fn = staticmethod(conv_transpose2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", dtype=np.float32):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype)

    def output_padding_for(self, input, output_size):
        """torch's ``_output_padding``: the output_padding that gives ``output_size``."""
        nd = self.nd
        if output_size is None:
            return self.output_padding
        xs = shape(input)
        batched = len(xs) == nd + 2
        lead = 2 if batched else 1
        output_size = tuple(int(v) for v in output_size)
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {len(xs)}D input, output_size must have {nd} or "
                             f"{lead + nd} elements (got {len(output_size)})")
        lo = [(xs[lead + d] - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] *
              (self.kernel_size[d] - 1) + 1 for d in range(nd)]
        hi = [m + s - 1 for m, s in zip(lo, self.stride)]
        for size, a, b in zip(output_size, lo, hi):
            if size < a or size > b:
                raise ValueError(f"requested an output size of {list(output_size)}, but valid sizes range from "
                                 f"{lo} to {hi} (for an input of {shape_str(xs[lead:])})")
        return tuple(s - m for s, m in zip(output_size, lo))

    def call(self, params, input, output_size=None, *, train=False, key=None):
        if isinstance(self.padding, str):
            raise ValueError(f"padding must be an int or a tuple of ints for {type(self).__name__}, "
                             f"got {self.padding!r}")
        opad = self.output_padding_for(input, output_size)
        return self._fn(input, params["weight"], params.get("bias"), self.stride, self.padding, opad,
                        self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """torch.nn.ConvTranspose1d as a pure layer: ``weight (C_in, C_out/groups, k)``, ``bias (C_out,)``.

    ``apply(params, state, x, output_size=None)``: ``output_size`` picks the output_padding, as torch's.

    >>> layer = fgrad.nn.ConvTranspose1d(2, 3, 4, stride=2)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((2, 3, 4), (3,))
    >>> layer.apply(params, state, np.ones((1, 2, 5), np.float32))[0].shape
    (1, 3, 12)
    """
    nd = 1
    _fn = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """torch.nn.ConvTranspose2d as a pure layer: ``weight (C_in, C_out/groups, kh, kw)``, ``bias (C_out,)``.

    ``apply(params, state, x, output_size=None)``: ``output_size`` picks the output_padding, as torch's.

    >>> layer = fgrad.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((4, 2, 3, 3), (2,))
    >>> layer.apply(params, state, np.ones((1, 4, 5, 5), np.float32))[0].shape
    (1, 2, 10, 10)
    """
    nd = 2
    _fn = staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """torch.nn.ConvTranspose3d as a pure layer: ``weight (C_in, C_out/groups, kd, kh, kw)``, ``bias (C_out,)``.

    >>> layer = fgrad.nn.ConvTranspose3d(2, 2, 2, stride=2)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, params["bias"].shape
    ((2, 2, 2, 2, 2), (2,))
    >>> layer.apply(params, state, np.ones((1, 2, 3, 3, 3), np.float32))[0].shape
    (1, 2, 6, 6, 6)
    """
    nd = 3
    _fn = staticmethod(conv_transpose3d)


class Unfold(Layer):
    """torch.nn.Unfold: sliding blocks (im2col) of ``(N, C, H, W)`` as ``(N, C * kh * kw, L)``, stateless.

    >>> fgrad.nn.Unfold(2, stride=2).apply({}, {}, np.zeros((1, 3, 4, 4)))[0].shape
    (1, 12, 4)
    """

    def __init__(self, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
                 padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> None:
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Layer):
    """torch.nn.Fold: sums sliding blocks back into an image (col2im), stateless.

    >>> fgrad.nn.Fold((3, 3), 2).apply({}, {}, np.ones((1, 4, 4)))[0][0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """

    def __init__(self, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
                 dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 stride: int | tuple[int, ...] = 1) -> None:
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
