"""``fgrad.vmap`` (and the Jacobians built on it) against JAX, the contract, on the same NumPy inputs.

Each test builds the same computation twice from one description, ``build(L)`` where ``L`` is
either library's namespace (``L.vmap``, ``L.grad``, ``L.np``, ...), runs both on identical float64
NumPy inputs and compares values, shapes, dtypes and pytree structure -- or, for the error cases,
the exception type (and that fgrad's message names the argument and the sizes).

Covered: every ``in_axes``/``out_axes`` form, nesting with every differentiation transform in both
orders, one representative function per primitive family (drawn batch sizes, mapped/unmapped
arguments and batch-axis positions), random numbers with split keys (against a loop over the keys:
fgrad's generator is not JAX's), ``custom_vjp``/``custom_jvp`` under vmap, the error cases, and
``jacrev``/``jacfwd``/``hessian`` on pytrees, argnums tuples, ``has_aux`` and empty inputs.

JAX runs without jit, with x64 enabled here (JAX's own switch: it affects no other test module).
"""
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.numpy as fnp
import fgrad.random as fr
import fgrad.scipy.special as fss
from fgrad.tree_util import tree_flatten

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.special as jss  # noqa: E402
from jax import lax  # noqa: E402

F = SimpleNamespace(name="fgrad", vmap=fgrad.vmap, grad=fgrad.grad, value_and_grad=fgrad.value_and_grad,
                    jvp=fgrad.jvp, vjp=fgrad.vjp, jacfwd=fgrad.jacfwd, jacrev=fgrad.jacrev,
                    hessian=fgrad.hessian, custom_vjp=fgrad.custom_vjp, custom_jvp=fgrad.custom_jvp,
                    np=fnp, logsumexp=fss.logsumexp, at=fnp.at)
J = SimpleNamespace(name="jax", vmap=jax.vmap, grad=jax.grad, value_and_grad=jax.value_and_grad,
                    jvp=jax.jvp, vjp=jax.vjp, jacfwd=jax.jacfwd, jacrev=jax.jacrev,
                    hessian=jax.hessian, custom_vjp=jax.custom_vjp, custom_jvp=jax.custom_jvp,
                    np=jnp, logsumexp=jss.logsumexp, at=lambda x: jnp.asarray(x).at)

RTOL, ATOL = 1e-10, 1e-12          # float64, a few dozen operations
LINALG_RTOL, LINALG_ATOL = 1e-8, 1e-10  # factorizations: LAPACK vs XLA's own kernels


def _rng(seed=0):
    return np.random.default_rng(seed)


def _host(tree):
    """JAX's output as NumPy leaves, keeping its pytree structure."""
    return jax.tree_util.tree_map(np.asarray, tree)


def assert_agree(got, want, rtol=RTOL, atol=ATOL):
    """Same pytree structure; every leaf the same shape, dtype and (to tolerance) values."""
    want = _host(want)
    g_flat, g_tree = tree_flatten(got)
    w_flat, w_tree = tree_flatten(want)
    assert g_tree == w_tree, f"structure: fgrad {g_tree} vs JAX {w_tree}"
    for i, (g, w) in enumerate(zip(g_flat, w_flat)):
        g = np.asarray(fgrad.device_get(g))
        assert g.shape == w.shape, f"leaf {i}: shape fgrad {g.shape} vs JAX {w.shape}"
        assert g.dtype == w.dtype, f"leaf {i}: dtype fgrad {g.dtype} vs JAX {w.dtype}"
        if g.dtype.kind in "fc":
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"leaf {i}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"leaf {i}")


def agree(build, *args, rtol=RTOL, atol=ATOL, **kwargs):
    """Run ``build(F)`` and ``build(J)`` on the same arguments and compare; returns fgrad's result.

    JAX's side runs under ``jax.jit`` (the same semantics): one XLA compilation of the whole
    function costs a fraction of compiling each of its operations for op-by-op dispatch."""
    got = build(F)(*args, **kwargs)
    want = jax.jit(build(J))(*args, **kwargs)
    assert_agree(got, want, rtol, atol)
    return got


def both_raise(build, *args, exc=ValueError, **kwargs):
    """Both libraries raise ``exc``; returns fgrad's exception for checks on its message."""
    with pytest.raises(exc) as jax_err:
        build(J)(*args, **kwargs)
    with pytest.raises(exc) as fg_err:
        build(F)(*args, **kwargs)
    return fg_err.value


# ================================================================== in_axes / out_axes

def _smooth(L, x):
    """An elementwise map plus a reduction over the example's last axis (rank >= 1)."""
    return L.np.sin(x) * 2.0 + L.np.sum(x * x, axis=-1, keepdims=True)


@settings(max_examples=12)
@given(rank=st.integers(1, 3), size=st.integers(1, 4), data=st.data())
def test_int_in_axes_and_out_axes_negative_included(rank, size, data):
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank), label="example shape"))
    in_ax = data.draw(st.integers(-(rank + 1), rank), label="in_axes")
    out_ax = data.draw(st.integers(-(rank + 1), rank), label="out_axes")
    x = np.moveaxis(_rng().standard_normal((size,) + shape), 0, in_ax)
    agree(lambda L: L.vmap(lambda x: _smooth(L, x), in_axes=in_ax, out_axes=out_ax), x)


