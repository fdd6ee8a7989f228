"""torch's argument rules and message formats, shared by the pure layers and the torch face.

- :func:`normalize_dim`: a dim in ``[-ndim, ndim)`` made non-negative (a 0-d input takes -1 and 0),
  else torch's ``IndexError("Dimension out of range (expected to be in range of [a, b], but got c)")``.
- :func:`dtype_name`: torch's scalar-type name of a dtype (``"Float"``, ``"Long"`` ...).
- :func:`broadcast_shapes`: the broadcast shape, or torch's RuntimeError naming the mismatching dimension.
- :func:`size_str` / :func:`shape_str`: a shape as torch prints it, ``torch.Size([2, 3])`` / ``[2, 3]``.

>>> normalize_dim(-1, 3), dtype_name("float32"), size_str((2, 3))
(2, 'Float', 'torch.Size([2, 3])')
"""
import numpy as np

__all__ = ["normalize_dim", "dtype_name", "broadcast_shapes", "size_str", "shape_str"]

_DTYPE_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def normalize_dim(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-dimensional input, with torch's range check."""
    n = max(int(ndim), 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def dtype_name(dtype):
    """torch's scalar-type name of a NumPy dtype (or anything ``np.dtype`` takes): ``"Float"`` for float32."""
    name = np.dtype(dtype).name
    return _DTYPE_NAMES.get(name, name)


def broadcast_shapes(*shapes):
    """The broadcast shape, or torch's RuntimeError naming the last mismatching dimension (torch checks from
    the right)."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    out = tuple(shapes[0])
    for s in shapes[1:]:
        nd = max(len(out), len(s))
        a, b = (1,) * (nd - len(out)) + tuple(out), (1,) * (nd - len(s)) + tuple(s)
        for i in reversed(range(nd)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                   f"non-singleton dimension {i}")
        out = np.broadcast_shapes(a, b)
    return tuple(out)


def shape_str(shape):
    """``[2, 3]``: a shape as torch's C++ messages print it."""
    return "[" + ", ".join(str(int(v)) for v in shape) + "]"


def size_str(shape):
    """``torch.Size([2, 3])``: a shape as torch's Python messages print it."""
    return f"torch.Size({shape_str(shape)})"
