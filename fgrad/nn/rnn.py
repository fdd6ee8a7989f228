"""Recurrent layers (RNN, GRU, LSTM and their cells): the array-level math and the pure layers.

Speed: the input projection of ALL time steps is one matmul before the recurrence
(biases folded in), and each step does ONE fused matmul ``h @ W_hh^T`` for all
gates, with tanh-based gates (see the cells below). The recurrence over time is ONE
``fgrad.lax.scan`` per layer and direction (``reverse=True`` for the backward
direction): the (L*N, G) projection is reshaped to (L, N, G) and scanned over, the
carry is ``(h, c)`` (``h`` for RNN/GRU) and the scan stacks ``h`` of every step. The
per-call prepared weights (``W_hh^T`` scaled, ...) are closed over, so the scan takes
them as constants. Reverse mode therefore records one scan, and the backward pass is one
reverse scan of the step's staged backward program, not T recorded steps; ``jit``
stages a fixed-size program whatever the length.

Packed sequences run on the packed data itself, in a Python loop over time (the number of
rows that take part varies per step): ``batch_sizes[t]`` rows (sorted by decreasing
length) take part in step ``t``; the other rows keep their state, so the final states are
taken at each sequence's true length (torch's semantics). Time steps are cut out of the
projection by one ``split`` and joined by one ``concatenate``, so reverse mode keeps only
what each step needs.

>>> import fgrad.random as fr, numpy as np
>>> lstm = LSTM(3, 5, num_layers=2)
>>> params, state = lstm.init(fr.key(0))
>>> (out, (h, c)), _ = lstm.apply(params, state, np.ones((7, 2, 3), np.float32))
>>> out.shape, h.shape, c.shape
((7, 2, 5), (2, 2, 5), (2, 2, 5))
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.numpy as fnp
from fgrad.numpy import get_array_module as array_module, result_type as _dtype, shape as _shape

from ..lax import scan
from .base import Layer, need_key, split_key, uniform_init
from .dropout import dropout as _dropout
from .torch_rules import shape_str

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from fgrad.typing import Array, ArrayLike, DTypeLike, PyTree, Shape

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "recurrent", "rnn_mode",
           "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _dims(x):
    return len(_shape(x))


# ----------------------------------------------------------------------------- cells (torch.*_cell)
#
# The logistic gates are computed as sigmoid(z) = 0.5 * tanh(z / 2) + 0.5: the halving is folded into
# the weights once (per call, not per step), and ONE tanh over all of an LSTM's gates gives i, f, g, o
# after one multiply-add with constant vectors. tanh is branch-free, where a stable logistic needs a
# select on the sign of z, which is several times slower on unpredictable signs.

def _gate_scales(mode, H, dt, xp):
    """(scale of the pre-activations, a, b) with gates = a * tanh(scale * z) + b; None for plain RNNs."""
    if mode == "LSTM":
        half, one = xp.full(H, 0.5, dt), xp.ones(H, dt)
        zero = xp.zeros(H, dt)
        s = xp.concatenate([half, half, one, half])
        return s, s, xp.concatenate([half, half, zero, half])
    if mode == "GRU":
        return xp.concatenate([xp.full(2 * H, 0.5, dt), xp.ones(H, dt)]), None, None
    return None, None, None


def _prepare(mode, x, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    """Per-call setup shared by every step: the input gates of all steps ``x W_ih^T + b`` (one matmul,
    the gate scaling folded into ``W_ih^T`` and ``b``: exact, the scales being 0.5 and 1, and a
    (I, G) product instead of one over all steps), W_hh^T (scaled), GRU's b_hh (scaled), W_hr^T, and
    the affine constants of the gates."""
    H = _shape(w_hh)[0] // _GATES[mode]
    s, a, b = _gate_scales(mode, H, _dtype(w_hh), array_module(w_hh))
    w_ihT, w_hhT, bias = fnp.transpose(w_ih), fnp.transpose(w_hh), _input_bias(mode, b_ih, b_hh)
    if s is not None:
        w_ihT, w_hhT = w_ihT * s, w_hhT * s
        bias = None if bias is None else bias * s
        if mode == "GRU" and b_hh is not None:
            b_hh = b_hh * s
    gx = fnp.matmul(x, w_ihT)
    gx = gx if bias is None else gx + bias
    return gx, (w_hhT, b_hh if mode == "GRU" else None, None if w_hr is None else fnp.transpose(w_hr), a, b, H)


def _pointwise(mode, gx, h, c, prep):
    """One step from the (prepared) input part of the gates ``gx``: ``(h', c')``."""
    w_hhT, b_hh, w_hrT, a, b, H = prep
    gh = fnp.matmul(h, w_hhT)
    if mode == "LSTM":
        i, f, g, o = fnp.split(fnp.tanh(gx + gh) * a + b, 4, axis=-1)
        c = f * c + i * g
        h = o * fnp.tanh(c)
        if w_hrT is not None:
            h = fnp.matmul(h, w_hrT)
        return h, c
    if mode == "GRU":
        if b_hh is not None:
            gh = gh + b_hh
        x_rz, x_n = fnp.split(gx, [2 * H], axis=-1)
        h_rz, h_n = fnp.split(gh, [2 * H], axis=-1)
        r, z = fnp.split(fnp.tanh(x_rz + h_rz) * 0.5 + 0.5, 2, axis=-1)
        n = fnp.tanh(x_n + r * h_n)
        return n + z * (h - n), None
    pre = gx + gh
    return (fnp.tanh(pre) if mode == "RNN_TANH" else fnp.maximum(pre, 0.0)), None


def _input_bias(mode, b_ih, b_hh):
    """The bias of the input gates: both biases (GRU keeps b_hh inside its reset gate's product)."""
    if mode != "GRU" and b_hh is not None:
        return b_hh if b_ih is None else b_ih + b_hh
    return b_ih


def _cell(mode, input, h, c, w_ih, w_hh, b_ih, b_hh):
    gx, prep = _prepare(mode, input, w_ih, w_hh, b_ih, b_hh)
    return _pointwise(mode, gx, h, c, prep)


def rnn_tanh_cell(input: ArrayLike, hx: ArrayLike, w_ih: ArrayLike, w_hh: ArrayLike, b_ih: ArrayLike | None = None,
                  b_hh: ArrayLike | None = None) -> Array:
    """``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (torch.rnn_tanh_cell): the next hidden state.

    ``input`` is ``(N, H_in)`` (or ``(H_in,)``), ``hx`` ``(N, H)``; ``w_ih`` is ``(H, H_in)``, ``w_hh`` ``(H, H)``.

    >>> x, h = np.array([[1.0, 2.0]]), np.array([[0.5, -1.0]])
    >>> w_ih, w_hh = np.array([[0.5, 0.0], [0.0, 0.5]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> fgrad.nn.functional.rnn_tanh_cell(x, h, w_ih, w_hh)
    array([[-0.4621,  0.9051]])
    """
    return _cell("RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def rnn_relu_cell(input: ArrayLike, hx: ArrayLike, w_ih: ArrayLike, w_hh: ArrayLike, b_ih: ArrayLike | None = None,
                  b_hh: ArrayLike | None = None) -> Array:
    """``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (torch.rnn_relu_cell): the next hidden state.

    >>> x, h = np.array([[1.0, 2.0]]), np.array([[0.5, -1.0]])
    >>> w_ih, w_hh = np.array([[0.5, 0.0], [0.0, 0.5]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> fgrad.nn.functional.rnn_relu_cell(x, h, w_ih, w_hh)
    array([[0. , 1.5]])
    """
    return _cell("RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def lstm_cell(input: ArrayLike, hx: tuple[ArrayLike, ArrayLike], w_ih: ArrayLike, w_hh: ArrayLike,
              b_ih: ArrayLike | None = None, b_hh: ArrayLike | None = None) -> tuple[Array, Array]:
    """One LSTM step, gates in torch's order i, f, g, o; ``hx = (h, c)`` -> ``(h', c')``.

    ``w_ih`` is ``(4 H, H_in)``, ``w_hh`` ``(4 H, H)``.

    >>> h, c = fgrad.nn.functional.lstm_cell(np.array([[2.0]]), (np.zeros((1, 1)), np.ones((1, 1))),
    ...                      np.full((4, 1), 0.5), np.zeros((4, 1)))
    >>> h, c
    (array([[0.6277]]), array([[1.2878]]))
    """
    return _cell("LSTM", input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)


def gru_cell(input: ArrayLike, hx: ArrayLike, w_ih: ArrayLike, w_hh: ArrayLike, b_ih: ArrayLike | None = None,
             b_hh: ArrayLike | None = None) -> Array:
    """One GRU step, gates r, z, n with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

    ``w_ih`` is ``(3 H, H_in)``, ``w_hh`` ``(3 H, H)``; returns the next hidden state.

    >>> fgrad.nn.functional.gru_cell(np.array([[2.0]]), np.ones((1, 1)), np.full((3, 1), 0.5), np.zeros((3, 1)))
    array([[0.9359]])
    """
    return _cell("GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


# ----------------------------------------------------------------------------- the full recurrence

def _direction(mode, gates, h, c, prep, reverse):
    """One direction over the time-major input gates ``gates`` (L, N, G) as ONE scan:
    (outputs (L, N, H_out) in time order, h_T, c_T)."""
    dt = _dtype(gates, prep[0], h)
    # the carry keeps one dtype through the scan: the state's, promoted as the first step would
    h = h if _dtype(h) == dt else fnp.astype(h, dt)
    c = c if c is None or _dtype(c) == dt else fnp.astype(c, dt)

    def step(carry, gx):
        h, c = _pointwise(mode, gx, carry[0], carry[1], prep)
        return (h, c), h

    (h, c), hs = scan(step, (h, c), gates, reverse=reverse)
    return hs, h, c


def _packed_direction(mode, xs, h, c, prep, reverse, batch_sizes):
    """Run one direction over packed data: ``xs[t]`` holds the input gates of the ``batch_sizes[t]``
    rows that take part in step ``t``; (outputs in time order, h_T, c_T)."""
    steps = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    outs = [None] * len(xs)
    rows = _shape(h)[0]
    for t in steps:
        n = batch_sizes[t]
        if n == rows:
            h, c = _pointwise(mode, xs[t], h, c, prep)
            outs[t] = h
            continue
        # Only the first n rows (longest sequences first) take part; the rest keep their state.
        hn, cn = _pointwise(mode, xs[t], h[:n], None if c is None else c[:n], prep)
        outs[t] = hn
        h = fnp.concatenate([hn, h[n:]], axis=0)
        if c is not None:
            c = fnp.concatenate([cn, c[n:]], axis=0)
    return outs, h, c


def _run_direction(mode, gates, h, c, prep, reverse, L, batch_sizes):
    """One direction of one layer on the 2-D gates (rows: time-major steps): (outputs 2-D, h_T, c_T)."""
    if batch_sizes is None:
        N, G = _shape(h)[0], _shape(gates)[-1]
        hs, h, c = _direction(mode, fnp.reshape(gates, (L, N, G)), h, c, prep, reverse)
        return fnp.reshape(hs, (L * N, _shape(hs)[-1])), h, c
    offsets = np.cumsum(batch_sizes)[:-1].tolist()
    xs = fnp.split(gates, offsets, axis=0) if offsets else [gates]
    hs, h, c = _packed_direction(mode, xs, h, c, prep, reverse, batch_sizes)
    return (fnp.concatenate(hs, axis=0) if len(hs) > 1 else hs[0]), h, c


def recurrent(mode: str, input: ArrayLike, hx: ArrayLike | tuple[ArrayLike, ArrayLike],
              weights: Mapping[str, ArrayLike], num_layers: int, bidirectional: bool = False, dropout: float = 0.0,
              train: bool = False, batch_sizes: Sequence[int] | None = None,
              key: Array | None = None) -> tuple[Array, Any]:
    """The multi-layer recurrence on time-major data (torch's ``_VF.rnn_tanh/lstm/gru``).

    ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
    ``input``: (L, N, H_in), or packed data (sum(batch_sizes), H_in) with ``batch_sizes``
    (Python ints, non-increasing). ``hx``: h_0 of shape (D*num_layers, N, H_out), plus c_0
    (D*num_layers, N, H_cell) as a pair for ``mode="LSTM"``. ``weights``: a dict with torch's
    parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0`` ...).
    Returns ``(output, h_n)`` or ``(output, (h_n, c_n))`` for LSTM, output shaped like ``input``
    with D*H_out features.

    >>> weights = {"weight_ih_l0": np.ones((1, 1)), "weight_hh_l0": np.full((1, 1), 0.5)}
    >>> x = np.array([[[1.0]], [[0.0]], [[-1.0]]])  # (L, N, H_in)
    >>> out, h_n = fgrad.nn.functional.recurrent("RNN_TANH", x, np.zeros((1, 1, 1)), weights, 1)
    >>> out.ravel(), h_n.ravel()
    (array([ 0.7616,  0.3634, -0.6741]), array([-0.6741]))
    """
    lstm = mode == "LSTM"
    h0, c0 = hx if lstm else (hx, None)
    D = 2 if bidirectional else 1
    L: int | None = None
    if batch_sizes is None:
        L, N = _shape(input)[:2]
        x = fnp.reshape(input, (L * N, _shape(input)[2]))
    else:
        batch_sizes = [int(b) for b in batch_sizes]
        x = input
    if dropout and train and num_layers > 1:
        keys = split_key(need_key(key, f"{mode} with dropout"), num_layers - 1)
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = weights["weight_ih" + sfx], weights["weight_hh" + sfx]
            b_ih, b_hh = weights.get("bias_ih" + sfx), weights.get("bias_hh" + sfx)
            w_hr = weights.get("weight_hr" + sfx)
            # all time steps: one matmul (and one scaling) before the recurrence
            gates, prep = _prepare(mode, x, w_ih, w_hh, b_ih, b_hh, w_hr)
            k = layer * D + d
            hs, h, c = _run_direction(mode, gates, h0[k], None if c0 is None else c0[k], prep, d == 1, L,
                                      batch_sizes)
            outs.append(hs)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if D == 1 else fnp.concatenate(outs, axis=-1)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, key=keys[layer])
    if batch_sizes is None:
        x = fnp.reshape(x, (L, N, _shape(x)[-1]))  # type: ignore[arg-type]  # L is set: not packed
    h_n = fnp.stack(h_n)
    return (x, (h_n, fnp.stack(c_n))) if lstm else (x, h_n)


# ----------------------------------------------------------------------------- pure layers

def _check_args(mode, hidden_size, num_layers, dropout, proj_size):
    if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                         "element being zeroed")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                      f"expects num_layers greater than 1, but got dropout={dropout} and "
                      f"num_layers={num_layers}", stacklevel=3)


