"""One signature of a compiled callable: the call staged once into a program, then replayed.

``stage_call`` runs the call on Tensors over staging tracers (the parameters, buffers and tensor
arguments are the program's inputs, then one ``fgrad.random`` key that the call's random ops split
their keys from, so dropout draws afresh on every replay). Its outputs are the output Tensors' values,
then the new values of the inputs the call changed (BatchNorm's running statistics), which the
replay writes back as eager mode does.

Without autograd the program runs as it is. When an input requires grad, the program's staged
reverse mode (``vjp_program``) splits it: the forward program runs and saves residuals, and one
node on the autograd tape (``grad_fn``: ``CompiledFunctionBackward``, torch's name) runs the backward
program when ``backward()`` reaches it.

>>> entry = Entry(stage_call(call, tensors, key), extra=[], examples=values, diff=requires_grad)
>>> outputs = entry.run(tensors, key)
"""
import fgrad.numpy as fnp
from fgrad.core import Primitive, Tracer, concrete
from fgrad.errors import ConcretizationTypeError
from fgrad.staging import stage
from fgrad.staging.autodiff import vjp_program
from fgrad.staging.passes import flatten_batched_products, transpose_products
from fgrad.tree_util import tree_flatten

from .. import random as _random
from .._tensor import Tensor, apply, on_tape, wrap
from ..func import _pytree as pt
from ..nn.init import key_source

__all__ = ["GeneratorDraw", "Staged", "stage_call", "Entry"]

_DOUBLE_BACKWARD = "torch.compile with aot_autograd does not currently support double backward"


class GeneratorDraw(ConcretizationTypeError):
    """A draw from a ``torch.Generator`` while staging: its values would be baked into the program."""


def _refuse_draw(gen):
    raise GeneratorDraw("a draw from a torch.Generator (torch.rand, torch.randn, ... or generator=) in a function "
                        "being compiled: its values would be fixed in the program. Dropout and the keyed random "
                        "ops draw afresh on every call")


class Staged:
    """What ``stage_call`` records: the program, the output nest and where its Tensors go, the inputs the
    call changed, and the outputs computed while staging."""

    __slots__ = ("program", "spec", "leaves", "where", "mutated", "captured", "examples")


def stage_call(call, tensors, key):
    """Stage ``call(tensors) -> output nest`` over the values of ``tensors`` and the random ``key``."""
    rec = Staged()

    def body(datas, k):
        ts = [wrap(d) for d in datas]
        _random.DRAW_HOOKS.append(_refuse_draw)
        try:
            with key_source(k):
                out = call(ts)
        finally:
            _random.DRAW_HOOKS.pop()
        rec.leaves, rec.spec = pt.flatten(out)
        rec.where = [i for i, v in enumerate(rec.leaves) if isinstance(v, Tensor)]
        rec.mutated = [i for i, (t, d) in enumerate(zip(ts, datas)) if t._data is not d]
        return [rec.leaves[i]._data for i in rec.where] + [ts[i]._data for i in rec.mutated]

    raws = [concrete(t._data) for t in tensors]
    staged = stage(body, [*raws, key], tree_flatten((raws, key))[1])
    rec.program, rec.captured, rec.examples = staged.program, staged.captured, staged.out_examples
    for i in rec.where:
        rec.leaves[i] = None  # the Tensors over tracers are not kept
    return rec


def captured_leaves(captured):
    """Weak references to the Tensors behind closed-over tape leaves (a global weight), or None when
    something else was closed over (an intermediate of a graph: only eager mode is right then)."""
    refs = []
    for x in captured:
        node = getattr(x, "_node", None)
        ref = getattr(node, "tensor", None)
        if not on_tape(x) or node.prim is not None or ref is None:
            return None
        refs.append(ref)
    return refs


