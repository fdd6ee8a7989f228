"""Rewrites of a ``Program`` that keep its results: each takes a program and returns a new one.

>>> optimize(program)   # constant folding, common subexpressions, dead code
"""
import numpy as np

from .program import Equation, Literal, Program, Var

__all__ = ["optimize", "eliminate_dead_code", "eliminate_common_subexpressions", "fold_constants",
           "last_uses"]


def optimize(program):
    """The passes every replay runs, in the order that lets each help the next."""
    program = fold_constants(program)
    program = eliminate_common_subexpressions(program)
    return eliminate_dead_code(program)


def eliminate_dead_code(program):
    """Drop equations none of whose outputs reaches the program's outputs (primitives are pure)."""
    live = {id(o) for o in program.outputs if isinstance(o, Var)}
    kept = []
    for eqn in reversed(program.equations):
        if any(id(o) in live for o in eqn.outputs):
            kept.append(eqn)
            live.update(id(a) for a in eqn.inputs if isinstance(a, Var))
    kept.reverse()
    return Program(program.inputs, kept, program.outputs)


def fold_constants(program):
    """Compute, once, every equation whose inputs are all constants."""
    subst = {}
    kept = []
    for eqn in program.equations:
        inputs = [subst.get(id(a), a) for a in eqn.inputs]
        if all(isinstance(a, Literal) for a in inputs):
            ans = eqn.prim.impl(*[a.value for a in inputs], **eqn.params)
            outs = ans if eqn.prim.multiple_results else (ans,)
            subst.update((id(o), Literal(v)) for o, v in zip(eqn.outputs, outs))
            continue
        kept.append(eqn if inputs == list(eqn.inputs) else Equation(eqn.prim, inputs, eqn.params, eqn.outputs))
    return Program(program.inputs, kept, [subst.get(id(o), o) for o in program.outputs])


def eliminate_common_subexpressions(program):
    """One equation for each distinct (primitive, inputs, params): the same value is computed once."""
    subst = {}
    seen = {}
    kept = []
    for eqn in program.equations:
        inputs = [subst.get(id(a), a) for a in eqn.inputs]
        key = _key(eqn.prim, inputs, eqn.params)
        first = seen.get(key) if key is not None else None
        if first is not None:
            subst.update((id(o), f) for o, f in zip(eqn.outputs, first.outputs))
            continue
        if inputs != list(eqn.inputs):
            eqn = Equation(eqn.prim, inputs, eqn.params, eqn.outputs)
        if key is not None:
            seen[key] = eqn
        kept.append(eqn)
    return Program(program.inputs, kept, [subst.get(id(o), o) for o in program.outputs])


def _key(prim, inputs, params):
    """A hashable identity of one application, or None when a param can't be compared by value."""
    try:
        key = (id(prim), tuple(_atom_key(a) for a in inputs), _freeze(params))
        hash(key)
        return key
    except TypeError:
        return None


def _atom_key(a):
    if isinstance(a, Var):
        return id(a)
    v = a.value
    if isinstance(v, (bool, int, float, complex, np.generic)):
        return (type(v), repr(v))  # 1, 1.0 and True are equal in Python but not as literals
    return ("array", id(v))


def _freeze(v):
    if isinstance(v, dict):
        return tuple((k, _freeze(x)) for k, x in sorted(v.items()))
    if isinstance(v, (list, tuple)):
        return (type(v),) + tuple(_freeze(x) for x in v)
    if isinstance(v, (bool, int, float, complex, np.generic)):
        return (type(v), repr(v))
    if isinstance(v, np.ndarray):
        raise TypeError("array parameter")
    return v


def last_uses(program):
    """For each equation, the Vars whose last reader it is (never a program output): what the replay
    releases after it, so intermediates live no longer than they must."""
    outputs = {id(o) for o in program.outputs if isinstance(o, Var)}
    last = {}
    for k, eqn in enumerate(program.equations):
        for a in eqn.inputs:
            if isinstance(a, Var):
                last[id(a)] = (k, a)
        for o in eqn.outputs:  # an output never read dies where it is made
            last.setdefault(id(o), (k, o))
    per_eqn = [[] for _ in program.equations]
    for key, (k, var) in last.items():
        if key not in outputs:
            per_eqn[k].append(var)
    return per_eqn


def partial_eval(program, unknown_inputs):
    """Split ``program`` by what depends on the inputs flagged in ``unknown_inputs``.

    Returns ``(known, unknown, out_unknown, n_residuals)``: ``known`` maps the other inputs to the
    outputs that don't depend on the unknown ones, then the residuals; ``unknown`` maps the
    residuals, then the unknown inputs, to the remaining outputs. Staging a forward and backward
    pass together and splitting on the cotangents gives a forward that saves exactly what the
    backward reads.
    """
    unknown = {id(v) for v, u in zip(program.inputs, unknown_inputs) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in program.equations:
        if any(isinstance(a, Var) and id(a) in unknown for a in eqn.inputs):
            unknown_eqns.append(eqn)
            unknown.update(id(o) for o in eqn.outputs)
        else:
            known_eqns.append(eqn)
    out_unknown = [isinstance(o, Var) and id(o) in unknown for o in program.outputs]
    unknown_outs = [o for o, u in zip(program.outputs, out_unknown) if u]
    unknown_part = eliminate_dead_code(Program([], unknown_eqns, unknown_outs))
    residuals = {}
    for eqn in unknown_part.equations:
        for a in eqn.inputs:
            if isinstance(a, Var) and id(a) not in unknown:
                residuals.setdefault(id(a), a)
    residuals = list(residuals.values())
    known_ins = [v for v, u in zip(program.inputs, unknown_inputs) if not u]
    unknown_ins = [v for v, u in zip(program.inputs, unknown_inputs) if u]
    known = eliminate_dead_code(Program(
        known_ins, known_eqns, [o for o, u in zip(program.outputs, out_unknown) if not u] + residuals))
    unknown_part = Program(residuals + unknown_ins, unknown_part.equations, unknown_outs)
    return known, unknown_part, out_unknown, len(residuals)
