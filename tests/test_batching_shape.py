"""vmap of the shape and reduction families (and their composites): the batch equals the loop.

Every case runs in every layout of its arguments (each one unmapped, or mapped along its first,
a middle, or its last axis), then nested with grad and jvp both ways, and inside another vmap.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES

from batching_support import close, float_args, layouts, stack
from helpers import host

RTOL, ATOL = 1e-10, 1e-12
B = 3  # batch size

_close = functools.partial(close, rtol=RTOL, atol=ATOL)


def _leaves(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _axis_choices(nd):
    """Unmapped or mapped at the first / a middle / the last axis (the last both as -1 and written
    positively)."""
    c = {None, 0, -1}
    if nd >= 1:
        c.add(nd)   # last axis, written positively
        c.add((nd + 1) // 2)
    return sorted(c, key=lambda a: (a is not None, a))


def _make(examples, axes):
    """Batched arguments from per-example ones: stacked along each mapped argument's axis."""
    out = []
    for i, ax in enumerate(axes):
        if ax is None:
            out.append(examples[0][i])
        else:
            nd = np.ndim(examples[0][i]) + 1
            out.append(np.stack([ex[i] for ex in examples], axis=ax % nd))
    return out


def _examples(args, axes, rng):
    """B per-example argument tuples: mapped float arguments differ between examples."""
    exs = []
    for k in range(B):
        ex = []
        for a, ax in zip(args, axes):
            a = np.asarray(a)
            if ax is not None and a.dtype.kind == "f":
                a = a + rng.standard_normal(a.shape) * (k > 0)
            elif ax is not None and a.dtype.kind == "b":
                a = a | (rng.random(a.shape) < 0.3 * (k > 0))  # only adds elements (none left empty)
            ex.append(a)
        exs.append(tuple(ex))
    return exs


def _weighted(fun, weights):
    """A scalar reaching every float output element (so the gradient checks all of them)."""
    def f(*args):
        outs = _leaves(fun(*args))
        return sum(fnp.sum(o * w) for o, w in zip(outs, weights) if np.asarray(w).dtype.kind == "f")
    return f


def check(fun, *args, diff=True):
    rng = np.random.default_rng(0)
    for axes in layouts(args, _axis_choices):
        exs = _examples(args, axes, rng)
        batched = _make(exs, axes)
        mapped = fgrad.vmap(fun, in_axes=axes)
        _close(mapped(*batched), stack([fun(*ex) for ex in exs]))
        if not diff:
            continue
        fl = float_args(args)
        outs0 = _leaves(fun(*exs[0]))
        weights = [rng.standard_normal(np.shape(o)) if host(o).dtype.kind == "f" else np.zeros(())
                   for o in outs0]
        f = _weighted(fun, weights)
        g = fgrad.grad(f, argnums=fl)
        # vmap of grad
        _close(fgrad.vmap(g, in_axes=axes)(*batched), stack([g(*ex) for ex in exs]))
        # grad of vmap: a mapped argument's gradient is the examples' stacked, an unmapped one's summed
        bweights = [np.stack([w] * B) for w in weights]

        def fb(*a):
            outs = _leaves(mapped(*a))
            return sum(fnp.sum(o * w) for o, w in zip(outs, bweights) if w.dtype.kind == "f")
        per = [g(*ex) for ex in exs]
        want = [np.stack([host(p[j]) for p in per], axis=axes[i] % (np.ndim(args[i]) + 1))
                if axes[i] is not None else np.sum([host(p[j]) for p in per], axis=0)
                for j, i in enumerate(fl)]
        _close(list(fgrad.grad(fb, argnums=fl)(*batched)), want)

        # vmap of jvp, and jvp of vmap (tangents: the arguments themselves, floats only)
        def tangent(*a):
            prim = list(a)
            return fgrad.jvp(lambda *x: fun(*[x[fl.index(i)] if i in fl else prim[i]
                                               for i in range(len(prim))]),
                             tuple(a[i] for i in fl), tuple(a[i] * 0.5 + 1.0 for i in fl))[1]
        _close(fgrad.vmap(tangent, in_axes=axes)(*batched), stack([tangent(*ex) for ex in exs]))
        _close(tangent_of_vmap(mapped, batched, fl), stack([tangent(*ex) for ex in exs]))


