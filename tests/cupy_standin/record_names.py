"""Record real CuPy's public names into ``names/`` (needs real CuPy installed; no GPU needed).

    python -m venv /tmp/cupyenv && /tmp/cupyenv/bin/pip install cupy-cuda12x==14.2.0
    /tmp/cupyenv/bin/python tests/cupy_standin/record_names.py tests/cupy_standin/names

Not imported by the tests: they read the text files this writes.
"""
from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import types
from typing import Any

MODULES = ("cupy", "cupy.random", "cupy.linalg", "cupy.fft", "cupy.cuda", "cupy.cuda.runtime", "cupy.lib",
           "cupy.lib.stride_tricks", "cupyx", "cupyx.scipy", "cupyx.scipy.special")
# the protocol dunders the stand-in must model (or, like __array_namespace__, must not have)
PROTOCOLS = ("__array__", "__array_function__", "__array_ufunc__", "__dlpack__", "__dlpack_device__",
             "__cuda_array_interface__", "__array_namespace__", "__array_priority__", "__float__", "__int__",
             "__bool__", "__index__", "__complex__", "__len__", "__iter__", "__array_wrap__",
             "__array_interface__")


def public(obj: Any) -> list[str]:
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def lazy_names(mod: types.ModuleType) -> list[str]:
    """Names a module hands out through a module-level ``__getattr__`` (absent from ``dir()``)."""
    getattr_fn = mod.__dict__.get("__getattr__")
    if getattr_fn is None:
        return []
    found = set(re.findall(r"key == '(\w+)'", inspect.getsource(getattr_fn)))
    found |= set(getattr(mod, "_submodules", ()))
    return sorted(n for n in found if not n.startswith("_"))


def write(out: str, name: str, header: str, names: list[str]) -> None:
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write(header + "\n".join(names) + "\n")


def main(out: str) -> None:
    import cupy
    import numpy

    def header(name: str) -> str:
        return (f"# Public names of {name} in CuPy {cupy.__version__} (cupy-cuda12x wheel, NumPy "
                f"{numpy.__version__}),\n# recorded by dir() on a machine without a GPU. One name a line.\n")

    for m in MODULES:
        mod = importlib.import_module(m)
        lazy = lazy_names(mod)
        note = f"# (with the names its module __getattr__ provides lazily: {', '.join(lazy)})\n" if lazy else ""
        write(out, m, header(m) + note, sorted(set(public(mod)) | set(lazy)))
    classes = {"cupy.ndarray": cupy.ndarray, "cupy.random.Generator": cupy.random.Generator,
               "cupy.cuda.Device": cupy.cuda.Device, "cupy.ElementwiseKernel": cupy.ElementwiseKernel,
               "cupy.ufunc": cupy.ufunc}
    for name, cls in classes.items():
        names = public(cls)
        if name == "cupy.ndarray":
            names = sorted(set(names) | {n for n in dir(cls) if n in PROTOCOLS})
        write(out, name, header(name), names)
    kinds = []
    for n in public(cupy):
        obj = getattr(cupy, n)
        if isinstance(obj, types.ModuleType):
            kind = "module"
        elif isinstance(obj, cupy.ufunc):
            kind = "ufunc"
        elif getattr(numpy, n, object()) is obj:
            kind = "numpy"
        elif isinstance(obj, type):
            kind = "class"
        else:
            kind = "function" if callable(obj) else "value"
        kinds.append(f"{n} {kind}")
    write(out, "cupy.kinds", f"# Kind of each public name of cupy in CuPy {cupy.__version__}: module, ufunc "
          "(cupy.ufunc),\n# numpy (the very NumPy object), class, function or value.\n", kinds)


if __name__ == "__main__":
    main(sys.argv[1])
