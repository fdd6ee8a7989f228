"""Helpers shared by the distributions, as ``torch.distributions.utils``.

>>> from fgrad_nn.distributions.utils import broadcast_all
>>> loc, scale = broadcast_all(torch.zeros(2), 1.0)
>>> scale
tensor([1., 1.])
"""
from __future__ import annotations

from numbers import Number
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from fgrad import numpy as fnp
from fgrad.core import concrete

from .. import _dtypes
from .._tensor import Tensor
from ..nn._bridge import call_pure
from . import _math
from .._ops.compat import broadcast_tensors
from .._ops.creation import tensor

if TYPE_CHECKING:
    from ..types import DType

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits", "pure"]

_T = TypeVar("_T")


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """``values`` as Tensors of one broadcast shape; numbers take the dtype of the first Tensor (else the default).

    >>> from fgrad_nn.distributions.utils import broadcast_all
    >>> [tuple(t.shape) for t in broadcast_all(torch.zeros(2, 1), torch.zeros(3))]
    [(2, 3), (2, 3)]
    """
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        dtype: DType = like.dtype if like is not None else _dtypes.get_default_dtype()
        device = like.device if like is not None else None
        values = tuple(v if isinstance(v, Tensor) else tensor(v, dtype=dtype, device=device) for v in values)
    return tuple(broadcast_tensors(*values))


def pure(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Tensor:
    """``fn`` (a pure array function) on the Tensors in ``args``, recorded on the autograd tape.

    The floating Tensors are first cast to their common dtype by torch's rule (0-d tensors do not widen
    dimensioned ones), so results have torch's dtypes.
    """
    floats = [a for a in args if isinstance(a, Tensor) and a.is_floating_point()]
    if len(floats) > 1:
        ranked = [a for a in floats if a.dim() > 0] or floats
        dtype = ranked[0].dtype
        for a in ranked[1:]:
            dtype = _dtypes.promote_types(dtype, a.dtype)
        args = tuple(a.to(dtype) if isinstance(a, Tensor) and a.is_floating_point() and a.dtype != dtype else a
                     for a in args)
    return call_pure(fn, *args, **kwargs)


def all_true(t: Tensor, dim: int | None = None) -> Tensor:
    """``t.all(dim)`` computed by the array module of ``t`` (so on its device)."""
    return call_pure(lambda a: fnp.all(a, axis=dim), t.detach())


def all_valid(valid: Tensor) -> bool:
    """Whether every entry of the bool Tensor ``valid`` is true: under vmap, of the whole batch (validation is
    no data-dependent branch of the computation, so it reads the values under every transform)."""
    return bool(fnp.all(concrete(valid._data)))


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into ``[eps, 1 - eps]`` (``eps`` of its dtype).

    >>> from fgrad_nn.distributions.utils import clamp_probs
    >>> print(clamp_probs(torch.tensor([0.0, 1.0], dtype=torch.float64)).tolist())
    [2.220446049250313e-16, 0.9999999999999998]
    """
    return call_pure(_math.clamp_probs, probs)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-probabilities (or log-odds when ``is_binary``) of clamped ``probs``.

    >>> from fgrad_nn.distributions.utils import probs_to_logits
    >>> probs_to_logits(torch.tensor([0.5]), is_binary=True)
    tensor([0.])
    """
    return call_pure(_math.probs_to_logits, probs, is_binary=is_binary)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Softmax over the last dim (sigmoid when ``is_binary``).

    >>> from fgrad_nn.distributions.utils import logits_to_probs
    >>> logits_to_probs(torch.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """
    return call_pure(_math.logits_to_probs, logits, is_binary=is_binary)


class lazy_property(Generic[_T]):
    """A property computed on first access and then stored on the instance.

    >>> from fgrad_nn.distributions.utils import lazy_property
    >>> class A:
    ...     @lazy_property
    ...     def x(self):
    ...         print("computing")
    ...         return 1
    >>> a = A()
    >>> a.x
    computing
    1
    >>> a.x
    1
    """

    def __init__(self, wrapped: Callable[[Any], _T]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """``value`` summed over its ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)
