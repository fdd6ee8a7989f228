"""fgrad.numpy.fft against jax.numpy.fft (x64): values, dtypes, shapes, derivatives, errors.

The primitive's rules are checked against finite differences from tests/specs/fft.py (gradients,
vmap, jit); here every public function meets JAX: its value for each ``n``/``s``/``axes``/``norm``
form, JVPs and VJPs with complex tangents and cotangents (JAX's convention: the transpose),
gradients of real losses, and second derivatives in forward-over-reverse, forward-over-forward and
reverse-over-reverse.

dtypes: float32 in gives complex64 out (float32 from ``irfft``/``hfft``), as in JAX and NumPy 2;
NumPy 2 keeps float16 as float16 from ``irfft`` where JAX (and fgrad) computes in float32, and
integer input gives complex128 (NumPy's promotion, which fgrad follows everywhere; JAX's lattice
gives complex64 for int32).
"""
import functools
import subprocess
import sys

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp

from helpers import host
from jax_support import assert_agree, jax

jnp = jax.numpy
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 5, 4))
Z = X + 1j * RNG.standard_normal((3, 5, 4))
NORMS = [None, "backward", "ortho", "forward"]

# (function, input, keyword arguments): each form NumPy's signatures allow, padding and truncating
CASES = [
    ("fft", Z, {}), ("fft", Z, {"n": 6}), ("fft", X, {"n": 3, "axis": 0}), ("fft", Z, {"n": 1, "axis": 1}),
    ("ifft", Z, {"n": 3, "axis": 1}), ("ifft", X, {"n": 7}),
    ("rfft", X, {}), ("rfft", X, {"n": 7}), ("rfft", X, {"n": 2, "axis": 1}), ("rfft", X, {"n": 1}),
    ("irfft", Z, {}), ("irfft", Z, {"n": 5}), ("irfft", Z, {"n": 8, "axis": 0}), ("irfft", X, {"n": 3}),
    ("hfft", Z, {}), ("hfft", Z, {"n": 5, "axis": 1}), ("ihfft", X, {}), ("ihfft", X, {"n": 3, "axis": 0}),
    ("fftn", Z, {}), ("fftn", Z, {"s": (2, 6), "axes": (0, 2)}), ("fftn", X, {"s": (3, 3)}),
    ("fftn", Z, {"axes": (2, 0)}), ("ifftn", Z, {}), ("ifftn", Z, {"s": (4,), "axes": (1,)}),
    ("rfftn", X, {}), ("rfftn", X, {"s": (4, 5), "axes": (2, 0)}), ("rfftn", X, {"axes": (1,)}),
    ("irfftn", Z, {}), ("irfftn", Z, {"s": (3, 6), "axes": (1, 2)}), ("irfftn", Z, {"axes": (2, 0)}),
    ("fft2", Z, {}), ("fft2", X, {"s": (6, 2)}), ("ifft2", Z, {"axes": (0, 1)}),
    ("rfft2", X, {}), ("rfft2", X, {"s": (3, 3), "axes": (0, 2)}), ("irfft2", Z, {}),
    ("irfft2", Z, {"s": (4, 7)}),
]
IDS = [f"{name}-{kw}" for name, _, kw in CASES]


def fns(name, kw, norm):
    """(fgrad's, JAX's) function of one argument for a case."""
    return (lambda a: getattr(fnp.fft, name)(a, norm=norm, **kw),
            lambda a: getattr(jnp.fft, name)(a, norm=norm, **kw))


