"""Apps and their revisions (each modify adds one; the latest is the App)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, cast

from ..errors import existing
from ..model.apps import AppSpec
from ..model.jsontext import dumps, loads
from .paging import Page, fetch_page
from .store import Connection, Row, first_row

__all__ = [
    "insert_app",
    "find_app",
    "find_revision",
    "description",
    "latest_description",
    "add_revision",
    "revisions",
    "list_apps",
    "delete_app",
    "delete_revision",
]


def insert_app(conn: Connection, spec: AppSpec, now: float) -> None:
    """Store a new App as its revision 1."""
    conn.execute("INSERT INTO apps (name, creation_time) VALUES (?, ?)", (spec.name, now))
    conn.execute(
        "INSERT INTO app_revisions (name, revision, body, update_time) VALUES (?, 1, ?, ?)",
        (spec.name, dumps(spec.description), now),
    )


def find_app(conn: Connection, name: str) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM apps WHERE name = ?", (name,)))


def find_revision(conn: Connection, name: str, number: Optional[int] = None) -> Optional[Row]:
    """Revision ``number`` of an App (None: the latest)."""
    if number is None:
        return first_row(
            conn.execute("SELECT * FROM app_revisions WHERE name = ? ORDER BY revision DESC LIMIT 1", (name,))
        )
    return first_row(conn.execute("SELECT * FROM app_revisions WHERE name = ? AND revision = ?", (name, number)))


def description(revision: Row) -> Dict[str, Any]:
    """The App description stored as a revision."""
    return cast(Dict[str, Any], loads(revision["body"]))


def latest_description(conn: Connection, name: str) -> Optional[Dict[str, Any]]:
    """The description of an App's latest revision (None when there is no such App)."""
    row = find_revision(conn, name)
    return description(row) if row else None


def add_revision(conn: Connection, spec: AppSpec, now: float) -> None:
    """Store ``spec`` as the App's next revision."""
    latest = existing(find_revision(conn, spec.name), "App", spec.name)
    conn.execute(
        "INSERT INTO app_revisions (name, revision, body, update_time) VALUES (?, ?, ?, ?)",
        (spec.name, latest["revision"] + 1, dumps(spec.description), now),
    )


def revisions(conn: Connection, name: str) -> List[Row]:
    """Revision numbers and update times of an App, oldest first."""
    return conn.execute(
        "SELECT revision, update_time FROM app_revisions WHERE name = ? ORDER BY revision", (name,)
    ).fetchall()


def list_apps(conn: Connection, page: Page) -> Tuple[List[Row], str]:
    """Apps, oldest first, and the NextMarker."""
    return fetch_page(conn, "apps", "seq", page)


def delete_app(conn: Connection, name: str) -> None:
    """Delete an App with all its revisions."""
    conn.execute("DELETE FROM app_revisions WHERE name = ?", (name,))
    conn.execute("DELETE FROM apps WHERE name = ?", (name,))


def delete_revision(conn: Connection, name: str, number: int) -> None:
    """Delete one revision; the App goes with its last one."""
    conn.execute("DELETE FROM app_revisions WHERE name = ? AND revision = ?", (name, number))
    if find_revision(conn, name) is None:
        delete_app(conn, name)
