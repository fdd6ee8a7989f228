"""Specs for the primitives of fgrad/numpy/_numeric.py (the rest of the breadth modules are composites)."""
import numpy as np

import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays, broadcastable_arrays

from ._spec import Spec, on_device_of

_SHIFTS = np.array([2, -1, 0, 3])


def _ints(x):
    """Integers from a float draw, so integer-only operations see varied values."""
    return fnp.astype(fnp.round(x * 7), np.int64)


def _np_ints(x):
    return np.round(x * 7).astype(np.int64)


def _with_shifts(draw):
    return (draw(arrays(shape=(3, 4))),)


SPECS = [
    Spec("imag", lambda x, y: fnp.imag(x + 1j * y), lambda d: d(broadcastable_arrays()),
         reference=lambda x, y: np.imag(x + 1j * y)),
    Spec("imag", lambda x: fnp.imag(fnp.exp(1j * x)), lambda d: (d(arrays()),), reference=np.sin),
    Spec("ldexp", lambda x: fnp.ldexp(x, on_device_of(x, _SHIFTS)), _with_shifts,
         reference=lambda x: np.ldexp(x, _SHIFTS)),
    Spec("frexp_exponent", lambda x: fnp.frexp(x)[1], lambda d: (d(arrays()),), reference=lambda x: np.frexp(x)[1],
         nondiff=True),
    Spec("gcd", lambda x, y: fnp.gcd(_ints(x), _ints(y)), lambda d: d(broadcastable_arrays()),
         reference=lambda x, y: np.gcd(_np_ints(x), _np_ints(y)), nondiff=True),
    Spec("lcm", lambda x, y: fnp.lcm(_ints(x), _ints(y)), lambda d: d(broadcastable_arrays()),
         reference=lambda x, y: np.lcm(_np_ints(x), _np_ints(y)), nondiff=True),
    Spec("left_shift", lambda x: fnp.left_shift(_ints(x), 2), lambda d: (d(arrays()),),
         reference=lambda x: np.left_shift(_np_ints(x), 2), nondiff=True),
    Spec("right_shift", lambda x: fnp.right_shift(_ints(x), 1), lambda d: (d(arrays()),),
         reference=lambda x: np.right_shift(_np_ints(x), 1), nondiff=True),
    Spec("bitwise_count", lambda x: fnp.bitwise_count(_ints(x)), lambda d: (d(arrays()),),
         reference=lambda x: np.bitwise_count(_np_ints(x)), nondiff=True),
    Spec("nextafter", fnp.nextafter, lambda d: d(broadcastable_arrays()), reference=np.nextafter, nondiff=True),
]
