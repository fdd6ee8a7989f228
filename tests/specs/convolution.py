"""Specs for fgrad.convolution's primitives, each valued against torch.nn.functional.

The conv family and the linear pools are checked to order 2; the max-type pools too
(their derivative moves along fixed indices, so it is linear in the tangent), on
inputs with distinct values so no tie sits at a finite-difference step.
"""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fgrad.convolution as fc
from fgrad.core import PRIMITIVES
from fgrad.testing import strategies as fst

from ._spec import Spec, on_device_of


def _t(fn):
    """A NumPy reference from a torch function of tensors."""
    def ref(*arrays):
        out = fn(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])
        return out.numpy()
    return ref


def _arrays(*shapes):
    return lambda draw: tuple(draw(fst.arrays(s)) for s in shapes)


def _distinct(s):
    """Distinct values 0.1 apart: max pooling has kinks at ties."""
    def args(draw):
        n = int(np.prod(s))
        ints = draw(hnp.arrays(np.int64, (n,), elements=st.integers(-60, 60), unique=True))
        return ((ints * 0.1).reshape(s),)
    return args


X2, W2 = (2, 4, 5, 6), (6, 2, 3, 2)
CONV2 = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
X1, W1 = (2, 3, 7), (4, 3, 3)
X3, W3 = (1, 2, 4, 3, 4), (2, 2, 2, 2, 3)

_cig, _cwg = PRIMITIVES["conv_input_grad"], PRIMITIVES["conv_weight_grad"]
_IDX = np.array([[[0, 5, 5, 11], [3, 2, 0, 7]]])  # (1, 2, 4) per-plane positions, one repeat


def _gather(x):
    return PRIMITIVES["plane_gather"].bind(x, on_device_of(x, _IDX))


def _scatter(g):
    return PRIMITIVES["plane_scatter_add"].bind(g, on_device_of(g, _IDX), size=(3, 4), unique=False)


def _np_scatter(g):
    out = np.zeros((1, 2, 12))
    for c in range(2):
        np.add.at(out[0, c], _IDX[0, c], g[0, c])
    return out.reshape(1, 2, 3, 4)


SPECS = [
    # conv family, 1-D / 2-D / 3-D
    Spec("conv", lambda x, w: fc.conv(x, w, **CONV2), _arrays(X2, W2),
         reference=_t(lambda x, w: F.conv2d(x, w, **CONV2)), tags=("2d",)),
    Spec("conv", lambda x, w: fc.conv(x, w, padding="same", dilation=2), _arrays(X1, W1),
         reference=_t(lambda x, w: F.conv1d(x, w, padding="same", dilation=2)), tags=("1d same",)),
    Spec("conv", lambda x, w: fc.conv(x, w, stride=(1, 2, 1), padding=(1, 0, 1)), _arrays(X3, W3),
         reference=_t(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=(1, 0, 1))), tags=("3d",)),
    Spec("conv_input_grad", lambda x, w: fc.conv_transpose(x, w, stride=2, padding=1, output_padding=1, groups=2),
         _arrays((2, 4, 3, 3), (4, 3, 3, 2)),
         reference=_t(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2))),
    Spec("conv_input_grad", lambda x, w: fc.conv_transpose(x, w, stride=2, dilation=3, output_padding=2),
         _arrays((1, 3, 4), (3, 2, 2)),
         reference=_t(lambda x, w: F.conv_transpose1d(x, w, stride=2, dilation=3, output_padding=2)),
         tags=("1d output_padding >= stride",)),
    Spec("conv_weight_grad", lambda x, g: fc.conv_weight_grad(x, g, (3, 2), **CONV2), _arrays(X2, (2, 6, 3, 6)),
         reference=_t(lambda x, g: torch.nn.grad.conv2d_weight(x, (6, 2, 3, 2), g, **CONV2))),

    # pooling
    Spec("max_pool", lambda x: fc.max_pool(x, 3, stride=2, padding=1, ceil_mode=True), _distinct((2, 2, 6, 5)),
         reference=_t(lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))),
    Spec("max_pool", lambda x: fc.max_pool(x, 2, stride=1, dilation=2), _distinct((1, 2, 7)),
         reference=_t(lambda x: F.max_pool1d(x, 2, stride=1, dilation=2)), tags=("1d overlapping",)),
    Spec("adaptive_max_pool", lambda x: fc.adaptive_max_pool(x, (3, 4)), _distinct((1, 2, 7, 6)),
         reference=_t(lambda x: F.adaptive_max_pool2d(x, (3, 4)))),
    Spec("max_unpool", lambda x: fc.max_unpool(x, np.array([[[[0, 3], [10, 13]]]]), 2, output_size=(4, 4)),
         _arrays((1, 1, 2, 2)),
         reference=_t(lambda x: F.max_unpool2d(x, torch.tensor([[[[0, 3], [10, 13]]]]), 2, output_size=(4, 4)))),
    Spec("plane_gather", _gather, _arrays((1, 2, 3, 4)),
         reference=lambda x: np.take_along_axis(x.reshape(1, 2, 12), _IDX, axis=2)),
    Spec("plane_scatter_add", _scatter, _arrays((1, 2, 4)), reference=_np_scatter),
    Spec("avg_pool", lambda x: fc.avg_pool(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
         _arrays((2, 2, 6, 5)),
         reference=_t(lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))),
    Spec("avg_pool", lambda x: fc.avg_pool(x, (2, 1, 2), padding=(1, 0, 0), divisor_override=3),
         _arrays((1, 2, 3, 2, 4)),
         reference=_t(lambda x: F.avg_pool3d(x, (2, 1, 2), padding=(1, 0, 0), divisor_override=3)), tags=("3d",)),
    Spec("avg_pool_transpose", lambda x: PRIMITIVES["avg_pool_transpose"].bind(
        x, size=(5, 4), kernel=(2, 3), stride=(2, 1), padding=(1, 1), out=(3, 4), count_include_pad=True,
        divisor_override=None), _arrays((1, 2, 3, 4))),

    # resampling
    Spec("unfold", lambda x: fc.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
         _arrays((2, 3, 5, 4)),
         reference=_t(lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)))),
    Spec("fold", lambda c: fc.fold(c, (5, 4), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
         _arrays((2, 18, 10)),
         reference=_t(lambda c: F.fold(c, (5, 4), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)))),
]
