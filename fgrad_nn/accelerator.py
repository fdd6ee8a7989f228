"""``torch.accelerator``: the current accelerator, which for fgrad is CUDA through CuPy (or none).

The answers come from the devices fgrad can use (``fgrad.devices('cuda')``): without a GPU there is
no accelerator, and the calls that need one raise torch's RuntimeError.

>>> torch.accelerator.is_available() == (torch.accelerator.device_count() > 0)
True
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Union

from fgrad import backend

from ._device import device

if TYPE_CHECKING:
    DeviceLike = Union[device, str, int, None]

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "synchronize", "current_device_idx", "set_device_idx", "device_index"]

_NONE = "Cannot access accelerator device when none is available."


def device_count() -> int:
    """The number of accelerator devices (CUDA GPUs that CuPy sees; 0 without one).

    >>> torch.accelerator.device_count() == torch.cuda.device_count()
    True
    """
    return len(backend.devices("cuda"))


def is_available() -> bool:
    """Whether an accelerator can be used.

    >>> torch.accelerator.is_available() == torch.cuda.is_available()
    True
    """
    return device_count() > 0


def current_accelerator(check_available: bool = False) -> device | None:
    """The accelerator's device type (``device(type='cuda')``), or None without one.

    >>> acc = torch.accelerator.current_accelerator()
    >>> acc is None or acc.type == 'cuda'
    True
    """
    return device("cuda") if is_available() else None


def _require() -> None:
    if not is_available():
        raise RuntimeError(_NONE)


def _index(d: DeviceLike) -> int:
    if d is None:
        return current_device_index()
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    d = device(d)
    if d.type != "cuda":
        raise ValueError(f"{d.type} doesn't match the current accelerator cuda.")
    return current_device_index() if d.index is None else d.index


def current_device_index() -> int:
    """The index of the current accelerator device; a RuntimeError without one.

    >>> torch.accelerator.current_device_index() if torch.accelerator.is_available() else 0
    0
    """
    _require()
    return int(backend.require_cupy().cuda.Device().id)


def set_device_index(device: DeviceLike, /) -> None:
    """Make ``device`` (an index, ``'cuda:1'`` or a ``torch.device``) the current accelerator device.

    >>> if torch.accelerator.is_available():
    ...     torch.accelerator.set_device_index(0)
    """
    _require()
    i = _index(device)
    if not 0 <= i < device_count():
        raise RuntimeError(f"Invalid device index {i}: there are {device_count()} devices")
    backend.require_cupy().cuda.Device(i).use()


def synchronize(device: DeviceLike = None, /) -> None:
    """Wait for the queued work of ``device`` (the current one by default) to finish.

    >>> if torch.accelerator.is_available():
    ...     torch.accelerator.synchronize()
    """
    _require()
    backend.require_cupy().cuda.Device(_index(device)).synchronize()


class device_index:
    """A context manager that makes ``device`` (an index; None does nothing) current for its block.

    >>> with torch.accelerator.device_index(None):
    ...     pass
    """

    def __init__(self, device: int | None, /) -> None:
        self.idx = device
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc: object) -> None:
        if self.idx is not None:
            set_device_index(self.prev_idx)


current_device_idx = current_device_index
set_device_idx = set_device_index
