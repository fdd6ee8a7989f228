"""The gamma distribution, as ``torch.distributions.Gamma``.

>>> from fgrad_nn.distributions import Gamma
>>> Gamma(torch.tensor([2.0]), torch.tensor([1.0])).log_prob(torch.tensor([1.0]))
tensor([-1.])
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

__all__ = ["Gamma"]


def standard_gamma_rsample(concentration: Tensor) -> Tensor:
    """Standard gamma draws (one per element) whose gradient in ``concentration`` is the implicit
    reparameterisation gradient ``-(dF/da) / p`` (``F`` the CDF), as torch's ``_standard_gamma``."""
    return pure(_math.standard_gamma_implicit, _draw.standard_gamma(concentration), concentration)


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` and inverse scale ``rate``.

    ``rsample`` is differentiable in both parameters (implicit reparameterisation for the concentration).

    >>> from fgrad_nn.distributions import Gamma
    >>> d = Gamma(torch.tensor([3.0]), torch.tensor([2.0]))
    >>> d.mean, d.variance
    (tensor([1.5000]), tensor([0.7500]))
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration: Tensor | float, rate: Tensor | float,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, Number) and isinstance(rate, Number)
        super().__init__(Size() if scalar else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Gamma:
        return self._expand_params(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return standard_gamma_rsample(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.gamma_log_prob, value, self.concentration, self.rate)

    def entropy(self) -> Tensor:
        return pure(_math.gamma_entropy, self.concentration, self.rate)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.gamma_cdf, value, self.concentration, self.rate)
