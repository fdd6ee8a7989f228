"""fgrad.core: rule metadata, the backward loop and its hooks, custom rules as primitives."""
import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.core import PRIMITIVES, BackwardHooks, Primitive, VJPTrace, backward_pass


def _rules():
    return dict(vjp=(lambda g, ans, x: g,), jvp=(lambda t, ans, x: t,))


def test_read_flags_default_to_the_safe_answer():
    prim = Primitive("test_default_flags", np.positive, register=False, **_rules())
    assert prim.linear is False and prim.reads_output is True
    assert Primitive("test_linear", np.positive, linear=True, register=False, **_rules()).reads_output is False
    assert Primitive("test_some", np.positive, reads_output=[0], register=False, **_rules()).reads_output == (0,)


def test_registering_without_a_rule_raises():
    with pytest.raises(TypeError, match="batching rule"):
        Primitive("test_no_batch_rule", np.positive, **_rules())
    with pytest.raises(TypeError, match="jvp"):
        Primitive("test_no_jvp_rule", np.positive, vjp=(lambda g, ans, x: g,), batch=fgrad.batching.elementwise)
    assert "test_no_batch_rule" not in PRIMITIVES and "test_no_jvp_rule" not in PRIMITIVES


def test_an_unregistered_primitive_stays_out_of_the_table():
    prim = Primitive("sin", np.sin, register=False, **_rules())  # the name is taken: no clash
    assert PRIMITIVES["sin"] is not prim


class _Recorder(BackwardHooks):
    __slots__ = ("events",)

    def __init__(self):
        self.events = []

    def visit(self, node, g):
        self.events.append(("visit", node.prim and node.prim.name))

    def done(self, node):
        self.events.append(("done", node.prim.name))


def test_hooks_see_every_node_once_and_change_nothing_by_default():
    trace = VJPTrace()
    x = trace.leaf(np.array([0.5, 1.5]))
    y = fnp.sum(fnp.sin(x) * x)
    roots = [(y._node, 0, np.ones(()))]
    plain = backward_pass(roots, [x._node])
    hooks = _Recorder()
    hooked = backward_pass(roots, [x._node], hooks=hooks)
    np.testing.assert_array_equal(plain[0], hooked[0])
    np.testing.assert_allclose(plain[0], np.cos([0.5, 1.5]) * [0.5, 1.5] + np.sin([0.5, 1.5]))
    assert hooks.events == [("visit", "sum"), ("done", "sum"), ("visit", "multiply"), ("done", "multiply"),
                            ("visit", "sin"), ("done", "sin"), ("visit", None)]


def test_custom_vjp_runs_its_bwd_once_per_backward_pass():
    calls = []

    @fgrad.custom_vjp
    def mul(x, y):
        return x * y

    def bwd(res, g):
        calls.append(1)
        x, y = res
        return g * y, g * x

    mul.defvjp(lambda x, y: (mul(x, y), (x, y)), bwd)
    _, pullback = fgrad.vjp(mul, 2.0, 3.0)
    assert pullback(1.0) == (3.0, 2.0)
    assert len(calls) == 1
    assert pullback(2.0) == (6.0, 4.0)  # a second pass runs the rule again, with its own g
    assert len(calls) == 2


def test_a_custom_rules_node_carries_an_unregistered_primitive():
    @fgrad.custom_vjp
    def ident(x):
        return x

    ident.defvjp(lambda x: (x, None), lambda _, g: (g,))
    trace = VJPTrace()
    out = ident(trace.leaf(1.0))
    prim = out._node.prim
    assert isinstance(prim, Primitive) and prim.name == "ident" and PRIMITIVES.get("ident") is not prim
    assert prim.multiple_results and not prim.linear and prim.reads_output is True
    with pytest.raises(TypeError, match="forward-mode"):
        fgrad.jvp(ident, (1.0,), (1.0,))


def test_backward_adds_both_cotangents_of_a_value_used_twice_by_one_op():
    """``x * x`` and ``sin(x) * sin(x)``: one node with the same parent on both sides (the backward
    loop's chain fast path must add both contributions), at first and second order."""
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum(v * v))(x), 2 * x, rtol=1e-15)
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum(fnp.sin(v) * fnp.sin(v)))(x),
                               2 * np.sin(x) * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(fgrad.hessian(lambda v: fnp.sum(v * v * v))(x), np.diag(6 * x), rtol=1e-14)
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum((v + v) * (v * 1.5 + 2.0)))(x), 6 * x + 4, rtol=1e-14)
