"""Probability distributions, as ``torch.distributions``: sampling (with reparameterised gradients),
log densities, entropies, moments and KL divergences, differentiable through the autograd tape.

The math runs as pure array functions (``fgrad_nn.distributions._math``) through the one bridge to the
pure face. Draws come from fgrad_nn's generator (``torch.manual_seed``), so their values differ from
torch's; their distributions match.

>>> from fgrad_nn.distributions import Categorical
>>> d = Categorical(probs=torch.tensor([0.0, 1.0]))
>>> d.sample((3,))
tensor([1, 1, 1])
"""
from __future__ import annotations

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
