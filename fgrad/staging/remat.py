"""JAX's ``checkpoint`` (``remat``): recompute a function's intermediates in the backward pass
instead of keeping them from the forward pass.

The function is staged into a ``Program`` and bound as one ``checkpoint`` primitive, whose node
keeps only the primitive's inputs and outputs. Its VJP rule runs the program again (the recompute)
and pulls the cotangents back through the staged backward program of ``vjp_program``. Every other
transform rewrites the program and binds ``checkpoint`` again: its JVP is the staged JVP of the
program, its batching rule the staged ``vmap`` of it, so the recompute survives under any nesting.

A ``policy`` (``fgrad.checkpoint_policies``) names the intermediates worth keeping: the forward
pass saves those, and the backward recomputes only the rest.

>>> layer = fgrad.checkpoint(lambda h, w: fnp.tanh(h @ w))
>>> x, w = fnp.ones((1, 2)), fnp.eye(2)
>>> fgrad.grad(lambda w: fnp.sum(layer(layer(x, w), w)))(w).shape   # keeps x, h1, h2; not the tanh inputs
(2, 2)
"""
from __future__ import annotations

import functools
import types
import weakref
from typing import TYPE_CHECKING

import numpy as np

from .. import backend
from ..batching import vmap
from ..core import Primitive, Tracer
from ..transforms import jvp
from ..tree_util import tree_flatten, tree_unflatten
from .autodiff import vjp_program
from .passes import depends, eliminate_dead_code
from .program import Program, Var
from .replay import compile_program  # noqa: F401  (it makes a Program callable: its replay)
from .trace import eval_program, example_of, stage

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = ["checkpoint", "remat", "checkpoint_policies"]


# ------------------------------------------------------------------ policies
# JAX's signature: ``policy(prim, *avals, **params) -> bool``, True where the value is saved.

def everything_saveable(*_, **__):
    """Save every intermediate: no recompute (the function differentiated as if unwrapped)."""
    return True


def nothing_saveable(*_, **__):
    """Save nothing: recompute every intermediate (the default, ``policy=None``)."""
    return False


def dots_saveable(prim, *avals, **params):
    """Save the results of matrix products (``matmul``, ``einsum``); recompute the rest."""
    return prim.name in ("matmul", "einsum", "linear")


def dots_with_no_batch_dims_saveable(prim, *avals, **params):
    """Save matrix products whose operands share no batch dimension (a 2-D operand, or an einsum
    with no index common to the operands and the output)."""
    if prim.name == "linear":  # x @ w.T with a 2-D weight
        return True
    if prim.name == "matmul":
        return min(len(a.shape) for a in avals) <= 2
    if prim.name == "einsum":
        ins, out = params["subscripts"].split("->")
        terms = ins.split(",")
        shared = set(terms[0]).intersection(*terms[1:]) if len(terms) > 1 else set()
        return not (shared & set(out))
    return False


def save_from_both_policies(policy_1, policy_2):
    """Save what either policy saves."""
    def policy(prim, *avals, **params):
        return policy_1(prim, *avals, **params) or policy_2(prim, *avals, **params)
    return policy


checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable, nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable, checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_from_both_policies=save_from_both_policies)
"""JAX's ``jax.checkpoint_policies``: which intermediates the forward pass keeps."""


# ------------------------------------------------------------------ the primitive

def _inexact(x):
    return np.dtype(x.dtype if hasattr(x, "dtype") else np.result_type(x)).kind in "fc"


def _run(program, args):
    """Replay ``program`` on raw values; with a tracer among them, bind each equation instead."""
    if any(isinstance(a, Tracer) for a in args):
        return eval_program(program, args)
    return program(*args)


def _bind(program, args, prevent_cse, policy):
    """``checkpoint`` of ``program`` on ``args``. ``diff``: which arguments may be differentiated
    (a raw value is a constant to every transform, so its cotangent is never computed)."""
    diff = tuple(isinstance(a, Tracer) and _inexact(a) for a in args)
    return checkpoint_p.bind(*args, jaxpr=program, prevent_cse=prevent_cse, policy=policy, diff=diff)


