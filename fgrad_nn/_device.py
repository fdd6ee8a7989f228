"""``torch.device``, backed by fgrad's NumPy/CuPy dispatch."""
from __future__ import annotations

from typing import Any

import numpy as np

from fgrad import backend

__all__ = ["device"]


class device:
    """Where a tensor lives: ``torch.device('cpu')``, ``torch.device('cuda:1')``, ``torch.device('cuda', 1)``.

    ``'cuda'`` devices are CuPy's GPUs; ``'meta'`` tensors have a shape and dtype and no data.

    >>> torch.device('cuda:1')
    device(type='cuda', index=1)
    >>> torch.device('cpu').type, str(torch.device('cuda', 0))
    ('cpu', 'cuda:0')
    >>> torch.zeros(2).device
    device(type='cpu')
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device | int, index: int | None = None) -> None:
        name: object = type
        if isinstance(type, device):
            name, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            name, index = "cuda", type
        elif isinstance(type, str) and ":" in type:
            if index is not None:
                raise ValueError(f"type (string) must not include an index because index was passed "
                                 f"explicitly: {type}")
            name, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{name}:{idx}'")
            index = int(idx)
        if name not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {name}")
        self.type = str(name)
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def _fgrad(self):
        return backend.Device(self.type, self.index or 0)


CPU = device("cpu")
META = device("meta")


class MetaArray(np.ndarray):
    """The storage of a ``meta`` tensor: a shape and dtype, no data (a read-only broadcast zero)."""


def to_meta(raw: Any) -> MetaArray:
    """A meta array with ``raw``'s shape and dtype (torch's ``.to('meta')``: the values are dropped)."""
    dt = raw.dtype if hasattr(raw, "dtype") else np.result_type(raw)
    return np.broadcast_to(np.zeros((), dt), np.shape(raw)).view(MetaArray)


def of_raw(x: Any) -> device:
    """The torch.device of a raw array."""
    if isinstance(x, MetaArray):
        return META
    if backend.is_cupy_array(x):
        return device("cuda", x.device.id)
    return CPU


def as_device(d: Any) -> device | None:
    if d is None or isinstance(d, device):
        return d
    return device(d)


def put(raw: Any, d: device) -> Any:
    """``raw`` moved to device ``d`` (no copy when it is already there)."""
    if d.type == "meta":
        return to_meta(raw)
    if d.type == "cpu" and not backend.is_cupy_array(raw):
        return raw
    return backend.transfer(raw, d._fgrad())

