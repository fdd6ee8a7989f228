"""What the control-flow primitives share: staging a user's function into a ``Program``, reading a
program's dependencies, and staging a program's JVP or batched form as a new program.

Each construct (scan, while, cond) is one primitive whose params hold staged programs; its rules
stage a transformed program (``jvp_program``, ``batched_program``) and bind the same primitive on
it, so every transform, at every order and under ``jit``, runs through the same rules.

>>> staged = stage_flat(lambda x: [fnp.sin(x)], [np.ones(3)])
>>> depends(staged.program, [True])   # the output reads the input
[True]
"""
import numpy as np

from .. import numpy as fnp
from ..batching import vmap
from ..core import Tracer, concrete
from ..staging import Program, Var, eval_program, example_of, stage
from ..staging.passes import DEPENDENCY_RULES, depends
from ..staging.program import aval_text
from ..transforms import jvp
from ..tree_util import tree_flatten, tree_structure

__all__ = ["stage_flat", "depends", "DEPENDENCY_RULES", "carry_fixpoint", "permute", "with_unused_inputs",
           "jvp_program", "batched_program", "batch_first", "is_inexact", "diff_flags", "dtype_of", "aval",
           "out_aval", "avals_text", "slice_example", "zeros_example", "check_callable", "flat_inputs",
           "match_carry", "weak_flags"]


def check_callable(fun, what):
    if not callable(fun):
        raise TypeError(f"{what} argument should be callable, got {type(fun).__name__}")


def dtype_of(x):
    x = concrete(x)
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


def is_inexact(x):
    """Does ``x`` (a value, tracer or Var) carry a derivative: a float or complex dtype."""
    dtype = x.dtype if isinstance(x, Var) else dtype_of(x)
    return np.issubdtype(dtype, np.inexact)


def diff_flags(args, wrt=None):
    """Which operands get a cotangent: the float/complex ones (among the argnums ``wrt`` when given:
    the ones reverse mode traced)."""
    return [inexact and (wrt is None or i in wrt) for i, inexact in enumerate(map(is_inexact, args))]


def aval(x):
    """(shape, dtype) of a value, tracer or Var."""
    if isinstance(x, Var):
        return x.shape, x.dtype
    return tuple(np.shape(x) if not isinstance(x, Tracer) else x.shape), np.dtype(dtype_of(x))


def avals_text(xs):
    return "[" + ", ".join(aval_text(*aval(x)) for x in xs) + "]"


def out_aval(atom):
    """(shape, dtype) of a program output (a Var or a Literal)."""
    if isinstance(atom, Var):
        return atom.shape, atom.dtype
    return aval(atom.value)


def zeros_example(like):
    """Zeros of ``like``'s shape and dtype, on its device (a concrete example or a constant)."""
    shape, dtype = aval(like)
    return fnp.get_array_module(like).zeros(shape, dtype)


def slice_example(x):
    """A concrete example of one step's slice of ``x`` (stacked along its leading axis)."""
    ex = example_of(x)
    if np.shape(ex)[0]:
        return ex[0]
    return fnp.get_array_module(ex).zeros(np.shape(ex)[1:], dtype_of(ex))


def stage_flat(fun, examples):
    """Stage ``fun(*leaves) -> list of leaves`` on concrete ``examples`` (``fgrad.staging.Staged``)."""
    examples = list(examples)
    return stage(lambda *a: list(fun(*a)), examples, tree_structure(tuple(examples)))


def carry_fixpoint(program, before, carry, after, n_out_carry=None):
    """Flags of a loop's carry that end up flagged (given the flags of the inputs ``before`` the
    carry and ``after`` it), when the body's first outputs are the new carry."""
    carry = list(carry)
    n = len(carry) if n_out_carry is None else n_out_carry
    while True:
        out = depends(program, list(before) + carry + list(after))[:n]
        new = [c or o for c, o in zip(carry, out)]
        if new == carry:
            return carry
        carry = new


def permute(program, in_order, out_order=None):
    """The same program with its inputs (and outputs) taken in the given orders (lists of indices)."""
    outs = program.outputs if out_order is None else [program.outputs[j] for j in out_order]
    return Program([program.inputs[i] for i in in_order], program.equations, outs)


def with_unused_inputs(program, before=(), after=()):
    """``program`` taking extra inputs (given by their examples) that it ignores."""
    new = lambda xs: [Var(*aval(x)) for x in xs]  # noqa: E731
    return Program(new(before) + program.inputs + new(after), program.equations, program.outputs)


def jvp_program(program, examples, nz_in, nz_out):
    """A program ``(*primals, *tangents of nz_in) -> (*outputs, *tangents of nz_out)``: the JVP of
    ``program`` (whose inputs have the concrete ``examples``), staged."""
    n = len(examples)
    diff = [i for i in range(n) if nz_in[i]]
    t_examples = [zeros_example(examples[i]) for i in diff]

    def joint(*args):
        primals, tangents = list(args[:n]), args[n:]

        def f(*d):
            full = list(primals)
            for i, v in zip(diff, d):
                full[i] = v
            return eval_program(program, full)

        outs, t_outs = jvp(f, tuple(primals[i] for i in diff), tuple(tangents))
        return list(outs) + [t for t, z in zip(t_outs, nz_out) if z]

    staged = stage_flat(joint, list(examples) + t_examples)
    assert not staged.captured
    return staged.program


def batched_program(program, examples, in_axes, out_axes, size):
    """``program`` mapped by ``vmap`` (``in_axes``/``out_axes``: 0 or None per input/output), staged
    on batched ``examples`` (their batch axis first)."""
    def mapped(*args):
        return vmap(lambda *a: eval_program(program, list(a)), in_axes=tuple(in_axes),
                    out_axes=list(out_axes), axis_size=size)(*args)

    staged = stage_flat(mapped, examples)
    assert not staged.captured
    return staged.program


def batch_first(x, d, size, want):
    """``x`` (batched along ``d`` or unbatched, ``d`` None) with its batch axis first when ``want``;
    an unbatched value is broadcast to the batch."""
    if not want:
        return x
    if d is None:
        return fnp.broadcast_to(fnp.expand_dims(x, 0), (size,) + aval(x)[0])
    return fnp.moveaxis(x, d, 0) if d else x


def flat_inputs(tree_value):
    """Leaves of a pytree, a Python scalar as a 0-d array (a loop's carry has a fixed type)."""
    leaves, tree = tree_flatten(tree_value)
    return [np.asarray(x) if isinstance(x, (bool, int, float, complex)) else x for x in leaves], tree


def match_carry(what, init, init_tree, weak, out, out_tree):
    """``init`` leaves cast where a weakly typed one (a Python scalar, flagged in ``weak``) differs from
    the body's output only in dtype; TypeError naming both when the carry's types differ otherwise.
    Returns (init leaves, whether any was cast)."""
    same = init_tree == out_tree and all(aval(a)[0] == aval(b)[0] for a, b in zip(init, out))
    if same:
        cast, changed = [], False
        for a, b, w in zip(init, out, weak):
            if aval(a)[1] != aval(b)[1]:
                if not w:
                    same = False
                    break
                a, changed = fnp.astype(a, aval(b)[1]), True
            cast.append(a)
        if same:
            return cast, changed
    raise TypeError(f"{what} function carry input and carry output must have equal types (structure, shapes "
                    f"and dtypes), but the input carry is {init_tree} with types {avals_text(init)} and the "
                    f"output carry is {out_tree} with types {avals_text(out)}")


def weak_flags(tree_value):
    return [isinstance(x, (bool, int, float, complex)) for x in tree_flatten(tree_value)[0]]
