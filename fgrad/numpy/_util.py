"""Small helpers shared by the primitive families of ``fgrad.numpy``."""
import numpy as np

from .. import backend
from ..core import Primitive, binder, concrete

__all__ = ["get_array_module", "array_module", "shape", "dtype", "public", "defprim"]


def get_array_module(*xs):
    """numpy or cupy, from the raw arrays underneath ``xs`` (traced values count as their arrays).

    ``fgrad.backend.get_array_module`` is the same for raw arrays only.
    """
    return backend.get_array_module(*[concrete(x) for x in xs])


array_module = get_array_module


def shape(a):
    """The shape of ``a``, a traced value or anything NumPy takes, as a tuple.

    A traced value answers for itself: under ``vmap`` its shape is one example's.
    """
    s = getattr(a, "shape", None)
    return np.shape(a) if s is None else tuple(s)


def dtype(x):
    x = concrete(x)
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


def public(prim, name=None, doc=None):
    """The ``fgrad.numpy`` function for a primitive with positional array arguments."""
    fn = binder(prim)  # prim.bind, one call less

    fn.__name__ = fn.__qualname__ = name or prim.name
    fn.__doc__ = doc or f"NumPy's ``{name or prim.name}``, differentiable. Primitive ``{prim.name}``."
    fn.primitive = prim
    return fn


def defprim(name, impl, **rules):
    """Register a primitive (see ``fgrad.core.Primitive``)."""
    return Primitive(name, impl, **rules)
