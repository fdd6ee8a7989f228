"""vmap of fgrad.convolution (convolutions, pooling, unfold/fold and the composites on them): the
batch equals the loop over the examples.

Each case runs in every layout of its arguments (unmapped, or mapped along the first, a middle or
the last axis), nested with grad and jvp both ways, and inside another vmap. Mapped weights (an
ensemble) become more channels of one grouped convolution: no loop over the batch.
"""
import itertools

import numpy as np
import pytest

import fgrad
import fgrad.convolution as fc
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES
from fgrad.tree_util import tree_flatten

RTOL, ATOL = 1e-9, 1e-11
B = 3
rng = np.random.default_rng(0)


def _host(x):
    return np.asarray(fgrad.device_get(x))


def _dtype(x):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def _floating(x):
    return np.issubdtype(_dtype(x), np.floating)


def _close(got, want):
    g_flat, w_flat = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(g_flat) == len(w_flat)
    for g, w in zip(g_flat, w_flat):
        g, w = _host(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def _stack(outs, axis=0):
    flat = [tree_flatten(o)[0] for o in outs]
    return [np.stack([_host(x) for x in xs], axis=axis) for xs in zip(*flat)]


def _layouts(args):
    choices = [sorted({None, 0, np.ndim(a) // 2 + 1, -1}, key=lambda a: (a is not None, a)) for a in args]
    return [axes for axes in itertools.product(*choices) if any(a is not None for a in axes)]


def _batch(args, axes):
    """(batched args, per-example args): mapped float arguments are rescaled copies, stacked
    (an integer one, indices, is repeated)."""
    examples = [[a * (1.0 + 0.05 * k) if ax is not None and _floating(a) else a for a, ax in zip(args, axes)]
                for k in range(B)]
    batched = [a if ax is None else np.stack([ex[i] for ex in examples], axis=ax)
               for i, (a, ax) in enumerate(zip(args, axes))]
    return batched, examples


def _scalar(f):
    def s(*a):
        outs = [o for o in tree_flatten(f(*a))[0] if _floating(o)]
        return sum(fnp.sum(fnp.sin(o * (1.0 + 0.25 * i))) for i, o in enumerate(outs))
    return s


def check(f, args, layouts=None):
    """vmap(f), vmap(grad), grad(vmap), vmap(jvp), jvp(vmap) equal the loop, in every layout;
    only the float arguments are differentiated."""
    diff = tuple(i for i, a in enumerate(args) if _floating(a))

    def partial(a, d):
        full = list(a)
        for i, v in zip(diff, d):
            full[i] = v
        return full

    def g(*a):
        return fgrad.grad(lambda *d: _scalar(f)(*partial(a, d)), argnums=tuple(range(len(diff))))(
            *[a[i] for i in diff])

    def tangent(*a):
        return fgrad.jvp(lambda *d: f(*partial(a, d)), tuple(a[i] for i in diff),
                         tuple(a[i] * 0.5 for i in diff))[1]

    for axes in layouts or _layouts(args):
        batched, examples = _batch(args, axes)
        vf = fgrad.vmap(f, in_axes=axes)
        _close(vf(*batched), _stack([f(*ex) for ex in examples]))
        _close(fgrad.vmap(g, in_axes=axes)(*batched), _stack([g(*ex) for ex in examples]))
        per = [g(*ex) for ex in examples]
        want = [sum(_host(p[j]) for p in per) if axes[i] is None else np.stack([_host(p[j]) for p in per], axis=axes[i])
                for j, i in enumerate(diff)]
        got = fgrad.grad(lambda *d: _scalar(vf)(*partial(batched, d)), argnums=tuple(range(len(diff))))(
            *[batched[i] for i in diff])
        _close(got, want)
        _close(fgrad.vmap(tangent, in_axes=axes)(*batched), _stack([tangent(*ex) for ex in examples]))
        _close(fgrad.jvp(lambda *d: vf(*partial(batched, d)), tuple(batched[i] for i in diff),
                         tuple(batched[i] * 0.5 for i in diff))[1],
               _stack([tangent(*ex) for ex in examples]))


def check_nested(f, args):
    batched = [np.stack([np.stack([a * (1 + 0.05 * i + 0.02 * j) if _floating(a) else a for j in range(B)])
                         for i in range(2)]) for a in args]
    want = [_stack([f(*[b[i, j] for b in batched]) for j in range(B)]) for i in range(2)]
    _close(fgrad.vmap(fgrad.vmap(f))(*batched), [np.stack(w) for w in zip(*want)])


def distinct(*s):
    """Distinct values (max pooling has kinks at ties)."""
    return (rng.permutation(int(np.prod(s))) * 0.1 - 3.0).reshape(s)


CONV = {
    "2d groups=1": ((2, 4, 5, 6), (3, 4, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2)), 1),
    "2d groups=2": ((2, 4, 5, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2)), 2),
    "1d same": ((2, 3, 7), (4, 3, 3), dict(padding="same", dilation=2), 1),
    "1d groups=3": ((3, 6, 7), (6, 2, 3), dict(padding=1), 3),
}


@pytest.mark.parametrize("name", CONV)
def test_conv_family(name):
    xs, ws, kw, groups = CONV[name]
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    check(lambda x, w: fc.conv(x, w, groups=groups, **kw), [x, w])
    check(lambda x, w: fc.conv(x, w, groups=groups, **kw), [x[0], w])  # unbatched input
    g = rng.standard_normal(fc.conv(x, w, groups=groups, **kw).shape)
    check(lambda g, w: fc.conv_input_grad(g, w, xs[2:], groups=groups, **kw), [g, w])
    check(lambda x, g: fc.conv_weight_grad(x, g, ws[2:], groups=groups, **kw), [x, g])


def test_conv_transpose():
    check(lambda x, w: fc.conv_transpose(x, w, stride=2, padding=1, output_padding=1, groups=2),
          [rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 3, 3, 2))])


