"""Every registered primitive, checked against finite differences from its Spec."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fgrad
from fgrad.core import PRIMITIVES, Tracer, VJPTrace, VJPTracer
from fgrad.testing import check_grads
from fgrad.tree_util import tree_flatten, tree_map

from specs import SPECS

DIFF = [s for s in SPECS if not s.nondiff]
NONDIFF = [s for s in SPECS if s.nondiff]


def test_every_registered_primitive_has_a_spec():
    missing = sorted(set(PRIMITIVES) - {s.name for s in SPECS})
    assert not missing, f"primitives without an entry in tests/specs: {missing}"


def test_every_spec_names_a_registered_primitive():
    unknown = sorted({s.name for s in SPECS} - set(PRIMITIVES))
    assert not unknown, f"specs naming no registered primitive: {unknown}"


def test_nondiff_flags_agree_with_registry():
    wrong = sorted(s.name for s in SPECS if s.nondiff != PRIMITIVES[s.name].nondiff)
    assert not wrong, f"specs whose nondiff flag disagrees with the registry: {wrong}"


def _recorded_primitives(fun, args):
    """Names of the primitives recorded while reverse-tracing ``fun(*args)``."""
    seen = set()
    trace = VJPTrace()
    boxed = tree_map(trace.leaf, args)
    res = fun(*boxed)
    stack = [leaf._node for leaf in tree_flatten(res)[0] if isinstance(leaf, VJPTracer)]
    while stack:
        node = stack.pop()
        if node.prim is not None and node.prim.name not in seen:
            seen.add(node.prim.name)
        stack += [p for _, p, _ in node.parents]
    return seen


def _draw_args(spec, data):
    return data.draw(st.composite(lambda draw: spec.args(draw))(), label="args")


@pytest.mark.parametrize("spec", DIFF, ids=[s.name for s in DIFF])
@given(data=st.data())
def test_gradients_match_finite_differences(spec, device, data):
    args = _draw_args(spec, data)
    args = fgrad.device_put(args, device)
    if spec.reference is not None:
        want = spec.reference(*fgrad.device_get(args))
        got = fgrad.device_get(spec.fun(*args))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)
    check_grads(spec.fun, args, order=spec.order, modes=spec.modes)


@pytest.mark.parametrize("spec", DIFF, ids=[s.name for s in DIFF])
@given(data=st.data())
def test_spec_exercises_its_primitive(spec, data):
    args = _draw_args(spec, data)
    assert spec.name in _recorded_primitives(spec.fun, args)


@pytest.mark.parametrize("spec", DIFF, ids=[s.name for s in DIFF])
@given(data=st.data())
def test_float32_in_float32_derivatives_out(spec, data):
    args = _draw_args(spec, data)
    args32 = tree_map(lambda a: np.asarray(a, np.float32) if np.asarray(a).dtype == np.float64 else a, args)
    out, tangent = fgrad.jvp(spec.fun, args32, tree_map(np.ones_like, args32))
    for o, t in zip(tree_flatten(out)[0], tree_flatten(tangent)[0]):
        if np.asarray(o).dtype == np.float32:
            assert np.asarray(t).dtype == np.float32, f"{spec.name}: float32 output got a {np.asarray(t).dtype} tangent"
    grads = fgrad.vjp(spec.fun, *args32)[1](tree_map(np.ones_like, out))
    for g, a in zip(tree_flatten(grads)[0], tree_flatten(args32)[0]):
        assert np.asarray(g).dtype == np.asarray(a).dtype


@pytest.mark.parametrize("spec", NONDIFF, ids=[s.name for s in NONDIFF])
@given(data=st.data())
def test_nondifferentiable_primitives_stop_tracing(spec, device, data):
    args = fgrad.device_put(_draw_args(spec, data), device)
    out = spec.fun(*args)
    if spec.reference is not None:
        np.testing.assert_array_equal(np.asarray(fgrad.device_get(out)), spec.reference(*fgrad.device_get(args)))

    def traced(*a):
        res = spec.fun(*a)
        assert not any(isinstance(v, Tracer) for v in tree_flatten(res)[0])
        return res

    fgrad.vjp(traced, *args)
