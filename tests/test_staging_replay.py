"""The replay's optimisations: each pass does what it says, results equal eager bit for bit, in-place
writes never touch an input, a constant, an output or a live view, fusion writes one kernel per chain,
and a replay's peak memory is at or below eager's."""
import re
import tracemalloc
import types

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.staging.fusion import FusedChain, fuse, kernel_source
from fgrad.staging.passes import flatten_batched_products, optimize, transpose_products
from fgrad.staging import replay as replay_module
from fgrad.staging.replay import compile_program, inplace_plan


def _names(program):
    return [e.prim.name for e in program.equations]


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def _replay_matches_eager(f, *args):
    """Replay ``f``'s program (compiled afresh, so the optimised path runs) and compare with eager."""
    program = fgrad.make_jaxpr(f)(*args)
    eager = f(*args)
    eager = eager if isinstance(eager, tuple) else (eager,)
    got = compile_program(program)(*args)
    for g, e in zip(got, eager):
        _same_bits(g, e)
    return got


x3 = np.array([0.5, -1.25, 2.0])


# --- passes ---------------------------------------------------------------------------------------

def test_fold_constants_computes_constant_equations_once():
    c = np.array([1.0, 2.0, 3.0])
    program = fgrad.make_jaxpr(lambda x: x * fnp.sin(c))(x3)
    assert _names(optimize(program)) == ["multiply"]
    _replay_matches_eager(lambda x: x * fnp.sin(c), x3)


def test_shape_only_equations_fold_into_broadcast_constants():
    def f(x):
        return fnp.sin(x) + fnp.zeros_like(x) * fnp.full_like(x, 3.0)
    program = fgrad.make_jaxpr(f)(x3)
    assert "zeros_like" in _names(program) and "full_like" in _names(program)
    assert _names(optimize(program, np)) == ["sin", "add"]  # zeros * 3 folds too
    assert "zeros_like" in _names(optimize(program))  # without knowing the array module nothing folds
    _replay_matches_eager(f, x3)


def test_simplify_drops_exact_identities():
    def f(x, y):
        a = fnp.sin(x) * 1.0
        b = fnp.power(a, 1) / 1.0 - 0.0
        c = fnp.where(True, b, y) + fnp.reshape(y, (3,)) + fnp.broadcast_to(x, (3,))
        return fnp.cos(c)
    program = fgrad.make_jaxpr(f)(x3, x3 + 1)
    assert _names(optimize(program, np)) == ["sin", "add", "add", "cos"]
    _replay_matches_eager(f, x3, x3 + 1)


def test_simplify_keeps_what_is_not_bit_identical():
    # -0.0 + 0.0 is +0.0, so x + 0 is not x (1 / it tells the signs apart); int * 1.0 changes the
    # dtype; an output keeps its equation (the caller may write into it: it must not be x)
    def f(x, i):
        return 1.0 / (x + 0.0), i * 1.0, x * 1.0
    x, i = np.array([-0.0, 1.0]), np.arange(2)
    with np.errstate(divide="ignore"):
        program = fgrad.make_jaxpr(f)(x, i)
        got = _replay_matches_eager(f, x, i)
    assert _names(optimize(program, np)) == ["add", "divide", "multiply", "multiply"]
    assert got[2] is not x


def test_simplify_keeps_weakly_typed_scalar_inputs():
    # a Python-float input times a strong 1.0 is strong: replacing it by the input would change dtypes
    def f(s, x):
        return x * (fnp.multiply(s, np.float64(1.0)))
    program = fgrad.make_jaxpr(f)(2.0, x3.astype(np.float32))
    assert _names(optimize(program, np)) == ["multiply", "multiply"]
    _replay_matches_eager(f, 2.0, x3.astype(np.float32))


def test_common_subexpressions_are_computed_once():
    program = fgrad.make_jaxpr(lambda x: fnp.sin(x) * fnp.sin(x) + fnp.sin(x))(x3)
    assert _names(optimize(program)) == ["sin", "multiply", "add"]
    _replay_matches_eager(lambda x: fnp.sin(x) * fnp.sin(x) + fnp.sin(x), x3)


def test_dead_code_is_dropped():
    def f(x):
        fnp.exp(fnp.cos(x))  # unused
        return fnp.sin(x)
    program = fgrad.make_jaxpr(f)(x3)
    assert len(program.equations) == 3
    assert _names(optimize(program)) == ["sin"]


# --- in-place reuse -------------------------------------------------------------------------------

def test_chains_reuse_dead_buffers():
    def f(x):
        return fnp.tanh(fnp.sin(x) * 2.0 + 1.0)
    program = optimize(fgrad.make_jaxpr(f)(x3), np)
    plan = inplace_plan(program)
    assert plan[0] is None and all(plan[k] is program.equations[k - 1].outputs[0] for k in (1, 2, 3))
    _replay_matches_eager(f, x3)


