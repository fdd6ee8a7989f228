"""Loss functions: ``torch.nn.functional``'s names and signatures on fgrad arrays.

These are THE implementation of the losses (``fgrad_nn.nn.functional`` runs them on
Tensors); they raise torch's exception types and messages for bad targets. The
loss layers (``CrossEntropyLoss`` ...) are stateless pure layers over them whose
``state`` holds torch's buffers (``weight``, ``pos_weight``) when given.

>>> import numpy as np, fgrad
>>> x = np.array([[2.0, 0.5, -1.0]]); y = np.array([0])
>>> round(float(cross_entropy(x, y)), 6)
0.241311
>>> fgrad.grad(lambda x: cross_entropy(x, y))(x).shape
(1, 3)
"""
from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

import fgrad.numpy as fnp
from fgrad.core import Tracer, concrete
from .activations import log_sigmoid, log_softmax
from fgrad.numpy import get_array_module as array_module, result_type as _dtype, shape as _shape
from fgrad.scipy.special import xlogy

from .base import Layer
from .torch_rules import absolute as torch_abs, clip as torch_clip, broadcast_shapes, dtype_name, size_str

if TYPE_CHECKING:
    from collections.abc import Callable

    from fgrad.typing import Array, ArrayLike, PyTree

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss",
           "margin_ranking_loss",
           "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss"]

# ----------------------------------------------------------------------------- reductions

def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str = "mean") -> str:
    """torch's ``_Reduction.legacy_get_string``: the deprecated booleans, when given, win (with a warning).

    >>> fgrad.nn.loss.legacy_reduction(None, None, "sum")
    'sum'
    """
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  UserWarning, stacklevel=3)
    return ret


def _reduction(reduction, size_average=None, reduce=None):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return fnp.mean(loss)
    if reduction == "sum":
        return fnp.sum(loss)
    return loss


# ----------------------------------------------------------------------------- operand checks

def _float_pair(input, target):
    """torch's promotion for two loss operands: an integer/bool operand takes the float one's dtype."""
    di, dt = _dtype(input), _dtype(target)
    fi, ft = di.kind in "fc", dt.kind in "fc"
    if fi and not ft:
        target = fnp.astype(target, di)
    elif ft and not fi:
        input = fnp.astype(input, dt)
    return input, target, fi or ft


def _warn_size(input, target):
    if _shape(target) != _shape(input):
        warnings.warn(f"Using a target size ({size_str(_shape(target))}) that is different to the input size "
                      f"({size_str(_shape(input))}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def _pointwise_operands(name, input, target, weight=None):
    _warn_size(input, target)
    broadcast_shapes(_shape(input), _shape(target))
    if weight is not None and _shape(weight) != _shape(input):
        raise ValueError("Weights and input must have the same size.")
    input, target, is_float = _float_pair(input, target)
    if not is_float:
        raise RuntimeError(f"\"{name}\" not implemented for '{dtype_name(_dtype(input))}'")
    return input, target


def _weighted(loss, weight, reduction, mean_by_weight=True):
    """torch's manual weighted reduction (mse/l1: sum(w l) / sum(w); huber: mean(w l))."""
    loss = loss * weight
    if reduction == "mean":
        return fnp.sum(loss) / fnp.sum(weight) if mean_by_weight else fnp.mean(loss)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- regression losses

def mse_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: ArrayLike | None = None) -> Array:
    """``(input - target)**2``, reduced (weighted: ``sum(w l) / sum(w)`` for the mean).

    reduction: 'mean' (default), 'sum' or 'none'; ``size_average``/``reduce`` are torch's deprecated spellings.

    >>> print(round(float(fgrad.nn.functional.mse_loss(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0]))), 4))
    2.6667
    >>> fgrad.nn.functional.mse_loss(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0]), reduction="none")
    array([0., 4., 4.])
    """
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _pointwise_operands("mse_cpu", input, target, weight)
    d = input - target
    loss = d * d
    return _reduce(loss, reduction) if weight is None else _weighted(loss, weight, reduction)


