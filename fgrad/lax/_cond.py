"""``cond``: run one of several branch programs, chosen by an index, as one primitive.

Operands ``(index, *operands)``; param ``branches``, a tuple of ``Program``s each taking every
operand (a branch ignores the consts another closed over) and giving outputs of the same types.

- JVP: a ``cond`` over the branches' JVPs.
- VJP: the forward is a ``cond`` over the branches' forward programs, each giving its outputs then
  a slot for every branch's residuals (zeros in the slots of the others: the layouts differ per
  branch, so they are laid side by side); the backward is a ``cond`` over the branches' backward
  programs, each reading its own slots. Nothing is computed twice.
- vmap: with an unbatched index, a ``cond`` of the batched branches; with a batched one, every
  branch runs on the whole batch and ``fnp.where`` picks each example's result, as in JAX.

>>> bind_cond(np.int32(1), [np.ones(2)], (neg, ident))
"""
from .. import numpy as fnp
from ..batching import axis_size, vmap
from ..core import Primitive
from ..staging import eval_program, example_of
from ..staging.autodiff import vjp_program
from . import _common as C

__all__ = ["cond_p", "bind_cond"]


def _clamp(index, n):
    return min(max(int(index), 0), n - 1)


def _cond_impl(index, *args, branches):
    return tuple(branches[_clamp(index, len(branches))](*args))


def bind_cond(index, operands, branches):
    return list(cond_p.bind(index, *operands, branches=tuple(branches)))


def _cond_jvp(primals, tangents, *, branches):
    index, args, t_args = primals[0], primals[1:], tangents[1:]
    nz_in = [t is not None and C.is_inexact(p) for p, t in zip(args, t_args)]
    nz_out = [any(flags) for flags in zip(*[C.depends(b, nz_in) for b in branches])]
    examples = [example_of(a) for a in args]
    progs = [C.jvp_program(b, examples, nz_in, nz_out) for b in branches]
    tangents_in = [t for t, z in zip(t_args, nz_in) if z]
    out = bind_cond(index, list(args) + tangents_in, progs)
    n = len(branches[0].outputs)
    t_it = iter(out[n:])
    return tuple(out[:n]), tuple(next(t_it) if z else None for z in nz_out)


class _Residuals:
    __slots__ = ("bwds", "slots", "values", "diff", "memo")

    def __init__(self, bwds, slots, values, diff):
        self.bwds, self.slots, self.values, self.diff = bwds, slots, values, diff
        self.memo = None


def _cond_vjp_fwd(index, *args, branches, wrt=None):
    diff = C.diff_flags(args, None if wrt is None else [i - 1 for i in wrt])
    examples = [example_of(a) for a in args]
    n_out = len(branches[0].outputs)
    parts = [vjp_program(b, examples, diff) for b in branches]
    res_avals = [[C.out_aval(r) for r in fwd.outputs[n_out:]] for fwd, _, _ in parts]
    slots, start = [], 0
    for avals in res_avals:
        slots.append(range(start, start + len(avals)))
        start += len(avals)

    def joint(k):
        def fwd_k(*a):
            out = eval_program(parts[k][0], list(a))
            res, xp = [], fnp.get_array_module(*a)
            for j, avals in enumerate(res_avals):
                res += out[n_out:] if j == k else [xp.zeros(s, d) for s, d in avals]
            return out[:n_out] + res
        return C.stage_flat(fwd_k, examples).program

    out = bind_cond(index, list(args), [joint(k) for k in range(len(branches))])
    return tuple(out[:n_out]), _Residuals([bwd for _, bwd, _ in parts], slots, out[n_out:], diff)


def _backward(g, index, args, res):
    res_examples = [example_of(v) for v in res.values]
    g_examples = [example_of(x) for x in g]

    def joint(k):
        def bwd_k(*a):
            mine = [a[i] for i in res.slots[k]]
            return eval_program(res.bwds[k], mine + list(a[len(res.values):]))
        return C.stage_flat(bwd_k, res_examples + g_examples).program

    cts = iter(bind_cond(index, list(res.values) + list(g), [joint(k) for k in range(len(res.bwds))]))
    return [None] + [next(cts) if d else None for d in res.diff]


def _cond_vjp(argnum, g, ans, index, *args, residuals, branches):
    memo = residuals.memo
    if memo is None or memo[0] is not g:
        memo = residuals.memo = (g, _backward(g, index, args, residuals))
    return memo[1][argnum]


def _cond_batch(prim, args, dims, params):
    branches = params["branches"]
    size = axis_size(args, dims)
    index, d_index = args[0], dims[0]
    ops, d_ops = list(args[1:]), list(dims[1:])
    if d_index is not None:
        outs = [vmap(lambda *a, b=b: eval_program(b, list(a)), in_axes=tuple(d_ops), out_axes=0,
                     axis_size=size)(*ops) for b in branches]
        index = fnp.clip(fnp.moveaxis(index, d_index, 0) if d_index else index, 0, len(branches) - 1)
        result = list(outs[0])
        for k in range(1, len(branches)):
            pick = index == k
            result = [fnp.where(fnp.reshape(pick, (size,) + (1,) * (len(C.aval(o)[0]) - 1)), o, r)
                      for o, r in zip(outs[k], result)]
        return result, [0] * len(result)
    b_in = [d is not None for d in d_ops]
    b_out = [any(f) for f in zip(*[C.depends(b, b_in) for b in branches])]
    ops = [C.batch_first(a, d, size, w) for a, d, w in zip(ops, d_ops, b_in)]
    examples = [example_of(a) for a in ops]
    axes = lambda flags: [0 if f else None for f in flags]  # noqa: E731
    progs = [C.batched_program(b, examples, axes(b_in), axes(b_out), size) for b in branches]
    return bind_cond(index, ops, progs), axes(b_out)


def _cond_depends(params, flags):
    branches = params["branches"]
    if flags[0]:  # which branch runs reads the flagged index
        return [True] * len(branches[0].outputs)
    return [any(f) for f in zip(*[C.depends(b, flags[1:]) for b in branches])]


cond_p = Primitive("cond", _cond_impl, vjp=_cond_vjp, joint_jvp=_cond_jvp, vjp_fwd=_cond_vjp_fwd,
                   batch=_cond_batch, multiple_results=True)
C.DEPENDENCY_RULES[cond_p] = _cond_depends
