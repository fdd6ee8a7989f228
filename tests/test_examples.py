"""The digits demos (examples/train_digits.py and its pure twin) run and learn.

One epoch each, so this stays fast; the full run (>= 97% test accuracy) is the README's command.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("script", ["train_digits.py", "train_digits_pure.py"])
def test_digits_demo_learns(script):
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), "--epochs", "1"],
                          capture_output=True, env=env, timeout=300)
    out = proc.stdout.decode()  # bytes: text mode would turn the progress bar's \r into \n
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "\r" in out and "[###" in out  # the progress bar, redrawn in place
    acc = float(re.search(r"final test accuracy: ([0-9.]+)", out).group(1))
    assert acc > 0.8, out[-500:]  # chance is 0.1


def test_facade_demo_evaluates_the_model_reloaded_from_its_checkpoint(tmp_path):
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    ckpt = tmp_path / "convnet.safetensors"
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_digits.py"), "--epochs", "1",
                           "--quiet", "--checkpoint", str(ckpt)], capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "reloaded" in proc.stdout.decode()
    import fgrad_nn
    state = fgrad_nn.load(str(ckpt))
    assert {"model", "optimizer"} <= set(state) and "conv1.weight" in state["model"]
