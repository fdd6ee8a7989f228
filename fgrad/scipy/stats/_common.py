"""Shared pieces of the distributions: argument promotion and the loc/scale standardization."""
from __future__ import annotations

import math

import numpy as np
from typing import TYPE_CHECKING

from ... import numpy as fnp

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike

LOG_2PI = math.log(2.0 * math.pi)
LOG_PI = math.log(math.pi)
LOG_2 = math.log(2.0)


def promote(*args: ArrayLike) -> list[Array]:
    """The arguments as arrays of one inexact dtype, as JAX promotes them: Python scalars are weak
    (they take the others' dtype), integers and lists compute as float64, float32 stays."""
    # Scalars and lists are made where the array arguments live (on their device).
    ref = next((a for a in args if not isinstance(a, (bool, int, float, list, tuple))), None)
    arrays = [fnp.asarray(a) if ref is None or a is ref else fnp.asarray(a, like=ref) for a in args]
    strong = [a.dtype for a, raw in zip(arrays, args) if not isinstance(raw, (bool, int, float))]
    dtype = np.result_type(*strong) if strong else np.dtype(np.float64)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return [a if a.dtype == dtype else fnp.astype(a, dtype) for a in arrays]


def standardize(x: ArrayLike, loc: ArrayLike, scale: ArrayLike, *params: ArrayLike) -> list[Array]:
    """``[(x - loc) / scale, scale, *params]``, all promoted together."""
    x, loc, scale, *rest = promote(x, loc, scale, *params)
    return [(x - loc) / scale, scale, *rest]


def safe(cond: Array, x: ArrayLike, fill: ArrayLike) -> Array:
    """``x`` where ``cond`` holds, else a harmless ``fill`` (keeps unselected branches finite, so no
    nan leaks into a gradient through ``where``)."""
    return fnp.where(cond, x, fill)


def is_integer(k: Array) -> Array:
    """Where ``k`` holds a whole number."""
    return k == fnp.floor(k)