def l1_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: ArrayLike | None = None) -> Array:
    """``|input - target|``, reduced (weighted: ``sum(w l) / sum(w)`` for the mean).

    >>> print(round(float(fgrad.nn.functional.l1_loss(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0]))), 4))
    1.3333
    """
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _pointwise_operands("l1_loss", input, target, weight)
    loss = torch_abs(input - target)
    return _reduce(loss, reduction) if weight is None else _weighted(loss, weight, reduction)


def smooth_l1_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Array:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (the L1 loss for ``beta == 0``).

    >>> x, t = np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0])
    >>> fgrad.nn.functional.smooth_l1_loss(x, t, reduction="none", beta=2.0)
    array([0., 1., 1.])
    """
    reduction = _reduction(reduction, size_average, reduce)
    beta = float(beta)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _pointwise_operands("smooth_l1_loss", input, target)
    d = input - target
    z = torch_abs(d)
    if beta == 0.0:
        return _reduce(z, reduction)
    small = ~(z >= beta)  # NaN is in the quadratic branch (its gradient NaN), as torch's
    ds = fnp.where(small, d, 0.0)  # the square never sees the other branch's (maybe infinite) entries
    return _reduce(fnp.where(small, (0.5 / beta) * (ds * ds), z - 0.5 * beta), reduction)


def huber_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean", delta: float = 1.0,
               weight: ArrayLike | None = None) -> Array:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (weighted mean: ``mean(w l)``).

    >>> x, t = np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0])
    >>> fgrad.nn.functional.huber_loss(x, t, reduction="none", delta=0.5)
    array([0.   , 0.875, 0.875])
    """
    reduction = _reduction(reduction)
    delta = float(delta)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _pointwise_operands("huber_loss", input, target, weight)
    d = input - target
    z = torch_abs(d)
    small = ~(z >= delta)  # NaN is in the quadratic branch (its gradient NaN), as torch's
    ds = fnp.where(small, d, 0.0)  # the square never sees the other branch's (maybe infinite) entries
    loss = fnp.where(small, 0.5 * (ds * ds), delta * (z - 0.5 * delta))
    return _reduce(loss, reduction) if weight is None else _weighted(loss, weight, reduction, False)


# ----------------------------------------------------------------------------- classification losses

def _class_view(weight, nd, class_axis):
    """``weight`` (C,) shaped to broadcast along the class axis of an ``nd``-d input."""
    if nd <= 1:
        return weight
    return fnp.reshape(weight, tuple(-1 if i == class_axis else 1 for i in range(nd)))


def _check_nll_shapes(in_shape, t_shape, weight):
    """torch's ``nll_loss_nd`` checks, in torch's order. Returns the target shape to use."""
    nd = len(in_shape)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and in_shape[0] != (t_shape[0] if t_shape else 0):
        raise ValueError(f"Expected input batch_size ({in_shape[0]}) to match target batch_size "
                         f"({t_shape[0] if t_shape else 0}).")
    c = in_shape[0 if nd == 1 else 1]
    if nd <= 2:
        if len(t_shape) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and len(t_shape) == 1:
            if t_shape[0] != 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t_shape[0]}")
            t_shape = ()
        if weight is not None and (len(_shape(weight)) != 1 or _shape(weight)[0] != c):
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but "
                               f"got weight tensor of shape: {list(_shape(weight))}")
        return t_shape
    if nd == 4:
        if len(t_shape) != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {len(t_shape)}")
    elif tuple(t_shape[1:]) != tuple(in_shape[2:]):
        raise RuntimeError(f"Expected target size {[in_shape[0], *in_shape[2:]]}, got {list(t_shape)}")
    if weight is not None and math.prod(_shape(weight)) != c:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    if nd == 4 and tuple(t_shape) != (in_shape[0], *in_shape[2:]):
        raise RuntimeError(f"size mismatch (got input: {list(in_shape)} , target: {list(t_shape)}")
    return t_shape


