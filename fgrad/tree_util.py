"""Pytrees: nested tuples, lists, dicts, namedtuples and None around array leaves.

The vocabulary is JAX's (``tree_map``, ``tree_flatten``, ``register_pytree_node``, ...).

>>> leaves, treedef = tree_flatten({"w": 1.0, "b": (2.0, None)})
>>> leaves
[2.0, 1.0]
>>> tree_unflatten(treedef, [20.0, 10.0])
{'b': (20.0, None), 'w': 10.0}
"""
from __future__ import annotations

import collections
import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, TypeVar

    from .typing import PyTree

    T = TypeVar("T", bound=Any)  # a class with tree_flatten and tree_unflatten

__all__ = [
    "PyTreeDef", "register_pytree_node", "register_pytree_node_class", "tree_flatten",
    "tree_unflatten", "tree_leaves", "tree_structure", "tree_map", "tree_reduce", "tree_all",
    "all_leaves", "treedef_is_leaf",
]

_registry: dict[type, tuple[Callable[[Any], tuple[Iterable[Any], Any]], Callable[[Any, Iterable[Any]], Any]]] = {}


def register_pytree_node(nodetype: type, flatten_func: Callable[[Any], tuple[Iterable[Any], Any]],
                         unflatten_func: Callable[[Any, Iterable[Any]], Any]) -> None:
    """Teach the pytree functions a container type.

    ``flatten_func(x) -> (children, aux_data)``; ``unflatten_func(aux_data, children) -> x``.
    ``aux_data`` is what the structure keeps besides the children (it must compare with ``==``).

    >>> class Pair:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> fgrad.tree_util.register_pytree_node(
    ...     Pair, lambda p: ((p.a, p.b), None), lambda aux, children: Pair(*children))
    >>> fgrad.tree_util.tree_leaves([Pair(1, 2), 3])
    [1, 2, 3]
    """
    if nodetype in _registry:
        raise ValueError(f"{nodetype.__name__} is already registered as a pytree node")
    _registry[nodetype] = (flatten_func, unflatten_func)


def register_pytree_node_class(cls: T) -> T:
    """Class decorator: ``cls.tree_flatten(self)`` and ``cls.tree_unflatten(aux, children)``.

    >>> @fgrad.tree_util.register_pytree_node_class
    ... class Box:
    ...     def __init__(self, x):
    ...         self.x = x
    ...     def tree_flatten(self):
    ...         return (self.x,), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children):
    ...         return cls(*children)
    >>> fgrad.tree_util.tree_map(lambda v: v * 10, Box(4)).x
    40
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        raise TypeError(f"dict keys of a pytree must be sortable, got keys {list(d)!r}") from None


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_pytree_node(list, lambda l: (l, None), lambda _, c: list(c))
register_pytree_node(dict, lambda d: ([d[k] for k in _sorted_keys(d)], _sorted_keys(d)),
                     lambda keys, c: dict(zip(keys, c)))
register_pytree_node(collections.OrderedDict, lambda d: (list(d.values()), list(d)),
                     lambda keys, c: collections.OrderedDict(zip(keys, c)))
register_pytree_node(type(None), lambda _: ((), None), lambda _a, _c: None)


def _node_of(x: Any) -> tuple[type | None, Any]:
    t = type(x)
    entry = _registry.get(t)
    if entry is not None:
        return t, entry
    if isinstance(x, tuple) and hasattr(t, "_fields"):  # namedtuple
        return t, (lambda n: (tuple(n), None), lambda _, c, t=t: t(*c))
    return None, None


class PyTreeDef:
    """The structure of a pytree without its leaves (``tree_flatten``'s second result).

    >>> treedef = fgrad.tree_util.tree_structure({"a": 1, "b": (2, None)})
    >>> treedef
    PyTreeDef({'a': *, 'b': (*, None)})
    >>> treedef.num_leaves
    2
    >>> treedef.unflatten([10, 20])
    {'a': 10, 'b': (20, None)}
    """

    __slots__ = ("node_type", "aux", "children", "num_leaves")

    def __init__(self, node_type: type | None, aux: Any, children: tuple[PyTreeDef, ...]) -> None:
        self.node_type = node_type
        self.aux = aux
        self.children = children
        self.num_leaves: int = 1 if node_type is None else sum(c.num_leaves for c in children)

    @property
    def num_nodes(self) -> int:
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """The pytree of this structure with ``leaves`` (``tree_unflatten(self, leaves)``).

        >>> fgrad.tree_util.tree_structure((0, [0])).unflatten([1, 2])
        (1, [2])
        """
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree: PyTree) -> list[Any]:
        """The subtrees of ``tree`` at this structure's leaves (this structure is a prefix of ``tree``'s).

        >>> fgrad.tree_util.tree_structure((0, 0)).flatten_up_to(([1, 2], {"a": 3}))
        [[1, 2], {'a': 3}]
        """
        out: list[Any] = []
        self._up_to(tree, out)
        return out

    def _up_to(self, tree: PyTree, out: list[Any]) -> None:
        if self.node_type is None:
            out.append(tree)
            return
        t, entry = _node_of(tree)
        if t is not self.node_type:
            raise ValueError(f"expected {self.node_type.__name__}, got {type(tree).__name__}")
        assert entry is not None  # t is self.node_type, which is not None
        children, aux = entry[0](tree)
        children = list(children)
        if len(children) != len(self.children):
            raise ValueError(f"{self.node_type.__name__} of {len(children)} children where the prefix has "
                             f"{len(self.children)}")
        if aux != self.aux:
            raise ValueError(f"{self.node_type.__name__} with {aux!r} where the prefix has {self.aux!r}")
        for c, sub in zip(self.children, children):
            c._up_to(sub, out)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, PyTreeDef) and self.node_type is other.node_type
                and self.aux == other.aux and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.node_type, repr(self.aux), self.children))

    def __repr__(self) -> str:
        return f"PyTreeDef({self._show()})"

    def _show(self) -> str:
        if self.node_type is None:
            return "*"
        inner = ", ".join(c._show() for c in self.children)
        if self.node_type is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.node_type is list:
            return f"[{inner}]"
        if self.node_type in (dict, collections.OrderedDict):
            return "{" + ", ".join(f"{k!r}: {c._show()}" for k, c in zip(self.aux, self.children)) + "}"
        if self.node_type is type(None):
            return "None"
        return f"{self.node_type.__name__}[{self.aux!r}]({inner})"


_LEAF = PyTreeDef(None, None, ())


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether ``treedef`` is the structure of a single leaf.

    >>> fgrad.tree_util.treedef_is_leaf(fgrad.tree_util.tree_structure(1.0))
    True
    >>> fgrad.tree_util.treedef_is_leaf(fgrad.tree_util.tree_structure([1.0]))
    False
    """
    return treedef.node_type is None


