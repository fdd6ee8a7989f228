"""``torch.autograd.gradcheck`` / ``gradgradcheck`` on ``fgrad.testing.check_grads``."""
import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _pure(func, inputs):
    """func as a function of the raw values of the inputs that require grad (others fixed)."""
    from .._tensor import Tensor, wrap, raw_of
    pos = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def f(*vals):
        args = list(inputs)
        for i, v in zip(pos, vals):
            args[i] = wrap(v)
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and i not in pos:
                args[i] = wrap(raw_of(a._data))
        out = func(*args)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        res = tuple(o._data for o in outs if isinstance(o, Tensor) and o._np_dtype().kind in "fc")
        return res[0] if len(res) == 1 else res

    vals = tuple(np.array(raw_of(inputs[i]._data)) for i in pos)
    return f, vals


def _check(func, inputs, order, eps, atol, rtol, raise_exception):
    from fgrad.testing import check_grads
    from .._tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x._np_dtype() != np.float64:
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. This "
                          "check will likely fail if all the inputs are not of double precision floating point. ")
    f, vals = _pure(func, inputs)
    if not vals:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    try:
        check_grads(f, vals, order=order, modes=("rev",), eps=eps, atol=atol, rtol=rtol)
    except AssertionError as e:
        if raise_exception:
            raise GradcheckError(f"Jacobian mismatch: {e}") from None
        return False
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **unused):
    """True when ``func``'s backward agrees with finite differences (raises GradcheckError otherwise).

    Checks the tape's rules through fgrad's reverse mode on the same code (Tensors over
    fgrad tracers), with fgrad.testing.check_grads.
    """
    return _check(func, inputs, 1, eps, atol, rtol, raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **unused):
    return _check(func, inputs, 2, eps, atol, rtol, raise_exception)
