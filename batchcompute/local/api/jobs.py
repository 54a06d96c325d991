"""Jobs, tasks and instances: /jobs/..."""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Callable, Dict, List, Optional

from ..errors import ApiError, conflict, not_found
from ..ids import format_time
from ..ids import job_id as new_job_id
from ..model import render as views
from ..model.jobs import integer, parse_job
from ..model.states import FINAL, State
from ..state import jobs as lifecycle
from ..state.store import loads
from .base import (
    ApiRequest,
    ApiResponse,
    Context,
    IdempotentTokens,
    int_marker,
    page,
    page_size,
    state_filter,
)

__all__ = [
    "create_job",
    "create_job_sync",
    "get_job",
    "get_job_description",
    "list_jobs",
    "update_job",
    "delete_job",
    "start_job",
    "stop_job",
    "list_tasks",
    "get_task",
    "list_instances",
    "get_instance",
]


def _job(conn: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise not_found("Job", job_id)
    return row


def _task(conn: sqlite3.Connection, job_id: str, name: str) -> sqlite3.Row:
    _job(conn, job_id)
    row = conn.execute("SELECT * FROM tasks WHERE job_id = ? AND name = ?", (job_id, name)).fetchone()
    if row is None:
        raise not_found("Task", "%s of job %s" % (name, job_id))
    return row


def _app_lookup(conn: sqlite3.Connection) -> Callable[[str], Optional[Dict[str, Any]]]:
    def lookup(name: str) -> Optional[Dict[str, Any]]:
        row = conn.execute(
            "SELECT body FROM app_revisions WHERE name = ? ORDER BY revision DESC LIMIT 1", (name,)
        ).fetchone()
        return loads(row["body"]) if row else None

    return lookup


def _create(ctx: Context, req: ApiRequest) -> str:
    body = req.json()
    token = req.query.get("IdempotentToken", "")
    with ctx.store.transaction() as conn:
        job_id = IdempotentTokens.create_once(conn, "job", token, body, lambda: _insert_job(ctx, conn, body))
    ctx.scheduler.wake()
    return job_id


def _insert_job(ctx: Context, conn: sqlite3.Connection, body: Any) -> str:
    job = parse_job(
        body,
        ctx.oss,
        lambda cid: conn.execute("SELECT 1 FROM clusters WHERE id = ?", (cid,)).fetchone() is not None,
        _app_lookup(conn),
    )
    job_id = new_job_id()
    lifecycle.insert_job(conn, job_id, job, time.time())
    return job_id


def create_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    return ApiResponse(201, {"Id": _create(ctx, req)})


def create_job_sync(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Create a job and answer when it has ended, with the result of its first instance."""
    job_id = _create(ctx, req)
    deadline = time.monotonic() + ctx.sync_timeout
    while True:
        with ctx.store.read() as conn:
            job = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if job is None or job["state"] in FINAL or time.monotonic() > deadline:
                return ApiResponse(201, _sync_instance(conn, job_id, job, req.request_id))
        time.sleep(ctx.poll_interval)


def _sync_instance(
    conn: sqlite3.Connection, job_id: str, job: Optional[sqlite3.Row], rid: str
) -> Dict[str, Any]:
    """The SynchronousInstance: the job's state and times, its first instance's result, the outputs."""
    answer: Dict[str, Any] = {
        "JobId": job_id,
        "RequestId": rid,
        "State": State.FINISHED,
        "StartTime": "",
        "EndTime": "",
        "Result": {"ExitCode": 0, "ErrorCode": "", "ErrorMessage": "", "Detail": ""},
        "Error": {"Code": "", "Message": ""},
        "Outputs": {},
    }
    if job is None:  # released at once (AutoRelease)
        return answer
    first = conn.execute(
        "SELECT * FROM instances WHERE job_id = ? ORDER BY task, iid LIMIT 1", (job_id,)
    ).fetchone()
    if first is not None:
        shown = views.instance(first)
        answer.update(Result=shown["Result"], Error=shown["Error"])
    outputs = ((loads(job["description"]) or {}).get("App") or {}).get("Outputs") or {}
    answer.update(
        State=job["state"],
        StartTime=format_time(job["start_time"]),
        EndTime=format_time(job["end_time"]),
        Outputs=outputs,
    )
    return answer


def get_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, views.job(conn, _job(conn, req.params["job"])))


def get_job_description(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, loads(_job(conn, req.params["job"])["description"]))


def list_jobs(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Newest first; filters State and ClusterId; Marker = the sequence number of the next job."""
    size, marker, state = page_size(ctx, req.query), int_marker(req.query), state_filter(req.query)
    cluster = (req.query.get("ClusterId") or "").strip()
    where: List[str] = ["1 = 1"]
    args: List[Any] = []
    if marker:
        where.append("seq <= ?")
        args.append(marker)
    if state:
        where.append("state = ?")
        args.append(state)
    if cluster:
        where.append("id IN (SELECT job_id FROM tasks WHERE cluster_id = ?)")
        args.append(cluster)
    with ctx.store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM jobs WHERE %s ORDER BY seq DESC LIMIT ?" % " AND ".join(where), (*args, size + 1)
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["seq"])
        return ApiResponse(200, {"Items": [views.job(conn, row) for row in items], "NextMarker": next_marker})


def update_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    """change_job_priority: only a Stopped job."""
    body = req.json_object()
    if "Priority" not in body:
        raise ApiError(400, "MissingPriority", "the body must set Priority")
    priority = integer(body, "Priority", 0, 0, 1000)
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] != State.STOPPED:
            raise conflict(
                "the priority of job %s can only change while it is Stopped (it is %s)"
                % (job["id"], job["state"])
            )
        conn.execute("UPDATE jobs SET priority = ? WHERE id = ?", (priority, job["id"]))
    return ApiResponse(200)


