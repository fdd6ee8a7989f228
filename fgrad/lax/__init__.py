"""``fgrad.lax``: JAX's structured control flow on staged programs.

``scan``, ``fori_loop``, ``while_loop``, ``map`` (``loops``) and ``cond``, ``switch``
(``conditionals``): each stages its functions once and is one primitive that every transform
(``grad``, ``jvp``, ``vmap``, ``jit``) handles through its rules.

>>> carry, ys = fgrad.lax.scan(lambda c, x: (c + x, c), 0.0, fnp.arange(3.0))
>>> print(carry, ys)
3.0 [0. 0. 1.]
"""
from .conditionals import cond, switch  # noqa: F401
from .loops import fori_loop, map, scan, while_loop  # noqa: F401

__all__ = ["scan", "fori_loop", "while_loop", "map", "cond", "switch"]
