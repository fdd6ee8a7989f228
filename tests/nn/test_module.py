"""nn.Module, Parameter/Buffer and the containers, against torch 2.13.

Most tests build the same thing with ``torch`` and with ``fgrad_nn`` (``both``) and
compare what torch's API reports: names, reprs, error types and messages.
"""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import fgrad_nn


def both(fn):
    """``fn(lib)`` for torch and fgrad_nn (each seeded the same)."""
    out = []
    for lib in (torch, fgrad_nn):
        lib.manual_seed(0)
        out.append(fn(lib))
    return out


def same(fn):
    a, b = both(fn)
    assert a == b, f"torch: {a!r}\nfgrad_nn: {b!r}"
    return a


def error_of(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 -- type and message are compared
        return type(e).__name__, str(e).replace("fgrad_nn.nn.modules", "torch.nn.modules")
    return None


def same_error(fn):
    t, f = error_of(fn, torch), error_of(fn, fgrad_nn)
    assert t is not None, "torch did not raise"
    assert t == f, f"torch: {t}\nfgrad_nn: {f}"


def to_ours(t):
    return fgrad_nn.tensor(t.detach().numpy())


def copy_weights(ours, theirs):
    ours.load_state_dict(OrderedDict((k, to_ours(v)) for k, v in theirs.state_dict().items()))


class Block:
    """A custom Module class (made for either library) with a parameter, buffers and children."""

    @staticmethod
    def make(lib):
        nn = lib.nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(lib.ones(3))
                self.register_buffer("count", lib.zeros((), dtype=lib.int64))
                self.register_buffer("scratch", lib.zeros(3), persistent=False)
                self.fc = nn.Linear(3, 3)
                self.seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
                self.plain = 5

            def forward(self, x):
                return self.seq(self.fc(x) * self.scale)

        return Block()


def nested(lib):
    nn = lib.nn
    return nn.Sequential(OrderedDict(
        stem=nn.Linear(4, 8), act=nn.LeakyReLU(0.2, inplace=True), drop=nn.Dropout(0.1),
        heads=nn.ModuleList([nn.Linear(8, 8) for _ in range(3)] + [nn.ReLU(), nn.Tanh(), nn.Tanh()]),
        table=nn.ModuleDict({"g": nn.GELU(approximate="tanh"), "e": nn.Embedding(10, 3, padding_idx=-1)}),
        plist=nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), lib.ones(2)]),
        pdict=nn.ParameterDict({"b": nn.Parameter(lib.zeros(2)), "a": lib.ones(3, dtype=lib.float64)}),
        prelu=nn.PReLU(3), sm=nn.Softmax(dim=1), ht=nn.Hardtanh(-2.0, 2.0), r6=nn.ReLU6(True),
        flat=nn.Flatten(), unflat=nn.Unflatten(1, (2, 2)), bil=nn.Bilinear(2, 3, 4, bias=False),
        sp=nn.Softplus(beta=2), th=nn.Threshold(0.1, 20.0), lsm=nn.LogSoftmax(dim=-1), ident=nn.Identity(3, k=2),
        custom=Block.make(lib),
    ))


# ---------------------------------------------------------------------- repr

def test_repr_of_a_nested_model_equals_torchs():
    same(lambda lib: repr(nested(lib)))


