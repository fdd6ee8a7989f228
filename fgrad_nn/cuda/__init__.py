"""``torch.cuda``: availability and device count from CuPy (through ``fgrad.backend``)."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from fgrad import backend

from .. import random as _random
from .._legacy import CUDA_TYPES as _TYPES

(FloatTensor, DoubleTensor, HalfTensor, ByteTensor, CharTensor, ShortTensor, IntTensor, LongTensor,
 BoolTensor) = _TYPES.values()  # torch.cuda.FloatTensor ...: isinstance checks; constructing needs a GPU

if TYPE_CHECKING:
    from .._device import device as Device

__all__ = ["is_available", "device_count", "current_device", "synchronize", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """Whether a CUDA GPU can be used (CuPy is installed and sees one).

    >>> torch.cuda.is_available() == (torch.cuda.device_count() > 0)
    True
    """
    return bool(backend.devices("cuda"))


def device_count() -> int:
    """The number of CUDA GPUs CuPy sees (0 without CuPy).

    >>> torch.cuda.device_count() >= 0
    True
    """
    return len(backend.devices("cuda"))


def current_device() -> int:
    """The index of the current CUDA device; a RuntimeError without one.

    >>> torch.cuda.current_device() if torch.cuda.is_available() else 0
    0
    """
    _require_gpu()
    return int(backend.require_cupy().cuda.Device().id)


def synchronize(device: Device | str | int | None = None) -> None:
    """Wait for the GPU's queued work to finish; a RuntimeError without a GPU.

    >>> if torch.cuda.is_available():
    ...     torch.cuda.synchronize()
    """
    _require_gpu()
    if backend.cupy_active():
        backend.require_cupy().cuda.Device().synchronize()


def _require_gpu() -> None:
    if not is_available():
        raise RuntimeError("No CUDA GPUs are available")


def manual_seed(seed: int) -> None:
    """Seed the random numbers of CUDA tensors.

    fgrad_nn draws them on the host, so this seeds the global generator (``torch.manual_seed``); in torch
    each GPU has its own. ``manual_seed_all`` is an alias.

    >>> torch.cuda.manual_seed(3)
    """
    _random.manual_seed(seed)


manual_seed_all = manual_seed


def __getattr__(name: str) -> object:
    if name == "amp":  # torch.cuda.amp, loaded on first use
        return importlib.import_module(".amp", __name__)
    raise AttributeError(f"module 'fgrad_nn.cuda' has no attribute {name!r}")
