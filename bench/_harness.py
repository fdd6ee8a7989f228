"""Side-by-side benchmark harness: one subprocess per (case, variant, contestant).

A *case* is one module in ``bench/cases/``. It defines

- ``TITLE``: one line saying what is measured;
- ``VARIANTS``: dtype names to run it in, e.g. ``("float32", "float64")``;
- ``WARMUP, REPS`` (full run) and optionally ``QUICK = (warmup, reps)``;
- ``make_data(rng, dtype) -> dict`` of NumPy arrays (the child calls it with
  ``np.random.default_rng(SEED)``, so every contestant sees identical inputs);
- optionally ``ORDER`` (its own contestant names, in table order), ``LABELS`` (their row labels)
  and ``REFERENCE`` (the contestant whose loss the others must match and whose time is the
  first ratio column): by default the names of ``ORDER`` below and ``"numpy"``;
- ``CONTESTANTS``: ``{name: make}`` for the names in the case's ``ORDER``, where
  ``make(env) -> (state, step)`` and ``step(state) -> (state, loss)`` is one
  training step (forward, backward, update). ``env`` gives ``data`` (already on
  the device), ``dtype``, ``device``, ``xp`` (numpy or cupy) and ``threads``.
  A JAX contestant gets its module from ``jax_or_skip(env)``.

The harness times ``step`` after ``WARMUP`` calls, one ``time.perf_counter``
interval per call (the loss is turned into a Python float inside the interval,
which is what a training loop that logs does, and which syncs a GPU); the
process's CPU time per call is recorded beside it. Before
timing, the first two losses (at the initial state and after one update) are
recorded so the parent can check that every contestant computes the same thing.
"""
import importlib.util
import json
import os
import resource
import statistics
import sys
import time
import traceback

SEED = 0
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(BENCH_DIR)
CASES_DIR = os.path.join(BENCH_DIR, "cases")
RESULT_TAG = "BENCH_RESULT "
ORDER = ("numpy", "fgrad", "fgrad_jit", "facade", "facade_compiled", "autograd", "torch", "jax")
LABELS = {"numpy": "NumPy (hand-written)", "fgrad": "fgrad", "fgrad_jit": "fgrad jit",
          "facade": "fgrad_nn (PyTorch facade)", "facade_compiled": "fgrad_nn compiled", "autograd": "HIPS autograd",
          "torch": "PyTorch", "jax": "JAX jit"}


def case_order(case):
    """The case's contestant names, in table order."""
    return tuple(getattr(case, "ORDER", ORDER))


def case_labels(case):
    return {**LABELS, **getattr(case, "LABELS", {})}


def case_reference(case):
    return getattr(case, "REFERENCE", "numpy")


class Skip(Exception):
    """Raised by a contestant that cannot run here; the message is shown in the table."""


