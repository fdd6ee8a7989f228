"""Shared pieces of the distributions: argument promotion, and a location-scale (or shifted lattice)
family's functions from those of its standard member, so each family states only its standard math."""
from __future__ import annotations

import math

import numpy as np
from typing import TYPE_CHECKING

from ... import numpy as fnp

if TYPE_CHECKING:
    from collections.abc import Callable

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


def at_standard(fn: Callable[..., Array], x: ArrayLike, loc: ArrayLike, scale: ArrayLike,
                *params: ArrayLike) -> Array:
    """``fn((x - loc) / scale, *params)``: a location-scale family's CDF, survival function or
    their logs from those of its standard member."""
    z, _, *rest = standardize(x, loc, scale, *params)
    return fn(z, *rest)


def loc_scale_logpdf(std_logpdf: Callable[..., Array], x: ArrayLike, loc: ArrayLike, scale: ArrayLike,
                     *params: ArrayLike, support: Callable[..., Array] | None = None,
                     inner: float = 1.0) -> Array:
    """The log density of ``loc + scale * Z`` at ``x`` from ``std_logpdf(z, *params)`` of ``Z``:
    ``std_logpdf((x - loc) / scale) - log(scale)``. With ``support(z, *params)``, -inf outside it,
    where ``std_logpdf`` sees the point ``inner`` of the support instead (so no nan reaches a gradient)."""
    z, scale, *rest = standardize(x, loc, scale, *params)
    if support is None:
        return std_logpdf(z, *rest) - fnp.log(scale)
    inside = support(z, *rest)
    return fnp.where(inside, std_logpdf(safe(inside, z, inner), *rest) - fnp.log(scale), -np.inf)


def loc_scale_ppf(std_ppf: Callable[..., Array], q: ArrayLike, loc: ArrayLike, scale: ArrayLike,
                  *params: ArrayLike) -> Array:
    """``loc + scale * std_ppf(q, *params)``: a location-scale family's quantile function (or its
    inverse survival function) from its standard member's."""
    q, loc, scale, *rest = promote(q, loc, scale, *params)
    return loc + scale * std_ppf(q, *rest)


def log_from_pair(p: Array, q: Array) -> Array:
    """``log(p)`` where ``q = 1 - p``: taken as ``log1p(-q)`` where ``q`` is the smaller (it holds the
    digits), so a CDF near 1 keeps its log's digits."""
    return fnp.where(q < 0.5, fnp.log1p(-q), fnp.log(p))


def lattice_logpmf(std_logpmf: Callable[..., Array], support: Callable[..., Array], k: ArrayLike,
                   loc: ArrayLike, *params: ArrayLike, inner: float = 0.0) -> Array:
    """The log mass of ``loc + K`` at ``k`` from ``std_logpmf(k, *params)`` of ``K``: -inf outside
    ``support(k - loc, *params)``, where ``std_logpmf`` sees the point ``inner`` instead."""
    k, loc, *rest = promote(k, loc, *params)
    k = k - loc
    inside = support(k, *rest)
    return fnp.where(inside, std_logpmf(safe(inside, k, inner), *rest), -np.inf)
