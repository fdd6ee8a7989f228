"""The one table of primitive specifications: every family module's SPECS, joined.

A family module (``tests/specs/<family>.py``) defines ``SPECS = [Spec(...), ...]`` and may define
``COMPLEX_SPECS``: specs whose draws are complex (the complex test set).
``tests/test_primitives.py`` fails when a registered primitive has no Spec here.
"""
import importlib
import pkgutil

from ._spec import Spec  # noqa: F401


def _collect():
    specs, complex_specs = [], []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        specs += module.SPECS
        complex_specs += getattr(module, "COMPLEX_SPECS", [])
    return specs, complex_specs


SPECS, COMPLEX_SPECS = _collect()  # COMPLEX_SPECS: complex draws (tests/specs/complex_numbers.py)
