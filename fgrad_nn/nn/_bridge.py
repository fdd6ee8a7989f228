"""The one bridge from the torch face to the pure face: :func:`call_pure`.

Every ``F`` function and every Module runs its pure function (``fgrad.nn.functional``)
or pure layer (``layer.apply``) through it: the Tensors in the arguments -- nested param
dicts, LSTM's ``(h, c)``, masks given by keyword -- are unwrapped, the call is recorded on
the autograd tape as one op, the output nest comes back with Tensors at its leaves, and
a layer's new state is written into the Module's buffers. Exceptions pass through as the
pure code raised them: it raises torch's types.
"""
from fgrad import backend
from fgrad.nn.base import flatten_params
from fgrad.tree_util import tree_flatten, tree_unflatten, treedef_is_leaf

from .._ops._common import in_float32
from .._tensor import Tensor, apply, on_tape

__all__ = ["call_pure"]


_NESTS = (tuple, list, dict)


def _is_tensor(x):
    return isinstance(x, Tensor)


def call_pure(fn, *args, name=None, buffers=None, **kwargs):
    """``fn(*args, **kwargs)`` on the arrays under the Tensors anywhere in ``args``/``kwargs``.

    Returns ``fn``'s output with a Tensor (named ``name`` for ``grad_fn``) at each array leaf, in
    the same nest (a tuple, a list, None where ``fn`` gave None). ``buffers``: a dict from dotted
    names to Tensors that ``fn`` updates: it then returns ``(output, new)`` with ``new`` a nest of
    dicts under the same names (a layer's ``apply`` and its new state), and each new value that is
    not the one passed in is written into its buffer in place, without grad (torch's running
    statistics).
    """
    if any(isinstance(v, _NESTS) for v in args) or any(isinstance(v, _NESTS) for v in kwargs.values()):
        leaves, tree = tree_flatten((args, kwargs), is_leaf=_is_tensor)
        rebuild = tree.unflatten
    else:  # flat arguments (most F calls): no pytree walk
        leaves, n, keys = [*args, *kwargs.values()], len(args), list(kwargs)

        def rebuild(filled):
            return filled[:n], dict(zip(keys, filled[n:]))
    where = [i for i, v in enumerate(leaves) if isinstance(v, Tensor)]
    cell = []

    def run(*vals):
        filled = list(leaves)
        for i, v in zip(where, vals):
            filled[i] = v
        a, kw = rebuild(filled)
        out = fn(*a, **kw)
        if buffers is not None:
            out, new = out
            given = {id(t): v for t, v in zip((leaves[i] for i in where), vals)}
            new = flatten_params(new)
            cell.append({n: new[n] for n, b in buffers.items()
                         if new.get(n) is not None and new[n] is not given.get(id(b))})
        if not isinstance(out, _NESTS) and out is not None:
            cell.append(None)
            return out
        out_leaves, out_tree = tree_flatten(out)
        cell.append(out_tree)
        return out_leaves[0] if treedef_is_leaf(out_tree) else out_leaves

    tensors = [leaves[i] for i in where]
    if buffers is None and kwargs.get("dtype") is None and \
            any(backend.is_bfloat16(t._np_dtype()) for t in tensors):
        # torch computes its nn kernels on bfloat16 in float32 and rounds each result once (an explicit
        # dtype= or a layer's buffers keep the pure function's own dtypes)
        run = in_float32(run)
    res = apply(run, tensors, None, name, out_kind="auto", numpy_errors=False)
    out_tree = cell[-1]
    if buffers is not None:
        for n, value in cell[0].items():
            buffers[n]._assign(_off_tape(value))
    return res if out_tree is None or treedef_is_leaf(out_tree) else tree_unflatten(out_tree, res)


def _off_tape(v):
    """A buffer's new value without the autograd tape (running statistics are constants to it)."""
    while on_tape(v):
        v = v._value
    return v
