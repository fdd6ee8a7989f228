"""``torch.utils.dlpack``: tensors to and from other libraries (NumPy, PyTorch, CuPy, JAX) without a copy.

>>> import fgrad_nn.utils.dlpack as dlpack
>>> t = dlpack.from_dlpack(np.arange(3.0))
>>> t
tensor([0., 1., 2.], dtype=torch.float64)
"""
from __future__ import annotations

import ctypes
import enum
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.numpy as fnp

from .. import _dtypes
from .._tensor import Tensor, _dlpack_storage, wrap

if TYPE_CHECKING:
    from .._device import device as Device

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """DLPack's device types, as ``__dlpack_device__`` reports them.

    >>> from fgrad_nn.utils.dlpack import DLDeviceType
    >>> DLDeviceType(torch.ones(1).__dlpack_device__()[0]).name
    'kDLCPU'
    """

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule over ``tensor``'s storage; whoever consumes it shares the memory.

    A capsule can be consumed once. A tensor that requires grad, or one being traced by an
    fgrad transform, cannot be exported (``BufferError``).

    >>> import fgrad_nn.utils.dlpack as dlpack
    >>> t = torch.arange(4)
    >>> u = dlpack.from_dlpack(dlpack.to_dlpack(t))
    >>> _ = u.mul_(10)
    >>> t
    tensor([ 0, 10, 20, 30])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
    return _dlpack_storage(tensor).__dlpack__()


def from_dlpack(ext_tensor: Any, *, device: Device | str | None = None, copy: bool | None = None) -> Tensor:
    """A Tensor sharing memory with ``ext_tensor``: an object with ``__dlpack__`` or a DLPack capsule.

    NumPy arrays, PyTorch CPU tensors and CuPy arrays all qualify; in-place changes through
    either side are seen by the other. ``device`` places the result (copying if it must),
    ``copy=True`` always copies.

    >>> a = np.zeros(3, dtype=np.float32)
    >>> t = torch.from_dlpack(a)
    >>> _ = t.fill_(5)
    >>> a
    array([5., 5., 5.], dtype=float32)
    """
    if isinstance(ext_tensor, Tensor):
        source: Any = _dlpack_storage(ext_tensor)
    elif type(ext_tensor).__name__ == "PyCapsule":
        source = _Capsule(ext_tensor)
        if not source.versioned and source.__dlpack_device__()[0] == DLDeviceType.kDLCPU:
            source = source.consume()
    else:
        source = ext_tensor
    arr = fnp.from_dlpack(source, device=None if device is None else str(device), copy=copy)
    try:
        _dtypes.from_np(arr.dtype)
    except TypeError:
        raise TypeError(f"from_dlpack: fgrad_nn tensors do not support dtype {arr.dtype}") from None
    return wrap(arr)


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


# Where the DLTensor sits in what a capsule points at: first in DLManagedTensor ("dltensor", torch's
# to_dlpack), after a version, two pointers and 64-bit flags in DLManagedTensorVersioned.
_TENSOR_OFFSET = {b"dltensor": 0, b"dltensor_versioned": 8 + 2 * ctypes.sizeof(ctypes.c_void_p) + 8}
_USED = b"used_dltensor"  # kept alive here: the capsule keeps only a pointer to its name
_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_KINDS = {0: "i", 1: "u", 2: "f", 5: "c", 6: "b"}  # DLPack's dtype codes (4, bfloat, has no NumPy twin)


class _Capsule:
    """A bare DLPack capsule (``torch.utils.dlpack.to_dlpack``'s result), read or handed on.

    NumPy takes an unversioned capsule only as read-only memory, while torch's consumers write
    through it; so :meth:`consume` makes a host capsule an array here, over its DLTensor, as a
    consumer does: the capsule is renamed ``used_dltensor`` (so it cannot be consumed twice) and
    the producer's deleter runs when the array (whose base is this object) is freed.
    """

    def __init__(self, capsule: Any) -> None:
        api = ctypes.pythonapi
        api.PyCapsule_GetName.restype, api.PyCapsule_GetName.argtypes = ctypes.c_char_p, [ctypes.py_object]
        api.PyCapsule_GetPointer.restype = ctypes.c_void_p
        api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        name = api.PyCapsule_GetName(capsule)
        if name not in _TENSOR_OFFSET:
            raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
                               "consumed only once, so you might have already constructed a tensor from it once.")
        self.capsule, self.versioned = capsule, name == b"dltensor_versioned"
        self.managed = api.PyCapsule_GetPointer(capsule, name)
        self.tensor = _DLTensor.from_address(self.managed + _TENSOR_OFFSET[name])

    def consume(self) -> np.ndarray:
        """The host array over an unversioned capsule's memory (see the class docstring)."""
        arr = np.asarray(self)
        deleter = ctypes.c_void_p.from_address(self.managed + ctypes.sizeof(_DLTensor) + ctypes.sizeof(ctypes.c_void_p))
        ctypes.pythonapi.PyCapsule_SetName.argtypes = [ctypes.py_object, ctypes.c_char_p]
        ctypes.pythonapi.PyCapsule_SetName(self.capsule, _USED)
        if deleter.value:
            weakref.finalize(self, _DELETER(deleter.value), self.managed)
        return arr

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.tensor.device.device_type, self.tensor.device.device_id

    @property
    def __array_interface__(self) -> dict[str, Any]:
        t = self.tensor
        kind = _KINDS.get(t.dtype.code)
        if kind is None or t.dtype.lanes != 1:
            raise BufferError(f"from_dlpack: DLPack dtype (code {t.dtype.code}, {t.dtype.bits} bits, "
                              f"{t.dtype.lanes} lanes) has no NumPy dtype")
        size = t.dtype.bits // 8
        shape = tuple(t.shape[i] for i in range(t.ndim))
        strides = None if not t.strides else tuple(t.strides[i] * size for i in range(t.ndim))
        return {"version": 3, "shape": shape, "strides": strides, "typestr": f"|{kind}{size}",
                "data": ((t.data or 0) + t.byte_offset, False)}