def test_none_and_per_argument_tuple():
    rng = _rng()
    x, y, z = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 4, 3))

    def build(L):
        return L.vmap(lambda x, y, z: x * y + L.np.sum(z, axis=0), in_axes=(0, None, 2))
    agree(build, x, y, z)
    # a top-level list means the same as a tuple in both
    agree(lambda L: L.vmap(lambda x, y: x * y, in_axes=[1, None]), x.T, y)


def test_pytree_prefixes_with_none_leaves():
    rng = _rng()
    d = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(2), "c": rng.standard_normal((2, 3))}
    lst = [rng.standard_normal((3,)), rng.standard_normal(5)]
    nested = ((rng.standard_normal((2, 3)), rng.standard_normal(4)), rng.standard_normal((3, 1)))

    def f(L):
        def fun(d, lst, nested):
            (p, q), r = nested
            return {"dict": d["a"] * d["b"] + d["c"], "list": lst[0] + L.np.sum(lst[1]),
                    "nested": L.np.sum(p) * q[:2] + r}
        return fun

    in_axes = ({"a": 0, "b": None, "c": 1}, [0, None], ((1, None), 0))
    agree(lambda L: L.vmap(f(L), in_axes=in_axes), d, lst, nested)
    # a whole argument's subtree given one axis (prefix), and None for a whole subtree
    agree(lambda L: L.vmap(lambda d, lst: d["a"] * lst[1][0], in_axes=({"a": 0, "b": None, "c": 1}, None)),
          d, lst)


def test_axis_size_with_nothing_mapped():
    x = _rng().standard_normal(3)
    agree(lambda L: L.vmap(lambda x: L.np.sin(x), in_axes=None, axis_size=4), x)
    agree(lambda L: L.vmap(lambda: L.np.ones(2), axis_size=3))
    agree(lambda L: L.vmap(lambda x: (x, x * 2.0), in_axes=None, axis_size=2, out_axes=(1, 0)), x)
    # axis_size agreeing with the mapped axes is accepted
    agree(lambda L: L.vmap(lambda x: x * 2.0, axis_size=3), x)


def test_keyword_arguments_are_mapped_along_axis_0():
    rng = _rng()
    x, y = rng.standard_normal((2, 5)), rng.standard_normal((5, 2))

    def build(L):
        return L.vmap(lambda x, y=None, scale=1.0: x * y * scale, in_axes=(1,))
    agree(build, x, y=y)
    agree(build, x, y=y, scale=rng.standard_normal(5))


def test_unmapped_outputs_are_broadcast():
    rng = _rng()
    x, c = rng.standard_normal((3, 2)), rng.standard_normal(4)

    def build(L):
        return L.vmap(lambda x, c: (x * 2.0, L.np.cos(c), 7.0, c), in_axes=(0, None), out_axes=(0, 1, 0, -1))
    agree(build, x, c)


def test_out_axes_pytrees():
    rng = _rng()
    x = rng.standard_normal((3, 2, 4))

    def build(L):
        def fun(x):
            return {"u": x, "v": (L.np.sum(x, axis=0), x * 3.0)}, [x[0], x.T]
        return L.vmap(fun, out_axes=({"u": 2, "v": (0, -1)}, 1))
    agree(build, x)

    # out_axes None for an output that does not depend on the mapped argument
    def build_none(L):
        return L.vmap(lambda x, c: (x + c, c * 2.0), in_axes=(0, None), out_axes=(0, None))
    agree(build_none, x, rng.standard_normal((2, 4)))


def test_vmap_of_vmap_with_different_axes():
    rng = _rng()
    x, y = rng.standard_normal((3, 4, 2)), rng.standard_normal((4, 3))

    def build(L):  # outer: x along 0, y along 1; inner: a (4, 2) along its axis 1, b (4,) unmapped
        inner = L.vmap(lambda a, b: L.np.tanh(a) * b + L.np.sum(a), in_axes=(1, None), out_axes=-1)
        return L.vmap(inner, in_axes=(0, 1), out_axes=1)
    agree(build, x, y)
    # the same variable mapped twice (outer over rows, inner over columns): an outer product
    agree(lambda L: L.vmap(L.vmap(lambda a, b: a * b, in_axes=(None, 0)), in_axes=(0, None)),
          rng.standard_normal(3), rng.standard_normal(5))


def test_dtypes_and_edge_cases():
    rng = _rng()
    x = rng.standard_normal((3, 2))
    x32 = x.astype(np.float32)
    agree(lambda L: L.vmap(lambda x: L.np.sin(x) * 2.0), np.ones((0, 2)))             # an empty batch
    agree(lambda L: L.vmap(L.grad(lambda x: L.np.sum(L.np.sin(x)))), np.ones((0, 2)))
    agree(lambda L: L.vmap(lambda x: (x > 0, L.np.argmax(x), 3, None)), x)            # bool, int, Python int
    agree(lambda L: L.vmap(L.grad(lambda x: L.np.sum(x ** 3))), x32)                  # float32 stays float32
    agree(lambda L: L.vmap(L.jacrev(lambda x: L.np.sin(x) * 2.0)), x32)
    agree(lambda L: L.vmap(lambda x, y: x * y, in_axes=(0, None)), x32, np.ones(2))   # promotion to float64
    agree(lambda L: L.vmap(lambda x: x * 2.5), np.ones((3, 2), np.int32))
    agree(lambda L: L.vmap(lambda l: l[0] * l[1]), [x, x])                            # a list argument
    agree(lambda L: L.vmap(lambda x, s: x, in_axes=(0, None)), x, None)               # None: an empty pytree


