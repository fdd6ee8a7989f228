"""Checkpoints: ``fgrad_nn.save`` / ``fgrad_nn.load``.

``save`` writes safetensors files (no pickle, ever); ``load`` reads those and also the files
``torch.save`` writes, without torch and without running code from them (``_torch_pickle``).

A checkpoint of ours is a valid safetensors file: an 8-byte little-endian header length, a JSON
header ``{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}`` and the raw
little-endian tensor bytes. Tensors are named by their path in the saved object
(``"fc.weight"``, ``"state.0.exp_avg"``), so other safetensors readers see an ordinary flat
dict of tensors. Two metadata entries make it an fgrad_nn checkpoint:

- ``fgrad.structure``: the saved object as JSON (dicts with their key types, lists, tuples,
  numbers, strings, bools, None) with tensors referenced by name;
- ``fgrad.sha256``: SHA-256 of the whole file as written with this entry set to 64 zeros.
  Any damaged or missing byte is therefore detected on load (``CheckpointError``).

Loading only parses JSON and copies bytes into arrays: it cannot run code, whatever the file
holds. Saving to a path is atomic: a temp file in the same directory, flushed and fsynced,
then ``os.replace``d onto the target.
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import io
import json
import math
import os
import struct
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

from fgrad import backend

from . import _dtypes, _torch_pickle, cuda
from ._device import as_device, device as torch_device, put
from ._tensor import Size, Tensor, wrap
from ._torch_pickle import CheckpointError
from .nn.parameter import Parameter

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import IO, Union

    FileLike = Union[str, os.PathLike, IO[bytes]]

__all__ = ["save", "load", "CheckpointError", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals"]

_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "C64": np.complex64, "I8": np.int8,
           "I16": np.int16, "I32": np.int32, "I64": np.int64, "U8": np.uint8, "U16": np.uint16,
           "U32": np.uint32, "U64": np.uint64, "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_TENSOR_CODES = ("F16", "BF16", "F32", "F64", "C64", "I8", "I16", "I32", "I64", "U8", "BOOL")  # fgrad_nn dtypes
_STRUCT, _SHA = "fgrad.structure", "fgrad.sha256"
_ZEROS = "0" * 64
_MAX_HEADER = 100_000_000  # the safetensors limit


def _dtype_of(code: str) -> np.dtype:
    """The NumPy dtype of a safetensors dtype code (``BF16``: ml_dtypes' bfloat16, imported only for it)."""
    return backend.bfloat16() if code == "BF16" else np.dtype(_DTYPES[code])


# ---------------------------------------------------------------------------- saving

class _Encoder:
    """Turns the object into JSON-able structure plus a list of (name, array) to store."""

    def __init__(self):
        self.arrays = []
        self.names = set()

    def name(self, path):
        base = ".".join(str(p) for p in path) or "tensor"
        try:
            base.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: other readers reject such names
            base = "tensor"
        name, k = base, 1
        while name in self.names or name == "__metadata__":
            name, k = f"{base}#{k}", k + 1
        self.names.add(name)
        return name

    def array(self, arr, path, what):
        arr = np.asarray(arr)
        code = "BF16" if backend.is_bfloat16(arr.dtype) else _CODES.get(arr.dtype.newbyteorder("="))
        if code is None or (what == "tensor" and code not in _TENSOR_CODES):
            raise TypeError(f"fgrad_nn.save cannot store {what}s of dtype {arr.dtype} (at {_where(path)}); "
                            f"supported: float16/32/64, bfloat16, complex64, int8/16/32/64, uint8, bool")
        name = self.name(path)
        self.arrays.append((name, code, arr))
        return name

    def encode(self, obj, path=()):
        if isinstance(obj, Tensor):
            raw = obj._raw()
            node = {"$t": self.array(np.asarray(backend.to_host(raw)), path, "tensor")}
            if backend.is_cupy_array(raw):
                node["dev"] = str(obj.device)
            if obj.requires_grad:
                node["grad"] = True
            if type(obj).__name__ == "Parameter":
                node["param"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"$nd": self.array(obj, path, "NumPy array")}
        if isinstance(obj, np.generic):
            return {"$np": self.array(np.asarray(obj), path, "NumPy scalar")}
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            # NaN/inf are not JSON; their bits go as hex (keeping sign and NaN payload)
            return float(obj) if math.isfinite(obj) else {"$float": struct.pack(">d", obj).hex()}
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, _dtypes.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, torch_device):
            return {"$device": str(obj)}
        if isinstance(obj, Size):
            return {"$size": [int(n) for n in obj]}
        if type(obj) in (dict, collections.OrderedDict):
            items = []
            for k, v in obj.items():
                if isinstance(k, (Tensor, np.ndarray)):
                    raise TypeError(f"fgrad_nn.save cannot store a dict keyed by {type(k).__name__} "
                                    f"(at {_where(path)})")
                items.append([self.encode(k, path + ("<key>",)), self.encode(v, path + (k,))])
            return {"$odict" if type(obj) is collections.OrderedDict else "$dict": items}
        if type(obj) is list:
            return [self.encode(v, path + (i,)) for i, v in enumerate(obj)]
        if type(obj) is tuple:
            return {"$tuple": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
        raise TypeError(f"fgrad_nn.save cannot store a {type(obj).__module__}.{type(obj).__qualname__} "
                        f"(at {_where(path)}): checkpoints hold tensors, NumPy arrays, numbers, strings, bools, "
                        f"None, dtypes, devices and dicts/lists/tuples of them")


def _where(path):
    return "the top level" if not path else "".join(f"[{p!r}]" for p in path)


def _serialize(obj):
    """The file as a list of byte buffers (prefix, header, tensor data...)."""
    enc = _Encoder()
    structure = json.dumps(enc.encode(obj), separators=(",", ":"), allow_nan=False)
    # Largest items first: every tensor then starts at a multiple of its item size (as in safetensors).
    order = sorted(enc.arrays, key=lambda e: -_dtype_of(e[1]).itemsize)
    header = {"__metadata__": {"format": "pt", _STRUCT: structure, _SHA: _ZEROS}}
    bufs, offset = [], 0
    for name, code, arr in order:
        le = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False)).reshape(-1)
        buf = le.view(np.uint8)
        header[name] = {"dtype": code, "shape": [int(n) for n in arr.shape],
                        "data_offsets": [offset, offset + buf.size]}
        offset += buf.size
        bufs.append(buf)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")
    text += b" " * (-len(text) % 8)
    prefix = struct.pack("<Q", len(text))
    digest = hashlib.sha256(prefix)
    digest.update(text)
    for buf in bufs:
        digest.update(buf)
    text = text.replace(_sha_field(_ZEROS), _sha_field(digest.hexdigest()), 1)
    return [prefix, text] + bufs


