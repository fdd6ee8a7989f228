"""The stand-in's modules: exactly the public names recorded from real CuPy (``names/*.txt``).

Each recorded name is one of: NumPy's very object where CuPy re-exports it (dtypes, ``finfo``...),
a ufunc, a NumPy function run on the stand-in's arrays, a CuPy-specific implementation, or a stub
that raises NotImplementedError when called. A name real CuPy lacks raises AttributeError.
"""
from __future__ import annotations

import __future__
import math
import pathlib
import sys
import types
from typing import Any

import numpy as np

from . import _core
from ._core import ElementwiseKernel, Device, ndarray, not_implemented, numpy_function, ufunc, unwrap, wrap

NAMES_DIR = pathlib.Path(__file__).with_name("names")
MODULES = ("cupy", "cupy.random", "cupy.linalg", "cupy.fft", "cupy.cuda", "cupy.cuda.runtime", "cupy.lib",
           "cupy.lib.stride_tricks", "cupyx", "cupyx.scipy", "cupyx.scipy.special")


def recorded(name: str) -> list[str]:
    """The names recorded from real CuPy for ``name`` (a module, or a class such as ``cupy.ndarray``)."""
    lines = (NAMES_DIR / f"{name}.txt").read_text().splitlines()
    return [ln for ln in lines if ln and not ln.startswith("#")]


def _kinds() -> dict[str, str]:
    return dict(ln.split() for ln in recorded("cupy.kinds"))


