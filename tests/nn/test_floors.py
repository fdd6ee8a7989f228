"""The floors: the pure face (fgrad.nn, fgrad.optim) runs without the torch face (fgrad_nn) ever loaded."""
import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import sys
    import numpy as np
    import fgrad, fgrad.nn as nn, fgrad.optim as optim, fgrad.random as fr

    net = nn.serial(nn.Conv1d(2, 3, 3, padding=1), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 1))
    params, state = net.init(fr.key(0))
    x = np.ones((5, 2, 4), np.float32)
    loss = lambda p, s: net.apply(p, s, x, train=True)[0].sum()
    opt = optim.inject_hyperparams(optim.adam)(lr=0.1)
    opt_state = opt.init(params)
    updates, opt_state = opt.update(fgrad.grad(loss)(params, state), opt_state, params)
    params = optim.apply_updates(params, updates)
    print(sorted(m for m in sys.modules if m == "fgrad_nn" or m.startswith("fgrad_nn.")))
""")


def test_pure_face_never_imports_the_torch_face():
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
