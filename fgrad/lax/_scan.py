"""``scan``: a loop over the leading axis of ``xs`` carrying a state, as one primitive.

Operands ``(*consts, *init, *xs)``; params ``body`` (a ``Program`` from ``(*consts, *carry, *x)`` to
``(*new_carry, *y)``), ``n_consts``, ``n_carry``, ``length``, ``reverse``, ``unroll``. Outputs: the
final carry, then each ``y`` stacked.

- impl: the compiled body replayed once per step, ``ys`` written into preallocated arrays.
- JVP: a scan of the body's JVP (the carry's tangents carried along, zeros where only the body
  makes one).
- VJP: the forward is a scan of the body's forward program that also stacks the per-step
  residuals; the backward is ONE reverse scan of the body's backward program, carrying the carry's
  cotangent and summing the consts' cotangents in the carry. Residuals that are a const or a
  slice of ``xs`` are read from the operands, not stacked again.
- vmap: a scan of the batched body (a carry becomes batched where the body makes it so).

>>> carry, ys = fgrad.lax.scan(lambda c, x: (c + x, c), 0.0, fnp.arange(3.0))
>>> print(carry, ys)
3.0 [0. 0. 1.]
"""
from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

import numpy as np

from .. import numpy as fnp
from ..batching import axis_size
from ..core import Primitive
from ..staging import Program, Var, eval_program, example_of
from ..staging.autodiff import vjp_program
from ..staging.passes import eliminate_dead_code, optimize
from . import _common as C
from ._scan_rev import batch_products, defer_transposes, fingerprint, sum_products

__all__ = ["scan_p", "bind_scan"]


def _split(seq, n_consts, n_carry):
    return list(seq[:n_consts]), list(seq[n_consts:n_consts + n_carry]), list(seq[n_consts + n_carry:])


def _scan_impl(*args, body, n_consts, n_carry, length, reverse, unroll):
    consts, carry, xs = _split(args, n_consts, n_carry)
    ys = _stacks(fnp.get_array_module(*args), length, [C.out_aval(y) for y in body.outputs[n_carry:]])
    body = _replayable(body)
    for step in range(length):
        i = length - 1 - step if reverse else step
        out = body(*consts, *carry, *[x[i] for x in xs])
        carry = out[:n_carry]
        for buf, y in zip(ys, out[n_carry:]):
            buf[i] = y
    return tuple(carry) + tuple(ys)


_MAX_CACHED = 256  # bodies and reverse-mode splits kept for reuse
# body -> an equal body seen first (its replay compiled once)
_CANONICAL: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_BY_KEY: dict[Any, Any] = {}
_MISSING = object()


def _replayable(body):
    """An equal body already compiled, when one was seen: a body staged again on every eager call
    is not compiled again."""
    canon = _CANONICAL.get(body, _MISSING)
    if canon is _MISSING:
        key = fingerprint(body)
        canon = body if key is None else _BY_KEY.setdefault(key, body)
        if len(_BY_KEY) > _MAX_CACHED:
            _BY_KEY.pop(next(iter(_BY_KEY)))
        _CANONICAL[body] = None if canon is body else canon  # a body holding itself would never be freed
    return body if canon is None else canon


_ONE_BLOCK = 1 << 22  # NumPy asks for huge pages from 4 MiB on


