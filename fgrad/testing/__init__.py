"""Gradient checks for users' own functions, against central finite differences.

>>> from fgrad.testing import check_grads
>>> check_grads(fnp.tanh, (np.linspace(-1, 1, 5),), order=2)

Hypothesis strategies for property-based tests live in ``fgrad.testing.strategies``
(it needs the ``hypothesis`` package, part of the ``test`` extra).
"""
from ._check import check_grads, check_jvp, check_vjp, numerical_jvp, default_tolerance  # noqa: F401

__all__ = ["check_grads", "check_jvp", "check_vjp", "numerical_jvp", "default_tolerance"]
