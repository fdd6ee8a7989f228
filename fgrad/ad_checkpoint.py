"""JAX's ``jax.ad_checkpoint`` module: ``checkpoint_policies``, the policies ``fgrad.checkpoint`` takes.

(JAX 0.10 removed ``jax.ad_checkpoint.checkpoint``; the function is ``fgrad.checkpoint``, alias ``fgrad.remat``.)

>>> from fgrad.ad_checkpoint import checkpoint_policies
>>> fgrad.checkpoint(f, policy=checkpoint_policies.dots_saveable)
"""
from .staging.remat import checkpoint_policies

__all__ = ["checkpoint_policies"]