def _stacks(xp, length, avals):
    """Empty arrays for the stacked ys. On NumPy, when they add up to 4 MiB or more they are views of
    ONE allocation, which NumPy backs with huge pages: the first writes fault a few 2 MiB pages, not
    thousands of 4 KiB ones (a third of the forward scan's time in the LSTM case)."""
    sizes = [length * math.prod(shape) * np.dtype(dtype).itemsize for shape, dtype in avals]
    offsets = np.cumsum([0] + [-(-n // 64) * 64 for n in sizes]).tolist()  # each one 64-byte aligned
    if xp is not np or offsets[-1] < _ONE_BLOCK:
        return [xp.empty((length,) + shape, dtype) for shape, dtype in avals]
    block = np.empty(offsets[-1], np.uint8)
    return [block[o:o + n].view(dtype).reshape((length,) + shape)
            for o, n, (shape, dtype) in zip(offsets, sizes, avals)]


def bind_scan(consts, init, xs, body, length, reverse=False, unroll=1):
    """Bind ``scan_p``: returns (final carry list, ys list)."""
    out = scan_p.bind(*consts, *init, *xs, body=body, n_consts=len(consts), n_carry=len(init),
                      length=length, reverse=reverse, unroll=unroll)
    return list(out[:len(init)]), list(out[len(init):])


def _step_examples(args, n_consts, n_carry):
    """Concrete examples of one step's body inputs: consts, carry, one slice of each xs."""
    consts, carry, xs = _split(args, n_consts, n_carry)
    return [example_of(a) for a in consts + carry] + [C.slice_example(x) for x in xs]


# ------------------------------------------------------------------ forward mode

def _scan_jvp(primals, tangents, *, body, n_consts, n_carry, length, reverse, unroll):
    nz = [t is not None and C.is_inexact(p) for p, t in zip(primals, tangents)]
    nz_c, nz_carry, nz_x = _split(nz, n_consts, n_carry)
    nz_carry = C.carry_fixpoint(body, nz_c, nz_carry, nz_x)
    nz_in = nz_c + nz_carry + nz_x
    nz_out = nz_carry + C.depends(body, nz_in)[n_carry:]
    examples = _step_examples(primals, n_consts, n_carry)
    prog = C.jvp_program(body, examples, nz_in, nz_out)
    # prog: (c, k, x, tc, tk, tx) -> (k', y, tk', ty); the scan wants (c, tc, k, tk, x, tx) -> (k', tk', y, ty)
    n = len(primals)
    t_pos, pos = {}, n
    for i in range(n):
        if nz_in[i]:
            t_pos[i] = pos
            pos += 1
    groups = [range(n_consts), range(n_consts, n_consts + n_carry), range(n_consts + n_carry, n)]
    order = []
    for g in groups:
        order += list(g) + [t_pos[i] for i in g if i in t_pos]
    n_ys = len(body.outputs) - n_carry
    n_tk = sum(nz_carry)
    out_order = (list(range(n_carry)) + list(range(n_carry + n_ys, n_carry + n_ys + n_tk))
                 + list(range(n_carry, n_carry + n_ys)) + list(range(n_carry + n_ys + n_tk, len(prog.outputs))))
    prog = C.permute(prog, order, out_order)
    operands = []
    for g in groups:
        operands += [primals[i] for i in g]
        operands += [fnp.zeros_like(primals[i]) if tangents[i] is None else tangents[i] for i in g if nz_in[i]]
    n_c2 = n_consts + sum(nz_c)
    out = scan_p.bind(*operands, body=prog, n_consts=n_c2, n_carry=n_carry + n_tk, length=length,
                      reverse=reverse, unroll=unroll)
    carry, t_carry = list(out[:n_carry]), list(out[n_carry:n_carry + n_tk])
    ys, t_ys = list(out[n_carry + n_tk:n_carry + n_tk + n_ys]), list(out[n_carry + n_tk + n_ys:])
    tan = [t_carry.pop(0) if z else None for z in nz_carry] + [t_ys.pop(0) if z else None for z in nz_out[n_carry:]]
    return tuple(carry + ys), tuple(tan)


# ------------------------------------------------------------------ reverse mode

_INVARIANT = ("const", "hoisted")  # residual kinds read whole; the others give one slice per step


class _Plan:
    """The reverse-mode split of one body, reused for every call on an equal body: the forward
    scan's body (body outputs, then the stacked residuals), the program of the loop-invariant
    residuals, where each residual comes from, and the backward body (``bwd``: const cotangents
    kept in the carry, carry and xs cotangents, then the per-step factors of the const cotangents
    summed after the loop by one matmul, ``products``). A residual is a const or a slice of ``xs``
    or of a ``y`` (read from the scan's operands or outputs), loop-invariant (computed from the
    consts once, before the loop: a weight's transpose), or stacked by the forward scan."""

    __slots__ = ("diff", "fwd_body", "invariant", "sources", "bwd", "kept", "products", "bwd_bodies")

    def __init__(self, body, examples, diff, n_consts, n_carry, xp):
        self.diff = diff
        fwd, bwd, _ = vjp_program(body, examples, diff)
        fwd = optimize(fwd, xp)  # a residual that is a constant (zeros) is not stacked
        n_out = len(body.outputs)
        flags = [False] * n_consts + [True] * (len(fwd.inputs) - n_consts)
        fwd, bwd = defer_transposes(fwd, bwd, n_out, C.depends(fwd, flags, precise=False)[n_out:])
        self.sources, self.invariant, stacked = _classify(fwd, n_consts, n_carry, n_out)
        self.fwd_body = eliminate_dead_code(Program(fwd.inputs, fwd.equations, fwd.outputs[:n_out] + stacked))
        n_res, d_k = len(self.sources), diff[n_consts:n_consts + n_carry]
        per_step = {p for p, (kind, _) in enumerate(self.sources) if kind not in _INVARIANT}
        per_step.update(range(n_res + n_carry, len(bwd.inputs)))  # the ys' cotangents
        const_in = ({p for p, (kind, _) in enumerate(self.sources) if kind in _INVARIANT}
                    | {n_res + j for j, d in enumerate(d_k) if not d})  # zero carry cotangents
        self.bwd, self.kept, self.products = batch_products(bwd, sum(diff[:n_consts]), sum(d_k), per_step,
                                                            const_in)
        self.bwd_bodies = {}


_PLANS: dict[Any, Any] = {}


def _plan(body, examples, diff, n_consts, n_carry, xp):
    """The cached ``_Plan`` of an equal body (same structure and constants), else a new one."""
    fp = fingerprint(body)
    key = None if fp is None else (fp, tuple(diff), n_consts, n_carry, xp.__name__)
    plan = _PLANS.get(key) if key is not None else None
    if plan is None:
        plan = _Plan(body, examples, diff, n_consts, n_carry, xp)
        if key is not None:
            if len(_PLANS) >= _MAX_CACHED:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = plan
    return plan


class _Residuals:
    """One call's residuals: the plan, the loop-invariant values, the forward scan's stacked
    residuals and ys, and the memo of one pullback."""

    __slots__ = ("plan", "hoisted", "stacked", "ys", "memo")

    def __init__(self, plan, hoisted, stacked, ys):
        self.plan, self.hoisted, self.stacked, self.ys = plan, hoisted, stacked, ys
        self.memo = None


def _classify(fwd, n_consts, n_carry, n_out):
    """Each residual's source, the loop-invariant ones' program (from the consts, with the constants
    among them as Literals) and the stacked Vars."""
    where = {id(v): k for k, v in enumerate(fwd.inputs)}
    ys = {id(v): j for j, v in enumerate(fwd.outputs[n_carry:n_out]) if isinstance(v, Var)}
    varying = C.depends(fwd, [False] * n_consts + [True] * (len(fwd.inputs) - n_consts), precise=False)[n_out:]
    sources, hoisted, stacked = [], [], []
    for r, v in zip(fwd.outputs[n_out:], varying):
        k = where.get(id(r))
        if k is not None and k < n_consts:
            sources.append(("const", k))
        elif k is not None and k >= n_consts + n_carry:
            sources.append(("xs", k - n_consts - n_carry))
        elif not v:  # a constant (a zero buffer) or computed from the consts alone
            sources.append(("hoisted", len(hoisted)))
            hoisted.append(r)
        elif id(r) in ys:  # a y the scan stacks anyway
            sources.append(("y", ys[id(r)]))
        else:
            sources.append(("stacked", len(stacked)))
            stacked.append(r)
    invariant = eliminate_dead_code(Program(fwd.inputs[:n_consts], fwd.equations, hoisted))
    return sources, invariant, stacked


def _scan_vjp_fwd(*args, body, n_consts, n_carry, length, reverse, unroll, wrt=None):
    d_c, d_k, d_x = _split(C.diff_flags(args, wrt), n_consts, n_carry)
    inexact = [C.is_inexact(a) for a in args[n_consts:n_consts + n_carry]]
    # a carry the differentiated operands reach needs its cotangent carried back through the steps
    d_k = [d and f for d, f in zip(C.carry_fixpoint(body, d_c, d_k, d_x), inexact)]
    plan = _plan(body, _step_examples(args, n_consts, n_carry), d_c + d_k + d_x, n_consts, n_carry,
                 fnp.get_array_module(*args))
    hoisted = eval_program(plan.invariant, list(args[:n_consts])) if plan.invariant.outputs else []
    out = scan_p.bind(*args, body=plan.fwd_body, n_consts=n_consts, n_carry=n_carry, length=length,
                      reverse=reverse, unroll=unroll)
    n_out = len(body.outputs)
    return tuple(out[:n_out]), _Residuals(plan, hoisted, list(out[n_out:]), list(out[n_carry:n_out]))


def _backward(g, args, res, body, n_consts, n_carry, length, reverse, unroll):
    """Cotangents of every operand (None where not differentiable): one reverse scan, then one
    matmul per const cotangent that is a sum of per-step products."""
    plan = res.plan
    consts, carry, xs = _split(args, n_consts, n_carry)
    d_c, d_k, d_x = _split(plan.diff, n_consts, n_carry)
    g_carry, g_ys = list(g[:n_carry]), list(g[n_carry:])
    per_call = {"const": consts, "hoisted": res.hoisted, "xs": xs, "stacked": res.stacked, "y": res.ys}
    inputs = [per_call[kind][k] for kind, k in plan.sources] + list(g_carry) + g_ys
    inv_res = [a for a, (kind, _) in zip(inputs, plan.sources) if kind in _INVARIANT]
    step_res = [a for a, (kind, _) in zip(inputs, plan.sources) if kind not in _INVARIANT]
    k0 = [gk for gk, d in zip(g_carry, d_k) if d]
    d_consts = [c for c, d in zip(consts, d_c) if d]
    acc0 = [fnp.zeros_like(c) for c, k in zip(d_consts, plan.kept) if k]
    xs_b = step_res + g_ys
    examples = [example_of(a) for a in inv_res + k0 + acc0] + [C.slice_example(x) for x in xs_b]
    xp = fnp.get_array_module(*args)
    key = (tuple(C.aval(e) for e in examples), xp.__name__)
    prog = plan.bwd_bodies.get(key)
    if prog is None:
        staged = C.stage_flat(_bwd_step(plan, carry, d_k, len(inv_res), len(acc0), len(g_ys)), examples)
        assert not staged.captured
        prog = plan.bwd_bodies[key] = staged.program
    k_fin, x_out = bind_scan(inv_res, k0 + acc0, xs_b, prog, length, not reverse, unroll)
    n_dk = len(k0)
    acc_it, k_it, x_it = iter(k_fin[n_dk:]), iter(k_fin[:n_dk]), iter(x_out)
    c_cts = []
    for j, c in enumerate(d_consts):
        c_cts.append(next(acc_it) if plan.kept[j] else
                     sum_products(plan.products[j], inputs, x_out, C.dtype_of(c)))
    c_it = iter(c_cts)
    return ([next(c_it) if d else None for d in d_c] + [next(k_it) if d else None for d in d_k]
            + [next(x_it) if d else None for d in d_x])


def _bwd_step(plan, carry, d_k, n_inv, n_acc, n_ys):
    """The backward scan's body: (invariant residuals, carry cotangents, accumulated const
    cotangents, per-step residuals, ys' cotangents) -> (carry cotangents, accumulators, xs
    cotangents, per-step factors)."""
    carry_zero = [C.zeros_example(example_of(c)) for c, d in zip(carry, d_k) if not d]
    k_dtypes = [C.dtype_of(c) for c, d in zip(carry, d_k) if d]
    n_dk = len(k_dtypes)

    def step(*a):
        it = iter(a)
        inv = [next(it) for _ in range(n_inv)]
        k_ct = [next(it) for _ in range(n_dk)]
        acc = [next(it) for _ in range(n_acc)]
        rest = list(it)
        per_step, y_ct = rest[:len(rest) - n_ys], rest[len(rest) - n_ys:]
        i_it, s_it = iter(inv), iter(per_step)
        residuals = [next(i_it) if kind in _INVARIANT else next(s_it) for kind, _ in plan.sources]
        k_it, z_it = iter(k_ct), iter(carry_zero)
        out_ct = [next(k_it) if d else next(z_it) for d in d_k] + y_ct
        cts = eval_program(plan.bwd, residuals + out_ct)
        c_ct, k_new, x_ct = cts[:n_acc], cts[n_acc:n_acc + n_dk], cts[n_acc + n_dk:]
        k_new = [fnp.astype(k, dt) if C.dtype_of(k) != dt else k for k, dt in zip(k_new, k_dtypes)]
        return k_new + [a_ + c for a_, c in zip(acc, c_ct)] + x_ct

    return step


def _scan_vjp(argnum, g, ans, *args, residuals, **params):
    memo = residuals.memo
    if memo is None or memo[0] is not g:
        memo = residuals.memo = (g, _backward(g, args, residuals, **params))
    return memo[1][argnum]


# ------------------------------------------------------------------ vmap

def _scan_batch(prim, args, dims, params):
    body, n_consts, n_carry = params["body"], params["n_consts"], params["n_carry"]
    size = axis_size(args, dims)
    b = [d is not None for d in dims]
    b_c, b_k, b_x = _split(b, n_consts, n_carry)
    b_k = C.carry_fixpoint(body, b_c, b_k, b_x)
    b_y = C.depends(body, b_c + b_k + b_x)[n_carry:]
    consts, carry, xs = _split(args, n_consts, n_carry)
    d_c, d_k, d_x = _split(dims, n_consts, n_carry)
    consts = [C.batch_first(a, d, size, w) for a, d, w in zip(consts, d_c, b_c)]
    carry = [C.batch_first(a, d, size, w) for a, d, w in zip(carry, d_k, b_k)]
    xs = [x if d is None else fnp.moveaxis(x, d, 1) for x, d in zip(xs, d_x)]  # the scan axis stays first
    examples = [example_of(a) for a in consts + carry] + [C.slice_example(x) for x in xs]
    axes = lambda flags: [0 if f else None for f in flags]  # noqa: E731
    prog = C.batched_program(body, examples, axes(b_c + b_k + b_x), axes(b_k + b_y), size)
    out = scan_p.bind(*consts, *carry, *xs, **dict(params, body=prog))
    return list(out), axes(b_k) + [1 if f else None for f in b_y]


def _scan_depends(params, flags):
    body, n_consts, n_carry = params["body"], params["n_consts"], params["n_carry"]
    f_c, f_k, f_x = _split(flags, n_consts, n_carry)
    f_k = C.carry_fixpoint(body, f_c, f_k, f_x)
    return f_k + C.depends(body, f_c + f_k + f_x)[n_carry:]


scan_p = Primitive("scan", _scan_impl, vjp=_scan_vjp, joint_jvp=_scan_jvp, vjp_fwd=_scan_vjp_fwd,
                   batch=_scan_batch, multiple_results=True)
C.DEPENDENCY_RULES[scan_p] = _scan_depends
