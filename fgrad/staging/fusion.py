"""Elementwise primitives as ufuncs, and chains of them fused into one pass over memory.

``UFUNCS`` names the primitives that are plain NumPy ufuncs (one output, no params, elementwise):
the replay calls them with ``out=`` to reuse a dead buffer. ``fuse(program)`` replaces each chain
of fusible ones whose intermediates have one reader by a single ``FusedChain`` equation; on CuPy
a chain runs as one ``cupy.ElementwiseKernel`` written by ``kernel_source``.

>>> kernel_source(chain)["operation"]
'const double t0 = sin(a0);\\nconst double t1 = t0 * a1;\\nr = t1;'
"""
import numpy as np

from .. import backend
from ..core import PRIMITIVES
from .program import Equation, Literal, Program, Var

__all__ = ["UFUNCS", "ufunc_of", "fuse", "kernel_source", "FusedChain"]

UFUNCS = {name: getattr(np, name) for name in (
    "absolute", "add", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "bitwise_and",
    "bitwise_or", "bitwise_xor", "cbrt", "ceil", "conjugate", "copysign", "cos", "cosh", "deg2rad", "divide",
    "equal", "exp", "exp2", "expm1", "floor", "floor_divide", "fmax", "fmin", "fmod", "greater", "greater_equal",
    "heaviside", "hypot", "invert", "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log10", "log1p",
    "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
    "minimum", "multiply", "negative", "not_equal", "positive", "power", "rad2deg", "reciprocal", "remainder",
    "rint", "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh", "trunc")}


def ufunc_of(prim):
    """The NumPy ufunc a registered elementwise primitive is, or None."""
    uf = UFUNCS.get(prim.name)
    return uf if uf is not None and PRIMITIVES.get(prim.name) is prim else None


# CUDA C for the fusible ones; every operand is first cast to the result's type, which is what the
# ufunc does for float results (NumPy computes in the result dtype).
_C = {
    "add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}", "divide": "{0} / {1}",
    "negative": "-{0}", "positive": "{0}", "square": "{0} * {0}", "power": "pow({0}, {1})",
    "arctan2": "atan2({0}, {1})", "hypot": "hypot({0}, {1})", "copysign": "copysign({0}, {1})",
    # NumPy's maximum/minimum propagate a NaN from either side
    "maximum": "(({0} >= {1} || isnan({0})) ? {0} : {1})", "minimum": "(({0} <= {1} || isnan({0})) ? {0} : {1})",
    "absolute": "fabs({0})", "arcsin": "asin({0})", "arccos": "acos({0})", "arctan": "atan({0})",
    "arcsinh": "asinh({0})", "arccosh": "acosh({0})", "arctanh": "atanh({0})",
    **{name: name + "({0})" for name in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "exp2", "expm1",
                                         "log", "log2", "log10", "log1p", "sqrt", "cbrt", "floor", "ceil",
                                         "trunc", "rint")},
}
_CTYPE = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def _fusible(eqn):
    if ufunc_of(eqn.prim) is None or eqn.prim.name not in _C or eqn.outputs[0].dtype not in _CTYPE:
        return False
    return all(_float_operand(a) for a in eqn.inputs)


def _float_operand(a):
    if isinstance(a, Var):
        return a.dtype in _CTYPE
    v = a.value
    return isinstance(v, (int, float)) and not isinstance(v, bool) or getattr(v, "dtype", None) in _CTYPE


class FusedChain:
    """A chain of elementwise equations run as one: the primitive of the equation ``fuse`` makes.

    ``equations`` are in program order, the last one's output is the chain's; ``impl`` runs it on
    CuPy as one kernel (built at its first call) and anywhere else one ufunc at a time."""

    multiple_results = False

    def __init__(self, equations, inputs):
        self.equations = equations
        self.inputs = inputs
        self.name = "fused[" + " ".join(e.prim.name for e in equations) + "]"
        self._kernel = None

    def impl(self, *args):
        xp = backend.get_array_module(*args)
        if xp is np:
            return self._run_ufuncs(args)
        if self._kernel is None:
            src = kernel_source(self.equations, self.inputs)
            self._kernel = xp.ElementwiseKernel(src["in_params"], src["out_params"], src["operation"],
                                                src["name"], options=("--fmad=false",))  # no FMA: the ufuncs' bits
        return self._kernel(*args)

    def _run_ufuncs(self, args):
        env = dict(zip(map(id, self.inputs), args))
        for eqn in self.equations:
            vals = [a.value if isinstance(a, Literal) else env[id(a)] for a in eqn.inputs]
            env[id(eqn.outputs[0])] = UFUNCS[eqn.prim.name](*vals)
        return env[id(self.equations[-1].outputs[0])]


