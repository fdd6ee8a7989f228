"""``fgrad.jit`` and ``fgrad.make_jaxpr`` against JAX (x64), the contract, on the same NumPy inputs.

Each test builds one computation from a description ``build(L)`` (``L.jit``, ``L.grad``, ``L.np``,
...), runs fgrad's and JAX's on identical float64/float32 inputs and compares values, shapes, dtypes
and pytree structure; the caching tests count traces with a Python side effect in both libraries;
the error cases compare exception types by JAX's names (``fgrad.errors`` mirrors ``jax.errors``).

Covered: the cache (one trace per signature; retracing on a new shape, dtype, pytree structure or
static value; Python scalars weakly typed), static_argnums/static_argnames (each inferred from the
other), donation, keyword arguments, pytrees, nesting with grad/vjp/jvp/vmap/hessian in both
orders, closures over outer tracers, custom_vjp/custom_jvp under jit and jit under them, Python
control flow and NumPy conversion of traced values, make_jaxpr's text and avals, random keys.
"""
import builtins
import functools
import re
from types import SimpleNamespace

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
import fgrad.random as fr
from fgrad import errors
from fgrad.tree_util import tree_flatten

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from jax_support import assert_agree  # noqa: E402

F = SimpleNamespace(jit=fgrad.jit, grad=fgrad.grad, vjp=fgrad.vjp, jvp=fgrad.jvp, vmap=fgrad.vmap,
                    hessian=fgrad.hessian, value_and_grad=fgrad.value_and_grad, custom_vjp=fgrad.custom_vjp,
                    custom_jvp=fgrad.custom_jvp, make_jaxpr=fgrad.make_jaxpr, np=fnp, errors=errors,
                    ShapeDtypeStruct=fgrad.ShapeDtypeStruct)
J = SimpleNamespace(jit=jax.jit, grad=jax.grad, vjp=jax.vjp, jvp=jax.jvp, vmap=jax.vmap, hessian=jax.hessian,
                    value_and_grad=jax.value_and_grad, custom_vjp=jax.custom_vjp, custom_jvp=jax.custom_jvp,
                    make_jaxpr=jax.make_jaxpr, np=jnp, errors=jax.errors, ShapeDtypeStruct=jax.ShapeDtypeStruct)

RTOL, ATOL = 1e-10, 1e-12  # float64, a few dozen operations, two libraries' kernels


def agree(build, *args, rtol=RTOL, atol=ATOL, **kwargs):
    """``build(F)`` and ``build(J)`` on the same arguments agree; returns fgrad's result."""
    got = build(F)(*args, **kwargs)
    assert_agree(got, build(J)(*args, **kwargs), rtol, atol)
    return got


def both_raise(build, *args, exc_name, **kwargs):
    """Both raise the exception JAX calls ``exc_name``; fgrad's is ``fgrad.errors``' class of that name
    when it has one (else the builtin). Returns fgrad's exception."""
    want = getattr(jax.errors, exc_name, None) or getattr(builtins, exc_name)
    ours = getattr(errors, exc_name, want)
    with pytest.raises(want):
        build(J)(*args, **kwargs)
    with pytest.raises(ours) as info:
        build(F)(*args, **kwargs)
    return info.value


def _rng(seed=0):
    return np.random.default_rng(seed)


# ================================================================== values against JAX

def _mlp(L):
    def loss(params, x, y):
        h = L.np.tanh(x @ params["w1"] + params["b1"])
        out = h @ params["w2"]
        return L.np.mean((out - y) ** 2) + 1e-3 * sum(L.np.sum(p ** 2) for p in params.values())
    return loss


