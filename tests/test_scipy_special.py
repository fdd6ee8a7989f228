"""fgrad.scipy.special: values against scipy.special (and mpmath where SciPy itself is
less accurate), derivatives against finite differences and closed forms, edge cases."""
import math

import numpy as np
import pytest
import scipy.special as sc

import fgrad
import fgrad.numpy as fnp
from fgrad.scipy import special
from fgrad.testing import check_grads

from helpers import host

mpmath = pytest.importorskip("mpmath")  # ships with torch (via sympy)
mpmath.mp.dps = 40

RNG = np.random.default_rng(20240607)


def rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    ok = np.isfinite(want) & (want != 0)
    return np.max(np.abs(got[ok] - want[ok]) / np.abs(want[ok]), initial=0.0)


def run(fn, x, device, *args):
    """``fn`` evaluated on ``device``, back on the host as float64."""
    return host(fn(*args, fgrad.device_put(x, device))) if args else host(fn(fgrad.device_put(x, device)))


def mp_values(f, xs):
    return np.array([float(f(mpmath.mpf(float(x)))) for x in xs])


def log_uniform(lo, hi, n):
    return 10.0 ** RNG.uniform(lo, hi, n)


# ------------------------------------------------------------------ error functions

def test_erf_and_erfc_match_scipy_to_1e14(device):
    x = np.concatenate([np.linspace(-10, 10, 4001), RNG.uniform(-6, 6, 4000),
                        np.sign(RNG.standard_normal(1000)) * log_uniform(-300, 0, 1000)])
    assert rel_err(run(special.erf, x, device), sc.erf(x)) < 1e-14
    assert rel_err(run(special.erfc, x, device), sc.erfc(x)) < 1e-14


def test_erfc_and_erfcx_keep_full_accuracy_in_the_tails(device):
    # SciPy's own erfc loses ~x**2 ulp here (6e-14 at x = 26), so the oracle is mpmath.
    x = np.concatenate([RNG.uniform(5, 26.5, 300), [26.0, 26.5, 26.6]])
    assert rel_err(run(special.erfc, x, device), mp_values(mpmath.erfc, x)) < 2e-15
    assert rel_err(run(special.erfc, -x, device), mp_values(mpmath.erfc, -x)) < 2e-15
    xs = np.concatenate([x, log_uniform(1, 300, 200)])
    want = mp_values(lambda v: mpmath.exp(v * v) * mpmath.erfc(v) if v < 1e8 else
                     (1 - 1 / (2 * v * v)) / (v * mpmath.sqrt(mpmath.pi)), xs)
    assert rel_err(run(special.erfcx, xs, device), want) < 2e-15
    want_neg = mp_values(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), -x)
    assert rel_err(run(special.erfcx, -x, device), want_neg) < 2e-15


def test_erfcx_matches_scipy(device):
    x = np.concatenate([np.linspace(-10, 10, 4001), log_uniform(-300, 300, 2000)])
    assert rel_err(run(special.erfcx, x, device), sc.erfcx(x)) < 1e-14


def test_erf_special_values_match_scipy(device):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 27.5, -27.5, 5e-324])
    for ours, ref in [(special.erf, sc.erf), (special.erfc, sc.erfc), (special.erfcx, sc.erfcx)]:
        np.testing.assert_allclose(run(ours, x, device), ref(x), rtol=4e-16, atol=0)


def test_erfinv_erfcinv_ndtri_match_scipy_including_tails(device):
    w = np.concatenate([np.linspace(-1, 1, 4001)[1:-1], 1 - log_uniform(-16, 0, 2000), -(1 - log_uniform(-16, 0, 500)),
                        log_uniform(-300, 0, 1000)])
    assert rel_err(run(special.erfinv, w, device), sc.erfinv(w)) < 4e-15
    y = np.concatenate([np.linspace(0, 2, 4001)[1:-1], log_uniform(-300, 0, 2000), 2 - log_uniform(-16, 0, 500)])
    assert rel_err(run(special.erfcinv, y, device), sc.erfcinv(y)) < 4e-15
    p = np.concatenate([np.linspace(0, 1, 4001)[1:-1], log_uniform(-300, 0, 2000), 1 - log_uniform(-16, 0, 500)])
    assert rel_err(run(special.ndtri, p, device), sc.ndtri(p)) < 4e-15


def test_inverse_special_values_match_scipy(device):
    w = np.array([-1.0, 1.0, 0.0, -0.0, 1.5, -1.5, np.nan, 0.5, -0.5])
    np.testing.assert_array_equal(run(special.erfinv, w, device), sc.erfinv(w))
    y = np.array([0.0, 2.0, 1.0, 0.5, 1.5, -1.0, 3.0, np.nan])
    np.testing.assert_array_equal(run(special.erfcinv, y, device), sc.erfcinv(y))
    p = np.array([0.0, 1.0, 0.5, -1.0, 2.0, np.nan])
    np.testing.assert_array_equal(run(special.ndtri, p, device), sc.ndtri(p))


def test_erfcinv_reaches_the_smallest_subnormal():
    y = np.array([5e-324, 1.5e-323, 1e-310])
    got = special.erfcinv(y)
    # erfc(got) must reproduce y; SciPy returns inf for 5e-324.
    back = mp_values(mpmath.erfc, got)
    np.testing.assert_allclose(back, y, rtol=0.2)  # subnormal y carry few significant bits
    assert np.all(np.isfinite(got))


def test_ndtr_and_log_ndtr(device):
    # SciPy's ndtr inherits erfc's tail error (1e-14 at x = -8), so the far tails go to mpmath
    x = np.concatenate([np.linspace(-6, 6, 4001), RNG.uniform(-5, 5, 2000)])
    assert rel_err(run(special.ndtr, x, device), sc.ndtr(x)) < 1e-14
    assert rel_err(run(special.log_ndtr, x, device), sc.log_ndtr(x)) < 1e-14
    tail = RNG.uniform(-37, -6, 200)
    assert rel_err(run(special.ndtr, tail, device), mp_values(mpmath.ncdf, tail)) < 4e-15
    far = np.concatenate([-log_uniform(0.7, 150, 300), RNG.uniform(6, 37, 100)])
    want = mp_values(lambda v: mpmath.log(mpmath.ncdf(v)) if v < 0 else mpmath.log1p(-mpmath.ncdf(-v)), far)
    assert rel_err(run(special.log_ndtr, far, device), want) < 4e-15
    edge = np.array([-np.inf, np.inf, np.nan, 0.0])
    np.testing.assert_array_equal(run(special.log_ndtr, edge, device), sc.log_ndtr(edge))


# ------------------------------------------------------------------ logistic family

