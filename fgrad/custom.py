"""User-defined derivative rules: JAX's ``custom_vjp`` and ``custom_jvp``.

Both are respected by every transform. A ``custom_jvp`` rule also serves reverse
mode: its tangent map is linear, so its VJP is the reverse-mode derivative of that
map with respect to the tangents, evaluated at zero tangents.

Under ``vmap`` a call is batched as JAX batches it: the batch level is unboxed and the
same machinery runs on a custom function of the batch, whose ``fun``/``fwd``/``bwd`` (or
``jvp``) are the user's run on the whole batch, so derivative transforms outside the
``vmap`` still see the user's rule.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from . import batching, core, numpy as fnp
from .batching import BatchTrace
from .core import JVPTrace, JVPTracer, Node, Primitive, VJPTrace, VJPTracer
from .transforms import vjp
from .tree_util import tree_flatten, tree_unflatten

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = ["custom_vjp", "custom_jvp"]


def _split_args(args, nondiff_argnums):
    nondiff = [args[i] for i in nondiff_argnums]
    diff = [a for i, a in enumerate(args) if i not in nondiff_argnums]
    return nondiff, diff


def _prepare(fn, rule, kind, args):
    """Split ``args`` for a custom rule: (nondiff args, diff args, their leaves, tree, top trace)."""
    if rule is None:
        raise AttributeError(f"No {kind.upper()} defined for custom_{kind} function {fn.__name__} "
                             f"using def{kind}.")
    nondiff, diff = _split_args(args, fn.nondiff_argnums)
    flat, in_tree = tree_flatten(diff)
    return nondiff, diff, flat, in_tree, core.top_trace(flat)


def _merge_args(nondiff, diff, nondiff_argnums, n):
    it_nd, it_d = iter(nondiff), iter(diff)
    return [next(it_nd) if i in nondiff_argnums else next(it_d) for i in range(n)]


def _cts_per_leaf(name, cts, diff_trees):
    """A custom bwd's cotangents (one pytree or None per differentiable argument, whose structures
    are ``diff_trees``), checked, as one entry per leaf of those arguments."""
    if not isinstance(cts, (tuple, list)) or len(cts) != len(diff_trees):
        raise TypeError(f"custom_vjp {name}: bwd must return a tuple with one entry per "
                        f"differentiable argument ({len(diff_trees)}), got {cts!r:.80}")
    per_leaf = []
    for ct, arg_tree in zip(cts, diff_trees):
        if ct is None:
            per_leaf += [None] * arg_tree.num_leaves
        else:
            ct_leaves, ct_tree = tree_flatten(ct)
            if ct_tree != arg_tree:
                raise TypeError(f"custom_vjp {name}: bwd returned a cotangent of structure "
                                f"{ct_tree} for an argument of structure {arg_tree}")
            per_leaf += ct_leaves
    return per_leaf


# ------------------------------------------------------------------ while staging
# A staging trace (fgrad.staging, which sits above this module) records a call as one equation
# that calls the custom function again whenever its program is evaluated; it says so by having
# ``process_custom(fn, kind, args)``.

def _stages(trace):
    return hasattr(trace, "process_custom")


# ------------------------------------------------------------------ under vmap
# A call whose top trace is a BatchTrace becomes a call of a custom function of the batch, on the
# values under this batch level: its arguments are the leaves of the original arguments (the
# leaves of the non-differentiable ones stay non-differentiable), and its fun/fwd/bwd/jvp box them
# in a batch trace again, run the user's functions and return their results batch-first. Each
# runs in a fresh BatchTrace: it may be called inside a transform begun after the original one
# (reverse mode's tangent map of a custom_jvp rule), whose tracers must stay below it.

def _batch_trace(args):
    """The BatchTrace on top of every leaf of ``args`` (non-differentiable ones too), or None."""
    top = core.top_trace(tree_flatten(list(args))[0])
    return top if isinstance(top, BatchTrace) else None


class _Unboxed:
    """The leaves of one call's arguments, unboxed at ``trace``."""

    def __init__(self, fn, trace, args):
        self.trace = trace
        self.size = trace.size
        self.arg_trees = [tree_flatten(a)[1] for a in args]
        self.diff_trees = [t for i, t in enumerate(self.arg_trees) if i not in fn.nondiff_argnums]
        spans, start = [], 0
        for t in self.arg_trees:
            spans.append(range(start, start + t.num_leaves))
            start += t.num_leaves
        self.spans = spans
        leaves = tree_flatten(list(args))[0]
        self.vals, self.dims = map(list, zip(*[trace.unbox(x) for x in leaves])) if leaves else ([], [])
        self.leaf_nondiff = tuple(i for a in fn.nondiff_argnums for i in spans[a])
        self.diff_leaves = [i for i in range(len(leaves)) if i not in self.leaf_nondiff]

    def args(self, leaves):
        """The original arguments from (boxed) leaves."""
        return [tree_unflatten(t, [leaves[i] for i in span]) for t, span in zip(self.arg_trees, self.spans)]

    def boxed(self, trace, leaf_vals, indices):
        return [trace.box(v, self.dims[i]) for v, i in zip(leaf_vals, indices)]

    def front(self, trace, tree):
        """Every leaf of a result of the user's function batch-first (an unmapped one broadcast)."""
        leaves, t = tree_flatten(tree)
        return tree_unflatten(t, [batching._out_leaf(trace, y, 0, self.size) for y in leaves])

    def result(self, tree):
        """The batched custom function's result (batch-first), boxed at this trace."""
        leaves, t = tree_flatten(tree)
        return tree_unflatten(t, [self.trace.box(y, 0) for y in leaves])


