"""Torch parity at the edges (issue 13): NaN/inf semantics and derivatives at special points, against torch 2.13.

Each case runs the same function with ``torch`` and with ``fgrad_nn`` and compares values, dtypes,
``requires_grad`` and input gradients, NaN positions included (``oracle.check``), or whole results (``same``).
"""
import numpy as np
import pytest
import torch

import fgrad_nn
from oracle import assert_same, check
from test_torch_edges import same

INF, NAN = float("inf"), float("nan")
SPECIAL = np.array([3.0, NAN, 1.0, -INF, NAN, 2.0, INF, -0.0, 0.0])


# ------------------------------------------------------------------ ordering: NaN is the largest

SORTS = {
    "sort": lambda t, x: x.sort(),
    "sort_descending": lambda t, x: x.sort(descending=True),
    "sort_stable_descending": lambda t, x: t.sort(x, descending=True, stable=True),
    "argsort_descending": lambda t, x: x.argsort(descending=True) * 1.0 + x,
    "topk": lambda t, x: x[:7].topk(4),  # (without the tie of -0.0 and 0.0, which topk orders either way)
    "topk_smallest": lambda t, x: x[:7].topk(4, largest=False),
    "sort_dim0": lambda t, x: x.reshape(3, 3).sort(dim=0, descending=True),
}


@pytest.mark.parametrize("name", sorted(SORTS))
def test_sort_and_topk_order_nan_as_the_largest(name):
    check(lambda t, x: SORTS[name](t, x), SPECIAL)


@pytest.mark.parametrize("dtype", ["bool", "int64", "uint8", "float32"])
def test_descending_stable_sort_keeps_ties_in_order(dtype):
    a = np.array([1, 0, 1, 1, 0, 0, 1, 2 if dtype != "bool" else 1]).astype(dtype)
    same(lambda t: (t.tensor(a).sort(descending=True, stable=True), t.tensor(a).argsort(dim=0, descending=True,
                                                                                          stable=True)))


# ------------------------------------------------------------------ median, max, min: NaN and ties

REDUCE_TO_ONE = {
    "median": lambda t, x: x.median(),
    "max": lambda t, x: x.max(),
    "min": lambda t, x: t.min(x),
    "median_dim": lambda t, x: x.reshape(3, 3).median(dim=1),
    "median_dim_keepdim": lambda t, x: t.median(x.reshape(3, 3), 0, keepdim=True),
}
VALUES = {
    "ties": [1.0, 2.0, 2.0, 3.0, 2.0, 0.0, 2.0, 5.0, 2.0],
    "nans": [2.0, NAN, 1.0, 0.0, 4.0, NAN, NAN, 1.0, 2.0],
    "infinite_ties": [INF, 1.0, INF, -INF, -INF, -INF, 0.0, INF, INF],
    "one_nan": [NAN, 1.0, 2.0, 0.0, 5.0, 5.0, 1.0, 1.0, 1.0],
}


@pytest.mark.parametrize("values", sorted(VALUES))
@pytest.mark.parametrize("name", sorted(REDUCE_TO_ONE))
def test_median_max_min_propagate_nan_and_spread_ties(name, values):
    """The full reductions split the gradient evenly among the tied elements (or the NaNs); along a dim, a
    slice holding NaN has median NaN at its first NaN."""
    check(lambda t, x: REDUCE_TO_ONE[name](t, x), np.array(VALUES[values]))


# ------------------------------------------------------------------ softmax over infinite slices

LOGITS = np.array([[INF, 1.0, 2.0], [1.0, 2.0, 3.0], [INF, INF, 0.0], [-INF, -INF, -INF], [-INF, 0.0, 1.0],
                   [NAN, 0.0, 1.0]])

SOFTMAX = {
    "softmax": lambda t, x: t.softmax(x, -1),
    "log_softmax": lambda t, x: x.log_softmax(1),
    "F_softmax_dim0": lambda t, x: t.nn.functional.softmax(x, dim=0),
    "F_log_softmax": lambda t, x: t.nn.functional.log_softmax(x, dim=-1),
    "cross_entropy": lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([0, 0, 1, 2, 0, 1]), reduction="none"),
    "cross_entropy_target2": lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([2, 2, 2, 2, 2, 2]),
                                                                         reduction="none"),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(SOFTMAX))
def test_softmax_family_over_slices_with_infinities(name, dtype):
    check(lambda t, x: SOFTMAX[name](t, x), LOGITS.astype(dtype))


def test_kl_div_of_0d_tensors_requires_grad():
    def f(t):
        x = t.tensor(-1.0, requires_grad=True)
        out = [t.nn.functional.kl_div(x, t.tensor(0.5), reduction=r) for r in ("sum", "batchmean", "none", "mean")]
        flags = [o.requires_grad for o in out]
        sum(out).backward()
        return flags, out, x.grad
    same(f)


# ------------------------------------------------------------------ pointwise ops at special values

def test_sign_of_nan_is_zero():
    check(lambda t, x: (t.sign(x), x.sign(), x.float().sign()), SPECIAL)


