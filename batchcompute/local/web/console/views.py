"""The console's pages: login, jobs, a job with its DAG, a task's instances, logs, clusters,
images, apps and the server's settings. Reads go through ``local.state``; a page shows what one
read transaction saw."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, cast

from ...errors import existing
from ...model import render
from ...model.images import OWN, SYSTEM
from ...model.jobs import CommandSpec
from ...model.jsontext import loads
from ...model.states import (
    ACTIVE,
    DELETABLE,
    FINAL,
    REPRIORITIZABLE,
    STARTABLE,
    STATES,
    STOPPABLE,
)
from ...run.objects import OssPathError
from ...state import apps as app_state
from ...state import clusters as cluster_state
from ...state import images as image_state
from ...state import jobs as job_state
from ...state import overview
from ...state.paging import Page
from .dag import DagNode, dag_svg
from .logs import LogChunk, read_log
from .sessions import check_key_pair
from .wsgi import BadRequest, Request, Response, json_answer, redirect, url_path

if TYPE_CHECKING:  # the application imports this module
    from .app import Console

__all__ = [
    "home",
    "login_form",
    "login",
    "login_link",
    "logout",
    "static_file",
    "jobs",
    "job",
    "task",
    "log_page",
    "log_piece",
    "clusters",
    "cluster",
    "images",
    "apps",
    "app",
    "settings",
]

JOBS_PER_PAGE = 50
MAX_JOBS_PER_PAGE = 200
INSTANCES_PER_PAGE = 100
#: Most images, clusters shown on one page.
LIST_LIMIT = 500
#: How often a page refreshes while what it shows runs (ms); a job page of many tasks less often.
REFRESH_MS = 2000
SLOW_REFRESH_MS = 10000
MANY_TASKS = 500
LINK_USER = "(one-time link)"
#: The largest number a query parameter may hold (what the store can compare).
MAX_INTEGER = 2**63 - 1


# -- login ---------------------------------------------------------------------------------------


def _safe_next(target: Optional[str]) -> str:
    """Where to go after logging in: a console page, never another site."""
    if target and target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return url_path("jobs")


def home(console: Console, req: Request) -> Response:
    return redirect(url_path("jobs"))


def _login_page(console: Console, req: Request, status: int = 200, error: str = "") -> Response:
    return console.render(
        None,
        "login.html",
        status,
        token=console.sessions.login_forms.issue(),
        next=_safe_next(req.query.get("next") or req.form().get("next")),
        error=error,
        section="",
    )


def _start_session(console: Console, req: Request, key_id: str, target: str) -> Response:
    session = console.sessions.open(key_id)
    answer = redirect(_safe_next(target))
    answer.headers.append(console.session_cookie(req, session))
    return answer


def login_form(console: Console, req: Request) -> Response:
    if console.sessions.get(req.cookies.get(console.cookie_name(req))) is not None:
        return redirect(_safe_next(req.query.get("next")))
    return _login_page(console, req)


def login(console: Console, req: Request) -> Response:
    """An access key pair from the form (which carries a single-use token of its own)."""
    form = req.form()
    if not console.sessions.login_forms.redeem(form.get("token")):
        return _login_page(console, req, 403, "The login form had expired. Please try again.")
    key_id = form.get("key_id", "").strip()
    if not check_key_pair(console.keys, key_id, form.get("secret", "")):
        return _login_page(console, req, 403, "This access key pair is not known to the server.")
    return _start_session(console, req, key_id, form.get("next", ""))


def login_link(console: Console, req: Request, token: str) -> Response:
    if not console.sessions.login_links.redeem(token):
        return console.error(403, "This login link was used before or has expired. Log in with an access key pair.")
    return _start_session(console, req, LINK_USER, "")


def logout(console: Console, req: Request) -> Response:
    console.sessions.close(req.session.id)
    answer = redirect(url_path("login"))
    answer.headers.append(console.session_cookie(req, None))
    return answer


def static_file(console: Console, req: Request, name: str) -> Response:
    found = console.static.get(name)
    if found is None:
        raise BadRequest(404, "There is no console file %s" % name)
    return Response(200, found.body, found.content_type, cache="public, max-age=31536000, immutable")


# -- jobs ----------------------------------------------------------------------------------------


def _int_param(req: Request, name: str, low: int = 0, high: int = MAX_INTEGER) -> Optional[int]:
    text = (req.query.get(name) or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadRequest(400, "%s must be a whole number from %d to %d, not %r" % (name, low, high, text))
    return int(text)


def _job_filters(req: Request) -> Dict[str, str]:
    state = (req.query.get("state") or "").strip()
    if state and state not in STATES:
        raise BadRequest(400, "state must be one of %s" % ", ".join(STATES))
    return {"state": state, "cluster": (req.query.get("cluster") or "").strip()}


def jobs(console: Console, req: Request) -> Response:
    """The job list: newest first, filtered by state and cluster, paged."""
    filters = _job_filters(req)
    size = _int_param(req, "size", 1, MAX_JOBS_PER_PAGE) or JOBS_PER_PAGE
    cluster: Optional[str] = {"": None, "auto": ""}.get(filters["cluster"], filters["cluster"])
    with console.ctx.store.read() as conn:
        page = overview.job_page(
            conn, size, filters["state"] or None, cluster, _int_param(req, "older"), _int_param(req, "newer")
        )
        counts = overview.job_state_counts(conn)
        cluster_choices = overview.cluster_ids(conn)
    links = {key: value for key, value in filters.items() if value}
    if size != JOBS_PER_PAGE:
        links["size"] = str(size)
    return console.render(
        req,
        "jobs.html",
        section="jobs",
        page=page,
        counts=counts,
        total=sum(counts.values()),
        states=STATES,
        filters=filters,
        links=links,
        clusters=cluster_choices,
        cluster_names=dict(cluster_choices),
        active=any(counts.get(state) for state in ACTIVE),
        refresh=REFRESH_MS,
        now=time.time(),
    )


def _actions(state: str) -> Dict[str, bool]:
    """Which job buttons to show: the API's own rules."""
    return {
        "stop_job": state in STOPPABLE,
        "start_job": state in STARTABLE,
        "delete_job": state in DELETABLE,
        "update_job": state in REPRIORITIZABLE,
    }


