"""torch.distributions: values, dtypes, shapes and gradients against torch 2.13; sampling by contract.

Draws come from fgrad_nn's generator, so sampled values cannot equal torch's: samples are checked for shape,
dtype, support and moments (tolerances from the sample size), and reparameterised gradients against the
analytic derivative of the expectation.
"""
import math

import numpy as np
import pytest
import torch
from oracle import check, raises_same

import fgrad
import fgrad_nn

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def torch_validates_arguments():
    """Real torch's torch.compile (run by other tests in the session) turns off its distributions' argument
    checks globally; the oracle must check them, as it does by default."""
    before = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(True)
    yield
    torch.distributions.Distribution.set_default_validate_args(before)


def _pos(*shape, dtype="float64"):
    return (RNG.uniform(0.5, 3.0, shape)).astype(dtype)


def _real(*shape, dtype="float64"):
    return RNG.standard_normal(shape).astype(dtype)


def _unit(*shape, dtype="float64"):
    return RNG.uniform(0.1, 0.9, shape).astype(dtype)


def _simplex(*shape, dtype="float64"):
    p = RNG.uniform(0.1, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype(dtype)


def _spd(n, *batch, dtype="float64"):
    a = RNG.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def _tril(n, *batch, dtype="float64"):
    return np.linalg.cholesky(_spd(n, *batch)).astype(dtype)


# name -> (constructor from (lib, *params), params, a value in the support of matching batch shape)
FAMILIES = {
    "Normal": (lambda L, a, b: L.distributions.Normal(a, b), lambda d: (_real(3, 2, dtype=d), _pos(2, dtype=d)),
               lambda d: _real(3, 2, dtype=d)),
    "Laplace": (lambda L, a, b: L.distributions.Laplace(a, b), lambda d: (_real(3, 1, dtype=d), _pos(4, dtype=d)),
                lambda d: _real(3, 4, dtype=d)),
    "Exponential": (lambda L, r: L.distributions.Exponential(r), lambda d: (_pos(2, 3, dtype=d),),
                    lambda d: _pos(2, 3, dtype=d)),
    "Uniform": (lambda L, lo, w: L.distributions.Uniform(lo, lo + w),
                lambda d: (np.array([-1.0, 0.0, 0.5, -2.0], d), _pos(4, dtype=d)),
                lambda d: np.array([-0.75, 0.25, 0.75, -1.75], d)),
    "Gamma": (lambda L, c, r: L.distributions.Gamma(c, r), lambda d: (_pos(3, dtype=d), _pos(2, 3, dtype=d)),
              lambda d: _pos(2, 3, dtype=d)),
    "Beta": (lambda L, a, b: L.distributions.Beta(a, b), lambda d: (_pos(3, dtype=d), _pos(3, dtype=d)),
             lambda d: _unit(3, dtype=d)),
    "Dirichlet": (lambda L, c: L.distributions.Dirichlet(c), lambda d: (_pos(2, 4, dtype=d),),
                  lambda d: _simplex(2, 4, dtype=d)),
    "Bernoulli_probs": (lambda L, p: L.distributions.Bernoulli(probs=p), lambda d: (_unit(5, dtype=d),),
                        lambda d: np.array([0, 1, 1, 0, 1], d)),
    "Bernoulli_logits": (lambda L, x: L.distributions.Bernoulli(logits=x), lambda d: (_real(2, 5, dtype=d),),
                         lambda d: np.array([0, 1, 1, 0, 1], d)),
    "Categorical_probs": (lambda L, p: L.distributions.Categorical(probs=p), lambda d: (_simplex(3, 4, dtype=d),),
                          lambda d: np.array([0, 3, 1])),
    "Categorical_logits": (lambda L, x: L.distributions.Categorical(logits=x), lambda d: (_real(3, 4, dtype=d),),
                           lambda d: np.array([[2, 0, 1], [3, 3, 0]])),
    "OneHotCategorical": (lambda L, p: L.distributions.OneHotCategorical(probs=p),
                          lambda d: (_simplex(2, 3, dtype=d),), lambda d: np.eye(3, dtype=d)[[2, 0]]),
    "MVN_cov": (lambda L, m, c: L.distributions.MultivariateNormal(m, covariance_matrix=c),
                lambda d: (_real(2, 3, dtype=d), _spd(3, dtype=d)), lambda d: _real(4, 2, 3, dtype=d)),
    "MVN_prec": (lambda L, m, p: L.distributions.MultivariateNormal(m, precision_matrix=p),
                 lambda d: (_real(3, dtype=d), _spd(3, 2, dtype=d)), lambda d: _real(2, 3, dtype=d)),
    "MVN_tril": (lambda L, m, t: L.distributions.MultivariateNormal(m, scale_tril=t),
                 lambda d: (_real(3, dtype=d), _tril(3, 2, dtype=d)), lambda d: _real(3, dtype=d)),
    "Independent": (lambda L, a, b: L.distributions.Independent(L.distributions.Normal(a, b), 1),
                    lambda d: (_real(2, 3, dtype=d), _pos(3, dtype=d)), lambda d: _real(2, 3, dtype=d)),
}
STATS = ["mean", "variance", "stddev", "mode"]
HAS_CDF = {"Normal", "Laplace", "Exponential", "Uniform", "Gamma"}
HAS_ICDF = {"Normal", "Laplace", "Exponential", "Uniform"}


def _tol(dtype):
    return 1e-9 if dtype == "float64" else 2e-5


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_prob_entropy_moments_match_torch(name, dtype):
    make, params, value = FAMILIES[name]
    ps, v = params(dtype), value(dtype)

    def fn(L, *ts):
        d = make(L, *ts)
        out = [d.log_prob(L.tensor(v)), d.entropy()]
        out += [getattr(d, s) for s in STATS if not (name.startswith("Categorical") and s in ("mean", "variance"))]
        return tuple(out)

    check(fn, *ps, rtol=_tol(dtype))


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_shapes_and_properties_match_torch(name):
    make, params, value = FAMILIES[name]
    ps = params("float64")
    dt, df = (make(L, *[L.tensor(p) for p in ps]) for L in (torch, fgrad_nn))
    assert tuple(dt.batch_shape) == tuple(df.batch_shape) and tuple(dt.event_shape) == tuple(df.event_shape)
    assert dt.has_rsample == df.has_rsample and dt.has_enumerate_support == df.has_enumerate_support
    assert repr(dt.support) == repr(df.support)
    assert {k: repr(c) for k, c in dt.arg_constraints.items()} == {k: repr(c) for k, c in df.arg_constraints.items()}
    assert repr(dt) == repr(df)
    for shape in [(), (5,), (2, 3)]:
        st, sf = dt.sample(shape), df.sample(shape)
        assert tuple(st.shape) == tuple(sf.shape) and str(st.dtype) == "torch." + str(sf.dtype).split(".")[-1]
        assert not sf.requires_grad
        assert bool(df.support.check(sf).all())
        assert tuple(df.log_prob(sf).shape) == tuple(dt.log_prob(st).shape)
    big = tuple(dt.batch_shape) and (4,) + tuple(dt.batch_shape)
    if big:
        et, ef = dt.expand(big), df.expand(big)
        assert tuple(ef.batch_shape) == big and tuple(ef.sample().shape) == tuple(et.sample().shape)
        np.testing.assert_allclose(np.asarray(ef.entropy().detach()), et.entropy().detach().numpy(), rtol=1e-9)


@pytest.mark.parametrize("name", sorted(HAS_CDF))
def test_cdf_icdf_match_torch(name):
    make, params, value = FAMILIES[name]
    ps, v = params("float64"), value("float64")

    def fn(L, *ts):
        d = make(L, *ts)
        out = [d.cdf(L.tensor(v))]
        if name in HAS_ICDF:
            out.append(d.icdf(L.tensor(np.full(v.shape, 0.3))))
        return tuple(out)

    check(fn, *ps, grad=name != "Gamma")  # torch has no derivative of gammainc in the concentration


KL_PAIRS = ["Normal", "Laplace", "Exponential", "Gamma", "Beta", "Dirichlet", "Bernoulli_probs", "Bernoulli_logits",
            "Categorical_probs", "Categorical_logits", "OneHotCategorical", "MVN_cov", "MVN_tril", "Independent"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", KL_PAIRS)
def test_kl_divergence_matches_torch(name, dtype):
    make, params, _ = FAMILIES[name]
    p, q = params(dtype), params(dtype)
    n = len(p)
    rtol = _tol(dtype)
    if dtype == "float64" and name in ("Gamma", "Beta", "Dirichlet"):
        rtol = 1e-8  # digamma/lgamma differ from torch's by a few ulp, amplified by cancellation
    check(lambda L, *ts: L.distributions.kl_divergence(make(L, *ts[:n]), make(L, *ts[n:])), *p, *q, rtol=rtol)


def test_modes_at_special_values_match_torch():
    check(lambda L, p: L.distributions.Bernoulli(p).mode, np.array([0.2, 0.5, 0.7]), grad=False)
    check(lambda L, c: L.distributions.Dirichlet(c).mode, np.array([[0.5, 0.3, 0.9], [2.0, 3.0, 0.5]]), grad=False)
    check(lambda L, a, b: L.distributions.Beta(a, b).mode, np.array([2.0, 0.5]), np.array([3.0, 0.5]), grad=False)
    check(lambda L, c, r: L.distributions.Gamma(c, r).mode, np.array([0.5, 3.0]), np.array([1.0, 2.0]))
    check(lambda L, r: L.distributions.Exponential(r).mode, np.array([0.5, 3.0]))


def test_kl_uniform_and_special_values_match_torch():
    lo = np.array([0.0, 0.0, 1.0])
    check(lambda L, a, b, c, d: L.distributions.kl_divergence(L.distributions.Uniform(a, b),
                                                              L.distributions.Uniform(c, d)),
          lo, lo + 1, np.array([-1.0, 0.5, 0.0]), np.array([2.0, 3.0, 3.0]))
    pr = np.array([0.0, 1.0, 0.3, 0.5])
    qr = np.array([0.2, 0.0, 1.0, 0.5])
    check(lambda L, a, b: L.distributions.kl_divergence(L.distributions.Bernoulli(a, validate_args=False),
                                                        L.distributions.Bernoulli(b, validate_args=False)),
          pr, qr, grad=False)
    check(lambda L, a, b: L.distributions.kl_divergence(L.distributions.Categorical(a), L.distributions.Categorical(b)),
          np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]]), np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]), grad=False)


