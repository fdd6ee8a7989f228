"""``torch.backends.cpu``: the CPU's vector capability as torch names it.

>>> torch.backends.cpu.get_cpu_capability()
'DEFAULT'
"""
from __future__ import annotations

__all__ = ["get_cpu_capability"]


def get_cpu_capability() -> str:
    """The SIMD level torch's kernels would use; fgrad leaves that to NumPy, so ``'DEFAULT'``.

    >>> torch.backends.cpu.get_cpu_capability()
    'DEFAULT'
    """
    return "DEFAULT"
