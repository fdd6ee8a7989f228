"""A staged program: primitive applications over typed variables, printed like a jaxpr.

>>> print(fgrad.make_jaxpr(lambda x: fnp.sin(x) * 2.0)(fnp.ones(3)))
{ lambda ; a:f64[3]. let
    b:f64[3] = sin a
    c:f64[3] = multiply b 2.0
  in (c,) }
"""
import numpy as np

__all__ = ["Var", "Literal", "Equation", "Program", "ShapedArray", "aval_text", "shape_dtype"]


class ShapedArray:
    """A value known by its shape and dtype (JAX's name): ``str`` is ``float32[2,3]``, ``str_short()``
    is ``f32[2,3]``, as a program prints it."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))

    def str_short(self):
        return aval_text(self.shape, self.dtype)

    def __eq__(self, other):
        return isinstance(other, ShapedArray) and (self.shape, self.dtype) == (other.shape, other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __str__(self):
        return f"{self.dtype.name}[{','.join(str(n) for n in self.shape)}]"

    def __repr__(self):
        return f"ShapedArray({self})"


class Var:
    """One value of a program, known by its shape and dtype (its abstract value)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @property
    def aval(self):
        return ShapedArray(self.shape, self.dtype)

    def __repr__(self):
        return f"Var({aval_text(self.shape, self.dtype)})"


class Literal:
    """A constant of the program: a value computed while staging, or one closed over."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Literal({_literal_text(self.value)})"


class Equation:
    """``outputs = prim(*inputs, **params)``."""

    __slots__ = ("prim", "inputs", "params", "outputs")

    def __init__(self, prim, inputs, params, outputs):
        self.prim = prim
        self.inputs = tuple(inputs)
        self.params = params
        self.outputs = tuple(outputs)

    def __repr__(self):
        return f"Equation({self.prim.name}, {len(self.inputs)} inputs)"


class Program:
    """``inputs`` (Vars) -> ``outputs`` (Vars or Literals) through ``equations``, in order.

    Call it on raw arrays to replay it (``fgrad.staging.replay`` optimises and compiles it on first
    use), or evaluate it on tracers with ``fgrad.staging.eval_program``. JAX's names (``jaxpr``, ``eqns``, ``invars``,
    ``outvars``, ``consts``) read it too.

    ``donated``: the positions of the inputs whose buffers the caller gave up (``jit``'s
    ``donate_argnums``): a replay may write its results into them.
    """

    __slots__ = ("inputs", "equations", "outputs", "donated", "_run", "__weakref__")

    def __init__(self, inputs, equations, outputs):
        self.inputs = list(inputs)
        self.equations = list(equations)
        self.outputs = list(outputs)
        self.donated = ()
        self._run = None

    # JAX's spellings
    jaxpr = property(lambda self: self)
    eqns = property(lambda self: self.equations)
    invars = property(lambda self: self.inputs)
    outvars = property(lambda self: self.outputs)
    in_avals = property(lambda self: [v.aval for v in self.inputs])
    out_avals = property(lambda self: [ShapedArray(*shape_dtype(o)) for o in self.outputs])

    @property
    def consts(self):
        return [lit.value for lit in _array_literals(self)]

    def __str__(self):
        return _ProgramPrinter().program(self, "")

    def __repr__(self):
        return str(self)


def shape_dtype(atom):
    """A Var's or a constant's (shape, dtype)."""
    if isinstance(atom, Var):
        return atom.shape, atom.dtype
    v = atom.value
    return np.shape(v), getattr(v, "dtype", None) or np.result_type(v)


_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "complex64": "c64", "complex128": "c128",
          "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "u8", "uint16": "u16",
          "uint32": "u32", "uint64": "u64", "bool": "bool", "bfloat16": "bf16"}


def aval_text(shape, dtype):
    """``f32[3,4]``: a value's dtype and shape, as a jaxpr prints them."""
    name = _SHORT.get(np.dtype(dtype).name, np.dtype(dtype).name)
    return f"{name}[{','.join(str(n) for n in shape)}]"


def _is_scalar_literal(v):
    return isinstance(v, (bool, int, float, complex, np.generic)) or v is None


def _literal_text(v):
    return repr(v.item() if isinstance(v, np.generic) else v)


def _array_literals(program):
    seen = {}
    for eqn in program.equations:
        for a in eqn.inputs:
            if isinstance(a, Literal) and not _is_scalar_literal(a.value):
                seen.setdefault(id(a.value), a)
    for a in program.outputs:
        if isinstance(a, Literal) and not _is_scalar_literal(a.value):
            seen.setdefault(id(a.value), a)
    return list(seen.values())


def _var_name(n):
    """a, b, ..., z, ba, bb, ...: jaxpr's names."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
        if n == 0:
            return letters


def _holds_program(value):
    return isinstance(value, (list, tuple)) and any(isinstance(v, Program) for v in value)


class _ProgramPrinter:
    def __init__(self):
        self.names = {}

    def name(self, atom):
        if isinstance(atom, Literal):
            if _is_scalar_literal(atom.value):
                return _literal_text(atom.value)
            atom = id(atom.value)
        if atom not in self.names:
            self.names[atom] = _var_name(len(self.names))
        return self.names[atom]

    def typed(self, atom):
        shape, dtype = shape_dtype(atom)
        return f"{self.name(atom)}:{aval_text(shape, dtype)}"

    def param(self, value, indent):
        if isinstance(value, Program):
            return _ProgramPrinter().program(value, indent)
        if _holds_program(value):
            return "(" + ", ".join(self.param(v, indent) for v in value) + ")"
        if isinstance(value, np.dtype):
            return value.name
        if isinstance(value, type):
            try:
                return np.dtype(value).name
            except TypeError:
                return value.__name__
        text = value if isinstance(value, str) else repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    def params(self, params, indent):
        """``[k=v ...]`` on the equation's line, or one per line when a program is among them (as JAX)."""
        if not params:
            return ""
        if not any(isinstance(v, Program) or _holds_program(v) for v in params.values()):
            return "[" + " ".join(f"{k}={self.param(v, indent)}" for k, v in params.items()) + "]"
        inner = indent + "      "
        lines = [f"{inner}{k}={self.param(v, inner)}" for k, v in params.items()]
        return "[\n" + "\n".join(lines) + f"\n{indent}    ]"

    def program(self, program, indent):
        """The program's text; its first line unindented (it follows ``=`` in a param), the others at ``indent``."""
        consts = " ".join(self.typed(c) for c in _array_literals(program))
        ins = " ".join(self.typed(v) for v in program.inputs)
        lines = [f"{{ lambda {consts}; {ins}. let"]
        for eqn in program.equations:
            outs = " ".join(self.typed(o) for o in eqn.outputs) or "_"
            args = " ".join(self.name(a) for a in eqn.inputs)
            lines.append(f"{indent}    {outs} = {eqn.prim.name}{self.params(eqn.params, indent)} {args}".rstrip())
        outs = ", ".join(self.name(o) for o in program.outputs)
        lines.append(f"{indent}  in ({outs}{',' if len(program.outputs) == 1 else ''}) }}")
        return "\n".join(lines)
