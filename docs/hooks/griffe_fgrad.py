"""A griffe extension for the API reference (mkdocstrings reads the source through griffe).

Two things static analysis gets wrong for this project, put right here:

- **Which names a module offers.** Some modules build ``__all__`` at run time, ``fgrad`` and
  ``fgrad_nn`` load submodules lazily, a few functions are made by factories (``fgrad.numpy``'s
  elementwise functions) and a few share their module's name (``fgrad.jit`` in
  ``fgrad/staging/jit.py``, which griffe shadows with the module). For each module with a page in
  ``docs/api/``, this imports the module and makes griffe's view match: its exports become the
  public functions and classes tests/test_docstrings.py checks, each an alias of the object's
  defining location, or, for a factory-made function, a function built from the live object's
  signature and docstring.
- **Examples.** Docstrings are plain text with ``>>>`` examples, which Markdown would render as
  nested blockquotes; each run of doctest lines is fenced as ``pycon`` code.
"""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import griffe

if TYPE_CHECKING:
    import ast

API_PAGES = Path(__file__).resolve().parent.parent / "api"


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block (a ``>>>`` line to the next blank line) fenced as ``pycon``."""
    out: list[str] = []
    indent: str | None = None  # the open block's indentation; None outside a block
    in_fence = False
    for line in text.split("\n"):
        stripped = line.lstrip()
        if indent is not None and not stripped:
            out.append(f"{indent}```")
            indent = None
        elif indent is None and not in_fence and stripped.startswith(">>>"):
            indent = line[:len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
        elif indent is None and stripped.startswith("```"):
            in_fence = not in_fence
        out.append(line)
    if indent is not None:
        out.append(f"{indent}```")
    return "\n".join(out)


def documented_modules() -> list[str]:
    """The modules with an API page: ``docs/api/<module>.md``."""
    return sorted(p.stem for p in API_PAGES.glob("*.md") if p.stem != "index")


def _ours(obj: Any) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] in ("fgrad", "fgrad_nn")


def public_objects(modname: str) -> list[tuple[str, Any]]:
    """(name, object) for each public function and class ``modname`` offers.

    The rule of tests/test_docstrings.py's ``public_objects`` (this file runs without the test
    suite); tests/test_docs_site.py checks that every name that rule finds has its entry.
    """
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    out = []
    for name in sorted(names):
        obj = getattr(mod, name, None)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _ours(obj):
            out.append((name, obj))
    return out


def _annotation(a: Any) -> str | None:
    if a is inspect.Parameter.empty:
        return None
    return a if isinstance(a, str) else inspect.formatannotation(a)


def _function_from(name: str, fn: Any) -> griffe.Function:
    """A griffe Function for a live function (its signature and docstring)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = inspect.Signature()
    params = griffe.Parameters(*[
        griffe.Parameter(p.name, annotation=_annotation(p.annotation), kind=griffe.ParameterKind(p.kind.description),
                         default=None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in sig.parameters.values()])
    doc = inspect.getdoc(fn)
    return griffe.Function(name, parameters=params, returns=_annotation(sig.return_annotation),
                           docstring=griffe.Docstring(fence_doctests(doc)) if doc else None)


def _resolves_to(member: Any, kinds: tuple[str, ...]) -> bool:
    try:
        target = member.final_target if member.is_alias else member
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False
    return target.kind in kinds


def _lookup(loader: griffe.GriffeLoader, path: str) -> Any:
    root = path.split(".")[0]
    try:
        if root not in loader.modules_collection:
            loader.load(root)
        return loader.modules_collection[path]
    except (KeyError, griffe.LoadingError, ImportError):
        return None


class FgradAPI(griffe.Extension):
    """Fence doctest examples; make each documented module's public names what Python sees."""

    def on_instance(self, *, node: ast.AST | griffe.ObjectNode, obj: griffe.Object, agent: Any,
                    **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        for modname in documented_modules():
            if modname.split(".")[0] != pkg.name:
                continue
            module = pkg if modname == pkg.name else pkg[modname.split(".", 1)[1]]
            names = []
            for name, obj in public_objects(modname):
                names.append(name)
                kind = (griffe.Kind.CLASS,) if inspect.isclass(obj) else (griffe.Kind.FUNCTION,)
                member = module.members.get(name)
                if member is not None and _resolves_to(member, kind):
                    continue
                where = f"{obj.__module__}.{obj.__qualname__}"
                target = None if "<locals>" in where else _lookup(loader, where)
                if target is not None and _resolves_to(target, kind):
                    module.set_member(name, griffe.Alias(name, where, parent=module))
                elif inspect.isfunction(obj):
                    module.set_member(name, _function_from(name, obj))
            module.exports = names
