"""fgrad.scipy.interpolate.RegularGridInterpolator: values against SciPy and JAX on every device,
derivatives in the values and the query points against JAX (x64), vmap/jit, and JAX's errors."""
import numpy as np
import pytest
import scipy.interpolate as si

import fgrad
from fgrad.scipy.interpolate import RegularGridInterpolator

from helpers import host
from jax_support import assert_agree, jax

import jax.scipy.interpolate as jsi  # noqa: E402  (after jax_support turned x64 on)

RNG = np.random.default_rng(20261206)
POINTS = (np.sort(RNG.uniform(0, 3, 4)), np.sort(RNG.uniform(-1, 1, 5)), np.array([0.0, 1.0]))
VALUES = RNG.standard_normal((4, 5, 2, 3))
XI = np.stack([RNG.uniform(-0.2, 3.2, (7, 2)), RNG.uniform(-1.2, 1.2, (7, 2)), RNG.uniform(0, 1, (7, 2))], -1)


@pytest.mark.parametrize("method", ["linear", "nearest"])
@pytest.mark.parametrize("fill_value", [np.nan, None, 2.5])
def test_values_match_scipy_on_every_device(method, fill_value, put):
    ours = RegularGridInterpolator(put(POINTS), put(VALUES), method=method, fill_value=fill_value)(put(XI))
    want = si.RegularGridInterpolator(POINTS, VALUES, method=method, bounds_error=False, fill_value=fill_value)(XI)
    np.testing.assert_allclose(host(ours), want, rtol=1e-12, atol=1e-12)


def _jax(points, values, xi, **kwargs):
    """JAX's interpolator, compiled (op by op it dispatches its corner loop slowly)."""
    return jax.jit(lambda v, x: jsi.RegularGridInterpolator(points, v, **kwargs)(x))(values, xi)


def test_values_and_query_forms_match_jax():
    for method in ("linear", "nearest"):
        assert_agree(RegularGridInterpolator(POINTS, VALUES, method=method)(XI),
                     _jax(POINTS, VALUES, XI, method=method))
    # a flat list of points, coordinate arrays (broadcast), integer points
    grid, values = (np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0])), np.arange(6.0).reshape(3, 2)
    for xi in [np.array([0.5, 1.0, 1.0, 0.0]), (np.array([[0.5], [1.0]]), np.array([1.0, 0.0])), (0.5, 1.0),
               np.array([[1, 0], [3, 2]])]:
        assert_agree(RegularGridInterpolator(grid, values)(xi), _jax(grid, values, xi))
    # the method chosen per call
    assert_agree(RegularGridInterpolator(grid, values)(XI[..., :2], method="nearest"),
                 jax.jit(lambda x: jsi.RegularGridInterpolator(grid, values)(x, method="nearest"))(XI[..., :2]))


def test_derivatives_match_jax():
    # inside, outside (extrapolated) and exactly on interior grid points, where JAX takes the left cell
    xi = np.concatenate([XI.reshape(-1, 3), np.array([[POINTS[0][1], POINTS[1][2], 0.5]])])

    t = RNG.standard_normal(xi.shape)

    def derivatives(lib, cls):
        f = lambda v, x: cls(POINTS, v, fill_value=None)(x)  # noqa: E731
        loss = lambda v, x: lib.numpy.sum(lib.numpy.sin(f(v, x)))  # noqa: E731
        return lambda v, x: (lib.grad(loss, (0, 1))(v, x), lib.jvp(lambda x: f(v, x), (x,), (t,))[1])

    assert_agree(derivatives(fgrad, RegularGridInterpolator)(VALUES, xi),
                 jax.jit(derivatives(jax, jsi.RegularGridInterpolator))(VALUES, xi))


def test_vmap_and_jit(put):
    f = RegularGridInterpolator(put(POINTS), put(VALUES))
    want = host(f(put(XI)))
    np.testing.assert_allclose(host(fgrad.vmap(f)(put(XI))), want, rtol=1e-12)
    np.testing.assert_allclose(host(fgrad.jit(lambda x: f(x))(put(XI))), want, rtol=1e-12)
    values = put(np.stack([VALUES, 2 * VALUES]))
    per_values = fgrad.vmap(lambda v: RegularGridInterpolator(put(POINTS), v)(put(XI)))(values)
    np.testing.assert_allclose(host(per_values), np.stack([want, 2 * want]), rtol=1e-12)


def test_errors_match_jax():
    grid, values = (np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0])), np.arange(6.0).reshape(3, 2)
    with pytest.raises(NotImplementedError, match="bounds_error"):
        RegularGridInterpolator(grid, values, bounds_error=True)
    with pytest.raises(ValueError, match="method 'cubic' is not defined"):
        RegularGridInterpolator(grid, values, method="cubic")
    with pytest.raises(ValueError, match="method 'cubic' is not defined"):
        RegularGridInterpolator(grid, values)(np.ones((1, 2)), method="cubic")
    with pytest.raises(ValueError, match="dimension 3, but this RegularGridInterpolator has dimension 2"):
        RegularGridInterpolator(grid, values)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="1 points and 2 values in dimension 1"):
        RegularGridInterpolator((grid[0], grid[1][:1]), values)


def test_names_cover_jax():
    import fgrad.scipy.interpolate as ours
    assert [n for n in dir(jsi) if not n.startswith("_") and not hasattr(ours, n)] == []