def test_expit_logit_log_expit_match_scipy(device):
    x = np.concatenate([np.linspace(-40, 40, 4001), np.sign(RNG.standard_normal(2000)) * log_uniform(-300, 3, 2000),
                        [0.0, np.inf, -np.inf, np.nan, 800.0, -800.0]])
    np.testing.assert_allclose(run(special.expit, x, device), sc.expit(x), rtol=1e-15, atol=0)
    np.testing.assert_allclose(run(special.log_expit, x, device), sc.log_expit(x), rtol=1e-15, atol=0)
    p = np.concatenate([np.linspace(0, 1, 4001), log_uniform(-300, 0, 1000), [0.5, 0.5 + 1e-12, np.nan, -1.0, 2.0]])
    np.testing.assert_allclose(run(special.logit, p, device), sc.logit(p), rtol=1e-15, atol=0)


def test_expit_derivative_is_ans_times_one_minus_ans():
    # the rule torch and JAX use: exactly sigma (1 - sigma), so 0 where sigma rounds to 1
    x = np.array([-800.0, -20.0, 0.0, 3.0, 40.0])
    s = special.expit(x)
    np.testing.assert_allclose(s, sc.expit(x), rtol=4e-16, atol=0)
    np.testing.assert_array_equal(fgrad.vjp(special.expit, x)[1](np.ones(5))[0], s * (1.0 - s))


def test_logit_keeps_relative_accuracy_around_one_half():
    p = 0.5 + np.array([1e-15, 1e-10, 1e-5, -1e-7, 0.2])
    want = mp_values(lambda v: mpmath.log(v / (1 - v)), p)
    assert rel_err(special.logit(p), want) < 1e-15


# ------------------------------------------------------------------ gamma family

def test_gammaln_matches_scipy(device):
    x = np.concatenate([np.linspace(0.01, 30, 6001), log_uniform(-300, 300, 2000)])
    got = run(special.gammaln, x, device)
    away = (np.abs(x - 1) > 0.2) & (np.abs(x - 2) > 0.2)  # SciPy cancels near its zeros
    assert rel_err(got[away], sc.gammaln(x[away])) < 4e-15
    np.testing.assert_allclose(got, sc.gammaln(x), rtol=1e-14, atol=1e-15)
    neg = np.linspace(-30, -0.01, 6001)
    neg = neg[np.abs(neg - np.round(neg)) > 1e-6]
    # near the roots of log|Gamma| on the negative axis both cancel; compare absolutely there
    np.testing.assert_allclose(run(special.gammaln, neg, device), sc.gammaln(neg), rtol=1e-14, atol=5e-14)


def test_gammaln_is_exact_where_scipy_cancels():
    x = RNG.uniform(0.5, 3.0, 300)
    assert rel_err(special.gammaln(x), mp_values(lambda v: mpmath.loggamma(v).real, x)) < 1e-15


def test_gammaln_is_exact_near_its_zeros():
    d = np.array([1e-3, -1e-3, 1e-8, -1e-8, 1e-14, -1e-14, 0.04, -0.04])
    for c in (1.0, 2.0):
        x = c + d
        want = mp_values(lambda v: mpmath.loggamma(v).real, x)
        assert rel_err(special.gammaln(x), want) < 1e-15
    assert special.gammaln(1.0) == 0.0 and special.gammaln(2.0) == 0.0


def test_digamma_and_polygamma_match_scipy(device):
    x = np.concatenate([np.linspace(0.01, 30, 6001), log_uniform(-300, 15, 2000)])
    assert rel_err(run(special.digamma, x, device), sc.digamma(x)) < 4e-15
    for n in (1, 2, 3, 5):
        assert rel_err(run(lambda v: special.polygamma(n, v), x, device), sc.polygamma(n, x)) < 4e-15
    neg = np.linspace(-12, -0.01, 4001)
    neg = neg[np.abs(neg - np.round(neg)) > 1e-6]
    # both cancel near the poles and roots on the negative axis
    np.testing.assert_allclose(run(special.digamma, neg, device), sc.digamma(neg), rtol=1e-12, atol=1e-12)
    for n in (1, 2):
        np.testing.assert_allclose(run(lambda v: special.polygamma(n, v), neg, device), sc.polygamma(n, neg),
                                   rtol=1e-12, atol=1e-12)


def test_digamma_is_exact_around_its_positive_root():
    root = 1.4616321449683622
    x = root + np.array([1e-3, -1e-3, 1e-9, -1e-9, 1e-15, 0.2, -0.2, 0.3])
    assert rel_err(special.digamma(x), mp_values(mpmath.digamma, x)) < 1e-15


def test_gamma_family_special_values_match_scipy(device):
    x = np.array([0.0, -0.0, -1.0, -2.0, np.inf, np.nan, 1.0, 2.0, -0.5, 1e-310])
    np.testing.assert_array_equal(run(special.gammaln, x[[0, 2, 3, 4, 5, 6, 7, 8]], device),
                                  sc.gammaln(x[[0, 2, 3, 4, 5, 6, 7, 8]]))
    assert special.gammaln(1e-310) == pytest.approx(-math.log(1e-310), rel=1e-15)  # SciPy overflows to inf
    np.testing.assert_array_equal(run(special.digamma, x[:6], device), sc.digamma(x[:6]))
    np.testing.assert_array_equal(run(lambda v: special.polygamma(1, v), x[[0, 2, 4, 5]], device),
                                  sc.polygamma(1, x[[0, 2, 4, 5]]))
    assert special.psi is special.digamma


