"""Complex numbers follow one convention, JAX's, everywhere; and the special points derivatives reach.

JAX (x64) is the oracle: for a real-valued function of ``z = x + iy``, ``grad`` is ``df/dx - i df/dy``; a VJP is
the transpose of the JVP (no conjugation); a complex output needs ``holomorphic=True``. The spec table's
complex test set (tests/specs/complex_numbers.py) checks each complex-capable primitive against finite
differences; this file checks the transforms and whole functions against JAX.
"""
import warnings

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.testing import check_grads

from jax_support import assert_agree, derivatives_agree, jax

jnp = jax.numpy

RNG = np.random.default_rng(7)


def _c(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _unitary(n):
    return np.linalg.qr(_c(n, n))[0]


Z = _c(5)
A = _c(3, 4)
H = (lambda q: (q * np.array([-1.0, 0.5, 2.0])) @ q.conj().T)(_unitary(3))  # Hermitian, distinct eigenvalues
SQ = _c(3, 3) + 4 * np.eye(3)


# ------------------------------------------------------------------ the examples

def test_abs_jvp_is_the_directional_derivative():
    got = fgrad.jvp(fnp.abs, (3 + 4j,), (1j,))
    want = jax.jvp(jnp.abs, (3 + 4j,), (1j,))
    assert_agree(got, want)
    assert float(got[1]) == pytest.approx(0.8)


def test_grad_of_a_real_function_of_complex_input_is_jaxs():
    f, jf = (lambda z: fnp.abs(z) ** 2), (lambda z: jnp.abs(z) ** 2)
    assert_agree(fgrad.grad(f)(1 + 1j), jax.grad(jf)(1 + 1j))
    assert complex(fgrad.grad(f)(1 + 1j)) == 2 - 2j
    assert_agree(fgrad.value_and_grad(f)(np.complex128(1 + 1j)), jax.value_and_grad(jf)(np.complex128(1 + 1j)))


def test_reverse_over_reverse_with_a_complex_cotangent_on_a_real_value():
    # found by the FFT work: the imaginary part of a real value's cotangent must be dropped where a real
    # operand meets a complex one, or it comes back real in the second pass
    x, t = np.array([1.0, 2.0]), np.ones(2)

    def inner(lib, xp):
        loss = lambda a: xp.sum(xp.real(a * (1 + 2j)) ** 3)  # noqa: E731
        return lambda a: xp.sum(lib.grad(loss)(a) * t)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no ComplexWarning from a cast of a complex cotangent
        got = fgrad.grad(inner(fgrad, fnp))(x)
        got_astype = fgrad.grad(lambda a: fnp.sum(fgrad.grad(
            lambda b: fnp.sum(fnp.real(fnp.astype(b, np.complex128) * (1 + 2j)) ** 3))(a)))(x)
    assert_agree(got, jax.grad(inner(jax, jnp))(x))
    np.testing.assert_allclose(got, [6.0, 12.0], rtol=1e-13)
    np.testing.assert_allclose(got_astype, [6.0, 12.0], rtol=1e-13)


# ------------------------------------------------------------------ holomorphic and its errors

def _raises_like_jax(fg, fj, arg, match):
    with pytest.raises(TypeError, match=match):
        fj(arg)
    with pytest.raises(TypeError, match=match):
        fg(arg)


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "jacrev"])
def test_a_complex_output_needs_holomorphic(name):
    _raises_like_jax(getattr(fgrad, name)(lambda z: z * z), getattr(jax, name)(lambda z: z * z), 1 + 1j,
                     "requires real-valued outputs")


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "jacrev", "jacfwd", "hessian"])
def test_holomorphic_needs_complex_inputs_and_outputs(name):
    fg, fj = getattr(fgrad, name), getattr(jax, name)
    _raises_like_jax(fg(fnp.sin, holomorphic=True), fj(jnp.sin, holomorphic=True), 0.5,
                     "holomorphic=True requires inputs with complex dtype")
    _raises_like_jax(fg(fnp.abs, holomorphic=True), fj(jnp.abs, holomorphic=True), 0.5 + 1j,
                     "holomorphic=True requires outputs with complex dtype")


@pytest.mark.parametrize("name", ["jacfwd", "hessian"])
def test_jacfwd_of_complex_inputs_needs_holomorphic(name):
    _raises_like_jax(getattr(fgrad, name)(fnp.abs), getattr(jax, name)(jnp.abs), 0.5 + 1j,
                     "requires real-valued inputs")


HOLOMORPHIC = [
    ("sin_times_z", lambda xp: lambda z: xp.sin(z) * z),
    ("exp_over", lambda xp: lambda z: xp.exp(z) / (z + 3.0)),
    ("log_sqrt", lambda xp: lambda z: xp.log(z) + xp.sqrt(z) * z ** 3),
]


