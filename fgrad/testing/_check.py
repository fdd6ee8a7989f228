"""``check_grads``: AD against central finite differences, with dtype-aware tolerances."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..core import concrete
from ..transforms import jvp, vjp
from ..tree_util import tree_flatten, tree_map, tree_unflatten

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from ..typing import DTypeLike, PyTree

# (finite-difference step, atol, rtol) per dtype: the step balances truncation error
# (~eps**2) against rounding error (~machine_eps / eps).
_TOLERANCES = {
    np.dtype(np.float64): (1e-5, 1e-6, 1e-6),
    np.dtype(np.float32): (2e-3, 3e-2, 3e-2),
    np.dtype(np.complex128): (1e-5, 1e-6, 1e-6),
    np.dtype(np.complex64): (2e-3, 3e-2, 3e-2),
}


def default_tolerance(dtype: DTypeLike) -> tuple[float, float, float]:
    """``(eps, atol, rtol)`` used for inputs of ``dtype``: the finite-difference step and the tolerances.

    >>> fgrad.testing.default_tolerance(np.float64)
    (1e-05, 1e-06, 1e-06)
    >>> fgrad.testing.default_tolerance(np.float32)
    (0.002, 0.03, 0.03)
    """
    dtype = np.dtype(dtype)
    if dtype not in _TOLERANCES:
        raise TypeError(f"check_grads needs floating-point inputs, got dtype {dtype}")
    return _TOLERANCES[dtype]


def _leaf_dtype(x):
    x = concrete(x)
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


def _worst_tolerance(leaves):
    """The loosest tolerance among the leaves (float32 anywhere makes the check float32)."""
    tols = [default_tolerance(_leaf_dtype(x)) for x in leaves]
    return max(tols)


def _random_like(rng, x):
    x = concrete(x)
    xp = backend.get_array_module(x)
    dt = _leaf_dtype(x)
    v = rng.standard_normal(np.shape(x))
    if np.issubdtype(dt, np.complexfloating):
        v = v + 1j * rng.standard_normal(np.shape(x))
    return xp.asarray(v.astype(dt)) if xp is not np else v.astype(dt)


def _axpy(a, x, y):
    return tree_map(lambda xi, yi: yi + (a * xi).astype(_leaf_dtype(yi)), x, y)


def numerical_jvp(f: Callable[..., Any], primals: Sequence[PyTree], tangents: Sequence[PyTree],
                  eps: float) -> PyTree:
    """``(f(x + eps t) - f(x - eps t)) / 2 eps``, leafwise over f's output pytree (as float64 or complex128
    NumPy). A complex primal moves along its complex tangent: real and imaginary directions at once.

    ``primals`` and ``tangents``: one entry per argument of ``f``, of the same structure.

    >>> fgrad.testing.numerical_jvp(lambda x: x ** 2, (np.array([1.0, 3.0]),), (np.ones(2),), 1e-3)
    array([2., 6.])
    """
    plus = f(*_axpy(eps, tangents, primals))
    minus = f(*_axpy(-eps, tangents, primals))
    def diff(p, m):
        p, m = backend.to_host(p), backend.to_host(m)
        wide = np.complex128 if np.iscomplexobj(p) or np.iscomplexobj(m) else np.float64
        return (np.asarray(p).astype(wide) - m) / (2 * eps)

    return tree_map(diff, plus, minus)


def _host(tree):
    return [np.asarray(backend.to_host(concrete(v)), dtype=np.complex128 if np.iscomplexobj(concrete(v)) else np.float64)
            for v in tree_flatten(tree)[0]]


def _inner(a, b):
    """``Re(sum(a * b))`` over the leaves: the pairing under which a VJP is the transpose of the JVP
    (JAX's convention for complex numbers; no conjugation)."""
    return sum(float(np.sum(x.ravel() * y.ravel()).real) for x, y in zip(_host(a), _host(b)))


def _assert_close(actual, expected, atol, rtol, what):
    a_leaves, e_leaves = _host(actual), _host(expected)
    if len(a_leaves) != len(e_leaves):
        raise AssertionError(f"{what}: {len(a_leaves)} output leaves, expected {len(e_leaves)}")
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves)):
        if a.shape != e.shape:
            raise AssertionError(f"{what}: leaf {i} has shape {a.shape}, expected {e.shape}")
        if not np.allclose(a, e, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(a - e))
            raise AssertionError(f"{what}: leaf {i} differs from finite differences by up to {err:.3g} "
                                 f"(atol={atol}, rtol={rtol})\nAD:      {a}\nnumeric: {e}")


