"""Data-parallel weak scaling: samples/s of the MLP and conv-net training steps at 1 rank vs N ranks.

Each rank runs the torch-face step of bench/cases/mlp.py and bench/cases/convnet.py (the same
``nn.Sequential`` models, their batch per rank, SGD) wrapped in ``DistributedDataParallel``, with one
BLAS thread per process; N ranks process N times the samples per step (weak scaling), so the ideal
speed-up is N. For the MLP it also times the gradient all-reduce alone (all its parameters in one
buffer) and the part of it the step waits for at the end of backward (what overlapping did not hide).

    python bench/distributed.py                  # 1 vs 2 ranks
    python bench/distributed.py --ranks 1 2 4 --steps 30 --dtype float64

A benchmark, not a test: nothing asserts a time. Targets on a 2-core machine: >= 1.7x samples/s at
2 ranks, and the MLP's all-reduce under 10% of its step.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
TAG = "DIST_RESULT "
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}


def mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else "mpiexec"


def models(torch, case, name):
    """The case's torch-face model, loaded with its data (as bench/cases/<name>.py's facade contestant)."""
    nn = torch.nn
    if name == "mlp":
        s = case.SIZES
        model = nn.Sequential(nn.Linear(s[0], s[1]), nn.ReLU(), nn.Linear(s[1], s[2]), nn.ReLU(),
                              nn.Linear(s[2], s[3]))
        keys = ("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias")
        transpose = True  # the case stores W as (in, out); nn.Linear as (out, in)
    else:
        model = nn.Sequential(nn.Conv2d(3, case.C1, case.K1, padding=2), nn.ReLU(),
                              nn.Conv2d(case.C1, case.C2, case.K2, padding=1), nn.ReLU(), nn.Flatten(),
                              nn.Linear(case.C2 * case.H * case.H, 10))
        keys = ("0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias")
        transpose = False
    return model, keys, transpose


def worker(args):
    import numpy as np

    sys.path.insert(0, BENCH_DIR)
    from _harness import load_case

    import fgrad_nn as torch
    import fgrad_nn.distributed as dist
    import fgrad_nn.nn.functional as F
    from fgrad_nn.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    results = {}
    for name in ("mlp", "convnet"):
        case = load_case(name)
        dtype = np.dtype(args.dtype)
        data = case.make_data(np.random.default_rng(rank), dtype)  # each rank its own batch
        model, keys, transpose = models(torch, case, name)
        model.to(dtype=getattr(torch, args.dtype))
        model.load_state_dict({k: torch.tensor(data[n].T.copy() if transpose and n.startswith("W") else data[n])
                               for k, n in zip(keys, case.NAMES)})
        ddp = DDP(model)
        waited = []
        finish = ddp._finish_backward

        def timed_finish(finish=finish, waited=waited):
            t0 = time.perf_counter()
            finish()
            waited.append(time.perf_counter() - t0)

        ddp._finish_backward = timed_finish
        x, labels = torch.tensor(data["x"]), torch.tensor(data["labels"])
        opt = torch.optim.SGD(ddp.parameters(), lr=case.LR)

        def step():
            loss = F.cross_entropy(ddp(x), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss.item()

        steps = args.steps if name == "mlp" else max(3, args.steps // 4)
        for _ in range(3):
            step()
        times, cpu = [], []
        waited.clear()
        for _ in range(steps):
            dist.barrier()
            t0, c0 = time.perf_counter(), time.process_time()
            step()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        step_s = statistics.median(times)
        out = {"step_ms": 1e3 * step_s, "samples_per_s": world * case.BATCH / step_s,
               "best_ms": 1e3 * min(times), "best_samples_per_s": world * case.BATCH / min(times),
               "cpu_ms": 1e3 * statistics.median(cpu), "waited_ms": 1e3 * statistics.median(waited)}
        if name == "mlp":
            n = sum(p.numel() for p in model.parameters())
            buf = np.ones(n, dtype)
            comm = ddp._comm
            ar = []
            for _ in range(steps):
                comm.barrier()
                t0 = time.perf_counter()
                comm.iallreduce(buf, "mean", out=buf, check=False).wait()
                ar.append(time.perf_counter() - t0)
            out["params"] = n
            out["allreduce_ms"] = 1e3 * statistics.median(ar)
        results[name] = out
    if rank == 0:
        print(TAG + json.dumps({"world": world, "results": results}), flush=True)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--steps", type=int, default=40, help="timed MLP steps (the conv net runs a quarter)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    env = dict(os.environ, **ONE_THREAD)
    runs = {}
    for n in args.ranks:
        cmd = [mpiexec(), "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker", "--steps",
               str(args.steps), "--dtype", args.dtype]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith(TAG)]
        if proc.returncode or not line:
            sys.exit(f"{n} ranks failed:\n{proc.stdout}\n{proc.stderr}")
        runs[n] = json.loads(line[0][len(TAG):])["results"]
    base = runs[args.ranks[0]]
    print(f"DistributedDataParallel weak scaling, {args.dtype}, one BLAS thread per rank, "
          f"{os.cpu_count()} CPUs\n")
    print("| case | ranks | median step ms | samples/s | speed-up | best step ms | speed-up (best) | "
          "CPU ms per step | end-of-backward wait ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("mlp", "convnet"):
        for n in args.ranks:
            r, b = runs[n][name], base[name]
            print(f"| {name} | {n} | {r['step_ms']:.1f} | {r['samples_per_s']:.0f} | "
                  f"{r['samples_per_s'] / b['samples_per_s']:.2f}x | {r['best_ms']:.1f} | "
                  f"{r['best_samples_per_s'] / b['best_samples_per_s']:.2f}x | {r['cpu_ms']:.1f} | "
                  f"{r['waited_ms']:.2f} |")
    print("\n(On a busy machine the median wall-clock speed-up is unreliable: the best step, and the CPU time per "
          "step of rank 0, are the load-insensitive cross-checks.)")
    for n in args.ranks:
        m = runs[n]["mlp"]
        print(f"\nMLP gradient all-reduce at {n} ranks ({m['params']} parameters): {m['allreduce_ms']:.2f} ms = "
              f"{100 * m['allreduce_ms'] / m['step_ms']:.1f}% of the step; the step waits "
              f"{m['waited_ms']:.2f} ms ({100 * m['waited_ms'] / m['step_ms']:.1f}%) for it after backward")


if __name__ == "__main__":
    main()
