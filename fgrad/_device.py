"""Moving arrays between devices: explicit, differentiable, never implicit."""
from . import backend, batching
from .core import Primitive, concrete
from .tree_util import tree_map

__all__ = ["device_put", "device_get"]


def _put_vjp(g, ans, x, device):
    return device_put(g, backend.device_of(concrete(x)))


_device_put = Primitive("device_put", lambda x, device: backend.transfer(x, device),
                        vjp=(_put_vjp,), jvp=(lambda t, ans, x, device: device_put(t, device),),
                        batch=batching.elementwise, linear=True)


def device_put(x, device=None):
    """``x`` (an array or pytree of arrays) on ``device`` ('cpu', 'cuda', 'cuda:1' or a Device).

    Differentiable: the cotangent travels back to the device the input came from.

    >>> y = fgrad.device_put(np.ones(3), "cpu")
    """
    device = backend.as_device(device)
    return tree_map(lambda v: _device_put.bind(v, device=device), x)


def device_get(x):
    """NumPy copies of every array in the pytree ``x`` (a visible device-to-host transfer)."""
    return tree_map(lambda v: backend.to_host(concrete(v)), x)
