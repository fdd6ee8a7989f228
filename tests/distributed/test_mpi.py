"""fgrad.distributed and fgrad_nn.distributed under real MPI processes (``mpiexec -n 2`` and ``-n 3``).

Each launch costs about a second, so one worker script (mpi_worker.py) bundles the checks: collectives
against NumPy references, shape mismatches, torch.distributed's API, a DistributedDataParallel step
against a single-process step on the whole batch (float64, 1e-12), data_parallel and the
DistributedSampler's shards. fault_worker.py has the fault cases. Every launch has a hard timeout.
"""
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKS = ("pytree collectives", "communicator collectives", "mismatch errors", "torch.distributed collectives",
          "DistributedDataParallel step", "unused parameters", "data_parallel", "DistributedSampler")


def mpiexec():
    """The mpiexec installed beside this Python (the mpich wheel), else the one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.path.exists(here) else shutil.which("mpiexec")
    if found is None:
        pytest.fail("mpiexec not found: pip install 'fgrad[mpi]'")
    return found


def launch(n, script, *args, timeout=60):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    start = time.monotonic()
    proc = subprocess.run([mpiexec(), "-n", str(n), sys.executable, os.path.join(HERE, script), *args],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=HERE)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("n", [2, 3])
def test_collectives_ddp_and_sampler_across_processes(n):
    proc, _ = launch(n, "mpi_worker.py")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for check in CHECKS:
        for r in range(n):
            assert f"OK {check} rank {r}" in proc.stdout, out
    assert all(f"DONE rank {r}" in proc.stdout for r in range(n)), out


def test_an_exception_on_one_rank_aborts_the_job():
    proc, took = launch(2, "fault_worker.py", "raise", timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "ValueError: boom on rank 1" in out and "[rank 1] uncaught exception" in out, out
    assert "UNREACHABLE" not in out
    assert took < 30, f"the job took {took:.1f}s to end"  # (rank 0 waits in a collective with a 30 min timeout)


def test_a_collective_that_times_out_raises_on_every_rank():
    proc, took = launch(3, "fault_worker.py", "timeout", timeout=60)
    out = proc.stdout + proc.stderr
    for r in range(3):
        assert f"TIMEOUT rank {r}" in proc.stdout, out
        assert f"BROKEN rank {r}" in proc.stdout, out
    assert "did not complete within 0.5 s" in proc.stdout
    assert proc.returncode != 0, out  # a job with a timed-out collective is ended (MPI_Finalize would hang)
    assert took < 30


def test_torchrun_environment_that_mpi_cannot_honour_is_a_clear_error():
    code = ("import fgrad_nn.distributed as dist\n"
            "try:\n    dist.init_process_group('gloo')\nexcept RuntimeError as e:\n    print('ERR', e)\n")
    env = dict(os.environ, RANK="1", WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT="29500")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert "ERR" in proc.stdout and "mpiexec -n N" in proc.stdout and "WORLD_SIZE=2" in proc.stdout, \
        proc.stdout + proc.stderr


def test_train_ddp_example_learns_on_two_ranks():
    pytest.importorskip("sklearn")  # the demo extra (part of the test extra) brings scikit-learn's digits
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    example = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "train_ddp.py")
    proc = subprocess.run([mpiexec(), "-n", "2", sys.executable, example, "--epochs", "1", "--quiet"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("final test accuracy")]
    assert len(line) == 1 and "2 ranks" in line[0], proc.stdout  # printed by rank 0 only
    assert float(line[0].split()[3]) > 0.9, line[0]
