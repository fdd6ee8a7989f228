"""The nn programs of the study notes in /work/shared/seeds, run with ``import fgrad_nn as torch``.

Each program runs twice: with real torch, then with fgrad_nn bound to ``torch``. Models
are built by the program; ``sync(model)`` (injected) records torch's initial state_dict
and loads the same values into the fgrad_nn model, and the data are the same NumPy
arrays, so printed losses, outputs, gradients and updated parameters must agree.
The seeds' typos (``h_relue``, ``retrun``, the odd ``__init__(self, TwoLayerNet)``)
are fixed; everything else is as written in the notes.
"""
import contextlib
import io
from collections import OrderedDict

import numpy as np
import torch

import fgrad_nn

RNG = np.random.default_rng(0)
DATA = {
    "x_img": RNG.standard_normal((4, 3, 32, 32)).astype(np.float32),
    "y_cls": RNG.integers(0, 10, 4),
    "x_mlp": RNG.standard_normal((16, 10)).astype(np.float32),
    "y_mlp": RNG.standard_normal((16, 1)).astype(np.float32),
    "x_two": RNG.standard_normal((8, 6)).astype(np.float32),
    "y_two": RNG.standard_normal((8, 3)).astype(np.float32),
}


def _to_np(v):
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().numpy()
    if isinstance(v, fgrad_nn.Tensor):
        return np.asarray(v.detach().cpu())
    if isinstance(v, (list, tuple)):
        return type(v)(_to_np(x) for x in v)
    return v


def run_both(src, names):
    """Run ``src`` under torch and fgrad_nn; returns (printed, {name: value}) for each."""
    states = []
    results = []
    for lib in (torch, fgrad_nn):
        calls = iter(range(1000))

        def sync(model, lib=lib):
            k = next(calls)
            if lib is torch:
                states.append(OrderedDict((n, v.detach().numpy().copy()) for n, v in model.state_dict().items()))
            else:
                model.load_state_dict(OrderedDict((n, fgrad_nn.tensor(v)) for n, v in states[k].items()))
            return model

        lib.manual_seed(0)
        ns = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional, "optim": lib.optim, "np": np, "sync": sync,
              **{k: v.copy() for k, v in DATA.items()}}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(src, "<seed program>", "exec"), ns)
        results.append((out.getvalue(), {n: _to_np(ns[n]) for n in names}))
    return results


def assert_close(a, b, tol, what):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b), what
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, tol, f"{what}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol, err_msg=what)
    elif isinstance(a, float):
        assert abs(a - b) <= tol * max(1.0, abs(a)), f"{what}: {a} vs {b}"
    else:
        assert a == b, f"{what}: {a!r} vs {b!r}"


def check(src, names, tol=1e-4, same_print=True):
    (pt, rt), (pf, rf) = run_both(src, names)
    for n in names:
        assert_close(rt[n], rf[n], tol, n)
    if same_print:
        assert pt == pf
    return rt, rf


# ---------------------------------------------------------------------------- 000

SEED000_INIT = """
shape = (64, 3, 5, 5)
w1 = nn.init.kaiming_normal_(torch.empty(shape))
w0 = nn.init.zeros_(torch.empty(shape))
stats = (tuple(w1.shape), round(float(w1.std()), 1), float(w0.abs().sum()), w1.requires_grad)
"""


def test_000_init_helpers():
    rt, rf = check(SEED000_INIT, ["stats"])
    assert rt["stats"][1] == round((2 / 75) ** 0.5, 1)


SEED000_FUNCTIONAL = """
x = torch.tensor(x_mlp, requires_grad=True)
w = torch.tensor(np.linspace(-1, 1, 30, dtype=np.float32).reshape(3, 10), requires_grad=True)
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
a = F.linear(x, w, b)
same = bool(torch.allclose(a, x.mm(w.T) + b))
scores = F.relu(a)
y = torch.tensor(y_cls[:16] % 3 if len(y_cls) >= 16 else np.arange(16) % 3)
loss = F.cross_entropy(scores, y)
loss.backward()
print(f"{loss.item():.5f}", same)
grads = (x.grad, w.grad, b.grad)
"""


def test_000_functional_linear_relu_cross_entropy():
    check(SEED000_FUNCTIONAL, ["loss", "grads", "same"])


SEED000_OPTIM = """
p = [nn.Parameter(torch.ones(3))]
sgd = optim.SGD(p, lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False, foreach=None,
                differentiable=False, fused=None)
adam = optim.Adam(p, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, foreach=None,
                  maximize=False, capturable=False, differentiable=False, fused=None)
(p[0] ** 2).sum().backward()
sgd.step()
adam.step()
after = p[0]
"""


def test_000_optimizer_signatures():
    check(SEED000_OPTIM, ["after"], tol=1e-6)


