"""The array math of ``torch.distributions``: log densities, entropies, CDFs and KL divergences.

Pure functions over ``fgrad.numpy`` and ``fgrad.scipy.special``, written in torch's formulas (so float32
results round like torch's); the distribution classes run them on Tensors through
:func:`fgrad_nn.nn._bridge.call_pure`, which records each call on the autograd tape. Parameters arrive
broadcast (or broadcastable) as the classes hold them; ``value`` broadcasts against them.

``fgrad.scipy.stats`` has SciPy's versions of several densities; they return ``-inf`` off the support and
take SciPy's parameter layouts, where torch evaluates its formula everywhere, so torch's formulas live here.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from fgrad import numpy as fnp
from fgrad.scipy import linalg as _linalg
from fgrad.scipy import special
from fgrad.nn.torch_rules import absolute as torch_abs, clip as torch_clip

if TYPE_CHECKING:
    from fgrad.typing import Array

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))
_LOG_2PI = math.log(2 * math.pi)


def _softplus(x: Array) -> Array:
    return fnp.logaddexp(0.0, x)


def _inf_where(cond: Array, x: Array) -> Array:
    return fnp.where(cond, np.inf, x)


# ---- Normal
def normal_log_prob(value: Array, loc: Array, scale: Array) -> Array:
    var = scale ** 2
    return -((value - loc) ** 2) / (2 * var) - fnp.log(scale) - _LOG_SQRT_2PI


def normal_entropy(scale: Array) -> Array:
    return 0.5 + 0.5 * _LOG_2PI + fnp.log(scale)


def normal_cdf(value: Array, loc: Array, scale: Array) -> Array:
    return 0.5 * (1 + special.erf((value - loc) * (1 / scale) / math.sqrt(2)))


def normal_icdf(value: Array, loc: Array, scale: Array) -> Array:
    return loc + scale * special.erfinv(2 * value - 1) * math.sqrt(2)


def kl_normal_normal(p_loc: Array, p_scale: Array, q_loc: Array, q_scale: Array) -> Array:
    var_ratio = (p_scale / q_scale) ** 2
    t1 = ((p_loc - q_loc) / q_scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - fnp.log(var_ratio))


# ---- Laplace
def laplace_log_prob(value: Array, loc: Array, scale: Array) -> Array:
    return -fnp.log(2 * scale) - torch_abs(value - loc) / scale


def laplace_entropy(scale: Array) -> Array:
    return 1 + fnp.log(2 * scale)


def laplace_cdf(value: Array, loc: Array, scale: Array) -> Array:
    return 0.5 - 0.5 * fnp.sign(value - loc) * fnp.expm1(-torch_abs(value - loc) / scale)


def laplace_icdf(value: Array, loc: Array, scale: Array) -> Array:
    term = value - 0.5
    return loc - scale * fnp.sign(term) * fnp.log1p(-2 * torch_abs(term))


def laplace_from_uniform(u: Array, loc: Array, scale: Array) -> Array:
    """A Laplace draw from ``u`` uniform on ``(eps - 1, 1)`` (differentiable in loc and scale)."""
    return loc - scale * fnp.sign(u) * fnp.log1p(-torch_abs(u))


def kl_laplace_laplace(p_loc: Array, p_scale: Array, q_loc: Array, q_scale: Array) -> Array:
    scale_ratio = p_scale / q_scale
    loc_abs_diff = torch_abs(p_loc - q_loc)
    return -fnp.log(scale_ratio) + loc_abs_diff / q_scale + scale_ratio * fnp.exp(-loc_abs_diff / p_scale) - 1


# ---- Exponential
def exponential_log_prob(value: Array, rate: Array) -> Array:
    return fnp.log(rate) - rate * value


def exponential_entropy(rate: Array) -> Array:
    return 1.0 - fnp.log(rate)


def exponential_cdf(value: Array, rate: Array) -> Array:
    return 1 - fnp.exp(-rate * value)


def exponential_icdf(value: Array, rate: Array) -> Array:
    return -fnp.log1p(-value) / rate


def kl_exponential_exponential(p_rate: Array, q_rate: Array) -> Array:
    rate_ratio = q_rate / p_rate
    return -fnp.log(rate_ratio) + rate_ratio - 1


# ---- Uniform
def uniform_log_prob(value: Array, low: Array, high: Array) -> Array:
    width = high - low
    inside = (low <= value) & (high > value)
    return fnp.where(inside, fnp.zeros_like(width), -np.inf) - fnp.log(width)  # torch's log(0 or 1), sans log(0)


def uniform_entropy(low: Array, high: Array) -> Array:
    return fnp.log(high - low)


def uniform_cdf(value: Array, low: Array, high: Array) -> Array:
    return torch_clip((value - low) / (high - low), 0, 1)


def kl_uniform_uniform(p_low: Array, p_high: Array, q_low: Array, q_high: Array) -> Array:
    result = fnp.log((q_high - q_low) / (p_high - p_low))
    return _inf_where((q_low > p_low) | (q_high < p_high), result)


# ---- Gamma
def gamma_log_prob(value: Array, concentration: Array, rate: Array) -> Array:
    return (special.xlogy(concentration, rate) + special.xlogy(concentration - 1, value) - rate * value
            - special.gammaln(concentration))


def gamma_entropy(concentration: Array, rate: Array) -> Array:
    return (concentration - fnp.log(rate) + special.gammaln(concentration)
            + (1.0 - concentration) * special.digamma(concentration))


def gamma_cdf(value: Array, concentration: Array, rate: Array) -> Array:
    return special.gammainc(concentration, rate * value)


def standard_gamma_implicit(sample: Array, concentration: Array) -> Array:
    """``sample`` (a standard gamma draw, a constant) whose derivative in ``concentration`` is the implicit one.

    A draw ``x`` keeps its CDF ``F(x; a)`` fixed as ``a`` moves, so ``dx/da = -(dF/da) / p(x; a)``: the value is
    ``x`` and the derivative flows through ``F`` (``gammainc`` is differentiable in ``a``) over a constant density.
    """
    x = fnp.stop_gradient(sample)
    cdf = special.gammainc(concentration, x)
    density = fnp.stop_gradient(fnp.exp(gamma_log_prob(x, concentration, fnp.ones_like(x))))
    return x - (cdf - fnp.stop_gradient(cdf)) / density


def kl_gamma_gamma(p_conc: Array, p_rate: Array, q_conc: Array, q_rate: Array) -> Array:
    t1 = q_conc * fnp.log(p_rate / q_rate)
    t2 = special.gammaln(q_conc) - special.gammaln(p_conc)
    t3 = (p_conc - q_conc) * special.digamma(p_conc)
    t4 = (q_rate - p_rate) * (p_conc / p_rate)
    return t1 + t2 + t3 + t4


# ---- Dirichlet and Beta
def dirichlet_log_prob(value: Array, concentration: Array) -> Array:
    return (fnp.sum(special.xlogy(concentration - 1.0, value), axis=-1)
            + special.gammaln(fnp.sum(concentration, axis=-1)) - fnp.sum(special.gammaln(concentration), axis=-1))


def dirichlet_entropy(concentration: Array) -> Array:
    k = concentration.shape[-1]
    a0 = fnp.sum(concentration, axis=-1)
    return (fnp.sum(special.gammaln(concentration), axis=-1) - special.gammaln(a0)
            - (k - a0) * special.digamma(a0)
            - fnp.sum((concentration - 1.0) * special.digamma(concentration), axis=-1))


def dirichlet_from_gammas(gammas: Array) -> Array:
    """Normalised gamma draws, kept off zero as torch keeps them (its smallest normal number)."""
    tiny = float(np.finfo(fnp.result_type(gammas)).tiny)
    return torch_clip(gammas / fnp.sum(gammas, axis=-1, keepdims=True), tiny, 1 - float(np.finfo(
        fnp.result_type(gammas)).eps))


def kl_dirichlet_dirichlet(p_conc: Array, q_conc: Array) -> Array:
    sum_p = fnp.sum(p_conc, axis=-1)
    sum_q = fnp.sum(q_conc, axis=-1)
    t1 = special.gammaln(sum_p) - special.gammaln(sum_q)
    t2 = fnp.sum(special.gammaln(p_conc) - special.gammaln(q_conc), axis=-1)
    t3 = p_conc - q_conc
    t4 = special.digamma(p_conc) - fnp.expand_dims(special.digamma(sum_p), -1)
    return t1 - t2 + fnp.sum(t3 * t4, axis=-1)


def beta_log_prob(value: Array, c1: Array, c0: Array) -> Array:
    heads_tails = fnp.stack(fnp.broadcast_arrays(value, 1.0 - value), axis=-1)
    return dirichlet_log_prob(heads_tails, fnp.stack(fnp.broadcast_arrays(c1, c0), axis=-1))


def beta_entropy(c1: Array, c0: Array) -> Array:
    return dirichlet_entropy(fnp.stack(fnp.broadcast_arrays(c1, c0), axis=-1))


def kl_beta_beta(p_c1: Array, p_c0: Array, q_c1: Array, q_c0: Array) -> Array:
    sum_p = p_c1 + p_c0
    sum_q = q_c1 + q_c0
    t1 = special.gammaln(q_c1) + special.gammaln(q_c0) + special.gammaln(sum_p)
    t2 = special.gammaln(p_c1) + special.gammaln(p_c0) + special.gammaln(sum_q)
    t3 = (p_c1 - q_c1) * special.digamma(p_c1)
    t4 = (p_c0 - q_c0) * special.digamma(p_c0)
    t5 = (sum_q - sum_p) * special.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


# ---- Categorical and Bernoulli
def clamp_probs(probs: Array) -> Array:
    eps = float(np.finfo(fnp.result_type(probs)).eps)
    return torch_clip(probs, eps, 1 - eps)


def probs_to_logits(probs: Array, is_binary: bool = False) -> Array:
    ps = clamp_probs(probs)
    return fnp.log(ps) - fnp.log1p(-ps) if is_binary else fnp.log(ps)


def logits_to_probs(logits: Array, is_binary: bool = False) -> Array:
    return special.expit(logits) if is_binary else special.softmax(logits, axis=-1)


def normalize_probs(probs: Array) -> Array:
    return probs / fnp.sum(probs, axis=-1, keepdims=True)


def normalize_logits(logits: Array) -> Array:
    return logits - special.logsumexp(logits, axis=-1, keepdims=True)


def categorical_log_prob(value: Array, logits: Array) -> Array:
    index = fnp.expand_dims(fnp.astype(value, np.int64), -1)
    shape = np.broadcast_shapes(index.shape[:-1], logits.shape[:-1])
    index = fnp.broadcast_to(index, shape + (1,))
    logits = fnp.broadcast_to(logits, shape + logits.shape[-1:])
    return fnp.take_along_axis(logits, index, axis=-1)[..., 0]


def categorical_entropy(logits: Array, probs: Array) -> Array:
    min_real = float(np.finfo(fnp.result_type(logits)).min)
    return -fnp.sum(fnp.maximum(logits, min_real) * probs, axis=-1)


def kl_categorical_categorical(p_probs: Array, p_logits: Array, q_probs: Array, q_logits: Array) -> Array:
    t = p_probs * (p_logits - q_logits)
    t = _inf_where(fnp.broadcast_to(q_probs == 0, t.shape), t)
    t = fnp.where(fnp.broadcast_to(p_probs == 0, t.shape), 0.0, t)
    return fnp.sum(t, axis=-1)


def bernoulli_log_prob(value: Array, logits: Array) -> Array:
    value = fnp.astype(value, fnp.result_type(logits))
    return -((1 - value) * logits - special.log_expit(logits))


def bernoulli_entropy(logits: Array, probs: Array) -> Array:
    return (1 - probs) * logits - special.log_expit(logits)


def kl_bernoulli_bernoulli(p_probs: Array, p_logits: Array, q_probs: Array, q_logits: Array) -> Array:
    t1 = p_probs * (_softplus(-q_logits) - _softplus(-p_logits))
    t1 = fnp.where(p_probs == 0, 0.0, _inf_where(q_probs == 0, t1))
    t2 = (1 - p_probs) * (_softplus(q_logits) - _softplus(p_logits))
    t2 = fnp.where(p_probs == 1, 0.0, _inf_where(q_probs == 1, t2))
    return t1 + t2


# ---- MultivariateNormal
def _half_log_det(scale_tril: Array) -> Array:
    return fnp.sum(fnp.log(fnp.diagonal(scale_tril, axis1=-2, axis2=-1)), axis=-1)


def _mahalanobis(scale_tril: Array, diff: Array) -> Array:
    """``|L^-1 diff|^2`` over the broadcast batch dims of ``L`` (..., n, n) and ``diff`` (..., n)."""
    n = diff.shape[-1]
    batch = np.broadcast_shapes(scale_tril.shape[:-2], diff.shape[:-1])
    L = fnp.broadcast_to(scale_tril, batch + (n, n))
    d = fnp.broadcast_to(diff, batch + (n,))
    y = _linalg.solve_triangular(L, fnp.expand_dims(d, -1), lower=True)[..., 0]
    return fnp.sum(y ** 2, axis=-1)


def mvn_log_prob(value: Array, loc: Array, scale_tril: Array) -> Array:
    n = loc.shape[-1]
    m = _mahalanobis(scale_tril, value - loc)
    return -0.5 * (n * _LOG_2PI + m) - _half_log_det(scale_tril)


def mvn_entropy(scale_tril: Array) -> Array:
    n = scale_tril.shape[-1]
    return 0.5 * n * (1.0 + _LOG_2PI) + _half_log_det(scale_tril)


def mvn_rsample(eps: Array, loc: Array, scale_tril: Array) -> Array:
    return loc + fnp.matmul(scale_tril, fnp.expand_dims(eps, -1))[..., 0]


def precision_to_scale_tril(precision: Array) -> Array:
    """The lower Cholesky factor of ``precision``'s inverse, from the reversed-order factor of ``precision``.

    With ``J`` the reversal, ``J P J = Lf Lf^T`` gives ``P^-1 = (J Lf^-T J)(J Lf^-T J)^T``, a lower factor, with
    no explicit inverse of ``P``.
    """
    n = precision.shape[-1]
    lf = fnp.linalg.cholesky(fnp.flip(precision, (-2, -1)))
    l_inv = fnp.swapaxes(fnp.flip(lf, (-2, -1)), -2, -1)
    eye = fnp.broadcast_to(fnp.eye(n, dtype=fnp.result_type(precision)), precision.shape)
    return _linalg.solve_triangular(l_inv, eye, lower=True)


def scale_tril_to_precision(scale_tril: Array) -> Array:
    """``(L L^T)^-1`` as ``L^-T L^-1``, by two triangular solves."""
    n = scale_tril.shape[-1]
    eye = fnp.broadcast_to(fnp.eye(n, dtype=fnp.result_type(scale_tril)), scale_tril.shape)
    l_inv = _linalg.solve_triangular(scale_tril, eye, lower=True)
    return fnp.matmul(fnp.swapaxes(l_inv, -2, -1), l_inv)


def kl_mvn_mvn(p_loc: Array, p_tril: Array, q_loc: Array, q_tril: Array) -> Array:
    n = p_loc.shape[-1]
    half_term1 = _half_log_det(q_tril) - _half_log_det(p_tril)
    batch = np.broadcast_shapes(q_tril.shape[:-2], p_tril.shape[:-2])
    solved = _linalg.solve_triangular(fnp.broadcast_to(q_tril, batch + (n, n)),
                                      fnp.broadcast_to(p_tril, batch + (n, n)), lower=True)
    term2 = fnp.sum(fnp.reshape(solved ** 2, batch + (n * n,)), axis=-1)
    term3 = _mahalanobis(q_tril, q_loc - p_loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


# ---- KL divergences between families (``neg_entropy`` is ``-p.entropy()``, computed by p's class)
_EULER_GAMMA = 0.57721566490153286060


def _x_log_x(x: Array) -> Array:
    """``x log x``, 0 at 0 (NaN below 0, where the callers' results are inf: with torch's NaN gradients there)."""
    return special.xlogy(x, x)


def kl_beta_exponential(neg_entropy: Array, c1: Array, c0: Array, rate: Array) -> Array:
    return neg_entropy - fnp.log(rate) + rate * (c1 / (c1 + c0))


def kl_beta_gamma(neg_entropy: Array, c1: Array, c0: Array, conc: Array, rate: Array) -> Array:
    t2 = special.gammaln(conc) - conc * fnp.log(rate)
    t3 = (conc - 1) * (special.digamma(c1) - special.digamma(c1 + c0))
    t4 = rate * c1 / (c1 + c0)
    return neg_entropy + t2 - t3 + t4


def kl_beta_normal(neg_entropy: Array, c1: Array, c0: Array, loc: Array, scale: Array) -> Array:
    e_beta = c1 / (c1 + c0)
    var_normal = scale ** 2
    t2 = 0.5 * fnp.log(var_normal * 2 * math.pi)
    t3 = (e_beta * (1 - e_beta) / (c1 + c0 + 1) + e_beta ** 2) * 0.5
    t4 = loc * e_beta
    t5 = loc ** 2 * 0.5
    return neg_entropy + t2 + (t3 - t4 + t5) / var_normal


def kl_beta_uniform(neg_entropy: Array, low: Array, high: Array) -> Array:
    result = neg_entropy + fnp.log(high - low)
    return _inf_where((low > 0) | (high < 1), result)


def kl_exponential_gamma(p_rate: Array, conc: Array, q_rate: Array) -> Array:
    ratio = q_rate / p_rate
    t1 = -conc * fnp.log(ratio)
    return t1 + ratio + special.gammaln(conc) + conc * _EULER_GAMMA - (1 + _EULER_GAMMA)


def kl_exponential_normal(rate: Array, loc: Array, scale: Array) -> Array:
    var_normal = scale ** 2
    rate_sqr = rate ** 2
    t1 = 0.5 * fnp.log(rate_sqr * var_normal * 2 * math.pi)
    t2 = 1 / rate_sqr
    t3 = loc / rate
    t4 = loc ** 2 * 0.5
    return t1 - 1 + (t2 - t3 + t4) / var_normal


def kl_gamma_exponential(neg_entropy: Array, conc: Array, p_rate: Array, q_rate: Array) -> Array:
    return neg_entropy - fnp.log(q_rate) + q_rate * conc / p_rate


def kl_gamma_normal(conc: Array, rate: Array, loc: Array, scale: Array) -> Array:
    var_normal = scale ** 2
    beta_sqr = rate ** 2
    t1 = 0.5 * fnp.log(beta_sqr * var_normal * 2 * math.pi) - conc - special.gammaln(conc)
    t2 = 0.5 * (conc ** 2 + conc) / beta_sqr
    t3 = loc * conc / rate
    t4 = 0.5 * loc ** 2
    return t1 + (conc - 1) * special.digamma(conc) + (t2 - t3 + t4) / var_normal


def kl_laplace_normal(p_loc: Array, p_scale: Array, q_loc: Array, q_scale: Array) -> Array:
    var_normal = q_scale ** 2
    scale_sqr_var_ratio = p_scale ** 2 / var_normal
    t1 = 0.5 * fnp.log(2 * scale_sqr_var_ratio / math.pi)
    t2 = 0.5 * p_loc ** 2
    t3 = p_loc * q_loc
    t4 = 0.5 * q_loc ** 2
    return -t1 + scale_sqr_var_ratio + (t2 - t3 + t4) / var_normal - 1


def kl_normal_laplace(p_loc: Array, p_scale: Array, q_loc: Array, q_scale: Array) -> Array:
    loc_diff = p_loc - q_loc
    scale_ratio = p_scale / q_scale
    loc_diff_scale_ratio = loc_diff / p_scale
    t1 = fnp.log(scale_ratio)
    t2 = math.sqrt(2 / math.pi) * p_scale * fnp.exp(-0.5 * loc_diff_scale_ratio ** 2)
    t3 = loc_diff * special.erf(math.sqrt(0.5) * loc_diff_scale_ratio)
    return -t1 + (t2 + t3) / q_scale - (0.5 * (1 + math.log(0.5 * math.pi)))


def kl_uniform_beta(low: Array, high: Array, c1: Array, c0: Array) -> Array:
    common_term = high - low
    t1 = fnp.log(common_term)
    t2 = (c1 - 1) * (_x_log_x(high) - _x_log_x(low) - common_term) / common_term
    t3 = (c0 - 1) * (_x_log_x(1 - high) - _x_log_x(1 - low) + common_term) / common_term
    t4 = special.gammaln(c1) + special.gammaln(c0) - special.gammaln(c1 + c0)
    return _inf_where((high > 1) | (low < 0), t3 + t4 - t1 - t2)


def kl_uniform_exponential(low: Array, high: Array, rate: Array) -> Array:
    result = rate * (high + low) / 2 - fnp.log((high - low) * rate)
    return _inf_where(low < 0, result)


def kl_uniform_gamma(low: Array, high: Array, conc: Array, rate: Array) -> Array:
    common_term = high - low
    t1 = fnp.log(common_term)
    t2 = special.gammaln(conc) - conc * fnp.log(rate)
    t3 = (1 - conc) * (_x_log_x(high) - _x_log_x(low) - common_term) / common_term
    t4 = rate * (high + low) / 2
    return _inf_where(low < 0, -t1 + t2 + t3 + t4)


def kl_uniform_normal(low: Array, high: Array, loc: Array, scale: Array) -> Array:
    common_term = high - low
    t1 = fnp.log(math.sqrt(math.pi * 2) * scale / common_term)
    t2 = common_term ** 2 / 12
    t3 = ((high + low - 2 * loc) / 2) ** 2
    return t1 + 0.5 * (t2 + t3) / scale ** 2