def _params(dtype=np.float64):
    rng = _rng(1)
    return {"w1": rng.standard_normal((4, 8)).astype(dtype), "b1": rng.standard_normal(8).astype(dtype),
            "w2": rng.standard_normal((8, 3)).astype(dtype)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_dtypes_and_shapes(dtype):
    rng = _rng()
    x, y = rng.standard_normal((5, 4)).astype(dtype), rng.standard_normal((5, 3)).astype(dtype)
    agree(lambda L: L.jit(_mlp(L)), _params(dtype), x, y)
    agree(lambda L: L.jit(lambda x: (L.np.sum(x, axis=0), x[1:, ::2], L.np.where(x > 0, x, 0.0 * x),
                                     L.np.max(x), L.np.argmax(x, axis=1), x.T @ x, x.astype(L.np.float32))), x)
    agree(lambda L: L.jit(lambda x, i: x[i] * 2), x, np.array([3, 0, 0]))


def test_pytrees_in_and_out():
    rng = _rng()
    a, b = rng.standard_normal(3), rng.standard_normal((2, 3))

    def build(L):
        return L.jit(lambda d, t: {"sum": d["a"] + t[0], "pair": (d["b"] * 2, [t[1], None]), "none": None})
    agree(build, {"a": a, "b": b}, (a, b))


def test_python_scalars_are_weakly_typed():
    x32 = np.ones(3, np.float32)
    agree(lambda L: L.jit(lambda x, s: x * s), x32, 2.5)               # float32 stays float32
    agree(lambda L: L.jit(lambda x, s: x + s), np.arange(3, dtype=np.int32), 2)  # int32 stays int32
    agree(lambda L: L.jit(lambda s: s * 2.5), 2)                         # an int becomes float64
    agree(lambda L: L.jit(lambda s, t: s * t), 3.0, 2.0)


def test_keyword_arguments():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)
    agree(lambda L: L.jit(lambda x, *, y, scale=2.0: x * y * scale), x, y=y)
    agree(lambda L: L.jit(lambda x, y=None: x if y is None else x - y), x)
    agree(lambda L: L.jit(lambda x, y=None: x if y is None else x - y), x, y=y)


@pytest.mark.filterwarnings("ignore:Some donated buffers were not usable")  # JAX on a CPU
def test_donated_arguments_give_the_same_results_and_are_recorded():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)
    for kw in [dict(donate_argnums=0), dict(donate_argnames="y"), dict(donate_argnums=(0, 1))]:
        f, j = [L.jit(lambda x, y, L=L: L.np.sin(x) * y + 1, **kw) for L in (F, J)]
        for a, b in [(x, y), (x, y), (y, x), (x, x)]:  # replays; the last passes one buffer twice
            want = j(a.copy(), b.copy())
            a2 = a.copy()
            assert_agree(f(a2, a2 if b is a else b.copy()), want)  # a donated buffer is not read again
    # the program records the donated inputs' leaves, for the replay to write into, as JAX counts them
    fun = lambda x, p, s: (x.sum() * p["a"], p["b"] * s)  # noqa: E731
    args = (np.ones(2), {"a": np.ones(3), "b": np.ones(3)}, 2.0)
    for kw, call_kw in [(dict(donate_argnums=1), {}), (dict(donate_argnames="s"), {"s": 2.0})]:
        call_args = args if not call_kw else args[:2]
        ours, theirs = [L.jit(fun, **kw).trace(*call_args, **call_kw) for L in (F, J)]
        assert ours.donate_argnums == ours.jaxpr.donated == theirs.donate_argnums
        assert ours.out_info == tuple(F.ShapeDtypeStruct(o.shape, o.dtype) for o in theirs.out_info)
    assert fgrad.make_jaxpr(fun)(*args).donated == ()


# ================================================================== the cache

def _counted(L, fun, **jit_kw):
    """``L.jit(fun)`` and a list that grows by one each time ``fun`` is traced."""
    traces = []

    @functools.wraps(fun)  # the signature stays visible: static_argnums/argnames are inferred from it
    def traced(*args, **kwargs):
        traces.append(1)  # a Python side effect: runs while staging only
        return fun(*args, **kwargs)
    return L.jit(traced, **jit_kw), traces


def _same_trace_counts(fun, calls, **jit_kw):
    """Run the same sequence of calls through both; after each, fgrad has traced as often as JAX."""
    f, ft = _counted(F, fun(F), **jit_kw)
    j, jt = _counted(J, fun(J), **jit_kw)
    counts = []
    for args, kwargs in calls:
        assert_agree(f(*args, **kwargs), j(*args, **kwargs))
        assert len(ft) == len(jt), f"after call {len(counts)}: fgrad traced {len(ft)} times, JAX {len(jt)}"
        counts.append(len(ft))
    return counts


