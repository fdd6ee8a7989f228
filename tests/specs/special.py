"""Specs for the primitives of fgrad/scipy/special.py (references: scipy.special)."""
import scipy.special as sc

from fgrad.scipy import special
from fgrad.testing.strategies import arrays

from ._spec import Spec


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
