"""A strict CuPy stand-in on NumPy, so the suite's CUDA parametrisation runs without a GPU.

It presents exactly the public names recorded from real CuPy 14 (``names/*.txt``) and behaves as
CuPy does where fgrad's correctness depends on it: a distinct array type that refuses implicit
host conversion (``np.asarray(x)`` raises TypeError), ``.get()``/``cupy.asnumpy`` as the only way to
the host, NumPy's ``__array_function__``/``__array_ufunc__`` dispatch only to names CuPy has,
out-of-range integer-array indices that wrap (getitem, setitem, ``cupyx.scatter_add``), and repeated
indices in an assignment whose winner is not NumPy's. What it cannot show (kernels, speed, memory)
is listed in docs/gpu.md.

>>> import cupy_standin
>>> cp = cupy_standin.modules()["cupy"]
>>> x = cp.arange(3.0)
>>> import numpy as np
>>> np.asarray(x)
Traceback (most recent call last):
TypeError: Implicit conversion to a NumPy array is not allowed. Please use `.get()` ...
"""
from __future__ import annotations

import sys
from typing import Any

from ._modules import MODULES, build, recorded

__all__ = ["install", "installed", "modules", "recorded", "MODULES"]

_BUILT: dict[str, Any] = {}


def modules() -> dict[str, Any]:
    """The stand-in's modules by import name (built once)."""
    if not _BUILT:
        _BUILT.update(build())
    return _BUILT


def install() -> None:
    """Put the stand-in in ``sys.modules`` as ``cupy``, ``cupyx`` and their submodules."""
    for name, mod in modules().items():
        sys.modules[name] = mod


def installed() -> bool:
    """True when ``import cupy`` gives the stand-in."""
    return sys.modules.get("cupy") is _BUILT.get("cupy")
