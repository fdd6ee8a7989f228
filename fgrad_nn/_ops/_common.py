"""Helpers shared by the op families: casting, dims, shape arguments."""
import numpy as np

import fgrad.numpy as fnp
from fgrad.core import concrete

from .. import _dtypes
from .._tensor import apply, transform_traced


def cast(t, np_dtype):
    """``t`` as ``np_dtype`` (differentiable); ``t`` itself when it already is."""
    if t._np_dtype() == np_dtype:
        return t
    return apply(fnp.astype, (t,), {"dtype": np_dtype}, "ToCopyBackward0")


def nondiff(t):
    """The value of ``t`` where no derivative flows (an index, a mask, a condition): its raw array, or under an
    fgrad transform its traced value with the derivatives stopped (under vmap: one example, the raw array being
    the whole batch)."""
    d = t._data
    return fnp.stop_gradient(d) if transform_traced(d) else concrete(d)


def array_ops(t):
    """The module to compute on ``nondiff(t)`` with: NumPy for a raw array, fgrad.numpy for a traced value."""
    return fnp if transform_traced(t._data) else np


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


def no_out(out):
    """torch's ``out=``: not supported, rather than ignored (fgrad_nn's tensors are values)."""
    if out is not None:
        raise NotImplementedError("out= is not supported by fgrad_nn (tensors are values; use the result)")


def shape_args(shape):
    """``f(2, 3)`` or ``f((2, 3))`` or ``f(torch.Size)`` -> tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)

