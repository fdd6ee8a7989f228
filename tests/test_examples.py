"""The examples run and learn, with the ``demo`` extra (a tqdm bar, a matplotlib PNG) and without it
(plain lines, no picture).

One epoch (or a few steps) each, so this stays fast; the full run (>= 97% test accuracy) is the
README's command.
"""
import os
import re
import struct
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTRAS = ("tqdm", "matplotlib")


def run_example(script, *args, cwd, without=()):
    """Run examples/<script> in a fresh interpreter, in ``cwd``; the modules in ``without`` fail to import
    there, as when the ``demo`` extra is not installed. Returns (stdout, stderr)."""
    path = os.path.join(ROOT, "examples", script)
    code = ("import runpy, sys\n"
            f"for name in {list(without)!r}:\n"
            "    sys.modules[name] = None  # `import name` now raises ImportError\n"
            f"sys.argv = [{path!r}, *{list(args)!r}]\n"
            f"runpy.run_path({path!r}, run_name='__main__')\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def final_accuracy(out):
    return float(re.search(r"final test accuracy: ([0-9.]+)", out).group(1))


def png_size(path):
    """(width, height) from a PNG's header, after checking its signature and first chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    return struct.unpack(">II", head[16:24])


def test_digits_demo_with_the_demo_extra_shows_a_bar_and_writes_its_png(tmp_path):
    pytest.importorskip("sklearn")
    for name in EXTRAS:
        pytest.importorskip(name)
    out, err = run_example("train_digits.py", "--epochs", "1", cwd=tmp_path)
    assert re.search(r"epoch 1/1: 100%\|.*45/45 .*loss=[0-9.]+, test_loss=[0-9.]+, test_acc=[0-9.]+", err), err[-500:]
    assert final_accuracy(out) > 0.8, out[-500:]  # chance is 0.1
    png = tmp_path / "digits_training.png"  # the default: the working directory
    assert f"to {png}" in out
    width, height = png_size(png)
    assert (width, height) == (1200, 500)  # figsize (12, 5) at 100 dpi
    assert 20_000 < png.stat().st_size < 1_000_000  # curves and digits drawn, not an empty canvas


def test_digits_demo_without_the_demo_extra_prints_plain_lines_and_reloads_its_checkpoint(tmp_path):
    pytest.importorskip("sklearn")
    ckpt = tmp_path / "convnet.safetensors"
    out, err = run_example("train_digits.py", "--epochs", "1", "--checkpoint", str(ckpt), cwd=tmp_path,
                           without=EXTRAS)
    assert re.search(r"^epoch 1/1: 45/45 batch, [0-9.]+s, loss=[0-9.]+, test_loss=[0-9.]+, test_acc=[0-9.]+$",
                     out, re.M), out[-1000:]
    assert "\r" not in out and "%|" not in out + err  # no bar drawn in place
    assert "no picture: matplotlib is not installed" in out
    assert not list(tmp_path.glob("*.png"))
    assert final_accuracy(out) > 0.8, out[-500:]
    assert f"checkpoint saved to {ckpt} and reloaded" in out
    import fgrad_nn
    state = fgrad_nn.load(str(ckpt))
    assert {"model", "optimizer"} <= set(state) and "conv1.weight" in state["model"]


def test_pure_digits_demo_learns(tmp_path):
    pytest.importorskip("sklearn")
    out, _ = run_example("train_digits_pure.py", "--epochs", "1", cwd=tmp_path)
    assert final_accuracy(out) > 0.8, out[-500:]


@pytest.mark.parametrize("without", [(), EXTRAS], ids=["demo extra", "no demo extra"])
def test_char_lm_demo_shows_the_loss_as_it_trains(tmp_path, without):
    if not without:
        pytest.importorskip("tqdm")
    out, err = run_example("char_lm.py", "--steps", "3", "--seq", "8", "--batch", "4", "--sample-length", "5",
                           cwd=tmp_path, without=without)
    if without:
        assert re.search(r"^training: 3/3 step, [0-9.]+s, loss=[0-9.]+$", out, re.M), out[-1000:]
    else:
        assert re.search(r"training: 100%\|.*3/3 .*loss=[0-9.]+\]", err), err[-500:]
    assert re.search(r"sample:\ndef .{5}", out)
