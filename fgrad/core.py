"""The engine: primitives, traces and tracers.

A *primitive* is one differentiable operation: its forward implementation on raw
arrays and its derivative rules, registered together in ``PRIMITIVES``. Every
transform (``grad``, ``jvp``, ...) and the PyTorch facade run on those rules;
nowhere else in the project is a derivative written.

A transform opens a *trace* with a fresh, ever-increasing level and boxes its
inputs in *tracers* of that trace. ``Primitive.bind`` hands a call to the
highest-level trace among its arguments, which unboxes its own tracers, binds the
primitive again on the values (so lower traces see it too) and boxes the result.
Because levels only grow, a tracer captured from an outer transform is a constant
to an inner one: nesting works and perturbations never get confused.

Reverse mode records a ``Node`` per call; ``backward_pass`` is the one loop that
runs their VJP rules, and ``BackwardHooks`` is where the PyTorch facade adds its
bookkeeping to it.
"""
from __future__ import annotations

import heapq
import itertools
import sys
from typing import TYPE_CHECKING

import numpy as np

from . import backend
from .errors import ConcretizationTypeError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    Rule = Callable[..., Any]

__all__ = ["Primitive", "PRIMITIVES", "Tracer", "JVPTrace", "VJPTrace", "BackwardHooks", "backward_pass",
           "concrete", "binder"]

PRIMITIVES: dict[str, Primitive] = {}
"""name -> Primitive: the one table of differentiable operations."""

_MODULES = sys.modules  # ``"cupy" in _MODULES`` is backend.cupy_active(), inlined on the hot paths