def test_repr_of_custom_module_with_extra_repr():
    def build(lib):
        class WithExtra(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Linear(2, 2)

            def extra_repr(self):
                return "k=3,\nmulti=line"
        return repr(WithExtra()), repr(lib.nn.Sequential()), repr(lib.nn.ModuleList()), str(lib.nn.ReLU())
    same(build)


def test_parameter_repr_and_type():
    def build(lib):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        q = lib.nn.Parameter(lib.tensor([1.0]), requires_grad=False)
        return (repr(p), repr(q), p.requires_grad, q.requires_grad, isinstance(p, lib.Tensor),
                isinstance(p * 2, lib.nn.Parameter), p.is_leaf, repr(lib.nn.Parameter()))
    same(build)


# ---------------------------------------------------------------------- registration

def test_attribute_routing_registers_parameters_buffers_and_modules():
    def build(lib):
        m = Block.make(lib)
        return (sorted(m._parameters), sorted(m._buffers), sorted(m._modules), "plain" in m.__dict__,
                sorted(m._non_persistent_buffers_set))
    same(build)


def test_reassignment_moves_between_registries():
    def build(lib):
        nn = lib.nn
        m = nn.Module()
        m.a = nn.Parameter(lib.zeros(1))
        m.a = None          # stays a (None) parameter
        r1 = ("a" in m._parameters, m.a)
        m.b = nn.Linear(1, 1)
        m.b = None
        r2 = ("b" in m._modules, m.b)
        m.register_buffer("c", lib.zeros(1))
        m.c = lib.ones(1)   # plain tensor assigned to a buffer name stays a buffer
        r3 = ("c" in m._buffers, m.c.tolist())
        m.x = 3
        m.x = nn.ReLU()     # a plain attribute replaced by a module moves to _modules
        r4 = ("x" in m.__dict__, "x" in m._modules)
        m.d = nn.Buffer(lib.ones(2), persistent=False)
        r5 = ("d" in m._buffers, "d" in m._non_persistent_buffers_set, type(m.d).__name__)
        return r1, r2, r3, r4, r5
    same(build)


def test_delattr_removes_from_registries():
    def build(lib):
        m = Block.make(lib)
        del m.scale, m.count, m.fc, m.plain
        return sorted(m._parameters), sorted(m._buffers), sorted(m._modules), hasattr(m, "plain")
    same(build)


@pytest.mark.parametrize("case", [
    "getattr_missing", "param_wrong_type", "module_wrong_type", "buffer_wrong_type", "register_dot",
    "register_empty", "register_exists", "buffer_exists", "buffer_dot", "buffer_not_tensor", "param_not_param",
    "add_module_not_module", "add_module_dot", "add_module_exists", "no_init_param", "no_init_module",
    "no_init_buffer", "nonleaf_param", "get_submodule", "get_submodule_not_module", "get_parameter",
    "get_parameter_not_param", "get_buffer_not_buffer", "train_not_bool", "forward_missing", "init_kwargs",
    "to_int_dtype",
])
def test_errors_match_torch(case):
    def fn(lib):
        nn = lib.nn
        m = Block.make(lib)
        if case == "getattr_missing":
            return m.nothing
        if case == "param_wrong_type":
            m.scale = lib.zeros(3)
        if case == "module_wrong_type":
            m.fc = lib.zeros(3)
        if case == "buffer_wrong_type":
            m.count = 3
        if case == "register_dot":
            m.register_parameter("a.b", None)
        if case == "register_empty":
            m.register_parameter("", None)
        if case == "register_exists":
            m.register_parameter("plain", None)
        if case == "buffer_exists":
            m.register_buffer("fc", lib.zeros(1))
        if case == "buffer_dot":
            m.register_buffer("a.b", lib.zeros(1))
        if case == "buffer_not_tensor":
            m.register_buffer("z", [1.0])
        if case == "param_not_param":
            m.register_parameter("z", lib.zeros(1))
        if case == "add_module_not_module":
            m.add_module("z", 3)
        if case == "add_module_dot":
            m.add_module("a.b", nn.ReLU())
        if case == "add_module_exists":
            m.add_module("plain", nn.ReLU())

        class NoInit(nn.Module):
            def __init__(self, what):
                if what == "param":
                    self.p = nn.Parameter(lib.zeros(1))
                elif what == "module":
                    self.m = nn.ReLU()
                else:
                    self.register_buffer("b", lib.zeros(1))
        if case.startswith("no_init_"):
            NoInit(case[len("no_init_"):])
        if case == "nonleaf_param":
            w = lib.ones(2, requires_grad=True) * 2
            m.register_parameter("w", w)
        if case == "get_submodule":
            m.get_submodule("seq.7")
        if case == "get_submodule_not_module":
            m.get_submodule("fc.weight")
        if case == "get_parameter":
            m.get_parameter("seq.0.nothing")
        if case == "get_parameter_not_param":
            m.get_parameter("count")
        if case == "get_buffer_not_buffer":
            m.get_buffer("fc.weight")
        if case == "train_not_bool":
            m.train(1)
        if case == "forward_missing":
            nn.Module()(lib.zeros(1))
        if case == "init_kwargs":
            nn.Module(foo=1)
        if case == "to_int_dtype":
            m.to(lib.int64)
    same_error(fn)


def test_get_submodule_parameter_buffer():
    def build(lib):
        m = Block.make(lib)
        return (m.get_submodule("seq.2") is m.seq[2], m.get_parameter("seq.0.bias") is m.seq[0].bias,
                m.get_buffer("count") is m.count, m.get_submodule("") is m)
    assert same(build) == (True, True, True, True)


# ---------------------------------------------------------------------- iteration

def test_named_members_equal_torchs():
    def build(lib):
        m = nested(lib)
        m.custom.tied = m.stem          # the same module twice
        m.custom.extra = m.stem.weight  # the same parameter twice
        return (
            [n for n, _ in m.named_parameters()],
            [n for n, _ in m.named_parameters(prefix="model", recurse=True)],
            [n for n, _ in m.named_parameters(remove_duplicate=False)],
            [n for n, _ in m.custom.named_parameters(recurse=False)],
            [n for n, _ in m.named_buffers()],
            [n for n, _ in m.named_buffers(remove_duplicate=False)],
            [n for n, _ in m.named_children()],
            [n for n, _ in m.named_modules()],
            [n for n, _ in m.named_modules(remove_duplicate=False)],
            [n for n, _ in m.named_modules(prefix="root")],
            len(list(m.parameters())), len(list(m.buffers())), len(list(m.children())), len(list(m.modules())),
            [type(c).__name__ for c in m.custom.children()],
        )
    same(build)


def test_apply_visits_children_first():
    def build(lib):
        seen = []
        m = nested(lib)
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        return seen
    same(build)


def test_train_eval_propagate():
    def build(lib):
        m = nested(lib)
        r = [m.training, m.heads[0].training]
        m.eval()
        r += [m.training, m.heads[0].training, m.custom.seq[1].training]
        m.custom.train()
        r += [m.training, m.custom.seq[1].training]
        return r
    same(build)


# ---------------------------------------------------------------------- state dict

def test_state_dict_keys_shapes_and_detach():
    def build(lib):
        m = nested(lib)
        sd = m.state_dict()
        kv = m.state_dict(keep_vars=True)
        return (type(sd).__name__, [(k, tuple(v.shape), str(v.dtype)) for k, v in sd.items()],
                any(v.requires_grad for v in sd.values()), all(kv[k] is p for k, p in m.named_parameters()),
                dict(sd._metadata))
    same(build)


def test_state_dict_shares_storage_with_parameters():
    m = fgrad_nn.nn.Linear(2, 2)
    sd = m.state_dict()
    with fgrad_nn.no_grad():
        m.weight.fill_(3.0)
    assert sd["weight"].tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_load_state_dict_roundtrip_from_torch():
    t = nested(torch)
    f = nested(fgrad_nn)
    res = f.load_state_dict(OrderedDict((k, to_ours(v)) for k, v in t.state_dict().items()))
    assert repr(res) == "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (kt, vt), (kf, vf) in zip(t.state_dict().items(), f.state_dict().items()):
        assert kt == kf
        np.testing.assert_array_equal(vf.numpy(), vt.numpy())
    assert f.stem.weight.requires_grad and f.stem.weight.is_leaf


@pytest.mark.parametrize("case", ["missing", "unexpected", "both", "size", "size_and_missing", "nested", "child"])
def test_load_state_dict_errors_equal_torchs(case):
    def fn(lib):
        m = lib.nn.Linear(3, 2) if case not in ("nested", "child") else Block.make(lib)
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        if case in ("missing", "both", "size_and_missing", "nested"):
            sd.pop(next(iter(sd)))
        if case in ("unexpected", "both", "nested"):
            sd["foo"] = lib.zeros(1)
        if case in ("size", "size_and_missing"):
            sd["bias"] = lib.zeros(5)
        if case == "child":
            sd["seq.5.weight"] = lib.zeros(1)
            sd["fc.extra"] = lib.zeros(1)
        m.load_state_dict(sd)
    same_error(fn)


def test_load_state_dict_non_strict_report():
    def build(lib):
        m = Block.make(lib)
        sd = m.state_dict()
        sd.pop("fc.weight")
        sd["seq.9.bias"] = lib.zeros(1)
        r = m.load_state_dict(sd, strict=False)
        return type(r).__name__, r.missing_keys, r.unexpected_keys, repr(r), tuple(r)
    same(build)


def test_load_state_dict_copies_in_place_and_assign_replaces():
    m = fgrad_nn.nn.Linear(2, 1)
    w = m.weight
    m.load_state_dict({"weight": fgrad_nn.ones(1, 2), "bias": fgrad_nn.zeros(1)})
    assert m.weight is w and w.tolist() == [[1.0, 1.0]] and w.requires_grad
    new = fgrad_nn.full((1, 2), 7.0)
    m.load_state_dict({"weight": new, "bias": fgrad_nn.zeros(1)}, assign=True)
    assert m.weight is not w and isinstance(m.weight, fgrad_nn.nn.Parameter) and m.weight.requires_grad
    assert m.weight.tolist() == [[7.0, 7.0]]


def test_load_state_dict_type_error():
    same_error(lambda lib: lib.nn.Linear(1, 1).load_state_dict([1, 2]))


# ---------------------------------------------------------------------- grads, devices, dtypes

def test_zero_grad_and_requires_grad_():
    def build(lib):
        m = lib.nn.Linear(3, 2)
        m(lib.ones(4, 3)).sum().backward()
        m.zero_grad(set_to_none=False)
        r = [m.weight.grad.tolist(), m.bias.grad.tolist()]
        m.zero_grad()
        r.append(m.weight.grad)
        m.requires_grad_(False)
        r.append([p.requires_grad for p in m.parameters()])
        r.append(m(lib.ones(1, 3)).requires_grad)
        return r
    same(build)


def test_to_dtype_keeps_parameter_identity_and_int_buffers():
    def build(lib):
        m = Block.make(lib)
        w = m.fc.weight
        assert m.double() is m
        r = [m.fc.weight is w, str(m.fc.weight.dtype), str(m.count.dtype), str(m.scratch.dtype),
             isinstance(m.fc.weight, lib.nn.Parameter), m.fc.weight.requires_grad, m.fc.weight.is_leaf]
        out = m(lib.ones(2, 3, dtype=lib.float64))
        r.append(str(out.dtype))
        m.float()
        r.append(str(m.fc.weight.dtype))
        m.to(lib.float64)
        r.append(str(m.scale.dtype))
        m.to(dtype=lib.float32, device="cpu")
        r.append(str(m.scale.dtype))
        m.to(lib.zeros(1, dtype=lib.float64))
        r.append(str(m.scale.dtype))
        m.half()
        r.append(str(m.scale.dtype))
        m.cpu()
        r.append(str(m.scale.device))
        return r
    same(build)


def test_to_converts_existing_grads():
    m = fgrad_nn.nn.Linear(2, 1)
    m(fgrad_nn.ones(1, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == fgrad_nn.float64


def test_module_to_device(device):
    m = fgrad_nn.nn.Sequential(fgrad_nn.nn.Linear(3, 4), fgrad_nn.nn.ReLU(), fgrad_nn.nn.Linear(4, 2))
    w = m[0].weight
    m.to(device)
    assert m[0].weight is w and m[0].weight.device.type == device
    x = fgrad_nn.ones(5, 3, device=device)
    m(x).sum().backward()
    assert m[2].bias.grad.device.type == device
    np.testing.assert_allclose(m[2].bias.grad.cpu().numpy(), [5.0, 5.0])


def test_linear_built_on_device(device):
    m = fgrad_nn.nn.Linear(3, 2, device=device, dtype=fgrad_nn.float64)
    assert m.weight.device.type == device and m.weight.dtype == fgrad_nn.float64
    assert m(fgrad_nn.ones(1, 3, device=device, dtype=fgrad_nn.float64)).device.type == device


# ---------------------------------------------------------------------- hooks

def test_forward_hooks_modify_inputs_and_outputs_and_remove():
    def build(lib):
        m = lib.nn.Linear(2, 2)
        calls = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_hook(lambda mod, args, out: out + 100)
        h3 = m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
        h4 = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
        h5 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(sorted(kwargs)), with_kwargs=True)
        x = lib.ones(1, 2)
        a = m(x).tolist()
        for h in (h1, h2, h3, h4, h5):
            h.remove()
        b = m(x).tolist()
        with m.register_forward_pre_hook(lambda mod, args: args[0] * 0):  # a bare return is wrapped in a tuple
            c = m(x).tolist()
        d = m(x).tolist()
        base = lib.nn.functional.linear(x * 2, m.weight, m.bias) + 100
        return np.allclose(a, base.tolist()), b == d, np.allclose(c, [m.bias.tolist()]), calls
    same(build)


def test_always_call_forward_hook_runs_when_forward_raises():
    def build(lib):
        calls = []

        class Bad(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        m = Bad()
        m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
        with pytest.raises(ValueError):
            m(lib.zeros(1))
        return calls
    same(build)


def test_bad_pre_hook_with_kwargs_result():
    def fn(lib):
        m = lib.nn.ReLU()
        m.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
        m(lib.zeros(1))
    same_error(fn)


# ---------------------------------------------------------------------- containers

def test_sequential_api():
    def build(lib):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
        r = [type(s[0]).__name__, type(s[-1]).__name__, len(s), type(s[1:3]).__name__, repr(s[1:3]),
             [type(m).__name__ for m in s], repr(s[::2])]
        s.append(nn.Sigmoid())
        s.insert(1, nn.ELU())
        s.insert(-1, nn.SELU())
        s.extend([nn.GELU(), nn.SiLU()])
        r.append(repr(s))
        del s[2]
        r.append(list(s._modules))
        del s[1:3]
        r.append(repr(s))
        r.append(type(s.pop(0)).__name__)
        s[0] = nn.Mish()
        r.append(repr(s))
        r.append(repr(s + nn.Sequential(nn.ReLU())))
        r.append(repr(nn.Sequential(nn.ReLU()) * 2))
        t = nn.Sequential(nn.ReLU())
        t *= 3
        t += nn.Sequential(nn.Tanh())
        r.append(repr(t))
        named = nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.ReLU())]))
        r += [repr(named), type(named.a).__name__, repr(named[1:]), list(named.state_dict())]
        return r
    same(build)


