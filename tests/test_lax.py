"""``fgrad.lax`` (scan, fori_loop, while_loop, cond, switch, map) against ``jax.lax``, the contract.

Each case builds the same computation from one description, ``build(L)`` with ``L`` either
library's namespace, runs both on identical float64 NumPy inputs and compares values, shapes,
dtypes and pytree structure -- under every transform and nesting (grad, jvp, vmap, jit, hessian and
their compositions) -- or, for the error cases, the exception type.

JAX runs with x64 enabled (its own switch: it affects no other test module), under ``jax.jit``.
"""
import functools
from types import SimpleNamespace

import numpy as np
import pytest

import fgrad
import fgrad.lax  # noqa: F401  (until fgrad/__init__.py imports it)
import fgrad.numpy as fnp
from fgrad.lax._scan import scan_p
from fgrad.tree_util import tree_flatten

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from jax_support import assert_agree  # noqa: E402

F = SimpleNamespace(name="fgrad", lax=fgrad.lax, np=fnp, grad=fgrad.grad, jvp=fgrad.jvp, vmap=fgrad.vmap,
                    jit=fgrad.jit, hessian=fgrad.hessian, jacfwd=fgrad.jacfwd, vjp=fgrad.vjp)
J = SimpleNamespace(name="jax", lax=jax.lax, np=jnp, grad=jax.grad, jvp=jax.jvp, vmap=jax.vmap, jit=jax.jit,
                    hessian=jax.hessian, jacfwd=jax.jacfwd, vjp=jax.vjp)

RTOL, ATOL = 1e-10, 1e-12  # float64 through a few dozen operations per step


def agree(build, *args):
    """``build(F)`` and ``jax.jit(build(J))`` on the same arguments agree; returns fgrad's result."""
    got = build(F)(*args)
    assert_agree(got, jax.jit(build(J))(*args))
    return got


def both_raise(build, *args, exc):
    with pytest.raises(exc):
        build(J)(*args)
    with pytest.raises(exc) as err:
        build(F)(*args)
    return err.value


_rng = np.random.default_rng(0)
W, H, XS = _rng.standard_normal(3) * 0.5, _rng.standard_normal(3) * 0.5, _rng.standard_normal((5, 3)) * 0.5
TANGENTS = (_rng.standard_normal(3), _rng.standard_normal(3), _rng.standard_normal((5, 3)))
HB = np.stack([H, -0.5 * H])           # a batch of two h along axis 0
XSB = np.stack([XS, 0.7 * XS], axis=1)  # a batch of two xs along axis 1


# ------------------------------------------------------------------ the computations: f(w, h, xs) -> scalar

def scan_rnn(L):
    """Pytree carry and ys (a None leaf among them), a closure over ``w``."""
    def f(w, h, xs):
        def step(c, x):
            h = L.np.tanh(w * c["h"] + x["u"] * c["s"])
            return {"h": h, "s": c["s"] + L.np.sum(h) * 0.1}, (h * w, None, {"v": L.np.sum(h ** 2)})
        c, (ys, none, d) = L.lax.scan(step, {"h": h, "s": 0.5}, {"u": xs})
        return L.np.sum(c["h"]) + c["s"] + L.np.sum(ys ** 2) + L.np.sum(d["v"])
    return f


def scan_reverse_no_xs(L):
    """``reverse=True``, ``xs=None`` with ``length``, ys None; then a reversed scan over ``xs``."""
    def f(w, h, xs):
        c, none = L.lax.scan(lambda c, _: (L.np.sin(c * w) + h, None), h, None, length=4, reverse=True)
        c, ys = L.lax.scan(lambda c, x: (c * x + w, L.np.cos(c)), c, xs, reverse=True)
        return L.np.sum(c) + L.np.sum(ys * xs)
    return f


