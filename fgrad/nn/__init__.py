"""fgrad's pure neural-network face: ``jax.nn``'s activations and layers as ``(init, apply)`` pairs.

- Activations with ``jax.nn``'s names and signatures (``relu``, ``softmax(x, axis=-1)``, ``one_hot`` ...),
  whose derivatives at kinks match torch's: :mod:`fgrad.nn.activations`.
- Layers with ``torch.nn``'s names (``Linear``, ``Conv2d``, ``LSTM`` ...): objects with pure
  ``init(key) -> (params, state)`` and ``apply(params, state, *inputs) -> (outputs, state)`` over
  parameter pytrees keyed by torch's ``state_dict`` names; ``serial`` composes them.
- The array functions behind the layers, with ``torch.nn.functional``'s names and signatures:
  :mod:`fgrad.nn.functional`.

One module per family (``linear``, ``conv``, ``loss`` ...) holds both a family's functions and its layers.
``fgrad_nn`` (the torch face) runs these same functions on Tensors.

>>> import fgrad, fgrad.nn as nn, fgrad.random as fr, numpy as np
>>> net = nn.serial(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
>>> params, state = net.init(fr.key(0))
>>> y, state = net.apply(params, state, np.ones((2, 3), np.float32))
>>> y.shape
(2, 1)
"""
import importlib as _importlib
from typing import TYPE_CHECKING

from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations

if TYPE_CHECKING:  # what the lazy table below provides, for type checkers and the API reference
    from . import base, functional  # noqa: F401
    from .base import (Layer, Sequential, Serial, bias_uniform, calculate_gain, fan_in_and_fan_out,  # noqa: F401
                       flatten_params, kaiming_normal, kaiming_uniform, need_key, normal_init, serial, split_key,
                       unflatten_params, uniform_init, xavier_normal, xavier_uniform)
    from .activation import (CELU, ELU, GELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,  # noqa: F401
                             LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, SELU, SiLU, Sigmoid, Softmax, Softmin,
                             Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold)
    from .attention import MultiheadAttention  # noqa: F401
    from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Fold, Unfold  # noqa: F401
    from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
    from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout  # noqa: F401
    from .flatten import Flatten, Unflatten  # noqa: F401
    from .linear import Bilinear, Identity, Linear  # noqa: F401
    from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, HuberLoss, KLDivLoss,  # noqa: F401
                       L1Loss, MarginRankingLoss, MSELoss, NLLLoss, SmoothL1Loss)
    from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d,  # noqa: F401
                                InstanceNorm2d, InstanceNorm3d, LayerNorm)
    from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: F401
                          ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                          ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
    from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,  # noqa: F401
                          AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d,
                          MaxPool1d, MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
    from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase  # noqa: F401
    from .sparse import Embedding  # noqa: F401
    from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,  # noqa: F401
                              TransformerEncoderLayer)
    from .upsampling import PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401

# The layer families load on first use (PEP 562): ``fgrad.nn.relu`` needs no convolution, recurrent
# or attention code. family module -> the names it provides here.
_FAMILIES = {
    "base": ("Layer", "Serial", "Sequential", "serial", "flatten_params", "unflatten_params", "split_key",
             "need_key", "calculate_gain", "fan_in_and_fan_out", "uniform_init", "normal_init", "kaiming_uniform",
             "kaiming_normal", "bias_uniform", "xavier_uniform", "xavier_normal"),
    "activation": ("CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU",
                   "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU6", "SELU", "SiLU", "Sigmoid", "Softmax",
                   "Softmin", "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink", "Threshold"),
    "attention": ("MultiheadAttention",),
    "conv": ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Fold", "Unfold"),
    "distance": ("CosineSimilarity", "PairwiseDistance"),
    "dropout": ("AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"),
    "flatten": ("Flatten", "Unflatten"),
    "linear": ("Bilinear", "Identity", "Linear"),
    "loss": ("BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss",
             "L1Loss", "MarginRankingLoss", "MSELoss", "NLLLoss", "SmoothL1Loss"),
    "normalization": ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
                      "InstanceNorm3d", "LayerNorm"),
    "padding": ("CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
                "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
                "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"),
    "pooling": ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
                "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d",
                "MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"),
    "rnn": ("GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"),
    "sparse": ("Embedding",),
    "transformer": ("Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
                    "TransformerEncoderLayer"),
    "upsampling": ("PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"),
}
_LAZY = {name: f"fgrad.nn.{family}" for family, names in _FAMILIES.items() for name in names}
_LAZY.update(base="fgrad.nn.base", functional="fgrad.nn.functional")

__all__ = list(_activations) + list(_FAMILIES["base"]) + sorted(
    n for family, names in _FAMILIES.items() if family != "base" for n in names)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fgrad.nn' has no attribute {name!r}")
    loaded = _importlib.import_module(module)
    value = loaded if module == f"fgrad.nn.{name}" else getattr(loaded, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