def check_jvp(f: Callable[..., Any], primals: Sequence[PyTree], tangents: Sequence[PyTree], atol: float,
              rtol: float, eps: float) -> None:
    """Forward mode against finite differences along ``tangents``; AssertionError if they differ.

    ``eps`` is the finite-difference step; ``atol``/``rtol`` as in ``np.allclose``.

    >>> x, t = (np.array([0.5, 1.0]),), (np.ones(2),)
    >>> fgrad.testing.check_jvp(fnp.sin, x, t, atol=1e-6, rtol=1e-6, eps=1e-5)   # passes: no output
    >>> bad = fgrad.custom_jvp(fnp.sin)
    >>> _ = bad.defjvp(lambda p, t: (fnp.sin(p[0]), t[0]))   # wrong: should be cos(x) * t
    >>> fgrad.testing.check_jvp(bad, x, t, atol=1e-6, rtol=1e-6, eps=1e-5)
    Traceback (most recent call last):
    ...
    AssertionError: JVP: leaf 0 differs from finite differences by up to ...
    """
    _, t_ad = jvp(f, tuple(primals), tuple(tangents))
    _assert_close(t_ad, numerical_jvp(f, primals, tangents, eps), atol, rtol, "JVP")


def check_vjp(f: Callable[..., Any], primals: Sequence[PyTree], tangents: Sequence[PyTree], cotangents: PyTree,
              atol: float, rtol: float, eps: float) -> None:
    """Reverse mode: ``<vjp(u), t>`` must equal ``<u, J t>`` from finite differences, ``<a, b> = Re(sum(a * b))``.

    ``cotangents`` (``u``) is shaped like ``f``'s output; AssertionError if the two differ.

    >>> x, t = (np.array([0.5, 1.0]),), (np.ones(2),)
    >>> fgrad.testing.check_vjp(fnp.sin, x, t, np.array([1.0, -2.0]), atol=1e-6, rtol=1e-6, eps=1e-5)
    """
    _, pullback = vjp(f, *primals)
    ct = pullback(cotangents)
    lhs = _inner(ct, tangents)
    rhs = _inner(cotangents, numerical_jvp(f, primals, tangents, eps))
    scale = sum(np.abs(x).sum() for x in _host(ct)) + 1.0
    if not abs(lhs - rhs) <= atol * scale + rtol * abs(rhs):
        raise AssertionError(f"VJP: <vjp(u), t> = {lhs!r} but <u, J t> = {rhs!r} from finite differences "
                             f"(atol={atol}, rtol={rtol})")


def check_grads(f: Callable[..., Any], args: Sequence[PyTree], order: int, modes: str | Sequence[str] = ("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives up to ``order`` in ``modes`` against finite differences.

    ``args`` is a tuple of arrays or pytrees of arrays. Higher orders check the
    derivative functions themselves (forward-over-forward, reverse-over-reverse).
    Tolerances default from the inputs' dtype (see ``default_tolerance``).
    Raises AssertionError with the differing values when a check fails. ``seed`` picks the random
    directions the derivatives are checked along.

    >>> from fgrad.testing import check_grads
    >>> check_grads(lambda x, y: fnp.sum(x * fnp.sin(y)), (np.ones(3), np.zeros(3)), order=2)
    >>> check_grads(fnp.tanh, (np.linspace(-1, 1, 5),), order=3, modes="rev")
    """
    args = tuple(args)
    leaves = tree_flatten(args)[0]
    d_eps, d_atol, d_rtol = _worst_tolerance(leaves)
    eps = d_eps if eps is None else eps
    atol = d_atol if atol is None else atol
    rtol = d_rtol if rtol is None else rtol
    if isinstance(modes, str):
        modes = (modes,)
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")
    rng = np.random.default_rng(seed)
    _check(f, args, order, modes, atol, rtol, eps, rng)


def _check(f, args, order, modes, atol, rtol, eps, rng):
    tangents = tree_map(lambda x: _random_like(rng, x), args)
    if "fwd" in modes:
        check_jvp(f, args, tangents, atol, rtol, eps)
        if order > 1:
            direction = tree_map(lambda x: _random_like(rng, x), args)
            _check(lambda *a: jvp(f, a, direction)[1], args, order - 1, ("fwd",), atol, rtol, eps, rng)
    if "rev" in modes:
        out = f(*args)
        u = tree_map(lambda y: _random_like(rng, y), out)
        check_vjp(f, args, tangents, u, atol, rtol, eps)
        if order > 1:
            _check(lambda *a: vjp(f, *a)[1](u), args, order - 1, ("rev",), atol, rtol, eps, rng)
