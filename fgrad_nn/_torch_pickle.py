"""Reading ``torch.save`` files without torch, and without ever running code from the file.

A pickle is a program for a small stack machine, and Python's ``pickle`` runs it with the power
to import and call anything. :class:`Machine` is a second interpreter of the same opcodes that can
only build data: lists, dicts, tuples, sets, numbers, strings and bytes directly, and a ``GLOBAL``
only as an entry of an allowlist -- what torch's own ``weights_only=True`` admits (tensor and
storage rebuilds, ``OrderedDict``, ``torch.Size``, ``torch.device``, dtypes), each mapped to
fgrad_nn's counterpart, plus what the user admitted (``fgrad_nn.serialization.add_safe_globals``).
Nothing is imported; any other global is refused with ``pickle.UnpicklingError`` naming it.

Two layouts carry the pickle (:func:`read_zip`, :func:`read_legacy`):

- zip (torch's default since 1.6): ``<name>/data.pkl``, one uncompressed record
  ``<name>/data/<key>`` per storage, and ``<name>/byteorder``;
- legacy (``_use_new_zipfile_serialization=False``): five pickles in a row (magic number,
  protocol version, system info, the object, the storage keys), then each storage as an 8-byte
  element count and its bytes.

Each storage is read once, straight into the array its tensors view (or mapped copy-on-write
with ``mmap=True``), so tensors that shared a storage still share memory, with their offsets and
strides.
"""
from __future__ import annotations

import _compat_pickle
import collections
import io
import math
import pickle
import struct
import warnings
import zipfile
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from fgrad import backend

from . import _dtypes
from ._device import device as torch_device
from ._tensor import Size, Tensor, wrap
from .nn.parameter import Parameter

if TYPE_CHECKING:
    from collections.abc import Callable

UnpicklingError = pickle.UnpicklingError
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


class CheckpointError(ValueError):
    """The file is not a readable checkpoint: truncated, damaged, or not a checkpoint at all.

    >>> import io
    >>> try:
    ...     torch.load(io.BytesIO(b"not a checkpoint"))
    ... except torch.serialization.CheckpointError as e:
    ...     print("damaged" in str(e))
    True
    """


# ---------------------------------------------------------------------------- what torch's globals become

class TorchDtype:
    """A torch dtype that fgrad_nn tensors lack (``torch.bfloat16``, ``torch.uint16`` ...), kept by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class StorageType:
    """``torch.FloatStorage`` and friends: which dtype a storage record holds."""

    def __init__(self, name: str, np_dtype: str | None) -> None:
        self.name, self.np_dtype = name, np_dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class _Marker:
    """An allowlisted torch class that only ever appears as an argument (``torch.Tensor``, layouts)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Storage:
    """One storage record: a flat array on its device (``array`` is None while only scanning)."""

    __slots__ = ("key", "dtype", "numel", "array")

    def __init__(self, key: str, dtype: StorageType, numel: int, array: Any) -> None:
        self.key, self.dtype, self.numel, self.array = key, dtype, numel, array


# torch dtype name -> NumPy dtype of the bytes ("bfloat16": ml_dtypes', imported when a file holds one)
_DTYPE_BYTES = {"float16": "f2", "float32": "f4", "float64": "f8", "bfloat16": "bfloat16", "int8": "i1",
                "int16": "i2", "int32": "i4", "int64": "i8", "uint8": "u1", "bool": "?", "complex64": "c8",
                "complex128": "c16", "uint16": "u2", "uint32": "u4", "uint64": "u8"}
_STORAGES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
             "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
             "QInt8Storage": None, "QUInt8Storage": None, "QInt32Storage": None, "QUInt4x2Storage": None,
             "QUInt2x4Storage": None}
_OTHER_DTYPES = ("complex32", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7", "int1", "int2",
                 "int3", "int4", "int5", "int6", "int7", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                 "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32",
                 "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16")


def _check(ok: bool, msg: str) -> None:
    if not ok:
        raise UnpicklingError(msg)


def _ints(x: Any, what: str) -> tuple[int, ...]:
    _check(isinstance(x, (tuple, list, Size)) and all(type(n) is int and n >= 0 for n in x),
           f"tensor {what} must be a tuple of non-negative ints, got {x!r}")
    return tuple(x)


def _strided(storage: Storage, offset: Any, size: Any, stride: Any) -> Any:
    """The view of ``storage`` torch saved, after checking it stays inside the storage."""
    _check(isinstance(storage, Storage), f"a tensor must be rebuilt from a storage, got {type(storage).__name__}")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    _check(len(size) == len(stride), f"tensor size {size} and stride {stride} differ in length")
    _check(type(offset) is int and offset >= 0, f"storage offset must be a non-negative int, got {offset!r}")
    if storage.array is None:  # scanning pass of a legacy file
        return None
    if math.prod(size):
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        _check(last < storage.numel, f"a tensor of size {size}, stride {stride} and offset {offset} reaches "
                                     f"element {last} of storage {storage.key!r}, which holds {storage.numel}")
    else:
        _check(offset <= storage.numel, f"storage offset {offset} is past the end of storage {storage.key!r}")
    arr = storage.array
    xp = backend.get_array_module(arr)
    flat = arr[offset:]
    return xp.lib.stride_tricks.as_strided(flat, shape=size, strides=tuple(s * arr.itemsize for s in stride))


