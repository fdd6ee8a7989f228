"""Specs for fgrad.random's one primitive, ``random_sample`` (every draw binds it; it has no
derivative). The parameters are the arrays here: a key is fixed on the parameters' device, so
the batching test maps the parameters (tests/test_batching_custom_random.py maps the keys)."""
import fgrad
import fgrad.random as fr
from fgrad import backend
from fgrad.core import concrete
from fgrad.testing.strategies import arrays

from ._spec import Spec


def one(**kw):
    return lambda draw: (draw(arrays(**kw)),)


def _key(x, seed=0):
    """A key on ``x``'s device."""
    return fgrad.device_put(fr.key(seed), backend.device_of(concrete(x)))


SPECS = [
    Spec("random_sample", lambda m: fr.uniform(_key(m), (2, 3), minval=m, maxval=m + 1.0), one(shape=(3,)),
         nondiff=True, tags=("uniform",)),
    Spec("random_sample", lambda p: fr.bernoulli(_key(p, 1), p + 0.5), one(max_dims=2), nondiff=True,
         tags=("bernoulli",)),
    Spec("random_sample", lambda a: fr.truncated_normal(_key(a, 2), a - 1.0, a + 1.0, (4,) + a.shape),
         one(max_dims=2), nondiff=True, tags=("truncated_normal",)),
    Spec("random_sample", lambda lg: fr.categorical(_key(lg, 3), lg, shape=(2,) + lg.shape[:-1]),
         one(min_dims=1, max_dims=2), nondiff=True, tags=("categorical",)),
]