def _index_target(input, target, weight, ignore_index):
    """Checked raw int64 class indices (shaped for the input), the non-ignored mask and whether any is ignored."""
    in_shape = _shape(input)
    t_shape = _check_nll_shapes(in_shape, _shape(target), weight)
    raw = concrete(target)
    xp = array_module(input)
    raw = xp.asarray(raw)
    if raw.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {dtype_name(raw.dtype)}")
    if weight is not None and _dtype(weight) != _dtype(input):
        raise RuntimeError(f"expected scalar type {dtype_name(_dtype(input))} but found {dtype_name(_dtype(weight))}")
    c = in_shape[0 if len(in_shape) == 1 else 1]
    valid = raw != int(ignore_index)  # the checks read the values (under vmap: the whole batch's)
    bad = valid & ((raw < 0) | (raw >= c))
    if bool(bad.any()):
        raise IndexError(f"Target {int(raw[bad].ravel()[0])} is out of bounds.")
    ignored = not bool(valid.all())
    if isinstance(target, Tracer):  # traced (batched under vmap): the indices stay traced
        t = fnp.reshape(fnp.astype(target, np.int64), t_shape)
        valid = t != int(ignore_index)
        return (fnp.where(valid, t, 0) if ignored else t), valid, ignored
    t = raw.astype(np.int64, copy=False).reshape(t_shape)
    valid = t != int(ignore_index)
    return (xp.where(valid, t, 0) if ignored else t), valid, ignored


def _nll(logp, idx, valid, ignored, weight, reduction):
    """``-logp[class idx]`` (weighted, ignored entries 0) and the mean's denominator."""
    class_axis = 0 if len(_shape(logp)) == 1 else 1
    xp = array_module(logp)
    picked = fnp.take_along_axis(logp, fnp.expand_dims(idx, class_axis), axis=class_axis)
    if weight is None and not ignored and reduction != "none":  # the training hot path: two ops
        return -(fnp.mean(picked) if reduction == "mean" else fnp.sum(picked)), None
    loss = -fnp.squeeze(picked, axis=class_axis)
    dt = _dtype(logp)
    if weight is not None:
        w = fnp.take(weight, idx)
        if ignored:
            w = fnp.where(valid, w, 0.0)
        loss = loss * w
    elif ignored:
        w = valid.astype(dt)
    else:
        w = None
    if ignored:
        loss = fnp.where(valid, loss, 0.0)  # ignored entries are 0 even where logp is -inf
    if reduction == "none":
        return loss, w
    total = fnp.sum(loss)
    if reduction == "sum":
        return total, w
    denom = fnp.sum(w) if w is not None else xp.asarray(math.prod(_shape(idx)), dtype=dt)
    return total / denom, w


def nll_loss(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
             size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
             reduction: str = "mean") -> Array:
    """The negative log likelihood ``-input[n, target[n], ...]`` (weighted; ``ignore_index`` entries skipped).

    ``input`` holds log-probabilities ``(N, C, *)`` (or ``(C,)``), ``target`` class indices ``(N, *)``;
    the weighted mean divides by the total weight of the counted targets.

    >>> logp = np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]))
    >>> print(round(float(fgrad.nn.functional.nll_loss(logp, np.array([0, 1]))), 4))
    0.4581
    >>> print(round(float(fgrad.nn.functional.nll_loss(logp, np.array([0, -100]))), 4))
    0.6931
    """
    reduction = _reduction(reduction, size_average, reduce)
    idx, valid, ignored = _index_target(input, target, weight, ignore_index)
    return _nll(input, idx, valid, ignored, weight, reduction)[0]


def cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                  size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Array:
    """``nll_loss(log_softmax(input, class axis), target)``, or ``-sum(p log_softmax(input))`` for class
    probabilities ``target`` (same shape as ``input``).

    ``input`` is logits ``(N, C, *)`` (or ``(C,)``); ``label_smoothing`` mixes the target with the
    uniform distribution, as torch's.

    >>> logits, target = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]]), np.array([0, 2])
    >>> print(round(float(fgrad.nn.functional.cross_entropy(logits, target)), 4))
    0.67
    >>> print(round(float(fgrad.nn.functional.cross_entropy(logits, target, label_smoothing=0.1)), 4))
    0.745
    """
    reduction = _reduction(reduction, size_average, reduce)
    ls = float(label_smoothing)
    in_shape, t_shape = _shape(input), _shape(target)
    nd = len(in_shape)
    class_axis = 0 if nd == 1 else 1
    if in_shape == t_shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, ls, class_axis)
    if ls > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
    idx, valid, ignored = _index_target(input, target, weight, ignore_index)
    if _dtype(input).kind not in "fc":
        raise NotImplementedError(f"\"log_softmax\" not implemented for '{dtype_name(_dtype(input))}'")
    logp = log_softmax(input, axis=class_axis)
    nll, w = _nll(logp, idx, valid, ignored, weight, reduction)
    if ls <= 0.0:
        return nll
    c = in_shape[class_axis]
    smooth = -fnp.sum(logp if weight is None else logp * _class_view(weight, nd, class_axis), axis=class_axis)
    if ignored:
        smooth = fnp.where(valid, smooth, 0.0)
    if reduction == "none":
        ret = smooth
    elif reduction == "sum":
        ret = fnp.sum(smooth)
    else:
        denom = fnp.sum(w) if w is not None else \
            array_module(input).asarray(math.prod(_shape(idx)), dtype=_dtype(logp))
        ret = fnp.sum(smooth) / denom
    return (1.0 - ls) * nll + ret * (ls / c)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, ls, class_axis):
    shp = _shape(input)
    if not shp:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if _dtype(target).kind != "f":
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{dtype_name(_dtype(target))}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    c = shp[class_axis]
    if weight is not None and (len(_shape(weight)) != 1 or _shape(weight)[0] != c):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(_shape(weight))}")
    logp = log_softmax(input, axis=class_axis)
    if ls > 0.0:
        if ls > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
        target = target * (1.0 - ls) + ls / c
    prod = logp * target
    if weight is not None:
        prod = prod * _class_view(weight, len(shp), class_axis)
    if reduction == "none":
        return -fnp.sum(prod, axis=class_axis)
    total = -fnp.sum(prod)
    if reduction == "sum":
        return total
    n = math.prod(shp) // c if c else 0
    return total / float(n) if n else total * float("nan")


def _check_unit_interval(x, what):
    raw = concrete(x)
    if bool(array_module(raw).any((raw < 0) | (raw > 1))):
        raise RuntimeError(f"all elements of {what} should be between 0 and 1")


def _clamped_log(x):
    """``max(log(x), -100)`` (torch's BCE clamp) with a finite derivative at ``x == 0``."""
    pos = x > 0
    return fnp.where(pos, fnp.maximum(fnp.log(fnp.where(pos, x, 1.0)), -100.0), -100.0)


def _bce(x, t):
    """The unreduced BCE with torch's input gradient ``(x - t) / max(x (1 - x), eps)``: where
    ``x (1 - x) < eps`` (the logs' slopes are huge or clamped away), the value at ``x`` held fixed plus a
    zero-valued term with that slope; elsewhere the plain formula, which has it already."""
    def plain(x):
        return (t - 1.0) * _clamped_log(1.0 - x) - t * _clamped_log(x)
    eps = float(np.float32(1e-12))  # torch's EPSILON is a C float
    held = fnp.stop_gradient(x)
    edge = held * (1.0 - held) < eps
    at_edge = plain(held) + (x - held) * ((x - t) / eps)
    return fnp.where(edge, at_edge, plain(fnp.where(edge, 0.5, x)))


def _check_bce_weight(weight, t_shape):
    if weight is not None and broadcast_shapes(t_shape, _shape(weight)) != tuple(t_shape):
        raise RuntimeError(f"output with shape {list(t_shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(t_shape, _shape(weight)))}")


