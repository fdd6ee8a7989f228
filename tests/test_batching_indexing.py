"""vmap of indexing, indexed updates, sorting and array products: the batch equals the loop.

The rules under test are those of ``getitem``/``index_add``/``index_set`` (an index array may vary
over the batch: the primitives take it as an argument), ``sort``/``argsort``/``argpartition``/
``searchsorted``/``lexsort``, ``matmul``/``einsum``/``diagonal``/``diag_embed``, and the composites
built on them. Each case is checked for every layout of its arguments (each one unmapped or mapped
along its first, last or a middle axis), with ``grad`` inside and outside ``vmap`` and ``jvp``
inside it, and ``vmap`` of ``vmap``.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES, concrete

from batching_support import close, float_args, layouts, stack

B = 3
rng = np.random.default_rng(0)

_close = functools.partial(close, rtol=1e-10, atol=1e-12, structure=True)


def R(*s):
    return rng.standard_normal(s)


def _axes(nd):
    return sorted({0, nd, nd // 2} | {-1}, key=lambda v: (v < 0, v))


def _layouts(first):
    """in_axes tuples: each argument unmapped or mapped along one of a few axes (one mapped at least;
    with three arguments or more, only the first and last axes)."""
    return layouts(first, (lambda nd: [None] + _axes(nd)) if len(first) < 3 else (lambda nd: [None, 0, -1]))


def _batch(make, in_axes):
    """Arguments for ``vmap``: example k of a mapped argument is ``make(k)``'s; an unmapped one is ``make(0)``'s."""
    examples = [make(k) for k in range(B)]
    args = []
    for i, ax in enumerate(in_axes):
        if ax is None:
            args.append(examples[0][i])
        else:
            args.append(np.stack([np.asarray(ex[i]) for ex in examples], axis=ax))
    per = [[ex[i] if ax is not None else examples[0][i] for i, ax in enumerate(in_axes)] for ex in examples]
    return args, per


def _scalar(f):
    def s(*a):
        out = f(*a)
        return fnp.sum(fnp.sin(out)) if np.asarray(concrete(out)).dtype.kind == "f" else fnp.sum(out * 0.0)
    return s


def check(f, make, derivatives=True, nested=True):
    """``vmap(f)`` against the loop for every layout of ``make(k)``'s arguments; and derivatives."""
    first = make(0)
    diff = float_args(first) if derivatives else ()
    s = _scalar(f)
    for in_axes in _layouts(first):
        args, per = _batch(make, in_axes)
        _close(fgrad.vmap(f, in_axes=in_axes)(*args), stack([f(*ex) for ex in per]))
        if not diff:
            continue
        g = fgrad.grad(s, argnums=diff)
        _close(fgrad.vmap(g, in_axes=in_axes)(*args), stack([g(*ex) for ex in per]))

        def total(*d):
            full = list(args)
            for i, v in zip(diff, d):
                full[i] = v
            return fnp.sum(fgrad.vmap(s, in_axes=in_axes)(*full))

        def total_loop(*d):
            full = list(args)
            for i, v in zip(diff, d):
                full[i] = v
            return sum(s(*[x if ax is None else fnp.take(x, k, axis=ax) for x, ax in zip(full, in_axes)])
                       for k in range(B))

        _close(fgrad.grad(total, argnums=tuple(range(len(diff))))(*[args[i] for i in diff]),
               fgrad.grad(total_loop, argnums=tuple(range(len(diff))))(*[args[i] for i in diff]))

        def tangent(*a):
            def fd(*d):
                full = list(a)
                for i, v in zip(diff, d):
                    full[i] = v
                return f(*full)
            return fgrad.jvp(fd, tuple(a[i] for i in diff), tuple(fnp.ones_like(a[i]) * 0.5 for i in diff))[1]

        _close(fgrad.vmap(tangent, in_axes=in_axes)(*args), stack([tangent(*ex) for ex in per]))
    if nested:  # vmap of vmap: an outer batch of 2 along axis 1 of every argument, the inner one along 0
        outer = [make(k) for k in range(2 * B)]
        args = [np.stack([np.stack([np.asarray(outer[o * B + k][i]) for k in range(B)]) for o in range(2)], axis=1)
                for i in range(len(first))]
        got = fgrad.vmap(fgrad.vmap(f), in_axes=1)(*args)
        _close(got, stack([stack([f(*outer[o * B + k]) for k in range(B)]) for o in range(2)]))


