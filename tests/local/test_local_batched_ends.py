"""Short instances of a big task run back to back: the end of one and the claim of the next are
written in batches. Every outcome lands, every other write (each signed request makes one) sees
them first, a stop reaches an instance whose claim waited, and a restart records the claims a
dead server had not written from the attempt records."""

from __future__ import annotations

import os
import subprocess
import threading
import time

from local_helpers import WriteRefusal, job, task, wait_until

from batchcompute.local.ids import job_id as new_job_id
from batchcompute.local.model.jobs import parse_job
from batchcompute.local.run.executor import RunResult
from batchcompute.local.run.local import LocalProcessExecutor
from batchcompute.local.run.objects import ObjectStore
from batchcompute.local.run.scheduler import Scheduler
from batchcompute.local.run.steps import process_start_token
from batchcompute.local.state import jobs
from batchcompute.local.state.store import Store
from batchcompute.local.testing import local_server


def _submit(store: Store, oss: ObjectStore, body) -> str:
    ident = new_job_id()
    with store.transaction() as conn:
        jobs.insert_job(conn, ident, parse_job(body, oss, lambda _: False, lambda _: None), time.time())
    return ident


def _instances(store: Store, ident: str):
    with store.read() as conn:
        return conn.execute(
            "SELECT iid, state, run_seq, retry_count, exit_code, start_time, end_time FROM instances "
            "WHERE job_id = ? ORDER BY iid",
            (ident,),
        ).fetchall()


def _job_state(store: Store, ident: str) -> str:
    with store.read() as conn:
        return jobs.find_job(conn, ident, "state")["state"]


def test_many_short_instances_take_fewer_writes_and_every_outcome_lands(tmp_path):
    store, oss = Store(tmp_path / "db.sqlite"), ObjectStore(tmp_path / "oss")
    scheduler = Scheduler(store, LocalProcessExecutor(oss, tmp_path / "work"), workers=2, poll_interval=3600)
    scheduler.start()
    try:
        command = 'exit "$((BATCH_COMPUTE_DAG_INSTANCE_ID % 7 == 3))"'  # instances 3, 10, 17 ... fail
        ident = _submit(store, oss, job({"t": task(command, 60)}, fail_fast=False))
        before = store.commits
        scheduler.wake()
        wait_until(lambda: _job_state(store, ident) in ("Finished", "Failed"), 30, "the job")
        writes = store.commits - before
    finally:
        scheduler.close()
    rows = _instances(store, ident)
    assert len(rows) == 60
    for row in rows:  # those that exit 1 end Failed (no retries), the others Finished
        failed = row["iid"] % 7 == 3
        assert (row["state"], row["exit_code"], row["run_seq"]) == (("Failed", 1, 1) if failed else ("Finished", 0, 1))
        assert row["start_time"] <= row["end_time"]
    assert writes < 60, writes  # not one transaction per instance


def _marking(tmp_path, then: str = ""):
    """A folder where each instance leaves a line in a file named by its id, and the command that
    does, then ``then``."""
    marks = tmp_path / "marks"
    marks.mkdir()
    return marks, 'echo ran >> "%s/$BATCH_COMPUTE_DAG_INSTANCE_ID"' % marks + ("; " + then if then else "")


def test_every_write_sees_the_ends_that_wait_and_a_stop_reaches_the_next_instance(tmp_path):
    marks, command = _marking(tmp_path, "sleep 0.3")
    with local_server(tmp_path / "data", workers=1, poll_interval=3600) as server:
        ident = server.request("POST", "/jobs", body=job({"t": task(command, 4)})).json()["Id"]
        wait_until(lambda: (marks / "1").exists(), 20, "the second instance")
        # instance 0 ended and 1 started without a write of their own: this signed read makes one first
        first = server.request("GET", "/jobs/%s/tasks/t/instances/0" % ident).json()
        second = server.request("GET", "/jobs/%s/tasks/t/instances/1" % ident).json()
        assert (first["State"], first["Result"]["ExitCode"]) == ("Finished", 0)
        assert second["State"] == "Running"
        assert server.request("POST", "/jobs/%s/stop" % ident).status_code == 202
        wait_until(lambda: server.request("GET", "/jobs/" + ident).json()["State"] == "Stopped", 20, "the stop")
        states = [server.request("GET", "/jobs/%s/tasks/t/instances/%d" % (ident, n)).json()["State"] for n in range(4)]
        assert states[0] == "Finished" and states[1] == "Stopped" and "Running" not in states
        time.sleep(0.5)
        assert not (marks / "2").exists() and not (marks / "3").exists()


