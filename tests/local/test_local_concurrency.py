"""Concurrent clients, and a server killed with SIGKILL while instances run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
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


def _start(data_dir: Path):
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
            "3",
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
        time.sleep(0.3)  # the server records a process's pid once it has run for 50 ms
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        requester.close()
    hung = [int(p.read_text()) for p in pid_files]

    proc, port = _start(data_dir)
    requester = SignedRequester("http://127.0.0.1:%d" % port)
    try:
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
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        requester.close()
        if proc.poll() is None:
            proc.kill()
