import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings


def _real_gpu():
    """True when real CuPy imports and sees a GPU (then the CUDA tests run on it)."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # not installed, or installed on a machine without a usable driver
        for name in [n for n in sys.modules if n.split(".")[0] in ("cupy", "cupyx", "cupy_backends")]:
            del sys.modules[name]  # drop a half-imported real CuPy before the stand-in takes its place
        return False


# FGRAD_TEST_CUPY: "auto" (real CuPy on a GPU, else the stand-in), "standin" or "real". The stand-in must be
# in sys.modules before fgrad is imported, so every `cuda` parametrisation runs on machines without a GPU.
_CUPY_MODE = os.environ.get("FGRAD_TEST_CUPY", "auto")
if _CUPY_MODE == "standin" or (_CUPY_MODE == "auto" and not _real_gpu()):
    import cupy_standin
    cupy_standin.install()

import fgrad  # noqa: E402  (after the choice of CuPy)

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
    """Each device-parametrised test runs once per device: CUDA on a GPU, or on the CuPy stand-in."""
    return request.param


@pytest.fixture(scope="session")
def put(device):
    """Move a pytree of NumPy arrays onto the test's device."""
    return lambda tree: fgrad.device_put(tree, device)