def test_polygamma_order_is_a_static_non_negative_integer():
    assert special.polygamma(np.int64(1), 1.0) == special.polygamma(1, 1.0)
    assert special.polygamma(2.0, 1.0) == special.polygamma(2, 1.0)
    with pytest.raises(TypeError, match="non-negative integer"):
        special.polygamma(1.5, 1.0)
    with pytest.raises(TypeError, match="non-negative integer"):
        special.polygamma(np.array([1, 2]), 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        special.polygamma(-1, 1.0)


def test_derivatives_of_gammaln_walk_up_the_polygamma_ladder():
    f = special.gammaln
    for n in range(1, 5):
        f = fgrad.grad(f)
        for x in (0.3, 2.5, 7.0, -1.5):
            assert f(x) == pytest.approx(sc.polygamma(n - 1, x), rel=1e-13), (n, x)


# ------------------------------------------------------------------ x log y family

def test_xlogy_xlog1py_entr_match_scipy(device):
    x = np.array([[0.0], [1.5], [-2.0], [np.nan]])
    y = np.array([0.0, -1.0, -2.0, 0.5, 3.0, np.inf, np.nan])
    xd, yd = fgrad.device_put((x, y), device)
    np.testing.assert_allclose(host(special.xlogy(xd, yd)), sc.xlogy(x, y), rtol=1e-15, atol=0)
    np.testing.assert_allclose(host(special.xlog1py(xd, yd)), sc.xlog1py(x, y), rtol=1e-15, atol=0)
    e = np.array([-1.0, 0.0, 1e-300, 0.3, 1.0, 7.0, np.inf, np.nan])
    np.testing.assert_allclose(run(special.entr, e, device), sc.entr(e), rtol=1e-15, atol=0)


def test_xlogy_derivatives_at_zero_x_stay_finite():
    total = lambda x, y: fnp.sum(special.xlogy(x, y))  # noqa: E731
    gx, gy = fgrad.grad(total, argnums=(0, 1))(np.zeros(3), np.array([0.0, 2.0, 5.0]))
    np.testing.assert_array_equal(gx, [0.0, math.log(2.0), math.log(5.0)])
    np.testing.assert_array_equal(gy, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ logsumexp family

LSE_CASES = [
    dict(axis=None), dict(axis=0), dict(axis=-1), dict(axis=(0, 2)), dict(axis=1, keepdims=True),
    dict(axis=None, keepdims=True),
]


@pytest.mark.parametrize("kw", LSE_CASES, ids=str)
def test_logsumexp_matches_scipy(device, kw):
    a = RNG.normal(scale=300.0, size=(3, 4, 5))
    np.testing.assert_allclose(run(lambda v: special.logsumexp(v, **kw), a, device), sc.logsumexp(a, **kw),
                               rtol=1e-14)
    b = RNG.normal(size=(4, 5))  # broadcasts against a; some weights negative, one zero
    b[0, 0] = 0.0
    ad, bd = fgrad.device_put((a, b), device)
    out, sgn = special.logsumexp(ad, b=bd, return_sign=True, **kw)
    want, want_sign = sc.logsumexp(a, b=b, return_sign=True, **kw)
    np.testing.assert_allclose(host(out), want, rtol=1e-13)
    np.testing.assert_array_equal(host(sgn), want_sign)


def test_logsumexp_edge_cases_match_scipy():
    for a in ([-np.inf, -np.inf], [np.inf, 1.0], [np.inf, -np.inf], [], [1000.0, 1000.0]):
        assert np.array_equal(special.logsumexp(np.array(a)), sc.logsumexp(a), equal_nan=True), a
    # a weight of zero removes its entry, even from the shift
    assert special.logsumexp(np.array([1000.0, 0.0]), b=np.array([0.0, 1.0])) == 0.0
    with np.errstate(invalid="ignore"):
        assert np.isnan(special.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, -2.0])))
    # all weights zero: an empty sum, -inf (SciPy agrees unless the masked entries are large)
    assert special.logsumexp(np.array([1000.0, 2.0]), b=np.zeros(2)) == -np.inf
    empty = special.logsumexp(np.zeros((0, 3)), axis=0)
    np.testing.assert_array_equal(empty, sc.logsumexp(np.zeros((0, 3)), axis=0))
    with pytest.raises(np.exceptions.AxisError):
        special.logsumexp(np.zeros((2, 3)), axis=2)


