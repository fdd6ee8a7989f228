"""The normal distribution, as ``torch.distributions.Normal``.

>>> from fgrad_nn.distributions import Normal
>>> Normal(torch.tensor([0.0]), torch.tensor([1.0])).log_prob(torch.tensor([0.0]))
tensor([-0.9189])
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

__all__ = ["Normal"]


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale``.

    >>> from fgrad_nn.distributions import Normal
    >>> d = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    >>> d.sample((3,)).shape, d.entropy()
    (torch.Size([3, 2]), tensor([1.4189, 2.1121]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Normal:
        return self._expand_params(Normal, batch_shape, _instance, ("loc", "scale"))

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _draw.standard_normal(shape, self.loc)
        return self.loc.expand(shape) + eps * self.scale.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.normal_log_prob, value, self.loc, self.scale)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.normal_cdf, value, self.loc, self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        return pure(_math.normal_icdf, value, self.loc, self.scale)

    def entropy(self) -> Tensor:
        return pure(_math.normal_entropy, self.scale)
