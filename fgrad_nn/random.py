"""Random numbers: ``manual_seed``, ``Generator``, the global generator.

Sampling uses NumPy's ``Generator`` (PCG64), so values differ from torch's for the
same seed; distributions and dtypes match. CUDA tensors are sampled on the host and
moved (reproducible across devices).
"""
from __future__ import annotations

import pickle
import typing
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ._tensor import wrap

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "get_rng_state",
           "set_rng_state"]


class Generator:
    """An independent stream of random numbers, passed to sampling functions as ``generator=``.

    Draws come from NumPy's PCG64, so the values differ from torch's for the same seed.

    >>> g = torch.Generator().manual_seed(0)
    >>> a = torch.rand(3, generator=g)
    >>> b = torch.rand(3, generator=g.manual_seed(0))
    >>> torch.equal(a, b), g.initial_seed()
    (True, 0)
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        entropy = typing.cast(int, np.random.SeedSequence().entropy)  # drawn from the OS: an int
        s = entropy % (2 ** 63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        return wrap(np.frombuffer(pickle.dumps(self._rng.bit_generator.state), dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> Generator:
        self._rng.bit_generator.state = pickle.loads(np.asarray(state).tobytes())
        return self


default_generator = Generator()


DRAW_HOOKS: list[Callable[[np.random.Generator], Any]] = []
"""Pushed by ``torch.func.vmap`` while it runs: every draw goes through the innermost hook, which
applies the vmap's ``randomness`` (raise, share one draw, or draw one per example)."""


def rng(generator: Generator | None = None) -> Any:
    g = (generator or default_generator)._rng
    return DRAW_HOOKS[-1](g) if DRAW_HOOKS else g


def manual_seed(seed: int) -> Generator:
    """Seed the global generator, making what follows reproducible; returns the generator.

    >>> _ = torch.manual_seed(1)
    >>> a = torch.randn(2)
    >>> _ = torch.manual_seed(1)
    >>> torch.equal(torch.randn(2), a)
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from a non-deterministic source; returns the seed.

    >>> s = torch.seed()
    >>> torch.initial_seed() == s
    True
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last seeded with.

    >>> _ = torch.manual_seed(7)
    >>> torch.initial_seed()
    7
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state, as a uint8 tensor (to hand to ``set_rng_state``).

    fgrad_nn's state is its own (NumPy's PCG64), not a state torch could read.

    >>> state = torch.get_rng_state()
    >>> a = torch.rand(2)
    >>> torch.set_rng_state(state)
    >>> torch.equal(torch.rand(2), a), state.dtype
    (True, torch.uint8)
    """
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    """Restore the global generator to ``state`` (from ``get_rng_state``): the same draws follow again.

    >>> state = torch.get_rng_state()
    >>> first = torch.randint(0, 100, (4,))
    >>> torch.set_rng_state(state)
    >>> torch.equal(torch.randint(0, 100, (4,)), first)
    True
    """
    default_generator.set_state(state)