def test_kl_unregistered_pair_and_register_kl():
    D = fgrad_nn.distributions
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=fgrad_nn.zeros(2)))

    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Normal)
    def _kl(p, q):
        return fgrad_nn.tensor(7.0)

    assert D.kl_divergence(Shifted(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 7.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), Shifted(1.0, 1.0)).item() == 0.5  # falls back to (Normal, Normal)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_parameter_dtype_and_number_promotion(dtype):
    def fn(L, loc):
        d = L.distributions.Normal(loc, 2.0)
        return d.log_prob(L.tensor(0.5, dtype=L.float64)), d.scale, L.distributions.Normal(0.0, 1.0).entropy()

    check(fn, np.array([0.0, 1.0], dtype), rtol=_tol(dtype))
    assert tuple(fgrad_nn.distributions.Normal(0.0, 1.0).batch_shape) == ()


# ---- validation: torch's exceptions and messages
INVALID = [
    lambda L: L.distributions.Normal(L.tensor([0.0]), L.tensor([-1.0])),
    lambda L: L.distributions.Normal(L.tensor([float("nan")]), L.tensor([1.0])),
    lambda L: L.distributions.Exponential(L.tensor(0.0)),
    lambda L: L.distributions.Gamma(L.tensor([1.0]), L.tensor([-2.0])),
    lambda L: L.distributions.Beta(L.tensor([1.0]), L.tensor([0.0])),
    lambda L: L.distributions.Dirichlet(L.tensor(1.0)),
    lambda L: L.distributions.Dirichlet(L.tensor([1.0, -1.0])),
    lambda L: L.distributions.Uniform(L.tensor([1.0]), L.tensor([0.0])),
    lambda L: L.distributions.Bernoulli(L.tensor([1.5])),
    lambda L: L.distributions.Bernoulli(),
    lambda L: L.distributions.Bernoulli(probs=L.tensor(0.5), logits=L.tensor(0.0)),
    lambda L: L.distributions.Categorical(L.tensor([-0.5, 1.0])),
    lambda L: L.distributions.Categorical(),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2)),
    lambda L: L.distributions.MultivariateNormal(L.tensor(0.0), L.eye(1)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), scale_tril=L.ones(2)),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), L.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda L: L.distributions.MultivariateNormal(L.zeros(2), scale_tril=L.tensor([[1.0, 1.0], [0.0, 1.0]])),
    lambda L: L.distributions.Independent(L.distributions.Normal(L.zeros(2), 1.0), 2),
    lambda L: L.distributions.Normal(0.0, 1.0).log_prob(0.5),
    lambda L: L.distributions.Exponential(L.tensor([1.0])).log_prob(L.tensor([-1.0])),
    lambda L: L.distributions.Beta(2.0, 2.0).log_prob(L.tensor(1.5)),
    lambda L: L.distributions.Categorical(logits=L.zeros(3)).log_prob(L.tensor(3)),
    lambda L: L.distributions.Dirichlet(L.ones(3)).log_prob(L.tensor([0.5, 0.6, 0.1])),
    lambda L: L.distributions.MultivariateNormal(L.zeros(3), L.eye(3)).log_prob(L.zeros(2)),
    lambda L: L.distributions.Normal(L.zeros(3), 1.0).log_prob(L.zeros(2)),
    lambda L: L.distributions.Uniform(0.0, 1.0).log_prob(L.tensor(2.0)),
]


