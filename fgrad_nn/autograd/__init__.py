"""``torch.autograd``: backward, grad, Function, gradcheck, grad mode, on one fgrad tape."""
from . import grad_mode  # noqa: F401
from ._tape import TAPE, TapeTrace  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                        set_grad_enabled)


class _Functional:
    """``torch.autograd.functional``: jacobian, hessian, vjp, jvp via fgrad transforms."""

    @staticmethod
    def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
        import fgrad
        from .._tensor import Tensor, wrap, raw_of
        single = isinstance(inputs, Tensor)
        ins = (inputs,) if single else tuple(inputs)
        vals = [raw_of(t._data) for t in ins]

        def f(*xs):
            out = func(*[wrap(x) for x in xs])
            return out._data if isinstance(out, Tensor) else tuple(o._data for o in out)
        jac = fgrad.jacrev(f, argnums=tuple(range(len(vals))))(*vals)
        if isinstance(jac, tuple) and jac and isinstance(jac[0], tuple):
            return tuple(tuple(wrap(j) for j in row) for row in jac)
        res = tuple(wrap(j) for j in jac)
        return res[0] if single else res

    @staticmethod
    def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
        import fgrad
        from .._tensor import Tensor, wrap, raw_of
        single = isinstance(inputs, Tensor)
        ins = (inputs,) if single else tuple(inputs)
        vals = [raw_of(t._data) for t in ins]

        def f(*xs):
            return func(*[wrap(x) for x in xs])._data
        h = fgrad.hessian(f, argnums=tuple(range(len(vals))))(*vals)
        if single:
            return wrap(h[0][0])
        return tuple(tuple(wrap(x) for x in row) for row in h)


functional = _Functional()
