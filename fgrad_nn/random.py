"""Random numbers: ``manual_seed``, ``Generator``, the global generator.

Sampling uses NumPy's ``Generator`` (PCG64), so values differ from torch's for the
same seed; distributions and dtypes match. CUDA tensors are sampled on the host and
moved (reproducible across devices).
"""
import pickle

import numpy as np

from ._tensor import wrap

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "get_rng_state",
           "set_rng_state"]


class Generator:
    """``torch.Generator``: an independent stream of random numbers."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return wrap(np.frombuffer(pickle.dumps(self._rng.bit_generator.state), dtype=np.uint8).copy())

    def set_state(self, state):
        self._rng.bit_generator.state = pickle.loads(np.asarray(state).tobytes())
        return self


default_generator = Generator()


DRAW_HOOKS = []
"""Pushed by ``torch.func.vmap`` while it runs: every draw goes through the innermost hook, which
applies the vmap's ``randomness`` (raise, share one draw, or draw one per example)."""


def rng(generator=None):
    g = (generator or default_generator)._rng
    return DRAW_HOOKS[-1](g) if DRAW_HOOKS else g


def manual_seed(seed):
    """Seed the global generator (torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
