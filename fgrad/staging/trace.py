"""Staging: run a function once on tracers that record every primitive call into a ``Program``.

A ``StagingTracer`` carries a concrete *example* value (the argument's own value, or one example
of a ``vmap`` batch) so each primitive's output shape and dtype come from running its ``impl``
and no shape rule is written twice. The example is never handed to Python: ``bool``, ``int`` and
friends raise, as in JAX, since the program must hold for every value of that shape and dtype.

Tracers of transforms begun outside the staging that reach it (a closed-over weight under
``grad``) become extra inputs of the program: ``stage`` returns them, and the caller passes them
back when it evaluates the program.
"""
import numpy as np

from .. import backend
from ..core import Primitive, Trace, Tracer
from ..errors import (ConcretizationTypeError, TracerArrayConversionError, TracerBoolConversionError,
                      TracerIntegerConversionError)
from ..tree_util import tree_flatten, tree_unflatten
from .program import Equation, Literal, Program, Var, aval_text

__all__ = ["StagingTrace", "StagingTracer", "stage", "eval_program", "example_of"]

_CONTROL_FLOW = ("use fgrad.lax.cond, fgrad.lax.switch or fgrad.lax.while_loop (or fnp.where) for control flow "
                 "on traced values, or mark the argument static (jit's static_argnums / static_argnames)")


def example_of(x):
    """A concrete value standing for ``x``: itself, or its tracer's example."""
    return x._example() if isinstance(x, Tracer) else x


class StagingTracer(Tracer):
    """A value of a program being staged: ``_var`` names it, ``_value`` is an example of it."""

    __slots__ = ("_var",)
    _staged = True

    def __init__(self, trace, value, var):
        self._trace = trace
        self._value = value
        self._var = var

    def _nondiff_value(self):
        return self

    def _example(self):
        return self._value

    def _abstract_error(self, what, cls):
        raise cls(f"Abstract tracer value encountered where a concrete value is expected: {what} of a traced "
                  f"{aval_text(self.shape, self.dtype)} value inside a function being staged (jit, lax "
                  f"control flow, checkpoint). Its value is only known when the program runs; {_CONTROL_FLOW}")

    def __bool__(self):
        self._abstract_error("bool()", TracerBoolConversionError)

    def __int__(self):
        self._abstract_error("int()", TracerIntegerConversionError)

    def __index__(self):
        self._abstract_error("an index (operator.index)", TracerIntegerConversionError)

    def __float__(self):
        self._abstract_error("float()", ConcretizationTypeError)

    def __complex__(self):
        self._abstract_error("complex()", ConcretizationTypeError)

    def item(self, *args):
        self._abstract_error("item()", ConcretizationTypeError)

    def tolist(self):
        self._abstract_error("tolist()", ConcretizationTypeError)

    def __array__(self, dtype=None, copy=None):
        raise TracerArrayConversionError(
            f"a traced {aval_text(self.shape, self.dtype)} value being staged was converted to a raw NumPy "
            "array; its value is only known when the program runs. Use fgrad.numpy (import fgrad.numpy as "
            "fnp) instead of numpy here")

    def __repr__(self):
        return f"Traced<{aval_text(self.shape, self.dtype)}>"


class StagingTrace(Trace):
    """One program being recorded."""

    __slots__ = ("equations", "captured", "_captured_ids")

    def __init__(self):
        super().__init__()
        self.equations = []
        self.captured = []  # (outer tracer, Var): inputs the function closed over
        self._captured_ids = {}

    def new_input(self, x):
        """A fresh program input standing for ``x`` (an array, scalar or tracer)."""
        value = example_of(x)
        return StagingTracer(self, value, Var(np.shape(value), _dtype(value)))

    def atom(self, x):
        """``x`` as an equation input: its Var, a captured outer tracer's Var, or a Literal."""
        if isinstance(x, StagingTracer) and x._trace is self:
            return x._var
        if isinstance(x, Tracer):
            var = self._captured_ids.get(id(x))
            if var is None:
                var = self.new_input(x)._var
                self._captured_ids[id(x)] = var
                self.captured.append((x, var))
            return var
        return Literal(x)

    def process(self, prim, args, params):
        if prim.value_dependent_shape:
            raise ConcretizationTypeError(
                f"{prim.name}: the shape of its result depends on the values of its input, which are not "
                "known while staging a program (jit, lax control flow); compute it outside the staged "
                "function, or use a fixed-size form such as fnp.where")
        inputs = [self.atom(a) for a in args]
        values = [example_of(a) for a in args]
        if backend.cupy_active():
            backend.check_same_device(values, prim.name)
        ans = prim.impl(*values, **params)
        if prim.multiple_results:
            outs = [Var(np.shape(v), _dtype(v)) for v in ans]
            self.equations.append(Equation(prim, inputs, params, outs))
            return tuple(StagingTracer(self, v, o) for v, o in zip(ans, outs))
        out = Var(np.shape(ans), _dtype(ans))
        self.equations.append(Equation(prim, inputs, params, (out,)))
        return StagingTracer(self, ans, out)

    def process_custom(self, fn, kind, args):
        """A ``custom_vjp``/``custom_jvp`` call (``kind``: "vjp"/"jvp") kept whole as one equation, so
        a transform that later runs the program (``grad(jit(f))``) applies the user's rule. Its
        ``call_jaxpr`` is the function's body, staged: what a replay runs."""
        nondiff = set(fn.nondiff_argnums)
        leaves, tree = tree_flatten(list(args))
        is_input = []  # a non-differentiable argument's Python values stay static (a shape, a flag)
        for k, a in enumerate(args):
            is_input += [isinstance(x, Tracer) or (k not in nondiff and is_value(x)) for x in tree_flatten(a)[0]]
        inputs = [x for x, i in zip(leaves, is_input) if i]
        call = _CustomCall(fn, kind, tree, leaves, is_input)
        body = stage(lambda *vals: fn.fun(*call.args(vals)), [example_of(x) for x in inputs],
                     tree_flatten(inputs)[1])
        if body.captured:  # the body closes over traced values, which the call can't pass: inline it
            return fn.fun(*args)
        params = {"name": getattr(fn, "__name__", "fun"), "call_jaxpr": body.program}
        outs = [Var(np.shape(v), _dtype(v)) for v in body.out_examples]
        self.equations.append(Equation(call, [self.atom(x) for x in inputs], params, outs))
        return tree_unflatten(body.out_tree, [StagingTracer(self, v, o) for v, o in zip(body.out_examples, outs)])


