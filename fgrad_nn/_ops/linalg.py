"""Matrix products: matmul, mm, bmm, mv, dot, outer, einsum."""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import importlib
import warnings

import numpy as np

import fgrad.numpy as fnp
from fgrad.nn.torch_rules import broadcast_shapes, dtype_name

from .._tensor import Tensor, apply
from ._common import cast, fused_in_float32, opmath
from .creation import zeros
from .pointwise import where

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "einsum", "inner", "addmm", "tensordot",
           "det", "inverse", "logdet", "slogdet", "pinverse", "matrix_power", "matrix_exp", "trace", "cholesky",
           "svd", "qr", "cross"]

def _same_dtype(a: Tensor, b: Tensor, what: str) -> None:
    if a._np_dtype() != b._np_dtype():
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != "
                           f"{b.dtype.name}" if what == "mm" else
                           f"expected scalar type {dtype_name(a._np_dtype())} but found {dtype_name(b._np_dtype())}")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product, with NumPy's rules: 1-D operands are vectors, leading dims broadcast as batches (``@``).

    >>> torch.matmul(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 1]))
    tensor([3, 7])
    >>> torch.matmul(torch.ones(5, 2, 3), torch.ones(3, 4)).shape
    torch.Size([5, 2, 4])
    """
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    _same_dtype(input, other, "mm")
    a, b = input.shape[-1], other.shape[-2] if other.ndim > 1 else other.shape[0]
    if a != b:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_rows(input)}x{a} and {b}x"
                           f"{other.shape[-1] if other.ndim > 1 else 1})")
    return apply(opmath(input, fnp.matmul), (input, other), None, "MmBackward0" if input.ndim == other.ndim == 2 else
                 "MatmulBackward0" if False else ("DotBackward0" if input.ndim == other.ndim == 1 else
                                                  "MvBackward0" if other.ndim == 1 and input.ndim == 2 else
                                                  "UnsafeViewBackward0" if input.ndim > 2 else "MmBackward0"))


def _rows(t: Tensor) -> int:
    return int(np.prod(t.shape[:-1], dtype=np.int64)) if t.ndim > 1 else 1


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (2-D only; no broadcasting).

    >>> torch.mm(torch.tensor([[1, 2]]), torch.tensor([[3], [4]]))
    tensor([[11]])
    """
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix products of two 3-D tensors: ``out[b] = input[b] @ mat2[b]``.

    >>> torch.bmm(torch.ones(4, 2, 3), torch.ones(4, 3, 5)).shape
    torch.Size([4, 2, 5])
    """
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


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix and a vector.

    >>> torch.mv(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, -1]))
    tensor([-1, -1])
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors.

    ``vdot`` is an alias here: fgrad_nn does not conjugate its first argument (the same for real tensors).

    >>> torch.dot(torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6]))
    tensor(32)
    """
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                           f"and {other.shape[0]} elements respectively")
    _same_dtype(input, other, "dot")
    return matmul(input, other)


vdot = dot


def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum of products over the last dims of ``input`` and ``other``.

    >>> torch.inner(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 0], [0, 1], [1, 1]]))
    tensor([[1, 2, 3],
            [3, 4, 7]])
    """
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if other.ndim > 2:  # matmul would batch over other's leading dims; inner pairs every row with every row
        _same_dtype(input, other, "inner")
        return apply(lambda x, y: fnp.tensordot(x, y, axes=([x.ndim - 1], [y.ndim - 1])), (input, other), None,
                     "TensordotBackward0")
    return matmul(input, other.mT if other.ndim > 1 else other)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: ``out[i, j] = input[i] * vec2[j]`` (``ger`` is an alias).

    >>> torch.outer(torch.tensor([1, 2]), torch.tensor([1, 10, 100]))
    tensor([[  1,  10, 100],
            [  2,  20, 200]])
    """
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over the operands as ``equation`` describes (``'ij,jk->ik'`` is a matrix product).

    >>> torch.einsum('ii->', torch.tensor([[1, 2], [3, 4]]))
    tensor(5)
    >>> torch.einsum('i,j->ij', torch.tensor([1, 2]), torch.tensor([3, 4]))
    tensor([[3, 4],
            [6, 8]])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for op in operands[1:]:
        _same_dtype(operands[0], op, "einsum")
    if operands and operands[0]._np_dtype().kind in "biu":
        operands = _einsum_integer_operands(equation, operands)
    return apply(opmath(operands[0], lambda *xs: fnp.einsum(equation, *xs)), operands, None, "EinsumBackward0")


