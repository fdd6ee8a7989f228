"""``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells: facades over ``fgrad.nn.rnn``.

Parameters are registered under torch's names (``weight_ih_l0``, ``bias_hh_l1_reverse``,
``weight_hr_l0`` ...); ``forward`` runs the pure layer on them. A :class:`PackedSequence`
input runs on the packed data and gives a PackedSequence output, with the final states at
each sequence's true length, in the caller's batch order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional
from fgrad import nn as L
from fgrad.nn.rnn import rnn_mode
from fgrad.nn.torch_rules import dtype_name

from ..._tensor import Tensor
from .. import init
from ..utils.rnn import PackedSequence, _ints
from .module import Module, np_dtype

if TYPE_CHECKING:
    from ...types import DType
    from ...types import DeviceLike
    from ..parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _check_dtype(x, w):
    if x.dtype != w.dtype:
        raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). Convert input: "
                         f"input.to({w.dtype}), or convert model: model.to({x.dtype})")


def _check_cell_dtype(x, w):
    if x.dtype != w.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {dtype_name(x._np_dtype())} and "
                           f"{dtype_name(w._np_dtype())}")


def _permute(hx, idx):
    if hx is None or idx is None:
        return hx
    if isinstance(hx, tuple):
        return tuple(h.index_select(1, idx) for h in hx)
    return hx.index_select(1, idx)


class RNNBase(Module):
    """What RNN, LSTM and GRU share (torch.nn.RNNBase).

    >>> rnn = nn.GRU(3, 5, num_layers=2)
    >>> [name for name, _ in rnn.named_parameters()][:4]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    _pure = None  # the pure layer class

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__()
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        layer: Any
        if mode in ("RNN_TANH", "RNN_RELU"):
            layer = L.RNN(input_size, hidden_size, num_layers, "tanh" if mode == "RNN_TANH" else "relu", bias,
                          batch_first, dropout, bidirectional, dtype=np_dtype(dtype))
        elif mode == "LSTM":
            layer = L.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
                           dtype=np_dtype(dtype))
        elif mode == "GRU":
            layer = L.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                          dtype=np_dtype(dtype))
        else:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        self._init_layer(layer, device)
        self._flat_weights_names = list(layer.param_shapes())

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self) -> None:
        """A no-op (cuDNN's contiguous weight buffer has no counterpart here)."""

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        layer = self._layer
        lstm = self.mode == "LSTM"
        if isinstance(hx, list):
            hx = tuple(hx)
        if lstm and hx is not None and not (isinstance(hx, tuple) and len(hx) == 2):
            raise RuntimeError("LSTM expects hx to be a tuple (h_0, c_0)")
        if not lstm and isinstance(hx, tuple):
            raise RuntimeError(f"{type(self).__name__} expects hx to be a Tensor, not a tuple")
        key = init.next_key() if (self.training and self.dropout > 0 and self.num_layers > 1) else None
        w0 = getattr(self, self._flat_weights_names[0])
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            _check_dtype(data, w0)
            sizes = _ints(batch_sizes)
            hx = _permute(hx, sorted_indices)
            hx_shapes = None if hx is None else [tuple(h.shape) for h in (hx if lstm else (hx,))]
            layer.check_input(tuple(data.shape), hx_shapes, packed=True)
            if hx_shapes is not None:
                layer.check_hidden(hx_shapes, sizes[0])
            out, hid = self._run_layer(data, hx, key=key, batch_sizes=sizes)
            return PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices), \
                _permute(hid, unsorted_indices)
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}.forward: input must be a Tensor or PackedSequence, got "
                            f"{type(input).__name__}")
        _check_dtype(input, w0)
        hx_shapes = None if hx is None else [tuple(h.shape) for h in (hx if lstm else (hx,))]
        batch = layer.check_input(tuple(input.shape), hx_shapes)
        if hx_shapes is not None:
            layer.check_hidden([((s[0], 1) + s[1:]) if batch is None else s for s in hx_shapes],
                               1 if batch is None else batch)
        out, hid = self._run_layer(input, hx, key=key)
        return out, (tuple(hid) if lstm else hid)

    def extra_repr(self) -> str:
        return self._layer.extra_repr()


class RNN(RNNBase):
    """Elman RNN with tanh or relu: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    >>> rnn = nn.RNN(input_size=3, hidden_size=5, num_layers=2, batch_first=True)
    >>> out, h = rnn(torch.zeros(4, 7, 3))
    >>> out.shape, h.shape
    (torch.Size([4, 7, 5]), torch.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__(rnn_mode(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM (gates i, f, g, o); ``proj_size > 0`` adds ``weight_hr_l{k}``. Returns ``output, (h_n, c_n)``.

    >>> lstm = nn.LSTM(3, 5, bidirectional=True)
    >>> out, (h, c) = lstm(torch.zeros(7, 4, 3))
    >>> out.shape, h.shape, c.shape
    (torch.Size([7, 4, 10]), torch.Size([2, 4, 5]), torch.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """GRU (gates r, z, n as torch).

    >>> gru = nn.GRU(3, 5)
    >>> out, h = gru(torch.zeros(7, 4, 3))
    >>> out.shape, h.shape
    (torch.Size([7, 4, 5]), torch.Size([1, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    """What the cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    >>> cell = nn.LSTMCell(3, 5)
    >>> [name for name, _ in cell.named_parameters()]
    ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
    """

    def __init__(self, layer: Any, device: DeviceLike) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = layer.input_size, layer.hidden_size, layer.bias
        self._init_layer(layer, device)
        if not layer.bias:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def reset_parameters(self) -> None:
        self._reset_from_layer()

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        lstm = self._layer.mode == "LSTM"
        _check_cell_dtype(input, self.weight_ih)
        shapes = [] if hx is None else [tuple(h.shape) for h in (hx if lstm else (hx,))]
        self._layer.check(tuple(input.shape), shapes)
        out = self._run_layer(input, hx)
        return tuple(out) if lstm else out

    def extra_repr(self) -> str:
        return self._layer.extra_repr()


class RNNCell(RNNCellBase):
    """One Elman RNN step (tanh or relu).

    >>> cell = nn.RNNCell(3, 5)
    >>> cell(torch.zeros(4, 3)).shape
    torch.Size([4, 5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Optional[DeviceLike] = None, dtype: Optional[DType] = None) -> None:
        super().__init__(L.RNNCell(input_size, hidden_size, bias, nonlinearity, np_dtype(dtype)), device)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h_1, c_1) = cell(input, (h_0, c_0))``.

    >>> cell = nn.LSTMCell(3, 5)
    >>> h, c = cell(torch.zeros(4, 3))
    >>> h.shape, c.shape
    (torch.Size([4, 5]), torch.Size([4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__(L.LSTMCell(input_size, hidden_size, bias, np_dtype(dtype)), device)


class GRUCell(RNNCellBase):
    """One GRU step.

    >>> cell = nn.GRUCell(3, 5)
    >>> cell(torch.zeros(4, 3), torch.zeros(4, 5)).shape
    torch.Size([4, 5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Optional[DeviceLike] = None,
                 dtype: Optional[DType] = None) -> None:
        super().__init__(L.GRUCell(input_size, hidden_size, bias, np_dtype(dtype)), device)