def tangent_of_vmap(mapped, batched, fl):
    def f(*x):
        a = list(batched)
        for k, i in enumerate(fl):
            a[i] = x[k]
        return mapped(*a)
    return fgrad.jvp(f, tuple(batched[i] for i in fl), tuple(batched[i] * 0.5 + 1.0 for i in fl))[1]


def check_nested(fun, *args):
    """vmap(vmap(fun)): two batch axes (the inner one moved around)."""
    rng = np.random.default_rng(1)
    outer = []
    for k in range(2):
        exs = _examples(args, (0,) * len(args), rng)
        outer.append((exs, _make(exs, (-1,) * len(args))))
    batched = _make([o[1] for o in outer], (0,) * len(args))
    got = fgrad.vmap(fgrad.vmap(fun, in_axes=-1), in_axes=0)(*batched)
    want = stack([stack([fun(*ex) for ex in exs]) for exs, _ in outer])
    _close(got, want)


R = np.random.default_rng(42)


def a(*shape):
    return R.standard_normal(shape)


def distinct(*shape):
    return R.permutation(int(np.prod(shape, dtype=np.int64))).reshape(shape) * 0.1 - 1.0


def zeros_in(*shape):
    return R.choice([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0], size=shape)


MASK = (np.arange(12).reshape(3, 4) % 3) != 1

