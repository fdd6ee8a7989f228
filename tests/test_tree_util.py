"""fgrad.tree_util: JAX's pytree vocabulary."""
import collections

import numpy as np
import pytest
from hypothesis import given

from fgrad import tree_util as tu
from fgrad.testing.strategies import pytrees

Point = collections.namedtuple("Point", "x y")


@given(pytrees())
def test_flatten_unflatten_round_trip(tree):
    leaves, treedef = tu.tree_flatten(tree)
    rebuilt = tu.tree_unflatten(treedef, leaves)
    assert tu.tree_structure(rebuilt) == treedef
    for a, b in zip(tu.tree_leaves(rebuilt), leaves):
        assert a is b


def test_builtin_nodes_and_leaf_order():
    tree = {"b": (1, None, [2, 3]), "a": Point(4, {"z": 5}), "c": collections.OrderedDict([("q", 6), ("p", 7)])}
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [4, 5, 1, 2, 3, 6, 7]  # dict keys sorted, OrderedDict keeps its order
    assert tu.tree_unflatten(treedef, leaves) == tree
    assert treedef.num_leaves == 7
    assert repr(tu.tree_structure((1, [2]))) == "PyTreeDef((*, [*]))"


def test_tree_map_with_several_trees_and_mismatch_error():
    assert tu.tree_map(lambda a, b: a * b, {"u": 2, "v": (3,)}, {"u": 5, "v": (7,)}) == {"u": 10, "v": (21,)}
    with pytest.raises(ValueError, match="structure"):
        tu.tree_map(lambda a, b: a, {"u": 1}, {"w": 1})


def test_is_leaf_and_reduce():
    tree = [(1, 2), (3, 4)]
    assert tu.tree_map(lambda t: sum(t), tree, is_leaf=lambda n: isinstance(n, tuple)) == [3, 7]
    assert tu.tree_reduce(lambda a, b: a + b, tree) == 10
    assert tu.tree_all([True, (True, 1)])


def test_register_custom_node():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    tu.register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    leaves, treedef = tu.tree_flatten(Pair(np.ones(2), 3.0))
    assert len(leaves) == 2
    back = tu.tree_unflatten(treedef, [10, 20])
    assert (back.a, back.b) == (10, 20)
    with pytest.raises(ValueError, match="already registered"):
        tu.register_pytree_node(Pair, lambda p: ((), None), lambda _, c: Pair(0, 0))


def test_unflatten_with_wrong_leaf_count_says_so():
    _, treedef = tu.tree_flatten((1, 2))
    with pytest.raises(ValueError, match="2 leaves.*3 leaves"):
        tu.tree_unflatten(treedef, [1, 2, 3])


def test_flatten_up_to_gives_the_subtrees_at_a_prefix_leaves():
    prefix = tu.tree_structure((0, {"a": 0, "b": 0}))
    tree = ([1, 2], {"a": (3, 4), "b": None})
    assert prefix.flatten_up_to(tree) == [[1, 2], (3, 4), None]
    with pytest.raises(ValueError, match="3 children where the prefix has 2"):
        prefix.flatten_up_to((1, 2, 3))
    with pytest.raises(ValueError, match="expected dict"):
        prefix.flatten_up_to((1, [2]))
