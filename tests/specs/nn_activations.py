"""Specs for the primitives of fgrad/nn.py (away from their kinks; the kinks are
checked against torch in tests/test_nn_activations.py)."""
import numpy as np

from fgrad import nn
from fgrad.testing.strategies import arrays

from ._spec import Spec


def one(**kw):
    return lambda draw: (draw(arrays(**kw)),)


SPECS = [
    Spec("relu", nn.relu, one(avoid=(0.0,)), reference=lambda x: np.maximum(x, 0.0)),
    Spec("leaky_relu", nn.leaky_relu, one(avoid=(0.0,)), reference=lambda x: np.where(x > 0, x, 0.01 * x)),
    Spec("leaky_relu", lambda x: nn.leaky_relu(x, negative_slope=-0.5), one(avoid=(0.0,)),
         reference=lambda x: np.where(x > 0, x, -0.5 * x), tags=("slope=-0.5",)),
    Spec("hard_tanh", nn.hard_tanh, one(min_value=-3.0, max_value=3.0, avoid=(-1.0, 1.0)),
         reference=lambda x: np.clip(x, -1.0, 1.0)),
    Spec("hard_tanh", nn.relu6, one(min_value=-2.0, max_value=8.0, avoid=(0.0, 6.0)),
         reference=lambda x: np.clip(x, 0.0, 6.0), tags=("relu6",)),
]
