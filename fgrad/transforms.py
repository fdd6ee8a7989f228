"""JAX's differentiation transforms, built on the traces of ``fgrad.core``."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from . import backend, core, numpy as fnp
from .core import JVPTrace, JVPTracer, Tracer, VJPTrace, VJPTracer, concrete, PRIMITIVES
from .batching import vmap
from .tree_util import tree_flatten, tree_unflatten

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from .typing import PyTree

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacfwd", "jacrev", "jacobian",
           "hessian", "stop_gradient"]


# ------------------------------------------------------------------ argument checks

def _check_leaf(x, where):
    if isinstance(x, (Tracer, np.ndarray, np.generic, float, int, complex, bool)) or backend.is_raw_array(x):
        return x
    raise TypeError(
        f"{where}: argument of type {type(x).__name__} is not a valid fgrad type; pass arrays or "
        "pytrees of arrays, or register the type with fgrad.tree_util.register_pytree_node")


def _is_inexact(x):
    return backend.is_inexact(core._dtype_of(concrete(x)))  # np.issubdtype(.., np.inexact), without its cost


def _require_inexact(tree, fname):
    """``grad``/``jacrev`` differentiate float or complex inputs only (unless ``allow_int``), as in JAX."""
    for leaf in _flatten_args(tree)[0] if type(tree) in (tuple, list) else tree_flatten(tree)[0]:
        if not _is_inexact(_check_leaf(leaf, fname)):
            raise TypeError(f"{fname} requires real- or complex-valued inputs (floating-point dtypes), but got "
                            f"{core._dtype_of(concrete(leaf))}. For integer or boolean inputs use vjp, or "
                            "pass allow_int=True")


def _is_complex(x):
    return core._dtype_of(concrete(x)).kind == "c"


def _check_holomorphic_inputs(leaves, fname):
    """``holomorphic=True`` differentiates complex inputs only (JAX's TypeError)."""
    for x in leaves:
        if not _is_complex(_check_leaf(x, fname)):
            raise TypeError(f"{fname} with holomorphic=True requires inputs with complex dtype, but got "
                            f"{core._dtype_of(concrete(x))}.")


def _check_outputs(leaves, fname, holomorphic):
    """JAX's output checks: complex outputs with ``holomorphic=True``, real ones without."""
    for o in leaves:
        dt = core._dtype_of(concrete(o))
        if holomorphic and dt.kind != "c":
            raise TypeError(f"{fname} with holomorphic=True requires outputs with complex dtype, but got {dt}.")
        if not holomorphic and dt.kind == "c":
            raise TypeError(f"{fname} requires real-valued outputs (output dtype that is a sub-dtype of np.floating), "
                            f"but got {dt}. For holomorphic differentiation, pass holomorphic=True. For "
                            "differentiation of non-holomorphic functions involving complex outputs, use fgrad.vjp "
                            "directly.")


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
    if have.kind == "c" and want.kind != "c":  # a real primal's cotangent is the real part (JAX's convention)
        ct = fnp.real(ct)
    return fnp.astype(ct, want)


def _output_and_aux(out):
    """``(output, aux)`` from a ``has_aux=True`` function's result (JAX's check: a pair)."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError("has_aux=True requires the function to return a pair (output, aux), "
                        f"got {type(out).__name__}")
    return out


# ------------------------------------------------------------------ reverse mode

_LEAF_DEF = tree_flatten(0)[1]
_tuple_defs: dict[int, Any] = {}  # n -> the treedef of a tuple of n leaves


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



def vjp(fun: Callable[..., Any], *primals: PyTree, has_aux: bool = False) -> tuple[Any, ...]:
    """``(out, vjp_fun)`` or ``(out, vjp_fun, aux)``: ``vjp_fun(ct)`` pulls ``ct`` back.

    ``vjp_fun`` takes a cotangent shaped like ``out`` and returns one cotangent per primal,
    as a tuple. ``has_aux=True``: ``fun`` returns ``(out, aux)``; ``aux`` is passed through.

    >>> out, pullback = fgrad.vjp(fnp.sin, 0.5)
    >>> print(pullback(1.0)[0].round(4))   # cos(0.5)
    0.8776
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


def value_and_grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False) -> Callable[..., Any]:
    """A function returning ``fun``'s value and its gradient w.r.t. ``argnums``.

    Arguments as in :func:`grad`; with ``has_aux=True`` it returns ``((value, aux), gradient)``.

    >>> value, g = fgrad.value_and_grad(lambda x: (x ** 2).sum())(fnp.arange(3.0))
    >>> print(value, g)
    5.0 [0. 2. 4.]
    """
    _check_callable(fun, "value_and_grad")

    # len(args) -> _normalize_argnums's answer (a step's fixed cost, once)
    normalized: dict[int, tuple[bool, tuple[int, ...]]] = {}

    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        norm = normalized.get(len(args))
        if norm is None:
            norm = normalized[len(args)] = _normalize_argnums(argnums, len(args), "grad")
        single, nums = norm
        dyn = [args[i] for i in nums]
        if holomorphic:
            _check_holomorphic_inputs(tree_flatten(dyn)[0], "grad")
        elif not allow_int:
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
        _check_outputs(ans_leaves, "grad", holomorphic)
        g = pullback(_unflatten(ans_tree, [fnp.ones_like(ans_leaves[0])]))
        g = g[0] if single else tuple(g)
        return ((ans, res[2]), g) if has_aux else (ans, g)

    return value_and_grad_fun


