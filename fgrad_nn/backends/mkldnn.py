"""``torch.backends.mkldnn``: oneDNN's flags; fgrad's CPU kernels are NumPy's, so it reports unavailable.

>>> torch.backends.mkldnn.is_available(), torch.backends.mkldnn.enabled
(False, True)
"""
from __future__ import annotations

__all__ = ["is_available"]

enabled = True
deterministic = False


def is_available() -> bool:
    """Whether oneDNN can be used: not by fgrad.

    >>> torch.backends.mkldnn.is_available()
    False
    """
    return False