def test_abs_slope_at_zero_multiplies_an_infinite_upstream():
    """torch's ``grad * sgn(x)``: ``sqrt(abs(x))`` at 0 has a NaN gradient (0 * inf), unlike relu's selection."""
    check(lambda t, x: (x.abs().sqrt(), t.abs(x) ** 0.5, t.abs(x)), np.array([0.0, -0.0, -4.0, NAN, INF, -INF]))

    def f(t):
        x = t.tensor([0.0, -1.0, NAN, -0.0, 2.0], dtype=t.float64, requires_grad=True)
        y = x.abs()
        y.backward(t.tensor([INF, INF, 1.0, NAN, -INF], dtype=t.float64))
        return y, 1 / y.detach(), x.grad
    same(f)


def test_lerp_with_infinite_ends():
    a = np.array([INF, -INF, 1.0, INF, 0.0, 1.0, -INF])
    b = np.array([1.0, 1.0, INF, INF, -INF, 2.0, INF])
    w = np.array([0.0, 0.3, 0.7, 1.0, 0.5, 0.5, -1.0])
    for weight in (0.0, 0.3, 0.5, 0.7, 1.0, 1.5):
        check(lambda t, x, y: t.lerp(x, y, weight), a, b)
    check(lambda t, x, y, z: (t.lerp(x, y, z), x.lerp(y, z)), a, b, w)
    check(lambda t, x, y: t.lerp(x, y, 0.25), a.astype(np.float32), b.astype(np.float32))


@pytest.mark.parametrize("exponent", [0.5, -0.5, 2.0, -1.0, 1.5, 0.0, 3.0])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pow_at_signed_zeros_and_infinities(exponent, dtype):
    x = np.array([0.0, -0.0, INF, -INF, NAN, 4.0, -4.0, 1e-30]).astype(dtype)
    check(lambda t, v: (v.pow(exponent), t.pow(v, exponent), v ** exponent), x)


def test_pow_exponent_gradient_at_base_zero():
    """torch's ``ans * log(x)``: -inf at ``+0 ** y`` for y < 0 (JAX, and fgrad, give NaN there)."""
    base = np.array([0.0, 0.0, 0.0, -0.0, 2.0, 0.0, 0.0, 0.0, 0.0])
    exponent = np.array([2.0, 0.5, 0.0, 1.0, 1.0, -1.0, -0.5, -2.0, INF])
    check(lambda t, x, y: x ** y, base, exponent)
    check(lambda t, y: (t.pow(0.0, y), 0.0 ** y), exponent)
    check(lambda t, x, y: t.pow(x, y), base.astype(np.float32), exponent.astype(np.float32))


def test_atan2_gradient_at_the_origin():
    y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, 0.0, INF])
    x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, 2.0, INF])
    check(lambda t, a, b: t.atan2(a, b), y, x)
    check(lambda t, a, b: a.atan2(b), y.astype(np.float32), x.astype(np.float32))
    check(lambda t, a: t.atan2(a, t.zeros(())), y)


# ------------------------------------------------------------------ norms with zeros and infinities

NORM_INPUTS = {
    "infinite": [1.0, INF, -2.0],
    "zeros": [0.0, 0.0, 3.0],
    "all_zero": [0.0, 0.0, 0.0],
    "huge": [1e200, 1e200, 1.0],
    "tiny": [1e-200, -1e-200, 0.0],
    "nan": [NAN, 0.0, -2.0],
}


@pytest.mark.parametrize("p", [2, 1, 3, INF, -INF, 0.5, 0.3, "fro"])
@pytest.mark.parametrize("values", sorted(NORM_INPUTS))
def test_norm_at_zeros_and_infinities(p, values):
    """Not rescaled (1e200 overflows to inf, as torch); gradient 0 at a zero norm and, for p < 1, at zero
    entries."""
    x = np.array(NORM_INPUTS[values])
    check(lambda t, v: v.norm(p=p), x)
    if p != "fro":
        check(lambda t, v: t.linalg.vector_norm(v, ord=p), x)
    check(lambda t, v: t.norm(v.reshape(1, 3), p=p, dim=1, keepdim=True), x)


def test_normalize_with_infinite_and_zero_rows():
    x = np.array([[1.0, INF, -2.0], [0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [1e200, 1e200, 0.0], [NAN, 0.0, 1.0]])
    for p in (2.0, 1.0, 0.5, 3.0):
        check(lambda t, v: t.nn.functional.normalize(v, p=p, dim=-1), x)
    check(lambda t, v: t.nn.functional.normalize(v, dim=0), x.astype(np.float32))


# ------------------------------------------------------------------ products with infinities

def test_cumprod_and_prod_without_zeros():
    check(lambda t, x: (x.cumprod(0), x.prod()), np.array([2.0, 0.5, 3.0, -4.0]))
    check(lambda t, x: (x.cumprod(0), x.prod(), x.prod(0)), np.array([2.0, 0.0, 3.0, 0.0, -4.0]))


# ------------------------------------------------------------------ std and var

def test_float32_std_near_1e30_does_not_overflow():
    """torch accumulates in double: the std of float32 values near 1e30 is finite (their var overflows)."""
    x = np.array([[1e30, 2e30], [-1e30, 3e30], [2.5e30, -3e30]], dtype=np.float32)
    check(lambda t, v: (v.std(), v.std(0), t.std(v, 1, correction=0), v.var(0), t.std_mean(v, 0)[0]), x)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_std_gradient_of_a_constant_slice_is_zero(dtype):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0], [1e20, 1e20, 1e20]]).astype(dtype)
    check(lambda t, v: (v.std(1), v.var(1), t.std_mean(v, 1)[0], t.var_mean(v, dim=1, correction=0)[0]), x)
    check(lambda t, v: v[0].std(), x)


