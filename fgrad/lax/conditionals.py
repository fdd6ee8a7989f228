"""JAX's conditionals: ``cond`` and ``switch``, one ``cond`` primitive over staged branches.

Every branch is staged (on the operands' examples) and must give outputs of the same structure,
shapes and dtypes; only the chosen one runs. ``switch`` clamps its index into range, as JAX does.

>>> x = fnp.array(-2.0)
>>> print(fgrad.lax.cond(x > 0, lambda x: x, lambda x: -x, x))           # |x|
2.0
>>> print(fgrad.lax.switch(2, [fnp.sin, fnp.cos, fnp.tanh], 0.5).round(4))  # tanh(0.5)
0.4621
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import numpy as fnp
from ..staging import Program, Var, example_of
from ..tree_util import tree_flatten, tree_unflatten
from . import _common as C
from ._cond import bind_cond

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..typing import ArrayLike, PyTree

__all__ = ["cond", "switch"]

_NO_OPERAND = object()


def _operands(operands, operand, where):
    if operand is _NO_OPERAND:
        return operands
    if operands:
        raise TypeError(f"{where}: if 'operand' keyword is passed then no positional operands can be passed")
    return (operand,)


def _run(index, branches, operands, names):
    flat, in_tree = tree_flatten(tuple(operands))
    examples = [example_of(x) for x in flat]
    staged, trees = [], []
    for fun in branches:
        holder = {}

        def flat_fun(*a, fun=fun, holder=holder):
            leaves, holder["tree"] = tree_flatten(fun(*tree_unflatten(in_tree, list(a))))
            return leaves

        staged.append(C.stage_flat(flat_fun, examples))
        trees.append(holder["tree"])
    for k in range(1, len(branches)):
        a, b = staged[0].out_examples, staged[k].out_examples
        if trees[k] != trees[0] or [C.aval(x) for x in a] != [C.aval(x) for x in b]:
            raise TypeError(f"{names(0)} and {names(k)} outputs must have identical types (structure, shapes "
                            f"and dtypes), got {trees[0]} with types {C.avals_text(a)} and {trees[k]} with "
                            f"types {C.avals_text(b)}")
    consts = [c for s in staged for c in s.captured]
    n = len(flat)
    programs = []
    for k, s in enumerate(staged):
        fresh = lambda branches: [Var(*C.aval(c)) for t in branches for c in t.captured]  # noqa: E731
        ins = s.program.inputs
        inputs = fresh(staged[:k]) + ins[n:] + fresh(staged[k + 1:]) + ins[:n]
        programs.append(Program(inputs, s.program.equations, s.program.outputs))
    out = bind_cond(index, consts + flat, programs)
    return tree_unflatten(trees[0], out)


def switch(index: ArrayLike, branches: Sequence[Callable[..., Any]], *operands: PyTree,
           operand: PyTree = _NO_OPERAND) -> PyTree:
    """``branches[index](*operands)``, the index clamped into range (JAX's ``lax.switch``).

    ``index`` is an integer scalar (a traced one too); every branch is staged and must give outputs
    of the same structure, shapes and dtypes. ``operand=`` is JAX's older spelling of one operand.

    >>> print(fgrad.lax.switch(1, [lambda x: x, lambda x: 2 * x], 3.0))
    6.0
    >>> print(fgrad.lax.switch(5, [lambda x: x, lambda x: 2 * x], 3.0))   # index clamped to 1
    6.0
    """
    if not isinstance(branches, Sequence) or not all(callable(b) for b in branches):
        raise TypeError("lax.switch: branches argument should be a sequence of callables")
    operands = _operands(operands, operand, "switch")
    if not branches:
        raise ValueError("Empty branch sequence")
    shape, dtype = C.aval(index)
    if shape:
        raise TypeError(f"Branch index must be scalar, got {index!r:.60} of shape {shape}")
    if not np.issubdtype(dtype, np.integer):
        raise TypeError(f"Index type must be an integer, got {index!r:.60} of dtype {dtype}")
    if len(branches) == 1:
        return branches[0](*operands)
    index = fnp.astype(fnp.clip(index, 0, len(branches) - 1), np.int32)
    return _run(index, list(branches), operands, lambda k: f"branch {k}")


def cond(pred: ArrayLike, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: PyTree,
         operand: PyTree = _NO_OPERAND) -> PyTree:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, with only that branch run
    (JAX's ``lax.cond``); both are staged and must give the same types.

    ``pred`` is a boolean or numeric scalar, possibly traced (under ``vmap`` both branches run and
    the results are selected).

    >>> x = fnp.array(-2.0)
    >>> print(fgrad.lax.cond(x > 0, lambda x: x, lambda x: -x, x))
    2.0
    >>> print(fgrad.grad(lambda x: fgrad.lax.cond(x > 0, fnp.sin, fnp.cos, x))(0.0))   # -sin(0)
    -0.0
    """
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable")
    operands = _operands(operands, operand, "cond")
    if pred is None:
        raise TypeError("cond predicate is None")
    shape, dtype = C.aval(pred)
    if shape:
        raise TypeError(f"Pred must be a scalar, got {pred!r:.60} of shape {shape}")
    if not (dtype == np.bool_ or np.issubdtype(dtype, np.number)):
        raise TypeError(f"Pred type must be either boolean or number, got {dtype}")
    index = fnp.astype(fnp.not_equal(pred, 0), np.int32)
    names = lambda k: "false_fun" if k == 0 else "true_fun"  # noqa: E731
    return _run(index, [false_fun, true_fun], operands, names)
