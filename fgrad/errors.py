"""The exceptions fgrad's transforms raise, with JAX's names and base types.

>>> try:
...     fgrad.jit(lambda x: 1 if x > 0 else 0)(1.0)
... except fgrad.errors.ConcretizationTypeError as e:
...     print("use fgrad.lax.cond")
"""

__all__ = ["ConcretizationTypeError", "TracerBoolConversionError", "TracerIntegerConversionError",
           "TracerArrayConversionError", "NonConcreteBooleanIndexError"]


class ConcretizationTypeError(TypeError):
    """A traced value was needed as one concrete Python value: in Python control flow, or to decide a
    shape. Under ``vmap`` the value varies over the batch; under ``jit`` it is not known yet."""


class TracerBoolConversionError(ConcretizationTypeError):
    """``bool()`` (an ``if``, ``while``, ``and``) of a value being staged by ``jit``."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """``int()`` or ``operator.index()`` of a value being staged by ``jit``."""


class TracerArrayConversionError(TypeError):
    """``numpy.asarray()`` of a value being staged by ``jit``: NumPy can't compute with it."""


class NonConcreteBooleanIndexError(IndexError):
    """A boolean mask whose values aren't one concrete array (it varies over a vmap batch, or is being
    staged by jit) was used as an index: the number of elements it selects isn't known.
    ``fnp.where`` is the form that works."""
