"""Minimization of a scalar function (``jax.scipy.optimize``'s names): BFGS with a strong-Wolfe
line search, gradients from ``fgrad.value_and_grad``.

Both loops (the BFGS iterations and the line search's bracketing and zoom) are
``fgrad.lax.while_loop``s over array state, with every branch a ``where``: so one code path runs
eagerly, under ``fgrad.jit`` (staged, as JAX's is), and under ``vmap``. As in JAX, reverse mode
through ``minimize`` is refused (a while loop); this module sits above ``fgrad.lax`` and is loaded
on first use.

>>> from fgrad.scipy.optimize import minimize
>>> res = minimize(lambda x: fnp.sum((x - 3.0) ** 2), np.zeros(2), method="BFGS")
>>> print(res.x.round(6), bool(res.success))
[3. 3.] True
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..lax import while_loop
from ..transforms import value_and_grad

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ..typing import Array, ArrayLike

__all__ = ["OptimizeResults", "minimize"]

# Wolfe constants (sufficient decrease, curvature) and the zoom's safeguards, as SciPy and JAX use them.
_C1, _C2 = 1e-4, 0.9
_CUBIC_MARGIN, _QUAD_MARGIN = 0.2, 0.1
_ZOOM_MAXITER = 30


class OptimizeResults(NamedTuple):
    """What ``minimize`` found.

    ``status``: 0 converged, 1 maximum iterations reached, 3 the line search's zoom failed,
    5 the line search's maximum iterations reached, -1 undefined (JAX's codes).

    >>> from fgrad.scipy.optimize import minimize
    >>> res = minimize(lambda x: fnp.sum(x ** 2), np.ones(3), method="BFGS")
    >>> res._fields
    ('x', 'success', 'status', 'fun', 'jac', 'hess_inv', 'nfev', 'njev', 'nit')
    """

    x: Array
    success: bool | Array
    status: int | Array
    fun: Array
    jac: Array
    hess_inv: Array | None
    nfev: int | Array
    njev: int | Array
    nit: int | Array


def _nan_unless(ok: Array, x: Array) -> Array:
    """``x`` where ``ok``, else NaN: a degenerate fit becomes NaN (and fails the interval checks)
    without a floating-point warning at a division or square root."""
    return fnp.where(ok, x, fnp.nan)


def _select(pred: Array, new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """``old`` with the entries of ``new`` taken where ``pred`` holds."""
    return {**old, **{k: fnp.where(pred, v, old[k]) for k, v in new.items()}}


def _cubic_min(a: Array, fa: Array, da: Array, b: Array, fb: Array, c: Array, fc: Array) -> Array:
    """The minimizer of the cubic through ``(a, fa)`` with slope ``da`` there, ``(b, fb)`` and ``(c, fc)``."""
    db, dc = b - a, c - a
    rb, rc = fb - fa - da * db, fc - fa - da * dc  # what the linear part leaves to t^2 and t^3
    det = db * db * dc * dc * (dc - db)
    det = _nan_unless(det != 0, det)
    quad = (rb * dc ** 3 - rc * db ** 3) / det
    cube = (rc * db * db - rb * dc * dc) / det
    radical = quad * quad - 3.0 * cube * da
    return a + (-quad + fnp.sqrt(_nan_unless(radical >= 0, radical))) / _nan_unless(cube != 0, 3.0 * cube)


def _quad_min(a: Array, fa: Array, da: Array, b: Array, fb: Array) -> Array:
    """The minimizer of the parabola through ``(a, fa)`` with slope ``da`` there and ``(b, fb)``."""
    db = b - a
    curv = (fb - fa - da * db) / _nan_unless(db != 0, db * db)
    return a - da / _nan_unless(curv != 0, 2.0 * curv)


def _line_search(restricted: Callable[[Array], tuple[Array, Array, Array]], phi0: Array, dphi0: Array,
                 g0: Array, start: Array, maxiter: int) -> dict[str, Any]:
    """A step satisfying the strong Wolfe conditions along a descent direction (Nocedal and Wright,
    Algorithms 3.5 and 3.6). ``restricted(a)`` is ``(phi(a), phi'(a), gradient at a)``."""
    dtype = fnp.result_type(phi0)
    zero = fnp.zeros((), dtype, like=g0)
    false, nothing = fnp.asarray(False, like=g0), fnp.asarray(0, like=g0)  # carries on the inputs' device
    tiny = 1e-10 if np.finfo(dtype).bits >= 64 else 1e-5

    def armijo_fails(a: Array, phi: Array) -> Array:
        return phi > phi0 + _C1 * a * dphi0

    def curvature_holds(dphi: Array) -> Array:
        return fnp.abs(dphi) <= -_C2 * dphi0

    def zoom(lo: tuple[Array, Array, Array], hi: tuple[Array, Array, Array], skip: Array) -> dict[str, Any]:
        z = {"done": false, "failed": false, "j": nothing,
             "a_lo": lo[0], "phi_lo": lo[1], "dphi_lo": lo[2], "a_hi": hi[0], "phi_hi": hi[1], "dphi_hi": hi[2],
             "a_rec": (lo[0] + hi[0]) / 2.0, "phi_rec": (lo[1] + hi[1]) / 2.0,
             "a": zero, "phi": phi0, "dphi": dphi0, "g": g0, "nfev": nothing}

        def step(z: dict[str, Any]) -> dict[str, Any]:
            width = fnp.abs(z["a_hi"] - z["a_lo"])
            left, right = fnp.minimum(z["a_lo"], z["a_hi"]), fnp.maximum(z["a_lo"], z["a_hi"])
            failed = z["failed"] | (width <= tiny)
            # a trial inside the interval, safely away from its ends: cubic, else quadratic, else the middle
            cubic = _cubic_min(z["a_lo"], z["phi_lo"], z["dphi_lo"], z["a_hi"], z["phi_hi"], z["a_rec"], z["phi_rec"])
            quad = _quad_min(z["a_lo"], z["phi_lo"], z["dphi_lo"], z["a_hi"], z["phi_hi"])
            use_cubic = (z["j"] > 0) & (cubic > left + _CUBIC_MARGIN * width) & (cubic < right - _CUBIC_MARGIN * width)
            use_quad = ~use_cubic & (quad > left + _QUAD_MARGIN * width) & (quad < right - _QUAD_MARGIN * width)
            a = fnp.where(use_cubic, cubic, fnp.where(use_quad, quad, (z["a_lo"] + z["a_hi"]) / 2.0))
            phi, dphi, g = restricted(a)
            too_high = armijo_fails(a, phi) | (phi >= z["phi_lo"])
            found = ~too_high & curvature_holds(dphi)
            moves_lo = ~too_high & ~found
            flip = moves_lo & (dphi * (z["a_hi"] - z["a_lo"]) >= 0)
            new = dict(z, failed=failed, j=z["j"] + 1, nfev=z["nfev"] + 1, done=z["done"] | found)
            new = _select(too_high, {"a_hi": a, "phi_hi": phi, "dphi_hi": dphi,
                                     "a_rec": z["a_hi"], "phi_rec": z["phi_hi"]}, new)
            new = _select(found, {"a": a, "phi": phi, "dphi": dphi, "g": g}, new)
            new = _select(flip, {"a_hi": z["a_lo"], "phi_hi": z["phi_lo"], "dphi_hi": z["dphi_lo"],
                                 "a_rec": z["a_hi"], "phi_rec": z["phi_hi"]}, new)
            new = _select(moves_lo & ~flip, {"a_rec": z["a_lo"], "phi_rec": z["phi_lo"]}, new)
            new = _select(moves_lo, {"a_lo": a, "phi_lo": phi, "dphi_lo": dphi}, new)
            new["failed"] = new["failed"] | (new["j"] >= _ZOOM_MAXITER)
            return new

        return while_loop(lambda z: ~z["done"] & ~skip & ~z["failed"], step, z)

    s = {"done": false, "failed": false, "i": nothing + 1,
         "a_prev": zero, "phi_prev": phi0, "dphi_prev": dphi0,
         "a": zero, "phi": phi0, "dphi": dphi0, "g": g0, "nfev": nothing}

    def bracket(s: dict[str, Any]) -> dict[str, Any]:
        a = fnp.where(s["i"] == 1, start, 2.0 * s["a_prev"])
        phi, dphi, g = restricted(a)
        # the minimum lies between the previous step and this one: zoom, from the lower end
        overshot = armijo_fails(a, phi) | ((phi >= s["phi_prev"]) & (s["i"] > 1))
        found = ~overshot & curvature_holds(dphi)
        uphill = ~overshot & ~found & (dphi >= 0)
        prev, cur = (s["a_prev"], s["phi_prev"], s["dphi_prev"]), (a, phi, dphi)
        lo = tuple(fnp.where(overshot, p, c) for p, c in zip(prev, cur))
        hi = tuple(fnp.where(overshot, c, p) for p, c in zip(prev, cur))
        z = zoom(lo, hi, ~(overshot | uphill))
        zoomed = overshot | uphill
        new = dict(s, nfev=s["nfev"] + 1 + z["nfev"], i=s["i"] + 1, a_prev=a, phi_prev=phi, dphi_prev=dphi,
                   done=s["done"] | zoomed | found, failed=s["failed"] | (zoomed & z["failed"]))
        new = _select(zoomed, {k: z[k] for k in ("a", "phi", "dphi", "g")}, new)
        return _select(found, {"a": a, "phi": phi, "dphi": dphi, "g": g}, new)

    s = while_loop(lambda s: ~s["done"] & (s["i"] <= maxiter) & ~s["failed"], bracket, s)
    s["status"] = fnp.where(s["failed"], 1, fnp.where(s["i"] > maxiter, 3, 0))
    s["failed"] = s["failed"] | ~s["done"]
    return s


def _bfgs(fun: Callable[[Array], Array], x0: Array, maxiter: int | None = None, norm: float = np.inf,
          gtol: float = 1e-5, line_search_maxiter: int = 10) -> OptimizeResults:
    """BFGS (Nocedal and Wright, Algorithm 6.1) from ``x0``, the inverse Hessian estimate starting at I."""
    n = fnp.shape(x0)[0]
    maxiter = 200 * n if maxiter is None else int(maxiter)
    f0, g0 = value_and_grad(fun)(x0)
    zero = fnp.asarray(0, like=x0)  # counters and flags on x0's device
    state = {"converged": fnp.linalg.norm(g0, ord=norm) < gtol, "failed": zero != 0,
             "k": zero, "nfev": zero + 1, "x": x0, "f": f0, "g": g0,
             "H": fnp.eye(n, dtype=x0.dtype, like=x0), "f_prev": f0 + fnp.linalg.norm(g0) / 2.0,
             "ls_status": zero}

    def iterate(st: dict[str, Any]) -> dict[str, Any]:
        p = -fnp.matmul(st["H"], st["g"])

        def restricted(a: Array) -> tuple[Array, Array, Array]:
            phi, g = value_and_grad(fun)(st["x"] + a * p)
            return phi, fnp.real(fnp.dot(g, p)), g

        dphi0 = fnp.real(fnp.dot(st["g"], p))
        # SciPy's first trial step: the one that would repeat the last decrease, at most 1
        start = fnp.minimum(1.01 * 2.0 * (st["f"] - st["f_prev"]) / dphi0, 1.0)
        ls = _line_search(restricted, st["f"], dphi0, st["g"], start, line_search_maxiter)
        s = ls["a"] * p
        y = ls["g"] - st["g"]
        ys = fnp.dot(y, s)
        rho = 1.0 / _nan_unless(ys != 0, ys)  # no step (a failed search): keep H
        w = fnp.eye(n, dtype=rho.dtype, like=s) - rho * fnp.outer(s, y)
        h = fnp.matmul(fnp.matmul(w, st["H"]), w.T) + rho * fnp.outer(s, s)
        return {"converged": fnp.linalg.norm(ls["g"], ord=norm) < gtol, "failed": ls["failed"],
                "k": st["k"] + 1, "nfev": st["nfev"] + ls["nfev"], "x": st["x"] + s, "f": ls["phi"],
                "g": ls["g"], "H": fnp.where(fnp.isfinite(rho), h, st["H"]), "f_prev": st["f"],
                "ls_status": ls["status"]}

    st = while_loop(lambda st: ~st["converged"] & ~st["failed"] & (st["k"] < maxiter), iterate, state)
    status = fnp.where(st["converged"], 0, fnp.where(st["k"] == maxiter, 1,
                                                     fnp.where(st["failed"], 2 + st["ls_status"], -1)))
    return OptimizeResults(x=st["x"], success=st["converged"] & ~st["failed"], status=status, fun=st["f"],
                           jac=st["g"], hess_inv=st["H"], nfev=st["nfev"], njev=st["nfev"], nit=st["k"])


_BFGS_OPTIONS = ("maxiter", "norm", "gtol", "line_search_maxiter")


def minimize(fun: Callable[..., Any], x0: ArrayLike, args: tuple[Any, ...] = (), *, method: str = "BFGS",
             tol: float | None = None, options: Mapping[str, Any] | None = None) -> OptimizeResults:
    """The minimum of ``fun(x, *args)`` over 1-D ``x``, from ``x0`` (``jax.scipy.optimize.minimize``).

    ``method``: ``'BFGS'``; ``tol``: the gradient tolerance (``options['gtol']``, default 1e-5, in
    the ``options['norm']``, default the max norm); ``options``: also ``maxiter`` (default
    ``200 * x0.size``) and ``line_search_maxiter`` (default 10). Works under ``fgrad.jit``.

    >>> from fgrad.scipy.optimize import minimize
    >>> rosen = lambda x: fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> res = minimize(rosen, np.array([-1.2, 1.0]), method="BFGS")
    >>> print(res.x.round(4), bool(res.success), int(res.status))
    [1. 1.] True 0
    """
    if not isinstance(args, tuple):
        raise TypeError(f"args argument to fgrad.scipy.optimize.minimize must be a tuple, got {args!r}")
    opts = dict(options or {})
    unknown = sorted(set(opts) - set(_BFGS_OPTIONS))
    if method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized")
    if unknown:
        raise TypeError(f"minimize: unexpected options {unknown} for method 'BFGS' (accepted: {list(_BFGS_OPTIONS)})")
    if tol is not None:
        opts.setdefault("gtol", tol)
    x = fnp.asarray(x0)
    if fnp.ndim(x) != 1:
        raise ValueError(f"minimize: x0 must be a 1-D array, got shape {fnp.shape(x)}")
    if x.dtype.kind not in "fc":
        x = fnp.astype(x, np.float64)
    return _bfgs(lambda v: fun(v, *args), x, **opts)
