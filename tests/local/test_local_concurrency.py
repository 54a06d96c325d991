"""Concurrent clients, and a server killed with SIGKILL while instances run or start."""

from __future__ import annotations

import collections
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from local_helpers import cluster, job, task, wait_all, wait_until

import batchcompute
from batchcompute.local.testing import SignedRequester

pytestmark = pytest.mark.every_executor


def _client_for(host, port, requester):
    batchcompute.Client.register_region("local", host, port)
    return batchcompute.Client(host, requester.access_key_id, requester.access_key_secret, port=port)


def test_eight_threads_create_two_hundred_jobs(local_server):
    ids, errors, lock = [], [], threading.Lock()

    def create(worker):
        requester = SignedRequester(local_server.endpoint)
        api = _client_for(local_server.host, local_server.port, requester)
        for n in range(25):
            try:
                job_id = api.create_job(job({"t": task("true")}, name="w%d-%d" % (worker, n))).Id
                with lock:
                    ids.append(job_id)
            except Exception as exc:  # collected: the test reports every failure
                with lock:
                    errors.append(repr(exc))
        requester.close()

    threads = [threading.Thread(target=create, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(ids) == len(set(ids)) == 200
    listed = []
    api = _client_for(local_server.host, local_server.port, local_server)
    marker = ""
    while True:
        page = api.list_jobs(marker, 100)
        listed += [j.Id for j in page.Items]
        marker = page.NextMarker
        if not marker:
            break
    assert sorted(listed) == sorted(ids)
    assert set(wait_all(api, ids, timeout=60)) == {"Finished"}


# -- kill -9 and restart -----------------------------------------------------------------------------


def _start(data_dir: Path, workers: int = 3):
    env = dict(os.environ, PYTHONPATH=str(Path(batchcompute.__file__).resolve().parent.parent))
    proc = subprocess.Popen(
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
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert found, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, int(found.group(1))


@contextmanager
def _serving(data_dir: Path, workers: int = 3):
    """A standalone server on ``data_dir``: its process, port and a requester; killed at the end
    when it still runs."""
    proc, port = _start(data_dir, workers)
    requester = SignedRequester("http://127.0.0.1:%d" % port)
    try:
        yield proc, port, requester
    finally:
        requester.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _terminate(proc) -> None:
    """SIGTERM: the server stops cleanly."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_kill_9_and_restart_loses_and_duplicates_nothing(tmp_path):
    data_dir, marks = tmp_path / "server", tmp_path / "marks"
    marks.mkdir()
    hang_once = (
        'm="%s/$BATCH_COMPUTE_DAG_JOB_ID.$BATCH_COMPUTE_DAG_INSTANCE_ID"; '
        'if [ -e "$m" ]; then echo again; else touch "$m"; sleep 30 & echo $! > "$m.pid"; wait; fi' % marks
    )
    record = 'echo "run $BATCH_COMPUTE_DAG_JOB_ID $BATCH_COMPUTE_DAG_INSTANCE_ID" >> "%s/runs"' % marks
    proc, port = _start(data_dir)
    requester = SignedRequester("http://127.0.0.1:%d" % port)
    try:
        api = _client_for("127.0.0.1", port, requester)
        done = api.create_job(job({"t": task(record)}, name="done-before")).Id
        assert wait_all(api, [done]) == ["Finished"]
        cluster_id = api.create_cluster(cluster(vms=2)).Id
        retried = api.create_job(job({"t": task(hang_once, 2, cluster_id, retries=1)}, name="retried", priority=5)).Id
        failed = api.create_job(job({"t": task(hang_once, 1, retries=0)}, name="no-retry")).Id
        queued = api.create_job(job({"t": task(record, 3, cluster_id)}, name="queued")).Id
        pid_files = [marks / ("%s.%d.pid" % (retried, n)) for n in range(2)] + [marks / ("%s.0.pid" % failed)]
        wait_until(lambda: all(p.exists() and p.read_text().strip() for p in pid_files), 20, "three hung instances")
        assert api.get_job(queued).State == "Waiting"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        requester.close()
    hung = [int(p.read_text()) for p in pid_files]

    with _serving(data_dir) as (proc, port, requester):
        api = _client_for("127.0.0.1", port, requester)
        assert wait_all(api, [done, retried, failed, queued]) == [
            "Finished",
            "Finished",
            "Failed",
            "Finished",
        ]
        jobs = api.list_jobs("", 100).Items
        assert sorted(j.Id for j in jobs) == sorted([done, retried, failed, queued])
        for n in range(2):
            instance = api.get_instance(retried, "t", n)
            assert instance.RetryCount == 1 and instance.State == "Finished"
        lost = api.get_instance(failed, "t", 0)
        assert lost.State == "Failed" and lost.Result.ErrorCode == "ServerRestarted"
        runs = (marks / "runs").read_text().splitlines()
        assert sorted(runs) == sorted(["run %s 0" % done] + ["run %s %d" % (queued, n) for n in range(3)])
        wait_until(lambda: not any(_alive(pid) for pid in hung), 5, "the orphaned processes to be killed")
        _terminate(proc)


# -- kill -9 at random points of start-up --------------------------------------------------------------

#: kill -9 rounds of the start-up test (raise it to soak: BATCH_COMPUTE_KILL_TRIALS=30).
KILL_TRIALS = int(os.environ.get("BATCH_COMPUTE_KILL_TRIALS", "4"))


def _marked_groups(marker: str) -> dict:
    """Process group id -> pids of the processes whose command line holds ``marker``."""
    groups = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                if marker.encode() not in handle.read():
                    continue
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            groups[int(fields[2])].append(int(entry))
    return dict(groups)


def _kill_marked(marker: str) -> None:
    for group in _marked_groups(marker):
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass


def _create_until(requester, stop, names, acknowledged, prefix):
    """Create small jobs until ``stop``; the names sent, and those whose create was answered."""
    n = 0
    while not stop.is_set():
        name = "%s-%d" % (prefix, n)
        n += 1
        names.append(name)
        try:
            answer = requester.request("POST", "/jobs", body=job({"t": task("true")}, name=name))
        except Exception:  # the server was killed under this request: not acknowledged
            return
        if answer.status_code == 201:
            acknowledged.append(name)


def _all_jobs(requester):
    items, marker = [], ""
    while True:
        page = requester.request("GET", "/jobs", {"Marker": marker, "MaxItemCount": 100}).json()
        items += page["Items"]
        marker = page["NextMarker"]
        if not marker:
            return items


def test_kill_9_at_random_points_of_instance_start_up_leaves_no_orphan(tmp_path):
    data_dir, rng = tmp_path / "server", random.Random()
    marker = "%d.%06d" % (600 + rng.randrange(100), rng.randrange(10**6))  # sleep's argument: in ps
    sleeper = task("sleep %s & wait" % marker, 4, retries=100)
    names, acknowledged, held = [], [], []
    try:
        for trial in range(KILL_TRIALS):
            proc, port = _start(data_dir, workers=4 * KILL_TRIALS + 32)
            requester, stop = SignedRequester("http://127.0.0.1:%d" % port), threading.Event()
            creator = threading.Thread(
                target=_create_until, args=(SignedRequester(requester.endpoint), stop, names, acknowledged, str(trial))
            )
            creator.start()
            answer = requester.request("POST", "/jobs", body=job({"s": sleeper}, name="sleeper-%d" % trial))
            held.append(answer.json()["Id"])
            time.sleep(rng.uniform(0.0, 0.08))  # into the start-up of its four instances
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            stop.set()
            creator.join()
            requester.close()

        with _serving(data_dir, workers=4 * KILL_TRIALS + 32) as (proc, _, requester):
            running = lambda: sum(  # noqa: E731
                requester.request("GET", "/jobs/" + ident).json()["InstanceMetrics"]["RunningCount"] for ident in held
            )
            wait_until(lambda: running() == 4 * KILL_TRIALS, 30, "every instance of the sleepers to run")
            wait_until(lambda: len(_marked_groups(marker)) == 4 * KILL_TRIALS, 10, "one process group each")
            assert all(len(pids) <= 2 for pids in _marked_groups(marker).values())  # its shell and its sleep

            counts = collections.Counter(item["Name"] for item in _all_jobs(requester))
            lost = [name for name in acknowledged if counts[name] == 0]
            duplicated = sorted(name for name, count in counts.items() if count > 1)
            print(
                "kill -9 x%d: %d creates sent, %d acknowledged, %d lost, %d duplicated"
                % (KILL_TRIALS, len(names), len(acknowledged), len(lost), len(duplicated))
            )
            assert lost == [] and duplicated == []
            assert set(counts) <= set(names) | {"sleeper-%d" % n for n in range(KILL_TRIALS)}

            for ident in held:
                assert requester.request("POST", "/jobs/%s/stop" % ident).status_code == 202
            wait_until(lambda: not _marked_groups(marker), 10, "stop to end every process")
            _terminate(proc)
    finally:
        _kill_marked(marker)
