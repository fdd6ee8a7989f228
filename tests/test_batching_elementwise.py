"""vmap of the elementwise-like primitives (fgrad.numpy elementwise math and creation, scipy.special,
the activation primitives, device_put) and of the composites built on them.

Every case runs under every layout of its arguments (each one unmapped or mapped along its first,
a middle or its last axis, counted from either end) and is checked against a Python loop over the
examples: the value, ``vmap(grad)``, ``grad`` of a ``vmap``, ``vmap(jvp)``, ``jvp`` of a ``vmap``
and ``vmap(vmap)``. Per-example scalars (a batch of 0-d values) are among the shapes.
"""
import functools

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import nn
from fgrad.scipy import special

from batching_support import batch, close, float_args, layouts

RTOL, ATOL = 1e-10, 1e-12
SIZE = 3  # batch size

rng = np.random.default_rng(0)


def _u(lo, hi):
    return lambda shape: rng.uniform(lo, hi, shape)


def _ints(n):
    return lambda shape: rng.integers(0, n, shape)


# (name, function, per-argument value makers, differentiable, per-example shape sets)
UNARY_SHAPES = [((2, 3),), ((),), ((4,),)]
BINARY_SHAPES = [((2, 3), (3,)), ((), (2, 3)), ((), ()), ((2, 1), (4,))]
STD = _u(-2.0, 2.0)
POS = _u(0.3, 2.0)

CASES = []


def case(name, fn, makers, diff=True, shapes=None):
    shapes = shapes or (UNARY_SHAPES if len(makers) == 1 else BINARY_SHAPES)
    CASES.append((name, fn, makers, diff, shapes))


for name, dom in [("negative", STD), ("positive", STD), ("square", STD), ("reciprocal", POS), ("sqrt", POS),
                  ("cbrt", POS), ("exp", STD), ("exp2", STD), ("expm1", STD), ("log", POS), ("log2", POS),
                  ("log10", POS), ("log1p", _u(-0.6, 2.0)), ("sin", STD), ("cos", STD), ("tan", _u(-1.2, 1.2)),
                  ("arcsin", _u(-0.8, 0.8)), ("arccos", _u(-0.8, 0.8)), ("arctan", STD), ("sinh", STD),
                  ("cosh", STD), ("tanh", STD), ("arcsinh", STD), ("arccosh", _u(1.2, 3.0)),
                  ("arctanh", _u(-0.8, 0.8)), ("deg2rad", STD), ("rad2deg", STD), ("sinc", POS),
                  ("absolute", POS), ("conjugate", STD), ("real", STD)]:
    case(name, getattr(fnp, name), [dom])

for name, dom in [("add", STD), ("subtract", STD), ("multiply", STD), ("divide", POS), ("power", POS),
                  ("logaddexp", STD), ("logaddexp2", STD), ("arctan2", POS), ("hypot", POS), ("maximum", STD),
                  ("minimum", STD), ("fmax", STD), ("fmin", STD), ("copysign", POS)]:
    case(name, getattr(fnp, name), [dom, dom])
case("remainder", fnp.remainder, [_u(0.1, 0.9), _u(1.2, 2.0)])
case("fmod", fnp.fmod, [_u(0.1, 0.9), _u(1.2, 2.0)])
case("float_power", fnp.float_power, [POS, POS])
case("power_scalar", lambda x: x ** 3.0, [STD])
case("rpower", lambda x: 2.0 ** x, [STD])

for name in ["sign", "floor", "ceil", "trunc", "fix", "rint", "signbit", "logical_not", "isnan", "isinf",
             "isfinite", "isposinf", "isneginf"]:
    case(name, getattr(fnp, name), [STD], diff=False)
for name in ["floor_divide", "heaviside", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
             "logical_and", "logical_or", "logical_xor", "isclose"]:
    case(name, getattr(fnp, name), [POS, POS], diff=False)
for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
    case(name, lambda x, y, f=getattr(fnp, name): f(x > 0, y > 0), [STD, STD], diff=False)
case("invert", lambda x: fnp.invert(x > 0), [STD], diff=False)
case("round", lambda x: fnp.round(x, 1), [STD], diff=False)
case("bitwise_ints", fnp.bitwise_xor, [_ints(8), _ints(8)], diff=False)
case("isclose_near", lambda x, y: fnp.isclose(x, x + 1e-9 * y), [STD, STD], diff=False)

