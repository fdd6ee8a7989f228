"""``torch.backends.mps``: Apple's Metal backend, which fgrad does not have.

>>> torch.backends.mps.is_available(), torch.backends.mps.is_built()
(False, False)
"""
from __future__ import annotations

__all__ = ["is_available", "is_built", "is_macos_or_newer"]


def is_available() -> bool:
    """Whether an MPS device can be used: never in fgrad.

    >>> torch.backends.mps.is_available()
    False
    """
    return False


def is_built() -> bool:
    """Whether this build supports MPS: no.

    >>> torch.backends.mps.is_built()
    False
    """
    return False


def is_macos_or_newer(major: int, minor: int) -> bool:
    """Whether MPS runs on macOS ``major.minor`` or newer: False without MPS.

    >>> torch.backends.mps.is_macos_or_newer(14, 0)
    False
    """
    return False