def test_one_trace_per_signature_and_retrace_on_shape_dtype_structure():
    x = _rng().standard_normal(3)
    calls = [((x,), {}), ((x + 1,), {}),                        # same signature: one trace
             ((np.ones(4),), {}),                               # new shape
             ((x.astype(np.float32),), {}),                     # new dtype
             ((x + 2,), {}), ((x.astype(np.float32) * 2,), {}),  # both seen: no new trace
             ((2.0,), {}), ((3.0,), {}),                        # a weak float: one trace for every value
             ((2,), {}),                                        # a weak int
             ((np.float64(2.0),), {})]                          # a NumPy scalar is a 0-d array
    counts = _same_trace_counts(lambda L: lambda x: L.np.sin(x) * 2, calls)
    assert counts[:4] == [1, 1, 2, 3]
    counts = _same_trace_counts(lambda L: lambda t: t[0] * t[1],
                                [(((x, x),), {}), (([x, x],), {}), (((x, x),), {}), (((x, (x,)[0]),), {})])
    assert counts == [1, 2, 2, 2]
    d = {"a": x, "b": x}
    _same_trace_counts(lambda L: lambda d: d["a"] - d.get("c", d["b"]),
                       [((d,), {}), ((dict(d, c=x),), {}), (({"b": x, "a": x},), {})])


def test_static_arguments_retrace_per_value_and_type():
    x = _rng().standard_normal(3)
    calls = [((x, 2), {}), ((x, 2), {}), ((x, 3), {}), ((x + 1, 3), {}), ((x, 2.0), {}), ((x, True), {})]
    counts = _same_trace_counts(lambda L: lambda x, n: x ** n if n else x, calls, static_argnums=1)
    assert counts == [1, 1, 2, 2, 3, 4]


@pytest.mark.parametrize("jit_kw", [dict(static_argnums=1), dict(static_argnames="n"),
                                    dict(static_argnums=(1,), static_argnames=("n",))])
def test_static_argnums_and_argnames_infer_each_other(jit_kw):
    x = _rng().standard_normal(3)

    def fun(L):
        return lambda x, n: L.np.sum(x[:n]) if n > 1 else x  # Python control flow on a static value
    calls = [((x, 2), {}), ((x,), {"n": 2}), ((x, 3), {}), ((x,), {"n": 3}), ((x,), {"n": 1})]
    _same_trace_counts(fun, calls, **jit_kw)


def test_a_negative_static_argnum_counts_from_the_last_positional_argument():
    x = _rng().standard_normal(3)
    fun = lambda L: lambda x, n, m=1.0: x * n + m  # noqa: E731
    counts = _same_trace_counts(fun, [((x, 2.0), {}), ((x, 3.0), {}), ((x, 2.0, 3.0), {}), ((x, 3.0, 3.0), {}),
                                      ((x, 2.0, 4.0), {})], static_argnums=-1)
    assert counts == [1, 2, 3, 3, 4]  # the last positional argument is static, whichever it is


def test_static_keyword_only_and_hashable_objects():
    x = _rng().standard_normal(3)
    _same_trace_counts(lambda L: lambda x, *, op: getattr(L.np, op)(x),
                       [((x,), {"op": "negative"}), ((x,), {"op": "abs"}), ((x,), {"op": "negative"})],
                       static_argnames="op")
    _same_trace_counts(lambda L: lambda x, shape: L.np.reshape(x, shape),
                       [((x, (3, 1)), {}), ((x, (1, 3)), {}), ((x, (3, 1)), {})], static_argnums=1)


def test_non_hashable_static_argument_is_a_value_error():
    e = both_raise(lambda L: L.jit(lambda x, n: x * len(n), static_argnums=1), 1.0, [1, 2], exc_name="ValueError")
    assert "hash" in str(e) and "list" in str(e)


@pytest.mark.parametrize("jit_kw", [dict(static_argnums=3), dict(static_argnames="y"), dict(donate_argnums=2),
                                    dict(static_argnums=0, donate_argnums=0),
                                    dict(static_argnames="x", donate_argnames="x")])
def test_bad_static_or_donated_arguments_are_value_errors_at_jit_time(jit_kw):
    with pytest.raises(ValueError):
        jax.jit(lambda x: x, **jit_kw)
    with pytest.raises(ValueError):
        fgrad.jit(lambda x: x, **jit_kw)


