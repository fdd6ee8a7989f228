"""Run the benchmarks side by side and print one markdown table per case.

    python bench/run.py                 # every case, full repetitions
    python bench/run.py --quick         # smoke test: a few iterations each
    python bench/run.py mlp --threads 1 # one case, single-threaded BLAS and torch
    python bench/run.py --device cuda   # fgrad and hand-written code on CuPy, torch on CUDA
    python bench/run.py mlp --only fgrad --profile   # cProfile the fgrad contestant

Each contestant runs in its own subprocess (see bench/_harness.py); results are
written as JSON to bench/results/.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness as H  # noqa: E402

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def spawn(spec, threads):
    env = dict(os.environ)
    for var in THREAD_VARS:  # NumPy's BLAS reads these at import: the child has not imported it yet
        env[var] = str(threads)
    env["PYTHONPATH"] = H.REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, os.path.join(H.BENCH_DIR, "_harness.py"), json.dumps(spec)],
                          capture_output=True, text=True, env=env, cwd=H.REPO_ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith(H.RESULT_TAG):
            return json.loads(line[len(H.RESULT_TAG):])
    return {**spec, "status": "error", "peak_rss_mb": float("nan"),
            "reason": f"child exited with {proc.returncode}: {proc.stderr.strip()[-500:]}"}


def best_round(rounds):
    """The round with the concrete median: the least disturbed by other load on the machine."""
    ok = [r for r in rounds if r["status"] == "ok"]
    if not ok:
        return rounds[0]
    best = dict(min(ok, key=lambda r: r["median_ms"]))
    best["round_medians_ms"] = [r["median_ms"] for r in ok]
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
    return best


def check_agreement(results, variant, reference="numpy"):
    """Mark each result whose two probe losses differ from the reference's beyond tolerance."""
    rtol = 1e-4 if variant == "float32" else 1e-6  # float32: a few ulps over ~1e3-term sums
    ok = [r for r in results if r["status"] == "ok"]
    ref = next((r for r in ok if r["contestant"] == reference), ok[0] if ok else None)
    for r in ok:
        diffs = [abs(a - b) / max(abs(b), 1e-12) for a, b in zip(r["check"], ref["check"])]
        r["check_rel_err"] = max(diffs)
        r["agrees"] = r["check_rel_err"] <= rtol
    return ref