# ------------------------------------------------------------------ losses at the edges

@pytest.mark.parametrize("loss", ["smooth_l1_loss", "huber_loss"])
def test_smooth_l1_and_huber_with_infinite_inputs(loss):
    x = np.array([INF, -INF, 0.5, 3.0, NAN, 0.0, 1.0])
    y = np.array([0.0, 0.0, 0.0, INF, 0.0, 0.0, 0.0])
    check(lambda t, a, b: getattr(t.nn.functional, loss)(a, b, reduction="none"), x, y)
    check(lambda t, a, b: getattr(t.nn.functional, loss)(a, b), x[2:4].copy(), y[2:4].copy())
    check(lambda t, a: getattr(t.nn.functional, loss)(a, t.zeros(7, dtype=t.float64), reduction="sum"), x)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_cross_entropy_at_exactly_0_and_1(dtype, reduction):
    """torch's input gradient ``(x - y) / max(x (1 - x), eps)``: finite (and huge) at x = 0 and 1."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-13, 1.0 - 1e-7, 1e-45]).astype(dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.5, 0.2, 1.0]).astype(dtype)
    check(lambda t, a: t.nn.functional.binary_cross_entropy(a, t.tensor(y), reduction=reduction), x,
          rtol=1e-5 if dtype == "float32" else 1e-9)
    w = np.linspace(0.5, 2.0, 8).astype(dtype)
    check(lambda t, a: t.nn.BCELoss(weight=t.tensor(w))(a, t.tensor(y)), x, rtol=1e-5 if dtype == "float32" else 1e-9)


# ------------------------------------------------------------------ activations: second derivatives, NaN

ELUS = {
    "elu": lambda t, x: t.nn.functional.elu(x),
    "elu_alpha": lambda t, x: t.nn.functional.elu(x, alpha=0.5),
    "selu": lambda t, x: t.nn.functional.selu(x),
    "celu": lambda t, x: t.nn.functional.celu(x),
    "celu_alpha": lambda t, x: t.nn.functional.celu(x, alpha=2.0),
    "ELU_module": lambda t, x: t.nn.ELU(0.7)(x),
    "SELU_module": lambda t, x: t.nn.SELU()(x),
}


@pytest.mark.parametrize("name", sorted(ELUS))
def test_elu_family_second_derivative_at_zero(name):
    """The slope at 0 is the exponential branch's; the curvature there is 0 (torch masks ``x < 0``)."""
    def f(t):
        x = t.tensor([0.0, -0.0, -1.0, 1.0, NAN, -INF, INF], dtype=t.float64, requires_grad=True)
        y = ELUS[name](t, x)
        g, = t.autograd.grad(y.sum(), x, create_graph=True)
        g2, = t.autograd.grad((g * t.arange(7.0, dtype=t.float64)).sum(), x)
        return y, g.detach(), g2
    same(f)


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish", "hardtanh", "relu6"])
def test_hard_activations_at_nan_and_at_their_kinks(name):
    x = np.array([NAN, -3.0, 3.0, 0.0, INF, -INF, 6.0, -1.0, 1.0, 2.0], dtype=np.float32)
    check(lambda t, v: getattr(t.nn.functional, name)(v), x)


# ------------------------------------------------------------------ repeated indices in a write

WRITES = {
    "scatter": lambda t, x, s, i: x.scatter(0, i, s),
    "index_put": lambda t, x, s, i: t.index_put(x, (i,), s),
    "setitem": lambda t, x, s, i: _setitem(x, i, s),
}


def _setitem(x, i, s):
    y = x.clone()
    y[i] = s
    return y


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_repeated_write_gets_its_gradient(name):
    """Which of the repeated writes lands is unspecified, but each one's gradient is the gather of the
    output's gradient at its destination (torch's), not only the winner's."""
    def f(t):
        x = t.zeros(4, dtype=t.float64, requires_grad=True)
        s = t.tensor([1.0, 2.0, 3.0, 4.0], dtype=t.float64, requires_grad=True)
        out = WRITES[name](t, x, s, t.tensor([1, 3, 1, 2]))
        (out * t.tensor([1.0, 2.0, 3.0, 4.0], dtype=t.float64)).sum().backward()
        return out[[0, 2]], x.grad, s.grad
    same(f)
