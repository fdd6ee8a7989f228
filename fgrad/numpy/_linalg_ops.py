"""Array products: matmul and einsum are primitives; dot, tensordot, inner, outer, kron, ... are built on them.

``matmul``'s rules are the two GEMMs ``g @ B^T`` and ``A^T @ g`` (batched, summed
over broadcast batch dimensions only when the shapes differ). ``einsum``'s VJP for
an operand is another einsum of the cotangent with the other operands.
``diagonal`` and ``diag_embed`` (its transpose: a vector written onto a diagonal
of zeros) are a pair of linear primitives, each the other's derivative.

Under ``vmap``, a matmul with one operand mapped puts the batch into the rows (or
columns) of one large product instead of copying the other operand per example;
an einsum gives the batch axis a letter of its own.
"""
from __future__ import annotations

import functools
import string
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import math

import numpy as np

from .. import batching
from ._creation import astype
from ._elementwise import conjugate, unbroadcast, where
from ._reductions import sum as _sum
from ._shape import _norm_axes, broadcast_to, reshape, transpose
from ._util import array_module, defprim, dtype as dtype_of, shape

if TYPE_CHECKING:
    from ..core import Primitive
    from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "trace", "diagonal", "diag",
           "tril", "triu", "kron", "cross", "vecdot", "matvec", "vecmat"]


def _fmt(s):
    """A shape as NumPy's messages print it: (2,3), (3,), ()."""
    return "(" + ",".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"


