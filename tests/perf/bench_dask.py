"""Benchmark of the dask executor against the local one (run by hand, not a test).

    python tests/perf/bench_dask.py [--instances 1000] [--workers 2] [--repeat 1]

One job of ``--instances`` instances of ``true``, run by a local server with the local executor
(``--workers`` at once) and with the dask executor on a Dask cluster of ``--workers`` single-threaded
workers (separate processes over TCP), the server handing out ``--workers`` and then twice as many
attempts at once. The wall time of each job, the time per instance and the dask executor's overhead
per instance over the local one; then what an attempt costs: a message to a worker and its answer
on one Dask comm (an attempt is sent on the server's stream to its worker, and its end comes back),
the start of a held shell; and, for comparison, a Dask task that runs ``/bin/sh -c true`` with as
many in flight (what an attempt would cost as a Dask task of its own).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from batchcompute.local.run.steps import held_command, release, start_held
from batchcompute.local.testing import dask_cluster, local_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_local_server import run_job  # noqa: E402  (the same job, timed the same way)


def timed_jobs(makers: Dict[str, Callable[[], Any]], instances: int, repeat: int) -> Dict[str, float]:
    """The best of ``repeat`` jobs on each server (after a warm-up job), the servers taking turns:
    a burst of load from elsewhere on a shared machine then hits every one of them alike."""
    with ExitStack() as stack:
        servers = {name: stack.enter_context(make()) for name, make in makers.items()}
        for server in servers.values():
            run_job(server, 10, "oss://bench/warm/")
        best = {name: float("inf") for name in servers}
        for n in range(repeat):
            for name, server in servers.items():
                best[name] = min(best[name], run_job(server, instances, "oss://bench/logs%d/" % n))
        return best


def true_task() -> int:
    return subprocess.run(["/bin/sh", "-c", "true"]).returncode


def dask_round_trips(address: str, count: int, in_flight: int) -> float:
    """Seconds per task of ``count`` tasks running ``/bin/sh -c true``, ``in_flight`` at once,
    each result fetched as the executor fetches it."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.submit(true_task, pure=False).result()
        slots = threading.Semaphore(in_flight)
        done = threading.Semaphore(0)
        started = time.perf_counter()
        for n in range(count):
            slots.acquire()
            future = client.submit(true_task, pure=False, key="bench-%d-%d" % (os.getpid(), n))

            def finished(future: Any) -> None:
                future.result()
                slots.release()
                done.release()

            future.add_done_callback(finished)
        for _ in range(count):
            done.acquire()
        return (time.perf_counter() - started) / count


def comm_round_trip(address: str, count: int) -> float:
    """Seconds per message to a worker and its answer (``ping``) on one Dask comm."""
    from distributed import Client
    from distributed.core import rpc

    async def pings(worker: str) -> float:
        async with rpc(worker) as remote:
            await remote.ping()
            started = time.perf_counter()
            for _ in range(count):
                await remote.ping()
            return (time.perf_counter() - started) / count

    with Client(address, set_as_default=False) as client:
        return float(client.sync(pings, next(iter(client.nthreads()))))


def held_shell_cost(count: int) -> float:
    """Seconds per held ``/bin/sh -c true``: started, released, waited for."""
    with tempfile.TemporaryDirectory() as folder:
        command = held_command("true", "", {}, Path(folder))
        started = time.perf_counter()
        for _ in range(count):
            proc, go = start_held(command, Path(folder), subprocess.DEVNULL, subprocess.DEVNULL)
            release(go)
            proc.wait()
        return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="jobs per server, in turns; the best time is shown")
    args = parser.parse_args()
    n, width = args.instances, args.workers
    per = 1000.0 / n
    with dask_cluster(workers=width, threads=1) as cluster:
        makers = {"local executor, %d at once" % width: partial(local_server, workers=width)}
        for cap in (width, 2 * width):
            dask_server = partial(local_server, workers=cap, executor="dask", dask_scheduler=cluster.address)
            makers["dask executor, %d at once" % cap] = dask_server
        results = timed_jobs(makers, n, args.repeat)
        local = results["local executor, %d at once" % width]
        trips = {cap: dask_round_trips(cluster.address, n, cap) for cap in (width, 2 * width)}
        ping = comm_round_trip(cluster.address, 200)
    print(
        "%d instances of `true`, %d Dask workers of 1 thread (separate processes), %d CPUs, best of %d"
        % (n, width, os.cpu_count() or 0, args.repeat)
    )
    for name, elapsed in results.items():
        print(
            "  %-28s: %6.2f s  %6.2f ms/instance  x%.2f of local, +%.2f ms/instance"
            % (name, elapsed, elapsed * per, elapsed / local, (elapsed - local) * per)
        )
    print("what an attempt costs (each measured alone):")
    print("  message to a worker and back (Dask comm): %6.2f ms" % (ping * 1000))
    print("  held /bin/sh -c true, one at a time     : %6.2f ms" % (held_shell_cost(200) * 1000))
    print("as a Dask task of its own (not used):")
    for cap, seconds in trips.items():
        print("  Dask task running sh -c true, %d at once : %6.2f ms/task" % (cap, seconds * 1000))


if __name__ == "__main__":
    main()
