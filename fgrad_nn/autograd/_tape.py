"""The facade's autograd graph: one global fgrad reverse-mode trace at level 0.

A Tensor that requires grad holds a ``VJPTracer`` of ``TAPE``. ``TapeTrace`` is
fgrad's ``VJPTrace`` recording ``TapeNode``s: fgrad's ``Node`` plus what torch's
semantics need (the input tracers for ``create_graph``, the version counters of
the tensors the call read, and a freed flag). Which in-place writes spoil a node
is told by its primitive's ``linear``/``reads_output`` flags (see engine.py).
Transforms run at levels >= 1, so ``fgrad.grad`` nests with the tape either way.
"""
from __future__ import annotations

import weakref
from typing import Any

from fgrad.core import Node, VJPTrace, VJPTracer, next_order

__all__ = ["TapeTrace", "TapeNode", "TAPE"]

_new = object.__new__


class TapeNode(Node):
    __slots__ = ("inputs", "saved", "freed", "tensor", "retains", "hooks")

    def __init__(self, prim, params, args, ans, parents, inputs=None):
        self.prim = prim
        self.params = params
        self.args = args
        self.ans = ans
        self.parents = parents
        self.inputs = inputs    # the call's arguments as given (tape tracers), for create_graph
        # ((counter, version) per input on the tape, (counter, version, value) per constant, ...),
        # then (counter, version) of the output, or None, 0 for a node the call's result does not hold
        self.saved = TAPE.saved
        self.freed = False
        self.tensor = None      # leaves: weakref to their Tensor
        self.retains = None     # weakrefs of non-leaf Tensors that called retain_grad()
        self.hooks = None       # {output index: {handle id: fn}}: register_hook on non-leaf outputs
        self.order = next_order()


class TapeTrace(VJPTrace):
    """The one reverse-mode trace behind ``Tensor.backward``; level 0 (below every transform).

    fgrad_nn's own (torch records its graph in C++): a Tensor that requires grad holds one of its tracers.

    >>> from fgrad_nn.autograd import TAPE, TapeTrace
    >>> isinstance(TAPE, TapeTrace), TAPE.level
    (True, 0)
    >>> torch.ones(1, requires_grad=True)._data._trace is TAPE
    True
    """

    __slots__ = ("saved", "saved_hooks")

    def __init__(self):
        self.level = 0
        self.saved = None  # set by the facade's op wrapper around each call; each new node keeps it
        self.saved_hooks = []  # autograd.graph.saved_tensors_hooks: each packs a new node's saved values

    def make_node(self, prim: Any, params: Any, vals: Any, ans: Any, parents: Any, args: Any) -> TapeNode:
        """``TapeNode(prim, params, vals, ans, parents, args)``, its fields set here: one Python call
        where calling the class costs its ``__init__`` and the class call around it (every recorded op).
        (``vals``: the values the primitive ran on; ``args``: the call's arguments as given, tape tracers.)"""
        node = _new(TapeNode)
        node.prim = prim
        node.params = params
        node.args = vals
        node.ans = ans
        node.parents = parents
        node.inputs = args
        node.saved = self.saved
        node.freed = False
        node.tensor = None
        node.retains = None
        node.hooks = None
        node.order = next_order()
        if self.saved_hooks:
            self.saved_hooks[-1](node)
        return node

    def leaf_of(self, value: Any, tensor: Any) -> VJPTracer:  # tensor: the leaf's Tensor (_tensor imports this module)
        node = TapeNode(None, None, None, value, ())
        node.saved = None
        node.tensor = weakref.ref(tensor)
        return VJPTracer(self, value, node)


TAPE = TapeTrace()