def test_holomorphic_grad_and_jacobians_agree_with_jax():
    z = np.complex128(0.7 - 0.4j)
    for name, make in HOLOMORPHIC:
        assert_agree(fgrad.grad(make(fnp), holomorphic=True)(z), jax.grad(make(jnp), holomorphic=True)(z))
    f, jf = HOLOMORPHIC[0][1](fnp), HOLOMORPHIC[0][1](jnp)
    for t in ("value_and_grad", "jacrev", "jacfwd", "hessian"):
        assert_agree(getattr(fgrad, t)(f, holomorphic=True)(z), getattr(jax, t)(jf, holomorphic=True)(z))
    zs = np.array([0.7 - 0.4j, -0.3 + 1.1j, 1.5 + 0.2j])
    vf, vjf = (lambda z: f(z) * z[::-1]), (lambda z: jf(z) * z[::-1])
    for t in ("jacrev", "jacfwd"):
        assert_agree(getattr(fgrad, t)(vf, holomorphic=True)(zs), jax.jit(getattr(jax, t)(vjf, holomorphic=True))(zs))
    assert_agree(fgrad.hessian(lambda z: fnp.sum(vf(z)), holomorphic=True)(zs),
                 jax.jit(jax.hessian(lambda z: jnp.sum(vjf(z)), holomorphic=True))(zs))


def test_jacrev_of_a_real_function_of_complex_inputs_agrees_with_jax():
    f, jf = (lambda z: fnp.abs(z) * fnp.real(z[::-1])), (lambda z: jnp.abs(z) * jnp.real(z[::-1]))
    assert_agree(fgrad.jacrev(f)(Z), jax.jacrev(jf)(Z))


# ------------------------------------------------------------------ whole functions against JAX

def _elementwise(xp):
    def f(z, x):
        return xp.concatenate([
            xp.abs(z) ** 3 * x + z * x,                               # a real operand meets a complex one
            xp.real(z) * xp.imag(z) + xp.conj(z) * z,
            xp.exp(xp.sin(z)) * xp.log(z + 3.0),
            xp.power(z, 2.5) + xp.sqrt(z) * xp.tanh(z),
            xp.stack([xp.mean(z) * xp.var(z), xp.std(z)]),
        ])
    return f


def _products(xp):
    def f(a, b, r):
        return xp.concatenate([
            xp.reshape(xp.einsum("ij,kj->ik", a, b).T @ a, (-1,)),
            xp.reshape(xp.matmul(a, r), (-1,)),                       # complex @ real
            xp.reshape(a[::-1, 1:], (-1,)) * xp.sum(a.T[0]),
        ])
    return f


def _norms(xp):
    def f(z, a):
        return xp.stack([xp.linalg.norm(z, o) for o in (1, 2, 3, 4, np.inf, -np.inf)]
                        + [xp.linalg.norm(a, o) for o in ("fro", "nuc", 2, 1, np.inf)])
    return f


def _decompositions(xp):
    def f(a, h, m):
        u, s, vh = xp.linalg.svd(a, full_matrices=False)   # each singular pair's phase is free: gauge-free
        u2, s2, vh2 = xp.linalg.svd(a.T, full_matrices=False)  # products only (wide and tall)
        h = (h + xp.conj(h.T)) / 2                          # eigh reads one triangle: its Hermitian part
        w, v = xp.linalg.eigh(h)
        return xp.concatenate([
            s, s2, xp.reshape((u * s ** 2) @ vh + u @ vh, (-1,)), xp.reshape(u2 @ vh2, (-1,)),
            w, xp.reshape((v * xp.arange(1.0, 4.0)) @ xp.conj(v.T), (-1,)),
            xp.reshape(xp.linalg.inv(m) * xp.linalg.det(m) + xp.linalg.solve(m, m.T), (-1,)),
        ])
    return f


FUNCTIONS = [  # (id, function of the namespace, arguments): a few functions each covering many operations,
    # as every comparison compiles JAX's five derivative programs
    ("elementwise", _elementwise, (Z, RNG.standard_normal(5))),
    ("products", _products, (A, _c(2, 4), RNG.standard_normal((4, 2)))),
    ("norms", _norms, (Z, A)),
    ("decompositions", _decompositions, (A, H, SQ)),
]


