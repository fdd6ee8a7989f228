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
import functools

from fgrad.core import concrete
from fgrad.nn import activation as _act, attention as _attn, conv as _conv, distance as _dist, dropout as _drop
from fgrad.nn import linear as _lin, loss as _loss, normalization as _norm, padding as _padding
from fgrad.nn import pooling as _pool, sparse as _sparse, upsampling as _up
from fgrad.nn.torch_rules import dtype_name

from .. import _dtypes
from .._tensor import Tensor, inplace
from ..autograd.grad_mode import no_grad
from ._bridge import call_pure
from .init import next_key

# ---------------------------------------------------------------------------- shared helpers


def _run_inplace(fn, input, *others, name=None, **kwargs):
    """``input = fn(input, *others, **kwargs)`` in place (torch's ``inplace=True``); returns ``input``."""
    return inplace(input, (lambda x, *o: fn(x, *o, **kwargs)) if kwargs else fn, others, name)


def _lift(fn, name):
    """The F function of the pure function ``fn`` (same signature): ``fn`` run on Tensors through ``call_pure``,
    recorded on the tape as ``name``."""
    @functools.wraps(fn)
    def f(*args, **kwargs):
        return call_pure(fn, *args, name=name, **kwargs)
    f.__module__ = __name__
    return f


def _unary(fn, input, inplace=False, name=None, **kwargs):
    if inplace:
        return _run_inplace(fn, input, name=name, **kwargs)
    return call_pure(fn, input, name=name, **kwargs)


def _same_float_dtype(a, b, message):
    """torch refuses to mix float dtypes in matmul-like ops: RuntimeError(message.format(A, B))."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._np_dtype() != b._np_dtype():
        raise RuntimeError(message.format(dtype_name(a._np_dtype()), dtype_name(b._np_dtype())))


# ---------------------------------------------------------------------------- linear (fgrad.nn.linear)


def linear(input, weight, bias=None):
    _same_float_dtype(input, weight, "mat1 and mat2 must have the same dtype, but got {} and {}")
    return call_pure(_lin.linear, input, weight, bias, name="AddmmBackward0" if bias is not None else "MmBackward0")


bilinear = _lift(_lin.bilinear, "AddBackward0")


# ---------------------------------------------------------------------------- activations (fgrad.nn.activation)


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


prelu = _lift(_act.prelu, "PreluKernelBackward0")


def elu(input, alpha=1.0, inplace=False):
    return _unary(_act.elu, input, inplace, "EluBackward0", alpha=alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def celu(input, alpha=1.0, inplace=False):
    return _unary(_act.celu, input, inplace, "EluBackward0", alpha=alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def selu(input, inplace=False):
    return _unary(_act.selu, input, inplace, "EluBackward0")


def selu_(input):
    return selu(input, True)


gelu = _lift(_act.gelu, "GeluBackward0")


def silu(input, inplace=False):
    return _unary(_act.silu, input, inplace, "SiluBackward0")


def mish(input, inplace=False):
    return _unary(_act.mish, input, inplace, "MishBackward0")


sigmoid = _lift(_act.sigmoid, "SigmoidBackward0")
tanh = _lift(_act.tanh, "TanhBackward0")
softplus = _lift(_act.softplus, "SoftplusBackward0")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _unary(_act.hardtanh, input, inplace, "HardtanhBackward0", min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def hardswish(input, inplace=False):
    return _unary(_act.hardswish, input, inplace, "HardswishBackward0")


def hardsigmoid(input, inplace=False):
    return _unary(_act.hardsigmoid, input, inplace, "HardsigmoidBackward0")


def _softmax_like(fn, name, input, dim, _stacklevel, dtype):
    if dim is None:
        dim = _act.softmax_dim(fn.__name__, input.dim(), _stacklevel + 1)
    np_dt = None if dtype is None else _dtypes.to_np(dtype)
    return call_pure(fn, input, name=name, dim=dim, dtype=np_dt)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.softmax, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.log_softmax, "LogSoftmaxBackward0", input, dim, _stacklevel, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax_like(_act.softmin, "SoftmaxBackward0", input, dim, _stacklevel, dtype)


logsigmoid = _lift(_act.logsigmoid, "LogSigmoidBackward0")
softsign = _lift(_act.softsign, "DivBackward0")
tanhshrink = _lift(_act.tanhshrink, "SubBackward0")
softshrink = _lift(_act.softshrink, "SoftshrinkBackward0")
hardshrink = _lift(_act.hardshrink, "HardshrinkBackward0")


def threshold(input, threshold, value, inplace=False):
    return _unary(_act.threshold, input, inplace, "ThresholdBackward0", threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, True)


glu = _lift(_act.glu, "GluBackward0")


# ---------------------------------------------------------------------------- dropout (fgrad.nn.dropout)


def _dropout_call(fn, input, p, training, inplace, name, generator=None):
    if not training:
        fn(concrete(input._data), p, False)  # torch's argument checks; in eval the input itself comes back
        return input
    key = next_key(generator)
    return _unary(fn, input, inplace, name, p=p, training=True, key=key)


def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout_call(_drop.dropout, input, p, training, inplace, "MulBackward0")


def dropout1d(input, p=0.5, training=True, inplace=False):
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


def _check_indices(input, fn):
    if not isinstance(input, Tensor) or input._np_dtype().kind not in "iu":
        got = type(input).__name__ if not isinstance(input, Tensor) else \
            f"torch.{dtype_name(input._np_dtype())}Tensor"
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
        with no_grad():  # torch renormalises the referenced rows of weight in place
            _run_inplace(_sparse.embedding_renorm, weight, input, max_norm=max_norm, norm_type=norm_type)
    return call_pure(_sparse.embedding, input, weight, name="EmbeddingBackward0", padding_idx=padding_idx,
                     scale_grad_by_freq=scale_grad_by_freq)


one_hot = _lift(_sparse.one_hot, None)


# ---------------------------------------------------------------------------- loss (fgrad.nn.loss)


mse_loss = _lift(_loss.mse_loss, "MseLossBackward0")
l1_loss = _lift(_loss.l1_loss, "MeanBackward0")
smooth_l1_loss = _lift(_loss.smooth_l1_loss, "SmoothL1LossBackward0")
huber_loss = _lift(_loss.huber_loss, "HuberLossBackward0")
nll_loss = _lift(_loss.nll_loss, "NllLossBackward0")
cross_entropy = _lift(_loss.cross_entropy, "NllLossBackward0")
binary_cross_entropy = _lift(_loss.binary_cross_entropy, "BinaryCrossEntropyBackward0")
binary_cross_entropy_with_logits = _lift(_loss.binary_cross_entropy_with_logits,
                                         "BinaryCrossEntropyWithLogitsBackward0")
kl_div = _lift(_loss.kl_div, "KlDivBackward0")
cosine_embedding_loss = _lift(_loss.cosine_embedding_loss, "MeanBackward0")
margin_ranking_loss = _lift(_loss.margin_ranking_loss, "MeanBackward0")


# ---------------------------------------------------------------------------- distance (fgrad.nn.distance)


normalize = _lift(_dist.normalize, "DivBackward0")


def _default_floats(x1, x2):
    """torch computes the distance of two integer inputs in its default float dtype."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and not (x1.is_floating_point() or x1.is_complex()
                                                                  or x2.is_floating_point() or x2.is_complex()):
        dt = _dtypes.get_default_dtype()
        return x1.to(dt), x2.to(dt)
    return x1, x2


