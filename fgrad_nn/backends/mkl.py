"""``torch.backends.mkl``: whether Intel MKL is used (fgrad calls NumPy's BLAS, whatever it is built on).

>>> torch.backends.mkl.is_available()
False
"""
from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """Whether fgrad calls MKL itself: no (NumPy chooses its BLAS).

    >>> torch.backends.mkl.is_available()
    False
    """
    return False
