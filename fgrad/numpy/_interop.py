"""Zero-copy exchange with other array libraries through DLPack (``fnp.from_dlpack``).

fgrad's arrays are NumPy or CuPy arrays, which already export themselves (``__dlpack__``);
this is the import side, which picks the library that owns the producer's device.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..core import Tracer

if TYPE_CHECKING:
    from ..typing import Array

__all__ = ["from_dlpack"]

_CPU_DEVICES = (1, 3)  # DLPack's kDLCPU and kDLCUDAHost (pinned host memory NumPy can read)
_CUDA_DEVICES = (2, 13)  # kDLCUDA, kDLCUDAManaged


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Array:
    """An array sharing memory with ``x``: anything with ``__dlpack__`` (NumPy, CuPy, PyTorch, JAX ...).

    The result is a NumPy array for a producer in host memory and a CuPy array for one on a
    CUDA device, without a copy (writes through either side are seen by the other).
    ``device`` (``'cpu'``, ``'cuda:0'``, an ``fgrad.Device``) moves the result there, copying
    when it is elsewhere; ``copy=True`` always copies and ``copy=False`` refuses to.

    >>> a = np.arange(3.0)
    >>> b = fnp.from_dlpack(a)
    >>> a[0] = 7.0
    >>> b
    array([7., 1., 2.])
    """
    if isinstance(x, Tracer):
        raise TypeError("fgrad.numpy.from_dlpack needs a concrete array, but got a traced value (inside "
                        "fgrad.grad, vmap or jit): DLPack shares memory, which a traced value does not have")
    exporter = getattr(x, "__dlpack_device__", None)
    if exporter is None or not hasattr(x, "__dlpack__"):
        raise TypeError(f"fgrad.numpy.from_dlpack needs an object with __dlpack__ and __dlpack_device__, "
                        f"got {type(x).__module__}.{type(x).__qualname__}")
    kind = int(exporter()[0])
    if kind in _CPU_DEVICES:
        out = np.from_dlpack(x, copy=copy)
    elif kind in _CUDA_DEVICES:
        out = backend.require_cupy().from_dlpack(x)
        if copy:
            out = out.copy()
    else:
        raise BufferError(f"fgrad.numpy.from_dlpack: DLPack device type {kind} is neither host memory nor CUDA")
    if device is not None:
        target = backend.as_device(device)
        if backend.device_of(out) != target:
            if copy is False:
                raise BufferError(f"fgrad.numpy.from_dlpack: the data lives on {backend.device_of(out)}, and "
                                  f"moving it to {target} needs a copy, which copy=False forbids")
            out = backend.transfer(out, target)
    return out
