"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm and their layers.

As in torch: statistics use the biased variance and ``eps`` sits inside the square
root, ``y = (x - mean) / sqrt(var + eps) * weight + bias``. The running statistics
(BatchNorm, InstanceNorm with ``track_running_stats``) are the layers' ``state``:
``running_var`` is updated with the *unbiased* batch variance, momentum ``None``
means a cumulative moving average over ``num_batches_tracked`` batches. Running
statistics are constants to differentiation (``stop_gradient``), as in torch.

The torch-signature ``batch_norm``/``instance_norm`` return only the output (a pure
function cannot update its arguments); ``batch_norm_stats``/``instance_norm_stats``
also return the updated running statistics.

>>> import numpy as np, fgrad.random as fr
>>> bn = BatchNorm2d(3)
>>> params, state = bn.init(fr.key(0))
>>> y, state = bn.apply(params, state, np.random.rand(4, 3, 5, 5).astype(np.float32), train=True)
>>> int(state["num_batches_tracked"])
1
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.numpy as fnp
from fgrad.core import concrete
from fgrad.numpy import shape
from fgrad.transforms import stop_gradient

from .base import Layer
from .torch_rules import shape_str, size_str

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree

__all__ = ["batch_norm", "batch_norm_stats", "instance_norm", "instance_norm_stats", "layer_norm", "group_norm",
           "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LayerNorm", "GroupNorm"]


def _channel(v, nd):
    """A per-channel ``(C,)`` vector shaped to broadcast against ``(N, C, *spatial)``."""
    return fnp.reshape(v, (-1,) + (1,) * nd)


def _affine(y, weight, bias, nd):
    if weight is not None:
        y = y * _channel(weight, nd)
    if bias is not None:
        y = y + _channel(bias, nd)
    return y


def _moments(x, axes):
    """Mean and biased variance over ``axes`` (two passes: no cancellation), kept dims."""
    mean = fnp.mean(x, axis=axes, keepdims=True)
    xc = x - mean
    return mean, xc, fnp.mean(xc * xc, axis=axes, keepdims=True)


def _check_channels(name, v, c):
    if v is not None and math.prod(shape(v)) != c:
        raise RuntimeError(f"{name} should contain {c} elements not {math.prod(shape(v))}")


# ----------------------------------------------------------------------------- batch norm

def batch_norm_stats(input: ArrayLike, running_mean: ArrayLike | None, running_var: ArrayLike | None,
                     weight: ArrayLike | None = None, bias: ArrayLike | None = None, training: bool = False,
                     momentum: float = 0.1, eps: float = 1e-5) -> tuple[Array, Array | None, Array | None]:
    """``batch_norm`` that also returns the updated running statistics: ``(y, new_mean, new_var)``.

    In training the running statistics move towards the batch's by ``momentum`` (the variance
    unbiased, as torch's); the new ones are ``None`` where ``running_mean``/``running_var`` are.

    >>> y, mean, var = fgrad.nn.functional.batch_norm_stats(np.array([[1.0], [3.0]]), np.zeros(1), np.ones(1),
    ...                                     training=True, momentum=0.5)
    >>> y.ravel(), mean, var
    (array([-1.,  1.]), array([1.]), array([1.5]))
    """
    xs = shape(input)
    if len(xs) < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), got {size_str(xs)}")
    c, nd = xs[1], len(xs) - 2
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, v, c)
    axes = (0,) + tuple(range(2, len(xs)))
    if training:
        n = math.prod(xs) // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size_str(xs)}")
        mean, xc, var = _moments(input, axes)
        y = xc / fnp.sqrt(var + eps)
        new_mean = new_var = None
        if running_mean is not None:
            m = float(momentum)
            new_mean = (1.0 - m) * running_mean + m * fnp.reshape(stop_gradient(mean), (c,))
        if running_var is not None:
            m = float(momentum)
            unbiased = fnp.reshape(stop_gradient(var), (c,)) * (n / (n - 1.0))
            new_var = (1.0 - m) * running_var + m * unbiased
    else:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
        y = (input - _channel(running_mean, nd)) / fnp.sqrt(_channel(running_var, nd) + eps)
        new_mean = new_var = None
    return _affine(y, weight, bias, nd), new_mean, new_var