@pytest.mark.parametrize("k", range(len(INVALID)))
def test_invalid_arguments_raise_like_torch(k):
    t_err, f_err = raises_same(INVALID[k])
    assert str(f_err) == str(t_err)


def test_validation_can_be_turned_off():
    D = fgrad_nn.distributions
    d = D.Normal(fgrad_nn.tensor(0.0), fgrad_nn.tensor(-1.0), validate_args=False)
    assert math.isnan(d.entropy().item())
    assert D.Uniform(0.0, 1.0, validate_args=False).log_prob(fgrad_nn.tensor(2.0)).item() == -math.inf


# ---- sampling by contract
def _moments(draws, mean, var, n):
    """Sample mean within 5 standard errors of ``mean``; sample variance within 5 of its own, whose relative
    size is sqrt((kurtosis - 1) / n): at most sqrt(18 / n) for the families here (Gamma with concentration 0.5)."""
    draws = np.asarray(draws, dtype=np.float64)
    se = np.sqrt(var / n)
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean), 5 * se + 1e-12)
    np.testing.assert_allclose(draws.var(0), var, rtol=5 * np.sqrt(18.0 / n))


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Uniform", "Gamma", "Beta", "Dirichlet",
                                  "Bernoulli_probs", "OneHotCategorical", "MVN_cov", "Independent"])
