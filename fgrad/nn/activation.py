"""Activations: torch.nn.functional's functions on arrays, and the activation layers.

The math is ``fgrad.nn``'s (whose kink derivatives match torch's); this module
adds torch's signatures (``inplace=`` is accepted and ignored -- arrays are
values), torch's ``gelu`` default (``approximate='none'``), per-channel ``prelu``
and the legacy implicit ``dim`` of ``softmax``.

>>> import numpy as np
>>> y, _ = GELU().apply({}, {}, np.array([1.0]))
"""
import warnings

import numpy as np

from . import activations as fnn
import fgrad.numpy as fnp

from .base import Layer
from .torch_rules import normalize_dim

__all__ = [
    # functions
    "relu", "relu6", "leaky_relu", "prelu", "elu", "celu", "selu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "softplus", "hardtanh", "hardswish", "hardsigmoid", "softmax", "log_softmax", "softmin", "logsigmoid",
    "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "glu", "softmax_dim",
    # layers
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Softplus", "Hardtanh", "Hardswish", "Hardsigmoid", "Softmax", "LogSoftmax", "Softmin", "LogSigmoid",
    "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU",
]


# ----------------------------------------------------------------------------- functions

def relu(input, inplace=False):
    return fnn.relu(input)


def relu6(input, inplace=False):
    return fnn.relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return fnn.leaky_relu(input, negative_slope)


def prelu(input, weight):
    """``max(0, x) + weight * min(0, x)``; a weight of C elements acts on channel dim 1."""
    ws = np.shape(weight)
    n = int(np.prod(ws)) if ws else 1
    nd = np.ndim(input)
    if n == 1:
        w = fnp.reshape(weight, ())
    else:
        channels = np.shape(input)[1] if nd >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        w = fnp.reshape(weight, (n,) + (1,) * (nd - 2))
    return fnn.prelu(input, w)


def elu(input, alpha=1.0, inplace=False):
    return fnn.elu(input, alpha)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return fnn.celu(input, alpha)


def selu(input, inplace=False):
    return fnn.selu(input)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return fnn.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    return fnn.silu(input)


def mish(input, inplace=False):
    return fnn.mish(input)


def sigmoid(input):
    return fnn.sigmoid(input)


