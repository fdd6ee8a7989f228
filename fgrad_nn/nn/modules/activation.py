"""Activation Modules: each holds torch's hyperparameters and calls its ``F`` function."""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any, Optional

from fgrad import nn as L
from .. import functional as F
from .module import Module, np_dtype

if TYPE_CHECKING:
    from ..._tensor import Tensor
    from ...types import DType
    from ...types import DeviceLike

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
           "Softplus", "Hardtanh", "Hardswish", "Hardsigmoid", "Softmax", "LogSoftmax", "Softmin", "LogSigmoid",
           "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU", "Softmax2d"]


def _inplace_str(inplace, first):
    return ("inplace=True" if first else ", inplace=True") if inplace else ""


class _InplaceAct(Module):
    __constants__ = ["inplace"]
    _fn: Any = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, True)


class ReLU(_InplaceAct):
    """Rectified linear unit: ``max(0, x)`` elementwise (``inplace=True`` overwrites the input).

    >>> m = nn.ReLU()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0., 0., 3.])
    """
    _fn = staticmethod(F.relu)


class SELU(_InplaceAct):
    """Scaled ELU: ``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with the self-normalising constants.

    >>> m = nn.SELU()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.5202,  0.0000,  3.1521])
    """
    _fn = staticmethod(F.selu)


class SiLU(_InplaceAct):
    """Sigmoid-weighted linear unit (swish): ``x * sigmoid(x)``.

    >>> m = nn.SiLU()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.2384,  0.0000,  2.8577])
    """
    _fn = staticmethod(F.silu)


class Mish(_InplaceAct):
    """Mish: ``x * tanh(softplus(x))``.

    >>> m = nn.Mish()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.2525,  0.0000,  2.9865])
    """
    _fn = staticmethod(F.mish)


class Hardswish(_InplaceAct):
    """Hard swish: ``x * relu6(x + 3) / 6``.

    >>> m = nn.Hardswish()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.3333,  0.0000,  3.0000])
    """
    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""  # torch's Hardswish/Hardsigmoid do not show inplace


class Hardsigmoid(Hardswish):
    """Hard sigmoid: ``relu6(x + 3) / 6``.

    >>> m = nn.Hardsigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0.1667, 0.5000, 1.0000])
    """
    _fn = staticmethod(F.hardsigmoid)


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]`` (default ``[-1, 1]``).

    >>> m = nn.Hardtanh(-1.0, 1.0)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    __constants__ = ["min_val", "max_val", "inplace"]

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: Optional[float] = None, max_value: Optional[float] = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if not self.max_val > self.min_val:
            raise AssertionError

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace, False)}"


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)`` elementwise.

    >>> m = nn.ReLU6()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0., 0., 3.])
    """
    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, True)


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> m = nn.LeakyReLU(0.1)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.2000,  0.0000,  3.0000])
    """
    __constants__ = ["inplace", "negative_slope"]

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace, False)}"


class ELU(Module):
    """Exponential linear unit: ``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> m = nn.ELU()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.8647,  0.0000,  3.0000])
    """
    __constants__ = ["alpha", "inplace"]
    _fn = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace, False)}"


class CELU(ELU):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> m = nn.CELU(alpha=2.0)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.2642,  0.0000,  3.0000])
    """
    _fn = staticmethod(F.celu)


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)`` (``approximate='tanh'`` for the tanh form).

    >>> m = nn.GELU()
    >>> m(torch.tensor([-2.0, 0.0, 2.0]))
    tensor([-0.0455,  0.0000,  1.9545])
    """
    __constants__ = ["approximate"]

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _Plain(Module):
    _fn: Any = None

    def forward(self, input):
        return type(self)._fn(input)


class Sigmoid(_Plain):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> m = nn.Sigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0.1192, 0.5000, 0.9526])
    """
    _fn = staticmethod(F.sigmoid)


class Tanh(_Plain):
    """Hyperbolic tangent, elementwise.

    >>> m = nn.Tanh()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.9640,  0.0000,  0.9951])
    """
    _fn = staticmethod(F.tanh)


class LogSigmoid(_Plain):
    """``log(sigmoid(x))``, computed without overflow.

    >>> m = nn.LogSigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-2.1269, -0.6931, -0.0486])
    """
    _fn = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    """``x / (1 + |x|)``.

    >>> m = nn.Softsign()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.6667,  0.0000,  0.7500])
    """
    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """``x - tanh(x)``.

    >>> m = nn.Tanhshrink()
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.0360,  0.0000,  2.0049])
    """
    _fn = staticmethod(F.tanhshrink)


class Softplus(Module):
    """Smooth ReLU ``log(1 + exp(beta * x)) / beta`` (linear above ``threshold``).

    >>> m = nn.Softplus(beta=2.0)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0.0091, 0.3466, 3.0012])
    """
    __constants__ = ["beta", "threshold"]

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    >>> m = nn.Threshold(0.5, -1.0)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1., -1.,  3.])
    """
    __constants__ = ["threshold", "value", "inplace"]

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace, False)}"


class Softshrink(Module):
    """Soft thresholding: shrink towards zero by ``lambd``, zero inside ``[-lambd, lambd]``.

    >>> m = nn.Softshrink(0.5)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.5000,  0.0000,  2.5000])
    """
    __constants__ = ["lambd"]
    _fn = staticmethod(F.softshrink)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """Hard thresholding: zero inside ``[-lambd, lambd]``, ``x`` outside.

    >>> m = nn.Hardshrink(0.5)
    >>> m(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-2.,  0.,  3.])
    """
    _fn = staticmethod(F.hardshrink)


class Softmax(Module):
    """Softmax along ``dim``: exponentials normalised to sum to one.

    >>> m = nn.Softmax(dim=1)
    >>> m(torch.tensor([[1.0, 2.0, 3.0]]))
    tensor([[0.0900, 0.2447, 0.6652]])
    """
    __constants__ = ["dim"]
    _fn = staticmethod(F.softmax)

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim``, computed stably.

    >>> m = nn.LogSoftmax(dim=1)
    >>> m(torch.tensor([[1.0, 2.0, 3.0]]))
    tensor([[-2.4076, -1.4076, -0.4076]])
    """
    _fn = staticmethod(F.log_softmax)


class Softmin(Softmax):
    """Softmax of ``-x`` along ``dim``.

    >>> m = nn.Softmin(dim=1)
    >>> m(torch.tensor([[1.0, 2.0, 3.0]]))
    tensor([[0.6652, 0.2447, 0.0900]])
    """
    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """Softmax over the channels at every spatial location (``dim=-3``).

    >>> m = nn.Softmax2d()
    >>> m(torch.zeros(1, 4, 2, 2))[0, :, 0, 0]
    tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """
    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class GLU(Module):
    """Gated linear unit: split ``dim`` in halves ``a, b`` and return ``a * sigmoid(b)``.

    >>> m = nn.GLU()
    >>> m(torch.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    __constants__ = ["dim"]

    def __init__(self, dim: Optional[int] = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)``; ``weight`` (num_parameters,) starts at ``init``.

    >>> m = nn.PReLU(init=0.25)
    >>> m(torch.tensor([-2.0, 3.0]))
    tensor([-0.5000,  3.0000], grad_fn=<PreluKernelBackward0>)
    """

    __constants__ = ["num_parameters"]

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self._init_layer(L.PReLU(num_parameters, init, np_dtype(dtype)), device)

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def __getattr__(name: str) -> Any:
    if name == "MultiheadAttention":  # torch's path: torch.nn.modules.activation.MultiheadAttention
        return importlib.import_module(f"{__package__}.attention").MultiheadAttention  # (attention imports us)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
