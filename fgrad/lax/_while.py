"""``while``: run a body program while a predicate program holds, as one primitive.

Operands ``(*cond_consts, *body_consts, *carry)``; params ``cond`` (``(*cond_consts, *carry) ->
(pred,)``), ``body`` (``(*body_consts, *carry) -> carry``), ``n_cond_consts``, ``n_body_consts``.

- JVP: a while loop of the body's JVP, the carry's tangents carried along.
- Reverse mode: refused with JAX's ValueError (the number of steps is only known by running it).
- vmap: with an unbatched predicate, the batched body; with a batched one, the loop runs until
  every example is done, and examples already done keep their carry (``fnp.where``), as in JAX.

>>> bind_while([], [], [np.asarray(1)], cond, body)
"""
import numpy as np

from .. import numpy as fnp
from ..batching import axis_size
from ..core import Primitive
from ..staging import eval_program, example_of
from . import _common as C

__all__ = ["while_p", "bind_while"]

REVERSE_MODE_ERROR = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
                      "dynamic start/stop values. Try using lax.scan, or using fori_loop with static start/stop.")


def _while_impl(*args, cond, body, n_cond_consts, n_body_consts):
    cc = args[:n_cond_consts]
    bc = args[n_cond_consts:n_cond_consts + n_body_consts]
    carry = list(args[n_cond_consts + n_body_consts:])
    while cond(*cc, *carry)[0]:
        carry = body(*bc, *carry)
    return tuple(carry)


def bind_while(cond_consts, body_consts, init, cond, body):
    out = while_p.bind(*cond_consts, *body_consts, *init, cond=cond, body=body,
                       n_cond_consts=len(cond_consts), n_body_consts=len(body_consts))
    return list(out)


def _split(args, n_cc, n_bc):
    return list(args[:n_cc]), list(args[n_cc:n_cc + n_bc]), list(args[n_cc + n_bc:])


def _while_jvp(primals, tangents, *, cond, body, n_cond_consts, n_body_consts):
    nz = [t is not None and C.is_inexact(p) for p, t in zip(primals, tangents)]
    _, nz_b, nz_k = _split(nz, n_cond_consts, n_body_consts)
    nz_k = C.carry_fixpoint(body, nz_b, nz_k, [])
    cc, bc, carry = _split(primals, n_cond_consts, n_body_consts)
    _, t_b, t_k = _split(tangents, n_cond_consts, n_body_consts)
    examples = [example_of(a) for a in bc + carry]
    prog = C.jvp_program(body, examples, nz_b + nz_k, nz_k)
    # prog: (b, k, tb, tk) -> (k', tk'); the loop wants (b, tb, k, tk)
    n_b, n_k, n_tb = len(bc), len(carry), sum(nz_b)
    order = (list(range(n_b)) + list(range(n_b + n_k, n_b + n_k + n_tb)) + list(range(n_b, n_b + n_k))
             + list(range(n_b + n_k + n_tb, len(prog.inputs))))
    prog = C.permute(prog, order)
    tb = [t for t, z in zip(t_b, nz_b) if z]
    tk = [fnp.zeros_like(p) if t is None else t for p, t, z in zip(carry, t_k, nz_k) if z]
    t_examples = [example_of(t) for t in tk]
    cond2 = C.with_unused_inputs(cond, after=t_examples)
    out = bind_while(cc, bc + tb, carry + tk, cond2, prog)
    t_it = iter(out[n_k:])
    return tuple(out[:n_k]), tuple(next(t_it) if z else None for z in nz_k)


def _while_vjp_fwd(*args, cond, body, n_cond_consts, n_body_consts, wrt=None):
    """Reverse mode is refused where a float carry reads a traced operand (JAX's rule); a loop whose
    outputs carry no derivative (a traced value read only by the predicate) runs as usual."""
    diff = C.diff_flags(args, wrt)
    _, d_b, d_k = _split(diff, n_cond_consts, n_body_consts)
    if any(C.carry_fixpoint(body, d_b, d_k, [])):
        raise ValueError(REVERSE_MODE_ERROR)
    out = while_p.bind(*args, cond=cond, body=body, n_cond_consts=n_cond_consts, n_body_consts=n_body_consts)
    return out, None


def _while_vjp(argnum, g, ans, *args, **params):
    return None  # (only reached for loops whose outputs carry no derivative: see _while_vjp_fwd)


def _while_batch(prim, args, dims, params):
    cond, body = params["cond"], params["body"]
    n_cc, n_bc = params["n_cond_consts"], params["n_body_consts"]
    size = axis_size(args, dims)
    b = [d is not None for d in dims]
    b_c, b_b, b_k = _split(b, n_cc, n_bc)
    b_k = C.carry_fixpoint(body, b_b, b_k, [])
    pred_batched = C.depends(cond, b_c + b_k)[0]
    if pred_batched:
        b_k = [True] * len(b_k)
    cc, bc, carry = _split(args, n_cc, n_bc)
    d_c, d_b, d_k = _split(dims, n_cc, n_bc)
    cc = [C.batch_first(a, d, size, w) for a, d, w in zip(cc, d_c, b_c)]
    bc = [C.batch_first(a, d, size, w) for a, d, w in zip(bc, d_b, b_b)]
    carry = [C.batch_first(a, d, size, w) for a, d, w in zip(carry, d_k, b_k)]
    axes = lambda flags: [0 if f else None for f in flags]  # noqa: E731
    ex_c, ex_b, ex_k = ([example_of(a) for a in xs] for xs in (cc, bc, carry))
    if not pred_batched:
        cond_b = C.batched_program(cond, ex_c + ex_k, axes(b_c + b_k), [None], size)
        body_b = C.batched_program(body, ex_b + ex_k, axes(b_b + b_k), axes(b_k), size)
        return bind_while(cc, bc, carry, cond_b, body_b), axes(b_k)
    cond_b = C.batched_program(cond, ex_c + ex_k, axes(b_c + b_k), [0], size)
    body_b = C.batched_program(body, ex_b + ex_k, axes(b_b + b_k), axes(b_k), size)
    n_c, n_b = len(cc), len(bc)

    def any_left(*a):
        return [fnp.any(eval_program(cond_b, list(a))[0])]

    def step(*a):
        c, b_, k = a[:n_c], a[n_c:n_c + n_b], list(a[n_c + n_b:])
        pred = eval_program(cond_b, list(c) + k)[0]
        new = eval_program(body_b, list(b_) + k)
        return [fnp.where(fnp.reshape(pred, (size,) + (1,) * (np.ndim(example_of(o)) - 1)), o, old)
                for o, old in zip(new, k)]

    cond_any = C.stage_flat(any_left, ex_c + ex_k).program
    body_sel = C.stage_flat(step, ex_c + ex_b + ex_k).program
    return bind_while(cc, cc + bc, carry, cond_any, body_sel), axes(b_k)


def _while_depends(params, flags):
    f_c, f_b, f_k = _split(flags, params["n_cond_consts"], params["n_body_consts"])
    f_k = C.carry_fixpoint(params["body"], f_b, f_k, [])
    if C.depends(params["cond"], f_c + f_k)[0]:  # how many steps run reads the flagged inputs
        return [True] * len(f_k)
    return f_k


while_p = Primitive("while", _while_impl, vjp=_while_vjp, joint_jvp=_while_jvp, vjp_fwd=_while_vjp_fwd,
                    batch=_while_batch, multiple_results=True)
C.DEPENDENCY_RULES[while_p] = _while_depends
