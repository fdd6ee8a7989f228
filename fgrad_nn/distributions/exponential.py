"""The exponential distribution, as ``torch.distributions.Exponential``.

>>> from fgrad_nn.distributions import Exponential
>>> Exponential(torch.tensor([2.0])).mean
tensor([0.5000])
"""
from __future__ import annotations

from numbers import Number
from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from . import _draw, _math, constraints
from .distribution import Distribution
from .utils import broadcast_all, pure

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Exponential"]


class Exponential(Distribution):
    """The exponential distribution with rate ``rate`` (density ``rate * exp(-rate * x)`` on ``x >= 0``).

    >>> from fgrad_nn.distributions import Exponential
    >>> Exponential(torch.tensor([1.0])).log_prob(torch.tensor([2.0]))
    tensor([-2.])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Exponential:
        return self._expand_params(Exponential, batch_shape, _instance, ("rate",))

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return self.rate.detach().mul(0)  # torch: zeros_like(rate), no gradient

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return _draw.standard_exponential(shape, self.rate) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.exponential_log_prob, value, self.rate)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.exponential_cdf, value, self.rate)

    def icdf(self, value: Tensor) -> Tensor:
        return pure(_math.exponential_icdf, value, self.rate)

    def entropy(self) -> Tensor:
        return pure(_math.exponential_entropy, self.rate)
