"""``fgrad.checkpoint`` (``remat``) against JAX's (x64): values and derivatives under every transform,
in every nesting, for each policy; and proof that the intermediates are recomputed, not kept.

Each differential test builds the same computation from one description, ``build(L)`` with ``L``
either library's namespace, and runs both on the same float64 NumPy inputs. The memory tests
count what reverse mode keeps (tracemalloc: bytes, not time) with and without ``checkpoint``.
"""
import pathlib
import re
import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

import fgrad
import fgrad.lax
import fgrad.numpy as fnp
from fgrad.errors import TracerBoolConversionError
from fgrad.tree_util import tree_flatten

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from jax_support import assert_agree  # noqa: E402

F = SimpleNamespace(lax=fgrad.lax, checkpoint=fgrad.checkpoint, policies=fgrad.checkpoint_policies, grad=fgrad.grad,
                    value_and_grad=fgrad.value_and_grad, vjp=fgrad.vjp, jvp=fgrad.jvp, vmap=fgrad.vmap,
                    jit=fgrad.jit, hessian=fgrad.hessian, jacfwd=fgrad.jacfwd, jacrev=fgrad.jacrev,
                    make_jaxpr=fgrad.make_jaxpr, np=fnp)
J = SimpleNamespace(lax=jax.lax, checkpoint=jax.checkpoint, policies=jax.checkpoint_policies, grad=jax.grad,
                    value_and_grad=jax.value_and_grad, vjp=jax.vjp, jvp=jax.jvp, vmap=jax.vmap,
                    jit=jax.jit, hessian=jax.hessian, jacfwd=jax.jacfwd, jacrev=jax.jacrev,
                    make_jaxpr=jax.make_jaxpr, np=jnp)

RTOL, ATOL = 1e-10, 1e-12  # float64, a few dozen operations
POLICIES = [None, "everything_saveable", "nothing_saveable", "dots_saveable", "checkpoint_dots",
            "dots_with_no_batch_dims_saveable", "checkpoint_dots_with_no_batch_dims"]


def _policy(L, name):
    return None if name is None else getattr(L.policies, name)


def agree(build, *args, rtol=RTOL, atol=ATOL):
    """``build(F)`` and ``build(J)`` on the same arguments; returns fgrad's result."""
    got = build(F)(*args)
    assert_agree(got, build(J)(*args), rtol, atol)
    return got


