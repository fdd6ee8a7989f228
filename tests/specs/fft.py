"""Specs for fgrad/numpy/fft.py: the one ``fft`` primitive in each of its kinds, against numpy.fft.

Complex inputs are drawn as two real arrays and joined inside the function, and complex outputs
are returned as their (real, imaginary) parts: the finite-difference checks then see every real
direction of the complex linear map, in whichever convention the harness pairs complex values.
Shapes are drawn small (sides 1-4, up to three axes), so a fixed ``n``/``s`` pads one draw and
cuts another.
The transposes (``rfft_transpose``, ``irfft_transpose``) are the VJPs of ``rfft``/``irfft``: the
reverse-mode and second-order checks run them, and their own VJPs are ``rfft``/``irfft`` again.
"""
import numpy as np

import fgrad.numpy as fnp
import fgrad.numpy.fft  # noqa: F401  (registers the primitive)
from fgrad.testing.strategies import arrays

from ._spec import Spec


def _parts(y):
    """(real, imaginary) parts of a complex result: real outputs for the harness."""
    return fnp.real(y), fnp.real(y * -1j)


def _np_parts(y):
    return np.real(y), np.imag(y)


def _spec(name, real_input, complex_output, min_side=1, min_dims=1, **params):
    """A Spec calling ``fnp.fft.<name>(x, **params)``, checked against ``np.fft.<name>``."""
    def args(draw):
        x = draw(arrays(min_dims=min_dims, max_dims=3, min_side=min_side))
        return (x,) if real_input else (x, draw(arrays(x.shape)))

    def call(module, parts):
        def fun(*xs):
            x = xs[0] if real_input else xs[0] + 1j * xs[1]
            y = getattr(module.fft, name)(x, **params)
            return parts(y) if complex_output else y
        return fun

    return Spec("fft", call(fnp, _parts), args, reference=call(np, _np_parts))


SPECS = [
    # complex to complex; n pads or cuts (the drawn sides are 1-4)
    _spec("fft", False, True),
    _spec("fft", False, True, n=3, norm="ortho"),
    _spec("fft", True, True, n=5, axis=0),                # real input: cast to complex first
    _spec("ifft", False, True),
    _spec("ifft", False, True, n=2, axis=0, norm="forward"),
    _spec("fftn", False, True, min_dims=2),
    _spec("fftn", False, True, min_dims=2, s=(3, 2), axes=(-1, 0), norm="ortho"),
    _spec("ifftn", False, True, min_dims=2, s=(5,), axes=(0,)),
    _spec("fft2", True, True, min_dims=2, norm="forward"),
    # real to half spectrum
    _spec("rfft", True, True),
    _spec("rfft", True, True, n=5, axis=0, norm="ortho"),
    _spec("rfft", True, True, n=2, norm="forward"),
    _spec("rfftn", True, True, min_dims=2),
    _spec("rfftn", True, True, min_dims=2, s=(4, 3), axes=(-1, 0), norm="ortho"),
    _spec("rfft2", True, True, min_dims=2, s=(3, 5), norm="forward"),
    # half spectrum to real (imaginary parts of the zero and Nyquist bins ignored)
    _spec("irfft", False, False, min_side=2),
    _spec("irfft", False, False, n=5, axis=0, norm="ortho"),
    _spec("irfft", False, False, n=6, norm="forward"),
    _spec("irfftn", False, False, min_dims=2, min_side=2),
    _spec("irfftn", False, False, min_dims=2, s=(3, 4), axes=(-1, 0), norm="ortho"),
    _spec("irfft2", False, False, min_dims=2, s=(2, 5), norm="forward"),
    # Hermitian transforms (composites of irfft / rfft with conj)
    _spec("hfft", False, False, n=4),
    _spec("ihfft", True, True, n=3, norm="ortho"),
]
