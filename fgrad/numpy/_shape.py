"""Shape operations: each moves or copies elements, so its derivative moves them back."""
import numpy as np

from ._util import defprim, shape

__all__ = ["reshape", "broadcast_to", "transpose", "expand_dims", "squeeze", "ravel"]


def _normalize_shape(newshape, size):
    if isinstance(newshape, (int, np.integer)):
        newshape = (int(newshape),)
    newshape = tuple(int(n) for n in newshape)
    if newshape.count(-1) > 1:
        raise ValueError(f"reshape: can only specify one unknown dimension, got {newshape}")
    if -1 in newshape:
        known = int(np.prod([n for n in newshape if n != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {newshape}")
        newshape = tuple(size // known if n == -1 else n for n in newshape)
    if int(np.prod(newshape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {newshape}")
    return newshape


_reshape = defprim("reshape", lambda x, shape: np.reshape(x, shape),
                   vjp=(lambda g, ans, x, shape: reshape(g, np.shape(x)),),
                   jvp=(lambda t, ans, x, shape: reshape(t, shape),))


def reshape(a, shape=None, order="C", *, newshape=None):
    """NumPy's reshape (C order). ``-1`` infers one dimension.

    >>> fnp.reshape(fnp.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise NotImplementedError("reshape: only order='C' is supported")
    if shape is None:
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    s = np.shape(a) if not hasattr(a, "shape") else a.shape
    target = _normalize_shape(shape, int(np.prod(s, dtype=np.int64)))
    if tuple(s) == target:
        return a
    return _reshape.bind(a, shape=target)


def ravel(a, order="C"):
    return reshape(a, (-1,), order)


def _broadcast_impl(x, shape):
    return np.broadcast_to(x, shape)


def _check_broadcast(s, target):
    if len(target) < len(s) or any(a != 1 and a != b for a, b in zip(s[::-1], target[::-1])):
        raise ValueError(f"operands could not be broadcast together: cannot broadcast shape {tuple(s)} "
                         f"to shape {tuple(target)}")


def _unbroadcast(g, x):
    from ._util import unbroadcast
    return unbroadcast(g, x)


_broadcast_to = defprim("broadcast_to", _broadcast_impl,
                        vjp=(lambda g, ans, x, shape: _unbroadcast(g, x),),
                        jvp=(lambda t, ans, x, shape: broadcast_to(t, shape),))


def broadcast_to(array, shape):
    """A read-only broadcast view, differentiable (its VJP sums the copies back)."""
    target = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    s = tuple(np.shape(array) if not hasattr(array, "shape") else array.shape)
    if s == target:
        return array
    _check_broadcast(s, target)
    return _broadcast_to.bind(array, shape=target)


def _inverse_perm(axes):
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


_transpose = defprim("transpose", lambda x, axes: np.transpose(x, axes),
                     vjp=(lambda g, ans, x, axes: transpose(g, _inverse_perm(axes)),),
                     jvp=(lambda t, ans, x, axes: transpose(t, axes),))


def transpose(a, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    nd = len(shape(a))
    if axes is None:
        axes = tuple(range(nd - 1, -1, -1))
    else:
        axes = tuple(int(ax) for ax in axes)
        if sorted(ax % nd if nd else ax for ax in axes) != list(range(nd)):
            raise ValueError(f"transpose: axes {axes} don't match an array of {nd} dimensions")
        axes = tuple(ax % nd for ax in axes)
    if axes == tuple(range(nd)):
        return a
    return _transpose.bind(a, axes=axes)


def _norm_axes(axis, nd, name):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(f"{name}: axis {ax} is out of bounds for array of dimension {nd}")
        out.append(int(ax) % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis}")
    return tuple(out)


def expand_dims(a, axis):
    s = shape(a)
    axes = _norm_axes(axis, len(s) + (1 if isinstance(axis, (int, np.integer)) else len(axis)), "expand_dims")
    it = iter(s)
    new = tuple(1 if i in axes else next(it) for i in range(len(s) + len(axes)))
    return reshape(a, new)


def squeeze(a, axis=None):
    s = shape(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(s) if n == 1)
    else:
        axes = _norm_axes(axis, len(s), "squeeze")
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size not equal "
                                 f"to one (axis {ax} of shape {s})")
    return reshape(a, tuple(n for i, n in enumerate(s) if i not in axes))