def test_inputs_are_never_written():
    def f(x, y):
        a = fnp.sin(x)  # x is dead here, but it is an input
        return a * y, fnp.exp(y) + x
    x, y = x3.copy(), x3[::-1].copy()
    keep_x, keep_y = x.copy(), y.copy()
    _replay_matches_eager(f, x, y)
    _same_bits(x, keep_x)
    _same_bits(y, keep_y)


def test_constants_are_never_written_and_constant_outputs_are_fresh():
    c = np.array([1.0, 2.0, 3.0])
    keep = c.copy()

    def f(x):
        return fnp.exp(c) + x, c * 2.0
    replay = compile_program(fgrad.make_jaxpr(f)(x3))
    first = replay(x3)
    first[1][:] = -1.0  # the caller owns its outputs
    for g, e in zip(replay(x3), f(x3)):
        _same_bits(g, e)
    _same_bits(c, keep)


def test_an_output_that_is_also_an_intermediate_is_not_overwritten():
    def f(x):
        a = fnp.sin(x)
        b = fnp.cos(a)  # a dies for the computation here, but it is returned
        return a, b * 3.0
    _replay_matches_eager(f, x3)


@pytest.mark.parametrize("view", [lambda a: a.T, lambda a: fnp.reshape(a, (6,)), lambda a: a[0],
                                  lambda a: fnp.broadcast_to(a, (4, 2, 3))])
def test_a_live_view_blocks_writing_into_its_base(view):
    def f(x):
        a = fnp.sin(x)
        v = view(a)  # may share a's buffer
        b = fnp.exp(a)  # a's last direct reader: writing here would corrupt v
        return fnp.sum(v) + fnp.sum(b)
    x = np.arange(6.0).reshape(2, 3) / 7
    program = optimize(fgrad.make_jaxpr(f)(x), np)
    exp_at = _names(program).index("exp")
    assert inplace_plan(program)[exp_at] is None
    _replay_matches_eager(f, x)


def test_a_view_that_is_an_output_blocks_writing_into_its_base():
    def f(x):
        a = fnp.sin(x)
        return a.T, fnp.exp(a)
    x = np.arange(6.0).reshape(2, 3) / 7
    _replay_matches_eager(f, x)


def test_inplace_after_the_view_dies():
    def f(x):
        a = fnp.sin(x)
        s = fnp.sum(a.T)
        return fnp.exp(a) * s
    x = np.arange(6.0).reshape(2, 3) / 7
    program = optimize(fgrad.make_jaxpr(f)(x), np)
    assert inplace_plan(program)[_names(program).index("exp")] is not None
    _replay_matches_eager(f, x)


def test_broadcasting_operands_are_not_written():
    def f(x, row):
        a = fnp.sin(row)  # shape (3,): the result (2, 3) cannot go into it
        return fnp.cos(x) * a
    _replay_matches_eager(f, np.ones((2, 3)), x3)


def test_training_step_replays_bit_for_bit():
    rng = np.random.default_rng(0)
    w1, w2, xb, yb = rng.normal(size=(4, 8)), rng.normal(size=(8, 2)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))

    def loss(params):
        h = fnp.tanh(xb @ params[0])
        return fnp.mean((h @ params[1] - yb) ** 2)

    def step(params):
        value, grads = fgrad.value_and_grad(loss)(params)
        return [p - 0.1 * g for p, g in zip(params, grads)], value

    jitted = fgrad.jit(step)
    params, keep = [w1, w2], [w1.copy(), w2.copy()]
    for _ in range(3):  # the first call stages; the others replay
        (new, value), (ref, ref_value) = jitted(params), step(params)
        for a, b in zip(new, ref):
            _same_bits(a, b)
        _same_bits(value, ref_value)
        params = ref
    _same_bits(w1, keep[0])  # the inputs were not written
    _same_bits(w2, keep[1])


# --- fusion ---------------------------------------------------------------------------------------

def test_fuse_makes_one_equation_per_chain():
    def f(x, y):
        a = fnp.sin(x) * 2.0 + y  # one chain
        s = fnp.sum(a)  # not elementwise: ends it
        return fnp.exp(a) - s, a
    program = optimize(fgrad.make_jaxpr(f)(x3, x3 + 1), np)
    fused = fuse(program)
    kinds = [e.prim.name for e in fused.equations]
    assert kinds == ["fused[sin multiply add]", "sum", "fused[exp subtract]"]
    run = compile_program(fused)  # the chains run one ufunc at a time on NumPy: same bits
    for g, e in zip(run(x3, x3 + 1), f(x3, x3 + 1)):
        _same_bits(g, e)


