"""``OptimizedModule``: what ``torch.compile(module)`` returns, as torch builds it.

The original Module is its one child ``_orig_mod`` (so ``state_dict`` keys and parameter names gain
the ``_orig_mod.`` prefix, as in torch); other attributes are read from and written to the original,
``training`` mirrors it, and ``forward`` is the compiled call of the original (its hooks included).

>>> opt = torch.compile(model)
>>> opt._orig_mod is model, opt.weight is model.weight
(True, True)
"""
from ..nn.modules.module import Module

__all__ = ["OptimizedModule"]

_OWN = {"_orig_mod", "forward", "_compiled", "__dict__", "_super_module_initialized"}


class OptimizedModule(Module):
    """A compiled Module (see the module docstring)."""

    def __init__(self, mod, compiled):
        object.__setattr__(self, "_orig_mod", mod)  # first: attribute access forwards to it
        object.__setattr__(self, "_super_module_initialized", False)
        super().__init__()
        self._super_module_initialized = True
        self._modules["_orig_mod"] = mod
        self._compiled = compiled

    def forward(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    @property
    def training(self):
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        if self._super_module_initialized:  # Module.__init__'s default is the original's business
            self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        if hasattr(type(self), name) or name in _OWN:
            return object.__setattr__(self, name, value) if name in _OWN else super().__setattr__(name, value)
        return setattr(self._orig_mod, name, value)

    def __delattr__(self, name):
        if hasattr(type(self), name) or name in _OWN:
            return super().__delattr__(name)
        return delattr(self._orig_mod, name)

    def __len__(self):
        if hasattr(type(self._orig_mod), "__len__"):
            return len(self._orig_mod)
        raise TypeError(f"{type(self._orig_mod).__name__} does not support len()")

    def __dir__(self):
        mine = self._orig_mod.__dir__()
        return mine + [a for a in super().__dir__() if a not in mine]
