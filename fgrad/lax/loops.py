"""JAX's loops: ``scan``, ``fori_loop``, ``while_loop`` and ``map``.

Each stages the user's body once (on example values: the carry and one slice of ``xs``) and binds
one primitive (``scan`` or ``while``) whose rules give every transform. ``fori_loop`` with bounds
known when it is called (Python or NumPy integers) is a ``scan``, so reverse mode works through it;
with traced bounds it is a ``while_loop``, which reverse mode refuses, as in JAX.

>>> print(fgrad.lax.fori_loop(0, 3, lambda i, x: x * 2.0, 1.0))
8.0
"""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from .. import numpy as fnp
from ..batching import vmap
from ..core import Tracer
from ..staging import example_of
from ..tree_util import tree_flatten, tree_map, tree_unflatten
from . import _common as C
from ._scan import bind_scan
from ._while import bind_while

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..typing import ArrayLike, PyTree

__all__ = ["scan", "fori_loop", "while_loop", "map"]


def _check_unroll(unroll):
    if isinstance(unroll, bool) or (isinstance(unroll, (int, np.integer)) and unroll >= 0):
        return int(unroll)
    raise ValueError(f"`unroll` must be a `bool` or a non-negative `int`, got {unroll!r}")


def _scan_length(xs_flat, length):
    lengths = []
    for x in xs_flat:
        shape = C.aval(x)[0]
        if not shape:
            raise ValueError(f"scan got an xs leaf of shape {shape}, with no leading axis to scan over")
        lengths.append(shape[0])
    if length is not None:
        length = operator.index(length)
        if any(n != length for n in lengths):
            raise ValueError(f"scan got `length` argument of {length} which disagrees with leading axis sizes "
                             f"{lengths} of xs")
        return length
    if not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided")
    if len(set(lengths)) > 1:
        raise ValueError(f"scan got values with different leading axis sizes: {', '.join(str(n) for n in lengths)}")
    return lengths[0]