class Primitive:
    """A named operation with its forward implementation and derivative rules.

    ``vjp`` is a tuple with one rule per positional argument,
    ``rule(g, ans, *args, **params) -> cotangent of that argument``, or ``None``
    where the argument is not differentiable (an index array, say). For
    variadic primitives pass ``vjp_all(argnum, g, ans, *args, **params)``.
    ``jvp`` is the same with ``rule(t, ans, *args, **params) -> tangent of ans``;
    the contributions of all arguments are added. Rules are written with
    ``fgrad.numpy`` operations, so they are differentiable themselves and every
    order of derivative comes for free.

    Two flags say what the VJP rules read, so the PyTorch facade knows which in-place
    writes spoil a backward pass; the defaults are the safe answer:

    - ``linear=True``: the rules use only ``g`` and params, never the values of the
      arguments (their shapes and dtypes are fine) nor ``ans``;
    - ``reads_output``: ``True`` (a rule may read ``ans``), ``False`` (none does), or a
      tuple of the argnums whose rules read it (``x / y``: ``(1,)``). ``linear`` implies False.

    ``batch`` is the batching rule ``vmap`` runs, ``rule(prim, args, dims, params) -> (out, out_dim)``
    (see ``fgrad.batching``); every registered primitive has one, differentiable or not.

    ``register=False`` makes a one-off primitive outside ``PRIMITIVES`` (a custom rule's call: never
    bound, so it needs no batching rule).

    Primitives that run a staged program (``fgrad.lax``'s control flow, ``checkpoint``) need the
    whole call at once, as JAX's rules have it:

    - ``joint_jvp(primals, tangents, **params) -> (ans, tangent of ans)`` replaces ``jvp``; ``tangents``
      has None for an argument without one, and so may the result (per output when
      ``multiple_results``);
    - ``vjp_fwd(*args, wrt=argnums, **params) -> (ans, residuals)`` runs in place of the primitive under
      reverse mode (``wrt``: the argnums reverse mode traced, the only ones whose cotangents are asked
      for); the VJP rules then get ``residuals=`` among their params, so the backward pass reuses
      what the forward computed instead of computing it again.

    ``value_dependent_shape=True``: the output's shape depends on the input values (``nonzero``),
    so ``jit`` refuses to stage it, as JAX does.

    >>> my_sin = fgrad.Primitive("my_sin", np.sin,
    ...                          vjp=(lambda g, ans, x: g * fnp.cos(x),),
    ...                          jvp=(lambda t, ans, x: t * fnp.cos(x),),
    ...                          batch=fgrad.batching.elementwise, reads_output=False,
    ...                          register=False)   # an example: keep it out of the table
    >>> print(my_sin.bind(0.0), fgrad.grad(my_sin.bind)(0.0))
    0.0 1.0
    """

    __slots__ = ("name", "impl", "vjp", "jvp", "batch", "variadic", "nondiff", "multiple_results", "linear",
                 "reads_output", "joint_jvp", "vjp_fwd", "value_dependent_shape", "vjp_argnums", "plain", "__weakref__")
    # A tuple of per-argument rules, or one callable for every argument (``variadic``).
    vjp: Any
    jvp: Any

    def __init__(self, name: str, impl: Callable[..., Any], *, vjp: Sequence[Rule | None] | Rule | None = None,
                 jvp: Sequence[Rule | None] | Rule | None = None, batch: Rule | None = None, nondiff: bool = False,
                 multiple_results: bool = False, linear: bool = False, reads_output: bool | Sequence[int] = True,
                 register: bool = True, joint_jvp: Rule | None = None, vjp_fwd: Rule | None = None,
                 value_dependent_shape: bool = False) -> None:
        if register and name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is already registered")
        if register and batch is None:
            raise TypeError(f"primitive {name!r} was registered without its batching rule; pass batch=, "
                            "e.g. fgrad.batching.elementwise (vmap runs it)")
        if not nondiff:
            missing = [kind for kind, rule in (("vjp", vjp), ("jvp", jvp or joint_jvp)) if rule is None]
            if missing:
                raise TypeError(
                    f"primitive {name!r} was registered without its {' and '.join(missing)} rule(s); "
                    "pass both, or nondiff=True for an operation with no derivative")
            if joint_jvp is None and callable(vjp) != callable(jvp):
                raise TypeError(f"primitive {name!r}: vjp and jvp must both be per-argument tuples "
                                "or both be variadic callables")
        self.name = name
        self.impl = impl
        self.vjp = vjp
        self.jvp = jvp
        self.batch = batch
        self.variadic = callable(vjp)
        # The argnums with a VJP rule (None: every one), read once per recorded call.
        self.vjp_argnums = None if vjp is None or callable(vjp) else frozenset(
            i for i, rule in enumerate(vjp) if rule is not None)
        self.nondiff = nondiff
        self.multiple_results = multiple_results
        self.linear = linear
        if linear:
            reads_output = False
        self.reads_output = reads_output if isinstance(reads_output, bool) else tuple(reads_output)
        self.joint_jvp = joint_jvp
        self.vjp_fwd = vjp_fwd
        self.value_dependent_shape = value_dependent_shape
        # One output, the plain VJP call and a rule for every argument: what VJPTrace.process1/process2
        # record without the general path.
        self.plain = vjp_fwd is None and not multiple_results and (callable(vjp) or vjp is None or None not in vjp)
        if register:
            PRIMITIVES[name] = self

    def __repr__(self) -> str:
        return f"Primitive({self.name})"

    def bind(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive, recording it on the highest trace among ``args``.

        ``params`` are the primitive's static parameters (an axis, a shape), passed to its
        implementation and rules as keywords.

        >>> fgrad.PRIMITIVES["sum"].bind(fnp.arange(6.0).reshape(2, 3), axis=1, keepdims=False)
        array([ 3., 12.])
        """
        top: Any = None
        level = -1
        for a in args:
            if isinstance(a, Tracer):
                t = a._trace
                if t.level > level:
                    top, level = t, t.level
        if top is None:
            if "cupy" in _MODULES:
                return self.impl(*backend.check_same_device(args, self.name), **params)
            return self.impl(*args, **params)
        if self.nondiff:  # no derivative to carry: only vmap's batch tracers stay
            vals = [a._nondiff_value() if isinstance(a, Tracer) else a for a in args]
            top = top_trace(vals)
            if top is None:
                return self.impl(*vals, **params)
            return top.process(self, vals, params)
        return top.process(self, args, params)

    __call__ = bind

    def vjp_rule(self, argnum: int, g: Any, ans: Any, args: Sequence[Any], params: dict[str, Any]) -> Any:
        """The cotangent of argument ``argnum`` for output cotangent ``g`` (``ans``: the output).

        >>> sin = fgrad.PRIMITIVES["sin"]
        >>> print(sin.vjp_rule(0, 2.0, 0.0, (0.0,), {}))
        2.0
        """
        if self.variadic:
            return self.vjp(argnum, g, ans, *args, **params)
        return self.vjp[argnum](g, ans, *args, **params)

    def jvp_rule(self, argnum: int, t: Any, ans: Any, args: Sequence[Any], params: dict[str, Any]) -> Any:
        """The output tangent contributed by tangent ``t`` of argument ``argnum`` (None: no rule).

        >>> sin = fgrad.PRIMITIVES["sin"]
        >>> print(sin.jvp_rule(0, 2.0, 0.0, (0.0,), {}))
        2.0
        """
        if self.variadic:
            return self.jvp(argnum, t, ans, *args, **params)
        rule = self.jvp[argnum] if argnum < len(self.jvp) else None
        return None if rule is None else rule(t, ans, *args, **params)


def binder(prim: Primitive) -> Callable[..., Any]:
    """``prim.bind`` for positional arguments only, as a function closed over ``prim``.

    ``fgrad.numpy``'s public functions and a tracer's operators are such functions: the same
    steps as ``Primitive.bind`` with one Python call less on the hottest path of every transform.
    A primitive with one or two differentiable arguments gets a version for that many arguments
    (no loop over them); more arguments take the general path.

    >>> sin = binder(PRIMITIVES["sin"]); print(sin(0.0))
    0.0
    """
    impl, bind, name, nondiff = prim.impl, prim.bind, prim.name, prim.nondiff

    def bound(*args):
        top = None
        level = -1
        for a in args:
            if isinstance(a, Tracer):
                t = a._trace
                if t.level > level:
                    top, level = t, t.level
        if top is None:
            if "cupy" in _MODULES:
                args = backend.check_same_device(args, name)
            return impl(*args)
        if nondiff:
            return bind(*args)
        return top.process(prim, args, _NO_PARAMS)

    def bound1(x, *rest):
        if rest:
            return bound(x, *rest)
        if isinstance(x, Tracer):
            t = x._trace
            if t.has_process1:
                return t.process1(prim, x)
            return t.process(prim, (x,), _NO_PARAMS)
        if "cupy" in _MODULES:
            backend.check_same_device((x,), name)
        return impl(x)

    def bound2(x, y, *rest):
        if rest:
            return bound(x, y, *rest)
        if isinstance(x, Tracer):
            top = x._trace
            if isinstance(y, Tracer) and y._trace.level > top.level:
                top = y._trace
        elif isinstance(y, Tracer):
            top = y._trace
        else:
            if "cupy" in _MODULES:
                x, y = backend.check_same_device((x, y), name)
            return impl(x, y)
        if top.has_process1:
            return top.process2(prim, x, y)
        return top.process(prim, (x, y), _NO_PARAMS)

    if nondiff or prim.variadic or prim.vjp is None:
        return bound
    return {1: bound1, 2: bound2}.get(len(prim.vjp), bound)


_NO_PARAMS: dict[str, Any] = {}  # binder's params: shared, as no trace writes into the params it is given


def concrete(x: Any) -> Any:
    """The raw array (or scalar) under every level of tracer: the one way to unwrap a traced value.

    >>> _ = fgrad.grad(lambda x: (print(concrete(x)), x * x)[1])(3.0)
    3.0
    """
    while isinstance(x, Tracer):
        x = x._value
    return x


_levels = itertools.count(1)


class Trace:
    """One running transform; its ``level`` orders it against every other.

    Transforms take levels 1, 2, ... in the order they start. Level 0 is kept for
    a trace that outlives every transform (the PyTorch facade's tape).
    """

    __slots__ = ("level",)
    has_process1 = False  # True: ``process1(prim, x)``/``process2(prim, x, y)`` are ``process`` for
    # one or two arguments, faster (VJPTrace)

    def __init__(self):
        self.level = next(_levels)


class Tracer:
    """A value being differentiated. Behaves like an array of its value.

    The array methods and operators are attached by ``fgrad.numpy`` (they are
    ``fgrad.numpy`` functions), so tracers and raw arrays take the same paths.
    """

    __slots__ = ("_trace", "_value")
    _trace: Trace
    _value: Any
    __array_priority__ = 1000
    _staged = False  # a value being staged by jit has no concrete value yet (see ``staged``)

    @property
    def shape(self):
        return np.shape(self._value)

    @property
    def dtype(self):
        return _dtype_of(self._value)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def device(self):
        return backend.device_of(concrete(self))

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # Concrete values are known while differentiating, so Python control flow works. The value
    # below decides: a raw one converts, a tracer of another transform (vmap's batch, a value being
    # staged by jit) raises its own error rather than hand over an example's value.
    def __bool__(self):
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        v = self._value
        return v.__index__() if isinstance(v, Tracer) else int(v)

    def __complex__(self):
        return complex(self._value)

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"a traced value of shape {self.shape} was converted to a raw NumPy array inside a "
            "function being differentiated; the gradient through that conversion would be lost. "
            "Use fgrad.numpy (import fgrad.numpy as fnp) instead of numpy here, or "
            "fgrad.stop_gradient(x) if no gradient should flow")

    def _nondiff_value(self):
        """What a primitive with no derivative sees: the value under the derivative tracers
        (``vmap``'s batch tracers and staged values keep themselves)."""
        v = self._value
        return v._nondiff_value() if isinstance(v, Tracer) else v

    def _example(self):
        """A concrete value this tracer could stand for, of its shape and dtype: what staging a
        program inside this transform computes with (``vmap`` gives one example of its batch)."""
        v = self._value
        return v._example() if isinstance(v, Tracer) else v

    def __repr__(self):
        return f"Traced<{type(self).__name__} level={self._trace.level}>({concrete(self)!r})"


def _dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


# --------------------------------------------------------------------- forward mode

class JVPTracer(Tracer):
    __slots__ = ("_tangent",)

    def __init__(self, trace, value, tangent):
        self._trace = trace
        self._value = value
        self._tangent = tangent


class JVPTrace(Trace):
    """Forward mode: every tracer carries the directional derivative of its value."""

    __slots__ = ()

    def process(self, prim, args, params):
        primals = list(args)
        tangents = []
        for i, a in enumerate(args):
            if isinstance(a, JVPTracer) and a._trace is self:
                primals[i] = a._value
                tangents.append((i, a._tangent))
        if prim.joint_jvp is not None:
            if not tangents:
                return prim.bind(*primals, **params)
            per_arg = [None] * len(args)
            for i, t in tangents:
                per_arg[i] = t
            ans, out = prim.joint_jvp(primals, per_arg, **params)
            return self._box_out(prim, ans, out)
        ans = prim.bind(*primals, **params)
        out = None
        for i, t in tangents:
            ti = prim.jvp_rule(i, t, ans, primals, params)
            if ti is None:
                continue
            if out is None:
                out = ti
            elif prim.multiple_results:
                out = tuple(_add_maybe(a, b) for a, b in zip(out, ti))
            else:
                out = _add(out, ti)
        return self._box_out(prim, ans, out)

    def _box_out(self, prim, ans, out):
        if out is None:
            return ans
        if prim.multiple_results:
            return tuple(a if t is None else JVPTracer(self, a, t) for a, t in zip(ans, out))
        return JVPTracer(self, ans, out)

    def box(self, value, tangent):
        return JVPTracer(self, value, tangent)

    def unbox(self, x):
        """(primal, tangent or None) of ``x`` at this trace."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x._value, x._tangent
        return x, None


# --------------------------------------------------------------------- reverse mode

next_order = itertools.count(0, -1).__next__  # 0, -1, -2, ...: each new Node's ``order``
_new = object.__new__


class Node:
    """One recorded call: what the VJP rules need to send cotangents back.

    ``order`` decreases with every node made (a subclass's ``__init__`` sets it with
    ``next_order()``): a node's parents were made before it, so the backward pass runs the
    nodes holding a cotangent smallest ``order`` first, which is a reverse topological order.
    """

    __slots__ = ("prim", "params", "args", "ans", "parents", "order")

    def __init__(self, prim, params, args, ans, parents):
        self.prim = prim
        self.params = params
        self.args = args
        self.ans = ans
        self.parents = parents  # (argnum, parent Node, parent output index) per differentiated input
        self.order = next_order()


class VJPTracer(Tracer):
    __slots__ = ("_node", "_index")

    def __init__(self, trace, value, node, index=0):
        self._trace = trace
        self._value = value
        self._node = node
        self._index = index


class VJPTrace(Trace):
    """Reverse mode: every tracer points at the node that made it.

    A subclass may record its own nodes by overriding ``make_node`` (the facade's tape does).
    """

    __slots__ = ()
    _plain_nodes = True  # make_node is this class's: process builds the Node itself (one call less)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._plain_nodes = cls.make_node is VJPTrace.make_node

    def process(self, prim, args, params):
        vals = list(args)  # the values at this level: a tracer of this trace is replaced below
        parents = []
        lower = False  # does a lower-level tracer remain among the values?
        diff = prim.vjp_argnums
        i = 0
        for a in args:
            if isinstance(a, Tracer):
                if a._trace is self:  # (only this trace's VJPTracers have it)
                    if diff is None or i in diff:
                        parents.append((i, a._node, a._index))
                    a = vals[i] = a._value
                    if isinstance(a, Tracer):
                        lower = True
                else:
                    lower = True
            i += 1
        if not parents:
            return prim.bind(*vals, **params) if lower or "cupy" in _MODULES else prim.impl(*vals, **params)
        if prim.vjp_fwd is not None:
            ans, residuals = prim.vjp_fwd(*vals, wrt=frozenset(p[0] for p in parents), **params)
            params = dict(params, residuals=residuals)
        elif lower or "cupy" in _MODULES:
            ans = prim.bind(*vals, **params)  # lower traces see the call too
        elif params:
            ans = prim.impl(*vals, **params)  # binding again would only reach impl
        else:
            ans = prim.impl(*vals)  # (a call with **params copies the dict, even an empty one)
        if self._plain_nodes:
            # Node(prim, params, vals, ans, parents), its fields set here: a class called from C
            # (its __init__) costs a third more than the node itself (the hottest line of reverse mode)
            node = _new(Node)
            node.prim = prim
            node.params = params
            node.args = vals
            node.ans = ans
            node.parents = parents
            node.order = next_order()
        else:
            node = self.make_node(prim, params, vals, ans, parents, args)
        if prim.multiple_results:
            return tuple(VJPTracer(self, a, node, k) for k, a in enumerate(ans))
        out = _new(VJPTracer)  # VJPTracer(self, ans, node), likewise
        out._trace = self
        out._value = ans
        out._node = node
        out._index = 0
        return out

    has_process1 = True

    # process1 and process2: ``process(prim, args, {})`` for one or two arguments (``binder``'s calls), the
    # common case recorded without the general loop: a single-output primitive, its differentiated
    # arguments this trace's tracers of values under no other tracer. Anything else takes ``process``.

    def process1(self, prim, x):
        v = x._value
        if not prim.plain or isinstance(v, Tracer) or "cupy" in _MODULES:
            return self.process(prim, (x,), _NO_PARAMS)
        return self._record(prim, [v], prim.impl(v), [(0, x._node, x._index)], (x,))

    def process2(self, prim, x, y):
        if not prim.plain or "cupy" in _MODULES:
            return self.process(prim, (x, y), _NO_PARAMS)
        if isinstance(x, Tracer):
            vx = x._value
            if x._trace is not self or isinstance(vx, Tracer):
                return self.process(prim, (x, y), _NO_PARAMS)
            if isinstance(y, Tracer):
                vy = y._value
                if y._trace is not self or isinstance(vy, Tracer):
                    return self.process(prim, (x, y), _NO_PARAMS)
                parents = [(0, x._node, x._index), (1, y._node, y._index)]
            else:
                vy = y
                parents = [(0, x._node, x._index)]
        else:  # y is this trace's tracer (binder sent the call here)
            vx, vy = x, y._value
            if isinstance(vy, Tracer):
                return self.process(prim, (x, y), _NO_PARAMS)
            parents = [(1, y._node, y._index)]
        return self._record(prim, [vx, vy], prim.impl(vx, vy), parents, (x, y))

    def _record(self, prim, vals, ans, parents, args):
        """The tracer of ``ans``, its node recording the call (``process``'s end, single output)."""
        if self._plain_nodes:
            node = _new(Node)  # as in process
            node.prim = prim
            node.params = _NO_PARAMS
            node.args = vals
            node.ans = ans
            node.parents = parents
            node.order = next_order()
        else:
            node = self.make_node(prim, _NO_PARAMS, vals, ans, parents, args)
        out = _new(VJPTracer)
        out._trace = self
        out._value = ans
        out._node = node
        out._index = 0
        return out

    def make_node(self, prim, params, vals, ans, parents, args):
        """The node recording one call (``args`` as given, ``vals`` unboxed at this level)."""
        return Node(prim, params, vals, ans, parents)

    def leaf(self, value):
        return VJPTracer(self, value, Node(None, None, None, value, ()))

    def unbox(self, x):
        if isinstance(x, VJPTracer) and x._trace is self:
            return x._value
        return x


class BackwardHooks:
    """What ``backward_pass`` does around each node's rules; these defaults are the transforms'.

    The PyTorch facade's tape subclasses it for torch's semantics (version checks, freeing
    the graph, ``.grad`` of leaves, ``create_graph``).
    """

    __slots__ = ()

    def visit(self, node, g):
        """``node`` (a leaf too) has its total cotangent ``g``; its rules have not run yet."""

    def saved(self, node):
        """The ``(args, ans)`` the node's rules run on."""
        return node.args, node.ans

    def done(self, node):
        """The node's rules have run."""

    def enter(self, node, g):
        """What the pass calls before a node's rules: ``visit``, then ``saved`` for a node with rules
        (None for a leaf); ``(args, ans, g)`` runs the rules on a replaced cotangent ``g``. A subclass
        overrides the parts, or ``enter`` to do both in one call."""
        self.visit(node, g)
        return None if node.prim is None else self.saved(node)


def backward_pass(roots: Iterable[tuple[Node, int, Any]], leaves: Sequence[Node], *,
                  hooks: BackwardHooks | None = None) -> list[Any]:
    """Send cotangents from ``roots`` [(node, index, ct)] back to ``leaves`` [node].

    Returns the total cotangent of every node in ``leaves`` (None where nothing reached it).
    ``hooks``: a ``BackwardHooks`` (the facade's tape). None, the transforms' fast path, acts as
    its defaults without a call per node.
    """
    cts = _Cotangents()
    for root, index, ct in roots:
        if ct is not None:  # (no cotangent: nothing to send back from there)
            _accumulate(cts, root, index, ct)
    wanted = dict.fromkeys(leaves)
    done = None if hooks is None or type(hooks).done is BackwardHooks.done else hooks.done
    heap, pop, get, push, heappop = cts.heap, cts.pop, cts.get, heapq.heappush, heapq.heappop
    node: Node | None = None  # the node to run next when it is known without the heap (a chain's next link)
    gn: Any = None  # that node's cotangent, held here rather than in cts
    while node is not None or heap:
        if node is None:
            node = heappop(heap)[1]
            g = pop(node)
        else:
            g = gn
        if node in wanted:
            wanted[node] = g
        prim = node.prim
        if hooks is None:
            if prim is None:
                node = None
                continue
            args, ans = node.args, node.ans
        else:
            saved = hooks.enter(node, g)
            if saved is None:
                node = None
                continue
            if len(saved) == 3:  # the hooks replaced the cotangent (the PyTorch face's tensor hooks)
                args, ans, g = saved
            else:
                args, ans = saved
        if prim.multiple_results:
            g = tuple(_zeros_like(a) if gi is None else gi for gi, a in zip(g, ans))
        params, rules, variadic = node.params, prim.vjp, prim.variadic
        # The first parent to get a cotangent while nothing else is pending runs next unless
        # another one joins it: a chain never touches the heap.
        nxt = None
        held = not heap
        for argnum, parent, index in node.parents:  # Primitive.vjp_rule, inlined: the hot loop
            if variadic:
                ct = rules(argnum, g, ans, *args, **params)
            elif params:
                ct = rules[argnum](g, ans, *args, **params)
            elif len(args) == 1:  # a call of known arity costs less than one through *args
                ct = rules[argnum](g, ans, args[0])
            elif len(args) == 2:
                ct = rules[argnum](g, ans, args[0], args[1])
            else:
                ct = rules[argnum](g, ans, *args)
            if ct is None:
                continue
            if parent is nxt:  # the held parent again (x * x)
                gn = _add(gn, ct)
                continue
            # _accumulate, inlined for the common case: the parent's first single-output cotangent
            pp = parent.prim
            if (pp is None or not pp.multiple_results) and get(parent) is None:
                if held and nxt is None:
                    nxt, gn = parent, ct
                else:
                    cts[parent] = ct
                    push(heap, (parent.order, parent))
            else:
                _accumulate(cts, parent, index, ct)
        if done is not None:
            done(node)
        if nxt is not None and heap:  # another node joined: the held one waits its turn
            cts[nxt] = gn
            push(heap, (nxt.order, nxt))
            nxt = None
        node = nxt
    out = []
    for leaf in leaves:
        g = wanted[leaf]
        out.append(g[0] if isinstance(g, list) else g)
    return out


class _Cotangents(dict):
    """node -> cotangent, remembering which entries are buffers this pass allocated itself.

    Such a buffer is referenced nowhere else, so later contributions are added into it in
    place: a weight used at every step of a recurrence gets one buffer, not one per step.
    ``heap`` holds ``(node.order, node)`` for every node given an entry: the next to run on top.
    """

    __slots__ = ("owned", "heap")

    def __init__(self):
        super().__init__()
        self.owned = set()
        self.heap = []


def _accumulate(cts, node, index, ct):
    prim = node.prim
    if prim is not None and prim.multiple_results:
        slot = cts.get(node)
        if slot is None:
            slot = cts[node] = [None] * len(node.ans)
            heapq.heappush(cts.heap, (node.order, node))
        slot[index] = ct if slot[index] is None else _add(slot[index], ct)
        return
    old = cts.get(node)
    if old is None:
        cts[node] = ct
        heapq.heappush(cts.heap, (node.order, node))
    elif (node in cts.owned and not isinstance(ct, Tracer) and not isinstance(old, Tracer)
          and getattr(ct, "shape", None) == old.shape and ct.dtype == old.dtype):
        old += ct  # (an owned buffer that a traced contribution has since replaced is no buffer: no +=)
    else:
        new = cts[node] = _add(old, ct)
        if new is not old and new is not ct and (isinstance(new, np.ndarray) or backend.is_cupy_array(new)):
            cts.owned.add(node)  # (a NumPy scalar result is immutable: += would not write into it)


def _add(a, b):
    return PRIMITIVES["add"].bind(a, b)


def _add_maybe(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return _add(a, b)


def _zeros_like(x):
    return PRIMITIVES["zeros_like"].bind(x)


def top_trace(leaves):
    """The highest-level trace among ``leaves``, or None."""
    top = None
    level = -1
    for a in leaves:
        if isinstance(a, Tracer) and a._trace.level > level:
            top, level = a._trace, a._trace.level
    return top


def staged(x):
    """True when ``x`` carries a value being staged (``jit``): its value is not known until the program runs.

    >>> if not staged(w): check_weights(concrete(w))   # a check JAX can't run under jit is skipped
    """
    while isinstance(x, Tracer):
        if x._staged:
            return True
        x = x._value
    return False


def concrete_value(x, what):
    """``concrete(x)`` for a value that decides a shape or a branch: a staged value has none yet, so it raises
    JAX's ``ConcretizationTypeError`` naming ``what`` instead of baking one example into the program."""
    if staged(x):
        raise ConcretizationTypeError(
            f"{what} must be a concrete value, but it is being staged (jit, lax control flow, checkpoint); pass it as a "
            "static argument (static_argnums / static_argnames) or compute it outside the staged function")
    return concrete(x)