def _tensor(storage: Storage, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
            backward_hooks: Any = None, metadata: Any = None) -> Tensor | None:
    _check(backward_hooks is None or (isinstance(backward_hooks, dict) and not backward_hooks),
           "tensors with backward hooks cannot be loaded")
    arr = _strided(storage, offset, size, stride)
    if arr is None:
        return None
    try:
        _dtypes.from_np(arr.dtype)
    except TypeError:
        raise UnpicklingError(f"storage {storage.key!r} holds torch.{storage.dtype.name} values, which fgrad_nn "
                              f"tensors do not support") from None
    t = wrap(arr)
    return t.requires_grad_(True) if requires_grad is True else t


def _rebuild_tensor(storage: Storage, offset: Any, size: Any, stride: Any) -> Tensor | None:
    return _tensor(storage, offset, size, stride)


def _rebuild_tensor_v3(storage: Storage, offset: Any, size: Any, stride: Any, requires_grad: Any,
                       backward_hooks: Any, dtype: Any, metadata: Any = None) -> Tensor | None:
    # torch's newer dtypes come as an untyped (byte) storage plus the dtype
    name = dtype.name if isinstance(dtype, TorchDtype) else getattr(dtype, "name", None)
    _check(isinstance(storage, Storage) and name is not None, f"bad arguments to _rebuild_tensor_v3: {dtype!r}")
    if name not in _DTYPE_BYTES or _DTYPE_BYTES[name] == "bfloat16":
        raise UnpicklingError(f"fgrad_nn tensors do not support torch.{name} (storage {storage.key!r})")
    if storage.array is not None:
        dt = np.dtype(_DTYPE_BYTES[name])
        _check(storage.array.dtype == np.uint8 and storage.numel % dt.itemsize == 0,
               f"storage {storage.key!r} cannot hold torch.{name} values")
        storage = Storage(storage.key, storage.dtype, storage.numel // dt.itemsize, storage.array.view(dt))
    return _tensor(storage, offset, size, stride, requires_grad, backward_hooks, metadata)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any) -> Parameter | None:
    _check(data is None or isinstance(data, Tensor), f"a Parameter holds a tensor, got {type(data).__name__}")
    _check(backward_hooks is None or (isinstance(backward_hooks, dict) and not backward_hooks),
           "parameters with backward hooks cannot be loaded")
    return None if data is None else Parameter(data, requires_grad=requires_grad is True)


def _rebuild_parameter_with_state(data: Any, requires_grad: Any, backward_hooks: Any,
                                  state: Any) -> Parameter | None:
    _drop_attributes(state)
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _drop_attributes(state: Any) -> None:
    """Python attributes torch kept on a tensor (``t.foo = 1``): fgrad_nn tensors have no room for them."""
    parts = state if isinstance(state, tuple) else (state,)
    _check(all(p is None or isinstance(p, dict) for p in parts), f"bad tensor state {state!r:.100}")
    names = sorted(str(k) for p in parts if p for k in p)
    if names:
        warnings.warn(f"fgrad_nn.load: fgrad_nn tensors hold no Python attributes; dropped {names} of a loaded "
                      f"tensor", UserWarning, stacklevel=2)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: Any, state: Any) -> Any:
    _check(func in (_rebuild_tensor, _tensor_v2, _rebuild_tensor_v3, _rebuild_parameter)
           and isinstance(args, tuple), "_rebuild_from_type_v2 of an unknown rebuild function")
    _check(new_type is _TENSOR_MARKER or new_type is _PARAMETER_MARKER,
           f"tensor subclasses cannot be loaded (got {new_type!r})")
    _drop_attributes(state)
    t = func(*args)
    if new_type is _PARAMETER_MARKER and t is not None and not isinstance(t, Parameter):
        t = Parameter(t, requires_grad=t.requires_grad)
    return t


def _tensor_v2(storage: Storage, offset: Any, size: Any, stride: Any, requires_grad: Any,
               backward_hooks: Any, metadata: Any = None) -> Tensor | None:
    return _tensor(storage, offset, size, stride, requires_grad, backward_hooks, metadata)


def _unsupported(kind: str) -> Callable[..., Any]:
    def refuse(*args: Any) -> Any:
        raise UnpicklingError(f"fgrad_nn cannot load {kind} tensors")
    return refuse


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    # how protocol 2 spells bytes: _codecs.encode(str, 'latin1')
    _check(isinstance(text, str) and encoding in ("latin1", "latin-1"), "_codecs.encode is only admitted for bytes")
    return text.encode("latin1")


