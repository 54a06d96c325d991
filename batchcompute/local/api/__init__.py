"""The API handlers, one per route of ``batchcompute.core.routes`` (by route name)."""

from __future__ import annotations

from typing import Dict

from ...core.routes import ROUTES
from . import account, apps, clusters, images, jobs
from .base import ApiRequest, ApiResponse, Context, Handler

__all__ = ["HANDLERS", "ApiRequest", "ApiResponse", "Context", "Handler", "handler"]

HANDLERS: Dict[str, Handler] = {
    name: getattr(module, name)
    for module in (jobs, clusters, images, apps, account)
    for name in module.__all__
    if name in {route.name for route in ROUTES}
}

_missing = {route.name for route in ROUTES} - set(HANDLERS)
if _missing:  # pragma: no cover - a route added to the table without a handler
    raise ImportError("routes without a handler: %s" % sorted(_missing))


def handler(route_name: str) -> Handler:
    return HANDLERS[route_name]
