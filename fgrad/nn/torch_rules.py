"""torch's argument rules and message formats, shared by the pure layers and the torch face.

- :func:`normalize_dim`: a dim in ``[-ndim, ndim)`` made non-negative (a 0-d input takes -1 and 0),
  else torch's ``IndexError("Dimension out of range (expected to be in range of [a, b], but got c)")``.
- :func:`dtype_name`: torch's scalar-type name of a dtype (``"Float"``, ``"Long"`` ...).
- :func:`broadcast_shapes`: the broadcast shape, or torch's RuntimeError naming the mismatching dimension.
- :func:`size_str` / :func:`shape_str`: a shape as torch prints it, ``torch.Size([2, 3])`` / ``[2, 3]``.
- :func:`absolute`, :func:`clip`: torch's derivatives at the kinks (``fgrad.numpy``'s are JAX's).
- :func:`attained`: an extreme or median tied to the input, its gradient split among the elements equal to it.
- :func:`vector_norm`: torch's p-norm (not rescaled) with torch's gradients at zeros.

>>> normalize_dim(-1, 3), dtype_name("float32"), size_str((2, 3))
(2, 'Float', 'torch.Size([2, 3])')
"""
from typing import TYPE_CHECKING

import numpy as np

import fgrad.numpy as fnp
from fgrad.core import Tracer
from fgrad.transforms import stop_gradient

if TYPE_CHECKING:
    from fgrad.typing import Array, ArrayLike, Axis

__all__ = ["normalize_dim", "dtype_name", "broadcast_shapes", "size_str", "shape_str", "absolute", "attained",
           "vector_norm"]

