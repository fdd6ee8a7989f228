"""``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells: facades over ``fgrad.nn.rnn``.

Parameters are registered under torch's names (``weight_ih_l0``, ``bias_hh_l1_reverse``,
``weight_hr_l0`` ...); ``forward`` runs the pure layer on them. A :class:`PackedSequence`
input runs on the packed data and gives a PackedSequence output, with the final states at
each sequence's true length, in the caller's batch order.
"""
from fgrad import nn as L
from fgrad.nn.rnn import rnn_mode
from fgrad.nn.torch_rules import dtype_name

from ..._tensor import Tensor
from .. import init
from ..utils.rnn import PackedSequence, _ints
from .module import Module, np_dtype

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
    """What RNN, LSTM and GRU share (torch.nn.RNNBase)."""

    _pure = None  # the pure layer class

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
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
    def all_weights(self):
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self):
        """A no-op (cuDNN's contiguous weight buffer has no counterpart here)."""

    def reset_parameters(self):
        self._reset_from_layer()

    def forward(self, input, hx=None):
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

    def extra_repr(self):
        return self._layer.extra_repr()


class RNN(RNNBase):
    """Elman RNN with tanh or relu: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__(rnn_mode(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM (gates i, f, g, o); ``proj_size > 0`` adds ``weight_hr_l{k}``. Returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """GRU (gates r, z, n as torch)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    """What the cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, layer, device):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = layer.input_size, layer.hidden_size, layer.bias
        self._init_layer(layer, device)
        if not layer.bias:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def reset_parameters(self):
        self._reset_from_layer()

    def forward(self, input, hx=None):
        lstm = self._layer.mode == "LSTM"
        _check_cell_dtype(input, self.weight_ih)
        shapes = [] if hx is None else [tuple(h.shape) for h in (hx if lstm else (hx,))]
        self._layer.check(tuple(input.shape), shapes)
        out = self._run_layer(input, hx)
        return tuple(out) if lstm else out

    def extra_repr(self):
        return self._layer.extra_repr()


class RNNCell(RNNCellBase):
    """One Elman RNN step (tanh or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(L.RNNCell(input_size, hidden_size, bias, nonlinearity, np_dtype(dtype)), device)
        self.nonlinearity = nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h_1, c_1) = cell(input, (h_0, c_0))``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(L.LSTMCell(input_size, hidden_size, bias, np_dtype(dtype)), device)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(L.GRUCell(input_size, hidden_size, bias, np_dtype(dtype)), device)
