"""Rewrites of a scan body's forward/backward programs that make reverse mode cheaper, and the
structural key under which the split is reused.

- ``defer_transposes``: a per-step residual that is a transpose of another per-step value is
  stacked untransposed (a contiguous copy per step) and transposed inside the backward body.
- ``batch_products``: a const's cotangent that is ``a_t @ b_t`` per step (the weight gradient of
  ``h @ W``) is not accumulated step by step; the backward scan stacks the factors and ONE matmul
  over the (T*N, .) stacks gives the sum (the same products, summed in another order).
- ``fingerprint``: a program's structure (primitives, params, avals, wiring, literal values) as a
  hashable key, so a body staged again on an equal function reuses the split and its compiled code.

>>> fingerprint(staged.program) == fingerprint(staged_again.program)   # True for equal bodies
"""
import numpy as np

from .. import numpy as fnp
from ..staging import Equation, Literal, Program, Var
from ..staging.passes import eliminate_dead_code
from . import _common as C

__all__ = ["defer_transposes", "batch_products", "sum_products", "fingerprint"]


def _producers(program):
    return {id(o): eqn for eqn in program.equations for o in eqn.outputs}


def _is_transpose2(eqn):
    return (eqn is not None and eqn.prim.name == "transpose" and tuple(eqn.params.get("axes") or ()) == (1, 0)
            and isinstance(eqn.inputs[0], Var))


def defer_transposes(fwd, bwd, n_out, varying):
    """(fwd, bwd) with each varying residual ``r = transpose(v)`` (``varying``: per residual) replaced
    by ``v``, the backward program transposing it back as its first equations."""
    prod = _producers(fwd)
    outs, new_in, head = list(fwd.outputs[:n_out]), list(bwd.inputs), []
    for k, (r, vary) in enumerate(zip(fwd.outputs[n_out:], varying)):
        eqn = prod.get(id(r)) if isinstance(r, Var) else None
        if vary and _is_transpose2(eqn):
            v = eqn.inputs[0]
            new_in[k] = Var(v.shape, v.dtype)
            head.append(Equation(eqn.prim, [new_in[k]], eqn.params, [bwd.inputs[k]]))
            r = v
        outs.append(r)
    if not head:
        return fwd, bwd
    fwd = eliminate_dead_code(Program(fwd.inputs, fwd.equations, outs))
    return fwd, Program(new_in, head + list(bwd.equations), bwd.outputs)


# ------------------------------------------------------------------ batched weight cotangents

def batch_products(bwd, n_dc, n_dk, per_step, const_in):
    """Split ``bwd``'s first ``n_dc`` outputs (const cotangents) into the ones accumulated per step and
    the ones that are a matmul of two varying 2-D factors. The outputs after them are ``n_dk`` carry
    cotangents, then the xs cotangents (stacked by the scan). ``per_step``: the input positions read
    from a stack (one slice per step); ``const_in``: the positions of loop-invariant inputs.

    Returns (program, kept flags per const cotangent, {const cotangent index: (factor a, factor b)}),
    the program's outputs being the kept const cotangents, the carry and xs cotangents, then the
    emitted factors. A factor is ("in", input position, transposed) or ("out", position among the
    scan's stacked outputs: the xs cotangents, then the emitted factors, False)."""
    prod = _producers(bwd)
    in_pos = {id(v): k for k, v in enumerate(bwd.inputs)}
    varying = _varying(bwd, const_in)
    stacked = list(bwd.outputs[n_dc + n_dk:])
    products, kept = {}, []
    for j, ct in enumerate(bwd.outputs[:n_dc]):
        eqn = prod.get(id(ct)) if isinstance(ct, Var) else None
        ok = (eqn is not None and eqn.prim.name == "matmul" and not eqn.params and len(eqn.inputs) == 2
              and all(isinstance(a, Var) and len(a.shape) == 2 and id(a) in varying for a in eqn.inputs))
        kept.append(not ok)
        if ok:
            products[j] = tuple(_factor(a, prod, in_pos, per_step, stacked) for a in eqn.inputs)
    if not products:
        return bwd, kept, products
    outs = ([o for o, k in zip(bwd.outputs[:n_dc], kept) if k] + list(bwd.outputs[n_dc:n_dc + n_dk])
            + stacked)
    return eliminate_dead_code(Program(bwd.inputs, bwd.equations, outs)), kept, products


