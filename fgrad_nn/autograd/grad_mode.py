"""Grad mode: torch's ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator. While grad mode is off, facade ops
unbox their tape tracers first, so nothing is recorded.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for autograd now.

    >>> torch.is_grad_enabled()
    True
    >>> with torch.no_grad():
    ...     print(torch.is_grad_enabled())
    False
    """
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode`` block is running.

    >>> with torch.inference_mode():
    ...     print(torch.is_inference_mode_enabled())
    True
    >>> torch.is_inference_mode_enabled()
    False
    """
    return STATE.inference


class _Mode:
    """Base: set grad mode on enter, restore on exit; calling it decorates a function."""

    _mode = True

    def __enter__(self) -> _Mode:
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._mode
        return self

    def __exit__(self, *exc: Any) -> None:
        STATE.enabled, STATE.inference = self._prev

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self) -> _Mode:
        return type(self)()


class no_grad(_Mode):
    """Turn autograd off: inside ``with torch.no_grad():`` (or a function it decorates) nothing is recorded.

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @torch.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(x).requires_grad
    False
    """
    _mode = False

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        self._orig = orig_func

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if callable(orig_func):  # @torch.no_grad without parentheses (old style)
            cls.__init__(self)
            return self(orig_func)
        return self


class enable_grad(no_grad):
    """Turn autograd back on inside a ``no_grad`` block (or for a function it decorates).

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.no_grad():
    ...     with torch.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """
    _mode = True


class set_grad_enabled(_Mode):
    """Turn autograd on or off: at once when called, and back as it was after a ``with`` block.

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.set_grad_enabled(False):
    ...     y = x * 2
    >>> y.requires_grad, (x * 2).requires_grad
    (False, True)
    >>> _ = torch.set_grad_enabled(False)
    >>> (x * 2).requires_grad
    False
    >>> _ = torch.set_grad_enabled(True)
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._mode

    def __enter__(self) -> set_grad_enabled:
        return self

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        # as a decorator it must not leave grad mode changed (torch restores it here too)
        STATE.enabled, STATE.inference = self._prev
        return super().__call__(fn)

    def clone(self) -> _Mode:
        return _Mode.__new__(_SetMode)._init(self._mode)


class _SetMode(_Mode):
    def _init(self, mode: bool) -> _SetMode:
        self._mode = mode
        return self


class inference_mode(_Mode):
    """Like ``no_grad``, for inference (fgrad_nn has no separate inference tensors: they are ordinary ones).

    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> with torch.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode
        self._inf = bool(mode)

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):
            cls.__init__(self)
            return self(mode)
        return self

    def __enter__(self) -> inference_mode:
        super().__enter__()
        STATE.inference = self._inf
        return self

    def clone(self) -> inference_mode:
        return type(self)(self._inf)