def _sha_field(hexdigest):
    return f'"{_SHA}":"{hexdigest}"'.encode("ascii")


def _write_all(f, parts):
    for p in parts:
        f.write(p)


def _umask():
    try:
        with open("/proc/self/status") as s:
            for line in s:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: Any = None,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (state dicts; nested dicts/lists/tuples of tensors, numbers, strings, None) to ``f``.

    ``f`` is a path (written atomically) or a binary file object. The pickle arguments of
    ``torch.save`` are accepted and ignored: the file is safetensors, not pickle.

    >>> import io
    >>> buf = io.BytesIO()
    >>> torch.save({"w": torch.ones(2), "step": 3}, buf)
    >>> torch.load(io.BytesIO(buf.getvalue()))
    {'w': tensor([1., 1.]), 'step': 3}
    """
    parts = _serialize(obj)
    if hasattr(f, "write"):
        _write_all(f, parts)
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    path = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), mode)
            _write_all(out, parts)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# ---------------------------------------------------------------------------- loading

def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise CheckpointError(f"repeated key {k!r}")
        out[k] = v
    return out


def _bad_constant(token):
    raise CheckpointError(f"invalid JSON token {token}")


def _parse(buf, label):
    """(arrays by name, metadata) after checking layout and checksum; CheckpointError otherwise."""
    pickled = buf[:4] == b"PK\x03\x04" or buf[:1] == b"\x80"  # torch.save's zip, or a bare pickle

    def bad(msg):
        if pickled and not header_ok:
            msg = ("it looks like a bare pickle, not a torch.save file or safetensors; fgrad_nn.load never unpickles "
                   "arbitrary pickles (pickle can run arbitrary code)")
        return CheckpointError(f"{label} is not a valid checkpoint: {msg}")

    header_ok = False
    n = len(buf)
    if n < 8:
        raise bad(f"truncated: {n} bytes, fewer than the 8-byte header length")
    (hlen,) = struct.unpack("<Q", buf[:8])
    if hlen > _MAX_HEADER:
        raise bad(f"header length {hlen} is implausible (damaged length prefix?)")
    if 8 + hlen > n:
        raise bad(f"truncated: the header needs {hlen} bytes but only {n - 8} follow the length prefix")
    raw = bytes(buf[8:8 + hlen])
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_bad_constant)
    except ValueError as e:  # UnicodeDecodeError, JSONDecodeError, CheckpointError
        raise bad(f"damaged header ({e})") from None
    if not isinstance(header, dict):
        raise bad("the header is not a JSON object")
    header_ok = True
    meta = header.pop("__metadata__", None)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise bad("__metadata__ must map strings to strings")
    data = memoryview(buf)[8 + hlen:]
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"entry {name!r} must have exactly dtype, shape and data_offsets")
        code, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _DTYPES and code != "BF16":
            raise bad(f"entry {name!r} has unsupported dtype {code!r}")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            raise bad(f"entry {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int and o >= 0 for o in offs)):
            raise bad(f"entry {name!r} has invalid data_offsets {offs!r}")
        size = math.prod(shape) * _dtype_of(code).itemsize
        if offs[1] - offs[0] != size:
            raise bad(f"entry {name!r}: data_offsets {offs} hold {offs[1] - offs[0]} bytes but dtype {code} "
                      f"and shape {shape} need {size}")
        entries.append((offs[0], offs[1], name, code, shape))
    entries.sort()
    end = 0
    for begin, stop, name, _, _ in entries:
        if begin != end:
            raise bad(f"entry {name!r} starts at byte {begin} of the data, expected {end} (gap or overlap)")
        end = stop
    if end != len(data):
        what = "truncated" if end > len(data) else "trailing bytes"
        raise bad(f"{what}: the tensors need {end} data bytes, the file has {len(data)}")
    if _STRUCT in meta or _SHA in meta:
        sha = meta.get(_SHA)
        if sha is None or _STRUCT not in meta:
            raise bad(f"damaged header (an fgrad_nn checkpoint needs both {_STRUCT!r} and {_SHA!r})")
        field = _sha_field(sha) if sha.isascii() else b""
        if not field or raw.count(field) != 1:
            raise bad("damaged header (checksum field not found)")
        digest = hashlib.sha256(buf[:8])
        digest.update(raw.replace(field, _sha_field(_ZEROS)))
        digest.update(data)
        if not hmac.compare_digest(digest.hexdigest(), sha):
            raise bad("checksum mismatch: the file was truncated, damaged or modified after it was written")
    arrays = {}
    for begin, stop, name, code, shape in entries:
        dt = _dtype_of(code).newbyteorder("<")
        arr = np.frombuffer(data, dtype=dt, count=math.prod(shape), offset=begin) if stop > begin else \
            np.empty(0, dt)
        if code == "BOOL":
            if np.any(arr.view(np.uint8) > 1):
                raise bad(f"entry {name!r}: BOOL bytes must be 0 or 1")
        arrays[name] = arr.astype(dt.newbyteorder("="), copy=True).reshape(shape)
    return arrays, meta


def _placed(arr, location, map_location):
    """A tensor over host array ``arr`` (saved at ``location``), placed as torch's ``map_location`` says."""
    ml, t = map_location, None
    if callable(ml):
        t = ml(wrap(arr), location)
        target = None if t is not None else location
    elif isinstance(ml, dict):
        target = ml.get(location, location)
    elif ml is not None:
        target = ml
    else:
        target = location
    if t is None:
        dev = as_device(target)
        if dev.type == "cuda" and not cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                               "torch.cuda.is_available() is False. If you are running on a CPU-only "
                               "machine, please use torch.load with map_location=torch.device('cpu') to "
                               "map your storages to the CPU.")
        t = wrap(put(arr, dev))
    return t