def test_logsumexp_keeps_float32():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for out in (special.logsumexp(a), special.logsumexp(a, axis=1, b=np.float32(2.0)), special.softmax(a),
                special.log_softmax(a, axis=0)):
        assert np.asarray(out).dtype == np.float32


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
def test_softmax_and_log_softmax_match_scipy(device, axis):
    x = RNG.normal(scale=50.0, size=(4, 6))
    np.testing.assert_allclose(run(lambda v: special.softmax(v, axis=axis), x, device), sc.softmax(x, axis=axis),
                               rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(run(lambda v: special.log_softmax(v, axis=axis), x, device),
                               sc.log_softmax(x, axis=axis), rtol=1e-13, atol=1e-13)


def test_logsumexp_gradient_is_softmax_and_hessian_is_its_covariance():
    x = RNG.normal(size=5)
    p = sc.softmax(x)
    np.testing.assert_allclose(fgrad.grad(special.logsumexp)(x), p, rtol=1e-14)
    np.testing.assert_allclose(fgrad.hessian(special.logsumexp)(x), np.diag(p) - np.outer(p, p), rtol=1e-13,
                               atol=1e-16)
    # entries at -inf get exactly zero gradient, and nothing turns into nan
    g = fgrad.grad(special.logsumexp)(np.array([-np.inf, 0.0, 0.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])


# ------------------------------------------------------------------ derivatives

COMPOSITES = [
    ("logsumexp", lambda a: special.logsumexp(a, axis=1), dict(shape=(3, 4))),
    ("logsumexp-keepdims", lambda a: special.logsumexp(a, axis=0, keepdims=True), dict(shape=(3, 4))),
    ("softmax", lambda a: special.softmax(a, axis=-1), dict(shape=(2, 5))),
    ("log_softmax", lambda a: special.log_softmax(a), dict(shape=(2, 5))),
    ("ndtr", special.ndtr, dict(lo=-4.0, hi=4.0)),
    ("ndtri", special.ndtri, dict(lo=0.02, hi=0.98)),
    ("logit", special.logit, dict(lo=0.05, hi=0.95)),
    ("log_expit", special.log_expit, dict(lo=-6.0, hi=6.0)),
    ("entr", special.entr, dict(lo=0.1, hi=3.0)),
    ("digamma", special.digamma, dict(lo=0.3, hi=5.0)),
]


@pytest.mark.parametrize("name, fn, kw", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composites_have_correct_derivatives_to_second_order(name, fn, kw):
    shape = kw.get("shape", (6,))
    x = RNG.uniform(kw.get("lo", -2.0), kw.get("hi", 2.0), size=shape)
    check_grads(fn, (x,), order=2)


def test_binary_composites_have_correct_derivatives():
    x = RNG.uniform(0.2, 2.0, (3, 1))
    y = RNG.uniform(0.2, 2.0, (4,))
    check_grads(special.xlogy, (x, y), order=2)
    check_grads(special.xlog1py, (x, y), order=2)
    b = RNG.uniform(0.5, 2.0, (4,))
    check_grads(lambda a, w: special.logsumexp(a, axis=-1, b=w), (RNG.normal(size=(3, 4)), b), order=2)


def test_log_ndtr_derivatives_are_accurate_far_into_the_tails():
    def dlog_ndtr(v):
        return mpmath.npdf(v) / mpmath.ncdf(v)

    def d2log_ndtr(v):
        r = dlog_ndtr(v)
        return -r * (v + r)

    x = np.array([-1e4, -300.0, -40.0, -5.0, -0.5, 0.0, 0.5, 5.0, 30.0])
    g = fgrad.vjp(special.log_ndtr, x)[1](np.ones_like(x))[0]
    assert rel_err(g, mp_values(dlog_ndtr, x)) < 4e-15
    d1 = lambda v: fgrad.vjp(special.log_ndtr, v)[1](fnp.ones_like(v))[0]  # noqa: E731
    h = fgrad.vjp(d1, x)[1](np.ones_like(x))[0]
    moderate = np.abs(x) <= 300
    assert rel_err(h[moderate], mp_values(d2log_ndtr, x[moderate])) < 1e-10


def test_erfcx_and_inverse_derivatives_match_closed_forms():
    x = np.array([-3.0, 0.0, 0.3, 2.0, 49.0, 51.0, 1e3, 1e6])
    want = mp_values(lambda v: 2 * v * mpmath.exp(v * v) * mpmath.erfc(v) - 2 / mpmath.sqrt(mpmath.pi), x)
    g = fgrad.vjp(special.erfcx, x)[1](np.ones_like(x))[0]
    assert rel_err(g, want) < 1e-13
    w = np.array([0.0, 0.3, -0.9, 1 - 1e-12])
    gw = fgrad.vjp(special.erfinv, w)[1](np.ones_like(w))[0]
    assert rel_err(gw, mp_values(lambda v: mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(mpmath.erfinv(v) ** 2), w)) < 1e-13
    gc = fgrad.vjp(special.erfcinv, 1 - w)[1](np.ones_like(w))[0]
    np.testing.assert_allclose(gc, -gw, rtol=1e-13)


def test_erf_derivatives_of_every_order_are_hermite_polynomials():
    # d^n/dx^n erf(x) = (-1)**(n-1) 2/sqrt(pi) H_{n-1}(x) exp(-x**2)
    x = 0.7
    f = special.erf
    for n in range(1, 5):
        f = fgrad.grad(f)
        h = np.polynomial.hermite.hermval(x, [0] * (n - 1) + [1])
        assert f(x) == pytest.approx((-1) ** (n - 1) * 2 / math.sqrt(math.pi) * h * math.exp(-x * x), rel=1e-13)


# ------------------------------------------------------------------ dtypes, inputs, errors

FLOAT_FNS = [special.erf, special.erfc, special.erfcx, special.erfinv, special.erfcinv, special.gammaln,
             special.digamma, special.expit, special.log_ndtr, special.ndtr, special.ndtri, special.logit,
             special.log_expit, special.entr]


@pytest.mark.parametrize("fn", FLOAT_FNS, ids=lambda f: f.__name__)
def test_float32_stays_float32_and_is_accurate(fn):
    x = np.float32([0.1, 0.25, 0.5, 0.75, 0.9])
    out = fn(x)
    assert out.dtype == np.float32
    ref = getattr(sc, fn.__name__)(x.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=2e-6, atol=1e-7)
    g = fgrad.vjp(fn, x)[1](np.ones_like(out))[0]
    assert g.dtype == np.float32


def test_scalars_and_integers_compute_in_float64():
    assert special.erf(1) == sc.erf(1.0)
    assert isinstance(special.erf(0.5), np.float64)
    np.testing.assert_array_equal(special.gammaln([1, 2, 3, 4]), sc.gammaln([1.0, 2.0, 3.0, 4.0]))
    assert special.expit(np.int32(0)) == 0.5


def test_complex_input_is_rejected():
    with pytest.raises(TypeError, match="complex"):
        special.erf(np.array([1j]))
    with pytest.raises(TypeError, match="complex"):
        special.gammaln(np.complex64(1.0))


# ------------------------------------------------------------------ issue 12: JAX's wider list

from jax_support import assert_agree, jax  # noqa: E402

import jax.numpy as jnp  # noqa: E402
import jax.scipy.special as jsp  # noqa: E402


def _log_uniform(rng, lo, hi, n):
    return 10.0 ** rng.uniform(lo, hi, n)


def test_incomplete_gamma_matches_scipy(device):
    rng = np.random.default_rng(101)
    a = _log_uniform(rng, -2, 2.5, 3000)
    x = _log_uniform(rng, -3, 2.7, 3000)
    ad, xd = fgrad.device_put((a, x), device)
    assert rel_err(host(special.gammainc(ad, xd)), sc.gammainc(a, x)) < 2e-12
    assert rel_err(host(special.gammaincc(ad, xd)), sc.gammaincc(a, x)) < 2e-12
    edge_a = np.array([[0.0], [1.5], [np.inf], [-1.0], [np.nan]])
    edge_x = np.array([0.0, 0.5, np.inf, -1.0, np.nan])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(special.gammainc(edge_a, edge_x), sc.gammainc(edge_a, edge_x))
        np.testing.assert_array_equal(special.gammaincc(edge_a, edge_x), sc.gammaincc(edge_a, edge_x))


def test_incomplete_beta_matches_scipy(device):
    rng = np.random.default_rng(102)
    a, b = _log_uniform(rng, -1, 2, 2000), _log_uniform(rng, -1, 2, 2000)
    x = rng.uniform(0, 1, 2000)
    got = host(special.betainc(*fgrad.device_put((a, b, x), device)))
    assert rel_err(got, sc.betainc(a, b, x)) < 2e-12
    edges = np.array([0.0, 1.0, -0.5, 1.5, np.nan])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(special.betainc(2.0, 3.0, edges), sc.betainc(2.0, 3.0, edges))


def test_bessel_zeta_and_exponential_integrals_match_scipy(device):
    rng = np.random.default_rng(103)
    x = np.concatenate([np.linspace(-60, 60, 2001), np.sign(rng.standard_normal(500)) * _log_uniform(rng, -300, 2.8, 500)])
    for ours, ref in [(special.i0e, sc.i0e), (special.i1e, sc.i1e), (special.i0, sc.i0), (special.i1, sc.i1)]:
        assert rel_err(run(ours, x, device), ref(x)) < 5e-15, ours.__name__
    s, q = rng.uniform(1.01, 20, 2000), _log_uniform(rng, -2, 3, 2000)
    assert rel_err(host(special.zeta(*fgrad.device_put((s, q), device))), sc.zeta(s, q)) < 4e-15
    assert rel_err(special.zeta(s), sc.zeta(s)) < 4e-15
    np.testing.assert_allclose(special.zeta(np.array([2.0, 3.0]), np.array([-1.5, -2.5])),
                               sc.zeta([2.0, 3.0], [-1.5, -2.5]), rtol=1e-14)
    assert np.isnan(special.zeta(0.5, 1.0)) and special.zeta(1.0, 2.0) == np.inf
    xe = _log_uniform(rng, -5, 2.8, 2000)
    assert rel_err(run(special.exp1, xe, device), sc.exp1(xe)) < 5e-14
    away = np.abs(xe - 0.3725) > 0.01  # both cancel around Ei's root
    assert rel_err(run(special.expi, xe, device)[away], sc.expi(xe)[away]) < 5e-14
    assert rel_err(run(special.expi, -xe, device), sc.expi(-xe)) < 5e-14
    n = rng.integers(0, 30, 2000)
    assert rel_err(host(special.expn(*fgrad.device_put((n, xe), device))), sc.expn(n, xe)) < 5e-14
    with np.errstate(all="ignore"):
        e = np.array([0.0, np.inf, -1.0, np.nan])
        np.testing.assert_array_equal(special.exp1(e), sc.exp1(e))
        np.testing.assert_array_equal(special.expi(e), sc.expi(e))
        np.testing.assert_array_equal(special.expn(np.array([0, 1, 2, 2]), e), sc.expn([0, 1, 2, 2], e))


def test_spence_and_hyp1f1_match_scipy(device):
    rng = np.random.default_rng(12)  # (a generator of its own: the draws do not depend on test order)
    x = np.concatenate([np.linspace(0, 10, 2001), 10.0 ** rng.uniform(-10, 5, 1000)])
    assert rel_err(run(special.spence, x, device), sc.spence(x)) < 1e-14
    e = np.array([-1.0, 0.0, 1.0, np.inf, np.nan])
    np.testing.assert_array_equal(special.spence(e), sc.spence(e))
    a, b, z = rng.uniform(0.1, 10, 1000), rng.uniform(0.1, 10, 1000), rng.uniform(-30, 30, 1000)
    # where all terms of the series (after Kummer's transformation for z < 0) share one sign
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    a, b = np.where(z < 0, lo, a), np.where(z < 0, hi, b)
    got = host(special.hyp1f1(*fgrad.device_put((a, b, z), device)))
    assert rel_err(got, sc.hyp1f1(a, b, z)) < 1e-10  # SciPy's own error reaches 3e-11 here (mpmath below)
    want = np.array([float(mpmath.hyp1f1(*v)) for v in zip(a[:150], b[:150], z[:150])])
    assert rel_err(got[:150], want) < 1e-14
    # elsewhere the alternating series cancels (in SciPy as here)
    a2 = rng.uniform(-5, 0, 500)
    np.testing.assert_allclose(special.hyp1f1(a2, b[:500], z[:500]), sc.hyp1f1(a2, b[:500], z[:500]), rtol=1e-7,
                               atol=1e-12)


def test_sici_matches_scipy(device):
    rng = np.random.default_rng(104)
    x = np.concatenate([np.linspace(-40, 40, 4001), _log_uniform(rng, -10, 4, 1000)])
    si, ci = (host(v) for v in special.sici(fgrad.device_put(x, device)))
    want_si, want_ci = sc.sici(x)
    assert rel_err(si, want_si) < 5e-15
    np.testing.assert_allclose(ci, want_ci, rtol=5e-15, atol=5e-15)  # (absolute near Ci's zeros)
    e = np.array([0.0, np.inf, -np.inf, np.nan])
    for got, want in zip(special.sici(e), sc.sici(e)):
        np.testing.assert_array_equal(got, want)


def test_gamma_family_composites_match_scipy(device):
    rng = np.random.default_rng(105)
    x = np.concatenate([np.linspace(-5.5, 30, 3001), [-2.0, -1.0, 0.0]])
    with np.errstate(all="ignore"):
        for ours, ref in [(special.gamma, sc.gamma), (special.gammasgn, sc.gammasgn), (special.loggamma, sc.loggamma)]:
            got, want = run(ours, x[x != 0] if ours is special.loggamma else x, device), \
                ref(x[x != 0] if ours is special.loggamma else x)
            # (SciPy's loggamma cancels near 1 and 2: the absolute tolerance)
            np.testing.assert_allclose(got, want, rtol=5e-14, atol=1e-15, err_msg=ours.__name__)
    a, b = rng.uniform(-4.5, 8, 500), rng.uniform(0.1, 8, 500)
    np.testing.assert_allclose(special.beta(a, b), sc.beta(a, b), rtol=1e-12)
    np.testing.assert_allclose(special.betaln(np.abs(a), b), sc.betaln(np.abs(a), b), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(special.poch(a, b), sc.poch(a, b), rtol=1e-12)
    n = np.array([-1.0, 0.0, 1.0, 3.5, 10.0, 20.0])
    np.testing.assert_allclose(special.factorial(n), sc.factorial(n), rtol=1e-13)
    N, k = np.array([5.0, 5.0, 3.0, 10.0, 2.5]), np.array([2.0, 6.0, -1.0, 3.0, 1.0])
    np.testing.assert_allclose(special.comb(N, k), sc.comb(N, k), rtol=1e-13)
    np.testing.assert_allclose(special.comb(N[:2], k[:2], repetition=True), sc.comb(N[:2], k[:2], repetition=True),
                               rtol=1e-13)
    for d in (1, 2, 5):
        np.testing.assert_allclose(special.multigammaln(np.array([3.0, 7.5]), d), sc.multigammaln([3.0, 7.5], d),
                                   rtol=1e-14)
    # exact rationals rounded once (SciPy's own values drift by ~1e-12)
    np.testing.assert_array_equal(special.bernoulli(30), [float(mpmath.bernoulli(k)) for k in range(31)])
    np.testing.assert_allclose(special.bernoulli(30), sc.bernoulli(30), rtol=1e-11)
    with pytest.raises(NotImplementedError, match="exact"):
        special.factorial(3, exact=True)
    with pytest.raises(ValueError, match="dimension"):
        special.multigammaln(3.0, 0)


def test_entropy_and_boxcox_composites_match_scipy(device):
    rng = np.random.default_rng(106)
    p = np.array([[0.0], [0.5], [1.0], [-1.0], [np.inf]])
    q = np.array([0.0, 0.25, 1.0, -1.0, np.inf])
    pd_, qd = fgrad.device_put((p, q), device)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(host(special.rel_entr(pd_, qd)), sc.rel_entr(p, q), rtol=1e-15)
        np.testing.assert_allclose(host(special.kl_div(pd_, qd)), sc.kl_div(p, q), rtol=1e-15)
    x, lm = _log_uniform(rng, -3, 2, 200), rng.uniform(-2, 2, 200)
    lm[:5] = 0.0
    np.testing.assert_allclose(special.boxcox(x, lm), sc.boxcox(x, lm), rtol=1e-13)
    np.testing.assert_allclose(special.boxcox1p(x, lm), sc.boxcox1p(x, lm), rtol=1e-13)


# (function, args, argnums differentiated, tolerance): derivatives against JAX, first and second order
JAX_CASES = [
    ("gammainc", (np.array([0.7, 1.5, 3.0, 6.0]), np.array([0.4, 2.0, 2.5, 9.0])), (0, 1), 1e-9),
    ("gammaincc", (np.array([0.7, 1.5, 3.0, 6.0]), np.array([0.4, 2.0, 2.5, 9.0])), (0, 1), 1e-9),
    ("betainc", (2.5, 1.5, np.array([0.1, 0.4, 0.7, 0.95])), (2,), 1e-9),
    ("i0e", (np.array([-3.0, -0.4, 0.7, 30.0]),), (0,), 1e-12),
    ("i1e", (np.array([-3.0, -0.4, 0.7, 30.0]),), (0,), 1e-12),
    ("i0", (np.array([-3.0, -0.4, 0.7, 5.0]),), (0,), 1e-12),
    ("i1", (np.array([-3.0, -0.4, 0.7, 5.0]),), (0,), 1e-12),
    ("zeta", (3.0, np.array([0.5, 1.5, 4.0, 20.0])), (1,), 1e-12),
    ("exp1", (np.array([0.3, 1.0, 2.5, 7.0]),), (0,), 1e-12),
    ("expi", (np.array([-3.0, -0.5, 0.8, 4.0]),), (0,), 1e-12),
    ("expn", (2, np.array([0.3, 1.0, 2.5, 7.0])), (1,), 1e-12),
    ("gamma", (np.array([-1.5, 0.3, 2.5, 6.0]),), (0,), 1e-12),
    ("spence", (np.array([0.2, 0.5, 0.7, 0.9]),), (0,), 1e-12),
    ("sici[0]", (np.array([-3.0, 0.5, 1.7, 25.0]),), (0,), 1e-12),
    ("sici[1]", (np.array([0.3, 0.5, 1.7, 25.0]),), (0,), 1e-12),  # (JAX's derivative is nan beyond 1)
    ("hyp1f1", (1.5, 2.5, np.array([-6.0, -0.5, 0.7, 4.0])), (2,), 1e-11),
    ("beta", (np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.7, 2.0])), (0, 1), 1e-12),
    ("betaln", (np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.7, 2.0])), (0, 1), 1e-12),
    ("poch", (np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.7, 2.0])), (0, 1), 1e-12),
    ("factorial", (np.array([0.5, 2.0, 3.5]),), (0,), 1e-12),
    ("comb", (np.array([5.5, 7.0, 9.0]), np.array([2.0, 3.5, 1.0])), (0, 1), 1e-12),
    ("rel_entr", (np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.7, 2.0])), (0, 1), 1e-12),
    ("kl_div", (np.array([0.5, 2.0, 3.5]), np.array([1.5, 0.7, 2.0])), (0, 1), 1e-12),
    ("boxcox", (np.array([0.5, 2.0, 3.5]), np.array([1.5, -0.7, 2.0])), (0, 1), 1e-12),
    ("boxcox1p", (np.array([0.5, 2.0, 3.5]), np.array([1.5, -0.7, 2.0])), (0, 1), 1e-12),
]