def job(console: Console, req: Request, job_id: str) -> Response:
    """A job: its state and actions, its DAG and its tasks."""
    with console.ctx.store.read() as conn:
        summary = existing(overview.job_summary(conn, job_id), "Job", job_id)
        row = job_state.find_job(conn, job_id)
        tasks = overview.task_summaries(conn, job_id)
    graph = dag_svg(
        [DagNode(task.name, task.state, task.upstream, task.instances) for task in tasks],
        lambda name: url_path("jobs", job_id, "tasks", name),
    )
    return console.render(
        req,
        "job.html",
        section="jobs",
        job=summary,
        row=row,
        tasks=tasks,
        graph=graph,
        actions=_actions(summary.state),
        active=summary.state in ACTIVE,
        refresh=SLOW_REFRESH_MS if len(tasks) > MANY_TASKS else REFRESH_MS,
        now=time.time(),
    )


def task(console: Console, req: Request, job_id: str, name: str) -> Response:
    """A task: its command, neighbours in the DAG and its instances (paged)."""
    first = _int_param(req, "from") or 0
    with console.ctx.store.read() as conn:
        summary = existing(overview.job_summary(conn, job_id), "Job", job_id)
        row = existing(job_state.find_task(conn, job_id, name), "Task", "%s of job %s" % (name, job_id))
        tasks = overview.task_summaries(conn, job_id)
        instances = overview.instance_rows(conn, job_id, name, first, INSTANCES_PER_PAGE + 1)
    this = next(task for task in tasks if task.name == name)
    return console.render(
        req,
        "task.html",
        section="jobs",
        job=summary,
        task=this,
        command=CommandSpec.from_json(row["spec"]),
        downstream=[task.name for task in tasks if name in task.upstream],
        instances=instances[:INSTANCES_PER_PAGE],
        first=first,
        next_first=instances[INSTANCES_PER_PAGE]["iid"] if len(instances) > INSTANCES_PER_PAGE else None,
        per_page=INSTANCES_PER_PAGE,
        active=this.state in ACTIVE,
        refresh=REFRESH_MS,
        now=time.time(),
    )


# -- logs ----------------------------------------------------------------------------------------


def _instance(console: Console, job_id: str, task_name: str, iid: str) -> Any:
    with console.ctx.store.read() as conn:
        existing(overview.job_summary(conn, job_id), "Job", job_id)
        row = job_state.find_instance(conn, (job_id, task_name, int(iid)))
    return existing(row, "Instance", "%s of task %s of job %s" % (iid, task_name, job_id))