def _ct_like(trace, ct, dim):
    """A cotangent of the user's bwd (at ``trace``) as the cotangent of a value batched along
    ``dim`` (None: not mapped, so the batch's contributions add up)."""
    v, d = trace.unbox(ct)
    if dim is None:
        return v if d is None else fnp.sum(v, axis=d)
    if d is None:
        s = tuple(fnp.shape(v))
        v = fnp.broadcast_to(fnp.expand_dims(v, 0), (trace.size,) + s)
        d = 0
    return batching.moveaxis(v, d, dim)


class custom_vjp:
    """A function whose reverse-mode derivative is given by the user.

    >>> @fgrad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (fnp.clip(g, -1, 1),))
    >>> print(fgrad.grad(lambda x: 3.0 * clip_gradient(x))(2.0))
    1.0

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, g) -> tuple``
    with one cotangent (or None) per differentiable argument. ``nondiff_argnums``: positions of
    arguments that are not differentiated (Python values, functions); ``bwd`` gets them first.
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set the rule: ``fwd(*args) -> (out, residuals)`` and ``bwd(*nondiff_args, residuals, g)``.

        >>> f = fgrad.custom_vjp(lambda x: x ** 2)
        >>> f.defvjp(lambda x: (x ** 2, x), lambda x, g: (2 * x * g,))
        >>> print(fgrad.grad(f)(3.0))
        6.0
        """
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        nondiff, diff, flat, in_tree, top = _prepare(self, self.fwd, "vjp", args)
        batch = _batch_trace(args)
        if batch is not None:
            return self._batched(batch, args)
        if top is None:
            return self.fun(*args)
        if _stages(top):
            return top.process_custom(self, "vjp", args)
        if isinstance(top, JVPTrace):
            raise TypeError(f"can't apply forward-mode autodiff (jvp) to custom_vjp function "
                            f"{self.__name__}; give it a custom_jvp rule instead")
        vals = [top.unbox(x) for x in flat]
        full = _merge_args(nondiff, tree_unflatten(in_tree, vals), self.nondiff_argnums, len(args))
        out, residuals = self.fwd(*full)
        out_flat, out_tree = tree_flatten(out)

        def pullback(g):
            g_tree = tree_unflatten(out_tree, list(g))
            return _cts_per_leaf(self.__name__, self.bwd(*nondiff, residuals, g_tree),
                                 [tree_flatten(a)[1] for a in diff])

        return _record(top, self.__name__, pullback, flat, out_flat, out_tree)

    def _batched(self, trace, args):
        """The call as a custom_vjp function of the batch (see "under vmap" above)."""
        u = _Unboxed(self, trace, args)
        res_info = []

        def fun(*leaves):
            t = BatchTrace(u.size)
            return u.front(t, self.fun(*u.args(u.boxed(t, leaves, range(len(leaves))))))

        def fwd(*leaves):
            t = BatchTrace(u.size)
            out, res = self.fwd(*u.args(u.boxed(t, leaves, range(len(leaves)))))
            res_leaves, res_tree = tree_flatten(res)
            vals, dims = zip(*[t.unbox(r) for r in res_leaves]) if res_leaves else ((), ())
            res_info[:] = res_tree, dims
            return u.front(t, out), tuple(vals)

        def bwd(*nondiff_and_res_and_g):
            *nondiff, res, g = nondiff_and_res_and_g
            t = BatchTrace(u.size)
            res_tree, res_dims = res_info
            leaves = [None] * len(u.vals)
            for i, v in zip(u.leaf_nondiff, u.boxed(t, nondiff, u.leaf_nondiff)):
                leaves[i] = v
            args = u.args(leaves)
            g_leaves, g_tree = tree_flatten(g)
            cts = self.bwd(*[args[i] for i in self.nondiff_argnums],
                           tree_unflatten(res_tree, [t.box(r, d) for r, d in zip(res, res_dims)]),
                           tree_unflatten(g_tree, [t.box(x, 0) for x in g_leaves]))
            per_leaf = _cts_per_leaf(self.__name__, cts, u.diff_trees)
            return tuple(None if ct is None else _ct_like(t, ct, u.dims[i])
                         for ct, i in zip(per_leaf, u.diff_leaves))

        fun.__name__ = self.__name__
        batched = custom_vjp(fun, nondiff_argnums=u.leaf_nondiff)
        batched.defvjp(fwd, bwd)
        return u.result(batched(*u.vals))