@pytest.mark.parametrize("name, args, argnums, tol", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_new_functions_match_jax_to_second_order(name, args, argnums, tol):
    if name.startswith("sici"):  # one component at a time
        k = int(name[-2])
        f, jf = (lambda v: special.sici(v)[k]), (lambda v: jsp.sici(v)[k])
    else:
        f, jf = getattr(special, name), getattr(jsp, name)
    assert_agree(f(*args), jf(*args), rtol=max(tol, 1e-12))
    for i in argnums:
        total = lambda *a: fnp.sum(f(*a))  # noqa: E731
        jtotal = lambda *a: jnp.sum(jf(*a))  # noqa: E731
        assert_agree(fgrad.grad(total, argnums=i)(*args), jax.grad(jtotal, argnums=i)(*args), rtol=tol, atol=1e-13)
        t = np.ones_like(args[i])
        pick = lambda v: args[:i] + (v,) + args[i + 1:]  # noqa: E731
        assert_agree(fgrad.jvp(lambda v: f(*pick(v)), (args[i],), (t,))[1],
                     jax.jvp(lambda v: jf(*pick(v)), (args[i],), (t,))[1], rtol=tol, atol=1e-13)
        if name in ("gammainc", "gammaincc") and i == 0:
            continue  # JAX has no rule past the first a-derivative (nor do we)
        if name in ("exp1", "expn", "spence"):  # JAX 0.10 fails on these second derivatives: finite differences
            check_grads(lambda v: f(*pick(v)), (args[i],), order=2, rtol=1e-6, atol=1e-9)
            continue
        d2 = fgrad.grad(lambda *a: fnp.sum(fgrad.grad(total, argnums=i)(*a)), argnums=i)(*args)
        jd2 = jax.grad(lambda *a: jnp.sum(jax.grad(jtotal, argnums=i)(*a)), argnums=i)(*args)
        assert_agree(d2, jd2, rtol=10 * tol, atol=1e-12)


def test_derivatives_jax_does_not_have_are_refused():
    with pytest.raises(NotImplementedError, match="betainc.*a"):
        fgrad.grad(special.betainc)(2.0, 3.0, 0.5)
    with pytest.raises(NotImplementedError, match="zeta"):
        fgrad.grad(special.zeta)(2.0, 3.0)
    with pytest.raises(NotImplementedError, match="hyp1f1"):
        fgrad.grad(special.hyp1f1)(1.0, 2.0, 0.5)
    gaa = fgrad.grad(fgrad.grad(special.gammainc))
    with pytest.raises(NotImplementedError, match="gammainc"):
        gaa(2.0, 1.0)


def test_special_point_derivatives_are_finite():
    assert fgrad.grad(special.i1e)(0.0) == 0.5
    assert fgrad.grad(lambda v: special.sici(v)[0])(0.0) == 1.0
    assert fgrad.grad(special.spence)(1.0) == -1.0  # JAX 0.10 gives 0 here, and nan beyond 1
    check_grads(special.spence, (np.array([1.5, 4.0, 30.0]),), order=2)
    assert fgrad.grad(special.gammainc, argnums=1)(1.0, 0.0) == 1.0  # density of Exp(1) at 0
    assert fgrad.grad(special.gammainc, argnums=1)(2.0, 0.0) == 0.0
    assert fgrad.grad(special.expn, argnums=1)(0, 1.0) == pytest.approx(-2 * math.exp(-1.0), rel=1e-15)


NEW_FLOAT_FNS = [special.i0e, special.i1e, special.i0, special.i1, special.exp1, special.expi, special.gamma]


@pytest.mark.parametrize("fn", NEW_FLOAT_FNS, ids=lambda f: f.__name__)
def test_new_functions_keep_float32(fn):
    x = np.float32([0.1, 0.25, 0.5, 0.75, 1.5])
    out = fn(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, getattr(sc, fn.__name__)(x.astype(np.float64)), rtol=2e-6)
    assert fgrad.vjp(fn, x)[1](np.ones_like(out))[0].dtype == np.float32
    assert special.gammainc(np.float32(2.0), x).dtype == np.float32
    assert special.betainc(2.0, 3.0, x / 2).dtype == np.float32


# ------------------------------------------------------------------ wofz, dawsn, fresnel, owens_t, bessel_jn,
# hyp2f1, sph_harm_y: values against SciPy, derivatives against JAX (or, where JAX's take 15-45 s to compile or
# are wrong, against SciPy identities and finite differences)

def _jax_derivatives(lib, xp, f, args, tangents):
    """Value, reverse and forward first derivatives, forward-over-reverse and reverse-over-forward second ones."""
    n = tuple(range(len(args)))
    s = lambda *xs: xp.sum(xp.sin(xp.real(f(*xs))))  # noqa: E731
    fwd = lambda *xs: xp.sum(xp.sin(xp.real(lib.jvp(f, xs, tangents)[1])))  # noqa: E731
    return [f(*args), lib.grad(s, n)(*args), lib.jvp(f, args, tangents)[1],
            lib.jvp(lib.grad(s, n), args, tangents)[1], lib.grad(fwd, n)(*args)]


def _agree_to_second_order(f, jf, args, rtol=1e-10, atol=1e-12):
    """One jitted JAX function (one compilation) against fgrad's five results."""
    rng = np.random.default_rng(0)
    tangents = tuple((rng.standard_normal(np.shape(a)) + (1j * rng.standard_normal(np.shape(a))
                                                           if np.iscomplexobj(a) else 0)).astype(np.asarray(a).dtype)
                     for a in args)
    got = _jax_derivatives(fgrad, fnp, f, args, tangents)
    want = jax.jit(lambda *a: _jax_derivatives(jax, jnp, jf, a, tangents))(*args)
    for i, (g, w) in enumerate(zip(got, want)):
        assert_agree(g, w, rtol * (10 if i > 2 else 1), atol * (10 if i > 2 else 1))


SECOND_ORDER_CASES = [
    ("dawsn", special.dawsn, jsp.dawsn, (np.array([-3.0, -0.4, 0.7, 2.5, 9.0]),)),
    # (the second derivatives of JAX's fresnel are 0 beyond |x| ~ 2.5: closed forms check those below)
    ("fresnel_s", lambda x: special.fresnel(x)[0], lambda x: jsp.fresnel(x)[0], (np.array([-2.2, -0.4, 0.7, 1.9]),)),
    ("fresnel_c", lambda x: special.fresnel(x)[1], lambda x: jsp.fresnel(x)[1], (np.array([-2.2, -0.4, 0.7, 1.9]),)),
    ("wofz", special.wofz, jsp.wofz, (np.array([0.5 + 0.5j, 3 - 2j, -1 + 0.1j, 9 + 1j, 1.5 - 1.2j]),)),
    ("wofz_real", special.wofz, jsp.wofz, (np.array([-3.0, 0.4, 2.0, 10.0]),)),
    ("owens_t", special.owens_t, jsp.owens_t, (np.array([-2.0, 0.3, 1.5, 4.0]), np.array([0.5, -0.8, 2.5, 0.2]))),
    ("bessel_jn", lambda z: special.bessel_jn(z, v=3, n_iter=25), lambda z: jsp.bessel_jn(z, v=3, n_iter=25),
     (np.array([-3.0, 0.4, 1.7, 8.0]),)),
]


@pytest.mark.parametrize("name, f, jf, args", SECOND_ORDER_CASES, ids=[c[0] for c in SECOND_ORDER_CASES])
def test_more_functions_match_jax_to_second_order_in_both_modes(name, f, jf, args):
    _agree_to_second_order(f, jf, args)


def test_wofz_dawsn_fresnel_match_scipy(device):
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.uniform(-12, 12, 3000) + 1j * rng.uniform(-5, 12, 3000), rng.uniform(-12, 12, 300) + 0j,
                        [0j, 8 + 0j, -6 + 6j, 1e-3j]])
    w = run(special.wofz, z, device)
    assert w.dtype == np.complex128
    np.testing.assert_allclose(w, sc.wofz(z), rtol=5e-14, atol=0)
    x = np.concatenate([np.linspace(-30, 30, 6001), [0.0, 1e-300, 1e-8, -0.5, 0.5, 1.6, 1e5, np.inf, -np.inf]])
    assert rel_err(run(special.dawsn, x, device), sc.dawsn(x)) < 1e-14
    for got, want in zip(special.fresnel(fgrad.device_put(x, device)), sc.fresnel(x)):
        assert rel_err(host(got), want) < 5e-15
    assert np.isnan(host(special.dawsn(np.array([np.nan])))).all()


