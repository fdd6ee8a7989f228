"""``torch.autograd.gradcheck`` / ``gradgradcheck`` on ``fgrad.testing.check_grads``."""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from fgrad.testing import check_grads

from .._tensor import Tensor, wrap

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when a backward disagrees with finite differences.

    >>> class Wrong(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g
    >>> x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    >>> try:
    ...     torch.autograd.gradcheck(Wrong.apply, (x,))
    ... except RuntimeError as e:
    ...     print(type(e).__name__)
    GradcheckError
    """


def _pure(func: Callable[..., Any], inputs: Any) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """func as a function of the raw values of the inputs that require grad (others fixed)."""
    pos = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def f(*vals):
        args = list(inputs)
        for i, v in zip(pos, vals):
            args[i] = wrap(v)
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and i not in pos:
                args[i] = wrap(a._raw())
        out = func(*args)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        res = tuple(o._data for o in outs if isinstance(o, Tensor) and o._np_dtype().kind in "fc")
        return res[0] if len(res) == 1 else res

    vals = tuple(np.array(inputs[i]._raw()) for i in pos)
    return f, vals


def _check(func: Callable[..., Any], inputs: Any, order: int, eps: float, atol: float, rtol: float,
           raise_exception: bool) -> bool:
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x._np_dtype() != np.float64:
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


def _supported_only(what: str, options: dict[str, Any], supported: dict[str, Any]) -> None:
    """torch's options that change what is checked: only the values this check honours are accepted."""
    for name, value in options.items():
        if not any(value is v or (type(value) is type(v) and value == v) for v in supported[name]):
            raise NotImplementedError(f"{what}({name}={value!r}) is not supported by fgrad_nn")


# option -> the values that describe what fgrad_nn checks: dense inputs, reverse mode, the full Jacobian
# (check_undefined_grad is accepted either way: that check is not made)
_GRADCHECK = {"nondet_tol": (0.0, 0), "check_undefined_grad": (True, False), "check_grad_dtypes": (False,),
              "check_batched_grad": (False,), "check_batched_forward_grad": (False,), "check_forward_ad": (False,),
              "check_backward_ad": (True,), "fast_mode": (False,), "masked": (None, False)}
_GRADGRADCHECK = dict(_GRADCHECK, grad_outputs=(None,), gen_non_contig_grad_outputs=(False,),
                      check_fwd_over_rev=(False,), check_rev_over_rev=(True,))


def gradcheck(func: Callable[..., Any], inputs: Tensor | tuple[Any, ...], *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when ``func``'s backward agrees with finite differences (raises GradcheckError otherwise).

    Checks the tape's rules through fgrad's reverse mode on the same code (Tensors over
    fgrad tracers), with fgrad.testing.check_grads. torch's other options are supported at
    their defaults only (NotImplementedError otherwise); undefined output gradients are not checked.

    >>> x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(torch.sin, (x,))
    True
    """
    _supported_only("gradcheck", dict(
        nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
        check_forward_ad=check_forward_ad, check_backward_ad=check_backward_ad, fast_mode=fast_mode,
        masked=masked), _GRADCHECK)
    return _check(func, inputs, 1, eps, atol, rtol, raise_exception)


def gradgradcheck(func: Callable[..., Any], inputs: Tensor | tuple[Any, ...], grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Second-order ``gradcheck``: the gradient of the gradient against finite differences.

    torch's other options are supported at their defaults only.

    >>> x = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradgradcheck(torch.tanh, (x,))
    True
    """
    _supported_only("gradgradcheck", dict(
        grad_outputs=grad_outputs, gen_non_contig_grad_outputs=gen_non_contig_grad_outputs,
        nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev,
        check_rev_over_rev=check_rev_over_rev, fast_mode=fast_mode, masked=masked), _GRADGRADCHECK)
    return _check(func, inputs, 2, eps, atol, rtol, raise_exception)
