"""``torch.func``'s derivative transforms on fgrad's: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian.

Each takes the Tensors among the differentiated arguments, runs the fgrad transform on their
``_data`` (the function sees Tensors over fgrad tracers, so Tensor methods and ``nn.functional``
work inside) and wraps the results back into Tensors, in torch's nests (dicts keep their order).
Jacobians are torch's construction: one ``vjp`` (or ``jvp``) mapped with ``vmap`` over the rows
(columns) of the identity, so a whole Jacobian is one batched backward (forward) pass.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad import backend
from fgrad.core import JVPTracer, concrete

from .._tensor import FUNC_REVERSE, Size, Tensor, wrap
from ..autograd.grad_mode import enable_grad
from . import _pytree as pt
from ._vmap import run_batched

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]


# ---------------------------------------------------------------------- argnums (torch's messages)

def _wrap_argnum(argnum, n):
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < n or -n <= argnum < 0:
        return argnum % n
    raise RuntimeError(f"Got argnum={argnum}, but only {n} positional inputs")


def _check_argnums(argnums, n):
    if isinstance(argnums, int):
        return _wrap_argnum(argnums, n)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not argnums:
        raise RuntimeError("argnums must be non-empty")
    if len(set(argnums)) != len(argnums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(_wrap_argnum(a, n) for a in argnums)


def _slice_argnums(args, argnums):
    """``args[argnums]``: the argument itself for an int, a tuple of them for a tuple."""
    nums = _check_argnums(argnums, len(args))
    return args[nums] if isinstance(nums, int) else tuple(args[i] for i in nums)


def _replace_args(args, new, argnums):
    nums = _check_argnums(argnums, len(args))
    out = list(args)
    if isinstance(nums, int):
        out[nums] = new
    else:
        for i, v in zip(nums, new):
            out[i] = v
    return tuple(out)


# ---------------------------------------------------------------------- inputs and outputs

def _diff_data(leaves):
    """The ``_data`` of the differentiated leaves (Tensors of a floating dtype, as torch requires)."""
    out = []
    for t in leaves:
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
        if not (t.is_floating_point() or t.is_complex()):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        out.append(t._data)
    return out


def _aux_out(aux):
    """An aux nest as fgrad sees it: ``(its Tensors' data, its spec)`` (torch takes Tensors only)."""
    leaves, spec = pt.flatten(aux)
    for a in leaves:
        if not isinstance(a, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(a)}")
    return [a._data for a in leaves], spec


def _aux_in(datas, spec):
    return pt.unflatten(spec, [wrap(d) for d in datas])


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _tensor_outputs(out, api):
    """torch's checks on the outputs of ``vjp``/``jvp``/``jacrev``: a non-empty nest of Tensors."""
    leaves, spec = pt.flatten(out)
    if not leaves:
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {out})")
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type {type(o)}")
    return leaves, spec


def _check_float_outputs(leaves):
    for o in leaves:
        if not (o.is_floating_point() or o.is_complex()):
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
                               f"with dtype {o.dtype}")


def _error_if_complex(api, tree, is_input):
    for i, t in enumerate(pt.flatten(tree)[0]):
        if isinstance(t, Tensor) and t.is_complex():
            what = "inputs" if is_input else "outputs"
            raise RuntimeError(f"{api}: Expected all {what} to be real but received complex tensor at flattened input "
                               f"idx: {i}")


# ---------------------------------------------------------------------- reverse mode

