"""Signature nonces seen, kept while their request's Date is acceptable (so a replay is refused,
after a restart too) and pruned after."""

from __future__ import annotations

from .store import Connection

__all__ = ["remember", "seen", "prune"]


def remember(conn: Connection, key_id: str, nonce: str, expires: float) -> bool:
    """Record ``nonce`` of ``key_id`` until ``expires``; False when it is recorded already (a
    replay), however old the row: pruning decides when a nonce is forgotten."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO nonces (key_id, nonce, expires) VALUES (?, ?, ?)", (key_id, nonce, expires)
    )
    return cursor.rowcount == 1


def seen(conn: Connection, key_id: str, nonce: str) -> bool:
    """Whether ``nonce`` of ``key_id`` is recorded."""
    return conn.execute("SELECT 1 FROM nonces WHERE key_id = ? AND nonce = ?", (key_id, nonce)).fetchone() is not None


def prune(conn: Connection, now: float) -> int:
    """Forget the nonces whose requests can no longer be accepted; how many were forgotten."""
    return conn.execute("DELETE FROM nonces WHERE expires < ?", (now,)).rowcount