# ================================================================== nesting with differentiation

def _loss(L, x, w):
    """A smooth scalar of one example ``x (3,)`` and weights ``w (3, 4)``."""
    h = L.np.tanh(x @ w)
    return L.np.sum(h * h) + L.logsumexp(h) + L.np.sum(L.np.sin(x)) * L.np.prod(L.np.cos(w[0]))


@pytest.fixture(scope="module")
def xw():
    rng = _rng(1)
    return rng.standard_normal((5, 3)), rng.standard_normal((3, 4))


def test_vmap_of_grad(xw):
    x, w = xw
    agree(lambda L: L.vmap(L.grad(lambda x, w: _loss(L, x, w), argnums=(0, 1)), in_axes=(0, None)), x, w)
    agree(lambda L: L.vmap(L.value_and_grad(lambda w, x: _loss(L, x, w)), in_axes=(None, 0)), w, x)


def test_grad_of_vmap(xw):
    x, w = xw

    def build(L):
        return L.grad(lambda x, w: L.np.sum(L.vmap(lambda xi: _loss(L, xi, w))(x) ** 2), argnums=(0, 1))
    agree(build, x, w)


def test_jacfwd_of_vmap_and_vmap_of_jacrev(xw):
    x, w = xw
    agree(lambda L: L.jacfwd(L.vmap(lambda xi, w: L.np.tanh(xi @ w), in_axes=(0, None)), argnums=(0, 1)), x, w)
    agree(lambda L: L.vmap(L.jacrev(lambda xi, w: L.np.tanh(xi @ w), argnums=(0, 1)), in_axes=(0, None)), x, w)
    agree(lambda L: L.jacrev(L.vmap(lambda xi: L.np.sin(xi) * L.np.sum(xi)), argnums=0), x)
    agree(lambda L: L.vmap(L.jacfwd(lambda xi: L.np.sin(xi) * L.np.sum(xi)), in_axes=1, out_axes=-1), x)


def test_vmap_of_jvp_and_jvp_of_vmap(xw):
    x, w = xw
    t = _rng(2).standard_normal(x.shape)

    def vmap_jvp(L):
        return L.vmap(lambda xi, ti: L.jvp(lambda a: _loss(L, a, w), (xi,), (ti,)))
    agree(vmap_jvp, x, t)

    def jvp_vmap(L):
        g = L.vmap(lambda xi: L.np.tanh(xi @ w))
        return lambda x, t: L.jvp(g, (x,), (t,))
    agree(jvp_vmap, x, t)


def test_vmap_of_hessian_and_hessian_of_vmap(xw):
    x, w = xw
    agree(lambda L: L.vmap(L.hessian(lambda xi: _loss(L, xi, w))), x)
    agree(lambda L: L.hessian(lambda x: L.np.sum(L.vmap(lambda xi: _loss(L, xi, w))(x))), x)
    agree(lambda L: L.vmap(L.hessian(lambda xi, w: _loss(L, xi, w), argnums=1), in_axes=(0, None)), x, w)


def test_vmap_of_vjp(xw):
    x, w = xw
    ct = _rng(3).standard_normal((5, 4))

    def build(L):
        def pull(xi, ci):
            out, f_vjp = L.vjp(lambda a, b: L.np.tanh(a @ b), xi, w)
            return out, f_vjp(ci)
        return L.vmap(pull)
    agree(build, x, ct)


def test_per_example_gradients_of_a_model():
    """The use case: per-example gradients of a loss w.r.t. a parameter pytree."""
    rng = _rng(4)
    params = {"W1": rng.standard_normal((4, 8)) * 0.5, "b1": rng.standard_normal(8) * 0.1,
              "W2": rng.standard_normal((8, 3)) * 0.5, "b2": rng.standard_normal(3) * 0.1}
    x, labels = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    y = np.eye(3)[labels]

    def loss(L, p, x, y):  # one example, or a batch of them
        h = L.np.maximum(x @ p["W1"] + p["b1"], 0.0)
        logits = h @ p["W2"] + p["b2"]
        return -L.np.sum(y * (logits - L.logsumexp(logits, axis=-1, keepdims=True)), axis=-1)

    per_example = agree(lambda L: L.vmap(L.grad(lambda p, xi, yi: loss(L, p, xi, yi)), in_axes=(None, 0, 0)),
                        params, x, y)
    # their mean is the gradient of the batch's mean loss
    mean_grad = fgrad.grad(lambda p: fnp.mean(loss(F, p, x, y)))(params)
    for k in params:
        np.testing.assert_allclose(np.mean(per_example[k], axis=0), mean_grad[k], rtol=1e-10, atol=1e-12)


# ================================================================== one representative per family

class Case:
    """``fun(L, *args)`` on per-example arguments made by ``make(rng)``; ``diff``: differentiable
    in its float arguments; ``rtol``/``atol`` for its arithmetic."""

    def __init__(self, name, fun, make, diff=True, rtol=RTOL, atol=ATOL):
        self.name, self.fun, self.make, self.diff, self.rtol, self.atol = name, fun, make, diff, rtol, atol


