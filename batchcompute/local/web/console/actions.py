"""The console's job actions: each calls the REST API's own handler, so that its rules and its
errors are the API's (a refused action shows the API's error code and message)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict

from ....core.routes import ROUTES_BY_NAME
from ...api import HANDLERS, ApiRequest
from ...errors import ApiError
from ...ids import request_id
from .wsgi import Request, Response, redirect, url_path

if TYPE_CHECKING:  # the application imports this module
    from .app import Console

__all__ = ["job_action", "call_api"]

#: The API route a job action calls (its name is the action's URL) -> what a success says.
JOB_ACTIONS: Dict[str, str] = {
    "stop_job": "Job %s is stopping.",
    "start_job": "Job %s was started again.",
    "delete_job": "Job %s was deleted.",
    "update_job": "The priority of job %s was changed.",
}
#: How a refused action is named.
ACTION_NAMES = {"stop_job": "Stop", "start_job": "Start", "delete_job": "Deletion", "update_job": "Priority change"}


def call_api(console: Console, route_name: str, params: Dict[str, str], body: Any = None) -> Any:
    """Call the API handler of ``route_name`` as a REST request would (ApiError when it refuses)."""
    route = ROUTES_BY_NAME[route_name]
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    return HANDLERS[route_name](console.ctx, ApiRequest(route.method, route_name, params, {}, data, request_id()))


def _priority(text: str) -> Any:
    """The form's priority as the API's JSON value: a number when it is one (the API checks it)."""
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 12 else text


def job_action(console: Console, req: Request, job_id: str, route_name: str) -> Response:
    """Stop, start, delete or change the priority of a job; back to its page (or to the list
    after a deletion) with what happened."""
    body = {"Priority": _priority(req.form().get("priority", ""))} if route_name == "update_job" else None
    try:
        call_api(console, route_name, {"job": job_id}, body)
    except ApiError as err:
        req.session.flash("error", "%s refused (%s): %s" % (ACTION_NAMES[route_name], err.code, err.message))
        return redirect(url_path("jobs", job_id))
    req.session.flash("ok", JOB_ACTIONS[route_name] % job_id)
    return redirect(url_path("jobs") if route_name == "delete_job" else url_path("jobs", job_id))
