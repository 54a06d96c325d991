"""Jobs, tasks and instances: /jobs/..."""

from __future__ import annotations

import time
from typing import Any, Dict, List

from ..errors import ApiError, conflict, existing, not_found
from ..ids import job_id as new_job_id
from ..model import render
from ..model import request as checks
from ..model.fields import integer
from ..model.jobs import parse_job
from ..model.jsontext import JsonText, page_text
from ..model.limits import MAX_PRIORITY
from ..model.states import DELETABLE, FINAL, REPRIORITIZABLE, STARTABLE, STOPPABLE, State
from ..state import apps, clusters, jobs, tokens
from ..state.store import Connection, Row
from .base import ApiRequest, ApiResponse, Context, page_request, state_filter
from .settled import Counts

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


def _job(conn: Connection, job_id: str) -> Row:
    return existing(jobs.find_job(conn, job_id), "Job", job_id)


def _task(conn: Connection, job_id: str, name: str) -> Row:
    _job(conn, job_id)
    return existing(jobs.find_task(conn, job_id, name), "Task", "%s of job %s" % (name, job_id))


def _create(ctx: Context, req: ApiRequest) -> str:
    body, token = req.json(), req.token()
    with ctx.store.transaction() as conn:
        job_id = tokens.create_once(conn, "job", token, body, lambda: _insert_job(ctx, conn, body))
    ctx.scheduler.wake()
    return job_id


def _insert_job(ctx: Context, conn: Connection, body: Any) -> str:
    job = parse_job(
        body,
        ctx.oss,
        lambda cid: clusters.find_cluster(conn, cid) is not None,
        lambda name: apps.latest_description(conn, name),
        ctx.limits,
    )
    job_id = new_job_id()
    jobs.insert_job(conn, job_id, job, time.time())
    return job_id


def create_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    return ApiResponse(201, {"Id": _create(ctx, req)})


def create_job_sync(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Create a job and answer when it has ended, with the result of its first instance. Each
    such call holds an HTTP thread while it waits: at most ``ctx.sync_waits`` wait at once, the
    next is refused (503) before it creates anything."""
    if not ctx.sync_slots.acquire(blocking=False):
        raise ApiError(
            503,
            "ServiceUnavailable",
            "%d create_job_sync calls are waiting already; try again later or use create_job" % ctx.sync_waits,
        )
    try:
        job_id = _create(ctx, req)
        deadline = time.monotonic() + ctx.sync_timeout
        while True:
            with ctx.store.read() as conn:
                job = jobs.find_job(conn, job_id)
                if job is None or job["state"] in FINAL or time.monotonic() > deadline:
                    first = jobs.first_instance(conn, job_id) if job is not None else None
                    return ApiResponse(201, render.sync_instance(job_id, job, first, req.request_id))
            time.sleep(ctx.poll_interval)
    finally:
        ctx.sync_slots.release()


def _status_texts(ctx: Context, conn: Connection, rows: List[Row]) -> List[str]:
    """The JSON text of each job's status; the counts of settled jobs are those kept, the others'
    are counted in one query."""
    counts: Dict[str, Counts] = {}
    unsettled: List[Row] = []
    for row in rows:
        kept = ctx.settled.get(row)
        if kept is None:
            unsettled.append(row)
        else:
            counts[row["id"]] = kept
    if unsettled:
        counted = jobs.job_counts(conn, [row["id"] for row in unsettled])
        for row in unsettled:
            ctx.settled.keep(row, counted[row["id"]])
        counts.update(counted)
    return [ctx.statuses.text(row, counts[row["id"]]) for row in rows]


def get_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        job_id = req.params["job"]
        row = existing(jobs.find_job(conn, job_id, jobs.STATUS_COLUMNS), "Job", job_id)
        return ApiResponse(200, JsonText(_status_texts(ctx, conn, [row])[0]))


def get_job_description(ctx: Context, req: ApiRequest) -> ApiResponse:
    """The description the job was created with, completed with the service's defaults."""
    with ctx.store.read() as conn:
        job = _job(conn, req.params["job"])
        app_task = jobs.first_task(conn, job["id"]) if job["type"] == "App" else None
        return ApiResponse(200, render.job_description(job, app_task))


def list_jobs(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Newest first; filters State and ClusterId; Marker = the sequence number of the next job."""
    page, state = page_request(ctx, req.query), state_filter(req.query)
    cluster = checks.cluster_filter(req.query)
    with ctx.store.read() as conn:
        rows, next_marker = jobs.list_jobs(conn, page, state, cluster)
        return ApiResponse(200, page_text(_status_texts(ctx, conn, rows), next_marker))


def update_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    """change_job_priority: only a Stopped job."""
    body = req.json_object()
    if "Priority" not in body:
        raise ApiError(400, "MissingPriority", "the body must set Priority")
    priority = integer(body, "Priority", 0, 0, MAX_PRIORITY)
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in REPRIORITIZABLE:
            raise conflict(
                "the priority of job %s can only change while it is Stopped (it is %s)" % (job["id"], job["state"])
            )
        jobs.set_priority(conn, job["id"], priority)
    return ApiResponse(200)


def delete_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in DELETABLE:
            raise conflict(
                "job %s is %s; only a Finished, Failed or Stopped job can be deleted" % (job["id"], job["state"])
            )
        jobs.delete_job(conn, job["id"])
    return ApiResponse(204)


def start_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in STARTABLE:
            raise conflict("job %s is %s; only a Stopped or Failed job can be started" % (job["id"], job["state"]))
        jobs.start_job(conn, job["id"], time.time())
    ctx.scheduler.wake()
    return ApiResponse(202)


def stop_job(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        job = _job(conn, req.params["job"])
        if job["state"] not in STOPPABLE + (State.STOPPED,):
            raise conflict("job %s has already ended (%s)" % (job["id"], job["state"]))
        kills = jobs.stop_job(conn, job["id"], time.time()) if job["state"] in STOPPABLE else []
    ctx.scheduler.kill(kills)
    ctx.scheduler.wake()
    return ApiResponse(202)


def _rendered_task(conn: Connection, row: Row) -> Any:
    return render.task(row, jobs.instance_counts(conn, row["job_id"], row["name"]))


def list_tasks(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By task name; Marker = the name of the next task."""
    page, state = page_request(ctx, req.query, text_marker=True), state_filter(req.query)
    cluster = checks.cluster_filter(req.query)
    with ctx.store.read() as conn:
        _job(conn, req.params["job"])
        rows, next_marker = jobs.list_tasks(conn, req.params["job"], page, state, cluster)
        return ApiResponse(200, {"Items": [_rendered_task(conn, row) for row in rows], "NextMarker": next_marker})


def get_task(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, _rendered_task(conn, _task(conn, req.params["job"], req.params["task"])))


def list_instances(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By instance id; Marker = the id of the next instance (``0``: from the start)."""
    page, state = page_request(ctx, req.query), state_filter(req.query)
    job_id, task = req.params["job"], req.params["task"]
    with ctx.store.read() as conn:
        _task(conn, job_id, task)
        rows, next_marker = jobs.list_instances(conn, job_id, task, page, state)
        return ApiResponse(200, {"Items": [render.instance(row) for row in rows], "NextMarker": next_marker})


def get_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    job_id, task, number = req.params["job"], req.params["task"], checks.instance_number(req.params["instance"])
    with ctx.store.read() as conn:
        _task(conn, job_id, task)
        row = jobs.find_instance(conn, (job_id, task, number))
        if row is None:
            raise not_found("Instance", "%d of task %s of job %s" % (number, task, job_id))
        return ApiResponse(200, render.instance(row))