def test_arguments_that_are_not_arrays_are_type_errors():
    both_raise(lambda L: L.jit(lambda x: x), "a", exc_name="TypeError")
    for L in (J, F):  # jit wants values; make_jaxpr takes shapes
        with pytest.raises(TypeError):
            L.jit(lambda x: x)(L.ShapeDtypeStruct((3,), np.float32))
    both_raise(lambda L: L.jit(lambda x: "out"), 1.0, exc_name="TypeError")
    with pytest.raises(TypeError, match="callable"):
        fgrad.jit(3)


# ================================================================== nesting with the other transforms

def _f(L):
    def f(x, y):
        return L.np.sum(L.np.sin(x) * y ** 2) + L.np.prod(L.np.cos(x[:2]))
    return f


def test_jit_of_grad_and_grad_of_jit():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)
    agree(lambda L: L.jit(L.grad(_f(L), argnums=(0, 1))), x, y)
    agree(lambda L: L.grad(L.jit(_f(L)), argnums=(0, 1)), x, y)
    agree(lambda L: L.jit(L.value_and_grad(L.jit(_f(L)))), x, y)
    agree(lambda L: L.jit(lambda p, x, y: L.grad(_mlp(L))(p, x, y)), _params(), _rng().standard_normal((5, 4)),
          _rng(2).standard_normal((5, 3)))


def test_jit_of_vmap_and_vmap_of_jit():
    x, y = _rng().standard_normal((4, 3)), _rng(1).standard_normal(3)
    agree(lambda L: L.jit(L.vmap(_f(L), in_axes=(0, None))), x, y)
    agree(lambda L: L.vmap(L.jit(_f(L)), in_axes=(0, None)), x, y)
    agree(lambda L: L.vmap(L.jit(L.grad(_f(L))), in_axes=(0, None)), x, y)
    agree(lambda L: L.jit(L.vmap(L.grad(L.jit(_f(L))), in_axes=(None, 0))), y, x)


def test_jvp_vjp_and_hessian_of_jit():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)
    agree(lambda L: lambda x, y: L.jvp(L.jit(_f(L)), (x, y), (y, x)), x, y)
    agree(lambda L: L.jit(lambda x, y: L.jvp(_f(L), (x, y), (y, x))), x, y)
    agree(lambda L: lambda x, y: L.vjp(L.jit(_f(L)), x, y)[1](1.5), x, y)
    agree(lambda L: L.hessian(L.jit(_f(L))), x, y)
    agree(lambda L: L.jit(L.hessian(_f(L), argnums=1)), x, y)


def test_jit_of_jit_stages_the_inner_function_inline():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)
    agree(lambda L: L.jit(lambda x, y: L.jit(_f(L))(x, y) * L.jit(L.np.sin)(y)), x, y)
    program = fgrad.make_jaxpr(lambda x: fgrad.jit(fnp.sin)(x) + 1)(x)
    assert [e.prim.name for e in program.eqns] == ["sin", "add"]


def test_jit_inside_grad_closing_over_the_outer_tracer():
    x, w = _rng().standard_normal(3), _rng(1).standard_normal(3)

    def build(L):
        def loss(w):
            inner = L.jit(lambda x: L.np.sum(L.np.tanh(x * w)))  # w: a tracer of the outer grad
            return inner(x) + inner(2 * x)
        return L.grad(loss)
    agree(build, w)
    agree(lambda L: L.vmap(lambda w: L.jit(lambda x: x * w)(x)), w)
    agree(lambda L: L.jit(build(L)), w)


# ================================================================== custom rules

def _custom_vjp(L):
    @L.custom_vjp
    def f(x, y):
        return L.np.sin(x) * y

    def fwd(x, y):
        return f(x, y), (L.np.cos(x), x, y)

    def bwd(res, g):
        cos_x, x, y = res
        return 100.0 * g * cos_x * y, g * L.np.sin(x)  # a scaled rule: the user's rule must be used
    f.defvjp(fwd, bwd)
    return f


def _custom_jvp(L):
    @L.custom_jvp
    def f(x):
        return L.np.log1p(L.np.exp(x))

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 7.0 * t / (1 + L.np.exp(-x))  # scaled, as above
    return f