class _VJP:
    """One reverse-mode pass of ``func`` over ``args[argnums]`` (all of ``args`` for None): the outputs'
    data and spec, the pullback of flat cotangent data, the aux nest."""

    def __init__(self, func, args, kwargs, argnums, has_aux, api, check_out):
        diff = args if argnums is None else _slice_argnums(args, argnums)
        leaves, self.in_spec = pt.flatten(diff)
        self.in_datas = _diff_data(leaves)
        info = {}

        def f(*ds):
            new = pt.unflatten(self.in_spec, [wrap(d) for d in ds])
            full = new if argnums is None else _replace_args(args, new, argnums)
            # torch.func differentiates whatever the grad mode outside; a no_grad() inside stops it
            FUNC_REVERSE.append(ds[0]._trace if ds else None)
            try:
                with enable_grad():
                    out = func(*full, **kwargs)
            finally:
                FUNC_REVERSE.pop()
            out, aux = _split_aux(out, has_aux, api)
            o_leaves, info["out_spec"] = check_out(out)
            aux_datas, info["aux"] = _aux_out(aux) if has_aux else ([], None)
            return [o._data for o in o_leaves], aux_datas

        self.outs, self._pullback, aux = fgrad.vjp(f, *self.in_datas, has_aux=True)
        self.out_spec = info["out_spec"]
        self.aux = _aux_in(aux, info["aux"]) if has_aux else None

    def pullback(self, cts):
        """The cotangent data of the inputs (flat) for the flat cotangent data of the outputs."""
        return list(self._pullback(list(cts)))