def test_wofz_is_holomorphic_and_real_inputs_give_complex(device):
    z = np.array([0.5 + 0.5j, 3 - 2j, -1 + 0.1j, 9 + 1j])
    want = -2 * z * sc.wofz(z) + 2j / math.sqrt(math.pi)
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum(special.wofz(v)), holomorphic=True)(z), want,
                               rtol=1e-13)
    with pytest.raises(TypeError):
        fgrad.grad(special.wofz)(0.5 + 0.5j)  # a complex output needs holomorphic=True, as in JAX
    x32 = np.float32([0.0, 1.0])
    assert special.wofz(x32).dtype == np.complex64 and special.wofz(np.int64(1)).dtype == np.complex128
    assert special.dawsn(x32).dtype == np.float32
    assert [v.dtype for v in special.fresnel(x32)] == [np.float32, np.float32]


def test_fresnel_second_derivatives_are_the_closed_forms():
    x = np.array([-9.0, -3.0, 0.0, 0.7, 2.5, 9.0])
    for k, want in ((0, math.pi * x * np.cos(math.pi * x * x / 2)), (1, -math.pi * x * np.sin(math.pi * x * x / 2))):
        d2 = fgrad.grad(lambda v: fnp.sum(fgrad.grad(lambda u: fnp.sum(special.fresnel(u)[k]))(v)))(x)
        np.testing.assert_allclose(d2, want, rtol=1e-12, atol=1e-12)