def fmt_table(results, order=H.ORDER, labels=H.LABELS, reference="numpy"):
    by = {r["contestant"]: r for r in results}
    base = by.get(reference) if by.get(reference, {}).get("status") == "ok" else None
    fg = by.get("fgrad") if by.get("fgrad", {}).get("status") == "ok" else None
    ref_col = "hand-written NumPy" if reference == "numpy" else labels.get(reference, reference)
    lines = [f"| contestant | median ms | IQR ms | / {ref_col} | / fgrad | peak MB | CPU ms | loss agrees |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name in order:
        r = by.get(name)
        if r is None:
            continue
        label = labels.get(name, name)
        if name == "numpy" and r.get("device") == "cuda":
            label = "CuPy (hand-written)"
        if r["status"] != "ok":
            lines.append(f"| {label} | {r['status']}: {r['reason']} | | | | | | |")
            continue
        m = r["median_ms"]
        rb = f"{m / base['median_ms']:.2f}x" if base else "-"
        rf = f"{m / fg['median_ms']:.2f}x" if fg else "-"
        agree = "yes" if r["agrees"] else f"NO (rel err {r['check_rel_err']:.1e})"
        lines.append(f"| {label} | {m:.3f} | {r['iqr_ms']:.3f} | {rb} | {rf} | {r['peak_rss_mb']:.0f} "
                     f"| {r['cpu_median_ms']:.3f} | {agree} |")
    return "\n".join(lines)


def environment(threads, device):
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "processor": platform.processor(), "cpus_available": default_threads(), "threads": threads,
            "device": device}
    from importlib import metadata
    for mod in ("numpy", "autograd", "torch", "jax", "cupy"):
        try:  # versions from metadata: importing them here would raise every child's peak RSS
            info[mod] = metadata.version(mod)
        except metadata.PackageNotFoundError:
            info[mod] = "not installed"
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cases", nargs="*", help=f"cases to run (default: all of {H.list_cases()})")
    p.add_argument("--quick", action="store_true", help="few iterations: a smoke test, not a measurement")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--threads", type=int, default=default_threads(),
                   help="BLAS threads for NumPy (OPENBLAS/OMP/MKL_NUM_THREADS) and torch.set_num_threads "
                        "(default: the CPUs this process may use)")
    p.add_argument("--only", action="append",
                   help=f"run only these contestants ({', '.join(H.ORDER)}, or a case's own ORDER)")
    p.add_argument("--variant", action="append", help="run only these variants (dtypes)")
    p.add_argument("--reps", type=int, help="override the case's repetitions")
    p.add_argument("--rounds", type=int,
                   help="fresh processes per contestant, interleaved; the round with the concrete median is "
                        "reported (default 3, 1 with --quick or --profile)")
    p.add_argument("--profile", action="store_true",
                   help="cProfile the timed loop; writes bench/results/<case>-<variant>-<contestant>.prof")
    args = p.parse_args(argv)

    cases = args.cases or H.list_cases()
    unknown = set(cases) - set(H.list_cases())
    if unknown:
        p.error(f"unknown case(s) {sorted(unknown)}; known: {H.list_cases()}")
    known = set(H.ORDER).union(*(H.case_order(H.load_case(c)) for c in cases))
    if args.only and set(args.only) - known:
        p.error(f"unknown contestant(s) {sorted(set(args.only) - known)}; known: {sorted(known)}")
    results_dir = os.path.join(H.BENCH_DIR, "results")
    os.makedirs(results_dir, exist_ok=True)
    env = environment(args.threads, args.device)
    print(f"threads={args.threads} (NumPy BLAS via OPENBLAS/OMP/MKL_NUM_THREADS, torch.set_num_threads), "
          f"device={args.device}, numpy {env['numpy']}, torch {env['torch']}, python {env['python']}"
          + (", QUICK (not a measurement)" if args.quick else ""))
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
              "environment": env, "cases": []}
    for name in cases:
        case = H.load_case(name)
        warmup, reps = getattr(case, "QUICK", (1, 3)) if args.quick else (case.WARMUP, case.REPS)
        reps = args.reps or reps
        rounds_n = args.rounds or (1 if args.quick or args.profile else 3)
        order, reference = H.case_order(case), H.case_reference(case)
        contestants = [c for c in order if not args.only or c in args.only]
        if not contestants:
            continue
        for variant in case.VARIANTS:
            if args.variant and variant not in args.variant:
                continue
            load_before = os.getloadavg()[0]
            rounds = {c: [] for c in contestants}
            for _ in range(rounds_n):  # interleaved, so a burst of load elsewhere hits every contestant
                for c in contestants:
                    spec = {"case": name, "variant": variant, "contestant": c, "device": args.device,
                            "threads": args.threads, "warmup": warmup, "reps": reps}
                    if args.profile:
                        spec["profile"] = os.path.join(results_dir, f"{name}-{variant}-{c}.prof")
                    rounds[c].append(spawn(spec, args.threads))
            results = [best_round(rs) for rs in rounds.values()]
            check_agreement(results, variant, reference)
            print(f"\n### {name} ({variant}, {args.device}): {case.TITLE}\n")
            print(fmt_table(results, order, H.case_labels(case), reference))
            load = (load_before, os.getloadavg()[0])
            if max(load) > 0.5:
                print(f"\n(1-min load average {load[0]:.1f} before, {load[1]:.1f} after, on "
                      f"{env['cpus_available']} CPUs: other processes were running; see README)")
            for r in results:
                if r["status"] == "error":
                    print(f"\n{r['contestant']} failed:\n{r.get('traceback', r['reason'])}")
                if args.profile and r["status"] == "ok":
                    _print_profile(r)
            report["cases"].append({"case": name, "variant": variant, "title": case.TITLE,
                                    "load_average": load, "results": results})
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(results_dir, f"{stamp}{'-quick' if args.quick else ''}-{args.device}.json")
    for target in (path, os.path.join(results_dir, "latest.json")):
        with open(target, "w") as f:
            json.dump(report, f, indent=1)
    print(f"\nresults: {os.path.relpath(path, H.REPO_ROOT)}")
    bad = [r for c in report["cases"] for r in c["results"] if r["status"] == "ok" and not r["agrees"]]
    return 1 if bad else 0


def _print_profile(result):
    import pstats
    print(f"\ncProfile of {result['contestant']} ({result['reps']} timed steps, {result['profile']}), "
          "top 25 by tottime (NumPy ufunc time is charged to their Python caller):")
    pstats.Stats(result["profile"]).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
