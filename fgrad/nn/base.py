"""The pure layer protocol, the ``serial`` combinator and torch's default initialisers.

A layer is an object with two pure methods:

    init(key) -> (params, state)
    apply(params, state, *inputs, train=False, key=None, **kwargs) -> (outputs, new_state)

``params`` and ``state`` are dicts of arrays keyed by torch's state_dict names
(``weight``, ``bias``, ``running_mean`` ...); containers nest them
(``{"0": {"weight": ...}}``) and :func:`flatten_params` gives torch's dotted names.
Nothing is stored on the layer but its hyperparameters, so ``fgrad.grad`` over
``apply`` works.

A stateless layer only writes ``call(params, *inputs, train, key, **kwargs)``;
the default ``apply`` passes ``state`` through unchanged.

>>> import fgrad, fgrad.random as fr, numpy as np
>>> from fgrad.nn import Linear, ReLU, serial
>>> net = serial(Linear(3, 4), ReLU(), Linear(4, 1))
>>> params, state = net.init(fr.key(0))
>>> sorted(flatten_params(params))
['0.bias', '0.weight', '2.bias', '2.weight']
>>> loss = lambda p, x: net.apply(p, state, x)[0].sum()
>>> g = fgrad.grad(loss)(params, np.ones((2, 3), np.float32))
"""
import math
from collections import OrderedDict

import numpy as np

import fgrad.random as fr

__all__ = ["Layer", "Serial", "Sequential", "serial", "flatten_params", "unflatten_params",
           "split_key", "need_key", "calculate_gain", "fan_in_and_fan_out", "uniform_init",
           "normal_init", "kaiming_uniform", "kaiming_normal", "bias_uniform", "xavier_uniform",
           "xavier_normal"]


class Layer:
    """Base of the pure layers (see the module docstring).

    Subclasses set their hyperparameters in ``__init__`` and override ``init``
    (when they have parameters or state) and ``call`` (stateless) or ``apply``
    (stateful). ``extra_repr`` gives the text between the parentheses of the repr,
    as in torch.
    """

    def init(self, key):
        """``(params, state)`` drawn from ``key`` (an fgrad.random key); ``({}, {})`` by default."""
        return {}, {}

    def apply(self, params, state, *inputs, train=False, key=None, **kwargs):
        """``(outputs, new_state)``; the default runs ``call`` and keeps ``state``."""
        return self.call(params, *inputs, train=train, key=key, **kwargs), state

    def call(self, params, *inputs, train=False, key=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define call() or apply()")

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


# ----------------------------------------------------------------------------- containers

class Serial(Layer):
    """Layers applied one after the other; params/state nest under ``"0"``, ``"1"``, ...
    (or under the names of an OrderedDict), as torch's ``Sequential`` names them.

    ``key`` (for dropout in train mode) is split into one key per sublayer.
    """

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            self.layers = OrderedDict((str(k), v) for k, v in layers[0].items())
        else:
            self.layers = OrderedDict((str(i), v) for i, v in enumerate(layers))
        for name, layer in self.layers.items():
            if not hasattr(layer, "init") or not hasattr(layer, "apply"):
                raise TypeError(f"serial: element {name} is not a layer (needs init and apply), got "
                                f"{type(layer).__name__}")

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        if isinstance(i, str):
            return self.layers[i]
        return list(self.layers.values())[i]

    def __iter__(self):
        return iter(self.layers.values())

    def init(self, key):
        keys = split_key(key, len(self.layers))
        params, state = {}, {}
        for k, (name, layer) in zip(keys, self.layers.items()):
            params[name], state[name] = layer.init(k)
        return params, state

    def apply(self, params, state, *inputs, train=False, key=None, **kwargs):
        keys = split_key(key, len(self.layers)) if key is not None else [None] * len(self.layers)
        new_state = {}
        x = inputs
        for k, (name, layer) in zip(keys, self.layers.items()):
            y, new_state[name] = layer.apply(params.get(name, {}), state.get(name, {}), *x, train=train,
                                             key=k, **kwargs)
            kwargs = {}  # extra keyword arguments go to the first layer only
            x = (y,)
        return x[0] if len(x) == 1 else x, new_state

    def __repr__(self):
        inner = "".join(f"\n  ({n}): " + repr(l).replace("\n", "\n  ") for n, l in self.layers.items())
        return f"{type(self).__name__}({inner}\n)" if inner else f"{type(self).__name__}()"


Sequential = Serial


def serial(*layers):
    """Compose layers in sequence (stax's ``serial``): a :class:`Serial` layer."""
    return Serial(*layers)


# ----------------------------------------------------------------------------- pytrees of params

def flatten_params(tree, prefix=""):
    """Nested dicts of arrays -> OrderedDict of torch's dotted names (``{"0": {"weight": w}}`` -> ``0.weight``)."""
    out = OrderedDict()
    for k, v in tree.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten_params(v, name + "."))
        else:
            out[name] = v
    return out


