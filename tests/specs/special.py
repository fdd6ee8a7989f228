"""Specs for the primitives of fgrad/scipy/special.py (references: scipy.special)."""
import scipy.special as sc

from fgrad.scipy import special
from fgrad.testing.strategies import arrays

from ._spec import Spec
from .complex_numbers import complexify


def one(**kw):
    return lambda draw: (draw(arrays(**kw)),)


def _polygamma_spec(n):
    return Spec("polygamma", lambda x: special.polygamma(n, x), one(min_value=0.5, max_value=6.0),
                reference=lambda x: sc.polygamma(n, x), tags=(f"n={n}",))


SPECS = [
    Spec("erf", special.erf, one(min_value=-3.0, max_value=3.0), reference=sc.erf),
    Spec("erfc", special.erfc, one(min_value=-3.0, max_value=5.0), reference=sc.erfc),
    Spec("erfcx", special.erfcx, one(min_value=-2.0, max_value=8.0), reference=sc.erfcx),
    Spec("erfinv", special.erfinv, one(min_value=-0.95, max_value=0.95), reference=sc.erfinv),
    Spec("erfcinv", special.erfcinv, one(min_value=0.05, max_value=1.95), reference=sc.erfcinv),
    Spec("ndtr", special.ndtr, one(min_value=-8.0, max_value=4.0), reference=sc.ndtr),
    Spec("log_ndtr", special.log_ndtr, one(min_value=-12.0, max_value=6.0), reference=sc.log_ndtr),
    Spec("expit", special.expit, one(min_value=-10.0, max_value=10.0), reference=sc.expit),
    Spec("gammaln", special.gammaln, one(min_value=0.2, max_value=9.0), reference=sc.gammaln),
    # Left of 0, between the poles (log|Gamma| is smooth there).
    Spec("gammaln", special.gammaln, one(min_value=-3.9, max_value=-0.1, avoid=(-3.0, -2.0, -1.0), margin=0.1),
         reference=sc.gammaln, tags=("negative",)),
    _polygamma_spec(0),
    _polygamma_spec(1),
    _polygamma_spec(2),
    Spec("polygamma", special.digamma, one(min_value=-2.9, max_value=-0.1, avoid=(-2.0, -1.0), margin=0.15),
         reference=sc.digamma, tags=("negative",)),
]


# ------------------------------------------------------------------ issue 12: JAX's wider list

def pair(lo_a, hi_a, lo_x, hi_x):
    """Two arrays of one drawn shape: a parameter in [lo_a, hi_a] and an argument in [lo_x, hi_x]."""
    def draw_args(draw):
        a = draw(arrays(min_value=lo_a, max_value=hi_a))
        return a, draw(arrays(shape=a.shape, min_value=lo_x, max_value=hi_x))
    return draw_args


SPECS += [
    Spec("gammainc", special.gammainc, pair(0.5, 4.0, 0.2, 5.0), reference=sc.gammainc, order=1),
    Spec("gammaincc", special.gammaincc, pair(0.5, 4.0, 0.2, 5.0), reference=sc.gammaincc, order=1),
    # the a-derivative is a primitive of its own; its derivative in x is closed-form (in a: not implemented)
    Spec("igamma_grad_a", lambda x: special._igamma_grad_a.bind(2.5, x), one(min_value=0.3, max_value=6.0)),
    Spec("betainc", lambda x: special.betainc(2.5, 1.5, x), one(min_value=0.05, max_value=0.95),
         reference=lambda x: sc.betainc(2.5, 1.5, x)),
    Spec("i0e", special.i0e, one(min_value=-4.0, max_value=4.0, avoid=(0.0,), margin=0.05), reference=sc.i0e),
    Spec("i1e", special.i1e, one(min_value=-4.0, max_value=4.0, avoid=(0.0,), margin=0.05), reference=sc.i1e),
    Spec("zeta", lambda q: special.zeta(3.0, q), one(min_value=0.5, max_value=5.0),
         reference=lambda q: sc.zeta(3.0, q)),
    Spec("exp1", special.exp1, one(min_value=0.2, max_value=5.0), reference=sc.exp1),
    Spec("expi", special.expi, one(min_value=0.2, max_value=5.0), reference=sc.expi),
    Spec("expi", special.expi, one(min_value=-5.0, max_value=-0.2), reference=sc.expi, tags=("negative",)),
    Spec("expn", lambda x: special.expn(2, x), one(min_value=0.2, max_value=5.0),
         reference=lambda x: sc.expn(2, x)),
    Spec("spence", special.spence, one(min_value=0.1, max_value=4.0, avoid=(1.0,), margin=0.05),
         reference=sc.spence),
    Spec("si", lambda x: special.sici(x)[0], one(min_value=-6.0, max_value=6.0), reference=lambda x: sc.sici(x)[0]),
    Spec("ci", lambda x: special.sici(x)[1], one(min_value=0.2, max_value=6.0), reference=lambda x: sc.sici(x)[1]),
    Spec("hyp1f1", lambda x: special.hyp1f1(1.5, 2.5, x), one(min_value=-4.0, max_value=4.0),
         reference=lambda x: sc.hyp1f1(1.5, 2.5, x)),
]

# the rest of JAX's list (wofz is holomorphic: a real draw gives a complex output, a complex draw below)
SPECS += [
    Spec("dawsn", special.dawsn, one(min_value=-4.0, max_value=4.0), reference=sc.dawsn),
    Spec("fresnel_s", lambda x: special.fresnel(x)[0], one(min_value=-2.5, max_value=2.5),
         reference=lambda x: sc.fresnel(x)[0]),
    Spec("fresnel_c", lambda x: special.fresnel(x)[1], one(min_value=-2.5, max_value=2.5),
         reference=lambda x: sc.fresnel(x)[1]),
    Spec("wofz", special.wofz, one(min_value=-4.0, max_value=4.0), reference=sc.wofz),
]

COMPLEX_SPECS = [
    Spec("wofz", special.wofz, complexify(one(min_value=-3.0, max_value=3.0)), reference=sc.wofz),
]
