"""Small helpers shared by the primitive families of ``fgrad.numpy``."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import backend
from ..core import Primitive, Tracer, binder, concrete, concrete_value
from ..errors import ConcretizationTypeError

if TYPE_CHECKING:
    from ..typing import Array, ArrayLike

__all__ = ["get_array_module", "array_module", "shape", "dtype", "public", "defprim", "host_value"]


def get_array_module(*xs: ArrayLike) -> Any:
    """numpy or cupy, from the raw arrays underneath ``xs`` (traced values count as their arrays).

    ``fgrad.backend.get_array_module`` is the same for raw arrays only.

    >>> fnp.get_array_module(fnp.ones(2)).__name__
    'numpy'
    """
    return backend.get_array_module(*[concrete(x) for x in xs])


array_module = get_array_module


def shape(a: ArrayLike) -> tuple[int, ...]:
    """The shape of ``a``, a traced value or anything NumPy takes, as a tuple.

    A traced value answers for itself: under ``vmap`` its shape is one example's.

    >>> fnp.shape([[1, 2, 3], [4, 5, 6]])
    (2, 3)
    """
    s = getattr(a, "shape", None)
    return np.shape(a) if s is None else tuple(s)


def dtype(x: ArrayLike) -> np.dtype:
    """The dtype of ``x``: a traced value's is its array's, a Python scalar's is NumPy's for it.

    >>> from fgrad.numpy import result_dtype
    >>> print(result_dtype(fnp.ones(2, dtype=fnp.float32)), result_dtype(3), result_dtype([1, 2.5]))
    float32 int64 float64
    """
    x = concrete(x)
    if hasattr(x, "dtype"):
        return x.dtype
    # A list or tuple is data, not a dtype spec: np.result_type would read it as a structured dtype.
    return np.asarray(x).dtype if isinstance(x, (list, tuple)) else np.result_type(x)


def public(prim: Primitive, name: str | None = None, doc: str | None = None,
           params: Sequence[str] | None = None, module: str = "fgrad.numpy") -> Callable[..., Array]:
    """The ``fgrad.numpy`` function for a primitive with positional array arguments.

    ``params`` names its (positional-only) array arguments for its signature, NumPy's names
    (``x`` for a unary ufunc, ``x1, x2`` for a binary one).
    """
    fn: Any = binder(prim)  # prim.bind, one call less

    fn.__name__ = fn.__qualname__ = name or prim.name
    fn.__module__ = module  # where users find it (the binder is made in fgrad.core)
    fn.__doc__ = doc or f"NumPy's ``{name or prim.name}``, differentiable. Primitive ``{prim.name}``."
    if params is not None:
        fn.__signature__ = _signature(tuple(params))
    fn.primitive = prim
    return fn


_SIGNATURES: dict[tuple[str, ...], inspect.Signature] = {}


def _signature(params: tuple[str, ...]) -> inspect.Signature:
    """``(p0: ArrayLike, ..., /) -> Array``, one object shared by every function with these names."""
    if params not in _SIGNATURES:
        _SIGNATURES[params] = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY, annotation="ArrayLike") for p in params],
            return_annotation="Array")
    return _SIGNATURES[params]


def defprim(name: str, impl: Callable[..., Any], **rules: Any) -> Primitive:
    """Register a primitive (see ``fgrad.core.Primitive``)."""
    return Primitive(name, impl, **rules)


def host_value(x: ArrayLike, what: str) -> np.ndarray:
    """The one concrete value of ``x`` as a NumPy array, for an argument that decides a shape (indices, a
    mask, a count): JAX's ConcretizationTypeError naming ``what`` if it is being staged (``jit``) or
    varies over a ``vmap`` batch, where no one value exists.

    >>> from fgrad.numpy._util import host_value
    >>> host_value(fnp.array([1, 2]), "the indices")
    array([1, 2])
    """
    v = concrete_value(x, what)  # (raises for a staged value)
    if isinstance(x, Tracer) and isinstance(x._nondiff_value(), Tracer):  # a batch tracer keeps itself
        raise ConcretizationTypeError(f"{what} must be a concrete value, but it varies over a vmap batch; "
                                      "compute it outside the mapped function")
    return np.asarray(v.get() if hasattr(v, "get") else v)
