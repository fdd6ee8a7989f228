"""Small helpers shared by the primitive families of ``fgrad.numpy``."""
import numpy as np

from .. import backend
from ..core import Primitive, concrete

__all__ = ["array_module", "shape", "dtype", "unbroadcast", "public", "defprim"]


def array_module(*xs):
    """numpy or cupy, from the raw arrays underneath ``xs``."""
    return backend.get_array_module(*[concrete(x) for x in xs])


def shape(x):
    s = getattr(x, "shape", None)
    return np.shape(x) if s is None else tuple(s)


def dtype(x):
    x = concrete(x)
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


def unbroadcast(g, target):
    """Sum ``g`` down to the shape of ``target`` (undoing NumPy broadcasting)."""
    tshape = shape(target)
    gshape = shape(g)
    if gshape == tshape:
        return g
    from . import reshape, sum as fsum
    lead = len(gshape) - len(tshape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(tshape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = fsum(g, axis=axes, keepdims=True)
    return reshape(g, tshape) if shape(g) != tshape else g


def public(prim, name=None, doc=None):
    """The ``fgrad.numpy`` function for a primitive with positional array arguments."""
    bind = prim.bind

    def fn(*args):
        return bind(*args)

    fn.__name__ = fn.__qualname__ = name or prim.name
    fn.__doc__ = doc or f"NumPy's ``{name or prim.name}``, differentiable. Primitive ``{prim.name}``."
    fn.primitive = prim
    return fn


def defprim(name, impl, **rules):
    """Register a primitive (see ``fgrad.core.Primitive``)."""
    return Primitive(name, impl, **rules)
