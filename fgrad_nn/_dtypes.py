"""torch dtypes over NumPy dtypes, and torch's type promotion.

Promotion follows torch: the highest category (bool < integer < floating) wins;
within it, tensors with dimensions decide, then 0-d tensors, then Python
scalars (a Python float gives the default dtype, a Python int gives int64).
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from fgrad import backend

__all__ = ["dtype", "float16", "float32", "float64", "half", "float", "double", "bfloat16",
           "int8", "int16", "int32", "int64", "uint8", "short", "int", "long", "bool",
           "complex64", "complex128", "cfloat", "cdouble",
           "get_default_dtype", "set_default_dtype", "promote_types", "finfo", "iinfo"]

_builtin_bool, _builtin_float, _builtin_int = bool, float, int


class dtype:
    """A tensor's element type: ``torch.float32`` and friends (``.np`` is the NumPy dtype in fgrad_nn).

    >>> torch.float32, torch.float32.is_floating_point, torch.int64.itemsize
    (torch.float32, True, 8)
    >>> torch.tensor([1, 2]).dtype == torch.int64
    True
    """

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        if np_dtype is None:  # bfloat16: `.np` imports ml_dtypes on first use (see __getattr__)
            self.is_floating_point, self.is_complex, self.is_signed, self.itemsize = True, False, True, 2
            return
        self.np = np.dtype(np_dtype)
        self.is_floating_point = backend.is_floating(self.np)
        self.is_complex = self.np.kind == "c"
        self.is_signed = self.is_floating_point or self.np.kind in "ic"
        self.itemsize = self.np.itemsize

    def __getattr__(self, attr: str) -> np.dtype:
        # runs only while the `np` slot is unset, i.e. for bfloat16 before its first use
        if attr == "np" and self.name == "bfloat16":
            self.np = backend.bfloat16()
            return self.np
        raise AttributeError(f"'torch.dtype' object has no attribute '{attr}'")

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
bfloat16 = dtype("bfloat16", None)  # ml_dtypes' bfloat16 (NumPy has none)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)

_FROM_NP = {d.np: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool,
                              complex64, complex128)}
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3, "V": 2}  # "V": bfloat16, NumPy's kind for it


class _Default:
    dtype = float32


_DEFAULT = _Default()


def get_default_dtype() -> dtype:
    """The dtype Python floats become (``float32`` unless ``set_default_dtype`` changed it).

    >>> torch.get_default_dtype()
    torch.float32
    """
    return _DEFAULT.dtype


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (a floating dtype) the dtype of Python floats and of ``torch.zeros``, ``torch.rand``, ...

    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.5]).dtype
    torch.float64
    >>> torch.set_default_dtype(torch.float32)
    """
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _DEFAULT.dtype = d


def from_np(np_dtype: Any) -> dtype:
    """The torch dtype of a NumPy dtype (unsigned/other widths map to the nearest torch one)."""
    d = _FROM_NP.get(np_dtype)
    if d is None:
        d = _FROM_NP.get(np.dtype(np_dtype))
        if d is None:
            if np.dtype(np_dtype).name == "bfloat16":
                return bfloat16
            raise TypeError(f"NumPy dtype {np_dtype} has no torch equivalent in fgrad_nn")
    return d


def to_np(d: Any) -> np.dtype | None:
    """NumPy dtype from a torch dtype, a NumPy dtype, a Python type or None (-> None)."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.np
    if d is _builtin_float:
        return _DEFAULT.dtype.np
    if d is _builtin_int:
        return np.dtype(np.int64)
    if d is _builtin_bool:
        return np.dtype(np.bool_)
    return np.dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to; a higher category wins outright.

    >>> torch.promote_types(torch.int32, torch.float16), torch.promote_types(torch.uint8, torch.int8)
    (torch.float16, torch.int16)
    >>> torch.promote_types(torch.bfloat16, torch.float16), torch.promote_types(torch.int64, torch.bfloat16)
    (torch.float32, torch.bfloat16)
    """
    return from_np(result_np([to_np(a), to_np(b)], (), ()))


def scalar_np(v: complex) -> np.dtype:
    """The dtype torch gives a Python scalar on its own."""
    if isinstance(v, _builtin_bool):
        return np.dtype(np.bool_)
    if isinstance(v, _builtin_int):
        return np.dtype(np.int64)
    if isinstance(v, complex):
        return np.dtype(np.complex64 if _DEFAULT.dtype is float32 else np.complex128)
    return _DEFAULT.dtype.np


def result_np(dims: Any, zerod: Any, scalars: Any) -> np.dtype:
    """torch's promotion: NumPy dtypes of tensors with dims, of 0-d tensors, and Python scalars."""
    best = -1
    for group in (dims, zerod):
        for d in group:
            r = _KIND_RANK[d.kind]
            if r > best:
                best = r
    for v in scalars:
        r = 0 if isinstance(v, _builtin_bool) else 1 if isinstance(v, _builtin_int) else \
            3 if isinstance(v, complex) else 2
        if r > best:
            best = r
    for group in (dims, zerod):
        sel = [d for d in group if _KIND_RANK[d.kind] == best]
        if sel:
            out = sel[0]
            for d in sel[1:]:
                out = np.promote_types(out, d)
            return out
    for v in scalars:
        d = scalar_np(v)
        if _KIND_RANK[d.kind] == best:
            return d
    return _DEFAULT.dtype.np


class finfo:
    """The limits of a floating dtype (default: the default dtype): ``eps``, ``max``, ``min``, ``tiny``, ``bits``.

    >>> torch.finfo(torch.float32).eps, torch.finfo(torch.float16).max, torch.finfo(torch.float64).bits
    (1.1920928955078125e-07, 65504.0, 64)
    >>> torch.finfo(torch.bfloat16).eps, torch.finfo(torch.bfloat16).resolution
    (0.0078125, 0.01)
    """

    def __init__(self, type: dtype | None = None) -> None:
        f = np.finfo(to_np(type or _DEFAULT.dtype))
        self.eps, self.max, self.min, self.tiny = (_builtin_float(f.eps), _builtin_float(f.max),
                                                   _builtin_float(f.min), _builtin_float(f.tiny))
        # ml_dtypes stores bfloat16's resolution rounded to bfloat16 (0.0100098); torch's is 10**-precision
        self.bits, self.resolution = f.bits, _builtin_float(f.resolution) if f.bits != 16 or \
            f.precision != 2 else 10.0 ** -f.precision
        self.smallest_normal = self.tiny


class iinfo:
    """The limits of an integer dtype: ``min``, ``max``, ``bits``.

    >>> torch.iinfo(torch.int8).min, torch.iinfo(torch.int8).max, torch.iinfo(torch.int64).bits
    (-128, 127, 64)
    """

    def __init__(self, type: dtype) -> None:
        f = np.iinfo(to_np(type))
        self.bits, self.max, self.min = f.bits, _builtin_int(f.max), _builtin_int(f.min)
