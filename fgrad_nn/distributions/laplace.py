"""The Laplace distribution, as ``torch.distributions.Laplace``.

>>> from fgrad_nn.distributions import Laplace
>>> Laplace(0.0, 1.0).log_prob(torch.tensor(0.0))
tensor(-0.6931)
"""
from __future__ import annotations

import math
from numbers import Number
from typing import TYPE_CHECKING, Any

from .._dtypes import finfo
from .._tensor import Size, Tensor
from . import _draw, _math, constraints
from .distribution import Distribution
from .utils import broadcast_all, pure

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Laplace"]


class Laplace(Distribution):
    """The Laplace distribution with location ``loc`` and scale ``scale`` (density ``exp(-|x - loc| / scale)``).

    >>> from fgrad_nn.distributions import Laplace
    >>> d = Laplace(torch.tensor([0.0]), torch.tensor([2.0]))
    >>> d.variance, d.entropy()
    (tensor([8.]), tensor([2.3863]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Laplace:
        return self._expand_params(Laplace, batch_shape, _instance, ("loc", "scale"))

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = finfo(self.loc.dtype).eps
        u = _draw.uniform(shape, self.loc, eps - 1, 1)  # torch's open interval: log1p(-|u|) stays finite
        return pure(_math.laplace_from_uniform, u, self.loc.expand(shape), self.scale.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.laplace_log_prob, value, self.loc, self.scale)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.laplace_cdf, value, self.loc, self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        return pure(_math.laplace_icdf, value, self.loc, self.scale)

    def entropy(self) -> Tensor:
        return pure(_math.laplace_entropy, self.scale)
