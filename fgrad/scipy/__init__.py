"""SciPy's API, differentiable: ``fgrad.scipy.special`` (as ``jax.scipy.special``); ``stats``, ``linalg``,
``signal``, ``integrate``, ``optimize``, ``ndimage``, ``fft``, ``sparse``, ``cluster`` and ``interpolate``
load on first use.

>>> from fgrad.scipy.special import logsumexp, erf, gammaln
"""
import importlib

from . import special  # noqa: F401

# Subpackages loaded on first use (PEP 562): ``fgrad.scipy.stats`` costs nothing until touched.
_LAZY_SUBMODULES = ("stats", "signal", "integrate", "optimize", "ndimage", "linalg", "fft", "sparse", "cluster",
                    "interpolate")


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