def scan_nested(L):
    """A scan whose body runs a scan closing over the outer body's values."""
    def f(w, h, xs):
        def outer(c, x):
            inner, ys = L.lax.scan(lambda a, y: (a * L.np.tanh(y + c), a * w), L.np.ones(3), x)
            return c * 0.9 + inner * w, L.np.sum(ys)
        c, ys = L.lax.scan(outer, h, xs)
        return L.np.sum(c) + L.np.sum(ys)
    return f


def fori_static(L):
    """Bounds known when called: a scan (reverse-mode differentiable)."""
    def f(w, h, xs):
        return L.np.sum(L.lax.fori_loop(1, 4, lambda i, c: L.np.sin(c * w) + L.np.take(xs, i, axis=0) * i, h))
    return f


def cond_closures(L):
    """The predicate from the data (batched under vmap); each branch closes over a different value."""
    def f(w, h, xs):
        pred = L.np.sum(h) > 0
        out = L.lax.cond(pred, lambda x: L.np.sin(x * w), lambda x: x ** 2 + h, xs)
        return L.np.sum(out)
    return f


def switch_clamped(L):
    """An index from the data, often out of range (clamped); three branches."""
    def f(w, h, xs):
        index = (L.np.sum(h) * 4).astype(L.np.int32)
        branches = [lambda x: L.np.sin(x * w), lambda x: x ** 2 + h, lambda x: L.np.tanh(x) * w * h]
        return L.np.sum(L.lax.switch(index, branches, xs))
    return f


def map_batched(L):
    """``map`` with a batch size that does not divide the length (a remainder)."""
    def f(w, h, xs):
        ys = L.lax.map(lambda x: L.np.tanh(x * w + h), xs, batch_size=2)
        return L.np.sum(ys ** 2) + L.np.sum(L.lax.map(lambda x: L.np.sum(x * w), xs))
    return f


def while_data(L):
    """A predicate reading the carry (batched under vmap: the loop runs until every example is done)."""
    def f(w, h, xs):
        def body(c):
            i, v = c
            return i + 1, L.np.sin(v * w) + L.np.take(xs, i, axis=0)
        _, v = L.lax.while_loop(lambda c: (L.np.sum(c[1] ** 2) < 3.0) & (c[0] < 5), body, (0, h))
        return L.np.sum(v)
    return f


def fori_traced(L):
    """Traced bounds (under jit): a while loop."""
    def f(w, h, xs):
        loop = L.jit(lambda n, w, h: L.lax.fori_loop(0, n, lambda i, c: L.np.sin(c * w) + L.np.take(xs, i, axis=0), h))
        return L.np.sum(loop(4, w, h))
    return f


def _vmapped(L, fun):
    return L.vmap(fun, in_axes=(None, 0, 1))


TRANSFORMS = {
    "value": lambda L, f: f,
    "jit": lambda L, f: L.jit(f),
    "jvp": lambda L, f: lambda *a: L.jvp(f, a, TANGENTS),
    "vmap": lambda L, f: lambda w, h, xs: _vmapped(L, f)(w, HB, XSB),
    "jit_vmap": lambda L, f: L.jit(lambda w, h, xs: _vmapped(L, f)(w, HB, XSB)),
    "jacfwd": lambda L, f: L.jacfwd(f, (0, 1)),
    "grad": lambda L, f: L.grad(f, (0, 1, 2)),
    "jit_grad": lambda L, f: L.jit(L.grad(f, (0, 1, 2))),
    "grad_jit": lambda L, f: L.grad(L.jit(f), (0, 1, 2)),
    "vmap_grad": lambda L, f: lambda w, h, xs: _vmapped(L, L.grad(f, (0, 1)))(w, HB, XSB),
    "grad_vmap": lambda L, f: L.grad(lambda w, h, xs: L.np.sum(_vmapped(L, f)(w, HB, XSB))),
    "hessian": lambda L, f: L.hessian(f, 1),
    "grad_of_grad": lambda L, f: L.grad(lambda w, h, xs: L.np.sum(L.grad(f, 0)(w, h, xs) ** 2), (0, 2)),
    "jvp_of_grad": lambda L, f: lambda *a: L.jvp(L.grad(f, 0), a, TANGENTS),
}

