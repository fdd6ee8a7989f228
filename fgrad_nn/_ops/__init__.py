"""The op families; importing this installs every method on Tensor (each op defined once)."""
from .._tensor import Tensor
from . import creation, indexing, linalg, pointwise, reduction, shape  # noqa: F401
from ._common import METHODS


def install():
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)


install()