def test_a_value_read_twice_is_not_fused_away():
    def f(x):
        a = fnp.sin(x)
        return fnp.cos(a) * fnp.exp(a)
    fused = fuse(optimize(fgrad.make_jaxpr(f)(x3)))
    # a has two readers: it is materialised, and cos, exp, multiply become one chain over it
    assert [e.prim.name for e in fused.equations] == ["sin", "fused[cos exp multiply]"]


def test_cupy_kernel_source_for_a_chain():
    def f(x, y):
        return fnp.tanh(fnp.sin(x) * 2.0 + y)
    x32 = x3.astype(np.float32)
    program = fuse(optimize(fgrad.make_jaxpr(f)(x32, np.float64(1.5))))
    (eqn,) = program.equations
    assert isinstance(eqn.prim, FusedChain)
    src = kernel_source(eqn.prim.equations, eqn.prim.inputs)
    # x is float32, 2.0 a weak scalar (computed in float32), y a strong float64 scalar: the add is float64
    assert src["in_params"] == "float32 a0, float32 a1, float64 a2"
    assert src["out_params"] == "float64 r"
    assert src["operation"].splitlines() == [
        "const float t0 = sin(a0);",
        "const float t1 = t0 * a1;",
        "const double t2 = (double)t1 + a2;",
        "const double t3 = tanh(t2);",
        "r = t3;",
    ]


class _KernelOnNumPy:
    """Stands in for ``cupy.ElementwiseKernel`` where there is no GPU: it checks the parameter lists
    and runs the operation's C, line by line, as NumPy expressions in the declared C types."""

    built = []

    def __init__(self, in_params, out_params, operation, name, options=()):
        assert re.fullmatch(r"\w+", name) and "--fmad=false" in options
        self.params = [p.split() for p in in_params.split(", ")]
        self.out_dtype = np.dtype(out_params.split()[0])
        self.lines = operation.splitlines()
        _KernelOnNumPy.built.append(self)

    def __call__(self, *args):
        env = {"float": lambda v: np.asarray(v, np.float32), "double": lambda v: np.asarray(v, np.float64),
               **{f: getattr(np, f) for f in ("sin", "cos", "tanh", "exp", "log", "sqrt")}}
        assert len(args) == len(self.params)
        for (dtype, pname), a in zip(self.params, args):
            env[pname] = np.asarray(a).astype(dtype)  # CuPy casts an argument to its declared type
        for line in self.lines:
            m = re.fullmatch(r"(?:const (float|double) )?(\w+) = (.*);", line)
            assert m, line
            expr = re.sub(r"\((float|double)\)(\w+)", r"\1(\2)", m.group(3))
            value = eval(expr, env)  # noqa: S307 (the test's own translation of generated C)
            env[m.group(2)] = value if m.group(1) is None else env[m.group(1)](value)
        return np.asarray(env["r"]).astype(self.out_dtype)


def test_the_cupy_variant_runs_each_chain_as_one_kernel(monkeypatch):
    def f(x, y):
        a = fnp.tanh(fnp.sin(x) * 2.0 + y)  # one chain
        return fnp.sum(a, axis=0) * fnp.exp(y[0]), fnp.cos(a)  # a is read twice: a chain ends there
    fake = types.SimpleNamespace(ElementwiseKernel=_KernelOnNumPy, zeros=np.zeros, broadcast_to=np.broadcast_to,
                                 **{n: getattr(np, n) for n in ("sin", "cos", "tanh", "exp", "multiply", "add")})
    monkeypatch.setattr(fgrad.backend, "get_array_module", lambda *xs: fake)
    _KernelOnNumPy.built.clear()
    x, y = np.linspace(-1, 1, 12).reshape(4, 3), np.linspace(0, 2, 12).reshape(4, 3)
    for args in ((x, y), (x.astype(np.float32), y.astype(np.float32))):
        run = replay_module._compile(fgrad.make_jaxpr(f)(*args), fake, ())
        assert "fused[sin multiply add tanh]" in str([e.prim.name for e in run.program.equations])
        for got, expected in zip(run(*args), f(*args)):
            np.testing.assert_allclose(got, expected, rtol=4 * np.finfo(args[0].dtype).eps)
            assert got.dtype == expected.dtype
    assert len(_KernelOnNumPy.built) == 4  # two chains per dtype, each built once


# --- memory ---------------------------------------------------------------------------------------

