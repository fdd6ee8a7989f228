"""``torch.autograd``: backward, grad, Function, gradcheck, grad mode, on one fgrad tape."""
from . import grad_mode  # noqa: F401
from ._tape import TAPE, TapeTrace  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from . import functional, graph  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                        set_grad_enabled)

from .._legacy import Variable  # noqa: F401,E402  (Tensor is loaded by now: engine and function use it)