SHAPE_CASES = {
    # reshape
    "reshape_flat": (lambda x: fnp.reshape(x, (-1,)), a(2, 3)),
    "reshape_3d": (lambda x: fnp.reshape(x, (3, 1, -1)), a(2, 3, 2)),
    "reshape_0d": (lambda x: fnp.reshape(x, (1, 1)), a()),
    "reshape_to_0d": (lambda x: fnp.reshape(x, ()), a(1, 1)),
    "ravel": (fnp.ravel, a(2, 3)),
    "expand_dims": (lambda x: fnp.expand_dims(x, (0, -1)), a(3)),
    "squeeze": (lambda x: fnp.squeeze(x, 1), a(3, 1, 2)),
    "squeeze_all": (fnp.squeeze, a(1, 3, 1)),
    "atleast_3d": (fnp.atleast_3d, a(2)),
    # broadcast_to
    "broadcast_to": (lambda x: fnp.broadcast_to(x, (2, 3, 4)), a(3, 1)),
    "broadcast_0d": (lambda x: fnp.broadcast_to(x, (3, 2)), a()),
    "broadcast_same_rank": (lambda x: fnp.broadcast_to(x, (2, 3, 4)), a(2, 1, 4)),
    "broadcast_arrays": (lambda x, y: fnp.broadcast_arrays(x, y), a(3, 1), a(2, 1, 4)),
    "tile": (lambda x: fnp.tile(x, (2, 1, 3)), a(2, 2)),
    "tile_0d": (lambda x: fnp.tile(x, 2), a()),
    # transpose
    "transpose": (fnp.transpose, a(2, 3, 4)),
    "transpose_axes": (lambda x: fnp.transpose(x, (1, 2, 0)), a(2, 3, 4)),
    "moveaxis": (lambda x: fnp.moveaxis(x, 0, -1), a(2, 3, 4)),
    "swapaxes": (lambda x: fnp.swapaxes(x, 0, -1), a(2, 3)),
    "T": (lambda x: x.T, a(2, 3)),
    # concatenate
    "concatenate": (lambda x, y: fnp.concatenate([x, y]), a(2, 3), a(1, 3)),
    "concatenate_3": (lambda x, y, z: fnp.concatenate([x, y, z], axis=1), a(2, 1, 3), a(2, 2, 3), a(2, 0, 3)),
    "concatenate_neg": (lambda x, y: fnp.concatenate([x, y], axis=-1), a(2, 1), a(2, 3)),
    "concatenate_none": (lambda x, y: fnp.concatenate([x, y], axis=None), a(2, 2), a(3)),
    "concatenate_const": (lambda x: fnp.concatenate([np.ones((2, 3)), x, np.zeros((1, 3))]), a(2, 3)),
    "concatenate_same": (lambda x, y: fnp.concatenate([x, x * y, y]), a(2, 2), a(2, 2)),
    "stack": (lambda x, y, z: fnp.stack([x, y, z], axis=1), a(2, 3), a(2, 3), a(2, 3)),
    "stack_0d": (lambda x, y: fnp.stack([x, y], axis=-1), a(), a()),
    "stack_traced": (lambda x: fnp.stack(x), a(3, 2)),
    "hstack": (lambda x, y: fnp.hstack([x, y]), a(3), a(2)),
    "vstack": (lambda x, y: fnp.vstack([x, y]), a(3), a(3)),
    "dstack": (lambda x, y: fnp.dstack([x, y]), a(2, 2), a(2, 2)),
    "column_stack": (lambda x, y: fnp.column_stack([x, y]), a(3), a(3)),
    "roll": (lambda x: fnp.roll(x, (1, -2), (0, 1)), a(3, 4)),
    "roll_flat": (lambda x: fnp.roll(x, 3), a(2, 5)),
    "meshgrid": (lambda x, y: fnp.meshgrid(x, y), a(3), a(2)),
    # split
    "split": (lambda x: fnp.split(x, 2), a(4, 3)),
    "split_axis1": (lambda x: tuple(fnp.split(x, 3, axis=1)), a(2, 3)),
    "split_indices": (lambda x: fnp.split(x, [1, 3])[1], a(5, 2)),
    "array_split": (lambda x: fnp.array_split(x, 3, axis=-1), a(2, 5)),
    "split_overlap": (lambda x: fnp.split(x, [-1, 1, 9]), a(4)),
    "hsplit": (lambda x: fnp.hsplit(x, [2]), a(2, 3)),
    # flip
    "flip": (fnp.flip, a(2, 3)),
    "flip_neg": (lambda x: fnp.flip(x, -1), a(2, 3)),
    "flip_axes": (lambda x: fnp.flip(x, (0, 2)), a(2, 3, 4)),
    "fliplr": (fnp.fliplr, a(2, 3)),
    "flipud": (fnp.flipud, a(2, 3)),
    "rot90": (fnp.rot90, a(2, 3)),
    "rot90_axes": (lambda x: fnp.rot90(x, -1, (2, 0)), a(2, 3, 4)),
    "rot90_2": (lambda x: fnp.rot90(x, 2), a(2, 3)),
    # repeat
    "repeat_flat": (lambda x: fnp.repeat(x, 2), a(2, 3)),
    "repeat_0d": (lambda x: fnp.repeat(x, 3), a()),
    "repeat_axis": (lambda x: fnp.repeat(x, 3, axis=1), a(2, 3)),
    "repeat_counts": (lambda x: fnp.repeat(x, [2, 0, 1], axis=0), a(3, 2)),
    "repeat_counts_neg": (lambda x: fnp.repeat(x, [1, 3], axis=-1), a(2, 2)),
    "repeat_sum": (lambda g: PRIMITIVES["repeat_sum"].bind(g, repeats=2, axis=0, length=3), a(6, 2)),
    "repeat_sum_counts": (lambda g: PRIMITIVES["repeat_sum"].bind(g, repeats=(2, 0, 1), axis=1, length=3),
                          a(2, 3)),
    # pad
    "pad": (lambda x: fnp.pad(x, 1), a(2, 3)),
    "pad_values": (lambda x: fnp.pad(x, ((0, 2), (1, 0)), constant_values=((1.5, 2.0), (-1.0, 0.5))), a(2, 3)),
    "pad_scalar_value": (lambda x: fnp.pad(x, (1, 2), constant_values=3.0), a(2, 3)),
    "pad_traced_value": (lambda x, c: fnp.pad(x, 1, constant_values=c), a(2, 3), a()),
    "pad_edge": (lambda x: fnp.pad(x, (2, 1), mode="edge"), a(2, 3)),
    "pad_reflect": (lambda x: fnp.pad(x, ((3, 1), (0, 2)), mode="reflect"), a(2, 3)),
    "pad_symmetric": (lambda x: fnp.pad(x, 4, mode="symmetric"), a(3)),
    "pad_wrap": (lambda x: fnp.pad(x, ((1,), (5,)), mode="wrap"), a(2, 2)),
}