def _mT(x):
    nd = len(shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# ------------------------------------------------------------------ matmul

def _matmul_vjp_a(g, ans, a, b):
    an, bn = len(shape(a)), len(shape(b))
    if an >= 2 and bn >= 2:
        return unbroadcast(_matmul.bind(g, _mT(b)), a)
    if an == 1 and bn == 1:
        return g * b
    if an == 1:  # (k,) @ (..., k, m): g is (..., m)
        ga = _matmul.bind(b, reshape(g, shape(g) + (1,)))
        return unbroadcast(reshape(ga, shape(ga)[:-1]), a)
    return unbroadcast(reshape(g, shape(g) + (1,)) * b, a)  # (..., n, k) @ (k,): outer products


def _matmul_vjp_b(g, ans, a, b):
    an, bn = len(shape(a)), len(shape(b))
    if bn == 2 and an > 2:
        # (..., n, k) @ (k, m): one GEMM over the stacked rows instead of a batch of them summed.
        k, m = shape(b)
        rows = math.prod(shape(a)[:-1])  # explicit: reshape(..., (-1, 0)) is ambiguous when m == 0
        return _matmul.bind(_mT(reshape(a, (rows, k))), reshape(g, (rows, m)))
    if an >= 2 and bn >= 2:
        return unbroadcast(_matmul.bind(_mT(a), g), b)
    if an == 1 and bn == 1:
        return g * a
    if bn == 1:  # (..., n, k) @ (k,): g is (..., n)
        gb = _matmul.bind(reshape(g, shape(g)[:-1] + (1, shape(g)[-1])), a)
        return unbroadcast(reshape(gb, shape(gb)[:-2] + shape(gb)[-1:]), b)
    return unbroadcast(reshape(a, shape(a) + (1,)) * reshape(g, shape(g)[:-1] + (1, shape(g)[-1])), b)


def _ex_shape(x, d):
    """One example's shape of a batched argument (batch axis ``d``, None when not mapped)."""
    s = batching._shape(x)
    return s if d is None else s[:d] + s[d + 1:]


def _matmul_batch(prim, args, dims, params):
    """One operand mapped: the batch joins its rows (or the other operand's columns), so a batch
    of products is a few large GEMMs (an unmapped weight is never copied per example). Both
    mapped: batch-first, 1-D operands as a row/column, one batched matmul."""
    a, b = args
    da, db = dims
    sa, sb = _ex_shape(a, da), _ex_shape(b, db)
    ra, rb = len(sa), len(sb)
    size = batching.axis_size(args, dims)
    if db is None:
        if ra == 1:  # a batch of vectors is a matrix of rows: (size, k) @ b
            out = _matmul.bind(batching.moveaxis(a, da, 0), b)
            return out, max(rb - 2, 0)
        if rb <= 2:  # b's rows pair with a's last axis only: every other axis of a is a row
            if da == 0:  # one GEMM over the batch's stacked rows
                rows = size * math.prod(sa[:-1])  # explicit: a -1 is ambiguous when k == 0
                out = _matmul.bind(batching.reshape(a, (rows, sa[-1])), b)
                return batching.reshape(out, (size,) + sa[:-1] + sb[1:]), 0
            if da < ra:  # among the leading axes or the rows already
                return _matmul.bind(a, b), da
            return _matmul.bind(batching.moveaxis(a, da, ra - 1), b), ra - 1  # after k: make it the rows
        a = batching.to_front(a, da)
        a = batching.reshape(a, (size,) + (1,) * (rb - ra) + sa)  # b's own batch dimensions broadcast
        return _matmul.bind(a, b), 0
    if da is None:
        if rb == 1:  # a batch of vectors is a matrix of columns: a @ (k, size)
            return _matmul.bind(a, batching.moveaxis(b, db, 1)), max(ra - 1, 0)
        if rb == 2 and ra >= 2:  # the batch joins b's columns: one GEMM
            k, m = sb
            if db == 2:  # (k, m, size): already columns
                out = _matmul.bind(a, batching.reshape(b, (k, m * size)))
                return batching.reshape(out, batching._shape(out)[:-1] + (m, size)), ra
            out = _matmul.bind(a, batching.reshape(batching.moveaxis(b, db, 1), (k, size * m)))
            return batching.reshape(out, batching._shape(out)[:-1] + (size, m)), ra - 1
        b = batching.to_front(b, db)
        b = batching.reshape(b, (size,) + (1,) * (ra - rb) + sb)
        return _matmul.bind(a, b), 0
    a, b = batching.to_front(a, da), batching.to_front(b, db)
    ma = sa if ra >= 2 else (1,) + sa
    mb = sb if rb >= 2 else sb + (1,)
    r = max(len(ma), len(mb))
    a = batching.reshape(a, (size,) + (1,) * (r - len(ma)) + ma)
    b = batching.reshape(b, (size,) + (1,) * (r - len(mb)) + mb)
    out_ex = np.broadcast_shapes(ma[:-2], mb[:-2]) + sa[-2:-1] * (ra >= 2) + sb[-1:] * (rb >= 2)
    return batching.reshape(_matmul.bind(a, b), (size,) + out_ex), 0


_matmul: Primitive = defprim("matmul", np.matmul, vjp=(_matmul_vjp_a, _matmul_vjp_b),
                  jvp=(lambda t, ans, a, b: _matmul.bind(t, b), lambda t, ans, a, b: _matmul.bind(a, t)),
                  reads_output=False, batch=_matmul_batch)


def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Matrix product with NumPy's rules: 1-D operands are promoted to a row/column and the
    leading (batch) dimensions broadcast.

    >>> fnp.matmul(fnp.array([[1, 2], [3, 4]]), fnp.array([1, 1]))
    array([3, 7])
    >>> fnp.matmul(fnp.ones((5, 2, 3)), fnp.ones((3, 4))).shape
    (5, 2, 4)
    """
    s1, s2 = shape(x1), shape(x2)
    if not s1 or not s2:
        raise ValueError(f"matmul: input operand shapes {_fmt(s1)} and {_fmt(s2)}: scalar operands are not "
                         "allowed, use '*' (multiply) instead")
    d2 = len(s2) - 2 if len(s2) > 1 else 0
    if s1[-1] != s2[d2]:
        raise ValueError(f"matmul: input operand shapes {_fmt(s1)} and {_fmt(s2)} are not aligned: "
                         f"{s1[-1]} (dim {len(s1) - 1}) != {s2[d2]} (dim {d2})")
    if len(s1) > 2 or len(s2) > 2:
        b1, b2 = s1[:-2], s2[:-2]
        if any(p != q and p != 1 and q != 1 for p, q in zip(b1[::-1], b2[::-1])):
            raise ValueError(f"matmul: the batch dimensions of input operand shapes {_fmt(s1)} and "
                             f"{_fmt(s2)} cannot be broadcast together: {_fmt(b1)} and {_fmt(b2)}")
    return _matmul.bind(x1, x2)


def dot(a: ArrayLike, b: ArrayLike, out: None = None) -> Array:
    """NumPy's dot: a product over the last axis of ``a`` and the second-to-last of ``b``
    (the only axis of a 1-D ``b``); a scalar operand multiplies.

    >>> fnp.dot(fnp.ones((2, 3)), fnp.ones(3))
    array([3., 3.])
    >>> fgrad.grad(fnp.dot)(fnp.array([1.0, 2.0]), fnp.array([3.0, 4.0]))
    array([3., 4.])
    """
    _no_out(out, "dot")
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        return a * b
    kb = len(sb) - 2 if len(sb) > 1 else 0
    if sa[-1] != sb[kb]:
        raise ValueError(f"dot: shapes {_fmt(sa)} and {_fmt(sb)} not aligned: {sa[-1]} (dim {len(sa) - 1}) != "
                         f"{sb[kb]} (dim {kb})")
    if len(sb) <= 2:
        return _matmul.bind(a, b)
    if len(sa) == 1:
        return _matmul.bind(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def vdot(a: ArrayLike, b: ArrayLike, /) -> Array:
    """Dot product of the flattened arrays, conjugating ``a`` when complex.

    >>> fnp.vdot(fnp.array([1 + 1j, 2]), fnp.array([1j, 1])).item()
    (3+1j)
    """
    if _size(a) != _size(b):
        raise ValueError(f"vdot: input operands of shapes {_fmt(shape(a))} and {_fmt(shape(b))} have "
                         f"different sizes ({_size(a)} and {_size(b)})")
    if np.issubdtype(dtype_of(a), np.complexfloating):
        a = conjugate(a)
    return _matmul.bind(reshape(a, (-1,)), reshape(b, (-1,)))


def inner(a: ArrayLike, b: ArrayLike, /) -> Array:
    """Sum product over the last axes: shape ``a.shape[:-1] + b.shape[:-1]``.

    >>> fnp.inner(fnp.array([[1, 2], [3, 4]]), fnp.array([1, 10]))
    array([21, 43])
    """
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        return a * b
    if sa[-1] != sb[-1]:
        raise ValueError(f"inner: shapes {_fmt(sa)} and {_fmt(sb)} not aligned: {sa[-1]} (dim {len(sa) - 1}) "
                         f"!= {sb[-1]} (dim {len(sb) - 1})")
    if len(sb) == 1:
        return _matmul.bind(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: ArrayLike, b: ArrayLike, out: None = None) -> Array:
    """Outer product of the flattened arrays: ``out[i, j] = a[i] * b[j]``.

    >>> fnp.outer(fnp.array([1, 2]), fnp.array([1, 10, 100]))
    array([[  1,  10, 100],
           [  2,  20, 200]])
    """
    _no_out(out, "outer")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def _size(x):
    return int(np.prod(shape(x), dtype=np.int64))


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"{name}: fgrad arrays are immutable, so out= is not supported; use the return value")


def _tensordot_axes(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: axes must be a non-negative integer, got {n}")
        if n > na or n > nb:
            raise ValueError(f"tensordot: cannot sum over {n} axes of arrays with {na} and {nb} dimensions")
        return tuple(range(na - n, na)), tuple(range(n))
    try:
        ax_a, ax_b = axes
    except (TypeError, ValueError):
        raise TypeError(f"tensordot: axes must be an integer or a pair of sequences of axes, got {axes!r}") from None
    ax_a = (ax_a,) if isinstance(ax_a, (int, np.integer)) else tuple(ax_a)
    ax_b = (ax_b,) if isinstance(ax_b, (int, np.integer)) else tuple(ax_b)
    if len(ax_a) != len(ax_b):
        raise ValueError(f"tensordot: shape-mismatch for sum: {len(ax_a)} axes of a and {len(ax_b)} of b")
    return _norm_axes(ax_a, na, "tensordot"), _norm_axes(ax_b, nb, "tensordot")


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | Sequence[Sequence[int]] = 2) -> Array:
    """Sum products over ``axes``: an int ``n`` pairs the last ``n`` axes of ``a`` with the first ``n``
    of ``b``; a pair of sequences names them. Computed as one matmul of reshaped operands.

    >>> fnp.tensordot(fnp.ones((2, 3, 4)), fnp.ones((4, 3, 5)), axes=([1, 2], [1, 0])).shape
    (2, 5)
    >>> fnp.tensordot(fnp.array([[1, 2], [3, 4]]), fnp.array([[1, 0], [0, 1]])).item()  # axes=2: sum a * b
    5
    """
    sa, sb = shape(a), shape(b)
    ax_a, ax_b = _tensordot_axes(axes, len(sa), len(sb))
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of a {_fmt(sa)} has size {sa[i]} but "
                             f"axis {j} of b {_fmt(sb)} has size {sb[j]}")
    free_a = tuple(i for i in range(len(sa)) if i not in ax_a)
    free_b = tuple(j for j in range(len(sb)) if j not in ax_b)
    k = int(np.prod([sa[i] for i in ax_a], dtype=np.int64))
    out_shape = tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b)
    # explicit sizes: -1 is ambiguous when a contracted axis has size 0
    a2 = reshape(transpose(a, free_a + ax_a), (math.prod(sa[i] for i in free_a), k))
    b2 = reshape(transpose(b, ax_b + free_b), (k, math.prod(sb[j] for j in free_b)))
    return reshape(_matmul.bind(a2, b2), out_shape)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """NumPy 2's vecdot: ``sum(conj(x1) * x2)`` along ``axis``, broadcasting the other dimensions.

    >>> fnp.vecdot(fnp.array([[1, 2], [3, 4]]), fnp.array([1, 1]))
    array([3, 7])
    """
    s1, s2 = shape(x1), shape(x2)
    if not s1 or not s2:
        raise ValueError(f"vecdot: needs arrays of vectors, got shapes {_fmt(s1)} and {_fmt(s2)}")
    ax1 = _norm_axes(axis, len(s1), "vecdot")[0]
    ax2 = _norm_axes(axis, len(s2), "vecdot")[0]
    if s1[ax1] != s2[ax2]:
        raise ValueError(f"vecdot: shapes {_fmt(s1)} and {_fmt(s2)} differ along axis {axis}: "
                         f"{s1[ax1]} != {s2[ax2]}")
    if np.issubdtype(dtype_of(x1), np.complexfloating):
        x1 = conjugate(x1)
    return _sum(_move_last(x1, ax1) * _move_last(x2, ax2), axis=-1)


def _move_last(x, ax):
    nd = len(shape(x))
    return transpose(x, tuple(i for i in range(nd) if i != ax) + (ax,))


def matvec(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """NumPy 2's matvec: matrix (..., m, n) times vector (..., n), batched.

    >>> fnp.matvec(fnp.array([[1, 2], [3, 4]]), fnp.array([[1, 0], [0, 1]]))  # two vectors
    array([[1, 3],
           [2, 4]])
    """
    if len(shape(x1)) < 2 or len(shape(x2)) < 1:
        raise ValueError(f"matvec: needs a matrix and a vector, got shapes {_fmt(shape(x1))} and {_fmt(shape(x2))}")
    res = matmul(x1, reshape(x2, shape(x2) + (1,)))
    return reshape(res, shape(res)[:-1])


def vecmat(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """NumPy 2's vecmat: conj(vector) (..., m) times matrix (..., m, n), batched.

    >>> fnp.vecmat(fnp.array([1, 1]), fnp.array([[1, 2], [3, 4]]))
    array([4, 6])
    """
    if len(shape(x1)) < 1 or len(shape(x2)) < 2:
        raise ValueError(f"vecmat: needs a vector and a matrix, got shapes {_fmt(shape(x1))} and {_fmt(shape(x2))}")
    if np.issubdtype(dtype_of(x1), np.complexfloating):
        x1 = conjugate(x1)
    s = shape(x1)
    res = matmul(reshape(x1, s[:-1] + (1, s[-1])), x2)
    return reshape(res, shape(res)[:-2] + shape(res)[-1:])


# ------------------------------------------------------------------ einsum

_LETTERS = string.ascii_letters


def _einsum_impl(*operands, subscripts, optimize):
    if optimize and (len(operands) < 2 or (len(operands) == 2 and _loop_size(subscripts, operands) < 1 << 15)):
        optimize = False  # path search costs more than it saves: one operand, or a small loop nest
    return np.einsum(subscripts, *operands, optimize=optimize)


def _loop_size(subscripts, operands):
    """Iterations of the naive einsum loop nest: the product of every letter's size."""
    sizes = {}
    for term, op in zip(subscripts.split("->")[0].split(","), operands):
        for c, n in zip(term, op.shape):
            if n > sizes.get(c, 1):
                sizes[c] = n
    total = 1
    for n in sizes.values():
        total *= n
    return total


def _einsum_vjp(k, g, ans, *operands, subscripts, optimize):
    """Cotangent of operand ``k``: einsum of ``g`` with the other operands, then broadcast along
    letters only operand ``k`` has and put on the diagonal for letters it repeats."""
    ins, out = subscripts.split("->")
    terms = ins.split(",")
    target = terms[k]
    xshape = shape(operands[k])
    sizes = dict(zip(target, xshape))
    uniq = "".join(dict.fromkeys(target))
    others = [(t, op) for j, (t, op) in enumerate(zip(terms, operands)) if j != k]
    known = set(out).union(*[t for t, _ in others])
    keep = "".join(c for c in uniq if c in known)
    v = _einsum.bind(g, *[op for _, op in others], optimize=optimize,
                     subscripts=",".join([out] + [t for t, _ in others]) + "->" + keep)
    if keep != uniq:  # summed in this operand alone: constant along those letters
        vs = dict(zip(keep, shape(v)))
        v = reshape(v, tuple(vs.get(c, 1) for c in uniq))
    want = tuple(sizes[c] for c in uniq)
    vshape = shape(v)
    if vshape != want:
        squash = tuple(i for i, (p, q) in enumerate(zip(vshape, want)) if p != q and q == 1)
        if squash:  # operand k was broadcast (size 1) against a larger operand
            v = _sum(v, axis=squash, keepdims=True)
        if shape(v) != want:
            v = broadcast_to(v, want)
    if len(uniq) == len(target):
        return v
    fresh = iter(c for c in _LETTERS if c not in subscripts)
    renamed, eyes, eye_terms, seen = [], [], [], set()
    xp = array_module(v)
    for c in target:
        if c in seen:
            d = next(fresh)
            renamed.append(d)
            eye_terms.append(c + d)
            eyes.append(xp.eye(sizes[c], dtype=dtype_of(v)))
        else:
            seen.add(c)
            renamed.append(c)
    return _einsum.bind(v, *eyes, optimize=optimize,
                        subscripts=",".join([uniq] + eye_terms) + "->" + "".join(renamed))


def _einsum_jvp(k, t, ans, *operands, subscripts, optimize):
    ops = list(operands)
    ops[k] = t
    return _einsum.bind(*ops, subscripts=subscripts, optimize=optimize)


def _einsum_batch(prim, args, dims, params):
    """A fresh letter for the batch axis, on the mapped operands where their batch axis is and first
    in the output: one einsum."""
    subscripts = params["subscripts"]
    ins, out = subscripts.split("->")
    letter = next((c for c in _LETTERS if c not in subscripts), None)
    if letter is None:
        raise ValueError("vmap: einsum has no subscript letter left for the batch axis (52 in use)")
    terms = [t if d is None else t[:d] + letter + t[d:] for t, d in zip(ins.split(","), dims)]
    return _einsum.bind(*args, subscripts=",".join(terms) + "->" + letter + out, optimize=params["optimize"]), 0


_einsum = defprim("einsum", _einsum_impl, vjp=_einsum_vjp, jvp=_einsum_jvp, reads_output=False,
                  batch=_einsum_batch)


def _sublist_to_subscripts(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) -> ('ab,bc->ac', operands)."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                out.append(_LETTERS[26:][s] if s < 26 else _LETTERS[s - 26])
            else:
                raise ValueError(f"einsum: subscript {s!r} in a sublist must be an integer in [0, 52) or Ellipsis")
        return "".join(out)
    pairs = args if len(args) % 2 == 0 else args[:-1]
    ops = list(pairs[0::2])
    subs = [letters(s) for s in pairs[1::2]]
    spec = ",".join(subs)
    if len(args) % 2:
        spec += "->" + letters(args[-1])
    return spec, ops


@functools.lru_cache(maxsize=1024)
def _parse_einsum(subscripts, shapes):
    """``subscripts`` in canonical form: explicit output, ellipses replaced by unused letters.

    Cached: a training loop asks the same question every step."""
    s = subscripts.replace(" ", "")
    bad = set(s) - set(_LETTERS) - set(".,->")
    if bad:
        raise ValueError(f"einsum: invalid subscript character(s) {sorted(bad)} in {subscripts!r}")
    if s.count("->") > 1 or ("-" in s.replace("->", "")) or (">" in s.replace("->", "")):
        raise ValueError(f"einsum: subscripts {subscripts!r} must contain at most one '->'")
    ins, arrow, out = s.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        more = "more" if len(shapes) > len(terms) else "fewer"
        raise ValueError(f"einsum: {more} operands ({len(shapes)}) provided than specified in the subscripts "
                         f"string {subscripts!r} ({len(terms)})")
    free = [c for c in _LETTERS if c not in s]
    ell_dims = []
    for i, (t, sh) in enumerate(zip(terms, shapes)):
        core = t.replace("...", "", 1)
        if "." in core:
            raise ValueError(f"einsum: invalid ellipsis in operand {i}'s subscripts {t!r}")
        if "..." in t:
            n = len(sh) - len(core)
            if n < 0:
                raise ValueError(f"einsum: subscripts {t!r} name more dimensions than operand {i} has "
                                 f"(shape {_fmt(sh)})")
        else:
            if len(t) != len(sh):
                raise ValueError(f"einsum: operand {i} has shape {_fmt(sh)} ({len(sh)} dimensions) but its "
                                 f"subscripts {t!r} name {len(t)}")
            n = 0
        ell_dims.append(n)
    n_ell = max(ell_dims, default=0)
    if n_ell > len(free):
        raise ValueError("einsum: too many dimensions for the 52 available subscript letters")
    ell = "".join(free[:n_ell])
    terms = [t.replace("...", ell[n_ell - n:] if n else "") for t, n in zip(terms, ell_dims)]
    if not arrow:
        counts = Counter("".join(terms))
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        if "..." in out:
            if "." in out.replace("...", "", 1):
                raise ValueError(f"einsum: invalid ellipsis in the output subscripts {out!r}")
            out = out.replace("...", ell)
        elif "." in out:
            raise ValueError(f"einsum: invalid ellipsis in the output subscripts {out!r}")
        elif n_ell:
            raise ValueError("einsum: output has more dimensions than subscripts given in einstein sum, but no "
                             "'...' ellipsis provided to broadcast the extra dimensions.")
        seen = "".join(terms)
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once")
            if c not in seen:
                raise ValueError(f"einsum: output subscript {c!r} never appeared in an input")
    return ",".join(terms) + "->" + out


def einsum(*operands: Any, out: None = None, optimize: bool | str = True, dtype: DTypeLike | None = None,
           casting: Literal["no", "equiv", "safe", "same_kind", "unsafe"] = "safe", order: str = "K") -> Array:
    """Einstein summation, as NumPy's: explicit (``'ij,jk->ik'``) or implicit (``'ij,jk'``) output,
    ``'...'`` broadcasting, repeated indices within an operand (``'ii->i'``, ``'ii'``), and the
    interleaved ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` form.

    Unlike NumPy, ``optimize`` defaults to True (as in JAX): contractions go through
    ``np.einsum``'s path search and BLAS, much faster for large operands. (For one operand,
    or two with a small loop nest, the search would cost more than it saves and is skipped.)

    >>> fnp.einsum('ij,jk->ik', fnp.ones((2, 3)), fnp.ones((3, 4))).shape
    (2, 4)
    >>> fnp.einsum('ii->i', fnp.array([[1, 2], [3, 4]]))
    array([1, 4])
    """
    _no_out(out, "einsum")
    if not operands:
        raise TypeError("einsum: no subscripts or operands given")
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        subscripts, ops = _sublist_to_subscripts(operands)
    if dtype is not None:
        for i, op in enumerate(ops):
            if not np.can_cast(dtype_of(op), dtype, casting):
                raise TypeError(f"einsum: operand {i} cannot be cast from {dtype_of(op)} to {np.dtype(dtype)} "
                                f"according to the rule {casting!r}")
        ops = [astype(op, dtype) for op in ops]
    spec = _parse_einsum(subscripts, tuple(shape(op) for op in ops))
    return _einsum.bind(*ops, subscripts=spec, optimize=optimize)


# ------------------------------------------------------------------ diagonals and triangles

def _diagonal_impl(x, offset, axis1, axis2):
    return np.diagonal(x, offset, axis1, axis2).copy()


def _diag_embed_impl(v, offset, axis1, axis2, shape):
    xp = array_module(v)
    out = xp.zeros(shape, dtype=v.dtype)
    view = xp.moveaxis(out, (axis1, axis2), (-2, -1))
    i = xp.arange(v.shape[-1])
    view[..., i + max(-offset, 0), i + max(offset, 0)] = v
    return out


def _diagonal_batch(prim, args, dims, params):
    """The batch axis stays where it is: the axes shift past it."""
    d = dims[0]
    ax1 = params["axis1"] + (params["axis1"] >= d)
    ax2 = params["axis2"] + (params["axis2"] >= d)
    return _diagonal.bind(args[0], offset=params["offset"], axis1=ax1, axis2=ax2), d - (ax1 < d) - (ax2 < d)


def _diag_embed_batch(prim, args, dims, params):
    """Batch-first values into a batch-first output."""
    v = batching.to_front(args[0], dims[0])
    return _diag_embed.bind(v, offset=params["offset"], axis1=params["axis1"] + 1, axis2=params["axis2"] + 1,
                            shape=(batching._shape(v)[0],) + tuple(params["shape"])), 0


_diagonal: Primitive = defprim("diagonal", _diagonal_impl,
                    vjp=(lambda g, ans, x, offset, axis1, axis2:
                         _diag_embed.bind(g, offset=offset, axis1=axis1, axis2=axis2, shape=shape(x)),),
                    jvp=(lambda t, ans, x, offset, axis1, axis2:
                         _diagonal.bind(t, offset=offset, axis1=axis1, axis2=axis2),), linear=True,
                    batch=_diagonal_batch)
_diag_embed: Primitive = defprim("diag_embed", _diag_embed_impl,
                      vjp=(lambda g, ans, v, offset, axis1, axis2, shape:
                           _diagonal.bind(g, offset=offset, axis1=axis1, axis2=axis2),),
                      jvp=(lambda t, ans, v, offset, axis1, axis2, shape:
                           _diag_embed.bind(t, offset=offset, axis1=axis1, axis2=axis2, shape=shape),), linear=True,
                      batch=_diag_embed_batch)


def _diag_axes(a, axis1, axis2, name):
    nd = len(shape(a))
    if nd < 2:
        raise ValueError(f"{name}: needs an array of at least two dimensions, got shape {_fmt(shape(a))}")
    ax1 = _norm_axes(axis1, nd, f"{name}: axis1")[0]
    ax2 = _norm_axes(axis2, nd, f"{name}: axis2")[0]
    if ax1 == ax2:
        raise ValueError(f"{name}: axis1 and axis2 cannot be the same (both are axis {ax1})")
    return ax1, ax2


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The ``offset`` diagonal of the ``axis1``/``axis2`` planes, as the last axis.

    NumPy returns a read-only view; this returns a new array.

    >>> fnp.diagonal(fnp.arange(9.0).reshape(3, 3), 1)
    array([1., 5.])
    """
    ax1, ax2 = _diag_axes(a, axis1, axis2, "diagonal")
    return _diagonal.bind(a, offset=int(offset), axis1=ax1, axis2=ax2)


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: DTypeLike | None = None,
          out: None = None) -> Array:
    """Sum along a diagonal: ``sum(diagonal(a, offset, axis1, axis2), -1)``.

    >>> fnp.trace(fnp.array([[1, 2], [3, 4]])).item()
    5
    >>> fgrad.grad(fnp.trace)(fnp.ones((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    _no_out(out, "trace")
    ax1, ax2 = _diag_axes(a, axis1, axis2, "trace")
    return _sum(_diagonal.bind(a, offset=int(offset), axis1=ax1, axis2=ax2), axis=-1, dtype=dtype)


def diag(v: ArrayLike, k: int = 0) -> Array:
    """A 1-D ``v`` on the ``k``-th diagonal of a square matrix, or the ``k``-th diagonal of a 2-D ``v``.

    >>> fnp.diag(fnp.asarray([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    >>> fnp.diag(fnp.array([[1, 2], [3, 4]]), k=1)
    array([2])
    """
    s = shape(v)
    k = int(k)
    if len(s) == 1:
        n = s[0] + abs(k)
        return _diag_embed.bind(v, offset=k, axis1=0, axis2=1, shape=(n, n))
    if len(s) == 2:
        return _diagonal.bind(v, offset=k, axis1=0, axis2=1)
    raise ValueError(f"diag: input must be 1- or 2-d, got shape {_fmt(s)}")


def _triangle(m, keep_lower, k, name):
    s = shape(m)
    if not s:
        raise ValueError(f"{name}: input must have at least one dimension, got a scalar")
    xp = array_module(m)
    n_rows, n_cols = (s[-2], s[-1]) if len(s) > 1 else (s[-1], s[-1])
    mask = xp.tri(n_rows, n_cols, k if keep_lower else k - 1, dtype=bool)
    if not keep_lower:
        mask = ~mask
    return where(mask, m, xp.zeros((), dtype=dtype_of(m)))  # (a 0-d zero: m may be batched under vmap)


def tril(m: ArrayLike, k: int = 0) -> Array:
    """``m`` with the elements above the ``k``-th diagonal zeroed (on the last two axes).

    >>> fnp.tril(fnp.array([[1, 2], [3, 4]]))
    array([[1, 0],
           [3, 4]])
    """
    return _triangle(m, True, int(k), "tril")


def triu(m: ArrayLike, k: int = 0) -> Array:
    """``m`` with the elements below the ``k``-th diagonal zeroed (on the last two axes).

    >>> fnp.triu(fnp.array([[1, 2, 3], [4, 5, 6]]), k=1)
    array([[0, 2, 3],
           [0, 0, 6]])
    """
    return _triangle(m, False, int(k), "triu")


def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """Kronecker product: blocks ``a[i, j] * b``, for operands of any dimensions.

    >>> fnp.kron(fnp.array([1, 10]), fnp.array([1, 2, 3]))
    array([ 1,  2,  3, 10, 20, 30])
    >>> fnp.kron(fnp.eye(2), fnp.ones((2, 2))).shape
    (4, 4)
    """
    sa, sb = shape(a), shape(b)
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + tuple(sa)
    sb = (1,) * (nd - len(sb)) + tuple(sb)
    ra = reshape(a, tuple(x for n in sa for x in (n, 1)))
    rb = reshape(b, tuple(x for n in sb for x in (1, n)))
    return reshape(ra * rb, tuple(p * q for p, q in zip(sa, sb)))


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
          ) -> Array:
    """Cross product of 3-element vectors along ``axisa``/``axisb`` (``axis`` sets all three),
    broadcasting the other dimensions. (NumPy's deprecated 2-element form is not supported.)

    >>> fnp.cross(fnp.array([1, 0, 0]), fnp.array([0, 1, 0]))
    array([0, 0, 1])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    sa, sb = shape(a), shape(b)
    if not sa or not sb:
        raise ValueError("cross: inputs must be arrays of vectors, got a scalar")
    ax_a = _norm_axes(axisa, len(sa), "cross: axisa")[0]
    ax_b = _norm_axes(axisb, len(sb), "cross: axisb")[0]
    if sa[ax_a] != 3 or sb[ax_b] != 3:
        raise ValueError(f"cross: incompatible dimensions for cross product: vectors of lengths {sa[ax_a]} and "
                         f"{sb[ax_b]} (shapes {_fmt(sa)} and {_fmt(sb)}); fgrad supports 3-element vectors")
    rdt = np.result_type(dtype_of(a), dtype_of(b))
    eps = np.zeros((3, 3, 3), dtype=rdt)
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    eps = array_module(a, b).asarray(eps)
    c = einsum("ijk,...j,...k->...i", eps, _move_last(a, ax_a), _move_last(b, ax_b))
    nd = len(shape(c))
    ax_c = _norm_axes(axisc, nd, "cross: axisc")[0]
    if ax_c == nd - 1:
        return c
    perm = list(range(nd - 1))
    perm.insert(ax_c, nd - 1)
    return transpose(c, tuple(perm))