# program -> {key: derived program or plan}
_DERIVED: weakref.WeakKeyDictionary[Program, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _derived(program, key, build):
    """``build()`` once per ``(program, key)``: programs derived from a staged one are staged once."""
    table = _DERIVED.setdefault(program, {})
    if key not in table:
        table[key] = build()
    return table[key]


def _impl(*args, jaxpr, prevent_cse, policy, diff):
    return tuple(jaxpr(*args))


class _Plan:
    """Reverse mode of one program under one policy.

    ``save``: inputs -> outputs, then the values the policy keeps; ``recompute``: inputs, the
    outputs it reads (``used``: their indices) and the kept values -> the backward's residuals;
    ``bwd``: residuals, output cotangents -> cotangents of the ``diff`` inputs.
    """

    def __init__(self, program, diff, policy, examples):
        fwd, self.bwd, _ = vjp_program(program, examples, diff)
        n_out = len(program.outputs)
        saveable = policy or nothing_saveable
        self.save, self.recompute, self.used = _split(fwd, n_out, saveable)
        self.n_saved = len(self.save.outputs) - n_out
        self.diff_args = [i for i, d in enumerate(diff) if d]


def _split(fwd, n_out, saveable):
    """Split the forward program ``fwd`` (outputs, then residuals) by the policy: walking back from
    the residuals, a value the policy marks is saved, an output is read from the node, an input is
    at hand; every other equation on the way is recomputed."""
    outs, residuals = fwd.outputs[:n_out], fwd.outputs[n_out:]
    inputs = {id(v) for v in fwd.inputs}
    in_ans = {id(o): k for k, o in enumerate(outs) if isinstance(o, Var) and id(o) not in inputs}
    needed = {id(v) for v in residuals if isinstance(v, Var)}
    saved, used, recompute = {}, {}, []
    for eqn in reversed(fwd.equations):
        hit = [o for o in eqn.outputs if id(o) in needed]
        rest = [o for o in hit if id(o) not in in_ans]
        used.update((id(o), in_ans[id(o)]) for o in hit if id(o) in in_ans)
        if not rest:
            continue
        if saveable(eqn.prim, *[_aval(a) for a in eqn.inputs], **eqn.params):
            saved.update((id(o), o) for o in rest)
            continue
        for o in eqn.outputs:  # recomputed: none of its outputs is read from the node
            used.pop(id(o), None)
        recompute.append(eqn)
        needed.update(id(a) for a in eqn.inputs if isinstance(a, Var))
    recompute.reverse()
    kept = list(saved.values())
    used = sorted(set(used.values()))
    save = eliminate_dead_code(Program(fwd.inputs, fwd.equations, list(outs) + kept))
    recompute = Program(list(fwd.inputs) + [outs[k] for k in used] + kept, recompute, residuals)
    return save, recompute, used


def _aval(atom):
    return atom if isinstance(atom, Var) else Var(np.shape(atom.value), getattr(atom.value, "dtype", None)
                                                  or np.result_type(atom.value))


def _plan(args, jaxpr, diff, policy):
    return _derived(jaxpr, ("vjp", diff, policy),
                    lambda: _Plan(jaxpr, diff, policy, [example_of(a) for a in args]))


class _Saved:
    """What one call's forward pass keeps for its backward (the policy's values), and the
    cotangents of one backward step, handed out one argument at a time (the backward pass asks
    per argument, with the same output cotangent ``g``: the pullback runs once per ``g``)."""

    __slots__ = ("values", "_g", "_cts")

    def __init__(self, values):
        self.values = values
        self._g = self._cts = None

    def cotangent(self, argnum, g, pullback):
        if self._g is not g:
            self._g, self._cts = g, pullback(g)
        ct = self._cts.pop(argnum)
        if not self._cts:  # every cotangent handed out: keep none of them alive
            self._g = self._cts = None
        return ct


def _vjp_fwd(*args, jaxpr, prevent_cse, policy, diff, wrt=None):
    if policy is None or policy is nothing_saveable:
        return checkpoint_p.bind(*args, jaxpr=jaxpr, prevent_cse=prevent_cse, policy=policy, diff=diff), _Saved(())
    plan = _plan(args, jaxpr, diff, policy)
    if not plan.n_saved:
        outs = checkpoint_p.bind(*args, jaxpr=jaxpr, prevent_cse=prevent_cse, policy=policy, diff=diff)
        return outs, _Saved(())
    outs = _bind(plan.save, args, prevent_cse, policy)
    n_out = len(jaxpr.outputs)
    return tuple(outs[:n_out]), _Saved(tuple(outs[n_out:]))


def _vjp(argnum, g, ans, *args, jaxpr, prevent_cse, policy, diff, residuals):
    if not diff[argnum]:
        return None

    def pullback(g):
        plan = _plan(args, jaxpr, diff, policy)
        at_hand = list(args) + [ans[k] for k in plan.used] + list(residuals.values)
        if plan.recompute.equations:
            res = _bind(_after(plan.recompute, g[0]), at_hand + [g[0]], prevent_cse, policy)
        else:
            res = _run(plan.recompute, at_hand)
        cts = _run(plan.bwd, list(res) + list(g))
        return dict(zip(plan.diff_args, cts))

    return residuals.cotangent(argnum, g, pullback)


def _after(recompute, g):
    """``recompute`` with one more, unused, input: a cotangent. Where the backward pass is itself
    staged and split from the forward (``vjp_program``: ``lax.scan``'s reverse loop, an enclosing
    checkpoint), the recompute then depends on the cotangents, so it is scheduled in the backward
    program instead of being hoisted into the forward one, where its values would be saved."""
    example = example_of(g)
    aval = (np.shape(example), str(getattr(example, "dtype", None) or np.result_type(example)))
    return _derived(recompute, ("after", aval), lambda: Program(
        list(recompute.inputs) + [Var(*aval)], recompute.equations, recompute.outputs))


def _joint_jvp(primals, tangents, *, jaxpr, prevent_cse, policy, diff):
    which = tuple(t is not None for t in tangents)
    given = [t for t in tangents if t is not None]
    key = ("jvp", which, tuple(np.dtype(getattr(example_of(t), "dtype", None) or np.result_type(example_of(t)))
                               for t in given))
    program = _derived(jaxpr, key, lambda: _jvp_program(jaxpr, which, list(primals), given))
    outs = _bind(program, list(primals) + given, prevent_cse, policy)
    n_out = len(jaxpr.outputs)
    ans, touts = outs[:n_out], outs[n_out:]
    moved = depends(jaxpr, which, precise=False)  # an output that no tangent reaches has none (a symbolic zero)
    return tuple(ans), tuple(t if m and _inexact(a) else None for a, t, m in zip(ans, touts, moved))


def _jvp_program(jaxpr, which, primals, tangents):
    """The program ``(primals, tangents of the args in which) -> (outputs, output tangents)``."""
    def pushforward(ps, ts):
        def f(*moving):
            it = iter(moving)
            return eval_program(jaxpr, [next(it) if w else p for p, w in zip(ps, which)])
        outs, touts = jvp(f, [p for p, w in zip(ps, which) if w], list(ts))
        return list(outs) + list(touts)

    flat, tree = tree_flatten((primals, tangents))
    return stage(pushforward, flat, tree).program


def _batch(prim, args, dims, params):
    key = ("vmap", tuple(dims), tuple((np.shape(example_of(a)), str(getattr(example_of(a), "dtype", type(a))))
                                      for a in args))
    jaxpr = params["jaxpr"]
    out_dims = [0 if b else None for b in depends(jaxpr, [d is not None for d in dims], precise=False)]

    def build():
        mapped = vmap(lambda *xs: eval_program(jaxpr, list(xs)), in_axes=tuple(dims), out_axes=out_dims)
        return stage(lambda *xs: list(mapped(*xs)), list(args), tree_flatten(tuple(args))[1]).program

    program = _derived(jaxpr, key, build)
    outs = _bind(program, list(args), params["prevent_cse"], params["policy"])
    return outs, out_dims


checkpoint_p = Primitive("checkpoint", _impl, vjp=_vjp, joint_jvp=_joint_jvp, vjp_fwd=_vjp_fwd, batch=_batch,
                         multiple_results=True)


# ------------------------------------------------------------------ the wrapper

def _signature(x):
    if isinstance(x, (bool, int, float, complex)):
        return type(x)  # weakly typed: one program for every value
    return tuple(np.shape(x)), str(x.dtype)  # raw or traced: the same program


def _check_leaf(x):
    if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex)) or backend.is_raw_array(x):
        return x
    raise TypeError(f"checkpoint: argument of type {type(x).__name__} is not a valid fgrad type; pass arrays, "
                    "scalars or pytrees of them, or mark the argument static (static_argnums)")