def binary_cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Array:
    """``-w (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x``, logs clamped at -100 like torch.

    >>> fgrad.nn.functional.binary_cross_entropy(np.array([0.5, 0.9]), np.array([1.0, 0.0]), reduction="none")
    array([0.6931, 2.3026])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if _shape(target) != _shape(input):
        raise ValueError(f"Using a target size ({size_str(_shape(target))}) that is different to the input size "
                         f"({size_str(_shape(input))}) is deprecated. Please ensure they have the same size.")
    if _dtype(target) != _dtype(input):
        raise RuntimeError(f"Found dtype {dtype_name(_dtype(target))} but expected {dtype_name(_dtype(input))}")
    _check_bce_weight(weight, _shape(target))
    _check_unit_interval(input, "input")
    _check_unit_interval(target, "target")
    loss = _bce(input, target)
    if weight is not None:
        loss = loss * fnp.astype(weight, _dtype(loss)) if _dtype(weight) != _dtype(loss) else loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: ArrayLike | None = None) -> Array:
    """BCE on logits: ``(1 - t) x - (1 + (pos_weight - 1) t) log_sigmoid(x)``, times ``weight``.

    ``pos_weight`` (broadcast over the class axis, the last) weighs the positive targets.

    >>> x, t = np.array([0.0, 2.0]), np.array([1.0, 0.0])
    >>> fgrad.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    array([0.6931, 2.1269])
    >>> fgrad.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=np.array([3.0]))
    array([2.0794, 2.1269])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if _shape(target) != _shape(input):
        raise ValueError(f"Target size ({size_str(_shape(target))}) must be the same as input size "
                         f"({size_str(_shape(input))})")
    dt = _dtype(target)
    if dt.kind not in "fc":
        raise RuntimeError(f"result type {dtype_name(_dtype(input))} can't be cast to the desired output type "
                           f"{dtype_name(dt)}")
    ls = log_sigmoid(input)
    if pos_weight is not None:
        broadcast_shapes(_shape(pos_weight), _shape(target))
        ls = ls * (1.0 + (pos_weight - 1.0) * target)
        _check_bce_weight(ls, _shape(target))
    loss = (1.0 - target) * input - ls
    if weight is not None:
        _check_bce_weight(weight, _shape(target))
        loss = loss * weight
    if _dtype(loss) != dt:
        loss = fnp.astype(loss, dt)  # torch computes in place into (1 - target)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- divergence and margin losses

