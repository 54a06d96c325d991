"""Jobs, their tasks and instances: their rows, and every change of their states.

Waiting -> Running -> Finished | Failed | Stopped for all three; each change is made inside a
store transaction and logged. Functions that end running instances of other tasks return their
keys, for the scheduler to kill the attempts after commit. An instance's ``run_seq`` names its
current attempt: a result for an older attempt is ignored.

Instance rows are made when instances are dispatched, in id order (a task's ``dispatched`` counts
them), so that creating a job costs its tasks, not its instances. An instance without a row has
never run: it is Waiting while its task is Waiting or Running, else Stopped (since its task
ended), with the log paths of its task; every answer shows it as such (``unstarted``).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from ..model.attempts import Key, RecordedAttempt, RunResult
from ..model.jobs import CommandSpec, JobSpec
from ..model.jsontext import dumps, loads
from ..model.states import ACTIVE, State
from .dag import link, release_successors, relink, unlink
from .paging import Page, fetch_page
from .store import Connection, Row, first_row

__all__ = [
    "Candidate",
    "insert_job",
    "find_job",
    "STATUS_COLUMNS",
    "find_task",
    "find_instance",
    "first_task",
    "first_instance",
    "list_jobs",
    "list_tasks",
    "list_instances",
    "task_counts",
    "instance_counts",
    "job_counts",
    "set_priority",
    "claim",
    "record_pid",
    "record_node",
    "instance_ended",
    "Ended",
    "requeue",
    "stop_job",
    "start_job",
    "delete_job",
    "running_attempts",
    "candidates",
]

log = logging.getLogger("batchcompute.local")


def _job_changed(job_id: str, state: str, detail: str = "") -> None:
    """Each job state change is logged, so the server's log shows what happens."""
    log.info("job %s %s%s", job_id, state, ": " + detail if detail else "")


def insert_job(conn: Connection, job_id: str, job: JobSpec, now: float) -> None:
    """Store a new Waiting job with its tasks (their instances get rows when dispatched)."""
    conn.execute(
        "INSERT INTO jobs (id, name, type, description, summary, topic, priority, state, "
        "fail_on_instance_fail, auto_release, creation_time) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            job.name,
            job.type,
            dumps(job.description),
            job.summary,
            dumps(job.topic) if job.topic else "",
            job.priority,
            State.WAITING,
            int(job.fail_on_instance_fail),
            int(job.auto_release),
            now,
        ),
    )
    _job_changed(job_id, State.WAITING, "created (%s, %s)" % (job.name, _count(len(job.tasks), "task")))
    conn.executemany(
        "INSERT INTO tasks (job_id, name, spec, cluster_id, instance_count, max_retry, "
        "timeout, state, runnable, waiting_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                job_id,
                task.name,
                task.command.to_json(),
                task.cluster_id,
                task.instance_count,
                task.max_retry,
                task.timeout,
                State.WAITING,
                int(not task.upstream),
                len(task.upstream),
            )
            for task in job.tasks
        ],
    )
    link(conn, job_id, {task.name: task.upstream for task in job.tasks})
    _notify(conn, job_id, "OnJobWaiting")


#: The columns a job's status is made of (not its description, which may be megabytes).
STATUS_COLUMNS = "seq, id, name, type, summary, priority, state, message, creation_time, start_time, end_time"


def find_job(conn: Connection, job_id: str, columns: str = "*") -> Optional[Row]:
    """The job ``job_id`` (its ``columns``), or None."""
    return first_row(conn.execute("SELECT %s FROM jobs WHERE id = ?" % columns, (job_id,)))


def find_task(conn: Connection, job_id: str, name: str) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM tasks WHERE job_id = ? AND name = ?", (job_id, name)))


def _stored_instance(conn: Connection, key: Key) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM instances WHERE job_id = ? AND task = ? AND iid = ?", key))