# clip with array bounds, and with one bound None
case("clip", fnp.clip, [_u(-3.0, 3.0), _u(-1.5, -0.5), _u(0.5, 1.5)],
     shapes=[((2, 3), (3,), ()), ((), (), ()), ((3,), (2, 3), (2, 1))])
case("clip_lower", lambda x: fnp.clip(x, -0.5, None), [STD])
case("clip_upper_array", lambda x, hi: fnp.clip(x, None, hi), [STD, STD])
# where: a batched condition, and unmapped branches
case("where", lambda c, x, y: fnp.where(c > 0, x, y), [STD, STD, STD],
     shapes=[((2, 3), (3,), ()), ((), (), ()), ((3,), (2, 3), (2, 1))])
case("where_self", lambda x, y: fnp.where(x > 0, x, y), [STD, STD])
case("where_scalars", lambda x: fnp.where(x > 0, x, 0.0), [STD])
case("tie_weight", lambda x, y: fnp.maximum(x, y) * fnp.minimum(x, 2.0), [STD, STD])

# creation and casts
case("stop_gradient", lambda x: fgrad.stop_gradient(x) * x, [STD])
case("zeros_like", lambda x: fnp.zeros_like(x) + x, [STD])
case("zeros_like_shape", lambda x: fnp.zeros_like(x, shape=(4, 1)), [STD], diff=False)
case("ones_like", lambda x: fnp.ones_like(x, dtype=np.float32) * x, [STD])
case("ones_like_int_shape", lambda x: fnp.ones_like(x, dtype=np.int32, shape=5), [STD], diff=False)
case("full_like", lambda x: fnp.full_like(x, 2.5) * x, [STD])
case("full_like_fill", lambda x, v: fnp.full_like(x, v) * x, [STD, STD],
     shapes=[((2, 3), ()), ((), ()), ((2, 3), (3,)), ((2, 3), (2, 3))])
case("full_like_fill_shape", lambda x, v: fnp.full_like(x, v, shape=(2, 3)), [STD, STD],
     shapes=[((4,), ()), ((), (3,)), ((2, 3), (2, 1))], diff=False)
case("full_like_fill_int", lambda x, v: fnp.full_like(x, v, dtype=np.int64), [_ints(5), STD],
     shapes=[((4,), ()), ((2, 3), (3,))], diff=False)
case("astype32", lambda x: fnp.astype(x, np.float32) * 2.0, [STD])
case("astype_complex", lambda x: fnp.real(fnp.astype(x, np.complex128) * 2.0), [STD])
case("astype_int", lambda x: fnp.astype(x * 3, np.int64), [STD], diff=False)
case("astype_int_mixed", lambda x: fnp.astype(x * 3, np.int64) * x, [STD])
case("array_ndmin", lambda x: fnp.array(x, ndmin=3) * x, [STD])
case("asarray_dtype", lambda x: fnp.asarray(x, dtype=np.float32) + 1.0, [STD])
case("device_put", lambda x: fgrad.device_put(x, "cpu") * x, [STD])

# scipy.special primitives and composites
for name, dom in [("erf", STD), ("erfc", STD), ("erfcx", STD), ("erfinv", _u(-0.8, 0.8)),
                  ("erfcinv", _u(0.2, 1.7)), ("ndtr", STD), ("log_ndtr", _u(-5.0, 5.0)), ("expit", STD),
                  ("gammaln", _u(0.5, 3.0)), ("digamma", _u(0.5, 3.0)), ("ndtri", _u(0.1, 0.8)),
                  ("logit", _u(0.1, 0.8)), ("log_expit", STD), ("entr", POS)]:
    case(name, getattr(special, name), [dom])
case("polygamma1", lambda x: special.polygamma(1, x), [_u(0.5, 3.0)])
case("polygamma2", lambda x: special.polygamma(2, x), [_u(0.5, 3.0)])
case("xlogy", special.xlogy, [STD, POS])
case("xlog1py", special.xlog1py, [STD, POS])
case("logsumexp", lambda x: special.logsumexp(x, axis=-1), [STD], shapes=[((2, 3),), ((4,),)])
case("logsumexp_all", special.logsumexp, [STD], shapes=[((2, 3),), ((),)])
case("logsumexp_b", lambda x, b: special.logsumexp(x, axis=0, b=b), [STD, POS],
     shapes=[((2, 3), (2, 3)), ((2, 3), (3,)), ((4,), ())])