def test_custom_vjp_under_jit_keeps_the_users_rule():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)

    def loss(L, f):
        return lambda x, y: L.np.sum(f(x, y) ** 2)
    agree(lambda L: L.jit(_custom_vjp(L)), x, y)
    agree(lambda L: L.grad(L.jit(loss(L, _custom_vjp(L))), argnums=(0, 1)), x, y)
    agree(lambda L: L.jit(L.grad(loss(L, _custom_vjp(L)), argnums=(0, 1))), x, y)
    agree(lambda L: L.grad(L.jit(loss(L, L.jit(_custom_vjp(L)))), argnums=(0, 1)), x, y)
    agree(lambda L: L.vmap(L.grad(L.jit(loss(L, _custom_vjp(L))))), x[:, None], y[:, None])
    agree(lambda L: L.jit(L.vmap(L.grad(loss(L, _custom_vjp(L))))), x[:, None], y[:, None])


def test_custom_jvp_under_jit_keeps_the_users_rule():
    x = _rng().standard_normal(3)
    agree(lambda L: L.jit(_custom_jvp(L)), x)
    agree(lambda L: lambda x: L.jvp(L.jit(_custom_jvp(L)), (x,), (x,)), x)
    agree(lambda L: L.grad(L.jit(lambda x: L.np.sum(_custom_jvp(L)(x)))), x)
    agree(lambda L: L.jit(L.grad(lambda x: L.np.sum(_custom_jvp(L)(x)))), x)
    agree(lambda L: L.hessian(L.jit(lambda x: L.np.sum(_custom_jvp(L)(x) ** 2))), x)


def test_custom_vjp_non_differentiable_arguments_stay_static_under_jit():
    x = _rng().standard_normal(6)

    def build(L):
        @functools.partial(L.custom_vjp, nondiff_argnums=(1,))
        def f(x, shape):
            return L.np.reshape(L.np.sin(x), shape)  # ``shape`` must be a Python value here
        f.defvjp(lambda x, shape: (f(x, shape), x), lambda shape, x, g: (2.0 * L.np.cos(x) * L.np.reshape(g, -1),))
        return f
    agree(lambda L: L.jit(lambda x: build(L)(x, (2, 3))), x)
    agree(lambda L: L.grad(L.jit(lambda x: L.np.sum(build(L)(x, (3, 2)) ** 2))), x)
    agree(lambda L: L.jit(L.grad(lambda x: L.np.sum(build(L)(x, (3, 2)) ** 2))), x)


def test_jit_inside_custom_rules():
    x, y = _rng().standard_normal(3), _rng(1).standard_normal(3)

    def build(L):
        @L.custom_vjp
        def f(x, y):
            return L.jit(lambda x, y: L.np.sin(x) * y)(x, y)
        f.defvjp(L.jit(lambda x, y: (f(x, y), (x, y))),
                 L.jit(lambda res, g: (3.0 * g * L.np.cos(res[0]) * res[1], g * L.np.sin(res[0]))))
        return L.grad(lambda x, y: L.np.sum(f(x, y)), argnums=(0, 1))
    agree(build, x, y)
    agree(lambda L: L.jit(build(L)), x, y)


def test_make_jaxpr_shows_a_custom_call_with_its_body():
    program = fgrad.make_jaxpr(_custom_vjp(F))(np.ones(3), np.ones(3))
    want = jax.make_jaxpr(_custom_vjp(J))(np.ones(3), np.ones(3))
    assert [e.prim.name for e in program.eqns] == [e.primitive.name for e in want.eqns] == ["custom_vjp_call"]
    body = program.eqns[0].params["call_jaxpr"]
    assert [e.prim.name for e in body.eqns] == ["sin", "multiply"]
    text = str(program)
    assert "call_jaxpr={ lambda ; a:f64[3] b:f64[3]. let" in text
    assert "\n          c:f64[3] = sin a\n" in text  # the body's equations, indented under the call


# ================================================================== Python values of traced arrays

def _assert_names_a_fix(e):
    assert "fgrad.lax.cond" in str(e) and "static_argnums" in str(e)


