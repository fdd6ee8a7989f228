"""Grad mode: torch's ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator. While grad mode is off, facade ops
unbox their tape tracers first, so nothing is recorded.
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _State:
    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled():
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _Mode:
    """Base: set grad mode on enter, restore on exit; calling it decorates a function."""

    _mode = True

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._mode
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev
        return False

    def __call__(self, fn):
        mode = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """``with torch.no_grad():`` -- results do not require grad.

    >>> with torch.no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """
    _mode = False

    def __init__(self, orig_func=None):
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):  # @torch.no_grad without parentheses (old style)
            self.__init__()
            return self(orig_func)
        return self


class enable_grad(no_grad):
    _mode = True


class set_grad_enabled(_Mode):
    """Sets grad mode immediately (torch does), and restores it when used with ``with``."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        # as a decorator it must not leave grad mode changed (torch restores it here too)
        STATE.enabled, STATE.inference = self._prev
        return super().__call__(fn)

    def clone(self):
        return _Mode.__new__(_SetMode)._init(self._mode)


class _SetMode(_Mode):
    def _init(self, mode):
        self._mode = mode
        return self


class inference_mode(_Mode):
    """Like ``no_grad`` (inference tensors are ordinary tensors here)."""

    def __init__(self, mode=True):
        self._mode = not mode
        self._inf = bool(mode)

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self.__init__()
            return self(mode)
        return self

    def __enter__(self):
        super().__enter__()
        STATE.inference = self._inf
        return self

    def clone(self):
        return type(self)(self._inf)