def checkpoint(fun: Callable[..., Any], *, prevent_cse: bool = True, policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()) -> Callable[..., Any]:
    """``fun`` whose intermediates are recomputed in the backward pass rather than kept (JAX's
    ``checkpoint``, alias ``remat``): reverse mode keeps only its inputs and outputs, and the
    values ``policy`` marks (``fgrad.checkpoint_policies``). Values and derivatives are unchanged.

    ``prevent_cse``: accepted for JAX's sake; fgrad's recompute is always one opaque step of the
    backward pass, so ``jit`` never merges it with the forward pass either way. ``static_argnums``:
    arguments that are Python values, not arrays (hashable ones key a cache of staged programs).

    >>> step = fgrad.checkpoint(lambda h, w: fnp.tanh(h @ w))
    >>> h0, w = fnp.ones((1, 2)), fnp.array([[0.5, 0.0], [1.0, -1.0]])
    >>> g = fgrad.grad(lambda w: fnp.sum(step(step(h0, w), w)))(w)
    >>> plain = fgrad.grad(lambda w: fnp.sum(fnp.tanh(fnp.tanh(h0 @ w) @ w)))(w)
    >>> g.shape, bool(fnp.allclose(g, plain))
    ((2, 2), True)
    """
    if not callable(fun):
        raise TypeError(f"checkpoint: expected a callable as its first argument, got {type(fun).__name__}")
    if policy is not None and not callable(policy):
        raise TypeError(f"checkpoint: policy must be None or a callable (see fgrad.checkpoint_policies), "
                        f"got {type(policy).__name__}")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    # signature -> (program, out_tree): staged once per signature, as JAX caches its trace
    cache: dict[Any, tuple[Program, Any]] = {}

    @functools.wraps(fun)
    def fun_remat(*args, **kwargs):
        n = len(args)
        if any(not -n <= i < n for i in nums):
            raise ValueError(f"checkpoint: static_argnums must be integers in [-len(args), len(args)), got "
                             f"{nums} for {n} positional arguments")
        static_pos = sorted({i % n for i in nums})
        dyn = tuple(a for i, a in enumerate(args) if i not in static_pos)
        flat, tree = tree_flatten((dyn, kwargs))
        flat = [_check_leaf(x) for x in flat]
        key = (tree, tuple((i, args[i]) for i in static_pos), tuple(map(_signature, flat)))
        try:
            hit = cache.get(key)
        except TypeError:  # an unhashable static argument: stage every call
            key, hit = None, None
        if hit is None:
            def flat_fun(d_args, d_kwargs):
                it = iter(d_args)
                return fun(*[args[i] if i in static_pos else next(it) for i in range(n)], **d_kwargs)
            staged = stage(flat_fun, flat, tree)
            if not staged.captured and not any(isinstance(x, Tracer) for x in flat):
                if key is not None:
                    cache[key] = (staged.program, staged.out_tree)
                return tree_unflatten(staged.out_tree, staged.out_examples)  # computed while staging
            if key is not None and not staged.captured:  # closed-over tracers differ per call
                cache[key] = (staged.program, staged.out_tree)
            program, out_tree, captured = staged.program, staged.out_tree, staged.captured
        else:
            (program, out_tree), captured = hit, []
        outs = _bind(program, flat + captured, prevent_cse, policy)
        return tree_unflatten(out_tree, list(outs))

    return fun_remat


remat = checkpoint