def test_owens_t_matches_scipy(device):
    rng = np.random.default_rng(6)
    h = np.concatenate([rng.uniform(-12, 12, 2000), [0.0, 0.0, 40.0, 1e-8, 3.0]])
    a = np.concatenate([rng.uniform(-5, 5, 2000) * np.exp(rng.uniform(-3, 3, 2000)), [0.0, 1.0, 0.5, 1e6, -1.0]])
    got = host(special.owens_t(fgrad.device_put(h, device), fgrad.device_put(a, device)))
    np.testing.assert_allclose(got, sc.owens_t(h, a), rtol=2e-13, atol=1e-300)
    assert special.owens_t(np.float32(1.0), np.float32(0.5)).dtype == np.float32
    # derivatives in closed form: dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2)),
    # dT/dh = -phi(h) erf(a h / sqrt 2) / 2
    hh, aa = h[:50], a[:50]
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum(special.owens_t(hh, v)))(aa),
                               np.exp(-hh**2 * (1 + aa**2) / 2) / (2 * math.pi * (1 + aa**2)), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(fgrad.grad(lambda v: fnp.sum(special.owens_t(v, aa)))(hh),
                               -np.exp(-hh**2 / 2) / math.sqrt(2 * math.pi) * sc.erf(aa * hh / math.sqrt(2)) / 2,
                               rtol=1e-12, atol=1e-16)


