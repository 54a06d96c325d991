"""The DAG of a job's tasks: which tasks may run, kept current in time linear in the tasks.

Each task stores the tasks that wait for it (``downstream``) and how many of its own upstream
tasks have not finished (``waiting_on``); it is ``runnable`` once that count is 0. A finished
task decrements its successors' counts: no finished task reads the whole DAG.
"""

from __future__ import annotations

import sqlite3
from typing import Dict, List, Sequence

from ..model.jsontext import dumps, loads
from ..model.states import ACTIVE, State

__all__ = ["downstream_of", "relink", "release_successors"]


def downstream_of(upstream: Dict[str, Sequence[str]]) -> Dict[str, List[str]]:
    """For each task, the tasks that wait for it, from what each task waits for."""
    after: Dict[str, List[str]] = {name: [] for name in upstream}
    for name, ups in upstream.items():
        for up in ups:
            after[up].append(name)
    return after


def relink(conn: sqlite3.Connection, job_id: str) -> None:
    """Recompute ``downstream``, ``waiting_on`` and ``runnable`` of all of a job's tasks from their
    ``upstream`` and states (once per job: a start_job, a migration)."""
    rows = conn.execute("SELECT name, state, upstream FROM tasks WHERE job_id = ?", (job_id,)).fetchall()
    finished = {name for name, state, _ in rows if state == State.FINISHED}
    upstream = {name: loads(ups) for name, _, ups in rows}
    after = downstream_of(upstream)
    changes = []
    for name, state, _ in rows:
        waiting_on = sum(1 for up in upstream[name] if up not in finished)
        runnable = int(waiting_on == 0 and state in ACTIVE)
        changes.append((dumps(after[name]), waiting_on, runnable, job_id, name))
    conn.executemany(
        "UPDATE tasks SET downstream = ?, waiting_on = ?, runnable = ? WHERE job_id = ? AND name = ?", changes
    )


def release_successors(conn: sqlite3.Connection, job_id: str, downstream: str) -> None:
    """A task has finished: its successors (its stored ``downstream``) wait for one task less, and
    those that wait for none may run."""
    conn.executemany(
        "UPDATE tasks SET waiting_on = waiting_on - 1, "
        "runnable = CASE WHEN waiting_on = 1 AND state = ? THEN 1 ELSE runnable END "
        "WHERE job_id = ? AND name = ?",
        [(State.WAITING, job_id, name) for name in loads(downstream)],
    )