class RNNBase(Layer):
    """Shared by RNN, LSTM, GRU: hyperparameters, parameters, shape checks, the call.

    ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``; the other arguments are torch's.
    ``apply(params, state, input, hx=None)`` returns ``((output, h_n), state)`` (``(output, (h_n, c_n))``
    for LSTM).

    >>> gru = fgrad.nn.RNNBase("GRU", 4, 3)
    >>> gru.param_shapes()
    {'weight_ih_l0': (9, 4), 'weight_hh_l0': (9, 3), 'bias_ih_l0': (9,), 'bias_hh_l0': (9,)}
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 dtype: DTypeLike = np.float32) -> None:
        _check_args(mode, hidden_size, num_layers, dropout, proj_size)
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        self.dtype = np.dtype(dtype)
        self.num_directions = 2 if bidirectional else 1

    @property
    def _name(self):
        return {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """torch's parameter names and shapes, in torch's registration order."""
        G, H = _GATES[self.mode] * self.hidden_size, self.hidden_size
        H_out = self.proj_size or H
        out: dict[str, tuple[int, ...]] = {}
        for layer in range(self.num_layers):
            for d in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                n_in = self.input_size if layer == 0 else H_out * self.num_directions
                out["weight_ih" + sfx] = (G, n_in)
                out["weight_hh" + sfx] = (G, H_out)
                if self.bias:
                    out["bias_ih" + sfx] = (G,)
                    out["bias_hh" + sfx] = (G,)
                if self.proj_size:
                    out["weight_hr" + sfx] = (self.proj_size, H)
        return out

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        """Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch's reset_parameters."""
        shapes = self.param_shapes()
        bound = 1.0 / math.sqrt(self.hidden_size)
        keys = split_key(key, len(shapes))
        return {n: uniform_init(k, s, -bound, bound, self.dtype) for k, (n, s) in zip(keys, shapes.items())}, {}

    # ------------------------------------------------------------------ shapes
    def state_shapes(self, batch: int | None) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
        """Expected (h_0, c_0) shapes for a batch (``batch=None``: unbatched); c_0 None unless LSTM."""
        lead = (self.num_directions * self.num_layers,) + (() if batch is None else (batch,))
        h = lead + (self.proj_size or self.hidden_size,)
        return h, (lead + (self.hidden_size,) if self.mode == "LSTM" else None)

    def check_input(self, x_shape: Shape, hx_shapes: Sequence[Shape] | None = None,
                    packed: bool = False) -> int | None:
        """torch's checks and messages; returns the batch size (None when unbatched)."""
        nd = len(x_shape)
        if packed:
            if nd != 2:
                raise RuntimeError(f"input must have 2 dimensions, got {nd}")
            batch = None
        else:
            if nd not in (2, 3):
                raise ValueError(f"{self._name}: Expected input to be 2D or 3D, got {nd}D instead")
            batch = None if nd == 2 else x_shape[0 if self.batch_first else 1]
        if x_shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x_shape[-1]}")
        if hx_shapes is None:
            return batch
        lstm = self.mode == "LSTM"
        if not packed:
            want = 2 if nd == 2 else 3
            got = [len(s) for s in hx_shapes]
            if any(g != want for g in got):
                kind = "unbatched 2-D" if nd == 2 else "batched 3-D"
                if lstm:
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({got[0]}-D, {got[1]}-D) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {got[0]}-D tensor")
        return batch

    def check_hidden(self, hx_shapes: Sequence[Shape], batch: int | None) -> None:
        """Shapes of (h_0[, c_0]) against the expected ones (batched layout); torch's RuntimeError if not."""
        h_want, c_want = self.state_shapes(batch)
        if self.mode == "LSTM":
            for i, (got, want) in enumerate(zip(hx_shapes, (h_want, c_want))):
                if tuple(got) != want:
                    raise RuntimeError(f"Expected hidden[{i}] size {want}, got {shape_str(got)}")
        elif tuple(hx_shapes[0]) != h_want:
            raise RuntimeError(f"Expected hidden size {h_want}, got {shape_str(hx_shapes[0])}")

    # ------------------------------------------------------------------ apply
    def apply(self, params: PyTree, state: PyTree, input: ArrayLike,
              hx: ArrayLike | tuple[ArrayLike, ArrayLike] | None = None, *, train: bool = False,
              key: Array | None = None, batch_sizes: Sequence[int] | None = None) -> tuple[Any, PyTree]:
        """``((output, h_n), state)`` (``(output, (h_n, c_n))`` for LSTM).

        ``batch_sizes`` (packed input): ``input`` is the packed data, hx is in the packed
        (sorted) batch order, and ``output`` is packed data too.
        """
        lstm = self.mode == "LSTM"
        packed = batch_sizes is not None
        hx_list = None if hx is None else ([_shape(hx[0]), _shape(hx[1])] if lstm else [_shape(hx)])
        batch = self.check_input(_shape(input), hx_list, packed)
        unbatched = not packed and batch is None
        x = input
        if batch_sizes is not None:  # packed
            batch = int(batch_sizes[0])
        elif unbatched:
            x = fnp.expand_dims(x, 1)
            batch = 1
        elif self.batch_first:
            x = fnp.swapaxes(x, 0, 1)
        if hx is None:
            h_shape, c_shape = self.state_shapes(batch)
            xp, dt = array_module(x), _dtype(x)
            hx = (xp.zeros(h_shape, dt), xp.zeros(c_shape, dt)) if lstm else xp.zeros(h_shape, dt)
        elif unbatched:
            hx = tuple(fnp.expand_dims(s, 1) for s in hx) if lstm else fnp.expand_dims(hx, 1)
        if hx_list is not None:
            self.check_hidden([_shape(s) for s in hx] if lstm else [_shape(hx)], batch)
        out, hid = recurrent(self.mode, x, tuple(hx) if lstm else hx, params, self.num_layers,
                             self.bidirectional, self.dropout, train, batch_sizes, key)
        if unbatched:
            out = fnp.squeeze(out, 1)
            hid = tuple(fnp.squeeze(s, 1) for s in hid) if lstm else fnp.squeeze(hid, 1)
        elif self.batch_first and not packed:
            out = fnp.swapaxes(out, 0, 1)
        return (out, hid), state

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def rnn_mode(nonlinearity: str) -> str:
    """torch's mode of an Elman RNN with ``nonlinearity`` (``"RNN_TANH"``, ``"RNN_RELU"``), or its ValueError.

    >>> fgrad.nn.rnn.rnn_mode("relu")
    'RNN_RELU'
    """
    modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
    if nonlinearity not in modes:
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return modes[nonlinearity]


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    Params ``weight_ih_l{k}`` ``(H, H_in)`` (``(H, D H)`` above layer 0), ``weight_hh_l{k}`` ``(H, H)``,
    biases ``(H,)``, ``_reverse`` for the backward direction; input ``(L, N, H_in)``
    (``(N, L, H_in)`` with ``batch_first``) or unbatched ``(L, H_in)``.

    >>> rnn = fgrad.nn.RNN(4, 3, num_layers=2, bidirectional=True)
    >>> params, state = rnn.init(fgrad.random.key(0))
    >>> params["weight_ih_l1"].shape
    (3, 6)
    >>> (out, h_n), state = rnn.apply(params, state, np.ones((5, 2, 4), np.float32))
    >>> out.shape, h_n.shape
    ((5, 2, 6), (4, 2, 3))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: DTypeLike = np.float32) -> None:
        mode = rnn_mode(nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTM(RNNBase):
    """Long short-term memory, gates i, f, g, o; ``proj_size > 0`` projects h with ``weight_hr``.

    ``apply(params, state, x, (h_0, c_0))`` returns ``((output, (h_n, c_n)), state)``.

    >>> lstm = fgrad.nn.LSTM(3, 5, num_layers=2)
    >>> params, state = lstm.init(fgrad.random.key(0))
    >>> (out, (h, c)), _ = lstm.apply(params, state, np.ones((7, 2, 3), np.float32))
    >>> out.shape, h.shape, c.shape
    ((7, 2, 5), (2, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, gates r, z, n (torch's formulation).

    >>> gru = fgrad.nn.GRU(2, 4, batch_first=True)
    >>> params, state = gru.init(fgrad.random.key(0))
    >>> (out, h), _ = gru.apply(params, state, np.ones((3, 6, 2), np.float32))
    >>> out.shape, h.shape
    ((3, 6, 4), (1, 3, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, dtype)


# ----------------------------------------------------------------------------- cells

class RNNCellBase(Layer):
    """One time step; parameters weight_ih, weight_hh, bias_ih, bias_hh.

    ``mode`` is as :class:`RNNBase`'s; ``apply(params, state, x, hx=None)`` with ``x`` ``(N, H_in)`` or
    ``(H_in,)`` returns the next state.

    >>> fgrad.nn.RNNCellBase("LSTM", 2, 3).param_shapes()
    {'weight_ih': (12, 2), 'weight_hh': (12, 3), 'bias_ih': (12,), 'bias_hh': (12,)}
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        self.dtype = np.dtype(dtype)

    _name = "RNNCell"

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        G = _GATES[self.mode] * self.hidden_size
        out: dict[str, tuple[int, ...]] = {"weight_ih": (G, self.input_size), "weight_hh": (G, self.hidden_size)}
        if self.bias:
            out.update(bias_ih=(G,), bias_hh=(G,))
        return out

    def init(self, key: Array) -> tuple[PyTree, PyTree]:
        shapes = self.param_shapes()
        bound = 1.0 / math.sqrt(self.hidden_size)
        keys = split_key(key, len(shapes))
        return {n: uniform_init(k, s, -bound, bound, self.dtype) for k, (n, s) in zip(keys, shapes.items())}, {}

    def check(self, x_shape: Shape, hx_shapes: Sequence[Shape]) -> None:
        """torch's messages for a cell's input and hidden state shapes."""
        if len(x_shape) not in (1, 2):
            raise ValueError(f"{self._name}: Expected input to be 1D or 2D, got {len(x_shape)}D instead")
        if x_shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x_shape[-1]} expected {self.input_size}")
        batched = len(x_shape) == 2
        for i, s in enumerate(hx_shapes):
            if len(s) != len(x_shape):
                raise RuntimeError(f"{self._name}: Expected hidden[{i}] to be {len(x_shape)}D, got {len(s)}D")
            if batched and s[0] != x_shape[0]:
                raise RuntimeError(f"Input batch size {x_shape[0]} doesn't match hidden{i} batch size {s[0]}")
            if s[-1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s[-1]}, expected "
                                   f"{self.hidden_size}")

    def apply(self, params: PyTree, state: PyTree, input: ArrayLike,
              hx: ArrayLike | tuple[ArrayLike, ArrayLike] | None = None, *, train: bool = False,
              key: Array | None = None) -> tuple[Any, PyTree]:
        lstm = self.mode == "LSTM"
        hx_shapes = [] if hx is None else ([_shape(s) for s in hx] if lstm else [_shape(hx)])
        self.check(_shape(input), hx_shapes)
        unbatched = _dims(input) == 1
        x = fnp.expand_dims(input, 0) if unbatched else input
        if hx is None:
            z = array_module(x).zeros((_shape(x)[0], self.hidden_size), _dtype(x))
            hx = (z, z) if lstm else z
        elif unbatched:
            hx = tuple(fnp.expand_dims(s, 0) for s in hx) if lstm else fnp.expand_dims(hx, 0)
        h, c = _cell(self.mode, x, hx[0] if lstm else hx, hx[1] if lstm else None, params["weight_ih"],
                     params["weight_hh"], params.get("bias_ih"), params.get("bias_hh"))
        out = (h, c) if lstm else h
        if unbatched:
            out = tuple(fnp.squeeze(s, 0) for s in out) if lstm else fnp.squeeze(out, 0)
        return out, state

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    >>> cell = fgrad.nn.RNNCell(3, 2, nonlinearity="relu")
    >>> params, state = cell.init(fgrad.random.key(0))
    >>> h, _ = cell.apply(params, state, np.ones((4, 3), np.float32))
    >>> h.shape, bool((h >= 0).all())
    ((4, 2), True)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype: DTypeLike = np.float32) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h, c) -> (h', c')`` (zeros when ``hx`` is None).

    >>> cell = fgrad.nn.LSTMCell(3, 2)
    >>> params, state = cell.init(fgrad.random.key(0))
    >>> (h, c), _ = cell.apply(params, state, np.ones((4, 3), np.float32))
    >>> h.shape, c.shape
    ((4, 2), (4, 2))
    """

    _name = "LSTMCell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, dtype)


class GRUCell(RNNCellBase):
    """One GRU step: ``h -> h'``.

    >>> cell = fgrad.nn.GRUCell(3, 2, bias=False)
    >>> params, state = cell.init(fgrad.random.key(0))
    >>> sorted(params), cell.apply(params, state, np.ones(3, np.float32))[0].shape
    (['weight_hh', 'weight_ih'], (2,))
    """

    _name = "GRUCell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, dtype)
