"""Replay: a ``Program`` optimised, then compiled to one straight-line Python function.

Each equation becomes one call of its primitive's ``impl`` with its params bound in advance;
a value is released right after its last reader, so an intermediate lives no longer than it
must (peak memory at or below eager). No tracing, no boxing, no rule lookup per call.

>>> program(np.ones(3))        # the first call compiles; later calls run the compiled code
"""
import functools

from .passes import last_uses, optimize
from .program import Literal, Program

__all__ = ["compile_program"]


def compile_program(program):
    """A Python function running ``program`` on raw arrays, returning the list of its outputs."""
    program = optimize(program)
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
        fn = eqn.prim.impl if not eqn.params else functools.partial(eqn.prim.impl, **eqn.params)
        ns[f"f{k}"] = fn
        args = ", ".join(name(a) for a in eqn.inputs)
        for j, o in enumerate(eqn.outputs):
            names[id(o)] = f"v{k}_{j}"
        if eqn.prim.multiple_results:
            outs = "".join(names[id(o)] + ", " for o in eqn.outputs) or "_"
        else:
            outs = names[id(eqn.outputs[0])]
        lines.append(f"    {outs} = f{k}({args})")
        dead = [names[id(v)] for v in releases[k]]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(name(o) for o in program.outputs)}]")
    exec(compile("\n".join(lines), f"<fgrad program {id(program):x}>", "exec"), ns)  # noqa: S102 (our own code)
    replay = ns["replay"]
    replay.source = "\n".join(lines)
    return replay


def _call(self, *args):
    run = self._run
    if run is None:
        run = self._run = compile_program(self)
    return run(*args)


Program.__call__ = _call  # calling a program replays it (defined here, above the IR, as fgrad.numpy does for Tracer)
