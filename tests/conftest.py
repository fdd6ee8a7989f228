import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import fgrad

# CI: thorough and reproducible. dev: quick. Pick with HYPOTHESIS_PROFILE (CI sets CI=true).
settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.filter_too_much])
settings.register_profile("dev", max_examples=8, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

HAS_CUDA = bool(fgrad.devices("cuda"))
DEVICES = [pytest.param("cpu", id="cpu"),
           pytest.param("cuda", id="cuda", marks=pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device"))]


@pytest.fixture(params=DEVICES, scope="session")
def device(request):
    """Each device-parametrised test runs once per device (CUDA only where a GPU exists)."""
    return request.param


@pytest.fixture(scope="session")
def put(device):
    """Move a pytree of NumPy arrays onto the test's device."""
    return lambda tree: fgrad.device_put(tree, device)

