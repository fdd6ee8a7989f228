"""The package and the examples type-check: mypy, configured in pyproject.toml ([tool.mypy]), is clean."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean():
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"mypy found errors:\n{proc.stdout[-8000:]}{proc.stderr[-2000:]}"
