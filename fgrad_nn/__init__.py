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
import builtins as _builtins
import importlib as _importlib
from typing import TYPE_CHECKING

import numpy as _np

from ._dtypes import (bfloat16, bool, complex64, complex128, cfloat, cdouble, double, dtype,  # noqa: F401
                      finfo, float, float16, float32, float64, get_default_dtype, half, iinfo, int, int8, int16, int32,
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
from ._ops.compat import *  # noqa: F401,F403
from ._ops.sets import *  # noqa: F401,F403
from ._ops.pointwise import relu_, sigmoid_  # noqa: F401
from ._ops.shape import clone, contiguous, expand, expand_as, view_as  # noqa: F401
from . import cuda, random  # noqa: F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                                 set_grad_enabled, is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state  # noqa: F401
from ._repr import set_printoptions  # noqa: F401

if TYPE_CHECKING:  # what the lazy table below provides, for type checkers and the API reference
    from . import distributed, func, nn, optim, serialization, utils  # noqa: F401
    from . import accelerator, amp, backends, linalg, onnx  # noqa: F401
    from . import distributions  # noqa: F401
    from ._dynamo import compile  # noqa: F401,A001
    from .func import vmap  # noqa: F401
    from .serialization import load, save  # noqa: F401
    from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: F401
    from .utils.dlpack import from_dlpack  # noqa: F401

# name -> the module that provides it, imported on first use (PEP 562) so that `import fgrad_nn`
# stays light: torch.nn and torch.optim over fgrad.nn and fgrad.optim, torch.func over fgrad's
# transforms, torch.compile on fgrad's staged programs, checkpoints. A submodule maps to itself.
_LAZY = {
    "nn": "fgrad_nn.nn",
    "optim": "fgrad_nn.optim",
    "func": "fgrad_nn.func",
    "utils": "fgrad_nn.utils",
    "distributed": "fgrad_nn.distributed",
    "serialization": "fgrad_nn.serialization",
    "vmap": "fgrad_nn.func",
    "compile": "fgrad_nn._dynamo",
    "load": "fgrad_nn.serialization",
    "save": "fgrad_nn.serialization",
    "from_dlpack": "fgrad_nn.utils.dlpack",
    "accelerator": "fgrad_nn.accelerator",
    "backends": "fgrad_nn.backends",
    "onnx": "fgrad_nn.onnx",
    "linalg": "fgrad_nn.linalg",
    "distributions": "fgrad_nn.distributions",
    "amp": "fgrad_nn.amp",
    "autocast": "fgrad_nn.amp",
    "is_autocast_enabled": "fgrad_nn.amp",
    "get_autocast_dtype": "fgrad_nn.amp",
}


def __getattr__(name: str) -> object:
    if name == "__all__":  # `from fgrad_nn import *`: every public name, the lazy ones included
        return sorted({n for n in globals() if not n.startswith("_")} - {"TYPE_CHECKING"} | set(_LAZY))
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fgrad_nn' has no attribute {name!r}")
    loaded = _importlib.import_module(module)
    value = loaded if module == f"fgrad_nn.{name}" else getattr(loaded, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "2.13.0+fgrad"
strided = "torch.strided"
contiguous_format = preserve_format = "contiguous_format"
inf, nan, pi, e = _np.inf, _np.nan, _np.pi, _np.e
from ._legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,  # noqa: F401,E402
                      IntTensor, LongTensor, ShortTensor)


def is_floating_point(input: Tensor) -> _builtins.bool:
    """True when ``input``'s dtype is a floating-point type.

    >>> torch.is_floating_point(torch.tensor([1.0])), torch.is_floating_point(torch.tensor([1]))
    (True, False)
    """
    return input.is_floating_point()


def get_device(input: Tensor) -> _builtins.int:
    """The index of the GPU that holds ``input``, or -1 for a tensor on the CPU.

    >>> torch.get_device(torch.zeros(2))
    -1
    """
    return input.device.index if input.device.type == "cuda" else -1

