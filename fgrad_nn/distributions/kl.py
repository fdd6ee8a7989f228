"""KL divergences between distributions, as ``torch.distributions.kl``.

``kl_divergence(p, q)`` dispatches on the types of ``p`` and ``q`` to the most specific registered
function; ``register_kl`` adds one.

>>> from fgrad_nn.distributions import Normal, kl_divergence
>>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
tensor(0.5000)
"""
from __future__ import annotations

import warnings
from functools import total_ordering
from typing import TYPE_CHECKING, Any, Callable

from . import _math
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform
from .utils import pure, sum_rightmost
from .._ops.creation import full_like

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["kl_divergence", "register_kl"]

_KLFn = Callable[[Any, Any], Any]
_KL_REGISTRY: dict[tuple[type, type], _KLFn] = {}
_KL_MEMOIZE: dict[tuple[type, type], Any] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[_KLFn], _KLFn]:
    """A decorator that registers ``fn(p, q)`` as the KL divergence for ``p`` of ``type_p`` and ``q`` of ``type_q``.

    >>> from fgrad_nn.distributions import Distribution, kl_divergence, register_kl
    >>> class Point(Distribution):
    ...     arg_constraints = {}
    >>> @register_kl(Point, Point)
    ... def _kl_point_point(p, q):
    ...     return torch.tensor(0.0)
    >>> kl_divergence(Point(), Point())
    tensor(0.)
    """
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun: _KLFn) -> _KLFn:
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


@total_ordering
class _Match:
    """A registered pair, ordered by specificity: left-to-right, a subclass comes before its bases."""

    def __init__(self, *types: type) -> None:
        self.types = types

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Match) and self.types == other.types

    def __le__(self, other: _Match) -> bool:
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p: type, type_q: type) -> Any:
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun, right_fun = _KL_REGISTRY[left_p, left_q], _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
                      f"Please register_kl({left_p.__name__}, {right_q.__name__})", RuntimeWarning, stacklevel=2)
    return left_fun


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q)``, of shape ``batch_shape``; NotImplementedError for a pair with no registered function.

    >>> from fgrad_nn.distributions import Categorical, kl_divergence
    >>> p = Categorical(probs=torch.tensor([0.5, 0.5]))
    >>> kl_divergence(p, Categorical(probs=torch.tensor([0.25, 0.75])))
    tensor(0.1438)
    """
    key = (type(p), type(q))
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch_kl(*key)
    fun = _KL_MEMOIZE[key]
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                                  f"{type(q).__name__}")
    return fun(p, q)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    return pure(_math.kl_bernoulli_bernoulli, p.probs, p.logits, q.probs, q.logits)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    return pure(_math.kl_beta_beta, p.concentration1, p.concentration0, q.concentration1, q.concentration0)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    return pure(_math.kl_categorical_categorical, p.probs, p.logits, q.probs, q.logits)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    return pure(_math.kl_dirichlet_dirichlet, p.concentration, q.concentration)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    return pure(_math.kl_exponential_exponential, p.rate, q.rate)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    return pure(_math.kl_gamma_gamma, p.concentration, p.rate, q.concentration, q.rate)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    return pure(_math.kl_laplace_laplace, p.loc, p.scale, q.loc, q.scale)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    return pure(_math.kl_mvn_mvn, p.loc, p._unbroadcasted_scale_tril, q.loc, q._unbroadcasted_scale_tril)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    return pure(_math.kl_normal_normal, p.loc, p.scale, q.loc, q.scale)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    return pure(_math.kl_uniform_uniform, p.low, p.high, q.low, q.high)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


# ---- pairs of different families
def _infinite_like(t: Tensor) -> Tensor:
    return full_like(t.detach(), float("inf"))


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> Tensor:
    return pure(_math.kl_beta_exponential, -p.entropy(), p.concentration1, p.concentration0, q.rate)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> Tensor:
    return pure(_math.kl_beta_gamma, -p.entropy(), p.concentration1, p.concentration0, q.concentration, q.rate)


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> Tensor:
    return pure(_math.kl_beta_normal, -p.entropy(), p.concentration1, p.concentration0, q.loc, q.scale)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> Tensor:
    return pure(_math.kl_beta_uniform, -p.entropy(), q.low, q.high)


@register_kl(Exponential, Beta)
@register_kl(Exponential, Uniform)
def _kl_exponential_infinity(p: Exponential, q: Distribution) -> Tensor:
    return _infinite_like(p.rate)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> Tensor:
    return pure(_math.kl_exponential_gamma, p.rate, q.concentration, q.rate)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> Tensor:
    return pure(_math.kl_exponential_normal, p.rate, q.loc, q.scale)


@register_kl(Gamma, Beta)
@register_kl(Gamma, Uniform)
def _kl_gamma_infinity(p: Gamma, q: Distribution) -> Tensor:
    return _infinite_like(p.concentration)


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p: Gamma, q: Exponential) -> Tensor:
    return pure(_math.kl_gamma_exponential, -p.entropy(), p.concentration, p.rate, q.rate)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Tensor:
    return pure(_math.kl_gamma_normal, p.concentration, p.rate, q.loc, q.scale)


@register_kl(Laplace, Beta)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Uniform)
def _kl_laplace_infinity(p: Laplace, q: Distribution) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p: Laplace, q: Normal) -> Tensor:
    return pure(_math.kl_laplace_normal, p.loc, p.scale, q.loc, q.scale)


@register_kl(Normal, Beta)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Uniform)
def _kl_normal_infinity(p: Normal, q: Distribution) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Tensor:
    return pure(_math.kl_normal_laplace, p.loc, p.scale, q.loc, q.scale)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> Tensor:
    return pure(_math.kl_uniform_beta, p.low, p.high, q.concentration1, q.concentration0)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> Tensor:
    return pure(_math.kl_uniform_exponential, p.low, p.high, q.rate)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> Tensor:
    return pure(_math.kl_uniform_gamma, p.low, p.high, q.concentration, q.rate)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    return pure(_math.kl_uniform_normal, p.low, p.high, q.loc, q.scale)
