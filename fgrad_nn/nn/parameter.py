"""``torch.nn.Parameter`` and ``torch.nn.Buffer``: Tensor subclasses that Modules register.

>>> import fgrad_nn as torch
>>> p = torch.nn.Parameter(torch.zeros(2))
>>> p.requires_grad
True
"""
import numpy as np

from fgrad import backend
from fgrad.core import concrete

from .._ops.creation import as_tensor, empty
from .._tensor import Tensor, _as_storage, _init, on_tape, wrap

__all__ = ["Parameter", "Buffer", "is_lazy"]


def _share(cls, data):
    """A new ``cls`` instance over ``data``'s storage and version counter (no graph)."""
    if data is None:
        data = empty(0)
    elif not isinstance(data, Tensor):
        data = as_tensor(data)
    d = data._data
    if on_tape(d):
        d = d._value
    self = object.__new__(cls)
    _init(self, _as_storage(d), version=data._version)
    return self


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute.

    It shares ``data``'s storage and requires grad by default.
    """

    def __new__(cls, data=None, requires_grad=True):
        self = _share(cls, data)
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass  # everything is done in __new__ (Tensor.__init__ would rebuild the storage)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (np.asarray(backend.to_host(concrete(self._data))), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(wrap(concrete(self._data).copy()), self.requires_grad)
        if self._grad is not None:
            p._grad = self._grad.clone()
        memo[id(self)] = p
        return p


def _rebuild_parameter(arr, requires_grad):
    return Parameter(wrap(arr), requires_grad)


class Buffer(Tensor):
    """``torch.nn.Buffer``: marks a Tensor assigned to a Module attribute as a buffer.

    The Module registers a plain Tensor over the same storage (``persistent`` decides
    whether it goes into ``state_dict``).
    """

    def __new__(cls, data=None, *, persistent=True):
        self = _share(cls, data)
        self.persistent = persistent
        if isinstance(data, Tensor) and data.requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, *, persistent=True):
        pass


def is_lazy(param):
    return False