class Entry:
    """A staged signature, ready to replay (see the module docstring)."""

    __slots__ = ("program", "spec", "leaves", "where", "mutated", "n_out", "uses_key", "extra", "examples",
                 "prim", "__weakref__")

    def __init__(self, rec, extra, examples, diff):
        self.program = _reordered(rec.program)
        self.spec, self.leaves, self.where, self.mutated = rec.spec, rec.leaves, rec.where, rec.mutated
        self.n_out = len(rec.where)
        self.extra = extra  # weakrefs to the Tensors of closed-over leaves: the program's last inputs
        key_var = rec.program.inputs[len(rec.program.inputs) - len(extra) - 1]
        self.uses_key = _reads(rec.program, key_var)
        self.examples = rec.examples
        self.prim = _node_primitive(self.program, examples, diff) if any(diff) else None

    def extra_tensors(self, sig):
        """The closed-over Tensors as they are now, or None if one is gone or changed (then restage)."""
        out = []
        for ref, s in zip(self.extra, sig):
            t = ref()
            if t is None or signature(t) != s:
                return None
            out.append(t)
        return out

    def run(self, tensors, key, extras, first):
        """The call's output nest, the changed inputs written back. ``first``: right after staging (the
        staging computed the outputs already, unless they depend on the key or need a tape node)."""
        if self.prim is not None:
            outs = list(apply(self.prim.bind, [*tensors, key, *extras], out_kind="many"))
        else:
            if first and not self.uses_key:
                vals = self.examples
            else:
                vals = self.program(*[concrete(t._data) for t in tensors], key,
                                    *[concrete(t._data) for t in extras])
            outs = [wrap(v) for v in vals]
        self.examples = None  # the staging's outputs serve the first call only
        for i, new in zip(self.mutated, outs[self.n_out:]):
            tensors[i]._assign(concrete(new._data))
        leaves = list(self.leaves)
        for i, t in zip(self.where, outs):
            leaves[i] = t
        return pt.unflatten(self.spec, leaves)


def signature(t):
    """What a program specialises on for one Tensor: shape, dtype, array type and requires_grad."""
    d = t._data
    r = concrete(d)
    return (r.shape, r.dtype, type(r), on_tape(d))


def _reads(program, var):
    if any(o is var for o in program.outputs):
        return True
    return any(a is var for e in program.equations for a in e.inputs)


def _contiguous(ct):
    """``ct`` in C order: a staged backward may give a weight's gradient as a transposed view (the transpose
    of ``x.T @ g``), and torch's ``.grad`` has its parameter's (contiguous) layout; a mixed-layout optimizer
    update is many times slower than one copy."""
    flags = getattr(ct, "flags", None)
    if flags is None or flags.c_contiguous:
        return ct
    return fnp.get_array_module(ct).ascontiguousarray(ct)


def _reordered(program):
    """``program`` with its matrix products laid out for BLAS: one 2-D product per batched Linear, and
    weight gradients made in C order (torch's ``.grad`` layout, so no copy per step). The same dot
    products, possibly rounded differently in the last place, as torch's compiler allows itself."""
    return transpose_products(flatten_batched_products(program))


def _no_jvp(argnum, t, ans, *args, **params):
    raise NotImplementedError("forward-mode AD of a compiled call: torch.func.jvp runs the call eagerly")


def _node_primitive(program, examples, diff):
    """One tape node's primitive for ``program``: its forward saves residuals, its rule runs the staged
    backward once per output cotangent and hands each differentiated input its part."""
    fwd, bwd, _ = vjp_program(program, examples, diff)
    fwd, bwd = _reordered(fwd), _reordered(bwd)
    n_out = len(program.outputs)
    slot = {argnum: k for k, argnum in enumerate(i for i, d in enumerate(diff) if d)}
    last = max(slot)
    memo = []

    def vjp_fwd(*vals, wrt=None):
        outs = fwd(*vals)
        return tuple(outs[:n_out]), outs[n_out:]

    def vjp_all(argnum, g, ans, *args, residuals):
        if not memo or memo[0] is not g:
            if any(isinstance(v, Tracer) for v in (*g, *args)):  # create_graph=True: a backward of the backward
                raise RuntimeError(_DOUBLE_BACKWARD)
            memo[:] = g, [_contiguous(c) for c in bwd(*residuals, *g)]
        ct = memo[1][slot[argnum]]
        if argnum == last:
            memo.clear()  # the graph may outlive this pass: keep no cotangents alive
        return ct

    def impl(*vals):
        return tuple(program(*vals))

    return Primitive("CompiledFunction", impl, vjp=vjp_all, jvp=_no_jvp, multiple_results=True, register=False,
                     vjp_fwd=vjp_fwd)
