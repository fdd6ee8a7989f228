"""Small helpers shared by test modules (conftest.py is for fixtures only)."""
import numpy as np

import fgrad


def host(x):
    """A NumPy copy of ``x``, wherever it lives."""
    return np.asarray(fgrad.device_get(x))
