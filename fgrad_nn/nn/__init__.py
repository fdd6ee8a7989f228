"""``torch.nn`` on fgrad: Modules are thin stateful wrappers over ``fgrad.nn``."""
from . import functional, init, parameter, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _module_names
from .parameter import Buffer, Parameter  # noqa: F401

__all__ = list(_module_names)
