"""A compiled callable: one staged program per call signature, cached; graph breaks fall back to eager.

A signature is what the program specialises on: the nest of the arguments, each Tensor's shape,
dtype and requires_grad, the values of the other arguments (ints, strings, None: static), the
training mode of every Module involved, grad mode, and the same for the parameters and buffers.
The parameters and buffers of the compiled Module -- or of the Modules a compiled function reaches
through its globals and closure -- are program inputs, so optimizer steps and ``load_state_dict``
need no recompilation. A Tensor that requires grad and is read from elsewhere (a global weight) is
found while staging and becomes an input too.

A call whose staging hits data-dependent Python (a Tensor's ``bool()`` / ``item()``, an output whose
shape depends on values, a draw from a ``torch.Generator``) is a graph break: that signature runs
eagerly from then on, or, with ``fullgraph=True``, raises ``Unsupported``. Calls on values of running
``torch.func`` transforms run eagerly (the transforms see every op).

>>> f = CompiledCallable(fn, module=None, fullgraph=False, recompile_limit=8)
>>> f(x)
"""
import contextlib
import warnings

from fgrad.errors import ConcretizationTypeError, NonConcreteBooleanIndexError, TracerArrayConversionError
from fgrad.random import key as random_key

from .._tensor import Tensor, on_tape, transform_traced
from ..autograd.grad_mode import STATE
from ..func import _pytree as pt
from ..func._module import _reparametrize
from ..nn.init import next_key
from ..nn.modules.module import Module
from ._entry import Entry, captured_leaves, signature, stage_call
from .exc import Unsupported

__all__ = ["CompiledCallable"]

_BREAKS = (ConcretizationTypeError, TracerArrayConversionError, NonConcreteBooleanIndexError)
_EAGER = "eager"  # a cached graph break
_DUMMY_KEY = random_key(0)  # the key a program is staged with (replays draw a fresh one when it is read)


def reached_modules(fn):
    """The Modules a function names in its globals or closure (its bound ``self`` too)."""
    found = []
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, Module):
        found.append(owner)
    code = getattr(fn, "__code__", None)
    if code is not None:
        glob = getattr(fn, "__globals__", {})
        found += [glob[n] for n in code.co_names if isinstance(glob.get(n), Module)]
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                v = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(v, Module):
                found.append(v)
    out, seen = [], set()
    for m in found:
        if id(m) not in seen:
            seen.add(id(m))
            out.append(m)
    return out


class _State:
    """The parameters and buffers of some Modules: unique Tensors, and each Module's names for them."""

    __slots__ = ("tensors", "names", "modes")

    def __init__(self, modules):
        self.tensors, self.names, index, modes = [], [], {}, []
        for m in modules:
            names = []
            for prefix, sub in m.named_modules(remove_duplicate=False):  # one walk: modes, parameters, buffers
                modes.append(sub.training)
                dot = prefix + "." if prefix else ""
                for reg in (sub._parameters, sub._buffers):
                    for n, t in reg.items():
                        if t is None:
                            continue
                        k = index.get(id(t))
                        if k is None:
                            k = index[id(t)] = len(self.tensors)
                            self.tensors.append(t)
                        names.append((dot + n, k))
            self.names.append((m, names))
        self.modes = tuple(modes)

    @contextlib.contextmanager
    def swapped(self, ts):
        """Each Module's registries hold ``ts`` (Tensors over tracers) in place of its own, inside the block."""
        with contextlib.ExitStack() as stack:
            for m, names in self.names:
                stack.enter_context(_reparametrize(m, {n: ts[k] for n, k in names}))
            yield


class CompiledCallable:
    """``fn`` compiled (see the module docstring); ``module``: the Module whose state ``fn`` runs on."""

    def __init__(self, fn, module, fullgraph, recompile_limit):
        self.fn = fn
        self.modules = [module] if module is not None else reached_modules(fn)
        self.fullgraph = fullgraph
        self.recompile_limit = recompile_limit
        self.cache = {}
        self._warned = False

    def __call__(self, *args, **kwargs):
        leaves, spec = pt.flatten((args, kwargs))
        pos = [i for i, v in enumerate(leaves) if isinstance(v, Tensor)]
        state = _State(self.modules)
        tensors = state.tensors + [leaves[i] for i in pos]
        if any(transform_traced(t._data) for t in tensors):
            return self.fn(*args, **kwargs)
        try:
            static = tuple((i, type(v), v) for i, v in enumerate(leaves) if not isinstance(v, Tensor))
            key = (spec, static, tuple(map(signature, tensors)), state.modes, STATE.enabled)
            hash(key)
        except TypeError:  # an unhashable argument: nothing to specialise on, so no program
            return self.fn(*args, **kwargs)
        found = self.cache.get(key)
        if found is _EAGER:
            return self.fn(*args, **kwargs)
        first = False
        if found is not None:
            entry, extra_sig = found
            extras = entry.extra_tensors(extra_sig)
        if found is None or extras is None:
            if found is None and self._at_limit():
                return self.fn(*args, **kwargs)
            entry, extras = self._stage(key, spec, leaves, pos, state, tensors)
            if entry is None:
                return self.fn(*args, **kwargs)
            first = True
        rkey = next_key() if entry.uses_key else _DUMMY_KEY
        return entry.run(tensors, rkey, extras, first)

    def _at_limit(self):
        if sum(1 for v in self.cache.values() if v is not _EAGER) < self.recompile_limit:
            return False
        if not self._warned:
            self._warned = True
            warnings.warn(f"fgrad_nn.compile: {getattr(self.fn, '__name__', 'the function')} hit the recompile "
                          f"limit ({self.recompile_limit}); new signatures run eagerly", stacklevel=3)
        return True

    def _stage(self, key, spec, leaves, pos, state, tensors):
        n_state = len(state.tensors)

        def call(ts):
            filled = list(leaves)
            for j, i in enumerate(pos):
                filled[i] = ts[n_state + j]
            a, kw = pt.unflatten(spec, filled)
            with state.swapped(ts):
                return self.fn(*a, **kw)

        try:
            rec = stage_call(call, tensors, _DUMMY_KEY)
        except _BREAKS as e:
            if self.fullgraph:
                raise Unsupported(f"graph break in {getattr(self.fn, '__name__', 'the compiled function')} "
                                  f"with fullgraph=True: {e}") from e
            self.cache[key] = _EAGER
            return None, None
        refs = captured_leaves(rec.captured)
        if refs is None:  # closed over an intermediate of an autograd graph: only eager mode is right
            self.cache[key] = _EAGER
            return None, None
        extras = [r() for r in refs]
        grad = STATE.enabled
        diff = [grad and on_tape(t._data) for t in tensors] + [False] + [grad] * len(extras)
        examples = [t._raw() for t in tensors] + [_DUMMY_KEY] + [t._raw() for t in extras]
        entry = Entry(rec, refs, examples, diff)
        self.cache[key] = (entry, [signature(t) for t in extras])
        return entry, extras
