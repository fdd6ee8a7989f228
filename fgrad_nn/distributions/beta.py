"""The beta distribution, as ``torch.distributions.Beta``.

>>> from fgrad_nn.distributions import Beta
>>> Beta(torch.tensor([2.0]), torch.tensor([2.0])).log_prob(torch.tensor([0.5]))
tensor([0.4055])
"""
from __future__ import annotations

from numbers import Number
from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from . import _math, constraints
from .dirichlet import Dirichlet
from .distribution import Distribution
from .utils import broadcast_all, pure
from .._ops.creation import tensor
from .._ops.shape import stack

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Beta"]



class Beta(Distribution):
    """The beta distribution on ``[0, 1]`` with concentrations ``concentration1`` (alpha) and ``concentration0``.

    >>> from fgrad_nn.distributions import Beta
    >>> d = Beta(torch.tensor([1.0]), torch.tensor([3.0]))
    >>> d.mean, d.variance
    (tensor([0.2500]), tensor([0.0375]))
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Tensor | float, concentration0: Tensor | float,
                 validate_args: bool | None = None) -> None:
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            concentration1_0 = tensor([float(concentration1), float(concentration0)])
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            concentration1_0 = stack([c1, c0], -1)
        self._dirichlet = Dirichlet(concentration1_0, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Beta:
        new = self._get_checked_instance(Beta, _instance)
        new.__dict__.update(self.__dict__)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        new._batch_shape = Size(tuple(batch_shape))
        return new

    @property
    def concentration1(self) -> Tensor:
        """The first concentration (alpha), a view of the underlying Dirichlet's."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """The second concentration (beta)."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.beta_log_prob, value, self.concentration1, self.concentration0)

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()
