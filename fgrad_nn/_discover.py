"""Import every family module of a package and re-export its ``__all__``.

Packages with one module per family (layers, nn.modules) use this in their
``__init__``, so adding a family is adding a file.
"""
import importlib
import pkgutil


def export_families(package_name, package_path, namespace):
    names = []
    for info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        for name in getattr(module, "__all__", ()):
            namespace[name] = getattr(module, name)
            names.append(name)
    return names
