"""Moving arrays between devices: explicit, differentiable, never implicit."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import backend, batching
from .core import Primitive, concrete
from .tree_util import tree_map

if TYPE_CHECKING:
    from .backend import Device
    from .typing import PyTree

__all__ = ["device_put", "device_get"]


def _put_vjp(g, ans, x, device):
    return device_put(g, backend.device_of(concrete(x)))


_device_put = Primitive("device_put", lambda x, device: backend.transfer(x, device),
                        vjp=(_put_vjp,), jvp=(lambda t, ans, x, device: device_put(t, device),),
                        batch=batching.elementwise, linear=True)


def device_put(x: PyTree, device: str | Device | None = None) -> PyTree:
    """``x`` (an array or pytree of arrays) on ``device`` ('cpu', 'cuda', 'cuda:1' or a Device).

    Differentiable: the cotangent travels back to the device the input came from.

    >>> fgrad.device_put({"w": np.ones(3)}, "cpu")   # on a GPU: "cuda" (a CuPy array)
    {'w': array([1., 1., 1.])}
    """
    device = backend.as_device(device)
    return tree_map(lambda v: _device_put.bind(v, device=device), x)


def device_get(x: PyTree) -> PyTree:
    """NumPy copies of every array in the pytree ``x`` (a visible device-to-host transfer).

    >>> fgrad.device_get({"w": fnp.ones(2)})
    {'w': array([1., 1.])}
    """
    return tree_map(lambda v: backend.to_host(concrete(v)), x)
