"""What an API handler receives and returns, the context it works in, and the query parameters
that several handlers read (paging, the State filter)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from ..constants import MAX_ITEM_COUNT
from ..errors import ApiError, invalid
from ..model.states import STATES
from ..run.objects import ObjectStore
from ..run.scheduler import Scheduler
from ..state.paging import Page
from ..state.store import Store

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "Context",
    "Handler",
    "page_request",
    "state_filter",
]


@dataclass
class ApiRequest:
    """A routed, authenticated request."""

    method: str
    route: str
    params: Dict[str, str]
    query: Dict[str, str]
    body: bytes = b""
    request_id: str = ""

    def json(self) -> Any:
        """The body as JSON (400 InvalidJsonFormat when it is not)."""
        try:
            return json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "InvalidJsonFormat", "the request body is not valid JSON: %s" % exc) from exc

    def json_object(self) -> Dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiError(400, "InvalidJsonFormat", "the request body must be a JSON object")
        return value


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # JSON-able, None -> empty body


@dataclass
class Context:
    """What handlers work with."""

    store: Store
    scheduler: Scheduler
    oss: ObjectStore
    max_items: int = MAX_ITEM_COUNT
    sync_timeout: float = 86400.0
    poll_interval: float = 0.05


Handler = Callable[[Context, ApiRequest], ApiResponse]


def _page_size(ctx: Context, query: Dict[str, str]) -> int:
    """MaxItemCount (blank or 0: the maximum; capped at the maximum)."""
    text = (query.get("MaxItemCount") or "").strip()
    if not text:
        return ctx.max_items
    try:
        size = int(text)
    except ValueError:
        raise invalid("MaxItemCount", "MaxItemCount must be an integer, not %r" % text) from None
    if size < 0:
        raise invalid("MaxItemCount", "MaxItemCount must not be negative")
    return min(size or ctx.max_items, ctx.max_items)


def _int_marker(text: str) -> Optional[int]:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid("Marker", "Marker %r was not issued by this server" % text) from None


def page_request(ctx: Context, query: Dict[str, str], text_marker: bool = False) -> Page:
    """The page a list request asks for: MaxItemCount and Marker (an integer, unless
    ``text_marker``; blank: the first page)."""
    marker = (query.get("Marker") or "").strip()
    return Page(_page_size(ctx, query), marker if text_marker else _int_marker(marker))


def state_filter(query: Dict[str, str]) -> Optional[str]:
    """The State a list is filtered by (None: any)."""
    state = (query.get("State") or "").strip()
    if not state:
        return None
    if state not in STATES:
        raise invalid("State", "State must be one of %s" % ", ".join(STATES))
    return state
