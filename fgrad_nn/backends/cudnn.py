"""``torch.backends.cudnn``: cuDNN's flags. fgrad does not use cuDNN, so they are settable and inert.

>>> torch.backends.cudnn.is_available(), torch.backends.cudnn.enabled, torch.backends.cudnn.deterministic
(False, True, False)
"""
from __future__ import annotations

__all__ = ["is_available", "version"]

enabled = True
benchmark = False
benchmark_limit: int | None = None  # torch's value where cuDNN is not built
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN can be used: never in fgrad (CuPy's kernels run without it).

    >>> torch.backends.cudnn.is_available()
    False
    """
    return False


def version() -> int | None:
    """cuDNN's version, None where it is not available (always, here).

    >>> print(torch.backends.cudnn.version())
    None
    """
    return None
