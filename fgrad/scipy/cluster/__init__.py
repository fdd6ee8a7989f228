"""Clustering (``jax.scipy.cluster``'s names): ``fgrad.scipy.cluster.vq``.

>>> from fgrad.scipy.cluster.vq import vq
"""
from . import vq  # noqa: F401
