"""The BatchCompute REST API described as data.

One table, read by the client (to build requests) and by the local server (to dispatch them), so
the two cannot drift apart. A route is chosen by HTTP method, path template and, where several
operations share a path, by a *selector*: a query key that must be present (``?description``).
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

__all__ = ["Route", "ROUTES", "ROUTES_BY_NAME", "match", "RETRY_SAFE", "RETRY_TOKEN", "RETRY_REFUSED"]

# How a route may be retried after a failure whose outcome is unknown:
RETRY_SAFE = "safe"        # repeating it has the same effect (GET, PUT, DELETE)
RETRY_TOKEN = "token"      # a create: safe once an IdempotentToken is sent with it
RETRY_REFUSED = "refused"  # only when the request surely did not take effect (503, Throttling,
                           # connection refused): starting or stopping twice is not harmless


class Route(NamedTuple):
    name: str
    method: str
    path: str
    selector: Optional[str] = None
    retry: str = RETRY_SAFE
    has_body: bool = False

    @property
    def params(self) -> Tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))

    def format(self, **values: object) -> str:
        """The path with every ``{param}`` replaced by its value, as the official SDK sends it."""
        return self.path.format(**{key: str(value) for key, value in values.items()})


def _routes(*rows: Tuple) -> List[Route]:
    return [Route(*row) for row in rows]


ROUTES: List[Route] = _routes(
    # jobs
    ("create_job", "POST", "/jobs", None, RETRY_TOKEN, True),
    ("create_job_sync", "POST", "/jobs", "sync", RETRY_TOKEN, True),
    ("list_jobs", "GET", "/jobs"),
    ("get_job_description", "GET", "/jobs/{job}", "description"),
    ("get_job", "GET", "/jobs/{job}"),
    ("update_job", "PUT", "/jobs/{job}", None, RETRY_SAFE, True),
    ("delete_job", "DELETE", "/jobs/{job}"),
    ("start_job", "POST", "/jobs/{job}/start", None, RETRY_REFUSED),
    ("stop_job", "POST", "/jobs/{job}/stop", None, RETRY_REFUSED),
    ("list_tasks", "GET", "/jobs/{job}/tasks"),
    ("get_task", "GET", "/jobs/{job}/tasks/{task}"),
    ("list_instances", "GET", "/jobs/{job}/tasks/{task}/instances"),
    ("get_instance", "GET", "/jobs/{job}/tasks/{task}/instances/{instance}"),
    # clusters
    ("create_cluster", "POST", "/clusters", None, RETRY_TOKEN, True),
    ("list_clusters", "GET", "/clusters"),
    ("get_cluster", "GET", "/clusters/{cluster}"),
    ("modify_cluster", "PUT", "/clusters/{cluster}", None, RETRY_SAFE, True),
    ("delete_cluster", "DELETE", "/clusters/{cluster}"),
    ("list_cluster_instances", "GET", "/clusters/{cluster}/groups/{group}/instances"),
    ("get_cluster_instance", "GET", "/clusters/{cluster}/groups/{group}/instances/{instance}"),
    ("delete_cluster_instance", "DELETE", "/clusters/{cluster}/groups/{group}/instances/{instance}"),
    ("recreate_cluster_instance", "POST",
     "/clusters/{cluster}/groups/{group}/instances/{instance}/recreate", None, RETRY_REFUSED),
    # images
    ("create_image", "POST", "/images", None, RETRY_TOKEN, True),
    ("list_images", "GET", "/images"),
    ("get_image", "GET", "/images/{image}"),
    ("delete_image", "DELETE", "/images/{image}"),
    # apps
    ("create_app", "POST", "/apps", None, RETRY_TOKEN, True),
    ("list_apps", "GET", "/apps"),
    ("get_app_detail", "GET", "/apps/{app}", "Detail"),
    ("get_app_revisions", "GET", "/apps/{app}", "Revisions"),
    ("get_app", "GET", "/apps/{app}"),
    ("modify_app", "PUT", "/apps/{app}", None, RETRY_SAFE, True),
    ("delete_app", "DELETE", "/apps/{app}"),
    # account
    ("get_quotas", "GET", "/quotas"),
    ("get_available_resource", "GET", "/available"),
)

ROUTES_BY_NAME: Dict[str, Route] = {route.name: route for route in ROUTES}


def _compile(path: str) -> "re.Pattern[str]":
    return re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", path) + "/?$")


# Routes with a selector are tried before the plain route on the same path.
_PATTERNS = [(route, _compile(route.path)) for route in sorted(ROUTES, key=lambda r: r.selector is None)]


def match(method: str, path: str, query_keys: Iterable[str] = ()) -> Tuple[Optional[Route], Dict[str, str], bool]:
    """Find the route for a request.

    Returns ``(route, path_params, path_known)``: ``route`` is None when nothing matches, and
    ``path_known`` then tells a wrong method (405) from an unknown path (404/400).
    """
    keys = set(query_keys)
    path_known = False
    for route, pattern in _PATTERNS:
        found = pattern.match(path)
        if not found:
            continue
        path_known = True
        if route.method != method or (route.selector and route.selector not in keys):
            continue
        return route, found.groupdict(), True
    return None, {}, path_known