SEED000_CONVNET = """
def flatten(x):
    N = x.shape[0]
    return x.view(N, -1)

class ThreeLayerConvNet(nn.Module):
  def __init__(self, in_channel, channel_1, channel_2, num_classes):
    super().__init__()
    H = 32
    W = 32
    self.conv1 = nn.Conv2d(in_channel, channel_1, kernel_size=5, padding=2)
    self.relu1 = nn.ReLU()
    self.conv2 = nn.Conv2d(channel_1, channel_2, kernel_size=5, padding=2)
    self.relu2 = nn.ReLU()

    self.fc = nn.Linear(channel_2 * H * W, num_classes)

    nn.init.kaiming_normal_(self.conv1.weight)
    nn.init.kaiming_normal_(self.conv2.weight)
    nn.init.kaiming_normal_(self.fc.weight)

    nn.init.zeros_(self.conv1.bias)
    nn.init.zeros_(self.conv2.bias)
    nn.init.zeros_(self.fc.bias)

  def forward(self, x):
    scores = None
    x = self.conv1(x)
    x = self.relu1(x)
    x = self.conv2(x)
    x = self.relu2(x)
    x = flatten(x)
    x = self.fc(x)
    scores = x
    return scores

model = sync(ThreeLayerConvNet(3, 6, 4, 10))
text = repr(model)
biases_zero = float(model.conv1.bias.abs().sum() + model.fc.bias.abs().sum())
optimizer = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, nesterov=True)
x = torch.tensor(x_img)
y = torch.tensor(y_cls)
losses = []
for t in range(3):
    scores = model(x)
    loss = F.cross_entropy(scores, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(round(loss.item(), 3))
print(losses)
conv1_grad = model.conv1.weight.grad
fc_after = model.fc.weight
"""


def test_000_three_layer_convnet_trains_like_torch():
    rt, rf = check(SEED000_CONVNET, ["text", "biases_zero", "losses", "conv1_grad", "fc_after", "scores"], tol=2e-4)
    assert rt["biases_zero"] == 0.0


# ---------------------------------------------------------------------------- 001

SEED001_SEQUENTIAL = """
D_in, H, D_out = 10, 20, 1
model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out),
)
sync(model)
loss_fn = torch.nn.MSELoss(reduction='sum')
x, y = torch.tensor(x_mlp), torch.tensor(y_mlp)
learning_rate = 1e-4
losses = []
for t in range(5):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
params = [p for p in model.parameters()]
print(len(params), [tuple(p.shape) for p in params])
"""


def test_001_sequential_with_manual_sgd():
    check(SEED001_SEQUENTIAL, ["losses", "params", "y_pred"])


SEED001_OPTIM = """
model = sync(torch.nn.Sequential(torch.nn.Linear(10, 20), torch.nn.ReLU(), torch.nn.Linear(20, 1)))
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-3
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
x, y = torch.tensor(x_mlp), torch.tensor(y_mlp)
losses = []
for t in range(5):
    loss = loss_fn(model(x), y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
params = list(model.parameters())
"""


def test_001_adam():
    check(SEED001_OPTIM, ["losses", "params"])


SEED001_CUSTOM = """
class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNet, self).__init__()
        self.linear1 = torch.nn.Linear(D_in, H)
        self.linear2 = torch.nn.Linear(H, D_out)
    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        y_pred = self.linear2(h_relu)
        return y_pred

model = sync(TwoLayerNet(6, 12, 3))
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
x, y = torch.tensor(x_two), torch.tensor(y_two)
losses = []
for t in range(5):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
text = repr(model)
names = [n for n, _ in model.named_parameters()]
params = list(model.parameters())
"""


def test_001_custom_two_layer_net():
    check(SEED001_CUSTOM, ["losses", "text", "names", "params"])


# ---------------------------------------------------------------------------- 002

SEED002_LAYERS = """
fc = torch.nn.Linear(in_features=8, out_features=4, bias=True, device=None, dtype=None)
fc_nobias = torch.nn.Linear(8, 4, bias=False, dtype=torch.float64)
pool = torch.nn.MaxPool2d(kernel_size=2, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)
bn = torch.nn.BatchNorm2d(num_features=3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None,
                          dtype=None)
conv = torch.nn.Conv2d(3, 6, 3, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros',
                       device=None, dtype=None)
lstm = torch.nn.LSTM(input_size=5, hidden_size=7, num_layers=2, bias=True, batch_first=True, dropout=0,
                     bidirectional=True, proj_size=0)
text = "\\n".join(repr(m) for m in (fc, fc_nobias, pool, bn, conv, lstm))
x = torch.tensor(x_img[:, :, :8, :8])
shapes = [tuple(fc(torch.ones(2, 8)).shape), tuple(fc_nobias.weight.shape), fc_nobias.bias,
          str(fc_nobias.weight.dtype), tuple(pool(x).shape), tuple(bn(x).shape), tuple(conv(x).shape)]
out, (h_n, c_n) = lstm(torch.ones(3, 4, 5))
shapes += [tuple(out.shape), tuple(h_n.shape), tuple(c_n.shape)]
keys = [list(m.state_dict()) for m in (fc, bn, conv, lstm)]
enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16), 2)
dec = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16), 1)
model_t = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
shapes.append(tuple(enc(torch.ones(5, 3, 8)).shape))
shapes.append(tuple(dec(torch.ones(4, 3, 8), torch.ones(5, 3, 8)).shape))
shapes.append(tuple(model_t(torch.ones(5, 3, 8), torch.ones(4, 3, 8)).shape))
"""