def test_python_control_flow_on_traced_values():
    e = both_raise(lambda L: L.jit(lambda x: x if x > 0 else -x), 1.0, exc_name="TracerBoolConversionError")
    assert isinstance(e, errors.ConcretizationTypeError) and isinstance(e, TypeError)
    _assert_names_a_fix(e)
    both_raise(lambda L: L.jit(lambda x: L.np.sum(x) if L.np.all(x > 0) else x[0]), np.ones(3),
               exc_name="TracerBoolConversionError")
    both_raise(lambda L: L.jit(lambda i: [1.0, 2.0][i]), 1, exc_name="TracerIntegerConversionError")
    both_raise(lambda L: L.jit(lambda x: float(x)), 1.0, exc_name="ConcretizationTypeError")
    both_raise(lambda L: L.jit(lambda x: int(x)), 1.0, exc_name="ConcretizationTypeError")
    both_raise(lambda L: L.jit(lambda x: x.item()), np.ones(1), exc_name="ConcretizationTypeError")
    both_raise(lambda L: L.jit(lambda x: x.tolist()), np.ones(2), exc_name="ConcretizationTypeError")


def test_python_control_flow_inside_a_staged_derivative():
    """A derivative's tracer over a staged value has no concrete value either."""
    both_raise(lambda L: L.jit(L.grad(lambda x: x * x if x > 0 else -x)), 1.0, exc_name="TracerBoolConversionError")
    both_raise(lambda L: L.jit(L.grad(lambda x: x * float(x))), 1.0, exc_name="ConcretizationTypeError")
    both_raise(lambda L: L.jit(lambda x: L.jvp(lambda x: x if x else -x, (x,), (x,))), 1.0,
               exc_name="TracerBoolConversionError")


def test_numpy_conversion_of_a_traced_value():
    e = both_raise(lambda L: L.jit(lambda x: np.asarray(x) * 2), np.ones(3), exc_name="TracerArrayConversionError")
    assert isinstance(e, TypeError) and "fgrad.numpy" in str(e)
    x = _rng().standard_normal(3)  # (fgrad only) NumPy's functions dispatch to fgrad.numpy's
    np.testing.assert_allclose(fgrad.jit(lambda x: np.sin(x) + np.sum(x))(x), np.sin(x) + np.sum(x), rtol=1e-15)


def test_side_effects_run_while_staging_only():
    seen = []
    f = fgrad.jit(lambda x: (seen.append(x.shape), x * 2)[1])
    for _ in range(3):
        f(np.ones(2))
    assert seen == [(2,)]


# ================================================================== make_jaxpr

def test_make_jaxpr_avals_match_jax():
    x, y = np.ones((2, 3), np.float32), np.arange(3)
    fun = lambda L: lambda x, y: (L.np.sum(L.np.sin(x) * 2, axis=0), x.T, y[::2] * y[0])  # noqa: E731
    ours, theirs = fgrad.make_jaxpr(fun(F))(x, y), jax.make_jaxpr(fun(J))(x, y)
    assert [str(a) for a in ours.in_avals] == [str(a) for a in theirs.in_avals] == ["float32[2,3]", "int64[3]"]
    assert [a.str_short() for a in ours.in_avals] == ["f32[2,3]", "i64[3]"]  # as both print them
    assert str(ours).startswith("{ lambda ; a:f32[2,3] b:i64[3]. let") and "a:f32[2,3] b:i64[3]" in str(theirs)
    assert [str(a) for a in ours.out_avals] == [str(a) for a in theirs.out_avals]
    sds = [F.ShapeDtypeStruct((4, 2), np.float32), F.ShapeDtypeStruct((), np.float32)]
    jsds = [J.ShapeDtypeStruct((4, 2), np.float32), J.ShapeDtypeStruct((), np.float32)]
    ours, theirs = fgrad.make_jaxpr(lambda a, n: a * n)(*sds), jax.make_jaxpr(lambda a, n: a * n)(*jsds)
    assert [str(a) for a in ours.in_avals + ours.out_avals] == [str(a) for a in theirs.in_avals + theirs.out_avals]


