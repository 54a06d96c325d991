"""What an API handler receives and returns, the context it works in, and the query parameters
that several handlers read (paging, the State filter)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from ..constants import MAX_ITEM_COUNT
from ..errors import ApiError
from ..model import request as checks
from ..model.jsontext import JsonText, compact
from ..model.limits import Limits
from ..run.objects import ObjectStore
from ..run.scheduler import Scheduler
from ..state.paging import Page
from ..state.store import Store
from .settled import SettledCounts
from .statuses import StatusTexts

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
    """A routed, authenticated request (path parameters already checked and decoded)."""

    method: str
    route: str
    params: Dict[str, str]
    query: Dict[str, str]
    body: bytes = b""
    request_id: str = ""

    def json(self) -> Any:
        """The body as JSON (400 InvalidJsonFormat when it is not; see ``model.request``)."""
        return checks.parse_json(self.body)

    def json_object(self) -> Dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiError(400, "InvalidJsonFormat", "the request body must be a JSON object")
        return value

    def token(self) -> str:
        """The IdempotentToken of a create call (query)."""
        return checks.idempotent_token(self.query.get("IdempotentToken"))


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # JSON-able or JsonText, None -> empty body

    def payload(self) -> bytes:
        """The body as sent: compact JSON (``model.jsontext.compact``), nothing for None."""
        if self.body is None:
            return b""
        text = self.body if isinstance(self.body, JsonText) else compact(self.body)
        return text.encode("utf-8")


@dataclass
class Context:
    """What handlers work with."""

    store: Store
    scheduler: Scheduler
    oss: ObjectStore
    max_items: int = MAX_ITEM_COUNT
    sync_timeout: float = 86400.0
    poll_interval: float = 0.05
    limits: Limits = field(default_factory=Limits)
    #: create_job_sync calls that may wait at once (each holds an HTTP thread while it waits).
    sync_waits: int = 16
    sync_slots: threading.BoundedSemaphore = field(init=False, repr=False)
    #: The metrics of jobs that can no longer change.
    settled: SettledCounts = field(default_factory=SettledCounts, repr=False)
    #: The JSON text of job statuses, kept while their rows and counts stay the same.
    statuses: StatusTexts = field(default_factory=StatusTexts, repr=False)

    def __post_init__(self) -> None:
        self.sync_slots = threading.BoundedSemaphore(max(1, self.sync_waits))


Handler = Callable[[Context, ApiRequest], ApiResponse]


def page_request(ctx: Context, query: Dict[str, str], text_marker: bool = False) -> Page:
    """The page a list request asks for: MaxItemCount and Marker (an integer, unless
    ``text_marker``; blank: the first page)."""
    return Page(checks.page_size(query, ctx.max_items), checks.marker(query, numeric=not text_marker))


def state_filter(query: Dict[str, str]) -> Optional[str]:
    """The State a list is filtered by (None: any)."""
    return checks.state(query)