def scaled(*arrays, ints=()):
    """make(k): float arrays rescaled per example, the given integer arrays rolled per example."""
    def make(k):
        out = [a * (1 + 0.1 * k) + 0.01 * k for a in arrays]
        out += [np.roll(i, k) if np.ndim(i) else (i + k) % bound for i, bound in ints]
        return tuple(out)
    return make


class I:
    """``I(x)[index]``: ``fnp.getitem`` for a raw ``x`` (NumPy's own indexing can't take traced indices)."""

    def __init__(self, x):
        self.x = x

    def __getitem__(self, index):
        return fnp.getitem(self.x, index)


X = R(4, 5, 3)
MASK = np.array([True, False, True, True])

# ------------------------------------------------------------------ getitem with a static index

STATIC = {
    "int": 1, "ints": (1, 2), "slices": (slice(None, None, -2), slice(1, None)),
    "newaxis": (None, Ellipsis, 0, None), "last": (slice(None), slice(None), -1),
    "list": [0, 0, 3], "array2d": np.array([[1, 1], [0, -1]]),
    "non_adjacent": ([1, 0, 1], slice(None), [0, 0, 1]), "adjacent": (slice(None), [0, 2, 2], [[1], [0]]),
    "int_and_array_apart": (0, slice(None), [1, 2]), "newaxis_between": ([1, 2], None, slice(None), [0, 1]),
    "mask": MASK, "mask_int": (MASK, slice(1, None), [0, 0, 2]), "bool0d": (np.True_, slice(None), [0, 1]),
    "ellipsis_array": (Ellipsis, [2, 0]),
}


@pytest.mark.parametrize("name", sorted(STATIC))
def test_getitem_static_index(name):
    index = STATIC[name]
    check(lambda x: x[index], scaled(X))


# ------------------------------------------------------------------ index arrays that vary over the batch

MAPPED = {
    "x[i]": (lambda x, i: I(x)[i], [(np.array([3, 0, 1, 1]), 4)]),
    "x[i2d]": (lambda x, i: I(x)[i], [(np.array([[1, 2], [0, 3]]), 4)]),
    "x[:, i]": (lambda x, i: I(x)[:, i], [(np.array([[1, 2], [0, 4]]), 5)]),
    "x[i0]": (lambda x, i: I(x)[i], [(np.array(2), 4)]),
    "x[0, :, i0]": (lambda x, i: I(x)[0, :, i], [(np.array(2), 3)]),
    "x[i, :, j]": (lambda x, i, j: I(x)[i, :, j], [(np.array([3, 0, 1, 1]), 4), (np.array([2, 0, 1, 1]), 3)]),
    "x[:, i, j]": (lambda x, i, j: I(x)[:, i, j], [(np.array([[4], [0]]), 5), (np.array([2, 0, 1]), 3)]),
    "x[i, None, :, j]": (lambda x, i, j: I(x)[i, None, :, j],
                         [(np.array([3, 0, 1]), 4), (np.array([2, 0, 1]), 3)]),
    "x[[i0, 1, i0]]": (lambda x, i: I(x)[[i, 1, i]], [(np.array(2), 4)]),
    "x[mask, 1:, i]": (lambda x, i: I(x)[MASK, 1:, i], [(np.array([0, 2, 1]), 3)]),
    "x[..., i]": (lambda x, i: I(x)[..., i], [(np.array([2, 0, 1, 1]), 3)]),
    "take": (lambda x, i: fnp.take(x, i, axis=1), [(np.array([[1, 2], [0, 3]]), 5)]),
    "take_flat": (lambda x, i: fnp.take(x, i), [(np.array([[7, 14], [0, 59]]), 60)]),
    "take_wrap": (lambda x, i: fnp.take(x, i, axis=2, mode="wrap"), [(np.array([[7, 14], [0, 3]]), 60)]),
    "take_clip": (lambda x, i: fnp.take(x, i, axis=0, mode="clip"), [(np.array([[-7, 14], [0, 3]]), 20)]),
    "take_along_axis": (lambda x, i: fnp.take_along_axis(x, i, axis=1),
                        [(np.argsort(R(4, 5, 3), axis=1)[:, :3], 5)]),
    "take_along_none": (lambda x, i: fnp.take_along_axis(x, i, axis=None), [(np.array([5, 59, 0]), 60)]),
}


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_getitem_mapped_index_arrays(name):
    f, ints = MAPPED[name]
    check(f, scaled(X, ints=ints))


