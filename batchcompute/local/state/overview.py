"""Read-only summaries for the web console: lists with their progress, each in a few queries.

A job's or task's instance total is the sum of its tasks' InstanceCount (instance rows need not
exist before they are dispatched); its Waiting instances are those not counted in another state.
An instance never dispatched counts as Stopped once its task has ended (``jobs.unstarted``).
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple

from ..model.states import ACTIVE, STATES, State
from .jobs import list_instances
from .paging import Page
from .store import Connection, Row

__all__ = [
    "JobPage",
    "JobSummary",
    "TaskSummary",
    "job_page",
    "job_summary",
    "job_state_counts",
    "cluster_ids",
    "task_summaries",
    "instance_rows",
    "instances_on",
    "active_jobs_by_cluster",
    "vms_of",
    "app_summaries",
]

#: Instance states counted in instance rows (Waiting is what is left of the total).
_COUNTED = tuple(state for state in STATES if state != State.WAITING)
_COUNT_COLUMNS = ", ".join(
    "(SELECT COUNT(*) FROM instances i WHERE i.job_id = j.id AND i.state = '%s') AS n_%s" % (state, state.lower())
    for state in _COUNTED
)
_JOB_COLUMNS = (
    "j.seq, j.id, j.name, j.type, j.priority, j.state, j.message, j.creation_time, j.start_time, j.end_time, "
    "(SELECT COALESCE(SUM(t.instance_count), 0) FROM tasks t WHERE t.job_id = j.id) AS n_total, "
    "(SELECT COALESCE(SUM(t.instance_count - t.dispatched), 0) FROM tasks t WHERE t.job_id = j.id "
    "AND t.state NOT IN ('%s', '%s')) AS n_unstarted_stopped, "
    % ACTIVE
    + "(SELECT GROUP_CONCAT(DISTINCT COALESCE(t.cluster_id, '')) FROM tasks t WHERE t.job_id = j.id) AS clusters, "
    + _COUNT_COLUMNS
)


def _counts(total: int, counted: Dict[str, int]) -> Dict[str, int]:
    """State -> instances in it, Waiting being what the other states leave of ``total``."""
    counts = {state: counted.get(state, 0) for state in _COUNTED}
    counts[State.WAITING] = max(0, total - sum(counts.values()))
    return counts


class JobSummary(NamedTuple):
    """A job as the console lists it: its row's fields, instance counts by state, its clusters
    ("" for an AutoCluster)."""

    seq: int
    id: str
    name: str
    type: str
    priority: int
    state: str
    message: str
    creation_time: float
    start_time: Optional[float]
    end_time: Optional[float]
    instances: Dict[str, int]
    clusters: Tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.instances.values())


def _job_summary(row: Row) -> JobSummary:
    counted = {state: row["n_" + state.lower()] for state in _COUNTED}
    counted[State.STOPPED] += row["n_unstarted_stopped"]
    clusters = tuple(sorted(set((row["clusters"] or "").split(",")))) if row["clusters"] is not None else ()
    return JobSummary(
        row["seq"],
        row["id"],
        row["name"],
        row["type"],
        row["priority"],
        row["state"],
        row["message"],
        row["creation_time"],
        row["start_time"],
        row["end_time"],
        _counts(row["n_total"], counted),
        clusters,
    )


class JobPage(NamedTuple):
    """One page of the job list, newest first: the seq of the job after it (older) and of the job
    before it (newer), None at either end."""

    jobs: List[JobSummary]
    older: Optional[int]
    newer: Optional[int]


def job_page(
    conn: Connection,
    size: int,
    state: Optional[str] = None,
    cluster_id: Optional[str] = None,
    older_than: Optional[int] = None,
    newer_than: Optional[int] = None,
) -> JobPage:
    """Up to ``size`` jobs, newest first, from the job after ``older_than`` on (or up to the job
    before ``newer_than``); in ``state`` and with a task on ``cluster_id`` ("": an AutoCluster)
    when given."""
    conditions, args = _job_filters(state, cluster_id)
    backwards = newer_than is not None and older_than is None
    if backwards:
        conditions.append("j.seq > ?")
        args.append(newer_than)
    elif older_than is not None:
        conditions.append("j.seq < ?")
        args.append(older_than)
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    rows = conn.execute(
        "SELECT %s FROM jobs j%s ORDER BY j.seq %s LIMIT ?" % (_JOB_COLUMNS, where, "ASC" if backwards else "DESC"),
        (*args, size + 1),
    ).fetchall()
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    jobs = [_job_summary(row) for row in rows]
    if not jobs:
        return JobPage([], None, None)
    first, last = jobs[0].seq, jobs[-1].seq
    if backwards:
        return JobPage(jobs, last if _exists(conn, state, cluster_id, "<", last) else None, first if more else None)
    newer = first if _exists(conn, state, cluster_id, ">", first) else None
    return JobPage(jobs, last if more else None, newer)


def _job_filters(state: Optional[str], cluster_id: Optional[str]) -> Tuple[List[str], List[object]]:
    conditions: List[str] = []
    args: List[object] = []
    if state:
        conditions.append("j.state = ?")
        args.append(state)
    if cluster_id == "":
        conditions.append("j.id IN (SELECT job_id FROM tasks WHERE cluster_id IS NULL)")
    elif cluster_id is not None:
        conditions.append("j.id IN (SELECT job_id FROM tasks WHERE cluster_id = ?)")
        args.append(cluster_id)
    return conditions, args


def _exists(conn: Connection, state: Optional[str], cluster_id: Optional[str], relation: str, seq: int) -> bool:
    """Whether a job that passes the filters has a seq ``relation`` ``seq``."""
    conditions, args = _job_filters(state, cluster_id)
    conditions.append("j.seq %s ?" % relation)
    sql = "SELECT 1 FROM jobs j WHERE %s LIMIT 1" % " AND ".join(conditions)
    return conn.execute(sql, (*args, seq)).fetchone() is not None


def job_summary(conn: Connection, job_id: str) -> Optional[JobSummary]:
    row = conn.execute("SELECT %s FROM jobs j WHERE j.id = ?" % _JOB_COLUMNS, (job_id,)).fetchone()
    return None if row is None else _job_summary(row)


def job_state_counts(conn: Connection) -> Dict[str, int]:
    """State -> how many jobs are in it."""
    return dict(conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())


def cluster_ids(conn: Connection) -> List[Tuple[str, str]]:
    """(id, name) of every cluster, oldest first."""
    return [(row["id"], row["name"]) for row in conn.execute("SELECT id, name FROM clusters ORDER BY seq")]


class TaskSummary(NamedTuple):
    """A task of a job: its row's fields, the tasks it waits for and instance counts by state."""

    name: str
    state: str
    cluster_id: Optional[str]
    upstream: List[str]
    instance_count: int
    max_retry: int
    timeout: float
    start_time: Optional[float]
    end_time: Optional[float]
    instances: Dict[str, int]


