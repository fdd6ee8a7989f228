"""Specs for the core primitives: shape basics, sum, casts, constants, device transfer."""
import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays

from ._spec import Spec


def one(**kw):
    return lambda draw: (draw(arrays(**kw)),)


def _matrix(draw):
    return (draw(arrays(min_dims=2, max_dims=3)),)


SPECS = [
    Spec("reshape", lambda x: fnp.reshape(x, (-1,)), one(min_dims=2), reference=lambda x: np.reshape(x, (-1,))),
    Spec("reshape", lambda x: fnp.reshape(x, (1,) + x.shape + (1,)), one(),
         reference=lambda x: np.reshape(x, (1,) + x.shape + (1,))),
    Spec("broadcast_to", lambda x: fnp.broadcast_to(x, (2,) + x.shape), one(),
         reference=lambda x: np.broadcast_to(x, (2,) + x.shape)),
    Spec("broadcast_to", lambda x: fnp.broadcast_to(x, (3, 4)), one(shape=(1, 4)),
         reference=lambda x: np.broadcast_to(x, (3, 4))),
    Spec("transpose", fnp.transpose, _matrix, reference=np.transpose),
    Spec("transpose", lambda x: fnp.transpose(x, (1, 0, 2)), one(min_dims=3, max_dims=3),
         reference=lambda x: np.transpose(x, (1, 0, 2))),
    Spec("sum", fnp.sum, one(), reference=np.sum),
    Spec("sum", lambda x: fnp.sum(x, axis=-1, keepdims=True), one(min_dims=1),
         reference=lambda x: np.sum(x, axis=-1, keepdims=True)),
    Spec("sum", lambda x: fnp.sum(x, axis=(0, -1)), one(min_dims=2), reference=lambda x: np.sum(x, axis=(0, -1))),
    Spec("astype", lambda x: fnp.real(fnp.astype(x, np.complex128)), one(), reference=lambda x: x),
    Spec("device_put", lambda x: fgrad.device_put(x, "cpu"), one(), reference=lambda x: x),
    Spec("stop_gradient", fgrad.stop_gradient, one(), reference=lambda x: x, nondiff=True),
    Spec("zeros_like", fnp.zeros_like, one(), reference=np.zeros_like, nondiff=True),
    Spec("ones_like", fnp.ones_like, one(), reference=np.ones_like, nondiff=True),
    Spec("full_like", lambda x: fnp.full_like(x, 2.5), one(), reference=lambda x: np.full_like(x, 2.5), nondiff=True),
]
