"""The multivariate normal distribution over the last axis of ``x``, as
``jax.scipy.stats.multivariate_normal`` (``cov`` a matrix, a vector of variances, or a scalar).

>>> from fgrad.scipy.stats import multivariate_normal
>>> print(round(float(multivariate_normal.pdf([0.0, 0.0], [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])), 6))
0.159155
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ... import numpy as fnp
from ._common import LOG_2PI, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["logpdf", "pdf"]


def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None) -> Array:
    """The log density, through a Cholesky factor of cov (differentiable in x, mean and cov).

    >>> from fgrad.scipy.stats import multivariate_normal
    >>> print(multivariate_normal.logpdf([[0.0, 0.0], [1.0, 1.0]], [0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]]))
    [-2.6891 -2.4034]
    """
    if allow_singular is not None:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular is not supported (as in JAX)")
    x, mean, cov = promote(x, mean, cov)
    if cov.ndim < 2:
        # a scalar or a vector of variances: the covariance is diagonal
        var = fnp.broadcast_to(cov, x.shape[-1:]) if x.ndim else cov
        diff = x - mean
        return -0.5 * fnp.sum(diff * diff / var + fnp.log(var) + LOG_2PI, axis=-1)
    d = cov.shape[-1]
    if x.shape[-1:] != (d,):
        raise ValueError(f"multivariate_normal.logpdf: x's last axis {x.shape} does not match cov {cov.shape}")
    chol = fnp.linalg.cholesky(cov)
    diff = x - mean
    flat = fnp.reshape(diff, (-1, d))
    y = fnp.linalg.solve(chol, fnp.transpose(flat))  # L y = (x - mean), one column per point
    maha = fnp.reshape(fnp.sum(y * y, axis=0), diff.shape[:-1])
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * (d * LOG_2PI + log_det + maha)


def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> Array:
    """The density.

    >>> from fgrad.scipy.stats import multivariate_normal
    >>> print(multivariate_normal.pdf([[0.0, 0.0], [1.0, 1.0]], [0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]]))
    [0.0679 0.0904]
    """
    return fnp.exp(logpdf(x, mean, cov))
