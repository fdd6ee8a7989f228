"""``torch.nn.utils.rnn``: padding and packing of variable-length sequences.

A :class:`PackedSequence` holds the time-major concatenation of the sequences
sorted by decreasing length: ``data`` (sum(batch_sizes), *), ``batch_sizes[t]``
= how many sequences are longer than ``t``, and the permutation that sorted them.
The recurrent modules accept it and return one.

>>> import fgrad_nn as torch
>>> from fgrad_nn.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence
>>> seqs = [torch.ones(3, 2), torch.ones(1, 2)]
>>> packed = pack_padded_sequence(pad_sequence(seqs), [3, 1])
>>> packed.batch_sizes
tensor([2, 1, 1])
>>> pad_packed_sequence(packed)[1]
tensor([3, 1])
"""
from collections import namedtuple

import numpy as np

import fgrad.numpy as fnp

from ..._tensor import Tensor, apply, wrap

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _ints(x):
    """A list of Python ints from a list, array or (CPU) Tensor."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy() if hasattr(x, "numpy") else x._raw()
    return [int(v) for v in np.asarray(x).reshape(-1).tolist()]


def _long(values):
    return wrap(np.array(values, dtype=np.int64))


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)`` as torch's; build it with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not directly."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None and not isinstance(batch_sizes, Tensor):
            batch_sizes = _long(_ints(batch_sizes))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cuda(self, *args, **kwargs):
        return self._with_data(self.data.cuda(*args, **kwargs))

    def cpu(self):
        return self._with_data(self.data.cpu())

    def double(self):
        return self._with_data(self.data.double())

    def float(self):
        return self._with_data(self.data.float())

    def half(self):
        return self._with_data(self.data.half())

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse permutation (None for None)."""
    if permutation is None:
        return None
    p = _ints(permutation)
    inv = np.empty(len(p), np.int64)
    inv[p] = np.arange(len(p))
    return _long(inv)


def _batch_sizes(lengths):
    """``batch_sizes[t]``: how many of the (sorted) ``lengths`` exceed ``t``."""
    lengths = np.asarray(lengths)
    return [int(v) for v in (lengths[None, :] > np.arange(int(lengths.max()))[:, None]).sum(1)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of ``lengths``.

    With ``enforce_sorted=True`` the lengths must be decreasing; otherwise the batch is
    sorted here and the permutation kept in the result.
    """
    lens = _ints(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(lens[:-1], lens[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order = None
    else:
        order = np.argsort(-np.asarray(lens), kind="stable")
        lens = [lens[i] for i in order]
    if lens and min(lens) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    bdim = 0 if batch_first else 1
    if input.shape[bdim] != len(lens):
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} (batch_size="
                           f"{input.shape[bdim]})")
    if lens and max(lens) > input.shape[1 - bdim]:
        raise RuntimeError(f"Expected sequence length to be at most {input.shape[1 - bdim]}, but got {max(lens)}")
    sizes = _batch_sizes(lens)

    def pack(x):
        if batch_first:
            x = fnp.swapaxes(x, 0, 1)
        if order is not None:
            x = fnp.take(x, fnp.get_array_module(x).asarray(order), axis=1)
        return fnp.concatenate([x[t, :n] for t, n in enumerate(sizes)], axis=0)

    data = apply(pack, (input,))
    sorted_indices = None if order is None else _long(order)
    return PackedSequence(data, _long(sizes), sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original batch order."""
    sizes = _ints(sequence.batch_sizes)
    T, B = len(sizes), sizes[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
        T_out = total_length
    else:
        T_out = T
    unsorted = None if sequence.unsorted_indices is None else np.asarray(_ints(sequence.unsorted_indices))
    offsets = np.cumsum(sizes)[:-1].tolist()

    def unpack(d):
        pieces = fnp.split(d, offsets, axis=0) if offsets else [d]
        extra = [(0, 0)] * (len(fnp.shape(d)) - 1)
        rows = [fnp.pad(p, [(0, B - n)] + extra, constant_values=padding_value) if n < B else p
                for p, n in zip(pieces, sizes)]
        x = fnp.stack(rows)
        if T_out > T:
            x = fnp.pad(x, [(0, T_out - T), (0, 0)] + extra, constant_values=padding_value)
        if unsorted is not None:
            x = fnp.take(x, fnp.get_array_module(x).asarray(unsorted), axis=1)
        return fnp.swapaxes(x, 0, 1) if batch_first else x

    padded = apply(unpack, (sequence.data,))
    lengths = np.asarray([sum(1 for s in sizes if s > b) for b in range(B)], np.int64)
    if unsorted is not None:
        lengths = lengths[unsorted]
    return padded, _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (or (B, max L, *)), padding with ``padding_value``."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    T = max(s.shape[0] for s in sequences)

    def pad(*xs):
        rows = []
        for x in xs:
            n = fnp.shape(x)[0]
            extra = [(0, 0)] * (len(fnp.shape(x)) - 1)
            spec = [(0, T - n) if padding_side == "right" else (T - n, 0)] + extra
            rows.append(fnp.pad(x, spec, constant_values=padding_value) if n < T else x)
        return fnp.stack(rows, axis=0 if batch_first else 1)

    return apply(pad, tuple(sequences))


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences (inverse of :func:`pad_sequence`)."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(_ints(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (``pad_sequence`` then ``pack_padded_sequence``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences of a PackedSequence (inverse of :func:`pack_sequence`)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
