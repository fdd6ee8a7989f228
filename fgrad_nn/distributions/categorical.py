"""The categorical distribution over ``0 .. K - 1``, as ``torch.distributions.Categorical``.

>>> from fgrad_nn.distributions import Categorical
>>> Categorical(probs=torch.tensor([0.25, 0.75])).log_prob(torch.tensor(1))
tensor(-0.2877)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._tensor import Size, Tensor
from . import _math, constraints
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits, pure
from .. import _dtypes
from .._ops.creation import arange, full, multinomial

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Categorical"]



class Categorical(Distribution):
    """A categorical distribution given by ``probs`` (normalised over the last dim) or ``logits``, not both.

    >>> from fgrad_nn.distributions import Categorical
    >>> d = Categorical(logits=torch.zeros(2, 4))
    >>> d.sample().shape, d.entropy()
    (torch.Size([2]), tensor([1.3863, 1.3863]))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = pure(_math.normalize_probs, probs)
        else:
            assert logits is not None
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = pure(_math.normalize_logits, logits)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Categorical:
        new = self._expand_params(Categorical, batch_shape, _instance, ("probs", "logits"))
        new._param = new.__dict__["probs" if "probs" in self.__dict__ and self._param is self.probs else "logits"]
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """Normalised log-probabilities (from clamped ``probs`` when given probabilities)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """Probabilities (softmax of ``logits`` when given logits)."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        """The shape of ``probs``/``logits``."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype,
                             device=self.probs.device)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), float("nan"), dtype=self.probs.dtype,
                             device=self.probs.device)

    def sample(self, sample_shape: Sequence[int] = Size()) -> Tensor:
        sample_shape = Size(tuple(sample_shape))
        probs_2d = self.probs.detach().cpu().reshape(-1, self._num_events)  # the generator draws on the host
        samples_2d = multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape)).to(self.probs.device)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return pure(_math.categorical_log_prob, value, self.logits)

    def entropy(self) -> Tensor:
        return pure(_math.categorical_entropy, self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=_dtypes.int64, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