def kernel_source(equations, inputs):
    """The ``cupy.ElementwiseKernel`` pieces for a chain: ``in_params``, ``out_params``, ``operation``,
    ``name``. ``inputs`` are the chain's outside operands as ``fuse`` lists them (each Var once, each
    Literal once per reader): the kernel's arguments, in order.

    A Literal is an argument too (no number is printed into the source), typed as the operation that
    reads it computes, so a weakly typed Python scalar takes the result's type as in NumPy.
    """
    slots = iter(range(len(inputs)))
    names, params = {}, []
    lines = []
    for k, eqn in enumerate(equations):
        ctype = _CTYPE[eqn.outputs[0].dtype]
        operands = []
        for a in eqn.inputs:
            if id(a) not in names or isinstance(a, Literal):
                j = next(slots)
                names[id(a)] = f"a{j}"
                params.append(f"{np.dtype(_atom_dtype(a, eqn)).name} a{j}")
            operands.append(_cast(names[id(a)], _atom_dtype(a, eqn), ctype))
        lines.append(f"const {ctype} t{k} = {_C[eqn.prim.name].format(*operands)};")
        names[id(eqn.outputs[0])] = f"t{k}"
    lines.append(f"r = t{len(equations) - 1};")
    out = equations[-1].outputs[0].dtype
    return {"in_params": ", ".join(params), "out_params": f"{out.name} r", "operation": "\n".join(lines),
            "name": "fgrad_" + "_".join(e.prim.name for e in equations)[:48]}


def _cast(name, dtype, ctype):
    return name if _CTYPE.get(dtype) == ctype else f"({ctype}){name}"


def _atom_dtype(a, eqn):
    return a.dtype if isinstance(a, Var) else _literal_dtype(a, eqn)


def _literal_dtype(a, eqn):
    v = a.value
    return v.dtype if hasattr(v, "dtype") else eqn.outputs[0].dtype  # a weak Python scalar


def fuse(program):
    """``program`` with each chain of two or more fusible elementwise equations, whose intermediates
    are read only by the next link, replaced by one equation of a ``FusedChain`` (placed where the
    chain's last link was: every operand exists by then, and nothing else reads the links)."""
    reads = {}
    for eqn in program.equations:
        for a in eqn.inputs:
            if isinstance(a, Var):
                reads[id(a)] = reads.get(id(a), 0) + 1
    for o in program.outputs:
        reads[id(o)] = reads.get(id(o), 0) + 2  # an output is materialised: never inside a chain
    tail_group = {}  # id of a chain's last output -> the chain's equation indices
    for k, eqn in enumerate(program.equations):
        if not _fusible(eqn):
            continue
        group = [k]
        for a in eqn.inputs:
            if isinstance(a, Var) and reads.get(id(a)) == 1 and id(a) in tail_group:
                group = tail_group.pop(id(a)) + group
        tail_group[id(eqn.outputs[0])] = sorted(group)
    chains = {g[-1]: g for g in tail_group.values() if len(g) > 1}
    if not chains:
        return program
    inside = {k for g in chains.values() for k in g}
    equations = []
    for k, eqn in enumerate(program.equations):
        if k in chains:
            equations.append(_fused_equation([program.equations[j] for j in chains[k]]))
        elif k not in inside:
            equations.append(eqn)
    return Program(program.inputs, equations, program.outputs)


def _fused_equation(links):
    """One equation for a chain; its inputs in the order ``kernel_source`` reads them."""
    made = {id(e.outputs[0]) for e in links}
    inputs, seen = [], set()
    for eqn in links:
        for a in eqn.inputs:
            if isinstance(a, Literal):
                inputs.append(a)
            elif id(a) not in made and id(a) not in seen:
                seen.add(id(a))
                inputs.append(a)
    return Equation(FusedChain(links, inputs), inputs, {}, links[-1].outputs)
