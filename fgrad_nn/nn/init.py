"""``torch.nn.init``: in-place initialisers (under no_grad) that return the tensor.

Draws come from fgrad_nn's global generator (``torch.manual_seed``) or ``generator=``:
a key is taken from the generator and the samples are drawn with ``fgrad.random``,
the same samplers the pure layers' ``init`` uses (``fgrad.nn.base``).

>>> import fgrad_nn as torch
>>> w = torch.empty(3, 5)
>>> torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5) is w
True
"""
import contextlib
import math
import warnings

import numpy as np

import fgrad.random as fr
from fgrad import backend
from fgrad.core import concrete

from .._tensor import Tensor, inplace
from ..autograd.grad_mode import no_grad
from fgrad.nn import base as _b
from fgrad.nn.base import calculate_gain
from ..random import rng

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_", "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse", "next_key"]


_KEY_SOURCES = []  # explicit keys pushed by fgrad_nn.func.pure's apply(key=...)


def next_key(generator=None):
    """A fresh fgrad.random key drawn from ``generator`` (default: fgrad_nn's global generator).

    Inside ``with key_source(key):`` the keys are split off ``key`` instead, so a Module's
    random ops (dropout) are a pure function of ``key``.
    """
    if generator is None and _KEY_SOURCES:
        src = _KEY_SOURCES[-1]
        src[0], k = fr.split(src[0])
        return k
    g = rng(generator)
    per_example = getattr(g, "keys", None)
    if per_example is not None:  # inside torch.func.vmap(randomness='different'): one key per example
        return per_example()
    return fr.key(int(g.integers(0, 2 ** 63)))


@contextlib.contextmanager
def key_source(key):
    """Draw ``next_key()`` from ``key`` (not the global generator) inside the block."""
    _KEY_SOURCES.append([key])
    try:
        yield
    finally:
        _KEY_SOURCES.pop()


def _write(tensor, value):
    """Copy the raw array ``value`` into ``tensor`` in place (no grad); returns ``tensor``."""
    r = concrete(tensor._data)
    if backend.is_cupy_array(r) and not backend.is_cupy_array(value):
        value = backend.get_array_module(r).asarray(value)
    elif not backend.is_cupy_array(r) and backend.is_cupy_array(value):
        value = value.get()
    with no_grad():
        return inplace(tensor, lambda s: value.astype(r.dtype, copy=False), ())


def _check(tensor, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")


def _dt(tensor):
    d = tensor._np_dtype()
    return d if d.kind == "f" else np.dtype(np.float64)


def calculate_fan_in_and_fan_out(tensor):
    return _b.fan_in_and_fan_out(tensor.shape)


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out


def _calculate_correct_fan(tensor, mode):
    return _b._fan(tuple(tensor.shape), mode)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    _check(tensor, "uniform_")
    return _write(tensor, _b.uniform_init(next_key(generator), tensor.shape, a, b, _dt(tensor)))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std**2)."""
    _check(tensor, "normal_")
    return _write(tensor, _b.normal_init(next_key(generator), tensor.shape, mean, std, _dt(tensor)))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std**2) truncated to [a, b] (absolute bounds, as in torch)."""
    _check(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    dt = _dt(tensor)
    z = fr.truncated_normal(next_key(generator), (a - mean) / std, (b - mean) / std, tuple(tensor.shape), dt)
    return _write(tensor, np.clip(z * float(std) + float(mean), a, b).astype(dt, copy=False))


def constant_(tensor, val):
    _check(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    _check(tensor, "zeros_")
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    """The identity matrix (2-D tensors only)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape, dtype=tensor._np_dtype()))


def dirac_(tensor, groups=1):
    """The Dirac delta (identity convolution) for 3-, 4- and 5-D weights, per group."""
    nd = tensor.ndim
    if nd not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per = sizes[0] // groups
    out = np.zeros(sizes, tensor._np_dtype())
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(per, sizes[1])):
            out[(g * per + d, d) + centre] = 1
    return _write(tensor, out)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010)."""
    _check(tensor, "xavier_uniform_")
    return _write(tensor, _b.xavier_uniform(next_key(generator), tuple(tensor.shape), gain, _dt(tensor)))


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    _check(tensor, "xavier_normal_")
    return _write(tensor, _b.xavier_normal(next_key(generator), tuple(tensor.shape), gain, _dt(tensor)))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He et al. 2015)."""
    _check(tensor, "kaiming_uniform_")
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _write(tensor, _b.kaiming_uniform(next_key(generator), tuple(tensor.shape), a, mode, nonlinearity,
                                             _dt(tensor)))


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std**2) with ``std = gain / sqrt(fan)`` (He et al. 2015)."""
    _check(tensor, "kaiming_normal_")
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _write(tensor, _b.kaiming_normal(next_key(generator), tuple(tensor.shape), a, mode, nonlinearity,
                                            _dt(tensor)))


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = np.asarray(fr.normal(next_key(generator), (rows, cols), np.float64))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # makes Q Haar-distributed (Mezzadri 2007)
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tuple(tensor.shape)).astype(tensor._np_dtype()))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std**2) with a fraction ``sparsity`` of each column set to zero."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tuple(tensor.shape)
    num_zeros = math.ceil(sparsity * rows)
    key = next_key(generator)
    k1, k2 = fr.split(key)
    out = np.array(_b.normal_init(k1, (rows, cols), 0.0, std, _dt(tensor)))
    perm_keys = fr.split(k2, max(cols, 1))
    for c in range(cols):
        out[np.asarray(fr.permutation(perm_keys[c], rows))[:num_zeros], c] = 0
    return _write(tensor, out)


def _deprecated(fn):
    new, old = fn.__name__, fn.__name__[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.", FutureWarning,
                      stacklevel=2)
        return fn(*args, **kwargs)
    deprecated_init.__name__ = old
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
