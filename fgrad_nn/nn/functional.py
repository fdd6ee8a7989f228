"""``torch.nn.functional`` (F): the pure array functions of ``fgrad.nn`` run on Tensors.

No math lives here, and no argument rule that the pure function checks itself. Each F
function checks torch's rules that concern Tensors (dtypes, in-place), then runs the
pure function through :func:`~fgrad_nn.nn._bridge.call_pure` (which unwraps the Tensors,
records the call on the autograd tape and wraps the result). Random functions take
their key from fgrad_nn's global generator.

HOW TO ADD A FAMILY: append a section at the end with a header comment
``# ---- <family> (fgrad.nn.<module>)``, import the pure module at the top of the file, and
write each F function as a thin wrapper. Keep torch's signatures, keyword arguments
included (``inplace=`` where torch has it).

>>> import fgrad_nn as torch
>>> import fgrad_nn.nn.functional as F
>>> F.relu(torch.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence
from typing import Any, Optional, TYPE_CHECKING, Union

import numpy as np

from fgrad import backend as _backend
from fgrad.core import concrete as _concrete
from fgrad.nn import activation as _act, attention as _attn, conv as _conv, distance as _dist, dropout as _drop
from fgrad.nn import linear as _lin, loss as _loss, normalization as _norm, padding as _padding
from fgrad.nn import pooling as _pool, sparse as _sparse, upsampling as _up
from fgrad.nn.torch_rules import dtype_name as _dtype_name

from .. import _dtypes
from .._ops._common import cast as _cast
from .._ops.creation import tensor as _tensor, zeros as _zeros
from .._tensor import Tensor, inplace as _inplace
from ..autograd.grad_mode import no_grad
from ._bridge import call_pure as _call_pure
from .init import next_key

if TYPE_CHECKING:
    from ..types import DType

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d", "alpha_dropout",
           "avg_pool1d", "avg_pool2d", "avg_pool3d", "batch_norm", "bilinear", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "celu", "celu_", "conv1d", "conv2d", "conv3d",
           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_embedding_loss",
           "cosine_similarity", "cross_entropy", "dropout", "dropout1d", "dropout2d", "dropout3d", "elu",
           "elu_", "embedding", "embedding_bag", "feature_alpha_dropout", "fold", "gelu", "glu", "group_norm",
           "hardshrink",
           "hardsigmoid", "hardswish", "hardtanh", "hardtanh_", "huber_loss", "instance_norm", "interpolate",
           "kl_div", "l1_loss", "layer_norm", "leaky_relu", "leaky_relu_", "linear", "log_softmax",
           "logsigmoid", "lp_pool1d", "lp_pool2d", "margin_ranking_loss", "max_pool1d",
           "max_pool1d_with_indices", "max_pool2d", "max_pool2d_with_indices", "max_pool3d",
           "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "mish", "mse_loss",
           "multi_head_attention_forward", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance",
           "pixel_shuffle", "pixel_unshuffle", "prelu", "relu", "relu6", "relu_",
           "scaled_dot_product_attention", "selu", "selu_", "sigmoid", "silu", "smooth_l1_loss", "softmax",
           "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "threshold_",
           "unfold", "upsample", "upsample_bilinear", "upsample_nearest"]

# ---------------------------------------------------------------------------- shared helpers


def _run_inplace(fn, input, *others, name=None, **kwargs):
    """``input = fn(input, *others, **kwargs)`` in place (torch's ``inplace=True``); returns ``input``."""
    return _inplace(input, (lambda x, *o: fn(x, *o, **kwargs)) if kwargs else fn, others, name)


def _lift(fn, name, example):
    """The F function of the pure function ``fn`` (same signature): ``fn`` run on Tensors through ``call_pure``,
    recorded on the tape as ``name``; documented by ``fn``'s summary and ``example`` (on Tensors)."""
    @functools.wraps(fn)
    def f(*args, **kwargs):
        return _call_pure(fn, *args, name=name, **kwargs)
    f.__module__ = __name__
    summary = (fn.__doc__ or "").strip().split("\n\n")[0]
    f.__doc__ = f"{summary}\n\n{textwrap.dedent(example).strip()}\n"
    return f


def _unary(fn, input, inplace=False, name=None, **kwargs):
    if inplace:
        return _run_inplace(fn, input, name=name, **kwargs)
    return _call_pure(fn, input, name=name, **kwargs)


def _same_float_dtype(a, b, message):
    """torch refuses to mix float dtypes in matmul-like ops: RuntimeError(message.format(A, B))."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._np_dtype() != b._np_dtype():
        raise RuntimeError(message.format(_dtype_name(a._np_dtype()), _dtype_name(b._np_dtype())))


# ---------------------------------------------------------------------------- linear (fgrad.nn.linear)


def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """``input @ weight.T + bias``.

    >>> F.linear(torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([0.5, -0.5]))
    tensor([[1.5000, 2.5000]])
    """
    _same_float_dtype(input, weight, "mat1 and mat2 must have the same dtype, but got {} and {}")
    return _call_pure(_lin.linear, input, weight, bias, name="AddmmBackward0" if bias is not None else "MmBackward0")


bilinear = _lift(_lin.bilinear, "AddBackward0", """
    >>> F.bilinear(torch.ones(2, 3), torch.ones(2, 4), torch.ones(5, 3, 4)).shape
    torch.Size([2, 5])
""")


# ---------------------------------------------------------------------------- activations (fgrad.nn.activation)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit ``max(0, x)`` (``inplace=True`` overwrites ``input``).

    >>> F.relu(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0., 0., 3.])
    """
    return _unary(_act.relu, input, inplace, "ReluBackward0")


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.relu_(x) is x, x
    (True, tensor([0., 0., 3.]))
    """
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)`` elementwise.

    >>> F.relu6(torch.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """
    return _unary(_act.relu6, input, inplace, "HardtanhBackward0")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> F.leaky_relu(torch.tensor([-2.0, 0.0, 3.0]), negative_slope=0.1)
    tensor([-0.2000,  0.0000,  3.0000])
    """
    return _unary(_act.leaky_relu, input, inplace, "LeakyReluBackward0", negative_slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.leaky_relu_(x, 0.5)
    tensor([-1.,  0.,  3.])
    """
    return leaky_relu(input, negative_slope, True)


prelu = _lift(_act.prelu, "PreluKernelBackward0", """
    >>> F.prelu(torch.tensor([-2.0, 3.0]), torch.tensor([0.25]))
    tensor([-0.5000,  3.0000])
""")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> F.elu(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.8647,  0.0000,  3.0000])
    """
    return _unary(_act.elu, input, inplace, "EluBackward0", alpha=alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.elu_(x, alpha=2.0)
    tensor([-1.7293,  0.0000,  3.0000])
    """
    return elu(input, alpha, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> F.celu(torch.tensor([-2.0, 0.0, 3.0]), alpha=2.0)
    tensor([-1.2642,  0.0000,  3.0000])
    """
    return _unary(_act.celu, input, inplace, "EluBackward0", alpha=alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.celu_(x)
    tensor([-0.8647,  0.0000,  3.0000])
    """
    return celu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalising constants.

    >>> F.selu(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.5202,  0.0000,  3.1521])
    """
    return _unary(_act.selu, input, inplace, "EluBackward0")


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.selu_(x)
    tensor([-1.5202,  0.0000,  3.1521])
    """
    return selu(input, True)


