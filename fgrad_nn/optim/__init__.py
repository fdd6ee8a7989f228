"""``torch.optim`` on fgrad: torch's optimizer API over the pure rules of ``fgrad.optim``.

>>> import fgrad_nn as torch
>>> w = torch.tensor([1.0, -1.0], requires_grad=True)
>>> opt = torch.optim.Adam([w], lr=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w ** 2).sum().backward()
...     opt.step()
"""
from .optimizer import Optimizer, required  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW, Adamax, NAdam, RAdam  # noqa: F401
from .rmsprop import RMSprop, Adagrad, Adadelta  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .sparse_adam import SparseAdam  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
           "LBFGS", "SparseAdam", "lr_scheduler"]
