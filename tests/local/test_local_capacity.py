"""Capacity: creating a job costs its tasks, not its instances; a reader never waits for a long
write; stop and delete of a huge job are quick; a wide DAG is scheduled at a steady rate.

Bounds are generous (the machine may be busy); the figures are printed (``pytest -s``)."""

from __future__ import annotations

import threading
import time

from local_helpers import LOGS, job, task, wait_until

from batchcompute.local.ids import job_id as new_job_id
from batchcompute.local.model.jobs import CommandSpec, JobSpec, TaskSpec
from batchcompute.local.model.limits import Limits
from batchcompute.local.run.executor import Execution, Executor, RunResult
from batchcompute.local.state import jobs
from batchcompute.local.state.store import Store
from batchcompute.local.testing import SignedRequester, local_server

TASKS, INSTANCES = 300, 10000


def _timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


class _Reader(threading.Thread):
    """Reads a job over and over; the longest time one read took."""

    def __init__(self, endpoint, path):
        super().__init__(daemon=True)
        self.requester, self.path = SignedRequester(endpoint), path
        self.longest, self.reads, self.done = 0.0, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            answer, took = _timed(lambda: self.requester.request("GET", self.path))
            assert answer.status_code == 200
            self.longest, self.reads = max(self.longest, took), self.reads + 1
        self.requester.close()

    def stop(self):
        self.done.set()
        self.join()
        return self.longest


def test_a_job_of_three_million_instances_is_created_stopped_and_deleted_quickly(tmp_path):
    tasks = {"t%03d" % n: task("sleep 30", INSTANCES) for n in range(TASKS)}
    limits = Limits(max_tasks=TASKS, max_instances_per_job=TASKS * INSTANCES)  # past the defaults
    with local_server(tmp_path / "data", workers=1, poll_interval=0.05, limits=limits) as server:
        small = server.request("POST", "/jobs", body=job({"t": task("true")})).json()["Id"]
        reader = _Reader(server.endpoint, "/jobs/" + small)
        reader.start()
        wait_until(lambda: reader.reads > 10, 10, "the reader")
        answer, create_time = _timed(lambda: server.request("POST", "/jobs", body=job(tasks, name="huge")))
        huge = answer.json()["Id"]
        wait_until(lambda: server.request("GET", "/jobs/" + huge).json()["State"] == "Running", 10, "a start")
        longest = reader.stop()
        metrics = server.request("GET", "/jobs/" + huge).json()["InstanceMetrics"]
        assert metrics["WaitingCount"] + metrics["RunningCount"] == TASKS * INSTANCES
        listed = server.request("GET", "/jobs/%s/tasks/t299/instances" % huge, {"Marker": "9990"}).json()
        assert [item["InstanceId"] for item in listed["Items"]] == list(range(9990, 10000))
        stopped, stop_time = _timed(lambda: server.request("POST", "/jobs/%s/stop" % huge))
        assert stopped.status_code == 202
        metrics = server.request("GET", "/jobs/" + huge).json()["InstanceMetrics"]
        assert metrics["StoppedCount"] == TASKS * INSTANCES
        deleted, delete_time = _timed(lambda: server.request("DELETE", "/jobs/" + huge))
        assert deleted.status_code == 204
    print(
        "%d x %d job: create %.3f s (the reader's longest wait %.3f s), stop %.3f s, delete %.3f s"
        % (TASKS, INSTANCES, create_time, longest, stop_time, delete_time)
    )
    assert answer.status_code == 201 and create_time < 5.0
    assert longest < 3.0  # the mechanism itself is tested with a write held open (test_local_store)
    assert stop_time < 5.0 and delete_time < 5.0


class _Instant(Executor):
    """Ends every attempt at once, on a thread of its own: the scheduler's cost alone."""

    def start(self, run, on_started, on_done):
        threading.Thread(target=on_done, args=(RunResult(0),), daemon=True).start()
        return Execution()


def wide_dag(width):
    """A root task, ``width`` tasks after it, and one task after them all (as a checked JobSpec:
    the scheduler's rate, not the validation's, is measured)."""
    command = CommandSpec("true", {}, LOGS, LOGS)
    middle = ["w%05d" % n for n in range(width)]
    tasks = [TaskSpec("root", command, [], None, 1, 0, 60), TaskSpec("sink", command, middle, None, 1, 0, 60)]
    tasks += [TaskSpec(name, command, ["root"], None, 1, 0, 60) for name in middle]
    return JobSpec("wide", "DAG", 0, True, False, {"Name": "wide"}, tasks)


def scheduled_per_second(tmp_path, width):
    """Tasks of a wide DAG scheduled (and ended at once) per second."""
    with local_server(tmp_path, workers=4, executor=_Instant(), poll_interval=0.05) as server:
        store, job_id = server.server.store, new_job_id()
        with store.transaction() as conn:
            jobs.insert_job(conn, job_id, wide_dag(width), time.time())
        started = time.perf_counter()
        server.server.scheduler.wake()
        while server.request("GET", "/jobs/" + job_id).json()["State"] != "Finished":
            assert time.perf_counter() - started < 600, "the DAG takes too long"
            time.sleep(0.2)
        return (width + 2) / (time.perf_counter() - started)


def _work_per_task(tmp_path, width):
    """What the store spends per task to schedule a wide DAG, measured independently of the
    machine's load: SQLite virtual machine steps, and pages written (WAL frames, checkpoints off)."""
    store, steps, scheduled = Store(tmp_path / "db"), [0], 0
    with store.transaction() as conn:
        jobs.insert_job(conn, "job-wide", wide_dag(width), time.time())

    def count():
        steps[0] += 1
        return 0

    store._conn.execute("PRAGMA wal_autocheckpoint=0")
    store._conn.set_progress_handler(count, 100)
    wal, written_before = tmp_path / "db-wal", (tmp_path / "db-wal").stat().st_size
    while True:
        with store.transaction() as conn:
            found = jobs.candidates(conn, 9)
            if not found:
                break
            run_seq = jobs.claim(conn, found[0], "worker", "127.0.0.1", time.time())
            jobs.instance_ended(conn, found[0].key, run_seq, RunResult(0), time.time())
            scheduled += 1
    written = wal.stat().st_size - written_before
    store.close()
    assert scheduled == width + 2
    return steps[0] * 100 / scheduled, written / scheduled


def test_the_store_schedules_a_wide_dag_with_work_linear_in_its_tasks(tmp_path):
    (narrow_steps, narrow_bytes), (wide_steps, wide_bytes) = (
        _work_per_task(tmp_path / "a", 500),
        _work_per_task(tmp_path / "b", 5000),
    )
    assert wide_steps < narrow_steps * 1.2  # quadratic scheduling takes 10 times as many per task
    assert wide_bytes < narrow_bytes * 1.5


def test_a_wide_dag_is_scheduled_at_a_steady_rate(tmp_path):
    narrow, wide = scheduled_per_second(tmp_path / "a", 500), scheduled_per_second(tmp_path / "b", 4000)
    print("wide DAG: %.0f tasks/s at 500 tasks, %.0f tasks/s at 4000 tasks" % (narrow, wide))
    assert wide > narrow / 4  # quadratic scheduling would be 8 times slower