REDUCTION_CASES = {
    "sum": (fnp.sum, a(2, 3)),
    "sum_0d": (fnp.sum, a()),
    "sum_axis0": (lambda x: fnp.sum(x, axis=0), a(2, 3)),
    "sum_axes_keep": (lambda x: fnp.sum(x, axis=(0, 2), keepdims=True), a(2, 3, 2)),
    "sum_none_keep": (lambda x: fnp.sum(x, keepdims=True), a(2, 3)),
    "sum_where": (lambda x: fnp.sum(x, axis=-1, where=MASK, initial=1.5), a(3, 4)),
    "sum_traced_where": (lambda x, m: fnp.sum(x, axis=0, where=m), a(3, 4), MASK),
    "sum_dtype": (lambda x: fnp.sum(x, axis=1, dtype=np.float32).astype(np.float64), a(2, 3)),
    "mean": (lambda x: fnp.mean(x, axis=-1), a(2, 3)),
    "mean_where": (lambda x: fnp.mean(x, axis=1, where=MASK), a(3, 4)),
    "mean_traced_where": (lambda x, m: fnp.mean(x, axis=1, where=m), a(3, 4), MASK),
    "var": (lambda x: fnp.var(x, axis=0, ddof=1), a(3, 4)),
    "var_traced_where": (lambda x, m: fnp.var(x, axis=1, where=m, ddof=1), a(3, 4), MASK),
    "std": (lambda x: fnp.std(x, keepdims=True), a(3, 4)),
    "average": (lambda x, w: fnp.average(x, axis=1, weights=w), a(2, 3), np.abs(a(3)) + 0.5),
    "average_returned": (lambda x: fnp.average(x, axis=(0, 1), returned=True), a(2, 3)),
    "ptp": (lambda x: fnp.ptp(x, axis=1), distinct(2, 3)),
    "nansum": (lambda x: fnp.nansum(fnp.where(x > 1.0, np.nan, x), axis=0), a(3, 4)),
    "nanmean": (lambda x: fnp.nanmean(fnp.where(x > 1.0, np.nan, x), axis=1, where=MASK), a(3, 4)),
    "nanprod": (lambda x: fnp.nanprod(fnp.where(x > 1.0, np.nan, x)), a(3, 2)),
    "prod": (fnp.prod, a(2, 3)),
    "prod_zeros": (lambda x: fnp.prod(x, axis=1, keepdims=True), zeros_in(3, 3, 2)),
    "prod_axes": (lambda x: fnp.prod(x, axis=(0, 2)), zeros_in(2, 3, 2)),
    "prod_0d": (fnp.prod, a()),
    "max": (fnp.max, distinct(2, 3)),
    "max_keep": (lambda x: fnp.max(x, axis=0, keepdims=True), distinct(3, 2)),
    "amax_axes": (lambda x: fnp.amax(x, axis=(1, 2)), distinct(2, 3, 2)),
    "max_initial_where": (lambda x: fnp.max(x, axis=1, where=MASK, initial=-0.5), distinct(3, 4)),
    "max_0d": (fnp.max, a()),
    "min": (fnp.min, distinct(2, 3)),
    "min_neg": (lambda x: fnp.min(x, axis=-1), distinct(2, 3)),
    "amin_keep": (lambda x: fnp.amin(x, axis=(0, 1), keepdims=True), distinct(2, 3)),
    "cumsum": (fnp.cumsum, a(2, 3)),
    "cumsum_axis": (lambda x: fnp.cumsum(x, axis=1), a(2, 3)),
    "cumsum_0d": (fnp.cumsum, a()),
    "cumsum_reverse": (lambda x: PRIMITIVES["cumsum"].bind(x, axis=0, reverse=True), a(3, 2)),
    "cumulative_sum": (lambda x: fnp.cumulative_sum(x, axis=-1, include_initial=True), a(2, 3)),
    "cumprod": (fnp.cumprod, zeros_in(2, 3)),
    "cumprod_axis": (lambda x: fnp.cumprod(x, axis=0), zeros_in(3, 2)),
    "cumprod_reverse": (lambda x: PRIMITIVES["cumprod"].bind(x, axis=1, reverse=True), zeros_in(2, 4)),
    "cumulative_prod": (lambda x: fnp.cumulative_prod(x, include_initial=True), a(4)),
    "shift": (lambda x: PRIMITIVES["shift"].bind(x, axis=0, offset=1), a(3, 2)),
    "shift_neg": (lambda x: PRIMITIVES["shift"].bind(x, axis=1, offset=-2), a(2, 4)),
    "argmax_weighted": (lambda x: x * fnp.argmax(x, axis=-1, keepdims=True), distinct(2, 3)),
}

