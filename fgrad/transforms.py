"""JAX's differentiation transforms, built on the traces of ``fgrad.core``."""
import functools

import numpy as np

from . import core, numpy as fnp
from .core import JVPTrace, JVPTracer, Tracer, VJPTrace, VJPTracer, concrete, PRIMITIVES
from .batching import vmap
from .tree_util import tree_flatten, tree_unflatten

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacfwd", "jacrev", "jacobian",
           "hessian", "stop_gradient"]


# ------------------------------------------------------------------ argument checks

def _check_leaf(x, where):
    if isinstance(x, (Tracer, np.ndarray, np.generic, float, int, complex, bool)) or hasattr(x, "__array_namespace__"):
        return x
    raise TypeError(
        f"{where}: argument of type {type(x).__name__} is not a valid fgrad type; pass arrays or "
        "pytrees of arrays, or register the type with fgrad.tree_util.register_pytree_node")


def _is_inexact(x):
    return core._dtype_of(concrete(x)).kind in "fc"  # np.issubdtype(.., np.inexact), without its cost


def _require_inexact(tree, fname):
    """``grad``/``jacrev`` differentiate float or complex inputs only (unless ``allow_int``), as in JAX."""
    for leaf in _flatten_args(tree)[0] if type(tree) in (tuple, list) else tree_flatten(tree)[0]:
        if not _is_inexact(_check_leaf(leaf, fname)):
            raise TypeError(f"{fname} requires real- or complex-valued inputs (floating-point dtypes), but got "
                            f"{core._dtype_of(concrete(leaf))}. For integer or boolean inputs use vjp, or "
                            "pass allow_int=True")


def _normalize_argnums(argnums, nargs, fname):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums or not all(isinstance(a, int) for a in nums):
        raise TypeError(f"{fname}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")
    for a in nums:
        if not -nargs <= a < nargs:
            raise TypeError(
                f"{fname}: differentiating with respect to argnums={argnums!r} requires at least "
                f"{max(nums) + 1} positional arguments, but got only {nargs}")
    return single, tuple(a % nargs for a in nums)


def _shape(x):
    """``np.shape(x)``, read off an array directly."""
    return x.shape if type(x) is np.ndarray else np.shape(x)


def _partial_over(fun, args, kwargs, nums):
    def f_dyn(*dyn):
        full = list(args)
        for i, v in zip(nums, dyn):
            full[i] = v
        return fun(*full, **kwargs)
    return f_dyn


def _cast_like(ct, primal):
    """Keep each cotangent in its primal's dtype (float32 in, float32 gradient out)."""
    want = core._dtype_of(concrete(primal))
    have = core._dtype_of(concrete(ct))
    if have == want:
        return ct
    return fnp.astype(ct, want)