_DTYPE_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def normalize_dim(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-dimensional input, with torch's range check."""
    n = max(int(ndim), 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def dtype_name(dtype):
    """torch's scalar-type name of a NumPy dtype (or anything ``np.dtype`` takes): ``"Float"`` for float32."""
    name = np.dtype(dtype).name
    return _DTYPE_NAMES.get(name, name)


def broadcast_shapes(*shapes):
    """The broadcast shape, or torch's RuntimeError naming the last mismatching dimension (torch checks from
    the right)."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    out = tuple(shapes[0])
    for s in shapes[1:]:
        nd = max(len(out), len(s))
        a, b = (1,) * (nd - len(out)) + tuple(out), (1,) * (nd - len(s)) + tuple(s)
        for i in reversed(range(nd)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                   f"non-singleton dimension {i}")
        out = np.broadcast_shapes(a, b)
    return tuple(out)


def shape_str(shape):
    """``[2, 3]``: a shape as torch's C++ messages print it."""
    return "[" + ", ".join(str(int(v)) for v in shape) + "]"


def size_str(shape):
    """``torch.Size([2, 3])``: a shape as torch's Python messages print it."""
    return f"torch.Size({shape_str(shape)})"


def absolute(x):
    """``|x|`` with torch's derivative ``sgn(x)``: 0 at 0 and at nan, where ``fgrad.numpy.absolute`` follows
    JAX (1 at 0). Complex ``x``: ``x / |x|``, 0 at 0, which both conventions share.

    >>> import fgrad
    >>> print(fgrad.grad(absolute)(0.0), fgrad.grad(absolute)(-2.0))
    0.0 -1.0
    """
    if not isinstance(x, Tracer) or fnp.result_type(x).kind != "f":
        return fnp.absolute(x)
    # at 0 and nan the slope 0 multiplies, as torch's ``grad * sgn(x)``: an inf or nan upstream gives nan
    return fnp.where(x > 0, x, fnp.where(x < 0, -x, fnp.absolute(stop_gradient(x)) + x * 0))


def attained(x: "ArrayLike", v: "ArrayLike", axis: "Axis" = None, keepdims: bool = False,
             nan_attains: bool = True) -> "Array":
    """``v`` (a value each slice of ``x`` attains, dims kept) tied to ``x`` as torch's ``max()``, ``median()``
    and inf-norm are: the gradient split evenly among the elements equal to ``v`` (with ``nan_attains``, the
    NaNs when ``v`` is NaN; else a NaN ``v`` gets no gradient). ``fgrad.numpy.max``, as JAX's, gives NaN there.
    ``x - base`` is an exact 0 on those elements, so the value is ``v`` exactly.

    >>> import fgrad
    >>> print(fgrad.grad(lambda x: attained(x, fnp.max(x, keepdims=True)))(np.array([1.0, np.nan, np.nan])))
    [0.  0.5 0.5]
    """
    v = stop_gradient(v)
    hit = fnp.where(fnp.isnan(v), fnp.isnan(x), x == v) if nan_attains else x == v
    base = fnp.where(fnp.isinf(v), fnp.zeros_like(v), v)  # an infinite v: the mean of its copies, exact
    count = fnp.maximum(fnp.astype(fnp.sum(hit, axis=axis, keepdims=True), fnp.result_type(x)), 1)
    out = base + fnp.sum(fnp.where(hit, x - base, fnp.zeros_like(x)), axis=axis, keepdims=True) / count
    if keepdims:
        return out
    return fnp.reshape(out, ()) if axis is None else fnp.squeeze(out, axis=axis)


def _safe_where(zero, fn, v):
    """``fn(v)``, 0 where ``zero``: ``fn`` never sees those entries, so no inf slope meets a 0 cotangent."""
    return fnp.where(zero, fnp.zeros_like(v), fn(fnp.where(zero, fnp.ones_like(v), v)))


def vector_norm(x: "ArrayLike", ord: float = 2, axis: "Axis" = None, keepdims: bool = False) -> "Array":
    """torch's vector ``ord``-norm: ``sum(|x|**ord)**(1/ord)`` computed as torch does (not rescaled: 1e200
    entries overflow to inf) with torch's gradients: 0 where the norm is 0, and for ``0 < ord < 1`` 0 at zero
    entries (``fgrad.numpy.linalg.vector_norm`` is JAX's). ``ord=±inf``: the largest/smallest ``|x|``, the
    gradient split among ties; ``ord=0``: the count of nonzeros (no gradient).

    >>> import fgrad
    >>> print(vector_norm(np.array([3.0, -4.0])), fgrad.grad(vector_norm)(np.zeros(2)))
    5.0 [0. 0.]
    """
    a = absolute(x)
    if ord == 0:
        return fnp.sum(fnp.astype(a != 0, fnp.result_type(a)), axis=axis, keepdims=keepdims)
    if ord in (float("inf"), float("-inf")):
        ext = fnp.max if ord > 0 else fnp.min
        return attained(a, ext(stop_gradient(a), axis=axis, keepdims=True), axis, keepdims, nan_attains=False)
    if ord == 1:
        return fnp.sum(a, axis=axis, keepdims=keepdims)
    real = fnp.result_type(x).kind == "f"
    if real:  # a NaN entry's slope is NaN (absolute's would be 0)
        a = fnp.where(fnp.isnan(x), x, a)
    if ord == 2:
        s = fnp.sum(fnp.real(x * fnp.conj(x)) if fnp.result_type(x).kind == "c" else x * x, axis=axis,
                    keepdims=keepdims)
        return _safe_where(s == 0, fnp.sqrt, s)
    zero = a == 0  # slope 0 there, multiplied (a NaN upstream stays NaN, as torch's)
    powered = fnp.where(zero, (x if real else a) * 0, fnp.where(zero, fnp.ones_like(a), a) ** ord) if ord > 0 \
        else a ** ord
    s = fnp.sum(powered, axis=axis, keepdims=keepdims)
    return _safe_where(s == 0, lambda v: v ** (1.0 / ord), s) if ord > 0 else s ** (1.0 / ord)


def clip(x, lo=None, hi=None):
    """``clip(x, lo, hi)`` with torch.clamp's derivative: ``x`` gets the gradient inside the closed interval,
    a bound where ``x`` is strictly beyond it (by selection, so an inf or nan cotangent stays out of the
    positions a mask drops); ``fgrad.numpy.clip`` follows JAX (half the gradient at a bound).

    >>> import fgrad
    >>> fgrad.grad(lambda x: clip(x, 0.0, 1.0).sum())(fgrad.numpy.array([-1.0, 0.0, 1.0, 2.0]))
    array([0., 1., 1., 0.])
    """
    if not any(isinstance(v, Tracer) for v in (x, lo, hi)):
        return fnp.clip(x, lo, hi)
    raw = stop_gradient(x)
    inside = True
    if lo is not None:
        inside = raw >= stop_gradient(lo)
    if hi is not None:
        inside = inside & (raw <= stop_gradient(hi))
    # outside, JAX's rule of the bounds is torch's (lo where x < lo < hi, hi where x > hi or hi < lo)
    return fnp.where(inside, x, fnp.clip(raw, lo, hi))
