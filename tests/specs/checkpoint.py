"""Specs for ``checkpoint``: a staged function bound as one primitive, recomputed in reverse mode."""
import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays

from ._spec import Spec


def _layer(x, w):
    return fnp.sin(fnp.tanh(x @ w)) * x[..., :1]


_plain = fgrad.checkpoint(_layer)
_dots = fgrad.checkpoint(_layer, policy=fgrad.checkpoint_policies.dots_saveable)
_pair = fgrad.checkpoint(lambda x, w: (fnp.exp(x @ w), fnp.sum(x * x)))  # two outputs


def _two_outputs(x, w):
    a, b = _pair(x, w)
    return a * b


def _reference(x, w):
    return np.sin(np.tanh(x @ w)) * x[..., :1]


def _x_w(draw):
    k = draw(arrays(shape=(2,))).shape[0] + 1
    return draw(arrays(shape=(3, k), min_value=-1.0, max_value=1.0)), draw(arrays(shape=(k, 2), min_value=-1.0,
                                                                                 max_value=1.0))


SPECS = [
    Spec("checkpoint", _plain, _x_w, reference=_reference),
    Spec("checkpoint", _dots, _x_w, reference=_reference),
    Spec("checkpoint", _two_outputs, _x_w, reference=lambda x, w: np.exp(x @ w) * np.sum(x * x)),
]