NONDIFF_CASES = {
    "argmax": (fnp.argmax, distinct(2, 3)),
    "argmax_keep": (lambda x: fnp.argmax(x, keepdims=True), distinct(2, 3)),
    "argmax_0d": (fnp.argmax, a()),
    "argmax_0d_keep": (lambda x: fnp.argmax(x, keepdims=True), a()),
    "argmax_axis": (lambda x: fnp.argmax(x, axis=-1, keepdims=True), distinct(2, 3)),
    "argmax_3d": (fnp.argmax, distinct(2, 3, 2)),
    "argmin": (fnp.argmin, distinct(2, 3)),
    "argmin_axis": (lambda x: fnp.argmin(x, axis=0), distinct(2, 3)),
    "argmin_keep": (lambda x: fnp.argmin(x, keepdims=True), distinct(2, 3, 2)),
    "any": (lambda x: fnp.any(x > 1), a(2, 3)),
    "any_axes_keep": (lambda x: fnp.any(x > 0, axis=(0, -1), keepdims=True), a(2, 3, 2)),
    "any_where": (lambda x: fnp.any(x > 0, axis=1, where=MASK), a(3, 4)),
    "any_traced_where": (lambda x, m: fnp.any(x > 0, axis=1, where=m), a(3, 4), MASK),
    "any_0d": (lambda x: fnp.any(x > 0), a()),
    "all": (lambda x: fnp.all(x > -1), a(2, 3)),
    "all_axis": (lambda x: fnp.all(x > 0, axis=0), a(2, 3)),
    "all_traced_where": (lambda x, m: fnp.all(x > 0, axis=0, where=m), a(3, 4), MASK),
    "all_bool": (lambda m: fnp.all(m, axis=-1), MASK),
    "count_nonzero": (lambda x: fnp.count_nonzero(x > 0), a(2, 3)),
    "count_nonzero_keep": (lambda x: fnp.count_nonzero(x > 0, axis=(0, 1), keepdims=True), a(2, 3, 2)),
    "count_nonzero_0d": (lambda x: fnp.count_nonzero(x), a()),
}

DIFF_CASES = {**SHAPE_CASES, **REDUCTION_CASES}


@pytest.mark.parametrize("name", list(DIFF_CASES))
def test_vmap_grad_jvp(name):
    fun, *args = DIFF_CASES[name]
    check(fun, *args)


@pytest.mark.parametrize("name", list(NONDIFF_CASES))
def test_vmap_nondiff(name):
    fun, *args = NONDIFF_CASES[name]
    check(fun, *args, diff=False)


@pytest.mark.parametrize("name", list(DIFF_CASES) + list(NONDIFF_CASES))
def test_vmap_of_vmap(name):
    fun, *args = {**DIFF_CASES, **NONDIFF_CASES}[name]
    check_nested(fun, *args)