def _bytearray(*args: Any) -> bytearray:
    _check(len(args) <= 1 and all(isinstance(a, (bytes, bytearray, list)) for a in args),
           "bytearray is only admitted for its bytes")
    return bytearray(*args)


def _size(dims: Any = ()) -> Size:
    return Size(_ints(dims, "torch.Size"))


def _device(*args: Any) -> torch_device:
    _check(1 <= len(args) <= 2 and isinstance(args[0], str) and all(type(a) is int for a in args[1:]),
           f"bad torch.device arguments {args!r}")
    return torch_device(*args)


_TENSOR_MARKER, _PARAMETER_MARKER = _Marker("torch.Tensor"), _Marker("torch.nn.parameter.Parameter")


def _allowed() -> dict[str, Any]:
    """torch's weights_only allowlist, by full name, as fgrad_nn objects."""
    rc: dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict, "collections.Counter": collections.Counter,
        "builtins.set": set, "builtins.bytearray": _bytearray,
        "builtins.complex": complex, "_codecs.encode": _encode,
        "torch.Size": _size, "torch.device": _device, "torch.Tensor": _TENSOR_MARKER,
        "torch.nn.parameter.Parameter": _PARAMETER_MARKER,
        "torch.serialization._get_layout": _unsupported("sparse"),
        "torch.storage.UntypedStorage": StorageType("UntypedStorage", "u1"),
        "torch._utils._rebuild_tensor": _rebuild_tensor, "torch._utils._rebuild_tensor_v2": _tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    }
    for kind, names in [("sparse", ["_rebuild_sparse_tensor"]), ("quantized", ["_rebuild_qtensor"]),
                        ("nested", ["_rebuild_nested_tensor"]), ("meta", ["_rebuild_meta_tensor_no_storage"]),
                        ("subclass", ["_rebuild_wrapper_subclass"]),
                        ("device", ["_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor"])]:
        for n in names:
            rc[f"torch._utils.{n}"] = _unsupported(kind)
    for name, dt in _STORAGES.items():
        rc[f"torch.{name}"] = StorageType(name, None if dt is None else _DTYPE_BYTES[dt])
    for name in list(_DTYPE_BYTES) + list(_OTHER_DTYPES):
        d = getattr(_dtypes, name, None)
        rc[f"torch.{name}"] = d if isinstance(d, _dtypes.dtype) else TorchDtype(name)
    for scheme in ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric",
                   "per_channel_affine_float_qparams"):
        rc[f"torch.{scheme}"] = _Marker(f"torch.{scheme}")
    return rc


ALLOWED = _allowed()
_CONTAINERS = (collections.OrderedDict, collections.Counter)  # the classes REDUCE/NEWOBJ/BUILD may make


# ---------------------------------------------------------------------------- the machine

