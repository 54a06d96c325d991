"""Faults: a disk that fills up while instances end (a real small tmpfs, mounted for the test), a
store that refuses writes for a while, a restart on a full disk, and what the attempt records tell
a restarted server."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from local_helpers import WriteRefusal, job, task, wait_until

import batchcompute
from batchcompute.local.run.executor import NOT_STARTED_CODE, RecordedAttempt, RunResult
from batchcompute.local.run.journal import read_records
from batchcompute.local.run.local import LocalProcessExecutor, end_process_group
from batchcompute.local.run.objects import ObjectStore
from batchcompute.local.run.steps import boot_clock, process_start_token, start_window, started_as
from batchcompute.local.state import jobs
from batchcompute.local.testing import SignedRequester, local_server

MiB = 1024 * 1024


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs: a disk that a test can fill up and free again."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (it needs root): %s" % done.stderr.decode().strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Write a ballast file until the disk is full; it is returned (delete it to free the disk)."""
    ballast = disk / "ballast"
    fd = os.open(str(ballast), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (MiB, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return ballast


class _Server:
    """``python -m batchcompute.local`` on ``data_dir``, its log in ``log``."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(Path(batchcompute.__file__).resolve().parent.parent))
        self.log = open(log, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "batchcompute.local", "--port", "0", "--data-dir", str(data_dir), "--workers", "8"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        banner = self.proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
        self.requester = SignedRequester("http://127.0.0.1:%d" % int(found.group(1))) if found else None

    def get(self, path: str):
        return self.requester.request("GET", path).json()

    def create(self, body) -> str:
        answer = self.requester.request("POST", "/jobs", body=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["Id"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.requester is not None:
            self.requester.close()
        self.log.close()


@contextmanager
def _serving(data_dir: Path, log: Path):
    server = _Server(data_dir, log)
    try:
        assert server.requester is not None, log.read_text()
        yield server
    finally:
        server.kill()


@pytest.fixture
def flag(tmp_path):
    """A file whose existence ends the held instances: made at the end whatever happened, so that
    none of them outlives a failed test."""
    path = tmp_path / "go"
    yield path
    path.touch()


def _held(flag: Path, instances: int):
    """A task whose instances say they run (a file next to ``flag``), then run until ``flag``
    exists and exit 0."""
    started = '"%s.$BATCH_COMPUTE_DAG_INSTANCE_ID"' % flag
    return task('touch %s; while [ ! -e "%s" ]; do sleep 0.02; done' % (started, flag), instances)


def _running(flag: Path, count: int) -> None:
    """Wait until ``count`` commands of _held run (Running in the store comes first: the disk must
    fill only once they run)."""
    wait_until(lambda: len(list(flag.parent.glob(flag.name + ".*"))) == count, 20, "running")


def test_a_disk_that_fills_while_instances_end_leaves_none_running_once_freed(small_disk, tmp_path, flag):
    data, log = small_disk / "data", tmp_path / "server.log"
    with _serving(data, log) as server:
        before = [server.create(job({"t": task("true")}, name="before-%d" % n)) for n in range(3)]
        held = server.create(job({"t": _held(flag, 6)}, name="held"))
        _running(flag, 6)
        ballast = _fill(small_disk)
        flag.touch()  # the six commands exit 0 while nothing can be written
        wait_until(lambda: "trying again until it succeeds" in log.read_text(), 10, "a failed record of an end")
        # a write may still fit where a failed one made room: then it is acknowledged, else a 503
        late = server.requester.request("POST", "/jobs", body=job({"t": task("true")}, name="late"))
        assert late.status_code in (201, 503), late.text
        assert late.status_code == 201 or late.json()["Code"] == "ServiceUnavailable"
        assert server.requester.request("GET", "/jobs/" + held).status_code == 200  # reads go on
        ballast.unlink()
        wait_until(lambda: server.get("/jobs/" + held)["State"] == "Finished", 20, "the ends to land")
        metrics = server.get("/jobs/" + held)["InstanceMetrics"]
        assert metrics["FinishedCount"] == 6 and metrics["RunningCount"] == 0
        names = sorted(item["Name"] for item in server.get("/jobs?MaxItemCount=100")["Items"])
        assert names == sorted(["before-0", "before-1", "before-2", "held"] + ["late"] * (late.status_code == 201))
        assert all(server.get("/jobs/" + ident)["State"] == "Finished" for ident in before)
    assert "Traceback" not in log.read_text()


def test_a_restart_on_a_full_disk_says_so_and_a_later_one_records_the_outcomes(small_disk, tmp_path, flag):
    data, log = small_disk / "data", tmp_path / "server.log"
    with _serving(data, log) as server:
        held = server.create(job({"t": _held(flag, 2)}, name="held"))
        _running(flag, 2)
        ballast = _fill(small_disk)
        flag.touch()
        outcomes = lambda: [r.outcome for r in read_records(data / "work" / "attempts") if r.key[0] == held]  # noqa: E731
        ended = lambda: len(outcomes()) == 2 and all(outcomes())  # noqa: E731
        wait_until(ended, 10, "both outcomes in the attempt records")
        wait_until(lambda: "trying again until it succeeds" in log.read_text(), 10, "a failed record of an end")
        server.kill()  # the store never got the two ends

    failed_log = tmp_path / "restart.log"
    restart = _Server(data, failed_log)
    assert restart.proc.wait(timeout=30) == 1 and restart.requester is None
    restart.kill()
    lines = failed_log.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("batchcompute-local: cannot start: ") and "full" in lines[0]

    ballast.unlink()
    with _serving(data, log) as server:
        assert server.get("/jobs/" + held)["State"] == "Finished"
        for n in range(2):
            instance = server.get("/jobs/%s/tasks/t/instances/%d" % (held, n))
            assert (instance["State"], instance["RetryCount"], instance["Result"]["ExitCode"]) == ("Finished", 0, 0)


def test_ends_the_store_refuses_for_a_while_are_recorded_once_it_takes_them(tmp_path):
    with local_server(tmp_path / "data", workers=4, poll_interval=0.05) as server:
        job_id = server.request("POST", "/jobs", body=job({"t": task("sleep 0.3", 4)})).json()["Id"]
        wait_until(lambda: server.server.scheduler.running() == 4, 10, "four attempts")
        refusal = WriteRefusal(server.server.store)
        wait_until(lambda: server.server.scheduler.unrecorded() == 4, 10, "the four ends to wait")
        assert server.request("GET", "/jobs/" + job_id).json()["InstanceMetrics"]["RunningCount"] == 4
        time.sleep(0.5)  # a few refused tries
        refusal.on = False
        wait_until(lambda: server.request("GET", "/jobs/" + job_id).json()["State"] == "Finished", 10, "the ends")
        # the count is cleared just after the commit that finishes the job
        wait_until(lambda: server.server.scheduler.unrecorded() == 0, 10, "nothing left to record")


def test_an_end_is_recorded_when_claiming_the_next_instance_fails(tmp_path, monkeypatch, caplog):
    real, calls = jobs.claim, []

    def claim(*args):
        calls.append(args)
        if len(calls) == 2:  # the claim made with the first end
            raise sqlite3.OperationalError("no such table: instances")
        return real(*args)

    monkeypatch.setattr(jobs, "claim", claim)
    monkeypatch.setattr(LocalProcessExecutor, "keeps_records", False)  # every claim made with an end
    with local_server(tmp_path / "data", workers=1, poll_interval=0.05) as server:
        job_id = server.request("POST", "/jobs", body=job({"t": task("true", 3)})).json()["Id"]
        wait_until(lambda: server.request("GET", "/jobs/" + job_id).json()["State"] == "Finished", 10, "the job")
        assert server.request("GET", "/jobs/" + job_id).json()["InstanceMetrics"]["FinishedCount"] == 3
    assert len(calls) == 4 and "claiming the next instance failed" in caplog.text


def _attempt(key, run_seq=1, pid=None, start=None):
    return RecordedAttempt(key, run_seq, "worker", None, pid, start)


def test_a_start_window_recognises_its_process_and_no_other():
    before = boot_clock()
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    window = start_window(before, boot_clock())
    try:
        started = process_start_token(sleeper.pid)
        assert started is not None and started_as(window, started) and started_as(started, started)
        first = int(window.split("-")[0])
        earlier = "%d-%d" % (first - 200, first - 100)  # a process that had the pid seconds before
        assert not started_as(earlier, started) and not started_as(str(first - 1), started)
        end_process_group(sleeper.pid, earlier)
        time.sleep(0.05)
        assert sleeper.poll() is None  # another process has the pid now: left alone
        end_process_group(sleeper.pid, window)
        assert sleeper.wait(timeout=10) != 0
    finally:
        if sleeper.poll() is None:
            sleeper.kill()


def test_what_the_attempt_records_tell_a_restarted_server(tmp_path):
    store = ObjectStore(tmp_path / "oss")
    before = LocalProcessExecutor(store, tmp_path / "work")  # the process that dies
    ended, alive, unreleased, stale, forgotten = [("j", "t", n) for n in range(5)]
    record = before.journal.open(ended, 1)
    record.started(os.getpid() + 10**6, "gone")
    record.ended(RunResult(0))
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        before.journal.open(alive, 2).started(sleeper.pid, process_start_token(sleeper.pid))
        before.journal.open(unreleased, 1)
        before.journal.open(stale, 1).ended(RunResult(0))
        done = before.journal.open(forgotten, 1)
        done.ended(RunResult(0))
        done.remove()
        after = LocalProcessExecutor(store, tmp_path / "work")
        answers = after.recover(
            [_attempt(ended), _attempt(alive, 2), _attempt(unreleased), _attempt(stale, 2), _attempt(forgotten)]
        )
        assert answers[ended] == RunResult(0)
        assert answers[alive].error_code == "ServerRestarted" and sleeper.wait(timeout=10) != 0
        assert answers[unreleased].error_code == NOT_STARTED_CODE  # its command was never released
        assert answers[stale].error_code == NOT_STARTED_CODE  # a record of an earlier attempt
        assert answers[forgotten].error_code == NOT_STARTED_CODE  # its slot was freed
        slots = sorted(path.name for path in (tmp_path / "work" / "attempts").iterdir())
        assert slots == ["r0", "r1", "r2", "r3", "r4"]
        assert after.journal.open(("j", "t", 9), 1) and sorted(path.name for path in slots_of(tmp_path)) == slots
    finally:
        if sleeper.poll() is None:
            sleeper.kill()


def slots_of(tmp_path):
    return (tmp_path / "work" / "attempts").iterdir()