def test_make_jaxpr_return_shape_and_static_argnums():
    x = np.ones((2, 3))

    def fun(L):
        return lambda x, n: {"a": L.np.sum(x, axis=n), "b": x.astype(L.np.int32)}
    (_, ours), (_, theirs) = [L.make_jaxpr(fun(L), static_argnums=1, return_shape=True)(x, 1) for L in (F, J)]
    flat_o, tree_o = tree_flatten(ours)
    flat_t, tree_t = jax.tree_util.tree_flatten(theirs)
    assert [(s.shape, s.dtype) for s in flat_o] == [(s.shape, s.dtype) for s in flat_t]
    assert flat_o[0] == F.ShapeDtypeStruct((2,), np.float64) and hash(flat_o[0]) == hash(F.ShapeDtypeStruct((2,), "f8"))


def test_make_jaxpr_prints_one_line_per_equation():
    x = np.ones((2, 3))
    program = fgrad.make_jaxpr(lambda x, c: fnp.sum(fnp.sin(x) * c + np.arange(3.0), axis=0))(x, 2.0)
    lines = str(program).splitlines()
    assert lines[0] == "{ lambda a:f64[3]; b:f64[2,3] c:f64[]. let"  # a closed-over array: a constant
    assert len(lines) == len(program.eqns) + 2 and lines[-1].startswith("  in (")
    assert [line.split(" = ")[1].split("[")[0].split(" ")[0] for line in lines[1:-1]] == \
        [e.prim.name for e in program.eqns] == ["sin", "multiply", "add", "sum"]
    assert re.fullmatch(r"    g:f64\[3\] = sum\[axis=\(0,\).*\] f", lines[-2]), lines[-2]
    assert len(program.consts) == 1 and program.jaxpr is program


# ================================================================== random numbers

def test_random_under_jit_draws_per_key_as_eagerly():
    def draw(key, mu):
        k1, k2 = fr.split(key)
        return mu + fr.normal(k1, (3,)), fr.uniform(k2, (2,), minval=mu, maxval=mu + 1)
    f, traces = _counted(F, draw)
    keys = [fr.key(0), fr.key(1), fr.split(fr.key(2))[1]]
    outs = [f(k, 0.5) for k in keys]
    assert len(traces) == 1  # a key is an argument like any other
    for k, out in zip(keys, outs):
        want = draw(k, 0.5)
        for o, w in zip(out, want):
            np.testing.assert_array_equal(o, w)
    assert not np.allclose(outs[0][0], outs[1][0])  # fresh draws for a fresh key
    for fun, args in [(lambda s: fr.normal(fr.key(s), (2,)), (1,)),                  # a traced seed
                      (lambda k, d: fr.normal(fr.fold_in(k, d), (2,)), (fr.key(0), 3)),
                      (lambda k: fr.randint(k, (3,), 0, 10), (fr.key(4),)),
                      (lambda k, x: fr.permutation(k, x), (fr.key(4), np.arange(5.0)))]:
        np.testing.assert_array_equal(fgrad.jit(fun)(*args), fun(*args))
    g = fgrad.jit(fgrad.grad(lambda mu, k: fnp.sum(draw(k, mu)[0] * draw(k, mu)[1][0])))
    np.testing.assert_allclose(g(0.5, keys[0]), fgrad.grad(lambda mu, k: fnp.sum(draw(k, mu)[0] * draw(k, mu)[1][0]))(
        0.5, keys[0]), rtol=1e-12)


def test_values_that_decide_a_shape_or_branch_are_refused_or_branch_free_under_jit():
    """``fnp`` functions whose value decides a shape raise JAX's error under jit instead of baking one
    example into the program; the ones JAX stages (linspace of traced ends, cond of a singular matrix,
    average) agree with JAX on a second, different argument."""
    both_raise(lambda L: L.jit(lambda n: L.np.arange(n)), 5, exc_name="ConcretizationTypeError")
    staged = {}  # one jitted function per library: the second argument replays the first one's program

    def once(name, make):
        return lambda L: staged.setdefault((name, id(L)), L.jit(make(L)))

    for a, b in ((0.0, 1.0), (2.0, 2.0)):  # the second: a zero step, NumPy's other branch
        agree(once("linspace", lambda L: lambda a, b: L.np.linspace(a, b, 5)), a, b)
    singular, regular = np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[2.0, 1.0], [1.0, 3.0]])
    for m in (regular, singular):
        agree(once("cond", lambda L: L.np.linalg.cond), m)
    w = np.array([1.0, 3.0])
    agree(once("average", lambda L: lambda x, w: L.np.average(x, weights=w)), np.array([2.0, 4.0]), w)
