"""One dispatch point between NumPy (device ``cpu``) and CuPy (device ``cuda:N``).

Every place that must pick an array module asks here; everything that differs
between the two libraries (scatter-add, random bits, host transfers) lives here.
CuPy is imported only when a caller asks for a GPU, so ``import fgrad`` never
needs it.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType
    from typing import Any

__all__ = ["Device", "devices", "device_of", "get_array_module"]


def _cupy() -> ModuleType | None:
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
_CUPY: Any = _UNSET  # the cupy module, None, or _UNSET before the first look


def cupy_active() -> bool:
    """True once cupy is imported: only then can a cupy array exist."""
    return "cupy" in sys.modules


def is_cupy_array(x: Any) -> bool:
    return cupy_active() and type(x).__module__.startswith("cupy")


def is_raw_array(x: Any) -> bool:
    """True for an array of either backend, or another array-API object.

    CuPy's ndarray has no ``__array_namespace__``, so that attribute alone misses it.
    """
    return isinstance(x, np.ndarray) or hasattr(x, "__array_namespace__") or is_cupy_array(x)


def get_array_module(*xs: Any) -> ModuleType:
    """``cupy`` if any of ``xs`` is a cupy array, else ``numpy``."""
    if cupy_active():
        cp = sys.modules["cupy"]
        for x in xs:
            if isinstance(x, cp.ndarray):
                return cp
    return np


class Device:
    """A place arrays live: ``Device('cpu', 0)`` or ``Device('cuda', 1)``.

    ``platform`` is ``'cpu'`` or ``'cuda'``; ``id`` numbers the devices of a platform. A Device
    equals its string form (``'cpu:0'``).

    >>> fgrad.devices()[0]
    Device(cpu:0)
    >>> fgrad.Device("cuda", 1) == "cuda:1"
    True
    """

    __slots__ = ("platform", "id")

    def __init__(self, platform: str, id: int = 0) -> None:
        self.platform = platform
        self.id = id

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = as_device(other)
        return isinstance(other, Device) and (self.platform, self.id) == (other.platform, other.id)

    def __hash__(self) -> int:
        return hash((self.platform, self.id))

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    def __repr__(self) -> str:
        return f"Device({self})"


CPU = Device("cpu", 0)


def devices(backend: str | None = None) -> list[Device]:
    """The devices fgrad can use, CPU first, then every visible CUDA device.

    ``backend``: ``'cpu'`` or ``'cuda'`` keeps that platform's devices only.

    >>> fgrad.devices("cpu")
    [Device(cpu:0)]
    """
    found = [CPU]
    cp = _cupy()
    if cp is not None:
        found += [Device("cuda", i) for i in range(cp.cuda.runtime.getDeviceCount())]
    if backend is not None:
        found = [d for d in found if d.platform == backend]
    return found


def as_device(device: str | Device | None) -> Device:
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


def device_of(x: Any) -> Device:
    """The Device an array lives on (Python scalars live on the CPU)."""
    if is_cupy_array(x):
        return Device("cuda", x.device.id)
    return CPU


def require_cupy() -> ModuleType:
    cp = _cupy()
    if cp is None:
        raise RuntimeError(
            "no CUDA device is available: install fgrad's 'gpu' extra (a cupy-cudaXXx wheel) "
            "on a machine with an NVIDIA GPU")
    return cp


def transfer(x: Any, device: str | Device | None) -> Any:
    """Copy a raw array to ``device`` (no copy when it is already there)."""
    device = as_device(device)
    if device.platform == "cpu":
        return x.get() if is_cupy_array(x) else np.asarray(x)
    cp = require_cupy()
    if device.id >= cp.cuda.runtime.getDeviceCount():
        raise ValueError(f"device {device} does not exist; visible CUDA devices: {cp.cuda.runtime.getDeviceCount()}")
    with cp.cuda.Device(device.id):
        return cp.asarray(x)


def check_same_device(args: Sequence[Any], what: str, host_moves: bool = False) -> Sequence[Any]:
    """Raise ValueError when numpy and cupy arrays (or two GPUs) meet in one call; return ``args``
    ready for the device they share.

    NumPy scalars and 0-d arrays meet any device, as Python numbers do; CuPy refuses NumPy arrays,
    even 0-d ones, so where a CuPy array is among ``args`` a 0-d array comes back as its scalar.
    ``host_moves=True``: the first argument fixes the device and the caller moves NumPy arguments
    after it there itself (as ``fgrad.random`` does with a sampler's parameters, after the key).
    """
    seen = None
    zero_d = False
    for i, a in enumerate(args):
        if host_moves and i and isinstance(a, (np.ndarray, np.generic)):
            continue
        if _host_scalar(a):
            zero_d = zero_d or isinstance(a, np.ndarray)
            continue
        if is_raw_array(a):
            d = device_of(a)
            if seen is None:
                seen = d
            elif d != seen:
                raise ValueError(
                    f"{what}: arguments are on different devices ({seen} and {d}); "
                    "move them to one device with fgrad.device_put first")
    if zero_d and seen is not None and seen.platform == "cuda":
        return tuple(a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args)
    return args


def _host_scalar(a: Any) -> bool:
    # A NumPy scalar or 0-d array meets any device, as a Python number does (CuPy takes it as a scalar).
    return isinstance(a, (np.ndarray, np.generic)) and np.ndim(a) == 0


def scatter_add(target: Any, index: Any, values: Any) -> None:
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


def to_module(value: Any, xp: ModuleType) -> Any:
    """``value`` ready to meet ``xp``'s arrays: a NumPy array becomes a device array when ``xp`` is
    CuPy (an explicit host-to-device copy: CuPy refuses NumPy operands); anything else is unchanged.

    >>> from fgrad import backend
    >>> backend.to_module(np.arange(2), np) is not None
    True
    """
    if xp is not np and isinstance(value, np.ndarray):
        return xp.asarray(value) if value.ndim else value[()]  # a 0-d one as the NumPy scalar CuPy takes
    return value


def to_host(x: Any) -> np.ndarray:
    """A NumPy array with the values of ``x`` (an explicit, visible transfer)."""
    return x.get() if is_cupy_array(x) else np.asarray(x)


def is_floating(dtype: np.dtype) -> bool:
    """Whether a NumPy dtype is a real floating type, ml_dtypes' ``bfloat16`` included.

    NumPy files ``bfloat16`` under kind ``'V'``, so ``dtype.kind == 'f'`` alone misses it.

    >>> is_floating(np.dtype(np.float16)), is_floating(np.dtype(np.int8)), is_floating(bfloat16())
    (True, False, True)
    """
    return dtype.kind == "f" or is_bfloat16(dtype)


def is_inexact(dtype: np.dtype) -> bool:
    """Whether a NumPy dtype is floating or complex (what can carry a derivative), ``bfloat16`` included.

    >>> is_inexact(np.dtype(np.complex64)), is_inexact(np.dtype(np.bool_)), is_inexact(bfloat16())
    (True, False, True)
    """
    return dtype.kind in "fc" or is_bfloat16(dtype)


def is_bfloat16(dtype: np.dtype) -> bool:
    """Whether a NumPy dtype is ml_dtypes' ``bfloat16`` (without importing ml_dtypes).

    >>> is_bfloat16(np.dtype(np.float16)), is_bfloat16(bfloat16())
    (False, True)
    """
    return dtype.kind == "V" and dtype.name == "bfloat16"


def bfloat16() -> np.dtype:
    """ml_dtypes' ``bfloat16`` as a NumPy dtype; ml_dtypes is imported on the first call.

    Imported lazily because it costs several times ``import numpy``, and only bfloat16 needs it.

    >>> bfloat16().itemsize, np.array([1.0, 3.0], bfloat16()).tolist()
    (2, [1.0, 3.0])
    """
    global _BFLOAT16
    if _BFLOAT16 is None:
        try:
            import ml_dtypes
        except ImportError:
            raise ModuleNotFoundError("bfloat16 needs the ml_dtypes package (pip install ml_dtypes, or fgrad[bfloat16])") from None
        _BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
    return _BFLOAT16


_BFLOAT16: np.dtype | None = None
