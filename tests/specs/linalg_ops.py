"""Specs for the array-product primitives (matmul, einsum, diagonal, diag_embed), against NumPy."""
import numpy as np
from hypothesis import strategies as st

import fgrad.numpy as fnp
from fgrad.testing import strategies as fst

from fgrad.nn.linear import linear as _nn_linear

from ._spec import Spec


def _sizes(draw, n):
    return [draw(st.integers(1, 4)) for _ in range(n)]


def _pair(shape_a, shape_b):
    """args() drawing two arrays whose shapes are given by letters: equal letters, equal sizes;
    '1' is a size-1 dimension (for broadcasting)."""
    def args(draw):
        letters = sorted(set((shape_a + shape_b).replace("1", "")))
        size = dict(zip(letters, _sizes(draw, len(letters))))
        sa = tuple(1 if c == "1" else size[c] for c in shape_a)
        sb = tuple(1 if c == "1" else size[c] for c in shape_b)
        return draw(fst.arrays(sa)), draw(fst.arrays(sb))
    return args


def _shaped(spec):
    """args() drawing one array per comma-separated letter shape in ``spec`` ('ij,jk')."""
    def args(draw):
        letters = sorted(set(spec.replace(",", "")))
        size = dict(zip(letters, _sizes(draw, len(letters))))
        return tuple(draw(fst.arrays(tuple(size[c] for c in term))) for term in spec.split(","))
    return args


def _ein(subscripts):
    return Spec("einsum", lambda *ops: fnp.einsum(subscripts, *ops),
                _shaped(subscripts.split("->")[0].replace("...", "z")),
                reference=lambda *ops: np.einsum(subscripts, *ops))


def _one(shape=None, **kw):
    return lambda draw: (draw(fst.arrays(shape, **kw)),)


SPECS = [
    # matmul: 2-D, 1-D promotion on either side, batches and their broadcasting
    Spec("matmul", fnp.matmul, _pair("nk", "km"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("k", "km"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("nk", "k"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("k", "k"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("bnk", "bkm"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("bnk", "km"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("nk", "bkm"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("a1nk", "bkm"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("k", "bkm"), reference=np.matmul),
    Spec("matmul", fnp.matmul, _pair("bnk", "k"), reference=np.matmul),
    Spec("matmul", lambda a, b: a @ b, _pair("nk", "km"), reference=np.matmul),
    Spec("matmul", fnp.dot, _pair("ank", "bkm"), reference=np.dot),
    Spec("matmul", lambda a, b: fnp.tensordot(a, b, axes=([0, 2], [2, 0])), _pair("abc", "cda"),
         reference=lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0]))),

    # fgrad.nn's linear primitive: x @ w.T
    Spec("linear", _nn_linear, _pair("nk", "mk"), reference=lambda x, w: x @ w.T),
    Spec("linear", _nn_linear, _pair("bnk", "mk"), reference=lambda x, w: x @ w.T),

    # einsum
    _ein("ij,jk->ik"),
    _ein("bij,bjk->bik"),
    _ein("ii->i"),
    _ein("ii"),
    _ein("i,i"),
    _ein("ij->"),
    _ein("...ij,...jk"),
    _ein("ij,j->i"),
    _ein("ij->ji"),
    _ein("iij,jk->ki"),
    _ein("ij,kl->"),
    _ein("i,j,k->ijk"),
    Spec("einsum", lambda a, b: fnp.einsum("ij,jk->ik", a, b), _pair("n1", "km"),
         reference=lambda a, b: np.einsum("ij,jk->ik", a, b)),
    Spec("einsum", lambda a, b: fnp.einsum("...ij,...jk->...ik", a, b), _pair("1nk", "bkm"),
         reference=lambda a, b: np.einsum("...ij,...jk->...ik", a, b)),

    # diagonal and its transpose
    Spec("diagonal", fnp.diagonal, _one(min_dims=2), reference=np.diagonal),
    Spec("diagonal", lambda x: fnp.diagonal(x, 1, 0, 2), _one(min_dims=3, max_dims=3),
         reference=lambda x: np.diagonal(x, 1, 0, 2)),
    Spec("diagonal", lambda x: fnp.diagonal(x, -1, -1, -2), _one(min_dims=2),
         reference=lambda x: np.diagonal(x, -1, -1, -2)),
    Spec("diagonal", lambda x: fnp.trace(x, 1), _one(min_dims=2), reference=lambda x: np.trace(x, 1)),
    Spec("diagonal", lambda x: fnp.diag(x, -1), _one(min_dims=2, max_dims=2), reference=lambda x: np.diag(x, -1)),
    Spec("diag_embed", fnp.diag, _one(min_dims=1, max_dims=1), reference=np.diag),
    Spec("diag_embed", lambda v: fnp.diag(v, 2), _one(min_dims=1, max_dims=1), reference=lambda v: np.diag(v, 2)),
    Spec("diag_embed", lambda v: fnp.diag(v, -1), _one(min_dims=1, max_dims=1), reference=lambda v: np.diag(v, -1)),
]
