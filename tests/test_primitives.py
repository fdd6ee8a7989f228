"""Every registered primitive, checked against finite differences from its Spec."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import fgrad
from fgrad.core import PRIMITIVES, Tracer, VJPTrace, VJPTracer
from fgrad.testing import check_grads
from fgrad.tree_util import tree_flatten, tree_map

from specs import COMPLEX_SPECS, SPECS

fgrad._register_all_primitives()  # the families that load on first use register their primitives

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


def _recorded_nodes(fun, args):
    """The nodes (not leaves) recorded while reverse-tracing ``fun(*args)``, at first order."""
    trace = VJPTrace()
    boxed = tree_map(trace.leaf, args)
    res = fun(*boxed)
    stack = [leaf._node for leaf in tree_flatten(res)[0] if isinstance(leaf, VJPTracer)]
    seen = {}
    while stack:
        node = stack.pop()
        if node.prim is not None and node not in seen:
            seen[node] = None
            stack += [p for _, p, _ in node.parents]
    return list(seen)


def _recorded_primitives(fun, args):
    """Names of the primitives recorded while reverse-tracing ``fun(*args)``."""
    return {node.prim.name for node in _recorded_nodes(fun, args)}


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


@pytest.mark.parametrize("spec", COMPLEX_SPECS, ids=[s.name for s in COMPLEX_SPECS])
@given(data=st.data())
def test_complex_gradients_match_finite_differences(spec, device, data):
    """The complex test set: JVP and VJP (JAX's convention: the transpose, no conjugate) at orders 1 and 2,
    against finite differences along complex directions."""
    host_args = _draw_args(spec, data)
    args = fgrad.device_put(host_args, device)
    out = fgrad.device_get(spec.fun(*args))
    assert any(np.iscomplexobj(a) for a in tree_flatten((host_args, out))[0]), f"{spec.name}: nothing complex"
    if spec.reference is not None:
        np.testing.assert_allclose(np.asarray(out), spec.reference(*host_args), rtol=1e-12, atol=1e-12)
    assert spec.name in _recorded_primitives(spec.fun, host_args)
    check_grads(spec.fun, args, order=spec.order, modes=spec.modes)


@pytest.mark.parametrize("spec", DIFF, ids=[s.name for s in DIFF])
@given(data=st.data())
def test_spec_exercises_its_primitive(spec, data):
    args = _draw_args(spec, data)
    if "rev" not in spec.modes:  # no reverse mode (while_loop): its staged program shows the call
        assert spec.name in {e.prim.name for e in fgrad.make_jaxpr(spec.fun)(*args).equations}
        return
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
    if "rev" not in spec.modes:
        return
    grads = fgrad.vjp(spec.fun, *args32)[1](tree_map(np.ones_like, out))
    for g, a in zip(tree_flatten(grads)[0], tree_flatten(args32)[0]):
        assert np.asarray(g).dtype == np.asarray(a).dtype


# ---------------------------------------------------------------- what the VJP rules read

def _poison(x):
    """``x`` with NaN in place of every float (same shapes and dtypes): a rule that reads it shows."""
    if isinstance(x, (tuple, list)):
        return type(x)(_poison(v) for v in x)
    if isinstance(x, (float, complex)):
        return type(x)(np.nan)
    if isinstance(x, (np.ndarray, np.generic)) and np.issubdtype(x.dtype, np.inexact):
        return np.full_like(x, np.nan)
    return x


def _check_read_flags(spec, args, linear, reads_output):
    """Run each recorded call's VJP rules with the values they claim not to read poisoned: the
    cotangents must not change. ``linear`` and ``reads_output`` are the claims (Primitive's flags)."""
    nodes = [n for n in _recorded_nodes(spec.fun, args) if n.prim.name == spec.name]
    assert nodes, f"{spec.name}: the spec records no call of it"
    for node in nodes:
        prim, ans = node.prim, node.ans
        g = tuple(np.ones_like(a) for a in ans) if prim.multiple_results else np.ones_like(ans)
        for argnum, _, _ in node.parents:
            if linear:
                args_, claim = _poison(node.args), "linear=True"
            elif reads_output is False or argnum not in reads_output:
                args_, claim = node.args, f"reads_output={reads_output}"
            else:
                continue
            want = prim.vjp_rule(argnum, g, ans, node.args, node.params)
            with np.errstate(all="ignore"):
                try:
                    got = prim.vjp_rule(argnum, g, _poison(ans), args_, node.params)
                except Exception as e:  # a rule that chokes on the NaNs reads them
                    raise AssertionError(f"{spec.name} declares {claim}, but its VJP rule for argument "
                                         f"{argnum} failed on poisoned values: {e!r}") from e
            msg = f"{spec.name} declares {claim}, but its VJP rule for argument {argnum} reads what it rules out"
            want, got = tree_flatten(want)[0], tree_flatten(got)[0]
            assert len(got) == len(want), msg
            for w, gt in zip(want, got):
                np.testing.assert_array_equal(gt, w, err_msg=msg)


FLAGGED = [s for s in DIFF if PRIMITIVES[s.name].linear or PRIMITIVES[s.name].reads_output is not True]


@pytest.mark.parametrize("spec", FLAGGED, ids=[s.name for s in FLAGGED])
@pytest.mark.filterwarnings("ignore:Casting complex values to real")  # a complex g through astype's rule
@given(data=st.data())
def test_rules_read_only_what_their_flags_allow(spec, data):
    """``linear``: the VJP rules read neither the arguments' values nor the output;
    ``reads_output=False`` (or the argnums that do): the other rules never read the output.
    The PyTorch facade lets in-place writes through on the strength of these flags."""
    prim = PRIMITIVES[spec.name]
    _check_read_flags(spec, _draw_args(spec, data), prim.linear, prim.reads_output)


_X = np.linspace(0.5, 1.5, 6).reshape(2, 3)


@pytest.mark.parametrize("name, args, linear, reads_output", [
    ("multiply", (_X, _X + 1), True, False),   # reads its arguments
    ("exp", (_X,), False, False),              # reads its output
    ("power", (_X, _X + 1), False, False),     # reads its output for the exponent
    ("power", (_X, _X + 1), False, (0,)),
])
def test_a_wrong_read_flag_is_caught(name, args, linear, reads_output):
    spec = next(s for s in DIFF if s.name == name)
    with pytest.raises(AssertionError, match=f"{name} declares"):
        _check_read_flags(spec, args, linear, reads_output)


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
