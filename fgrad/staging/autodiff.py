"""Reverse mode of a staged program, itself staged: a forward program that saves what the backward
reads, and a backward program from those residuals and the output cotangents.

>>> fwd, bwd, n_res = vjp_program(program, primals)
>>> outs_and_res = fwd(*primals)        # the outputs, then n_res residuals
>>> cts = bwd(*outs_and_res[-n_res:], *out_cts)
"""
from .. import backend
from ..transforms import vjp
from ..tree_util import tree_flatten
from .passes import partial_eval
from .program import Program, Var, shape_dtype
from .trace import eval_program, stage

__all__ = ["vjp_program"]


def vjp_program(program, examples, diff=None):
    """``(fwd, bwd, n_residuals)`` for ``program`` at ``examples`` (one value per input).

    ``diff``: which inputs get a cotangent (default: all). ``fwd(*inputs)`` returns the program's
    outputs then the residuals; ``bwd(*residuals, *output_cotangents)`` the diff inputs' cotangents.
    """
    n_in = len(program.inputs)
    diff = [True] * n_in if diff is None else list(diff)
    n_out = len(program.outputs)

    def joint(primals, cts):
        def f(*d):
            it = iter(d)
            full = [next(it) if di else p for p, di in zip(primals, diff)]
            return eval_program(program, full)
        outs, pullback = vjp(f, *[p for p, di in zip(primals, diff) if di])
        return outs, list(pullback(list(cts)))

    xp = backend.get_array_module(*examples)  # the cotangents' examples live where the primals do
    ct_examples = [xp.zeros(*shape_dtype(o)) for o in program.outputs]
    staged = stage(joint, list(examples) + ct_examples, tree_flatten((list(examples), ct_examples))[1])
    assert not staged.captured
    joint_program = staged.program
    known, unknown, out_unknown, n_res = partial_eval(joint_program, [False] * n_in + [True] * n_out)
    assert not any(out_unknown[:n_out]), "a primal output depends on a cotangent"
    known_outs = known.outputs[:len(known.outputs) - n_res]
    residuals = known.outputs[len(known.outputs) - n_res:]
    grads, it_known, it_unknown = [], iter(known_outs[n_out:]), iter(unknown.outputs)
    extra = []  # cotangents known without the output cotangents (a zero, an unused input): saved too
    for u in out_unknown[n_out:]:
        g = next(it_unknown) if u else next(it_known)
        if not u and isinstance(g, Var):
            extra.append(g)
        grads.append(g)
    fwd = Program(known.inputs, known.equations, known_outs[:n_out] + residuals + extra)
    bwd = Program(residuals + extra + unknown.inputs[n_res:], unknown.equations, grads)
    return fwd, bwd, n_res + len(extra)