class _Restorer:
    """Rebuilds tensors (placing them per ``map_location``) and the saved structure."""

    def __init__(self, arrays, map_location, label):
        self.arrays = arrays
        self.map_location = map_location
        self.label = label
        self.used = set()

    def bad(self, msg):
        return CheckpointError(f"{self.label} is not a valid checkpoint: damaged structure ({msg})")

    def take(self, name):
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(f"reference to a missing tensor {name!r}")
        if name in self.used:
            raise self.bad(f"tensor {name!r} referenced twice")
        self.used.add(name)
        return self.arrays[name]

    def tensor(self, arr, name, location="cpu", requires_grad=False, param=False):
        try:
            _dtypes.from_np(arr.dtype)
        except TypeError:
            raise CheckpointError(f"{self.label}: tensor {name!r} has dtype {arr.dtype}, which fgrad_nn tensors "
                                  f"do not support") from None
        t = _placed(arr, location, self.map_location)
        if param:
            return Parameter(t, requires_grad=requires_grad)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or not node:
            raise self.bad(f"unexpected node {node!r}")
        tag = next(iter(node))
        val = node[tag]
        if tag == "$t":
            extra = set(node) - {"$t", "dev", "grad", "param"}
            if extra:
                raise self.bad(f"unknown tensor fields {sorted(extra)}")
            loc = node.get("dev", "cpu")
            if not isinstance(loc, str):
                raise self.bad(f"bad device {loc!r}")
            return self.tensor(self.take(val), val, loc, node.get("grad") is True, node.get("param") is True)
        if len(node) != 1:
            raise self.bad(f"unexpected node {node!r}")
        if tag == "$nd":
            return self.take(val)
        if tag == "$np":
            arr = self.take(val)
            if arr.ndim:
                raise self.bad(f"NumPy scalar {val!r} is not 0-d")
            return arr[()]
        if tag == "$float" and isinstance(val, str) and len(val) == 16:
            try:
                return struct.unpack(">d", bytes.fromhex(val))[0]
            except ValueError:
                raise self.bad(f"bad float bits {val!r}") from None
        if tag == "$tuple" and isinstance(val, list):
            return tuple(self.decode(v) for v in val)
        if tag in ("$dict", "$odict") and isinstance(val, list):
            out = {} if tag == "$dict" else collections.OrderedDict()
            for item in val:
                if not isinstance(item, list) or len(item) != 2:
                    raise self.bad(f"bad dict item {item!r}")
                key = self.decode(item[0])
                try:
                    out[key] = self.decode(item[1])
                except TypeError:
                    raise self.bad(f"unhashable dict key {key!r}") from None
            return out
        if tag == "$dtype" and isinstance(val, str):
            d = getattr(_dtypes, val, None)
            if not isinstance(d, _dtypes.dtype):
                raise self.bad(f"unknown dtype {val!r}")
            return d
        if tag == "$device" and isinstance(val, str):
            return torch_device(val)
        if tag == "$size" and isinstance(val, list) and all(type(v) is int for v in val):
            return Size(val)
        raise self.bad(f"unexpected node {node!r}")


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool = True,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load a checkpoint: one :func:`save` wrote, any safetensors file, or a ``torch.save`` file.

    ``map_location`` is torch's: ``'cpu'``, ``'cuda'``, a ``torch.device``, a dict mapping saved
    locations to new ones (``{'cuda:1': 'cuda:0'}``) or ``fn(tensor, location)`` returning the
    tensor to use (``None``: the default placement). ``torch.save`` files (zip or legacy) are read
    by a pickle interpreter that only builds data and admits only what torch's
    ``weights_only=True`` admits (plus :func:`add_safe_globals` additions); any other global
    raises ``pickle.UnpicklingError`` naming it, and nothing from the file ever runs, whatever
    ``weights_only`` says. ``mmap=True`` maps a zip file's storages copy-on-write instead of
    reading them. A truncated or damaged file raises :class:`CheckpointError` (a ``ValueError``).

    >>> import io
    >>> buf = io.BytesIO()
    >>> torch.save({"b": torch.arange(3)}, buf)
    >>> torch.load(io.BytesIO(buf.getvalue()), map_location="cpu")["b"]
    tensor([0, 1, 2])
    """
    if hasattr(f, "read"):
        name = getattr(f, "name", None)
        label = repr(name) if isinstance(name, str) else "the file object"
        return _load_from(f, name if isinstance(name, str) else None, map_location, mmap, label)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load_from(fh, os.fsdecode(path), map_location, mmap, repr(os.fsdecode(path)))


def _load_from(fh, path, map_location, mmap, label):
    seekable = getattr(fh, "seekable", lambda: False)()
    if not seekable:
        data = fh.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"fgrad_nn.load needs a binary file, but read() returned {type(data).__name__}")
        fh, path = io.BytesIO(data), None
    start = fh.tell()
    head = fh.read(32)
    if not isinstance(head, (bytes, bytearray, memoryview)):
        raise TypeError(f"fgrad_nn.load needs a binary file, but read() returned {type(head).__name__}")
    fh.seek(start)
    head = bytes(head)

    def place(arr, location):
        return _placed(arr, location, map_location)._raw()

    if head[:4] == b"PK\x03\x04":
        if mmap and path is None:
            raise ValueError("f must be a file path in order to use the mmap argument")
        return _torch_pickle.read_zip(fh, path, bool(mmap), place, _USER_GLOBALS.copy(), label)
    if _torch_pickle.is_legacy(head):
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with `torch.save(_use_new_zipfile_serialization"
                               "=True)`, please torch.save your checkpoint with this option in order to use mmap.")
        return _torch_pickle.read_legacy(_torch_pickle.read_all(fh), place, _USER_GLOBALS.copy(), label)
    arrays, meta = _parse(bytes(fh.read()), label)
    r = _Restorer(arrays, map_location, label)
    if _STRUCT not in meta:
        return {name: r.tensor(arrays[name], name) for name in sorted(arrays)}
    try:
        structure = json.loads(meta[_STRUCT], parse_constant=_bad_constant)
    except ValueError as e:
        raise r.bad(str(e)) from None
    obj = r.decode(structure)
    unused = set(arrays) - r.used
    if unused:
        raise r.bad(f"tensors {sorted(unused)} are not referenced")
    return obj


# ---------------------------------------------------------------------------- what torch files may name

_USER_GLOBALS: dict[str, Any] = {}


def _global_name(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"safe globals are objects or (object, 'module.name') pairs, got {entry!r}")
        return entry[1], entry[0]
    module, name = getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise TypeError(f"{entry!r} has no __module__/__qualname__; pass it as (object, 'module.name')")
    return f"{module}.{name}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Admit more globals in ``torch.save`` files that :func:`load` reads, as torch's function does.

    Each entry is a class or function the file may name (``GLOBAL module.qualname``) or an
    ``(object, "module.name")`` pair. Admitted classes are created, and admitted functions
    called, with data from the file: admit only what you trust.

    >>> from fgrad_nn.serialization import add_safe_globals, clear_safe_globals, get_safe_globals
    >>> import fractions
    >>> add_safe_globals([fractions.Fraction])
    >>> get_safe_globals()
    [<class 'fractions.Fraction'>]
    >>> clear_safe_globals()
    """
    for entry in safe_globals:
        name, obj = _global_name(entry)
        _USER_GLOBALS[name] = obj