def test_index_from_a_mapped_permutation():
    check(lambda x: x[fnp.argsort(x[:, 0, 0])], scaled(X))
    check(lambda x: fnp.take_along_axis(x, fnp.argsort(x, axis=1), axis=1), scaled(X))


# ------------------------------------------------------------------ x.at[index] updates

A = fnp.at
UPDATES = {
    "add_repeats": (lambda x, v: A(x)[[0, 0, -1]].add(v), (R(3, 5, 3),), []),
    "add_broadcast": (lambda x, v: A(x)[[1, 1]].add(v), (R(3),), []),
    "add_adjacent": (lambda x, v: A(x)[:, [0, 2, 2]].add(v), (R(4, 3, 3),), []),
    "add_slices": (lambda x, v: A(x)[1:, ::-1].add(v), (R(3, 5, 3),), []),
    "set_repeats": (lambda x, v: A(x)[[0, 0, -1]].set(v), (R(3, 5, 3),), []),
    "set_non_adjacent": (lambda x, v: A(x)[[1, 0, 1], :, [0, 0, 1]].set(v), (R(3, 5),), []),
    "set_newaxis": (lambda x, v: A(x)[None, ..., ::2].set(v), (R(),), []),
    "set_leading_ones": (lambda x, v: A(x)[2].set(v), (R(1, 1, 5, 3),), []),
    "multiply": (lambda x, v: A(x)[1:3].multiply(v), (R(3),), []),
    "add_i": (lambda x, v, i: A(x)[i].add(v), (R(4, 5, 3),), [(np.array([3, 0, 1, 1]), 4)]),
    "add_i_broadcast": (lambda x, v, i: A(x)[i].add(v), (R(3),), [(np.array([3, 0, 1, 1]), 4)]),
    "set_i": (lambda x, v, i: A(x)[i].set(v), (R(4, 5, 3),), [(np.array([3, 0, 1, 1]), 4)]),
    "set_i0": (lambda x, v, i: A(x)[:, i].set(v), (R(),), [(np.array(3), 5)]),
    "set_ij": (lambda x, v, i, j: A(x)[i, :, j].set(v), (R(4, 5),),
               [(np.array([3, 0, 1, 1]), 4), (np.array([2, 0, 1, 1]), 3)]),
    "add_ij_adjacent": (lambda x, v, i, j: A(x)[:, i, j].add(v), (R(4, 4),),
                        [(np.array([4, 0, 0, 2]), 5), (np.array([2, 0, 1, 1]), 3)]),
    "put_along_axis": (lambda x, v, i: fnp.put_along_axis(x, i, v, axis=1), (R(4, 2, 3),),
                       [(np.array([[[0, 1, 2], [4, 4, 0]]] * 4), 5)]),
}


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_indexed_updates(name):
    f, values, ints = UPDATES[name]
    check(f, scaled(X, *values, ints=ints), nested=len(ints) < 2)


def test_set_with_repeats_under_vmap_keeps_the_last_write_and_its_derivative():
    # Mapped repeated indices: the VJP finds the winning writes through the primitives.
    x, v = R(3, 5, 4), R(3, 4, 4)
    idx = np.array([[0, 0, 3, 3], [1, 2, 1, 1], [4, 4, 4, 0]])
    f = lambda x, v, i: fnp.sum(fnp.sin(fnp.at(x)[i].set(v * x[i])) ** 2)  # noqa: E731
    g = fgrad.grad(f, argnums=(0, 1))

    def hvp(x, v, i):
        return fgrad.jvp(lambda x, v: g(x, v, i), (x, v), (x, v))[1]

    _close(fgrad.vmap(g)(x, v, idx), stack([g(*ex) for ex in zip(x, v, idx)]))
    _close(fgrad.vmap(hvp)(x, v, idx), stack([hvp(*ex) for ex in zip(x, v, idx)]))