@pytest.mark.parametrize("fun, out_axes", [
    (lambda v: fnp.flip(v, -1), 1), (lambda v: fnp.split(v, [1], axis=1), 1), (lambda v: fnp.repeat(v, 2, axis=0), 1),
    (lambda v: fnp.pad(v, 1), 1), (lambda v: fnp.cumsum(v, axis=1), 1), (lambda v: fnp.broadcast_to(v, (4, 2, 3)), 2),
])
def test_rules_keep_the_batch_axis_in_place(fun, out_axes, monkeypatch):
    """flip/split/repeat/pad/scans/broadcast_to skip their axes over the batch axis: no transpose."""
    prim = PRIMITIVES["transpose"]
    impl = prim.impl
    seen = []
    monkeypatch.setattr(prim, "impl", lambda *args, **kw: seen.append(kw) or impl(*args, **kw))
    x = a(2, 5, 3)   # the batch along the middle axis
    got = fgrad.vmap(fun, in_axes=1, out_axes=out_axes)(x)
    assert not seen
    _close(got, stack([fun(x[:, k]) for k in range(5)], axis=out_axes))


@pytest.mark.parametrize("fun, arg, what", [
    (lambda x, s: fnp.roll(x, s), np.arange(3), "roll: shift"),
    (lambda x, r: fnp.repeat(x, r), np.arange(1, 4), "repeat: repeats"),
    (lambda x, i: fnp.split(x, i), np.array([[1], [2], [3]]), "split: indices_or_sections"),
    (lambda x, p: fnp.pad(x, p), np.arange(1, 4), "pad: pad_width"),
])
def test_a_batched_shape_parameter_is_refused(fun, arg, what):
    x = np.ones((3, 4))
    with pytest.raises(fgrad.batching.ConcretizationTypeError, match=what):
        fgrad.vmap(fun)(x, arg)


def test_argmax_none_is_the_per_example_flat_index():
    x = np.zeros((2, 3, 4))
    x[0, 2, 1] = 1.0
    x[1, 0, 3] = 1.0
    _close(fgrad.vmap(fnp.argmax)(x), np.array([9, 3]))
    _close(fgrad.vmap(fnp.argmax, in_axes=1)(np.moveaxis(x, 0, 1)), np.array([9, 3]))
    _close(fgrad.vmap(lambda v: fnp.argmin(-v, keepdims=True), in_axes=-1)(np.moveaxis(x, 0, -1)),
           np.array([9, 3]).reshape(2, 1, 1))


def test_nested_vmaps_map_different_arguments():
    """The inner vmap maps one argument, the outer another: each rule sees the other's tracers as
    unmapped (concatenate broadcasts them; the reductions reduce the right axes)."""
    xs, ys = a(3, 2, 4), a(5, 1, 4)
    f = lambda x: fgrad.vmap(lambda y: fnp.concatenate([x, y, np.ones((1, 4))]))(ys)  # noqa: E731
    want = np.stack([np.stack([np.concatenate([x, y, np.ones((1, 4))]) for y in ys]) for x in xs])
    _close(fgrad.vmap(f)(xs), want)
    _close(fgrad.grad(lambda v: fnp.sum(fgrad.vmap(f)(v) ** 2))(xs), 2 * 5 * xs)
    h = lambda y: fgrad.vmap(lambda x: fnp.max(x * y, axis=0), in_axes=1)(xs)  # noqa: E731
    want = np.stack([np.stack([np.max(xs[:, k] * y, axis=0) for k in range(2)]) for y in ys])
    _close(fgrad.vmap(h)(ys), want)


@pytest.mark.parametrize("fun, shape", [
    (fnp.ravel, (0, 6)), (fnp.transpose, (0, 3, 2)), (lambda v: fnp.concatenate([v, np.ones((1, 3))]), (0, 3, 3)),
    (fnp.argmax, (0,)), (lambda v: fnp.sum(v, axis=1), (0, 2)), (lambda v: fnp.pad(v, 1), (0, 4, 5)),
    (lambda v: fnp.broadcast_to(v, (4, 2, 3)), (0, 4, 2, 3)), (fnp.cumsum, (0, 6)),
    (lambda v: fnp.repeat(v, [1, 2], axis=0), (0, 3, 3)),
])
def test_an_empty_batch(fun, shape):
    assert fgrad.vmap(fun)(np.zeros((0, 2, 3))).shape == shape
