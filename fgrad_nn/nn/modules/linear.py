"""``nn.Linear``, ``nn.Bilinear``, ``nn.Identity``: the worked example of a facade layer.

The pattern every facade layer follows:

1. ``__init__`` stores torch's hyperparameters, builds the pure layer
   (``fgrad.nn``) and calls ``self._init_layer(layer, device)``, which draws
   the layer's ``init`` key from the global generator and registers its params
   as Parameters and its state as buffers (torch's names).
2. ``forward`` calls ``self._run_layer(*inputs)`` (the pure ``apply`` on the
   Parameters/buffers, recorded on the tape, new state written back; ``Bilinear``
   below) or the ``F`` function of the same math (``Linear``: the hot path of MLPs).
3. ``extra_repr`` gives torch's repr; ``reset_parameters`` draws again with the
   layer's own ``init`` (``_reset_from_layer``): one init rule per layer.
"""

from __future__ import annotations

import importlib
from typing import Any, Optional, TYPE_CHECKING
from fgrad import nn as L

from .. import functional as F
from .module import Module, np_dtype

if TYPE_CHECKING:
    from ..._tensor import Tensor
    from ...types import DType
    from ...types import DeviceLike

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


class Identity(Module):
    """Returns its input; constructor arguments are ignored.

    >>> nn.Identity(54, unused='ignored')(torch.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b``; ``weight`` (out_features, in_features), ``bias`` (out_features,).

    >>> m = nn.Linear(3, 2)
    >>> m.weight.shape, m.bias.shape
    (torch.Size([2, 3]), torch.Size([2]))
    >>> m(torch.zeros(4, 3)).shape
    torch.Size([4, 2])
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self._init_layer(L.Linear(in_features, out_features, bias, np_dtype(dtype)), device)
        if not bias:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input: Tensor) -> Tensor:
        # F.linear runs the same pure function as the layer's apply, with less overhead (the MLP hot path)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1^T A x2 + b``; ``weight`` (out_features, in1_features, in2_features).

    >>> m = nn.Bilinear(3, 4, 2)
    >>> m(torch.zeros(5, 3), torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self._init_layer(L.Bilinear(in1_features, in2_features, out_features, bias, np_dtype(dtype)), device)
        if not bias:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return self._run_layer(input1, input2)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """``Linear`` whose ``in_features`` is taken from the first input (then it becomes a Linear).

    >>> m = nn.LazyLinear(2)
    >>> m(torch.zeros(4, 5)).shape
    torch.Size([4, 2])
    >>> m.weight.shape
    torch.Size([2, 5])
    """

    def __init__(self, out_features: int, bias: bool = True, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        object.__setattr__(self, "_lazy", (bias, device, dtype))

    def forward(self, input: Tensor) -> Tensor:
        if "_lazy" in self.__dict__:
            bias, device, dtype = self.__dict__.pop("_lazy")
            self.in_features = input.shape[-1]
            self._init_layer(L.Linear(self.in_features, self.out_features, bias, np_dtype(dtype)), device)
            if not bias:
                self.register_parameter("bias", None)
            object.__setattr__(self, "__class__", Linear)
        return Linear.forward(self, input)


def __getattr__(name: str) -> Any:
    if name == "NonDynamicallyQuantizableLinear":  # torch's path (defined in attention, which imports this module)
        return importlib.import_module(f"{__package__}.attention").NonDynamicallyQuantizableLinear
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