def _stage_body(f, init, init_tree, xs_flat, xs_tree):
    """Stage ``f(carry, x)`` on examples: (program over carry+x+captured, captured, carry/y trees, outs)."""
    trees = {}

    def body(*leaves):
        carry = tree_unflatten(init_tree, list(leaves[:len(init)]))
        x = tree_unflatten(xs_tree, list(leaves[len(init):]))
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"scan body output must be a pair (carry, y), got {type(out).__name__}")
        c_flat, trees["carry"] = tree_flatten(out[0])
        y_flat, trees["y"] = tree_flatten(out[1])
        trees["n_y"] = len(y_flat)
        return c_flat + y_flat

    examples = [example_of(a) for a in init] + [C.slice_example(x) for x in xs_flat]
    staged = C.stage_flat(body, examples)
    return staged, trees


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: PyTree, xs: PyTree = None, length: int | None = None,
         reverse: bool = False, unroll: int | bool = 1, _split_transpose: bool = False) -> tuple[PyTree, PyTree]:
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; returns ``(carry, ys)``
    with the ``y`` stacked (JAX's ``lax.scan``). ``xs=None`` needs ``length``; ``y`` may be None.

    ``carry`` keeps its structure, shapes and dtypes from step to step; ``xs`` and ``ys`` may be
    pytrees. ``reverse=True`` runs from the last slice to the first; ``unroll`` steps run per
    iteration of the staged loop (the result is the same).

    >>> def step(c, x):
    ...     return c + x, c * x
    >>> carry, ys = fgrad.lax.scan(step, 0.0, fnp.arange(4.0))
    >>> print(carry, ys)
    6.0 [0. 0. 2. 9.]
    """
    C.check_callable(f, "lax.scan: f")
    unroll = _check_unroll(unroll)
    xs_flat, xs_tree = tree_flatten(xs)
    length = _scan_length(xs_flat, length)
    init_flat, init_tree = C.flat_inputs(init)
    weak = C.weak_flags(init)
    staged, trees = _stage_body(f, init_flat, init_tree, xs_flat, xs_tree)
    n = len(init_flat)
    init_flat, changed = C.match_carry("scan body", init_flat, init_tree, weak, staged.out_examples[:n],
                                       trees["carry"])
    if changed:  # staged again on the promoted carry, whose types must now hold
        staged, trees = _stage_body(f, init_flat, init_tree, xs_flat, xs_tree)
        C.match_carry("scan body", init_flat, init_tree, [False] * n, staged.out_examples[:n], trees["carry"])
    n_in = n + len(xs_flat)
    program = C.permute(staged.program, list(range(n_in, len(staged.program.inputs))) + list(range(n_in)))
    carry, ys = bind_scan(staged.captured, init_flat, xs_flat, program, length, bool(reverse), unroll)
    return tree_unflatten(init_tree, carry), tree_unflatten(trees["y"], ys)


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: PyTree) -> PyTree:
    """Run ``body_fun`` on the carry while ``cond_fun(carry)`` is True (JAX's ``lax.while_loop``).
    Forward mode and ``vmap`` work through it; reverse mode raises a ValueError, as in JAX.

    ``cond_fun`` returns a boolean scalar; ``body_fun`` returns a carry of ``init_val``'s structure
    and types.

    >>> print(fgrad.lax.while_loop(lambda x: x < 10, lambda x: x * 2, 1))
    16
    """
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable, got "
                        f"{type(body_fun).__name__} and {type(cond_fun).__name__}")
    init_flat, init_tree = C.flat_inputs(init_val)
    weak = C.weak_flags(init_val)
    while True:
        examples = [example_of(a) for a in init_flat]
        trees = {}

        def body_flat(*a):
            leaves, trees["out"] = tree_flatten(body_fun(tree_unflatten(init_tree, list(a))))
            return leaves

        body = C.stage_flat(body_flat, examples)
        init_flat, changed = C.match_carry("while_loop body", init_flat, init_tree, weak, body.out_examples,
                                           trees["out"])
        if not changed:
            break
        weak = [False] * len(weak)  # one promotion: a body that changes the types again is an error
    cond = C.stage_flat(lambda *a: [cond_fun(tree_unflatten(init_tree, list(a)))], examples)
    ex = cond.out_examples
    if len(tree_flatten(ex)[0]) != 1 or C.aval(ex[0]) != ((), np.dtype(bool)):
        raise TypeError(f"cond_fun must return a boolean scalar, but got output type(s) {C.avals_text(ex)}")
    n = len(init_flat)
    reorder = lambda p: C.permute(p, list(range(n, len(p.inputs))) + list(range(n)))  # noqa: E731
    out = bind_while(cond.captured, body.captured, init_flat, reorder(cond.program), reorder(body.program))
    return tree_unflatten(init_tree, out)


def _bound_dtype(lower, upper):
    return np.result_type(*[np.int64 if isinstance(b, int) else C.dtype_of(b) for b in (lower, upper)])


def fori_loop(lower: ArrayLike, upper: ArrayLike, body_fun: Callable[[Any, Any], Any], init_val: PyTree, *,
              unroll: int | bool | None = None) -> PyTree:
    """``for i in range(lower, upper): val = body_fun(i, val)`` (JAX's ``lax.fori_loop``).

    Bounds known when called make it a ``scan`` (reverse-mode differentiable); traced bounds make
    it a ``while_loop``.

    >>> print(fgrad.lax.fori_loop(0, 4, lambda i, s: s + i, 0))
    6
    >>> print(fgrad.grad(lambda x: fgrad.lax.fori_loop(0, 3, lambda i, v: v * x, 1.0))(2.0))   # d/dx x**3
    12.0
    """
    C.check_callable(body_fun, "lax.fori_loop: body_fun")
    for b in (lower, upper):
        if not (isinstance(b, Tracer) or np.issubdtype(C.dtype_of(b), np.integer)):
            raise TypeError(f"fori_loop: lower and upper must be integers, got dtype {C.dtype_of(b)}")
    dtype = _bound_dtype(lower, upper)
    if not isinstance(lower, Tracer) and not isinstance(upper, Tracer):
        lo, hi = operator.index(lower), operator.index(upper)

        def step(carry, _):
            i, x = carry
            return (i + 1, body_fun(i, x)), None

        (_, out), _ = scan(step, (np.asarray(lo, dtype), init_val), None, length=max(hi - lo, 0),
                           unroll=1 if unroll is None else unroll)
        return out
    if unroll not in (None, False, 1):
        raise ValueError("fori_loop: `unroll` needs loop bounds known when it is called (Python or NumPy "
                         "integers), not traced values")
    lower, upper = fnp.astype(fnp.asarray(lower), dtype), fnp.astype(fnp.asarray(upper), dtype)
    _, _, out = while_loop(lambda c: c[0] < c[1], lambda c: (c[0] + 1, c[1], body_fun(c[0], c[2])),
                           (lower, upper, init_val))
    return out


def map(f: Callable[[Any], Any], xs: PyTree, *, batch_size: int | None = None) -> PyTree:  # noqa: A001 (JAX's name)
    """``f`` applied to each slice of ``xs`` along its leading axis, stacked (JAX's ``lax.map``);
    with ``batch_size``, ``f`` is vmapped over batches of that many slices.

    >>> fgrad.lax.map(lambda x: x * 2, fnp.arange(3.0))
    array([0., 2., 4.])
    >>> fgrad.lax.map(fnp.sum, fnp.arange(6.0).reshape(3, 2), batch_size=2)
    array([1., 5., 9.])
    """
    C.check_callable(f, "lax.map: f")
    if batch_size is None:
        return scan(lambda _, x: ((), f(x)), (), xs)[1]
    leaves = tree_flatten(xs)[0]
    n = _scan_length(leaves, None)
    n_batches, rest = divmod(n, batch_size)
    split = n_batches * batch_size
    outs = []
    if n_batches:
        batched = tree_map(lambda x: fnp.reshape(x[:split], (n_batches, batch_size) + C.aval(x)[0][1:]), xs)
        ys = scan(lambda _, x: ((), vmap(f)(x)), (), batched)[1]
        outs.append(tree_map(lambda y: fnp.reshape(y, (split,) + C.aval(y)[0][2:]), ys))
    if rest:
        outs.append(vmap(f)(tree_map(lambda x: x[split:], xs)))
    if len(outs) == 1:
        return outs[0]
    return tree_map(lambda a, b: fnp.concatenate([a, b]), outs[0], outs[1])