def batch_norm(input: ArrayLike, running_mean: ArrayLike | None, running_var: ArrayLike | None,
               weight: ArrayLike | None = None, bias: ArrayLike | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """torch.nn.functional.batch_norm over ``(N, C, *)``: per-channel statistics over N and the spatial axes.

    ``training=True`` normalises with the batch's statistics, else with ``running_mean``/``running_var``;
    ``weight``/``bias`` (C,) are the optional affine map. The running statistics are not written
    to (arrays are values): :func:`batch_norm_stats` returns the updated ones.

    >>> fgrad.nn.functional.batch_norm(np.array([[1.0], [3.0]]), None, None, training=True)
    array([[-1.],
           [ 1.]])
    >>> fgrad.nn.functional.batch_norm(np.array([[1.0], [3.0]]), np.array([2.0]), np.array([4.0])).ravel()
    array([-0.5,  0.5])
    """
    return batch_norm_stats(input, running_mean, running_var, weight, bias, training, momentum, eps)[0]


# ----------------------------------------------------------------------------- instance norm

def instance_norm_stats(input: ArrayLike, running_mean: ArrayLike | None = None,
                        running_var: ArrayLike | None = None, weight: ArrayLike | None = None,
                        bias: ArrayLike | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                        eps: float = 1e-5) -> tuple[Array, Array | None, Array | None]:
    """``instance_norm`` that also returns the updated running statistics (torch's: the batch mean of
    the per-instance statistics), ``(y, new_mean, new_var)``.

    >>> x = np.array([[[1.0, 3.0], [2.0, 2.0]]])
    >>> y, mean, var = fgrad.nn.functional.instance_norm_stats(x, np.zeros(2), np.ones(2), momentum=1.0)
    >>> mean, var
    (array([2., 2.]), array([2., 0.]))
    """
    xs = shape(input)
    if len(xs) < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, *spatial) of at least 3 dimensions, "
                         f"got {size_str(xs)}")
    c, nd = xs[1], len(xs) - 2
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, v, c)
    new_mean = new_var = None
    if use_input_stats:
        n = math.prod(xs[2:])
        if n <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size_str(xs)}")
        axes = tuple(range(2, len(xs)))
        mean, xc, var = _moments(input, axes)
        y = xc / fnp.sqrt(var + eps)
        m = float(momentum)
        if running_mean is not None:
            batch_mean = fnp.mean(fnp.reshape(stop_gradient(mean), xs[:2]), axis=0)
            new_mean = (1.0 - m) * running_mean + m * batch_mean
        if running_var is not None:
            batch_var = fnp.mean(fnp.reshape(stop_gradient(var), xs[:2]), axis=0) * (n / (n - 1.0))
            new_var = (1.0 - m) * running_var + m * batch_var
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        y = (input - _channel(running_mean, nd)) / fnp.sqrt(_channel(running_var, nd) + eps)
    return _affine(y, weight, bias, nd), new_mean, new_var


def instance_norm(input: ArrayLike, running_mean: ArrayLike | None = None, running_var: ArrayLike | None = None,
                  weight: ArrayLike | None = None, bias: ArrayLike | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """torch.nn.functional.instance_norm: per-sample, per-channel statistics over the spatial axes.

    ``use_input_stats=False`` normalises with ``running_mean``/``running_var`` instead.

    >>> fgrad.nn.functional.instance_norm(np.array([[[0.0, 2.0, 4.0]]]))
    array([[[-1.2247,  0.    ,  1.2247]]])
    """
    return instance_norm_stats(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)[0]


# ----------------------------------------------------------------------------- layer norm, group norm

def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(v) for v in normalized_shape)


