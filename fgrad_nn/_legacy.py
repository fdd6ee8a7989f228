"""torch's legacy typed constructors (``torch.FloatTensor``, ``torch.cuda.LongTensor`` ...) and
``torch.autograd.Variable``: names that old programs still use, as thin shells over ``Tensor``.

A typed constructor is not a subclass: every tensor is a ``Tensor``; ``isinstance(t, torch.FloatTensor)``
asks whether ``t`` is a float32 tensor on the CPU, as torch's does.
"""
from __future__ import annotations

import warnings
from typing import Any

from fgrad import backend

from . import _dtypes
from ._ops.creation import empty, tensor
from ._tensor import Size, Tensor, define_methods

__all__ = ["tensortype", "type_name", "cast_to_type", "CPU_TYPES", "CUDA_TYPES", "Variable", "FloatTensor",
           "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor", "LongTensor",
           "BoolTensor"]

# torch's type names by dtype name (Tensor.type() gives these for other dtypes too)
_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "uint8": "Byte",
          "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_CONSTRUCTORS = ("float32", "float64", "float16", "uint8", "int8", "int16", "int32", "int64", "bool")


class tensortype(type):
    """The class of the legacy constructors: calling one makes a tensor of its dtype (and device);
    ``isinstance`` checks a tensor's dtype and device."""

    dtype: Any
    is_cuda: bool
    _torch_name: str
    is_sparse = False

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.is_cuda == cls.is_cuda

    def __repr__(cls) -> str:
        return f"<class '{cls._torch_name}'>"

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        name = cls._torch_name
        if cls.is_cuda:
            if not backend.devices("cuda"):
                raise TypeError(f"type {name} not available: no CUDA GPU (CuPy sees none)")
            device = "cuda" if device is None else device
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype != cls.dtype:
                raise TypeError(f"expected {name} (dtype {cls.dtype}), got a tensor of dtype {t.dtype}")
            return t.detach()
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or \
                (len(args) == 1 and isinstance(args[0], Size)):
            size = tuple(args[0]) if args and isinstance(args[0], Size) else args
            return empty(*size, dtype=cls.dtype, device=device)  # torch's is uninitialised; ours is zeros
        if len(args) == 1 and (isinstance(args[0], (list, tuple)) or hasattr(args[0], "__array__")):
            return tensor(args[0], dtype=cls.dtype, device=device)
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})" if len(args) == 1 else
                        f"new() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)})")


def _make(dtype_name: str, cuda: bool) -> tensortype:
    label = _NAMES[dtype_name]
    torch_name = f"torch.{'cuda.' if cuda else ''}{label}Tensor"
    if cuda:
        example = (f"    >>> isinstance(torch.zeros(2, dtype=torch.{dtype_name}), {torch_name})\n    False\n")
    else:
        example = (f"    >>> {torch_name}(2, 3).shape, {torch_name}([1, 0]).dtype\n"
                   f"    (torch.Size([2, 3]), torch.{dtype_name})\n"
                   f"    >>> isinstance(torch.zeros(2, dtype=torch.{dtype_name}), {torch_name})\n    True\n")
    doc = (f"``{torch_name}``: ``{label}Tensor(2, 3)`` makes a {dtype_name} tensor of that shape (zeros), "
           f"``{label}Tensor([1, 0])`` one of that data; ``isinstance`` checks the dtype"
           + (" and that the tensor is on a CUDA device" if cuda else " and that it is on the CPU")
           + ".\n\n" + example)
    return tensortype(f"{label}Tensor", (), {"__doc__": doc, "__module__": "fgrad_nn.cuda" if cuda else "fgrad_nn",
                                             "_torch_name": torch_name, "dtype": getattr(_dtypes, dtype_name),
                                             "is_cuda": cuda})


CPU_TYPES = {n: _make(n, False) for n in _CONSTRUCTORS}
CUDA_TYPES = {n: _make(n, True) for n in _CONSTRUCTORS}


def type_name(t: Tensor) -> str:
    """``Tensor.type()``: ``'torch.FloatTensor'``, ``'torch.cuda.LongTensor'`` ..."""
    label = _NAMES.get(t.dtype.name, t.dtype.name)
    return f"torch.{'cuda.' if t.is_cuda else ''}{label}Tensor"


def cast_to_type(t: Tensor, dtype: Any) -> Tensor:
    """``Tensor.type(dtype)``: ``t`` cast to a dtype, a legacy type or a type's name; ``t`` itself if it
    already is of that type."""
    if isinstance(dtype, str):
        by_name = {c._torch_name: c for c in (*CPU_TYPES.values(), *CUDA_TYPES.values())}
        if dtype not in by_name:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = by_name[dtype]
    if isinstance(dtype, tensortype):
        if isinstance(t, dtype):
            return t
        return t.to(device="cuda" if dtype.is_cuda else "cpu", dtype=dtype.dtype)
    if isinstance(dtype, _dtypes.dtype):
        return t if t.dtype == dtype else t.to(dtype)
    raise TypeError("dtype must be a type, str, or dtype object")


def type_(self: Tensor, dtype: Any = None) -> Any:
    """``Tensor.type``: the type's name (``'torch.FloatTensor'``), or ``self`` cast to ``dtype`` (a dtype,
    a legacy type such as ``torch.DoubleTensor``, or its name)."""
    return type_name(self) if dtype is None else cast_to_type(self, dtype)


# Added here rather than in fgrad_nn._ops (which this module imports): t.type() belongs with the legacy types.
define_methods({"type": type_})


class VariableMeta(type):
    """Every Tensor is a Variable (``isinstance(t, Variable)`` is always True for tensors)."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=VariableMeta):
    """``torch.autograd.Variable``, merged into Tensor since torch 0.4: ``Variable(t)`` is ``t`` detached,
    with ``requires_grad`` as given (``volatile`` has no effect).

    >>> v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    >>> v.requires_grad, isinstance(torch.ones(2), torch.autograd.Variable)
    (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False,  # type: ignore[misc]
                volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if data is None:
            return empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


FloatTensor = CPU_TYPES["float32"]
DoubleTensor = CPU_TYPES["float64"]
HalfTensor = CPU_TYPES["float16"]
ByteTensor = CPU_TYPES["uint8"]
CharTensor = CPU_TYPES["int8"]
ShortTensor = CPU_TYPES["int16"]
IntTensor = CPU_TYPES["int32"]
LongTensor = CPU_TYPES["int64"]
BoolTensor = CPU_TYPES["bool"]
