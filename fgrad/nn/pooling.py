"""Pooling: torch.nn.functional's pooling functions and the MaxPool/AvgPool/MaxUnpool/Adaptive*/LPPool
layers (all stateless).

The arithmetic is ``fgrad.convolution`` (max/avg/adaptive pooling with torch's window
and index conventions); this module fixes the number of spatial dimensions from the
function's name, so an int ``kernel_size`` on an unbatched input means what it does in torch.

>>> import numpy as np
>>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
array([[[[ 5.,  7.],
         [13., 15.]]]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.convolution as fc

from .base import Layer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "lp_pool1d", "lp_pool2d",
           "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "MaxUnpool1d",
           "MaxUnpool2d", "MaxUnpool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d"]

_WORDS = {1: "one", 2: "two", 3: "three"}


def _kernel(kernel_size, nd, fn):
    """``kernel_size`` as a tuple of ``nd`` ints (torch's error for a wrong length)."""
    if isinstance(kernel_size, (int, np.integer)) and not isinstance(kernel_size, bool):
        return (int(kernel_size),) * nd
    k = tuple(int(v) for v in kernel_size)
    if len(k) == 1:
        return k * nd
    if len(k) != nd:
        if nd == 1:
            raise RuntimeError(f"{fn}() kernel_size must be an int, list of ints or tuple of ints of size 1 but "
                               f"got size {len(k)}")
        raise RuntimeError(f"{fn}: kernel_size must either be a single int, or a tuple of {_WORDS[nd]} ints")
    return k


def _stride(stride, kernel):
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return kernel
    return stride


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    fn = f"max_pool{nd}d"
    k = _kernel(kernel_size, nd, fn)
    return fc.max_pool(input, k, _stride(stride, k), padding, dilation, bool(ceil_mode), bool(return_indices))


def max_pool1d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.max_pool1d on ``(N, C, L)`` or ``(C, L)``; padding counts as -inf.

    With ``return_indices`` the result is ``(values, indices)``, indices into the flattened
    length (for ``max_unpool1d``). ``stride`` defaults to ``kernel_size``.

    >>> fgrad.nn.functional.max_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
    array([[[3., 5.]]])
    >>> fgrad.nn.functional.max_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 3, stride=1)
    array([[[3., 5., 5.]]])
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.max_pool2d on ``(N, C, H, W)`` or ``(C, H, W)``.

    ``kernel_size``, ``stride`` (default: ``kernel_size``), ``padding`` and ``dilation`` are an int or a
    pair; ``ceil_mode`` rounds the output size up; ``return_indices`` adds the argmax positions.

    >>> fgrad.nn.functional.max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    >>> fgrad.nn.functional.max_pool2d(np.ones((1, 1, 5, 5)), 2, ceil_mode=True).shape
    (1, 1, 3, 3)
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.max_pool3d on ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> fgrad.nn.functional.max_pool3d(np.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    array([[[[[7.]]]]])
    """
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    k = _kernel(kernel_size, nd, f"avg_pool{nd}d")
    return fc.avg_pool(input, k, _stride(stride, k), padding, bool(ceil_mode), bool(count_include_pad),
                       divisor_override)


def avg_pool1d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Array:
    """torch.nn.functional.avg_pool1d: window means (torch's has no divisor_override).

    Padding counts as zeros in the mean unless ``count_include_pad=False``.

    >>> fgrad.nn.functional.avg_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0]]]), 2, padding=1)
    array([[[0.5, 2.5, 2.5]]])
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Array:
    """torch.nn.functional.avg_pool2d: window means over zero padding.

    ``divisor_override``, when given, replaces the window size as the divisor.

    >>> fgrad.nn.functional.avg_pool2d(np.ones((1, 1, 4, 4)), 2, padding=1, count_include_pad=False)[0, 0, 0]
    array([1., 1., 1.])
    >>> fgrad.nn.functional.avg_pool2d(np.ones((1, 1, 2, 2)), 2, divisor_override=1)
    array([[[[4.]]]])
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input: ArrayLike, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
               padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Array:
    """torch.nn.functional.avg_pool3d: window means of ``(N, C, D, H, W)``.

    >>> fgrad.nn.functional.avg_pool3d(np.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    array([[[[[3.5]]]]])
    """
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _kernel(kernel_size, nd, f"max_unpool{nd}d")
    return fc.max_unpool(input, indices, k, _stride(stride, k), padding, output_size)


def max_unpool1d(input: ArrayLike, indices: ArrayLike, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
                 output_size: Sequence[int] | None = None) -> Array:
    """torch.nn.functional.max_unpool1d: ``input`` written at ``indices`` (from max_pool1d) into zeros.

    ``output_size`` picks the length when several are possible.

    >>> y, i = fgrad.nn.functional.max_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, return_indices=True)
    >>> fgrad.nn.functional.max_unpool1d(y, i, 2, output_size=[5])
    array([[[0., 3., 0., 5., 0.]]])
    """
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: ArrayLike, indices: ArrayLike, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
                 output_size: Sequence[int] | None = None) -> Array:
    """torch.nn.functional.max_unpool2d: the partial inverse of ``max_pool2d(..., return_indices=True)``.

    >>> y, i = fgrad.nn.functional.max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> fgrad.nn.functional.max_unpool2d(y, i, 2)[0, 0, 1]
    array([0., 5., 0., 7.])
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: ArrayLike, indices: ArrayLike, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
                 output_size: Sequence[int] | None = None) -> Array:
    """torch.nn.functional.max_unpool3d: the partial inverse of ``max_pool3d(..., return_indices=True)``.

    >>> y, i = fgrad.nn.functional.max_pool3d(np.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> fgrad.nn.functional.max_unpool3d(y, i, 2).ravel()
    array([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _out(output_size, nd, fn):
    if output_size is None or isinstance(output_size, (int, np.integer)):
        return (output_size,) * nd
    o = tuple(output_size)
    if len(o) not in (1, nd):
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    return o * nd if len(o) == 1 else o


def adaptive_avg_pool1d(input: ArrayLike, output_size: int | Sequence[int | None] | None) -> Array:
    """torch.nn.functional.adaptive_avg_pool1d: window ``i`` is ``[floor(i L / o), ceil((i + 1) L / o))``.

    >>> fgrad.nn.functional.adaptive_avg_pool1d(np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    array([[[2., 4.]]])
    """
    return fc.adaptive_avg_pool(input, _out(output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input: ArrayLike, output_size: int | Sequence[int | None] | None) -> Array:
    """torch.nn.functional.adaptive_avg_pool2d (``None`` in ``output_size`` keeps that size).

    >>> fgrad.nn.functional.adaptive_avg_pool2d(np.ones((2, 3, 7, 5)), (2, None)).shape
    (2, 3, 2, 5)
    >>> fgrad.nn.functional.adaptive_avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1)
    array([[[[7.5]]]])
    """
    return fc.adaptive_avg_pool(input, _out(output_size, 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool3d(input: ArrayLike, output_size: int | Sequence[int | None] | None) -> Array:
    """torch.nn.functional.adaptive_avg_pool3d on ``(N, C, D, H, W)``.

    >>> fgrad.nn.functional.adaptive_avg_pool3d(np.ones((1, 2, 4, 4, 4)), (1, 2, None)).shape
    (1, 2, 1, 2, 4)
    """
    return fc.adaptive_avg_pool(input, _out(output_size, 3, "adaptive_avg_pool3d"))


def adaptive_max_pool1d(input: ArrayLike, output_size: int | Sequence[int | None] | None,
                        return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.adaptive_max_pool1d (indices as max_pool1d's).

    >>> fgrad.nn.functional.adaptive_max_pool1d(np.array([[[1.0, 5.0, 3.0, 2.0, 4.0]]]), 2, return_indices=True)
    (array([[[5., 4.]]]), array([[[1, 4]]]))
    """
    return fc.adaptive_max_pool(input, _out(output_size, 1, "adaptive_max_pool1d"), bool(return_indices))


