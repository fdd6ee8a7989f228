"""The uniform distribution on ``[low, high)``, as ``torch.distributions.Uniform``.

>>> from fgrad_nn.distributions import Uniform
>>> Uniform(torch.tensor([0.0]), torch.tensor([4.0])).log_prob(torch.tensor([1.0]))
tensor([-1.3863])
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

__all__ = ["Uniform"]


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``; ``log_prob`` is ``-inf`` outside (without validation).

    >>> from fgrad_nn.distributions import Uniform
    >>> d = Uniform(torch.tensor([0.0]), torch.tensor([2.0]))
    >>> d.mean, d.cdf(torch.tensor([0.5]))
    (tensor([1.]), tensor([0.2500]))
    """

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    has_rsample = True

    def __init__(self, low: Tensor | float, high: Tensor | float, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        batch_shape = Size() if isinstance(low, Number) and isinstance(high, Number) else self.low.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Uniform:
        return self._expand_params(Uniform, batch_shape, _instance, ("low", "high"))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return float("nan") * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        rand = _draw.uniform(shape, self.low)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.uniform_log_prob, value, self.low, self.high)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.uniform_cdf, value, self.low, self.high)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return pure(_math.uniform_entropy, self.low, self.high)
