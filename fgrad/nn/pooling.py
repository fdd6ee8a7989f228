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
import numpy as np

import fgrad.convolution as fc

from .base import Layer

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


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d on ``(N, C, L)`` or ``(C, L)``; padding counts as -inf.

    With ``return_indices``, also the int64 flat position of each maximum in its input row.
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d on ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> max_pool2d(np.ones((1, 1, 5, 5)), 2, ceil_mode=True).shape
    (1, 1, 3, 3)
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool3d on ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    k = _kernel(kernel_size, nd, f"avg_pool{nd}d")
    return fc.avg_pool(input, k, _stride(stride, k), padding, bool(ceil_mode), bool(count_include_pad),
                       divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d (torch's has no divisor_override)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d: window means over zero padding.

    >>> avg_pool2d(np.ones((1, 1, 4, 4)), 2, padding=1, count_include_pad=False)[0, 0, 0]
    array([1., 1., 1.])
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool3d."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _kernel(kernel_size, nd, f"max_unpool{nd}d")
    return fc.max_unpool(input, indices, k, _stride(stride, k), padding, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool1d: ``input`` written at ``indices`` (from max_pool1d) into zeros."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool2d: the partial inverse of ``max_pool2d(..., return_indices=True)``.

    >>> y, i = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> max_unpool2d(y, i, 2)[0, 0, 1]
    array([0., 5., 0., 7.])
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """torch.nn.functional.max_unpool3d."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _out(output_size, nd, fn):
    if output_size is None or isinstance(output_size, (int, np.integer)):
        return (output_size,) * nd
    o = tuple(output_size)
    if len(o) not in (1, nd):
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    return o * nd if len(o) == 1 else o


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d: window ``i`` is ``[floor(i L / o), ceil((i + 1) L / o))``."""
    return fc.adaptive_avg_pool(input, _out(output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d (``None`` in ``output_size`` keeps that size).

    >>> adaptive_avg_pool2d(np.ones((2, 3, 7, 5)), (2, None)).shape
    (2, 3, 2, 5)
    """
    return fc.adaptive_avg_pool(input, _out(output_size, 2, "adaptive_avg_pool2d"))


def adaptive_avg_pool3d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool3d."""
    return fc.adaptive_avg_pool(input, _out(output_size, 3, "adaptive_avg_pool3d"))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d (indices as max_pool1d's)."""
    return fc.adaptive_max_pool(input, _out(output_size, 1, "adaptive_max_pool1d"), bool(return_indices))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d (indices as max_pool2d's)."""
    return fc.adaptive_max_pool(input, _out(output_size, 2, "adaptive_max_pool2d"), bool(return_indices))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool3d."""
    return fc.adaptive_max_pool(input, _out(output_size, 3, "adaptive_max_pool3d"), bool(return_indices))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool1d: ``(sum over the window of x ** p) ** (1 / p)``."""
    k = _kernel(kernel_size, 1, "lp_pool1d")
    return fc.lp_pool(input, norm_type, k, _stride(stride, k), ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch.nn.functional.lp_pool2d."""
    k = _kernel(kernel_size, 2, "lp_pool2d")
    return fc.lp_pool(input, norm_type, k, _stride(stride, k), ceil_mode)


# ----------------------------------------------------------------------------- layers

class _MaxPoolNd(Layer):
    _fn = staticmethod(max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def call(self, params, input, *, train=False, key=None):
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                        ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """torch.nn.MaxPool1d; with ``return_indices`` the output is ``(values, indices)``."""
    _fn = staticmethod(max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """torch.nn.MaxPool2d; with ``return_indices`` the output is ``(values, indices)``."""
    _fn = staticmethod(max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """torch.nn.MaxPool3d."""
    _fn = staticmethod(max_pool3d)


class AvgPool1d(Layer):
    """torch.nn.AvgPool1d (stores its sizes as 1-tuples, as torch does)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        self.kernel_size = _kernel(kernel_size, 1, "avg_pool1d")
        self.stride = _kernel(stride if stride is not None else kernel_size, 1, "avg_pool1d")
        self.padding = _kernel(padding, 1, "avg_pool1d")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def call(self, params, input, *, train=False, key=None):
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Layer):
    _fn = staticmethod(avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def call(self, params, input, *, train=False, key=None):
        return self._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                        self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """torch.nn.AvgPool2d (count_include_pad, ceil_mode, divisor_override)."""
    _fn = staticmethod(avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """torch.nn.AvgPool3d."""
    _fn = staticmethod(avg_pool3d)


class _MaxUnpoolNd(Layer):
    nd = 2
    _fn = staticmethod(max_unpool2d)

    def __init__(self, kernel_size, stride=None, padding=0):
        fn = f"max_unpool{self.nd}d"
        self.kernel_size = _kernel(kernel_size, self.nd, fn)
        self.stride = _kernel(stride if stride is not None else kernel_size, self.nd, fn)
        self.padding = _kernel(padding, self.nd, fn)

    def call(self, params, input, indices, output_size=None, *, train=False, key=None):
        return self._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool1d: ``apply(params, state, x, indices, output_size=None)``."""
    nd, _fn = 1, staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool2d: ``apply(params, state, x, indices, output_size=None)``."""
    nd, _fn = 2, staticmethod(max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """torch.nn.MaxUnpool3d."""
    nd, _fn = 3, staticmethod(max_unpool3d)


class _AdaptiveAvgPoolNd(Layer):
    _fn = staticmethod(adaptive_avg_pool2d)

    def __init__(self, output_size):
        self.output_size = output_size

    def call(self, params, input, *, train=False, key=None):
        return self._fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool1d(output_size)."""
    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool2d(output_size); ``None`` keeps that input size."""
    _fn = staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """torch.nn.AdaptiveAvgPool3d(output_size)."""
    _fn = staticmethod(adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Layer):
    _fn = staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size, return_indices=False):
        self.output_size, self.return_indices = output_size, return_indices

    def call(self, params, input, *, train=False, key=None):
        return self._fn(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False)."""
    _fn = staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False)."""
    _fn = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """torch.nn.AdaptiveMaxPool3d(output_size, return_indices=False)."""
    _fn = staticmethod(adaptive_max_pool3d)


class _LPPoolNd(Layer):
    _fn = staticmethod(lp_pool2d)

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def call(self, params, input, *, train=False, key=None):
        return self._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """torch.nn.LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)."""
    _fn = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """torch.nn.LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)."""
    _fn = staticmethod(lp_pool2d)