def _log_url(row: Any, stream: str) -> str:
    return cast(str, row["stdout_path"] if stream == "stdout" else row["stderr_path"])


def _read(console: Console, row: Any, stream: str, offset: Optional[int]) -> LogChunk:
    try:
        return read_log(console.ctx.oss, _log_url(row, stream), offset)
    except (OssPathError, OSError) as exc:
        raise BadRequest(403, "The %s of this instance cannot be read: %s" % (stream, exc)) from None


def log_page(console: Console, req: Request, job_id: str, task_name: str, iid: str, stream: str) -> Response:
    """An instance's stdout or stderr; the page follows it while the instance runs."""
    row = _instance(console, job_id, task_name, iid)
    piece = _read(console, row, stream, None)
    return console.render(
        req,
        "log.html",
        section="jobs",
        job_id=job_id,
        task_name=task_name,
        instance=row,
        stream=stream,
        piece=piece,
        done=row["state"] in FINAL and piece.end >= piece.size,
    )


def log_piece(console: Console, req: Request, job_id: str, task_name: str, iid: str, stream: str) -> Response:
    """The next piece of a log from byte ``offset``: ``{text, start, end, size, exists, state, done}``."""
    offset = _int_param(req, "offset")
    if offset is None:
        raise BadRequest(400, "offset is required")
    row = _instance(console, job_id, task_name, iid)
    piece = _read(console, row, stream, offset)
    return json_answer(
        {
            "text": piece.text,
            "start": piece.start,
            "end": piece.end,
            "size": piece.size,
            "exists": piece.exists,
            "state": row["state"],
            "done": row["state"] in FINAL and piece.end >= piece.size,
        }
    )


# -- clusters, images, apps, settings ------------------------------------------------------------


def clusters(console: Console, req: Request) -> Response:
    with console.ctx.store.read() as conn:
        rows, more = cluster_state.list_clusters(conn, Page(LIST_LIMIT))
        shown = [render.cluster(row, cluster_state.running_vm_counts(conn, row["id"])) for row in rows]
        busy = overview.active_jobs_by_cluster(conn)
    return console.render(req, "clusters.html", section="clusters", clusters=shown, busy=busy, more=bool(more))


def cluster(console: Console, req: Request, cluster_id: str) -> Response:
    with console.ctx.store.read() as conn:
        row = existing(cluster_state.find_cluster(conn, cluster_id), "Cluster", cluster_id)
        shown = render.cluster(row, cluster_state.running_vm_counts(conn, cluster_id))
        vms = overview.vms_of(conn, cluster_id)
        running = overview.instances_on(conn, cluster_id)
        busy = overview.active_jobs_by_cluster(conn).get(cluster_id, 0)
    return console.render(
        req,
        "cluster.html",
        section="clusters",
        cluster=shown,
        vms=vms,
        running=running,
        busy=busy,
        description=cluster_state.description(row),
    )


def images(console: Console, req: Request) -> Response:
    with console.ctx.store.read() as conn:
        own, more = image_state.list_images(conn, OWN, Page(LIST_LIMIT))
        system, _ = image_state.list_images(conn, SYSTEM, Page(LIST_LIMIT))
    return console.render(
        req,
        "images.html",
        section="images",
        own=[render.image(row) for row in own],
        system=[render.image(row) for row in system],
        more=bool(more),
    )


def apps(console: Console, req: Request) -> Response:
    with console.ctx.store.read() as conn:
        rows = overview.app_summaries(conn)
    shown = [dict(row=row, body=loads(row["body"]) or {}) for row in rows]
    return console.render(req, "apps.html", section="apps", apps=shown)


def app(console: Console, req: Request, name: str) -> Response:
    """An App's revisions and one revision's description (``?revision=N``; the latest by default)."""
    number = _int_param(req, "revision", 1)
    with console.ctx.store.read() as conn:
        row = existing(app_state.find_app(conn, name), "App", name)
        revisions: List[Any] = app_state.revisions(conn, name)
        shown = existing(app_state.find_revision(conn, name, number), "App revision", "%s:%s" % (name, number))
    return console.render(
        req,
        "app.html",
        section="apps",
        app=row,
        revisions=revisions,
        revision=shown,
        description=app_state.description(shown),
    )


def settings(console: Console, req: Request) -> Response:
    return console.render(
        req,
        "settings.html",
        section="settings",
        settings=console.settings(),
        session_ends=console.sessions.expires(req.session),
    )
