"""The pure face of fgrad_nn: layers as (init, apply) pairs over parameter pytrees.

Each family module (linear.py, conv.py, ...) holds the array-level functions with
torch.nn.functional's names (the one implementation of the math) and the layer
classes built on them.

>>> layer = fgrad_nn.layers.Linear(3, 2)
>>> params, state = layer.init(fgrad.random.key(0))
>>> y, state = layer.apply(params, state, np.ones((4, 3), np.float32))
"""
from .._discover import export_families

__all__ = export_families(__name__, __path__, globals())
