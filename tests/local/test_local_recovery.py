"""Restart recovery goes through the Executor: it ends or adopts what a dead server left Running."""

from __future__ import annotations

import threading
import time

from local_helpers import job, task, wait_until

from batchcompute.local.ids import job_id as new_job_id
from batchcompute.local.model.jobs import parse_job
from batchcompute.local.run.executor import Execution, Executor, RunResult
from batchcompute.local.run.objects import ObjectStore
from batchcompute.local.state import jobs
from batchcompute.local.state.store import Store
from batchcompute.local.testing import local_server

WORKER = "i-auto-worker"


def _left_running(data_dir, retries=0):
    """A data dir as a server leaves it when it dies while the only instance of a job runs."""
    body = job({"t": task("true", retries=retries)})
    spec = parse_job(body, ObjectStore(data_dir / "oss"), lambda _: False, lambda _: None)
    store, ident = Store(data_dir / "batchcompute.db"), new_job_id()
    with store.transaction() as conn:
        jobs.insert_job(conn, ident, spec, time.time())
        (candidate,) = jobs.candidates(conn, 1)
        run_seq = jobs.claim(conn, candidate, WORKER, "127.0.0.1", time.time())
        jobs.record_pid(conn, candidate.key, run_seq, 4242, "start-token")
    store.close()
    return ident


class _Executor(Executor):
    """Finishes every started attempt at once; remembers what it was asked."""

    def __init__(self):
        self.started, self.recovered, self.adopted = [], [], []

    def start(self, run, on_started, on_done):
        self.started.append(run.key)
        threading.Thread(target=on_done, args=(RunResult(0),), daemon=True).start()
        return Execution()


class _Ending(_Executor):
    def recover(self, attempts):
        self.recovered += attempts
        return {attempt.key: RunResult(0) for attempt in attempts}


class _Adopting(_Executor):
    """Adopts every attempt; each ends once ``finish`` is set."""

    def __init__(self):
        super().__init__()
        self.finish = threading.Event()

    def recover(self, attempts):
        self.recovered += attempts
        return {}

    def adopt(self, attempt, on_done):
        self.adopted.append(attempt.key)
        threading.Thread(target=lambda: self.finish.wait(10) and on_done(RunResult(0)), daemon=True).start()
        return Execution()


def _ended(server, ident, state):
    instance = lambda: server.request("GET", "/jobs/%s/tasks/t/instances/0" % ident).json()  # noqa: E731
    wait_until(lambda: server.request("GET", "/jobs/" + ident).json()["State"] == state, 10, "the job to end")
    return instance()


def test_the_executor_gets_what_the_store_recorded_and_its_answer_is_recorded(tmp_path):
    ident, executor = _left_running(tmp_path), _Ending()
    with local_server(tmp_path, executor=executor, poll_interval=0.02) as server:
        instance = _ended(server, ident, "Finished")
    (attempt,) = executor.recovered
    assert (attempt.key, attempt.run_seq, attempt.worker_id, attempt.cluster_id) == ((ident, "t", 0), 1, WORKER, None)
    assert (attempt.pid, attempt.pid_start) == (4242, "start-token")
    assert executor.started == [] and instance["RetryCount"] == 0 and instance["Result"]["ExitCode"] == 0


def test_an_adopted_attempt_ends_through_its_on_done(tmp_path):
    ident, executor = _left_running(tmp_path), _Adopting()
    with local_server(tmp_path, executor=executor, poll_interval=0.02) as server:
        assert server.request("GET", "/jobs/" + ident).json()["State"] == "Running"
        executor.finish.set()
        instance = _ended(server, ident, "Finished")
    assert executor.adopted == [(ident, "t", 0)] and executor.started == []
    assert instance["RetryCount"] == 0


def test_an_executor_that_knows_no_earlier_process_ends_each_attempt_with_the_restart(tmp_path):
    retried, executor = _left_running(tmp_path / "a", retries=1), _Executor()
    with local_server(tmp_path / "a", executor=executor, poll_interval=0.02) as server:
        instance = _ended(server, retried, "Finished")
    assert executor.started == [(retried, "t", 0)] and instance["RetryCount"] == 1
    lost = _left_running(tmp_path / "b")
    with local_server(tmp_path / "b", executor=_Executor(), poll_interval=0.02) as server:
        instance = _ended(server, lost, "Failed")
    assert instance["Result"]["ErrorCode"] == "ServerRestarted"