def unstarted(task: Row, command: CommandSpec, iid: int) -> Dict[str, Any]:
    """The row of instance ``iid`` of ``task`` that has not been dispatched (its ``command``
    decoded from the task's spec): Waiting, or Stopped since its task ended."""
    active = task["state"] in ACTIVE
    stdout_url, stderr_url = command.log_urls(task["job_id"], task["name"], iid)
    return {
        "job_id": task["job_id"],
        "task": task["name"],
        "iid": iid,
        "state": State.WAITING if active else State.STOPPED,
        "run_seq": 0,
        "retry_count": 0,
        "start_time": None,
        "end_time": None if active else task["end_time"],
        "exit_code": None,
        "error_code": "",
        "error_message": "",
        "detail": "",
        "node_ip": "",
        "worker_id": "",
        "pid": None,
        "pid_start": None,
        "stdout_path": stdout_url,
        "stderr_path": stderr_url,
    }


def find_instance(conn: Connection, key: Key) -> Optional[Any]:
    """The instance's row (one that was never dispatched too); None when the task has no such."""
    row = _stored_instance(conn, key)
    if row is not None:
        return row
    task = find_task(conn, key[0], key[1])
    if task is None or not task["dispatched"] <= key[2] < task["instance_count"]:
        return None
    return unstarted(task, CommandSpec.from_json(task["spec"]), key[2])


def first_task(conn: Connection, job_id: str) -> Optional[Row]:
    """The job's first task by name (an App job's only one)."""
    return first_row(conn.execute("SELECT * FROM tasks WHERE job_id = ? ORDER BY name LIMIT 1", (job_id,)))


def first_instance(conn: Connection, job_id: str) -> Optional[Any]:
    """The job's first instance by task name and instance id."""
    task = first_task(conn, job_id)
    return None if task is None else find_instance(conn, (job_id, task["name"], 0))


def list_jobs(conn: Connection, page: Page, state: Optional[str] = None, cluster_id: str = "") -> Tuple[List[Row], str]:
    """Jobs (their STATUS_COLUMNS), newest first, in ``state`` and with a task on ``cluster_id``
    when given; the NextMarker."""
    filters = [("state = ?", state), ("id IN (SELECT job_id FROM tasks WHERE cluster_id = ?)", cluster_id)]
    return fetch_page(conn, "jobs", "seq", page, filters, newest_first=True, columns=STATUS_COLUMNS)


def list_tasks(
    conn: Connection, job_id: str, page: Page, state: Optional[str] = None, cluster_id: str = ""
) -> Tuple[List[Row], str]:
    """A job's tasks by name, filtered when asked; the NextMarker (a task name)."""
    filters = [("job_id = ?", job_id), ("state = ?", state), ("cluster_id = ?", cluster_id)]
    return fetch_page(conn, "tasks", "name", page, filters)


def list_instances(
    conn: Connection, job_id: str, task: str, page: Page, state: Optional[str] = None
) -> Tuple[List[Any], str]:
    """A task's instances by id, in ``state`` when given; the NextMarker (an instance id).

    The stored rows come first (they have the lowest ids), then those never dispatched."""
    filters = [("job_id = ?", job_id), ("task = ?", task), ("state = ?", state)]
    rows, next_marker = fetch_page(conn, "instances", "iid", page, filters)
    task_row = find_task(conn, job_id, task)
    if next_marker or task_row is None:
        return rows, next_marker
    command = CommandSpec.from_json(task_row["spec"])
    first = max(task_row["dispatched"], int(page.marker or 0))
    wanted = page.size - len(rows)
    more = [
        unstarted(task_row, command, iid) for iid in range(first, min(task_row["instance_count"], first + wanted + 1))
    ]
    if state and more and more[0]["state"] != state:
        return rows, ""
    if len(more) > wanted:
        return rows + more[:wanted], str(more[wanted]["iid"])
    return rows + more, ""


def task_counts(conn: Connection, job_id: str) -> Dict[str, int]:
    """State -> how many of the job's tasks are in it."""
    return job_counts(conn, [job_id])[job_id][0]


