"""Names for annotations: what fgrad's functions take and return.

Import them for annotations only (``if TYPE_CHECKING:`` beside
``from __future__ import annotations``), so importing fgrad costs nothing more.

>>> from fgrad.typing import ArrayLike
>>> def f(x: ArrayLike) -> "Array": ...
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from numpy.typing import DTypeLike

__all__ = ["Array", "ArrayLike", "Axis", "DTypeLike", "PyTree", "Shape"]

# A NumPy array on the CPU, a CuPy array on a GPU, or a tracer under a transform. Like JAX before
# jax.Array, one name for all three: a tracer answers every array method, so checking code against
# ndarray alone would reject correct programs.
Array = Any
# What a function accepts where NumPy would: arrays, tracers, Python scalars, nested sequences.
ArrayLike = Any
Shape = Sequence[int]
Axis = Union[int, Sequence[int], None]
# Nested tuples, lists, dicts and registered nodes with arrays at the leaves (fgrad.tree_util).
PyTree = Any
