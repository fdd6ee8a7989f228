"""``torch.linalg``: torch's linear-algebra API as thin wrappers over ``fgrad.numpy.linalg`` (differentiable
through the tape, as every op the bridge runs).

Results with several parts are named tuples with torch's field names (``U, S, Vh = torch.linalg.svd(A)``,
``torch.linalg.eigh(A).eigenvalues``). A matrix the factorization cannot handle (singular, not positive
definite) raises :class:`LinAlgError`, a RuntimeError, as torch's does.

>>> A = torch.tensor([[2.0, 1.0], [1.0, 2.0]])
>>> torch.linalg.det(A), torch.linalg.eigvalsh(A)
(tensor(3.), tensor([1., 3.]))
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

import numpy as np

import fgrad.numpy as fnp
import fgrad.numpy.linalg as fla
import fgrad.scipy.linalg as fsla
from fgrad.core import concrete
from fgrad.nn.torch_rules import vector_norm as torch_vector_norm

from . import _dtypes
from ._ops.creation import eye, tensor, zeros
from ._ops.linalg import matmul
from ._tensor import Tensor, apply, transform_traced

if TYPE_CHECKING:
    from .types import DType

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cholesky",
           "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_rank", "lstsq", "cross", "vecdot",
           "matmul", "multi_dot", "matrix_power", "cond", "diagonal", "solve_triangular", "matrix_exp", "tensorinv",
           "tensorsolve", "lu_factor", "lu", "lu_solve", "cholesky_ex", "inv_ex"]


class LinAlgError(RuntimeError):
    """Raised where a factorization or inverse does not exist (torch's ``torch.linalg.LinAlgError``).

    >>> try:
    ...     torch.linalg.inv(torch.zeros(2, 2))
    ... except torch.linalg.LinAlgError as e:
    ...     print(isinstance(e, RuntimeError))
    True
    """


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def _run(name: str, fn: Any, args: tuple[Any, ...], grad_fn: str | None, many: bool = False) -> Any:
    """``fn`` on the tensors of ``args`` through the bridge; NumPy's LinAlgError becomes torch's."""
    try:
        return apply(fn, args, None, grad_fn, "many" if many else "one", numpy_errors=False)
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"linalg.{name}: {e}") from None


def _float(name: str, A: Tensor, *, square: bool = False, min_dims: int = 2, svd: bool = False) -> None:
    """torch's checks of a matrix argument; ``svd``: the function runs an SVD, which refuses NaN entries (LAPACK
    does not converge; torch raises where fgrad.numpy, as JAX, gives NaN)."""
    if svd and not transform_traced(A._data) and A.numel() and fnp.isnan(A._raw()).any():
        raise LinAlgError("linalg.svd: The algorithm failed to converge because the input matrix contained "
                          "non-finite values.")
    if A.ndim < min_dims:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least {min_dims} dimensions.")
    if not (A.is_floating_point() or A.is_complex()):
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.name.capitalize()}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _cast(x: Tensor, dtype: DType | None) -> Tensor:
    return x if dtype is None else x.to(dtype)


def vector_norm(x: Tensor, ord: float = 2, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
                dtype: DType | None = None, out: Tensor | None = None) -> Tensor:
    """The ``ord``-norm of ``x`` as a vector (over ``dim``, or over all elements): ``sum(|x|**ord)**(1/ord)``,
    the largest or smallest ``|x|`` for ``ord=±inf``, the count of nonzeros for ``ord=0``.

    >>> torch.linalg.vector_norm(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor(5.)
    >>> torch.linalg.vector_norm(torch.tensor([[3.0, -4.0]]), ord=1, dim=1)
    tensor([7.])
    """
    if not (x.is_floating_point() or x.is_complex()):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype.name.capitalize()}")
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim

    def fn(a: Any) -> Any:
        if ord == 0:  # a count: zero gradient, but in the graph as torch's
            r = fla.vector_norm(a, axis=axis, keepdims=keepdim, ord=ord)
            return fnp.where(True, fnp.astype(r, fnp.result_type(a)), fnp.sum(a, axis=axis, keepdims=keepdim))
        return torch_vector_norm(a, ord, axis, keepdim)  # torch's values and gradients at zeros and infs
    r = _run("vector_norm", fn, (_cast(x, dtype),), "LinalgVectorNormBackward0")
    return r if out is None else out.copy_(r)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,
                dtype: DType | None = None, out: Tensor | None = None) -> Tensor:
    """The matrix norm of ``A`` over the two dims ``dim``: ``'fro'``, ``'nuc'``, ``±1``, ``±2``, ``±inf``.

    >>> torch.linalg.matrix_norm(torch.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    _float("matrix_norm", A, svd=ord in (2, -2, "nuc"))
    r = _run("matrix_norm", lambda a: fla.norm(a, ord, axis=tuple(dim), keepdims=keepdim), (_cast(A, dtype),),
             "LinalgMatrixNormBackward0")
    return r if out is None else out.copy_(r)


def norm(A: Tensor, ord: float | str | None = None, dim: int | Sequence[int] | None = None, keepdim: bool = False,
         *, out: Tensor | None = None, dtype: DType | None = None) -> Tensor:
    """A vector norm (``dim`` an int, or ``A`` 1-D) or a matrix norm (``dim`` a pair, or ``A`` 2-D); with
    neither ``ord`` nor ``dim``, the 2-norm of all elements.

    >>> torch.linalg.norm(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor(5.)
    >>> torch.linalg.norm(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), ord=float('inf'))
    tensor(7.)
    """
    if isinstance(dim, int):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)  # type: ignore[arg-type]
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, (dim[0], dim[1]), keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)  # type: ignore[arg-type]
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                       f"{A.ndim}D.")


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of each square matrix in ``A``.

    >>> torch.linalg.inv(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _float("inv", A, square=True)
    r = _run("inv", fla.inv, (A,), "LinalgInvExBackward0")
    return r if out is None else out.copy_(r)


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of each square matrix in ``A``.

    >>> torch.linalg.det(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    _float("det", A, square=True)
    r = _run("det", fla.det, (A,), "LinalgDetBackward0")
    return r if out is None else out.copy_(r)


def slogdet(A: Tensor, *, out: Any = None) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant: ``(sign, logabsdet)``.

    >>> torch.linalg.slogdet(torch.tensor([[0.0, 2.0], [3.0, 0.0]]))
    SlogdetResult(sign=tensor(-1.), logabsdet=tensor(1.7918))
    """
    _float("slogdet", A, square=True)
    sign, logabsdet = _run("slogdet", lambda a: tuple(fla.slogdet(a)), (A,), "LinalgSlogdetBackward0", many=True)
    return SlogdetResult(sign, logabsdet)


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    """torch's rule for ``solve``: ``B`` is a (batch of) vector(s) when it is 1-D or has ``A``'s batch shape."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """The solution ``X`` of ``A @ X = B`` (``X @ A = B`` with ``left=False``); ``B`` may be a vector or a
    batch of vectors.

    >>> torch.linalg.solve(torch.tensor([[2.0, 0.0], [0.0, 4.0]]), torch.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    _float("solve", A, square=True)
    if not left:
        return solve(A.mT, B.mT, out=None).mT if out is None else out.copy_(solve(A.mT, B.mT).mT)
    if _vector_rhs(A, B):
        r = _run("solve", lambda a, b: fla.solve(a, b[..., None])[..., 0], (A, B), "LinalgSolveExBackward0")
    else:
        r = _run("solve", fla.solve, (A, B), "LinalgSolveExBackward0")
    return r if out is None else out.copy_(r)


def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor of each symmetric positive-definite matrix: lower ``L`` with ``A = L @ L.mT``
    (upper ``U = L.mT`` with ``upper=True``).

    >>> torch.linalg.cholesky(torch.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _float("cholesky", A, square=True)
    r = _run("cholesky", lambda a: fla.cholesky(a, upper=upper), (A,), "LinalgCholeskyExBackward0")
    return r if out is None else out.copy_(r)


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> QRResult:
    """The QR decomposition ``A = Q @ R``: ``mode`` ``'reduced'``, ``'complete'``, or ``'r'`` (R only; Q is
    an empty tensor).

    >>> Q, R = torch.linalg.qr(torch.tensor([[3.0, 0.0], [4.0, 5.0]]))
    >>> (Q @ R).round()
    tensor([[3., 0.],
            [4., 5.]])
    """
    _float("qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           f"'r', or 'complete'")
    if mode == "r":
        R = _run("qr", lambda a: fla.qr(a, mode="r"), (A,), "LinalgQrBackward0")
        return QRResult(A.new_empty(0), R)
    Q, R = _run("qr", lambda a: tuple(fla.qr(a, mode=mode)), (A,), "LinalgQrBackward0", many=True)
    return QRResult(Q, R)


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> EighResult:
    """The eigenvalues (ascending) and eigenvectors of each symmetric matrix, read from its lower
    (``UPLO='L'``) or upper triangle.

    >>> torch.linalg.eigh(torch.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
    tensor([1., 2.])
    """
    _float("eigh", A, square=True)
    w, v = _run("eigh", lambda a: tuple(fla.eigh(a, UPLO=UPLO)), (A,), "LinalgEighBackward0", many=True)
    return EighResult(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues (ascending) of each symmetric matrix.

    >>> torch.linalg.eigvalsh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    _float("eigvalsh", A, square=True)
    r = _run("eigvalsh", lambda a: fla.eigvalsh(a, UPLO=UPLO), (A,), "LinalgEighBackward0")
    return r if out is None else out.copy_(r)


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None, out: Any = None) -> SVDResult:
    """The singular value decomposition ``A = U @ diag(S) @ Vh`` (singular values descending).

    >>> U, S, Vh = torch.linalg.svd(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
    >>> S
    tensor([4., 3.])
    """
    _float("svd", A, svd=True)
    U, S, Vh = _run("svd", lambda a: tuple(fla.svd(a, full_matrices=full_matrices)), (A,), "LinalgSvdBackward0",
                    many=True)
    return SVDResult(U, S, Vh)


def svdvals(A: Tensor, *, driver: str | None = None, out: Tensor | None = None) -> Tensor:
    """The singular values of each matrix, descending.

    >>> torch.linalg.svdvals(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    _float("svdvals", A, svd=True)
    r = _run("svdvals", fla.svdvals, (A,), "LinalgSvdBackward0")
    return r if out is None else out.copy_(r)


def _rtol(A: Tensor, atol: Any, rtol: Any, hermitian: bool) -> Any:
    """torch's tolerance rule as a relative one: singular values below ``max(atol, rtol * s_max)`` count as
    zero; ``rtol`` defaults to ``eps * max(m, n)`` when neither is given, to 0 when only ``atol`` is."""
    if rtol is None:
        rtol = 0.0 if atol is not None else float(np.finfo(A._np_dtype()).eps) * max(A.shape[-2:])
    if atol is None:
        return rtol
    atol = concrete(atol._data) if isinstance(atol, Tensor) else atol
    s = concrete(fla.svdvals(concrete(A._data)))
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.asarray(atol) / smax[..., 0], rtol)


def pinv(A: Tensor, *, atol: float | Tensor | None = None, rtol: float | Tensor | None = None,
         hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse; singular values below ``max(atol, rtol * s_max)`` are treated as zero.

    >>> torch.linalg.pinv(torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    _float("pinv", A, svd=True)
    tol = _rtol(A, atol, rtol, hermitian)
    r = _run("pinv", lambda a: fla.pinv(a, rtol=tol, hermitian=hermitian), (A,), "LinalgPinvBackward0")
    return r if out is None else out.copy_(r)


def matrix_rank(A: Tensor, *, atol: float | Tensor | None = None, rtol: float | Tensor | None = None,
                hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The rank of each matrix: the count of singular values above ``max(atol, rtol * s_max)`` (int64).

    >>> torch.linalg.matrix_rank(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    _float("matrix_rank", A, svd=True)
    tol = _rtol(A, atol, rtol, hermitian)
    r = _run("matrix_rank", lambda a: fnp.astype(fla.matrix_rank(a, hermitian=hermitian, rtol=tol), np.int64),
             (A.detach(),), None)
    return r if out is None else out.copy_(r)


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """The least-squares solution of ``A @ X = B``, as ``(solution, residuals, rank, singular_values)``.

    As torch on the CPU: the default driver ``'gelsy'`` gives the rank and empty residuals and singular
    values; ``'gelsd'``/``'gelss'`` also give the singular values, and the squared residuals where ``A`` is
    tall and of full rank; ``'gels'`` gives the solution (and those residuals) only.

    >>> torch.linalg.lstsq(torch.tensor([[1.0], [1.0]]), torch.tensor([[1.0], [3.0]])).solution.round()
    tensor([[2.]])
    """
    _float("lstsq", A)
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), "
                           f"but got {driver}")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if rcond is None:
        rcond = float(np.finfo(A._np_dtype()).eps) * max(A.shape[-2:])
    X = _run("lstsq", lambda a, b: fnp.matmul(fla.pinv(a, rtol=rcond), b), (A, Bm), "LinalgLstsqBackward0")
    m, n = A.shape[-2], A.shape[-1]
    empty = A.new_empty(0)
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else A.new_empty(0, dtype=_dtypes.int64)
    residuals = empty
    if driver != "gelsy" and m > n and bool((matrix_rank(A) == n).all()):
        residuals = ((matmul(A, X) - Bm) ** 2).sum(-2)
    sv = svdvals(A) if driver in ("gelsd", "gelss") else empty
    return LstsqResult(X.squeeze(-1) if vector else X, residuals, rank, sv)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the other dims broadcast).

    >>> torch.linalg.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]}")
    r = _run("cross", lambda a, b: fla.cross(a, b, axis=dim), (input, other), "LinalgCrossBackward0")
    return r if out is None else out.copy_(r)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The dot product of vectors along ``dim`` (conjugating ``x``), the other dims broadcast.

    >>> torch.linalg.vecdot(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    r = _run("vecdot", lambda a, b: fla.vecdot(a, b, axis=dim), (x, y), "LinalgVecdotBackward0")
    return r if out is None else out.copy_(r)


def multi_dot(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices, in the cheapest order (the first may be 1-D, and the last).

    >>> torch.linalg.multi_dot([torch.ones(2, 3), torch.ones(3, 4), torch.ones(4)])
    tensor([12., 12.])
    """
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    r = _run("multi_dot", lambda *xs: fla.multi_dot(xs), tuple(tensors), "MmBackward0")
    return r if out is None else out.copy_(r)


def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0``: of its inverse; ``n = 0``: the identity).

    >>> torch.linalg.matrix_power(torch.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    _float("matrix_power", A, square=True)
    r = _run("matrix_power", lambda a: fla.matrix_power(a, n), (A,), "LinalgMatrixPowerBackward0")
    return r if out is None else out.copy_(r)


def cond(A: Tensor, p: float | str | None = None, *, out: Tensor | None = None) -> Tensor:
    """The condition number of each matrix in the norm ``p`` (default: the 2-norm, ``s_max / s_min``).

    >>> torch.linalg.cond(torch.tensor([[4.0, 0.0], [0.0, 2.0]]))
    tensor(2.)
    """
    _float("cond", A, svd=p in (None, 2, -2, "nuc"))
    r = _run("cond", lambda a: fla.cond(a, p), (A,), "LinalgCondBackward0")
    return r if out is None else out.copy_(r)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices in ``A`` (over ``dim1`` and ``dim2``), in a new tensor (torch's is a view).

    >>> torch.linalg.diagonal(torch.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    return apply(lambda a: fnp.diagonal(a, offset=offset, axis1=dim1, axis2=dim2), (A,), None, "DiagonalBackward0")


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out: Tensor | None = None) -> Tensor:
    """The solution ``X`` of ``A @ X = B`` (``X @ A = B`` with ``left=False``) for triangular ``A``: only its
    upper (``upper=True``) or lower triangle is read, and its diagonal is taken as ones with ``unitriangular``.

    >>> torch.linalg.solve_triangular(torch.tensor([[2.0, 1.0], [0.0, 4.0]]), torch.tensor([[3.0], [4.0]]),
    ...                               upper=True)
    tensor([[1.],
            [1.]])
    """
    _float("solve_triangular", A, square=True)
    if not left:
        r = solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    else:
        r = _run("solve_triangular", lambda a, b: fsla.solve_triangular(a, b, lower=not upper,
                                                                        unit_diagonal=unitriangular),
                 (A, B), "LinalgSolveTriangularBackward0")
    return r if out is None else out.copy_(r)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A**k / k!`` of each square matrix.

    >>> torch.linalg.matrix_exp(torch.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    _float("matrix_exp", A, square=True)
    return _run("matrix_exp", fsla.expm, (A,), "LinalgMatrixExpBackward0")


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` seen as a linear map from its last dims to its first ``ind`` dims.

    >>> torch.linalg.tensorinv(torch.eye(4).reshape(4, 2, 2), ind=1).shape
    torch.Size([2, 2, 4])
    """
    r = _run("tensorinv", lambda a: fla.tensorinv(a, ind=ind), (A,), "LinalgTensorinvBackward0")
    return r if out is None else out.copy_(r)


def tensorsolve(A: Tensor, B: Tensor, dims: Sequence[int] | None = None, *, out: Tensor | None = None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) = B``.

    >>> torch.linalg.tensorsolve(torch.eye(4).reshape(2, 2, 4), torch.ones(2, 2))
    tensor([1., 1., 1., 1.])
    """
    axes = None if dims is None else tuple(dims)
    r = _run("tensorsolve", lambda a, b: fla.tensorsolve(a, b, axes=axes), (A, B), "LinalgTensorsolveBackward0")
    return r if out is None else out.copy_(r)


def lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> LUFactorResult:
    """The LU factorization with partial pivoting, packed: ``LU`` holds ``L`` (unit diagonal, below) and ``U``;
    ``pivots`` (int32, 1-based, as LAPACK's) says which row each row was swapped with.

    >>> LU, pivots = torch.linalg.lu_factor(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> pivots
    tensor([2, 2], dtype=torch.int32)
    """
    _float("lu_factor", A, square=True)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU = _run("lu_factor", lambda a: fsla.lu_factor(a)[0], (A,), "LinalgLuFactorExBackward0")
    pivots = _run("lu_factor", lambda a: fnp.astype(fsla.lu_factor(a)[1] + 1, np.int32), (A.detach(),), None)
    return LUFactorResult(LU, pivots)


def lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> LUResult:
    """``A = P @ L @ U``: a permutation, a unit lower triangular and an upper triangular matrix.

    >>> P, L, U = torch.linalg.lu(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> P @ L @ U
    tensor([[1., 2.],
            [3., 4.]])
    """
    _float("lu", A)
    if not pivot:
        raise RuntimeError("linalg.lu: LU without pivoting is not implemented on the CPU")
    P, L, U = _run("lu", lambda a: tuple(fsla.lu(a)), (A,), "LinalgLuBackward0", many=True)
    return LUResult(P.detach(), L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` with ``left=False``; ``A^H`` for ``adjoint``) from
    ``lu_factor(A)``.

    >>> LU, piv = torch.linalg.lu_factor(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> torch.linalg.lu_solve(LU, piv, torch.tensor([[2.0], [2.0]]))
    tensor([[1.0000],
            [0.5000]])
    """
    piv = pivots.detach()
    if not left:  # X A = B  <=>  A^T X^T = B^T
        r = lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
        return r if out is None else out.copy_(r)
    r = _run("lu_solve", lambda lu_, b, p: fsla.lu_solve((lu_, fnp.astype(p, np.int64) - 1), b,
                                                          trans=1 if adjoint else 0),
             (LU, B, piv), "LinalgLuSolveBackward0")
    return r if out is None else out.copy_(r)


def _info(A: Tensor, failed: Any) -> Tensor:
    """torch's ``info``: per matrix, 0, or the (1-based) order at which ``failed(matrix, k)`` first holds."""
    raw = np.asarray(concrete(A.detach().cpu()._data))
    mats = raw.reshape((-1,) + raw.shape[-2:])
    codes = [next((k for k in range(1, m.shape[-1] + 1) if failed(m, k)), 0) for m in mats]
    return tensor(np.array(codes, dtype=np.int32).reshape(raw.shape[:-2]), device=A.device)


def _not_pd(m: Any, k: int) -> bool:
    try:
        np.linalg.cholesky(m[:k, :k])
        return False
    except np.linalg.LinAlgError:
        return True


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None
                ) -> CholeskyExResult:
    """``cholesky`` that reports instead of raising: ``info`` is 0 where the factor exists, else the order of
    the first leading minor that is not positive definite (the factor of such a matrix is NaN here; torch's
    is partly computed).

    >>> L, info = torch.linalg.cholesky_ex(torch.tensor([[1.0, 0.0], [0.0, -1.0]]))
    >>> info
    tensor(2, dtype=torch.int32)
    """
    _float("cholesky_ex", A, square=True)
    try:
        L = cholesky(A, upper=upper)
    except LinAlgError:
        if check_errors:
            raise
        info = _info(A, _not_pd)
        bad = (info != 0).reshape(*info.shape, 1, 1)
        safe = A.where(~bad, A.new_ones(()) * _eye_like(A))
        L = cholesky(safe, upper=upper).where(~bad, A.new_full((), float("nan")))
        return CholeskyExResult(L, info)
    return CholeskyExResult(L, zeros(*A.shape[:-2], dtype=_dtypes.int32, device=A.device))


def _eye_like(A: Tensor) -> Tensor:
    return eye(A.shape[-1], dtype=A.dtype, device=A.device)


def _singular(m: Any, k: int) -> bool:
    u = np.triu(np.asarray(fsla.lu_factor(m)[0]))
    return bool(u[k - 1, k - 1] == 0)


def inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> InvExResult:
    """``inv`` that reports instead of raising: ``info`` is 0 for an invertible matrix, else the (1-based)
    index of the zero on U's diagonal (the inverse of such a matrix is NaN here).

    >>> torch.linalg.inv_ex(torch.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=torch.int32)
    """
    _float("inv_ex", A, square=True)
    try:
        result = inv(A)
    except LinAlgError:  # LAPACK's solve fails exactly where LU has a zero pivot, what info reports
        if check_errors:
            raise
    else:
            return InvExResult(result, zeros(*A.shape[:-2], dtype=_dtypes.int32, device=A.device))
    info = _info(A, _singular)
    bad = (info != 0).reshape(*info.shape, 1, 1)
    safe = A.where(~bad, _eye_like(A))
    return InvExResult(inv(safe).where(~bad, A.new_full((), float("nan"))), info)
