"""Rewrites of a ``Program`` that keep its results: each takes a program and returns a new one.

>>> optimize(program, np)   # constant folding, exact simplifications, common subexpressions, dead code
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..core import PRIMITIVES
from .program import Equation, Literal, Program, Var

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..core import Primitive

__all__ = ["optimize", "eliminate_dead_code", "eliminate_common_subexpressions", "fold_constants", "simplify",
           "last_uses", "transpose_products", "flatten_batched_products", "depends", "DEPENDENCY_RULES"]


def optimize(program, xp=None):
    """The passes every replay runs, in the order that lets each help the next.

    ``xp`` (numpy or cupy: where the program will run) also lets equations that read only their
    input's shape and dtype (``zeros_like``) fold into constants.

    >>> optimize(make_jaxpr(lambda x: x * fnp.ones_like(x) + 0.5)(np.ones(3)), np)  # one add left
    """
    program = fold_constants(program, xp)
    program = simplify(program)
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


def fold_constants(program, xp=None):
    """Compute, once, every equation whose inputs are all constants; with ``xp``, also those that
    read only the shape and dtype of their Var input (``ones_like(x)`` is a constant of x's shape)."""
    subst = {}
    kept = []
    keep_outputs = {id(o) for o in program.outputs}
    for eqn in program.equations:
        inputs = [subst.get(id(a), a) for a in eqn.inputs]
        if all(isinstance(a, Literal) for a in inputs):
            values = [a.value if xp is None else backend.to_module(a.value, xp) for a in inputs]
            ans = eqn.prim.impl(*values, **eqn.params)
            outs = ans if eqn.prim.multiple_results else (ans,)
            subst.update((id(o), Literal(v)) for o, v in zip(eqn.outputs, outs))
            continue
        if xp is not None and eqn.prim.name in _SHAPE_ONLY and id(eqn.outputs[0]) not in keep_outputs:
            value = _shape_only_value(eqn, inputs, xp)
            if value is not None:
                subst[id(eqn.outputs[0])] = Literal(value)
                continue
        kept.append(eqn if inputs == list(eqn.inputs) else Equation(eqn.prim, inputs, eqn.params, eqn.outputs))
    return Program(program.inputs, kept, [subst.get(id(o), o) for o in program.outputs])


_SHAPE_ONLY = ("zeros_like", "ones_like", "full_like")


def _shape_only_value(eqn, inputs, xp):
    """The constant a ``zeros_like``/``ones_like``/``full_like`` (scalar fill) of a Var stands for:
    one element broadcast to the output's shape, so folding costs no memory (a read-only view,
    which the replay never writes into)."""
    if PRIMITIVES.get(eqn.prim.name) is not eqn.prim:
        return None
    x, *rest = inputs
    if not isinstance(x, Var) or any(np.ndim(a.value) != 0 for a in rest):
        return None
    out = eqn.outputs[0]
    one = eqn.prim.impl(xp.zeros((), x.dtype), *[a.value for a in rest], **dict(eqn.params, shape=()))
    if one.dtype != out.dtype:
        return None
    return xp.broadcast_to(one, out.shape) if out.shape else one


def simplify(program):
    """Drop equations whose result is exactly one of their inputs, bit for bit: ``x * 1``, ``x / 1``,
    ``x - 0``, ``x ** 1``, ``where`` with a Python-bool condition, a reshape or broadcast to the
    shape the value already has, where the result has the operand's shape and dtype (and is not
    0-d). Program outputs keep their equation (a caller may write into an output; it must not be
    an input)."""
    subst = {}
    kept = []
    keep_outputs = {id(o) for o in program.outputs}
    for eqn in program.equations:
        inputs = [subst.get(id(a), a) for a in eqn.inputs]
        same = None
        if len(eqn.outputs) == 1 and id(eqn.outputs[0]) not in keep_outputs:
            same = _identity_operand(eqn, inputs)
        # A 0-d value may be a weakly typed Python scalar (an input, or stop_gradient of one): keep
        # the equation, whose result is a strongly typed NumPy value
        if (isinstance(same, Var) and same.shape and same.shape == eqn.outputs[0].shape
                and same.dtype == eqn.outputs[0].dtype
                and (eqn.prim.name not in _ARITHMETIC or same.dtype.kind in "iuf")):
            subst[id(eqn.outputs[0])] = same
            continue
        kept.append(eqn if inputs == list(eqn.inputs) else Equation(eqn.prim, inputs, eqn.params, eqn.outputs))
    return Program(program.inputs, kept, [subst.get(id(o), o) for o in program.outputs])


def _identity_operand(eqn, inputs):
    """The input that ``eqn``'s result equals bit for bit, or None."""
    name = eqn.prim.name
    if PRIMITIVES.get(name) is not eqn.prim:
        return None
    if name in ("reshape", "broadcast_to"):
        return inputs[0]
    if name == "where" and isinstance(inputs[0], Literal) and isinstance(inputs[0].value, (bool, np.bool_)):
        return inputs[1] if inputs[0].value else inputs[2]
    if name == "multiply":
        x, y = inputs
        return x if _all_equal(y, 1) else y if _all_equal(x, 1) else None
    if name in _RIGHT_IDENTITY:
        return inputs[0] if _all_equal(inputs[1], _RIGHT_IDENTITY[name]) else None
    return None


# x / 1, x ** 1 and x - 0 are exactly x (signed zeros and NaNs included); x + 0 is not (-0.0 + 0 = 0.0).
# Real dtypes only: a complex product mixes the parts (inf * 0 is nan, -0.0 - -0.0 is 0.0).
_RIGHT_IDENTITY = {"divide": 1, "power": 1, "subtract": 0}
_ARITHMETIC = ("multiply", *_RIGHT_IDENTITY)


def _all_equal(atom, value):
    if not isinstance(atom, Literal):
        return False
    v = atom.value
    if isinstance(v, (bool, np.bool_)) or getattr(v, "dtype", None) == np.bool_:
        return False  # True * x promotes like 1 * x only for some dtypes: leave booleans alone
    if isinstance(v, (int, float, np.number)):
        return v == value
    try:
        return v.size <= _MAX_CHECKED and bool((v == value).all())
    except (AttributeError, TypeError):
        return False


_MAX_CHECKED = 1 << 16  # a larger constant is checked only once per compile, but keep that bounded


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


def transpose_products(program):
    """Rewrite ``transpose(matmul(a, b))`` (last two axes swapped) as ``matmul(b.T, a.T)``, folding
    ``x.T.T`` to ``x``, when the product has no other reader: the result comes out C-contiguous
    instead of as a transposed view, so an update reading it runs in one layout.

    Not in ``optimize``: each element is the same dot product, but BLAS may round the swapped call
    differently in the last place (an edge-tile kernel), so only callers that accept that (the
    ``fgrad_nn.compile`` backward, as torch's compiler reorders) opt in.

    >>> transpose_products(make_jaxpr(lambda x, g: (x.T @ g).T)(x, g))   # matmul(g.T, x)
    """
    made = {id(o): e for e in program.equations for o in e.outputs}
    readers = {}
    for eqn in program.equations:
        for a in eqn.inputs:
            readers[id(a)] = readers.get(id(a), 0) + 1
    outputs = {id(o) for o in program.outputs}
    kept = []
    for eqn in program.equations:
        prod = made.get(id(eqn.inputs[0])) if _is_swap(eqn) else None
        if (prod is None or PRIMITIVES.get(prod.prim.name) is not prod.prim or prod.prim.name != "matmul"
                or readers[id(eqn.inputs[0])] != 1 or id(eqn.inputs[0]) in outputs
                or any(_ndim(a) != len(eqn.outputs[0].shape) for a in prod.inputs)):
            kept.append(eqn)
            continue
        a, b = (_swapped(x, made, eqn.params, kept) for x in prod.inputs)
        kept.append(Equation(prod.prim, [b, a], prod.params, eqn.outputs))
    return eliminate_dead_code(Program(program.inputs, kept, program.outputs))


def flatten_batched_products(program):
    """Rewrite ``matmul(a, w)`` with a batched ``a`` (ndim >= 3) and a matrix ``w`` as one matrix
    product over all of ``a``'s rows: ``reshape(matmul(reshape(a, (-1, K)), w), out_shape)``. One
    BLAS call instead of one per batch element (a transposed ``a`` is gathered once): a Linear layer
    on a (batch, length, features) input runs at the 2-D product's speed.

    Not in ``optimize``, for the reason given in ``transpose_products``: BLAS may tile the taller
    product's edge rows differently, which can change the last place.

    >>> flatten_batched_products(make_jaxpr(lambda x, w: x @ w)(np.ones((2, 3, 4)), np.ones((4, 5))))
    """
    kept = []
    for eqn in program.equations:
        if (eqn.prim.name != "matmul" or PRIMITIVES.get("matmul") is not eqn.prim
                or _ndim(eqn.inputs[0]) < 3 or _ndim(eqn.inputs[1]) != 2 or not isinstance(eqn.inputs[0], Var)):
            kept.append(eqn)
            continue
        a, w = eqn.inputs
        out = eqn.outputs[0]
        rows = int(np.prod(a.shape[:-1]))
        flat_a, flat_out = Var((rows, a.shape[-1]), a.dtype), Var((rows, out.shape[-1]), out.dtype)
        reshape = PRIMITIVES["reshape"]
        kept += [Equation(reshape, [a], {"shape": flat_a.shape}, [flat_a]),
                 Equation(eqn.prim, [flat_a, w], eqn.params, [flat_out]),
                 Equation(reshape, [flat_out], {"shape": out.shape}, [out])]
    return Program(program.inputs, kept, program.outputs)


def _is_swap(eqn):
    """Whether ``eqn`` is a registered transpose swapping exactly the last two axes."""
    if eqn.prim.name != "transpose" or PRIMITIVES.get("transpose") is not eqn.prim:
        return False
    n = len(eqn.outputs[0].shape)
    return n >= 2 and tuple(eqn.params.get("axes") or ()) == (*range(n - 2), n - 1, n - 2)


def _ndim(atom):
    return len(atom.shape) if isinstance(atom, Var) else np.ndim(atom.value)


def _swapped(atom, made, params, kept):
    """``atom`` with its last two axes swapped: a transposed Var's source, a constant's view, or a new
    transpose equation appended to ``kept``."""
    if isinstance(atom, Literal):
        return Literal(atom.value.swapaxes(-1, -2))
    src = made.get(id(atom))
    if src is not None and _is_swap(src):
        return src.inputs[0]
    shape = (*atom.shape[:-2], atom.shape[-1], atom.shape[-2])
    out = Var(shape, atom.dtype)
    kept.append(Equation(PRIMITIVES["transpose"], [atom], params, [out]))
    return out


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


DEPENDENCY_RULES: dict[Primitive, Callable[..., Sequence[bool]]] = {}
"""Primitive -> ``rule(params, in_flags) -> out_flags``: which outputs of a control-flow equation read
which inputs, looking inside its programs (``fgrad.lax`` registers its primitives'). Without it every output reads every input; with it a
JVP program's primal outputs stay apart from its tangents (``jacfwd`` of a nested scan needs that)."""


def depends(program, flags, precise=True):
    """Per output of ``program``: does it read an input flagged in ``flags`` (through any equation)?
    ``precise=False``: every output of an equation reads all its inputs (what splitting a program
    by equations needs)."""
    marked = {id(v) for v, f in zip(program.inputs, flags) if f}
    for eqn in program.equations:
        ins = [isinstance(a, Var) and id(a) in marked for a in eqn.inputs]
        if not any(ins):
            continue
        rule = DEPENDENCY_RULES.get(eqn.prim) if precise else None
        outs = rule(eqn.params, ins) if rule is not None else [True] * len(eqn.outputs)
        marked.update(id(o) for o, f in zip(eqn.outputs, outs) if f)
    return [isinstance(o, Var) and id(o) in marked for o in program.outputs]
