"""The stand-in's array type, ufuncs, device and elementwise kernels, all computed with NumPy.

The array is a wrapper (not an ``np.ndarray`` subclass): NumPy would convert a subclass silently,
while CuPy's arrays refuse every implicit trip to the host, and so must these.
"""
from __future__ import annotations

import functools
import operator
import re
from typing import Any

import numpy as np

_HOST_MSG = ("Implicit conversion to a NumPy array is not allowed. "
             "Please use `.get()` to construct a NumPy array explicitly.")
_SCALARS = (bool, int, float, complex, np.generic)
KDL_CPU, KDL_CUDA = 1, 2

# filled by _modules.build(): the stand-in ``cupy`` module (the namespace __array_function__ reads)
NAMESPACE: dict[str, Any] = {}
# device operations issued so far, by name: each is at least one kernel launch on a real GPU
# (bench/README.md's GPU speed plan counts them per training step)
LAUNCHES: dict[str, int] = {}


def _count(name: str) -> None:
    LAUNCHES[name] = LAUNCHES.get(name, 0) + 1


def not_implemented(qualname: str) -> Any:
    """A callable for a name real CuPy has but the stand-in does not implement."""
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{qualname} exists in CuPy but the CuPy stand-in (tests/cupy_standin) "
                                  "does not implement it; add it there")
    stub.__name__ = stub.__qualname__ = qualname.rpartition(".")[2]
    stub.__module__ = qualname.rpartition(".")[0]
    return stub


# --- wrapping ---------------------------------------------------------------------------------------

def wrap(a: Any) -> Any:
    """A stand-in array for a NumPy array (numpy scalars become 0-d arrays, as CuPy returns)."""
    if isinstance(a, np.ndarray):
        out = object.__new__(ndarray)
        out._a = a
        return out
    if isinstance(a, np.generic):
        return wrap(np.asarray(a))
    if isinstance(a, tuple):
        return tuple(wrap(x) for x in a)
    if isinstance(a, list):
        return [wrap(x) for x in a]
    return a


def unwrap(a: Any, who: str, host_ok: bool = False) -> Any:
    """The NumPy data of stand-in arrays inside ``a``; a NumPy array is refused as CuPy refuses it."""
    if type(a) is ndarray:
        return a._a
    if isinstance(a, np.ndarray) and not host_ok:
        raise TypeError(f"Unsupported type {type(a)} (in {who}): CuPy does not take NumPy arrays; "
                        "move them with cupy.asarray first")
    if isinstance(a, (list, tuple)):
        return type(a)(unwrap(x, who, host_ok) for x in a)
    if isinstance(a, dict):
        return {k: unwrap(v, who, host_ok) for k, v in a.items()}
    return a


