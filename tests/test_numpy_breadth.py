"""fgrad.numpy's breadth against jax.numpy (x64): every name JAX has that fgrad.numpy did not.

Each case builds the same function from either namespace (``build(fnp)`` / ``build(jnp)``) and
checks values, dtypes and shapes; where the function is differentiable in some arguments, it also
checks first derivatives in both modes (a JVP with a random tangent, the gradient of a nonlinear
scalar loss) and second derivatives as forward-over-reverse, reverse-over-reverse and
forward-over-forward products. Inputs keep away from kinks (ties, bin edges, integers for modf).

The last tests pin what is still missing: ``dir(jax.numpy) - dir(fgrad.numpy)`` equals an
explicit allowlist, each entry with its reason.
"""
import io

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.errors import ConcretizationTypeError

from jax_support import assert_agree, jax

jnp = jax.numpy
RNG = np.random.default_rng(12)
X = RNG.standard_normal((3, 4))
V = RNG.standard_normal(5)
W = RNG.standard_normal(3)
Z = X + 1j * RNG.standard_normal((3, 4))
POS = np.abs(X) + 0.5
XN = X.copy()
XN[0, 1] = XN[2, 3] = XN[1, 0] = np.nan
INTS = RNG.integers(-20, 20, (3, 4))
SORTED = np.sort(RNG.uniform(0, 10, 6))


class Case:
    """One function of both libraries on fixed arguments; ``diff``: the argument positions to
    differentiate (floats), ``tol``: (rtol, atol) for the comparisons."""

    def __init__(self, names, build, *args, diff=(), tol=(1e-10, 1e-12), second=True, device=True):
        self.names = names.split()
        self.build, self.args, self.diff, self.tol, self.second = build, args, diff, tol, second
        self.device = device  # False: the function closes over NumPy constants, which stay on the host

    def __repr__(self):
        return f"{self.names[0]}-{id(self) % 1000}"