def grad(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable[..., Any]:
    """The gradient of scalar-valued ``fun`` w.r.t. argument(s) ``argnums``.

    ``argnums``: an int (the gradient has that argument's structure) or a tuple of ints (a tuple of
    gradients). ``has_aux=True``: ``fun`` returns ``(value, aux)`` and the new function returns
    ``(gradient, aux)``. ``allow_int=True`` admits integer inputs (their gradient is zero).

    Complex numbers follow JAX: a real-valued ``fun`` of ``z = x + iy`` has gradient
    ``df/dx - i df/dy`` (the conjugate of the Wirtinger derivative ``df/dz``, times 2); a complex
    output needs ``holomorphic=True`` (complex inputs, gradient ``f'(z)``), else TypeError.

    >>> print(fgrad.grad(fnp.sin)(0.0))
    1.0
    >>> print(fgrad.grad(fgrad.grad(fnp.sin))(0.0))   # any order
    -0.0
    >>> fgrad.grad(lambda x, y: fnp.sum(x * y), argnums=(0, 1))(fnp.ones(2), fnp.arange(2.0))
    (array([0., 1.]), array([1., 1.]))
    >>> print(fgrad.grad(lambda z: fnp.abs(z) ** 2)(1 + 1j), fgrad.grad(lambda z: z * z, holomorphic=True)(1 + 1j))
    (2-2j) (2+2j)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_fun


def _check_callable(fun: Any, name: str) -> None:
    if not callable(fun):
        raise TypeError(f"{name}: expected a callable as its first argument, got {type(fun).__name__}")


# ------------------------------------------------------------------ forward mode

def jvp(fun: Callable[..., Any], primals: Sequence[PyTree], tangents: Sequence[PyTree],
        has_aux: bool = False) -> tuple[Any, ...]:
    """``(fun(*primals), J @ tangents)``: one forward pass carrying a direction.

    ``primals`` and ``tangents`` are tuples (or lists) of the same structure, one entry per
    argument of ``fun``. ``has_aux=True``: ``fun`` returns ``(out, aux)`` and so does the result,
    as ``(out, tangent_out, aux)``.

    >>> y, t = fgrad.jvp(fnp.sin, (0.0,), (1.0,))
    >>> print(y, t)
    0.0 1.0
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


def linearize(fun: Callable[..., Any], *primals: PyTree) -> tuple[Any, Callable[..., Any]]:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at ``primals``.

    >>> y, f_jvp = fgrad.linearize(fnp.sin, 0.0)
    >>> print(y, f_jvp(2.0))
    0.0 2.0
    """
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


def jacrev(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable[..., Any]:
    """The Jacobian by reverse mode: the pullback vmapped over the basis of the outputs (one batched pass).

    Its shape is ``out.shape + in.shape``; pytree outputs and argnums tuples nest
    as in JAX (output structure outside, input structure inside). Complex outputs need
    ``holomorphic=True`` (complex inputs and outputs: the complex Jacobian), as in JAX.

    >>> fgrad.jacrev(lambda x: x ** 2)(fnp.arange(3.0))
    array([[0., 0., 0.],
           [0., 2., 0.],
           [0., 0., 4.]])
    """
    _check_callable(fun, "jacrev")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacrev")
        dyn = [args[i] for i in nums]
        if holomorphic:
            _check_holomorphic_inputs(tree_flatten(dyn)[0], "jacrev")
        elif not allow_int:
            _require_inexact(dyn, "jacrev")
        res = vjp(_partial_over(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        out, pullback = res[0], res[1]
        o_flat, o_tree = tree_flatten(out)
        for o in o_flat:
            if not _is_inexact(o):
                raise TypeError(f"jacrev requires real- or complex-valued outputs (floating-point dtypes), but got "
                                f"{core._dtype_of(concrete(o))}. For integer or boolean outputs use vjp")
        _check_outputs(o_flat, "jacrev", holomorphic)
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


def jacfwd(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable[..., Any]:
    """The Jacobian by forward mode: the JVP vmapped over the basis of the inputs (one batched pass).

    Same result as :func:`jacrev`; cheaper when the inputs are fewer than the outputs. Complex
    inputs need ``holomorphic=True`` (complex inputs and outputs), as in JAX.

    >>> fgrad.jacfwd(lambda x: fnp.stack([x[0] * x[1], x[0] + x[1]]))(fnp.array([2.0, 3.0]))
    array([[3., 2.],
           [1., 1.]])
    """
    _check_callable(fun, "jacfwd")

    @functools.wraps(fun)
    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args), "jacfwd")
        dyn = [args[i] for i in nums]
        in_flat, in_tree = tree_flatten(tuple(dyn))
        if holomorphic:
            _check_holomorphic_inputs(in_flat, "jacfwd")
        for x in in_flat:
            if not _is_inexact(_check_leaf(x, "jacfwd")):
                raise TypeError(f"jacfwd requires floating-point inputs, got {core._dtype_of(concrete(x))}")
            if not holomorphic and _is_complex(x):
                raise TypeError(f"jacfwd requires real-valued inputs (input dtype that is a sub-dtype of np.floating), "
                                f"but got {core._dtype_of(concrete(x))}. For holomorphic differentiation, pass "
                                "holomorphic=True. For differentiation of non-holomorphic functions involving "
                                "complex inputs, use fgrad.jvp directly.")
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
        if holomorphic:
            _check_outputs(o_flat, "jacfwd", True)
        per_out = []
        for o, col in zip(o_flat, cols):
            col = fnp.moveaxis(col, 0, -1)  # (out shape) + (n,)
            blocks = _blocks(col, in_sizes, [np.shape(o) + np.shape(x) for x in in_flat], False)
            tree = tree_unflatten(in_tree, blocks)
            per_out.append(tree[0] if single else tree)
        jac = tree_unflatten(o_tree, per_out)
        return (jac, aux) if has_aux else jac

    return jacfun


def hessian(fun: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable[..., Any]:
    """The Hessian of scalar ``fun``: forward-over-reverse, ``jacfwd(jacrev(fun))``.

    >>> fgrad.hessian(lambda x: fnp.sum(x ** 3))(fnp.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums, has_aux=has_aux,
                  holomorphic=holomorphic)


def stop_gradient(x: PyTree) -> PyTree:
    """``x`` with no derivative through it, in every transform and at every order.

    ``x`` may be an array or a pytree of arrays.

    >>> print(fgrad.grad(lambda x: x * fgrad.stop_gradient(x))(3.0))
    3.0
    """
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [PRIMITIVES["stop_gradient"].bind(v) for v in leaves])