def _n(*shape):
    return lambda rng: rng.standard_normal(shape)


def _ints(hi, *shape):
    return lambda rng: rng.integers(0, hi, shape)


def _args(*makers):
    return lambda rng: tuple(m(rng) for m in makers)


def _well_conditioned(L, a):
    n = a.shape[-1]
    return a @ a.T + n * L.np.eye(n)


def _conv(L, x, w, stride=1, padding=0, groups=1):
    """``x (C, H, W)`` by ``w (O, C/groups, kh, kw)``: one example, torch/XLA's NCHW-OIHW layout."""
    if L is F:
        return fgrad.convolution.conv(x, w, stride=stride, padding=padding, groups=groups)
    pad = [(padding, padding)] * 2
    return lax.conv_general_dilated(x[None], w, (stride, stride), pad, feature_group_count=groups)[0]


def _conv_nn(L, x, w):
    if L is F:
        return fgrad.nn.functional.conv2d(x[None], w, padding=1)[0]
    return lax.conv_general_dilated(x[None], w, (1, 1), [(1, 1), (1, 1)])[0]


def _eigh(L, a):
    w, v = L.np.linalg.eigh(_well_conditioned(L, a))
    return w, L.np.abs(v)  # eigenvectors up to sign


def _svd(L, a):
    u, s, vh = L.np.linalg.svd(a, full_matrices=False)
    return s, L.np.abs(u), L.np.abs(vh)  # singular vectors up to sign


CASES = [
    # elementwise: mixed ranks broadcast against each other
    Case("elementwise", lambda L, x, y: L.np.tanh(x) * y + L.np.exp(-x ** 2) / (1.0 + y ** 2),
         _args(_n(2, 3), _n(3))),
    Case("where_maximum_clip", lambda L, x, y: L.np.where(x > y, x, y ** 2) + L.np.maximum(x, 0.3)
         + L.np.clip(y, -0.5, 0.5) ** 3, _args(_n(2, 3), _n(2, 3))),
    # reductions
    Case("reductions", lambda L, x: (L.np.sum(x, axis=1), L.np.max(x, axis=-1), L.np.mean(x),
                                     L.np.prod(x, axis=(0, 2), keepdims=True), L.np.var(x, axis=0)),
         _args(_n(3, 4, 2))),
    Case("logsumexp_cumsum", lambda L, x: (L.logsumexp(x, axis=0), L.np.cumsum(x, axis=1), L.np.std(x)),
         _args(_n(3, 4))),
    Case("argmax_argmin", lambda L, x: (L.np.argmax(x, axis=0), L.np.argmin(x)), _args(_n(3, 4)), diff=False),
    # shape ops
    Case("reshape_transpose", lambda L, x: (L.np.reshape(L.np.transpose(x, (2, 0, 1)), (-1, 3)), x.T,
                                            L.np.swapaxes(x, 0, 1), L.np.moveaxis(x, 0, -1)),
         _args(_n(3, 2, 4))),
    Case("concatenate_stack", lambda L, x, y: (L.np.concatenate([x, y], axis=1), L.np.stack([x, y], axis=-1),
                                               L.np.concatenate([x.ravel(), y[0]])),
         _args(_n(2, 3), _n(2, 3))),
    Case("expand_squeeze_broadcast", lambda L, x: (L.np.expand_dims(x, 1), L.np.squeeze(x[:, None, :], 1),
                                                   L.np.broadcast_to(x[:, None], (3, 5, 4)),
                                                   L.np.tile(x, (2, 1)), L.np.repeat(x, 2, axis=1)),
         _args(_n(3, 4))),
    Case("pad_flip_roll", lambda L, x: (L.np.pad(x, ((1, 0), (0, 2))), L.np.flip(x, 0), L.np.roll(x, 1, axis=1),
                                        L.np.tril(x), L.np.diagonal(x), L.np.trace(x)),
         _args(_n(3, 3))),
    Case("split", lambda L, x: tuple(L.np.split(x, [1, 3], axis=1)), _args(_n(2, 4))),
    # indexing: static, batched integer indices, .at[] updates
    Case("static_indexing", lambda L, x: (x[1:, ::2], x[None, 0], x[..., -1], x[::-1, 1]), _args(_n(3, 4))),
    Case("integer_index", lambda L, x, i: (x[i], x[:, i], x[i, i]), _args(_n(4, 4), _ints(4, 3))),
    Case("take_along_axis", lambda L, x, i: L.np.take_along_axis(x, i, axis=1), _args(_n(3, 4), _ints(4, 3, 2))),
    Case("at_set", lambda L, x, i, v: L.at(x)[i].set(v), _args(_n(5, 2), lambda rng: rng.permutation(5)[:3],
                                                                 _n(3, 2))),
    Case("at_add_repeats", lambda L, x, i, v: L.at(x)[i].add(v), _args(_n(4), _ints(4, 6), _n(6))),
    # sorting
    Case("sort_argsort", lambda L, x: (L.np.sort(x, axis=0), L.np.sort(x), L.np.argsort(x, axis=-1)),
         _args(_n(3, 4)), diff=False),
    Case("sort_grad", lambda L, x: L.np.sort(x, axis=1) * L.np.arange(4.0), _args(_n(3, 4))),
    # matmul / einsum
    Case("matmul", lambda L, x, w, v: (x @ w, v @ w, x @ v[:3], L.np.matmul(x[None], w)),
         _args(_n(2, 3), _n(3, 4), _n(3))),
    Case("einsum", lambda L, a, b: (L.np.einsum("ij,jk->ik", a, b), L.np.einsum("ij,ij->", a, a),
                                    L.np.einsum("ij,kj->jki", a, b.T), L.np.dot(a[0], b)),
         _args(_n(2, 3), _n(3, 2))),
    # linalg
    Case("solve_inv", lambda L, a, b: (L.np.linalg.solve(_well_conditioned(L, a), b),
                                       L.np.linalg.inv(_well_conditioned(L, a)),
                                       L.np.linalg.solve(_well_conditioned(L, a), b[:, None])),
         _args(_n(3, 3), _n(3)), rtol=LINALG_RTOL, atol=LINALG_ATOL),
    Case("cholesky_det", lambda L, a: (L.np.linalg.cholesky(_well_conditioned(L, a)),
                                       L.np.linalg.det(_well_conditioned(L, a))),
         _args(_n(3, 3)), rtol=LINALG_RTOL, atol=LINALG_ATOL),
    Case("eigh", _eigh, _args(_n(3, 3)), rtol=LINALG_RTOL, atol=LINALG_ATOL),
    Case("svd", _svd, _args(_n(3, 2)), rtol=LINALG_RTOL, atol=LINALG_ATOL),
    # convolution
    Case("conv", lambda L, x, w: _conv(L, x, w, stride=2, padding=1), _args(_n(2, 5, 5), _n(3, 2, 3, 3))),
    Case("conv_groups", lambda L, x, w: _conv(L, x, w, groups=2), _args(_n(4, 4, 4), _n(2, 2, 2, 2))),
    Case("nn_conv2d", _conv_nn, _args(_n(2, 4, 4), _n(3, 2, 3, 3))),
]