def unflatten_params(flat):
    """Inverse of :func:`flatten_params`."""
    out = {}
    for name, v in flat.items():
        *path, last = name.split(".")
        d = out
        for p in path:
            d = d.setdefault(p, {})
        d[last] = v
    return out


# ----------------------------------------------------------------------------- keys

def split_key(key, n):
    """``n`` fresh keys from ``key`` (a list)."""
    if n == 0:
        return []
    ks = fr.split(key, n)
    return [ks[i] for i in range(n)]


def need_key(key, who):
    """``key``, or a clear ValueError when a random layer runs in train mode without one."""
    if key is None:
        raise ValueError(f"{who}: train=True needs a random key (apply(..., train=True, key=fgrad.random.key(0)))")
    return key


# ----------------------------------------------------------------------------- torch's initialisers

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """torch.nn.init.calculate_gain: the recommended gain for a nonlinearity."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def fan_in_and_fan_out(shape):
    """torch's ``_calculate_fan_in_and_fan_out`` for a weight of ``shape`` (out, in, *kernel)."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def uniform_init(key, shape, low, high, dtype=np.float32):
    """U(low, high) of ``shape``."""
    return fr.uniform(key, tuple(shape), dtype, float(low), float(high))


def normal_init(key, shape, mean=0.0, std=1.0, dtype=np.float32):
    """N(mean, std**2) of ``shape``."""
    z = fr.normal(key, tuple(shape), dtype)
    return (z * float(std) + float(mean)).astype(dtype, copy=False)  # Python floats keep float32


def kaiming_uniform(key, shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", dtype=np.float32):
    """torch's kaiming_uniform_: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    torch's layers use ``a=math.sqrt(5)`` for their weights (Linear, Conv*), i.e. ``b = 1/sqrt(fan_in)``.
    """
    fan = _fan(shape, mode)
    if 0 in shape:
        return np.zeros(shape, dtype)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_init(key, shape, -bound, bound, dtype)


def kaiming_normal(key, shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", dtype=np.float32):
    """torch's kaiming_normal_: N(0, (gain / sqrt(fan))**2)."""
    fan = _fan(shape, mode)
    if 0 in shape:
        return np.zeros(shape, dtype)
    return normal_init(key, shape, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), dtype)


def xavier_uniform(key, shape, gain=1.0, dtype=np.float32):
    """torch's xavier_uniform_: U(-b, b), ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_init(key, shape, -bound, bound, dtype)


def xavier_normal(key, shape, gain=1.0, dtype=np.float32):
    """torch's xavier_normal_: N(0, gain**2 * 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return normal_init(key, shape, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), dtype)


def bias_uniform(key, shape, fan_in, dtype=np.float32):
    """torch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (0 bound when fan_in is 0)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_init(key, shape, -bound, bound, dtype)