cosine_similarity = _lift(_dist.cosine_similarity, "SumBackward1")


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    x1, x2 = _default_floats(x1, x2)
    return call_pure(_dist.pairwise_distance, x1, x2, name="NormBackward1", p=p, eps=eps, keepdim=keepdim)


# ---------------------------------------------------------------------------- conv (fgrad.nn.conv)


def _conv_dtype(input, weight):
    _same_float_dtype(input, weight, "expected scalar type {} but found {}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv1d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv2d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv3d, input, weight, bias, name="ConvolutionBackward0", stride=stride, padding=padding,
                     dilation=dilation, groups=groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv_transpose1d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv_transpose2d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _conv_dtype(input, weight)
    return call_pure(_conv.conv_transpose3d, input, weight, bias, name="ConvolutionBackward0", stride=stride,
                     padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)


unfold = _lift(_conv.unfold, "Im2ColBackward0")
fold = _lift(_conv.fold, "Col2ImBackward0")


# ---------------------------------------------------------------------------- pooling (fgrad.nn.pooling)


max_pool1d = _lift(_pool.max_pool1d, "MaxPool2DWithIndicesBackward0")
max_pool2d = _lift(_pool.max_pool2d, "MaxPool2DWithIndicesBackward0")
max_pool3d = _lift(_pool.max_pool3d, "MaxPool3DWithIndicesBackward0")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


avg_pool1d = _lift(_pool.avg_pool1d, "AvgPool2DBackward0")
avg_pool2d = _lift(_pool.avg_pool2d, "AvgPool2DBackward0")
avg_pool3d = _lift(_pool.avg_pool3d, "AvgPool3DBackward0")


def _unpool_size(output_size):
    return None if output_size is None else [int(s) for s in output_size]


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return call_pure(_pool.max_unpool1d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return call_pure(_pool.max_unpool2d, input, indices, name="MaxUnpool2DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return call_pure(_pool.max_unpool3d, input, indices, name="MaxUnpool3DBackward0", kernel_size=kernel_size,
                     stride=stride, padding=padding, output_size=_unpool_size(output_size))


adaptive_avg_pool1d = _lift(_pool.adaptive_avg_pool1d, "AdaptiveAvgPool2DBackward0")
adaptive_avg_pool2d = _lift(_pool.adaptive_avg_pool2d, "AdaptiveAvgPool2DBackward0")
adaptive_avg_pool3d = _lift(_pool.adaptive_avg_pool3d, "AdaptiveAvgPool3DBackward0")
adaptive_max_pool1d = _lift(_pool.adaptive_max_pool1d, "AdaptiveMaxPool2DBackward0")
adaptive_max_pool2d = _lift(_pool.adaptive_max_pool2d, "AdaptiveMaxPool2DBackward0")
adaptive_max_pool3d = _lift(_pool.adaptive_max_pool3d, "AdaptiveMaxPool3DBackward0")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


lp_pool1d = _lift(_pool.lp_pool1d, "PowBackward0")
lp_pool2d = _lift(_pool.lp_pool2d, "PowBackward0")


# ---------------------------------------------------------------------------- normalization (fgrad.nn.normalization)


def _run_updating(stats_fn, input, running_mean, running_var, weight, bias, name, *flags):
    """Run ``stats_fn`` (returning ``(y, new_mean, new_var)``) and write the new running statistics into
    ``running_mean``/``running_var`` in place, as torch's batch_norm/instance_norm do."""
    def run(x, rm, rv, w, b):
        y, m, v = stats_fn(x, rm, rv, w, b, *flags)
        return y, {"running_mean": m, "running_var": v}

    buffers = {n: t for n, t in (("running_mean", running_mean), ("running_var", running_var))
               if isinstance(t, Tensor)}
    return call_pure(run, input, running_mean, running_var, weight, bias, name=name, buffers=buffers)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return _run_updating(_norm.batch_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", training, momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    return _run_updating(_norm.instance_norm_stats, input, running_mean, running_var, weight, bias,
                         "NativeBatchNormBackward0", use_input_stats, momentum, eps)


layer_norm = _lift(_norm.layer_norm, "NativeLayerNormBackward0")
group_norm = _lift(_norm.group_norm, "NativeGroupNormBackward0")


# ---------------------------------------------------------------------------- padding (fgrad.nn.padding)


def pad(input, pad, mode="constant", value=None):
    return call_pure(_padding.pad, input, name="ConstantPadNdBackward0" if mode == "constant" else
                     f"{mode.capitalize()}PadBackward0", pad=tuple(pad), mode=mode, value=value)


# ---------------------------------------------------------------------------- upsampling (fgrad.nn.upsampling)


interpolate = _lift(_up.interpolate, "UpsampleBackward0")
upsample = _lift(_up.upsample, "UpsampleBackward0")
upsample_nearest = _lift(_up.upsample_nearest, "UpsampleBackward0")
upsample_bilinear = _lift(_up.upsample_bilinear, "UpsampleBackward0")
pixel_shuffle = _lift(_up.pixel_shuffle, "PixelShuffleBackward0")
pixel_unshuffle = _lift(_up.pixel_unshuffle, "PixelUnshuffleBackward0")


# ---------------------------------------------------------------------------- attention (fgrad.nn.attention)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(q k^T * scale + mask) v``; boolean ``attn_mask`` True = take part, float = added.
    Rows with every key masked give zeros (torch 2.13's math kernel)."""
    dkey = next_key() if dropout_p > 0.0 else None
    return call_pure(_attn.scaled_dot_product_attention, query, key, value, attn_mask, dropout_p, is_causal, scale,
                     enable_gqa, name="ScaledDotProductAttentionBackward0", dropout_key=dkey)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """torch's F.multi_head_attention_forward (sequence-first inputs): ``(attn_output, attn_weights)``."""
    dkey = next_key() if (training and dropout_p > 0.0) else None
    return call_pure(_attn.multi_head_attention_forward, query, key, value, embed_dim_to_check, num_heads,
                     in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                     out_proj_bias, training, key_padding_mask, need_weights, attn_mask, use_separate_proj_weight,
                     q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights,
                     is_causal, dropout_key=dkey)
