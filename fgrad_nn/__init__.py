"""``import fgrad_nn as torch``: PyTorch's tensor and autograd API on the fgrad engine.

Every operation runs through ``fgrad.numpy`` (and ``fgrad.scipy.special``/``fgrad.nn``);
the autograd graph is fgrad's reverse-mode trace at level 0, so ``fgrad.grad`` of
facade code and facade code inside ``fgrad`` transforms both work.

>>> import fgrad_nn as torch
>>> x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (3 * x ** 2).sum().backward()
>>> x.grad
tensor([ 6., 12., 18.])
"""
import numpy as _np

from ._dtypes import (bool, complex64, complex128, cfloat, cdouble, double, dtype, finfo, float,  # noqa: F401
                      float16, float32, float64, get_default_dtype, half, iinfo, int, int8, int16, int32,
                      int64, long, promote_types, set_default_dtype, short, uint8)
from ._device import device  # noqa: F401
# torch.autograd before Tensor: the Tensor module imports autograd's tape and grad mode, which runs
# autograd's __init__ first, and autograd's engine and Function are built on Tensor.
from . import autograd  # noqa: F401
from ._tensor import Size, Tensor  # noqa: F401
from . import _ops  # noqa: F401  (gives Tensor its op methods)
from ._ops.creation import *  # noqa: F401,F403
from ._ops.pointwise import *  # noqa: F401,F403
from ._ops.shape import *  # noqa: F401,F403
from ._ops.indexing import *  # noqa: F401,F403
from ._ops.reduction import *  # noqa: F401,F403
from ._ops.linalg import *  # noqa: F401,F403
from ._ops.pointwise import relu_, sigmoid_  # noqa: F401
from ._ops.shape import clone, contiguous, expand, expand_as, view_as  # noqa: F401
from . import cuda, random  # noqa: F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                                 set_grad_enabled, is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state  # noqa: F401
from ._repr import set_printoptions  # noqa: F401
from . import nn, optim  # noqa: F401  (torch.nn and torch.optim over fgrad.nn and fgrad.optim)
from . import func  # noqa: F401  (torch.func over fgrad's transforms)
from .func import vmap  # noqa: F401
from ._dynamo import compile  # noqa: F401,A001  (torch.compile on fgrad's staged programs)
from . import utils  # noqa: F401
from .serialization import load, save  # noqa: F401

__version__ = "2.13.0+fgrad"
strided = "torch.strided"
contiguous_format = preserve_format = "contiguous_format"
inf, nan, pi, e = _np.inf, _np.nan, _np.pi, _np.e
FloatTensor = DoubleTensor = LongTensor = Tensor


def is_floating_point(input):
    return input.is_floating_point()


def get_device(input):
    return input.device.index if input.device.type == "cuda" else -1

