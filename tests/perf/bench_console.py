"""Benchmark of the web console (run by hand, not a test).

    python tests/perf/bench_console.py [--jobs 10000] [--tasks 2000] [--repeat 30] [--dir DIR]

Fills a data directory with ``--jobs`` ended jobs (1 to 3 tasks each, some on a cluster) and one
job of a ``--tasks``-task DAG (20 levels, each task waiting for 1 to 3 tasks of the level before,
in mixed states), starts a server on it, logs in to the console and times whole answers (request
sent to last byte read, one keep-alive connection): the job list (first page, a filtered page, a
page deep in the list), the DAG job's page and one of its task pages. Targets: the job list under
200 ms with 10,000 jobs, the job page of a 2,000-task DAG under 1 s.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from batchcompute.local import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, LocalServer  # noqa: E402
from batchcompute.local.model.clusters import ClusterSpec  # noqa: E402
from batchcompute.local.model.jobs import CommandSpec, JobSpec, TaskSpec  # noqa: E402
from batchcompute.local.state import clusters, jobs  # noqa: E402

LOGS = "oss://bench/logs/"
ENDED = ("Finished", "Finished", "Finished", "Finished", "Finished", "Finished", "Finished", "Failed", "Stopped")


def _spec(name: str, tasks: list) -> JobSpec:
    return JobSpec(name, "DAG", random.randint(0, 100), True, False, {"Name": name}, tasks)


def _task(name: str, upstream: list, cluster_id=None, instances: int = 1) -> TaskSpec:
    command = CommandSpec("echo %s" % name, {}, LOGS, LOGS)
    return TaskSpec(name, command, upstream, cluster_id, instances, 1, 600.0)


def _set_state(conn, job_id: str, state: str, started: float) -> None:
    """An ended job, as the scheduler would have left it (the benchmark's own SQL: it only fills
    a store)."""
    conn.execute(
        "UPDATE jobs SET state = ?, start_time = ?, end_time = ? WHERE id = ?", (state, started, started + 42, job_id)
    )
    conn.execute(
        "UPDATE tasks SET state = ?, start_time = ?, end_time = ? WHERE job_id = ?",
        (state, started, started + 40, job_id),
    )
    conn.execute(
        "UPDATE instances SET state = ?, start_time = ?, end_time = ?, exit_code = ? WHERE job_id = ?",
        (state, started, started + 40, 0 if state == "Finished" else 1, job_id),
    )


def fill(data_dir: Path, job_count: int, task_count: int) -> tuple:
    """Store the jobs; the ids of the DAG job and of the cluster."""
    random.seed(7)
    server = LocalServer(data_dir, port=0)
    try:
        with server.store.transaction() as conn:
            cluster_id = clusters.insert_cluster(conn, ClusterSpec("bench", {"Groups": {}}), time.time())
        now = time.time() - job_count
        for start in range(0, job_count, 1000):
            with server.store.transaction() as conn:
                for number in range(start, min(job_count, start + 1000)):
                    job_id = "job-%032X" % number
                    on = cluster_id if number % 4 == 0 else None
                    tasks = [_task("t%d" % i, [], on, random.randint(1, 5)) for i in range(1 + number % 3)]
                    jobs.insert_job(conn, job_id, _spec("job-%d" % number, tasks), now + number)
                    _set_state(conn, job_id, ENDED[number % len(ENDED)], now + number)
        dag_id = "job-%032X" % (job_count + 1)
        levels = [[("l%02d-t%04d" % (level, i)) for i in range(task_count // 20)] for level in range(20)]
        tasks = [
            _task(name, random.sample(levels[level - 1], random.randint(1, 3)) if level else [])
            for level, names in enumerate(levels)
            for name in names
        ]
        with server.store.transaction() as conn:
            jobs.insert_job(conn, dag_id, _spec("dag-%d" % task_count, tasks), time.time())
            _set_state(conn, dag_id, "Stopped", time.time())
            for name in [task.name for task in tasks][: task_count // 2]:
                conn.execute(
                    "UPDATE tasks SET state = 'Finished' WHERE job_id = ? AND name = ?",
                    (dag_id, name),
                )
                conn.execute(
                    "UPDATE instances SET state = 'Finished' WHERE job_id = ? AND task = ?",
                    (dag_id, name),
                )
        return dag_id, cluster_id
    finally:
        server.close()


def login(endpoint: str) -> requests.Session:
    session = requests.Session()
    page = session.get(endpoint + "/console/login")
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    form = {"token": token, "key_id": DEFAULT_ACCESS_KEY_ID, "secret": DEFAULT_ACCESS_KEY_SECRET}
    assert session.post(endpoint + "/console/login", data=form).ok
    return session


def timed(session: requests.Session, url: str, repeat: int) -> dict:
    times, size = [], 0
    session.get(url)  # warm: templates compiled, pages of the database cached
    for _ in range(repeat):
        started = time.perf_counter()
        answer = session.get(url)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text[:300]
        size = len(answer.content)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))],
        "max": times[-1],
        "bytes": size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--dir", default=None, help="data directory (default: a temporary one)")
    args = parser.parse_args()
    data_dir = Path(args.dir or tempfile.mkdtemp(prefix="bench-console-"))
    try:
        started = time.perf_counter()
        dag_id, cluster_id = fill(data_dir, args.jobs, args.tasks)
        print("stored %d jobs and a %d-task DAG in %.1f s" % (args.jobs, args.tasks, time.perf_counter() - started))
        with LocalServer(data_dir, port=0, workers=2) as server:
            session = login(server.endpoint)
            middle = "job-%032X" % (args.jobs // 2)
            with server.store.read() as conn:
                older = jobs.find_job(conn, middle)["seq"]
            pages = {
                "jobs, first page": "/console/jobs",
                "jobs, state=Failed": "/console/jobs?state=Failed",
                "jobs, one cluster": "/console/jobs?cluster=" + cluster_id,
                "jobs, deep page": "/console/jobs?older=%d" % older,
                "job, %d-task DAG" % args.tasks: "/console/jobs/" + dag_id,
                "task of that DAG": "/console/jobs/%s/tasks/l10-t0000" % dag_id,
            }
            print("%-26s %9s %9s %9s %10s" % ("page", "median", "p95", "max", "bytes"))
            for label, path in pages.items():
                figures = timed(session, server.endpoint + path, args.repeat)
                print(
                    "%-26s %7.1fms %7.1fms %7.1fms %10d"
                    % (label, figures["median"] * 1e3, figures["p95"] * 1e3, figures["max"] * 1e3, figures["bytes"])
                )
    finally:
        if not args.dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
