"""``torch.device``, backed by fgrad's NumPy/CuPy dispatch."""
import numpy as np

from fgrad import backend

__all__ = ["device"]


class device:
    """``torch.device('cuda:0')``, ``torch.device('cpu')``, ``torch.device('cuda', 1)``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str) and ":" in type:
            if index is not None:
                raise ValueError(f"type (string) must not include an index because index was passed "
                                 f"explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type = type
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


def to_meta(raw):
    """A meta array with ``raw``'s shape and dtype (torch's ``.to('meta')``: the values are dropped)."""
    dt = raw.dtype if hasattr(raw, "dtype") else np.result_type(raw)
    return np.broadcast_to(np.zeros((), dt), np.shape(raw)).view(MetaArray)


def of_raw(x):
    """The torch.device of a raw array."""
    if isinstance(x, MetaArray):
        return META
    if backend.is_cupy_array(x):
        return device("cuda", x.device.id)
    return CPU


def as_device(d):
    if d is None or isinstance(d, device):
        return d
    return device(d)


def put(raw, d):
    """``raw`` moved to device ``d`` (no copy when it is already there)."""
    if d.type == "meta":
        return to_meta(raw)
    if d.type == "cpu" and not backend.is_cupy_array(raw):
        return raw
    return backend.transfer(raw, d._fgrad())

