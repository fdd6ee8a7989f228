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
from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.random as fr

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from fgrad.typing import Array, DTypeLike, PyTree, Shape

__all__ = ["Layer", "Serial", "Sequential", "serial", "flatten_params", "unflatten_params",
           "split_key", "need_key", "calculate_gain", "fan_in_and_fan_out", "uniform_init",
           "normal_init", "kaiming_uniform", "kaiming_normal", "bias_uniform", "xavier_uniform",
           "xavier_normal"]


class Layer:
    """Base of the pure layers: hyperparameters on the object, arrays in ``params`` and ``state``.

    Subclasses set their hyperparameters in ``__init__`` and override ``init``
    (when they have parameters or state) and ``call`` (stateless) or ``apply``
    (stateful). ``extra_repr`` gives the text between the parentheses of the repr,
    as in torch.

    >>> class Double(fgrad.nn.Layer):
    ...     def call(self, params, x, *, train=False, key=None):
    ...         return 2 * x
    >>> Double().apply({}, {}, np.array([1.0, 2.0]))
    (array([2., 4.]), {})
    """

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        """``(params, state)`` drawn from ``key`` (an fgrad.random key); ``({}, {})`` by default."""
        return {}, {}

    def apply(self, params: PyTree, state: PyTree, *inputs: Any, **kwargs: Any) -> tuple[Any, PyTree]:
        """``apply(params, state, *inputs, train=False, key=None, **kwargs) -> (outputs, new_state)``.

        The default runs ``call(params, *inputs, ...)`` and keeps ``state``. ``train`` selects
        training behaviour (dropout, batch statistics); ``key`` is the random key that needs.
        """
        # (*inputs, **kwargs) so that subclasses may name their own inputs and options.
        kwargs.setdefault("train", False)
        kwargs.setdefault("key", None)
        return self.call(params, *inputs, **kwargs), state

    def call(self, params: PyTree, *inputs: Any, **kwargs: Any) -> Any:
        """``call(params, *inputs, train=False, key=None, **kwargs) -> outputs``: the stateless layers' forward."""
        raise NotImplementedError(f"{type(self).__name__} must define call() or apply()")

    def extra_repr(self) -> str:
        """The text between the parentheses of the layer's repr (hyperparameters), as torch's."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


# ----------------------------------------------------------------------------- containers

class Serial(Layer):
    """Layers applied one after the other; params/state nest under ``"0"``, ``"1"``, ...
    (or under the names of an OrderedDict), as torch's ``Sequential`` names them.

    ``key`` (for dropout in train mode) is split into one key per sublayer. ``Sequential``
    is the same class.

    >>> net = fgrad.nn.Sequential(fgrad.nn.Linear(3, 4), fgrad.nn.ReLU(), fgrad.nn.Linear(4, 2))
    >>> params, state = net.init(fgrad.random.key(0))
    >>> list(params), params["2"]["weight"].shape
    (['0', '1', '2'], (2, 4))
    >>> y, state = net.apply(params, state, np.ones((5, 3), np.float32))
    >>> y.shape
    (5, 2)
    """

    def __init__(self, *layers: Layer | Mapping[str, Layer]) -> None:
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            self.layers = OrderedDict((str(k), v) for k, v in layers[0].items())
        else:
            self.layers = OrderedDict((str(i), v) for i, v in enumerate(layers))
        for name, layer in self.layers.items():
            if not hasattr(layer, "init") or not hasattr(layer, "apply"):
                raise TypeError(f"serial: element {name} is not a layer (needs init and apply), got "
                                f"{type(layer).__name__}")

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int | str) -> Layer:
        if isinstance(i, str):
            return self.layers[i]
        return list(self.layers.values())[i]

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers.values())

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        """``(params, state)``: each sublayer's, under its name, from one key per sublayer."""
        keys = split_key(key, len(self.layers))
        params, state = {}, {}
        for k, (name, layer) in zip(keys, self.layers.items()):
            params[name], state[name] = layer.init(k)
        return params, state

    def apply(self, params: PyTree, state: PyTree, *inputs: Any, train: bool = False, key: Array | None = None,
              **kwargs: Any) -> tuple[Any, PyTree]:
        """``(output, new_state)``: the input through every sublayer; extra keyword arguments go to the first."""
        keys = split_key(key, len(self.layers)) if key is not None else [None] * len(self.layers)
        new_state = {}
        x = inputs
        for k, (name, layer) in zip(keys, self.layers.items()):
            y, new_state[name] = layer.apply(params.get(name, {}), state.get(name, {}), *x, train=train,
                                             key=k, **kwargs)
            kwargs = {}  # extra keyword arguments go to the first layer only
            x = (y,)
        return x[0] if len(x) == 1 else x, new_state

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({n}): " + repr(l).replace("\n", "\n  ") for n, l in self.layers.items())
        return f"{type(self).__name__}({inner}\n)" if inner else f"{type(self).__name__}()"


