"""torch's pytrees for ``torch.func``: tuples, lists, dicts (in insertion order), OrderedDicts and
namedtuples are nodes; everything else -- Tensors, numbers, None -- is a leaf.

fgrad's own pytrees sort dict keys and take None for an empty node (JAX's rules); torch keeps a
dict's order (``grad`` of a parameter dict comes back in the module's order) and takes None for a
leaf (``in_dims=(0, None)``), so the torch face flattens its arguments with these instead.
"""
from collections import OrderedDict

__all__ = ["Spec", "flatten", "unflatten", "broadcast_prefix", "LEAF"]


def _kind(x):
    t = type(x)
    if t is tuple or t is list or t is dict or t is OrderedDict:
        return t
    if isinstance(x, tuple) and hasattr(t, "_fields"):  # namedtuple
        return t
    return None


class Spec:
    """The structure of a pytree: ``kind`` (None for a leaf), ``keys`` (a dict's), ``children``."""

    __slots__ = ("kind", "keys", "children", "num_leaves")

    def __init__(self, kind, keys, children):
        self.kind = kind
        self.keys = keys
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def __eq__(self, other):
        return (isinstance(other, Spec) and self.kind is other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.keys, self.children))

    def __repr__(self):
        if self.kind is None:
            return "*"
        inner = [repr(c) for c in self.children]
        if self.keys is not None:
            inner = [f"{k!r}: {c}" for k, c in zip(self.keys, inner)]
            return "{" + ", ".join(inner) + "}"
        if self.kind is list:
            return "[" + ", ".join(inner) + "]"
        body = ", ".join(inner) + ("," if len(inner) == 1 else "")
        return f"({body})" if self.kind is tuple else f"{self.kind.__name__}({body})"


LEAF = Spec(None, None, ())


def flatten(tree):
    """``(leaves, spec)`` of ``tree`` by torch's rules (see the module docstring)."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(x, leaves):
    kind = _kind(x)
    if kind is None:
        leaves.append(x)
        return LEAF
    if kind is dict or kind is OrderedDict:
        keys = tuple(x)
        return Spec(kind, keys, tuple(_flatten(x[k], leaves) for k in keys))
    return Spec(kind, None, tuple(_flatten(v, leaves) for v in x))


def unflatten(spec, leaves):
    """The pytree of structure ``spec`` with ``leaves`` (a list, consumed in order)."""
    it = iter(leaves)
    out = _unflatten(spec, it)
    return out


def _unflatten(spec, it):
    if spec.kind is None:
        return next(it)
    children = [_unflatten(c, it) for c in spec.children]
    if spec.keys is not None:
        return spec.kind(zip(spec.keys, children))
    if spec.kind is tuple or spec.kind is list:
        return spec.kind(children)
    return spec.kind(*children)  # namedtuple


def broadcast_prefix(prefix, spec):
    """One entry of ``prefix`` per leaf of ``spec`` (a leaf of ``prefix`` covers its whole subtree), or
    None when ``prefix`` is not a prefix of the structure (torch's ``_broadcast_to_and_flatten``)."""
    out = []
    return out if _broadcast(prefix, spec, out) else None


def _broadcast(prefix, spec, out):
    kind = _kind(prefix)
    if kind is None:
        out.extend([prefix] * spec.num_leaves)
        return True
    if kind is not spec.kind or len(prefix) != len(spec.children):
        return False
    if spec.keys is not None:
        if set(prefix) != set(spec.keys):
            return False
        subs = [prefix[k] for k in spec.keys]
    else:
        subs = list(prefix)
    return all(_broadcast(p, c, out) for p, c in zip(subs, spec.children))
