"""Fault cases run by every rank under ``mpiexec`` (launched by test_mpi.py; not a pytest module).

``python fault_worker.py raise``: rank 1 raises while the others wait in a collective (long timeout):
the job must end at once with rank 1's error and a non-zero status.
``python fault_worker.py timeout``: the last rank joins a collective 2 s late with a 0.5 s timeout: every
rank must raise CollectiveTimeoutError (the late one on arrival), and the job ends non-zero.
"""
import sys
import time

import numpy as np

import fgrad.distributed as fd
import fgrad_nn as torch
import fgrad_nn.distributed as dist

case = sys.argv[1]
if case == "raise":
    dist.init_process_group("gloo")  # the default 30-minute timeout: only the abort can end the job in time
    if dist.get_rank() == 1:
        raise ValueError("boom on rank 1")
    dist.all_reduce(torch.ones(3))
    print("UNREACHABLE", flush=True)
elif case == "timeout":
    comm = fd.world(timeout=60)
    comm.barrier()  # (the ranks' start-up times differ on a busy machine: line them up first)
    comm.timeout = 0.5
    last = comm.rank == comm.size - 1
    if last:
        time.sleep(2.0)
    start = time.monotonic()
    try:
        fd.psum(np.ones(3))
    except fd.CollectiveTimeoutError as e:
        print(f"TIMEOUT rank {comm.rank} after {time.monotonic() - start:.1f}s: {e}", flush=True)
    try:  # the communicator stays broken: no hang in a later collective either
        comm.barrier()
    except fd.CollectiveTimeoutError:
        print(f"BROKEN rank {comm.rank}", flush=True)
    time.sleep(0.5 if last else 5.0)  # the early ranks wait for the late one to report before the job ends
