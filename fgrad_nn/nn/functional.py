"""``torch.nn.functional`` (F): the pure array functions of ``fgrad.nn`` run on Tensors.

No math lives here. Each F function checks torch's argument rules that concern
Tensors (dtypes, in-place), then runs the pure function through ``_run`` (which
unwraps Tensors, records the call on the autograd tape and wraps the result).
Random functions take their key from fgrad_nn's global generator.

HOW TO ADD A FAMILY: append a section at the end with a header comment
``# ---- <family> (fgrad.nn.<module>)``, import the pure module with
``from fgrad.nn import <module> as _x`` at the top of the section, and write each F
function as a thin wrapper. Keep torch's signatures, keyword arguments included (``inplace=`` where torch has it).

>>> import fgrad_nn as torch
>>> import fgrad_nn.nn.functional as F
>>> F.relu(torch.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""
import numpy as np

from .. import _dtypes
from .._tensor import Tensor, apply, inplace as _inplace_op

# ---------------------------------------------------------------------------- shared helpers


def _run(fn, *args, name=None, **kwargs):
    """``fn(*args, **kwargs)`` on the arrays under the Tensors in ``args``; returns a Tensor."""
    return apply(fn, args, kwargs or None, name)


def _run_many(fn, *args, name=None, **kwargs):
    """Like ``_run`` for a function returning a tuple of arrays; returns a tuple of Tensors."""
    return apply(fn, args, kwargs or None, name, out_kind="many")


def _under_transform(*xs):
    """True when a Tensor holds a tracer of an fgrad transform (not the autograd tape)."""
    from fgrad.core import Tracer, VJPTracer
    from ..autograd._tape import TAPE
    for x in xs:
        d = x._data if isinstance(x, Tensor) else None
        if isinstance(d, Tracer) and not (type(d) is VJPTracer and d._trace is TAPE):
            return True
    return False


def _run_inplace(fn, input, *others, name=None, **kwargs):
    """``input = fn(input, *others, **kwargs)`` in place (torch's ``inplace=True``); returns ``input``.

    Inside an fgrad transform (``fgrad_nn.func.pure``) the storage cannot hold a tracer, so the
    Tensor is re-pointed at the traced result instead (derivatives then flow through it).
    """
    if _under_transform(input, *others):
        out = _run(fn, input, *others, name=name, **kwargs)
        input._data = out._data
        input._version[0] += 1
        return input
    return _inplace_op(input, (lambda x, *o: fn(x, *o, **kwargs)) if kwargs else fn, others, name)


def _unary(fn, input, inplace=False, name=None, **kwargs):
    if inplace:
        return _run_inplace(fn, input, name=name, **kwargs)
    return _run(fn, input, name=name, **kwargs)


def _check_tensor(x, fn, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


_DT_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
             "complex128": "ComplexDouble", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
             "uint8": "Byte", "bool": "Bool"}


def _dt_name(t):
    return _DT_NAMES.get(t.dtype.name, t.dtype.name)


def _same_float_dtype(a, b, message):
    """torch refuses to mix float dtypes in matmul-like ops: RuntimeError(message.format(A, B))."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._np_dtype() != b._np_dtype():
        raise RuntimeError(message.format(_dt_name(a), _dt_name(b)))


def _next_key(generator=None):
    from .init import next_key
    return next_key(generator)


# ---------------------------------------------------------------------------- linear (fgrad.nn.linear)
from fgrad.nn import linear as _lin  # noqa: E402


def linear(input, weight, bias=None):
    _same_float_dtype(input, weight, "mat1 and mat2 must have the same dtype, but got {} and {}")
    return _run(_lin.linear, input, weight, bias, name="AddmmBackward0" if bias is not None else "MmBackward0")


def bilinear(input1, input2, weight, bias=None):
    return _run(_lin.bilinear, input1, input2, weight, bias, name="AddBackward0")


# ---------------------------------------------------------------------------- activations (fgrad.nn.activation)
from fgrad.nn import activation as _act  # noqa: E402


def relu(input, inplace=False):
    return _unary(_act.relu, input, inplace, "ReluBackward0")


def relu_(input):
    return relu(input, inplace=True)


def relu6(input, inplace=False):
    return _unary(_act.relu6, input, inplace, "HardtanhBackward0")


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _unary(_act.leaky_relu, input, inplace, "LeakyReluBackward0", negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    return _run(_act.prelu, input, weight, name="PreluKernelBackward0")


def elu(input, alpha=1.0, inplace=False):
    return _unary(_act.elu, input, inplace, "EluBackward0", alpha=alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _unary(_act.celu, input, inplace, "EluBackward0", alpha=alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def selu(input, inplace=False):
    return _unary(_act.selu, input, inplace, "EluBackward0")


def selu_(input):
    return selu(input, True)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _run(_act.gelu, input, name="GeluBackward0", approximate=approximate)


def silu(input, inplace=False):
    return _unary(_act.silu, input, inplace, "SiluBackward0")


def mish(input, inplace=False):
    return _unary(_act.mish, input, inplace, "MishBackward0")


def sigmoid(input):
    return _run(_act.sigmoid, input, name="SigmoidBackward0")


def tanh(input):
    return _run(_act.tanh, input, name="TanhBackward0")


def softplus(input, beta=1.0, threshold=20.0):
    return _run(_act.softplus, input, name="SoftplusBackward0", beta=beta, threshold=threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _unary(_act.hardtanh, input, inplace, "HardtanhBackward0", min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def hardswish(input, inplace=False):
    return _unary(_act.hardswish, input, inplace, "HardswishBackward0")


def hardsigmoid(input, inplace=False):
    return _unary(_act.hardsigmoid, input, inplace, "HardsigmoidBackward0")


def _softmax_like(fn, name, input, dim, _stacklevel, dtype):
    from .. import _dtypes
    if dim is None:
        dim = _act.softmax_dim(fn.__name__, input.dim(), _stacklevel + 1)
    np_dt = None if dtype is None else _dtypes.to_np(dtype)
    return _run(fn, input, name=name, dim=dim, dtype=np_dt)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.softmax, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.log_softmax, "LogSoftmaxBackward0", input, dim, _stacklevel, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.softmin, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


def logsigmoid(input):
    return _run(_act.logsigmoid, input, name="LogSigmoidBackward0")


def softsign(input):
    return _run(_act.softsign, input, name="DivBackward0")


def tanhshrink(input):
    return _run(_act.tanhshrink, input, name="SubBackward0")


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _run(_act.softshrink, input, name="SoftshrinkBackward0", lambd=lambd)


def hardshrink(input, lambd=0.5):
    return _run(_act.hardshrink, input, name="HardshrinkBackward0", lambd=lambd)


def threshold(input, threshold, value, inplace=False):
    return _unary(_act.threshold, input, inplace, "ThresholdBackward0", threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return _run(_act.glu, input, name="GluBackward0", dim=dim)


# ---------------------------------------------------------------------------- dropout (fgrad.nn.dropout)
from fgrad.nn import dropout as _drop  # noqa: E402


def _dropout_call(fn, input, p, training, inplace, name, generator=None):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    key = _next_key(generator)
    return _unary(fn, input, inplace, name, p=p, training=True, key=key)


def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout_call(_drop.dropout, input, p, training, inplace, "MulBackward0")


def dropout1d(input, p=0.5, training=True, inplace=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _dropout_call(_drop.dropout1d, input, p, training, inplace, "MulBackward0")


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _dropout_call(_drop.dropout2d, input, p, training, inplace, "MulBackward0")


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _dropout_call(_drop.dropout3d, input, p, training, inplace, "MulBackward0")


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_call(_drop.alpha_dropout, input, p, training, inplace, "AddBackward0")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_call(_drop.feature_alpha_dropout, input, p, training, inplace, "AddBackward0")


# ---------------------------------------------------------------------------- sparse (fgrad.nn.sparse)
from fgrad.nn import sparse as _sparse  # noqa: E402


def _check_indices(input, fn):
    if not isinstance(input, Tensor) or input._np_dtype().kind not in "iu":
        got = type(input).__name__ if not isinstance(input, Tensor) else \
            f"torch.{_dt_name(input)}Tensor"
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for {fn})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    _check_indices(input, "embedding")
    n = weight.size(0)
    if padding_idx is not None:
        if padding_idx >= n or padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    if max_norm is not None:
        from ..autograd.grad_mode import no_grad
        with no_grad():  # torch renormalises the referenced rows of weight in place
            _run_inplace(_sparse.embedding_renorm, weight, input, max_norm=max_norm, norm_type=norm_type)
    return _run(_sparse.embedding, input, weight, name="EmbeddingBackward0", padding_idx=padding_idx,
                scale_grad_by_freq=scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    from .._tensor import raw_of, wrap
    return wrap(_sparse.one_hot(raw_of(tensor._data), num_classes))


# ---------------------------------------------------------------------------- loss (fgrad.nn.loss)
from fgrad.nn import loss as _loss  # noqa: E402


class _KeepValueError(Exception):
    pass


def _run_loss(fn, *args, name=None, **kwargs):
    """``_run`` for a loss: Tensors given by keyword (weight=, pos_weight=) are unwrapped too, and the pure
    function's ValueErrors (torch's type for e.g. a batch-size mismatch) are kept (``apply`` alone would
    turn them into RuntimeErrors)."""
    keys = [k for k, v in kwargs.items() if isinstance(v, Tensor)]
    tensors = tuple(kwargs.pop(k) for k in keys)
    n = len(args)
    caught = []

    def run(*vals):
        try:
            return fn(*vals[:n], **kwargs, **dict(zip(keys, vals[n:])))
        except ValueError as e:
            caught.append(e)
            raise _KeepValueError() from None

    try:
        return apply(run, args + tensors, None, name)
    except _KeepValueError:
        raise caught[0] from None


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _run_loss(_loss.mse_loss, input, target, name="MseLossBackward0", size_average=size_average,
                     reduce=reduce, reduction=reduction, weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _run_loss(_loss.l1_loss, input, target, name="MeanBackward0", size_average=size_average,
                     reduce=reduce, reduction=reduction, weight=weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    return _run_loss(_loss.smooth_l1_loss, input, target, name="SmoothL1LossBackward0",
                     size_average=size_average, reduce=reduce, reduction=reduction, beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    return _run_loss(_loss.huber_loss, input, target, name="HuberLossBackward0", reduction=reduction,
                     delta=delta, weight=weight)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _run_loss(_loss.nll_loss, input, target, weight=weight, name="NllLossBackward0",
                     size_average=size_average, ignore_index=ignore_index, reduce=reduce, reduction=reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    return _run_loss(_loss.cross_entropy, input, target, weight=weight, name="NllLossBackward0",
                     size_average=size_average, ignore_index=ignore_index, reduce=reduce, reduction=reduction,
                     label_smoothing=label_smoothing)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    return _run_loss(_loss.binary_cross_entropy, input, target, weight=weight, name="BinaryCrossEntropyBackward0",
                     size_average=size_average, reduce=reduce, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    return _run_loss(_loss.binary_cross_entropy_with_logits, input, target, weight=weight, pos_weight=pos_weight,
                     name="BinaryCrossEntropyWithLogitsBackward0", size_average=size_average, reduce=reduce,
                     reduction=reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    return _run_loss(_loss.kl_div, input, target, name="KlDivBackward0", size_average=size_average,
                     reduce=reduce, reduction=reduction, log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    return _run_loss(_loss.cosine_embedding_loss, input1, input2, target, name="MeanBackward0", margin=margin,
                     size_average=size_average, reduce=reduce, reduction=reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    return _run_loss(_loss.margin_ranking_loss, input1, input2, target, name="MeanBackward0", margin=margin,
                     size_average=size_average, reduce=reduce, reduction=reduction)


# ---------------------------------------------------------------------------- distance (fgrad.nn.distance)
from fgrad.nn import distance as _dist  # noqa: E402


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    return _run(_dist.normalize, input, name="DivBackward0", p=p, dim=dim, eps=eps, out=out)


def _default_floats(x1, x2):
    """torch computes the distance of two integer inputs in its default float dtype."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and not (x1.is_floating_point() or x1.is_complex()
                                                                  or x2.is_floating_point() or x2.is_complex()):
        dt = _dtypes.get_default_dtype()
        return x1.to(dt), x2.to(dt)
    return x1, x2


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _run(_dist.cosine_similarity, x1, x2, name="SumBackward1", dim=dim, eps=eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    x1, x2 = _default_floats(x1, x2)
    return _run(_dist.pairwise_distance, x1, x2, name="NormBackward1", p=p, eps=eps, keepdim=keepdim)


# ---------------------------------------------------------------------------- conv (fgrad.nn.conv)
from fgrad.nn import conv as _conv  # noqa: E402


def _conv_dtype(input, weight):
    _same_float_dtype(input, weight, "expected scalar type {} but found {}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv1d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                dilation=dilation, groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv2d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                dilation=dilation, groups=groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv3d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                dilation=dilation, groups=groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv_transpose1d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv_transpose2d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return _run(_conv.conv_transpose3d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    return _run(_conv.unfold, input, name="Im2ColBackward0", kernel_size=kernel_size, dilation=dilation,
                padding=padding, stride=stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return _run(_conv.fold, input, name="Col2ImBackward0", output_size=output_size, kernel_size=kernel_size,
                dilation=dilation, padding=padding, stride=stride)


# ---------------------------------------------------------------------------- pooling (fgrad.nn.pooling)
from fgrad.nn import pooling as _pool  # noqa: E402


def _pool_run(fn, input, return_indices, name, **kwargs):
    if return_indices:
        return _run_many(fn, input, name=name, return_indices=True, **kwargs)
    return _run(fn, input, name=name, **kwargs)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool_run(_pool.max_pool1d, input, return_indices, "MaxPool2DWithIndicesBackward0",
                     kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool_run(_pool.max_pool2d, input, return_indices, "MaxPool2DWithIndicesBackward0",
                     kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _pool_run(_pool.max_pool3d, input, return_indices, "MaxPool3DWithIndicesBackward0",
                     kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _run(_pool.avg_pool1d, input, name="AvgPool2DBackward0", kernel_size=kernel_size, stride=stride,
                padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _run(_pool.avg_pool2d, input, name="AvgPool2DBackward0", kernel_size=kernel_size, stride=stride,
                padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                divisor_override=divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _run(_pool.avg_pool3d, input, name="AvgPool3DBackward0", kernel_size=kernel_size, stride=stride,
                padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                divisor_override=divisor_override)


def _unpool_size(output_size):
    return None if output_size is None else [int(s) for s in output_size]


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _run_loss(_pool.max_unpool1d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _run_loss(_pool.max_unpool2d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _run_loss(_pool.max_unpool3d, input, indices, name="MaxUnpool3DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def adaptive_avg_pool1d(input, output_size):
    return _run_loss(_pool.adaptive_avg_pool1d, input, name="AdaptiveAvgPool2DBackward0", output_size=output_size)


def adaptive_avg_pool2d(input, output_size):
    return _run_loss(_pool.adaptive_avg_pool2d, input, name="AdaptiveAvgPool2DBackward0", output_size=output_size)


def adaptive_avg_pool3d(input, output_size):
    return _run_loss(_pool.adaptive_avg_pool3d, input, name="AdaptiveAvgPool3DBackward0", output_size=output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _pool_run(_pool.adaptive_max_pool1d, input, return_indices, "AdaptiveMaxPool2DBackward0",
                     output_size=output_size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _pool_run(_pool.adaptive_max_pool2d, input, return_indices, "AdaptiveMaxPool2DBackward0",
                     output_size=output_size)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _pool_run(_pool.adaptive_max_pool3d, input, return_indices, "AdaptiveMaxPool3DBackward0",
                     output_size=output_size)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _run(_pool.lp_pool1d, input, name="PowBackward0", norm_type=norm_type, kernel_size=kernel_size,
                stride=stride, ceil_mode=ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _run(_pool.lp_pool2d, input, name="PowBackward0", norm_type=norm_type, kernel_size=kernel_size,
                stride=stride, ceil_mode=ceil_mode)


# ---------------------------------------------------------------------------- normalization (fgrad.nn.normalization)
from fgrad.nn import normalization as _norm  # noqa: E402


def _run_updating(stats_fn, input, running_mean, running_var, weight, bias, name, *flags):
    """Run ``stats_fn`` (returning ``(y, new_mean, new_var)``) and write the new running statistics into
    ``running_mean``/``running_var`` in place, as torch's batch_norm/instance_norm do."""
    from .modules.module import _assign_state
    cell = []

    def run(x, rm, rv, w, b):
        y, m, v = stats_fn(x, rm, rv, w, b, *flags)
        cell.append((m, v))
        return y

    y = _run_loss(run, input, running_mean, running_var, weight, bias, name=name)
    for buf, new in zip((running_mean, running_var), cell[0]):
        if new is not None and isinstance(buf, Tensor):
            _assign_state(buf, new)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return _run_updating(_norm.batch_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", training, momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    return _run_updating(_norm.instance_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return _run(_norm.layer_norm, input, normalized_shape, weight, bias, eps, name="NativeLayerNormBackward0")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    return _run(_norm.group_norm, input, num_groups, weight, bias, eps, name="NativeGroupNormBackward0")


# ---------------------------------------------------------------------------- padding (fgrad.nn.padding)
from fgrad.nn import padding as _padding  # noqa: E402


def pad(input, pad, mode="constant", value=None):
    return _run(_padding.pad, input, name="ConstantPadNdBackward0" if mode == "constant" else
                f"{mode.capitalize()}PadBackward0", pad=tuple(pad), mode=mode, value=value)


# ---------------------------------------------------------------------------- upsampling (fgrad.nn.upsampling)
from fgrad.nn import upsampling as _up  # noqa: E402


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    return _run_loss(_up.interpolate, input, name="UpsampleBackward0", size=size, scale_factor=scale_factor,
                     mode=mode, align_corners=align_corners, recompute_scale_factor=recompute_scale_factor,
                     antialias=antialias)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    return _run(_up.pixel_shuffle, input, name="PixelShuffleBackward0", upscale_factor=upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    return _run(_up.pixel_unshuffle, input, name="PixelUnshuffleBackward0", downscale_factor=downscale_factor)


# ---------------------------------------------------------------------------- attention (fgrad.nn.attention)
from fgrad.nn import attention as _attn  # noqa: E402


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(q k^T * scale + mask) v``; boolean ``attn_mask`` True = take part, float = added.
    Rows with every key masked give zeros (torch 2.13's math kernel)."""
    dkey = _next_key() if dropout_p > 0.0 else None
    return _run(_attn.scaled_dot_product_attention, query, key, value, attn_mask, dropout_p, is_causal, scale,
                enable_gqa, name="ScaledDotProductAttentionBackward0", dropout_key=dkey)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch's F.multi_head_attention_forward (sequence-first inputs): ``(attn_output, attn_weights)``."""
    from .._tensor import wrap
    dkey = _next_key() if (training and dropout_p > 0.0) else None
    args = (query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
            add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
            attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
            average_attn_weights, is_causal)

    def run(*vals):
        return list(_attn.multi_head_attention_forward(*vals, dropout_key=dkey))

    out, w = apply(run, args, out_kind="raw")
    return wrap(out), (None if w is None else wrap(w))