class StandinModule(types.ModuleType):
    """A module that answers only its recorded names (anything else: AttributeError, as in CuPy)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} "
                             "(not in real CuPy 14's public names, tests/cupy_standin/names)")

    def __dir__(self) -> list[str]:
        return sorted(self.__dict__.get("_recorded", ()))


def _module(name: str, namespace: dict[str, Any], default: Any) -> StandinModule:
    mod = StandinModule(name, f"CuPy stand-in for {name} (tests/cupy_standin): NumPy underneath.")
    names = recorded(name)
    mod._recorded = names  # type: ignore[attr-defined]
    for n in names:
        value = namespace[n] if n in namespace else default(n)
        setattr(mod, n, value)
    return mod


# --- cupy ---------------------------------------------------------------------------------------------

# NumPy functions that take host data in CuPy too (they are how data gets onto the device)
_FROM_HOST = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray")
# functions whose result is a Python value or a dtype, not an array
_PYTHON_RESULT = ("result_type", "shape", "ndim", "size", "may_share_memory", "shares_memory", "isscalar",
                  "can_cast", "min_scalar_type", "promote_types", "common_type", "issubdtype", "isdtype",
                  "broadcast_shapes", "get_array_module", "iterable", "base_repr", "binary_repr", "obj2sctype")
_VALUES = {"Inf": math.inf, "Infinity": math.inf, "PINF": math.inf, "infty": math.inf, "NINF": -math.inf,
           "NAN": math.nan, "NaN": math.nan, "PZERO": 0.0, "NZERO": -0.0, "annotations": __future__.annotations,
           "disable_experimental_feature_warning": False, "float_": np.float64, "complex_": np.complex128,
           "cfloat": np.complex128, "singlecomplex": np.complex64}


def _from_host(name: str) -> Any:
    fn = getattr(np, name)

    def make(obj: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        data = unwrap(obj, f"cupy.{name}", host_ok=True)
        if name == "array":
            return wrap(np.array(data, dtype, *args, **kwargs))
        if type(obj) is ndarray and (dtype is None or np.dtype(dtype) == obj.dtype) and not args and not kwargs \
                and name in ("asarray", "asanyarray"):
            return obj
        return wrap(np.array(fn(data, dtype, *args, **kwargs)))  # the device owns its copy of host data
    make.__name__ = make.__qualname__ = name
    make.__module__ = "cupy"
    return make


def _asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None, blocking: bool = True) -> np.ndarray:
    if type(a) is ndarray:
        return a.get(stream=stream, order=order, out=out, blocking=blocking)
    out_a = np.asarray(a, order=order)  # type: ignore[call-overload]  # order is a str here
    if out is not None:
        out[...] = out_a
        return out
    return out_a


def _get_array_module(*args: Any) -> Any:
    return sys.modules["cupy"] if any(type(a) is ndarray for a in args) else np


def _from_dlpack(array: Any, *, device: Any = None, copy: Any = None) -> ndarray:
    if type(array) is ndarray:
        return array.copy() if copy else array.view()
    dev = array.__dlpack_device__()[0] if hasattr(array, "__dlpack_device__") else None
    if dev == _core.KDL_CPU and copy:
        return wrap(np.array(np.from_dlpack(array)))
    raise BufferError(f"cupy.from_dlpack: the producer lives on DLPack device {dev}, not CUDA; the stand-in, "
                      "like a CUDA consumer, cannot share host memory (pass copy=True, or use cupy.asarray)")


def _stable(fn: Any) -> Any:
    if fn is np.lexsort:
        return fn  # always stable
    def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None) -> Any:
        return fn(a, axis=axis, kind="stable")
    sort.__name__ = fn.__name__
    return sort


def _ufunc(name: str) -> Any:
    np_obj = getattr(np, name, None)
    if isinstance(np_obj, np.ufunc):
        return ufunc(name, np_obj)
    if callable(np_obj):  # a ufunc in CuPy, a function in NumPy (sinc, i0, ...)
        return numpy_function(f"cupy.{name}", np_obj)
    return not_implemented(f"cupy.{name}")


def _cupy_namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {"ndarray": ndarray, "ElementwiseKernel": ElementwiseKernel, "ufunc": ufunc,
                          "asnumpy": _asnumpy, "get_array_module": _get_array_module,
                          "from_dlpack": _from_dlpack, "AxisError": np.exceptions.AxisError,
                          "ComplexWarning": np.exceptions.ComplexWarning,
                          "VisibleDeprecationWarning": np.exceptions.VisibleDeprecationWarning,
                          "ModuleDeprecationWarning": np.exceptions.ModuleDeprecationWarning,
                          "TooHardError": np.exceptions.TooHardError, "RankWarning": np.exceptions.RankWarning,
                          **_VALUES}
    for name, kind in _kinds().items():
        if name in ns or kind == "module":
            continue
        np_obj = getattr(np, name, None)
        if kind == "numpy":
            ns[name] = np_obj
        elif kind == "ufunc":
            ns[name] = _ufunc(name)
        elif name in _FROM_HOST:
            ns[name] = _from_host(name)
        elif name in ("sort", "argsort", "lexsort"):  # CuPy's sorts are stable; NumPy's default is not
            ns[name] = numpy_function(f"cupy.{name}", _stable(np_obj))
        elif kind == "function" and callable(np_obj):
            ns[name] = numpy_function(f"cupy.{name}", np_obj, python_result=name in _PYTHON_RESULT)
    return ns


# --- submodules -----------------------------------------------------------------------------------------

def _numpy_twin(modname: str, np_module: Any) -> Any:
    def default(n: str) -> Any:
        obj = getattr(np_module, n, None) if np_module is not None else None
        if obj is None or not callable(obj):
            return not_implemented(f"{modname}.{n}")
        if isinstance(obj, type):
            return obj
        return numpy_function(f"{modname}.{n}", obj)
    return default


class _Generator:
    """``cupy.random.Generator`` over NumPy's generator: arrays come back on the device."""

    def __init__(self, bit_generator: Any = None) -> None:
        self._g = np.random.default_rng(bit_generator)

    def __getattr__(self, name: str) -> Any:
        if name not in recorded("cupy.random.Generator"):
            raise AttributeError(f"'cupy.random.Generator' object has no attribute {name!r}")
        return numpy_function(f"cupy.random.Generator.{name}", getattr(self._g, name))