def job_counts(conn: Connection, job_ids: Sequence[str]) -> Dict[str, Tuple[Dict[str, int], Dict[str, int]]]:
    """For each job of ``job_ids``: (state -> how many of its tasks, state -> how many of its
    instances), in one query for a whole page of jobs."""
    marks = ", ".join("?" * len(job_ids))
    rows = conn.execute(
        "SELECT 1, job_id, state, COUNT(*), SUM(MAX(instance_count - dispatched, 0)) FROM tasks "
        "WHERE job_id IN (%s) GROUP BY job_id, state "
        "UNION ALL SELECT 0, job_id, state, COUNT(*), 0 FROM instances "
        "WHERE job_id IN (%s) GROUP BY job_id, state" % (marks, marks),
        (*job_ids, *job_ids),
    )
    counts: Dict[str, Tuple[Dict[str, int], Dict[str, int]]] = {job_id: ({}, {}) for job_id in job_ids}
    for is_task, job_id, state, count, unstarted in rows:
        tasks, instances = counts[job_id]
        if is_task:
            tasks[state] = count
            if unstarted:  # instances never dispatched have no row: Waiting, or Stopped with their task
                shown = State.WAITING if state in ACTIVE else State.STOPPED
                instances[shown] = instances.get(shown, 0) + unstarted
        else:
            instances[state] = instances.get(state, 0) + count
    return counts


def instance_counts(conn: Connection, job_id: str, task: Optional[str] = None) -> Dict[str, int]:
    """State -> how many of the job's instances (of ``task`` only, when given) are in it."""
    if task is None:
        return job_counts(conn, [job_id])[job_id][1]
    counts = dict(
        conn.execute(
            "SELECT state, COUNT(*) FROM instances WHERE job_id = ? AND task = ? GROUP BY state", (job_id, task)
        )
    )
    for task_state, count in conn.execute(
        "SELECT state, instance_count - dispatched FROM tasks WHERE job_id = ? AND name = ? "
        "AND dispatched < instance_count",
        (job_id, task),
    ):
        shown = State.WAITING if task_state in ACTIVE else State.STOPPED
        counts[shown] = counts.get(shown, 0) + count
    return counts


def set_priority(conn: Connection, job_id: str, priority: int) -> None:
    conn.execute("UPDATE jobs SET priority = ? WHERE id = ?", (priority, job_id))


@lru_cache(maxsize=64)
def _command(spec: str) -> CommandSpec:
    """A task's command decoded from its stored ``spec`` (the same few specs are decoded for
    attempt after attempt; the answer is only read)."""
    return CommandSpec.from_json(spec)


class _TaskInfo:
    """What the candidates of one task share in a dispatch pass; ``dispatched`` follows the claims
    of the pass (None: not read), ``count`` is the InstanceCount (None: not read)."""

    __slots__ = ("cluster_id", "spec", "timeout", "state", "dispatched", "count")

    def __init__(self, row: Row, dispatched: Optional[int] = None, count: Optional[int] = None) -> None:
        self.cluster_id: Optional[str] = row["cluster_id"]  # None: an AutoCluster
        self.spec: str = row["spec"]
        self.timeout: float = row["timeout"]
        self.state: str = row["task_state"]
        self.dispatched = dispatched
        self.count = count


class Candidate:
    """A Waiting instance that may start now, with what its attempt needs (a dispatch pass makes
    several, and starts few of them)."""

    __slots__ = ("key", "last_run_seq", "task_info", "job_state", "stored", "_logs")

    def __init__(
        self,
        key: Key,
        task_info: _TaskInfo,
        job_state: str,
        last_run_seq: int = 0,
        logs: Optional[Tuple[str, str]] = None,
    ) -> None:
        """``logs`` are the log paths of an instance row (None: the instance has no row yet)."""
        self.key = key
        self.last_run_seq = last_run_seq
        self.task_info = task_info
        self.job_state = job_state
        self.stored = logs is not None  # whether the instance has a row (else it was never dispatched)
        self._logs = logs

    @property
    def cluster_id(self) -> Optional[str]:
        """The task's cluster (None: an AutoCluster)."""
        return self.task_info.cluster_id

    @property
    def timeout(self) -> float:
        """The task's Timeout in seconds."""
        return self.task_info.timeout

    @property
    def command(self) -> CommandSpec:
        """The task's command."""
        return _command(self.task_info.spec)

    @property
    def log_urls(self) -> Tuple[str, str]:
        """The instance's stdout and stderr objects."""
        if self._logs is None:
            self._logs = self.command.log_urls(*self.key)
        return self._logs


