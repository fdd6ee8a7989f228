"""Padding: ``torch.nn.functional.pad`` and the ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/
CircularPad layers.

torch's pad list runs from the LAST axis backwards: ``(left, right)`` pads the last
axis, ``(left, right, top, bottom)`` the last two, and so on. Negative amounts crop.
The modes map onto ``fgrad.numpy.pad``: constant -> constant, reflect -> reflect,
replicate -> edge, circular -> wrap.

>>> import numpy as np
>>> pad(np.arange(3.0).reshape(1, 1, 3), (2, 1), mode="reflect")
array([[[2., 1., 0., 1., 2., 1.]]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import fgrad.numpy as fnp
from fgrad.numpy import shape

from .base import Layer
from .torch_rules import shape_str

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["pad", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]

_NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pairs(pad_list, nd):
    """torch's reversed flat list -> NumPy's per-axis (before, after) pairs for all ``nd`` axes."""
    k = len(pad_list) // 2
    pairs = [(0, 0)] * (nd - k)
    for i in range(k - 1, -1, -1):
        pairs.append((pad_list[2 * i], pad_list[2 * i + 1]))
    return pairs


def pad(input: ArrayLike, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Array:
    """torch.nn.functional.pad: pad (or, with negative amounts, crop) the last ``len(pad) // 2`` axes.

    ``pad`` is ``(left, right)`` for the last axis, then ``(top, bottom)`` for the one before, ...;
    ``mode``: 'constant' (with ``value``, default 0), 'reflect', 'replicate' or 'circular'.

    >>> fgrad.nn.functional.pad(np.ones((1, 2)), (1, 2), value=5.0)
    array([[5., 1., 1., 5., 5.]])
    >>> fgrad.nn.functional.pad(np.arange(4.0).reshape(1, 4), (1, 1), mode="reflect")
    array([[1., 0., 1., 2., 3., 2.]])
    >>> fgrad.nn.functional.pad(np.arange(4.0).reshape(1, 4), (-1, 0))
    array([[1., 2., 3.]])
    """
    pad_list = list(pad)
    for i, p in enumerate(pad_list):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    pad_list = [int(p) for p in pad_list]
    xs = shape(input)
    nd = len(xs)
    if len(pad_list) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad_list) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad_list)} and input of dimension {nd}")
    if mode not in _NP_MODE:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        k = len(pad_list) // 2
        if not (1 <= k <= 3 and k + 1 <= nd <= k + 2):
            raise NotImplementedError(
                f"Padding size {len(pad_list)} is not supported for {nd}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    pairs = _pairs(pad_list, nd)
    for axis, ((lo, hi), n) in enumerate(zip(pairs, xs)):
        if n + lo + hi < 0 or (lo < 0 and -lo > n) or (hi < 0 and -hi > n):
            raise RuntimeError(f"pad: the padding {(lo, hi)} crops dimension {axis} of input {shape_str(xs)} to a "
                               "negative size")
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {axis} of input {shape_str(xs)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(f"pad: can't replicate-pad dimension {axis} of size 0 (input {shape_str(xs)})")
    # negative amounts crop first; the rest is a plain pad
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        idx = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, xs))
        input = input[idx]
        pairs = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if not any(lo or hi for lo, hi in pairs):
        return input
    if mode == "constant":
        return fnp.pad(input, pairs, mode="constant", constant_values=0 if value is None else value)
    return fnp.pad(input, pairs, mode=_NP_MODE[mode])


# ----------------------------------------------------------------------------- layers

def _padding(padding, n):
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return (int(padding),) * n
    padding = tuple(int(p) for p in padding)
    if len(padding) != n:
        raise ValueError(f"padding must be an int or a tuple of {n} ints, got {padding}")
    return padding


class _PadNd(Layer):
    nd = 1
    mode = "constant"

    def __init__(self, padding: int | tuple[int, ...], value: float | None = None) -> None:
        self.padding = _padding(padding, 2 * self.nd)
        self.value = value

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return pad(input, self.padding, self.mode, self.value)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__(padding, float(value))

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """torch.nn.ConstantPad1d(padding, value): pads the last axis with ``value``.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ConstantPad1d(1, 9.0).apply({}, {}, np.arange(4.0).reshape(1, 4))[0]
    array([[9., 0., 1., 2., 3., 9.]])
    """
    nd = 1


class ConstantPad2d(_ConstantPadNd):
    """torch.nn.ConstantPad2d(padding, value): pads the last two axes with ``value``.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ConstantPad2d((1, 0, 0, 1), 9.0).apply({}, {}, np.arange(4.0).reshape(1, 2, 2))[0]
    array([[[9., 0., 1.],
            [9., 2., 3.],
            [9., 9., 9.]]])
    """
    nd = 2


class ConstantPad3d(_ConstantPadNd):
    """torch.nn.ConstantPad3d(padding, value): pads the last three axes with ``value``.

    ``padding`` is one int for every side or a tuple ``(left, right, top, bottom, front, back)`` (as many
    pairs as padded axes, the last axis first).

    >>> y = fgrad.nn.ConstantPad3d(1, 9.0).apply({}, {}, np.arange(8.0).reshape(1, 2, 2, 2))[0]
    >>> y.shape
    (1, 4, 4, 4)
    >>> y[0, 0]
    array([[9., 9., 9., 9.],
           [9., 9., 9., 9.],
           [9., 9., 9., 9.],
           [9., 9., 9., 9.]])
    """
    nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """torch.nn.ZeroPad1d(padding): pads the last axis with zeros.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ZeroPad1d((2, 0)).apply({}, {}, np.arange(4.0).reshape(1, 4))[0]
    array([[0., 0., 0., 1., 2., 3.]])
    """
    nd = 1


class ZeroPad2d(_ZeroPadNd):
    """torch.nn.ZeroPad2d(padding): pads the last two axes with zeros; ``(left, right, top, bottom)`` or one int.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ZeroPad2d((0, 1, 1, 0)).apply({}, {}, np.arange(4.0).reshape(1, 2, 2))[0]
    array([[[0., 0., 0.],
            [0., 1., 0.],
            [2., 3., 0.]]])
    """
    nd = 2


class ZeroPad3d(_ZeroPadNd):
    """torch.nn.ZeroPad3d(padding): pads the last three axes with zeros.

    ``padding`` is one int for every side or a tuple ``(left, right, top, bottom, front, back)`` (as many
    pairs as padded axes, the last axis first).

    >>> y = fgrad.nn.ZeroPad3d((1, 0, 0, 0, 0, 1)).apply({}, {}, np.arange(8.0).reshape(1, 2, 2, 2))[0]
    >>> y.shape
    (1, 3, 2, 3)
    >>> y[0, 0]
    array([[0., 0., 1.],
           [0., 2., 3.]])
    """
    nd = 3


class ReflectionPad1d(_PadNd):
    """torch.nn.ReflectionPad1d(padding): mirror the last axis without repeating the edge.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ReflectionPad1d(2).apply({}, {}, np.arange(4.0).reshape(1, 4))[0]
    array([[2., 1., 0., 1., 2., 3., 2., 1.]])
    """
    nd, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """torch.nn.ReflectionPad2d(padding): mirror the last two axes without repeating the edge.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ReflectionPad2d((1, 1, 0, 0)).apply({}, {}, np.arange(4.0).reshape(1, 2, 2))[0]
    array([[[1., 0., 1., 0.],
            [3., 2., 3., 2.]]])
    """
    nd, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """torch.nn.ReflectionPad3d(padding): mirror the last three axes without repeating the edge.

    ``padding`` is one int for every side or a tuple ``(left, right, top, bottom, front, back)`` (as many
    pairs as padded axes, the last axis first).

    >>> y = fgrad.nn.ReflectionPad3d(1).apply({}, {}, np.arange(8.0).reshape(1, 2, 2, 2))[0]
    >>> y.shape
    (1, 4, 4, 4)
    >>> y[0, 0]
    array([[7., 6., 7., 6.],
           [5., 4., 5., 4.],
           [7., 6., 7., 6.],
           [5., 4., 5., 4.]])
    """
    nd, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """torch.nn.ReplicationPad1d(padding): repeat the edge value of the last axis.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ReplicationPad1d((1, 2)).apply({}, {}, np.arange(4.0).reshape(1, 4))[0]
    array([[0., 0., 1., 2., 3., 3., 3.]])
    """
    nd, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """torch.nn.ReplicationPad2d(padding): repeat the edge values of the last two axes.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.ReplicationPad2d((0, 0, 1, 1)).apply({}, {}, np.arange(4.0).reshape(1, 2, 2))[0]
    array([[[0., 1.],
            [0., 1.],
            [2., 3.],
            [2., 3.]]])
    """
    nd, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """torch.nn.ReplicationPad3d(padding): repeat the edge values of the last three axes.

    ``padding`` is one int for every side or a tuple ``(left, right, top, bottom, front, back)`` (as many
    pairs as padded axes, the last axis first).

    >>> y = fgrad.nn.ReplicationPad3d(1).apply({}, {}, np.arange(8.0).reshape(1, 2, 2, 2))[0]
    >>> y.shape
    (1, 4, 4, 4)
    >>> y[0, 0]
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.],
           [2., 2., 3., 3.],
           [2., 2., 3., 3.]])
    """
    nd, mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """torch.nn.CircularPad1d(padding): wrap the last axis around.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.CircularPad1d(1).apply({}, {}, np.arange(4.0).reshape(1, 4))[0]
    array([[3., 0., 1., 2., 3., 0.]])
    """
    nd, mode = 1, "circular"


class CircularPad2d(_PadNd):
    """torch.nn.CircularPad2d(padding): wrap the last two axes around.

    ``padding`` is one int for both sides or a ``(left, right, ...)`` tuple, the last axis first.

    >>> fgrad.nn.CircularPad2d((1, 1, 0, 0)).apply({}, {}, np.arange(4.0).reshape(1, 2, 2))[0]
    array([[[1., 0., 1., 0.],
            [3., 2., 3., 2.]]])
    """
    nd, mode = 2, "circular"


class CircularPad3d(_PadNd):
    """torch.nn.CircularPad3d(padding): wrap the last three axes around.

    ``padding`` is one int for every side or a tuple ``(left, right, top, bottom, front, back)`` (as many
    pairs as padded axes, the last axis first).

    >>> y = fgrad.nn.CircularPad3d(1).apply({}, {}, np.arange(8.0).reshape(1, 2, 2, 2))[0]
    >>> y.shape
    (1, 4, 4, 4)
    >>> y[0, 0]
    array([[7., 6., 7., 6.],
           [5., 4., 5., 4.],
           [7., 6., 7., 6.],
           [5., 4., 5., 4.]])
    """
    nd, mode = 3, "circular"
