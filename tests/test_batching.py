"""vmap over every registered primitive, driven by the spec table: the batch equals the loop.

For each Spec, Hypothesis draws the example arguments, a batch size, which arguments are mapped
and where their batch axis sits; the batch holds slightly rescaled copies of each mapped argument
(a scale keeps every argument in its primitive's domain: positive, symmetric positive definite,
...). ``vmap`` of the spec's function, of its gradient and of its forward-mode derivative must give
what a Python loop over the examples gives, at every order the spec checks. The complex test set
(``COMPLEX_SPECS``, ids ending ``[complex]``) runs through the same checks: complex draws, complex
weights, and JAX's convention for the gradient of the real scalar ``Re(sum(w * out))``.
"""
import functools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad import backend, batching
from fgrad.core import PRIMITIVES, concrete
from fgrad.tree_util import tree_flatten, tree_unflatten

from batching_support import close, stack
from specs import COMPLEX_SPECS, SPECS
from specs.complex_numbers import weights_like

fgrad._register_all_primitives()  # the families that load on first use register their primitives

RTOL, ATOL = 1e-9, 1e-11  # float64; the batch may sum in another order than the loop

_close = functools.partial(close, rtol=RTOL, atol=ATOL, structure=True)


def _batchable(spec):
    return getattr(PRIMITIVES[spec.name].batch, "batchable", True)


def test_every_registered_primitive_has_a_batching_rule():
    missing = sorted(n for n, p in PRIMITIVES.items() if p.batch is None)
    assert not missing, f"primitives without a batching rule: {missing}"


def _draw_batch(data, args):
    """(batched args, in_axes, per-example args) for a drawn batch size and mapped-axis layout."""
    flat, tree = tree_flatten(args)
    size = data.draw(st.integers(1, 3), label="batch size")
    floats = [i for i, x in enumerate(flat) if np.asarray(x).dtype.kind in "fc"]
    mapped = [data.draw(st.booleans(), label=f"leaf {i} mapped") for i in range(len(flat))]
    if not any(mapped[i] for i in floats):
        mapped[floats[0] if floats else 0] = True
    axes = [data.draw(st.integers(0, np.ndim(x)), label=f"leaf {i} axis") if m else None
            for i, (x, m) in enumerate(zip(flat, mapped))]
    examples = []
    for k in range(size):
        scale = 1.0 + 0.01 * k
        examples.append([x * scale if ax is not None and np.asarray(x).dtype.kind in "fc" else x
                         for x, ax in zip(flat, axes)])
    batched = [x if ax is None else np.stack([ex[i] for ex in examples], axis=ax)
               for i, (x, ax) in enumerate(zip(flat, axes))]
    unflat = lambda leaves: tuple(tree_unflatten(tree, leaves))  # noqa: E731
    return unflat(batched), unflat(axes), [unflat(ex) for ex in examples]


def _scalar(fun, weights):
    """``Re(sum(fun(*args) * weights))``: a real scalar whose gradient reaches every output element."""
    def f(*args):
        outs = tree_flatten(fun(*args))[0]
        # each weight on its output's device (the device_put spec moves its output to the CPU)
        return sum(fnp.real((o * fgrad.device_put(w, backend.device_of(concrete(o)))).sum())
                   for o, w in zip(outs, weights) if w.dtype.kind in "fc")
    return f


ALL = SPECS + COMPLEX_SPECS
IDS = [s.name for s in SPECS] + [f"{s.name}[complex]" for s in COMPLEX_SPECS]


@pytest.mark.parametrize("spec", ALL, ids=IDS)
@settings(max_examples=10)
@given(data=st.data())
def test_vmap_equals_the_loop(spec, device, data):
    args = data.draw(st.composite(lambda draw: spec.args(draw))(), label="args")
    batched, in_axes, examples = _draw_batch(data, args)
    batched, examples = fgrad.device_put((batched, examples), device)
    mapped_fun = fgrad.vmap(spec.fun, in_axes=in_axes)
    if not _batchable(spec):
        with pytest.raises(batching.ConcretizationTypeError, match="vmap"):
            mapped_fun(*batched)
        return
    if "value_dependent_shape" in spec.tags and in_axes[0] is not None:
        with pytest.raises(batching.NonConcreteBooleanIndexError, match="vmap"):
            mapped_fun(*batched)
        return
    _close(mapped_fun(*batched), stack([spec.fun(*ex) for ex in examples]))
    if spec.nondiff or spec.order < 1:
        return
    out0 = tree_flatten(spec.fun(*examples[0]))[0]
    rng = np.random.default_rng(0)
    weights = fgrad.device_put(weights_like(rng, out0), device)
    f = _scalar(spec.fun, weights)
    argnums = tuple(range(len(args)))
    if "rev" in spec.modes:
        g = fgrad.grad(f, argnums=argnums)
        _close(fgrad.vmap(g, in_axes=in_axes)(*batched), stack([g(*ex) for ex in examples]))
    if "fwd" in spec.modes:
        def tangent_of(*a):
            return fgrad.jvp(spec.fun, a, a)[1]
        _close(fgrad.vmap(tangent_of, in_axes=in_axes)(*batched), stack([tangent_of(*ex) for ex in examples]))
    if spec.order >= 2 and spec.modes == ("fwd", "rev"):
        g = fgrad.grad(f, argnums=argnums)

        def hvp(*a):  # forward over reverse: the Hessian applied to the arguments themselves
            return fgrad.jvp(g, a, a)[1]
        _close(fgrad.vmap(hvp, in_axes=in_axes)(*batched), stack([hvp(*ex) for ex in examples]))


def test_not_batchable_rules_are_marked():
    rule = batching.not_batchable("its output shape depends on the values")
    assert rule.batchable is False
