"""Random draws for the distributions, from fgrad_nn's global generator (``torch.manual_seed``).

Noise is drawn on the host by the generator, then placed on the parameters' device and dtype, like every
other fgrad_nn sampler.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import random as _random
from .._dtypes import finfo
from .._tensor import Tensor
from .._ops.creation import as_tensor

if TYPE_CHECKING:
    from .._tensor import Size



def _on(arr: Any, like: Tensor) -> Tensor:
    return as_tensor(np.asarray(arr), dtype=like.dtype, device=like.device)


def standard_normal(shape: Size, like: Tensor) -> Tensor:
    return _on(_random.rng().standard_normal(tuple(shape)), like)


def uniform(shape: Size, like: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    return _on(_random.rng().uniform(low, high, tuple(shape)), like)


def standard_exponential(shape: Size, like: Tensor) -> Tensor:
    return _on(_random.rng().standard_exponential(tuple(shape)), like)


def standard_gamma(concentration: Tensor) -> Tensor:
    """Standard gamma draws, one per element of ``concentration`` (no gradient), off zero as torch keeps them."""
    alpha = concentration.detach().cpu().numpy().astype(np.float64)  # the generator draws on the host
    draws = _random.rng().standard_gamma(alpha)
    return _on(np.maximum(draws, finfo(concentration.dtype).tiny), concentration)