def numpy_function(qualname: str, fn: Any, host_ok: bool = False, python_result: bool = False) -> Any:
    """CuPy's ``qualname`` computed by NumPy's ``fn``: stand-in arrays in and out."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        _count(qualname)
        with np.errstate(all="ignore"):  # a GPU raises no floating-point warnings
            out = fn(*unwrap(args, qualname, host_ok), **unwrap(kwargs, qualname, host_ok))
        if python_result:
            return out
        if isinstance(out, (bool, int, float, complex)) and not isinstance(out, type):
            out = np.asarray(out)  # CuPy answers with a 0-d array where NumPy gives a Python number
        return wrap(out)
    run.__module__ = qualname.rpartition(".")[0]
    run.__qualname__ = run.__name__ = qualname.rpartition(".")[2]
    return run


# --- index normalisation: CuPy wraps out-of-range integer-array indices -------------------------------

def _index(self: ndarray, key: Any) -> Any:
    """``key`` on NumPy data, with integer-array indices taken modulo their axis (CuPy's wrap-around)."""
    key = key if isinstance(key, tuple) else (key,)
    key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
    key = unwrap(key, "cupy.ndarray indexing", host_ok=True)
    used = sum(k.ndim if isinstance(k, np.ndarray) and k.dtype == bool else
               0 if k is None or k is Ellipsis else 1 for k in key)
    out: list[Any] = []
    axis = 0
    for k in key:
        if k is None:
            out.append(k)
        elif k is Ellipsis:
            out.append(k)
            axis += self._a.ndim - used
        elif isinstance(k, np.ndarray) and k.dtype == bool:
            out.append(k)
            axis += k.ndim
        else:
            if isinstance(k, np.ndarray) and k.dtype.kind in "iu" and axis < self._a.ndim:
                n = self._a.shape[axis]
                k = k % n if n else k
            out.append(k)
            axis += 1
    return tuple(out)


def _write_unordered(target: np.ndarray, key: tuple, value: Any) -> None:
    """``target[key] = value`` where repeated positions keep the *first* write: CuPy leaves the
    winner undefined, so code that relies on NumPy's last-write-wins must fail here."""
    if not any(isinstance(k, np.ndarray) and k.dtype.kind in "iu" for k in key):
        target[key] = value
        return
    pos = np.arange(target.size).reshape(target.shape)[key]
    if np.unique(pos).size == pos.size:
        target[key] = value
        return
    vals = np.broadcast_to(np.asarray(value, dtype=target.dtype), pos.shape)
    flat = target.reshape(-1).copy()
    flat[pos.reshape(-1)[::-1]] = vals.reshape(-1)[::-1]
    target[...] = flat.reshape(target.shape)


# --- the array --------------------------------------------------------------------------------------

def _binop(name: str, reflected: bool = False) -> Any:
    def op(self: ndarray, other: Any) -> Any:
        if not isinstance(other, (ndarray, np.ndarray) + _SCALARS):
            if getattr(other, "__array_ufunc__", 0) is None:
                return NotImplemented
            if not hasattr(other, "__array_ufunc__") and \
                    getattr(other, "__array_priority__", 0) > self.__array_priority__:
                return NotImplemented
        uf = getattr(np, name)
        return uf(other, self) if reflected else uf(self, other)
    return op


def _iop(name: str) -> Any:
    def op(self: ndarray, other: Any) -> Any:
        NAMESPACE[name](self, other, out=self)
        return self
    return op


_STABLE = ("sort", "argsort")  # CuPy's sorts are stable (radix/merge): NumPy's default is not


def _method(name: str) -> Any:
    def m(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        if name in _STABLE and len(args) < 2:
            kwargs["kind"] = "stable"
        _count(f"ndarray.{name}")
        out = getattr(self._a, name)(*unwrap(args, f"cupy.ndarray.{name}"),
                                     **unwrap(kwargs, f"cupy.ndarray.{name}"))
        return wrap(out)
    m.__name__ = m.__qualname__ = name
    return m


class Device:
    """``cupy.cuda.Device``: the one simulated GPU (id 0)."""

    def __init__(self, device: Any = None) -> None:
        self._id = 0 if device is None else operator.index(device)
        if self._id != 0:
            raise RuntimeError("cudaErrorInvalidDevice: invalid device ordinal (the stand-in has one GPU)")

    id = property(lambda self: self._id)

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def use(self) -> None:
        return None

    def synchronize(self) -> None:
        return None

    @property
    def compute_capability(self) -> str:
        return "90"

    @property
    def mem_info(self) -> tuple[int, int]:
        return (80 << 30, 80 << 30)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("cuda", self.id))

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


for _n in ("attributes", "cublas_handle", "cusolver_handle", "cusolver_sp_handle", "cusparse_handle",
           "cutensor_handle", "from_pci_bus_id", "pci_bus_id"):
    setattr(Device, _n, property(functools.partial(lambda _n, self: not_implemented(_n)(), f"cupy.cuda.Device.{_n}")))


class ndarray:
    """``cupy.ndarray`` on NumPy data: host conversions only through ``get()``/``cupy.asnumpy``."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100

    def __init__(self, shape: Any, dtype: Any = float, memptr: Any = None, strides: Any = None,
                 order: Any = "C") -> None:
        if memptr is not None or strides is not None:
            raise NotImplementedError("cupy.ndarray(memptr=, strides=) is not implemented by the stand-in")
        self._a = np.empty(shape, dtype, order=order)

    # attributes
    shape = property(lambda self: self._a.shape, lambda self, s: setattr(self._a, "shape", s))
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    base = property(lambda self: None if self._a.base is None else wrap(self._a.base))
    T = property(lambda self: wrap(self._a.T))
    mT = property(lambda self: wrap(self._a.mT))
    device = property(lambda self: Device(0))
    real = property(lambda self: wrap(self._a.real), lambda self, v: setattr(self._a, "real", unwrap(v, "real")))
    imag = property(lambda self: wrap(self._a.imag), lambda self, v: setattr(self._a, "imag", unwrap(v, "imag")))

    # the host boundary
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError(_HOST_MSG)

    def get(self, stream: Any = None, order: Any = "C", out: Any = None, blocking: bool = True) -> np.ndarray:
        if out is not None:
            if not isinstance(out, np.ndarray):
                raise TypeError("Only numpy.ndarray can be obtained from cupy.ndarray")
            if out.dtype != self.dtype:
                raise TypeError(f"{out.dtype} array cannot be obtained from {self.dtype} array")
            if out.shape != self.shape:
                raise ValueError(f"Shape mismatch. Expected shape: {self.shape}, actual shape: {out.shape}")
            out[...] = self._a
            return out
        return np.array(self._a, order=order)

    def set(self, arr: Any, stream: Any = None) -> None:
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        if arr.dtype != self.dtype:
            raise TypeError(f"{arr.dtype} array cannot be set to {self.dtype} array")
        if arr.shape != self.shape:
            raise ValueError(f"Shape mismatch. Old shape: {self.shape}, new shape: {arr.shape}")
        self._a[...] = arr

    def item(self) -> Any:
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.get().item()

    def tolist(self) -> Any:
        return self.get().tolist()

    def tobytes(self, order: Any = "C") -> bytes:
        return self.get().tobytes(order)

    def __int__(self) -> int:
        return int(self.get())

    def __float__(self) -> float:
        return float(self.get())

    def __complex__(self) -> complex:
        return complex(self.get())

    def __bool__(self) -> bool:
        return bool(self.get())

    def __repr__(self) -> str:
        return repr(self.get())

    def __str__(self) -> str:
        return str(self.get())

    def __format__(self, spec: str) -> str:
        return format(self.get(), spec)

    def __reduce__(self) -> Any:
        return (NAMESPACE["array"], (self.get(),))

    def __copy__(self) -> ndarray:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> ndarray:
        return self.copy()

    # containers
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, key: Any) -> Any:
        key = _index(self, key)
        if any(isinstance(k, np.ndarray) for k in key):
            _count("getitem")  # a gather kernel; basic indexing makes a view and launches nothing
        return wrap(self._a[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        _count("setitem")
        if isinstance(value, np.ndarray) and not (key == slice(None) and value.shape == self.shape
                                                  and value.dtype == self.dtype):
            raise TypeError(f"Unsupported type {type(value)}: assign a cupy.ndarray (cupy.asarray first)")
        _write_unordered(self._a, _index(self, key), unwrap(value, "setitem", host_ok=True))

    def scatter_add(self, slices: Any, value: Any) -> None:
        _count("scatter_add")
        np.add.at(self._a, _index(self, slices), unwrap(value, "scatter_add"))

    def scatter_max(self, slices: Any, value: Any) -> None:
        np.maximum.at(self._a, _index(self, slices), unwrap(value, "scatter_max"))

    def scatter_min(self, slices: Any, value: Any) -> None:
        np.minimum.at(self._a, _index(self, slices), unwrap(value, "scatter_min"))

    # NumPy's protocols, as CuPy answers them
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__
        cp_ufunc = NAMESPACE.get(name)
        if cp_ufunc is None:
            return NotImplemented
        inout = inputs + tuple(kwargs.get("out", ()))
        for x in inout:
            if not isinstance(x, (ndarray, np.ndarray) + _SCALARS):
                return NotImplemented
        if "out" in kwargs:
            (kwargs["out"],) = kwargs["out"]
        if method == "__call__":
            return cp_ufunc(*inputs, **kwargs)
        if method in ("reduce", "accumulate", "reduceat", "outer", "at"):
            return getattr(cp_ufunc, method)(*inputs, **kwargs)
        return NotImplemented

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        module = NAMESPACE.get("__module__")
        try:
            for part in func.__module__.split(".")[1:]:
                module = getattr(module, part)
            cupy_func = getattr(module, func.__name__)
        except AttributeError:
            return NotImplemented
        if cupy_func is func:
            return NotImplemented
        for t in types:
            if t is not ndarray and not issubclass(t, np.ndarray):
                return NotImplemented
        return cupy_func(*args, **kwargs)

    # DLPack: the data lives on the (simulated) GPU, so only CuPy itself can take it without a copy
    def __dlpack_device__(self) -> tuple[int, int]:
        return (KDL_CUDA, 0)

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        if dl_device is not None and tuple(dl_device)[0] == KDL_CPU and copy is not False:
            host = self.get()
            return host.__dlpack__(max_version=max_version) if max_version else host.__dlpack__()
        raise BufferError("the CuPy stand-in's arrays live on a (simulated) CUDA device; a host consumer "
                          "cannot read them through DLPack: use .get() or cupy.asnumpy")

    def toDlpack(self) -> Any:
        return self.__dlpack__()

    __cuda_array_interface__ = property(lambda self: not_implemented("cupy.ndarray.__cuda_array_interface__")())

    def copy(self, order: Any = "C") -> ndarray:
        return wrap(self._a.copy(order))

    def astype(self, dtype: Any, order: Any = "K", casting: Any = None, subok: Any = None,
               copy: bool = True) -> ndarray:
        if casting is not None:
            raise TypeError("casting is not supported yet")
        return wrap(self._a.astype(dtype, order=order, copy=copy))

    def view(self, *args: Any, **kwargs: Any) -> ndarray:
        return wrap(self._a.view(*args, **kwargs))

    def fill(self, value: Any) -> None:
        self._a.fill(unwrap(value, "fill"))

    def dot(self, b: Any, out: Any = None) -> Any:
        return NAMESPACE["dot"](self, b, out=out)

    def put(self, indices: Any, values: Any, mode: Any = "wrap") -> None:
        np.put(self._a, unwrap(indices, "put"), unwrap(values, "put"), mode=mode)


for _name in ("all", "any", "argmax", "argmin", "argpartition", "argsort", "choose", "clip", "compress",
              "conj", "conjugate", "cumprod", "cumsum", "diagonal", "flatten", "max", "mean", "min", "nonzero",
              "partition", "prod", "ravel", "repeat", "reshape", "round", "searchsorted", "sort", "squeeze",
              "std", "sum", "swapaxes", "take", "trace", "transpose", "var", "byteswap"):
    setattr(ndarray, _name, _method(_name))
ndarray.ptp = lambda self, *a, **k: NAMESPACE["ptp"](self, *a, **k)  # type: ignore[attr-defined]
for _name in ("flat", "data", "cstruct", "mdspan", "reduced_view", "dump", "dumps", "tofile"):
    setattr(ndarray, _name,
            property(functools.partial(lambda _n, self: not_implemented(_n)(), f"cupy.ndarray.{_name}")))

for _dunder, _uf in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                     ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"), ("matmul", "matmul"),
                     ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                     ("lshift", "left_shift"), ("rshift", "right_shift"), ("divmod", "divmod")):
    setattr(ndarray, f"__{_dunder}__", _binop(_uf))
    setattr(ndarray, f"__r{_dunder}__", _binop(_uf, reflected=True))
    if _dunder not in ("divmod", "matmul"):
        setattr(ndarray, f"__i{_dunder}__", _iop(_uf))
for _dunder, _uf in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                     ("eq", "equal"), ("ne", "not_equal")):
    setattr(ndarray, f"__{_dunder}__", _binop(_uf))
for _dunder, _uf in (("neg", "negative"), ("pos", "positive"), ("abs", "absolute"), ("invert", "invert")):
    setattr(ndarray, f"__{_dunder}__", lambda self, _uf=_uf: NAMESPACE[_uf](self))
ndarray.__hash__ = None  # type: ignore[assignment]
ndarray.__module__ = "cupy"  # as real CuPy's; fgrad.backend.is_cupy_array reads it
Device.__module__ = "cupy.cuda.device"


# --- ufuncs -----------------------------------------------------------------------------------------

_SCATTER_UFUNCS = {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"}
_REDUCIBLE = {"add": "sum", "multiply": "prod"}
_ACCUMULABLE = {"add": "cumsum", "multiply": "cumprod"}


class ufunc:
    """``cupy.ufunc``: NumPy's ufunc of the same name, on stand-in arrays only (host arrays refused)."""

    def __init__(self, name: str, np_ufunc: Any) -> None:
        self.name = self.__name__ = name
        self._np = np_ufunc
        self.nin, self.nout, self.nargs = np_ufunc.nin, np_ufunc.nout, np_ufunc.nargs
        self.types = np_ufunc.types

    def __repr__(self) -> str:
        return f"<ufunc 'cupy_{self.name}'>"

    def _args(self, args: Any) -> Any:
        for a in args:
            if not isinstance(a, (ndarray,) + _SCALARS):
                raise TypeError(f"Unsupported type {type(a)} (cupy.{self.name} takes cupy arrays and scalars)")
        return [a._a if type(a) is ndarray else a for a in args]

    def __call__(self, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        _count(self.name)
        if len(args) > self.nin:
            args, out = args[:self.nin], args[self.nin]
        vals = self._args(args)
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                if type(o) is not ndarray:
                    raise TypeError(f"cupy.{self.name}: out must be a cupy.ndarray, got {type(o)}")
            with np.errstate(all="ignore"):  # a GPU raises no floating-point warnings
                self._np(*vals, out=tuple(o._a for o in outs), **kwargs)
            return out
        with np.errstate(all="ignore"):
            res = self._np(*vals, **kwargs)
        return wrap(np.asarray(res) if isinstance(res, np.generic) else res)

    def outer(self, a: Any, b: Any, **kwargs: Any) -> Any:
        return wrap(self._np.outer(*self._args((a, b)), **kwargs))

    def reduce(self, array: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        if self.name not in _REDUCIBLE:
            raise NotImplementedError(f"`cupy_{self.name}.reduce` is not supported yet")
        return getattr(array, _REDUCIBLE[self.name])(axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def accumulate(self, array: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        if self.name not in _ACCUMULABLE:
            raise NotImplementedError(f"`cupy_{self.name}.accumulate` is not supported yet")
        return getattr(array, _ACCUMULABLE[self.name])(axis=axis, dtype=dtype, out=out)

    def reduceat(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"`cupy_{self.name}.reduceat` is not supported yet")

    def at(self, a: Any, indices: Any, b: Any = None) -> None:
        if self.name not in _SCATTER_UFUNCS:
            raise NotImplementedError(f"`cupy_{self.name}.at` is not supported yet")
        if type(a) is not ndarray:
            raise TypeError(f"cupy.{self.name}.at: a must be a cupy.ndarray")
        self._np.at(a._a, _index(a, indices), unwrap(b, f"cupy.{self.name}.at"))  # wraps like scatter_add


ufunc.__module__ = "cupy._core._kernel"


# --- ElementwiseKernel: the C of fgrad's fused chains, evaluated with NumPy ---------------------------

_C_FUNCS = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
            "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh, "acosh": np.arccosh,
            "atanh": np.arctanh, "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log,
            "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt, "cbrt": np.cbrt,
            "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "rint": np.rint, "fabs": np.absolute,
            "pow": np.power, "atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign,
            "isnan": np.isnan}
_C_TYPES = {"float": np.float32, "double": np.float64, "int": np.int32, "bool": np.bool_}
_TOKEN = re.compile(r"\s*(\d+\.?\d*(?:[eE][-+]?\d+)?f?|\w+|\|\||&&|>=|<=|==|!=|[-+*/()<>?:,!])")


class _CExpr:
    """A recursive-descent evaluator for the C expressions ``fgrad.staging.fusion`` writes."""

    def __init__(self, text: str, env: dict[str, Any]) -> None:
        self.tokens, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise NotImplementedError(f"the stand-in cannot parse kernel C near {text[pos:]!r}")
            self.tokens.append(m.group(1))
            pos = m.end()
        self.i, self.env = 0, env

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.tokens[self.i]
        if want is not None and tok != want:
            raise NotImplementedError(f"kernel C: expected {want!r}, got {tok!r}")
        self.i += 1
        return tok

    def run(self) -> Any:
        value = self.ternary()
        if self.peek() is not None:
            raise NotImplementedError(f"kernel C: unexpected {self.peek()!r}")
        return value

    def ternary(self) -> Any:
        cond = self.logical("||")
        if self.peek() != "?":
            return cond
        self.take("?")
        a = self.ternary()
        self.take(":")
        b = self.ternary()
        return np.where(cond, a, b)

    def logical(self, op: str) -> Any:
        left = self.logical("&&") if op == "||" else self.compare()
        while self.peek() == op:
            self.take()
            right = self.logical("&&") if op == "||" else self.compare()
            left = np.logical_or(left, right) if op == "||" else np.logical_and(left, right)
        return left

    def compare(self) -> Any:
        left = self.additive()
        ops = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
               "==": np.equal, "!=": np.not_equal}
        if self.peek() in ops:
            return ops[self.take()](left, self.additive())
        return left

    def additive(self) -> Any:
        left = self.term()
        while self.peek() in ("+", "-"):
            left = np.add(left, self.term()) if self.take() == "+" else np.subtract(left, self.term())
        return left

    def term(self) -> Any:
        left = self.unary()
        while self.peek() in ("*", "/"):
            left = np.multiply(left, self.unary()) if self.take() == "*" else np.divide(left, self.unary())
        return left

    def unary(self) -> Any:
        tok = self.peek()
        if tok == "-":
            self.take()
            return np.negative(self.unary())
        if tok == "!":
            self.take()
            return np.logical_not(self.unary())
        if tok == "(" and self.i + 2 < len(self.tokens) and self.tokens[self.i + 1] in _C_TYPES \
                and self.tokens[self.i + 2] == ")":
            ctype = _C_TYPES[self.tokens[self.i + 1]]
            self.i += 3
            return np.asarray(self.unary()).astype(ctype)
        return self.primary()

    def primary(self) -> Any:
        tok = self.take()
        if tok == "(":
            value = self.ternary()
            self.take(")")
            return value
        if tok[0].isdigit():
            return np.float32(tok[:-1]) if tok.endswith("f") else (float(tok) if "." in tok or "e" in tok.lower()
                                                                   else int(tok))
        if self.peek() == "(":
            if tok not in _C_FUNCS:
                raise NotImplementedError(f"the stand-in's kernel evaluator lacks the C function {tok!r}")
            self.take("(")
            args = [self.ternary()]
            while self.peek() == ",":
                self.take(",")
                args.append(self.ternary())
            self.take(")")
            return _C_FUNCS[tok](*args)
        if tok not in self.env:
            raise NotImplementedError(f"kernel C: unknown name {tok!r}")
        return self.env[tok]


def _params(spec: str) -> list[tuple[np.dtype, str]]:
    out = []
    for p in filter(None, (s.strip() for s in spec.split(","))):
        words = p.split()
        if len(words) != 2:
            raise NotImplementedError(f"the stand-in supports 'dtype name' kernel parameters only, got {p!r}")
        out.append((np.dtype(words[0]), words[1]))
    return out


class ElementwiseKernel:
    """``cupy.ElementwiseKernel`` for straight-line C (``[const T] name = expr;`` statements)."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str = "kernel",
                 reduce_dims: bool = True, preamble: str = "", no_return: bool = False,
                 return_tuple: bool = False, loop_prep: str = "", after_loop: str = "",
                 options: Any = (), **kwargs: Any) -> None:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ValueError(f"invalid kernel name {name!r}")
        self.in_params, self.out_params = _params(in_params), _params(out_params)
        self.operation, self.name, self.options = operation, name, tuple(options)
        self.nin, self.nout = len(self.in_params), len(self.out_params)
        self.nargs = self.nin + self.nout
        self.preamble, self.no_return, self.return_tuple = preamble, no_return, return_tuple
        self.reduce_dims = reduce_dims
        self.params = tuple(self.in_params + self.out_params)
        self.kwargs = kwargs
        self.calls = 0  # launches, counted for the GPU speed plan

    def __call__(self, *args: Any, size: Any = None, block_size: Any = None) -> Any:
        if len(args) not in (self.nin, self.nargs):
            raise TypeError(f"Wrong number of arguments for {self.name!r}: expected {self.nin} or "
                            f"{self.nargs}, got {len(args)}")
        env: dict[str, Any] = {}
        for (dt, pname), a in zip(self.in_params, args):
            if not isinstance(a, (ndarray,) + _SCALARS):
                raise TypeError(f"Unsupported type {type(a)} for kernel argument {pname}")
            env[pname] = np.asarray(a._a if type(a) is ndarray else a).astype(dt)
        shape = np.broadcast_shapes(*(np.shape(v) for v in env.values()))
        for line in filter(None, (s.strip() for s in self.operation.replace("\n", " ").split(";"))):
            m = re.fullmatch(r"(?:const\s+(\w+)\s+)?(\w+)\s*=\s*(.+)", line, re.S)
            if not m:
                raise NotImplementedError(f"the stand-in runs straight-line kernels only, not {line!r}")
            value = _CExpr(m.group(3), env).run()
            ctype = m.group(1)
            env[m.group(2)] = np.asarray(value).astype(_C_TYPES[ctype]) if ctype else value
        outs = []
        for k, (dt, pname) in enumerate(self.out_params):
            val = np.broadcast_to(np.asarray(env[pname]).astype(dt), shape)
            if len(args) == self.nargs:
                dest = args[self.nin + k]
                dest._a[...] = val
                outs.append(dest)
            else:
                outs.append(wrap(np.array(val)))
        self.calls += 1
        _count("ElementwiseKernel")
        return outs[0] if len(outs) == 1 and not self.return_tuple else tuple(outs)


ElementwiseKernel.__module__ = "cupy._core._kernel"
