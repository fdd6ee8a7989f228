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
import math

import numpy as np

import fgrad.numpy as fnp
from fgrad.core import concrete
from fgrad.numpy import shape
from fgrad.transforms import stop_gradient

from .base import Layer
from .torch_rules import shape_str, size_str

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

def batch_norm_stats(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                     eps=1e-5):
    """``batch_norm`` that also returns the updated running statistics: ``(y, new_mean, new_var)``.

    The new statistics are ``None`` when not training or when the running ones are ``None``.
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


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm over ``(N, C, *)``: per-channel statistics over N and the spatial axes.

    Training uses the batch's statistics, evaluation the running ones. Pure: the running
    statistics are NOT updated here (see ``batch_norm_stats``).

    >>> batch_norm(np.array([[1.0], [3.0]]), None, None, training=True)
    array([[-0.99999...],
           [ 0.99999...]])
    """
    return batch_norm_stats(input, running_mean, running_var, weight, bias, training, momentum, eps)[0]


# ----------------------------------------------------------------------------- instance norm

def instance_norm_stats(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                        momentum=0.1, eps=1e-5):
    """``instance_norm`` that also returns the updated running statistics (torch's: the batch mean of
    the per-instance statistics, unbiased variance); ``None`` where there is nothing to update."""
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


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """torch.nn.functional.instance_norm: per-sample, per-channel statistics over the spatial axes.

    Pure: the running statistics are NOT updated (see ``instance_norm_stats``).
    """
    return instance_norm_stats(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)[0]


# ----------------------------------------------------------------------------- layer norm, group norm

def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(v) for v in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm: statistics over the last ``len(normalized_shape)`` axes.

    >>> layer_norm(np.array([[1.0, 3.0]]), (2,))
    array([[-0.99999..., 0.99999...]])
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


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm: channels split into ``num_groups`` groups, statistics per
    sample and group; ``weight``/``bias`` are per channel."""
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

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=np.float32, *, bias=True):
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats, self.use_bias = affine, track_running_stats, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key=None):
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

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def _check_input_dim(self, input):
        raise NotImplementedError

    def apply(self, params, state, input, *, train=False, key=None):
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
    """torch.nn.BatchNorm1d over ``(N, C)`` or ``(N, C, L)``."""

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {nd}D input)")


class BatchNorm2d(_BatchNorm):
    """torch.nn.BatchNorm2d over ``(N, C, H, W)``; params weight/bias, state running_mean/running_var/
    num_batches_tracked."""

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd != 4:
            raise ValueError(f"expected 4D input (got {nd}D input)")


class BatchNorm3d(_BatchNorm):
    """torch.nn.BatchNorm3d over ``(N, C, D, H, W)``."""

    def _check_input_dim(self, input):
        nd = len(shape(input))
        if nd != 5:
            raise ValueError(f"expected 5D input (got {nd}D input)")


class _InstanceNorm(_NormBase):
    nd = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 dtype=np.float32, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias=bias)

    def apply(self, params, state, input, *, train=False, key=None):
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
    """torch.nn.InstanceNorm1d over ``(N, C, L)`` or ``(C, L)`` (affine=False, track_running_stats=False)."""
    nd = 1


class InstanceNorm2d(_InstanceNorm):
    """torch.nn.InstanceNorm2d over ``(N, C, H, W)`` or ``(C, H, W)`` (affine=False, track_running_stats=False)."""
    nd = 2


class InstanceNorm3d(_InstanceNorm):
    """torch.nn.InstanceNorm3d over ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    nd = 3


class LayerNorm(Layer):
    """torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True): params weight
    (ones) and bias (zeros) of shape ``normalized_shape``."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=np.float32):
        self.normalized_shape = _normalized_shape(normalized_shape)
        self.eps, self.elementwise_affine, self.use_bias = eps, elementwise_affine, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key=None):
        params = {}
        if self.elementwise_affine:
            params["weight"] = np.ones(self.normalized_shape, self.dtype)
            if self.use_bias:
                params["bias"] = np.zeros(self.normalized_shape, self.dtype)
        return params, {}

    def call(self, params, input, *, train=False, key=None):
        return layer_norm(input, self.normalized_shape, params.get("weight"), params.get("bias"), self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.elementwise_affine and self.use_bias}")


class GroupNorm(Layer):
    """torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=np.float32, *, bias=True):
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine, self.use_bias = eps, affine, bool(bias)
        self.dtype = np.dtype(dtype)

    def init(self, key=None):
        params = {}
        if self.affine:
            params["weight"] = np.ones(self.num_channels, self.dtype)
            if self.use_bias:
                params["bias"] = np.zeros(self.num_channels, self.dtype)
        return params, {}

    def call(self, params, input, *, train=False, key=None):
        return group_norm(input, self.num_groups, params.get("weight"), params.get("bias"), self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.affine and self.use_bias}")