def task_summaries(conn: Connection, job_id: str) -> List[TaskSummary]:
    """Every task of a job by name, with its instance counts (two queries, whatever the size)."""
    counted: Dict[str, Dict[str, int]] = {}
    for task, state, count in conn.execute(
        "SELECT task, state, COUNT(*) FROM instances WHERE job_id = ? AND state != ? GROUP BY task, state",
        (job_id, State.WAITING),
    ):
        counted.setdefault(task, {})[state] = count
    upstream: Dict[str, List[str]] = {}
    for up, down in conn.execute("SELECT upstream, downstream FROM task_edges WHERE job_id = ?", (job_id,)):
        upstream.setdefault(down, []).append(up)
    rows = conn.execute(
        "SELECT name, state, cluster_id, instance_count, dispatched, max_retry, timeout, start_time, end_time "
        "FROM tasks WHERE job_id = ? ORDER BY name",
        (job_id,),
    ).fetchall()
    for row in rows:
        if row["state"] not in ACTIVE and row["dispatched"] < row["instance_count"]:
            task_counts = counted.setdefault(row["name"], {})
            unstarted = row["instance_count"] - row["dispatched"]
            task_counts[State.STOPPED] = task_counts.get(State.STOPPED, 0) + unstarted
    return [
        TaskSummary(
            row["name"],
            row["state"],
            row["cluster_id"],
            upstream.get(row["name"], []),
            row["instance_count"],
            row["max_retry"],
            row["timeout"],
            row["start_time"],
            row["end_time"],
            _counts(row["instance_count"], counted.get(row["name"], {})),
        )
        for row in rows
    ]


def instance_rows(conn: Connection, job_id: str, task: str, first: int, size: int) -> List[Row]:
    """Up to ``size`` instances of a task (those never dispatched too), from instance id ``first`` on."""
    return list_instances(conn, job_id, task, Page(size, first or None))[0]


def instances_on(conn: Connection, cluster_id: str) -> Dict[str, Tuple[str, str, int]]:
    """VM id -> the (job id, task, instance id) running on it, for a cluster's VMs."""
    rows = conn.execute(
        "SELECT i.worker_id, i.job_id, i.task, i.iid FROM instances i "
        "JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task WHERE t.cluster_id = ? AND i.state = ?",
        (cluster_id, State.RUNNING),
    )
    return {row["worker_id"]: (row["job_id"], row["task"], row["iid"]) for row in rows}


def active_jobs_by_cluster(conn: Connection) -> Dict[str, int]:
    """Cluster id -> how many jobs that have not ended have a task on it."""
    rows = conn.execute(
        "SELECT t.cluster_id, COUNT(DISTINCT j.id) FROM jobs j JOIN tasks t ON t.job_id = j.id "
        "WHERE t.cluster_id IS NOT NULL AND j.state IN (?, ?) GROUP BY t.cluster_id",
        ACTIVE,
    )
    return dict(rows.fetchall())


def vms_of(conn: Connection, cluster_id: str) -> List[Row]:
    """A cluster's VMs by group and slot."""
    return conn.execute("SELECT * FROM vms WHERE cluster_id = ? ORDER BY grp, slot", (cluster_id,)).fetchall()


def app_summaries(conn: Connection) -> List[Row]:
    """Every App, oldest first: its name and creation time, its latest revision (number, body,
    update time) and how many revisions it has."""
    return conn.execute(
        "SELECT a.seq, a.name, a.creation_time, r.revision, r.body, r.update_time, "
        "(SELECT COUNT(*) FROM app_revisions c WHERE c.name = a.name) AS revisions "
        "FROM apps a JOIN app_revisions r ON r.name = a.name "
        "AND r.revision = (SELECT MAX(revision) FROM app_revisions m WHERE m.name = a.name) ORDER BY a.seq"
    ).fetchall()
