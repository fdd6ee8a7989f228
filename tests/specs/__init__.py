"""The one table of primitive specifications: every family module's SPECS, joined.

A family module (``tests/specs/<family>.py``) defines ``SPECS = [Spec(...), ...]``.
``tests/test_primitives.py`` fails when a registered primitive has no Spec here.
"""
import importlib
import pkgutil

from ._spec import Spec  # noqa: F401


def _collect():
    specs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        specs += importlib.import_module(f"{__name__}.{info.name}").SPECS
    return specs


SPECS = _collect()