def test_sample_moments(name):
    make, params, _ = FAMILIES[name]
    fgrad_nn.manual_seed(0)
    d = make(fgrad_nn, *[fgrad_nn.tensor(p) for p in params("float64")])
    n = 20000
    draws = d.sample((n,))
    _moments(draws, np.asarray(d.mean), np.asarray(d.variance), n)


def test_categorical_sample_frequencies_and_dtype():
    fgrad_nn.manual_seed(1)
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    n = 20000
    s = fgrad_nn.distributions.Categorical(fgrad_nn.tensor(p)).sample((n,))
    assert s.dtype == fgrad_nn.int64 and tuple(s.shape) == (n, 2)
    freq = np.stack([(np.asarray(s) == k).mean(0) for k in range(3)], -1)
    np.testing.assert_array_less(np.abs(freq - p), 5 * np.sqrt(p * (1 - p) / n))


def test_mvn_sample_covariance():
    fgrad_nn.manual_seed(2)
    cov = _spd(3)
    d = fgrad_nn.distributions.MultivariateNormal(fgrad_nn.zeros(3, dtype=fgrad_nn.float64), fgrad_nn.tensor(cov))
    s = np.asarray(d.sample((40000,)))
    np.testing.assert_allclose(np.cov(s.T), cov, atol=5 * np.sqrt(2.0 / 40000) * np.diag(cov).max() * 2)