class Machine:
    """Runs one pickle from ``data[pos:]`` building only data; ``run()`` -> (object, end position).

    ``user`` maps full names to objects the user admitted; ``persistent_load(pid)`` answers
    ``BINPERSID`` (storage references). Only admitted callables are ever called.
    """

    def __init__(self, data: Any, pos: int, user: dict[str, Any],
                 persistent_load: Callable[[Any], Any] | None) -> None:
        self.data, self.pos, self.end = data, pos, len(data)
        self.user = user
        self.persistent_load = persistent_load
        admitted = list(ALLOWED.values()) + list(user.values())
        self.callables: dict[int, Any] = {id(v): v for v in admitted if callable(v)}
        self.user_types = {id(v): v for v in user.values() if isinstance(v, type)}
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.proto = 0

    # -- reading
    def read(self, n: int) -> Any:
        if n < 0 or self.pos + n > self.end:
            raise UnpicklingError("pickle data was truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def readline(self) -> bytes:
        start = self.pos
        while True:
            chunk = bytes(self.data[self.pos:self.pos + 256])
            i = chunk.find(b"\n")
            if i >= 0:
                self.pos += i + 1
                return bytes(self.data[start:self.pos - 1])
            if not chunk:
                raise UnpicklingError("pickle data was truncated")
            self.pos += len(chunk)

    def uint(self, n: int) -> int:
        return int.from_bytes(self.read(n), "little")

    # -- stack
    def pop_mark(self) -> list[Any]:
        if not self.marks:
            raise UnpicklingError("could not find MARK")
        k = self.marks.pop()
        items = self.stack[k:]
        del self.stack[k:]
        return items

    def pop(self) -> Any:
        if not self.stack:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack.pop()

    def top(self) -> Any:
        if not self.stack:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack[-1]

    # -- globals and calls
    def find(self, module: str, name: str) -> Any:
        if self.proto < 3:  # Python 2 names, as pickle's fix_imports maps them
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if full in self.user:
            return self.user[full]
        if full in ALLOWED:
            return ALLOWED[full]
        raise Refused(full)

    def call(self, func: Any, args: Any) -> Any:
        fn = self.callables.get(id(func))
        if fn is None or fn is not func:
            raise UnpicklingError(f"Trying to call reduce for unrecognized function {func!r}")
        _check(isinstance(args, tuple), "REDUCE arguments must be a tuple")
        try:
            return fn(*args)
        except (TypeError, ValueError, OverflowError, RecursionError) as e:
            raise UnpicklingError(f"bad arguments to {func!r}: {e}") from None

    def new(self, cls: Any, args: Any, kwargs: Any) -> Any:
        _check(isinstance(args, tuple) and isinstance(kwargs, dict), "NEWOBJ arguments must be a tuple")
        if cls is _PARAMETER_MARKER:  # torch.nn.Parameter(data, requires_grad)
            _check(1 <= len(args) <= 2 and not kwargs, "bad torch.nn.Parameter arguments")
            return _rebuild_parameter(args[0], args[1] if len(args) > 1 else True, None)
        if any(cls is c for c in _CONTAINERS) or self.user_types.get(id(cls)) is cls:
            return cls.__new__(cls, *args, **kwargs)
        raise UnpicklingError(f"Can only create new object for nn.Parameter or classes allowlisted via "
                              f"`add_safe_globals` but got {cls!r}")

    def build(self, inst: Any, state: Any) -> None:
        user = self.user_types.get(id(type(inst))) is type(inst)
        if not user and not any(type(inst) is c for c in _CONTAINERS):
            raise UnpicklingError(f"Can only build objects of classes allowlisted via `add_safe_globals`, "
                                  f"got a {type(inst).__module__}.{type(inst).__qualname__}")
        setstate = getattr(inst, "__setstate__", None) if user else None
        if setstate is not None:  # the user trusted this class with its own state
            setstate(state)
            return
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        _check(slots is None or user, "slot state is only admitted for classes allowlisted via `add_safe_globals`")
        for part in (state, slots):
            if part is None:
                continue
            _check(isinstance(part, dict) and all(isinstance(k, str) for k in part), "BUILD state must be a dict")
            if part is state:
                inst.__dict__.update(part)
            else:
                for k, v in part.items():
                    setattr(inst, k, v)

    def run(self) -> tuple[Any, int]:
        ops = _OPS
        while True:
            code = self.read(1)[0]
            op = ops.get(code)
            if op is None:
                raise UnpicklingError(f"Unsupported operand {code}")
            if op is _stop:
                return self.pop(), self.pos
            op(self)


class Refused(UnpicklingError):
    """A GLOBAL outside the allowlist."""

    def __init__(self, full: str) -> None:
        super().__init__(full)
        self.full = full


def _stop(m: Machine) -> None:
    raise AssertionError("handled in run()")


def _memo_get(m: Machine, i: int) -> None:
    if i not in m.memo:
        raise UnpicklingError(f"memo key {i} missing")
    m.stack.append(m.memo[i])


def _setitems(m: Machine, items: list[Any]) -> None:
    d = m.top()
    _check(isinstance(d, dict) and (type(d) in (dict, collections.OrderedDict, collections.Counter)
                                    or m.user_types.get(id(type(d))) is type(d)),
           f"SETITEMS on a {type(d).__name__}")
    _check(len(items) % 2 == 0, "odd number of items for SETITEMS")
    try:
        for i in range(0, len(items), 2):
            d[items[i]] = items[i + 1]
    except TypeError as e:
        raise UnpicklingError(f"bad dict key: {e}") from None


def _appends(m: Machine, items: list[Any]) -> None:
    lst = m.top()
    _check(type(lst) is list, f"APPENDS on a {type(lst).__name__}")
    lst.extend(items)


def _hashable(fn: Callable[[Any], Any], items: Any) -> Any:
    try:
        return fn(items)
    except TypeError as e:
        raise UnpicklingError(f"bad set item: {e}") from None


def _additems(m: Machine) -> None:
    items = m.pop_mark()
    s = m.top()
    _check(type(s) is set, f"ADDITEMS on a {type(s).__name__}")
    _hashable(s.update, items)


def _text_int(m: Machine) -> None:
    line = m.readline()
    if line in (b"00", b"01"):
        m.stack.append(line == b"01")
    else:
        m.stack.append(_parse_int(line))


def _parse_int(line: bytes) -> int:
    try:
        return int(line.rstrip(b"L"), 0 if line.startswith(b"0x") else 10)
    except ValueError:
        raise UnpicklingError(f"bad integer {line[:20]!r}") from None


def _text_string(m: Machine) -> None:
    line = m.readline()
    _check(len(line) >= 2 and line[:1] == line[-1:] and line[:1] in (b"'", b'"'), "bad STRING quotes")
    m.stack.append(_py2_str(_unescape(line[1:-1])))


def _unescape(raw: bytes) -> bytes:
    try:
        return raw.decode("latin1").encode("latin1").decode("unicode_escape").encode("latin1")
    except (UnicodeError, ValueError):
        raise UnpicklingError("bad STRING escapes") from None


def _py2_str(raw: Any) -> str:
    try:
        return bytes(raw).decode("utf-8")  # a Python 2 str, decoded as torch.load decodes them
    except UnicodeDecodeError:
        raise UnpicklingError("a Python 2 string is not valid UTF-8") from None


def _unicode(raw: Any) -> str:
    try:
        return bytes(raw).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise UnpicklingError("bad UTF-8 in a string") from None


def _text_unicode(m: Machine) -> None:
    try:
        m.stack.append(m.readline().decode("raw_unicode_escape"))
    except UnicodeDecodeError:
        raise UnpicklingError("bad UNICODE escapes") from None


def _float_text(m: Machine) -> None:
    try:
        m.stack.append(float(m.readline()))
    except ValueError:
        raise UnpicklingError("bad FLOAT") from None


def _persid(m: Machine) -> None:
    pid, load = m.pop(), m.persistent_load
    if load is None:
        raise UnpicklingError("unsupported persistent id encountered")
    m.stack.append(load(pid))


def _global(m: Machine) -> None:
    module = m.readline().decode("utf-8", "replace")
    name = m.readline().decode("utf-8", "replace")
    m.stack.append(m.find(module, name))


def _stack_global(m: Machine) -> None:
    name, module = m.pop(), m.pop()
    _check(isinstance(module, str) and isinstance(name, str), "STACK_GLOBAL needs two strings")
    m.stack.append(m.find(module, name))


def _reduce(m: Machine) -> None:
    args = m.pop()
    m.stack[-1] = m.call(m.top(), args)


def _newobj(m: Machine) -> None:
    args = m.pop()
    m.stack[-1] = m.new(m.top(), args, {})


def _newobj_ex(m: Machine) -> None:
    kwargs, args = m.pop(), m.pop()
    m.stack[-1] = m.new(m.top(), args, kwargs)


def _build(m: Machine) -> None:
    state = m.pop()
    m.build(m.top(), state)


def _dict_from_mark(m: Machine) -> None:
    items = m.pop_mark()
    m.stack.append({})
    _setitems(m, items)


def _put(m: Machine, i: int) -> None:
    m.memo[i] = m.top()


def _tuple_n(n: int) -> Callable[[Machine], None]:
    def op(m: Machine) -> None:
        if len(m.stack) < n:
            raise UnpicklingError("unpickling stack underflow")
        items = tuple(m.stack[len(m.stack) - n:])
        del m.stack[len(m.stack) - n:]
        m.stack.append(items)
    return op


def _proto(m: Machine) -> None:
    m.proto = m.read(1)[0]
    _check(m.proto <= pickle.HIGHEST_PROTOCOL, f"unsupported pickle protocol: {m.proto}")


def _pop(m: Machine) -> None:
    if m.stack and (not m.marks or len(m.stack) > m.marks[-1]):
        m.stack.pop()
    else:
        m.pop_mark()


def _op_table() -> dict[int, Callable[[Machine], Any]]:
    P = pickle
    sint = struct.Struct("<i")
    table: dict[bytes, Callable[[Machine], Any]] = {
        P.STOP: _stop, P.PROTO: _proto, P.FRAME: lambda m: m.read(8),
        P.MARK: lambda m: m.marks.append(len(m.stack)),
        P.POP: _pop, P.POP_MARK: lambda m: m.pop_mark() and None, P.DUP: lambda m: m.stack.append(m.top()),
        P.NONE: lambda m: m.stack.append(None), P.NEWTRUE: lambda m: m.stack.append(True),
        P.NEWFALSE: lambda m: m.stack.append(False),
        P.INT: _text_int, P.LONG: lambda m: m.stack.append(_parse_int(m.readline())),
        P.BININT: lambda m: m.stack.append(sint.unpack(m.read(4))[0]),
        P.BININT1: lambda m: m.stack.append(m.read(1)[0]), P.BININT2: lambda m: m.stack.append(m.uint(2)),
        P.LONG1: lambda m: m.stack.append(int.from_bytes(m.read(m.uint(1)), "little", signed=True)),
        P.LONG4: lambda m: m.stack.append(int.from_bytes(m.read(sint.unpack(m.read(4))[0]), "little", signed=True)),
        P.FLOAT: _float_text, P.BINFLOAT: lambda m: m.stack.append(struct.unpack(">d", m.read(8))[0]),
        P.STRING: _text_string, P.BINSTRING: lambda m: m.stack.append(_py2_str(m.read(sint.unpack(m.read(4))[0]))),
        P.SHORT_BINSTRING: lambda m: m.stack.append(_py2_str(m.read(m.uint(1)))),
        P.UNICODE: _text_unicode,
        P.BINUNICODE: lambda m: m.stack.append(_unicode(m.read(m.uint(4)))),
        P.SHORT_BINUNICODE: lambda m: m.stack.append(_unicode(m.read(m.uint(1)))),
        P.BINUNICODE8: lambda m: m.stack.append(_unicode(m.read(m.uint(8)))),
        P.BINBYTES: lambda m: m.stack.append(bytes(m.read(m.uint(4)))),
        P.SHORT_BINBYTES: lambda m: m.stack.append(bytes(m.read(m.uint(1)))),
        P.BINBYTES8: lambda m: m.stack.append(bytes(m.read(m.uint(8)))),
        P.BYTEARRAY8: lambda m: m.stack.append(bytearray(m.read(m.uint(8)))),
        P.EMPTY_TUPLE: lambda m: m.stack.append(()), P.TUPLE: lambda m: m.stack.append(tuple(m.pop_mark())),
        P.TUPLE1: _tuple_n(1), P.TUPLE2: _tuple_n(2), P.TUPLE3: _tuple_n(3),
        P.EMPTY_LIST: lambda m: m.stack.append([]), P.LIST: lambda m: m.stack.append(m.pop_mark()),
        P.APPEND: lambda m: _appends(m, [m.pop()]), P.APPENDS: lambda m: _appends(m, m.pop_mark()),
        P.EMPTY_DICT: lambda m: m.stack.append({}), P.DICT: _dict_from_mark,
        P.SETITEM: lambda m: _setitems(m, [*reversed([m.pop(), m.pop()])]),
        P.SETITEMS: lambda m: _setitems(m, m.pop_mark()),
        P.EMPTY_SET: lambda m: m.stack.append(set()), P.ADDITEMS: _additems,
        P.FROZENSET: lambda m: m.stack.append(_hashable(frozenset, m.pop_mark())),
        P.GET: lambda m: _memo_get(m, _parse_int(m.readline())), P.BINGET: lambda m: _memo_get(m, m.uint(1)),
        P.LONG_BINGET: lambda m: _memo_get(m, m.uint(4)),
        P.PUT: lambda m: _put(m, _parse_int(m.readline())), P.BINPUT: lambda m: _put(m, m.uint(1)),
        P.LONG_BINPUT: lambda m: _put(m, m.uint(4)), P.MEMOIZE: lambda m: _put(m, len(m.memo)),
        P.GLOBAL: _global, P.STACK_GLOBAL: _stack_global, P.REDUCE: _reduce, P.NEWOBJ: _newobj,
        P.NEWOBJ_EX: _newobj_ex, P.BUILD: _build, P.BINPERSID: _persid,
    }
    # Not here, so refused: PERSID (text persistent ids), INST and OBJ (protocol 0/1 instance creation),
    # EXT1/2/4 (the copyreg extension registry), NEXT_BUFFER/READONLY_BUFFER (out-of-band buffers).
    return {k[0]: v for k, v in table.items()}


_OPS = _op_table()


def unpickle(data: Any, pos: int, user: dict[str, Any],
             persistent_load: Callable[[Any], Any] | None = None) -> tuple[Any, int]:
    """Run the pickle at ``data[pos:]``; torch's weights-only error for a refused global."""
    try:
        return Machine(data, pos, user, persistent_load).run()
    except Refused as e:
        raise UnpicklingError(refusal_message(e.full, data)) from None
    except RecursionError:
        raise UnpicklingError("the pickle nests too deeply") from None


def refusal_message(full: str, data: Any) -> str:
    short = full[len("builtins."):] if full.startswith("builtins.") else full
    msg = (f"Weights only load failed. fgrad_nn.load never runs code from a checkpoint. Unsupported global: "
           f"GLOBAL {full} was not an allowed global by default. Please use "
           f"`fgrad_nn.serialization.add_safe_globals([{short}])` or the "
           f"`fgrad_nn.serialization.safe_globals([{short}])` context manager to allowlist this global if you "
           f"trust this class/function.")
    raw = bytes(data[:1 << 24])
    if full.startswith("torch.nn.modules.") or (b"_parameters" in raw and b"_modules" in raw):
        msg += (" The file holds a whole pickled module (torch.save(model)), and loading one would run its code: "
                "save model.state_dict() with torch instead and load that into the matching fgrad_nn model "
                "with model.load_state_dict(fgrad_nn.load(path)).")
    return msg


# ---------------------------------------------------------------------------- file layouts

def _storage_pid(pid: Any, legacy: bool) -> tuple[StorageType, str, str, int]:
    n = 6 if legacy else 5
    _check(isinstance(pid, tuple) and len(pid) == n and pid[0] == "storage",
           f"unsupported persistent id {pid!r:.200}")
    typ, key, location, numel = pid[1:5]
    _check(isinstance(typ, StorageType), f"persistent id names {typ!r:.100}, not a storage type")
    _check(isinstance(key, str) and isinstance(location, str) and type(numel) is int and numel >= 0,
           f"bad storage reference {pid!r:.200}")
    if legacy:
        _check(pid[5] is None, "storage views of torch < 0.4 files are not supported")
    if typ.np_dtype is None:
        raise UnpicklingError(f"fgrad_nn cannot load quantized storages (torch.{typ.name})")
    return typ, key, location, numel


def _itemsize(typ: StorageType) -> int:
    return 2 if typ.np_dtype == "bfloat16" else np.dtype(typ.np_dtype).itemsize


def _finish(raw: np.ndarray, typ: StorageType, big_endian: bool, label: str, key: str) -> np.ndarray:
    """The storage's bytes as a flat array of its dtype (a view where possible)."""
    if typ.np_dtype == "bfloat16":
        return (raw.view(">u2").astype("<u2") if big_endian else raw.view("<u2")).view(backend.bfloat16())
    dt = np.dtype(typ.np_dtype)
    if dt == np.bool_ and raw.size and raw.max() > 1:
        raise CheckpointError(f"{label}: storage {key!r} holds bool bytes other than 0 and 1")
    if big_endian and dt.itemsize > 1:
        return raw.view(dt.newbyteorder(">")).astype(dt)
    return raw.view(dt)


class _Loader:
    """persistent_load for one file: each storage key read and placed once, then shared."""

    def __init__(self, fetch: Callable[[str, int], np.ndarray | None], place: Callable[[np.ndarray, str], Any],
                 big_endian: bool, legacy: bool, label: str) -> None:
        self.fetch, self.place, self.big_endian, self.legacy, self.label = fetch, place, big_endian, legacy, label
        self.storages: dict[str, Storage] = {}

    def __call__(self, pid: Any) -> Storage:
        typ, key, location, numel = _storage_pid(pid, self.legacy)
        st = self.storages.get(key)
        if st is not None:
            _check(st.dtype.np_dtype == typ.np_dtype and st.numel == numel,
                   f"storage {key!r} is referenced as both torch.{st.dtype.name} and torch.{typ.name}")
            return st
        raw = self.fetch(key, numel * _itemsize(typ))
        arr = None if raw is None else self.place(_finish(raw, typ, self.big_endian, self.label, key), location)
        st = self.storages[key] = Storage(key, typ, numel, arr)
        return st


def _local_data_offset(f: Any, info: zipfile.ZipInfo) -> int | None:
    f.seek(info.header_offset)
    head = f.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        return None
    n, m = struct.unpack("<HH", head[26:30])
    return info.header_offset + 30 + n + m


def _readinto(f: Any, out: np.ndarray) -> int:
    view, got = out.data, 0
    while got < len(view):
        n = f.readinto(view[got:]) if hasattr(f, "readinto") else None
        if n is None:
            chunk = f.read(len(view) - got)
            n = len(chunk)
            view[got:got + n] = chunk
        if not n:
            break
        got += n
    return got


def read_zip(f: Any, path: str | None, use_mmap: bool, place: Callable[[np.ndarray, str], Any],
             user: dict[str, Any], label: str) -> Any:
    """The object in a zip-format torch.save file, open (seekable, binary) as ``f``."""
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise CheckpointError(f"{label} is not a valid checkpoint: damaged zip archive ({e})") from None
    pkls = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkls) != 1:
        raise CheckpointError(f"{label} is not a valid checkpoint: a zip file without torch.save's data.pkl record")
    prefix = pkls[0][:-len("data.pkl")]

    def record(name: str) -> bytes | None:
        try:
            return zf.read(prefix + name)
        except KeyError:
            return None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as e:
            raise CheckpointError(f"{label} is not a valid checkpoint: record {name!r} is damaged ({e})") from None

    order = (record("byteorder") or b"little").decode("ascii", "replace")
    if order not in ("little", "big"):
        raise CheckpointError(f"{label} is not a valid checkpoint: unknown byteorder {order!r}")
    mapped = np.memmap(path, dtype=np.uint8, mode="c").view(np.ndarray) if use_mmap and path else None

    def fetch(key: str, nbytes: int) -> np.ndarray:
        name = f"data/{key}"
        try:
            info = zf.getinfo(prefix + name)
        except KeyError:
            raise UnpicklingError(f"{label}: a tensor refers to storage {key!r}, which the archive lacks "
                                  f"(no record {prefix + name!r})") from None
        if info.file_size != nbytes:
            raise CheckpointError(f"{label} is not a valid checkpoint: record {name!r} holds {info.file_size} "
                                  f"bytes, its storage needs {nbytes}")
        start = _local_data_offset(f, info) if info.compress_type == zipfile.ZIP_STORED else None
        if start is None:  # re-zipped with compression: decompress, then one copy into writable memory
            return np.frombuffer(record(name) or b"", np.uint8).copy()
        if mapped is not None:
            if start + nbytes > mapped.size:
                raise CheckpointError(f"{label} is not a valid checkpoint: record {name!r} is truncated")
            return mapped[start:start + nbytes]
        out = np.empty(nbytes, np.uint8)
        f.seek(start)
        if _readinto(f, out) != nbytes:
            raise CheckpointError(f"{label} is not a valid checkpoint: record {name!r} is truncated")
        if zlib.crc32(out.data) != info.CRC:
            raise CheckpointError(f"{label} is not a valid checkpoint: record {name!r} fails its CRC check "
                                  f"(damaged file)")
        return out

    pkl = record("data.pkl")
    assert pkl is not None
    loader = _Loader(fetch, place, order == "big", False, label)
    obj, end = unpickle(pkl, 0, user, loader)
    if end != len(pkl):
        raise CheckpointError(f"{label} is not a valid checkpoint: bytes after the end of data.pkl")
    return bare_storages(obj)


