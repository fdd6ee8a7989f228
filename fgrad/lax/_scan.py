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

>>> fgrad.lax.scan(lambda c, x: (c + x, c), 0.0, fnp.arange(3.0))   # (3.0, [0., 1., 3.])
"""

from .. import numpy as fnp
from ..batching import axis_size
from ..core import Primitive
from ..staging import Program, eval_program, example_of
from ..staging.autodiff import vjp_program
from ..staging.passes import eliminate_dead_code, optimize
from . import _common as C

__all__ = ["scan_p", "bind_scan"]


def _split(seq, n_consts, n_carry):
    return list(seq[:n_consts]), list(seq[n_consts:n_consts + n_carry]), list(seq[n_consts + n_carry:])


def _scan_impl(*args, body, n_consts, n_carry, length, reverse, unroll):
    consts, carry, xs = _split(args, n_consts, n_carry)
    xp = fnp.get_array_module(*args)
    ys = [xp.empty((length,) + shape, dtype) for shape, dtype in map(C.out_aval, body.outputs[n_carry:])]
    for step in range(length):
        i = length - 1 - step if reverse else step
        out = body(*consts, *carry, *[x[i] for x in xs])
        carry = out[:n_carry]
        for buf, y in zip(ys, out[n_carry:]):
            buf[i] = y
    return tuple(carry) + tuple(ys)


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

class _Residuals:
    """What the backward scan needs: the body's backward program, where each residual comes from,
    and the memo of one pullback. A residual is a const or a slice of ``xs`` (read from the
    operands), loop-invariant (computed from the consts once, before the loop: a weight's
    transpose), or stacked by the forward scan (one per step)."""

    __slots__ = ("bwd", "sources", "hoisted", "stacked", "diff", "memo")

    def __init__(self, bwd, sources, hoisted, stacked, diff):
        self.bwd = bwd
        self.sources = sources  # per residual: ("const" | "xs" | "hoisted" | "stacked", index)
        self.hoisted = hoisted
        self.stacked = stacked
        self.diff = diff
        self.memo = None


def _classify(fwd, n_consts, n_carry, n_out):
    """Each residual's source, the loop-invariant ones' program (from the consts, with the constants
    among them as Literals) and the stacked Vars."""
    where = {id(v): k for k, v in enumerate(fwd.inputs)}
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
    diff = d_c + d_k + d_x
    fwd, bwd, n_res = vjp_program(body, _step_examples(args, n_consts, n_carry), diff)
    fwd = optimize(fwd, fnp.get_array_module(*args))  # a residual that is a constant (zeros) is not stacked
    n_out = len(body.outputs)
    sources, invariant, stacked_vars = _classify(fwd, n_consts, n_carry, n_out)
    hoisted = eval_program(invariant, list(args[:n_consts])) if invariant.outputs else []
    fwd_body = Program(fwd.inputs, fwd.equations, fwd.outputs[:n_out] + stacked_vars)
    out = scan_p.bind(*args, body=fwd_body, n_consts=n_consts, n_carry=n_carry, length=length,
                      reverse=reverse, unroll=unroll)
    return tuple(out[:n_out]), _Residuals(bwd, sources, hoisted, list(out[n_out:]), diff)


def _backward(g, args, res, body, n_consts, n_carry, length, reverse, unroll):
    """Cotangents of every operand (None where not differentiable): one reverse scan."""
    consts, carry, xs = _split(args, n_consts, n_carry)
    d_c, d_k, d_x = _split(res.diff, n_consts, n_carry)
    n_dc, n_dk = sum(d_c), sum(d_k)
    g_carry, g_ys = list(g[:n_carry]), list(g[n_carry:])
    const_res = [consts[k] if kind == "const" else res.hoisted[k] for kind, k in res.sources
                 if kind in ("const", "hoisted")]
    xs_res = [xs[k] for kind, k in res.sources if kind == "xs"]
    carry_zero = [C.zeros_example(example_of(c)) for c, d in zip(carry, d_k) if not d]
    k_dtypes = [C.dtype_of(c) for c, d in zip(carry, d_k) if d]

    def step(*a):
        it = iter(a)
        c_res = [next(it) for _ in const_res]
        k_ct = [next(it) for _ in range(n_dk)]
        acc = [next(it) for _ in range(n_dc)]
        s_res = [next(it) for _ in res.stacked]
        y_ct = [next(it) for _ in g_ys]
        x_res = [next(it) for _ in xs_res]
        c_it, x_it = iter(c_res), iter(x_res)
        picks = {"const": c_it, "hoisted": c_it, "xs": x_it}
        residuals = [s_res[k] if kind == "stacked" else next(picks[kind]) for kind, k in res.sources]
        k_it, z_it = iter(k_ct), iter(carry_zero)
        out_ct = [next(k_it) if d else next(z_it) for d in d_k] + y_ct
        cts = eval_program(res.bwd, residuals + out_ct)
        c_ct, k_new, x_ct = cts[:n_dc], cts[n_dc:n_dc + n_dk], cts[n_dc + n_dk:]
        k_new = [fnp.astype(k, dt) if C.dtype_of(k) != dt else k for k, dt in zip(k_new, k_dtypes)]
        return k_new + [a_ + c for a_, c in zip(acc, c_ct)] + x_ct

    acc0 = [fnp.zeros_like(c) for c, d in zip(consts, d_c) if d]
    k0 = [gk for gk, d in zip(g_carry, d_k) if d]
    xs_b = res.stacked + g_ys + xs_res
    examples = ([example_of(a) for a in const_res + k0 + acc0] + [C.slice_example(x) for x in xs_b])
    staged = C.stage_flat(step, examples)
    assert not staged.captured
    k_fin, x_cts = bind_scan(const_res, k0 + acc0, xs_b, staged.program, length, not reverse, unroll)
    k_it, a_it, x_it = iter(k_fin[:n_dk]), iter(k_fin[n_dk:]), iter(x_cts)
    return ([next(a_it) if d else None for d in d_c] + [next(k_it) if d else None for d in d_k]
            + [next(x_it) if d else None for d in d_x])


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
