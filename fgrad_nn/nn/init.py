"""``torch.nn.init``: in-place initialisers (under no_grad) that return the tensor.

Draws come from fgrad_nn's global generator (``torch.manual_seed``) or ``generator=``:
a key is taken from the generator and the samples are drawn with ``fgrad.random``,
the same samplers the pure layers' ``init`` uses (``fgrad.nn.base``).

>>> w = torch.empty(3, 5)
>>> torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5) is w
True
"""
from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

import fgrad.random as fr
from fgrad import backend
from fgrad.core import concrete

from .._tensor import Tensor, inplace
from ..autograd.grad_mode import no_grad
from fgrad.nn import base as _b
from fgrad.nn.base import calculate_gain
from ..random import rng

if TYPE_CHECKING:
    from fgrad.typing import Array
    from ..random import Generator

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_", "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse", "next_key"]


_KEY_SOURCES: list[list[Any]] = []  # explicit keys pushed by fgrad_nn.func.pure's apply(key=...)


def next_key(generator: Optional[Generator] = None) -> Array:
    """A fresh fgrad.random key drawn from ``generator`` (default: fgrad_nn's global generator).

    Inside ``with key_source(key):`` the keys are split off ``key`` instead, so a Module's
    random ops (dropout) are a pure function of ``key``.

    >>> import fgrad_nn.nn.init as init
    >>> k1, k2 = init.next_key(), init.next_key()
    >>> bool((k1 != k2).any())
    True
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
def key_source(key: Array) -> Iterator[None]:
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


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    return _b.fan_in_and_fan_out(tensor.shape)


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out


def _calculate_correct_fan(tensor, mode):
    return _b._fan(tuple(tensor.shape), mode)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Optional[Generator] = None) -> Tensor:
    """Fill with U(a, b).

    >>> w = torch.nn.init.uniform_(torch.empty(2, 3), a=-1.0, b=1.0)
    >>> bool(((w >= -1) & (w < 1)).all())
    True
    """
    _check(tensor, "uniform_")
    return _write(tensor, _b.uniform_init(next_key(generator), tensor.shape, a, b, _dt(tensor)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Optional[Generator] = None) -> Tensor:
    """Fill with N(mean, std**2).

    >>> _ = torch.manual_seed(0)
    >>> w = torch.nn.init.normal_(torch.empty(1000), mean=3.0, std=0.5)
    >>> abs(w.mean().item() - 3.0) < 0.1, abs(w.std().item() - 0.5) < 0.05
    (True, True)
    """
    _check(tensor, "normal_")
    return _write(tensor, _b.normal_init(next_key(generator), tensor.shape, mean, std, _dt(tensor)))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Optional[Generator] = None) -> Tensor:
    """Fill with N(mean, std**2) truncated to [a, b] (absolute bounds, as in torch).

    >>> w = torch.nn.init.trunc_normal_(torch.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    _check(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    dt = _dt(tensor)
    z = fr.truncated_normal(next_key(generator), (a - mean) / std, (b - mean) / std, tuple(tensor.shape), dt)
    return _write(tensor, np.clip(z * float(std) + float(mean), a, b).astype(dt, copy=False))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``.

    >>> torch.nn.init.constant_(torch.empty(2, 2), 0.25)
    tensor([[0.2500, 0.2500],
            [0.2500, 0.2500]])
    """
    _check(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    >>> torch.nn.init.ones_(torch.empty(3))
    tensor([1., 1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    >>> torch.nn.init.zeros_(torch.empty(2, 2))
    tensor([[0., 0.],
            [0., 0.]])
    """
    _check(tensor, "zeros_")
    with no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (2-D tensors only).

    >>> torch.nn.init.eye_(torch.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape, dtype=tensor._np_dtype()))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta (identity convolution) for 3-, 4- and 5-D weights, per group.

    >>> w = torch.nn.init.dirac_(torch.empty(2, 2, 3))
    >>> w[0], w[1]
    (tensor([[0., 1., 0.],
            [0., 0., 0.]]), tensor([[0., 0., 0.],
            [0., 1., 0.]]))
    """
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


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Optional[Generator] = None) -> Tensor:
    """U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010).

    >>> w = torch.nn.init.xavier_uniform_(torch.empty(30, 20))
    >>> bound = (6 / (30 + 20)) ** 0.5
    >>> bool((w.abs() <= bound).all())
    True
    """
    _check(tensor, "xavier_uniform_")
    return _write(tensor, _b.xavier_uniform(next_key(generator), tuple(tensor.shape), gain, _dt(tensor)))


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Optional[Generator] = None) -> Tensor:
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> _ = torch.manual_seed(0)
    >>> w = torch.nn.init.xavier_normal_(torch.empty(300, 200), gain=2.0)
    >>> round(w.std().item(), 2)  # 2 * sqrt(2 / 500)
    0.13
    """
    _check(tensor, "xavier_normal_")
    return _write(tensor, _b.xavier_normal(next_key(generator), tuple(tensor.shape), gain, _dt(tensor)))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Optional[Generator] = None) -> Tensor:
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He et al. 2015).

    >>> w = torch.nn.init.kaiming_uniform_(torch.empty(50, 8), nonlinearity='relu')
    >>> bool((w.abs() <= (6 / 8) ** 0.5).all())
    True
    """
    _check(tensor, "kaiming_uniform_")
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _write(tensor, _b.kaiming_uniform(next_key(generator), tuple(tensor.shape), a, mode, nonlinearity,
                                             _dt(tensor)))


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Optional[Generator] = None) -> Tensor:
    """N(0, std**2) with ``std = gain / sqrt(fan)`` (He et al. 2015).

    >>> _ = torch.manual_seed(0)
    >>> w = torch.nn.init.kaiming_normal_(torch.empty(400, 200), mode='fan_out', nonlinearity='relu')
    >>> round(w.std().item(), 2)  # sqrt(2 / 400)
    0.07
    """
    _check(tensor, "kaiming_normal_")
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _write(tensor, _b.kaiming_normal(next_key(generator), tuple(tensor.shape), a, mode, nonlinearity,
                                            _dt(tensor)))


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Optional[Generator] = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``.

    >>> w = torch.nn.init.orthogonal_(torch.empty(3, 5))
    >>> torch.allclose(w @ w.T, torch.eye(3), atol=1e-6)
    True
    """
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


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Optional[Generator] = None) -> Tensor:
    """N(0, std**2) with a fraction ``sparsity`` of each column set to zero.

    >>> w = torch.nn.init.sparse_(torch.empty(10, 4), sparsity=0.3)
    >>> (w == 0).sum(dim=0).tolist()
    [3, 3, 3, 3]
    """
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


def _deprecated(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    new, old = fn.__name__, fn.__name__[:-1]

    @functools.wraps(fn)  # fn's signature and example; the summary says what replaced it
    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.", FutureWarning,
                      stacklevel=2)
        return fn(*args, **kwargs)
    deprecated_init.__name__ = deprecated_init.__qualname__ = old
    deprecated_init.__doc__ = f"Deprecated (FutureWarning): use ``nn.init.{new}``.\n\n{fn.__doc__}"
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
