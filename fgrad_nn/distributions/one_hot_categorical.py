"""The one-hot categorical distribution, as ``torch.distributions.OneHotCategorical``.

>>> from fgrad_nn.distributions import OneHotCategorical
>>> OneHotCategorical(probs=torch.tensor([0.25, 0.75])).log_prob(torch.tensor([0.0, 1.0]))
tensor(-0.2877)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from ..nn import functional as F
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .._ops.creation import eye

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["OneHotCategorical"]


def _one_hot(index: Tensor, n: int, like: Tensor) -> Tensor:
    return F.one_hot(index, n).to(like.dtype)


class OneHotCategorical(Distribution):
    """A categorical distribution whose draws are one-hot vectors (event shape: the number of categories).

    >>> from fgrad_nn.distributions import OneHotCategorical
    >>> d = OneHotCategorical(logits=torch.tensor([0.0, 5.0, 0.0]))
    >>> d.mode, d.sample((2,)).shape
    (tensor([0., 1., 0.]), torch.Size([2, 3]))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        param = self._categorical._param
        super().__init__(self._categorical.batch_shape, param.size()[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> OneHotCategorical:
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new.__dict__.update(self.__dict__)
        new._categorical = self._categorical.expand(batch_shape)
        new._batch_shape = Size(tuple(batch_shape))
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        """The probabilities of the categories."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities of the categories."""
        return self._categorical.logits

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return _one_hot(probs.argmax(-1), probs.shape[-1], probs)

    @property
    def variance(self) -> Tensor:
        return self._categorical.probs * (1 - self._categorical.probs)

    @property
    def param_shape(self) -> Size:
        """The shape of ``probs``/``logits``."""
        return self._categorical.param_shape

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return _one_hot(indices, self._categorical._num_events, probs)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self.event_shape[0]
        values = eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        return values.expand((n,) + tuple(self.batch_shape) + (n,)) if expand else values