_STORED_CANDIDATES = (
    "SELECT i.task, i.iid, i.run_seq, i.stdout_path, i.stderr_path, t.cluster_id, t.spec, t.timeout, "
    "t.state AS task_state FROM instances i JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task "
    "WHERE i.job_id = ? AND i.state = ? AND t.runnable = 1 AND t.state IN (?, ?) %s"
    "ORDER BY i.task, i.iid LIMIT ?"
)
_UNSTARTED_CANDIDATES = (
    "SELECT name, dispatched, instance_count, cluster_id, spec, timeout, state AS task_state FROM tasks "
    "WHERE job_id = ? AND runnable = 1 AND dispatched < instance_count AND state IN (?, ?) %s"
    "ORDER BY name LIMIT ?"
)


def _not_on(clusters: Sequence[str], table: str = "") -> str:
    """The SQL condition that leaves out tasks on ``clusters`` (none: no condition)."""
    if not clusters:
        return ""
    return "AND ({0}cluster_id IS NULL OR {0}cluster_id NOT IN ({1})) ".format(table, ", ".join("?" * len(clusters)))


def _job_candidates(conn: Connection, job_id: str, job_state: str, limit: int, full: Sequence[str]) -> List[Candidate]:
    """Up to ``limit`` of a job's candidates by task and instance id: its Waiting instance rows
    (retries, requeued attempts) and its runnable tasks' instances not dispatched yet."""
    args = (*ACTIVE, *full, limit)
    found = []
    tasks: Dict[str, _TaskInfo] = {}
    for row in conn.execute(_STORED_CANDIDATES % _not_on(full, "t."), (job_id, State.WAITING, *args)):
        info = tasks.get(row["task"])
        if info is None:
            info = tasks[row["task"]] = _TaskInfo(row)
        logs = (row["stdout_path"], row["stderr_path"])
        found.append(Candidate((job_id, row["task"], row["iid"]), info, job_state, row["run_seq"], logs))
    for row in conn.execute(_UNSTARTED_CANDIDATES % _not_on(full), (job_id, *args)):
        info = _TaskInfo(row, row["dispatched"], row["instance_count"])
        last = min(row["instance_count"], row["dispatched"] + limit)
        found += [Candidate((job_id, row["name"], iid), info, job_state) for iid in range(row["dispatched"], last)]
    if tasks:  # waiting rows and not dispatched instances, each in order: merged
        found.sort(key=lambda candidate: candidate.key)
    return found[:limit]


def candidates(conn: Connection, limit: int, full_clusters: Sequence[str] = (), following: int = 0) -> List[Candidate]:
    """Up to ``limit`` Waiting instances that may start now (none on ``full_clusters``): highest
    job Priority first, then oldest job; within a job by task and instance id. When there are
    more than ``limit`` and the last is an instance never dispatched, up to ``following`` more: the
    next instances of its task, which come next (the rest of a big task, found without a query)."""
    found: List[Candidate] = []
    jobs = conn.execute("SELECT id, state FROM jobs WHERE state IN (?, ?) ORDER BY priority DESC, seq", ACTIVE)
    for job_id, job_state in jobs.fetchall():
        found += _job_candidates(conn, job_id, job_state, limit - len(found), full_clusters)
        if len(found) >= limit:
            break
    if following and found and len(found) >= limit and not found[-1].stored:
        last = found[-1]
        (job_id, task, iid), info = last.key, last.task_info
        end = min(info.count or 0, iid + 1 + following)
        found += [Candidate((job_id, task, n), info, last.job_state) for n in range(iid + 1, end)]
    return found


