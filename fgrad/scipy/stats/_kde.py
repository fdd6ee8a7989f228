"""Gaussian kernel density estimation, as ``jax.scipy.stats.gaussian_kde``."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

from ... import numpy as fnp, random
from ...tree_util import register_pytree_node_class
from .. import special
from ._common import LOG_2PI, promote

if TYPE_CHECKING:
    from ...typing import Array, ArrayLike, Shape


def _log_gauss(diff: Array, cov: Array) -> Array:
    """Log density of N(0, cov) at the columns of ``diff`` (shape ``(d, ...)``)."""
    d = cov.shape[0]
    chol = fnp.linalg.cholesky(cov)
    flat = fnp.reshape(diff, (d, -1))
    z = fnp.linalg.solve(chol, flat)
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
    out = -0.5 * (fnp.sum(z * z, axis=0) + log_det + d * LOG_2PI)
    return fnp.reshape(out, diff.shape[1:])


def _owens_t_term(h: Array, k: Array, rho: Array, s: Array) -> Array:
    """``T(h, (k - rho h) / (h s))`` with its limits: 0 for infinite ``h``, ``sign(k) / 4`` for ``h == 0``."""
    finite = fnp.isfinite(h) & (h != 0)
    hs = fnp.where(finite, h, 1.0)
    a = (fnp.where(fnp.isfinite(k), k, fnp.sign(k) * 1e100) - rho * hs) / (hs * s)
    return fnp.where(finite, special.owens_t(hs, a), fnp.where(h == 0, 0.25 * fnp.sign(k), 0.0))


def _bivariate_cdf(h: Array, k: Array, rho: Array) -> Array:
    """``P(X <= h, Y <= k)`` for standard normals of correlation ``rho`` (|rho| < 1), by Owen's T function:
    ``(ndtr(h) + ndtr(k)) / 2 - T(h, a_h) - T(k, a_k) - beta`` (``beta = 1/2`` where ``h k < 0``, or where one
    is 0 and ``h + k < 0``)."""
    s = fnp.sqrt(1.0 - rho * rho)
    sign = fnp.sign(h) * fnp.sign(k)  # (not h * k: 0 * inf)
    beta = fnp.where((sign < 0) | ((sign == 0) & ((h < 0) | (k < 0))), 0.5, 0.0)
    out = (0.5 * (special.ndtr(h) + special.ndtr(k)) - _owens_t_term(h, k, rho, s) - _owens_t_term(k, h, rho, s)
           - beta)
    corner = 0.25 + fnp.arcsin(rho) / (2.0 * math.pi)   # h == k == 0
    return fnp.where((h == 0) & (k == 0), corner, out)


@register_pytree_node_class
class gaussian_kde:  # noqa: N801  (SciPy's and JAX's name)
    """A kernel density estimate with Gaussian kernels over ``dataset`` (shape ``(d, n)``, or ``(n,)``).

    ``bw_method``: ``'scott'`` (default), ``'silverman'``, a scalar factor, or a callable of the
    estimator giving one. ``weights`` weigh the data points. Differentiable in the data, the weights and
    the evaluation points; runs eagerly and under transforms alike.

    >>> from fgrad.scipy.stats import gaussian_kde
    >>> kde = gaussian_kde([-1.0, 0.0, 1.0], bw_method=1.0)
    >>> print(kde.evaluate([0.0]))
    [0.2943]
    """

    def __init__(self, dataset: ArrayLike, bw_method: str | float | Callable[[Any], Any] | None = None,
                 weights: ArrayLike | None = None) -> None:
        data, = promote(dataset)
        if data.ndim > 2:
            raise ValueError(f"gaussian_kde: dataset must have at most two dimensions, got shape {data.shape}")
        self.dataset: Array = data if data.ndim == 2 else fnp.reshape(data, (1, -1))
        self.d, self.n = self.dataset.shape
        if self.n < 2:
            raise ValueError("gaussian_kde: dataset needs more than one point")
        if weights is None:
            w = fnp.full_like(self.dataset[0], 1.0 / self.n)
        else:
            w, = promote(weights)
            if w.shape != (self.n,):
                raise ValueError(f"gaussian_kde: weights has shape {w.shape}, expected ({self.n},)")
            w = w / fnp.sum(w)
        self.weights = w
        self.neff = 1.0 / fnp.sum(w * w)
        self.set_bandwidth(bw_method)

    def tree_flatten(self) -> tuple[tuple[Array, ...], None]:
        """The estimator as a pytree, as JAX has it: ``(neff, dataset, weights, covariance, inv_cov)``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> leaves = fgrad.tree_util.tree_leaves(gaussian_kde([0.0, 1.0, 3.0, 4.0]))
        >>> [np.shape(v) for v in leaves]
        [(), (1, 4), (4,), (1, 1), (1, 1)]
        """
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux_data: None, children: tuple[Any, ...]) -> gaussian_kde:
        """The estimator from ``tree_flatten``'s leaves (so it passes through ``jit``, ``vmap`` and ``grad``).

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde([0.0, 1.0, 3.0, 4.0])
        >>> again = gaussian_kde.tree_unflatten(None, kde.tree_flatten()[0])
        >>> print(again.evaluate([2.0]))
        [0.1617]
        """
        kde = object.__new__(cls)
        kde.neff, kde.dataset, kde.weights, kde.covariance, kde.inv_cov = children
        kde.d, kde.n = kde.dataset.shape
        return kde

    def scotts_factor(self) -> Array:
        """Scott's bandwidth factor ``neff ** (-1 / (d + 4))``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(round(float(gaussian_kde([0.0, 1.0, 3.0, 4.0]).scotts_factor()), 6))
        0.757858
        """
        return self.neff ** (-1.0 / (self.d + 4))

    def silverman_factor(self) -> Array:
        """Silverman's bandwidth factor ``(neff (d + 2) / 4) ** (-1 / (d + 4))``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(round(float(gaussian_kde([0.0, 1.0, 3.0, 4.0]).silverman_factor()), 6))
        0.802742
        """
        return (self.neff * (self.d + 2.0) / 4.0) ** (-1.0 / (self.d + 4))

    def set_bandwidth(self, bw_method: str | float | Callable[[Any], Any] | None = None) -> None:
        """Choose the bandwidth factor (as in the constructor) and recompute the kernel covariance.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde([0.0, 1.0, 3.0, 4.0])
        >>> kde.set_bandwidth(0.5)
        >>> print(kde.covariance)
        [[0.8333]]
        """
        if bw_method is None or bw_method == "scott":
            self.factor = self.scotts_factor()
        elif bw_method == "silverman":
            self.factor = self.silverman_factor()
        elif isinstance(bw_method, str):
            raise ValueError(f"gaussian_kde: bw_method must be 'scott', 'silverman', a scalar or a callable, "
                             f"got {bw_method!r}")
        elif callable(bw_method):
            self.factor = bw_method(self)
        else:
            self.factor = bw_method
        data_cov = fnp.reshape(fnp.cov(self.dataset, rowvar=True, bias=False, aweights=self.weights),
                               (self.d, self.d))
        self.covariance = data_cov * self.factor ** 2
        self.inv_cov = fnp.linalg.inv(self.covariance)

    def _points(self, points: ArrayLike) -> Array:
        pts, = promote(points)
        pts = pts if pts.ndim == 2 else fnp.reshape(pts, (1, -1))
        if pts.shape[0] != self.d:
            if pts.shape == (1, self.d):
                return fnp.transpose(pts)
            raise ValueError(f"gaussian_kde: points have dimension {pts.shape[0]}, the data {self.d}")
        return pts

    def _log_terms(self, points: ArrayLike) -> Array:
        """``log w_i + log N(points_j; x_i, covariance)``, shape ``(n, m)``."""
        pts = self._points(points)
        diff = self.dataset[:, :, None] - pts[:, None, :]
        return fnp.log(self.weights)[:, None] + _log_gauss(diff, self.covariance)

    def evaluate(self, points: ArrayLike) -> Array:
        """The estimated density at ``points`` (shape ``(d, m)``, or ``(m,)`` when ``d == 1``).

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(gaussian_kde([0.0, 1.0, 3.0, 4.0]).evaluate([0.0, 2.0]))
        [0.1356 0.1617]
        """
        return fnp.sum(fnp.exp(self._log_terms(points)), axis=0)

    def __call__(self, points: ArrayLike) -> Array:
        """The same as ``evaluate``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(gaussian_kde([0.0, 1.0, 3.0, 4.0])([2.0]))
        [0.1617]
        """
        return self.evaluate(points)

    def pdf(self, x: ArrayLike) -> Array:
        """The same as ``evaluate``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(gaussian_kde([0.0, 1.0, 3.0, 4.0]).pdf([2.0]))
        [0.1617]
        """
        return self.evaluate(x)

    def logpdf(self, x: ArrayLike) -> Array:
        """The log of the estimated density, as a log-sum-exp (no underflow far from the data).

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(gaussian_kde([0.0, 1.0, 3.0, 4.0]).logpdf([2.0, 40.0]))
        [  -1.8217 -341.1   ]
        """
        return special.logsumexp(self._log_terms(x), axis=0)

    def integrate_gaussian(self, mean: ArrayLike, cov: ArrayLike) -> Array:
        """The integral of the estimate times the Gaussian density N(mean, cov).

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(round(float(gaussian_kde([0.0, 1.0, 3.0, 4.0]).integrate_gaussian([2.0], [[1.0]])), 6))
        0.157249
        """
        mean, cov = promote(mean, cov)
        mean, cov = fnp.reshape(mean, (self.d,)), fnp.reshape(cov, (self.d, self.d))
        terms = _log_gauss(self.dataset - mean[:, None], self.covariance + cov)
        return fnp.sum(self.weights * fnp.exp(terms))

    def integrate_box_1d(self, low: ArrayLike, high: ArrayLike) -> Array:
        """The estimate's mass between ``low`` and ``high`` (one-dimensional data only).

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> print(round(float(gaussian_kde([0.0, 1.0, 3.0, 4.0]).integrate_box_1d(-1.0, 2.0)), 6))
        0.422209
        """
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d: only one-dimensional data")
        low, high = promote(low, high)
        sd = fnp.sqrt(self.covariance[0, 0])
        x = self.dataset[0]
        return fnp.sum(self.weights * (special.ndtr((high - x) / sd) - special.ndtr((low - x) / sd)))

    def integrate_box(self, low_bounds: ArrayLike, high_bounds: ArrayLike, maxpts: int | None = None) -> Array:
        """The estimate's mass in the box ``low_bounds <= x <= high_bounds`` (bounds may be infinite).

        Exact for one- and two-dimensional data (the bivariate normal probabilities by Owen's T function;
        SciPy integrates numerically, JAX not at all); ``maxpts`` (SciPy's budget for that) is accepted and
        unused. Higher dimensions raise ``NotImplementedError``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> kde = gaussian_kde([[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 0.0, 1.0]])
        >>> print(round(float(kde.integrate_box([-np.inf, -np.inf], [np.inf, np.inf])), 12))
        1.0
        """
        low, high = promote(low_bounds, high_bounds)
        low, high = fnp.reshape(low, (-1,)), fnp.reshape(high, (-1,))
        if low.shape != (self.d,) or high.shape != (self.d,):
            raise ValueError(f"gaussian_kde.integrate_box: the bounds need {self.d} values each, got shapes "
                             f"{low.shape} and {high.shape}")
        if self.d == 1:
            return self.integrate_box_1d(low[0], high[0])
        if self.d != 2:
            raise NotImplementedError(f"gaussian_kde.integrate_box: only one- and two-dimensional data, got "
                                      f"{self.d} dimensions")
        sd = fnp.sqrt(fnp.diagonal(self.covariance))
        rho = self.covariance[0, 1] / (sd[0] * sd[1])
        lo = (low[:, None] - self.dataset) / sd[:, None]   # standardised bounds per data point, shape (2, n)
        hi = (high[:, None] - self.dataset) / sd[:, None]
        mass = (_bivariate_cdf(hi[0], hi[1], rho) - _bivariate_cdf(lo[0], hi[1], rho)
                - _bivariate_cdf(hi[0], lo[1], rho) + _bivariate_cdf(lo[0], lo[1], rho))
        return fnp.sum(self.weights * mass)

    def integrate_kde(self, other: gaussian_kde) -> Array:
        """The integral of the product of this estimate and ``other``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> a, b = gaussian_kde([0.0, 1.0, 3.0]), gaussian_kde([1.0, 2.0, 5.0])
        >>> print(round(float(a.integrate_kde(b)), 6))
        0.123262
        """
        if other.d != self.d:
            raise ValueError(f"gaussian_kde.integrate_kde: dimensions differ ({self.d} and {other.d})")
        diff = self.dataset[:, :, None] - other.dataset[:, None, :]
        terms = _log_gauss(diff, self.covariance + other.covariance)
        return fnp.sum(self.weights[:, None] * other.weights[None, :] * fnp.exp(terms))

    def resample(self, key: ArrayLike, shape: Shape = ()) -> Array:
        """Draws from the estimate, shape ``(d, *shape)``, from the ``fgrad.random`` key ``key``.

        >>> from fgrad.scipy.stats import gaussian_kde
        >>> gaussian_kde([0.0, 1.0, 3.0, 4.0]).resample(fgrad.random.key(0), (5,)).shape
        (1, 5)
        """
        shape = tuple(shape)
        k_pick, k_noise = random.split(key)
        count = int(math.prod(shape))
        idx = random.choice(k_pick, self.n, (count,), p=self.weights)
        noise = random.normal(k_noise, (self.d, count), dtype=self.dataset.dtype)
        chol = fnp.linalg.cholesky(self.covariance)
        draws = fnp.take(self.dataset, idx, axis=1) + chol @ noise
        return fnp.reshape(draws, (self.d,) + shape)

