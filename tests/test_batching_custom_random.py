"""vmap of custom derivative rules and of fgrad.random.

custom_vjp / custom_jvp: a vmapped call still runs the user's rules, for derivatives taken inside
the vmap and outside it, in every mapping of the arguments (non-differentiable ones included).
fgrad.random: vmap over keys (and over the samplers' parameters) draws exactly what a loop over
the keys draws, for every sampler.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
import fgrad.random as fr
from fgrad.core import PRIMITIVES

from batching_support import close, stack
from helpers import host, same

B = 4
rng = np.random.default_rng(0)


_close = functools.partial(close, rtol=1e-10, atol=1e-12, dtype=False)  # shapes and values


# ================================================================== custom rules

# f(x, w) = sin(x) * w with a bwd that is NOT its derivative (factors 2 and 3), so a result
# shows which rule ran.
@fgrad.custom_vjp
def f_vjp(x, w):
    return fnp.sin(x) * w


f_vjp.defvjp(lambda x, w: (fnp.sin(x) * w, (fnp.cos(x), fnp.sin(x), w)),
             lambda res, g: (2.0 * g * res[0] * res[2], 3.0 * g * res[1]))


@fgrad.custom_jvp
def f_jvp(x, w):
    return fnp.sin(x) * w


@f_jvp.defjvp
def _f_jvp_rule(primals, tangents):
    (x, w), (tx, tw) = primals, tangents
    return f_jvp(x, w), 2.0 * fnp.cos(x) * w * tx + 3.0 * fnp.sin(x) * tw


def _rule_grads(x, w):
    """The gradient of sum(f(x, w)) by the (deliberately wrong) custom rule."""
    return 2.0 * np.cos(x) * w, 3.0 * np.sin(x)


X, WB, W = rng.standard_normal((B, 3)), rng.standard_normal((B, 3)), rng.standard_normal(3)
LAYOUTS = [((0, 0), (X, WB)), ((0, None), (X, W)), ((None, 0), (X[0], WB)), ((1, 0), (X.T, WB)),
           ((-1, None), (X.T, W))]


def _per_example(in_axes, args):
    """(xs, ws) as (B, 3) arrays, one row per example."""
    x, w = args
    xs = np.broadcast_to(x, (B, 3)) if in_axes[0] is None else np.moveaxis(x, in_axes[0], 0)
    ws = np.broadcast_to(w, (B, 3)) if in_axes[1] is None else np.moveaxis(w, in_axes[1], 0)
    return xs, ws


def _as_layout(per, ax):
    """Per-example gradients (B, 3) as the gradient of the batched argument."""
    return per.sum(0) if ax is None else np.moveaxis(per, 0, ax)


@pytest.mark.parametrize("f", [f_vjp, f_jvp], ids=["custom_vjp", "custom_jvp"])
@pytest.mark.parametrize("in_axes, args", LAYOUTS, ids=[str(a) for a, _ in LAYOUTS])
def test_custom_rules_under_vmap(f, in_axes, args):
    xs, ws = _per_example(in_axes, args)
    vf = fgrad.vmap(f, in_axes=in_axes)
    _close(vf(*args), np.sin(xs) * ws)
    gx, gw = _rule_grads(xs, ws)
    # grad of vmap: the custom rule runs on the whole batch; unmapped arguments sum the batch
    got = fgrad.grad(lambda x, w: fnp.sum(vf(x, w)), argnums=(0, 1))(*args)
    _close(got, (_as_layout(gx, in_axes[0]), _as_layout(gw, in_axes[1])))
    # vmap of grad
    g = fgrad.grad(lambda x, w: fnp.sum(f(x, w)), argnums=(0, 1))
    _close(fgrad.vmap(g, in_axes=in_axes)(*args), (gx, gw))
    if f is f_jvp:
        tx, tw = np.ones_like(args[0]), np.ones_like(args[1])
        want = 2.0 * np.cos(xs) * ws + 3.0 * np.sin(xs)
        _close(fgrad.jvp(vf, args, (tx, tw))[1], want)
        _close(fgrad.vmap(lambda x, w: fgrad.jvp(f, (x, w), (fnp.ones_like(x), fnp.ones_like(w)))[1],
                          in_axes=in_axes)(*args), want)


@pytest.mark.parametrize("f", [f_vjp, f_jvp], ids=["custom_vjp", "custom_jvp"])
def test_custom_rules_under_nested_vmap(f):
    xx = rng.standard_normal((2, B, 3))
    inner = fgrad.vmap(fgrad.vmap(lambda x: f(x, W)))
    _close(inner(xx), np.sin(xx) * W)
    want = 2.0 * np.cos(xx) * W
    _close(fgrad.grad(lambda x: fnp.sum(inner(x)))(xx), want)
    _close(fgrad.vmap(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(lambda x: f(x, W))(x))))(xx), want)
    _close(fgrad.vmap(fgrad.vmap(fgrad.grad(lambda x: fnp.sum(f(x, W)))))(xx), want)


def test_custom_jvp_second_order_through_vmap():
    # d/dx sum(vmap(grad(f))(x)), grad by the rule 2 cos(x) w, then its true derivative
    got = fgrad.grad(lambda x: fnp.sum(fgrad.vmap(fgrad.grad(lambda x: fnp.sum(f_jvp(x, 1.0))))(x)))(X)
    _close(got, -2.0 * np.sin(X))


def test_custom_vjp_refuses_forward_mode_under_vmap():
    with pytest.raises(TypeError, match="custom_vjp"):
        fgrad.jvp(fgrad.vmap(lambda x: f_vjp(x, W)), (X,), (X,))


@functools.partial(fgrad.custom_vjp, nondiff_argnums=(0,))
def _scale_vjp(k, x):
    return k * x


_scale_vjp.defvjp(lambda k, x: (k * x, None), lambda k, res, g: (g * k * 10.0,))


@functools.partial(fgrad.custom_jvp, nondiff_argnums=(0,))
def _scale_jvp(k, x):
    return k * x


_scale_jvp.defjvp(lambda k, p, t: (_scale_jvp(k, p[0]), 10.0 * k * t[0]))


@pytest.mark.parametrize("f", [_scale_vjp, _scale_jvp], ids=["custom_vjp", "custom_jvp"])
def test_mapped_non_differentiable_arguments(f):
    k = np.arange(1.0, B + 1)
    _close(fgrad.vmap(f)(k, X), k[:, None] * X)
    _close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(f)(k, x)))(X), 10.0 * k[:, None] * np.ones_like(X))
    _close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(f, in_axes=(0, None))(k, x)))(X[0]), 10.0 * k.sum() * np.ones(3))
    _close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(lambda x: f(2.0, x))(x)))(X), 20.0 * np.ones_like(X))


def test_custom_vjp_pytrees_under_vmap():
    @fgrad.custom_vjp
    def tree_f(d):
        return {"a": d["x"] * 2.0, "b": (d["y"],)}
    tree_f.defvjp(lambda d: (tree_f(d), None), lambda res, g: ({"x": g["a"] * 5.0, "y": g["b"][0] * 7.0},))

    d = {"x": X, "y": rng.standard_normal(B)}
    got = fgrad.grad(lambda d: fnp.sum(fgrad.vmap(tree_f)(d)["a"]) + fnp.sum(fgrad.vmap(tree_f)(d)["b"][0]))(d)
    _close(got, {"x": 5.0 * np.ones_like(X), "y": 7.0 * np.ones(B)})
    got = fgrad.grad(lambda d: fnp.sum(fgrad.vmap(tree_f, in_axes=({"x": 1, "y": None},))(d)["b"][0]))(
        {"x": X.T, "y": 1.5})
    _close(got, {"x": np.zeros_like(X.T), "y": 7.0 * B})


# ================================================================== random

KEYS = fr.split(fr.key(3), 5)
P = np.array([0.1, 0.0, 0.5, 0.4])
LOGITS = np.log(np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]))

SAMPLERS = {
    "bits": lambda k: fr.bits(k, (3, 2)),
    "bits uint64": lambda k: fr.bits(k, (3,), np.uint64),
    "bits 0-d": lambda k: fr.bits(k),
    "uniform": lambda k: fr.uniform(k, (4,), minval=np.array([-1.0, 0, 1, 2]), maxval=3.0),
    "uniform float32": lambda k: fr.uniform(k, (2, 2), np.float32),
    "normal": lambda k: fr.normal(k, (3,)),
    "normal 0-d": lambda k: fr.normal(k),
    "normal complex": lambda k: fr.normal(k, (3,), np.complex64),
    "truncated_normal": lambda k: fr.truncated_normal(k, np.array([-1.0, 0.5, 3.0]), 4.0),
    "truncated_normal float32": lambda k: fr.truncated_normal(k, -1.0, 1.0, (2,), np.float32),
    "bernoulli": lambda k: fr.bernoulli(k, np.array([0.1, 0.5, 0.9]), (2, 3)),
    "bernoulli 0-d": lambda k: fr.bernoulli(k),
    "randint": lambda k: fr.randint(k, (4,), -3, np.array([1, 2, 3, 100])),
    "randint int8": lambda k: fr.randint(k, (3,), -1000, 1000, np.int8),
    "permutation": lambda k: fr.permutation(k, 6),
    "permutation of an array": lambda k: fr.permutation(k, np.arange(12.0).reshape(3, 4), axis=1),
    "permutation independent": lambda k: fr.permutation(k, np.arange(12.0).reshape(3, 4), independent=True),
    "choice": lambda k: fr.choice(k, 10, (3,)),
    "choice without replacement": lambda k: fr.choice(k, 10, (3,), replace=False),
    "choice weighted": lambda k: fr.choice(k, 4, (5,), p=P),
    "choice weighted without replacement": lambda k: fr.choice(k, 4, (2,), replace=False, p=P),
    "choice of an array": lambda k: fr.choice(k, np.arange(20.0).reshape(4, 5), (2,), axis=1),
    "categorical": lambda k: fr.categorical(k, LOGITS),
    "categorical shape": lambda k: fr.categorical(k, LOGITS, axis=0, shape=(4, 3)),
    "gumbel": lambda k: fr.gumbel(k, (3,)),
    "exponential": lambda k: fr.exponential(k, (3,), np.float32),
    "laplace": lambda k: fr.laplace(k, (2,)),
    "split": lambda k: fr.split(k, 3),
    "fold_in": lambda k: fr.fold_in(k, 7),
    "key_data": fr.key_data,
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampling_under_vmap_over_keys_equals_the_loop(name):
    f = SAMPLERS[name]
    want = np.stack([host(f(k)) for k in KEYS])
    same(fgrad.vmap(f)(KEYS), want)
    same(fgrad.vmap(f, in_axes=1)(KEYS.T), want)
    same(fgrad.vmap(f, out_axes=-1)(KEYS), np.moveaxis(want, 0, -1))
    grid = fr.split(fr.key(4), (2, 3))
    same(fgrad.vmap(fgrad.vmap(f))(grid), np.stack([np.stack([host(f(k)) for k in row]) for row in grid]))


def test_streams_are_independent():
    draws = host(fgrad.vmap(lambda k: fr.normal(k, (2000,)))(fr.split(fr.key(0), 4)))
    corr = np.corrcoef(draws)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 0.1)


MAPPED_PARAMETERS = {
    "uniform minval": (lambda k, m: fr.uniform(k, (3,), minval=m, maxval=m + 1.0), np.array([-1.0, 0, 2, 5, 7])),
    "uniform minval vector": (lambda k, m: fr.uniform(k, (2, 3), minval=m), np.linspace(-3, -1, 15).reshape(5, 3)),
    "truncated_normal bounds": (lambda k, a: fr.truncated_normal(k, a, a + 2.0, (2,)), np.array([-1.0, 0, 2, 5, 7])),
    "bernoulli p": (lambda k, q: fr.bernoulli(k, q, (4,)), np.linspace(0.1, 0.9, 5)),
    "randint maxval": (lambda k, h: fr.randint(k, (3,), 0, h), np.arange(2, 7)),
    "choice p": (lambda k, q: fr.choice(k, 4, (6,), p=q), np.stack([np.roll(P, i) for i in range(5)])),
    "choice p without replacement": (lambda k, q: fr.choice(k, 4, (3,), replace=False, p=q),
                                     np.stack([np.roll(P, i) for i in range(5)])),
    "categorical logits": (lambda k, lg: fr.categorical(k, lg, shape=(3, 2)),
                           np.stack([LOGITS * (1 + i) for i in range(5)])),
    "permutation x": (lambda k, x: fr.permutation(k, x), np.arange(20.0).reshape(5, 4)),
    "permutation x independent": (lambda k, x: fr.permutation(k, x, independent=True),
                                  np.arange(40.0).reshape(5, 2, 4)),
    "choice a": (lambda k, x: fr.choice(k, x, (3,)), np.arange(20.0).reshape(5, 4)),
    "fold_in data": (lambda k, d: fr.fold_in(k, d), np.arange(5) - 2),
    "key from a seed": (lambda k, s: fr.key(s), np.array([0, 1, -1, 2**40, 7])),
}


@pytest.mark.parametrize("name", MAPPED_PARAMETERS)
@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0)])
def test_mapped_parameters(name, in_axes):
    f, params = MAPPED_PARAMETERS[name]
    args = [KEYS if in_axes[0] == 0 else KEYS[0], params if in_axes[1] == 0 else params[0]]
    want = np.stack([host(f(args[0] if in_axes[0] is None else args[0][i],
                             args[1] if in_axes[1] is None else args[1][i])) for i in range(5)])
    same(fgrad.vmap(f, in_axes=in_axes)(*args), want)


def test_samples_are_constants_to_derivatives_under_vmap():
    h = lambda m, k: fnp.sum(m * fr.uniform(k, (3,), minval=m, maxval=m + 1.0))  # noqa: E731
    ms = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
    _close(fgrad.vmap(fgrad.grad(h))(ms, KEYS), np.stack([host(fgrad.grad(h)(m, k)) for m, k in zip(ms, KEYS)]))
    _close(fgrad.grad(lambda m: fnp.sum(fgrad.vmap(h, in_axes=(None, 0))(m, KEYS)))(0.5),
           sum(host(fgrad.grad(h)(0.5, k)) for k in KEYS))
    _close(fgrad.jvp(lambda m: fgrad.vmap(h, in_axes=(None, 0))(m, KEYS), (0.5,), (1.0,))[1],
           np.stack([host(fgrad.jvp(lambda m: h(m, k), (0.5,), (1.0,))[1]) for k in KEYS]))


def test_gradients_through_permutations_under_vmap():
    w = np.arange(5.0)
    f = lambda x, k: fnp.sum(w * fr.permutation(k, x) ** 2)  # noqa: E731
    xs = np.arange(25.0).reshape(5, 5)
    _close(fgrad.vmap(fgrad.grad(f))(xs, KEYS), stack([fgrad.grad(f)(x, k) for x, k in zip(xs, KEYS)]))
    _close(fgrad.grad(lambda x: fnp.sum(fgrad.vmap(f, in_axes=(None, 0))(x, KEYS)))(xs[0]),
           sum(host(fgrad.grad(f)(xs[0], k)) for k in KEYS))


def test_dropout_style_noise_per_example():
    drop = lambda x, k: x * fr.bernoulli(k, 0.5, x.shape) / 0.5  # noqa: E731
    x = np.ones((5, 6))
    same(fgrad.vmap(drop)(x, KEYS), np.stack([host(drop(x[i], KEYS[i])) for i in range(5)]))


def test_a_shape_that_depends_on_a_mapped_value_is_refused():
    with pytest.raises(fgrad.batching.ConcretizationTypeError, match="vmap"):
        fgrad.vmap(lambda n: fr.permutation(fr.key(0), n))(np.arange(3))


def test_every_sampler_is_one_primitive_call(monkeypatch):
    prim = PRIMITIVES["random_sample"]
    calls = []
    impl = prim.impl
    monkeypatch.setattr(prim, "impl", lambda *a, **p: (calls.append((p["sampler"], p["nb"])), impl(*a, **p))[1])
    fgrad.vmap(lambda k: fr.normal(k, (3,)))(KEYS)
    assert calls == [("normal", 1)]
