"""How long ``import fgrad`` and ``import fgrad_nn`` take, beyond ``import numpy`` alone.

    python bench/import_time.py             # 21 fresh processes per module, interleaved
    python bench/import_time.py -n 51 fgrad fgrad.numpy fgrad_nn fgrad_nn.nn

Each sample is one fresh interpreter that times its own import statement (``time.perf_counter``
and ``time.process_time`` around it), so the interpreter's start-up is left out. One untimed round
writes the byte-code caches first (into a folder of the bench's own, PYTHONPYCACHEPREFIX), then the
modules are sampled round-robin (numpy, fgrad, fgrad_nn, numpy, ...) so that a burst of load on a
shared machine hits them alike. Printed per module: the median and the minimum wall time and the
median beyond ``import numpy`` (whose own median is the baseline), then the same for CPU time
(``process_time``, all threads: BLAS start-up included), which a busy machine disturbs less.
For where the time goes, use ``python -X importtime -c "import fgrad"``.

``--compile`` measures what a checkout with PYTHONDONTWRITEBYTECODE=1 waits for: fgrad's and
fgrad_nn's sources compiled on every import (everything else, NumPy and the standard library,
from its cached byte code).

This is a measurement, not a test: tests/test_import_cost.py checks which modules an import loads.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# An installed package has its .pyc files, so by default compiling the sources is not part of what is
# measured; the caches go to a folder of their own, never beside the sources.
PYCACHE = os.path.join(tempfile.gettempdir(), "fgrad-import-time-pycache")
CHILD = ("import time; w, c = time.perf_counter(), time.process_time(); import {mod}; "
         "print(time.perf_counter() - w, time.process_time() - c)")


def sample(mod: str, write_bytecode: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``import mod`` in a fresh interpreter."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONPYCACHEPREFIX=PYCACHE)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-c", CHILD.format(mod=mod)], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT)
    if proc.returncode:
        sys.exit(f"import {mod} failed:\n{proc.stderr[-2000:]}")
    wall, cpu = proc.stdout.split()
    return float(wall), float(cpu)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("modules", nargs="*", default=["fgrad", "fgrad_nn"])
    p.add_argument("-n", type=int, default=21, help="fresh processes per module")
    p.add_argument("--compile", action="store_true",
                   help="no byte-code cache for fgrad and fgrad_nn: their sources compile on every import")
    p.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = p.parse_args(argv)
    mods = ["numpy"] + [m for m in args.modules if m != "numpy"]
    for mod in mods:  # one untimed round: fills the OS file cache and writes .pyc files
        sample(mod)
    if args.compile:  # the prefix folder mirrors absolute paths: drop the project's part of it
        shutil.rmtree(PYCACHE + os.path.abspath(REPO_ROOT), ignore_errors=True)
    walls: dict[str, list[float]] = {m: [] for m in mods}
    cpus: dict[str, list[float]] = {m: [] for m in mods}
    for _ in range(args.n):
        for mod in mods:
            w, c = sample(mod, write_bytecode=not args.compile)
            walls[mod].append(w)
            cpus[mod].append(c)
    base, cpu_base = statistics.median(walls["numpy"]), statistics.median(cpus["numpy"])
    results = {m: {"median_s": statistics.median(walls[m]), "min_s": min(walls[m]),
                   "cpu_median_s": statistics.median(cpus[m]),
                   "beyond_numpy_s": statistics.median(walls[m]) - base,
                   "cpu_beyond_numpy_s": statistics.median(cpus[m]) - cpu_base} for m in mods}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    how = "sources compiled on every import" if args.compile else "byte code cached"
    print(f"import times, {args.n} fresh processes each, {how} (1-minute load average {load:.2f})\n")
    print("| module | median s | min s | beyond numpy s | CPU median s | CPU beyond numpy s |")
    print("|---|---|---|---|---|---|")
    for m, r in results.items():
        print(f"| {m} | {r['median_s']:.3f} | {r['min_s']:.3f} | {r['beyond_numpy_s']:+.3f} | "
              f"{r['cpu_median_s']:.3f} | {r['cpu_beyond_numpy_s']:+.3f} |")
    if args.json:
        print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