def tanh(input):
    return fnp.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    return fnn.softplus(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return fnn.hard_tanh(input, min_val, max_val)


def hardswish(input, inplace=False):
    return fnn.hard_swish(input)


def hardsigmoid(input, inplace=False):
    return fnn.hard_sigmoid(input)


def softmax_dim(name, ndim, stacklevel=3):
    """torch's legacy implicit dim (with its deprecation warning): 0 for 0-, 1- and 3-D input, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _axis(input, dim, name, stacklevel):
    nd = np.ndim(input)
    if dim is None:
        dim = softmax_dim(name, nd, stacklevel + 1)
    return normalize_dim(dim, nd)


def _cast(input, dtype):
    return input if dtype is None else fnp.astype(input, np.dtype(dtype))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (``None``: torch's legacy implicit dim, with a warning)."""
    axis = _axis(input, dim, "softmax", _stacklevel)
    x = _cast(input, dtype)
    return fnn.softmax(x, axis=axis) if np.ndim(x) else fnp.ones_like(x)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    axis = _axis(input, dim, "log_softmax", _stacklevel)
    x = _cast(input, dtype)
    return fnn.log_softmax(x, axis=axis) if np.ndim(x) else fnp.zeros_like(x)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    axis = _axis(input, dim, "softmin", _stacklevel)
    x = -_cast(input, dtype)
    return fnn.softmax(x, axis=axis) if np.ndim(x) else fnp.ones_like(x)


def logsigmoid(input):
    return fnn.log_sigmoid(input)


def softsign(input):
    return fnn.soft_sign(input)


def tanhshrink(input):
    return fnn.tanhshrink(input)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return fnn.softshrink(input, lambd)


def hardshrink(input, lambd=0.5):
    return fnn.hardshrink(input, lambd)


def threshold(input, threshold, value, inplace=False):
    x = fnn.threshold(input, threshold, value)
    return fnp.astype(x, np.result_type(input)) if hasattr(input, "dtype") else x


def glu(input, dim=-1):
    """``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` along ``dim``."""
    nd = np.ndim(input)
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _axis(input, dim, "glu", 3)
    size = np.shape(input)[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    a, b = fnp.split(input, 2, axis=axis)
    return a * fnn.sigmoid(b)


# ----------------------------------------------------------------------------- layers

class _Act(Layer):
    """A stateless activation: ``call`` runs ``fn(x, **self._kwargs())``."""

    fn = None

    def _kwargs(self):
        return {}

    def call(self, params, x, *, train=False, key=None):
        return type(self).fn(x, **self._kwargs())


def _inplace_str(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class ReLU(_Act):
    fn = staticmethod(relu)

    def __init__(self, inplace=False):
        self.inplace = inplace

    def extra_repr(self):
        return _inplace_str(self.inplace, True)


class ReLU6(ReLU):
    fn = staticmethod(relu6)


class SELU(ReLU):
    fn = staticmethod(selu)


class SiLU(ReLU):
    fn = staticmethod(silu)


class Mish(ReLU):
    fn = staticmethod(mish)


class Hardswish(ReLU):
    fn = staticmethod(hardswish)

    def extra_repr(self):
        return ""  # as torch's


class Hardsigmoid(Hardswish):
    fn = staticmethod(hardsigmoid)


class LeakyReLU(_Act):
    fn = staticmethod(leaky_relu)

    def __init__(self, negative_slope=0.01, inplace=False):
        self.negative_slope, self.inplace = negative_slope, inplace

    def _kwargs(self):
        return {"negative_slope": self.negative_slope}

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class ELU(_Act):
    fn = staticmethod(elu)

    def __init__(self, alpha=1.0, inplace=False):
        self.alpha, self.inplace = alpha, inplace

    def _kwargs(self):
        return {"alpha": self.alpha}

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    fn = staticmethod(celu)


class GELU(_Act):
    fn = staticmethod(gelu)

    def __init__(self, approximate="none"):
        self.approximate = approximate

    def _kwargs(self):
        return {"approximate": self.approximate}

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(_Act):
    fn = staticmethod(sigmoid)


class Tanh(_Act):
    fn = staticmethod(tanh)


class LogSigmoid(_Act):
    fn = staticmethod(logsigmoid)


class Softsign(_Act):
    fn = staticmethod(softsign)


class Tanhshrink(_Act):
    fn = staticmethod(tanhshrink)


class Softplus(_Act):
    fn = staticmethod(softplus)

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold

    def _kwargs(self):
        return {"beta": self.beta, "threshold": self.threshold}

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(_Act):
    fn = staticmethod(hardtanh)

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def _kwargs(self):
        return {"min_val": self.min_val, "max_val": self.max_val}

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class Threshold(_Act):
    fn = staticmethod(threshold)

    def __init__(self, threshold, value, inplace=False):
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def _kwargs(self):
        return {"threshold": self.threshold, "value": self.value}

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class Softshrink(_Act):
    fn = staticmethod(softshrink)

    def __init__(self, lambd=0.5):
        self.lambd = lambd

    def _kwargs(self):
        return {"lambd": self.lambd}

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    fn = staticmethod(hardshrink)


class Softmax(_Act):
    fn = staticmethod(softmax)

    def __init__(self, dim=None):
        self.dim = dim

    def _kwargs(self):
        return {"dim": self.dim, "_stacklevel": 6}

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    fn = staticmethod(log_softmax)


class Softmin(Softmax):
    fn = staticmethod(softmin)


class GLU(_Act):
    fn = staticmethod(glu)

    def __init__(self, dim=-1):
        self.dim = dim

    def _kwargs(self):
        return {"dim": self.dim}

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Layer):
    """``max(0, x) + a * min(0, x)`` with a learnable ``weight`` (num_parameters,), filled with ``init``."""

    def __init__(self, num_parameters=1, init=0.25, dtype=np.float32):
        self.num_parameters, self.init_value, self.dtype = int(num_parameters), float(init), np.dtype(dtype)

    def init(self, key):
        return {"weight": np.full((self.num_parameters,), self.init_value, self.dtype)}, {}

    def call(self, params, x, *, train=False, key=None):
        return prelu(x, params["weight"])

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