def test_nested_vmap_index_and_array_at_different_levels():
    x = R(3, 5, 4)
    idx = np.array([[0, 3], [2, 2]])
    got = fgrad.vmap(lambda i: fgrad.vmap(lambda x: fnp.getitem(x, i))(x))(idx)
    _close(got, np.stack([np.stack([xk[i] for xk in x]) for i in idx]))
    v = R(2, 4)

    def put(x, i, v):
        out = x.copy()
        out[i] = v
        return out

    got = fgrad.vmap(lambda i, v: fgrad.vmap(lambda x: fnp.at(x)[i].set(v))(x))(idx, v)
    _close(got, np.stack([np.stack([put(xk, i, vk) for xk in x]) for i, vk in zip(idx, v)]))
    f = lambda x, i: fnp.sum(fnp.sin(fnp.at(x)[i].add(x[i] * 2.0)))  # noqa: E731
    got = fgrad.vmap(lambda x: fgrad.vmap(fgrad.grad(f), in_axes=(None, 0))(x, idx))(x)
    _close(got, np.stack([np.stack([fgrad.grad(f)(xk, i) for i in idx]) for xk in x]))


# ------------------------------------------------------------------ other composites of _indexing

def test_choose_select_and_index_arithmetic():
    check(lambda x: fnp.choose(fnp.argsort(x)[:2] % 2, [x[:2], x[2:] * 2]), scaled(R(4)))
    check(lambda x: fnp.select([x > 0, x < -1], [x, x * 2], 5.0), scaled(R(4, 3)))
    check(lambda i: fnp.stack(fnp.unravel_index(i, (3, 4))), scaled(ints=[(np.array([3, 7, 11]), 12)]))
    check(lambda i: fnp.stack(fnp.unravel_index(i, (3, 4), order="F")), scaled(ints=[(np.array([3, 7, 11]), 12)]))
    check(lambda i, j: fnp.ravel_multi_index((i, j), (3, 4)),
          scaled(ints=[(np.array([0, 2, 1]), 3), (np.array([3, 0, 1]), 4)]))
    i = np.array([[0, 2], [1, 1]])
    got = fgrad.vmap(lambda i: fnp.ix_(i, [0, 1]))(i)
    for g, w in zip(got, zip(*[np.ix_(r, [0, 1]) for r in i])):
        _close(np.broadcast_to(g, (2,) + w[0].shape), np.stack(w))


@pytest.mark.parametrize("f, error", [
    (lambda x: x[x > 0], fgrad.batching.NonConcreteBooleanIndexError),
    (lambda x: fnp.at(x)[x > 0].set(0.0), fgrad.batching.NonConcreteBooleanIndexError),
    (lambda x: fnp.nonzero(x), fgrad.batching.ConcretizationTypeError),
    (lambda x: fnp.unique(fnp.round(x)), fgrad.batching.ConcretizationTypeError),
    (lambda x: fnp.compress(x > 0, x), fgrad.batching.ConcretizationTypeError),
    (lambda x: fnp.argwhere(x), fgrad.batching.ConcretizationTypeError),
], ids=["mask", "mask_update", "nonzero", "unique", "compress", "argwhere"])
def test_data_dependent_shapes_are_refused(f, error):
    """JAX's exception types: IndexError for a batched boolean mask, TypeError for the rest."""
    with pytest.raises(error, match="vmap"):
        fgrad.vmap(f)(R(3, 4))


def test_slice_bounds_that_vary_are_refused():
    with pytest.raises(IndexError, match="vmap"):
        fgrad.vmap(lambda x: x[fnp.argmax(x):])(R(3, 4))


# ------------------------------------------------------------------ sorting