# Which transforms each computation runs under (all of them for the recurrence; JAX's compile time
# keeps the rest to a covering selection: every construct under grad, jvp, vmap and jit).
CASES = {
    scan_rnn: [t for t in TRANSFORMS if t not in ("jit_vmap", "jacfwd")],
    scan_reverse_no_xs: ["value", "grad", "jvp", "vmap", "jit_grad", "grad_of_grad"],
    scan_nested: ["value", "grad", "jacfwd", "vmap_grad", "hessian", "grad_jit"],
    fori_static: ["value", "grad", "jvp", "vmap", "jit"],
    cond_closures: ["value", "grad", "jvp", "vmap", "vmap_grad", "hessian", "jit_grad"],
    switch_clamped: ["value", "grad", "jvp", "vmap", "grad_vmap", "jit"],
    map_batched: ["value", "grad", "jvp", "vmap", "jit_grad"],
    while_data: ["value", "jvp", "vmap", "jit_vmap", "jacfwd"],
    fori_traced: ["value", "jvp", "vmap", "jit"],
}
FORWARD_ONLY = [while_data, fori_traced]


@functools.lru_cache(maxsize=None)
def _jax_results(case):
    """JAX's results for every transform of ``case``, compiled as one program (one compilation)."""
    fun = jax.jit(lambda *a: {name: TRANSFORMS[name](J, case(J))(*a) for name in CASES[case]})
    return fun(W, H, XS)


@pytest.mark.parametrize("case,transform", [(c, t) for c, ts in CASES.items() for t in ts],
                         ids=[f"{c.__name__}-{t}" for c, ts in CASES.items() for t in ts])
def test_control_flow_under_transforms(case, transform):
    got = TRANSFORMS[transform](F, case(F))(W, H, XS)
    assert_agree(got, _jax_results(case)[transform])


@pytest.mark.parametrize("case", FORWARD_ONLY, ids=lambda c: c.__name__)
def test_reverse_mode_through_while_loop_raises_jax_error(case):
    err = both_raise(lambda L: L.grad(case(L)), W, H, XS, exc=ValueError)
    assert str(err) == ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
                        "dynamic start/stop values. Try using lax.scan, or using fori_loop with static start/stop.")


def test_vjp_of_scan_with_cotangents_for_carry_and_ys():
    def build(L):
        def f(w, xs):
            return L.lax.scan(lambda c, x: ((c[0] * w + x, c[1] + L.np.sum(x * x)), L.np.sin(c[0]) * w), (w, 0.0), xs)
        cts = ((TANGENTS[0], 0.5), TANGENTS[2])
        return lambda w, xs: L.vjp(f, w, xs)[1](cts)
    agree(build, W, XS)


def test_while_loop_whose_traced_operand_only_steers_the_predicate_differentiates_to_zero():
    def build(L):
        return L.grad(lambda w: L.lax.while_loop(lambda c: c[0] < 3.0 * w, lambda c: (c[0] + 1, c[1] * 2.0),
                                                 (0, 1.0))[1])
    agree(build, 1.5)


# ------------------------------------------------------------------ values and corner cases

def test_scan_returns_pytrees_and_stacks_ys():
    def build(L):
        def f(xs):
            return L.lax.scan(lambda c, x: ((c[0] + x, c[1] * 2), {"y": c[0] * x, "n": None}), (0.0, 1), xs)
        return f
    agree(build, np.arange(4.0))


def test_scan_zero_length_and_xs_none():
    agree(lambda L: lambda xs: L.lax.scan(lambda c, x: (c + x, c * x), 1.0, xs), np.zeros(0))
    agree(lambda L: lambda c: L.lax.scan(lambda c, _: (c * 2.0, c), c, length=3), np.ones(2))
    agree(lambda L: lambda c: L.lax.scan(lambda c, _: (c * 2.0, None), c, length=0), np.ones(2))


def test_scan_unroll_gives_the_same_result():
    agree(lambda L: lambda xs: L.lax.scan(lambda c, x: (c * x + 1.0, c), 0.5, xs, unroll=2), np.arange(5.0))