gelu = _lift(_act.gelu, "GeluBackward0", """
    >>> F.gelu(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    >>> F.gelu(torch.tensor([-1.0, 0.0, 1.0]), approximate='tanh')
    tensor([-0.1588,  0.0000,  0.8412])
""")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish).

    >>> F.silu(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.2384,  0.0000,  2.8577])
    """
    return _unary(_act.silu, input, inplace, "SiluBackward0")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> F.mish(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.2525,  0.0000,  2.9865])
    """
    return _unary(_act.mish, input, inplace, "MishBackward0")


sigmoid = _lift(_act.sigmoid, "SigmoidBackward0", """
    >>> F.sigmoid(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0.1192, 0.5000, 0.9526])
""")
tanh = _lift(_act.tanh, "TanhBackward0", """
    >>> F.tanh(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.9640,  0.0000,  0.9951])
""")
softplus = _lift(_act.softplus, "SoftplusBackward0", """
    >>> F.softplus(torch.tensor([-2.0, 0.0, 3.0]), beta=2.0)
    tensor([0.0091, 0.3466, 3.0012])
""")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``.

    >>> F.hardtanh(torch.tensor([-2.0, 0.0, 3.0]), -1.0, 2.0)
    tensor([-1.,  0.,  2.])
    """
    return _unary(_act.hardtanh, input, inplace, "HardtanhBackward0", min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.hardtanh_(x)
    tensor([-1.,  0.,  1.])
    """
    return hardtanh(input, min_val, max_val, True)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``.

    >>> F.hardswish(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.3333,  0.0000,  3.0000])
    """
    return _unary(_act.hardswish, input, inplace, "HardswishBackward0")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``.

    >>> F.hardsigmoid(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([0.1667, 0.5000, 1.0000])
    """
    return _unary(_act.hardsigmoid, input, inplace, "HardsigmoidBackward0")


def _softmax_like(fn, name, input, dim, _stacklevel, dtype):
    if dim is None:
        dim = _act.softmax_dim(fn.__name__, input.dim(), _stacklevel + 1)
    np_dt = None if dtype is None else _dtypes.to_np(dtype)
    if np_dt is not None and _backend.is_bfloat16(input._np_dtype()):  # (torch casts first, then computes)
        input = _cast(input, np_dt)
    return _call_pure(fn, input, name=name, dim=dim, dtype=np_dt)


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Optional[DType] = None
            ) -> Tensor:
    """Softmax along ``dim`` (optionally computed in ``dtype``).

    >>> F.softmax(torch.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[0.0900, 0.2447, 0.6652]])
    """
    return _softmax_like(_act.softmax, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Optional[DType] = None
                ) -> Tensor:
    """``log(softmax(input))`` along ``dim``, computed stably.

    >>> F.log_softmax(torch.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[-2.4076, -1.4076, -0.4076]])
    """
    return _softmax_like(_act.log_softmax, "LogSoftmaxBackward0", input, dim, _stacklevel, dtype)