def _peak(fn, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del out
    return peak


def test_replay_peak_memory_is_at_most_eager():
    def f(x):
        h = x
        for k in range(30):
            h = fnp.tanh(h) * 1.5 + 0.25 if k % 2 else fnp.sin(h) - 0.5
        return fnp.sum(h * h)
    x = np.random.default_rng(0).normal(size=200_000)
    replay = compile_program(fgrad.make_jaxpr(f)(x))
    replay(x)
    eager, staged = _peak(f, x), _peak(replay, x)
    assert staged <= eager
    assert staged <= 2 * x.nbytes + 4096  # one buffer for the chain, one for h * h


# --- donation -------------------------------------------------------------------------------------

def _donating(f, *args, donated=(0,)):
    program = fgrad.make_jaxpr(f)(*args)
    program.donated = donated
    return program, compile_program(program)


def test_a_donated_input_takes_a_result():
    def f(x, y):
        return fnp.sin(x) * y
    x, y = x3.copy(), x3 + 1
    program, replay = _donating(f, x, y)
    plan = inplace_plan(optimize(program, np), [program.inputs[0]])
    assert plan[0] is program.inputs[0]  # sin writes into x
    expected = f(x3.copy(), y)
    (got,) = replay(x, y)
    _same_bits(got, expected)
    assert np.shares_memory(got, x)


def test_donation_is_refused_when_the_buffer_is_shared():
    def f(x, y):
        return fnp.sin(x) + y
    _, replay = _donating(f, x3.copy(), x3.copy())
    base = x3.copy()
    for x, y in ((base, base), (base, base[::-1]), (base[::-1], x3 + 1)):  # y aliases x; x is a view
        keep = base.copy()
        expected = f(x.copy(), y.copy())
        (got,) = replay(x, y)
        _same_bits(got, expected)
        _same_bits(base, keep)  # nothing was written into the shared memory


def test_complex_identities_are_kept():
    # (a + bj) * 1 computes a*1 - b*0: with b infinite that is nan, so x * 1 is not x for complex x
    def f(z):
        return fnp.exp(z) * 1.0 + 0.0
    z = np.array([0.5 + 1000.0j, 800.0 + 0.5j])
    with np.errstate(all="ignore"):
        program = fgrad.make_jaxpr(f)(z)
        _replay_matches_eager(f, z)
    assert _names(optimize(program, np)) == ["exp", "multiply", "add"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transpose_products_come_out_contiguous(dtype):
    """(x.T @ g).T becomes g.T @ x: C order, the same dot products (BLAS may round the last place)."""
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((7, 5)).astype(dtype), rng.standard_normal((7, 3)).astype(dtype)
    xb, gb = rng.standard_normal((2, 7, 5)).astype(dtype), rng.standard_normal((2, 7, 3)).astype(dtype)

    def f(x, g, xb, gb):
        return (x.T @ g).T, fnp.swapaxes(fnp.swapaxes(xb, -1, -2) @ gb, -1, -2), (x.T @ g).T + 1.0

    program = fgrad.make_jaxpr(f)(x, g, xb, gb)
    assert "transpose" in _names(optimize(program))  # the bit-exact passes keep the view
    rewritten = transpose_products(program)
    made = {id(o): e.prim.name for e in rewritten.equations for o in e.outputs}
    for e in rewritten.equations:
        if e.prim.name == "transpose":  # only operands are swapped now, never a product
            assert made.get(id(e.inputs[0])) != "matmul"
    got = compile_program(rewritten)(x, g, xb, gb)
    want = (x.T @ g).T, np.swapaxes(np.swapaxes(xb, -1, -2) @ gb, -1, -2), (x.T @ g).T + 1.0
    tol = 8 * np.finfo(dtype).eps
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.flags.c_contiguous
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_transpose_products_leave_a_shared_product_alone():
    x, g = np.ones((4, 2)), np.ones((4, 3))
    program = fgrad.make_jaxpr(lambda x, g: ((x.T @ g).T, x.T @ g))(x, g)
    assert _names(transpose_products(optimize(program))).count("matmul") == 1  # one product, read twice


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_flatten_batched_products_make_one_matrix_product(dtype):
    """A batched input times a matrix (a Linear on (batch, length, features), the input possibly a
    transposed view) becomes one 2-D product; batched-by-batched products stay as they are."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 5, 4)).astype(dtype)
    w = rng.standard_normal((4, 6)).astype(dtype)
    wb = rng.standard_normal((3, 2, 4, 6)).astype(dtype)

    def f(x, w, wb):
        return x @ w, fnp.swapaxes(x, 0, 2) @ w, x @ wb

    program = flatten_batched_products(fgrad.make_jaxpr(f)(x, w, wb))
    dims = [len(e.outputs[0].shape) for e in program.equations if e.prim.name == "matmul"]
    assert sorted(dims) == [2, 2, 4]
    got = compile_program(program)(x, w, wb)
    tol = 8 * np.finfo(dtype).eps
    for a, b in zip(got, (x @ w, np.swapaxes(x, 0, 2) @ w, x @ wb)):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
