"""The array functions behind the layers, with ``torch.nn.functional``'s names and signatures.

These are the one implementation of the math: each layer's ``apply`` calls them, and
``fgrad_nn.nn.functional`` runs them on Tensors. They take and return arrays (or fgrad
tracers), so every fgrad transform applies.

>>> import numpy as np, fgrad.nn.functional as F
>>> F.softmax(np.array([0.0, 0.0]), dim=0)
array([0.5, 0.5])
"""
from .activation import (celu, elu, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh,  # noqa: F401
                         leaky_relu, log_softmax, logsigmoid, mish, prelu, relu, relu6, selu, sigmoid, silu,
                         softmax, softmax_dim, softmin, softplus, softshrink, softsign, tanh, tanhshrink,
                         threshold)
from .attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: F401
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, fold, unfold  # noqa: F401
from .distance import cosine_similarity, normalize, pairwise_distance  # noqa: F401
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout  # noqa: F401
from .flatten import flatten, unflatten  # noqa: F401
from .linear import bilinear, identity, linear  # noqa: F401
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,  # noqa: F401
                   cross_entropy, huber_loss, kl_div, l1_loss, margin_ranking_loss, mse_loss, nll_loss,
                   smooth_l1_loss)
from .normalization import (batch_norm, batch_norm_stats, group_norm, instance_norm,  # noqa: F401
                            instance_norm_stats, layer_norm)
from .padding import pad  # noqa: F401
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,  # noqa: F401
                      adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d, avg_pool2d,
                      avg_pool3d, lp_pool1d, lp_pool2d, max_pool1d, max_pool2d, max_pool3d, max_unpool1d,
                      max_unpool2d, max_unpool3d)
from .rnn import gru_cell, lstm_cell, recurrent, rnn_relu_cell, rnn_tanh_cell  # noqa: F401
from .sparse import embedding, embedding_renorm, one_hot  # noqa: F401
from .transformer import generate_square_subsequent_mask  # noqa: F401
from .upsampling import (interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,  # noqa: F401
                         upsample_nearest)

__all__ = sorted(n for n in dir() if not n.startswith("_"))