def softmin(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Optional[DType] = None
            ) -> Tensor:
    """Softmax of ``-input`` along ``dim``.

    >>> F.softmin(torch.tensor([[1.0, 2.0, 3.0]]), dim=1)
    tensor([[0.6652, 0.2447, 0.0900]])
    """
    return _softmax_like(_act.softmin, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


logsigmoid = _lift(_act.logsigmoid, "LogSigmoidBackward0", """
    >>> F.logsigmoid(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-2.1269, -0.6931, -0.0486])
""")
softsign = _lift(_act.softsign, "DivBackward0", """
    >>> F.softsign(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-0.6667,  0.0000,  0.7500])
""")
tanhshrink = _lift(_act.tanhshrink, "SubBackward0", """
    >>> F.tanhshrink(torch.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.0360,  0.0000,  2.0049])
""")
softshrink = _lift(_act.softshrink, "SoftshrinkBackward0", """
    >>> F.softshrink(torch.tensor([-2.0, 0.0, 3.0]), 0.5)
    tensor([-1.5000,  0.0000,  2.5000])
""")
hardshrink = _lift(_act.hardshrink, "HardshrinkBackward0", """
    >>> F.hardshrink(torch.tensor([-2.0, 0.25, 3.0]), 0.5)
    tensor([-2.,  0.,  3.])
""")


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    >>> F.threshold(torch.tensor([-2.0, 0.0, 3.0]), 0.5, -1.0)
    tensor([-1., -1.,  3.])
    """
    return _unary(_act.threshold, input, inplace, "ThresholdBackward0", threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    >>> x = torch.tensor([-2.0, 0.0, 3.0])
    >>> F.threshold_(x, 0.5, 10.0)
    tensor([10., 10.,  3.])
    """
    return globals()["threshold"](input, threshold, value, True)


glu = _lift(_act.glu, "GluBackward0", """
    >>> F.glu(torch.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
""")


# ---------------------------------------------------------------------------- dropout (fgrad.nn.dropout)


def _dropout_call(fn, input, p, training, inplace, name, generator=None):
    if not training:
        fn(_concrete(input._data), p, False)  # torch's argument checks; in eval the input itself comes back
        return input
    key = next_key(generator)
    return _unary(fn, input, inplace, name, p=p, training=True, key=key)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability ``p`` in training, scaling the rest by ``1 / (1 - p)``.

    >>> F.dropout(torch.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    >>> sorted(set(F.dropout(torch.ones(1000), p=0.5).tolist()))
    [0.0, 2.0]
    """
    return _dropout_call(_drop.dropout, input, p, training, inplace, "MulBackward0")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) inputs with probability ``p``.

    >>> y = F.dropout1d(torch.ones(2, 8, 5), p=0.5)
    >>> bool(((y == 0) | (y == 2)).all())
    True
    """
    return _dropout_call(_drop.dropout1d, input, p, training, inplace, "MulBackward0")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` inputs with probability ``p``.

    >>> y = F.dropout2d(torch.ones(2, 8, 3, 3), p=0.5)
    >>> bool((y.amax(dim=(2, 3)) == y.amin(dim=(2, 3))).all())
    True
    """
    return _dropout_call(_drop.dropout2d, input, p, training, inplace, "MulBackward0")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` inputs with probability ``p``.

    >>> F.dropout3d(torch.ones(2, 4, 2, 2, 2), p=0.5).shape
    torch.Size([2, 4, 2, 2, 2])
    """
    return _dropout_call(_drop.dropout3d, input, p, training, inplace, "MulBackward0")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance.

    >>> F.alpha_dropout(torch.ones(3), p=0.2, training=False)
    tensor([1., 1., 1.])
    """
    return _dropout_call(_drop.alpha_dropout, input, p, training, inplace, "AddBackward0")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels.

    >>> F.feature_alpha_dropout(torch.ones(2, 4, 3), p=0.2).shape
    torch.Size([2, 4, 3])
    """
    return _dropout_call(_drop.feature_alpha_dropout, input, p, training, inplace, "AddBackward0")


# ---------------------------------------------------------------------------- sparse (fgrad.nn.sparse)


def _check_indices(input, fn):
    if not isinstance(input, Tensor) or input._np_dtype().kind not in "iu":
        got = type(input).__name__ if not isinstance(input, Tensor) else \
            f"torch.{_dtype_name(input._np_dtype())}Tensor"
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for {fn})")


def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input`` (with ``padding_idx``/``max_norm`` as in nn.Embedding).

    >>> weight = torch.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
    >>> F.embedding(torch.tensor([[2, 1]]), weight)
    tensor([[[3., 4.],
             [1., 2.]]])
    """
    _check_indices(input, "embedding")
    n = weight.size(0)
    if padding_idx is not None:
        if padding_idx >= n or padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    if max_norm is not None:
        with no_grad():  # torch renormalises the referenced rows of weight in place
            _run_inplace(_sparse.embedding_renorm, weight, input, max_norm=max_norm, norm_type=norm_type)
    return _call_pure(_sparse.embedding, input, weight, name="EmbeddingBackward0", padding_idx=padding_idx,
                     scale_grad_by_freq=scale_grad_by_freq)


one_hot = _lift(_sparse.one_hot, None, """
    >>> F.one_hot(torch.tensor([0, 2, 1]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
""")


# ---------------------------------------------------------------------------- loss (fgrad.nn.loss)


mse_loss = _lift(_loss.mse_loss, "MseLossBackward0", """
    >>> F.mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 0.0]))
    tensor(4.3333)
""")
l1_loss = _lift(_loss.l1_loss, "MeanBackward0", """
    >>> F.l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 0.0]), reduction='none')
    tensor([0., 2., 3.])
""")
smooth_l1_loss = _lift(_loss.smooth_l1_loss, "SmoothL1LossBackward0", """
    >>> F.smooth_l1_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 0.0]))
    tensor(1.3333)
""")
huber_loss = _lift(_loss.huber_loss, "HuberLossBackward0", """
    >>> F.huber_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 0.0]), delta=2.0)
    tensor(2.)
""")
nll_loss = _lift(_loss.nll_loss, "NllLossBackward0", """
    >>> F.nll_loss(torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]])), torch.tensor([0, 1]))
    tensor(0.4904)
""")
cross_entropy = _lift(_loss.cross_entropy, "NllLossBackward0", """
    >>> F.cross_entropy(torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), torch.tensor([0, 2]))
    tensor(0.3955)
    >>> F.cross_entropy(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]), label_smoothing=0.1)
    tensor(0.3729)
""")
binary_cross_entropy = _lift(_loss.binary_cross_entropy, "BinaryCrossEntropyBackward0", """
    >>> F.binary_cross_entropy(torch.tensor([0.5, 0.9]), torch.tensor([1.0, 1.0]))
    tensor(0.3993)
""")
binary_cross_entropy_with_logits = _lift(_loss.binary_cross_entropy_with_logits,
                                         "BinaryCrossEntropyWithLogitsBackward0", """
    >>> F.binary_cross_entropy_with_logits(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 0.0]))
    tensor(1.4100)
""")
kl_div = _lift(_loss.kl_div, "KlDivBackward0", """
    >>> F.kl_div(torch.log(torch.tensor([[0.5, 0.5]])), torch.tensor([[0.25, 0.75]]), reduction='batchmean')
    tensor(0.1308)
""")
cosine_embedding_loss = _lift(_loss.cosine_embedding_loss, "MeanBackward0", """
    >>> F.cosine_embedding_loss(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([-1]))
    tensor(0.)
""")
margin_ranking_loss = _lift(_loss.margin_ranking_loss, "MeanBackward0", """
    >>> F.margin_ranking_loss(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 1.0]), torch.tensor([1.0, 1.0]), margin=0.5)
    tensor(0.7500)
""")


# ---------------------------------------------------------------------------- distance (fgrad.nn.distance)


normalize = _lift(_dist.normalize, "DivBackward0", """
    >>> F.normalize(torch.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1)
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
""")


def _default_floats(x1, x2):
    """torch computes the distance of two integer inputs in its default float dtype."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and not (x1.is_floating_point() or x1.is_complex()
                                                                  or x2.is_floating_point() or x2.is_complex()):
        dt = _dtypes.get_default_dtype()
        return x1.to(dt), x2.to(dt)
    return x1, x2


cosine_similarity = _lift(_dist.cosine_similarity, "SumBackward1", """
    >>> F.cosine_similarity(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]))
    tensor([0.7071])
