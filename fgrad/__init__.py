"""fgrad: exact derivatives of any order for NumPy-style code, on NumPy or CuPy.

>>> import fgrad, fgrad.numpy as fnp
>>> fgrad.grad(lambda x: fnp.sum(fnp.sin(x)))(fnp.zeros(3))
array([1., 1., 1.])

``import fgrad`` loads the engine, ``fgrad.numpy`` and the transforms; the other submodules
(``fgrad.lax``, ``fgrad.nn``, ``fgrad.optim``, ``fgrad.random``, ``fgrad.scipy``, ``fgrad.staging``
with ``jit``, ...) load on first use, so the import stays light.
"""
import importlib as _importlib
from typing import TYPE_CHECKING

from . import numpy  # noqa: F401  (registers the array primitives)
from . import errors, tree_util  # noqa: F401
from .backend import Device, devices  # noqa: F401
from .core import PRIMITIVES, Primitive  # noqa: F401
from .batching import vmap  # noqa: F401
from .transforms import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                         stop_gradient, value_and_grad, vjp)
from ._device import device_get, device_put  # noqa: F401

if TYPE_CHECKING:  # what the lazy table below provides, for type checkers and the API reference
    from . import ad_checkpoint, convolution, lax, nn, optim, random, scipy, staging, testing  # noqa: F401
    from .staging.jit import ShapeDtypeStruct, jit, make_jaxpr  # noqa: F401
    from .custom import custom_jvp, custom_vjp  # noqa: F401
    from .staging.remat import checkpoint, checkpoint_policies, remat  # noqa: F401

__version__ = "0.1.0"

# name -> the module that provides it, imported on first use (PEP 562). A submodule maps to itself.
_LAZY = {
    "ad_checkpoint": "fgrad.ad_checkpoint",
    "convolution": "fgrad.convolution",
    "lax": "fgrad.lax",
    "nn": "fgrad.nn",
    "optim": "fgrad.optim",
    "random": "fgrad.random",
    "scipy": "fgrad.scipy",
    "staging": "fgrad.staging",
    "testing": "fgrad.testing",
    "ShapeDtypeStruct": "fgrad.staging",
    "jit": "fgrad.staging",
    "make_jaxpr": "fgrad.staging",
    "checkpoint": "fgrad.staging.remat",
    "checkpoint_policies": "fgrad.staging.remat",
    "remat": "fgrad.staging.remat",
    "custom_jvp": "fgrad.custom",
    "custom_vjp": "fgrad.custom",
}

# The lazily loaded modules that register primitives: ``_register_all_primitives`` imports them
# (tests/test_import_cost.py checks that the list is complete).
_PRIMITIVE_MODULES = ("fgrad.scipy", "fgrad.random", "fgrad.convolution", "fgrad.lax", "fgrad.staging.remat",
                      "fgrad.nn.activations", "fgrad.nn.linear", "fgrad.numpy.fft", "fgrad.scipy.linalg")

__all__ = ["Device", "PRIMITIVES", "Primitive", "ShapeDtypeStruct", "ad_checkpoint", "checkpoint",
           "checkpoint_policies", "convolution", "custom_jvp", "custom_vjp", "device_get", "device_put",
           "devices", "errors", "grad", "hessian", "jacfwd", "jacobian", "jacrev", "jit", "jvp", "lax",
           "linearize", "make_jaxpr", "nn", "numpy", "optim", "random", "remat", "scipy", "staging",
           "stop_gradient", "testing", "tree_util", "value_and_grad", "vjp", "vmap"]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fgrad' has no attribute {name!r}")
    loaded = _importlib.import_module(module)
    value = loaded if module == f"fgrad.{name}" else getattr(loaded, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _register_all_primitives() -> dict[str, Primitive]:
    """Import every module that registers primitives; return the complete ``PRIMITIVES`` table.

    ``import fgrad`` registers ``fgrad.numpy``'s primitives; the rest (``fgrad.lax``'s control flow,
    ``fgrad.random``, convolution, ...) register when their module first loads. Code that
    enumerates the registry (the primitive tests) calls this first.
    """
    for module in _PRIMITIVE_MODULES:
        _importlib.import_module(module)
    return PRIMITIVES