ORACLE_SIZE = 3  # JAX computes every example of the largest batch; smaller batches are its first rows


def _scalarized(L, fun):
    def f(*args):
        leaves = [o for o in jax.tree_util.tree_leaves(fun(L, *args)) if np.dtype(o.dtype).kind == "f"]
        return sum(L.np.sum(L.np.sin(o)) for o in leaves)
    return f


def _tangent_fun(L, case, floats):
    """One example's ``jvp`` of ``case.fun`` with each float argument as its own tangent."""
    def tangent(*a):
        def f_float(*fa):
            full = list(a)
            for i, v in zip(floats, fa):
                full[i] = v
            return case.fun(L, *full)
        fa = tuple(a[i] for i in floats)
        return L.jvp(f_float, fa, fa)
    return tangent


def _fgrad_checks(case, floats, in_axes):
    """fgrad's four computations for a drawn layout: vmap, vmap(grad), grad(vmap), vmap(jvp)."""
    mapped = fgrad.vmap(lambda *a: case.fun(F, *a), in_axes=in_axes)
    if not case.diff:
        return mapped, None, None, None
    vgrad = fgrad.vmap(fgrad.grad(_scalarized(F, case.fun), argnums=floats), in_axes=in_axes)
    gvmap = fgrad.grad(lambda *a: _scalarized(F, lambda L_, *b: mapped(*b))(*a), argnums=floats)
    vjvp = fgrad.vmap(_tangent_fun(F, case, floats), in_axes=in_axes)
    return mapped, vgrad, gvmap, vjvp


_ORACLES = {}


def _jax_oracle(case, floats):
    """``jax.jit`` of JAX's vmap, vmap(grad) and vmap(jvp) of the case, every argument mapped along
    axis 0 (an unmapped argument is given as a batch of copies: the same examples). Jitted once per
    case and shape, so the drawn values and layouts cost no new compilation."""
    if case.name not in _ORACLES:
        def oracle(*b):
            out = jax.vmap(lambda *a: case.fun(J, *a))(*b)
            if not case.diff:
                return out, None, None
            g = jax.vmap(jax.grad(_scalarized(J, case.fun), argnums=floats))(*b)
            return out, g, jax.vmap(_tangent_fun(J, case, floats))(*b)
        _ORACLES[case.name] = jax.jit(oracle)
    return _ORACLES[case.name]


def _first(tree, size):
    return jax.tree_util.tree_map(lambda x: np.asarray(x)[:size], tree)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=6)