""")


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The ``p``-norm distance of ``x1 - x2 + eps`` along the last dimension.

    >>> F.pairwise_distance(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]))
    tensor([5.0000])
    """
    x1, x2 = _default_floats(x1, x2)
    return _call_pure(_dist.pairwise_distance, x1, x2, name="NormBackward1", p=p, eps=eps, keepdim=keepdim)


# ---------------------------------------------------------------------------- conv (fgrad.nn.conv)


def _conv_dtype(input, weight):
    _same_float_dtype(input, weight, "expected scalar type {} but found {}")


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: Union[int, Sequence[int]] = 1,
           padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1, groups: int = 1
           ) -> Tensor:
    """1-D convolution (cross-correlation) of ``input`` with ``weight`` (``groups``, ``stride``, ``padding``, ``dilation`` as in nn.Conv1d).

    >>> F.conv1d(torch.ones(1, 2, 5), torch.ones(3, 2, 3), padding=1).shape
    torch.Size([1, 3, 5])
    >>> F.conv1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2))
    tensor([[[2., 2., 2.]]])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv1d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: Union[int, Sequence[int]] = 1,
           padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1, groups: int = 1
           ) -> Tensor:
    """2-D convolution (cross-correlation) of ``input`` with ``weight`` (``groups``, ``stride``, ``padding``, ``dilation`` as in nn.Conv2d).

    >>> F.conv2d(torch.ones(1, 2, 5, 5), torch.ones(3, 2, 3, 3), padding=1).shape
    torch.Size([1, 3, 5, 5])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv2d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: Union[int, Sequence[int]] = 1,
           padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1, groups: int = 1
           ) -> Tensor:
    """3-D convolution (cross-correlation) of ``input`` with ``weight`` (``groups``, ``stride``, ``padding``, ``dilation`` as in nn.Conv3d).

    >>> F.conv3d(torch.ones(1, 2, 4, 4, 4), torch.ones(3, 2, 3, 3, 3), padding=1).shape
    torch.Size([1, 3, 4, 4, 4])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv3d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,
                     stride: Union[int, Sequence[int]] = 1, padding: Union[int, Sequence[int], str] = 0,
                     output_padding: Union[int, Sequence[int]] = 0, groups: int = 1,
                     dilation: Union[int, Sequence[int]] = 1) -> Tensor:
    """1-D transposed convolution (the gradient of conv1d with respect to its input).

    >>> F.conv_transpose1d(torch.ones(1, 2, 5), torch.ones(2, 3, 2), stride=2).shape
    torch.Size([1, 3, 10])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv_transpose1d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,
                     stride: Union[int, Sequence[int]] = 1, padding: Union[int, Sequence[int], str] = 0,
                     output_padding: Union[int, Sequence[int]] = 0, groups: int = 1,
                     dilation: Union[int, Sequence[int]] = 1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    >>> F.conv_transpose2d(torch.ones(1, 2, 5, 5), torch.ones(2, 3, 2, 2), stride=2).shape
    torch.Size([1, 3, 10, 10])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv_transpose2d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,
                     stride: Union[int, Sequence[int]] = 1, padding: Union[int, Sequence[int], str] = 0,
                     output_padding: Union[int, Sequence[int]] = 0, groups: int = 1,
                     dilation: Union[int, Sequence[int]] = 1) -> Tensor:
    """3-D transposed convolution (the gradient of conv3d with respect to its input).

    >>> F.conv_transpose3d(torch.ones(1, 2, 4, 4, 4), torch.ones(2, 3, 2, 2, 2), stride=2).shape
    torch.Size([1, 3, 8, 8, 8])
    """
    _conv_dtype(input, weight)
    return _call_pure(_conv.conv_transpose3d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


unfold = _lift(_conv.unfold, "Im2ColBackward0", """
    >>> F.unfold(torch.arange(9.0).reshape(1, 1, 3, 3), kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
""")
fold = _lift(_conv.fold, "Col2ImBackward0", """
    >>> F.fold(torch.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
""")


# ---------------------------------------------------------------------------- pooling (fgrad.nn.pooling)


max_pool1d = _lift(_pool.max_pool1d, "MaxPool2DWithIndicesBackward0", """
    >>> F.max_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 2.0]]]), 2)
    tensor([[[5., 3.]]])
""")
max_pool2d = _lift(_pool.max_pool2d, "MaxPool2DWithIndicesBackward0", """
    >>> F.max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
""")
max_pool3d = _lift(_pool.max_pool3d, "MaxPool3DWithIndicesBackward0", """
    >>> F.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
""")


def max_pool1d_with_indices(input: Tensor, kernel_size: Union[int, Sequence[int]],
                            stride: Optional[Union[int, Sequence[int]]] = None,
                            padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1,
                            ceil_mode: bool = False, return_indices: bool = True) -> Tensor:
    """1-D max pooling returning ``(values, indices)`` (the flat positions within each plane).

    >>> F.max_pool1d_with_indices(torch.tensor([[[1.0, 5.0, 3.0, 2.0]]]), 2)
    (tensor([[[5., 3.]]]), tensor([[[1, 2]]]))
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Union[int, Sequence[int]],
                            stride: Optional[Union[int, Sequence[int]]] = None,
                            padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1,
                            ceil_mode: bool = False, return_indices: bool = True) -> Tensor:
    """2-D max pooling returning ``(values, indices)`` (the flat positions within each plane).

    >>> y, idx = F.max_pool2d_with_indices(torch.arange(4*4.0).reshape(1, 1, 4, 4), 2)
    >>> y.shape, idx.shape
    (torch.Size([1, 1, 2, 2]), torch.Size([1, 1, 2, 2]))
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Union[int, Sequence[int]],
                            stride: Optional[Union[int, Sequence[int]]] = None,
                            padding: Union[int, Sequence[int], str] = 0, dilation: Union[int, Sequence[int]] = 1,
                            ceil_mode: bool = False, return_indices: bool = True) -> Tensor:
    """3-D max pooling returning ``(values, indices)`` (the flat positions within each plane).

    >>> y, idx = F.max_pool3d_with_indices(torch.arange(4*4*4.0).reshape(1, 1, 4, 4, 4), 2)
    >>> y.shape, idx.shape
    (torch.Size([1, 1, 2, 2, 2]), torch.Size([1, 1, 2, 2, 2]))
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


avg_pool1d = _lift(_pool.avg_pool1d, "AvgPool2DBackward0", """
    >>> F.avg_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 2.0]]]), 2)
    tensor([[[3.0000, 2.5000]]])
