"""Replay: a ``Program`` optimised, then compiled to one straight-line Python function.

Each equation becomes one call of its primitive's ``impl`` with its params bound in advance;
a value is released right after its last reader, so an intermediate lives no longer than it
must (peak memory at or below eager), and an elementwise ufunc writes its result into the
buffer of an operand that dies there (``out=``) when nothing else can see that buffer. On CuPy,
chains of elementwise equations run as one fused kernel each (``fusion``). No tracing, no
boxing, no rule lookup per call.

>>> program(np.ones(3))        # the first call compiles; later calls run the compiled code
"""
import functools

import numpy as np

from .. import backend
from ..core import PRIMITIVES
from .fusion import FusedChain, fuse, ufunc_of
from .passes import last_uses, optimize
from .program import Literal, Program, Var

__all__ = ["compile_program", "inplace_plan"]


def compile_program(program):
    """A Python function running ``program`` on raw arrays, returning the list of its outputs.

    The code is specialised to the array module of the arguments (numpy at once, cupy on its
    first call with cupy arrays; cupy at once for a program with constants on a GPU); ``.source``
    is that first version's text. The inputs at
    ``program.donated`` may take results once dead, on a call where each is an array that owns
    its writeable buffer and shares no memory with another argument (else nothing is written).
    """
    donated = tuple(sorted(set(getattr(program, "donated", ()) or ())))
    # a program whose constants live on a GPU is compiled for CuPy first (NumPy cannot fold them)
    home = backend.get_array_module(*_constants(program)) if backend.cupy_active() else np
    variants = {(home, False): _compile(program, home, ())}

    def replay(*args):
        xp = backend.get_array_module(*args) if backend.cupy_active() else np
        key = (xp, bool(donated) and _donatable(args, donated))
        run = variants.get(key)
        if run is None:
            run = variants[key] = _compile(program, xp, donated if key[1] else ())
        return run(*args)

    replay.source = variants[home, False].source
    replay.program = variants[home, False].program
    return replay


def _constants(program):
    return [a.value for e in program.equations for a in e.inputs if isinstance(a, Literal)]


def _donatable(args, donated):
    """Whether every donated argument is a writeable array owning its memory, apart from the others."""
    for k in donated:
        a = args[k]
        if getattr(a, "base", 0) is not None or not getattr(a.flags, "writeable", True):
            return False
        xp = backend.get_array_module(a)
        if any(j != k and getattr(b, "ndim", 0) and xp.may_share_memory(a, b) for j, b in enumerate(args)):
            return False
    return True


def _compile(program, xp, donated):
    inputs = program.inputs
    program = optimize(program, xp if program.inputs else None)
    if xp is not np:
        program = fuse(program)
    plan = inplace_plan(program, [inputs[k] for k in donated])
    names = {}
    ns = {}

    def name(atom):
        if isinstance(atom, Literal):
            key = f"c{len(ns)}"
            ns[key] = atom.value
            return key
        return names[id(atom)]

    for k, var in enumerate(program.inputs):
        names[id(var)] = f"i{k}"
    lines = [f"def replay({', '.join(names[id(v)] for v in program.inputs)}):"]
    releases = last_uses(program)
    for k, eqn in enumerate(program.equations):
        args = ", ".join(name(a) for a in eqn.inputs)
        if plan[k] is not None:  # the result goes into a dead operand's buffer
            uf = ufunc_of(eqn.prim)
            if xp is np and uf not in (np.maximum, np.minimum):  # a positional out skips the keyword parsing:
                # measurably faster on small arrays (NumPy deprecates it for maximum/minimum only)
                ns[f"f{k}"] = uf
                args += f", {names[id(plan[k])]}"
            else:
                ns[f"f{k}"] = getattr(xp, uf.__name__, uf)
                args += f", out={names[id(plan[k])]}"
        else:
            ns[f"f{k}"] = eqn.prim.impl if not eqn.params else functools.partial(eqn.prim.impl, **eqn.params)
        for j, o in enumerate(eqn.outputs):
            names[id(o)] = f"v{k}_{j}" if plan[k] is None else names[id(plan[k])]  # same buffer, same name
        if eqn.prim.multiple_results:
            outs = "".join(names[id(o)] + ", " for o in eqn.outputs) or "_"
        else:
            outs = names[id(eqn.outputs[0])]
        lines.append(f"    {outs} = f{k}({args})")
        dead = [names[id(v)] for v in releases[k] if v is not plan[k]]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(_output(name, o) for o in program.outputs)}]")
    source = "\n".join(lines)
    exec(compile(source, f"<fgrad program {id(program):x}>", "exec"), ns)  # noqa: S102 (our own code)
    replay = ns["replay"]
    replay.source = source
    replay.program = program
    return replay