Sequential = Serial


def serial(*layers: Layer) -> Serial:
    """Compose layers in sequence (stax's ``serial``): a :class:`Serial` layer.

    >>> net = fgrad.nn.serial(fgrad.nn.Linear(2, 3), fgrad.nn.Tanh())
    >>> params, state = net.init(fgrad.random.key(1))
    >>> net.apply(params, state, np.zeros((4, 2), np.float32))[0].shape
    (4, 3)
    """
    return Serial(*layers)


# ----------------------------------------------------------------------------- pytrees of params

def flatten_params(tree: Mapping[str, Any], prefix: str = "") -> OrderedDict[str, Array]:
    """Nested dicts of arrays -> OrderedDict of torch's dotted names (``{"0": {"weight": w}}`` -> ``0.weight``).

    >>> flat = fgrad.nn.flatten_params({"0": {"weight": np.ones(2), "bias": np.zeros(1)}, "2": {"weight": np.ones(1)}})
    >>> list(flat)
    ['0.weight', '0.bias', '2.weight']
    """
    out: OrderedDict[str, Array] = OrderedDict()
    for k, v in tree.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten_params(v, name + "."))
        else:
            out[name] = v
    return out


def unflatten_params(flat: Mapping[str, Array]) -> dict[str, Any]:
    """Inverse of :func:`flatten_params`: dotted names back to nested dicts.

    >>> fgrad.nn.unflatten_params({"0.weight": np.ones(2), "0.bias": np.zeros(1)})
    {'0': {'weight': array([1., 1.]), 'bias': array([0.])}}
    """
    out: dict[str, Any] = {}
    for name, v in flat.items():
        *path, last = name.split(".")
        d = out
        for p in path:
            d = d.setdefault(p, {})
        d[last] = v
    return out


# ----------------------------------------------------------------------------- keys

def split_key(key: Array, n: int) -> list[Array]:
    """``n`` fresh keys from ``key`` (a list; empty for ``n == 0``).

    >>> keys = fgrad.nn.split_key(fgrad.random.key(0), 3)
    >>> len(keys), keys[0].shape
    (3, (2,))
    """
    if n == 0:
        return []
    ks = fr.split(key, n)
    return [ks[i] for i in range(n)]


def need_key(key: Array | None, who: str) -> Array:
    """``key``, or a clear ValueError when a random layer runs in train mode without one.

    ``who`` names the layer in the message.

    >>> fgrad.nn.need_key(None, "Dropout")
    Traceback (most recent call last):
    ...
    ValueError: Dropout: train=True needs a random key (apply(..., train=True, key=fgrad.random.key(0)))
    """
    if key is None:
        raise ValueError(f"{who}: train=True needs a random key (apply(..., train=True, key=fgrad.random.key(0)))")
    return key


