"""Specs for ``fgrad.lax``'s control-flow primitives: ``scan``, ``while`` and ``cond``.

The loops and branches are fixed by closures (a counter, a constant predicate), so finite
differences never cross into another branch or another number of steps. ``while`` has no reverse
mode (JAX refuses it too): forward mode only.
"""
import numpy as np

import fgrad.lax as lax
import fgrad.numpy as fnp
from fgrad.testing.strategies import arrays

from ._spec import Spec


def _scan(x, w):
    def step(c, xt):
        h = fnp.tanh(c * w + xt)
        return h, fnp.sum(h * c)
    c, ys = lax.scan(step, w * 0.5, x)
    return c * 2.0 + fnp.sum(ys)


def _scan_reference(x, w):
    c, total = w * 0.5, 0.0
    for xt in x:
        h = np.tanh(c * w + xt)
        total += np.sum(h * c)
        c = h
    return c * 2.0 + total


def _scan_pytree_reverse(x, w):
    (a, b), ys = lax.scan(lambda c, xt: ((c[0] * xt + c[1], fnp.sin(c[1]) * w), c[0] * w), (w, w * w), x,
                          reverse=True)
    return a + b + fnp.sum(ys, axis=0)


def _while(x):
    return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, fnp.sin(c[1]) * x + c[1]), (0, x))[1]


def _while_reference(x):
    v = x
    for _ in range(3):
        v = np.sin(v) * x + v
    return v


def _branches(p):
    return (lambda x, w: fnp.sin(x) * w, lambda x, w: x * x + w, lambda x, w: fnp.tanh(x * w))


def _x_w(draw):
    k = draw(arrays(shape=(2,))).shape[0] + 1
    return draw(arrays(shape=(4, k), min_value=-1.0, max_value=1.0)), draw(arrays(shape=(k,), min_value=-1.0,
                                                                                 max_value=1.0))


def _x(draw):
    return (draw(arrays(shape=(3,), min_value=-1.0, max_value=1.0)),)


def _cond(pred):
    return lambda x, w: lax.cond(pred, lambda a, b: fnp.sin(a) * b, lambda a, b: a * a + b, x, w)


SPECS = [
    Spec("scan", _scan, _x_w, reference=_scan_reference),
    Spec("scan", _scan_pytree_reverse, _x_w),
    Spec("while", _while, _x, reference=_while_reference, modes=("fwd",)),
    Spec("cond", _cond(True), _x_w, reference=lambda x, w: np.sin(x) * w),
    Spec("cond", _cond(False), _x_w, reference=lambda x, w: x * x + w),
    Spec("cond", lambda x, w: lax.switch(7, _branches(None), x, w), _x_w, reference=lambda x, w: np.tanh(x * w)),
]