def _grad_output(out):
    if not isinstance(out, Tensor):
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
    if out.dim() != 0:
        raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                           f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
    return [out], pt.LEAF


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``(gradient, value)`` of scalar-valued ``func`` with respect to ``args[argnums]``.

    With ``has_aux``, ``func`` returns ``(value, aux)`` and the result is ``(gradient, (value, aux))``;
    the gradient has the nest of the differentiated argument(s).

    >>> torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        p = _VJP(func, args, kwargs, argnums, has_aux, "grad_and_value(f)(*args)", _grad_output)
        value = p.outs[0]
        g = pt.unflatten(p.in_spec, [wrap(d) for d in p.pullback([fnp.ones_like(value)])])
        value = wrap(value)
        return (g, (value, p.aux)) if has_aux else (g, value)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of scalar-valued ``func`` with respect to ``args[argnums]``, as a function.

    >>> x = torch.tensor([0.0, 1.0])
    >>> torch.func.grad(lambda x: x.sin().sum())(x)
    tensor([1.0000, 0.5403])
    >>> torch.func.grad(lambda x, y: (x * y).sum(), argnums=1)(x, torch.tensor([2.0, 3.0]))
    tensor([0., 1.])
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(func(*primals), vjp_fn)`` (and ``aux``): ``vjp_fn(cotangents)`` pulls cotangents of the output's
    nest back to a tuple with one entry per primal.

    >>> out, vjp_fn = torch.func.vjp(torch.sin, torch.tensor([0.0, 1.0]))
    >>> vjp_fn(torch.tensor([1.0, 2.0]))
    (tensor([1.0000, 1.0806]),)
    """
    api = "vjp(f, *primals)"

    def check(out):
        leaves, spec = _tensor_outputs(out, api)
        _check_float_outputs(leaves)
        return leaves, spec

    p = _VJP(func, primals, {}, None, has_aux, api, check)
    out_shapes = [fnp.shape(o) for o in p.outs]

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> tuple[Any, ...]:
        leaves, spec = pt.flatten(cotangents)
        if spec != p.out_spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {spec}, primal output: {p.out_spec}")
        cts = []
        for i, (c, shape) in enumerate(zip(leaves, out_shapes)):
            if not isinstance(c, Tensor):
                raise RuntimeError(f"vjp_fn: Expected cotangents to be Tensors, got {type(c)}")
            if tuple(c.shape) != tuple(shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {Size(c.shape)} and "
                                   f"output[{i}] has a shape of {Size(shape)}.")
            cts.append(c._data)
        return pt.unflatten(p.in_spec, [wrap(g) for g in p.pullback(cts)])

    out = pt.unflatten(p.out_spec, [wrap(o) for o in p.outs])
    return (out, vjp_fn, p.aux) if has_aux else (out, vjp_fn)


# ---------------------------------------------------------------------- forward mode

def _jvp(func, primals, tangents, argnums, strict, has_aux, api="jvp(f, primals, tangents)"):
    """``(out data, tangent data, out spec, aux)`` of ``func(*primals)`` pushed along ``tangents`` (which
    match ``primals[argnums]``, or all of ``primals`` for None)."""
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    diff = primals if argnums is None else _slice_argnums(primals, argnums)
    p_leaves, p_spec = pt.flatten(diff)
    t_leaves, t_spec = pt.flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python structure. For example, if "
                           f"primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    for leaves, what in ((p_leaves, "primals"), (t_leaves, "tangents")):
        if not leaves:
            raise RuntimeError(f"{api}: Expected {what} to contain at least one Tensor.")
        for t in leaves:
            if not isinstance(t, Tensor):
                raise RuntimeError(f"{api}: Expected {what} to only contain Tensors, got {type(t)}")
    p_datas = _diff_data(p_leaves)
    t_datas = []
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               "Tensor, this is not supported. Tensor is of size "
                               f"{list(p.shape)} while the given forward gradient is of size {list(t.shape)}.")
        d = t._data
        t_datas.append(d if t.dtype == p.dtype else fnp.astype(d, p._np_dtype()))
    info = {}

    def f(*ds):
        new = pt.unflatten(p_spec, [wrap(d) for d in ds])
        full = new if argnums is None else _replace_args(primals, new, argnums)
        with enable_grad():
            out = func(*full)
        out, aux = _split_aux(out, has_aux, api)
        leaves, info["spec"] = _tensor_outputs(out, api)
        if strict:
            trace = ds[0]._trace
            if any(not (isinstance(o._data, JVPTracer) and o._data._trace is trace) for o in leaves):
                raise RuntimeError(f"{api[:-1]}, strict=True): The output of f is independent of the inputs. This is "
                                   "not allowed with strict=True.")
        aux_datas, info["aux"] = _aux_out(aux) if has_aux else ([], None)
        return [o._data for o in leaves], aux_datas

    outs, touts, aux = fgrad.jvp(f, tuple(p_datas), tuple(t_datas), has_aux=True)
    return outs, touts, info["spec"], (_aux_in(aux, info["aux"]) if has_aux else None)


def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...], *, strict: bool = False,
        has_aux: bool = False) -> tuple[Any, ...]:
    """``(func(*primals), J @ tangents)`` (and ``aux``) in one forward pass.

    >>> torch.func.jvp(torch.exp, (torch.tensor([0.0, 1.0]),), (torch.tensor([1.0, 2.0]),))
    (tensor([1.0000, 2.7183]), tensor([1.0000, 5.4366]))
    """
    outs, touts, spec, aux = _jvp(func, primals, tangents, None, strict, has_aux)
    res = (pt.unflatten(spec, [wrap(o) for o in outs]), pt.unflatten(spec, [wrap(t) for t in touts]))
    return res + (aux,) if has_aux else res


# ---------------------------------------------------------------------- Jacobians and the Hessian

def _identity_rows(like, start, stop, offset, shape):
    """Rows ``start:stop`` of the identity over all elements, restricted to one value's block (which starts
    at element ``offset``), each row shaped like the value: a raw array of its dtype and device."""
    raw = concrete(like)
    xp = backend.get_array_module(raw)
    n = math.prod(shape)
    rows = xp.zeros((stop - start, n), dtype=raw.dtype)
    hit = np.arange(max(start, offset), min(stop, offset + n))
    if hit.size:
        rows[xp.asarray(hit - start), xp.asarray(hit - offset)] = 1
    return rows.reshape((stop - start,) + tuple(shape))


def _chunks(total, chunk_size):
    step = total if chunk_size is None else chunk_size
    return [(s, min(s + step, total)) for s in range(0, total, step)]


def _jac_blocks(rows, counts, lead_shapes, tail_shapes, axis):
    """Split the batched results ``rows`` (one per ``tail``, the basis along ``axis``) into per-``lead``
    blocks: ``blocks[j][i]`` has shape ``lead_shapes[j] + tail_shapes[i]``."""
    cuts = list(np.cumsum(counts)[:-1])
    blocks = [[None] * len(rows) for _ in counts]
    for i, r in enumerate(rows):
        parts = fnp.split(r, cuts, axis=axis) if len(counts) > 1 else [r]
        for j, part in enumerate(parts):
            blocks[j][i] = part
    return blocks


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``func`` with respect to ``args[argnums]``, by reverse mode.

    One vjp mapped over the identity's rows (``chunk_size`` rows at a time). Its nest: the output's,
    then the differentiated argument's; each block has shape ``out.shape + arg.shape``.

    >>> torch.func.jacrev(lambda x: x ** 2)(torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    api = "vjp(f, *primals)"

    def check(out):
        leaves, spec = _tensor_outputs(out, api)
        _check_float_outputs(leaves)
        return leaves, spec

    @functools.wraps(func)
    def wrapper_fn(*args):
        _error_if_complex("jacrev", args, is_input=True)
        p = _VJP(func, args, {}, argnums, has_aux, api, check)
        _error_if_complex("jacrev", [wrap(o) for o in p.outs], is_input=False)
        o_shapes = [tuple(fnp.shape(o)) for o in p.outs]
        i_shapes = [tuple(fnp.shape(x)) for x in p.in_datas]
        counts = [math.prod(s) for s in o_shapes]
        total = sum(counts)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
        pieces = [[] for _ in i_shapes]
        for start, stop in _chunks(total, chunk_size):
            cts = [_identity_rows(o, start, stop, int(off), s) for o, off, s in zip(p.outs, offsets, o_shapes)]
            res = run_batched(lambda trace, *c: p.pullback(c), cts, [0] * len(cts), "error")
            for i, r in enumerate(res):
                pieces[i].append(r)
        rows = [ps[0] if len(ps) == 1 else fnp.concatenate(ps, axis=0) if ps else
                fnp.zeros((0,) + s, concrete(x).dtype) for ps, s, x in zip(pieces, i_shapes, p.in_datas)]
        blocks = _jac_blocks(rows, counts, o_shapes, i_shapes, axis=0)
        per_out = [pt.unflatten(p.in_spec, [wrap(fnp.reshape(b, os + s)) for b, s in zip(bs, i_shapes)])
                   for bs, os in zip(blocks, o_shapes)]
        jac = pt.unflatten(p.out_spec, per_out)
        return (jac, p.aux) if has_aux else jac

    return wrapper_fn


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian of ``func`` with respect to ``args[argnums]``, by forward mode.

    One jvp mapped over the identity's columns (with ``randomness`` as in ``vmap``); nests as ``jacrev``.

    >>> torch.func.jacfwd(lambda x: x.sum() * x)(torch.tensor([1.0, 2.0]))
    tensor([[4., 1.],
            [2., 5.]])
    """

    @functools.wraps(func)
    def wrapper_fn(*args):
        _error_if_complex("jacfwd", args, is_input=True)
        diff = _slice_argnums(args, argnums)
        leaves, in_spec = pt.flatten(diff)
        datas = _diff_data(leaves)
        i_shapes = [tuple(fnp.shape(d)) for d in datas]
        counts = [math.prod(s) for s in i_shapes]
        total = sum(counts)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
        basis = [_identity_rows(d, 0, total, int(off), s) for d, off, s in zip(datas, offsets, i_shapes)]
        info = {}

        def push(trace, *ts):
            tangents = pt.unflatten(in_spec, [wrap(t) for t in ts])
            outs, touts, info["spec"], aux = _jvp(func, args, tangents, argnums, False, has_aux)
            _error_if_complex("jacfwd", [wrap(o) for o in outs], is_input=False)
            info["shapes"] = [tuple(fnp.shape(o)) for o in outs]
            aux_datas, info["aux"] = _aux_out(aux) if has_aux else ([], None)
            return list(touts), aux_datas

        touts, aux = run_batched(push, basis, [0] * len(basis), randomness)
        o_shapes = info["shapes"]
        # each output's tangents have the basis along 0: move it last, then cut it per input
        cols = [fnp.moveaxis(t, 0, -1) for t in touts]
        blocks = _jac_blocks(cols, counts, i_shapes, o_shapes, axis=-1)  # blocks[i][j]: out j, input i
        per_out = [pt.unflatten(in_spec, [wrap(fnp.reshape(blocks[i][j], os + i_shapes[i]))
                                          for i in range(len(i_shapes))])
                   for j, os in enumerate(o_shapes)]
        jac = pt.unflatten(info["spec"], per_out)
        if has_aux:  # aux came back once per basis column: torch keeps the first
            return jac, _aux_in([a[0] for a in aux], info["aux"])
        return jac

    return wrapper_fn


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of scalar-valued ``func`` with respect to ``args[argnums]``: ``jacfwd(jacrev(func))``.

    >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