@given(size=st.integers(1, ORACLE_SIZE), seed=st.integers(0, 2 ** 16), data=st.data())
def test_family_matches_jax(case, size, seed, data):
    """Drawn: batch size, the values, which arguments are mapped and where their batch axis is."""
    rng = _rng(seed)
    base = case.make(rng)
    examples = [case.make(rng) for _ in range(ORACLE_SIZE)]  # fresh values (and indices) per example
    floats = tuple(i for i, a in enumerate(base) if a.dtype.kind == "f")
    mapped = [data.draw(st.booleans(), label=f"arg {i} mapped") for i in range(len(base))]
    if not any(mapped[i] for i in floats):
        mapped[floats[0]] = True
    in_axes, batched, canon = [], [], []
    for i, (a, m) in enumerate(zip(base, mapped)):
        stack = np.stack([ex[i] if m else a for ex in examples])
        canon.append(stack)
        if m:
            ax = data.draw(st.integers(-(a.ndim + 1), a.ndim), label=f"arg {i} axis")
            in_axes.append(ax)
            batched.append(np.moveaxis(stack[:size], 0, ax))
        else:
            in_axes.append(None)
            batched.append(a)
    in_axes = tuple(in_axes)
    out, grads, tangents = _jax_oracle(case, floats)(*canon)
    tol = dict(rtol=case.rtol, atol=case.atol)
    f_vmap, f_vgrad, f_gvmap, f_vjvp = _fgrad_checks(case, floats, in_axes)
    assert_agree(f_vmap(*batched), _first(out, size), **tol)
    if not case.diff:
        return
    grads = _first(grads, size)
    assert_agree(f_vgrad(*batched), grads, **tol)  # per-example gradients
    # the gradient of the batch's total: per-example gradients in the argument's layout, summed
    # over the batch for an unmapped (shared) argument
    want = tuple(np.sum(g, axis=0) if in_axes[i] is None else np.moveaxis(g, 0, in_axes[i])
                 for i, g in zip(floats, grads))
    assert_agree(f_gvmap(*batched), want, **tol)
    assert_agree(f_vjvp(*batched), _first(tangents, size), **tol)


def test_batched_indices_into_a_shared_table():
    """Embedding lookup: an unmapped table indexed by mapped indices, and its gradient."""
    rng = _rng(5)
    table, idx = rng.standard_normal((6, 3)), rng.integers(0, 6, (4, 2))
    agree(lambda L: L.vmap(lambda i, t: L.np.take(t, i, axis=0), in_axes=(0, None)), idx, table)
    agree(lambda L: L.grad(lambda t: L.np.sum(L.np.sin(L.vmap(lambda i: t[i])(idx)))), table)
    # a raw NumPy array indexed by a traced index: NumPy converts the index, which both refuse
    both_raise(lambda L: L.vmap(lambda i, t: t[i], in_axes=(0, None)), idx, table, exc=TypeError)
    agree(lambda L: L.vmap(lambda t, i, v: L.at(t)[i].add(v), in_axes=(None, 0, 0)),
          table, idx, rng.standard_normal((4, 2, 3)))


def test_eigh_and_svd_gradients_under_vmap():
    rng = _rng(6)
    a = rng.standard_normal((3, 4, 4))
    weights = np.arange(1.0, 5.0)

    def build(L):
        def f(a):
            w, _ = L.np.linalg.eigh(_well_conditioned(L, a))
            s = L.np.linalg.svd(a, compute_uv=False)
            return L.np.sum(w * weights) + L.np.sum(s ** 2 * weights)
        return L.vmap(L.grad(f))
    agree(build, a, rtol=LINALG_RTOL, atol=LINALG_ATOL)


def test_conv_with_per_example_weights():
    rng = _rng(7)
    x, w = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((3, 4, 2, 3, 3))
    agree(lambda L: L.vmap(lambda x, w: _conv(L, x, w, padding=1)), x, w)
    agree(lambda L: L.vmap(L.grad(lambda x, w: L.np.sum(L.np.tanh(_conv(L, x, w))), argnums=(0, 1))), x, w)


# ================================================================== random numbers with split keys

def test_random_under_vmap_equals_the_loop_over_keys():
    keys = fr.split(fr.key(0), 8)
    for sample in (lambda k: fr.normal(k, (5,)), lambda k: fr.uniform(k, (2, 3), minval=-1.0, maxval=2.0),
                   lambda k: fr.randint(k, (4,), 0, 10), lambda k: fr.bernoulli(k, 0.3, (6,)),
                   lambda k: fr.split(k, 3), lambda k: fr.fold_in(k, 7)):
        got = fgrad.vmap(sample)(keys)
        want = np.stack([np.asarray(sample(k)) for k in keys])
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    # keys along another axis, and an unmapped key: every example draws the same numbers
    got = fgrad.vmap(lambda k: fr.normal(k, (3,)), in_axes=1)(np.ascontiguousarray(keys.T))
    np.testing.assert_array_equal(got, np.stack([fr.normal(k, (3,)) for k in keys]))
    same = fgrad.vmap(lambda x, k: x + fr.normal(k, ()), in_axes=(0, None))(np.zeros(4), keys[0])
    np.testing.assert_array_equal(same, np.full(4, fr.normal(keys[0], ())))


def test_random_under_vmap_statistics_and_independence():
    keys = fr.split(fr.key(1), 64)
    z = np.asarray(fgrad.vmap(lambda k: fr.normal(k, (2000,)))(keys))
    jz = np.asarray(jax.vmap(lambda k: jax.random.normal(k, (2000,)))(jax.random.split(jax.random.key(1), 64)))
    for sample in (z, jz):  # both libraries: standard normal rows, uncorrelated across keys
        assert abs(sample.mean()) < 4 / np.sqrt(sample.size)
        assert abs(sample.std() - 1.0) < 0.01
        corr = np.corrcoef(sample)[np.triu_indices(64, 1)]
        assert np.max(np.abs(corr)) < 5 / np.sqrt(2000)
    assert len({row.tobytes() for row in z}) == 64