def _expected_grad(make_dist, n, params, target):
    """The mean over ``n`` draws of the gradient of ``rsample().mean()`` w.r.t. ``params``."""
    ts = [fgrad_nn.tensor(p, requires_grad=True) for p in params]
    fgrad_nn.manual_seed(3)
    target(make_dist(*ts).rsample((n,))).mean(0).sum().backward()
    return [np.asarray(t.grad) for t in ts]


def test_rsample_gradients_match_analytic_expectations():
    """Each bound is 5 standard errors of the per-draw gradient's mean (its sd in the comment)."""
    D = fgrad_nn.distributions
    n = 20000
    five_se = 5 / math.sqrt(n)
    # x = loc + scale * eps: d|x - loc|/dloc = -sign(eps) (mean 0, sd 1), d/dscale = |eps| (sd sqrt(1 - 2/pi))
    g_loc, g_scale = _expected_grad(D.Normal, n, [np.array([0.5]), np.array([2.0])], lambda x: (x - 0.5).abs())
    assert abs(g_loc[0]) < five_se
    assert abs(g_scale[0] - math.sqrt(2 / math.pi)) < five_se * math.sqrt(1 - 2 / math.pi)
    # Laplace: d|x - loc|/dscale = |x - loc| / scale ~ Exponential(1) (mean 1, sd 1)
    _, g_scale = _expected_grad(D.Laplace, n, [np.array([0.0]), np.array([1.5])], lambda x: x.abs())
    assert abs(g_scale[0] - 1.0) < five_se
    # Exponential: x = e / rate, dx/drate = -e / rate^2 (mean -1/4, sd 1/4 at rate 2)
    (g_rate,) = _expected_grad(D.Exponential, n, [np.array([2.0])], lambda x: x)
    assert abs(g_rate[0] + 0.25) < five_se * 0.25
    # Uniform: x = lo + u (hi - lo): dx/dlo = 1 - u, dx/dhi = u (mean 1/2, sd 1/sqrt(12))
    g_lo, g_hi = _expected_grad(lambda a, b: D.Uniform(a, b), n, [np.array([1.0]), np.array([3.0])], lambda x: x)
    np.testing.assert_allclose([g_lo[0], g_hi[0]], [0.5, 0.5], atol=five_se / math.sqrt(12))


@pytest.mark.parametrize("alpha", [0.3, 1.0, 4.0])
def test_gamma_rsample_implicit_gradient(alpha):
    """d/dalpha E[x] = 1/rate and d/dalpha E[x^2] = (2 alpha + 1)/rate^2 from the implicit per-draw gradients;
    d/drate E[x] = -alpha/rate^2. The implicit gradient's spread has no closed form: 5% (relative) bounds."""
    D = fgrad_nn.distributions
    n = 20000
    rate = 2.0
    g_a, g_r = _expected_grad(D.Gamma, n, [np.array([alpha]), np.array([rate])], lambda x: x)
    np.testing.assert_allclose([g_a[0], g_r[0]], [1 / rate, -alpha / rate ** 2], rtol=0.05)
    g_a2, _ = _expected_grad(D.Gamma, n, [np.array([alpha]), np.array([rate])], lambda x: x ** 2)
    np.testing.assert_allclose(g_a2[0], (2 * alpha + 1) / rate ** 2, rtol=0.05)


def test_beta_and_dirichlet_rsample_gradients():
    D = fgrad_nn.distributions
    n = 20000
    a, b = 2.0, 3.0
    g_a, g_b = _expected_grad(D.Beta, n, [np.array([a]), np.array([b])], lambda x: x)
    np.testing.assert_allclose([g_a[0], g_b[0]], [b / (a + b) ** 2, -a / (a + b) ** 2], atol=0.01)
    conc = np.array([1.0, 2.0, 3.0])
    (g,) = _expected_grad(D.Dirichlet, n, [conc], lambda x: x[..., 0])
    s = conc.sum()
    np.testing.assert_allclose(g, [(s - conc[0]) / s ** 2, -conc[0] / s ** 2, -conc[0] / s ** 2], atol=0.01)


