"""The tables of the server's database (created when missing), and the migration of a database
written by an earlier version."""

from __future__ import annotations

import sqlite3
from typing import Dict, List

from ..model.jsontext import loads
from .dag import link, relink

__all__ = ["SCHEMA", "INDEXES", "migrate"]

#: ``PRAGMA user_version`` of a database with this schema.
VERSION = 1

#: Tasks: narrow rows (the DAG is in ``task_edges``), as the scheduler updates them often.
TASKS = """CREATE TABLE IF NOT EXISTS {name} (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    cluster_id TEXT,
    instance_count INTEGER NOT NULL,
    max_retry INTEGER NOT NULL,
    timeout REAL NOT NULL,
    state TEXT NOT NULL,
    runnable INTEGER NOT NULL DEFAULT 0,
    waiting_on INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    start_time REAL,
    end_time REAL,
    PRIMARY KEY (job_id, name)
);"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    description TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    fail_on_instance_fail INTEGER NOT NULL,
    auto_release INTEGER NOT NULL,
    creation_time REAL NOT NULL,
    start_time REAL,
    end_time REAL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state);
%s
CREATE TABLE IF NOT EXISTS task_edges (
    job_id TEXT NOT NULL,
    upstream TEXT NOT NULL,
    downstream TEXT NOT NULL,
    PRIMARY KEY (job_id, upstream, downstream)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS instances (
    job_id TEXT NOT NULL,
    task TEXT NOT NULL,
    iid INTEGER NOT NULL,
    state TEXT NOT NULL,
    run_seq INTEGER NOT NULL DEFAULT 0,
    retry_count INTEGER NOT NULL DEFAULT 0,
    start_time REAL,
    end_time REAL,
    exit_code INTEGER,
    error_code TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    node_ip TEXT NOT NULL DEFAULT '',
    worker_id TEXT NOT NULL DEFAULT '',
    pid INTEGER,
    pid_start TEXT,
    stdout_path TEXT NOT NULL DEFAULT '',
    stderr_path TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, task, iid),
    FOREIGN KEY (job_id, task) REFERENCES tasks (job_id, name) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS clusters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    creation_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS vms (
    cluster_id TEXT NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    grp TEXT NOT NULL,
    id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    state TEXT NOT NULL,
    ip TEXT NOT NULL,
    host_name TEXT NOT NULL,
    creation_time REAL NOT NULL,
    PRIMARY KEY (cluster_id, grp, id)
);
CREATE TABLE IF NOT EXISTS images (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    creation_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS apps (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    creation_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS app_revisions (
    name TEXT NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    update_time REAL NOT NULL,
    PRIMARY KEY (name, revision)
);
CREATE TABLE IF NOT EXISTS tokens (
    kind TEXT NOT NULL,
    token TEXT NOT NULL,
    digest TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (kind, token)
);
CREATE TABLE IF NOT EXISTS nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (key_id, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nonces_expires ON nonces (expires);
""" % TASKS.format(name="tasks")

#: Made after ``migrate``: they name columns an earlier version's tables lack. Each index costs a
#: page write in the commit of every claim and end that changes it, so none that a claim or an
#: end changes is kept for a query that can do without: the indexes of earlier versions that did
#: (instance state alone, tasks ready by their dispatched count) are dropped.
INDEXES = """
DROP INDEX IF EXISTS tasks_ready;
DROP INDEX IF EXISTS instances_state;
CREATE INDEX IF NOT EXISTS tasks_cluster ON tasks (cluster_id);
CREATE INDEX IF NOT EXISTS tasks_state ON tasks (job_id, state);
CREATE INDEX IF NOT EXISTS tasks_runnable ON tasks (job_id, name) WHERE runnable = 1;
CREATE INDEX IF NOT EXISTS instances_queue ON instances (job_id, state, task, iid);
"""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a database up to this schema (inside a transaction, foreign keys off).

    Version 0 made every instance row when its job was created and kept each task's upstream
    tasks in its row: its tasks are rebuilt with ``dispatched`` (all their instance rows exist)
    and ``waiting_on``, and their dependencies moved to ``task_edges``.
    """
    if conn.execute("PRAGMA user_version").fetchone()[0] >= VERSION:
        return
    if "upstream" in {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}:
        conn.execute(TASKS.format(name="tasks_v1"))
        conn.execute(
            "INSERT INTO tasks_v1 (job_id, name, spec, cluster_id, instance_count, max_retry, timeout, state, "
            "runnable, dispatched, start_time, end_time) SELECT job_id, name, spec, cluster_id, instance_count, "
            "max_retry, timeout, state, runnable, instance_count, start_time, end_time FROM tasks"
        )
        upstream: Dict[str, Dict[str, List[str]]] = {}
        for job_id, name, ups in conn.execute("SELECT job_id, name, upstream FROM tasks"):
            upstream.setdefault(job_id, {})[name] = loads(ups)
        conn.execute("DROP TABLE tasks")
        conn.execute("ALTER TABLE tasks_v1 RENAME TO tasks")
        for job_id, tasks in upstream.items():
            link(conn, job_id, tasks)
            relink(conn, job_id)
    conn.execute("PRAGMA user_version = %d" % VERSION)
