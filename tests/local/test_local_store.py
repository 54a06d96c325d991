"""The store: reads beside a long write, errors of a database that cannot be used, migration of a
database written by the version that made every instance row at create time."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from local_helpers import job, task, wait_until

from batchcompute.local.model.attempts import RunResult
from batchcompute.local.model.jobs import parse_job
from batchcompute.local.run.objects import ObjectStore
from batchcompute.local.state import jobs
from batchcompute.local.state.store import Store, StoreUnavailable
from batchcompute.local.testing import local_server


def test_a_read_does_not_wait_for_a_long_write_and_sees_the_last_commit(tmp_path):
    store = Store(tmp_path / "db")
    with store.transaction() as conn:
        conn.execute("INSERT INTO apps (name, creation_time) VALUES ('before', 0)")
    writing, release = threading.Event(), threading.Event()

    def long_write():
        with store.transaction() as conn:
            conn.execute("INSERT INTO apps (name, creation_time) VALUES ('during', 0)")
            writing.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        with store.read() as conn:
            names = [row[0] for row in conn.execute("SELECT name FROM apps")]
        assert time.monotonic() - started < 1.0
        assert names == ["before"]
    finally:
        release.set()
        writer.join()
    with store.read() as conn:
        assert [row[0] for row in conn.execute("SELECT name FROM apps ORDER BY name")] == ["before", "during"]
    store.close()


def test_a_database_that_cannot_be_written_is_unavailable_not_a_bug(tmp_path, monkeypatch):
    monkeypatch.setattr("batchcompute.local.state.store.BUSY_TIMEOUT_MS", 50)
    store = Store(tmp_path / "db")
    other = sqlite3.connect(str(tmp_path / "db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        with pytest.raises(StoreUnavailable) as raised:
            with store.transaction():
                pass
        assert (raised.value.status, raised.value.code) == (503, "ServiceUnavailable")
        assert "locked" in raised.value.message
    finally:
        other.execute("ROLLBACK")
        other.close()
    with pytest.raises(sqlite3.OperationalError):  # a wrong statement stays a bug
        with store.read() as conn:
            conn.execute("SELECT nothing FROM nowhere")
    store.close()


def test_a_transaction_is_undone_whole_when_its_block_or_its_commit_fails(tmp_path):
    store = Store(tmp_path / "db")
    commits = store.commits
    with pytest.raises(KeyError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO apps (name, creation_time) VALUES ('block', 0)")
            raise KeyError("the block failed")
    with pytest.raises(sqlite3.IntegrityError):  # a task of no job: refused at COMMIT
        with store.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute("INSERT INTO apps (name, creation_time) VALUES ('commit', 0)")
            conn.execute(
                "INSERT INTO tasks (job_id, name, spec, instance_count, max_retry, timeout, state) "
                "VALUES ('job-none', 't', '{}', 1, 0, 60, 'Waiting')"
            )
    assert store.commits == commits
    written = []

    def write():  # in another thread: the writer's lock was let go
        with store.transaction() as conn:
            conn.execute("INSERT INTO apps (name, creation_time) VALUES ('after', 0)")
        written.append(True)

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(10)
    assert written
    with store.read() as conn:
        assert [row[0] for row in conn.execute("SELECT name FROM apps")] == ["after"]
    assert store.commits == commits + 1
    store.close()


#: The tasks table of the previous schema.
TASKS_V0 = """CREATE TABLE tasks (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    upstream TEXT NOT NULL,
    cluster_id TEXT,
    instance_count INTEGER NOT NULL,
    max_retry INTEGER NOT NULL,
    timeout REAL NOT NULL,
    state TEXT NOT NULL,
    runnable INTEGER NOT NULL DEFAULT 0,
    start_time REAL,
    end_time REAL,
    PRIMARY KEY (job_id, name)
)"""


def _version_0(path, job_id):
    """A database as the previous schema left it: each task's upstream tasks in its row, every
    instance a row; task a Finished, b Waiting for it (released), c for b."""
    Store(path).close()
    conn = sqlite3.connect(str(path))
    for statement in ("DROP TABLE tasks", "DROP TABLE task_edges", TASKS_V0, "PRAGMA user_version = 0"):
        conn.execute(statement)
    spec = (
        '{"CommandLine": "true", "EnvVars": {}, "StdoutPrefix": "oss://b/logs/", "StderrPrefix": "oss://b/logs/", '
        '"PackagePath": "", "DockerImage": "", "InputMapping": {}, "OutputMapping": {}}'
    )
    conn.execute(
        "INSERT INTO jobs (id, name, type, description, priority, state, fail_on_instance_fail, auto_release, "
        "creation_time, start_time) VALUES (?, 'old', 'DAG', '{}', 0, 'Running', 1, 0, 1, 2)",
        (job_id,),
    )
    for name, state, upstream, runnable in (("a", "Finished", "[]", 1), ("b", "Waiting", '["a"]', 1)):
        conn.execute(
            "INSERT INTO tasks (job_id, name, spec, upstream, instance_count, max_retry, timeout, state, runnable) "
            "VALUES (?, ?, ?, ?, 2, 0, 60, ?, ?)",
            (job_id, name, spec, upstream, state, runnable),
        )
        for iid in range(2):
            conn.execute(
                "INSERT INTO instances (job_id, task, iid, state, stdout_path, stderr_path) VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, name, iid, state, "oss://b/logs/stdout.%d" % iid, "oss://b/logs/stderr.%d" % iid),
            )
    conn.execute(
        "INSERT INTO tasks (job_id, name, spec, upstream, instance_count, max_retry, timeout, state, runnable) "
        "VALUES (?, 'c', ?, '[\"b\"]', 1, 0, 60, 'Waiting', 0)",
        (job_id, spec),
    )
    conn.execute(
        "INSERT INTO instances (job_id, task, iid, state, stdout_path, stderr_path) "
        "VALUES (?, 'c', 0, 'Waiting', 'oss://b/logs/stdout.c', 'oss://b/logs/stderr.c')",
        (job_id,),
    )
    conn.commit()
    conn.close()


def test_a_database_of_the_previous_schema_is_migrated_and_its_jobs_go_on(tmp_path):
    job_id = "job-" + "0" * 32
    _version_0(tmp_path / "batchcompute.db", job_id)
    with local_server(tmp_path, poll_interval=0.02) as server:
        get = server.request
        wait_until(lambda: get("GET", "/jobs/" + job_id).json()["State"] == "Finished", 20, "the old job to finish")
        assert get("GET", "/jobs/%s/tasks/c/instances/0" % job_id).json()["StdoutRedirectPath"] == (
            "oss://b/logs/stdout.c"
        )
        assert get("GET", "/jobs/" + job_id).json()["InstanceMetrics"]["FinishedCount"] == 5
        new = get("POST", "/jobs", body=job({"t": task("true", 3)})).json()["Id"]
        wait_until(lambda: get("GET", "/jobs/" + new).json()["State"] == "Finished", 20, "a new job to finish")
    store = Store(tmp_path / "batchcompute.db")
    with store.read() as conn:
        rows = conn.execute("SELECT name, dispatched, waiting_on FROM tasks WHERE job_id = ?", (job_id,))
        assert [tuple(row) for row in rows] == [("a", 2, 0), ("b", 2, 0), ("c", 1, 0)]
        edges = conn.execute("SELECT upstream, downstream FROM task_edges WHERE job_id = ?", (job_id,))
        assert [tuple(row) for row in edges] == [("a", "b"), ("b", "c")]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    store.close()


def test_the_indexes_of_an_earlier_version_that_every_claim_wrote_are_dropped(tmp_path):
    """instances_state and tasks_ready (with its dispatched count) each cost a page write in the
    commit of every claim and end; a database that has them loses them at the next start."""
    Store(tmp_path / "db").close()
    raw = sqlite3.connect(str(tmp_path / "db"))
    raw.execute("CREATE INDEX instances_state ON instances (state)")
    raw.execute("CREATE INDEX tasks_ready ON tasks (job_id, name) WHERE runnable = 1 AND dispatched < instance_count")
    raw.commit()
    raw.close()
    store = Store(tmp_path / "db")
    with store.read() as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        plan = " ".join(
            row[-1]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN " + jobs._UNSTARTED_CANDIDATES % "", ("j", "Waiting", "Running", 5)
            )
        )
    store.close()
    assert not names & {"instances_state", "tasks_ready"}
    assert {"tasks_runnable", "instances_queue"} <= names
    assert "USING INDEX tasks_runnable" in plan


def test_candidates_come_by_task_and_instance_whether_they_have_a_row_or_not(tmp_path):
    spec = parse_job(job({"a": task("x", 2), "b": task("y", 1, retries=1)}), ObjectStore(tmp_path), None, None)
    store = Store(None)
    with store.transaction() as conn:
        jobs.insert_job(conn, "job-1", spec, 0.0)
        b0 = jobs.candidates(conn, 3)[2]
        run_seq = jobs.claim(conn, b0, "w", "127.0.0.1", 0.0)
        jobs.instance_ended(conn, b0.key, run_seq, RunResult(1, "NonZeroExitCode", "exit 1"), 0.0)  # a retry row
        found = jobs.candidates(conn, 3)
    assert [(c.key, c.stored) for c in found] == [
        (("job-1", "a", 0), False),
        (("job-1", "a", 1), False),
        (("job-1", "b", 0), True),
    ]
    assert found[2].last_run_seq == 1
