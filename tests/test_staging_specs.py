"""Every registered primitive staged by ``jit``, driven by the spec table: staged equals eager.

For each Spec: ``jit(fun)`` gives eager ``fun``'s values, dtypes and shapes; ``jit(grad(f))``,
``grad(jit(f))`` and ``jvp(jit(fun))`` give the eager derivatives; ``make_jaxpr(fun)`` holds an
equation of the primitive. A primitive whose output shape depends on its input's values
(``Primitive.value_dependent_shape``, or a Spec tagged "value_dependent_shape": a boolean mask
made from the argument) can't be staged: JAX's error type instead. The table's completeness is
``tests/test_primitives.py``'s check; one or two drawn examples per Spec keep this file quick.
The complex test set (``COMPLEX_SPECS``, ids ending ``[complex]``) runs through the same checks,
its derivatives taken of the real scalar ``Re(sum(w * out))`` with complex weights (JAX's convention).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES, Tracer
from fgrad.errors import ConcretizationTypeError, NonConcreteBooleanIndexError
from fgrad.staging import Program
from fgrad.tree_util import tree_flatten

from specs import COMPLEX_SPECS, SPECS
from specs.complex_numbers import weights_like

fgrad._register_all_primitives()  # the families that load on first use register their primitives


def _refused_with(spec):
    """The exception ``jit`` raises for ``spec`` (as JAX's), or None when it stages."""
    if PRIMITIVES[spec.name].value_dependent_shape:
        return ConcretizationTypeError
    if "value_dependent_shape" in spec.tags:
        return NonConcreteBooleanIndexError
    return None


_COMPLEX = {id(s) for s in COMPLEX_SPECS}


def _ids(specs):
    return [f"{s.name}[complex]" if id(s) in _COMPLEX else s.name for s in specs]


ALL = SPECS + COMPLEX_SPECS
STAGED = [s for s in ALL if _refused_with(s) is None]
REFUSED = [s for s in ALL if _refused_with(s) is not None]
DIFF = [s for s in STAGED if not s.nondiff]


def _draw_args(spec, data):
    return data.draw(st.composite(lambda draw: spec.args(draw))(), label="args")


def _tol(dtype):
    """Staged and eager run the same kernels; a replay may only reassociate floating-point sums."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return 0.0, 0.0
    eps = np.finfo(dtype).eps
    return 64 * eps, 64 * eps


def assert_same(got, want, what):
    g_flat, g_tree = tree_flatten(got)
    w_flat, w_tree = tree_flatten(want)
    assert g_tree == w_tree, f"{what}: structure {g_tree} != {w_tree}"
    for g, w in zip(g_flat, w_flat):
        assert not isinstance(g, Tracer), f"{what}: a tracer escaped the staged function"
        g, w = np.asarray(fgrad.device_get(g)), np.asarray(fgrad.device_get(w))
        assert (g.shape, g.dtype) == (w.shape, w.dtype), f"{what}: {g.dtype}{g.shape} != {w.dtype}{w.shape}"
        rtol, atol = _tol(w.dtype)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=what)


def _scalar(fun, weights):
    """``Re(sum(fun(*args) * weights))``: a real scalar whose gradient reaches every float or complex output
    (for a complex output, its real and imaginary parts: JAX's convention)."""
    def f(*args):
        outs = tree_flatten(fun(*args))[0]
        return sum(fnp.real((o * w).sum()) for o, w in zip(outs, weights) if np.asarray(w).dtype.kind in "fc")
    return f


def _primitive_names(program, names=None):
    """The primitives of ``program``'s equations and of the programs among their params."""
    names = set() if names is None else names
    for eqn in program.eqns:
        names.add(eqn.prim.name)
        for v in eqn.params.values():
            for p in (v if isinstance(v, (list, tuple)) else (v,)):
                if isinstance(p, Program):
                    _primitive_names(p, names)
    return names


@pytest.mark.parametrize("spec", STAGED, ids=_ids(STAGED))
@settings(max_examples=2)
@given(data=st.data())
def test_jit_equals_eager(spec, device, data):
    args = fgrad.device_put(_draw_args(spec, data), device)
    want = spec.fun(*args)
    jitted = fgrad.jit(spec.fun)
    assert_same(jitted(*args), want, f"{spec.name}: first call (staging)")
    assert_same(jitted(*args), want, f"{spec.name}: replay")
    assert jitted._cache_size() == 1


@pytest.mark.parametrize("spec", STAGED, ids=_ids(STAGED))
@settings(max_examples=1)
@given(data=st.data())
def test_make_jaxpr_records_the_primitive(spec, data):
    program = fgrad.make_jaxpr(spec.fun)(*_draw_args(spec, data))
    assert spec.name in _primitive_names(program), f"{spec.name} not among the equations of\n{program}"


@pytest.mark.parametrize("spec", DIFF, ids=_ids(DIFF))
@settings(max_examples=1)
@given(data=st.data())
def test_derivatives_of_the_staged_program(spec, data):
    args = _draw_args(spec, data)
    outs = tree_flatten(spec.fun(*args))[0]
    rng = np.random.default_rng(0)
    f = _scalar(spec.fun, weights_like(rng, outs))
    argnums = tuple(range(len(args)))
    if "rev" in spec.modes:  # (while_loop has forward mode only)
        want = fgrad.grad(f, argnums=argnums)(*args)
        assert_same(fgrad.jit(fgrad.grad(f, argnums=argnums))(*args), want, f"{spec.name}: jit(grad)")
        assert_same(fgrad.grad(fgrad.jit(f), argnums=argnums)(*args), want, f"{spec.name}: grad(jit)")
    assert_same(fgrad.jvp(fgrad.jit(spec.fun), args, args), fgrad.jvp(spec.fun, args, args), f"{spec.name}: jvp(jit)")


@pytest.mark.parametrize("spec", REFUSED, ids=_ids(REFUSED))
@settings(max_examples=1)
@given(data=st.data())
def test_value_dependent_shapes_are_refused(spec, data):
    args = _draw_args(spec, data)
    spec.fun(*args)  # eagerly fine
    with pytest.raises(_refused_with(spec)):
        fgrad.jit(spec.fun)(*args)
    with pytest.raises(_refused_with(spec)):
        fgrad.make_jaxpr(spec.fun)(*args)


def test_the_table_has_refused_and_staged_specs():
    """The split above is driven by flags that exist: both kinds are in the table."""
    assert {s.name for s in REFUSED} >= {"nonzero", "unique", "getitem"}
    assert len(STAGED) > 10 * len(REFUSED)