def _random_namespace() -> dict[str, Any]:
    return {"Generator": _Generator, "default_rng": lambda seed=None: _Generator(seed)}


def _cuda_namespace() -> dict[str, Any]:
    return {"Device": Device, "is_available": lambda: True, "get_device_id": lambda: 0}


def _runtime_namespace() -> dict[str, Any]:
    return {"getDeviceCount": lambda: 1, "getDevice": lambda: 0, "deviceSynchronize": lambda: None,
            "runtimeGetVersion": lambda: 12080, "driverGetVersion": lambda: 12080, "is_hip": False}


def _cupyx_namespace() -> dict[str, Any]:
    def scatter(name: str) -> Any:
        def fn(a: Any, slices: Any, value: Any) -> None:
            if type(a) is not ndarray:
                raise TypeError(f"cupyx.{name}: a must be a cupy.ndarray, got {type(a)}")
            getattr(a, name)(slices, value)
        fn.__name__ = fn.__qualname__ = name
        return fn
    return {"scatter_add": scatter("scatter_add"), "scatter_max": scatter("scatter_max"),
            "scatter_min": scatter("scatter_min")}


def build() -> dict[str, StandinModule]:
    """Fresh stand-in modules, keyed by their import names."""
    cp_ns = _cupy_namespace()
    _core.NAMESPACE.clear()
    _core.NAMESPACE.update(cp_ns)
    mods = {
        "cupy.random": _module("cupy.random", _random_namespace(), _numpy_twin("cupy.random", np.random)),
        "cupy.linalg": _module("cupy.linalg", {}, _numpy_twin("cupy.linalg", np.linalg)),
        "cupy.fft": _module("cupy.fft", {}, _numpy_twin("cupy.fft", np.fft)),
        "cupy.cuda.runtime": _module("cupy.cuda.runtime", _runtime_namespace(),
                                     lambda n: not_implemented(f"cupy.cuda.runtime.{n}")),
        "cupy.lib.stride_tricks": _module("cupy.lib.stride_tricks", {"np": np},
                                          _numpy_twin("cupy.lib.stride_tricks", np.lib.stride_tricks)),
        "cupyx.scipy.special": _module("cupyx.scipy.special", {},
                                       lambda n: not_implemented(f"cupyx.scipy.special.{n}")),
    }
    mods["cupy.cuda"] = _module("cupy.cuda", {**_cuda_namespace(), "runtime": mods["cupy.cuda.runtime"]},
                                lambda n: not_implemented(f"cupy.cuda.{n}"))
    mods["cupy.lib"] = _module("cupy.lib", {"stride_tricks": mods["cupy.lib.stride_tricks"]},
                               lambda n: not_implemented(f"cupy.lib.{n}"))
    mods["cupyx.scipy"] = _module("cupyx.scipy", {"special": mods["cupyx.scipy.special"]},
                                  lambda n: _empty_module(f"cupyx.scipy.{n}"))
    subs = {n.rpartition(".")[2]: m for n, m in mods.items() if n.count(".") == 1 and n.startswith("cupy.")}
    mods["cupy"] = _module("cupy", {**cp_ns, **subs},
                           lambda n: _empty_module(f"cupy.{n}") if _kinds().get(n) == "module"
                           else not_implemented(f"cupy.{n}"))
    mods["cupy"].__version__ = "14.2.0-standin"  # type: ignore[attr-defined]
    mods["cupyx"] = _module("cupyx", {**_cupyx_namespace(), "scipy": mods["cupyx.scipy"]},
                            lambda n: not_implemented(f"cupyx.{n}"))
    _core.NAMESPACE["__module__"] = mods["cupy"]
    return mods


def _empty_module(name: str) -> StandinModule:
    mod = StandinModule(name, "A CuPy module the stand-in does not model.")
    mod._recorded = []  # type: ignore[attr-defined]
    return mod
