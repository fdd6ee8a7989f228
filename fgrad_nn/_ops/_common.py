"""Helpers shared by the op families: fgrad lookups, casting, dims, method tables."""
import numpy as np

import fgrad.numpy as fnp

from .. import _dtypes
from .._tensor import Tensor, apply, raw_of

METHODS = {}  # Tensor method name -> function(self, ...); installed by fgrad_nn._ops


def method(*names):
    """Register a function as Tensor method(s) too (defined once, used both ways)."""
    def deco(fn):
        for n in names or (fn.__name__,):
            METHODS[n] = fn
        return fn
    return deco


def lazy(path):
    """An fgrad function looked up at call time (``"numpy.matmul"``, ``"nn.softmax"``, ...).

    Other parts of fgrad may be written after this module is imported.
    """
    cache = []

    def fn(*args, **kwargs):
        if not cache:
            import importlib
            mod, _, name = path.rpartition(".")
            try:
                m = importlib.import_module("fgrad." + mod)
            except ModuleNotFoundError:
                m = None
            f = getattr(m, name, None)
            if f is None:
                raise NotImplementedError(f"fgrad.{path} is not available yet (needed by fgrad_nn)")
            cache.append(f)
        return cache[0](*args, **kwargs)

    fn.__name__ = path.rpartition(".")[2]
    return fn


def npdt(t):
    return t._np_dtype()


def cast(t, np_dtype):
    """``t`` as ``np_dtype`` (differentiable); ``t`` itself when it already is."""
    if t._np_dtype() == np_dtype:
        return t
    return apply(fnp.astype, (t,), {"dtype": np_dtype}, "ToCopyBackward0")


def to_float(t):
    """Integer/bool tensors become the default float dtype (torch's exp, sqrt, mean ...)."""
    if t._np_dtype().kind in "biu":
        return cast(t, _dtypes.get_default_dtype().np)
    return t


def norm_dim(dim, nd):
    """torch dim (int, tuple, None) -> fgrad axis (None or tuple of non-negative ints)."""
    if dim is None:
        return None
    n = max(nd, 1)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(int(d) % n)
    return tuple(out) if nd else None


def one_dim(dim, nd):
    n = max(nd, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def as_tensor_arg(x, like=None):
    """Python scalars/lists/arrays met where a Tensor is expected."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor
    return tensor(x, device=like.device if like is not None else None)


def shape_args(shape):
    """``f(2, 3)`` or ``f((2, 3))`` or ``f(torch.Size)`` -> tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def raw(t):
    return raw_of(t._data)
