"""``torch.nn`` on fgrad: Modules are thin stateful wrappers over ``fgrad.nn``."""
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _module_names

__all__ = list(_module_names)
for _name in ("parameter", "functional", "init", "utils"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as _e:  # a family still being written
        if _e.name != f"{__name__}.{_name}":
            raise
if "parameter" in globals():
    from .parameter import Parameter, Buffer  # noqa: F401