def claim(conn: Connection, candidate: Candidate, worker_id: str, node_ip: str, now: float) -> int:
    """Mark a Waiting instance of ``candidates`` (and its task and job) Running; return the
    attempt's run_seq."""
    job_id, task, iid = candidate.key
    run_seq = candidate.last_run_seq + 1
    if candidate.stored or not _insert_running(conn, candidate, run_seq, worker_id, node_ip, now):
        conn.execute(
            "UPDATE instances SET state = ?, run_seq = ?, start_time = ?, end_time = NULL, "
            "exit_code = NULL, error_code = '', error_message = '', worker_id = ?, node_ip = ?, pid = NULL, "
            "pid_start = NULL WHERE job_id = ? AND task = ? AND iid = ?",
            (State.RUNNING, run_seq, now, worker_id, node_ip, job_id, task, iid),
        )
    if candidate.task_info.state == State.WAITING:
        conn.execute(
            "UPDATE tasks SET state = ?, start_time = COALESCE(start_time, ?) "
            "WHERE job_id = ? AND name = ? AND state = ?",
            (State.RUNNING, now, job_id, task, State.WAITING),
        )
        candidate.task_info.state = State.RUNNING
    if candidate.job_state == State.WAITING:
        started = conn.execute(
            "UPDATE jobs SET state = ?, start_time = COALESCE(start_time, ?) WHERE id = ? AND state = ?",
            (State.RUNNING, now, job_id, State.WAITING),
        ).rowcount
        if started:
            _job_changed(job_id, State.RUNNING)
            _notify(conn, job_id, "OnJobRunning")
    return run_seq


def _dispatch_up_to(conn: Connection, candidate: Candidate) -> Optional[int]:
    """Count the instances of the candidate's task up to it as dispatched; how many were before
    (None when the candidate is among them: it has a row)."""
    job_id, task, iid = candidate.key
    info = candidate.task_info
    known = info.dispatched  # as read, or as this pass's claims left it
    if known is None or iid < known or not _move_dispatched(conn, job_id, task, iid + 1, known):
        (known,) = conn.execute("SELECT dispatched FROM tasks WHERE job_id = ? AND name = ?", (job_id, task)).fetchone()
        if iid < known:
            return None
        _move_dispatched(conn, job_id, task, iid + 1, known)
    info.dispatched = iid + 1
    return known


def _move_dispatched(conn: Connection, job_id: str, task: str, dispatched: int, was: int) -> bool:
    """Set a task's dispatched count, if it is still ``was``."""
    return bool(
        conn.execute(
            "UPDATE tasks SET dispatched = ? WHERE job_id = ? AND name = ? AND dispatched = ?",
            (dispatched, job_id, task, was),
        ).rowcount
    )


#: What an attempt's end writes (state, end time, result) into its instance's row (job, task, iid).
_END = (
    "UPDATE instances SET state = ?, end_time = ?, exit_code = ?, error_code = ?, error_message = ?, "
    "pid = NULL, pid_start = NULL WHERE job_id = ? AND task = ? AND iid = ?"
)


_INSERT_INSTANCES = (
    "INSERT INTO instances (job_id, task, iid, state, run_seq, start_time, worker_id, node_ip, stdout_path, "
    "stderr_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_running(
    conn: Connection, candidate: Candidate, run_seq: int, worker_id: str, node_ip: str, now: float
) -> bool:
    """Make the Running row of an instance that was never dispatched (and Waiting rows for those
    before it that a pass left out: rows are made in id order); False when it has a row already."""
    job_id, task, iid = candidate.key
    dispatched = _dispatch_up_to(conn, candidate)
    if dispatched is None:
        return False
    command = candidate.command
    rows: List[Tuple[str, str, int, str, int, Optional[float], str, str, str, str]] = [
        (job_id, task, n, State.WAITING, 0, None, "", "", *command.log_urls(job_id, task, n))
        for n in range(dispatched, iid)
    ]
    rows.append((job_id, task, iid, State.RUNNING, run_seq, now, worker_id, node_ip, *candidate.log_urls))
    conn.executemany(_INSERT_INSTANCES, rows)
    return True


