"""Iterative linear solvers (``jax.scipy.sparse.linalg``'s names): ``cg``, ``gmres``, ``bicgstab``.

``A`` (and the preconditioner ``M``) is a square matrix or a linear function of pytrees shaped like
``b``. Each solver is one ``fgrad.lax.while_loop`` over the flattened vector, so it runs eagerly,
under ``jit`` and under ``vmap``. Derivatives are implicit, as JAX's ``custom_linear_solve`` has
them: the tangent of ``x = A^-1 b`` is ``A^-1 (db - dA x)``, a second solve, and reverse mode
solves with the transposed operator (``A`` itself for ``cg`` on real data, which assumes ``A``
symmetric). ``A`` is staged once so that the values its function closes over become explicit
arguments (closure conversion): derivatives reach a matrix that ``A`` only closes over. The
rules call the differentiable solve again, so derivatives of every order and mode follow; the
iterates themselves are not differentiated (``x0`` and ``M`` get zero derivatives).

>>> from fgrad.scipy.sparse.linalg import cg
>>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> x, info = cg(A, np.array([1.0, 2.0]))
>>> print(x.round(4), info)
[0.0909 0.6364] None
"""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from ... import numpy as fnp
from ...custom import custom_jvp, custom_vjp
from ...lax import while_loop
from ...staging import eval_program, example_of, stage
from ...transforms import jvp, vjp
from ...tree_util import tree_flatten, tree_structure, tree_unflatten

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...typing import Array, ArrayLike, PyTree

    Vector = Callable[[Array], Array]

__all__ = ["cg", "gmres", "bicgstab"]


# ------------------------------------------------------------------ vectors and operators

def _vdot(a: Array, b: Array) -> Array:
    return fnp.sum(fnp.conj(a) * b)


def _norm2(a: Array) -> Array:
    return fnp.real(_vdot(a, a))


def _div(num: Array, den: Array) -> Array:
    """``num / den``, 0 where ``den`` is 0 (a converged or broken-down step stays finite)."""
    ok = den != 0
    return fnp.where(ok, num / fnp.where(ok, den, 1), 0)


def _atol2(b: Array, tol: float, atol: float) -> Array:
    """The squared residual norm to reach: ``max(tol * |b|, atol) ** 2``."""
    return fnp.maximum(tol ** 2 * _norm2(b), atol ** 2)


def _shapes(leaves: list[Any]) -> list[tuple[int, ...]]:
    return [tuple(fnp.shape(x)) for x in leaves]


class _Layout:
    """How a pytree like ``b`` maps to one flat vector of the solver's dtype."""

    def __init__(self, leaves: list[Any], tree: Any) -> None:
        self.tree = tree
        self.shapes = _shapes(leaves)
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.size = sum(self.sizes)
        dtype = np.result_type(*[fnp.result_type(x) for x in leaves])
        self.dtype = dtype if dtype.kind in "fc" else np.dtype(np.float64)
        self.device_like = example_of(leaves[0])

    def ravel(self, tree_value: PyTree, what: str) -> Array:
        leaves, tree = tree_flatten(tree_value)
        if tree != self.tree or _shapes(leaves) != self.shapes:
            raise ValueError(f"{what} must have the structure and shapes of b: got {tree} with shapes "
                             f"{_shapes(leaves)}, b has {self.tree} with shapes {self.shapes}")
        flat = [fnp.ravel(fnp.asarray(x, self.dtype)) for x in leaves]
        return flat[0] if len(flat) == 1 else fnp.concatenate(flat)

    def unravel(self, v: Array) -> PyTree:
        leaves, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            leaves.append(fnp.reshape(v[start:start + size], shape))
            start += size
        return tree_unflatten(self.tree, leaves)

    def zeros(self) -> Array:
        return fnp.get_array_module(self.device_like).zeros(self.size, self.dtype)


def _as_function(A: Any) -> Callable[[PyTree], PyTree]:
    if callable(A):
        return A
    if hasattr(A, "shape") and hasattr(A, "dtype"):
        if len(A.shape) != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"linear operator must be a square matrix, but has shape: {tuple(A.shape)}")
        return lambda x: fnp.matmul(A, x)
    raise TypeError(f"linear operator must be either a function or ndarray: {A}")


