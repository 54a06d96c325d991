"""Benchmark of the local server (run by hand, not a test).

    python tests/perf/bench_local_server.py [--instances 500] [--workers N] [--requests 3000]
                                            [--repeat 3] [--dir DIR] [--in-process]

1. One job of ``--instances`` instances of ``true`` run by the server, against a plain pool of the
   same width running the same number of ``/bin/sh -c true`` processes: wall times side by side
   and the server's overhead per instance.
   Each ratio is shown as the best against the best, and as the median of the rounds' ratios
   (the three runs of a round are taken in turn, so a slow moment hits them alike).
   Then the CPU time per instance of the server and of the pool with files, each split into its
   own and its commands' (Linux: the standalone server's is read from /proc), medians of the
   rounds: on 2 CPUs both are bound by it, and it varies less than wall time on a shared machine.
2. get_job requests per second from one keep-alive client: the SDK's Client (when it can be
   imported) and a bare keep-alive connection (http.client, signed headers), to separate the
   server's cost from the client's.
3. A list_jobs page of 100 jobs from a bare keep-alive connection: milliseconds per request
   (target: 2 ms at most).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from batchcompute.local.testing import SignedRequester, local_server, signed_headers

DEFAULT_KEYS = ("LocalAccessKeyId", "LocalAccessKeySecret")

FINAL = ("Finished", "Failed", "Stopped")


def job_of(instances: int, logs: str = "oss://bench/logs/") -> dict:
    task = {
        "Parameters": {
            "Command": {"CommandLine": "true", "PackagePath": "", "EnvVars": {}},
            "InputMappingConfig": {"Locale": "GBK", "Lock": False},
            "StdoutRedirectPath": logs,
            "StderrRedirectPath": logs,
        },
        "InstanceCount": instances,
        "Timeout": 600,
        "MaxRetryCount": 0,
        "AutoCluster": {"InstanceType": "ecs.sn1.medium", "ImageId": "img-ubuntu"},
    }
    return {
        "Name": "bench",
        "Priority": 0,
        "Type": "DAG",
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "DAG": {"Tasks": {"t": task}, "Dependencies": {}},
    }


class StandaloneServer(SignedRequester):
    """``python -m batchcompute.local`` in its own process, as it is deployed: the benchmark's
    client then does not share the server's interpreter."""

    def __init__(self, data_dir: Path, workers: int, *options: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "batchcompute.local",
                "--port",
                "0",
                "--data-dir",
                str(data_dir),
                "--workers",
                str(workers),
                "--log-level",
                "WARNING",
                *options,
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
        )
        banner = self.process.stdout.readline()
        found = re.search(r"http://([0-9.]+):(\d+)", banner)
        if not found:
            self.process.kill()
            raise RuntimeError("the server did not start: %r" % banner)
        self.host, self.port = found.group(1), int(found.group(2))
        super().__init__("http://%s:%d" % (self.host, self.port), *DEFAULT_KEYS)

    def client(self):
        from batchcompute import Client

        Client.register_region("local", self.host, self.port)
        return Client(self.host, self.access_key_id, self.access_key_secret, port=self.port)

    def __enter__(self) -> "StandaloneServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
        self.process.terminate()
        self.process.wait(30)