def test_mvn_rsample_gradient_and_dtype():
    D = fgrad_nn.distributions
    loc = fgrad_nn.zeros(2, dtype=fgrad_nn.float32, requires_grad=True)
    tril = fgrad_nn.tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=tril).rsample((7,))
    assert x.dtype == fgrad_nn.float32 and tuple(x.shape) == (7, 2)
    x.sum().backward()
    np.testing.assert_allclose(np.asarray(loc.grad), [7.0, 7.0])
    assert np.asarray(tril.grad).shape == (2, 2)


def test_reinforce_pattern():
    """The policy-gradient loss of the reinforce example: sample, log_prob, backward."""
    logits_t = np.array([[0.1, -0.3, 0.7]])
    for L in (torch, fgrad_nn):
        w = L.tensor(logits_t, requires_grad=True)
        m = L.distributions.Categorical(L.softmax(w, dim=1))
        action = L.tensor([2])
        (-m.log_prob(action) * 1.5).sum().backward()
        if L is torch:
            expected = w.grad.numpy()
        else:
            np.testing.assert_allclose(np.asarray(w.grad), expected, rtol=1e-12)


def test_reachable_as_torch_distributions():
    from fgrad_nn.distributions import Categorical
    assert fgrad_nn.distributions.Categorical is Categorical
    assert fgrad_nn.distributions.constraints.positive.check(fgrad_nn.tensor(1.0)).item()


def test_uniform_log_prob_outside_support_matches_torch():
    check(lambda L, lo, hi: L.distributions.Uniform(lo, hi, validate_args=False).log_prob(
        L.tensor([-1.0, 0.5, 2.0], dtype=L.float64)), np.zeros(3), np.ones(3))


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Uniform", "Gamma", "Beta", "Dirichlet",
                                  "Bernoulli_logits", "Categorical_logits", "OneHotCategorical", "MVN_tril",
                                  "Independent"])
def test_on_device(name, device):
    """Densities, entropies and draws stay on the parameters' device, with the CPU's values and gradients."""
    make, params, value = FAMILIES[name]
    results, ps, v = [], params("float64"), value("float64")
    for dev in ("cpu", device):
        ts = [fgrad_nn.tensor(p, device=dev, requires_grad=True) for p in ps]
        d = make(fgrad_nn, *ts)
        out = d.log_prob(fgrad_nn.tensor(v, device=dev)).sum() + d.entropy().sum()
        out.backward()
        draw = d.rsample((3,)) if d.has_rsample else d.sample((3,))
        assert draw.device.type == dev and d.log_prob(draw).device.type == dev
        results.append([out.item()] + [fgrad.backend.to_host(t.grad._raw()) for t in ts])
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    for g_dev, g_cpu in zip(results[1][1:], results[0][1:]):
        np.testing.assert_allclose(g_dev, g_cpu, rtol=1e-10, atol=1e-12)


CROSS = {
    "Normal": (lambda L, a, b: L.distributions.Normal(a, b), lambda: (_real(3), _pos(3))),
    "Laplace": (lambda L, a, b: L.distributions.Laplace(a, b), lambda: (_real(3), _pos(3))),
    "Exponential": (lambda L, r: L.distributions.Exponential(r), lambda: (_pos(3),)),
    "Gamma": (lambda L, c, r: L.distributions.Gamma(c, r), lambda: (_pos(3), _pos(3))),
    "Beta": (lambda L, a, b: L.distributions.Beta(a, b), lambda: (_pos(3), _pos(3))),
    "Uniform": (lambda L, lo, hi: L.distributions.Uniform(lo, hi),
                lambda: (np.array([0.0, 0.1, -0.5]), np.array([1.0, 0.8, 2.0]))),
}


