"""``torch.autograd.graph``: hooks on the tensors backward saves.

fgrad's tape keeps what a backward rule needs inside the rule (its residuals), not as separate saved
tensors, so there is no point at which to call a pack hook: ``saved_tensors_hooks`` refuses clearly instead
of silently not calling the hooks. ``save_on_cpu`` (whose hooks move saved tensors to the host and back,
changing no value) and ``disable_saved_tensors_hooks`` are accepted and change nothing.

>>> with torch.autograd.graph.save_on_cpu():
...     y = (torch.ones(2, requires_grad=True) * 3).sum()
>>> y.backward()
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

_WHY = ("torch.autograd.graph.saved_tensors_hooks is not supported by fgrad_nn: backward rules keep their "
        "residuals inside the rule, so there are no saved tensors to pack and unpack.")


class saved_tensors_hooks:
    """``saved_tensors_hooks(pack_hook, unpack_hook)``: not supported (see the module); entering raises
    NotImplementedError.

    >>> with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
    ...     pass
    Traceback (most recent call last):
    NotImplementedError: torch.autograd.graph.saved_tensors_hooks is not supported by fgrad_nn: ...
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        raise NotImplementedError(_WHY)

    def __exit__(self, *exc: object) -> None:
        return None


class save_on_cpu:
    """Keep the tensors backward saves on the host (torch's GPU-memory saver). The values backward uses are
    the same either way, so here it changes nothing.

    >>> with torch.autograd.graph.save_on_cpu(pin_memory=True):
    ...     pass
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = pin_memory
        self.device_type = device_type

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class disable_saved_tensors_hooks:
    """A region in which saved-tensor hooks may not be registered; with none supported, it changes nothing.

    >>> with torch.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
    ...     pass
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
