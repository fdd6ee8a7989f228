"""The complex test set: primitives that accept complex inputs, checked with complex draws.

``COMPLEX_SPECS`` are run by tests/test_primitives.py (``test_complex_gradients_match_finite_differences``)
in both modes against finite differences along complex directions (real and imaginary parts at once), with
JAX's convention: a VJP is the transpose of the JVP under ``<a, b> = Re(sum(a * b))``. ``complexify`` turns a
real spec's draws complex; a mixed draw (one operand real) checks that a real operand gets a real cotangent.
Kept few but covering: each runs a second-order check, and CI draws 25 examples per spec. The same table drives
tests/test_batching.py (vmap equals the loop) and tests/test_staging_specs.py (jit equals eager); ``_complex_draws``
takes one spec per primitive from the real family tables with its draws made complex.
"""
import dataclasses

import numpy as np
from hypothesis import strategies as st

import fgrad
import fgrad.numpy as fnp
from fgrad import lax as flax
from fgrad.testing.strategies import arrays, broadcastable_arrays

from . import checkpoint, core, elementwise, fft, indexing, lax, linalg_ops, reductions, scipy_linalg, shape
from ._spec import Spec, on_device_of

LA = fnp.linalg


def complexify(args, mixed=False):
    """``args(draw)`` with each float array ``x`` made ``x + i y``, ``|y|`` in [0.3, 1.5]: off the real axis,
    so away from the branch cuts of log, sqrt, arcsin... and from 0. ``mixed``: some operands may stay real
    (the first one is always complex)."""
    def draw_complex(draw):
        out = []
        for k, x in enumerate(args(draw)):
            if isinstance(x, np.ndarray) and x.dtype == np.float64 and (k == 0 or not mixed or draw(st.booleans())):
                x = x + 1j * draw(arrays(shape=x.shape, min_value=-1.5, max_value=1.5, avoid=(0.0,), margin=0.3))
            out.append(x)
        return tuple(out)
    return draw_complex


def weights_like(rng, outs):
    """Random weights shaped like ``outs``, complex where an output is: the real scalar ``Re(sum(w * out))``
    then reaches both parts of every element (the pairing under which a VJP is the JVP's transpose). The
    vmap and staging tests differentiate that scalar."""
    return [rng.standard_normal(np.shape(o)) + (1j * rng.standard_normal(np.shape(o)) if np.iscomplexobj(o) else 0)
            for o in outs]


def _one(**kw):
    return complexify(lambda draw: (draw(arrays(**kw)),))


def _two(mixed=True, **kw):
    return complexify(lambda draw: draw(broadcastable_arrays(**kw)), mixed)


def _unary(name, fn, ref, **kw):
    return Spec(name, fn, _one(**kw), reference=ref)