def kl_div(input: ArrayLike, target: ArrayLike, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Array:
    """Pointwise KL divergence ``t (log t - input)`` (``exp(t) (t - input)`` with ``log_target``).

    ``input`` is log-probabilities; ``reduction='batchmean'`` divides the sum by the batch size
    (the true KL divergence), ``'mean'`` by the number of elements, as torch's.

    >>> logp, p = np.log(np.array([0.5, 0.5])), np.array([0.25, 0.75])
    >>> print(round(float(fgrad.nn.functional.kl_div(logp, p, reduction="sum")), 4))
    0.1308
    """
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    elif reduction != "batchmean":
        reduction = _reduction(reduction)
    if _dtype(input).kind not in "fc" or _dtype(target).kind not in "fc":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    broadcast_shapes(_shape(input), _shape(target))
    if log_target:
        loss = fnp.exp(target) * (target - input)
    else:
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = fnp.sum(loss)
        return total / float(_shape(input)[0]) if _shape(input) else total
    return _reduce(loss, reduction)


def _as_dtype_of(x, like):
    """Integer/bool ``x`` (a target of +-1) in the float dtype of ``like``."""
    return fnp.astype(x, _dtype(like)) if _dtype(x).kind not in "fc" else x


def cosine_embedding_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Array:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``.

    ``input1``/``input2`` are ``(N, D)`` (or ``(D,)``), ``target`` is ``(N,)`` of 1 and -1.

    >>> x1, x2 = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])
    >>> fgrad.nn.functional.cosine_embedding_loss(x1, x2, np.array([1, -1]), reduction="none")
    array([0.2929, 0.7071])
    """
    reduction = _reduction(reduction, size_average, reduce)
    s1, s2, st = _shape(input1), _shape(input2), _shape(target)
    if len(st) not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if len(st) == 1 and (len(s1) != 2 or len(s2) != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes {list(s1)} "
                           f"and {list(s2)}.")
    if len(st) == 0 and (len(s1) != 1 or len(s2) != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes {list(s1)} "
                           f"and {list(s2)}.")
    axis = len(st)
    broadcast_shapes(s1, s2)
    prod = fnp.sum(input1 * input2, axis=axis)
    mag1 = fnp.sum(input1 * input1, axis=axis) + 1e-12
    mag2 = fnp.sum(input2 * input2, axis=axis) + 1e-12
    cos = prod / fnp.sqrt(mag1 * mag2)
    broadcast_shapes(_shape(cos), st)
    raw_t = concrete(target)
    loss = fnp.where(raw_t == 1, 1.0 - cos, 0.0) + fnp.where(raw_t == -1, torch_clip(cos - float(margin), 0.0, None),
                                                             0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: ArrayLike, input2: ArrayLike, target: ArrayLike, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Array:
    """``max(0, -target (input1 - input2) + margin)``: ``target = 1`` wants ``input1`` ranked higher.

    >>> x1, x2, target = np.array([1.0, 2.0]), np.array([2.0, 1.0]), np.array([1.0, 1.0])
    >>> fgrad.nn.functional.margin_ranking_loss(x1, x2, target, margin=0.5, reduction="none")
    array([1.5, 0. ])
    """
    reduction = _reduction(reduction, size_average, reduce)
    s1, s2, st = _shape(input1), _shape(input2), _shape(target)
    if len(s1) != len(s2) or len(s1) != len(st):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {size_str(s1)}, input2: {size_str(s2)}, target: {size_str(st)} ")
    broadcast_shapes(s1, s2, st)
    d = input1 - input2
    target = _as_dtype_of(target, d)
    return _reduce(torch_clip(-target * d + float(margin), 0.0, None), reduction)


# ----------------------------------------------------------------------------- loss layers

class _Loss(Layer):
    """A pure loss layer: ``apply(params, state, input, target) -> (loss, state)``.

    Hyperparameters are torch's; ``state`` holds the ``weight``/``pos_weight`` buffers
    when given (as torch's state_dict does).
    """

    _fn: Callable[..., Array]
    _buffers: tuple[str, ...] = ()

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 **hyper: Any) -> None:
        self.reduction = legacy_reduction(size_average, reduce, reduction)
        self.hyper = hyper

    def init(self, key: Array | None = None) -> tuple[PyTree, PyTree]:
        state = {n: getattr(self, n) for n in self._buffers if getattr(self, n, None) is not None}
        return {}, state

    def apply(self, params: PyTree, state: PyTree, *inputs: Any, train: bool = False,
              key: Array | None = None) -> tuple[Array, PyTree]:
        bufs = {n: state.get(n) for n in self._buffers}
        return type(self)._fn(*inputs, reduction=self.reduction, **bufs, **self.hyper), state

    def extra_repr(self) -> str:
        return ""


def _loss_layer(name: str, fn: Callable[..., Array], signature: tuple[tuple[str, Any], ...],
                buffers: tuple[str, ...] = (), example: str = "") -> type[_Loss]:
    """A ``_Loss`` subclass taking torch's constructor ``signature`` ((name, default) pairs, torch's order).

    ``example`` is the doctest that ends the class's docstring (the input lines, then the output).
    """
    names = tuple(n for n, _ in signature)

    def __init__(self: _Loss, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{name}.__init__() takes from 1 to {len(names) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        vals = dict(signature)
        vals.update(zip(names, args))
        for k, v in kwargs.items():
            if k not in vals:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
            if names.index(k) < len(args):
                raise TypeError(f"{name}.__init__() got multiple values for argument '{k}'")
            vals[k] = v
        for b in buffers:
            setattr(self, b, vals.pop(b))
        _Loss.__init__(self, vals.pop("size_average", None), vals.pop("reduce", None), vals.pop("reduction"),
                       **vals)

    args = ", ".join(f"{n}={v!r}" for n, v in signature)
    doc = (f"Pure ``torch.nn.{name}({args})``: ``apply(params, state, input, target)`` runs "
           f":func:`{fn.__name__}` and returns ``(loss, state)``.\n\n"
           + (f"``state`` holds the {' and '.join(f'``{b}``' for b in buffers)} buffer(s) when given.\n\n"
              if buffers else "") + example)
    return type(name, (_Loss,), {"__init__": __init__, "_fn": staticmethod(fn), "_buffers": tuple(buffers),
                                 "__module__": __name__, "__doc__": doc})


def _example(ctor: str, inputs: str, out: str) -> str:
    """A loss layer's doctest: ``ctor`` applied to ``inputs``, printing the loss rounded to 4 places."""
    return (f">>> loss = fgrad.nn.{ctor}\n>>> params, state = loss.init(fgrad.random.key(0))\n"
            f">>> print(round(float(loss.apply(params, state, {inputs})[0]), 4))\n{out}\n")


