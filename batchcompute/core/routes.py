"""The BatchCompute REST API described as data.

One table, read by the client (to build requests and wrap answers) and by the local server (to
dispatch them), so the two cannot drift apart. A route is chosen by HTTP method, path template
and, where several operations share a path, by a *selector*: a query key that must be present
(``?description``). Each row says everything a call needs:

- ``body``: ``None`` (no body) or the name of what the body holds: a description class of
  :mod:`batchcompute.resources` (sent as the official SDK dumps it; the helpers that change one
  field send a small dict instead, as compact JSON), or ``dict``;
- ``response``: the kind of answer (``CREATE``, ``GET``, ``LIST``, ``ACTION``) and ``item``, the
  name of the class of what a GET or LIST answer holds (a class of
  :mod:`batchcompute.client.response`);
- ``paging``: for a LIST, the marker of the first page;
- ``retry``: how a failure whose outcome is unknown may be retried.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote

__all__ = [
    "Route",
    "Paging",
    "ROUTES",
    "ROUTES_BY_NAME",
    "match",
    "RETRY_SAFE",
    "RETRY_TOKEN",
    "RETRY_REFUSED",
    "CREATE",
    "GET",
    "LIST",
    "ACTION",
    "PAGE_SIZE",
]

# How a route may be retried after a failure whose outcome is unknown:
RETRY_SAFE = "safe"  # repeating it has the same effect (GET, PUT, DELETE)
RETRY_TOKEN = "token"  # a create: safe once an IdempotentToken is sent with it
RETRY_REFUSED = "refused"  # only when the request surely did not take effect (503, Throttling,
# connection refused): starting or stopping twice is not harmless
# Answers
CREATE, GET, LIST, ACTION = "create", "get", "list", "action"
#: Items in a page: the server's largest page, and the page easy_list asks for.
PAGE_SIZE = 100


class Paging(NamedTuple):
    """How a LIST route pages: ``Marker`` of the first page (instance ids are numbers, from 0)."""

    first_marker: Union[str, int] = ""


class Route(NamedTuple):
    name: str
    method: str
    path: str
    response: str = ACTION
    item: Optional[str] = None
    selector: Optional[Tuple[str, str]] = None  # (query key, value sent)
    body: Optional[str] = None
    paging: Optional[Paging] = None
    retry: str = RETRY_SAFE

    @property
    def params(self) -> Tuple[str, ...]:
        """The names of the path's parameters, in order."""
        return _PARAMS[self.path]

    def target(self, *args: object) -> str:
        """The path with its parameters replaced by ``args`` (in order), each percent-encoded as a
        path segment (ordinary ids are unchanged)."""
        values = {name: quote(str(value), safe="") for name, value in zip(self.params, args)}
        return self.path.format(**values)


def _path_params(path: str) -> Tuple[str, ...]:
    return tuple(re.findall(r"{(\w+)}", path))


_PAGED = Paging()
_INSTANCES = Paging(first_marker=0)
_DETAIL = ("Detail", "True")
_REVISIONS = ("Revisions", "True")