SORTING = {
    "sort": lambda x: fnp.sort(x),
    "sort_axis0": lambda x: fnp.sort(x, axis=0),
    "sort_flat": lambda x: fnp.sort(x, axis=None),
    "argsort": lambda x: fnp.argsort(x, axis=1),
    "argsort_flat": lambda x: fnp.argsort(x, axis=None),
    "argpartition": lambda x: fnp.sort(fnp.argpartition(x, 2, axis=1)[:, :3], axis=1),
    "partition": lambda x: fnp.sort(fnp.partition(x, 2, axis=1)[:, :3], axis=1),
    "median": lambda x: fnp.median(x, axis=1),
    "median_all": lambda x: fnp.median(x),
    "quantile": lambda x: fnp.quantile(x, [0.3, 0.9], axis=2),
}


@pytest.mark.parametrize("name", sorted(SORTING))
def test_sorting(name):
    check(SORTING[name], scaled(X))


@pytest.mark.parametrize("f", [
    lambda x, q: fnp.quantile(x, q, axis=1),
    lambda x, q: fnp.quantile(x, q, axis=1, keepdims=True),
    lambda x, q: fnp.percentile(x, q * 100, axis=(0, 2)),
], ids=["scalar", "keepdims", "percentile"])
def test_quantile_of_a_mapped_q(f):
    check(f, scaled(X, np.array([0.3, 0.5])))


def test_quantile_of_a_mapped_scalar_q():
    check(lambda x, q: fnp.quantile(x, q), scaled(X, np.array(0.4)))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    a, v = R(6) * 3, R(2, 3) * 3
    check(lambda a, v: fnp.searchsorted(fnp.sort(fnp.round(a)), fnp.round(v), side=side), scaled(a, v))
    check(lambda a, v: fnp.searchsorted(a, v, side=side, sorter=fnp.argsort(a)), scaled(a, v))
    check(lambda v: fnp.searchsorted(np.sort(a), v, side=side), scaled(v))
    # NaNs sort last, as in NumPy
    a = np.array([[1.0, 2.0, np.nan, np.nan], [0.0, 3.0, 3.0, np.inf]])
    v = np.array([[np.nan, 2.0, 5.0, -1.0, np.inf], [3.0, np.nan, np.inf, 0.0, 2.0]])
    _close(fgrad.vmap(lambda a, v: fnp.searchsorted(a, v, side=side))(a, v),
           np.stack([np.searchsorted(r, q, side=side) for r, q in zip(a, v)]))


def test_lexsort():
    check(lambda a, b: fnp.lexsort((fnp.round(a), fnp.round(b))), scaled(R(6) * 3, R(6) * 2))
    check(lambda a, b: fnp.lexsort((fnp.round(a), fnp.round(b)), axis=0), scaled(R(4, 3) * 3, R(4, 3) * 2))
    check(lambda a: fnp.lexsort(fnp.round(a)), scaled(R(3, 4) * 3))
    check(lambda a: fnp.lexsort(fnp.round(a), axis=0), scaled(R(2, 4, 3) * 3))
    check(lambda a: fnp.lexsort(a), scaled(R(6)))  # six 0-d keys
    check(lambda a, b: fnp.lexsort((a, b)), scaled(R(), R()))


# ------------------------------------------------------------------ array products

