"""The format of the primitive specification table (see tests/specs/__init__.py)."""
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass(frozen=True)
class Spec:
    """How to test one registered primitive.

    name      -- the primitive's key in ``fgrad.core.PRIMITIVES``
    fun       -- ``fun(*args)`` exercises the primitive (through its public fgrad function)
    args      -- ``args(draw) -> tuple`` of float64 NumPy arrays / pytrees: the differentiated
                 arguments (non-array parameters are closed over in ``fun``, drawn with ``draw``
                 inside ``args`` and passed through a closure when they vary)
    reference -- optional NumPy function with ``fun``'s value, checked on every draw
    order     -- derivative order checked against finite differences
    modes     -- ("fwd", "rev") or a subset
    nondiff   -- the primitive has no derivative: only its value (and that it stops tracing)
                 are checked
    tags      -- "value_dependent_shape": a mask made from the first argument picks the elements, so
                 vmap over that argument is refused (JAX's NonConcreteBooleanIndexError)
    """
    name: str
    fun: Callable
    args: Callable
    reference: Optional[Callable] = None
    order: int = 2
    modes: tuple = ("fwd", "rev")
    nondiff: bool = False
    tags: tuple = field(default_factory=tuple)


def on_device_of(x, value):
    """``value`` (a NumPy constant of a spec: an index, a mask) on the device of ``x``, which may be
    traced: a constant lives where the values it meets do."""
    import fgrad
    from fgrad import backend
    from fgrad.core import concrete
    return fgrad.device_put(value, backend.device_of(concrete(x)))