def _args(seed=0, n=4, k=3, m=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.standard_normal((k, m)) / 2, rng.standard_normal((m, k)) / 2


def block(L, x, w1, w2):
    """Products, elementwise maps, a broadcast and an index: every kind of residual."""
    h = L.np.tanh(x @ w1)
    return L.np.sin(h @ w2) * L.np.exp(-x[..., :1] ** 2) + x


def loss(L, fn):
    """A scalar of ``fn``'s block applied twice, the second time on its own output."""
    def f(x, w1, w2):
        y = fn(x, w1, w2)
        return L.np.sum(fn(y, w1, w2) ** 2)
    return f


def ckpt_loss(L, policy=None, **kw):
    return loss(L, L.checkpoint(lambda x, w1, w2: block(L, x, w1, w2), policy=_policy(L, policy), **kw))


# ================================================================== values and derivatives

@pytest.mark.parametrize("policy", POLICIES)
def test_value_and_grad_equal_jax_and_the_plain_function(policy):
    args = _args()
    got = agree(lambda L: L.value_and_grad(ckpt_loss(L, policy), argnums=(0, 1, 2)), *args)
    plain = fgrad.value_and_grad(loss(F, lambda *a: block(F, *a)), argnums=(0, 1, 2))(*args)
    assert_agree(got, plain)


@pytest.mark.parametrize("policy", [None, "dots_saveable", "everything_saveable"])
def test_vjp_with_pytree_outputs_and_keyword_arguments(policy):
    x, w1, _ = _args(1)

    def build(L):
        def fn(x, *, w):
            z = x @ w
            return {"a": L.np.cos(z), "b": (L.np.sum(z * z), L.np.tanh(x))}
        f = L.checkpoint(fn, policy=_policy(L, policy))

        def run(x, w):
            out, pullback = L.vjp(lambda x, w: f(x, w=w), x, w)
            ct = {"a": L.np.ones_like(out["a"]) * 0.5, "b": (2.0 * L.np.ones_like(out["b"][0]), x * 3.0)}
            return out, pullback(ct)
        return run
    agree(build, x, w1)


@pytest.mark.parametrize("policy", [None, "dots_saveable"])
def test_jvp(policy):
    args = _args(2)
    tangents = _args(3)
    agree(lambda L: lambda a, t: L.jvp(ckpt_loss(L, policy), a, t), args, tangents)
    agree(lambda L: lambda a, t: L.jvp(L.checkpoint(lambda *a: block(L, *a)), a, t), args, tangents)


def test_integer_argument_and_closed_over_traced_value():
    x, w1, _ = _args(4)
    idx = np.array([2, 0, 2])

    def build(L):
        def f(w):
            inner = L.checkpoint(lambda x, i: L.np.sin(x @ w)[i] * L.np.cos(x[i])[:, :1])  # w: closed over
            return L.np.sum(inner(x, idx) ** 2)
        return L.grad(f)
    agree(build, w1)


def test_nested_checkpoints():
    args = _args(5)

    def build(L):
        inner = L.checkpoint(lambda x, w: L.np.tanh(x @ w))
        outer = L.checkpoint(lambda x, w1, w2: L.np.sin(inner(x, w1) @ w2) + inner(x, w1)[:, :3])
        return L.grad(lambda x, w1, w2: L.np.sum(outer(x, w1, w2) ** 2), argnums=(0, 1, 2))
    agree(build, *args)


# ================================================================== nesting with every transform

@pytest.mark.parametrize("policy", [None, "dots_saveable", "dots_with_no_batch_dims_saveable"])
def test_vmap_in_every_order(policy):
    rng = np.random.default_rng(6)
    _, w1, w2 = _args(6)
    xs = rng.standard_normal((3, 4, 3))

    def vmap_of_ckpt(L):
        return L.vmap(L.checkpoint(lambda x, w1, w2: block(L, x, w1, w2), policy=_policy(L, policy)),
                      in_axes=(0, None, None))

    def vmap_of_grad(L):
        return L.vmap(L.grad(ckpt_loss(L, policy), argnums=(0, 1)), in_axes=(0, None, None))

    def grad_of_vmap(L):
        per = L.vmap(ckpt_loss(L, policy), in_axes=(0, None, None))
        return L.grad(lambda xs, w1, w2: L.np.sum(per(xs, w1, w2)), argnums=(0, 1, 2))

    def ckpt_of_vmap(L):
        f = L.checkpoint(L.vmap(lambda x, w1, w2: block(L, x, w1, w2), in_axes=(0, None, None)),
                         policy=_policy(L, policy))
        return L.grad(lambda xs, w1, w2: L.np.sum(f(xs, w1, w2) ** 2), argnums=(0, 1, 2))

    for build in (vmap_of_ckpt, vmap_of_grad, grad_of_vmap, ckpt_of_vmap):
        agree(build, xs, w1, w2)


@pytest.mark.parametrize("policy", [None, "dots_saveable"])
def test_jit_in_every_order(policy):
    args = _args(7)
    agree(lambda L: L.jit(L.grad(ckpt_loss(L, policy), argnums=(0, 1, 2))), *args)
    agree(lambda L: L.grad(L.jit(ckpt_loss(L, policy)), argnums=(0, 1, 2)), *args)
    agree(lambda L: L.jit(L.checkpoint(lambda *a: block(L, *a))), *args)
    jitted = fgrad.jit(fgrad.grad(ckpt_loss(F, policy), argnums=(0, 1, 2)))
    jitted(*args)
    assert_agree(jitted(*args), jax.grad(ckpt_loss(J, policy), argnums=(0, 1, 2))(*args))  # the replay


@pytest.mark.parametrize("policy", [None, "dots_saveable", "everything_saveable"])
def test_second_order(policy):
    x, w1, w2 = _args(8, n=2, k=2, m=3)
    agree(lambda L: L.hessian(ckpt_loss(L, policy), argnums=1), x, w1, w2)
    agree(lambda L: L.jacrev(L.jacrev(ckpt_loss(L, policy))), x, w1, w2)

    def grad_of_grad(L):
        g = L.grad(ckpt_loss(L, policy), argnums=1)
        return L.grad(lambda x, w1, w2: L.np.sum(L.np.sin(g(x, w1, w2))), argnums=(0, 1, 2))
    agree(grad_of_grad, x, w1, w2)

    def jvp_of_grad(L):
        g = L.grad(ckpt_loss(L, policy))
        return lambda x, w1, w2: L.jvp(lambda w: g(x, w, w2), (w1,), (w1 * 0.5,))
    agree(jvp_of_grad, x, w1, w2)


def test_float32_in_float32_derivatives_out():
    args = [a.astype(np.float32) for a in _args(9)]
    got = fgrad.grad(ckpt_loss(F), argnums=(0, 1, 2))(*args)
    want = jax.grad(ckpt_loss(J), argnums=(0, 1, 2))(*args)
    assert_agree(got, want, rtol=1e-4, atol=1e-5)  # float32: about 1e-7 per operation


# ================================================================== static arguments, staging, errors

def test_static_argnums_allow_python_control_flow_on_them():
    x, _, _ = _args(10)

    def build(L):
        def power(x, n):
            out = x
            for _ in range(n - 1):  # n is a Python int: static
                out = out * L.np.sin(x)
            return out
        f = L.checkpoint(power, static_argnums=(1,))
        g = L.checkpoint(power, static_argnums=-1)
        return L.grad(lambda x: L.np.sum(f(x, 3)) + L.np.sum(g(x, 2)))
    agree(build, x)


def test_staged_once_per_signature_as_jax():
    def count(L):
        calls = []

        def f(x):
            calls.append(1)  # a Python side effect: it runs while the function is staged
            return L.np.sin(x) * 2.0
        c = L.checkpoint(f)
        seen = []
        for x in (np.ones(3), np.zeros(3), np.ones(4)):
            c(x)
            seen.append(len(calls))
        L.grad(lambda x: L.np.sum(c(x)))(np.ones(3))
        seen.append(len(calls))
        return seen
    assert count(F) == count(J)


def test_python_control_flow_on_a_traced_value_raises_as_jax():
    def f(x):
        return x if x > 0 else -x
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.checkpoint(f)(1.0)
    with pytest.raises(TracerBoolConversionError, match="fgrad.lax.cond"):
        fgrad.checkpoint(f)(1.0)


def test_bad_arguments_raise_jax_types():
    with pytest.raises(ValueError, match="static_argnums"):
        jax.checkpoint(lambda x, n: x, static_argnums=5)(1.0, 2)
    with pytest.raises(ValueError, match="static_argnums"):
        fgrad.checkpoint(lambda x, n: x, static_argnums=5)(1.0, 2)
    with pytest.raises(TypeError):
        jax.checkpoint(lambda x: x)("a")
    with pytest.raises(TypeError, match="str"):
        fgrad.checkpoint(lambda x: x)("a")
    with pytest.raises(TypeError):
        jax.grad(jax.checkpoint(jnp.sin, policy=3))(1.0)
    with pytest.raises(TypeError, match="policy"):
        fgrad.grad(fgrad.checkpoint(fnp.sin, policy=3))(1.0)


def test_names_are_jax():
    assert fgrad.remat is fgrad.checkpoint and callable(jax.remat)
    assert fgrad.ad_checkpoint.checkpoint_policies is fgrad.checkpoint_policies
    public = {n for n in dir(jax.checkpoint_policies) if not n.startswith("_")}
    ours = {"everything_saveable", "nothing_saveable", "dots_saveable", "checkpoint_dots",
            "dots_with_no_batch_dims_saveable", "checkpoint_dots_with_no_batch_dims", "save_from_both_policies"}
    assert ours <= public  # every policy we give is one of JAX's, by JAX's name
    assert all(hasattr(fgrad.checkpoint_policies, n) for n in ours)


# ================================================================== the recompute is there

def _count(op, text):
    return len(re.findall(rf"= {op}\b", text))


@pytest.mark.parametrize("prevent_cse", [True, False])
def test_make_jaxpr_of_grad_shows_the_recompute(prevent_cse):
    x = np.linspace(0.1, 1.0, 3)

    def build(L, ckpt):
        f = lambda x: L.np.sum(L.np.sin(L.np.sin(x)))  # noqa: E731
        f = L.checkpoint(f, prevent_cse=prevent_cse) if ckpt else f
        return str(L.make_jaxpr(L.grad(f))(x))

    for L in (F, J):  # the forward computes sin twice; the backward recomputes the inner one
        assert _count("sin", build(L, False)) == 2
        assert _count("sin", build(L, True)) == 3
    text = build(F, True)
    top = [line for line in text.splitlines() if line.startswith("    ") and not line.startswith("      ")]
    # the forward is one checkpoint equation, the recompute in the backward a second, opaque one
    assert sum("= checkpoint[" in line for line in top) == 2


@pytest.mark.parametrize("policy", ["everything_saveable", "dots_saveable", "nothing_saveable"])
def test_make_jaxpr_recomputes_what_the_policy_does_not_save(policy):
    x, w = np.linspace(0.1, 1.0, 6).reshape(2, 3), np.linspace(-1.0, 1.0, 9).reshape(3, 3)

    def build(L):
        f = L.checkpoint(lambda x, w: L.np.sum(L.np.sin(L.np.sin(x @ w))), policy=_policy(L, policy))
        return str(L.make_jaxpr(L.grad(f))(x, w))
    assert _count("sin", build(F)) == _count("sin", build(J))


# ================================================================== the intermediates are not kept

L_LAYERS, SEG, N = 16, 4, 128
_RNG = np.random.default_rng(11)
_WS = [_RNG.standard_normal((N, N)) / N ** 0.5 for _ in range(L_LAYERS)]
_X = _RNG.standard_normal((N, N))
ARRAY = N * N * 8  # bytes of one (N, N) float64 activation


def _segment(h, *ws):
    for w in ws:
        h = fnp.tanh(h @ w) * 1.5
    return h


def _chain(seg):
    def f(x):
        h = x
        for k in range(0, L_LAYERS, SEG):
            h = seg(h, *_WS[k:k + SEG])
        return fnp.sum(h * h)
    return f


def _kept_and_peak(f):
    """(bytes reverse mode keeps after the forward pass, peak bytes while pulling back), in
    (N, N) arrays; measured on the second run (the first stages the programs)."""
    for _ in range(2):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        out, pullback = fgrad.vjp(f, _X)
        kept = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        g = pullback(1.0)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        del out, pullback, g
    return kept / ARRAY, peak / ARRAY


def test_checkpointed_segments_keep_only_their_boundaries():
    plain_kept, plain_peak = _kept_and_peak(_chain(_segment))
    ckpt_kept, ckpt_peak = _kept_and_peak(_chain(fgrad.checkpoint(_segment)))
    n_seg = L_LAYERS // SEG
    # un-checkpointed, each layer keeps at least its matmul input and its tanh output
    assert plain_kept >= 2 * L_LAYERS
    # checkpointed: each segment's output (the last one read again by h * h), and small change
    assert ckpt_kept <= n_seg + 1.5
    # the backward holds one segment's recomputed values at a time, not all of them
    assert ckpt_peak <= plain_peak / 2


def test_policies_choose_what_is_kept():
    policies = fgrad.checkpoint_policies
    nothing, _ = _kept_and_peak(_chain(fgrad.checkpoint(_segment, policy=policies.nothing_saveable)))
    dots, _ = _kept_and_peak(_chain(fgrad.checkpoint(_segment, policy=policies.dots_saveable)))
    everything, _ = _kept_and_peak(_chain(fgrad.checkpoint(_segment, policy=policies.everything_saveable)))
    plain, _ = _kept_and_peak(_chain(_segment))
    n_seg = L_LAYERS // SEG
    assert nothing <= n_seg + 1.5
    # dots_saveable: one matmul output per layer, plus the segment outputs
    assert L_LAYERS <= dots - nothing <= L_LAYERS + 0.5
    # everything_saveable: what the backward reads (tanh's derivative per layer), no more than the plain
    # function keeps (which also holds each product and tanh output as its nodes' arguments)
    assert L_LAYERS <= everything - nothing and everything <= plain


T_STEPS = 12


def _scan_loss(L, wrap, ws):
    def body(h, _):
        for w in ws:
            h = L.np.tanh(h @ w) * 1.5
        return h, None
    return lambda x: L.np.sum(L.lax.scan(wrap(body), x, None, length=T_STEPS)[0] ** 2)


def test_checkpointed_scan_body_agrees_and_stacks_only_the_carry():
    ws = _WS[:4]
    # 48 layers of 128-term products: float64 rounding grows to ~1e-12 of the largest gradient
    agree(lambda L: L.grad(_scan_loss(L, L.checkpoint, ws)), _X, rtol=1e-9, atol=1e-10)

    def kept(wrap):
        f = _scan_loss(F, wrap, ws)
        for _ in range(2):  # the second run is measured (the first stages the programs)
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            out, pullback = fgrad.vjp(f, _X)
            size = tracemalloc.get_traced_memory()[0] - base
            tracemalloc.stop()
            del out, pullback
        return size / ARRAY

    # the plain body's residuals are stacked for each of its 4 layers; the checkpointed body's are
    # recomputed in the reverse loop, which then needs only each step's carry
    assert kept(lambda body: body) >= 3 * T_STEPS
    assert kept(fgrad.checkpoint) <= T_STEPS + 3


def test_docs_staging_page_runs(capsys):
    """Every python block of docs/staging.md runs in order (one namespace), its asserts hold, and the
    programs it prints are the ones shown beneath them."""
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "staging.md").read_text()
    blocks = re.findall(r"```(python|)\n(.*?)```", text, re.S)
    ns = {}
    for i, (kind, code) in enumerate(blocks):
        if kind == "python":
            capsys.readouterr()
            exec(compile(code, f"docs/staging.md block {i}", "exec"), ns)
        elif code.startswith("{ lambda"):  # a printed program: the block before printed it
            assert capsys.readouterr().out.strip() == code.strip()