def get_safe_globals() -> list[Any]:
    """The user's additions to what :func:`load` admits (see :func:`add_safe_globals`).

    >>> from fgrad_nn.serialization import get_safe_globals
    >>> get_safe_globals()
    []
    """
    return list(_USER_GLOBALS.values())


def clear_safe_globals() -> None:
    """Forget every :func:`add_safe_globals` addition.

    >>> from fgrad_nn.serialization import clear_safe_globals, get_safe_globals
    >>> clear_safe_globals(); get_safe_globals()
    []
    """
    _USER_GLOBALS.clear()


class safe_globals:  # noqa: N801  (torch's name)
    """Context manager admitting ``safe_globals`` (as :func:`add_safe_globals`) only inside its block.

    >>> import collections
    >>> from fgrad_nn.serialization import safe_globals, get_safe_globals
    >>> Point = collections.namedtuple("Point", "x y")
    >>> with safe_globals([(Point, "__main__.Point")]):
    ...     print(len(get_safe_globals()))
    1
    >>> get_safe_globals()
    []
    """

    def __init__(self, safe_globals: Iterable[Any]) -> None:
        self.entries = list(safe_globals)
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> None:
        self.saved = dict(_USER_GLOBALS)
        add_safe_globals(self.entries)

    def __exit__(self, *exc: Any) -> None:
        _USER_GLOBALS.clear()
        _USER_GLOBALS.update(self.saved)
