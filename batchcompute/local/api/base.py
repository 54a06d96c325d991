"""What an API handler receives and returns, the context it works in, and list paging."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..constants import MAX_ITEM_COUNT
from ..errors import ApiError, invalid
from ..model.states import State
from ..run.objects import ObjectStore
from ..run.scheduler import Scheduler
from ..state.store import Store, dumps

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "Context",
    "Handler",
    "page_size",
    "page",
    "state_filter",
    "IdempotentTokens",
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
    extra: Dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Context, ApiRequest], ApiResponse]


def page_size(ctx: Context, query: Dict[str, str]) -> int:
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


def int_marker(query: Dict[str, str]) -> Optional[int]:
    """An integer Marker (None when blank)."""
    text = (query.get("Marker") or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid("Marker", "Marker %r was not issued by this server" % text) from None


def page(
    rows: Sequence[sqlite3.Row], size: int, marker_of: Callable[[sqlite3.Row], Any]
) -> Tuple[List[sqlite3.Row], str]:
    """The first ``size`` rows and the NextMarker (from row ``size``, fetched as one extra)."""
    if len(rows) > size:
        return list(rows[:size]), str(marker_of(rows[size]))
    return list(rows), ""


def state_filter(query: Dict[str, str]) -> Optional[State]:
    text = (query.get("State") or "").strip()
    if not text:
        return None
    try:
        return State(text)
    except ValueError:
        raise invalid("State", "State must be one of %s" % ", ".join(State)) from None


class IdempotentTokens:
    """``IdempotentToken``: the same token and body create once; another body is a mismatch."""

    @staticmethod
    def _digest(body: Any) -> str:
        return hashlib.sha256(dumps(body).encode("utf-8")).hexdigest()

    @classmethod
    def lookup(cls, conn: sqlite3.Connection, kind: str, token: str, body: Any) -> Optional[str]:
        if not token:
            return None
        row = conn.execute(
            "SELECT digest, resource_id FROM tokens WHERE kind = ? AND token = ?", (kind, token)
        ).fetchone()
        if row is None:
            return None
        if row["digest"] != cls._digest(body):
            raise ApiError(
                400,
                "IdempotentTokenMismatch",
                "IdempotentToken %r was used before with another request body" % token,
            )
        return row["resource_id"]

    @classmethod
    def create_once(
        cls, conn: sqlite3.Connection, kind: str, token: str, body: Any, create: Callable[[], str]
    ) -> str:
        """The id made by ``create()``, or for a token seen before with this body, the id it made
        then (``create`` is not called)."""
        existing = cls.lookup(conn, kind, token, body)
        if existing is not None:
            return existing
        resource_id = create()
        cls.remember(conn, kind, token, body, resource_id)
        return resource_id

    @classmethod
    def remember(cls, conn: sqlite3.Connection, kind: str, token: str, body: Any, resource_id: str) -> None:
        if token:
            conn.execute(
                "INSERT INTO tokens (kind, token, digest, resource_id) VALUES (?, ?, ?, ?)",
                (kind, token, cls._digest(body), resource_id),
            )