def test_random_noise_inside_a_vmapped_gradient():
    keys = fr.split(fr.key(2), 5)
    x = _rng(8).standard_normal((5, 3))

    def noisy_loss(x, k):
        return fnp.sum((x + fr.normal(k, x.shape)) ** 2)
    got = fgrad.vmap(fgrad.grad(noisy_loss))(x, keys)
    want = np.stack([fgrad.grad(noisy_loss)(xi, k) for xi, k in zip(x, keys)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


# ================================================================== custom rules under vmap

def _custom_vjp_fun(L):
    @L.custom_vjp
    def f(x, y):
        return L.np.sin(x) * y

    def fwd(x, y):
        return f(x, y), (L.np.cos(x), L.np.sin(x), y)

    def bwd(res, g):
        cos_x, sin_x, y = res
        return 2.0 * g * cos_x * y, 3.0 * g * sin_x  # deliberately not the true gradient
    f.defvjp(fwd, bwd)
    return f


def _custom_jvp_fun(L):
    @L.custom_jvp
    def f(x):
        return L.np.log1p(L.np.exp(x))

    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 0.5 * t / (1.0 + L.np.exp(-x))  # deliberately half the true derivative
    f.defjvp(f_jvp)
    return f


def test_custom_vjp_under_vmap():
    rng = _rng(9)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal(3)
    agree(lambda L: L.vmap(_custom_vjp_fun(L), in_axes=(0, None)), x, y)
    agree(lambda L: L.vmap(L.grad(lambda x, y: L.np.sum(_custom_vjp_fun(L)(x, y)), argnums=(0, 1)),
                           in_axes=(0, None)), x, y)
    agree(lambda L: L.grad(lambda x, y: L.np.sum(L.vmap(_custom_vjp_fun(L), in_axes=(0, None))(x, y)),
                           argnums=(0, 1)), x, y)


def test_custom_jvp_under_vmap():
    x = _rng(10).standard_normal((4, 3))
    agree(lambda L: L.vmap(_custom_jvp_fun(L)), x)
    agree(lambda L: L.vmap(L.grad(lambda x: L.np.sum(_custom_jvp_fun(L)(x)))), x)
    agree(lambda L: L.grad(lambda x: L.np.sum(L.vmap(_custom_jvp_fun(L))(x))), x)
    agree(lambda L: L.vmap(lambda x, t: L.jvp(_custom_jvp_fun(L), (x,), (t,))), x, x * 0.5)
    agree(lambda L: lambda x, t: L.jvp(L.vmap(_custom_jvp_fun(L)), (x,), (t,)), x, x * 0.5)


# ================================================================== errors

def test_mismatched_mapped_sizes():
    a, b = np.ones(3), np.ones((2, 4))
    err = both_raise(lambda L: L.vmap(lambda a, b: a + b[0]), a, b)
    msg = str(err)
    assert "inconsistent sizes" in msg and "3" in msg and "2" in msg
    assert "argument 0" in msg and "argument 1" in msg
    # the mapped axis of the second argument is its axis 1: size 4
    msg = str(both_raise(lambda L: L.vmap(lambda a, b: a + b[0], in_axes=(0, 1)), a, b))
    assert "4" in msg and "axis 1" in msg
    # keyword arguments count too, and are named
    msg = str(both_raise(lambda L: L.vmap(lambda a, b: a + b), a, b=np.ones(5)))
    assert "'b'" in msg and "5" in msg
    # inside a pytree
    both_raise(lambda L: L.vmap(lambda d: d["u"] + d["v"]), {"u": np.ones(2), "v": np.ones(3)})
    # axis_size disagreeing with the mapped axes
    msg = str(both_raise(lambda L: L.vmap(lambda a: a, axis_size=4), a))
    assert "4" in msg and "3" in msg


@pytest.mark.parametrize("ax", [1, 2, -2, -3])
def test_in_axes_out_of_range(ax):
    x = np.ones(3) if abs(ax) < 3 else np.ones((3, 2))
    msg = str(both_raise(lambda L: L.vmap(lambda x: x, in_axes=ax), x))
    assert f"axis {ax}" in msg and "rank" in msg
    both_raise(lambda L: L.vmap(lambda x: x, in_axes=ax), 1.0)  # a scalar has no axis to map


def test_out_axes_out_of_range_and_other_misuse():
    x = np.ones((3, 2))
    both_raise(lambda L: L.vmap(lambda x: x, out_axes=2), x)
    both_raise(lambda L: L.vmap(lambda x: x, out_axes=-3), x)
    both_raise(lambda L: L.vmap(lambda x: x, out_axes=None), x)          # mapped output, out_axes None
    both_raise(lambda L: L.vmap(lambda x: x, in_axes=None), x)           # nothing mapped, no axis_size
    both_raise(lambda L: L.vmap(lambda x, y: x, in_axes=(0,)), x, x)     # in_axes tuple of the wrong length
    both_raise(lambda L: L.vmap(lambda d: d["a"], in_axes=({"b": 0},)), {"a": x})  # not a tree prefix
    both_raise(lambda L: L.vmap(lambda x: (x, x), out_axes=(0,)), x)     # out_axes not a prefix
    both_raise(lambda L: L.vmap(lambda x: x, in_axes=1.5), x, exc=TypeError)
    both_raise(lambda L: L.vmap(3), exc=TypeError)


# ================================================================== jacrev / jacfwd / hessian

JACOBIANS = ("jacrev", "jacfwd")


def _pytree_fun(L):
    def f(p, x):
        h = L.np.tanh(x @ p["w"] + p["b"])
        return {"h": h, "s": (L.np.sum(h ** 2), L.np.sin(x[0]) * p["b"][:2])}
    return f


@pytest.fixture(scope="module")
def pytree_args():
    rng = _rng(11)
    return {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}, rng.standard_normal(3)


@pytest.mark.parametrize("jac", JACOBIANS)
def test_jacobian_of_pytree_inputs_and_outputs(jac, pytree_args):
    p, x = pytree_args
    agree(lambda L: getattr(L, jac)(_pytree_fun(L)), p, x)
    agree(lambda L: getattr(L, jac)(_pytree_fun(L), argnums=1), p, x)
    agree(lambda L: getattr(L, jac)(_pytree_fun(L), argnums=(1, 0)), p, x)
    agree(lambda L: getattr(L, jac)(lambda p, x: L.np.sum(x) * p["w"], argnums=(-1,)), p, x)


@pytest.mark.parametrize("jac", JACOBIANS)
def test_jacobian_has_aux(jac, pytree_args):
    p, x = pytree_args

    def build(L):
        def f(p, x):
            y = L.np.sin(x * p["b"][0])
            return y, {"aux": y * 2.0, "n": L.np.sum(x)}
        return getattr(L, jac)(f, argnums=(0, 1), has_aux=True)
    agree(build, p, x)


@pytest.mark.parametrize("jac", JACOBIANS)
def test_jacobian_scalar_and_empty(jac):
    agree(lambda L: getattr(L, jac)(lambda x: L.np.sin(x) * x), 0.7)      # scalar in, scalar out
    agree(lambda L: getattr(L, jac)(lambda x: L.np.sum(x ** 2)), np.arange(3.0))
    agree(lambda L: getattr(L, jac)(lambda x: x * 2.0), np.zeros(0))       # empty in and out
    agree(lambda L: getattr(L, jac)(lambda x: L.np.sum(x) + L.np.ones(2)), np.zeros((0, 3)))  # empty in
    agree(lambda L: getattr(L, jac)(lambda x: x[:0]), np.ones(3))          # empty out
    agree(lambda L: getattr(L, jac)(lambda x, y: (x * y, x[:0]), argnums=(0, 1)), np.ones(2), np.zeros(2))


def test_hessian_against_jax(pytree_args):
    p, x = pytree_args

    def scalar(L):
        return lambda p, x: L.np.sum(L.np.tanh(x @ p["w"] + p["b"]) ** 2) + L.np.prod(L.np.sin(x))
    agree(lambda L: L.hessian(scalar(L)), p, x)
    agree(lambda L: L.hessian(scalar(L), argnums=1), p, x)
    agree(lambda L: L.hessian(scalar(L), argnums=(0, 1)), p, x)
    agree(lambda L: L.hessian(lambda p, x: (scalar(L)(p, x), L.np.sum(x)), argnums=1, has_aux=True), p, x)
    agree(lambda L: L.hessian(lambda x: L.np.sum(x) ** 2), np.zeros(0))
    agree(lambda L: L.hessian(lambda x: L.np.sin(x) * x ** 3), 0.3)
    # a vector-valued function: the Hessian of each output
    agree(lambda L: L.hessian(lambda x: L.np.sin(x) * L.np.sum(x ** 2)), x)


def test_jacobians_of_mixed_dtypes():
    a, b = np.linspace(0.5, 1.5, 2), np.linspace(-1.0, 1.0, 3).astype(np.float32)
    for jac in JACOBIANS:  # each basis leaf in its own leaf's dtype: float32 stays float32
        agree(lambda L: getattr(L, jac)(lambda a, b: (L.np.sum(a) * b, a * L.np.sum(b)), argnums=(0, 1)), a, b,
              rtol=1e-6, atol=1e-7)


def test_jacobians_of_integer_inputs_and_outputs_raise_like_jax():
    both_raise(lambda L: L.jacfwd(lambda x: x * 2.0), np.arange(3), exc=TypeError)
    both_raise(lambda L: L.jacrev(lambda x: x * 2.0), np.arange(3), exc=TypeError)
    both_raise(lambda L: L.jacrev(lambda x: L.np.argmax(x)), np.ones(3), exc=TypeError)
    both_raise(lambda L: L.vmap(L.grad(lambda x: x * 2.0)), np.arange(3), exc=TypeError)


def test_data_dependent_shapes_are_refused_by_both():
    """Both refuse, with JAX's exception types: ConcretizationTypeError (a TypeError) for nonzero and
    unique, NonConcreteBooleanIndexError (an IndexError) for a batched boolean mask."""
    x = np.array([[1.0, -1.0], [2.0, 3.0]])
    for fun, base in ((lambda L: lambda a: L.np.nonzero(a), TypeError), (lambda L: lambda a: L.np.unique(a), TypeError),
                      (lambda L: lambda a: a[a > 0], IndexError)):
        with pytest.raises(base):
            jax.vmap(fun(J))(x)
        with pytest.raises(base, match="batch"):
            fgrad.vmap(fun(F))(x)