@pytest.mark.parametrize("case", ["index", "neg_index", "insert", "add", "mul", "mul_type", "del"])
def test_sequential_errors(case):
    def fn(lib):
        s = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh())
        if case == "index":
            s[2]
        if case == "neg_index":
            s[-3]
        if case == "insert":
            s.insert(5, lib.nn.ReLU())
        if case == "add":
            s + 1
        if case == "mul":
            s * 0
        if case == "mul_type":
            s * 1.5
        if case == "del":
            del s[4]
    same_error(fn)


def test_sequential_forward_matches_torch():
    t = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    f = fgrad_nn.nn.Sequential(fgrad_nn.nn.Linear(3, 5), fgrad_nn.nn.Tanh(), fgrad_nn.nn.Linear(5, 2))
    copy_weights(f, t)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    yt, yf = t(torch.tensor(x)), f(fgrad_nn.tensor(x))
    np.testing.assert_allclose(yf.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yt.square().sum().backward()
    yf.square().sum().backward()
    for (n, pt), (_, pf) in zip(t.named_parameters(), f.named_parameters()):
        np.testing.assert_allclose(pf.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=n)


def test_module_list_api():
    def build(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
        ml.append(nn.Tanh())
        ml.extend([nn.Linear(2, 2), nn.Linear(2, 2)])
        ml += [nn.Sigmoid()]
        ml.insert(1, nn.ELU())
        r = [repr(ml), len(ml), type(ml[-1]).__name__, repr(ml[1:4]), type(ml[1:4]).__name__,
             [type(m).__name__ for m in ml], [n for n, _ in ml.named_parameters()]]
        del ml[0]
        r.append(list(ml._modules))
        del ml[::2]
        r.append(repr(ml))
        ml[0] = nn.GELU()
        r.append(type(ml.pop(-1)).__name__)
        r.append(repr(ml + nn.ModuleList([nn.ReLU()])))
        return r
    same(build)


@pytest.mark.parametrize("case", ["index", "extend"])
def test_module_list_errors(case):
    def fn(lib):
        ml = lib.nn.ModuleList([lib.nn.ReLU()])
        if case == "index":
            ml[3]
        ml.extend(lib.nn.ReLU())
    same_error(fn)


def test_module_dict_api():
    def build(lib):
        nn = lib.nn
        md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
        md["c"] = nn.Tanh()
        md.update([("d", nn.ELU())])
        md.update(nn.ModuleDict({"e": nn.SELU()}))
        r = [list(md.keys()), [type(v).__name__ for v in md.values()], [k for k, _ in md.items()], len(md),
             "a" in md, "z" in md, list(md), repr(md)]
        r.append(type(md.pop("a")).__name__)
        del md["b"]
        r.append(list(md.keys()))
        md.clear()
        r.append(len(md))
        return r
    same(build)


@pytest.mark.parametrize("case", ["not_iterable", "bad_element", "bad_length"])
def test_module_dict_update_errors(case):
    def fn(lib):
        md = lib.nn.ModuleDict()
        md.update({"not_iterable": 3, "bad_element": [3], "bad_length": [("a", lib.nn.ReLU(), 1)]}[case])
    same_error(fn)


def test_parameter_list_and_dict():
    def build(lib):
        nn = lib.nn
        pl = nn.ParameterList([lib.zeros(2), nn.Parameter(lib.ones(3))])
        pl.append(lib.ones(1))
        pl.extend([lib.zeros(4, 4)])
        pd = nn.ParameterDict({"w": lib.zeros(2), "a": nn.Parameter(lib.ones(1))})
        pd["z"] = lib.ones(3)
        pd.update(OrderedDict([("y", lib.ones(2))]))
        r = [len(pl), [type(p).__name__ for p in pl], [tuple(p.shape) for p in pl[1:3]], repr(pl),
             [n for n, _ in pl.named_parameters()], list(pd.keys()), len(pd), "w" in pd, repr(pd),
             [n for n, _ in pd.named_parameters()], type(pd["w"]).__name__, pd.get("nope", 5)]
        r.append(tuple(pd.pop("a").shape))
        r.append(list(pd.keys()))
        r.append(pd.setdefault("q", None))
        r.append(list((pd | nn.ParameterDict({"k": lib.zeros(1)})).keys()))
        return r
    same(build)


def test_parameter_list_and_dict_not_callable():
    same_error(lambda lib: lib.nn.ParameterList()(1))
    same_error(lambda lib: lib.nn.ParameterDict()(1))


# ---------------------------------------------------------------------- Parameter and Buffer

def test_parameter_shares_storage_and_is_a_leaf():
    t = fgrad_nn.zeros(3)
    p = fgrad_nn.nn.Parameter(t)
    with fgrad_nn.no_grad():
        p.add_(1.0)
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert p.is_leaf and p.grad_fn is None
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


def test_parameter_from_tensor_that_requires_grad_is_a_new_leaf():
    x = fgrad_nn.ones(2, requires_grad=True)
    p = fgrad_nn.nn.Parameter(x * 3)
    assert p.is_leaf and p.requires_grad and p.tolist() == [3.0, 3.0]


def test_parameter_deepcopy_and_pickle():
    p = fgrad_nn.nn.Parameter(fgrad_nn.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    q = copy.deepcopy(p)
    assert type(q) is fgrad_nn.nn.Parameter and q.requires_grad and q.grad.tolist() == [2.0, 4.0]
    with fgrad_nn.no_grad():
        q.zero_()
    assert p.tolist() == [1.0, 2.0]
    r = pickle.loads(pickle.dumps(fgrad_nn.nn.Parameter(fgrad_nn.tensor([3.0]), requires_grad=False)))
    assert type(r) is fgrad_nn.nn.Parameter and not r.requires_grad and r.tolist() == [3.0]


def test_module_deepcopy_keeps_structure_and_ties():
    m = nested(fgrad_nn)
    m.custom.tied = m.stem
    c = copy.deepcopy(m)
    assert repr(c) == repr(m)
    assert c.custom.tied is c.stem and c.stem is not m.stem
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]
    for a, b in zip(c.parameters(), m.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with fgrad_nn.no_grad():
        c.stem.weight.zero_()
    assert m.stem.weight.abs().sum().item() > 0


def test_module_pickle_roundtrip():
    nn = fgrad_nn.nn
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.ModuleDict({"e": nn.Embedding(5, 2)}), nn.Dropout(0.2))
    m.register_buffer("steps", fgrad_nn.tensor(3))
    r = pickle.loads(pickle.dumps(m))
    assert repr(r) == repr(m)
    assert list(r.state_dict()) == list(m.state_dict())
    for a, b in zip(r.state_dict().values(), m.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert isinstance(r[0].weight, nn.Parameter) and r[0].weight.requires_grad


def test_dir_lists_registered_names():
    m = Block.make(fgrad_nn)
    names = dir(m)
    assert {"scale", "count", "fc", "seq", "plain", "forward"} <= set(names)


def test_seeded_initialisation_is_reproducible():
    fgrad_nn.manual_seed(3)
    a = fgrad_nn.nn.Linear(4, 4).weight.tolist()
    fgrad_nn.manual_seed(3)
    b = fgrad_nn.nn.Linear(4, 4).weight.tolist()
    c = fgrad_nn.nn.Linear(4, 4).weight.tolist()
    assert a == b and a != c