def _output_and_aux(out):
    """``(output, aux)`` from a ``has_aux=True`` function's result (JAX's check: a pair)."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("has_aux=True requires the function to return a pair (output, aux), "
                        f"got {type(out).__name__}")
    return out


# ------------------------------------------------------------------ reverse mode

_LEAF_DEF = tree_flatten(0)[1]
_tuple_defs = {}  # n -> the treedef of a tuple of n leaves


def _flatten_args(primals):
    """``tree_flatten(primals)`` for a tuple of arguments, without the walk when each is an array
    (``grad``'s usual call: a step's fixed cost)."""
    for x in primals:
        if type(x) is not np.ndarray:
            return tree_flatten(primals)
    n = len(primals)
    tdef = _tuple_defs.get(n)
    if tdef is None:
        tdef = _tuple_defs[n] = tree_flatten((0,) * n)[1]
    return list(primals), tdef


def _flatten_out(out):
    """``tree_flatten(out)``, without the walk for a single array or traced value."""
    if isinstance(out, (Tracer, np.ndarray, np.generic)):
        return [out], _LEAF_DEF
    return tree_flatten(out)


def _unflatten(tdef, leaves):
    """``tree_unflatten``, without the walk for a leaf or a tuple of leaves."""
    if tdef is _LEAF_DEF:
        return leaves[0]
    if _tuple_defs.get(len(leaves)) is tdef:
        return tuple(leaves)
    return tree_unflatten(tdef, leaves)



def vjp(fun, *primals, has_aux=False):
    """``(out, vjp_fun)`` or ``(out, vjp_fun, aux)``: ``vjp_fun(ct)`` pulls ``ct`` back.

    >>> out, pullback = fgrad.vjp(fnp.sin, 0.5)
    >>> pullback(1.0)   # (cos(0.5),)
    """
    flat, in_tree = _flatten_args(primals)
    flat = [x if type(x) is np.ndarray else _check_leaf(x, "vjp") for x in flat]
    trace = VJPTrace()
    boxed = [trace.leaf(x) for x in flat]
    out = fun(*_unflatten(in_tree, boxed))
    aux = None
    if has_aux:
        out, aux = _output_and_aux(out)
        aux = _strip(aux, trace)
    out_flat, out_tree = _flatten_out(out)
    out_vals = [trace.unbox(o) for o in out_flat]

    def vjp_fun(ct):
        ct_flat, ct_tree = _flatten_out(ct)
        if ct_tree is not out_tree and ct_tree != out_tree:
            raise ValueError(f"vjp_fun: the cotangent has structure {ct_tree}, but the function's "
                             f"output has structure {out_tree}")
        roots = []
        for o, c, v in zip(out_flat, ct_flat, out_vals):
            if _shape(c) != _shape(v):
                raise ValueError(f"vjp_fun: cotangent of shape {np.shape(c)} given for an output of "
                                 f"shape {np.shape(v)}")
            if isinstance(o, VJPTracer) and o._trace is trace:
                roots.append((o._node, o._index, c))
        grads = core.backward_pass(roots, [b._node for b in boxed])
        grads = [fnp.zeros_like(p) if g is None else _cast_like(g, p) for g, p in zip(grads, flat)]
        return _unflatten(in_tree, grads)

    out = _unflatten(out_tree, out_vals)
    return (out, vjp_fun, aux) if has_aux else (out, vjp_fun)


def _strip(tree, trace):
    """Unbox this trace's tracers in an aux output (aux carries no derivative)."""
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [trace.unbox(x) if isinstance(x, Tracer) else x for x in leaves])


