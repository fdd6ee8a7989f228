"""The multivariate normal distribution, as ``torch.distributions.MultivariateNormal``.

>>> from fgrad_nn.distributions import MultivariateNormal
>>> d = MultivariateNormal(torch.zeros(2), covariance_matrix=torch.eye(2))
>>> d.log_prob(torch.zeros(2))
tensor(-1.8379)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._tensor import Size, Tensor
from . import _draw, _math, constraints
from .distribution import Distribution
from .utils import lazy_property, pure
from .. import linalg as _linalg

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["MultivariateNormal"]



class MultivariateNormal(Distribution):
    """The normal distribution on vectors with mean ``loc`` and one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril`` (a lower Cholesky factor of the covariance).

    >>> from fgrad_nn.distributions import MultivariateNormal
    >>> d = MultivariateNormal(torch.zeros(3, 2), scale_tril=2 * torch.eye(2))
    >>> d.batch_shape, d.event_shape, d.variance[0]
    (torch.Size([3]), torch.Size([2]), tensor([4., 4.]))
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None, precision_matrix: Tensor | None = None,
                 scale_tril: Tensor | None = None, validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = next(m for m in (scale_tril, covariance_matrix, precision_matrix) if m is not None)
        name = ("scale_tril" if scale_tril is not None else
                "covariance_matrix" if covariance_matrix is not None else "precision_matrix")
        if matrix.dim() < 2:
            what = "scale_tril matrix" if scale_tril is not None else name.replace("_", " ")
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = Size(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = _linalg.cholesky(covariance_matrix)
        else:
            assert precision_matrix is not None
            self._unbroadcasted_scale_tril = pure(_math.precision_to_scale_tril, precision_matrix)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> MultivariateNormal:
        return self._expand_params(MultivariateNormal, batch_shape, _instance,
                                   ("loc", "covariance_matrix", "precision_matrix", "scale_tril"))

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance, expanded to the batch shape."""
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance, ``L @ L.mT``."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse covariance."""
        return pure(_math.scale_tril_to_precision, self._unbroadcasted_scale_tril).expand(
            self._batch_shape + self._event_shape + self._event_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _draw.standard_normal(shape, self.loc)
        return pure(_math.mvn_rsample, eps, self.loc, self._unbroadcasted_scale_tril)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.mvn_log_prob, value, self.loc, self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        return pure(_math.mvn_entropy, self._unbroadcasted_scale_tril).expand(self._batch_shape)
