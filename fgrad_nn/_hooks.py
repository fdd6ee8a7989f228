"""``torch.utils.hooks.RemovableHandle``, at the bottom floor so tensors and modules can both use it."""
from __future__ import annotations

import weakref
from typing import Any

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """What ``register_*_hook`` returns: ``handle.remove()`` (or ``with handle:``) unregisters the hook.

    ``hooks_dict``: the (weak-referenceable, e.g. ``OrderedDict``) dict the hook was stored in under
    ``handle.id``; ``extra_dict``: more dicts (or a list of them) holding the same id.

    >>> from collections import OrderedDict
    >>> from fgrad_nn._hooks import RemovableHandle
    >>> hooks = OrderedDict()
    >>> h = RemovableHandle(hooks)
    >>> hooks[h.id] = print
    >>> h.remove()
    >>> len(hooks)
    0
    """

    _next_id = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        extra = () if extra_dict is None else (extra_dict if isinstance(extra_dict, list) else [extra_dict])
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