_X = "np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0])"
_LOGP = "np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]))"
_LEGACY = (("size_average", None), ("reduce", None), ("reduction", "mean"))
MSELoss = _loss_layer("MSELoss", mse_loss, _LEGACY, example=_example("MSELoss()", _X, "2.6667"))
L1Loss = _loss_layer("L1Loss", l1_loss, _LEGACY, example=_example("L1Loss(reduction='sum')", _X, "4.0"))
SmoothL1Loss = _loss_layer("SmoothL1Loss", smooth_l1_loss, _LEGACY + (("beta", 1.0),),
                           example=_example("SmoothL1Loss(beta=0.5)", _X, "1.1667"))
HuberLoss = _loss_layer("HuberLoss", huber_loss, (("reduction", "mean"), ("delta", 1.0)),
                        example=_example("HuberLoss(delta=2.0)", _X, "1.3333"))
CrossEntropyLoss = _loss_layer("CrossEntropyLoss", cross_entropy, (
    ("weight", None), ("size_average", None), ("ignore_index", -100), ("reduce", None), ("reduction", "mean"),
    ("label_smoothing", 0.0)), ("weight",), example=_example(
        "CrossEntropyLoss(weight=np.array([1.0, 2.0, 1.0]))",
        "np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]]), np.array([0, 1])", "0.8128"))
NLLLoss = _loss_layer("NLLLoss", nll_loss, (("weight", None), ("size_average", None), ("ignore_index", -100),
                                            ("reduce", None), ("reduction", "mean")), ("weight",),
                      example=_example("NLLLoss()", f"{_LOGP}, np.array([1, 1])", "0.8047"))
BCELoss = _loss_layer("BCELoss", binary_cross_entropy, (("weight", None),) + _LEGACY, ("weight",),
                      example=_example("BCELoss()", "np.array([0.25, 0.75]), np.array([0.0, 1.0])", "0.2877"))
BCEWithLogitsLoss = _loss_layer("BCEWithLogitsLoss", binary_cross_entropy_with_logits,
                                (("weight", None),) + _LEGACY + (("pos_weight", None),), ("weight", "pos_weight"),
                                example=_example("BCEWithLogitsLoss(pos_weight=np.array([2.0]))",
                                                 "np.array([0.0, 0.0]), np.array([1.0, 0.0])", "1.0397"))
KLDivLoss = _loss_layer("KLDivLoss", kl_div, _LEGACY + (("log_target", False),), example=_example(
    "KLDivLoss(reduction='batchmean')", "np.log(np.array([[0.5, 0.5]])), np.array([[0.25, 0.75]])", "0.1308"))
CosineEmbeddingLoss = _loss_layer("CosineEmbeddingLoss", cosine_embedding_loss, (("margin", 0.0),) + _LEGACY,
                                  example=_example("CosineEmbeddingLoss(margin=0.5)",
                                                   "np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]), np.array([-1])",
                                                   "0.2071"))
MarginRankingLoss = _loss_layer("MarginRankingLoss", margin_ranking_loss, (("margin", 0.0),) + _LEGACY,
                                example=_example("MarginRankingLoss()",
                                                 "np.array([1.0, 3.0]), np.array([2.0, 1.0]), np.array([1.0, 1.0])",
                                                 "0.5"))