ROUTES: List[Route] = [
    # jobs
    Route("create_job", "POST", "/jobs", CREATE, body="JobDescription", retry=RETRY_TOKEN),
    Route(
        "create_job_sync",
        "POST",
        "/jobs",
        GET,
        "SynchronousInstance",
        ("sync", ""),
        "AppJobDescription",
        retry=RETRY_TOKEN,
    ),
    Route("list_jobs", "GET", "/jobs", LIST, "Job", paging=_PAGED),
    Route("get_job_description", "GET", "/jobs/{job}", GET, "JobDescription", ("description", "")),
    Route("get_job", "GET", "/jobs/{job}", GET, "Job"),
    Route("update_job", "PUT", "/jobs/{job}", body="dict"),
    Route("delete_job", "DELETE", "/jobs/{job}"),
    Route("start_job", "POST", "/jobs/{job}/start", retry=RETRY_REFUSED),
    Route("stop_job", "POST", "/jobs/{job}/stop", retry=RETRY_REFUSED),
    Route("list_tasks", "GET", "/jobs/{job}/tasks", LIST, "Task", paging=_PAGED),
    Route("get_task", "GET", "/jobs/{job}/tasks/{task}", GET, "Task"),
    Route("list_instances", "GET", "/jobs/{job}/tasks/{task}/instances", LIST, "Instance", paging=_INSTANCES),
    Route("get_instance", "GET", "/jobs/{job}/tasks/{task}/instances/{instance}", GET, "Instance"),
    # clusters
    Route("create_cluster", "POST", "/clusters", CREATE, body="ClusterDescription", retry=RETRY_TOKEN),
    Route("list_clusters", "GET", "/clusters", LIST, "Cluster", paging=_PAGED),
    Route("get_cluster", "GET", "/clusters/{cluster}", GET, "Cluster"),
    Route("modify_cluster", "PUT", "/clusters/{cluster}", body="ModifyClusterDescription"),
    Route("delete_cluster", "DELETE", "/clusters/{cluster}"),
    Route(
        "list_cluster_instances",
        "GET",
        "/clusters/{cluster}/groups/{group}/instances",
        LIST,
        "ClusterInstance",
        paging=_PAGED,
    ),
    Route(
        "get_cluster_instance", "GET", "/clusters/{cluster}/groups/{group}/instances/{instance}", GET, "ClusterInstance"
    ),
    Route("delete_cluster_instance", "DELETE", "/clusters/{cluster}/groups/{group}/instances/{instance}"),
    Route(
        "recreate_cluster_instance",
        "POST",
        "/clusters/{cluster}/groups/{group}/instances/{instance}/recreate",
        retry=RETRY_REFUSED,
    ),
    # images
    Route("create_image", "POST", "/images", CREATE, body="ImageDescription", retry=RETRY_TOKEN),
    Route("list_images", "GET", "/images", LIST, "Image", paging=_PAGED),
    Route("get_image", "GET", "/images/{image}", GET, "Image"),
    Route("delete_image", "DELETE", "/images/{image}"),
    # apps
    Route("create_app", "POST", "/apps", CREATE, body="AppDescription", retry=RETRY_TOKEN),
    Route("list_apps", "GET", "/apps", LIST, "App", paging=_PAGED),
    Route("get_app_detail", "GET", "/apps/{app}", GET, "AppDescription", _DETAIL),
    Route("get_app_revisions", "GET", "/apps/{app}", LIST, "AppRevision", _REVISIONS),
    Route("get_app", "GET", "/apps/{app}", GET, "App"),
    Route("modify_app", "PUT", "/apps/{app}", body="AppDescription"),
    Route("delete_app", "DELETE", "/apps/{app}"),
    # account
    Route("get_quotas", "GET", "/quotas", GET, "Quota"),
    Route("get_available_resource", "GET", "/available", GET, "AvailableResource"),
]

ROUTES_BY_NAME: Dict[str, Route] = {route.name: route for route in ROUTES}
_PARAMS: Dict[str, Tuple[str, ...]] = {route.path: _path_params(route.path) for route in ROUTES}


def _compile(path: str) -> "re.Pattern[str]":
    return re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", path) + "/?$")


# Routes with a selector are tried before the plain route on the same path.
_PATTERNS = [(route, _compile(route.path)) for route in sorted(ROUTES, key=lambda r: r.selector is None)]


def match(method: str, path: str, query_keys: Iterable[str] = ()) -> Tuple[Optional[Route], Dict[str, str], bool]:
    """Find the route for a request.

    Returns ``(route, path_params, path_known)``: ``route`` is None when nothing matches, and
    ``path_known`` then tells a wrong method (405) from an unknown path (404/400). The path
    parameters are returned as received (still percent-encoded).
    """
    keys = set(query_keys)
    path_known = False
    for route, pattern in _PATTERNS:
        found = pattern.match(path)
        if not found:
            continue
        path_known = True
        if route.method != method or (route.selector and route.selector[0] not in keys):
            continue
        return route, found.groupdict(), True
    return None, {}, path_known