def test_bessel_jn_matches_scipy_with_jax_shape_and_errors(device):
    z = np.concatenate([np.linspace(-20, 20, 801), [0.0]])
    got = host(special.bessel_jn(fgrad.device_put(z, device), v=5))
    assert got.shape == (6, z.size)
    np.testing.assert_allclose(got, np.stack([sc.jv(k, z) for k in range(6)]), rtol=0, atol=5e-14)
    assert special.bessel_jn(np.float32([1.0, 2.0]), v=2).dtype == np.float32
    assert special.bessel_jn(np.array([1, 2]), v=2).dtype == np.float64
    with pytest.raises(TypeError, match="v"):
        special.bessel_jn(np.ones(2), v=1.5)
    # under jit and vmap, as any composite
    np.testing.assert_allclose(fgrad.jit(lambda v: special.bessel_jn(v, v=2))(z[:5]), got[:3, :5], atol=5e-14)
    np.testing.assert_allclose(fgrad.vmap(lambda v: special.bessel_jn(v, v=2))(z[:5]), got[:3, :5].T, atol=5e-14)


def test_hyp2f1_matches_scipy(device):
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.1, 3, 1000), rng.uniform(0.1, 3, 1000)
    c, x = rng.uniform(0.2, 4, 1000), rng.uniform(-5, 1, 1000)
    # special points: terminating series, integer c - a - b near x = 1 (the limit), Gauss's sum at 1
    a[:7], b[:7], c[:7], x[:7] = ([-2, 1, 0.5, 1.5, 1, 2, 0.5], [0.7, 1, 0.5, 0.5, 1, 1, 1], [1.3, 2, 1, 3, 2, 3, 1.5],
                                  [0.95, 0.5, 0.999, 1, 0.95, -30, 0.97])
    put = lambda v: fgrad.device_put(v, device)  # noqa: E731
    got = host(special.hyp2f1(put(a), put(b), put(c), put(x)))
    np.testing.assert_allclose(got, sc.hyp2f1(a, b, c, x), rtol=5e-9)
    assert abs(float(special.hyp2f1(1.0, 1.0, 2.0, -0.5)) - math.log(1.5) / 0.5) < 1e-15


def test_hyp2f1_derivatives_match_scipy_identities_and_differences():
    # (JAX's derivatives of hyp2f1 take 15-45 s to compile; its first derivatives agree to 1e-14 off-line)
    a, b, c = np.array([0.5, 1.2, 2.0]), np.array([0.7, 0.3, 1.5]), np.array([1.3, 2.5, 3.7])
    x = np.array([0.3, 0.6, -0.8])
    dx = fgrad.grad(lambda v: fnp.sum(special.hyp2f1(a, b, c, v)))(x)
    np.testing.assert_allclose(dx, a * b / c * sc.hyp2f1(a + 1, b + 1, c + 1, x), rtol=1e-13)
    d2x = fgrad.jvp(lambda v: fgrad.grad(lambda u: fnp.sum(special.hyp2f1(a, b, c, u)))(v), (x,), (np.ones(3),))[1]
    np.testing.assert_allclose(d2x, a * (a + 1) * b * (b + 1) / (c * (c + 1)) * sc.hyp2f1(a + 2, b + 2, c + 2, x),
                               rtol=1e-12)
    eps = 1e-5
    for i in range(3):
        args = [a, b, c, x]
        got = fgrad.grad(lambda v: fnp.sum(special.hyp2f1(*args[:i], v, *args[i + 1:])))(args[i])
        up, down = list(args), list(args)
        up[i], down[i] = args[i] + eps, args[i] - eps
        np.testing.assert_allclose(got, (sc.hyp2f1(*up) - sc.hyp2f1(*down)) / (2 * eps), rtol=1e-8)
    check_grads(lambda u, v: special.hyp2f1(u, v, c, x), (a, b), order=2, rtol=1e-6, atol=1e-8)


def test_sph_harm_y_matches_scipy_and_its_derivative_identities(device):
    rng = np.random.default_rng(8)
    n = rng.integers(0, 8, 400)
    m = np.clip(rng.integers(-8, 9, 400), -n, n)
    theta, phi = rng.uniform(0, np.pi, 400), rng.uniform(0, 2 * np.pi, 400)
    put = lambda v: fgrad.device_put(v, device)  # noqa: E731
    got = host(special.sph_harm_y(put(n), put(m), put(theta), put(phi)))
    np.testing.assert_allclose(got, sc.sph_harm_y(n, m, theta, phi), rtol=0, atol=1e-14)
    # JAX's n_max clips the degree
    clipped = special.sph_harm_y(np.array([5]), np.array([1]), np.array([0.4]), np.array([0.2]), n_max=3)
    np.testing.assert_allclose(clipped, sc.sph_harm_y(3, 1, 0.4, 0.2)[None], atol=1e-15)
    with pytest.raises(NotImplementedError):
        special.sph_harm_y(n, m, theta, phi, diff_n=1)
    # d/dphi = i m Y; d/dtheta = m cot(theta) Y + sqrt((n - m)(n + m + 1)) exp(-i phi) Y_n^(m+1)
    n, m, th, ph = n[:20], m[:20], theta[:20], phi[:20]
    y = sc.sph_harm_y(n, m, th, ph)
    up = np.where(m < n, sc.sph_harm_y(n, np.minimum(m + 1, n), th, ph), 0)
    d_theta = m / np.tan(th) * y + np.sqrt((n - m) * (n + m + 1.0)) * np.exp(-1j * ph) * up
    ones = np.ones(20)
    np.testing.assert_allclose(fgrad.jvp(lambda t: special.sph_harm_y(n, m, t, ph), (th,), (ones,))[1], d_theta,
                               rtol=0, atol=1e-13)
    np.testing.assert_allclose(fgrad.jvp(lambda p: special.sph_harm_y(n, m, th, p), (ph,), (ones,))[1], 1j * m * y,
                               rtol=0, atol=1e-13)
    real = lambda t, p: fnp.real(special.sph_harm_y(n, m, t, p))  # noqa: E731
    np.testing.assert_allclose(fgrad.grad(lambda t: fnp.sum(real(t, ph)))(th), d_theta.real, rtol=0, atol=1e-13)
    check_grads(real, (th, ph), order=2, rtol=1e-6, atol=1e-8)