def test_002_layer_constructors_and_shapes():
    check(SEED002_LAYERS, ["text", "shapes", "keys"])


# ---------------------------------------------------------------------------- 004

SEED004_GPU = """
model = torch.nn.Linear(10, 1)
data = torch.randn(100, 10)
if torch.cuda.is_available():
    model = model.to('cuda')
    data = data.to('cuda')
out = model(data)
where = (str(out.device) == str(model.weight.device), tuple(out.shape))
"""


def test_004_model_to_device():
    rt, rf = check(SEED004_GPU, ["where"])
    assert rf["where"] == (True, (100, 1))


SEED004_COMPONENTS = """
import torch.nn as nn
layers = [torch.nn.Linear(10, 20, bias=True), torch.nn.Conv2d(3, 8, 3, stride=1, padding=0, bias=True),
          torch.nn.MaxPool2d(2, stride=None, padding=0), torch.nn.BatchNorm2d(8), torch.nn.ReLU(inplace=False)]
losses = [torch.nn.MSELoss(), torch.nn.CrossEntropyLoss(), torch.nn.BCELoss()]
seq = torch.nn.Sequential(*layers[1:])
ml = torch.nn.ModuleList(modules=None)
md = torch.nn.ModuleDict(modules=None)
ml.append(layers[0])
md['conv'] = layers[1]
text = "\\n".join(repr(m) for m in layers + losses + [seq, ml, md])
y = seq(torch.tensor(x_img[:, :, :10, :10]))
p = torch.sigmoid(torch.tensor(y_mlp[:4, 0]))
vals = (losses[0](p, torch.tensor([0.0, 1.0, 0.5, 1.0])).item(),
        losses[1](torch.tensor(x_mlp[:4, :3]), torch.tensor([0, 2, 1, 1])).item(),
        losses[2](p, torch.tensor([0.0, 1.0, 1.0, 0.0])).item(), tuple(y.shape))
"""


def test_004_components():
    check(SEED004_COMPONENTS.replace("import torch.nn as nn\n", ""), ["text", "vals"])


SEED004_MYMODEL = """
class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.layer1 = nn.Linear(10, 20)
        self.layer2 = nn.Linear(20, 10)

    def forward(self, x):
        x = self.layer1(x)
        x = nn.ReLU()(x)
        x = self.layer2(x)
        return x

model = sync(MyModel())
out = model(torch.tensor(x_mlp))
out.pow(2).mean().backward()
grads = [p.grad for p in model.parameters()]
tensor = torch.empty(3, 5)
init = torch.nn.init
u = init.uniform_(tensor, a=0.0, b=1.0)
in_range = bool(((u >= 0) & (u < 1)).all())
n = init.normal_(tensor, mean=0.0, std=1.0)
same_obj = (u is tensor, n is tensor)
"""


def test_004_custom_model_and_init():
    check(SEED004_MYMODEL, ["out", "grads", "in_range", "same_obj"])


SEED004_TRAINING = """
# 定义模型
class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc1 = nn.Linear(10, 50)
        self.fc2 = nn.Linear(50, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x

# 实例化模型
model = sync(SimpleModel())

# 定义损失函数和优化器
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

# 生成一些示例数据
inputs = torch.tensor(x_mlp)
targets = torch.tensor(y_mlp)

# 训练循环
for epoch in range(100):
    # 前向传播
    outputs = model(inputs)
    loss = criterion(outputs, targets)

    # 反向传播和优化
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    print(f'Epoch [{epoch+1}/100], Loss: {loss.item():.4f}')
final = list(model.parameters())
"""


def test_004_training_loop_prints_the_same_losses():
    rt, rf = check(SEED004_TRAINING, ["final", "outputs"], tol=1e-4)


def test_programs_use_fgrad_nn_modules():
    """The fgrad_nn run really used fgrad_nn (not torch) objects."""
    (_, rt), (_, rf) = run_both("m = torch.nn.Linear(2, 2)\ncls = type(m).__module__", ["cls"])
    assert rt["cls"].startswith("torch.") and rf["cls"].startswith("fgrad_nn.")