case("logsumexp_sign", lambda x, b: special.logsumexp(x, b=b, return_sign=True)[0], [STD, POS],
     shapes=[((2, 3), (2, 3)), ((4,), ())])
case("softmax", lambda x: special.softmax(x, axis=0), [STD], shapes=[((2, 3),), ((4,),)])
case("log_softmax", lambda x: special.log_softmax(x, axis=(0, 1)), [STD], shapes=[((2, 3),)])

# activations
case("relu", nn.relu, [STD])
case("leaky_relu", lambda x: nn.leaky_relu(x, 0.1), [STD])
case("hard_tanh", lambda x: nn.hard_tanh(x, -0.5, 0.8), [STD])
case("relu6", lambda x: nn.relu6(x * 4.0), [STD])
for name in ["elu", "selu", "gelu", "silu", "softplus", "log_sigmoid", "mish", "hard_swish", "softshrink"]:
    case(name, getattr(nn, name), [STD])
case("prelu", nn.prelu, [STD, POS])
case("nn_softmax", nn.softmax, [STD], shapes=[((2, 3),), ((4,),)])
case("one_hot", lambda x: nn.one_hot(x, 3), [_ints(4)], diff=False)
case("one_hot_axis0", lambda x: nn.one_hot(x, 3, axis=0), [_ints(4)], diff=False)

# float32 stays float32 (weak Python scalars, the tie weights, the special-function kernels)
F32 = (lambda m: lambda shape: m(shape).astype(np.float32))(STD)
F32_POS = (lambda m: lambda shape: m(shape).astype(np.float32))(POS)
case("f32_scalar_ops", lambda x, y: 2.0 * x - y / 3.0 + x ** 2.0, [F32, F32])
case("f32_maximum", fnp.maximum, [F32, F32])
case("f32_where_clip", lambda x, y: fnp.clip(fnp.where(x > 0, x, y), -0.5, 0.5), [F32, F32])
case("f32_erf_expit", lambda x: special.erf(x) * special.expit(x), [F32])
case("f32_gammaln", special.gammaln, [F32_POS])
case("f32_relu_family", lambda x: nn.relu(x) + nn.leaky_relu(x) + nn.hard_tanh(x), [F32])
case("f32_mixed_f64", fnp.multiply, [F32, STD])
case("asarray_list", lambda x, y: fnp.asarray([x, y * 2.0]), [STD, STD], shapes=[((2, 3), (2, 3)), ((), ())])


# ---------------------------------------------------------------- the checks

def _variant(x, k):
    """Example ``k`` of a mapped argument: a small distinct change that keeps it in its domain."""
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        return (x + k) % 4
    return x * (1.0 + 0.05 * k)