def _varying(program, const_in):
    """The ids of the Vars of ``program`` that read a non-constant input."""
    marked = {id(v) for k, v in enumerate(program.inputs) if k not in const_in}
    for eqn in program.equations:
        if any(isinstance(a, Var) and id(a) in marked for a in eqn.inputs):
            marked.update(id(o) for o in eqn.outputs)
    return marked


def _factor(var, prod, in_pos, per_step, stacked):
    """Where a factor's per-step values are found after the loop (see ``batch_products``); appends
    it to ``stacked`` when no input or output holds it yet."""
    k = in_pos.get(id(var))
    if k is not None and k in per_step:
        return ("in", k, False)
    eqn = prod.get(id(var))
    if _is_transpose2(eqn) and in_pos.get(id(eqn.inputs[0])) in per_step:
        return ("in", in_pos[id(eqn.inputs[0])], True)
    for pos, o in enumerate(stacked):
        if o is var:
            return ("out", pos, False)
    stacked.append(var)
    return ("out", len(stacked) - 1, False)


def _rows(stack, transposed, lhs):
    """The per-step factors joined along the contracted axis: (K, T*N) for the left one, (T*N, M)
    for the right one; ``transposed``: the stack holds each step's factor transposed."""
    T, r, c = C.aval(stack)[0]
    if lhs:  # a_t: (K, N)
        if transposed:  # (T, N, K): rows already in step order, a transposed view
            return fnp.transpose(fnp.reshape(stack, (T * r, c)))
        return fnp.reshape(fnp.transpose(stack, (1, 0, 2)), (r, T * c))
    if transposed:  # b_t stacked as (T, M, N)
        return fnp.reshape(fnp.transpose(stack, (0, 2, 1)), (T * c, r))
    return fnp.reshape(stack, (T * r, c))


def sum_products(factors, inputs, outputs, dtype):
    """``sum_t a_t @ b_t`` as one matmul; ``inputs``: per input position its stack (or None),
    ``outputs``: the backward scan's stacked outputs."""
    mats = []
    for (where, k, transposed), lhs in zip(factors, (True, False)):
        stack = inputs[k] if where == "in" else outputs[k]
        mats.append(_rows(stack, transposed, lhs))
    out = fnp.matmul(*mats)
    return out if C.dtype_of(out) == dtype else fnp.astype(out, dtype)


# ------------------------------------------------------------------ structural key

_MAX_LITERAL_BYTES = 1 << 16  # larger literals make a program uncacheable (hashing them costs more)


class _Uncacheable(Exception):
    pass


def fingerprint(program):
    """A hashable key equal for programs of the same structure and constants; None when a constant
    is too large or a param can't be compared by value."""
    try:
        key = _program_key(program)
        hash(key)
        return key
    except (_Uncacheable, TypeError):
        return None


def _program_key(program):
    names = {id(v): k for k, v in enumerate(program.inputs)}
    eqns = []
    for eqn in program.equations:
        ins = tuple(_atom(a, names) for a in eqn.inputs)
        for o in eqn.outputs:
            names[id(o)] = len(names)
        eqns.append((eqn.prim.name, id(eqn.prim), ins, _param(eqn.params),
                     tuple((o.shape, o.dtype.str) for o in eqn.outputs)))
    return (tuple((v.shape, v.dtype.str) for v in program.inputs), tuple(eqns),
            tuple(_atom(o, names) for o in program.outputs))


def _atom(a, names):
    if isinstance(a, Var):
        return names[id(a)]
    return ("lit", _value(a.value))


def _value(v):
    if isinstance(v, (bool, int, float, complex, np.generic)):
        return (type(v).__name__, repr(v), getattr(v, "dtype", None))
    if isinstance(v, np.ndarray) and v.nbytes <= _MAX_LITERAL_BYTES:
        return ("array", v.shape, v.dtype.str, v.tobytes())
    raise _Uncacheable


def _param(v):
    if isinstance(v, Program):
        return ("program", _program_key(v))
    if isinstance(v, dict):
        return tuple((k, _param(x)) for k, x in sorted(v.items()))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__,) + tuple(_param(x) for x in v)
    if isinstance(v, (bool, int, float, complex, np.generic, np.ndarray)):
        return _value(v)
    if isinstance(v, (str, type(None), np.dtype, type)):
        return v
    if isinstance(v, Literal):
        return ("lit", _value(v.value))
    raise _Uncacheable
