"""``torch.cuda``: availability and device count from CuPy (through ``fgrad.backend``)."""
from fgrad import backend

from . import random as _random

__all__ = ["is_available", "device_count", "current_device", "synchronize", "manual_seed", "manual_seed_all"]


def is_available():
    return bool(backend.devices("cuda"))


def device_count():
    return len(backend.devices("cuda"))


def current_device():
    return 0


def synchronize(device=None):
    if backend.cupy_active() and is_available():
        backend.require_cupy().cuda.Device().synchronize()


def manual_seed(seed):
    """Seeds the global generator: CUDA tensors are sampled on the host (see ``fgrad_nn.random``)."""
    _random.manual_seed(seed)


manual_seed_all = manual_seed