def test_conv_nested():
    check_nested(lambda x, w: fc.conv(x, w, groups=2), [rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 2, 3))])
    check_nested(lambda x, w: fc.conv_transpose(x, w, groups=2),
                 [rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 2, 3))])


def _count_calls(monkeypatch, name):
    prim = PRIMITIVES[name]
    calls = []
    impl = prim.impl

    def counted(*args, **params):
        calls.append(([a.shape for a in args], params.get("groups")))
        return impl(*args, **params)
    monkeypatch.setattr(prim, "impl", counted)
    return calls


def test_ensembles_are_one_convolution(monkeypatch):
    """Mapped weights on one input: one conv over B * C_out channels, groups unchanged; mapped
    weights and inputs: one conv with B * groups groups."""
    calls = _count_calls(monkeypatch, "conv")
    x, ws = rng.standard_normal((2, 4, 6)), rng.standard_normal((5, 6, 2, 3))
    fgrad.vmap(lambda w: fc.conv(x, w, groups=2), in_axes=0)(ws)
    assert calls == [([(2, 4, 6), (30, 2, 3)], 2)]
    calls.clear()
    xs = rng.standard_normal((5, 2, 4, 6))
    fgrad.vmap(lambda x, w: fc.conv(x, w, groups=2))(xs, ws)
    assert calls == [([(2, 20, 6), (30, 2, 3)], 10)]
    calls.clear()
    fgrad.vmap(lambda x: fc.conv(x, ws[0], groups=2))(xs)  # mapped input only: more images
    assert calls == [([(10, 4, 6), (6, 2, 3)], 2)]


X4 = distinct(2, 3, 6, 7)
POOL = {
    "max_pool": (lambda x: fc.max_pool(x, 3, stride=2, padding=1), [X4]),
    "max_pool indices": (lambda x: fc.max_pool(x, 2, return_indices=True), [X4]),
    "max_pool dilation ceil": (lambda x: fc.max_pool(x, (2, 3), stride=1, dilation=2, ceil_mode=True), [X4]),
    "max_pool unbatched": (lambda x: fc.max_pool(x, 2), [X4[0]]),
    "max_pool 1d": (lambda x: fc.max_pool(x, 3, 2), [distinct(2, 3, 9)]),
    "avg_pool": (lambda x: fc.avg_pool(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True), [X4]),
    "avg_pool divisor": (lambda x: fc.avg_pool(x, 2, divisor_override=3), [X4]),
    "adaptive_avg_pool": (lambda x: fc.adaptive_avg_pool(x, (3, 4)), [X4]),
    "adaptive_max_pool": (lambda x: fc.adaptive_max_pool(x, (4, 3), return_indices=True), [X4]),
    "adaptive_max_pool divides": (lambda x: fc.adaptive_max_pool(x, (3, 7)), [X4]),
    "lp_pool": (lambda x: fc.lp_pool(x, 2, 2), [np.abs(X4) + 1.0]),
    "unfold": (lambda x: fc.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2), [X4]),
    "unfold unbatched": (lambda x: fc.unfold(x, 2), [X4[0]]),
    "fold": (lambda c: fc.fold(c, (4, 5), 2, padding=1, stride=(2, 1)), [rng.standard_normal((2, 12, 18))]),
    "interpolate bilinear": (lambda x: fc.interpolate(x, scale_factor=2, mode="bilinear"), [X4]),
    "interpolate nearest": (lambda x: fc.interpolate(x, size=(5, 9)), [X4]),
}


@pytest.mark.parametrize("name", POOL)
def test_pooling_and_resampling(name):
    f, args = POOL[name]
    check(f, args)


VALS, IDX = fc.max_pool(X4, 2, return_indices=True)
PLANE_IDX = np.array([[[0, 5, 5, 11], [3, 2, 0, 7]]])


def test_ops_on_indices():
    check(lambda v, i: fc.max_unpool(v, i, 2, output_size=(6, 7)), [VALS, IDX])
    check(lambda x, i: PRIMITIVES["plane_gather"].bind(x, i), [rng.standard_normal((1, 2, 3, 4)), PLANE_IDX])
    check(lambda g, i: PRIMITIVES["plane_scatter_add"].bind(g, i, size=(3, 4), unique=False),
          [rng.standard_normal((1, 2, 4)), PLANE_IDX])


def test_pooling_nested():
    check_nested(lambda x: fc.max_pool(x, 2, return_indices=True), [X4])
    check_nested(lambda x: fc.avg_pool(x, 2), [X4])
    check_nested(lambda x: fc.unfold(x, 2), [X4])
    check_nested(lambda v, i: fc.max_unpool(v, i, 2, output_size=(6, 7)), [VALS, IDX])