def _einsum_integer_operands(equation: str, operands: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """torch's einsum on integers and bools: an index summed within one operand is a ``sum`` (int64, as
    torch's sum promotes); one summed across operands is a ``bmm``, which bools lack."""
    inputs, _, out = equation.replace(" ", "").replace("...", ".").partition("->")
    terms = inputs.split(",")
    if "->" not in equation:
        out = "".join(sorted(c for c in set(inputs) - {",", "."} if inputs.count(c) == 1))
    summed = {c for c in set(inputs) - {","} if c not in out}
    shared = {c for c in summed if sum(c in t for t in terms) > 1}
    if shared and operands[0]._np_dtype() == np.bool_:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    if summed - shared:
        return tuple(cast(op, np.dtype(np.int64)) for op in operands)
    return operands


def tensordot(a: Tensor, b: Tensor, dims: int | Sequence[Any] = 2) -> Tensor:
    """The sum of products of ``a`` and ``b`` over ``dims``: the last ``dims`` of ``a`` with the first of ``b``,
    or the dims listed in a pair of lists.

    >>> torch.tensordot(torch.ones(2, 3, 4), torch.ones(3, 4, 5)).shape
    torch.Size([2, 5])
    >>> torch.tensordot(torch.ones(3, 2), torch.ones(3, 5), dims=([0], [0])).shape
    torch.Size([2, 5])
    """
    if a._np_dtype() != b._np_dtype():
        raise RuntimeError("both inputs should have same dtype")
    if a._np_dtype() == np.bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return apply(lambda x, y: fnp.tensordot(x, y, axes=dims), (a, b), None, "TensordotBackward0")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``.

    >>> torch.addmm(torch.ones(2, 2), torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), beta=0.5)
    tensor([[1.5000, 2.5000],
            [3.5000, 4.5000]])
    """
    if (fused := fused_in_float32(addmm, input, mat1, mat2, beta=beta, alpha=alpha)) is not None:
        return fused
    if beta == 0:  # torch ignores input's values then (a nan in it stays out); its gradient is zero
        return apply(lambda i, o: fnp.where(fnp.zeros_like(o, dtype=bool), i, o), (input, mm(mat1, mat2) * alpha),
                     None, "AddmmBackward0")
    return input * beta + mm(mat1, mat2) * alpha


def _torch_linalg() -> Any:
    """``torch.linalg``, loaded on the first call of one of the older names below (it loads
    ``fgrad.scipy.linalg``, which ``import fgrad_nn`` does not need)."""
    return importlib.import_module("fgrad_nn.linalg")


# torch's older names for torch.linalg's functions (and Tensor methods), which run them
def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix (``torch.linalg.det``).

    >>> torch.det(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    linalg = _torch_linalg()
    return linalg.det(input)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of each square matrix (``torch.linalg.inv``).

    >>> torch.inverse(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    linalg = _torch_linalg()
    return linalg.inv(input, out=out)


def slogdet(input: Tensor) -> Any:
    """``(sign, logabsdet)`` of the determinant (``torch.linalg.slogdet``).

    >>> torch.slogdet(torch.tensor([[0.0, 2.0], [3.0, 0.0]])).sign
    tensor(-1.)
    """
    linalg = _torch_linalg()
    return linalg.slogdet(input)


def logdet(input: Tensor) -> Tensor:
    """The log of the determinant: NaN where it is negative, ``-inf`` where it is zero.

    >>> torch.logdet(torch.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    sign, logabsdet = slogdet(input)
    return where(sign < 0, float("nan"), logabsdet)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond * s_max`` dropped (``torch.linalg.pinv``).

    >>> torch.pinverse(torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    linalg = _torch_linalg()
    return linalg.pinv(input, rtol=rcond)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` to the integer power ``n`` (``torch.linalg.matrix_power``).

    >>> torch.matrix_power(torch.tensor([[1.0, 1.0], [0.0, 1.0]]), 2)
    tensor([[1., 2.],
            [0., 1.]])
    """
    linalg = _torch_linalg()
    return linalg.matrix_power(input, n)


def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential (``torch.linalg.matrix_exp``).

    >>> torch.matrix_exp(torch.zeros(1, 1))
    tensor([[1.]])
    """
    linalg = _torch_linalg()
    return linalg.matrix_exp(input)


def trace(input: Tensor) -> Tensor:
    """The sum of the diagonal of a 2-D tensor.

    >>> torch.trace(torch.tensor([[1, 2], [3, 4]]))
    tensor(5)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return apply(fnp.trace, (input,), None, "TraceBackward0")


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor (``torch.linalg.cholesky``; torch's older spelling).

    >>> torch.cholesky(torch.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    linalg = _torch_linalg()
    return linalg.cholesky(input, upper=upper, out=out)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """``(U, S, V)`` with ``input = U @ diag(S) @ V.mT`` -- ``V``, not ``Vh`` as in ``torch.linalg.svd``;
    ``some=False`` gives square ``U`` and ``V``; ``compute_uv=False`` gives square zero ``U`` and ``V``.

    >>> torch.svd(torch.tensor([[3.0, 0.0], [0.0, -4.0]])).S
    tensor([4., 3.])
    """
    linalg = _torch_linalg()
    if not compute_uv:
        m, n = input.shape[-2:]
        U = zeros(*input.shape[:-2], m, m, dtype=input.dtype, device=input.device)  # square, whatever `some`
        V = zeros(*input.shape[:-2], n, n, dtype=input.dtype, device=input.device)
        return _SVD(U, linalg.svdvals(input.detach()), V)
    U, S, Vh = linalg.svd(input, full_matrices=not some)
    return _SVD(U, S, Vh.mT)


def qr(input: Tensor, some: bool = True) -> Any:
    """``(Q, R)``: reduced with ``some=True``, complete otherwise (``torch.linalg.qr``'s modes).

    >>> Q, R = torch.qr(torch.tensor([[3.0, 0.0], [4.0, 5.0]]))
    >>> (Q @ R).round()
    tensor([[3., 0.],
            [4., 5.]])
    """
    linalg = _torch_linalg()
    return linalg.qr(input, "reduced" if some else "complete")


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along ``dim``; without ``dim``, along the first dim of size 3 (torch's old default,
    with its warning).

    >>> torch.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    linalg = _torch_linalg()
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.", UserWarning, stacklevel=2)
        shape = tuple(broadcast_shapes(tuple(input.shape), tuple(other.shape)))
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    return linalg.cross(input, other, dim=dim)


class _SVD(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def _rmatmul(self: Tensor, other: Tensor) -> Tensor:
    return matmul(other, self)


TENSOR_METHODS = {  # added to Tensor by fgrad_nn._ops
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer, "inner": inner,
    "addmm": addmm, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "det": det, "inverse": inverse, "logdet": logdet, "slogdet": slogdet, "pinverse": pinverse,
    "matrix_power": matrix_power, "matrix_exp": matrix_exp, "trace": trace, "cholesky": cholesky, "svd": svd,
    "qr": qr, "cross": cross,
}
