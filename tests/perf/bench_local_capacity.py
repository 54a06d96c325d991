"""Capacity benchmark of the local server (run by hand, not a test).

    python tests/perf/bench_local_capacity.py [--tasks 300] [--instances 10000]
                                              [--widths 4000,42000] [--dir DIR]

1. A job of ``--tasks`` x ``--instances`` instances created on a standalone server while another
   client reads a job over and over: the create's time and the reader's longest wait; then
   stop_job and delete_job on it.
2. Wide DAGs (a root, ``width`` tasks after it, one task after them all) scheduled by an in-process
   server whose executor ends each attempt at once: tasks scheduled per second at each width.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent / "local"), str(HERE)]

from bench_local_server import StandaloneServer  # noqa: E402
from local_helpers import job, task  # noqa: E402
from test_local_capacity import scheduled_per_second  # noqa: E402

from batchcompute.local.testing import SignedRequester  # noqa: E402


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def huge_job(server, tasks: int, instances: int) -> None:
    small = server.request("POST", "/jobs", body=job({"t": task("true")})).json()["Id"]
    waits, done = [], threading.Event()

    def read() -> None:
        reader = SignedRequester(server.endpoint)
        while not done.is_set():
            waits.append(timed(lambda: reader.request("GET", "/jobs/" + small))[1])
        reader.close()

    body = job({"t%05d" % n: task("sleep 60", instances) for n in range(tasks)}, name="huge")
    thread = threading.Thread(target=read)
    thread.start()
    time.sleep(0.5)
    before = len(waits)
    answer, create = timed(lambda: server.request("POST", "/jobs", body=body))
    time.sleep(0.5)
    done.set()
    thread.join()
    huge = answer.json()["Id"]
    metrics = server.request("GET", "/jobs/" + huge).json()["InstanceMetrics"]
    _, stop = timed(lambda: server.request("POST", "/jobs/%s/stop" % huge))
    _, delete = timed(lambda: server.request("DELETE", "/jobs/" + huge))
    print("%d x %d instances (%d bytes of body), standalone server" % (tasks, instances, len(json.dumps(body))))
    print("  create_job          : %6.3f s (%s)" % (create, answer.status_code))
    print("  reader's longest    : %6.3f s (%d reads meanwhile)" % (max(waits[before:]), len(waits) - before))
    print("  instances counted   : %d" % sum(metrics.values()))
    print("  stop_job            : %6.3f s" % stop)
    print("  delete_job          : %6.3f s" % delete)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--instances", type=int, default=10000)
    parser.add_argument("--widths", default="4000,42000")
    parser.add_argument("--dir", default=None, help="where data directories go (default: the temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        limits = ("--max-tasks", str(args.tasks), "--max-instances-per-job", str(args.tasks * args.instances))
        with StandaloneServer(Path(tmp) / "huge", 1, *limits) as server:
            huge_job(server, args.tasks, args.instances)
        print("wide DAGs, attempts ended at once (the scheduler and the store alone)")
        for width in (int(text) for text in args.widths.split(",")):
            rate = scheduled_per_second(Path(tmp) / ("wide%d" % width), width)
            print("  %6d tasks         : %6.0f tasks/s" % (width + 2, rate))


if __name__ == "__main__":
    main()
