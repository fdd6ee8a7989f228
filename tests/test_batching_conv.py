"""vmap of fgrad.convolution (convolutions, pooling, unfold/fold and the composites on them): the
batch equals the loop over the examples.

Each case runs in every layout of its arguments (unmapped, or mapped along the first, a middle or
the last axis), nested with grad and jvp both ways, and inside another vmap. Mapped weights (an
ensemble) become more channels of one grouped convolution: no loop over the batch.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.convolution as fc
from fgrad.core import PRIMITIVES

from batching_support import check_loop, check_vmap_of_vmap

RTOL, ATOL = 1e-9, 1e-11
rng = np.random.default_rng(0)

# vmap(f), vmap(grad), grad(vmap), vmap(jvp), jvp(vmap) equal the loop, in every layout; only the
# float arguments are rescaled per example and differentiated (integer ones, indices, are repeated)
check = functools.partial(check_loop, rtol=RTOL, atol=ATOL)
# vmap(vmap(f)) over a (2, 3) batch of every argument
check_nested = functools.partial(check_vmap_of_vmap, rtol=RTOL, atol=ATOL)


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