def tree_flatten(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list[Any], PyTreeDef]:
    """``(leaves, treedef)``: the leaves in a fixed order and the structure around them.

    Dicts give their values in sorted key order; None is a node with no children. ``is_leaf(x)``
    returning True stops the descent at ``x``.

    >>> leaves, treedef = fgrad.tree_util.tree_flatten({"w": 1.0, "b": (2.0, None)})
    >>> leaves
    [2.0, 1.0]
    >>> treedef
    PyTreeDef({'b': (*, None), 'w': *})
    """
    leaves: list[Any] = []
    treedef = _flatten(tree, is_leaf, leaves)
    return leaves, treedef


def _flatten(x: Any, is_leaf: Callable[[Any], bool] | None, leaves: list[Any]) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    t, entry = _node_of(x)
    if entry is None:
        leaves.append(x)
        return _LEAF
    children, aux = entry[0](x)
    return PyTreeDef(t, aux, tuple(_flatten(c, is_leaf, leaves) for c in children))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> PyTree:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``.

    >>> leaves, treedef = fgrad.tree_util.tree_flatten([1, (2, 3)])
    >>> fgrad.tree_util.tree_unflatten(treedef, [x * 10 for x in leaves])
    [10, (20, 30)]
    """
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: {treedef} has {treedef.num_leaves} leaves, "
                         f"but {len(leaves)} leaves were given")
    it = iter(leaves)
    return _unflatten(treedef, it)


def _unflatten(treedef: PyTreeDef, it: Iterator[Any]) -> Any:
    if treedef.node_type is None:
        return next(it)
    children = [_unflatten(c, it) for c in treedef.children]
    t = treedef.node_type
    entry = _registry.get(t)
    if entry is None:  # namedtuple
        return t(*children)
    return entry[1](treedef.aux, children)


def tree_leaves(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """The leaves of ``tree`` in ``tree_flatten``'s order.

    >>> fgrad.tree_util.tree_leaves({"b": [2, 3], "a": 1, "c": None})
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: PyTree, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
    """The structure of ``tree`` without its leaves.

    >>> fgrad.tree_util.tree_structure((1, {"k": [2, 3]}))
    PyTreeDef((*, {'k': [*, *]}))
    """
    return tree_flatten(tree, is_leaf)[1]


def all_leaves(iterable: Iterable[Any]) -> bool:
    """Whether every element of ``iterable`` is a leaf (not a container pytree).

    >>> fgrad.tree_util.all_leaves([1.0, np.ones(2)])
    True
    >>> fgrad.tree_util.all_leaves([1.0, (2.0,)])
    False
    """
    return all(treedef_is_leaf(tree_structure(x)) for x in iterable)


def tree_map(f: Callable[..., Any], tree: PyTree, *rest: PyTree,
             is_leaf: Callable[[Any], bool] | None = None) -> PyTree:
    """Apply ``f`` leafwise to ``tree`` (and the matching leaves of each of ``rest``).

    Each of ``rest`` must have the structure of ``tree``.

    >>> fgrad.tree_util.tree_map(lambda a, b: a + b, {"x": 1}, {"x": 2})
    {'x': 3}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for i, r in enumerate(rest):
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: argument {i + 1} has structure {r_def}, "
                             f"which differs from the first tree's {treedef}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def tree_reduce(function: Callable[[Any, Any], Any], tree: PyTree, initializer: Any = None,
                is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Fold ``function`` over the leaves of ``tree`` (``functools.reduce``), from ``initializer`` if given.

    >>> fgrad.tree_util.tree_reduce(lambda a, b: a + b, {"x": 1, "y": [2, 3]})
    6
    >>> fgrad.tree_util.tree_reduce(max, [4, (9, 2)], 0)
    9
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is None:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree: PyTree) -> bool:
    """Whether every leaf of ``tree`` is truthy.

    >>> fgrad.tree_util.tree_all({"a": True, "b": [1, 2]})
    True
    >>> fgrad.tree_util.tree_all([True, (0,)])
    False
    """
    return all(tree_leaves(tree))
