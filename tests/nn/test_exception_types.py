"""The pure layers raise torch's exception types; the Module/F bridge passes them through unchanged.

torch raises ValueError for some layer errors (a BatchNorm batch of one, interpolate's arguments, a
dropout probability) and RuntimeError for most others (shapes that do not fit, broadcasting). Each case
runs on torch 2.13 and on fgrad_nn, through F and through the Modules, and must raise the same type.
"""
import warnings

import numpy as np
import pytest
import torch

import fgrad_nn as ft


def _t(lib, *shape, dtype=np.float32):
    return lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))


CASES = {
    "linear bias": lambda L: L.nn.functional.linear(_t(L, 2, 3, 4), _t(L, 5, 4), _t(L, 3)),
    "linear shapes": lambda L: L.nn.functional.linear(_t(L, 2, 3, 4), _t(L, 5, 3)),
    "bilinear batch": lambda L: L.nn.functional.bilinear(_t(L, 2, 3), _t(L, 3, 4), _t(L, 5, 3, 4)),
    "Bilinear": lambda L: L.nn.Bilinear(3, 4, 5)(_t(L, 2, 3), _t(L, 2, 5)),
    "prelu channels": lambda L: L.nn.functional.prelu(_t(L, 2, 3, 4), _t(L, 5)),
    "gelu approximate": lambda L: L.nn.functional.gelu(_t(L, 3), approximate="bad"),
    "hardtanh bounds": lambda L: L.nn.functional.hardtanh(_t(L, 3), 2.0, 1.0),
    "softshrink lambda": lambda L: L.nn.functional.softshrink(_t(L, 3), -1.0),
    "glu odd": lambda L: L.nn.functional.glu(_t(L, 3), 0),
    "celu alpha 0": lambda L: L.nn.functional.celu(_t(L, 3), 0.0),
    "dropout p": lambda L: L.nn.functional.dropout(_t(L, 3), 1.5, training=False),
    "dropout1d rank in eval": lambda L: L.nn.functional.dropout1d(_t(L, 2, 3, 4, 5), 0.5, training=False),
    "Unflatten sizes": lambda L: L.nn.Unflatten(1, (2, 2))(_t(L, 2, 3, 4)),
    "batch_norm batch of one": lambda L: L.nn.functional.batch_norm(_t(L, 1, 3), None, None, training=True),
    "BatchNorm1d batch of one": lambda L: L.nn.BatchNorm1d(3)(_t(L, 1, 3)),
    "BatchNorm2d rank": lambda L: L.nn.BatchNorm2d(3)(_t(L, 1, 3, 4)),
    "LayerNorm shape": lambda L: L.nn.LayerNorm(5)(_t(L, 2, 3, 4)),
    "group_norm groups": lambda L: L.nn.functional.group_norm(_t(L, 2, 3, 4), 2),
    "adaptive_avg_pool2d output_size": lambda L: L.nn.functional.adaptive_avg_pool2d(_t(L, 1, 2, 4, 4), (1, 2, 3)),
    "AdaptiveMaxPool2d output_size": lambda L: L.nn.AdaptiveMaxPool2d((1, 2, 3))(_t(L, 1, 2, 4, 4)),
    "ConvTranspose2d output_size": lambda L: L.nn.ConvTranspose2d(3, 2, 3, stride=2)(_t(L, 1, 3, 5, 5),
                                                                                    output_size=(20, 20)),
    "Conv2d channels": lambda L: L.nn.Conv2d(3, 2, 3)(_t(L, 1, 4, 5, 5)),
    "interpolate size and scale": lambda L: L.nn.functional.interpolate(_t(L, 2, 3, 4), size=3, scale_factor=2),
    "mse_loss broadcast": lambda L: L.nn.functional.mse_loss(_t(L, 3, 4), _t(L, 3, 5)),
    "cross_entropy batch": lambda L: L.nn.functional.cross_entropy(_t(L, 3, 4), L.tensor([0, 1])),
    "pairwise_distance broadcast": lambda L: L.nn.functional.pairwise_distance(_t(L, 3, 4), _t(L, 3, 5)),
    "sdpa feature sizes": lambda L: L.nn.functional.scaled_dot_product_attention(_t(L, 2, 3, 4), _t(L, 2, 5, 6),
                                                                                 _t(L, 2, 5, 4)),
    "MultiheadAttention mask": lambda L: L.nn.MultiheadAttention(4, 2)(_t(L, 3, 2, 4), _t(L, 3, 2, 4),
                                                                       _t(L, 3, 2, 4), attn_mask=_t(L, 5, 5)),
    "LSTM hidden": lambda L: L.nn.LSTM(3, 4)(_t(L, 5, 2, 3), (_t(L, 1, 2, 4), _t(L, 1, 3, 4))),
    "RNN input size": lambda L: L.nn.RNN(3, 4)(_t(L, 5, 2, 6)),
    "Embedding index": lambda L: L.nn.Embedding(3, 2)(L.tensor([[5]])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_exception_type_as_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as expected:
            CASES[name](torch)
        with pytest.raises(Exception) as got:
            CASES[name](ft)
    assert type(got.value) is type(expected.value), (str(got.value), str(expected.value))