def test_weakly_typed_init_takes_the_body_dtype():
    agree(lambda L: lambda xs: L.lax.scan(lambda c, x: (c + x, c), 0, xs), np.arange(3.0))
    agree(lambda L: lambda x: L.lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0 + x, 1), 0.5)


def test_switch_clamps_its_index():
    def build(L):
        return lambda i, x: L.lax.switch(i, [lambda x: x + 1.0, lambda x: x * 2.0, lambda x: -x], x)
    indices = (-3, 0, 1, 2, 9)
    agree(lambda L: lambda x: [build(L)(i, x) for i in indices], np.arange(3.0))
    agree(lambda L: L.vmap(build(L), in_axes=(0, None)), np.array(indices), np.arange(3.0))
    agree(lambda L: lambda x: L.lax.switch(3, [lambda x: x * 3.0], x), 2.0)  # one branch: no index needed


def test_cond_with_operand_keyword_and_no_operands():
    agree(lambda L: lambda x: L.lax.cond(x > 1, lambda a: a * 2, lambda a: a - 1, operand=x), 1.5)
    agree(lambda L: lambda p: L.lax.cond(p, lambda: 1.0, lambda: 2.0), True)


def test_fori_loop_bounds_and_counter_dtype():
    agree(lambda L: lambda x: L.lax.fori_loop(0, 5, lambda i, c: (c[0] + i, c[1] * x), (0, 1.0)), 1.1)
    agree(lambda L: lambda x: L.lax.fori_loop(4, 2, lambda i, c: c * x, 3.0), 2.0)  # empty range
    agree(lambda L: lambda lo, hi, x: L.lax.fori_loop(lo, hi, lambda i, c: c + i * x, 0.0), 2, 6, 0.5)


def test_while_loop_with_unbatched_predicate_under_vmap():
    def build(L):
        return L.vmap(lambda x: L.lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * x), (0, x)))
    agree(build, np.array([0.5, 2.0, -1.0]))


def test_map_without_batch_size_and_batch_larger_than_length():
    agree(lambda L: lambda xs: L.lax.map(lambda x: {"a": x * 2, "b": L.np.sum(x)}, xs), XS)
    agree(lambda L: lambda xs: L.lax.map(lambda x: x * 2, xs, batch_size=8), XS)


def test_closure_over_a_batched_value_in_every_construct():
    def build(L):
        def f(w):
            c, _ = L.lax.scan(lambda c, x: (c * w + x, None), 0.0, XS[:, 0])
            c = L.lax.cond(True, lambda a: a * w, lambda a: a, c)
            return L.lax.fori_loop(0, 3, lambda i, a: a + w, c)
        return L.vmap(f)
    agree(build, np.array([0.1, 0.5, -0.3]))


# ------------------------------------------------------------------ staging: one equation, one reverse scan

def test_make_jaxpr_records_one_equation_with_its_programs():
    def f(w, xs):
        c, ys = fgrad.lax.scan(lambda c, x: (fnp.tanh(c * w + x), c), fnp.zeros(3), xs)
        return fgrad.lax.cond(fnp.sum(c) > 0, lambda a: a, lambda a: -a, c), ys
    program = fgrad.make_jaxpr(f)(W, XS)
    names = [e.prim.name for e in program.equations]
    assert names.count("scan") == 1 and names.count("cond") == 1
    text = str(program)
    assert "scan[" in text and "body={ lambda" in text and "branches=({ lambda" in text and "tanh" in text