def claim_all(conn: Connection, claims: Sequence[Tuple[Candidate, str, str, float]]) -> None:
    """Record claims made without the store (``candidate, worker_id, node_ip, time`` each, in the
    order they were made): in one statement for each table when they are the next instances of one
    task, never dispatched, that runs already; else one by one (``claim``)."""
    first = claims[0][0]
    job_id, task, start = first.key
    info = first.task_info
    in_a_row = all(
        candidate.key == (job_id, task, start + n) and not candidate.stored and candidate.task_info is info
        for n, (candidate, _, _, _) in enumerate(claims)
    )
    if (
        in_a_row
        and info.state == State.RUNNING  # (and so its job: the claim that started the task started it)
        and info.dispatched == start
        and _move_dispatched(conn, job_id, task, start + len(claims), start)
    ):
        info.dispatched = start + len(claims)
        conn.executemany(
            _INSERT_INSTANCES,
            [
                (job_id, task, candidate.key[2], State.RUNNING, candidate.last_run_seq + 1, now, worker_id, node_ip)
                + candidate.log_urls
                for candidate, worker_id, node_ip, now in claims
            ],
        )
        return
    for candidate, worker_id, node_ip, now in claims:
        claim(conn, candidate, worker_id, node_ip, now)


def finished_all(conn: Connection, ends: Sequence[Tuple[Key, int, RunResult, float]]) -> None:
    """Record successful ends (``key, run_seq, result, time`` each) of instances whose task has more
    to run (so no end settles it): Finished, unless the attempt is no longer the running one."""
    conn.executemany(
        _END + " AND state = ? AND run_seq = ?",
        [
            (State.FINISHED, now, result.exit_code, result.error_code, result.error_message, *key, State.RUNNING, seq)
            for key, seq, result, now in ends
        ],
    )


def record_unclaimed(conn: Connection, key: Key, worker_id: str, node_ip: str, result: RunResult, now: float) -> bool:
    """The first attempt of an instance that ran while its claim was still to be recorded (the
    server stopped before its batch was written): its rows made, the attempt recorded as started
    and ended now. False when the instance has a row already (its batch was written) or its task
    is no longer active."""
    job_id, name, iid = key
    task = first_row(
        conn.execute(
            "SELECT cluster_id, spec, timeout, state AS task_state, dispatched FROM tasks "
            "WHERE job_id = ? AND name = ?",
            (job_id, name),
        )
    )
    if task is None or task["task_state"] not in ACTIVE or iid < task["dispatched"]:
        return False
    _insert_running(
        conn, Candidate(key, _TaskInfo(task, task["dispatched"]), State.RUNNING), 1, worker_id, node_ip, now
    )
    instance_ended(conn, key, 1, result, now)
    return True


def record_pid(conn: Connection, key: Key, run_seq: int, pid: int, pid_start: Optional[str]) -> None:
    conn.execute(
        "UPDATE instances SET pid = ?, pid_start = ? WHERE job_id = ? AND task = ? AND iid = ? "
        "AND run_seq = ? AND state = ?",
        (pid, pid_start, *key, run_seq, State.RUNNING),
    )


def record_node(conn: Connection, key: Key, run_seq: int, node_ip: str) -> None:
    """The IP of the machine a running attempt was placed on (NodeIp) by its executor."""
    conn.execute(
        "UPDATE instances SET node_ip = ? WHERE job_id = ? AND task = ? AND iid = ? AND run_seq = ? AND state = ?",
        (node_ip, *key, run_seq, State.RUNNING),
    )


def requeue(conn: Connection, key: Key, run_seq: int) -> None:
    """Put an attempt interrupted by a server shutdown back in the queue (not a retry)."""
    conn.execute(
        "UPDATE instances SET state = ?, pid = NULL, pid_start = NULL, start_time = NULL "
        "WHERE job_id = ? AND task = ? AND iid = ? AND run_seq = ? AND state = ?",
        (State.WAITING, *key, run_seq, State.RUNNING),
    )


def _end_instance(conn: Connection, key: Key, state: str, result: RunResult, now: float) -> None:
    conn.execute(_END, (state, now, result.exit_code, result.error_code, result.error_message, *key))


_ENDING = (
    "SELECT i.state, i.run_seq, i.retry_count, t.max_retry, t.dispatched, t.instance_count "
    "FROM instances i JOIN tasks t ON t.job_id = i.job_id AND t.name = i.task "
    "WHERE i.job_id = ? AND i.task = ? AND i.iid = ?"
)