class _Operator:
    """A linear function of ``b``-like pytrees as a staged program on flat vectors, plus the values
    its function closed over (``consts``: the program's last inputs)."""

    def __init__(self, fun: Callable[[PyTree], PyTree], layout: _Layout, what: str) -> None:
        staged = stage(lambda v: [layout.ravel(fun(layout.unravel(v)), f"the output of {what}")],
                       [layout.zeros()], tree_structure((0,)))
        self.program = staged.program
        self.consts = list(staged.captured)

    def bound(self, consts: list[Any]) -> Vector:
        return lambda v: eval_program(self.program, [v, *consts])[0]


def _transposed(mv: Vector, like: Array) -> Vector:
    """The transpose of the linear map ``mv`` (JAX's convention: no conjugation)."""
    zeros = fnp.zeros_like(like)
    return lambda v: vjp(mv, zeros)[1](v)[0]


# ------------------------------------------------------------------ the iterations

def _counter(like: Array) -> Array:
    return fnp.asarray(0, like=example_of(like))


def _cg(mv: Vector, pc: Vector, b: Array, x0: Array, tol: float, atol: float, maxiter: int) -> Array:
    """Preconditioned conjugate gradients (for Hermitian positive definite ``A``)."""
    atol2 = _atol2(b, tol, atol)
    r = b - mv(x0)
    z = pc(r)
    init = {"x": x0, "r": r, "p": z, "gamma": _vdot(r, z), "k": _counter(b)}

    def step(s: dict[str, Any]) -> dict[str, Any]:
        q = mv(s["p"])
        alpha = _div(s["gamma"], _vdot(s["p"], q))
        r = s["r"] - alpha * q
        z = pc(r)
        gamma = _vdot(r, z)
        return {"x": s["x"] + alpha * s["p"], "r": r, "p": z + _div(gamma, s["gamma"]) * s["p"],
                "gamma": gamma, "k": s["k"] + 1}

    return while_loop(lambda s: (_norm2(s["r"]) > atol2) & (s["k"] < maxiter), step, init)["x"]


def _bicgstab(mv: Vector, pc: Vector, b: Array, x0: Array, tol: float, atol: float, maxiter: int) -> Array:
    """Preconditioned BiCGSTAB (van der Vorst), stopping early when a half step converges and on
    breakdown (a zero ``rho`` or ``omega``)."""
    atol2 = _atol2(b, tol, atol)
    r = b - mv(x0)
    one = fnp.ones_like(_vdot(r, r))
    init = {"x": x0, "r": r, "p": fnp.zeros_like(r), "v": fnp.zeros_like(r), "rho": one, "alpha": one,
            "omega": one, "k": _counter(b), "broken": _counter(b) != 0}
    rhat = r

    def step(s: dict[str, Any]) -> dict[str, Any]:
        rho = _vdot(rhat, s["r"])
        beta = _div(rho, s["rho"]) * _div(s["alpha"], s["omega"])
        p = s["r"] + beta * (s["p"] - s["omega"] * s["v"])
        phat = pc(p)
        v = mv(phat)
        alpha = _div(rho, _vdot(rhat, v))
        half = s["r"] - alpha * v
        early = _norm2(half) <= atol2
        shat = pc(half)
        t = mv(shat)
        omega = fnp.where(early, one, _div(_vdot(t, half), _vdot(t, t)))
        x = s["x"] + alpha * phat + fnp.where(early, 0, omega) * shat
        r = fnp.where(early, half, half - omega * t)
        return {"x": x, "r": r, "p": p, "v": v, "rho": rho, "alpha": alpha, "omega": omega, "k": s["k"] + 1,
                "broken": (rho == 0) | (omega == 0)}

    def going(s: dict[str, Any]) -> Array:
        return ~s["broken"] & (_norm2(s["r"]) > atol2) & (s["k"] < maxiter)

    return while_loop(going, step, init)["x"]