def _record(trace, name, pullback, in_flat, out_flat, out_tree):
    """Box the outputs of a custom rule in one node whose VJP is ``pullback``."""
    parents = tuple((i, x._node, x._index) for i, x in enumerate(in_flat)
                    if isinstance(x, VJPTracer) and x._trace is trace)
    out_vals = [trace.unbox(o) for o in out_flat]
    if not parents:
        return tree_unflatten(out_tree, out_vals)
    node = Node(_call_primitive(name, pullback, parents[-1][0]), {}, (), tuple(out_vals), parents)
    boxed = [VJPTracer(trace, v, node, k) for k, v in enumerate(out_vals)]
    return tree_unflatten(out_tree, boxed)


def _call_primitive(name, pullback, last_argnum):
    """One call of a custom rule as a primitive of its own (never registered, never bound):
    the backward pass runs it like any other.

    ``pullback(g) -> per-argument cotangents`` answers for every argument at once, while the
    pass asks for one argument at a time, with the same ``g``: run it once per ``g``.
    """
    memo = []

    def vjp_all(argnum, g, ans):
        if not memo or memo[0] is not g:
            memo[:] = g, pullback(g)
        ct = memo[1][argnum]
        if argnum == last_argnum:
            memo.clear()  # the graph may outlive this pass: don't keep its cotangents alive
        return ct

    def never_bound(*args, **params):
        raise AssertionError("a custom rule's node is never bound, so never run or pushed forward")

    return Primitive(name, never_bound, vjp=vjp_all, jvp=never_bound, multiple_results=True, register=False)


