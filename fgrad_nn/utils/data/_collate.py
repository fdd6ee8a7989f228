"""Turning a list of samples into a batch, exactly as ``torch.utils.data.default_collate`` does.

Tensors are stacked; NumPy arrays and scalars become tensors of their own dtype; Python
floats become float64 tensors, ints int64 (bools bool); strings and bytes stay as they are;
mappings, namedtuples and sequences are collated field by field (tuples come back as lists,
like torch).
"""
from __future__ import annotations

import collections.abc
from collections.abc import Callable, Sequence
from typing import Any, Optional, Union
import copy
import re

import numpy as np

from ..._dtypes import float64, result_np
from ..._ops.creation import as_tensor, tensor
from ..._ops.shape import stack
from ..._tensor import Tensor

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

_STR_OR_OBJECT = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def collate_tensor_fn(batch: Sequence[Any], *,
                      collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                      ) -> Any:
    return stack(list(batch), 0)


def collate_numpy_array_fn(batch: Sequence[Any], *,
                           collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                           ) -> Any:
    if _STR_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: Sequence[Any], *,
                            collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                            ) -> Any:
    # torch promotes by category (int8 with float16 -> float16), not NumPy's way
    dt = result_np([np.asarray(b).dtype for b in batch], (), ())
    return as_tensor(np.array(batch, dtype=dt))


def collate_float_fn(batch: Sequence[Any], *,
                     collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                     ) -> Any:
    return tensor(list(batch), dtype=float64)


def collate_int_fn(batch: Sequence[Any], *,
                   collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                   ) -> Any:
    return tensor(list(batch))


def collate_str_fn(batch: Sequence[Any], *,
                   collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None
                   ) -> Any:
    return batch


default_collate_fn_map: dict[Union[type, tuple[type, ...]], Callable[..., Any]] = {Tensor: collate_tensor_fn, np.ndarray: collate_numpy_array_fn,
                          (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
                          float: collate_float_fn, int: collate_int_fn, str: collate_str_fn, bytes: collate_str_fn}


def collate(batch: Sequence[Any], *,
            collate_fn_map: Optional[dict[Union[type, tuple[type, ...]], Callable[..., Any]]] = None) -> Any:
    """Collate ``batch`` (a list of samples) using the per-type functions in ``collate_fn_map``.

    An element type found in the map (exactly, else by ``isinstance`` in insertion order) is
    handled by its function; mappings, namedtuples and sequences recurse.

    >>> torch.utils.data.collate([(1, 2.0), (3, 4.0)], collate_fn_map=torch.utils.data.default_collate_fn_map)
    [tensor([1, 3]), tensor([2., 4.], dtype=torch.float64)]
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone: Any = copy.copy(elem)
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # torch returns a list here too
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(columns):
                    clone[i] = c
                return clone
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (``torch.utils.data.default_collate``).

    >>> torch.utils.data.default_collate([(0, 1.5), (2, 3.5)])
    [tensor([0, 2]), tensor([1.5000, 3.5000], dtype=torch.float64)]
    >>> torch.utils.data.default_collate([{'x': 1, 'y': [1.5, 2.5]}, {'x': 2, 'y': [3.5, 4.5]}])
    {'x': tensor([1, 2]), 'y': [tensor([1.5000, 3.5000], dtype=torch.float64), tensor([2.5000, 4.5000], dtype=torch.float64)]}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars inside ``data`` become tensors; nothing is batched.

    The collate function of a ``DataLoader`` with ``batch_size=None``.

    >>> torch.utils.data.default_convert({'a': np.array([1, 2]), 'b': 'text'})
    {'a': tensor([1, 2]), 'b': 'text'}
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        fields = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone: Any = copy.copy(data)
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(items):
                    clone[i] = d
                return clone
            return elem_type(items)
        except TypeError:
            return items
    return data
