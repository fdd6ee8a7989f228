"""``torch.autograd.functional``: ``jacobian`` and ``hessian`` through fgrad's transforms."""
import fgrad

from .._tensor import Tensor, wrap

__all__ = ["jacobian", "hessian"]


def _defaults_only(what, options):
    """torch's options this implementation does not honour: accepted at their defaults only."""
    for name, (value, default) in options.items():
        if value != default:
            raise NotImplementedError(f"torch.autograd.functional.{what}({name}={value!r}) is not supported by "
                                      f"fgrad_nn")


def _inputs(inputs):
    single = isinstance(inputs, Tensor)
    return single, [t._raw() for t in ((inputs,) if single else tuple(inputs))]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs`` (a Tensor or a tuple of Tensors), by ``fgrad.jacrev``."""
    _defaults_only("jacobian", {"create_graph": (create_graph, False), "strict": (strict, False),
                                "vectorize": (vectorize, False), "strategy": (strategy, "reverse-mode")})
    single, vals = _inputs(inputs)

    def f(*xs):
        out = func(*[wrap(x) for x in xs])
        return out._data if isinstance(out, Tensor) else tuple(o._data for o in out)
    jac = fgrad.jacrev(f, argnums=tuple(range(len(vals))))(*vals)
    if isinstance(jac, tuple) and jac and isinstance(jac[0], tuple):
        return tuple(tuple(wrap(j) for j in row) for row in jac)
    res = tuple(wrap(j) for j in jac)
    return res[0] if single else res


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of the scalar ``func`` at ``inputs`` (a Tensor or a tuple of Tensors), by ``fgrad.hessian``."""
    _defaults_only("hessian", {"create_graph": (create_graph, False), "strict": (strict, False),
                               "vectorize": (vectorize, False),
                               "outer_jacobian_strategy": (outer_jacobian_strategy, "reverse-mode")})
    single, vals = _inputs(inputs)

    def f(*xs):
        return func(*[wrap(x) for x in xs])._data
    h = fgrad.hessian(f, argnums=tuple(range(len(vals))))(*vals)
    if single:
        return wrap(h[0][0])
    return tuple(tuple(wrap(x) for x in row) for row in h)
