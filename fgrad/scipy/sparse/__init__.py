"""Sparse linear algebra (``jax.scipy.sparse``'s names): ``fgrad.scipy.sparse.linalg``'s iterative solvers.

>>> from fgrad.scipy.sparse.linalg import cg
"""
import importlib

# Loaded on first use (PEP 562): the solvers run on fgrad.lax, a floor above the rest of fgrad.scipy.
_LAZY_SUBMODULES = ("linalg",)


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