PRODUCTS = {
    "nk@km": (fnp.matmul, (R(2, 3), R(3, 4))), "k@km": (fnp.matmul, (R(3), R(3, 4))),
    "nk@k": (fnp.matmul, (R(2, 3), R(3))), "k@k": (fnp.matmul, (R(3), R(3))),
    "bnk@bkm": (fnp.matmul, (R(2, 2, 3), R(2, 3, 4))), "bnk@km": (fnp.matmul, (R(2, 2, 3), R(3, 4))),
    "nk@bkm": (fnp.matmul, (R(2, 3), R(2, 3, 4))), "a1nk@bkm": (fnp.matmul, (R(2, 1, 2, 3), R(3, 3, 4))),
    "k@bkm": (fnp.matmul, (R(3), R(2, 3, 4))), "bnk@k": (fnp.matmul, (R(2, 2, 3), R(3))),
    "dot": (fnp.dot, (R(2, 2, 3), R(2, 3, 4))),
    "tensordot": (lambda a, b: fnp.tensordot(a, b, axes=([0, 2], [2, 0])), (R(2, 3, 4), R(4, 5, 2))),
    "inner": (fnp.inner, (R(2, 3), R(4, 3))), "outer": (fnp.outer, (R(2, 3), R(4))),
    "vdot": (fnp.vdot, (R(2, 3), R(3, 2))), "kron": (fnp.kron, (R(2, 3), R(2, 2))),
    "cross": (fnp.cross, (R(2, 3), R(3))), "vecdot": (fnp.vecdot, (R(2, 3), R(3))),
    "matvec": (fnp.matvec, (R(2, 3), R(3))), "vecmat": (fnp.vecmat, (R(3), R(3, 2))),
    "multi_dot": (lambda a, b, c: fnp.linalg.multi_dot([a, b, c]), (R(2, 3), R(3, 4), R(4))),
    "matrix_power": (lambda a: fnp.linalg.matrix_power(a, 3), (R(3, 3),)),
    "ij,jk->ik": (lambda a, b: fnp.einsum("ij,jk->ik", a, b), (R(2, 3), R(3, 4))),
    "ii->i": (lambda a: fnp.einsum("ii->i", a), (R(3, 3),)),
    "ii": (lambda a: fnp.einsum("ii", a), (R(3, 3),)),
    "iij,jk->ki": (lambda a, b: fnp.einsum("iij,jk->ki", a, b), (R(3, 3, 2), R(2, 4))),
    "...ij,...jk": (lambda a, b: fnp.einsum("...ij,...jk", a, b), (R(2, 2, 3), R(2, 3, 4))),
    "i,j,k->ijk": (lambda a, b, c: fnp.einsum("i,j,k->ijk", a, b, c), (R(2), R(3), R(2))),
    "einsum_broadcast": (lambda a, b: fnp.einsum("ij,jk->ik", a, b), (R(2, 1), R(3, 4))),
    "trace": (lambda x: fnp.trace(x, 1), (R(3, 4, 2),)),
    "diagonal": (lambda x: fnp.diagonal(x, 1, 0, 2), (R(3, 4, 2),)),
    "diagonal_neg": (lambda x: fnp.diagonal(x, -1, -1, -2), (R(3, 4, 2),)),
    "diag_embed": (lambda v: fnp.diag(v, -1), (R(3),)),
    "diag_of_matrix": (lambda v: fnp.diag(v, 1), (R(3, 4),)),
    "tril": (lambda x: fnp.tril(x, -1), (R(3, 4),)),
    "triu": (lambda x: fnp.triu(x), (R(2, 3, 4),)),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products(name):
    f, args = PRODUCTS[name]
    check(f, scaled(*args))


@pytest.mark.parametrize("x_shape", [(3,), (2, 3)], ids=["vector", "matrix"])
def test_matmul_with_an_unmapped_weight_is_one_gemm(monkeypatch, x_shape):
    """Per-example gradients of a linear layer: the weight is never copied per example, and with
    the batch in front the batch's rows make one 2-D product."""
    seen = []
    prim = PRIMITIVES["matmul"]
    impl = prim.impl
    monkeypatch.setattr(prim, "impl", lambda a, b: (seen.append((np.shape(a), np.shape(b))), impl(a, b))[1])
    w = R(3, 4)
    x = R(5, *x_shape)
    loss = lambda w, x: fnp.sum(fnp.tanh(x @ w))  # noqa: E731
    got = fgrad.vmap(fgrad.grad(loss, argnums=(0, 1)), in_axes=(None, 0))(w, x)
    _close(got, stack([fgrad.grad(loss, argnums=(0, 1))(w, xk) for xk in x]))
    assert seen
    assert all(len(sa) <= 2 and len(sb) <= 2 for sa, sb in seen if (3, 4) in (sa, sb) or (4, 3) in (sa, sb)), seen
    assert all(sb != (5, 3, 4) and sa != (5, 3, 4) for sa, sb in seen), seen  # no per-example copies of w
