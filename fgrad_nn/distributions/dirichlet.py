"""The Dirichlet distribution on the simplex, as ``torch.distributions.Dirichlet``.

>>> from fgrad_nn.distributions import Dirichlet
>>> Dirichlet(torch.tensor([1.0, 1.0, 1.0])).log_prob(torch.tensor([0.2, 0.3, 0.5]))
tensor(0.6931)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from ..nn import functional as F
from . import _math, constraints
from .distribution import Distribution
from .utils import all_true, pure
from .gamma import standard_gamma_rsample

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """The Dirichlet distribution with concentrations ``concentration`` (last dim: the categories).

    ``rsample`` normalises reparameterised gamma draws, so gradients reach the concentration.

    >>> from fgrad_nn.distributions import Dirichlet
    >>> d = Dirichlet(torch.tensor([1.0, 3.0]))
    >>> d.mean, d.batch_shape, d.event_shape
    (tensor([0.2500, 0.7500]), torch.Size([]), torch.Size([2]))
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Dirichlet:
        return self._expand_params(Dirichlet, batch_shape, _instance, ("concentration",))

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        gammas = standard_gamma_rsample(self.concentration.expand(shape))
        return pure(_math.dirichlet_from_gammas, gammas)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.dirichlet_log_prob, value, self.concentration)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        concm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concm1 / concm1.sum(-1, True)
        below_one = all_true(self.concentration < 1, -1).unsqueeze(-1)  # then the mode is a corner
        corner = F.one_hot(mode.argmax(-1), self.concentration.shape[-1]).to(mode.dtype)
        return mode.where(~below_one, corner)

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        return pure(_math.dirichlet_entropy, self.concentration)