def _matmul_args(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    return draw(arrays(shape=(n, k))), draw(arrays(shape=(k, m)))


# ---- complex matrices for the decompositions

_DENSE = np.random.default_rng(1).standard_normal((2, 4, 4))


def _unitary(draw, m, k):
    """``m x k`` orthonormal complex columns, from the QR of a drawn generic complex matrix."""
    x = draw(arrays(shape=(2, m, k), min_value=-1.0, max_value=1.0)) + 2.0 * _DENSE[:, :m, :k]
    return np.linalg.qr(x[0] + 1j * x[1])[0]


def _spread(draw, k, low):
    """``k`` values at least 0.5 apart, the smallest >= ``low``, in random order."""
    values = low + np.cumsum(draw(arrays(shape=(k,), min_value=0.5, max_value=1.5)))
    return values[list(draw(st.permutations(range(k))))]


def _hermitian(draw):
    """A Hermitian matrix with distinct eigenvalues."""
    n = draw(st.integers(1, 3))
    q = _unitary(draw, n, n)
    return ((q * _spread(draw, n, draw(st.floats(-3.0, 1.0)))) @ q.conj().T,)


def _full_rank(draw):
    """A complex ``m x n`` matrix with distinct singular values >= 1."""
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k = min(m, n)
    return ((_unitary(draw, m, k) * _spread(draw, k, 0.5)) @ _unitary(draw, n, k).conj().T,)


def _generic_full_rank(draw):
    """``_full_rank`` with its columns turned by fixed phases: LAPACK's complex QR jumps where a column's
    pivot is real with nothing below it (a real 1 x 1 matrix), which a draw must not hit."""
    a = _full_rank(draw)[0]
    return (a * np.exp(1j * np.array([0.3, 0.7, 1.1]))[: a.shape[1]],)


def _square(draw):
    """A diagonally dominant (invertible, well-conditioned) complex square matrix."""
    n = draw(st.integers(1, 3))
    x = draw(arrays(shape=(2, n, n), min_value=-1.0, max_value=1.0))
    return (x[0] + 1j * x[1] + (n + 2) * np.eye(n) * draw(st.sampled_from([1.0, -1.0, 1j])),)


def _solve_args(draw):
    a = _square(draw)[0]
    return a, draw(arrays(shape=(a.shape[0], draw(st.integers(1, 2)))))


def _herm(a):
    """The Hermitian part: eigh reads one triangle, so finite differences need a Hermitian input."""
    return (a + fnp.conj(fnp.swapaxes(a, -1, -2))) * 0.5


def _gauge_free_u(a):
    """``U diag(s) U^H``-like products do not depend on each singular vector's free phase."""
    u, s, vh = LA.svd(a, full_matrices=False)
    return u @ vh


def _np_gauge_free_u(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u @ vh


def _eig_projector(a):
    w, v = LA.eigh(_herm(a))
    return (v * on_device_of(v, np.arange(1.0, w.shape[-1] + 1.0))) @ fnp.conj(fnp.swapaxes(v, -1, -2))


def _np_eig_projector(a):
    w, v = np.linalg.eigh((a + a.conj().T) / 2)
    return (v * np.arange(1.0, w.shape[-1] + 1.0)) @ v.conj().T


def _scan(x, w):
    """A reverse scan whose carry stays bounded (complex sin and tanh grow or have poles off the real axis);
    the carry is complex from the start, as a scan's carry keeps its type."""
    c, ys = flax.scan(lambda c, xt: (c * xt * 0.5 + fnp.sin(xt) * w, c * w), w * (1 + 0j), x, reverse=True)
    return c + fnp.sum(ys, axis=0)


def _np_scan(x, w):
    c, ys = w * (1 + 0j), []
    for xt in x[::-1]:
        c, y = c * xt * 0.5 + np.sin(xt) * w, c * w
        ys.append(y)
    return c + np.sum(ys, axis=0)


# (complex tanh has poles and exp grows off the real axis: the real table's checkpoint specs would blow up)
_checkpointed = fgrad.checkpoint(lambda x, w: fnp.sin(x @ w * 0.25) * x[..., :1],
                                 policy=fgrad.checkpoint_policies.dots_saveable)


def _complex_draws(table, name, k=0, mixed=True):
    """The ``k``-th spec of primitive ``name`` in a real family's table, its draws made complex (``complexify``,
    mixed): its function and NumPy reference take complex values as they are, and its real domain keeps the
    draws off the branch cuts (which lie on the real axis or beyond ``|x| = 1``)."""
    spec = [s for s in table.SPECS if s.name == name][k]
    return dataclasses.replace(spec, args=complexify(spec.args, mixed))


SPECS: list = []  # (the real-valued table lives in the family modules)

COMPLEX_SPECS = [
    Spec("add", fnp.add, _two(), reference=np.add),
    Spec("subtract", fnp.subtract, _two(), reference=np.subtract),
    Spec("multiply", fnp.multiply, _two(), reference=np.multiply),
    Spec("divide", fnp.divide, _two(avoid=(0.0,), margin=0.4), reference=np.divide),
    Spec("power", lambda x: fnp.power(x, 3.0), _one(), reference=lambda x: np.power(x, 3.0)),
    Spec("power", fnp.power, _two(mixed=False, min_value=0.3, max_value=1.5, max_dims=1),
         reference=np.power),
    _unary("square", fnp.square, np.square),
    _unary("reciprocal", fnp.reciprocal, np.reciprocal),
    _unary("sqrt", fnp.sqrt, np.sqrt),
    _unary("exp", fnp.exp, np.exp),
    _unary("log", fnp.log, np.log),
    _unary("sin", fnp.sin, np.sin),
    _unary("cos", fnp.cos, np.cos),
    _unary("tanh", fnp.tanh, np.tanh),
    _unary("absolute", fnp.absolute, np.absolute),
    Spec("absolute", lambda x: fnp.absolute(x) ** 3, _one(), reference=lambda x: np.absolute(x) ** 3),
    _unary("conjugate", fnp.conjugate, np.conjugate),
    _unary("real", fnp.real, np.real),
    _unary("imag", fnp.imag, np.imag),
    Spec("where", lambda x, y: fnp.where(fnp.real(x) > 0, x, y),
         _two(avoid=(0.0,)), reference=lambda x, y: np.where(np.real(x) > 0, x, y)),
    Spec("astype", lambda x: fnp.astype(x, np.complex128) * (1 + 2j),
         lambda draw: (draw(arrays()),), reference=lambda x: x * (1 + 2j)),
    Spec("matmul", fnp.matmul, complexify(_matmul_args, mixed=True), reference=np.matmul),
    Spec("einsum", lambda x, y: fnp.einsum("ij,kj->ik", x, y),
         complexify(lambda d: (d(arrays(shape=(2, 3))), d(arrays(shape=(4, 3)))), mixed=True),
         reference=lambda x, y: np.einsum("ij,kj->ik", x, y)),
    Spec("sum", lambda x: fnp.sum(x, axis=-1), _one(min_dims=1), reference=lambda x: np.sum(x, axis=-1)),
    Spec("sum", fnp.mean, _one(), reference=np.mean),
    Spec("reshape", lambda x: fnp.reshape(x, (-1,)), _one(min_dims=2), reference=lambda x: np.reshape(x, (-1,))),
    Spec("transpose", fnp.transpose, _one(min_dims=2), reference=np.transpose),
    Spec("getitem", lambda x: x[::-1, 0], _one(min_dims=2), reference=lambda x: x[::-1, 0]),
    Spec("inv", LA.inv, _square, reference=np.linalg.inv),
    Spec("solve", LA.solve, complexify(_solve_args), reference=np.linalg.solve),
    Spec("det", LA.det, _square, reference=np.linalg.det),
    Spec("slogdet", lambda a: LA.slogdet(a).logabsdet, _square, reference=lambda a: np.linalg.slogdet(a)[1]),
    Spec("slogdet", lambda a: LA.slogdet(a).sign, _square, reference=lambda a: np.linalg.slogdet(a)[0]),
    Spec("cholesky", lambda a: LA.cholesky(_herm(a)), lambda d: ((lambda m: m @ m.conj().T)(_square(d)[0]),),
         reference=lambda a: np.linalg.cholesky((a + a.conj().T) / 2)),
    Spec("qr", lambda a: LA.qr(a).Q, _generic_full_rank, reference=lambda a: np.linalg.qr(a).Q),
    Spec("qr", lambda a: LA.qr(a).R, _generic_full_rank, reference=lambda a: np.linalg.qr(a).R),
    Spec("pinv", LA.pinv, _full_rank, reference=np.linalg.pinv),
    Spec("svd", lambda a: LA.svd(a, full_matrices=False).S, _full_rank,
         reference=lambda a: np.linalg.svd(a, full_matrices=False).S),
    Spec("svd", _gauge_free_u, _full_rank, reference=_np_gauge_free_u),
    Spec("absolute", lambda a: LA.norm(a, ord=1) + LA.norm(a, ord=np.inf) + LA.norm(a), _full_rank,
         reference=lambda a: np.linalg.norm(a, ord=1) + np.linalg.norm(a, ord=np.inf) + np.linalg.norm(a)),
    Spec("eigh", lambda a: LA.eigh(_herm(a)).eigenvalues, _hermitian,
         reference=lambda a: np.linalg.eigh((a + a.conj().T) / 2).eigenvalues),
    Spec("eigh", _eig_projector, _hermitian, reference=_np_eig_projector),
    # the real tables' specs with complex draws: elementwise, shape, indexing, reductions, FFT, control flow
    # (data movement that only copies elements, e.g. negative, split, broadcast_to, is left to the real table:
    # its rules are blind to the dtype, and every complex spec costs CI time in three test files)
    *(_complex_draws(elementwise, n) for n in ("exp2", "expm1", "log2", "log10", "log1p", "tan", "arcsin",
                                               "arccos", "arctanh", "arccosh", "sinh", "cosh", "sinc")),
    _unary("arctan", fnp.arctan, np.arctan, avoid=(0.0,), margin=0.3),  # (cuts on the imaginary axis past +-i)
    _unary("arcsinh", fnp.arcsinh, np.arcsinh, avoid=(0.0,), margin=0.3),
    *(_complex_draws(reductions, n) for n in ("prod", "cumsum", "cumprod")),
    *(_complex_draws(shape, n) for n in ("concatenate", "flip", "repeat", "pad")),
    *(_complex_draws(indexing, n) for n in ("index_add", "index_set")),
    *(_complex_draws(linalg_ops, n) for n in ("linear", "diagonal")),
    _complex_draws(fft, "fft"),
    _complex_draws(core, "device_put"),
    Spec("scan", _scan, complexify(lax._x_w), reference=_np_scan),
    _complex_draws(lax, "cond"),
    Spec("checkpoint", _checkpointed, complexify(checkpoint._x_w, mixed=True),
         reference=lambda x, w: np.sin(x @ w * 0.25) * x[..., :1]),
    *(_complex_draws(scipy_linalg, n) for n in ("triangular_solve", "lu", "expm")),
]