def adaptive_max_pool2d(input: ArrayLike, output_size: int | Sequence[int | None] | None,
                        return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.adaptive_max_pool2d (indices as max_pool2d's).

    >>> fgrad.nn.functional.adaptive_max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1)
    array([[[[15.]]]])
    """
    return fc.adaptive_max_pool(input, _out(output_size, 2, "adaptive_max_pool2d"), bool(return_indices))


def adaptive_max_pool3d(input: ArrayLike, output_size: int | Sequence[int | None] | None,
                        return_indices: bool = False) -> Array | tuple[Array, Array]:
    """torch.nn.functional.adaptive_max_pool3d on ``(N, C, D, H, W)``.

    >>> fgrad.nn.functional.adaptive_max_pool3d(np.arange(8.0).reshape(1, 1, 2, 2, 2), (1, 1, 2))
    array([[[[[6., 7.]]]]])
    """
    return fc.adaptive_max_pool(input, _out(output_size, 3, "adaptive_max_pool3d"), bool(return_indices))


def lp_pool1d(input: ArrayLike, norm_type: float, kernel_size: int | tuple[int, ...],
              stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> Array:
    """torch.nn.functional.lp_pool1d: ``(sum over the window of x ** p) ** (1 / p)``, ``p = norm_type``.

    >>> fgrad.nn.functional.lp_pool1d(np.array([[[3.0, 4.0, 1.0, 1.0]]]), 2.0, 2)
    array([[[5.    , 1.4142]]])
    """
    k = _kernel(kernel_size, 1, "lp_pool1d")
    return fc.lp_pool(input, norm_type, k, _stride(stride, k), ceil_mode)


def lp_pool2d(input: ArrayLike, norm_type: float, kernel_size: int | tuple[int, ...],
              stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> Array:
    """torch.nn.functional.lp_pool2d: the p-norm of each ``kernel_size`` window.

    >>> fgrad.nn.functional.lp_pool2d(np.array([[[[3.0, 4.0], [0.0, 0.0]]]]), 1.0, 2)
    array([[[[7.]]]])
    """
    k = _kernel(kernel_size, 2, "lp_pool2d")
    return fc.lp_pool(input, norm_type, k, _stride(stride, k), ceil_mode)


# ----------------------------------------------------------------------------- layers

class _MaxPoolNd(Layer):
    _fn = staticmethod(max_pool2d)

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """torch.nn.MaxPool1d; with ``return_indices`` the output is ``(values, indices)``.

    >>> fgrad.nn.MaxPool1d(2, return_indices=True).apply({}, {}, np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]))[0]
    (array([[[3., 5.]]]), array([[[1, 3]]]))
    """
    _fn = staticmethod(max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False).

    >>> fgrad.nn.MaxPool2d(2, stride=1).apply({}, {}, np.arange(9.0).reshape(1, 1, 3, 3))[0]
    array([[[[4., 5.],
             [7., 8.]]]])
    """
    _fn = staticmethod(max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """torch.nn.MaxPool3d: max over ``kernel_size`` windows of ``(N, C, D, H, W)``.

    >>> fgrad.nn.MaxPool3d(2).apply({}, {}, np.zeros((1, 1, 4, 4, 4)))[0].shape
    (1, 1, 2, 2, 2)
    """
    _fn = staticmethod(max_pool3d)


class AvgPool1d(Layer):
    """torch.nn.AvgPool1d (stores its sizes as 1-tuples, as torch does).

    >>> fgrad.nn.AvgPool1d(3, stride=1).apply({}, {}, np.array([[[1.0, 2.0, 3.0, 6.0]]]))[0]
    array([[[2.    , 3.6667]]])
    """

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        self.kernel_size = _kernel(kernel_size, 1, "avg_pool1d")
        self.stride = _kernel(stride if stride is not None else kernel_size, 1, "avg_pool1d")
        self.padding = _kernel(padding, 1, "avg_pool1d")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Layer):
    _fn = staticmethod(avg_pool2d)

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """torch.nn.AvgPool2d (count_include_pad, ceil_mode, divisor_override).

    >>> fgrad.nn.AvgPool2d(2).apply({}, {}, np.arange(16.0).reshape(1, 1, 4, 4))[0]
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    _fn = staticmethod(avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """torch.nn.AvgPool3d: window means of ``(N, C, D, H, W)``.

    >>> fgrad.nn.AvgPool3d(2).apply({}, {}, np.arange(8.0).reshape(1, 1, 2, 2, 2))[0]
    array([[[[[3.5]]]]])
    """
    _fn = staticmethod(avg_pool3d)


class _MaxUnpoolNd(Layer):
    nd = 2
    _fn = staticmethod(max_unpool2d)

    def __init__(self, kernel_size: int | tuple[int, ...], stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0) -> None:
        fn = f"max_unpool{self.nd}d"
        self.kernel_size = _kernel(kernel_size, self.nd, fn)
        self.stride = _kernel(stride if stride is not None else kernel_size, self.nd, fn)
        self.padding = _kernel(padding, self.nd, fn)

    def call(self, params: PyTree, input: ArrayLike, indices: ArrayLike, output_size: Sequence[int] | None = None,
             *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool1d: ``apply(params, state, x, indices, output_size=None)``.

    >>> y, i = fgrad.nn.functional.max_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, return_indices=True)
    >>> fgrad.nn.MaxUnpool1d(2).apply({}, {}, y, i)[0]
    array([[[0., 3., 0., 5.]]])
    """
    nd, _fn = 1, staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool2d: ``apply(params, state, x, indices, output_size=None)``.

    >>> y, i = fgrad.nn.functional.max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> fgrad.nn.MaxUnpool2d(2).apply({}, {}, y, i)[0].shape
    (1, 1, 4, 4)
    """
    nd, _fn = 2, staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool3d: ``apply(params, state, x, indices, output_size=None)``.

    >>> y, i = fgrad.nn.functional.max_pool3d(np.arange(8.0).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
    >>> fgrad.nn.MaxUnpool3d(2).apply({}, {}, y, i)[0].shape
    (1, 1, 2, 2, 2)
    """
    nd, _fn = 3, staticmethod(max_unpool3d)


