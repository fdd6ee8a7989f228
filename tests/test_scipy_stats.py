"""fgrad.scipy.stats: values against scipy.stats, derivatives (first and second order, both modes),
dtypes and shapes against jax.scipy.stats (x64), on every device."""
import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as sst

import fgrad
import fgrad.numpy as fnp
from fgrad.scipy import stats
from fgrad.testing import check_grads

from helpers import host
from jax_support import assert_agree, jax

import jax.numpy as jnp  # noqa: E402  (after jax_support enabled x64)
import jax.scipy.stats as jst  # noqa: E402

RNG = np.random.default_rng(20261206)


def u(lo, hi, n=6):
    return RNG.uniform(lo, hi, n)


X = np.array([-2.5, -1.0, -0.3, 0.4, 1.2, 3.0])
POS = np.array([0.05, 0.3, 0.9, 1.7, 2.6, 4.0])
UNIT = np.array([0.02, 0.15, 0.4, 0.55, 0.8, 0.97])
K = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 8.0])
LOC, SCALE = 0.3, 1.7

# (distribution, method, args, argnums differentiated, relative tolerance of the values against SciPy)
CONTINUOUS = [
    ("norm", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [("norm", m, (UNIT, LOC, SCALE), (0, 1, 2)) for m in ("ppf", "isf")] + [
    ("expon", m, (POS, 0.02, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [("expon", "ppf", (UNIT, LOC, SCALE), (0, 1, 2))] + [
    ("laplace", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf")
] + [("logistic", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "sf")] + [
    ("logistic", m, (UNIT, LOC, SCALE), (0, 1, 2)) for m in ("ppf", "isf")
] + [("cauchy", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")] + [
    ("cauchy", m, (UNIT, LOC, SCALE), (0, 1, 2)) for m in ("ppf", "isf")
] + [("uniform", m, (X, -1.5, 3.2), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf")] + [
    ("uniform", "ppf", (UNIT, LOC, SCALE), (0, 1, 2))
] + [("gumbel_r", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")] + [
    ("gumbel_l", m, (X, LOC, SCALE), (0, 1, 2)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [(d, "ppf", (UNIT, LOC, SCALE), (0, 1, 2)) for d in ("gumbel_r", "gumbel_l")] + [
    ("pareto", m, (POS + 1.2, 2.5, 0.1, 1.1), (0, 1, 2, 3)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [("pareto", "ppf", (UNIT, 2.5, LOC, SCALE), (0, 1, 2, 3))] + [
    ("t", m, (X, u(0.5, 9.0), LOC, SCALE), (0, 1, 2, 3)) for m in ("logpdf", "pdf")
] + [("gamma", m, (POS, u(0.6, 4.0), 0.01, SCALE), (0, 1, 2, 3)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf",
                                                                           "logsf")] + [
    ("chi2", m, (POS, u(0.6, 6.0), 0.01, SCALE), (0, 1, 2, 3)) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf",
                                                                      "logsf")
] + [("beta", m, (UNIT, u(0.6, 4.0), u(0.6, 4.0), 0.0, 1.0), (0, 3, 4)) for m in ("cdf", "logcdf", "sf", "logsf")] + [
    ("beta", m, (UNIT * 2.0 - 0.5, u(0.6, 4.0), u(0.6, 4.0), -0.5, 2.0), (0, 1, 2, 3, 4)) for m in ("logpdf", "pdf")
] + [("truncnorm", m, (np.linspace(-1.6, 3.5, 6), -1.2, 2.0, LOC, SCALE), (0, 1, 2, 3, 4))
     for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")] + [
    ("truncnorm", m, (0.5 + 1.2 * np.linspace(4.1, 8.8, 6), 4.0, 9.0, 0.5, 1.2), (0, 1, 2, 3, 4))
    for m in ("logpdf", "logcdf", "logsf")
] + [("vonmises", m, (X, u(0.2, 5.0)), (0, 1)) for m in ("logpdf", "pdf")] + [
    ("wrapcauchy", m, (POS, u(0.05, 0.9)), (0, 1)) for m in ("logpdf", "pdf")
] + [("gennorm", m, (X, u(0.7, 3.0)), (0, 1)) for m in ("logpdf", "pdf", "cdf")]

DISCRETE = [
    ("poisson", m, (K, u(0.3, 6.0), 0.0), (1,)) for m in ("logpmf", "pmf", "cdf")
] + [("binom", m, (K, 8.0, UNIT), (2,)) for m in ("logpmf", "pmf")] + [
    ("nbinom", m, (K, u(0.5, 5.0), UNIT), (1, 2)) for m in ("logpmf", "pmf")
] + [("geom", m, (K + 1.0, UNIT), (1,)) for m in ("logpmf", "pmf")] + [
    ("bernoulli", m, (np.array([0.0, 1.0, 1.0, 0.0, 2.0, -1.0]), UNIT), (1,)) for m in ("logpmf", "pmf")
] + [("bernoulli", "cdf", (np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 0.0]), UNIT), (1,)),
     ("bernoulli", "ppf", (UNIT, np.array([0.1, 0.5, 0.3, 0.9, 0.2, 0.6])), ())] + [
    ("betabinom", m, (K, 8.0, u(0.5, 4.0), u(0.5, 4.0)), (2, 3)) for m in ("logpmf", "pmf")
]

CASES = CONTINUOUS + DISCRETE
IDS = [f"{d}.{m}-{i}" for i, (d, m, _, _) in enumerate(CASES)]
LOOSE = {"gamma", "chi2", "beta", "gennorm", "poisson", "truncnorm"}  # series / continued fractions inside


def ours(dist, method):
    return getattr(getattr(stats, dist), method)


def jax_fn(dist, method):
    return getattr(getattr(jst, dist), method)


@pytest.mark.parametrize("dist, method, args, argnums", CASES, ids=IDS)
def test_values_match_scipy(dist, method, args, argnums):
    with np.errstate(all="ignore"):
        want = getattr(getattr(sst, dist), method)(*args)
    got = ours(dist, method)(*args)
    rtol = 1e-11 if dist in LOOSE else 1e-13
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)


def _total(fn):
    return lambda *a: fnp.sum(fn(*a))


def _jtotal(fn):
    return lambda *a: jnp.sum(fn(*a))


DIFF_CASES = [c for c in CASES if c[3]]
DIFF_IDS = [i for c, i in zip(CASES, IDS) if c[3]]


def _as_arrays(args):
    return tuple(np.asarray(a, np.float64) for a in args)


def _tol(dist):
    # JAX's gammainc a-derivative and its incomplete-beta kernel agree with ours to ~1e-9; its betaln
    # (inside betabinom) is good to ~1e-7 only (ours matches SciPy to 1e-13, see above)
    if dist == "betabinom":
        return dict(rtol=2e-6, atol=1e-9)
    return dict(rtol=1e-8, atol=1e-11) if dist in LOOSE else dict(rtol=1e-10, atol=1e-12)


# JAX 0.10 cannot differentiate gumbel_r/gumbel_l in scale (float0 inside its xlogy rule), gives nan
# for truncnorm's derivatives in a and b, and its betaln-based betabinom derivatives are off by ~1e-5:
# finite differences are the oracle for these.
FD_ORACLE = {"gumbel_r", "gumbel_l", "truncnorm", "betabinom"}


def _partial(f, args, argnums):
    """``f`` as a function of the arguments in ``argnums`` only, the others fixed."""
    def g(*diff):
        full = list(args)
        for i, v in zip(argnums, diff):
            full[i] = v
        return f(*full)
    return g, tuple(args[i] for i in argnums)


@pytest.mark.parametrize("dist, method, args, argnums", CASES, ids=IDS)
def test_values_dtypes_shapes_and_first_derivatives_match_jax_in_both_modes(dist, method, args, argnums):
    f, jf = ours(dist, method), jax_fn(dist, method)
    assert_agree(f(*args), jf(*args), **_tol(dist))
    if not argnums:
        return
    args = _as_arrays(args)
    g, diff = _partial(f, args, argnums)
    if dist in FD_ORACLE:
        check_grads(g, diff, order=1, rtol=1e-6, atol=1e-8)
        return
    got = fgrad.grad(_total(f), argnums=argnums)(*args)
    want = jax.grad(_jtotal(jf), argnums=argnums)(*args)
    assert_agree(got, want, **_tol(dist))
    jg, _ = _partial(jf, args, argnums)
    tangents = tuple(RNG.standard_normal(np.shape(a)) for a in diff)
    assert_agree(fgrad.jvp(g, diff, tangents)[1], jax.jvp(jg, diff, tangents)[1], **_tol(dist))


def _second_cases():
    """One log-density per distribution, and the CDFs and quantiles built on kernels with their own rules."""
    seen, out = set(), []
    for c in DIFF_CASES:
        key = (c[0], c[1] in ("logpdf", "logpmf"))
        if (c[1] in ("logpdf", "logpmf") and key not in seen) or c[:2] in (("norm", "ppf"), ("gamma", "cdf"),
                                                                            ("beta", "cdf"), ("norm", "logcdf")):
            seen.add(key)
            out.append(c)
    return out


SECOND = _second_cases()


@pytest.mark.parametrize("dist, method, args, argnums", SECOND, ids=[f"{c[0]}.{c[1]}" for c in SECOND])
def test_second_derivatives_match_jax(dist, method, args, argnums):
    args = _as_arrays(args)
    f, jf = ours(dist, method), jax_fn(dist, method)
    i = argnums[0]
    if dist in FD_ORACLE:
        g, diff = _partial(f, args, argnums)
        check_grads(g, diff, order=2, rtol=1e-5, atol=1e-7)
        return
    rev = fgrad.grad(lambda *a: fnp.sum(fgrad.grad(_total(f), argnums=i)(*a)), argnums=i)(*args)
    jrev = jax.grad(lambda *a: jnp.sum(jax.grad(_jtotal(jf), argnums=i)(*a)), argnums=i)(*args)
    assert_agree(rev, jrev, **_tol(dist))
    t = RNG.standard_normal(np.shape(args[i]))
    fwd = fgrad.jvp(lambda a: fgrad.grad(_total(f), argnums=i)(*args[:i], a, *args[i + 1:]), (args[i],), (t,))[1]
    jfwd = jax.jvp(lambda a: jax.grad(_jtotal(jf), argnums=i)(*args[:i], a, *args[i + 1:]), (args[i],), (t,))[1]
    assert_agree(fwd, jfwd, **_tol(dist))


def test_mixed_second_derivative_of_gamma_cdf_in_shape_and_x():
    # d/da of the density: pdf * (log x - digamma(a)); JAX has no rule past the first a-derivative
    a, x = 2.3, 1.7
    want = sst.gamma.pdf(x, a) * (np.log(x) - sc.digamma(a))
    assert fgrad.grad(fgrad.grad(stats.gamma.cdf, argnums=1), argnums=0)(x, a) == pytest.approx(want, rel=1e-12)
    assert fgrad.grad(fgrad.grad(stats.gamma.cdf, argnums=0), argnums=1)(x, a) == pytest.approx(want, rel=1e-12)
    with pytest.raises(NotImplementedError, match="gammainc"):
        fgrad.grad(fgrad.grad(stats.gamma.cdf, argnums=1), argnums=1)(x, a)


# ------------------------------------------------------------------ multivariate

def _spd(d):
    m = RNG.standard_normal((d, d))
    return m @ m.T + d * np.eye(d)


def test_multivariate_normal_matches_scipy_and_jax():
    d = 3
    x, mean, cov = RNG.standard_normal((5, d)), RNG.standard_normal(d), _spd(d)
    for m in ("logpdf", "pdf"):
        got = getattr(stats.multivariate_normal, m)(x, mean, cov)
        np.testing.assert_allclose(got, getattr(sst.multivariate_normal, m)(x, mean, cov), rtol=1e-12)
        assert_agree(got, getattr(jst.multivariate_normal, m)(x, mean, cov))
    total = lambda *a: fnp.sum(stats.multivariate_normal.logpdf(*a))  # noqa: E731
    jtotal = lambda *a: jnp.sum(jst.multivariate_normal.logpdf(*a))  # noqa: E731
    assert_agree(fgrad.grad(total, argnums=(0, 1, 2))(x, mean, cov),
                 jax.grad(jtotal, argnums=(0, 1, 2))(x, mean, cov), rtol=1e-9)
    # second order, in the mean and along symmetric directions of cov (Cholesky reads one triangle)
    check_grads(lambda m, c: total(x, m, c + c.T), (mean, cov / 2), order=2, rtol=1e-5, atol=1e-7)
    # a single point, and a diagonal / isotropic covariance given as a vector / scalar
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x[0], mean, cov),
                               sst.multivariate_normal.logpdf(x[0], mean, cov), rtol=1e-12)
    var = np.array([0.5, 2.0, 1.5])
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x, mean, var),
                               sst.multivariate_normal.logpdf(x, mean, np.diag(var)), rtol=1e-12)
    np.testing.assert_allclose(stats.multivariate_normal.logpdf(x, mean, 2.0),
                               sst.multivariate_normal.logpdf(x, mean, 2.0), rtol=1e-12)


def test_dirichlet_matches_scipy_and_jax():
    alpha = np.array([0.7, 2.0, 3.5])
    x = RNG.dirichlet(alpha, size=4).T  # (K, N)
    for m in ("logpdf", "pdf"):
        got = getattr(stats.dirichlet, m)(x, alpha)
        np.testing.assert_allclose(got, getattr(sst.dirichlet, m)(x, alpha), rtol=1e-12)
        assert_agree(got, getattr(jst.dirichlet, m)(x, alpha))
    # K - 1 components: the last one is implied
    np.testing.assert_allclose(stats.dirichlet.logpdf(x[:-1], alpha), sst.dirichlet.logpdf(x, alpha), rtol=1e-12)
    total = lambda *a: fnp.sum(stats.dirichlet.logpdf(*a))  # noqa: E731
    jtotal = lambda *a: jnp.sum(jst.dirichlet.logpdf(*a))  # noqa: E731
    assert_agree(fgrad.grad(total, argnums=(0, 1))(x, alpha), jax.grad(jtotal, argnums=(0, 1))(x, alpha))
    assert stats.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha) == -np.inf
    with pytest.raises(ValueError, match="components"):
        stats.dirichlet.logpdf(np.ones((5, 2)) / 5, alpha)


def test_multinomial_matches_scipy_and_jax():
    p = np.array([0.2, 0.5, 0.3])
    x = np.array([[2.0, 3.0, 1.0], [0.0, 6.0, 0.0], [1.0, 1.0, 1.0]])
    for m in ("logpmf", "pmf"):
        got = getattr(stats.multinomial, m)(x, 6.0, p)
        np.testing.assert_allclose(got, getattr(sst.multinomial, m)(x, 6, p), rtol=1e-12)
    xi = x.astype(np.int64)  # JAX takes integer counts only
    for row in xi:
        assert_agree(stats.multinomial.logpmf(row, 6, p), jst.multinomial.logpmf(row, 6, p))
    # d/dp of sum_rows logpmf is sum_rows x / p (JAX's rule returns 0 here)
    total = lambda q: fnp.sum(stats.multinomial.logpmf(x, 6.0, q))  # noqa: E731
    np.testing.assert_allclose(fgrad.grad(total)(p), x[:2].sum(0) / p, rtol=1e-14)


def test_poisson_entropy_matches_scipy_and_its_derivative_jax():
    mu = np.array([0.0, 0.1, 1.0, 7.5, 40.0, 149.0, 151.0, 1e3])
    np.testing.assert_allclose(stats.poisson.entropy(mu), sst.poisson.entropy(mu), rtol=1e-9)
    # SciPy's own sum breaks down by 1e5 (it returns 3.58); the expansion's leading terms are exact there
    big = 1e5
    assert stats.poisson.entropy(big) == pytest.approx(0.5 * np.log(2 * np.pi * np.e * big) - 1 / (12 * big),
                                                       rel=1e-12)
    # JAX's entropy derivative is off by ~1e-5 (checked with mpmath), so finite differences decide
    check_grads(stats.poisson.entropy, (mu[1:6],), order=1, rtol=1e-6, atol=1e-9)
    check_grads(stats.poisson.entropy, (np.array([300.0, 2e3]),), order=1, rtol=1e-6, atol=1e-9)


def test_sem_matches_scipy():
    a = RNG.standard_normal((4, 5))
    for axis in (0, 1, None):
        np.testing.assert_allclose(stats.sem(a, axis=axis), sst.sem(a, axis=axis), rtol=1e-13)
        assert_agree(stats.sem(a, axis=axis), jst.sem(a, axis=axis))
    np.testing.assert_allclose(stats.sem(a, ddof=0, keepdims=True), sst.sem(a, ddof=0, keepdims=True), rtol=1e-13)
    b = a.copy()
    b[1, 2] = np.nan
    np.testing.assert_allclose(stats.sem(b, axis=1, nan_policy="omit"), sst.sem(b, axis=1, nan_policy="omit"),
                               rtol=1e-13)
    assert np.isnan(stats.sem(b, axis=1)[1])
    assert_agree(fgrad.grad(lambda v: fnp.sum(stats.sem(v)))(a), jax.grad(lambda v: jnp.sum(jst.sem(v)))(a))
    with pytest.raises(ValueError, match="nan_policy"):
        stats.sem(a, nan_policy="raise")


# ------------------------------------------------------------------ tails, dtypes, devices

def test_tails_keep_relative_accuracy():
    np.testing.assert_allclose(stats.norm.logcdf(-40.0), sst.norm.logcdf(-40.0), rtol=1e-14)
    np.testing.assert_allclose(stats.norm.logsf(40.0), sst.norm.logsf(40.0), rtol=1e-14)
    np.testing.assert_allclose(stats.norm.isf(1e-300), sst.norm.isf(1e-300), rtol=1e-14)
    np.testing.assert_allclose(stats.gamma.sf(80.0, 2.0), sst.gamma.sf(80.0, 2.0), rtol=1e-12)
    np.testing.assert_allclose(stats.truncnorm.logpdf(9.0, 8.0, 12.0), sst.truncnorm.logpdf(9.0, 8.0, 12.0),
                               rtol=1e-12)
    np.testing.assert_allclose(stats.logistic.logpdf(800.0), sst.logistic.logpdf(800.0), rtol=1e-14)
    np.testing.assert_allclose(stats.expon.cdf(1e-20), 1e-20, rtol=1e-14)


@pytest.mark.parametrize("dist, method, args", [("norm", "logpdf", (X,)), ("gamma", "cdf", (POS, 2.0)),
                                                ("beta", "logpdf", (UNIT, 2.0, 3.0)), ("t", "pdf", (X, 3.0)),
                                                ("poisson", "logpmf", (K, 2.0)), ("cauchy", "ppf", (UNIT,))])
def test_float32_stays_float32_as_in_jax(dist, method, args):
    args32 = tuple(np.float32(a) if np.ndim(a) else a for a in args)
    args32 = (np.asarray(args[0], np.float32),) + args[1:]
    assert_agree(ours(dist, method)(*args32), jax_fn(dist, method)(*args32))


def test_broadcasting_and_array_likes():
    out = stats.norm.logpdf([[0.0], [1.0]], loc=[0.0, 1.0, 2.0], scale=2)
    np.testing.assert_allclose(out, sst.norm.logpdf([[0.0], [1.0]], loc=[0.0, 1.0, 2.0], scale=2), rtol=1e-14)
    assert np.shape(out) == (2, 3)
    assert stats.binom.pmf(1, 2, 0.5) == pytest.approx(0.5, rel=1e-14)


DEVICE_CASES = [c for c in CASES if c[1] in ("logpdf", "logpmf", "cdf", "ppf")]


@pytest.mark.parametrize("dist, method, args, argnums", DEVICE_CASES, ids=[f"{c[0]}.{c[1]}" for c in DEVICE_CASES])
def test_runs_on_device(device, dist, method, args, argnums):
    dev_args = fgrad.device_put(_as_arrays(args), device)
    got = host(ours(dist, method)(*dev_args))
    np.testing.assert_allclose(got, ours(dist, method)(*_as_arrays(args)), rtol=1e-13, atol=1e-300)
    if argnums:
        g = fgrad.grad(_total(ours(dist, method)), argnums=argnums[-1])(*dev_args)
        np.testing.assert_allclose(host(g), fgrad.grad(_total(ours(dist, method)), argnums=argnums[-1])(
            *_as_arrays(args)), rtol=1e-12, atol=1e-300)


def test_lazy_import():
    import importlib
    import fgrad.scipy as fs
    assert fs.stats is importlib.import_module("fgrad.scipy.stats")
    assert fs.stats.norm.logpdf is stats.norm.logpdf


@pytest.mark.parametrize("method", ["average", "min", "max", "dense", "ordinal"])
def test_rankdata_matches_scipy_and_jax(device, method):
    a = RNG.integers(0, 4, (3, 7)).astype(np.float64)  # many ties
    for axis in (None, 0, 1, -1):
        got = stats.rankdata(fgrad.device_put(a, device), method, axis=axis)
        np.testing.assert_array_equal(host(got), sst.rankdata(a, method, axis=axis))
        assert_agree(host(got), jst.rankdata(a, method, axis=axis))
    b = a.copy()
    b[1, 2] = np.nan
    assert_agree(stats.rankdata(b, method, axis=1), jst.rankdata(b, method, axis=1))
    with pytest.raises(ValueError, match="method"):
        stats.rankdata(a, "first")


def test_mode_matches_scipy_and_jax(device):
    a = RNG.integers(0, 3, (5, 4))
    for axis, keepdims in [(0, False), (1, True), (None, False)]:
        got = stats.mode(fgrad.device_put(a, device), axis=axis, keepdims=keepdims)
        want = sst.mode(a, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(host(got.mode), want.mode)
        np.testing.assert_array_equal(host(got.count), want.count)
        j = jst.mode(a, axis=axis, keepdims=keepdims)
        assert_agree((host(got.mode), host(got.count)), (j.mode, j.count))
    res = stats.mode(np.array([1.0, np.nan, np.nan]))
    assert np.isnan(res.mode) and res.count == 2


def test_gaussian_kde_matches_scipy_and_jax():
    data = RNG.standard_normal((2, 30))
    w = RNG.uniform(0.5, 2.0, 30)
    pts = RNG.standard_normal((2, 7))
    for kw in (dict(), dict(bw_method="silverman"), dict(bw_method=0.4, weights=w)):
        ours_kde, ref, jref = stats.gaussian_kde(data, **kw), sst.gaussian_kde(data, **kw), jst.gaussian_kde(data, **kw)
        np.testing.assert_allclose(ours_kde.covariance, ref.covariance, rtol=1e-13)
        np.testing.assert_allclose(ours_kde.evaluate(pts), ref.evaluate(pts), rtol=1e-12)
        np.testing.assert_allclose(ours_kde.logpdf(pts), ref.logpdf(pts), rtol=1e-12)
        assert_agree(ours_kde(pts), jref(pts))
        np.testing.assert_allclose(ours_kde.integrate_gaussian(pts[:, 0], np.eye(2)),
                                   ref.integrate_gaussian(pts[:, 0], np.eye(2)), rtol=1e-12)
        other = stats.gaussian_kde(pts)
        np.testing.assert_allclose(ours_kde.integrate_kde(other), ref.integrate_kde(sst.gaussian_kde(pts)), rtol=1e-12)
    one = stats.gaussian_kde(data[0])
    np.testing.assert_allclose(one.integrate_box_1d(-0.5, 1.0), sst.gaussian_kde(data[0]).integrate_box_1d(-0.5, 1.0),
                               rtol=1e-12)
    # differentiable in the data and the evaluation points
    f = lambda d, p: fnp.sum(stats.gaussian_kde(d).logpdf(p))  # noqa: E731
    jf = lambda d, p: jnp.sum(jst.gaussian_kde(d).logpdf(p))  # noqa: E731
    assert_agree(fgrad.grad(f, argnums=(0, 1))(data, pts), jax.grad(jf, argnums=(0, 1))(data, pts), rtol=1e-9)
    draws = one.resample(fgrad.random.key(1), (4, 3))
    assert np.shape(draws) == (1, 4, 3)
    with pytest.raises(ValueError, match="bw_method"):
        stats.gaussian_kde(data, bw_method="nope")


def test_gaussian_kde_integrate_box_matches_scipy_exactly_in_one_and_two_dimensions():
    rng = np.random.default_rng(3)
    data, w = rng.standard_normal((2, 25)), rng.uniform(0.5, 2.0, 25)
    data[1] += 0.8 * data[0]  # correlated: the kernel's correlation is far from 0
    for kw in (dict(), dict(bw_method=0.5, weights=w)):
        ours, ref = stats.gaussian_kde(data, **kw), sst.gaussian_kde(data, **kw)
        boxes = [([-0.5, -1.0], [1.0, 0.3]), ([-np.inf, -np.inf], [0.0, 0.0]), ([0.0, -np.inf], [np.inf, np.inf]),
                 ([-np.inf, -np.inf], [np.inf, np.inf]), (list(data[:, 0]), list(data[:, 0] + 1.0))]
        for low, high in boxes:
            # SciPy's own is a Genz integration, accurate to its maxpts: given plenty, it agrees to 1e-12
            np.testing.assert_allclose(ours.integrate_box(low, high), ref.integrate_box(low, high, maxpts=10**7),
                                       rtol=1e-10, atol=1e-12)
    one, one_ref = stats.gaussian_kde(data[0]), sst.gaussian_kde(data[0])
    np.testing.assert_allclose(one.integrate_box(-0.5, 1.0), one_ref.integrate_box(-0.5, 1.0), rtol=1e-12)
    # differentiable in the bounds: d/dhigh of the 1-d mass is the density there
    np.testing.assert_allclose(fgrad.grad(lambda h: one.integrate_box(-0.5, h))(1.0), one_ref.evaluate(1.0)[0],
                               rtol=1e-12)
    with pytest.raises(NotImplementedError, match="dimensions"):
        stats.gaussian_kde(rng.standard_normal((3, 10))).integrate_box(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="bounds"):
        ours.integrate_box([0.0], [1.0])


def test_gaussian_kde_has_jax_attributes_and_is_a_pytree():
    rng = np.random.default_rng(4)
    data, pts = rng.standard_normal((2, 12)), rng.standard_normal((2, 3))
    ours, ref = stats.gaussian_kde(data), jst.gaussian_kde(data)
    for name in ("d", "n", "neff", "dataset", "weights", "covariance", "inv_cov"):
        assert_agree(getattr(ours, name), getattr(ref, name))
    for name in ("evaluate", "pdf", "logpdf", "integrate_box_1d", "integrate_gaussian", "integrate_kde", "resample",
                 "integrate_box", "set_bandwidth", "tree_flatten", "tree_unflatten", "__call__"):
        assert callable(getattr(ours, name)), name
    assert_agree(ours.tree_flatten()[0], ref.tree_flatten()[0])
    np.testing.assert_allclose(fgrad.jit(lambda k, p: k.evaluate(p))(ours, pts), ref.evaluate(pts), rtol=1e-12)
    grads = fgrad.grad(lambda k: fnp.sum(k.logpdf(pts)))(ours)
    want = jax.jit(jax.grad(lambda k: jnp.sum(k.logpdf(pts))))(ref)
    # (JAX's logpdf reads inv_cov, ours the covariance: the two parametrisations share dataset and weights)
    assert_agree(grads.tree_flatten()[0][1:3], want.tree_flatten()[0][1:3], rtol=1e-9)