def _axis_options(ndim):
    """None (unmapped), and mapped along the first, a middle and the last (as -1) axis."""
    n = ndim + 1
    return [None, 0, -1] + ([n // 2] if n > 2 else [])


# the batch may sum in another order than the loop; float32 results get float32 tolerances
_close = functools.partial(close, rtol=RTOL, atol=ATOL, f32=(1e-5, 1e-6))


def _check(fn, args, axes, diff):
    batched, examples = batch(args, axes, SIZE, _variant)
    loop = [fn(*ex) for ex in examples]
    _close(fgrad.vmap(fn, in_axes=axes)(*batched), np.stack(loop), "value")
    # vmap of vmap: an outer batch of two inner batches
    outer = [np.stack([b, _variant(b, 2)]) for b in batched]
    inner = fgrad.vmap(fn, in_axes=axes)
    _close(fgrad.vmap(inner)(*outer), np.stack([inner(*[o[j] for o in outer]) for j in range(2)]), "vmap(vmap)")
    if not diff:
        return
    floats = float_args(args)
    w = rng.standard_normal(np.shape(loop[0]))
    argnums = floats

    def scalar(*a):
        return fnp.sum(fn(*a) * w)

    g = fgrad.grad(scalar, argnums=argnums)
    per_ex = [g(*ex) for ex in examples]
    _close(fgrad.vmap(g, in_axes=axes)(*batched),
           [np.stack([p[j] for p in per_ex]) for j in range(len(floats))], "vmap(grad)")
    # grad of a vmap: a mapped argument's gradient is the stack, an unmapped one's the sum
    wk = np.stack([w * (1 + k) for k in range(SIZE)])
    gb = fgrad.grad(lambda *a: fnp.sum(fgrad.vmap(fn, in_axes=axes)(*a) * wk), argnums=argnums)(*batched)
    want = []
    for j, i in enumerate(floats):
        parts = [(1 + k) * np.asarray(per_ex[k][j]) for k in range(SIZE)]
        want.append(sum(parts) if axes[i] is None else np.stack(parts, axis=axes[i]))
    _close(gb, want, "grad(vmap)")

    def tangent_of(*a):
        tangents = [a[i] if i in floats else np.zeros_like(a[i]) for i in range(len(a))]
        return fgrad.jvp(fn, tuple(a), tuple(tangents))[1]

    loop_t = np.stack([tangent_of(*ex) for ex in examples])
    _close(fgrad.vmap(tangent_of, in_axes=axes)(*batched), loop_t, "vmap(jvp)")
    _close(tangent_of_vmap(fn, axes, batched, floats), loop_t, "jvp(vmap)")


def tangent_of_vmap(fn, axes, batched, floats):
    tangents = [b if i in floats else np.zeros_like(b) for i, b in enumerate(batched)]
    return fgrad.jvp(fgrad.vmap(fn, in_axes=axes), tuple(batched), tuple(tangents))[1]


PARAMS = [pytest.param(fn, makers, diff, shapes, id=name) for name, fn, makers, diff, shapes in CASES]


@pytest.mark.parametrize("fn, makers, diff, shapes", PARAMS)
def test_vmap_equals_the_loop_in_every_layout(fn, makers, diff, shapes):
    for shape_set in shapes:
        args = [m(s) for m, s in zip(makers, shape_set)]
        for axes in layouts(args, _axis_options):
            try:
                _check(fn, args, axes, diff)
            except AssertionError as e:
                raise AssertionError(f"shapes {shape_set}, in_axes {axes}: {e}") from None


# ---------------------------------------------------------------- focused cases

def test_where_condition_alone_is_batched():
    c = np.array([[True, False], [False, True], [True, True]])
    out = fgrad.vmap(lambda c: fnp.where(c, 1.0, -1.0))(c)
    np.testing.assert_array_equal(out, np.where(c, 1.0, -1.0))


def test_where_under_grad_keeps_a_batched_condition():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    g = fgrad.vmap(fgrad.grad(lambda v: fnp.sum(fnp.where(v > 0, v * v, v))))(x)
    np.testing.assert_allclose(g, np.where(x > 0, 2 * x, 1.0))


def test_zeros_like_of_a_batch_is_one_constant():
    x = np.ones((5, 2, 3))
    out = fgrad.vmap(lambda v: fnp.zeros_like(v, shape=(4,)), out_axes=1)(x)
    assert out.shape == (4, 5) and not out.any()


def test_full_like_with_a_batched_fill():
    x = np.zeros((2, 3))
    fill = np.array([1.0, 2.0, 3.0])
    out = fgrad.vmap(lambda f: fnp.full_like(x, f, dtype=np.float32))(fill)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, fill[:, None, None] * np.ones((3, 2, 3)))


def test_full_like_fill_value_is_not_differentiated():
    assert fgrad.grad(lambda v: fnp.sum(fnp.full_like(np.ones(3), v) * v))(2.0) == 6.0


def test_astype_to_int_keeps_the_batch():
    x = np.array([[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]])
    out = fgrad.vmap(lambda v: fnp.astype(v, np.int32), in_axes=1)(x)
    assert out.dtype == np.int32 and out.shape == (2, 3)
    np.testing.assert_array_equal(out, x.T.astype(np.int32))


def test_polygamma_order_stays_static():
    with pytest.raises(TypeError, match="order n"):
        fgrad.vmap(special.polygamma)(np.array([1, 2]), np.array([1.0, 2.0]))


def test_logsumexp_shift_is_per_example():
    # without a per-example shift, one huge example would underflow the others to -inf
    x = np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(fgrad.vmap(special.logsumexp)(x), [1000.0 + np.log(2.0), np.log(4.0)])


def test_allclose_is_per_example_under_vmap():
    x = np.array([[1.0, 1.0], [1.0, 2.0], [1.0 + 1e-12, 1.0]])
    np.testing.assert_array_equal(fgrad.vmap(lambda v: fnp.allclose(v, 1.0))(x), [True, False, True])
    assert fnp.allclose(x[0], 1.0) is True