class custom_jvp:
    """A function whose forward-mode derivative is given by the user.

    >>> @fgrad.custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * fgrad.scipy.special.expit(x)
    >>> print(fgrad.grad(log1pexp)(0.0), fgrad.grad(log1pexp)(100.0))
    0.5 1.0

    Reverse mode uses the same rule (see the module docstring). ``nondiff_argnums``: positions of
    arguments that are not differentiated; the rule gets them first, before ``primals``.
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable[..., Any] | None = None

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, tangent_out)``; returns it,
        so it works as a decorator.

        >>> f = fgrad.custom_jvp(lambda x: x ** 3)
        >>> _ = f.defjvp(lambda p, t: (p[0] ** 3, 3 * p[0] ** 2 * t[0]))
        >>> print(fgrad.grad(f)(2.0))
        12.0
        """
        self.jvp = jvp
        return jvp

    def defjvps(self, *tangent_fns: Callable[..., Any] | None) -> None:
        """One ``fn(t, ans, *primals)`` per argument; None for an argument with zero derivative.

        >>> f = fgrad.custom_jvp(lambda x, y: x * y)
        >>> f.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
        >>> [float(g) for g in fgrad.grad(f, argnums=(0, 1))(2.0, 3.0)]
        [3.0, 2.0]
        """
        def jvp(primals, tangents):
            ans = self.fun(*primals)
            out = None
            for fn, t in zip(tangent_fns, tangents):
                if fn is None:
                    continue
                ti = fn(t, ans, *primals)
                out = ti if out is None else out + ti
            return ans, (out if out is not None else ans * 0)
        self.jvp = jvp

    def _rule(self, nondiff, primals, tangents):
        return self.jvp(*nondiff, tuple(primals), tuple(tangents))

    def __call__(self, *args):
        nondiff, _, flat, in_tree, top = _prepare(self, self.jvp, "jvp", args)
        batch = _batch_trace(args)
        if batch is not None:
            return self._batched(batch, args)
        if top is None:
            return self.fun(*args)
        if _stages(top):
            return top.process_custom(self, "jvp", args)
        if isinstance(top, JVPTrace):
            primals, tangents = [], []
            for x in flat:
                p, t = top.unbox(x)
                primals.append(p)
                tangents.append(fnp.zeros_like(p) if t is None else t)
            out, t_out = self._rule(nondiff, tree_unflatten(in_tree, primals), tree_unflatten(in_tree, tangents))
            o_flat, o_tree = tree_flatten(out)
            t_flat, _ = tree_flatten(t_out)
            return tree_unflatten(o_tree, [JVPTracer(top, o, t) for o, t in zip(o_flat, t_flat)])
        assert isinstance(top, VJPTrace)
        vals = [top.unbox(x) for x in flat]
        primals = tree_unflatten(in_tree, vals)

        primal_out = []

        def tangent_map(*ts):
            out, t_out = self._rule(nondiff, primals, tree_unflatten(in_tree, list(ts)))
            primal_out.append(out)
            return t_out

        _, tangent_pullback = vjp(tangent_map, *[fnp.zeros_like(v) for v in vals])
        o_flat, o_tree = tree_flatten(primal_out[0])

        def pullback(g):
            return list(tangent_pullback(tree_unflatten(o_tree, list(g))))

        return _record(top, self.__name__, pullback, flat, o_flat, o_tree)

    def _batched(self, trace, args):
        """The call as a custom_jvp function of the batch (see "under vmap" above)."""
        u = _Unboxed(self, trace, args)

        def fun(*leaves):
            t = BatchTrace(u.size)
            return u.front(t, self.fun(*u.args(u.boxed(t, leaves, range(len(leaves))))))

        def jvp(*nondiff_and_primals_and_tangents):
            *nondiff, primals, tangents = nondiff_and_primals_and_tangents
            t = BatchTrace(u.size)
            leaves = [None] * len(u.vals)
            for i, v in zip(u.leaf_nondiff, u.boxed(t, nondiff, u.leaf_nondiff)):
                leaves[i] = v
            p_leaves = u.boxed(t, primals, u.diff_leaves)
            t_leaves = u.boxed(t, tangents, u.diff_leaves)  # a tangent is batched as its primal
            for i, v in zip(u.diff_leaves, p_leaves):
                leaves[i] = v
            p_args = u.args(leaves)
            for i, v in zip(u.diff_leaves, t_leaves):
                leaves[i] = v
            t_args = u.args(leaves)
            diff = [a for i, a in enumerate(p_args) if i not in self.nondiff_argnums]
            t_diff = [a for i, a in enumerate(t_args) if i not in self.nondiff_argnums]
            nd = [p_args[i] for i in self.nondiff_argnums]
            out, t_out = self.jvp(*nd, tuple(diff), tuple(t_diff))
            return u.front(t, out), u.front(t, t_out)

        fun.__name__ = self.__name__
        batched = custom_jvp(fun, nondiff_argnums=u.leaf_nondiff)
        batched.defjvp(jvp)
        return u.result(batched(*u.vals))
