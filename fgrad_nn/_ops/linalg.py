"""Matrix products: matmul, mm, bmm, mv, dot, outer, einsum."""
import numpy as np

import fgrad.numpy as fnp

from .._tensor import apply

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "einsum", "inner", "addmm", "tensordot"]

def _same_dtype(a, b, what):
    if a._np_dtype() != b._np_dtype():
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != "
                           f"{b.dtype.name}" if what == "mm" else
                           f"expected scalar type {a.dtype.name.capitalize()} but found {b.dtype.name.capitalize()}")


def matmul(input, other):
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    _same_dtype(input, other, "mm")
    a, b = input.shape[-1], other.shape[-2] if other.ndim > 1 else other.shape[0]
    if a != b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_rows(input)}x{a} and {b}x"
                           f"{other.shape[-1] if other.ndim > 1 else 1})")
    return apply(fnp.matmul, (input, other), None, "MmBackward0" if input.ndim == other.ndim == 2 else
                 "MatmulBackward0" if False else ("DotBackward0" if input.ndim == other.ndim == 1 else
                                                  "MvBackward0" if other.ndim == 1 and input.ndim == 2 else
                                                  "UnsafeViewBackward0" if input.ndim > 2 else "MmBackward0"))


def _rows(t):
    return int(np.prod(t.shape[:-1], dtype=np.int64)) if t.ndim > 1 else 1


def mm(input, mat2):
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {input.shape[0]} and "
                           f"{mat2.shape[0]}")
    r = matmul(input, mat2)
    r._fn = "BmmBackward0"
    return r


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                           f"and {other.shape[0]} elements respectively")
    _same_dtype(input, other, "dot")
    return matmul(input, other)


vdot = dot


def inner(input, other):
    return matmul(input, other.mT if other.ndim > 1 else other)


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(lambda *xs: fnp.einsum(equation, *xs), operands, None, "EinsumBackward0")


def tensordot(a, b, dims=2):
    return apply(lambda x, y: fnp.tensordot(x, y, axes=dims), (a, b), None, "TensordotBackward0")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    return input * beta + mm(mat1, mat2) * alpha


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer, "inner": inner,
    "addmm": addmm, "__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self),
}
