"""The DAG of a job's tasks: which tasks may run, kept current in time linear in the tasks.

Its edges are rows of ``task_edges``; each task counts the upstream tasks it still waits for
(``waiting_on``) and is ``runnable`` once that count is 0. A finished task decrements the counts of
its successors: no finished task reads the whole DAG, and no update rewrites a task's list of
dependencies (a task after 40,000 others has a narrow row all the same).
"""

from __future__ import annotations

import sqlite3
from typing import Dict, Sequence

from ..model.states import ACTIVE, State

__all__ = ["link", "relink", "release_successors", "unlink"]


def link(conn: sqlite3.Connection, job_id: str, upstream: Dict[str, Sequence[str]]) -> None:
    """Store a job's dependencies: ``upstream`` maps each task to the tasks it waits for."""
    conn.executemany(
        "INSERT OR IGNORE INTO task_edges (job_id, upstream, downstream) VALUES (?, ?, ?)",
        [(job_id, up, name) for name, ups in upstream.items() for up in ups],
    )


def unlink(conn: sqlite3.Connection, job_id: str) -> None:
    """Forget a job's dependencies (it is deleted)."""
    conn.execute("DELETE FROM task_edges WHERE job_id = ?", (job_id,))


def relink(conn: sqlite3.Connection, job_id: str) -> None:
    """Recompute ``waiting_on`` and ``runnable`` of all of a job's tasks from its edges and their
    states (once per job: a start_job, a migration)."""
    states = dict(conn.execute("SELECT name, state FROM tasks WHERE job_id = ?", (job_id,)))
    waiting_on = dict.fromkeys(states, 0)
    for up, down in conn.execute("SELECT upstream, downstream FROM task_edges WHERE job_id = ?", (job_id,)):
        if states.get(up) != State.FINISHED:
            waiting_on[down] += 1
    conn.executemany(
        "UPDATE tasks SET waiting_on = ?, runnable = ? WHERE job_id = ? AND name = ?",
        [(count, int(count == 0 and states[name] in ACTIVE), job_id, name) for name, count in waiting_on.items()],
    )


def release_successors(conn: sqlite3.Connection, job_id: str, name: str) -> None:
    """Task ``name`` has finished: its successors wait for one task less, and those that wait for
    none may run."""
    conn.execute(
        "UPDATE tasks SET waiting_on = waiting_on - 1, "
        "runnable = CASE WHEN waiting_on = 1 AND state = ? THEN 1 ELSE runnable END "
        "WHERE job_id = ? AND name IN (SELECT downstream FROM task_edges WHERE job_id = ? AND upstream = ?)",
        (State.WAITING, job_id, job_id, name),
    )
