"""SciPy's API, differentiable: ``fgrad.scipy.special`` (as ``jax.scipy.special``).

>>> from fgrad.scipy.special import logsumexp, erf, gammaln
"""
from . import special  # noqa: F401