def value_and_grad(fun, argnums=0, has_aux=False, allow_int=False):
    """A function returning ``fun``'s value and its gradient w.r.t. ``argnums``.

    >>> fgrad.value_and_grad(lambda x: (x ** 2).sum())(fnp.arange(3.0))
    (array(5.), array([0., 2., 4.]))
    """
    _check_callable(fun, "value_and_grad")

    normalized = {}  # len(args) -> _normalize_argnums's answer (a step's fixed cost, once)

    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        norm = normalized.get(len(args))
        if norm is None:
            norm = normalized[len(args)] = _normalize_argnums(argnums, len(args), "grad")
        single, nums = norm
        dyn = [args[i] for i in nums]
        if not allow_int:
            _require_inexact(dyn, "grad")
        res = vjp(_partial_over(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        ans, pullback = res[0], res[1]
        ans_leaves, ans_tree = _flatten_out(ans)
        if len(ans_leaves) != 1 or _shape(ans_leaves[0]) != ():
            shape = np.shape(ans_leaves[0]) if len(ans_leaves) == 1 else f"a pytree {ans_tree}"
            raise TypeError(f"Gradient only defined for scalar-output functions. Output had shape: {shape}.")
        if not _is_inexact(ans_leaves[0]):
            raise TypeError("grad requires a real- or complex-valued output, but the function returned dtype "
                            f"{core._dtype_of(concrete(ans_leaves[0]))} (comparisons and other boolean/integer "
                            "operations have no derivative)")
        g = pullback(_unflatten(ans_tree, [fnp.ones_like(ans_leaves[0])]))
        g = g[0] if single else tuple(g)
        return ((ans, res[2]), g) if has_aux else (ans, g)

    return value_and_grad_fun


def grad(fun, argnums=0, has_aux=False, allow_int=False):
    """The gradient of scalar-valued ``fun`` w.r.t. argument(s) ``argnums``.

    >>> fgrad.grad(fnp.sin)(0.0)
    1.0
    >>> fgrad.grad(fgrad.grad(fnp.sin))(0.0)   # any order
    -0.0
    """
    vg = value_and_grad(fun, argnums, has_aux, allow_int)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_fun


def _check_callable(fun, name):
    if not callable(fun):
        raise TypeError(f"{name}: expected a callable as its first argument, got {type(fun).__name__}")


# ------------------------------------------------------------------ forward mode

def jvp(fun, primals, tangents, has_aux=False):
    """``(fun(*primals), J @ tangents)``: one forward pass carrying a direction.

    >>> fgrad.jvp(fnp.sin, (0.0,), (1.0,))
    (0.0, 1.0)
    """
    _check_callable(fun, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_flat, p_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise TypeError(f"jvp: primal structure {p_tree} and tangent structure {t_tree} must be equal")
    for p, t in zip(p_flat, t_flat):
        _check_leaf(p, "jvp")
        if np.shape(p) != np.shape(t):
            raise ValueError(f"jvp: primal of shape {np.shape(p)} was given a tangent of shape {np.shape(t)}")
        pd, td = core._dtype_of(concrete(p)), core._dtype_of(concrete(t))
        if _is_inexact(p) and pd != td and not isinstance(concrete(t), (float, int)):
            raise TypeError(f"jvp: primal dtype {pd} and tangent dtype {td} must be equal")
    trace = JVPTrace()
    boxed = [JVPTracer(trace, p, t) for p, t in zip(p_flat, t_flat)]
    out = fun(*tree_unflatten(p_tree, boxed))
    aux = None
    if has_aux:
        out, aux = _output_and_aux(out)
        aux = _strip_jvp(aux, trace)
    o_flat, o_tree = tree_flatten(out)
    outs, touts = [], []
    for o in o_flat:
        v, t = trace.unbox(o)
        outs.append(v)
        touts.append(fnp.zeros_like(v) if t is None else t)
    res = (tree_unflatten(o_tree, outs), tree_unflatten(o_tree, touts))
    return res + (aux,) if has_aux else res


def _strip_jvp(tree, trace):
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [trace.unbox(x)[0] for x in leaves])


def linearize(fun, *primals):
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at ``primals``."""
    out = fun(*primals)
    return out, lambda *tangents: jvp(fun, primals, tangents)[1]


# ------------------------------------------------------------------ Jacobians

def _eye_split(leaves, dtype):
    """The unit basis of all ``leaves`` together, split per leaf: leaf i gets ``(n,) + shape_i``."""
    sizes = [int(np.prod(np.shape(x), dtype=np.int64)) for x in leaves]
    n = sum(sizes)
    eye = fnp.get_array_module(*leaves).eye(n, dtype=dtype)  # a constant, on the leaves' device
    out, start = [], 0
    for x, k in zip(leaves, sizes):
        part = eye[:, start:start + k].reshape((n,) + np.shape(x))
        out.append(part.astype(core._dtype_of(concrete(x)), copy=False))  # each leaf's own dtype
        start += k
    return n, sizes, out


def _blocks(stacked, sizes, lead_shapes, axis_first):
    """Split the basis axis of ``stacked`` (first, or last with ``axis_first=False``) by ``sizes``
    and reshape each part to ``lead_shapes[i]``."""
    out, start = [], 0
    for k, shape in zip(sizes, lead_shapes):
        part = stacked[start:start + k] if axis_first else stacked[..., start:start + k]
        out.append(fnp.reshape(part, shape))
        start += k
    return out


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """The Jacobian by reverse mode: the pullback vmapped over the basis of the outputs (one batched pass).

    Its shape is ``out.shape + in.shape``; pytree outputs and argnums tuples nest
    as in JAX (output structure outside, input structure inside).
    """
    _check_callable(fun, "jacrev")
    if holomorphic:
        raise NotImplementedError("jacrev: holomorphic=True (the complex Jacobian) is not supported")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacrev")
        dyn = [args[i] for i in nums]
        if not allow_int:
            _require_inexact(dyn, "jacrev")
        res = vjp(_partial_over(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        out, pullback = res[0], res[1]
        o_flat, o_tree = tree_flatten(out)
        for o in o_flat:
            if not _is_inexact(o):
                raise TypeError(f"jacrev requires real- or complex-valued outputs (floating-point dtypes), but got "
                                f"{core._dtype_of(concrete(o))}. For integer or boolean outputs use vjp")
        in_flat, in_tree = tree_flatten(tuple(dyn))
        dtype = np.result_type(*[core._dtype_of(concrete(o)) for o in o_flat]) if o_flat else np.float64
        n, o_sizes, basis = _eye_split(o_flat, dtype)
        if n:
            rows = vmap(lambda *cts: tree_flatten(pullback(tree_unflatten(o_tree, list(cts))))[0])(*basis)
        else:
            rows = [fnp.zeros((0,) + np.shape(x), core._dtype_of(concrete(x))) for x in in_flat]
        # rows[i]: (n,) + shape of input leaf i; the basis axis runs over all output elements
        per_in = [_blocks(r, o_sizes, [np.shape(o) + np.shape(x) for o in o_flat], True)
                  for r, x in zip(rows, in_flat)]
        per_out = []
        for j in range(len(o_flat)):
            tree = tree_unflatten(in_tree, [blocks[j] for blocks in per_in])
            per_out.append(tree[0] if single else tree)
        jac = tree_unflatten(o_tree, per_out)
        return (jac, res[2]) if has_aux else jac

    return jacfun


jacobian = jacrev


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Jacobian by forward mode: the JVP vmapped over the basis of the inputs (one batched pass)."""
    _check_callable(fun, "jacfwd")
    if holomorphic:
        raise NotImplementedError("jacfwd: holomorphic=True (the complex Jacobian) is not supported")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacfwd")
        dyn = [args[i] for i in nums]
        in_flat, in_tree = tree_flatten(tuple(dyn))
        for x in in_flat:
            if not _is_inexact(_check_leaf(x, "jacfwd")):
                raise TypeError(f"jacfwd requires floating-point inputs, got {core._dtype_of(concrete(x))}")
        f_dyn = _partial_over(fun, args, kwargs, nums)
        dtype = np.result_type(*[core._dtype_of(concrete(x)) for x in in_flat])
        n, in_sizes, basis = _eye_split(in_flat, dtype)

        def column(*tangents):
            res = jvp(f_dyn, tuple(dyn), tuple(tree_unflatten(in_tree, list(tangents))), has_aux=has_aux)
            return res[0], tree_flatten(res[1])[0], (res[2] if has_aux else None)

        if n:
            out, cols, aux = vmap(column, out_axes=(None, 0, None))(*basis)
        else:  # every input is empty
            res = f_dyn(*dyn)
            out, aux = res if has_aux else (res, None)
            cols = [fnp.zeros((0,) + np.shape(o), core._dtype_of(concrete(o))) for o in tree_flatten(out)[0]]
        o_flat, o_tree = tree_flatten(out)
        per_out = []
        for o, col in zip(o_flat, cols):
            col = fnp.moveaxis(col, 0, -1)  # (out shape) + (n,)
            blocks = _blocks(col, in_sizes, [np.shape(o) + np.shape(x) for x in in_flat], False)
            tree = tree_unflatten(in_tree, blocks)
            per_out.append(tree[0] if single else tree)
        jac = tree_unflatten(o_tree, per_out)
        return (jac, aux) if has_aux else jac

    return jacfun


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian of scalar ``fun``: forward-over-reverse, ``jacfwd(jacrev(fun))``."""
    if holomorphic:
        raise NotImplementedError("hessian: holomorphic=True (the complex Hessian) is not supported")
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux), argnums, has_aux=has_aux)


def stop_gradient(x):
    """``x`` with no derivative through it, in every transform and at every order.

    >>> fgrad.grad(lambda x: x * fgrad.stop_gradient(x))(3.0)
    3.0
    """
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [PRIMITIVES["stop_gradient"].bind(v) for v in leaves])