def is_value(x):
    """Whether ``x`` can be a program's value: an array (NumPy, CuPy), a scalar or a tracer."""
    return isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex)) or backend.is_raw_array(x)


def _never(*args, **params):
    raise AssertionError("a custom rule's call is bound as a whole (CustomCall.bind), never differentiated here")


class _CustomCall(Primitive):
    """One call of a custom_vjp/custom_jvp function ``fn`` in a program (never registered).

    Binding it (``eval_program``) calls ``fn`` again, on whatever values the program now runs on, so
    each transform applies the user's rule as it does eagerly; on raw arrays (the replay) its impl
    runs the staged body. ``tree``/``leaves``/``is_input``: how the call's arguments were split into
    the equation's inputs and the values kept as they were (functions, strings).
    """

    __slots__ = ("fn", "tree", "leaves", "is_input")

    def __init__(self, fn, kind, tree, leaves, is_input):
        super().__init__(f"custom_{kind}_call", _run_body, vjp=_never, jvp=_never, multiple_results=True,
                         register=False)
        self.fn, self.tree, self.leaves, self.is_input = fn, tree, leaves, is_input

    def args(self, inputs):
        """The call's arguments from the equation's inputs."""
        it = iter(inputs)
        return tree_unflatten(self.tree, [next(it) if i else x for x, i in zip(self.leaves, self.is_input)])

    def bind(self, *inputs, **params):
        return tuple(tree_flatten(self.fn(*self.args(inputs)))[0])

    __call__ = bind


def _run_body(*inputs, name, call_jaxpr):
    return tuple(call_jaxpr(*inputs))


def _dtype(x):
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


class Staged:
    """What ``stage`` returns: the program, the output tree, the closed-over tracers (the program's
    last inputs) and the outputs computed on the examples."""

    __slots__ = ("program", "out_tree", "captured", "out_examples")

    def __init__(self, program, out_tree, captured, out_examples):
        self.program = program
        self.out_tree = out_tree
        self.captured = captured
        self.out_examples = out_examples


def stage(fun, flat_args, in_tree):
    """Stage ``fun(*tree_unflatten(in_tree, flat_args))`` into a ``Program`` over the leaves.

    >>> staged = stage(lambda x: (fnp.sin(x),), [np.ones(3)], tree_structure((0,)))
    >>> staged.program(np.zeros(3))
    """
    trace = StagingTrace()
    tracers = [trace.new_input(x) for x in flat_args]
    out = fun(*tree_unflatten(in_tree, tracers))
    out_flat, out_tree = tree_flatten(out)
    outputs = [trace.atom(o) for o in out_flat]
    examples = [example_of(o) for o in out_flat]
    inputs = [t._var for t in tracers] + [var for _, var in trace.captured]
    program = Program(inputs, trace.equations, outputs)
    return Staged(program, out_tree, [x for x, _ in trace.captured], examples)


def eval_program(program, args):
    """Run ``program`` on ``args`` by binding each primitive: on tracers, every transform's rules
    apply (this is how ``grad``, ``vmap`` and an enclosing ``jit`` see a staged program)."""
    env = dict(zip(map(id, program.inputs), args))

    def read(a):
        return a.value if isinstance(a, Literal) else env[id(a)]

    for eqn in program.equations:
        ans = eqn.prim.bind(*[read(a) for a in eqn.inputs], **eqn.params)
        if eqn.prim.multiple_results:
            env.update(zip(map(id, eqn.outputs), ans))
        else:
            env[id(eqn.outputs[0])] = ans
    return [read(o) for o in program.outputs]