class Ended(NamedTuple):
    """What recording an attempt's end did."""

    kills: List[Key]  # instances to kill (a job failed by this instance)
    others: bool  # whether more may have changed than this instance: a retry, a failure, its task or job ended


def instance_ended(conn: Connection, key: Key, run_seq: int, result: RunResult, now: float) -> Ended:
    """Record how an attempt ended: Finished, retried (Waiting again) or Failed, and settle the
    task and job."""
    job_id, task_name, _ = key
    row = first_row(conn.execute(_ENDING, key))
    if row is None or row["state"] != State.RUNNING or row["run_seq"] != run_seq:
        return Ended([], False)  # stopped, deleted or a stale attempt
    if result.ok:
        _end_instance(conn, key, State.FINISHED, result, now)
    elif row["retry_count"] < row["max_retry"]:
        conn.execute(
            "UPDATE instances SET state = ?, retry_count = retry_count + 1, exit_code = ?, "
            "error_code = ?, error_message = ?, pid = NULL, pid_start = NULL "
            "WHERE job_id = ? AND task = ? AND iid = ?",
            (State.WAITING, result.exit_code, result.error_code, result.error_message, *key),
        )
        return Ended([], True)
    else:
        _end_instance(conn, key, State.FAILED, result, now)
        job = conn.execute("SELECT fail_on_instance_fail FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if job["fail_on_instance_fail"]:
            message = "Task %s instance %d failed: %s" % (
                task_name,
                key[2],
                result.error_message or result.error_code,
            )
            return Ended(_fail_job(conn, job_id, task_name, message, now), True)
    if row["dispatched"] >= row["instance_count"]:
        _settle_task(conn, job_id, task_name, now)
        return Ended([], True)
    return Ended([], not result.ok)


def _settle_task(conn: Connection, job_id: str, name: str, now: float) -> None:
    """Finish a task whose instances all have rows once they all ended; release its successors;
    finish the job."""
    busy = conn.execute(
        "SELECT 1 FROM instances WHERE job_id = ? AND state IN (?, ?) AND task = ? LIMIT 1",
        (job_id, *ACTIVE, name),
    ).fetchone()
    if busy:
        return
    conn.execute(
        "UPDATE tasks SET state = ?, end_time = ?, runnable = 0 WHERE job_id = ? AND name = ? AND state IN (?, ?)",
        (State.FINISHED, now, job_id, name, *ACTIVE),
    )
    release_successors(conn, job_id, name)
    if not _unfinished(conn, job_id):
        _finish_job(conn, job_id, now)


_NOT_FINISHED = (State.WAITING, State.RUNNING, State.FAILED, State.STOPPED)


def _unfinished(conn: Connection, job_id: str) -> bool:
    """Whether some task of the job has not Finished."""
    return bool(
        conn.execute(
            "SELECT 1 FROM tasks WHERE job_id = ? AND state IN (?, ?, ?, ?) LIMIT 1", (job_id, *_NOT_FINISHED)
        ).fetchone()
    )


def _finish_job(conn: Connection, job_id: str, now: float) -> None:
    conn.execute("UPDATE jobs SET state = ?, end_time = ?, message = '' WHERE id = ?", (State.FINISHED, now, job_id))
    _job_changed(job_id, State.FINISHED)
    _notify(conn, job_id, "OnJobFinished")
    row = conn.execute("SELECT auto_release FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row["auto_release"]:
        delete_job(conn, job_id)
        log.info("job %s finished and was released (AutoRelease)", job_id)


def _stop_rest(conn: Connection, job_id: str, now: float) -> List[Key]:
    """Stop every Waiting or Running instance and task of a job; the running ones' keys."""
    running = [
        (r["job_id"], r["task"], r["iid"])
        for r in conn.execute(
            "SELECT job_id, task, iid FROM instances WHERE job_id = ? AND state = ?", (job_id, State.RUNNING)
        )
    ]
    conn.execute(
        "UPDATE instances SET state = ?, end_time = ?, pid = NULL, pid_start = NULL "
        "WHERE job_id = ? AND state IN (?, ?)",
        (State.STOPPED, now, job_id, *ACTIVE),
    )
    conn.execute(
        "UPDATE tasks SET state = ?, end_time = ? WHERE job_id = ? AND state IN (?, ?)",
        (State.STOPPED, now, job_id, *ACTIVE),
    )
    return running


def _fail_job(conn: Connection, job_id: str, task_name: str, message: str, now: float) -> List[Key]:
    conn.execute(
        "UPDATE tasks SET state = ?, end_time = ? WHERE job_id = ? AND name = ?",
        (State.FAILED, now, job_id, task_name),
    )
    running = _stop_rest(conn, job_id, now)
    conn.execute(
        "UPDATE jobs SET state = ?, end_time = ?, message = ? WHERE id = ?", (State.FAILED, now, message, job_id)
    )
    _job_changed(job_id, State.FAILED, message)
    _notify(conn, job_id, "OnJobFailed")
    return running


def stop_job(conn: Connection, job_id: str, now: float) -> List[Key]:
    """Stop a Waiting or Running job: its running instances' keys are returned for killing."""
    running = _stop_rest(conn, job_id, now)
    conn.execute(
        "UPDATE jobs SET state = ?, end_time = ?, message = 'Stopped by the user' WHERE id = ?",
        (State.STOPPED, now, job_id),
    )
    _job_changed(job_id, State.STOPPED, "by the user")
    _notify(conn, job_id, "OnJobStopped")
    return running


def start_job(conn: Connection, job_id: str, now: float) -> None:
    """Requeue what did not finish in a Stopped or Failed job."""
    conn.execute(
        "UPDATE instances SET state = ?, start_time = NULL, end_time = NULL, retry_count = 0, "
        "exit_code = NULL, error_code = '', error_message = '' "
        "WHERE job_id = ? AND state != ?",
        (State.WAITING, job_id, State.FINISHED),
    )
    conn.execute(
        "UPDATE tasks SET state = ?, end_time = NULL WHERE job_id = ? AND state != ?",
        (State.WAITING, job_id, State.FINISHED),
    )
    conn.execute("UPDATE jobs SET state = ?, end_time = NULL, message = '' WHERE id = ?", (State.WAITING, job_id))
    _job_changed(job_id, State.WAITING, "started again")
    relink(conn, job_id)
    if not _unfinished(conn, job_id):
        _finish_job(conn, job_id, now)


def delete_job(conn: Connection, job_id: str) -> None:
    _job_changed(job_id, "deleted")
    conn.execute("DELETE FROM instances WHERE job_id = ?", (job_id,))
    unlink(conn, job_id)
    conn.execute("DELETE FROM tasks WHERE job_id = ?", (job_id,))
    conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


def running_attempts(conn: Connection) -> List[RecordedAttempt]:
    """The attempts recorded as Running (at start-up: those of a server process that died), looked
    up task by task in the instances_queue index."""
    rows = conn.execute(
        "SELECT i.job_id, i.task, i.iid, i.run_seq, i.worker_id, i.pid, i.pid_start, t.cluster_id "
        "FROM tasks t CROSS JOIN instances i ON i.job_id = t.job_id AND i.state = ? AND i.task = t.name",
        (State.RUNNING,),
    )
    return [
        RecordedAttempt(
            (row["job_id"], row["task"], row["iid"]),
            row["run_seq"],
            row["worker_id"],
            row["cluster_id"],
            row["pid"],
            row["pid_start"],
        )
        for row in rows
    ]


def _notify(conn: Connection, job_id: str, event: str) -> None:
    """Notification topics: the event is written to the server log."""
    row = conn.execute("SELECT topic FROM jobs WHERE id = ?", (job_id,)).fetchone()
    topic: Dict[str, Any] = loads(row["topic"]) or {} if row else {}
    if topic:
        events = topic.get("Events") or []
        if not events or event in events:
            log.info(
                "notification: topic=%s endpoint=%s event=%s job=%s",
                topic.get("Name"),
                topic.get("Endpoint", ""),
                event,
                job_id,
            )


def _count(number: int, noun: str) -> str:
    """``1 task``, ``2 tasks``."""
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")
