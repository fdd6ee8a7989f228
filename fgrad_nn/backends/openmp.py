"""``torch.backends.openmp``: whether OpenMP is used (not by fgrad itself).

>>> torch.backends.openmp.is_available()
False
"""
from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """Whether fgrad uses OpenMP itself: no.

    >>> torch.backends.openmp.is_available()
    False
    """
    return False