def is_legacy(head: bytes) -> bool:
    """Whether ``head`` (the first 32 bytes) starts a legacy torch.save file: its magic number first."""
    magic = b"\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little")
    return head[:1] == b"\x80" and (head[2:14] == magic or (head[2:3] == b"\x95" and head[11:23] == magic))


def read_legacy(buf: np.ndarray, place: Callable[[np.ndarray, str], Any], user: dict[str, Any],
                label: str) -> Any:
    """The object in a legacy torch.save file, whose bytes are ``buf`` (writable uint8; storages view it)."""
    data = buf.data
    magic, pos = unpickle(data, 0, user)
    version, pos = unpickle(data, pos, user)
    info, pos = unpickle(data, pos, user)
    if magic != LEGACY_MAGIC or version != LEGACY_PROTOCOL or not isinstance(info, dict):
        raise CheckpointError(f"{label} is not a valid checkpoint: not a torch.save file (invalid magic number "
                              f"or protocol version)")
    big = info.get("little_endian", True) is not True
    main = pos
    # First pass: learn each storage's dtype and size (they come after the object, in key order).
    scan = _Loader(lambda key, nbytes: None, place, big, True, label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the second pass says it
        _, pos = unpickle(data, main, user, scan)
    keys, pos = unpickle(data, pos, user)
    _check(isinstance(keys, list) and all(isinstance(k, str) for k in keys), "bad storage key list")
    spans = {}
    for key in keys:
        st = scan.storages.get(key)
        if st is None or pos + 8 > len(buf):
            raise CheckpointError(f"{label} is not a valid checkpoint: storage {key!r} is unknown or truncated")
        numel = int.from_bytes(data[pos:pos + 8], "big" if big else "little")
        nbytes = numel * _itemsize(st.dtype)
        if numel != st.numel or pos + 8 + nbytes > len(buf):
            raise CheckpointError(f"{label} is not a valid checkpoint: storage {key!r} is truncated or damaged")
        spans[key] = buf[pos + 8:pos + 8 + nbytes]
        pos += 8 + nbytes

    def fetch(key: str, nbytes: int) -> np.ndarray:
        if key not in spans:
            raise UnpicklingError(f"{label}: a tensor refers to storage {key!r}, which the file lacks")
        return spans[key]

    obj, _ = unpickle(data, main, user, _Loader(fetch, place, big, True, label))
    return bare_storages(obj)


def read_all(f: Any) -> np.ndarray:
    """The rest of binary file ``f`` in one writable buffer, read once."""
    try:
        start = f.tell()
        size = f.seek(0, io.SEEK_END) - start
        f.seek(start)
    except (AttributeError, OSError, ValueError):
        return np.frombuffer(bytearray(f.read()), np.uint8)
    out = np.empty(size, np.uint8)
    return out[:_readinto(f, out)]


def bare_storages(obj: Any) -> Any:
    """A storage saved on its own (``torch.save(t.untyped_storage())``) loads as a flat tensor over it."""
    seen: dict[Any, Any] = {}  # storage key -> tensor, id(container) -> container

    def walk(x: Any) -> Any:
        if isinstance(x, Storage):
            if x.key not in seen:
                seen[x.key] = wrap(x.array)
            return seen[x.key]
        if id(x) in seen:
            return seen[id(x)]
        if isinstance(x, dict):
            seen[id(x)] = x
            for k, v in x.items():
                x[k] = walk(v)
        elif type(x) is list:
            seen[id(x)] = x
            x[:] = [walk(v) for v in x]
        elif type(x) is tuple:
            new = tuple(walk(v) for v in x)
            seen[id(x)] = new if any(a is not b for a, b in zip(new, x)) else x
        return seen.get(id(x), x)

    try:
        return walk(obj)
    except RecursionError:
        raise UnpicklingError("the pickle nests too deeply") from None