def layer_norm(input: ArrayLike, normalized_shape: int | Sequence[int], weight: ArrayLike | None = None,
               bias: ArrayLike | None = None, eps: float = 1e-5) -> Array:
    """torch.nn.functional.layer_norm: statistics over the last ``len(normalized_shape)`` axes.

    ``weight``/``bias`` have shape ``normalized_shape``.

    >>> fgrad.nn.functional.layer_norm(np.array([[1.0, 2.0, 3.0]]), (3,))
    array([[-1.2247,  0.    ,  1.2247]])
    """
    ns = _normalized_shape(normalized_shape)
    xs = shape(input)
    k = len(ns)
    if k == 0 or len(xs) < k or tuple(xs[len(xs) - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={shape_str(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{shape_str(xs)}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(shape(v)) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{shape_str(shape(v))} and normalized_shape = {shape_str(ns)}")
    axes = tuple(range(len(xs) - k, len(xs)))
    _, xc, var = _moments(input, axes)
    y = xc / fnp.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input: ArrayLike, num_groups: int, weight: ArrayLike | None = None, bias: ArrayLike | None = None,
               eps: float = 1e-5) -> Array:
    """torch.nn.functional.group_norm: channels split into ``num_groups`` groups, statistics per
    sample and group; ``weight``/``bias`` are per channel (C,).

    >>> fgrad.nn.functional.group_norm(np.array([[1.0, 3.0, 5.0, 9.0]]).reshape(1, 4, 1), 2).ravel()
    array([-1.,  1., -1.,  1.])
    """
    xs = shape(input)
    if len(xs) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(xs)}")
    n, c = xs[0], xs[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {shape_str(xs)} and num_groups={num_groups}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(shape(v)) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {shape_str(shape(v))} and input of shape {shape_str(xs)}")
    g = fnp.reshape(input, (n, num_groups, -1))
    _, xc, var = _moments(g, (2,))
    y = fnp.reshape(xc / fnp.sqrt(var + eps), xs)
    return _affine(y, weight, bias, len(xs) - 2)


# ----------------------------------------------------------------------------- layers

class _NormBase(Layer):
    """Shared by BatchNorm and InstanceNorm: affine params and running-statistics state."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype: DTypeLike = np.float32, *, bias: bool = True) -> None:
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats, self.use_bias = affine, track_running_stats, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key: Array | None = None) -> tuple[PyTree, PyTree]:
        """weight ones, bias zeros; running_mean zeros, running_var ones, num_batches_tracked 0 (int64)."""
        c, params, state = self.num_features, {}, {}
        if self.affine:
            params["weight"] = np.ones(c, self.dtype)
            if self.use_bias:
                params["bias"] = np.zeros(c, self.dtype)
        if self.track_running_stats:
            state = {"running_mean": np.zeros(c, self.dtype), "running_var": np.ones(c, self.dtype),
                     "num_batches_tracked": np.array(0, np.int64)}
        return params, state

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def _check_input_dim(self, input):
        raise NotImplementedError

    def apply(self, params: PyTree, state: PyTree, input: ArrayLike, *, train: bool = False,
              key: Array | None = None) -> tuple[Any, PyTree]:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        new_state = dict(state)
        if train and self.track_running_stats and "num_batches_tracked" in state:
            nbt = state["num_batches_tracked"] + 1
            new_state["num_batches_tracked"] = nbt
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(concrete(nbt))
        use_batch = train or (state.get("running_mean") is None and state.get("running_var") is None)
        rm = state.get("running_mean") if not train or self.track_running_stats else None
        rv = state.get("running_var") if not train or self.track_running_stats else None
        y, new_mean, new_var = batch_norm_stats(input, rm, rv, params.get("weight"), params.get("bias"), use_batch,
                                                factor, self.eps)
        if new_mean is not None:
            new_state["running_mean"] = new_mean
        if new_var is not None:
            new_state["running_var"] = new_var
        return y, new_state


class BatchNorm1d(_BatchNorm):
    """torch.nn.BatchNorm1d over ``(N, C)`` or ``(N, C, L)``.

    ``init(key)`` gives params ``weight``, ``bias`` (C,) and state ``running_mean``, ``running_var`` (C,) and
    ``num_batches_tracked``; ``apply(params, state, x, train=True)`` returns the updated state.

    >>> bn = fgrad.nn.BatchNorm1d(2)
    >>> params, state = bn.init(fgrad.random.key(0))
    >>> y, state = bn.apply(params, state, np.array([[1.0, 2.0], [3.0, 6.0]], np.float32), train=True)
    >>> y
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> state["running_mean"], state["running_var"]
    (array([0.2, 0.4], dtype=float32), array([1.1, 1.7], dtype=float32))
    """

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {nd}D input)")


class BatchNorm2d(_BatchNorm):
    """torch.nn.BatchNorm2d over ``(N, C, H, W)``; params weight/bias, state running_mean/running_var/
    num_batches_tracked (as BatchNorm1d's). Eval mode (``train=False``) uses the running statistics.

    >>> bn = fgrad.nn.BatchNorm2d(3)
    >>> params, state = bn.init(fgrad.random.key(0))
    >>> y, state = bn.apply(params, state, np.ones((4, 3, 5, 5), np.float32), train=True)
    >>> y.shape, int(state["num_batches_tracked"])
    ((4, 3, 5, 5), 1)
    """

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd != 4:
            raise ValueError(f"expected 4D input (got {nd}D input)")


class BatchNorm3d(_BatchNorm):
    """torch.nn.BatchNorm3d over ``(N, C, D, H, W)`` (params and state as BatchNorm1d's).

    >>> bn = fgrad.nn.BatchNorm3d(2, affine=False)
    >>> params, state = bn.init(fgrad.random.key(0))
    >>> params, sorted(state)
    ({}, ['num_batches_tracked', 'running_mean', 'running_var'])
    """

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd != 5:
            raise ValueError(f"expected 5D input (got {nd}D input)")


class _InstanceNorm(_NormBase):
    nd = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, dtype: DTypeLike = np.float32, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias=bias)

    def apply(self, params: PyTree, state: PyTree, input: ArrayLike, *, train: bool = False,
              key: Array | None = None) -> tuple[Any, PyTree]:
        xs = shape(input)
        nd = self.nd
        if len(xs) not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {len(xs)}D input)")
        unbatched = len(xs) == nd + 1
        feature_dim = 0 if unbatched else 1
        if xs[feature_dim] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                             f"({self.num_features}), but got: {xs[feature_dim]}.")
        if unbatched:
            input = fnp.expand_dims(input, 0)
        y, new_mean, new_var = instance_norm_stats(
            input, state.get("running_mean"), state.get("running_var"), params.get("weight"), params.get("bias"),
            train or not self.track_running_stats, self.momentum if self.momentum is not None else 0.0, self.eps)
        new_state = dict(state)
        if new_mean is not None:
            new_state["running_mean"] = new_mean
        if new_var is not None:
            new_state["running_var"] = new_var
        return (fnp.squeeze(y, 0) if unbatched else y), new_state


class InstanceNorm1d(_InstanceNorm):
    """torch.nn.InstanceNorm1d over ``(N, C, L)`` or ``(C, L)`` (affine=False, track_running_stats=False).

    >>> fgrad.nn.InstanceNorm1d(1).apply({}, {}, np.array([[[0.0, 2.0, 4.0]]]))[0]
    array([[[-1.2247,  0.    ,  1.2247]]])
    """
    nd = 1


class InstanceNorm2d(_InstanceNorm):
    """torch.nn.InstanceNorm2d over ``(N, C, H, W)`` or ``(C, H, W)`` (affine=False, track_running_stats=False).

    >>> layer = fgrad.nn.InstanceNorm2d(3, affine=True)
    >>> params, state = layer.init(fgrad.random.key(0))
    >>> params["weight"].shape, layer.apply(params, state, np.ones((2, 3, 4, 4), np.float32))[0].shape
    ((3,), (2, 3, 4, 4))
    """
    nd = 2


class InstanceNorm3d(_InstanceNorm):
    """torch.nn.InstanceNorm3d over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> fgrad.nn.InstanceNorm3d(2).apply({}, {}, np.ones((1, 2, 2, 2, 2)))[0].shape
    (1, 2, 2, 2, 2)
    """
    nd = 3


class LayerNorm(Layer):
    """torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True): params weight
    and bias of shape ``normalized_shape`` (ones and zeros), statistics over the trailing axes.

    >>> ln = fgrad.nn.LayerNorm(2)
    >>> params, state = ln.init(fgrad.random.key(0))
    >>> ln.apply(params, state, np.array([[1.0, 3.0], [0.0, -2.0]], np.float32))[0]
    array([[-1.,  1.],
           [ 1., -1.]], dtype=float32)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype: DTypeLike = np.float32) -> None:
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps, self.elementwise_affine, self.use_bias = eps, elementwise_affine, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key: Array | None = None) -> tuple[PyTree, PyTree]:
        params = {}
        if self.elementwise_affine:
            params["weight"] = np.ones(self.normalized_shape, self.dtype)
            if self.use_bias:
                params["bias"] = np.zeros(self.normalized_shape, self.dtype)
        return params, {}

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return layer_norm(input, self.normalized_shape, params.get("weight"), params.get("bias"), self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.elementwise_affine and self.use_bias}")


class GroupNorm(Layer):
    """torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True): params weight and
    bias (num_channels,).

    >>> gn = fgrad.nn.GroupNorm(1, 2)
    >>> params, state = gn.init(fgrad.random.key(0))
    >>> gn.apply(params, state, np.array([[1.0, 3.0]], np.float32))[0]
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype: DTypeLike = np.float32, *, bias: bool = True) -> None:
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine, self.use_bias = eps, affine, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key: Array | None = None) -> tuple[PyTree, PyTree]:
        params = {}
        if self.affine:
            params["weight"] = np.ones(self.num_channels, self.dtype)
            if self.use_bias:
                params["bias"] = np.zeros(self.num_channels, self.dtype)
        return params, {}

    def call(self, params: PyTree, input: ArrayLike, *, train: bool = False, key: Array | None = None) -> Array:
        return group_norm(input, self.num_groups, params.get("weight"), params.get("bias"), self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}")