CASES = [
    # ------------------------------------------------------------ elementwise odds and ends
    Case("imag", lambda L: L.imag, Z), Case("imag", lambda L: L.imag, X, diff=(0,)),
    Case("angle", lambda L: L.angle, Z, diff=(0,)), Case("angle", lambda L: lambda z: L.angle(z, deg=True), Z),
    Case("angle", lambda L: L.angle, INTS), Case("angle", lambda L: L.angle, X),
    Case("divmod", lambda L: L.divmod, INTS, np.array([3, -4, 5, 7])),
    Case("divmod", lambda L: L.divmod, X * 5, POS),
    Case("frexp", lambda L: lambda x: L.frexp(x)[0] * 1.0, X * 7, diff=(0,)),
    Case("frexp", lambda L: L.frexp, np.array([0.0, -3.0, 1e-300, np.inf, 1024.0, 0.75])),
    Case("ldexp", lambda L: lambda x: L.ldexp(x, np.array([1, -2, 3, 0])), X, diff=(0,), device=False),
    Case("modf", lambda L: L.modf, X * 5, diff=(0,)),
    Case("gcd lcm", lambda L: lambda a, b: (L.gcd(a, b), L.lcm(a, b)), INTS, np.array([6, -4, 9, 1])),
    Case("i0", lambda L: L.i0, X * 3, diff=(0,), tol=(1e-9, 1e-12)),
    Case("nextafter spacing", lambda L: lambda x, y: (L.nextafter(x, y), L.spacing(x)), X, X.T[:1, :].T * 0 + 1),
    Case("nan_to_num", lambda L: lambda x: L.nan_to_num(x, posinf=9.0), np.where(XN > 1, np.inf, XN), diff=(0,)),
    Case("nan_to_num", lambda L: lambda x: L.nan_to_num(x, nan=-1.0),
         np.array([1 + np.nan * 1j, np.inf + 2j, 3.0 - np.inf * 1j])),
    Case("nan_to_num", lambda L: L.nan_to_num, INTS),
    Case("sort_complex", lambda L: L.sort_complex, np.array([3 + 1j, 1 - 2j, 1 - 3j, 2.0])),
    Case("sort_complex", lambda L: L.sort_complex, INTS),
    Case("bitwise_count", lambda L: L.bitwise_count, INTS),
    Case("bitwise_invert bitwise_left_shift bitwise_right_shift left_shift right_shift",
         lambda L: lambda a, b: (L.bitwise_invert(a), L.bitwise_left_shift(a, b), L.bitwise_right_shift(a, b),
                                 L.left_shift(a, 2), L.right_shift(a, 1)),
         INTS, np.array([1, 2, 3, 0])),
    Case("iscomplex isreal", lambda L: lambda z: (L.iscomplex(z), L.isreal(z)), np.array([1 + 0j, 2j, 3.0])),
    Case("iscomplex isreal", lambda L: lambda z: (L.iscomplex(z), L.isreal(z)), X),
    Case("array_equal", lambda L: lambda a, b: (L.array_equal(a, b), L.array_equal(a, a), L.array_equal(a, a[:2]),
                                                L.array_equal(b, b, equal_nan=True)), X, XN),
    Case("array_equiv", lambda L: lambda a: (L.array_equiv(a, a[:1]), L.array_equiv(a[:1], a), L.array_equiv(a, a * 2)),
         np.ones((3, 4))),
    # ------------------------------------------------------------ NaN-ignoring reductions
    Case("nanmax nanmin", lambda L: lambda x: (L.nanmax(x), L.nanmin(x, axis=0), L.nanmax(x, axis=1, keepdims=True)),
         XN, diff=(0,)),
    Case("nanmax", lambda L: lambda x: L.nanmax(x, axis=0), np.array([[np.nan, 1.0], [np.nan, 2.0]])),
    Case("nanargmax nanargmin", lambda L: lambda x: (L.nanargmax(x), L.nanargmin(x, axis=1), L.nanargmax(x, axis=0)),
         XN),
    Case("nanargmax", lambda L: lambda x: L.nanargmax(x, axis=0), np.array([[np.nan, 1.0], [np.nan, 2.0]])),
    Case("nancumsum nancumprod", lambda L: lambda x: (L.nancumsum(x), L.nancumprod(x, axis=1), L.nancumsum(x, axis=0)),
         XN, diff=(0,)),
    Case("nanvar nanstd", lambda L: lambda x: (L.nanvar(x), L.nanstd(x, axis=1), L.nanvar(x, axis=0, ddof=1),
                                              L.nanstd(x, keepdims=True)), XN, diff=(0,)),
    Case("nanvar", lambda L: lambda z: L.nanvar(z, axis=1), np.where(np.isnan(XN), np.nan, Z), diff=(0,)),
    Case("nanmedian", lambda L: lambda x: (L.nanmedian(x), L.nanmedian(x, axis=1), L.nanmedian(x, axis=0, keepdims=True)),
         XN, diff=(0,)),
    Case("nanquantile", lambda L: lambda x, q: L.nanquantile(x, q, axis=1), XN, np.array([0.1, 0.45, 0.77]),
         diff=(0, 1)),
    Case("nanpercentile", lambda L: lambda x: L.nanpercentile(x, 30.0, axis=0), XN, diff=(0,)),
    Case("nanmedian", lambda L: lambda x: L.nanmedian(x, axis=0), np.array([[np.nan, 1.0], [np.nan, 2.0]])),
    # ------------------------------------------------------------ building and editing
    Case("append", lambda L: lambda a, b: (L.append(a, b), L.append(a, b[:1], axis=0)), X, X[:2], diff=(0, 1)),
    Case("append", lambda L: lambda a: L.append(a, np.array([7, 8])), INTS, device=False),
    Case("insert", lambda L: lambda a, v: (L.insert(a, 1, v[0]), L.insert(a, np.array([0, 2, 2]), v[0, :3]),
                                           L.insert(a, 3, v[:3], axis=0), L.insert(a, -1, v[:, 0], axis=1),
                                           L.insert(a, slice(0, 3), v[0, 0], axis=1)), X, X, diff=(0, 1)),
    Case("insert", lambda L: lambda a: L.insert(a, 2, np.array([5, 6, 7]), axis=1), INTS, device=False),
    Case("delete", lambda L: lambda a: (L.delete(a, 1), L.delete(a, np.array([0, 2]), axis=1), L.delete(a, slice(0, 2), axis=0),
                                        L.delete(a, np.array([True, False, True, False]), axis=1)), X, diff=(0,)),
    Case("block", lambda L: lambda a, b: L.block([[a, b[:, :1]], [b[:1, :4], b[:1, :1]]]), X, X, diff=(0, 1)),
    Case("block", lambda L: lambda a: L.block([a[0], a[1]]), X, diff=(0,)),
    Case("concat", lambda L: lambda a, b: (L.concat([a, b]), L.concat([a, b], axis=1), L.concat([a, b], axis=None)),
         X, X, diff=(0, 1)),
    Case("diagflat", lambda L: lambda a: (L.diagflat(a), L.diagflat(a[0], k=-2)), X, diff=(0,)),
    Case("matrix_transpose permute_dims", lambda L: lambda a: (L.matrix_transpose(a), L.permute_dims(a, (2, 0, 1))),
         X.reshape(3, 2, 2), diff=(0,)),
    Case("rollaxis", lambda L: lambda a: (L.rollaxis(a, 2), L.rollaxis(a, 0, 2), L.rollaxis(a, -1, 1),
                                          L.rollaxis(a, 1, 3)), X.reshape(3, 2, 2), diff=(0,)),
    Case("resize", lambda L: lambda a: (L.resize(a, (5, 3)), L.resize(a, 2), L.resize(a, (0, 2))), X, diff=(0,)),
    Case("unstack", lambda L: lambda a: (L.unstack(a), L.unstack(a, axis=1)), X, diff=(0,)),
    Case("trim_zeros", lambda L: lambda a: (L.trim_zeros(a), L.trim_zeros(a, "f"), L.trim_zeros(a, "b")),
         np.array([0.0, 0.0, 1.5, 0.0, 2.0, 0.0]), diff=(0,)),
    Case("fill_diagonal", lambda L: lambda a, v: (L.fill_diagonal(a, v[:2], inplace=False),
                                                  L.fill_diagonal(np.zeros((2, 2, 2)), v[0], inplace=False)),
         X, X[0], diff=(0, 1), device=False),
    Case("place", lambda L: lambda a, v: L.place(a, X > 0, v, inplace=False), X, V[:3], diff=(0, 1)),
    Case("put", lambda L: lambda a, v: (L.put(a, np.array([0, 5, 11]), v, inplace=False),
                                        L.put(a, np.array([-1, 15]), v[:2], mode="clip", inplace=False),
                                        L.put(a, np.array([13, 2]), v[:2], mode="wrap", inplace=False)),
         X, V[:3], diff=(0, 1)),
    Case("mask_indices", lambda L: lambda: (L.mask_indices(4, L.triu, 1), L.mask_indices(3, L.tril))),
    # ------------------------------------------------------------ applying functions
    Case("vectorize", lambda L: lambda a, b: L.vectorize(lambda u, v: L.sin(u) * v)(a, b), X, W[:, None],
         diff=(0, 1)),
    Case("vectorize", lambda L: lambda a, b: L.vectorize(lambda u, v: (L.sum(u * v), u[0]), signature="(n),(n)->(),()")(
        a, b), X, X[0], diff=(0, 1)),
    Case("vectorize", lambda L: lambda a: L.vectorize(lambda u, p: u ** p, excluded={1})(a, 3), X, diff=(0,)),
    Case("apply_along_axis", lambda L: lambda a: (L.apply_along_axis(lambda r: L.sum(r ** 2), 1, a),
                                                  L.apply_along_axis(lambda r: L.outer(r, r[:2]), 0, a)), X,
         diff=(0,)),
    Case("apply_over_axes", lambda L: lambda a: L.apply_over_axes(L.sum, a, [0, 2]), X.reshape(3, 2, 2), diff=(0,)),
    Case("piecewise", lambda L: lambda a: (L.piecewise(a, [a < 0, a > 1], [lambda v: v ** 2, lambda v: L.sin(v), 0.5]),
                                           L.piecewise(a, [a < 0], [lambda v: -v, lambda v: v * 3])), X, diff=(0,)),
    Case("fromfunction", lambda L: lambda: (L.fromfunction(lambda i, j: i * 10 + j, (3, 4), dtype=int),
                                            L.fromfunction(lambda i, j: i - j, (2, 3)))),
    # ------------------------------------------------------------ differences and integrals
    Case("diff", lambda L: lambda a: (L.diff(a), L.diff(a, n=2, axis=0), L.diff(a, prepend=1.0, append=a[:, :1]),
                                      L.diff(a, n=0)), X, diff=(0,)),
    Case("diff", lambda L: lambda a: (L.diff(a), L.diff(a > 0)), INTS),
    Case("ediff1d", lambda L: lambda a: (L.ediff1d(a), L.ediff1d(a, to_end=np.array([1.0, 2.0]), to_begin=-3.0)), X,
         diff=(0,), device=False),
    Case("gradient", lambda L: lambda a: (L.gradient(a), L.gradient(a, 2.0, axis=1), L.gradient(a[0], SORTED[:4]),
                                          L.gradient(a, axis=0)), X, diff=(0,), device=False),
    Case("gradient", lambda L: lambda a, h: L.gradient(a[0], h), X, SORTED[:4], diff=(0, 1)),
    Case("trapezoid", lambda L: lambda y, x: (L.trapezoid(y), L.trapezoid(y, x=x), L.trapezoid(y, dx=0.5, axis=0)),
         X, SORTED[:4], diff=(0, 1)),
    Case("unwrap", lambda L: lambda p: (L.unwrap(p), L.unwrap(p, axis=0), L.unwrap(p, period=4.0),
                                        L.unwrap(p, discont=4.0)), X * 4, diff=(0,)),
    Case("unwrap", lambda L: lambda p: L.unwrap(p, period=10), INTS),
    Case("interp", lambda L: lambda x, xp, fp: (L.interp(x, xp, fp), L.interp(x, xp, fp, left=-1.0, right=2.0)),
         np.array([-1.0, 0.3, 2.5, 4.1, 7.7, 12.0]), SORTED, V[:1].repeat(6) + np.arange(6.0) ** 2, diff=(0, 1, 2)),
    Case("interp", lambda L: lambda x, fp: L.interp(x, np.array([0.0, 1.0, 3.0, 5.5]), fp, period=6.0),
         np.array([-1.0, 0.3, 2.5, 4.1, 7.7]), V[:4], diff=(0, 1), device=False),
    Case("interp", lambda L: lambda x, fp: L.interp(x, np.array([0.0, 1.0, 3.0]), fp), np.array([0.5, 2.0]),
         np.array([1 + 1j, 2.0, 3j]), device=False),
    # ------------------------------------------------------------ statistics
    Case("cov", lambda L: lambda m, y: (L.cov(m), L.cov(m, rowvar=False), L.cov(m, y), L.cov(m[0], bias=True),
                                        L.cov(m, ddof=0)), X, X[::-1] * 2 + 1, diff=(0, 1)),
    Case("cov", lambda L: lambda m, aw: (L.cov(m, fweights=np.array([1, 2, 1, 3])), L.cov(m, aweights=aw),
                                         L.cov(m, fweights=np.array([1, 2, 1, 3]), aweights=aw, ddof=2)),
         X, POS[0], diff=(0, 1), device=False),
    Case("cov", lambda L: L.cov, Z, diff=(0,)),
    Case("corrcoef", lambda L: lambda m, y: (L.corrcoef(m), L.corrcoef(m, y), L.corrcoef(m, rowvar=False)),
         X, X[::-1] * 2 + np.arange(4.0), diff=(0, 1)),
    Case("convolve", lambda L: lambda a, v: (L.convolve(a, v), L.convolve(a, v, mode="same"), L.convolve(a, v, "valid"),
                                             L.convolve(v, a, "same"), L.convolve(v, a, "valid")), V, W, diff=(0, 1)),
    Case("correlate", lambda L: lambda a, v: (L.correlate(a, v), L.correlate(a, v, mode="same"),
                                              L.correlate(a, v, "full"), L.correlate(v, a, "same"),
                                              L.correlate(v, a, "full")), V, W[:2], diff=(0, 1)),
    Case("convolve correlate", lambda L: lambda a, v: (L.convolve(a, v, "same"), L.correlate(a, v, "full")),
         Z[0], Z[1, :3], diff=(0, 1)),
    Case("convolve", lambda L: L.convolve, INTS[0], INTS[1]),
    Case("histogram_bin_edges histogram", lambda L: lambda a: (L.histogram_bin_edges(a, 4), L.histogram(a, bins=3),
                                                               L.histogram(a, bins=4, range=(-1.0, 1.0), density=True),
                                                               L.histogram(a, bins=np.array([-2.0, 0.0, 0.5, 3.0]))),
         X, device=False),
    Case("histogram", lambda L: lambda w: L.histogram(X, bins=3, weights=w, density=True)[0], POS, diff=(0,),
         device=False),
    Case("histogram2d", lambda L: lambda a, b: L.histogram2d(a, b, bins=(3, 2)), X[0], X[1]),
    Case("histogramdd", lambda L: lambda s: L.histogramdd(s, bins=[2, 3, 2]), X[:, :3].T @ X[:3, :3] + V[:3]),
    Case("histogramdd", lambda L: lambda s, w: L.histogramdd(s, bins=2, weights=w, density=True)[0], X.T[:, :2], V[:4],
         diff=(1,)),
    Case("bincount", lambda L: lambda x, w: (L.bincount(x), L.bincount(x, minlength=9), L.bincount(x, w),
                                             L.bincount(x, length=3)), np.array([0, 3, 1, 1, 5]), V, diff=(1,)),
    Case("digitize", lambda L: lambda x: tuple(L.astype(d, np.int64) for d in (  # (int64 as NumPy; JAX: int32)
        L.digitize(x, SORTED), L.digitize(x, SORTED, right=True), L.digitize(x, SORTED[::-1]),
        L.digitize(x, SORTED[::-1], right=True))),
         np.concatenate([SORTED[[1, 3]], [-1.0, 5.0, 11.0]]), device=False),
    # ------------------------------------------------------------ sets
    Case("isin", lambda L: lambda a, b: (L.isin(a, b), L.isin(a, b, invert=True), L.isin(a, b[:0])),
         INTS, INTS[0]),
    Case("union1d intersect1d setdiff1d setxor1d",
         lambda L: lambda a, b: (L.union1d(a, b), L.intersect1d(a, b), L.setdiff1d(a, b), L.setxor1d(a, b),
                                 L.intersect1d(a, b, return_indices=True), L.setdiff1d(a[0], b, assume_unique=True)),
         INTS % 7, np.array([1, 3, 3, 8])),
    Case("union1d intersect1d setdiff1d setxor1d",
         lambda L: lambda a, b: (L.union1d(a, b, size=12), L.intersect1d(a, b, size=4, fill_value=-1),
                                 L.setdiff1d(a, b, size=9), L.setxor1d(a, b, size=8),
                                 L.intersect1d(a, b, return_indices=True, size=5)),
         INTS % 7, np.array([1, 3, 3, 8])),
    Case("union1d", lambda L: lambda a, b: L.union1d(a, b), X[0], V),
    Case("unique_values unique_counts unique_inverse unique_all",
         lambda L: lambda a: (L.unique_values(a), tuple(L.unique_counts(a)), tuple(L.unique_inverse(a)),
                              tuple(L.unique_all(a)), tuple(L.unique_all(a, size=16)), L.unique_values(a, size=3),
                              tuple(L.unique_counts(a, size=10, fill_value=-5))), INTS % 9),
    Case("unique_values", lambda L: L.unique_values, X),
    # ------------------------------------------------------------ polynomials
    Case("poly", lambda L: L.poly, V, diff=(0,)),
    Case("poly", lambda L: L.poly, X[:, :3] + 3 * np.eye(3), tol=(1e-9, 1e-11)),
    Case("polyadd polysub", lambda L: lambda a, b: (L.polyadd(a, b), L.polysub(a, b), L.polysub(b, a)), V, W,
         diff=(0, 1)),
    Case("polyadd polysub", lambda L: lambda a, b: (L.polyadd(a, b), L.polysub(a, b)), INTS[0], INTS[1, :2]),
    Case("polymul", lambda L: L.polymul, V, W, diff=(0, 1)),
    Case("polymul", lambda L: L.polymul, INTS[0], INTS[1]),
    Case("polydiv", lambda L: L.polydiv, V, W, diff=(0, 1), tol=(1e-9, 1e-11)),
    Case("polyval", lambda L: L.polyval, V, X, diff=(0, 1)),
    Case("polyval", lambda L: L.polyval, INTS[0], INTS),
    Case("polyder polyint", lambda L: lambda p: (L.polyder(p), L.polyder(p, 3), L.polyint(p), L.polyint(p, 2, k=np.array([1.0, 2.0])),
                                                 L.polyint(p, 3, k=4.0)), V, diff=(0,), device=False),
    Case("polyder polyint", lambda L: lambda p: (L.polyder(p, 2), L.polyint(p)), INTS[0]),
    Case("polyfit", lambda L: lambda x, y: (L.polyfit(x, y, 2), L.polyfit(x, y, 1, full=True)[:2],
                                            L.polyfit(x, y, 2, w=x + 1.0), L.polyfit(x, y, 2, cov=True)),
         SORTED, np.cos(SORTED), diff=(1,), tol=(1e-8, 1e-10)),
    Case("polyfit", lambda L: lambda x, y: L.polyfit(x, y, 2), SORTED, np.stack([np.cos(SORTED), SORTED ** 2], 1),
         diff=(0, 1), tol=(1e-8, 1e-10)),
    Case("roots", lambda L: lambda p: L.sort_complex(L.roots(p)), np.array([1.0, -6.0, 11.0, -6.0]), diff=(0,),
         tol=(1e-8, 1e-10), second=False),
    Case("roots", lambda L: lambda p: L.sort_complex(L.roots(p)), np.array([0.0, 2.0, 1.0, 3.0, 0.0, 0.0]),
         tol=(1e-9, 1e-12)),
    Case("vander", lambda L: lambda x: (L.vander(x), L.vander(x, 3), L.vander(x, 4, increasing=True)),
         np.array([0.5, 1.5, -2.0]), diff=(0,)),
    Case("vander", lambda L: L.vander, INTS[0]),
    # ------------------------------------------------------------ windows
    Case("bartlett blackman hamming hanning", lambda L: lambda: tuple(
        f(m) for f in (L.bartlett, L.blackman, L.hamming, L.hanning) for m in (0, 1, 2, 7)), tol=(1e-12, 1e-14)),
    Case("kaiser", lambda L: lambda b: (L.kaiser(6, b), L.kaiser(1, b)), np.array(3.5), diff=(0,), tol=(1e-9, 1e-12)),
    # ------------------------------------------------------------ packing, shapes
    Case("packbits unpackbits", lambda L: lambda a: (L.packbits(a), L.packbits(a, axis=1, bitorder="little"),
                                                     L.unpackbits(L.packbits(a, axis=0), axis=0, count=2)), INTS > 0),
    Case("broadcast_shapes", lambda L: lambda: L.broadcast_shapes((3, 1), (1, 4), (4,))),
    # ------------------------------------------------------------ ufuncs from Python functions
    Case("ufunc frompyfunc", lambda L: lambda x, y: _ufunc_methods(L, L.frompyfunc(
        lambda a, b: a * b + L.sin(a), 2, 1, identity=0.5), x, y), X, X[1], diff=(0, 1), device=False),
    Case("ufunc", lambda L: lambda x, y: _ufunc_methods(L, L.ufunc(lambda a, b: L.maximum(a, b) - b // 3, 2, 1), x, y),
         INTS, INTS[0], device=False),
]
NAMES_TESTED = {n for c in CASES for n in c.names}


def _ufunc_methods(L, u, x, y):
    return (u(x, y), u.outer(x[0, :2], y[:3]), u.reduce(x, axis=1), u.reduce(x, axis=None), u.accumulate(x),
            u.reduce(x, axis=0, keepdims=True, initial=y[:1]), u.reduceat(x, np.array([0, 2, 1]), axis=1),
            u.at(x[0], np.array([0, 0, 3]), y[1], inplace=False))
_EAGER_ONLY = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
               jax.errors.TracerIntegerConversionError, jax.errors.TracerBoolConversionError)


def oracle(fun, *args):
    """JAX's value of ``fun(*args)``: compiled as one program (much cheaper than compiling each of its
    operations for op-by-op dispatch), or eagerly where a shape depends on concrete values."""
    try:
        return jax.jit(fun)(*args)
    except _EAGER_ONLY:
        return fun(*args)


def _loss(L, f, diff, args):
    """A nonlinear real loss of the outputs that are inexact, as a function of the ``diff`` arguments."""
    def loss(*xs):
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = x
        total = 0.0
        for y in jax.tree_util.tree_leaves(f(*full)):
            if np.issubdtype(y.dtype, np.inexact):
                total = total + L.sum(L.sin(L.real(y)) + L.real(y * L.conj(y)) * 0.25)
        return total
    return loss


def _tangents(args, diff, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in diff:
        a = np.asarray(args[i])
        t = rng.standard_normal(a.shape)
        out.append(t + 1j * rng.standard_normal(a.shape) if np.iscomplexobj(a) else t)
    return tuple(out)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_values_dtypes_and_shapes_match_jax(case):
    assert_agree(case.build(fnp)(*case.args), oracle(case.build(jnp), *case.args), *case.tol)


DIFF_CASES = [c for c in CASES if c.diff]


def _part(fun, case):
    """``fun`` as a function of the differentiated arguments only."""
    def g(*xs):
        full = list(case.args)
        for i, x in zip(case.diff, xs):
            full[i] = x
        return fun(*full)
    return g


def _first(grad, jvp, L, case, primals, tangents):
    """(JVP of the function, gradient of the loss): one program, so JAX compiles once."""
    argnums = tuple(range(len(case.diff)))
    return (jvp(_part(case.build(L), case), primals, tangents),
            grad(_loss(L, case.build(L), case.diff, case.args), argnums)(*primals))


@pytest.mark.parametrize("case", DIFF_CASES, ids=repr)
def test_first_derivatives_match_jax(case):
    primals = tuple(case.args[i] for i in case.diff)
    tangents = _tangents(case.args, case.diff, 1)
    (got, got_grad) = _first(fgrad.grad, fgrad.jvp, fnp, case, primals, tangents)
    (want, want_grad) = oracle(lambda p, t: _first(jax.grad, jax.jvp, jnp, case, p, t), primals, tangents)
    # JAX's tangent of an integer output is float0; fgrad's is zeros of the output's dtype
    ints = [np.asarray(w).dtype == jax.dtypes.float0 for w in jax.tree_util.tree_leaves(want[1])]
    assert all(not np.any(g) for g, i in zip(jax.tree_util.tree_leaves(got[1]), ints) if i)
    keep = lambda tree: [leaf for leaf, i in zip(jax.tree_util.tree_leaves(tree), ints) if not i]  # noqa: E731
    assert_agree((got[0], keep(got[1])), (want[0], keep(want[1])), *case.tol)
    assert_agree(got_grad, want_grad, *case.tol)


def _second(grad, jvp, L, case, primals, tangents):
    """Forward-over-reverse (a Hessian-vector product), reverse-over-reverse (the gradient of
    <grad, v>) and forward-over-forward (the second directional derivative) of the loss."""
    argnums = tuple(range(len(case.diff)))
    loss = _loss(L, case.build(L), case.diff, case.args)
    g = grad(loss, argnums)
    fwd_rev = jvp(g, primals, tangents)[1]
    rev_rev = grad(lambda *xs: sum(L.sum(L.real(a * L.conj(b))) for a, b in zip(g(*xs), tangents)), argnums)(*primals)
    fwd_fwd = jvp(lambda *xs: jvp(loss, xs, tangents)[1], primals, tangents)[1]
    return fwd_rev, rev_rev, fwd_fwd


@pytest.mark.parametrize("case", [c for c in DIFF_CASES if c.second], ids=repr)
def test_second_derivatives_match_jax(case):
    primals = tuple(case.args[i] for i in case.diff)
    tangents = _tangents(case.args, case.diff, 2)
    tol = (case.tol[0] * 100, case.tol[1] * 100)
    got = _second(fgrad.grad, fgrad.jvp, fnp, case, primals, tangents)
    want = oracle(lambda p, t: _second(jax.grad, jax.jvp, jnp, case, p, t), primals, tangents)
    for mode, g, w in zip(("fwd-over-rev", "rev-over-rev", "fwd-over-fwd"), got, want):
        try:
            assert_agree(g, w, *tol)
        except AssertionError as err:
            raise AssertionError(f"{mode}: {err}") from None


# ------------------------------------------------------------------ on every device

@pytest.mark.parametrize("case", [c for c in CASES if c.args and c.device], ids=repr)
def test_values_on_the_device_match_the_host(case, device, put):
    """The same values from arrays on the device: nothing falls back to NumPy on a device array."""
    want = case.build(fnp)(*case.args)
    got = case.build(fnp)(*put(case.args))
    assert jax.tree_util.tree_structure(jax.tree_util.tree_map(lambda a: 0, got)) == \
        jax.tree_util.tree_structure(jax.tree_util.tree_map(lambda a: 0, want))
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        g = np.asarray(fgrad.device_get(g))
        assert g.dtype == np.asarray(w).dtype and g.shape == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ NumPy's forms JAX refuses

def same(got, want):
    got, want = np.asarray(fgrad.device_get(got)), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["mean", "std", "var", "sum", "nanmean", "nanvar", "nanstd", "median", "cumsum"])
def test_reductions_take_lists_as_numpy_does(name):
    """(They used to fail in np.result_type, which reads a list as a structured dtype spec.)"""
    data = [[1.0, 2.0, 4.0], [3.0, 5.0, 7.0]]
    same(getattr(fnp, name)(data), getattr(np, name)(data))
    same(getattr(fnp, name)([1, 2, 3]), getattr(np, name)([1, 2, 3]))


def test_norm_and_dtype_take_lists():
    same(fnp.linalg.norm([3.0, 4.0]), np.linalg.norm([3.0, 4.0]))
    same(fnp.linalg.norm([[1, 2], [3, 4]], ord="fro"), np.linalg.norm([[1, 2], [3, 4]], ord="fro"))
    assert fnp.result_dtype([1, 2.5]) == np.float64 and fnp.result_dtype((1, 2)) == np.int64


def _np_fill_diagonal(a, val, wrap):
    np.fill_diagonal(a, val, wrap=wrap)  # (in place, in NumPy)
    return a


@pytest.mark.parametrize("build", [
    lambda m: m.append([1, 2], [[3]]), lambda m: m.insert([1, 2, 3], [0, 2], [8, 9]),
    lambda m: m.delete([1, 2, 3, 4], [0, 3]), lambda m: m.diff([1, 4, 9]), lambda m: m.ediff1d([[1, 3], [4, 8]]),
    lambda m: m.convolve([1.0, 2.0], [1.0, -1.0, 0.5]), lambda m: m.interp([0.5, 1.5], [0, 1, 2], [0.0, 10.0, 30.0]),
    lambda m: m.polyval([1, 2, 3], [0.5, 2.0]), lambda m: m.polyadd([1, 2], [3]), lambda m: m.vander([1, 2, 3]),
    lambda m: m.isin([1, 2, 3], [2]), lambda m: m.union1d([3, 1], [2]), lambda m: m.setdiff1d([3, 1, 2], [2]),
    lambda m: m.cov([[0.0, 1.0, 2.0], [1.0, 1.0, 0.5]]), lambda m: m.trapezoid([1.0, 2.0, 4.0]),
    lambda m: m.nanmax([1.0, np.nan, 3.0]), lambda m: m.angle([1j, -1.0]), lambda m: m.imag([1 + 2j]),
    lambda m: m.nan_to_num([np.nan, 1.0]), lambda m: m.unwrap([0.0, 6.0, 12.0]), lambda m: m.gradient([1.0, 4.0, 9.0]),
    lambda m: _np_fill_diagonal(np.zeros((7, 3)), [1.0, 2.0], wrap=True) if m is np else
    m.fill_diagonal(np.zeros((7, 3)), [1.0, 2.0], wrap=True, inplace=False),
    lambda m: m.r_["1,3,1", np.ones((2, 2)), np.zeros((2, 2))], lambda m: m.array_equiv([1, 2], [[1], [2]]),
    lambda m: m.resize([1, 2, 3], (2, 2)), lambda m: m.trim_zeros([0, 1, 0]), lambda m: m.modf([1.5, -2.25])[0],
    lambda m: m.frexp([3.0, 0.1])[1], lambda m: m.bincount([0, 2, 2]), lambda m: m.digitize([0.5, 3.0], [0, 1, 2]),
])
def test_array_likes_and_forms_numpy_accepts(build):
    """Lists and scalars (which JAX refuses), wrap=True, NumPy's r_ directive: NumPy is the oracle."""
    same(build(fnp), build(np))


def test_inplace_updates_are_refused_with_the_way_out():
    for call in (lambda: fnp.fill_diagonal(np.zeros((2, 2)), 1.0), lambda: fnp.place(np.zeros(2), [True, False], [1.0]),
                 lambda: fnp.put(np.zeros(2), [0], [1.0])):
        with pytest.raises(NotImplementedError, match="inplace=False"):
            call()


# ------------------------------------------------------------------ value-dependent shapes under jit and vmap

@pytest.mark.parametrize("call", [
    lambda a: fnp.unique_values(a), lambda a: fnp.union1d(a, a), lambda a: fnp.setdiff1d(a, a[:1]),
    lambda a: fnp.intersect1d(a, a), lambda a: fnp.setxor1d(a, a[:1]), lambda a: fnp.bincount(a),
    lambda a: fnp.trim_zeros(a), lambda a: fnp.delete(a, a[:1]),
])
def test_value_dependent_shapes_need_size_under_jit_and_vmap(call):
    """As in JAX: no one result length exists, so a clear ConcretizationTypeError (naming size= where
    that is the way out) rather than one example's length baked in."""
    a = np.array([3, 1, 3, 0])
    with pytest.raises(ConcretizationTypeError):
        fgrad.jit(call)(a)
    with pytest.raises((ConcretizationTypeError, IndexError)):  # (a batched mask: NonConcreteBooleanIndexError)
        fgrad.vmap(call)(np.stack([a, a[::-1]]))


def test_sized_set_operations_run_under_jit_and_vmap_as_in_jax():
    a, b = np.array([[3, 1, 3, 0], [2, 2, 5, 1]]), np.array([1, 5, 6])
    for F, J in [(lambda x: fnp.union1d(x, b, size=6), lambda x: jnp.union1d(x, b, size=6)),
                 (lambda x: fnp.setdiff1d(x, b, size=3, fill_value=-1), lambda x: jnp.setdiff1d(x, b, size=3, fill_value=-1)),
                 (lambda x: tuple(fnp.unique_all(x, size=5)), lambda x: tuple(jnp.unique_all(x, size=5))),
                 (lambda x: fnp.bincount(x, length=4), lambda x: jnp.bincount(x, length=4))]:
        assert_agree(fgrad.jit(F)(a[0]), jax.jit(J)(a[0]))
        assert_agree(fgrad.vmap(F)(a), jax.vmap(J)(a))


def test_set_operations_pass_gradients_to_the_chosen_elements():
    """JAX's union1d/unique_values give a zero gradient; fgrad's carry it to the element each result
    value is taken from (the first of equal ones), as the values are the inputs themselves."""
    a, b = np.array([3.0, 1.0, 3.0]), np.array([2.0, 1.0])
    ga, gb = fgrad.grad(lambda x, y: fnp.sum(fnp.union1d(x, y) * np.array([1.0, 10.0, 100.0])), (0, 1))(a, b)
    np.testing.assert_array_equal(ga + 0 * gb.sum(), [100.0, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [10.0, 0.0])


def test_vander_derivative_at_zero_is_exact():
    """d/dx x**k at 0 is 1 for k = 1 and 0 otherwise (JAX gives NaN for the constant column)."""
    jac = fgrad.jacfwd(lambda x: fnp.vander(x, 3))(np.array([0.0]))
    np.testing.assert_array_equal(jac[0, :, 0], [0.0, 1.0, 0.0])


# ------------------------------------------------------------------ index tricks, predicates, files

def test_index_tricks_match_jax_and_numpy():
    for build in (lambda m: m.r_[1, 2, np.array([3, 4])], lambda m: m.r_[0:3, 5.0, 1:2:3j],
                  lambda m: m.r_["0,2", np.array([1, 2]), np.array([3, 4])], lambda m: m.r_["0,2,0", np.arange(2), 5],
                  lambda m: m.r_["-1", np.ones((2, 2)), np.zeros((2, 1))], lambda m: m.c_[np.arange(2), np.arange(2)],
                  lambda m: m.c_[np.ones((2, 2)), np.array([5, 6])], lambda m: m.mgrid[0:3, 0:1:2j],
                  lambda m: m.ogrid[0:3, 0:2], lambda m: m.mgrid[-1:1:5j]):
        assert_agree(build(fnp), build(jnp))
        got, want = build(fnp), build(np)
        for g, w in zip(got, want) if isinstance(got, list) else [(got, want)]:
            same(g, w)
    assert fnp.s_[1:2, ::3] == jnp.s_[1:2, ::3] and fnp.index_exp[2] == jnp.index_exp[2]
    x = np.arange(12.0).reshape(3, 4)
    g = fgrad.grad(lambda a: fnp.sum(fnp.r_[a[0], 2 * a[1]] * fnp.r_[1:9]))(x)
    np.testing.assert_array_equal(g, [[1, 2, 3, 4], [10, 12, 14, 16], [0, 0, 0, 0]])


def test_predicates_match_jax():
    for x in (3.0, np.array(3.0), [3.0], np.ones(2), 1j, np.array([1 + 0j])):
        assert fnp.isscalar(x) == jnp.isscalar(x), x
        assert fnp.iscomplexobj(x) == jnp.iscomplexobj(x) and fnp.isrealobj(x) == jnp.isrealobj(x)
        assert fnp.iterable(x) == jnp.iterable(x)
    for dt in (np.float32, np.int8, np.uint16, np.complex64, np.bool_):
        for kind in ("bool", "signed integer", "unsigned integer", "integral", "real floating", "complex floating",
                     "numeric", np.float32, ("bool", "integral")):
            assert fnp.isdtype(dt, kind) == jnp.isdtype(dt, kind), (dt, kind)


def test_scalar_type_names_are_numpys_and_jaxs():
    for name in ("bool", "int_", "uint", "float_", "complex_", "single", "double", "csingle", "cdouble"):
        assert np.dtype(getattr(fnp, name)) == np.dtype(getattr(jnp, name)), name
    for name in ("generic", "character", "flexible", "signedinteger", "unsignedinteger", "complexfloating", "object_"):
        assert issubclass(getattr(fnp, name), np.generic) and getattr(fnp, name) is getattr(np, name)
    assert fnp.ComplexWarning is jnp.ComplexWarning


def test_files_strings_and_printing_match_numpy(tmp_path):
    x = np.arange(6.0).reshape(2, 3)
    f = io.BytesIO()
    fnp.save(f, x)
    f.seek(0)
    same(fnp.load(f), x)
    f = io.BytesIO()
    fnp.savez(f, x, y=x + 1)
    f.seek(0)
    loaded = fnp.load(f)
    same(loaded["arr_0"], x)
    same(loaded["y"], x + 1)
    x.tofile(tmp_path / "x.bin")
    same(fnp.fromfile(tmp_path / "x.bin"), x.ravel())
    same(fnp.frombuffer(x.tobytes()), x.ravel())
    same(fnp.fromiter(range(4), dtype=np.int32), np.arange(4, dtype=np.int32))
    same(fnp.fromstring("1, 2", sep=","), np.fromstring("1, 2", sep=","))
    assert fnp.array_repr(x) == np.array_repr(x) and fnp.array_str(x, precision=2) == np.array_str(x, precision=2)
    assert fnp.get_printoptions() == np.get_printoptions()
    with fnp.printoptions(precision=2):
        assert np.get_printoptions()["precision"] == 2
    ops = (np.ones((2, 8)), np.ones((8, 8)), np.ones((8, 1)))
    assert fnp.einsum_path("ij,jk,kl->il", *ops) == np.einsum_path("ij,jk,kl->il", *ops, optimize="greedy")
    traced = fgrad.grad(lambda a: fnp.sum(a) + 0 * len(fnp.einsum_path("ij,jk->ik", a, a)[0]))(np.ones((2, 2)))
    same(traced, np.ones((2, 2)))


# ------------------------------------------------------------------ what is left of jax.numpy

# Names of jax.numpy that fgrad.numpy leaves out on purpose, each with its reason.
ALLOWED_MISSING = {
    # ml_dtypes' narrow floats and integers: not NumPy dtypes, and fgrad's kernels are NumPy's/CuPy's
    "bfloat16": "ml_dtypes type", "float4_e2m1fn": "ml_dtypes type", "float6_e2m3fn": "ml_dtypes type",
    "float6_e3m2fn": "ml_dtypes type", "float8_e3m4": "ml_dtypes type", "float8_e4m3": "ml_dtypes type",
    "float8_e4m3b11fnuz": "ml_dtypes type", "float8_e4m3fn": "ml_dtypes type", "float8_e4m3fnuz": "ml_dtypes type",
    "float8_e5m2": "ml_dtypes type", "float8_e5m2fnuz": "ml_dtypes type", "float8_e8m0fnu": "ml_dtypes type",
    "int1": "ml_dtypes type", "int2": "ml_dtypes type", "int4": "ml_dtypes type", "uint1": "ml_dtypes type",
    "uint2": "ml_dtypes type", "uint4": "ml_dtypes type",
    # the Array API's namespace markers: fgrad.numpy follows NumPy's names but does not claim the standard's
    # conformance (its arrays are NumPy's and CuPy's, which carry their own namespaces)
    "__array_api_version__": "Array API marker", "__array_namespace_info__": "Array API marker",
    # JAX's private deprecation table
    "_deprecations": "JAX-private",
}


def test_what_fgrad_numpy_lacks_of_jax_numpy_is_the_allowlist():
    missing = set(dir(jnp)) - set(dir(fnp))
    assert missing == set(ALLOWED_MISSING), (f"newly missing: {sorted(missing - set(ALLOWED_MISSING))}; "
                                             f"now present: {sorted(set(ALLOWED_MISSING) - missing)}")


def test_every_new_name_has_a_case_here():
    """The names this work added (the breadth modules' exports) are each exercised by a case above."""
    import importlib
    modules = ["_numeric", "_nanfunctions", "_editing", "_functional", "_differences", "_statistics", "_sets",
               "_polynomial", "_windows", "_ufunc"]
    added = {n for m in modules for n in importlib.import_module(f"fgrad.numpy.{m}").__all__}
    untested = added - NAMES_TESTED - {"iscomplexobj", "isrealobj", "isscalar", "iterable", "isdtype"}
    assert not untested, sorted(untested)
