"""Idempotent tokens: the same token and body create a resource once; another body is refused."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Optional, cast

from ..errors import ApiError
from ..model.jsontext import dumps
from .store import Connection

__all__ = ["create_once"]


def _digest(body: Any) -> str:
    return hashlib.sha256(dumps(body).encode("utf-8")).hexdigest()


def _created(conn: Connection, kind: str, token: str, body: Any) -> Optional[str]:
    """The id a token made before (IdempotentTokenMismatch when it came with another body)."""
    row = conn.execute("SELECT digest, resource_id FROM tokens WHERE kind = ? AND token = ?", (kind, token)).fetchone()
    if row is None:
        return None
    if row["digest"] != _digest(body):
        raise ApiError(
            400,
            "IdempotentTokenMismatch",
            "IdempotentToken %r was used before with another request body" % token,
        )
    return cast(str, row["resource_id"])


def create_once(conn: Connection, kind: str, token: str, body: Any, create: Callable[[], str]) -> str:
    """The id made by ``create()``, or for a token seen before with this body, the id it made then
    (``create`` is not called). A blank token: always ``create()``."""
    if not token:
        return create()
    existing = _created(conn, kind, token, body)
    if existing is not None:
        return existing
    resource_id = create()
    conn.execute(
        "INSERT INTO tokens (kind, token, digest, resource_id) VALUES (?, ?, ?, ?)",
        (kind, token, _digest(body), resource_id),
    )
    return resource_id