class _AdaptiveAvgPoolNd(Layer):
    _fn = staticmethod(adaptive_avg_pool2d)

    def __init__(self, output_size: int | Sequence[int | None] | None) -> None:
        self.output_size = output_size

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool1d(output_size).

    >>> fgrad.nn.AdaptiveAvgPool1d(1).apply({}, {}, np.array([[[1.0, 2.0, 6.0]]]))[0]
    array([[[3.]]])
    """
    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool2d(output_size); ``None`` keeps that input size.

    >>> fgrad.nn.AdaptiveAvgPool2d((1, 1)).apply({}, {}, np.arange(16.0).reshape(1, 1, 4, 4))[0]
    array([[[[7.5]]]])
    """
    _fn = staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool3d(output_size).

    >>> fgrad.nn.AdaptiveAvgPool3d((2, 1, None)).apply({}, {}, np.ones((1, 3, 4, 4, 5)))[0].shape
    (1, 3, 2, 1, 5)
    """
    _fn = staticmethod(adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Layer):
    _fn = staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size: int | Sequence[int | None] | None, return_indices: bool = False) -> None:
        self.output_size, self.return_indices = output_size, return_indices

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False).

    >>> fgrad.nn.AdaptiveMaxPool1d(1).apply({}, {}, np.array([[[1.0, 7.0, 6.0]]]))[0]
    array([[[7.]]])
    """
    _fn = staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False).

    >>> fgrad.nn.AdaptiveMaxPool2d((2, 3)).apply({}, {}, np.ones((1, 1, 5, 7)))[0].shape
    (1, 1, 2, 3)
    """
    _fn = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool3d(output_size, return_indices=False).

    >>> fgrad.nn.AdaptiveMaxPool3d((1, 1, 2)).apply({}, {}, np.arange(8.0).reshape(1, 1, 2, 2, 2))[0]
    array([[[[[6., 7.]]]]])
    """
    _fn = staticmethod(adaptive_max_pool3d)


class _LPPoolNd(Layer):
    _fn = staticmethod(lp_pool2d)

    def __init__(self, norm_type: float, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> None:
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Any:
        return self._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """torch.nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False).

    >>> fgrad.nn.LPPool1d(2, 2).apply({}, {}, np.array([[[3.0, 4.0, 6.0, 8.0]]]))[0]
    array([[[ 5., 10.]]])
    """
    _fn = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """torch.nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False).

    >>> fgrad.nn.LPPool2d(1, 2).apply({}, {}, np.arange(16.0).reshape(1, 1, 4, 4))[0]
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    _fn = staticmethod(lp_pool2d)
