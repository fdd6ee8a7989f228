"""Helpers shared by the vmap tests (tests/test_batching*.py): the batch must equal the loop.

Tolerances stay with each test module (they differ by family) and are passed in as ``rtol``/``atol``;
a module binds them once with ``functools.partial``.
"""
import itertools

import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad.tree_util import tree_flatten, tree_map, tree_structure

from helpers import host


def floating(x):
    """Whether ``x`` (an array, a tracer or a Python number) has a real floating dtype."""
    return np.issubdtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype, np.floating)


def float_args(args):
    """The positions of the floating arguments (those to differentiate)."""
    return tuple(i for i, a in enumerate(args) if floating(a))


def close(got, want, what="", *, rtol, atol, f32=None, structure=False, dtype=True):
    """``got`` (a pytree, on any device) equals ``want`` leaf by leaf: shape, dtype and value.

    structure: the two trees must also be alike (not only their leaves, in order); dtype=False
    compares shapes and values only; f32: the ``(rtol, atol)`` for float32 leaves; what: a label.
    """
    if structure:
        assert tree_structure(got) == tree_structure(want), (what, tree_structure(got), tree_structure(want))
    got, want = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(got) == len(want), (what, len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = host(g), host(w)
        label = what if len(got) == 1 else f"{what} [{i}]"
        assert g.shape == w.shape, (label, g.shape, w.shape)
        assert not dtype or g.dtype == w.dtype, (label, g.dtype, w.dtype)
        r, a = f32 if f32 is not None and g.dtype == np.float32 else (rtol, atol)
        np.testing.assert_allclose(g, w, rtol=r, atol=a, err_msg=label)


def stack(outs, axis=0):
    """The loop's answer: per-example outputs (pytrees alike) stacked leaf by leaf along ``axis``."""
    return tree_map(lambda *xs: np.stack([host(x) for x in xs], axis=axis), *outs)


def first_middle_last(ndim):
    """Unmapped, or mapped at the last (as -1), the first or a middle axis (``ndim // 2 + 1``;
    none for a 0-d argument, whose batch has a single axis)."""
    return sorted({None, 0, -1} | ({ndim // 2 + 1} if ndim else set()), key=lambda a: (a is not None, a))


def layouts(args, choices=first_middle_last):
    """Every ``in_axes`` that maps at least one argument, each argument taking one of
    ``choices(its ndim)`` (in ``itertools.product`` order)."""
    return [axes for axes in itertools.product(*[choices(np.ndim(a)) for a in args])
            if any(ax is not None for ax in axes)]


def rescaled(a, k):
    """Example ``k`` of a mapped argument: a floating one scaled by ``1 + 0.05 k``, any other repeated."""
    return a * (1.0 + 0.05 * k) if floating(a) else a


def batch(args, axes, size=3, vary=rescaled):
    """(batched args, per-example args): ``size`` examples, example k of a mapped argument being
    ``vary(arg, k)`` (an unmapped one is the argument itself), stacked along its axis."""
    examples = [[a if ax is None else vary(a, k) for a, ax in zip(args, axes)] for k in range(size)]
    batched = [a if ax is None else np.stack([ex[i] for ex in examples], axis=ax)
               for i, (a, ax) in enumerate(zip(args, axes))]
    return batched, examples


def sin_scalar(f):
    """A scalar of every floating output of ``f`` (a sin keeps the derivatives from being trivial)."""
    def s(*a):
        outs = [o for o in tree_flatten(f(*a))[0] if floating(o)]
        return sum(fnp.sum(fnp.sin(o * (1.0 + 0.25 * i))) for i, o in enumerate(outs))
    return s


def check_loop(f, args, *, rtol, atol, grads=True, size=3):
    """vmap(f), vmap(grad), grad(vmap), vmap(jvp) and jvp(vmap) equal the loop over ``size``
    rescaled examples, in every one of ``layouts(args)``; only the floating arguments are
    differentiated (tangents: half the primals). grads=False checks the value only."""
    diff = float_args(args)
    argnums = tuple(range(len(diff)))

    def _close(got, want):
        close(got, want, rtol=rtol, atol=atol)

    def partial(a, d):
        full = list(a)
        for i, v in zip(diff, d):
            full[i] = v
        return full

    def g(*a):
        return fgrad.grad(lambda *d: sin_scalar(f)(*partial(a, d)), argnums=argnums)(*[a[i] for i in diff])

    def tangent(*a):
        return fgrad.jvp(lambda *d: f(*partial(a, d)), tuple(a[i] for i in diff),
                         tuple(a[i] * 0.5 for i in diff))[1]

    for axes in layouts(args):
        batched, examples = batch(args, axes, size)
        vf = fgrad.vmap(f, in_axes=axes)
        _close(vf(*batched), stack([f(*ex) for ex in examples]))
        if not grads:
            continue
        _close(fgrad.vmap(g, in_axes=axes)(*batched), stack([g(*ex) for ex in examples]))
        # grad of vmap: a mapped argument's gradient is the examples' stacked, an unmapped one's summed
        per = [g(*ex) for ex in examples]
        want = [sum(host(p[j]) for p in per) if axes[i] is None else np.stack([host(p[j]) for p in per], axis=axes[i])
                for j, i in enumerate(diff)]
        got = fgrad.grad(lambda *d: sin_scalar(vf)(*partial(batched, d)), argnums=argnums)(
            *[batched[i] for i in diff])
        _close(got, want)
        _close(fgrad.vmap(tangent, in_axes=axes)(*batched), stack([tangent(*ex) for ex in examples]))
        _close(fgrad.jvp(lambda *d: vf(*partial(batched, d)), tuple(batched[i] for i in diff),
                         tuple(batched[i] * 0.5 for i in diff))[1],
               stack([tangent(*ex) for ex in examples]))


def check_vmap_of_vmap(f, args, *, rtol, atol, size=3):
    """vmap(vmap(f)) over a (2, size) batch of every argument (floating ones rescaled) equals the loop."""
    batched = [np.stack([np.stack([a * (1 + 0.05 * i + 0.02 * j) if floating(a) else a for j in range(size)])
                         for i in range(2)]) for a in args]
    want = stack([stack([f(*[b[i, j] for b in batched]) for j in range(size)]) for i in range(2)])
    close(fgrad.vmap(fgrad.vmap(f))(*batched), want, rtol=rtol, atol=atol)
