"""Vector quantization (``jax.scipy.cluster.vq``'s names): ``vq``.

>>> from fgrad.scipy.cluster.vq import vq
>>> codes, dists = vq(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [3.0, 3.0]]))
>>> codes.tolist(), dists.tolist()
([0, 1], [1.0, 1.0])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ... import numpy as fnp

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

__all__ = ["vq"]


def vq(obs: ArrayLike, code_book: ArrayLike, check_finite: bool = True) -> tuple[Array, Array]:
    """The nearest code of each observation: its index in ``code_book`` (the first one on a tie) and
    its Euclidean distance (``scipy.cluster.vq.vq``), differentiable in both arrays.

    ``obs``: ``(M, N)`` (or ``(M,)``: one feature); ``code_book``: ``(K, N)`` (or ``(K,)``);
    ``check_finite`` is accepted for SciPy's signature and ignored, as in JAX.

    >>> from fgrad.scipy.cluster.vq import vq
    >>> codes, dists = vq(np.array([0.0, 2.0, 5.0]), np.array([1.0, 4.0]))
    >>> codes.tolist(), dists.tolist()
    ([0, 0, 1], [1.0, 1.0, 1.0])
    """
    obs, code_book = fnp.asarray(obs), fnp.asarray(code_book)
    if fnp.ndim(obs) != fnp.ndim(code_book):
        raise ValueError("Observation and code_book should have the same rank")
    if fnp.ndim(obs) not in (1, 2):
        raise ValueError("ndim different than 1 or 2 are not supported")
    if fnp.ndim(obs) == 1:
        obs, code_book = obs[:, None], code_book[:, None]
    if fnp.shape(obs)[1] != fnp.shape(code_book)[1]:
        raise TypeError(f"vq: obs has {fnp.shape(obs)[1]} features but code_book has {fnp.shape(code_book)[1]}")
    dtype = fnp.result_type(obs, code_book)
    if dtype.kind in "biu":
        obs, code_book = fnp.asarray(obs, np.float64), fnp.asarray(code_book, np.float64)
    dist = fnp.sqrt(fnp.sum((obs[:, None, :] - code_book[None, :, :]) ** 2, axis=-1))
    codes = fnp.argmin(dist, axis=1)
    return codes, fnp.take_along_axis(dist, codes[:, None], axis=1)[:, 0]