def test_scan_backward_is_one_reverse_scan_storing_no_copy_of_the_weights():
    wm = _rng.standard_normal((3, 3))

    def loss(wm, xs):
        c, _ = fgrad.lax.scan(lambda c, x: (fnp.tanh(c @ wm + x), None), fnp.zeros(3), xs)
        return fnp.sum(c)

    program = fgrad.make_jaxpr(fgrad.grad(loss))(wm, XS)
    scans = [e for e in program.equations if e.prim.name == "scan"]
    assert [e.params["reverse"] for e in scans] == [False, True]
    stacked = [o.shape for e in scans for o in e.outputs]
    assert (5, 3, 3) not in stacked  # the weight is read from the operands, not stacked per step
    got = fgrad.jit(fgrad.grad(loss))(wm, XS)
    want = jax.grad(lambda wm, xs: jnp.sum(jax.lax.scan(lambda c, x: (jnp.tanh(c @ wm + x), None),
                                                        jnp.zeros(3), xs)[0]))(wm, XS)
    assert_agree(got, want)


def _weight_loss(L, right):
    """A batched recurrence ``h W`` (``right``) or ``W h`` whose weight cotangent sums one product per step."""
    def loss(wm, h0, xs):
        step = (lambda c, x: (L.np.tanh(c @ wm + x), c)) if right else (lambda c, x: (L.np.tanh(wm @ c + x), c))
        c, ys = L.lax.scan(step, h0, xs)
        return L.np.sum(c * c) + L.np.sum(L.np.sin(ys))
    return loss


@pytest.mark.parametrize("right", [True, False], ids=["h_at_w", "w_at_h"])
def test_scan_weight_cotangent_is_one_matmul_after_the_loop(right):
    wm, h0 = _rng.standard_normal((3, 3)) * 0.5, _rng.standard_normal((2, 3) if right else (3, 2))
    xs = _rng.standard_normal((5,) + h0.shape)
    program = fgrad.make_jaxpr(fgrad.grad(_weight_loss(F, right), argnums=(0, 1, 2)))(wm, h0, xs)
    names = [e.prim.name for e in program.equations]
    back = program.equations[[k for k, n in enumerate(names) if n == "scan"][1]]
    assert back.params["reverse"] and (3, 3) not in [o.shape for o in back.outputs]  # nothing summed per step
    assert any(e.prim.name == "matmul" and e.outputs[0].shape == (3, 3) for e in program.equations[names.index(
        "scan", names.index("scan") + 1):])
    for grad in (F.grad, lambda f, **kw: fgrad.jit(fgrad.grad(f, **kw))):
        assert_agree(grad(_weight_loss(F, right), argnums=(0, 1, 2))(wm, h0, xs),
                     jax.grad(_weight_loss(J, right), argnums=(0, 1, 2))(wm, h0, xs))


def test_equal_bodies_staged_again_reuse_one_reverse_mode_split():
    from fgrad.lax import _scan
    k2, k3 = np.full(3, 2.0), np.full(3, 3.0)

    def loss(L, k):
        return lambda w: L.np.sum(L.lax.scan(lambda c, x: (L.np.tanh(c * w + x * k), c), L.np.zeros(3), XS)[0])
    grad_f = fgrad.grad(loss(F, k2))
    assert_agree(grad_f(W), jax.grad(loss(J, k2))(W))
    n = len(_scan._PLANS)
    assert_agree(grad_f(W), jax.grad(loss(J, k2))(W))  # staged again: the same split
    assert len(_scan._PLANS) == n
    assert_agree(fgrad.grad(loss(F, k3))(W), jax.grad(loss(J, k3))(W))  # another constant: another split
    assert len(_scan._PLANS) == n + 1


def test_scan_stacks_large_ys_in_separate_arrays():
    xs = _rng.standard_normal((64, 128, 40))  # the ys add up to over 4 MiB: one allocation, disjoint views

    def build(L):
        return lambda xs: L.lax.scan(lambda c, x: (c + x, (x * 2.0, c)), L.np.zeros((128, 40)), xs)
    got = agree(build, xs)
    (_, (a, b)), want = got, jax.jit(build(J))(xs)
    a[...] = 0.0
    assert_agree(b, want[1][1])


