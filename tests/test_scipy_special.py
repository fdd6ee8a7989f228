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
