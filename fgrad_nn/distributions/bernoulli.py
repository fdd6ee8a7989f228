"""The Bernoulli distribution, as ``torch.distributions.Bernoulli``.

>>> from fgrad_nn.distributions import Bernoulli
>>> Bernoulli(probs=torch.tensor([0.25])).log_prob(torch.tensor([1.0]))
tensor([-1.3863])
"""
from __future__ import annotations

from numbers import Number
from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from . import _draw, _math, constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, pure
from .._ops.creation import arange

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Bernoulli"]



class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0; give one of the two.

    >>> from fgrad_nn.distributions import Bernoulli
    >>> d = Bernoulli(logits=torch.tensor([0.0, 2.0]))
    >>> d.probs, d.entropy()
    (tensor([0.5000, 0.8808]), tensor([0.6931, 0.3653]))
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(Size() if is_scalar else self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Bernoulli:
        new = self._expand_params(Bernoulli, batch_shape, _instance, ("probs", "logits"))
        new._param = new.__dict__["probs" if "probs" in self.__dict__ and self._param is self.probs else "logits"]
        return new

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds (from clamped ``probs`` when given probabilities)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of 1 (``sigmoid(logits)`` when given logits)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """The shape of ``probs``/``logits``."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mode.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        probs = self.probs.detach()
        return (_draw.uniform(shape, probs) < probs.expand(shape)).to(probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.bernoulli_log_prob, value, self.logits)

    def entropy(self) -> Tensor:
        return pure(_math.bernoulli_entropy, self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
