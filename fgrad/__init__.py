"""fgrad: exact derivatives of any order for NumPy-style code, on NumPy or CuPy.

>>> import fgrad, fgrad.numpy as fnp
>>> fgrad.grad(lambda x: fnp.sum(fnp.sin(x)))(fnp.zeros(3))
array([1., 1., 1.])
"""
from . import numpy  # noqa: F401  (registers every primitive)
from . import tree_util  # noqa: F401
from . import scipy  # noqa: F401
from . import random  # noqa: F401
from . import convolution  # noqa: F401
from . import nn, optim  # noqa: F401  (the pure face)
from .backend import Device, devices  # noqa: F401
from .core import PRIMITIVES, Primitive  # noqa: F401
from .batching import vmap  # noqa: F401
from . import errors  # noqa: F401
from .staging import ShapeDtypeStruct, jit, make_jaxpr  # noqa: F401
from . import lax  # noqa: F401
from .staging.remat import checkpoint, checkpoint_policies, remat  # noqa: F401
from . import ad_checkpoint  # noqa: F401  (JAX's module name for the policies)
from .custom import custom_jvp, custom_vjp  # noqa: F401
from .transforms import (grad, hessian, jacfwd, jacobian, jacrev, jvp, linearize,  # noqa: F401
                         stop_gradient, value_and_grad, vjp)
from ._device import device_put, device_get  # noqa: F401

__version__ = "0.1.0"