def load_case(name):
    spec = importlib.util.spec_from_file_location(f"bench_case_{name}", os.path.join(CASES_DIR, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def list_cases():
    return sorted(f[:-3] for f in os.listdir(CASES_DIR) if f.endswith(".py") and not f.startswith("_"))


class Env:
    """What a contestant's ``make`` receives."""

    def __init__(self, data, dtype, device, xp, threads):
        self.data, self.dtype, self.device, self.xp, self.threads = data, dtype, device, xp, threads


def require(module):
    """Import ``module`` or Skip with 'not installed'."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise Skip(f"{module} not installed") from None


def jax_or_skip(env):
    """jax for a CPU-only contestant: Skip on cuda; under ``--threads 1`` one XLA CPU thread (set before
    jax's first import, as the other contestants get one BLAS thread); float64 needs x64 on.

    >>> jax = jax_or_skip(env)   # in a case's make_jax(env)
    """
    if env.device == "cuda":
        raise Skip("CPU only in this bench")
    if env.threads == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        # XLA still runs independent kernels on a pool sized by the CPUs it may use (CPU time above
        # wall time without this): one CPU, this process's current one.
        os.sched_setaffinity(0, {_current_cpu()})
    jax = require("jax")
    if env.dtype.name == "float64":
        jax.config.update("jax_enable_x64", True)
    return jax


def torch_sgd_step(opt, loss_fn):
    """A torch-style training step (torch or ``fgrad_nn``): ``loss_fn()``, zero_grad, backward, ``opt.step()``."""
    def step(state):
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return state, loss.detach()
    return step


def jax_sgd_step(jax, loss_fn, lr):
    """``jax.jit`` of the whole step: value_and_grad of ``loss_fn(params)`` and the SGD update."""
    vg = jax.value_and_grad(loss_fn)

    @jax.jit
    def step(params):
        loss, grads = vg(params)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), loss
    return step


def _current_cpu():
    """The CPU this process runs on now (field 39 of /proc/self/stat); the first allowed one if unknown."""
    try:
        with open("/proc/self/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return min(os.sched_getaffinity(0))


def cupy_or_skip():
    """The cupy module when a CUDA device can be used, else Skip('no GPU')."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError
        return cupy
    except ImportError:
        raise Skip("no GPU (cupy not installed)") from None
    except Exception:
        raise Skip("no GPU") from None


def _floats(loss):
    return float(loss)


def run_child(spec):
    """Run one contestant in this process; returns the result dict (never raises)."""
    out = {"case": spec["case"], "variant": spec["variant"], "contestant": spec["contestant"],
           "device": spec["device"]}
    try:
        import numpy as np  # here, not at module level: the parent stays small (see peak_rss)
        case = load_case(spec["case"])
        make = case.CONTESTANTS.get(spec["contestant"])
        if make is None:
            raise Skip("not written for this case")
        dtype = np.dtype(spec["variant"])
        data = case.make_data(np.random.default_rng(SEED), dtype)
        xp = np
        if spec["device"] == "cuda":
            if spec["contestant"] == "autograd":
                raise Skip("CPU only")
            if spec["contestant"] == "torch":
                torch = require("torch")
                if not torch.cuda.is_available():
                    raise Skip("no GPU (torch is a CPU-only build)" if torch.version.cuda is None else "no GPU")
            else:
                xp = cupy_or_skip()
                data = {k: xp.asarray(v) for k, v in data.items()}
        env = Env(data, dtype, spec["device"], xp, spec["threads"])
        state, step = make(env)

        # Correctness probe: loss at the initial state, then after one update. The first call's time
        # includes what a jit/compiled contestant spends staging (or compiling) its program.
        t0 = time.perf_counter()
        state, l0 = step(state)
        l0 = _floats(l0)
        out["first_call_ms"] = 1e3 * (time.perf_counter() - t0)
        state, l1 = step(state)
        out["check"] = [l0, _floats(l1)]

        warmup, reps = spec["warmup"], spec["reps"]
        for _ in range(warmup):
            state, loss = step(state)
            _floats(loss)
        profiler = None
        if spec.get("profile"):
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        times, cpu_times = [], []
        clock, cpu_clock = time.perf_counter, time.process_time
        for _ in range(reps):
            c0 = cpu_clock()
            t0 = clock()
            state, loss = step(state)
            _floats(loss)
            times.append(clock() - t0)
            cpu_times.append(cpu_clock() - c0)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(spec["profile"])
            out["profile"] = spec["profile"]
        q = statistics.quantiles(times, n=4) if len(times) >= 2 else [times[0]] * 3
        out.update(status="ok", median_ms=1e3 * statistics.median(times), iqr_ms=1e3 * (q[2] - q[0]),
                   min_ms=1e3 * min(times), reps=reps, warmup=warmup,
                   cpu_median_ms=1e3 * statistics.median(cpu_times),
                   times_ms=[round(1e3 * t, 5) for t in times])
    except Skip as e:
        out.update(status="skipped", reason=str(e))
    except Exception as e:  # reported in the table, so one broken contestant does not stop the others
        out.update(status="error", reason=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
    # ru_maxrss (KiB on Linux) survives execve, so it can never be below the parent's peak at the
    # fork; the parent imports neither NumPy nor torch to keep that floor at a bare interpreter's
    # size. VmHWM is the same peak for this process's own address space only, kept as a cross-check.
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out["vm_hwm_mb"] = _vm_hwm_mb()
    return out


def _vm_hwm_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def child_main(argv):
    spec = json.loads(argv[0])
    threads = spec["threads"]
    if spec["contestant"] == "torch":
        try:
            import torch
            torch.set_num_threads(threads)
        except ImportError:
            pass
    result = run_child(spec)
    sys.stdout.write(RESULT_TAG + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.modules.setdefault("_harness", sys.modules["__main__"])  # cases import Skip/require from here
    child_main(sys.argv[1:])
