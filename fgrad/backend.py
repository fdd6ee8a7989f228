"""One dispatch point between NumPy (device ``cpu``) and CuPy (device ``cuda:N``).

Every place that must pick an array module asks here; everything that differs
between the two libraries (scatter-add, random bits, host transfers) lives here.
CuPy is imported only when a caller asks for a GPU, so ``import fgrad`` never
needs it.
"""
import sys

import numpy as np

__all__ = ["Device", "devices", "device_of", "get_array_module"]


def _cupy():
    """The cupy module if it is importable, else None (cached)."""
    global _CUPY
    if _CUPY is _UNSET:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _CUPY = cupy
        except Exception:  # not installed, or installed without a usable driver
            _CUPY = None
    return _CUPY


_UNSET = object()
_CUPY = _UNSET


def cupy_active():
    """True once cupy is imported: only then can a cupy array exist."""
    return "cupy" in sys.modules


def is_cupy_array(x):
    return cupy_active() and type(x).__module__.startswith("cupy")


def get_array_module(*xs):
    """``cupy`` if any of ``xs`` is a cupy array, else ``numpy``."""
    if cupy_active():
        cp = sys.modules["cupy"]
        for x in xs:
            if isinstance(x, cp.ndarray):
                return cp
    return np


class Device:
    """A place arrays live: ``Device('cpu', 0)`` or ``Device('cuda', 1)``.

    >>> fgrad.devices()[0]
    Device(cpu:0)
    """

    __slots__ = ("platform", "id")

    def __init__(self, platform, id=0):
        self.platform = platform
        self.id = id

    def __eq__(self, other):
        if isinstance(other, str):
            other = as_device(other)
        return isinstance(other, Device) and (self.platform, self.id) == (other.platform, other.id)

    def __hash__(self):
        return hash((self.platform, self.id))

    def __str__(self):
        return f"{self.platform}:{self.id}"

    def __repr__(self):
        return f"Device({self})"


CPU = Device("cpu", 0)


def devices(backend=None):
    """The devices fgrad can use, CPU first, then every visible CUDA device."""
    found = [CPU]
    cp = _cupy()
    if cp is not None:
        found += [Device("cuda", i) for i in range(cp.cuda.runtime.getDeviceCount())]
    if backend is not None:
        found = [d for d in found if d.platform == backend]
    return found


def as_device(device):
    """Parse ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'gpu'`` or a Device."""
    if isinstance(device, Device):
        return device
    if device is None:
        return CPU
    if not isinstance(device, str):
        raise TypeError(f"device must be a string like 'cpu' or 'cuda:0' or a Device, got {device!r}")
    name, _, index = device.partition(":")
    name = {"gpu": "cuda"}.get(name, name)
    if name not in ("cpu", "cuda") or (index and not index.isdigit()):
        raise ValueError(f"unknown device {device!r}; expected 'cpu', 'cuda' or 'cuda:N'")
    return Device(name, int(index) if index else 0)


def device_of(x):
    """The Device an array lives on (Python scalars live on the CPU)."""
    if is_cupy_array(x):
        return Device("cuda", x.device.id)
    return CPU


def require_cupy():
    cp = _cupy()
    if cp is None:
        raise RuntimeError(
            "no CUDA device is available: install fgrad's 'gpu' extra (a cupy-cudaXXx wheel) "
            "on a machine with an NVIDIA GPU")
    return cp


def transfer(x, device):
    """Copy a raw array to ``device`` (no copy when it is already there)."""
    device = as_device(device)
    if device.platform == "cpu":
        return x.get() if is_cupy_array(x) else np.asarray(x)
    cp = require_cupy()
    if device.id >= cp.cuda.runtime.getDeviceCount():
        raise ValueError(f"device {device} does not exist; visible CUDA devices: {cp.cuda.runtime.getDeviceCount()}")
    with cp.cuda.Device(device.id):
        return cp.asarray(x)


def check_same_device(args, what):
    """Raise ValueError when numpy and cupy arrays (or two GPUs) meet in one call."""
    seen = None
    for a in args:
        if hasattr(a, "__array_namespace__") or isinstance(a, np.ndarray):
            d = device_of(a)
            if seen is None:
                seen = d
            elif d != seen and np.ndim(a) + (0 if isinstance(a, np.ndarray) else 1) > 0:
                raise ValueError(
                    f"{what}: arguments are on different devices ({seen} and {d}); "
                    "move them to one device with fgrad.device_put first")


def scatter_add(target, index, values):
    """``target[index] += values`` accumulating repeated indices, in place."""
    if is_cupy_array(target):
        import cupyx
        _check_cupy_index_bounds(target, index)
        cupyx.scatter_add(target, index, values)
    else:
        np.add.at(target, index, values)


def _check_cupy_index_bounds(target, index):
    # cupyx.scatter_add wraps out-of-range indices; NumPy raises. Raise like NumPy.
    index = index if isinstance(index, tuple) else (index,)
    for axis, idx in enumerate(i for i in index if i is not None and i is not Ellipsis):
        if hasattr(idx, "dtype") and idx.dtype.kind in "iu" and idx.size:
            n = target.shape[axis]
            if int(idx.max()) >= n or int(idx.min()) < -n:
                raise IndexError(f"index out of bounds for axis {axis} with size {n}")


def to_host(x):
    """A NumPy array with the values of ``x`` (an explicit, visible transfer)."""
    return x.get() if is_cupy_array(x) else np.asarray(x)