# ----------------------------------------------------------------------------- torch's initialisers

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: the recommended gain for a nonlinearity.

    ``param`` is leaky_relu's negative slope (0.01 when None).

    >>> fgrad.nn.calculate_gain("relu"), fgrad.nn.calculate_gain("tanh")
    (1.4142135623730951, 1.6666666666666667)
    >>> fgrad.nn.calculate_gain("leaky_relu", 0.2)
    1.3867504905630728
    """
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


def fan_in_and_fan_out(shape: Shape) -> tuple[int, int]:
    """torch's ``_calculate_fan_in_and_fan_out`` for a weight of ``shape`` (out, in, *kernel).

    >>> fgrad.nn.fan_in_and_fan_out((16, 3, 5, 5))
    (75, 400)
    """
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(shape: Shape, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def uniform_init(key: Array, shape: Shape, low: float, high: float, dtype: DTypeLike = np.float32) -> Array:
    """U(low, high) of ``shape`` and ``dtype``, drawn from ``key``.

    >>> w = fgrad.nn.uniform_init(fgrad.random.key(0), (2, 3), -1.0, 1.0)
    >>> w.shape, w.dtype, bool((abs(w) <= 1).all())
    ((2, 3), dtype('float32'), True)
    """
    return fr.uniform(key, tuple(shape), dtype, float(low), float(high))


def normal_init(key: Array, shape: Shape, mean: float = 0.0, std: float = 1.0, dtype: DTypeLike = np.float32) -> Array:
    """N(mean, std**2) of ``shape`` and ``dtype``, drawn from ``key``.

    >>> w = fgrad.nn.normal_init(fgrad.random.key(0), (1000,), mean=5.0, std=0.1)
    >>> w.shape, bool(abs(w.mean() - 5) < 0.05)
    ((1000,), True)
    """
    z = fr.normal(key, tuple(shape), dtype)
    return (z * float(std) + float(mean)).astype(dtype, copy=False)  # Python floats keep float32


def kaiming_uniform(key: Array, shape: Shape, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", dtype: DTypeLike = np.float32) -> Array:
    """torch's kaiming_uniform_: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    torch's layers use ``a=math.sqrt(5)`` for their weights (Linear, Conv*), i.e. ``b = 1/sqrt(fan_in)``.
    ``mode`` is ``'fan_in'`` or ``'fan_out'``; ``a`` is leaky_relu's slope for the gain.

    >>> w = fgrad.nn.kaiming_uniform(fgrad.random.key(0), (4, 9), a=5 ** 0.5)
    >>> w.shape, bool((abs(w) <= 1 / 3).all())
    ((4, 9), True)
    """
    fan = _fan(shape, mode)
    if 0 in shape:
        return np.zeros(shape, dtype)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_init(key, shape, -bound, bound, dtype)


def kaiming_normal(key: Array, shape: Shape, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", dtype: DTypeLike = np.float32) -> Array:
    """torch's kaiming_normal_: N(0, (gain / sqrt(fan))**2).

    >>> w = fgrad.nn.kaiming_normal(fgrad.random.key(0), (200, 50), nonlinearity="relu")
    >>> w.shape, bool(abs(w.std() - 0.2) < 0.01)
    ((200, 50), True)
    """
    fan = _fan(shape, mode)
    if 0 in shape:
        return np.zeros(shape, dtype)
    return normal_init(key, shape, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), dtype)


def xavier_uniform(key: Array, shape: Shape, gain: float = 1.0, dtype: DTypeLike = np.float32) -> Array:
    """torch's xavier_uniform_: U(-b, b), ``b = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> w = fgrad.nn.xavier_uniform(fgrad.random.key(0), (3, 5))
    >>> w.shape, bool((abs(w) <= 0.75 ** 0.5).all())
    ((3, 5), True)
    """
    fan_in, fan_out = fan_in_and_fan_out(shape)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_init(key, shape, -bound, bound, dtype)


def xavier_normal(key: Array, shape: Shape, gain: float = 1.0, dtype: DTypeLike = np.float32) -> Array:
    """torch's xavier_normal_: N(0, gain**2 * 2 / (fan_in + fan_out)).

    >>> w = fgrad.nn.xavier_normal(fgrad.random.key(0), (100, 100))
    >>> w.shape, bool(abs(w.std() - 0.1) < 0.01)
    ((100, 100), True)
    """
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return normal_init(key, shape, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), dtype)


def bias_uniform(key: Array, shape: Shape, fan_in: int, dtype: DTypeLike = np.float32) -> Array:
    """torch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (0 bound when fan_in is 0).

    >>> b = fgrad.nn.bias_uniform(fgrad.random.key(0), (8,), fan_in=4)
    >>> b.shape, bool((abs(b) <= 0.5).all())
    ((8,), True)
    """
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_init(key, shape, -bound, bound, dtype)