@pytest.mark.parametrize("p_name", sorted(CROSS))
@pytest.mark.parametrize("q_name", sorted(CROSS))
def test_kl_between_families_matches_torch(p_name, q_name):
    (make_p, params_p), (make_q, params_q) = CROSS[p_name], CROSS[q_name]
    p, q = params_p(), params_q()
    n = len(p)

    def fn(L, *ts):
        return L.distributions.kl_divergence(make_p(L, *ts[:n]), make_q(L, *ts[n:]))

    try:
        fn(torch, *[torch.tensor(a) for a in p + q])
    except NotImplementedError:
        raises_same(fn, *p, *q)
        return
    # at a Uniform bound exactly 0, torch's derivative of x log x is NaN (0 * -inf): values only there
    check(fn, *p, *q, rtol=1e-8, grad=p_name != "Uniform")
    if p_name == "Uniform":
        check(fn, np.array([0.05, 0.1, -0.5]), np.array([0.9, 0.8, 2.0]), *q, rtol=1e-8)


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Gamma", "Beta", "Dirichlet", "MVN_tril",
                                  "Independent"])
def test_log_prob_gradient_in_value_matches_torch(name):
    make, params, value = FAMILIES[name]
    ps, v = params("float64"), value("float64")
    check(lambda L, x, *ts: make(L, *ts).log_prob(x), v, *ps)


def test_categorical_with_zero_probabilities_matches_torch():
    p = np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 0.0]])

    def fn(L, probs):
        d = L.distributions.Categorical(probs)
        return d.entropy(), d.logits, d.log_prob(L.tensor([2, 0]))

    check(fn, p)
    check(lambda L, x: L.distributions.Categorical(logits=x).entropy(),
          np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]]), grad=False)


def test_missing_arg_constraints_and_support_warn_like_torch():
    for L in (torch, fgrad_nn):
        class Bare(L.distributions.Distribution):
            pass

        with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
            Bare()


def test_under_torch_func_transforms_with_validation():
    """Validation reads the values under vmap and grad, as torch's does."""
    mu, s = np.array([0.0, 0.5]), np.array([1.0, 2.0])
    out = []
    for L in (torch, fgrad_nn):
        def f(m, sd):
            return L.distributions.Normal(m, sd).log_prob(L.tensor(1.0, dtype=L.float64))

        out.append([L.func.vmap(f)(L.tensor(mu), L.tensor(s)),
                    L.func.grad(lambda m: f(m, L.tensor(s)).sum())(L.tensor(mu))])
    for a, b in zip(*out):
        np.testing.assert_allclose(np.asarray(b), a.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_float32_draws_keep_the_parameter_dtype(name):
    make, params, _ = FAMILIES[name]
    ps = params("float32")
    dt, df = (make(L, *[L.tensor(p) for p in ps]) for L in (torch, fgrad_nn))
    st, sf = dt.sample((2,)), df.sample((2,))
    assert str(sf.dtype).split(".")[-1] == str(st.dtype).split(".")[-1]
    if dt.has_rsample:
        assert str(df.rsample().dtype).split(".")[-1] == str(dt.rsample().dtype).split(".")[-1]


def test_enumerate_support_matches_torch():
    p = _simplex(2, 3)
    for make in (lambda L: L.distributions.Categorical(L.tensor(p)),
                 lambda L: L.distributions.OneHotCategorical(L.tensor(p)),
                 lambda L: L.distributions.Bernoulli(L.tensor(p))):
        for expand in (True, False):
            check(lambda L: make(L).enumerate_support(expand), grad=False)


def test_gamma_sample_derivative_matches_torchs_standard_gamma_grad():
    """The implicit derivative of a draw in the concentration, at fixed draws, against torch's
    ``_standard_gamma_grad`` (itself an approximation to about 1e-4 away from small concentrations)."""
    alpha = np.array([0.05, 0.3, 1.0, 4.0, 30.0, 200.0])
    x = np.array([1e-5, 0.2, 1.5, 3.0, 35.0, 180.0])
    expected = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    a = fgrad_nn.tensor(alpha, requires_grad=True)
    draws = fgrad_nn.nn._bridge.call_pure(fgrad_nn.distributions._math.standard_gamma_implicit,
                                           fgrad_nn.tensor(x), a)
    draws.sum().backward()
    np.testing.assert_allclose(np.asarray(draws.detach()), x, rtol=0)
    np.testing.assert_allclose(np.asarray(a.grad), expected, rtol=5e-4)