def _arnoldi_cycle(mv: Vector, pc: Vector, b: Array, x: Array, restart: int) -> Array:
    """One GMRES cycle from ``x``: an orthonormal basis of the ``restart``-dimensional Krylov space of
    the preconditioned residual (Gram-Schmidt applied twice), then the least-squares step."""
    r = pc(b - mv(x))
    beta = fnp.sqrt(_norm2(r))
    basis = [r * _div(1.0, beta)]
    columns = []
    for j in range(restart):
        w = pc(mv(basis[-1]))
        V = fnp.stack(basis)
        h = fnp.matmul(fnp.conj(V), w)
        w = w - fnp.matmul(h, V)
        h2 = fnp.matmul(fnp.conj(V), w)  # the second pass restores orthogonality lost to rounding
        w = w - fnp.matmul(h2, V)
        norm = fnp.sqrt(_norm2(w))
        basis.append(w * _div(1.0, norm))
        # column j of the Hessenberg matrix: the projections, the new vector's norm, then zeros
        columns.append(fnp.pad(fnp.concatenate([h + h2, fnp.reshape(norm, (1,))]), (0, restart - j - 1)))
    H = fnp.stack(columns, axis=1)
    e1 = fnp.pad(fnp.reshape(beta, (1,)), (0, restart))
    y = fnp.linalg.lstsq(H, e1)[0]
    return x + fnp.matmul(y, fnp.stack(basis[:restart]))


def _gmres(mv: Vector, pc: Vector, b: Array, x0: Array, tol: float, atol: float, maxiter: int,
           restart: int) -> Array:
    """Restarted GMRES, left-preconditioned, stopping when the residual ``b - A x`` is small."""
    atol2 = _atol2(b, tol, atol)
    init = {"x": x0, "res2": _norm2(b - mv(x0)), "k": _counter(b)}

    def cycle(s: dict[str, Any]) -> dict[str, Any]:
        x = _arnoldi_cycle(mv, pc, b, s["x"], restart)
        return {"x": x, "res2": _norm2(b - mv(x)), "k": s["k"] + 1}

    return while_loop(lambda s: (s["res2"] > atol2) & (s["k"] < maxiter), cycle, init)["x"]


# ------------------------------------------------------------------ implicit derivatives

def _isolve(solver: Callable[..., Array], A: Any, b: PyTree, x0: PyTree | None, M: Any, symmetric: bool,
            **params: Any) -> tuple[PyTree, None]:
    """Solve ``A x = b`` with ``solver`` on flat vectors, differentiated implicitly."""
    b_leaves, tree = tree_flatten(b)
    if not b_leaves:
        raise ValueError("b must hold at least one array")
    layout = _Layout(b_leaves, tree)
    if x0 is None:
        guess = layout.zeros()
    else:
        x0_leaves, x0_tree = tree_flatten(x0)
        if x0_tree != tree or _shapes(x0_leaves) != layout.shapes:
            raise ValueError(f"arrays in x0 and b must have matching shapes: {_shapes(x0_leaves)} vs "
                             f"{layout.shapes}")
        guess = layout.ravel(x0, "x0")
    rhs = layout.ravel(b, "b")
    a_op = _Operator(_as_function(A), layout, "A")
    m_op = None if M is None else _Operator(_as_function(M), layout, "M")
    if params["maxiter"] is None:
        params["maxiter"] = 10 * layout.size
    symmetric = symmetric and layout.dtype.kind == "f"

    def operators(a_consts: list[Any], m_consts: list[Any]) -> tuple[Vector, Vector]:
        pc = (lambda v: v) if m_op is None else m_op.bound(m_consts)
        return a_op.bound(a_consts), pc

    def run(a_consts: list[Any], m_consts: list[Any], rhs: Array, guess: Array) -> Array:
        mv, pc = operators(a_consts, m_consts)
        return solver(mv, pc, rhs, guess, **params)

    def solve_tangent(a_consts: list[Any], m_consts: list[Any], rhs: Array) -> Array:
        return full_solve(a_consts, m_consts, rhs, fnp.zeros_like(rhs))

    # The tangent solve, whose reverse mode is the solve with the transposed operator.
    tangent_solve = custom_vjp(solve_tangent)

    def tangent_bwd(res: tuple[list[Any], list[Any]], g: Array) -> tuple[None, None, Array]:
        a_consts, m_consts = res
        mv, pc = operators(a_consts, m_consts)
        mv_t = mv if symmetric else _transposed(mv, g)
        # solved by the differentiable solve itself, so derivatives of any order follow
        ct, _ = _isolve(solver, mv_t, g, None, None if m_op is None else pc, symmetric, **params)
        return None, None, ct

    tangent_solve.defvjp(lambda a, m, r: (solve_tangent(a, m, r), (a, m)), tangent_bwd)

    full_solve = custom_jvp(run)

    @full_solve.defjvp
    def _solve_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Array, Array]:
        a_consts, m_consts, rhs, guess = primals
        x = full_solve(*primals)  # differentiable itself: the rule may run under an outer transform
        dt = tangents[2]
        if a_consts:
            mv_of = lambda *consts: operators(list(consts), m_consts)[0](x)  # noqa: E731
            dt = dt - jvp(mv_of, tuple(a_consts), tuple(tangents[0]))[1]
        return x, tangent_solve(a_consts, m_consts, dt)

    x = full_solve(a_op.consts, [] if m_op is None else m_op.consts, rhs, guess)
    return layout.unravel(x), None