def test_a_restart_records_the_claims_a_dead_server_had_not_written(tmp_path):
    store, oss = Store(tmp_path / "db.sqlite"), ObjectStore(tmp_path / "oss")
    ident = _submit(store, oss, job({"t": task("true", 5, retries=1)}))
    with store.transaction() as conn:  # instance 0 was claimed through the store, like every first one
        (first, *_) = jobs.candidates(conn, 1)
        jobs.claim(conn, first, "i-auto-w", "127.0.0.1", time.time())
    # the dead server's attempt records: 0 and 1 ended well, 2 still ran, 3 was never released
    dead = LocalProcessExecutor(oss, tmp_path / "work")
    for n in (0, 1):
        record = dead.journal.open((ident, "t", n), 1)
        record.started(os.getpid() + 10**6, "gone")
        record.ended(RunResult(0))
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        dead.journal.open((ident, "t", 2), 1).started(sleeper.pid, process_start_token(sleeper.pid))
        dead.journal.open((ident, "t", 3), 1)
        dead.journal.close()

        scheduler = Scheduler(store, LocalProcessExecutor(oss, tmp_path / "work"), workers=2, poll_interval=0.05)
        scheduler.start()
        try:
            assert sleeper.wait(timeout=10) != 0  # what was left of instance 2 was ended
            wait_until(lambda: _job_state(store, ident) == "Finished", 30, "the job")
        finally:
            scheduler.close()
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
    rows = {row["iid"]: row for row in _instances(store, ident)}
    assert all(rows[n]["state"] == "Finished" and rows[n]["exit_code"] == 0 for n in range(5))
    assert [rows[n]["retry_count"] for n in range(5)] == [0, 0, 1, 0, 0]  # 2 ran again; 0, 1 and 3 once
    assert [rows[n]["run_seq"] for n in range(5)] == [1, 1, 2, 1, 1]
    heads = [path.read_bytes().split(b"\n", 1)[0] for path in (tmp_path / "work" / "attempts").iterdir()]
    held = [head for head in heads if head != b'{"key": null}']
    assert len(heads) >= 4 and len(held) == 1 and b'"t", 0]' in held[0]  # (0's, as ever, until the next start)


def test_a_batch_the_store_refuses_waits_and_every_instance_runs_once(tmp_path, caplog):
    marks, command = _marking(tmp_path)
    with local_server(tmp_path / "data", workers=2, poll_interval=0.05) as server:
        ident = server.request("POST", "/jobs", body=job({"t": task(command, 400)})).json()["Id"]
        wait_until(lambda: len(list(marks.iterdir())) >= 20, 20, "twenty instances")
        refusal = WriteRefusal(server.server.store)
        wait_until(lambda: "writing a batch of ends failed" in caplog.text, 20, "a refused batch")
        time.sleep(0.2)  # more wait (kept, then one by one, refused too)
        refusal.on = False
        wait_until(lambda: server.request("GET", "/jobs/" + ident).json()["State"] == "Finished", 30, "the job")
        metrics = server.request("GET", "/jobs/" + ident).json()["InstanceMetrics"]
    assert metrics["FinishedCount"] == 400 and metrics["FailedCount"] == 0
    runs = {path.name: path.read_text() for path in marks.iterdir()}
    assert len(runs) == 400 and set(runs.values()) == {"ran\n"}  # each ran once


def test_claims_written_out_of_turn_or_of_an_attempt_gone_stale_are_taken_one_by_one(tmp_path):
    store, oss = Store(tmp_path / "db.sqlite"), ObjectStore(tmp_path / "oss")
    ident = _submit(store, oss, job({"t": task("true", 4)}))
    with store.transaction() as conn:
        first, second, third, _ = jobs.candidates(conn, 4)
        jobs.claim(conn, first, "w0", "127.0.0.1", 1.0)  # the claim that starts the task and the job
        jobs.claim_all(conn, [(third, "w2", "127.0.0.1", 2.0)])  # 1 skipped: not the next ones
        jobs.finished_all(conn, [(first.key, 1, RunResult(0), 3.0), (third.key, 2, RunResult(0), 3.0)])
    rows = {row["iid"]: row for row in _instances(store, ident)}
    assert [rows[n]["state"] for n in range(3)] == ["Finished", "Waiting", "Running"]  # 2's end named run 2
    with store.read() as conn:
        assert jobs.find_task(conn, ident, "t")["dispatched"] == 3


class _Counting(LocalProcessExecutor):
    """Tells the most attempts that ran at once."""

    def __init__(self, *args):
        super().__init__(*args)
        self.running = self.most = 0
        self.lock = threading.Lock()

    def start(self, run, on_started, on_done):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)

        def done(result):
            with self.lock:
                self.running -= 1
            on_done(result)

        return super().start(run, on_started, done)


def test_the_next_instance_waits_when_the_scheduler_thread_took_the_freed_slot(tmp_path, monkeypatch):
    real = Scheduler._start_next_of_task

    def after_a_dispatch_pass(self, end):  # the scheduler thread passes just after the slot was freed
        self._dispatch_now(block=True)
        return real(self, end)

    monkeypatch.setattr(Scheduler, "_start_next_of_task", after_a_dispatch_pass)
    store, oss = Store(tmp_path / "db.sqlite"), ObjectStore(tmp_path / "oss")
    executor = _Counting(oss, tmp_path / "work")
    scheduler = Scheduler(store, executor, workers=2, poll_interval=3600)
    scheduler.start()
    try:
        ident = _submit(store, oss, job({"t": task("true", 40)}))
        scheduler.wake()
        wait_until(lambda: _job_state(store, ident) == "Finished", 30, "the job")
    finally:
        scheduler.close()
    assert executor.most == 2
