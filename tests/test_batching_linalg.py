"""vmap of fgrad.numpy.linalg (inverses, solves, determinants, decompositions and the composites on
them): the batch equals the loop over the examples.

Each case runs in every layout of its arguments (unmapped, or mapped along the first, a middle or
the last axis), nested with grad and jvp both ways, and inside another vmap.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES

from batching_support import check_loop, check_vmap_of_vmap, close

RTOL, ATOL = 1e-8, 1e-10
L = fnp.linalg
rng = np.random.default_rng(0)

_close = functools.partial(close, rtol=RTOL, atol=ATOL)
# vmap(f), vmap(grad), grad(vmap), vmap(jvp), jvp(vmap) equal the loop, in every layout
check = functools.partial(check_loop, rtol=RTOL, atol=ATOL)
# vmap(vmap(f)) over a (2, 3) batch of every argument
check_nested = functools.partial(check_vmap_of_vmap, rtol=RTOL, atol=ATOL)


def spd(*s):
    a = rng.standard_normal(s + (s[-1],))
    return a @ np.swapaxes(a, -1, -2) + s[-1] * np.eye(s[-1])


A, A2 = spd(4), spd(2, 4)
TALL, WIDE = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3, 5))

CASES = {
    "inv": (L.inv, [A2]),
    "det": (L.det, [A2]),
    "slogdet": (lambda a: tuple(L.slogdet(a)), [A2]),
    "pinv": (L.pinv, [WIDE]),
    "pinv hermitian": (lambda a: L.pinv(a, hermitian=True), [A2]),
    "cholesky": (L.cholesky, [A2]),
    "cholesky upper": (lambda a: L.cholesky(a, upper=True), [A]),
    "qr tall": (lambda a: tuple(L.qr(a)), [TALL]),
    "qr wide": (lambda a: tuple(L.qr(a)), [WIDE]),
    "qr r": (lambda a: L.qr(a, mode="r"), [TALL[0]]),
    "eigh": (lambda a: tuple(L.eigh(a)), [A2]),
    "eigh UPLO=U": (lambda a: tuple(L.eigh(a, UPLO="U")), [A]),
    "eigvalsh": (L.eigvalsh, [A2]),
    "svd": (lambda a: tuple(L.svd(a, full_matrices=False)), [WIDE]),
    "svdvals": (L.svdvals, [TALL]),
    "solve vector": (L.solve, [A, rng.standard_normal(4)]),
    "solve matrix": (L.solve, [A, rng.standard_normal((4, 2))]),
    "solve stacks": (L.solve, [A2, rng.standard_normal((4, 3))]),
    "solve broadcast stacks": (L.solve, [A, rng.standard_normal((2, 4, 3))]),
    "cond": (L.cond, [A2]),
    "cond 1": (lambda a: L.cond(a, 1), [A2]),
    "norm nuc": (lambda a: L.norm(a, "nuc", axis=(-2, -1)), [A2]),
    "norm 2": (lambda a: L.norm(a, 2, axis=(0, 2)), [A2]),
    "vector_norm 3": (lambda a: L.vector_norm(a, ord=3, axis=-1), [A2]),
    "matrix_power -2": (lambda a: L.matrix_power(a, -2), [A2]),
    "multi_dot": (lambda a, b, c: L.multi_dot([a, b, c]), [rng.standard_normal(3), rng.standard_normal((3, 4)),
                                                            rng.standard_normal((4, 2))]),
}


@pytest.mark.parametrize("name", CASES)
def test_vmap_equals_the_loop(name):
    f, args = CASES[name]
    check(f, args)


@pytest.mark.parametrize("name", ["inv", "slogdet", "svd", "eigh", "solve matrix", "solve vector", "qr wide"])
def test_vmap_of_vmap(name):
    f, args = CASES[name]
    check_nested(f, args)


def test_full_matrices_svd_and_complete_qr_values():
    check(lambda a: tuple(L.svd(a)), [WIDE], grads=False)
    check(lambda a: tuple(L.qr(a, mode="complete")), [TALL], grads=False)


def test_non_differentiable_results():
    a = rng.standard_normal((3, 4, 4))
    a[1, :, 0] = 0.0  # rank 3
    _close(fgrad.vmap(L.matrix_rank)(a), np.linalg.matrix_rank(a))
    _close(fgrad.vmap(L.matrix_rank, in_axes=2)(np.moveaxis(a, 0, 2)), np.linalg.matrix_rank(a))
    sym = a + np.swapaxes(a, 1, 2)
    _close(fgrad.vmap(lambda x: L.matrix_rank(x, hermitian=True))(sym), np.linalg.matrix_rank(sym, hermitian=True))
    _close(fgrad.vmap(lambda x: L.matrix_rank(x, rtol=0.5))(a), np.linalg.matrix_rank(a, rtol=0.5))
    tols = np.array([0.1, 1.0, 2.0])
    _close(fgrad.vmap(lambda x, t: L.matrix_rank(x, tol=t))(a, tols),
           np.array([np.linalg.matrix_rank(x, tol=t) for x, t in zip(a, tols)]))
    v = a[:, 0]
    _close(fgrad.vmap(lambda x: L.norm(x, 0))(v), np.linalg.norm(v, 0, axis=-1))
    singular = a.copy()
    singular[1] = 0.0  # condition number inf for that example only
    _close(fgrad.vmap(L.cond)(singular), np.linalg.cond(singular))
    _close(fgrad.vmap(lambda x: L.matrix_power(x, 0))(a), np.broadcast_to(np.eye(4), a.shape))


def test_solve_with_one_matrix_factorises_it_once(monkeypatch):
    """A mapped right-hand side with an unmapped matrix joins the batch to the columns."""
    prim = PRIMITIVES["solve"]
    calls = []
    impl = prim.impl
    monkeypatch.setattr(prim, "impl", lambda a, b: (calls.append((a.shape, b.shape)), impl(a, b))[1])
    bs = rng.standard_normal((5, 4, 2))
    _close(fgrad.vmap(L.solve, in_axes=(None, 0))(A, bs), np.linalg.solve(A, bs))
    assert calls == [((4, 4), (4, 10))]