@pytest.mark.parametrize("name, make, args", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_complex_functions_agree_with_jax(name, make, args):
    """Values, first derivatives in both modes and both second-order compositions, against JAX x64."""
    derivatives_agree(make(fnp), make(jnp), args, rtol=1e-8, atol=1e-9)


def test_qr_cholesky_pinv_slogdet_gradients_agree_with_jax():
    def loss(xp):
        def f(a, m):
            q, r = xp.linalg.qr(a)
            h = m @ xp.conj(m.T)
            sign, logdet = xp.linalg.slogdet(m)
            parts = (q, r, xp.linalg.cholesky((h + xp.conj(h.T)) / 2), xp.linalg.pinv(a), sign, logdet)
            return sum(xp.sum(xp.sin(xp.real(p) + 2 * xp.imag(p))) for p in parts)
        return f

    args = (A.T.copy(), SQ)
    assert_agree(fgrad.grad(loss(fnp), (0, 1))(*args), jax.jit(jax.grad(loss(jnp), (0, 1)))(*args), 1e-9, 1e-10)
    tangents = (_c(4, 3), _c(3, 3))
    assert_agree(fgrad.jvp(loss(fnp), args, tangents)[1],
                 jax.jit(lambda *p: jax.jvp(loss(jnp), p, tangents)[1])(*args), 1e-9, 1e-10)


def test_hermitian_eigenvalue_and_singular_value_tangents_are_real():
    for f, a in ((lambda m: fnp.linalg.eigh(m)[0], H), (lambda m: fnp.linalg.svd(m, compute_uv=False), A)):
        _, t = fgrad.jvp(f, (a,), (_c(*a.shape),))
        assert t.dtype == np.float64


# ------------------------------------------------------------------ under vmap and jit, against JAX

STAGED = [  # (id, function of the namespace, holomorphic): complex literals, real <-> complex crossings
    ("holomorphic", lambda xp: lambda z: xp.sin(z) * z * (1 - 2j) + xp.exp(z) / (z + 3.0) - 1j, True),
    ("fft_and_products", lambda xp: lambda z: xp.fft.fft(z * z[::-1]) @ xp.conj(z) + xp.cumsum(z) * 2j, False),
    ("real_of_complex", lambda xp: lambda z: xp.abs(z) ** 2 * xp.real(z) + xp.imag(xp.log(z) * 1j)
     + xp.angle(z), False),
]


@pytest.mark.parametrize("name, make, holomorphic", STAGED, ids=[p[0] for p in STAGED])
def test_complex_programs_under_vmap_and_jit_agree_with_jax(name, make, holomorphic):
    """Values, ``vmap`` and ``jit`` in each nesting, and gradients (``holomorphic=True`` for a holomorphic
    function; of a real function of complex input otherwise), against JAX's (x64, its side compiled)."""
    f, jf = make(fnp), make(jnp)
    zs = np.stack([Z, Z * (0.9 + 0.2j), Z[::-1]])
    if holomorphic:
        s, js = (lambda z: fnp.sum(f(z))), (lambda z: jnp.sum(jf(z)))
        g, jg = fgrad.grad(s, holomorphic=True), jax.grad(js, holomorphic=True)
    else:
        s, js = (lambda z: fnp.sum(fnp.real(f(z) * (1 + 2j)))), (lambda z: jnp.sum(jnp.real(jf(z) * (1 + 2j))))
        g, jg = fgrad.grad(s), jax.grad(js)
    assert_agree(fgrad.jit(f)(Z), jax.jit(jf)(Z))
    want = jax.jit(jax.vmap(jf))(zs)
    for got in (fgrad.vmap(f)(zs), fgrad.jit(fgrad.vmap(f))(zs), fgrad.vmap(fgrad.jit(f))(zs)):
        assert_agree(got, want)
    want = jax.jit(jg)(Z)
    for got in (g(Z), fgrad.jit(g)(Z), fgrad.grad(fgrad.jit(s), holomorphic=holomorphic)(Z)):
        assert_agree(got, want)
    want = jax.jit(jax.vmap(jg))(zs)
    for got in (fgrad.vmap(g)(zs), fgrad.jit(fgrad.vmap(g))(zs), fgrad.vmap(fgrad.jit(g))(zs)):
        assert_agree(got, want)
    t = Z[::-1] * 1j
    assert_agree(fgrad.jvp(fgrad.jit(f), (Z,), (t,)), jax.jit(lambda z: jax.jvp(jf, (z,), (t,)))(Z))
    assert_agree(fgrad.vmap(lambda z: fgrad.jvp(fgrad.jit(f), (z,), (z,))[1])(zs),
                 jax.jit(jax.vmap(lambda z: jax.jvp(jf, (z,), (z,))[1]))(zs))


def test_jit_stages_once_per_complex_signature():
    """A complex argument is its own signature (dtype, or a weak Python complex): values and dtypes as JAX's."""
    f = lambda x, s: x * s + 1j  # noqa: E731
    jitted, jf = fgrad.jit(f), jax.jit(f)
    x = np.arange(3.0)
    calls = [(x, 2.0), (x + 1j, 2.0), ((x + 1j).astype(np.complex64), 2.0), (x.astype(np.float32), 1.5j),
             (x, 1.5j), (x, 0.5 - 1j), (x + 1j, 1.5j), (1 + 2j, 2.0)]
    for args in calls:
        assert_agree(jitted(*args), jf(*args))
    assert jitted._cache_size() == len(calls) - 1  # 1.5j and 0.5 - 1j: one weakly typed program


# ------------------------------------------------------------------ fgrad.testing under JAX's convention

def test_check_grads_checks_complex_functions_and_catches_the_conjugate_convention():
    check_grads(lambda z: fnp.abs(z) * fnp.exp(z), (Z,), order=2)

    @fgrad.custom_vjp
    def wrong_square(z):
        return z * z

    wrong_square.defvjp(lambda z: (z * z, z), lambda z, g: (g * 2 * fnp.conj(z),))  # torch's convention
    with pytest.raises(AssertionError, match="VJP"):
        check_grads(wrong_square, (Z,), order=1, modes="rev")


def test_numerical_jvp_keeps_the_imaginary_part():
    t = fgrad.testing.numerical_jvp(lambda z: z * z, (np.array([1 + 1j]),), (np.array([1j]),), 1e-6)
    np.testing.assert_allclose(t, [2j * (1 + 1j)], rtol=1e-8)


# ------------------------------------------------------------------ special points (issue 12, item 4)

def test_power_with_exponent_zero_has_zero_second_derivative_at_zero():
    # d/dx x**0 = 0 everywhere; JAX's rule gives nan here (0 * inf): fgrad keeps the safe where's 0
    f = lambda x: fnp.power(x, 0.0)  # noqa: E731
    assert float(fgrad.grad(fgrad.grad(f))(0.0)) == 0.0
    assert float(fgrad.jvp(fgrad.grad(f), (0.0,), (1.0,))[1]) == 0.0
    assert float(fgrad.grad(fgrad.grad(lambda x: fnp.power(x, 1.0)))(0.0)) == 0.0  # (JAX: nan, 1 * 0 * inf)
    x, y = np.array([0.0, 1.5, 1.5, 0.7]), np.array([2.0, 0.0, 2.5, -1.5])  # elsewhere JAX's values
    g2 = lambda lib, xp: lib.grad(lambda a: xp.sum(lib.grad(lambda b: xp.sum(xp.power(b, y)))(a)))  # noqa: E731
    assert_agree(g2(fgrad, fnp)(x), jax.jit(g2(jax, jnp))(x))


def test_std_of_constant_values_has_zero_gradient():
    # PyTorch's value (JAX's is nan): the standard deviation of one element is constantly 0
    torch = pytest.importorskip("torch")
    for x in (np.array([2.0]), np.array([2.0, 2.0, 2.0])):
        tx = torch.tensor(x, requires_grad=True)
        torch.std(tx, correction=0).backward()
        np.testing.assert_array_equal(fgrad.grad(fnp.std)(x), tx.grad.numpy())
        assert np.all(np.isnan(jax.jit(jax.grad(jnp.std))(x)))  # (documented: fgrad departs from JAX here)
    np.testing.assert_array_equal(fgrad.hessian(fnp.std)(np.array([2.0])), [[0.0]])
    x = np.array([1.0, 2.0, 4.0])
    assert_agree(fgrad.hessian(fnp.std)(x), jax.jit(jax.hessian(jnp.std))(x))


# ------------------------------------------------------------------ the PyTorch face keeps torch's convention

def test_torch_face_complex_gradients_follow_torch():
    """torch conjugates (conjugate Wirtinger): the face conjugates each cotangent crossing to the engine."""
    torch = pytest.importorskip("torch")
    import fgrad_nn

    def run(lib):
        out = []
        z = lib.tensor([3 + 4j, 1 - 2j], dtype=lib.complex128, requires_grad=True)
        lib.abs(z).sum().backward()
        out.append(z.grad)
        z = lib.tensor([3 + 4j, 1 - 2j], dtype=lib.complex128, requires_grad=True)
        (z * z).backward(lib.tensor([1 + 1j, 2 - 1j], dtype=lib.complex128))
        out.append(z.grad)
        z = lib.tensor([3 + 4j, 1 - 2j], dtype=lib.complex128, requires_grad=True)
        x = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        w = z * x
        w.register_hook(lambda g: out.append(g.clone()))  # a hook sees torch's cotangent
        g = lib.autograd.grad((lib.abs(w) ** 2 + lib.abs(lib.exp(w))).sum(), (z, x), create_graph=True)
        out += list(g) + list(lib.autograd.grad(lib.abs(g[0]).sum() + g[1].sum(), (z, x)))
        a = lib.tensor(np.array([[1 + 2j, 0.5 - 1j], [0.3j, 2.0]]), requires_grad=True)
        lib.linalg.svdvals(a).sum().backward()
        out.append(a.grad)
        return [o.detach().numpy() for o in out]

    for got, want in zip(run(fgrad_nn), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