def _output(name, atom):
    """A constant output is copied: the caller owns what it gets, as it does eagerly."""
    text = name(atom)
    if isinstance(atom, Literal) and getattr(atom.value, "ndim", 0) and hasattr(atom.value, "copy"):
        return text + ".copy()"
    return text


def inplace_plan(program, donated=()):
    """For each equation, the operand Var whose buffer its result may be written into, or None.

    Only an elementwise ufunc writes, and only into a buffer this program allocated (the result of
    an earlier ufunc or of a primitive in ``_ALLOCATES``: never an input, a constant or an output)
    that dies at this equation, has the result's shape and dtype, and that no live value may view:
    any output of a primitive outside ``_ALLOCATES`` and ``_COPIES`` is taken to view every buffer
    its inputs hold (reshape, transpose and indexing may return views). ``donated`` input Vars
    count as buffers of ours.
    """
    outputs = {id(o) for o in program.outputs}
    last = {}
    for k, eqn in enumerate(program.equations):
        for a in eqn.inputs:
            if isinstance(a, Var):
                last[id(a)] = k
    never = len(program.equations)
    last.update((key, never) for key in outputs)
    owned = {id(v): [] for v in donated if v.shape}  # id of a Var holding a buffer of ours -> ids of
    # the Vars that may view that buffer
    bases = {}  # id of a Var -> ids of the owned Vars whose buffers it may view
    plan = []
    for k, eqn in enumerate(program.equations):
        registered = PRIMITIVES.get(eqn.prim.name) is eqn.prim
        allocates = ufunc_of(eqn.prim) is not None or isinstance(eqn.prim, FusedChain) or (
            registered and eqn.prim.name in _ALLOCATES)
        target = _target(eqn, k, owned, last, outputs) if ufunc_of(eqn.prim) is not None else None
        plan.append(target)
        if allocates:
            out = eqn.outputs[0]
            if out.shape:
                owned[id(out)] = []
            continue
        if registered and eqn.prim.name in _COPIES:
            continue
        seen = set()
        for a in eqn.inputs:
            if isinstance(a, Var):
                seen.update(bases.get(id(a), ()))
                if id(a) in owned:
                    seen.add(id(a))
        for o in eqn.outputs:
            bases[id(o)] = seen
            for b in seen:
                owned[b].append(id(o))
    return plan


# Primitives whose NumPy/CuPy implementation always returns a new array (never a view, never an input).
_ALLOCATES = frozenset({"matmul", "linear", "where", "concatenate"})
# Ones whose result never shares memory with their inputs, though a later ufunc may not take it as a
# buffer (a reduction may give a NumPy scalar; a reversed cumsum is a flipped view of a new array).
_COPIES = frozenset({"sum", "prod", "max", "min", "argmax", "argmin", "cumsum", "cumprod", "all", "any"})


def _target(eqn, k, owned, last, outputs):
    out = eqn.outputs[0]
    if not out.shape or eqn.params or len(eqn.inputs) != ufunc_of(eqn.prim).nin:
        return None  # a 0-d result is a NumPy scalar, not a buffer
    for a in eqn.inputs:
        if (isinstance(a, Var) and id(a) in owned and id(a) not in outputs and last.get(id(a), -1) == k
                and a.shape == out.shape and a.dtype == out.dtype
                and all(last.get(v, -1) < k for v in owned[id(a)])):  # every view of it died before
            return a
    return None


def _call(self, *args):
    run = self._run
    if run is None:
        run = self._run = compile_program(self)
    return run(*args)


# calling a program replays it (defined here, above the IR, as fgrad.numpy does for Tracer); mypy
# takes ``Program.__call__`` for the class's own constructor call
Program.__call__ = _call  # type: ignore[method-assign]