""")
avg_pool2d = _lift(_pool.avg_pool2d, "AvgPool2DBackward0", """
    >>> F.avg_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
""")
avg_pool3d = _lift(_pool.avg_pool3d, "AvgPool3DBackward0", """
    >>> F.avg_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
""")


def _unpool_size(output_size):
    return None if output_size is None else [int(s) for s in output_size]


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Union[int, Sequence[int]],
                 stride: Optional[Union[int, Sequence[int]]] = None, padding: Union[int, Sequence[int], str] = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool1d: values placed at ``indices``, zeros elsewhere.

    >>> y, idx = F.max_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 2.0]]]), 2, return_indices=True)
    >>> F.max_unpool1d(y, idx, 2)
    tensor([[[0., 5., 3., 0.]]])
    """
    return _call_pure(_pool.max_unpool1d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Union[int, Sequence[int]],
                 stride: Optional[Union[int, Sequence[int]]] = None, padding: Union[int, Sequence[int], str] = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool2d: values placed at ``indices``, zeros elsewhere.

    >>> y, idx = F.max_pool2d(torch.arange(4*4.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(y, idx, 2).shape
    torch.Size([1, 1, 4, 4])
    """
    return _call_pure(_pool.max_unpool2d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Union[int, Sequence[int]],
                 stride: Optional[Union[int, Sequence[int]]] = None, padding: Union[int, Sequence[int], str] = 0,
                 output_size: Any = None) -> Tensor:
    """The inverse of max_pool3d: values placed at ``indices``, zeros elsewhere.

    >>> y, idx = F.max_pool3d(torch.arange(4*4*4.0).reshape(1, 1, 4, 4, 4), 2, return_indices=True)
    >>> F.max_unpool3d(y, idx, 2).shape
    torch.Size([1, 1, 4, 4, 4])
    """
    return _call_pure(_pool.max_unpool3d, input, indices, name="MaxUnpool3DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


adaptive_avg_pool1d = _lift(_pool.adaptive_avg_pool1d, "AdaptiveAvgPool2DBackward0", """
    >>> F.adaptive_avg_pool1d(torch.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    tensor([[[2., 4.]]])
""")
adaptive_avg_pool2d = _lift(_pool.adaptive_avg_pool2d, "AdaptiveAvgPool2DBackward0", """
    >>> F.adaptive_avg_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 1)
    tensor([[[[7.5000]]]])
    >>> F.adaptive_avg_pool2d(torch.ones(2, 3, 7, 5), (2, None)).shape
    torch.Size([2, 3, 2, 5])
""")
adaptive_avg_pool3d = _lift(_pool.adaptive_avg_pool3d, "AdaptiveAvgPool3DBackward0", """
    >>> F.adaptive_avg_pool3d(torch.ones(1, 2, 4, 4, 4), (1, 2, None)).shape
    torch.Size([1, 2, 1, 2, 4])
""")
adaptive_max_pool1d = _lift(_pool.adaptive_max_pool1d, "AdaptiveMaxPool2DBackward0", """
    >>> F.adaptive_max_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 2.0, 4.0]]]), 2, return_indices=True)
    (tensor([[[5., 4.]]]), tensor([[[1, 4]]]))