def like(x, seed):
    """A random array of ``x``'s shape and kind (complex stays complex)."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(np.shape(x))
    return v + 1j * rng.standard_normal(np.shape(x)) if np.iscomplexobj(x) else v


@pytest.mark.parametrize("i", range(len(CASES)), ids=IDS)
def test_values_dtypes_and_shapes_match_jax(i):
    name, x, kw = CASES[i]
    f, j = fns(name, kw, NORMS[i % len(NORMS)])  # each norm in turn: every function meets several
    assert_agree(f(x), j(x))


def _loss(module, f):
    """A real, nonlinear loss of a transform (for complex and real outputs)."""
    def loss(a):
        y = f(a)
        return module.sum(module.cos(module.real(y)) * module.real(y * module.conj(y)))
    return loss


def _poly(module, f, w):
    """A real loss polynomial in the output and its conjugate, with a complex weight."""
    def loss(a):
        y = f(a)
        return module.sum(module.real(w * y * y * module.conj(y)))
    return loss


def derivatives(ad, module, f, x, t, ct, u):
    """Every derivative compared, from one library (``ad``: fgrad or jax; ``module``: its numpy):
    the JVP along ``t``, the VJP of ``ct`` (complex where the values are: JAX's convention), the
    gradient of a real loss, its Hessian along ``t`` forward-over-reverse and forward-over-forward,
    and reverse-over-reverse along ``u``."""
    loss, poly = _loss(module, f), _poly(module, f, 0.5 - 0.25j)
    return (ad.jvp(f, (x,), (t,))[1], ad.vjp(f, x)[1](ct)[0], ad.grad(loss)(x),
            ad.jvp(ad.grad(loss), (x,), (t,))[1],
            ad.jvp(lambda a: ad.jvp(loss, (a,), (t,))[1], (x,), (t,))[1],
            ad.grad(lambda a: module.sum(module.real(ad.grad(poly)(a) * u)))(x))


@pytest.mark.parametrize("i", range(0, len(CASES), 2), ids=IDS[::2])  # every other form: each function
def test_derivatives_match_jax(i):
    name, x, kw = CASES[i]
    norm = NORMS[(i // 2) % len(NORMS)]  # each norm in turn
    f, j = fns(name, kw, norm)
    t, ct, u = like(x, 1), like(j(x), 2), like(x, 3)
    want = jax.jit(lambda x, t, ct, u: derivatives(jax, jnp, j, x, t, ct, u))(x, t, ct, u)
    assert_agree(derivatives(fgrad, fnp, f, x, t, ct, u), want)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.float16, np.int32, np.bool_])
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "rfftn", "irfftn"])
def test_dtypes(name, dtype):
    """JAX's dtypes for floats; NumPy's promotion for integers and bools (complex128); float16 real
    transforms, which JAX refuses, compute in float32 as NumPy 2's do."""
    real_input = name in ("rfft", "ihfft", "rfftn")
    if real_input and dtype == np.complex64:
        return  # refused: test_errors_are_value_errors
    x = np.arange(12).reshape(3, 4).astype(dtype)
    got = getattr(fnp.fft, name)(x)
    if np.dtype(dtype).kind in "bi" or (real_input and dtype == np.float16):
        want = getattr(np.fft, name)(x)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    else:
        assert_agree(got, getattr(jnp.fft, name)(x), rtol=1e-5, atol=1e-4)
    if np.dtype(dtype).kind in "fc":  # derivatives keep the precision
        t = fgrad.jvp(getattr(fnp.fft, name), (x,), (np.ones_like(x),))[1]
        assert t.dtype == got.dtype
        g = fgrad.vjp(getattr(fnp.fft, name), x)[1](np.ones_like(got))[0]
        assert g.dtype == x.dtype


def test_array_likes_and_empty_axes():
    assert_agree(fnp.fft.fft([1.0, 2.0, 3.0]), jnp.fft.fft(np.array([1.0, 2.0, 3.0])))
    assert_agree(fnp.fft.rfft([1, 2, 3, 4]), np.fft.rfft([1, 2, 3, 4]))
    assert_agree(fnp.fft.fftn(X, axes=()), jnp.fft.fftn(X, axes=()))


@pytest.mark.parametrize("name, kw", [("fft", {"n": 0}), ("fft", {"n": -2}), ("ifftn", {"s": (2, 0)}),
                                      ("irfft", {"norm": "bad"}), ("fftn", {"axes": (0, 0)}),
                                      ("fftn", {"s": (2, 3), "axes": (0,)}), ("rfft", {}), ("ihfft", {}),
                                      ("irfft", {"n": 0}), ("hfft", {"norm": "bad"})])
def test_errors_are_value_errors(name, kw):
    with pytest.raises(ValueError, match=name):
        getattr(fnp.fft, name)(Z if name != "ifftn" else X, **kw)


def test_other_errors():
    with pytest.raises(ValueError, match="out of bounds"):  # AxisError, as NumPy's and JAX's ValueError
        fnp.fft.fft(X, axis=3)
    with pytest.raises(ValueError, match="out of bounds"):
        fnp.fft.fft(np.float64(2.0))
    with pytest.raises(TypeError, match="out="):
        fnp.fft.fft(X, out=np.empty(X.shape, complex))
    with pytest.raises(TypeError, match="axis must be an integer"):
        fnp.fft.fft(X, axis=(0, 1))
    with pytest.raises(ValueError, match="FFT data points"):  # JAX gives an empty array here
        fnp.fft.irfft(np.ones(1))


# ------------------------------------------------------------------ frequencies and shifts

@pytest.mark.parametrize("n, d", [(1, 1.0), (5, 2.0), (8, 0.1)])
def test_frequencies_match_jax(n, d, device):
    for name in ("fftfreq", "rfftfreq"):
        got = getattr(fnp.fft, name)(n, d, device=device)
        assert fgrad.device_get(got).dtype == np.float64
        assert_agree(host(got), getattr(jnp.fft, name)(n, d))
        assert_agree(host(getattr(fnp.fft, name)(n, d, dtype=np.float32, device=device)),
                     getattr(jnp.fft, name)(n, d, dtype=np.float32))
    # differentiable in the spacing
    loss = lambda m, d: m.sum(m.fft.fftfreq(n, d) ** 2) + m.sum(m.fft.rfftfreq(n, d) ** 3)  # noqa: E731
    assert_agree(fgrad.grad(lambda d: loss(fnp, d))(d), jax.jit(jax.grad(lambda d: loss(jnp, d)))(d))


@pytest.mark.parametrize("axes", [None, -1, (0, 2)])
def test_shifts_match_jax(axes):
    for name in ("fftshift", "ifftshift"):
        f = lambda a: getattr(fnp.fft, name)(a, axes)  # noqa: E731
        j = lambda a: getattr(jnp.fft, name)(a, axes)  # noqa: E731
        assert_agree(f(Z), j(Z))
        ct = like(Z, 6)
        assert_agree(fgrad.vjp(f, Z)[1](ct), jax.vjp(j, Z)[1](ct))
    assert_agree(fnp.fft.ifftshift(fnp.fft.fftshift(X, axes), axes), X)
    assert_agree(fnp.fft.fftshift(3.0), jnp.fft.fftshift(3.0))


# ------------------------------------------------------------------ devices, dispatch, staging, loading

DEVICE_CASES = [CASES[i] for i in (1, 7, 12, 21, 26, 29)]  # fft, rfft, irfft, fftn, rfftn, irfftn


@functools.lru_cache(maxsize=None)
def _jax_references(i):
    """JAX's vmap, VJP and gradient for DEVICE_CASES[i], staged once (shared by the devices)."""
    name, x, kw = DEVICE_CASES[i]
    _, j = fns(name, kw, "ortho")
    batch, ct = np.stack([x, 2 * x, -x], axis=1), like(j(x), 7)
    return batch, ct, jax.jit(lambda x, batch, ct: (
        jax.vmap(j, in_axes=1, out_axes=-1)(batch), j(x), jax.vjp(j, x)[1](ct)[0],
        jax.grad(_loss(jnp, j))(x)))(x, batch, ct)


@pytest.mark.parametrize("i", range(len(DEVICE_CASES)), ids=[f"{n}-{kw}" for n, _, kw in DEVICE_CASES])
def test_vmap_jit_and_devices(i, device):
    """On every device: vmap, jit, a VJP and a gradient, each as JAX computes them."""
    name, x, kw = DEVICE_CASES[i]
    f, _ = fns(name, kw, "ortho")
    batch, ct, want = _jax_references(i)
    xd, batch, ct = fgrad.device_put((x, batch, ct), device)
    got = (fgrad.vmap(f, in_axes=1, out_axes=-1)(batch), fgrad.jit(f)(xd),
           fgrad.jit(lambda a, c: fgrad.vjp(f, a)[1](c)[0])(xd, ct), fgrad.grad(_loss(fnp, f))(xd))
    assert_agree(fgrad.device_get(got), want)


def test_one_kernel_call_per_transform():
    program = fgrad.make_jaxpr(lambda a: fnp.fft.rfftn(a, norm="ortho"))(X)
    assert [e.prim.name for e in program.equations] == ["fft"]
    backward = fgrad.make_jaxpr(lambda a: fgrad.grad(lambda b: fnp.sum(fnp.fft.irfftn(b) ** 2))(a))(Z)
    assert sum(e.prim.name == "fft" for e in backward.equations) == 2  # the forward and its transpose


def test_numpy_functions_on_traced_values_dispatch_here():
    g = fgrad.grad(lambda a: np.sum(np.real(np.fft.fft(a)) ** 2))(X[0, 0])
    assert_agree(g, jax.grad(lambda a: jnp.sum(jnp.real(jnp.fft.fft(a)) ** 2))(X[0, 0]))


def test_loaded_on_first_use():
    code = ("import sys, fgrad, fgrad.numpy as fnp; before = 'fgrad.numpy.fft' in sys.modules; "
            "fnp.fft.fft; print(before, 'fgrad.numpy.fft' in sys.modules, 'fft' in dir(fnp))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]
    with pytest.raises(AttributeError, match="no_such_name"):
        fnp.no_such_name