def run_job(server, instances: int, logs: str = "oss://bench/logs/") -> float:
    """Seconds from just before the create request to the job's EndTime as the server recorded it
    (same machine, same clock): the end is exact whatever the polling, so the benchmark polls
    only every 50 ms (each poll costs the server about a millisecond of CPU, which a poll every
    10 ms took from the instances)."""
    started = time.time()
    job_id = server.request("POST", "/jobs", body=job_of(instances, logs)).json()["Id"]
    while True:
        status = server.request("GET", "/jobs/" + job_id).json()
        if status["State"] in FINAL:
            break
        time.sleep(0.05)
    assert status["State"] == "Finished", status
    assert status["InstanceMetrics"]["FinishedCount"] == instances
    ended = datetime.strptime(status["EndTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return ended.timestamp() - started


def cpu_seconds(pid: Optional[int] = None) -> Optional[Tuple[float, float]]:
    """CPU seconds used so far by process ``pid`` (None: this one) and by its ended children: its
    own, its commands'; None when they cannot be read."""
    if pid is None:
        now = os.times()
        return now.user + now.system, now.children_user + now.children_system
    try:
        fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    utime, stime, cutime, cstime = (int(field) / os.sysconf("SC_CLK_TCK") for field in fields[11:15])
    return utime + stime, cutime + cstime


def _spent(
    before: Optional[Tuple[float, float]], after: Optional[Tuple[float, float]]
) -> Optional[Tuple[float, float]]:
    if before is None or after is None:
        return None
    return after[0] - before[0], after[1] - before[1]


def run_pool(instances: int, width: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(width) as pool:
        codes = list(pool.map(lambda _: subprocess.run(["/bin/sh", "-c", "true"]).returncode, range(instances)))
    assert not any(codes)
    return time.perf_counter() - started


def run_pool_with_files(instances: int, width: int, root: Path) -> float:
    """The same pool, plus what the server does on disk per instance: a fresh working directory and
    stdout/stderr files in the object store."""
    logs = root / "logs"
    logs.mkdir(parents=True)

    def one(n: int) -> int:
        workdir = root / ("work.%d" % n)
        workdir.mkdir()
        with open(logs / ("stdout.%d" % n), "wb") as out, open(logs / ("stderr.%d" % n), "wb") as err:
            code = subprocess.run(
                ["/bin/sh", "-c", "true"], cwd=str(workdir), stdout=out, stderr=err, start_new_session=True
            ).returncode
        shutil.rmtree(workdir)
        return code

    started = time.perf_counter()
    with ThreadPoolExecutor(width) as pool:
        assert not any(pool.map(one, range(instances)))
    return time.perf_counter() - started


def sdk_rate(server, job_id: str, count: int):
    try:
        client = server.client()
    except (ImportError, AttributeError):
        return None
    client.get_job(job_id)
    started = time.perf_counter()
    for _ in range(count):
        client.get_job(job_id)
    return count / (time.perf_counter() - started)


def session_rate(server, job_id: str, count: int) -> float:
    """requests.Session with signed headers: what an SDK built on requests pays at least."""
    requester = SignedRequester(server.endpoint, server.access_key_id, server.access_key_secret)
    requester.request("GET", "/jobs/" + job_id)
    started = time.perf_counter()
    for _ in range(count):
        assert requester.request("GET", "/jobs/" + job_id).status_code == 200
    rate = count / (time.perf_counter() - started)
    requester.close()
    return rate


def raw_rate(server, job_id: str, count: int) -> float:
    connection = http.client.HTTPConnection(server.host, server.port)
    path = "/jobs/" + job_id
    started = time.perf_counter()
    for _ in range(count):
        headers = signed_headers("GET", path, b"", server.access_key_id, server.access_key_secret)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    rate = count / (time.perf_counter() - started)
    connection.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best time of each is shown")
    parser.add_argument(
        "--dir",
        default=None,
        help="where the data directory and pool files go (default: the system's temporary directory)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the server in this process (as the tests do) instead of standalone",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp, (
        local_server(Path(tmp) / "data", workers=args.workers)
        if args.in_process
        else StandaloneServer(Path(tmp) / "data", args.workers)
    ) as server:
        run_job(server, 10)  # warm up
        times: dict = {"server": [], "pool": [], "files": []}
        cpu: dict = {"server": [], "files": []}
        # the in-process server shares this process with the benchmark's client: its CPU is not told
        server_pid = None if args.in_process else server.process.pid
        for round_ in range(args.repeat):  # interleaved, so that a slow moment hits all three
            # each round writes its logs to a fresh folder, as the pool rounds do
            before = cpu_seconds(server_pid)
            times["server"].append(run_job(server, args.instances, "oss://bench/logs%d/" % round_))
            cpu["server"].append(_spent(before, cpu_seconds(server_pid)))
            times["pool"].append(run_pool(args.instances, args.workers))
            before = cpu_seconds()
            times["files"].append(run_pool_with_files(args.instances, args.workers, Path(tmp) / ("pool%d" % round_)))
            cpu["files"].append(_spent(before, cpu_seconds()))
        server_time, pool_time, files_time = (min(times[name]) for name in ("server", "pool", "files"))
        # the best of each can come from different moments of a machine whose speed drifts: the
        # ratio of each round, its three runs taken in turn, is shown too (median of the rounds)
        paired = {name: _median([s / t for s, t in zip(times["server"], times[name])]) for name in ("pool", "files")}
        per = 1000.0 / args.instances
        print(
            "%d instances of `true`, width %d (on %d CPUs), best of %d, in %s, server %s"
            % (
                args.instances,
                args.workers,
                os.cpu_count(),
                args.repeat,
                tmp,
                "in this process" if args.in_process else "standalone",
            )
        )
        print("  local server job            : %6.2f s  (%5.2f ms/instance)" % (server_time, server_time * per))
        print(
            "  plain pool                  : %6.2f s  (%5.2f ms/instance)  server x%.2f (rounds: median x%.2f)"
            % (pool_time, pool_time * per, server_time / pool_time, paired["pool"])
        )
        print(
            "  pool + workdir + log files  : %6.2f s  (%5.2f ms/instance)  server x%.2f (rounds: median x%.2f)"
            % (files_time, files_time * per, server_time / files_time, paired["files"])
        )
        if not args.in_process and None not in cpu["server"]:
            own, commands = (_median([spent[part] for spent in cpu["server"]]) * per for part in (0, 1))
            pool_own, pool_commands = (_median([spent[part] for spent in cpu["files"]]) * per for part in (0, 1))
            print(
                "  CPU per instance, own + commands (median of rounds): server %.2f + %.2f ms, "
                "pool + workdir + log files %.2f + %.2f ms: server x%.2f"
                % (own, commands, pool_own, pool_commands, (own + commands) / (pool_own + pool_commands))
            )
        job_id = server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": 1}).json()["Items"][0]["Id"]
        rate = sdk_rate(server, job_id, args.requests)
        print("get_job from one keep-alive client (%d requests)" % args.requests)
        print("  batchcompute.Client       : %s" % ("%7.0f req/s" % rate if rate else "not importable"))
        print("  requests.Session, signed  : %7.0f req/s" % session_rate(server, job_id, args.requests))
        print("  http.client, signed, raw  : %7.0f req/s" % raw_rate(server, job_id, args.requests))
        print("list_jobs, a page of 100 jobs (http.client, signed, best of 5 x 100 requests)")
        print("  ms per request            : %7.2f   (target: 2 ms at most)" % (list_page_time(server) * 1e3))


def _median(values: list) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def list_page_time(server, jobs: int = 100, rounds: int = 5, count: int = 100) -> float:
    """Seconds the server takes to answer a list_jobs page of ``jobs`` jobs (each with its task and
    instance metrics), best of ``rounds``, once there are ``jobs`` jobs or more."""
    have = len(server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": jobs}).json()["Items"])
    body = job_of(1, "oss://bench/list/")
    body["DAG"]["Tasks"]["t"]["Parameters"]["Command"]["CommandLine"] = "sleep 600"
    created = [server.request("POST", "/jobs", body=body).json()["Id"] for _ in range(jobs - have)]
    connection = http.client.HTTPConnection(server.host, server.port)
    path = "/jobs?Marker=&MaxItemCount=%d" % jobs

    def answer() -> bytes:
        headers = signed_headers("GET", path, b"", server.access_key_id, server.access_key_secret)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        return response.read()

    assert len(json.loads(answer())["Items"]) == jobs  # (parsed once: the client's work is not timed)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            answer()
        best = min(best, (time.perf_counter() - started) / count)
    connection.close()
    for job_id in created:
        server.request("POST", "/jobs/%s/stop" % job_id)
    return best


if __name__ == "__main__":
    main()