def delete_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in FINAL:
            raise conflict(
                "job %s is %s; only a Finished, Failed or Stopped job can be deleted"
                % (job["id"], job["state"])
            )
        lifecycle.delete_job(conn, job["id"])
    return ApiResponse(204)


def start_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in (State.STOPPED, State.FAILED):
            raise conflict(
                "job %s is %s; only a Stopped or Failed job can be started" % (job["id"], job["state"])
            )
        lifecycle.start_job(conn, job["id"], time.time())
    ctx.scheduler.wake()
    return ApiResponse(202)


def stop_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] in (State.FINISHED, State.FAILED):
            raise conflict("job %s has already ended (%s)" % (job["id"], job["state"]))
        kills = lifecycle.stop_job(conn, job["id"], time.time()) if job["state"] != State.STOPPED else []
    ctx.scheduler.kill(kills)
    ctx.scheduler.wake()
    return ApiResponse(202)


def list_tasks(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By task name; Marker = the name of the next task."""
    size, state = page_size(ctx, req.query), state_filter(req.query)
    marker = (req.query.get("Marker") or "").strip()
    cluster = (req.query.get("ClusterId") or "").strip()
    where: List[str] = ["job_id = ?"]
    args: List[Any] = [req.params["job"]]
    for clause, value in (("name >= ?", marker), ("state = ?", state), ("cluster_id = ?", cluster)):
        if value:
            where.append(clause)
            args.append(value)
    with ctx.store.read() as conn:
        _job(conn, req.params["job"])
        rows = conn.execute(
            "SELECT * FROM tasks WHERE %s ORDER BY name LIMIT ?" % " AND ".join(where), (*args, size + 1)
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["name"])
        return ApiResponse(
            200, {"Items": [views.task(conn, row) for row in items], "NextMarker": next_marker}
        )


def get_task(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, views.task(conn, _task(conn, req.params["job"], req.params["task"])))


def list_instances(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By instance id; Marker = the id of the next instance (``0``: from the start)."""
    size, marker, state = page_size(ctx, req.query), int_marker(req.query), state_filter(req.query)
    where, args = ["job_id = ?", "task = ?", "iid >= ?"], [req.params["job"], req.params["task"], marker or 0]
    if state:
        where.append("state = ?")
        args.append(state)
    with ctx.store.read() as conn:
        _task(conn, req.params["job"], req.params["task"])
        rows = conn.execute(
            "SELECT * FROM instances WHERE %s ORDER BY iid LIMIT ?" % " AND ".join(where), (*args, size + 1)
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["iid"])
        return ApiResponse(200, {"Items": [views.instance(row) for row in items], "NextMarker": next_marker})


def get_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    job_id, task, text = req.params["job"], req.params["task"], req.params["instance"]
    with ctx.store.read() as conn:
        _task(conn, job_id, task)
        row = conn.execute(
            "SELECT * FROM instances WHERE job_id = ? AND task = ? AND iid = ?",
            (job_id, task, int(text) if text.isdigit() else -1),
        ).fetchone()
        if row is None:
            raise not_found("Instance", "%s of task %s of job %s" % (text, task, job_id))
        return ApiResponse(200, views.instance(row))