def test_scan_backward_with_only_the_traced_operands_differentiated(monkeypatch):
    """With ``wrt`` (the operands reverse mode traced: here the closed-over weight, the scan's
    first operand) no cotangent is computed for ``xs``, yet the carry's still flows back."""
    forward = scan_p.vjp_fwd
    monkeypatch.setattr(scan_p, "vjp_fwd",
                        lambda *args, wrt=None, **params: forward(*args, wrt=frozenset({0}), **params))
    agree(lambda L: L.grad(lambda w: scan_rnn(L)(w, H, XS)), W)


def test_jit_stages_the_body_once_per_signature():
    counts = {"fgrad": 0, "jax": 0}

    def build(L):
        def f(xs):
            def step(c, x):
                counts[L.name] += 1
                return c + x, None
            return L.lax.scan(step, 0.0, xs)[0]
        return L.jit(f)
    f_fg, f_jax = build(F), build(J)
    for xs in (np.arange(3.0), np.arange(3.0) + 1, np.arange(4.0)):
        assert_agree(f_fg(xs), f_jax(xs))
    assert counts["fgrad"] == counts["jax"]


# ------------------------------------------------------------------ errors: JAX's exception types

def _scan(f, init, xs=None, **kw):
    return lambda L: lambda: L.lax.scan(f(L), init, xs, **kw)


ERRORS = {
    "carry shape changes": (_scan(lambda L: lambda c, x: (L.np.concatenate([c, c]), None), np.ones(2), XS), TypeError),
    "carry dtype changes": (_scan(lambda L: lambda c, x: (c.astype(L.np.int32), None), np.ones(2), XS), TypeError),
    "carry structure changes": (_scan(lambda L: lambda c, x: ((c, c), None), np.ones(2), XS), TypeError),
    "body is not callable": (lambda L: lambda: L.lax.scan(3, 0.0, XS), TypeError),
    "xs lengths differ": (_scan(lambda L: lambda c, x: (c, None), 0.0, (XS, np.ones(2))), ValueError),
    "no xs and no length": (_scan(lambda L: lambda c, x: (c, None), 0.0), ValueError),
    "length disagrees with xs": (_scan(lambda L: lambda c, x: (c, None), 0.0, XS, length=3), ValueError),
    "while body changes the carry": (lambda L: lambda: L.lax.while_loop(lambda c: c[0] < 3,
                                                                        lambda c: L.np.stack([c, c]), np.ones(2)),
                                     TypeError),
    "while predicate not boolean": (lambda L: lambda: L.lax.while_loop(lambda c: c, lambda c: c - 1.0, 3.0),
                                    TypeError),
    "while not callable": (lambda L: lambda: L.lax.while_loop(None, lambda c: c, 1.0), TypeError),
    "fori body not callable": (lambda L: lambda: L.lax.fori_loop(0, 3, "body", 1.0), TypeError),
    "branch outputs differ": (lambda L: lambda: L.lax.cond(True, lambda: 1.0, lambda: L.np.ones(2)), TypeError),
    "branch dtypes differ": (lambda L: lambda: L.lax.switch(0, [lambda: 1.0, lambda: L.np.int32(1)]), TypeError),
    "cond pred not scalar": (lambda L: lambda: L.lax.cond(np.ones(2) > 0, lambda: 1.0, lambda: 2.0), TypeError),
    "cond branch not callable": (lambda L: lambda: L.lax.cond(True, 1.0, lambda: 2.0), TypeError),
    "switch float index": (lambda L: lambda: L.lax.switch(1.0, [lambda: 1.0, lambda: 2.0]), TypeError),
    "switch no branches": (lambda L: lambda: L.lax.switch(0, []), ValueError),
    "python if on a traced carry": (_scan(lambda L: lambda c, x: (c if c > 0 else -c, None), 1.0, XS), TypeError),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_jax_exception_types(name):
    build, exc = ERRORS[name]
    both_raise(build, exc=exc)


def test_messages_name_the_types_and_sizes():
    err = both_raise(ERRORS["carry shape changes"][0], exc=TypeError)
    assert "f64[2]" in str(err) and "f64[4]" in str(err)
    err = both_raise(ERRORS["xs lengths differ"][0], exc=ValueError)
    assert "5, 2" in str(err)
