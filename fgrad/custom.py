"""User-defined derivative rules: JAX's ``custom_vjp`` and ``custom_jvp``.

Both are respected by every transform. A ``custom_jvp`` rule also serves reverse
mode: its tangent map is linear, so its VJP is the reverse-mode derivative of that
map with respect to the tangents, evaluated at zero tangents.
"""
import functools

from . import core
from .core import CustomRule, JVPTrace, JVPTracer, Node, VJPTrace, VJPTracer
from .tree_util import tree_flatten, tree_unflatten

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


class custom_vjp:
    """A function whose reverse-mode derivative is given by the user.

    >>> @fgrad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (fnp.clip(g, -1, 1),))

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, g) -> tuple``
    with one cotangent (or None) per differentiable argument.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        nondiff, diff, flat, in_tree, top = _prepare(self, self.fwd, "vjp", args)
        if top is None:
            return self.fun(*args)
        if isinstance(top, JVPTrace):
            raise TypeError(f"can't apply forward-mode autodiff (jvp) to custom_vjp function "
                            f"{self.__name__}; give it a custom_jvp rule instead")
        vals = [top.unbox(x) for x in flat]
        full = _merge_args(nondiff, tree_unflatten(in_tree, vals), self.nondiff_argnums, len(args))
        out, residuals = self.fwd(*full)
        out_flat, out_tree = tree_flatten(out)

        def pullback(g):
            g_tree = tree_unflatten(out_tree, list(g))
            cts = self.bwd(*nondiff, residuals, g_tree)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(diff):
                raise TypeError(f"custom_vjp {self.__name__}: bwd must return a tuple with one entry per "
                                f"differentiable argument ({len(diff)}), got {cts!r:.80}")
            per_leaf = []
            for ct, arg in zip(cts, diff):
                arg_leaves, arg_tree = tree_flatten(arg)
                if ct is None:
                    per_leaf += [None] * len(arg_leaves)
                else:
                    ct_leaves, ct_tree = tree_flatten(ct)
                    if ct_tree != arg_tree:
                        raise TypeError(f"custom_vjp {self.__name__}: bwd returned a cotangent of structure "
                                        f"{ct_tree} for an argument of structure {arg_tree}")
                    per_leaf += ct_leaves
            return per_leaf

        return _record(top, self.__name__, pullback, flat, out_flat, out_tree)


def _record(trace, name, pullback, in_flat, out_flat, out_tree):
    """Box the outputs of a custom rule in one node whose VJP is ``pullback``."""
    parents = tuple((i, x._node, x._index) for i, x in enumerate(in_flat)
                    if isinstance(x, VJPTracer) and x._trace is trace)
    out_vals = [trace.unbox(o) for o in out_flat]
    if not parents:
        return tree_unflatten(out_tree, out_vals)
    node = Node(CustomRule(name, pullback, True), None, None, tuple(out_vals), parents)
    boxed = [VJPTracer(trace, v, node, k) for k, v in enumerate(out_vals)]
    return tree_unflatten(out_tree, boxed)


class custom_jvp:
    """A function whose forward-mode derivative is given by the user.

    >>> @fgrad.custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * fgrad.scipy.special.expit(x)

    Reverse mode uses the same rule (see the module docstring).
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp):
        self.jvp = jvp
        return jvp

    def defjvps(self, *tangent_fns):
        """One ``fn(t, ans, *primals)`` per argument; None for an argument with zero derivative."""
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
        if top is None:
            return self.fun(*args)
        from . import numpy as fnp
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
        from .transforms import vjp

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