def _tolerances(tol: float, atol: float, maxiter: int | None) -> dict[str, Any]:
    return {"tol": float(tol), "atol": float(atol), "maxiter": None if maxiter is None else operator.index(maxiter)}


def cg(A: ArrayLike | Callable[[PyTree], PyTree], b: PyTree, x0: PyTree | None = None, *, tol: float = 1e-5,
       atol: float = 0.0, maxiter: int | None = None,
       M: ArrayLike | Callable[[PyTree], PyTree] | None = None) -> tuple[PyTree, None]:
    """Solve ``A x = b`` by conjugate gradients, for Hermitian positive definite ``A``
    (``jax.scipy.sparse.linalg.cg``). Returns ``(x, None)``.

    ``A``, ``M`` (a preconditioner, approximating ``A^-1``): a matrix or a linear function of
    pytrees like ``b``; ``x0``: the first guess (zeros); stops when
    ``norm(b - A x) <= max(tol * norm(b), atol)`` or after ``maxiter`` steps (``10 * b.size``).

    >>> from fgrad.scipy.sparse.linalg import cg
    >>> x, _ = cg(lambda t: {"a": 2.0 * t["a"]}, {"a": np.array([2.0, 4.0])})
    >>> x["a"]
    array([1., 2.])
    """
    return _isolve(_cg, A, b, x0, M, True, **_tolerances(tol, atol, maxiter))


def bicgstab(A: ArrayLike | Callable[[PyTree], PyTree], b: PyTree, x0: PyTree | None = None, *,
             tol: float = 1e-5, atol: float = 0.0, maxiter: int | None = None,
             M: ArrayLike | Callable[[PyTree], PyTree] | None = None) -> tuple[PyTree, None]:
    """Solve ``A x = b`` by the biconjugate gradient stabilized method, for general ``A``
    (``jax.scipy.sparse.linalg.bicgstab``). Arguments as ``cg``'s; returns ``(x, None)``.

    >>> from fgrad.scipy.sparse.linalg import bicgstab
    >>> x, _ = bicgstab(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([3.0, 1.0]), tol=1e-10)
    >>> print(x.round(6))
    [1. 1.]
    """
    return _isolve(_bicgstab, A, b, x0, M, False, **_tolerances(tol, atol, maxiter))


def gmres(A: ArrayLike | Callable[[PyTree], PyTree], b: PyTree, x0: PyTree | None = None, *, tol: float = 1e-5,
          atol: float = 0.0, restart: int = 20, maxiter: int | None = None,
          M: ArrayLike | Callable[[PyTree], PyTree] | None = None,
          solve_method: str = "batched") -> tuple[PyTree, None]:
    """Solve ``A x = b`` by restarted GMRES, for general ``A`` (``jax.scipy.sparse.linalg.gmres``).
    Returns ``(x, None)``.

    ``restart``: the Krylov space's dimension per cycle; ``maxiter``: the number of cycles
    (``10 * b.size``); ``solve_method``: ``'batched'`` or ``'incremental'`` (both solve each
    cycle's least-squares problem at its end here); the rest as ``cg``'s.

    >>> from fgrad.scipy.sparse.linalg import gmres
    >>> x, _ = gmres(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5.0, 6.0]), tol=1e-10)
    >>> print(x.round(6))
    [-4.   4.5]
    """
    if solve_method not in ("incremental", "batched"):
        raise ValueError(f"invalid solve_method {solve_method}, must be either 'incremental' or 'batched'")
    params = _tolerances(tol, atol, maxiter)
    n = sum(int(np.prod(fnp.shape(x), dtype=np.int64)) for x in tree_flatten(b)[0])
    return _isolve(_gmres, A, b, x0, M, False, restart=max(1, min(operator.index(restart), n)), **params)