""")
adaptive_max_pool2d = _lift(_pool.adaptive_max_pool2d, "AdaptiveMaxPool2DBackward0", """
    >>> F.adaptive_max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
""")
adaptive_max_pool3d = _lift(_pool.adaptive_max_pool3d, "AdaptiveMaxPool3DBackward0", """
    >>> F.adaptive_max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 1)
    tensor([[[[[7.]]]]])
""")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = True) -> Tensor:
    """Adaptive 2-D max pooling to ``output_size``, returning ``(values, indices)``.

    >>> y, idx = F.adaptive_max_pool2d_with_indices(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> y
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> idx
    tensor([[[[ 5,  7],
              [13, 15]]]])
    """
    return adaptive_max_pool2d(input, output_size, True)


lp_pool1d = _lift(_pool.lp_pool1d, "PowBackward0", """
    >>> F.lp_pool1d(torch.tensor([[[3.0, 4.0, 0.0, 1.0]]]), 2, 2)
    tensor([[[5., 1.]]])
""")
lp_pool2d = _lift(_pool.lp_pool2d, "PowBackward0", """
    >>> F.lp_pool2d(torch.ones(1, 1, 4, 4), 2, 2)
    tensor([[[[2., 2.],
              [2., 2.]]]])
""")


# ---------------------------------------------------------------------------- normalization (fgrad.nn.normalization)


def _run_updating(stats_fn, input, running_mean, running_var, weight, bias, name, *flags):
    """Run ``stats_fn`` (returning ``(y, new_mean, new_var)``) and write the new running statistics into
    ``running_mean``/``running_var`` in place, as torch's batch_norm/instance_norm do."""
    def run(x, rm, rv, w, b):
        y, m, v = stats_fn(x, rm, rv, w, b, *flags)
        return y, {"running_mean": m, "running_var": v}

    buffers = {n: t for n, t in (("running_mean", running_mean), ("running_var", running_var))
               if isinstance(t, Tensor)}
    return _call_pure(run, input, running_mean, running_var, weight, bias, name=name, buffers=buffers)


def batch_norm(input: Tensor, running_mean: Tensor, running_var: Tensor, weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, training: bool = False, momentum: Optional[float] = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation with given running statistics (updated in place when ``training``).

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    >>> mean, var = torch.zeros(2), torch.ones(2)
    >>> F.batch_norm(x, mean, var, training=True, momentum=0.5)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    >>> mean, var
    (tensor([1., 2.]), tensor([1.5000, 4.5000]))
    """
    return _run_updating(_norm.batch_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", training, momentum, eps)


def instance_norm(input: Tensor, running_mean: Optional[Tensor] = None, running_var: Optional[Tensor] = None,
                  weight: Optional[Tensor] = None, bias: Optional[Tensor] = None, use_input_stats: bool = True,
                  momentum: Optional[float] = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dimensions.

    >>> F.instance_norm(torch.tensor([[[1.0, 3.0], [2.0, 2.0]]]))
    tensor([[[-1.0000,  1.0000],
             [ 0.0000,  0.0000]]])
    """
    return _run_updating(_norm.instance_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", use_input_stats, momentum, eps)


layer_norm = _lift(_norm.layer_norm, "NativeLayerNormBackward0", """
    >>> F.layer_norm(torch.tensor([[1.0, 2.0, 3.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
""")
group_norm = _lift(_norm.group_norm, "NativeGroupNormBackward0", """
    >>> F.group_norm(torch.tensor([[1.0, 3.0, 5.0, 5.0]]), 2)
    tensor([[-1.0000,  1.0000,  0.0000,  0.0000]])
""")


# ---------------------------------------------------------------------------- padding (fgrad.nn.padding)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Optional[Tensor] = None) -> Tensor:
    """Pad the last dimensions by ``pad = (left, right, top, bottom, ...)`` with ``mode`` constant, reflect, replicate or circular.

    >>> F.pad(torch.tensor([[1.0, 2.0]]), (1, 2), value=9.0)
    tensor([[9., 1., 2., 9., 9.]])
    >>> F.pad(torch.arange(3.0).reshape(1, 1, 3), (2, 1), mode='reflect')
    tensor([[[2., 1., 0., 1., 2., 1.]]])
    """
    return _call_pure(_padding.pad, input, name="ConstantPadNdBackward0" if mode == "constant" else
                     f"{mode.capitalize()}PadBackward0", pad=tuple(pad), mode=mode, value=value)


# ---------------------------------------------------------------------------- upsampling (fgrad.nn.upsampling)


interpolate = _lift(_up.interpolate, "UpsampleBackward0", """
    >>> F.interpolate(torch.tensor([[[1.0, 2.0]]]), scale_factor=2, mode='linear')
    tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    >>> F.interpolate(torch.arange(4.0).reshape(1, 1, 2, 2), size=(3, 3), mode='bilinear', align_corners=True)
    tensor([[[[0.0000, 0.5000, 1.0000],
              [1.0000, 1.5000, 2.0000],
              [2.0000, 2.5000, 3.0000]]]])
""")
upsample = _lift(_up.upsample, "UpsampleBackward0", """
    >>> F.upsample(torch.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
""")
upsample_nearest = _lift(_up.upsample_nearest, "UpsampleBackward0", """
    >>> F.upsample_nearest(torch.arange(4.0).reshape(1, 1, 2, 2), scale_factor=2).shape
    torch.Size([1, 1, 4, 4])
""")
upsample_bilinear = _lift(_up.upsample_bilinear, "UpsampleBackward0", """
    >>> F.upsample_bilinear(torch.arange(4.0).reshape(1, 1, 2, 2), size=3)
    tensor([[[[0.0000, 0.5000, 1.0000],
              [1.0000, 1.5000, 2.0000],
              [2.0000, 2.5000, 3.0000]]]])
""")
pixel_shuffle = _lift(_up.pixel_shuffle, "PixelShuffleBackward0", """
    >>> F.pixel_shuffle(torch.arange(8.0).reshape(1, 4, 1, 2), 2)
    tensor([[[[0., 2., 1., 3.],
              [4., 6., 5., 7.]]]])
""")
pixel_unshuffle = _lift(_up.pixel_unshuffle, "PixelUnshuffleBackward0", """
    >>> F.pixel_unshuffle(torch.arange(8.0).reshape(1, 1, 2, 4), 2).shape
    torch.Size([1, 4, 1, 2])
""")


# ---------------------------------------------------------------------------- attention (fgrad.nn.attention)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Optional[Tensor] = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: Optional[float] = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(q k^T * scale + mask) v``; boolean ``attn_mask`` True = take part, float = added.
    Rows with every key masked give zeros (torch 2.13's math kernel).

    >>> q = k = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> v = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[[1.0000, 2.0000],
             [2.3395, 3.3395]]])
    """
    dkey = next_key() if dropout_p > 0.0 else None
    return _call_pure(_attn.scaled_dot_product_attention, query, key, value, attn_mask, dropout_p, is_causal, scale,
                     enable_gqa, name="ScaledDotProductAttentionBackward0", dropout_key=dkey)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor, in_proj_bias: Tensor, bias_k: Tensor,
                                 bias_v: Tensor, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
                                 out_proj_bias: Tensor, training: bool = True,
                                 key_padding_mask: Optional[Tensor] = None, need_weights: bool = True,
                                 attn_mask: Optional[Tensor] = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight: Optional[Tensor] = None, k_proj_weight: Optional[Tensor] = None,
                                 v_proj_weight: Optional[Tensor] = None, static_k: Optional[Tensor] = None,
                                 static_v: Optional[Tensor] = None, average_attn_weights: bool = True,
                                 is_causal: bool = False) -> Tensor:
    """torch's F.multi_head_attention_forward (sequence-first inputs): ``(attn_output, attn_weights)``.

    >>> q = torch.zeros(5, 2, 8)  # (length, batch, embed)
    >>> w_in, b_in = torch.zeros(24, 8), torch.zeros(24)
    >>> w_out, b_out = torch.eye(8), torch.zeros(8)
    >>> out, weights = F.multi_head_attention_forward(q, q, q, 8, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out)
    >>> out.shape, weights.shape
    (torch.Size([5, 2, 8]), torch.Size([2, 5, 5]))
    """
    dkey = next_key() if (training and dropout_p > 0.0) else None
    return _call_pure(_attn.multi_head_attention_forward, query, key, value, embed_dim_to_check, num_heads,
                     in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                     out_proj_bias, training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                     q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights,
                     is_causal, dropout_key=dkey)

# ---------------------------------------------------------------------------- embedding bags
# Sums, means or maxima of bags of embedding rows, without the intermediate (bags, length, dim) tensor for
# sums and means (rows are added into their bag's output with index_add).


def _bags(input: Tensor, offsets: Optional[Tensor], include_last_offset: bool) -> tuple[Tensor, np.ndarray]:
    """The flat indices and each index's bag number (``-1`` for none, past ``include_last_offset``'s end)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, n = input.shape
        return input.reshape(-1), np.repeat(np.arange(b), n)
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = [int(o) for o in offsets.tolist()]
    n = input.shape[0]
    if starts and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    if starts and starts[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                           f"{starts[-1]}")
    bounds = starts if include_last_offset else starts + [n]
    bag = np.full(n, -1, dtype=np.int64)
    for i in range(len(bounds) - 1):
        bag[bounds[i]:bounds[i + 1]] = i
    return input, bag


def embedding_bag(input: Tensor, weight: Tensor, offsets: Optional[Tensor] = None, max_norm: Optional[float] = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Optional[Tensor] = None, include_last_offset: bool = False,
                  padding_idx: Optional[int] = None) -> Tensor:
    """The sum, mean or max of each bag of rows of ``weight``: bags are the rows of a 2-D ``input``, or the
    slices of a 1-D ``input`` starting at ``offsets``. Entries equal to ``padding_idx`` are left out; an
    empty bag gives zeros. ``per_sample_weights`` (``mode='sum'`` only) scales each row before the sum.

    >>> w = torch.tensor([[1.0, 1.0], [2.0, 4.0], [3.0, 0.0]])
    >>> F.embedding_bag(torch.tensor([0, 1, 2, 2]), w, torch.tensor([0, 2]), mode='sum')
    tensor([[3., 5.],
            [6., 0.]])
    >>> F.embedding_bag(torch.tensor([[0, 2]]), w, mode='max')
    tensor([[3., 1.]])
    """
    _check_indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature "
                                      "request on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({tuple(input.shape)})")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    n = weight.size(0)
    if padding_idx is not None:
        if padding_idx >= n or padding_idx < -n:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx %= n
    flat, bag = _bags(input, offsets, include_last_offset)
    num_bags = (input.shape[0] if input.ndim == 2 else
                offsets.shape[0] - (1 if include_last_offset else 0))  # type: ignore[union-attr]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    keep = bag >= 0
    if padding_idx is not None:
        keep &= flat.cpu().numpy() != padding_idx
    pos = np.flatnonzero(keep)
    dim = weight.shape[1]
    out_empty = _zeros(num_bags, dim, dtype=weight.dtype, device=weight.device)
    if mode == "max":
        counts = np.bincount(bag[pos], minlength=num_bags)
        width = int(counts.max()) if len(pos) else 0
        if width == 0:
            return out_empty + 0 * rows.sum()  # in the graph, zero gradient
        slot = np.zeros((num_bags, width), dtype=np.int64)
        filled = np.zeros((num_bags, width), dtype=bool)
        fill = np.zeros(num_bags, dtype=np.int64)
        for p in pos:
            b = bag[p]
            slot[b, fill[b]], filled[b, fill[b]] = p, True
            fill[b] += 1
        mask = _tensor(filled, device=weight.device).unsqueeze(-1)
        gathered = rows[_tensor(slot, device=weight.device)]
        low = _tensor(float("-inf"), dtype=weight.dtype, device=weight.device)
        best = gathered.where(mask, low).max(dim=1).values
        return best.where(_tensor(counts > 0, device=weight.device).unsqueeze(-1), out_empty)
    picked = rows[_tensor(pos, device=weight.device)]
    if per_sample_weights is not None:
        picked = picked * per_sample_weights.reshape(-1)[_tensor(pos, device=weight.device)].unsqueeze(-1)
    if mode == "mean":
        counts = np.bincount(bag[pos], minlength=num_bags)
        scale = 1.0 / np.maximum(counts, 1)[bag[pos]]
        picked = picked * _tensor(scale, dtype=weight.dtype, device=weight.device).unsqueeze(-1)
    return out_empty.index_add(0, _tensor(bag[pos], device=weight.device), picked)
