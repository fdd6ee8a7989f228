"""``torch.nn`` on fgrad: Modules are thin stateful wrappers over ``fgrad.nn``."""
from typing import TYPE_CHECKING

from . import functional, init, parameter, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Buffer, Parameter  # noqa: F401
from . import parallel  # noqa: F401  (torch.nn.parallel)
from .parallel import DataParallel  # noqa: F401

if not TYPE_CHECKING:  # mypy reads only a literal __all__ (see modules/__init__.py)
    from .modules import __all__ as _module_names
    __all__ = list(_module_names) + ["DataParallel"]
