"""Apps and their revisions: /apps/..."""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Optional

from ..errors import ApiError, invalid, not_found
from ..model import render as views
from ..model.jobs import check_app
from ..state.store import dumps, loads
from .base import ApiRequest, ApiResponse, Context, IdempotentTokens, int_marker, page, page_size

__all__ = [
    "create_app",
    "list_apps",
    "get_app",
    "get_app_detail",
    "get_app_revisions",
    "modify_app",
    "delete_app",
]


def _scope(req: ApiRequest) -> str:
    scope = (req.query.get("Scope") or "Private").strip()
    if scope not in ("Private", "Public"):
        raise invalid("Scope", "Scope must be Private or Public")
    return scope


def _app(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM apps WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise not_found("App", name)
    return row


def _revision(conn: sqlite3.Connection, name: str, qualifier: str = "") -> sqlite3.Row:
    """Revision ``qualifier`` of an App (blank: the latest)."""
    _app(conn, name)
    number = _qualifier(qualifier)
    if number is None:
        row = conn.execute(
            "SELECT * FROM app_revisions WHERE name = ? ORDER BY revision DESC LIMIT 1", (name,)
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM app_revisions WHERE name = ? AND revision = ?", (name, number)
        ).fetchone()
    if row is None:
        raise not_found("App revision", "%s:%s" % (name, qualifier))
    return row


def _qualifier(text: str) -> Optional[int]:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise invalid("Qualifier", "Qualifier must be a revision number, not %r" % text)
    return int(text)


def create_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    body = req.json()
    token = req.query.get("IdempotentToken", "")
    with ctx.store.transaction() as conn:
        name = IdempotentTokens.create_once(conn, "app", token, body, lambda: _insert_app(conn, body))
    return ApiResponse(201, {"Name": name})


def _insert_app(conn: sqlite3.Connection, body: Any) -> str:
    desc = check_app(body)
    name = desc["Name"]
    if conn.execute("SELECT 1 FROM apps WHERE name = ?", (name,)).fetchone():
        raise ApiError(403, "InvalidResource.AlreadyExisting", "App %s already exists" % name)
    now = time.time()
    conn.execute("INSERT INTO apps (name, creation_time) VALUES (?, ?)", (name, now))
    conn.execute(
        "INSERT INTO app_revisions (name, revision, body, update_time) VALUES (?, 1, ?, ?)",
        (name, dumps(desc), now),
    )
    return name


def list_apps(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Private: the account's Apps (oldest first); Public: none are published here."""
    size, marker = page_size(ctx, req.query), int_marker(req.query) or 0
    if _scope(req) == "Public":
        return ApiResponse(200, {"Items": [], "NextMarker": ""})
    with ctx.store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM apps WHERE seq >= ? ORDER BY seq LIMIT ?", (marker, size + 1)
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["seq"])
        return ApiResponse(
            200,
            {
                "Items": [views.app(row, _revision(conn, row["name"])) for row in items],
                "NextMarker": next_marker,
            },
        )


def get_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    scope, name = _scope(req), req.params["app"]
    if scope == "Public":
        raise not_found("Public App", name)
    with ctx.store.read() as conn:
        return ApiResponse(200, views.app(_app(conn, name), _revision(conn, name), scope))


def get_app_detail(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(
            200, loads(_revision(conn, req.params["app"], req.query.get("Qualifier", ""))["body"])
        )


def get_app_revisions(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        _app(conn, req.params["app"])
        rows = conn.execute(
            "SELECT revision, update_time FROM app_revisions WHERE name = ? ORDER BY revision",
            (req.params["app"],),
        ).fetchall()
    return ApiResponse(200, {"Items": views.revisions(rows), "NextMarker": ""})


def modify_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    """A new revision of the App."""
    name = req.params["app"]
    body = req.json_object()
    body["Name"] = name
    desc = check_app(body)
    with ctx.store.transaction() as conn:
        latest = _revision(conn, name)["revision"]
        conn.execute(
            "INSERT INTO app_revisions (name, revision, body, update_time) VALUES (?, ?, ?, ?)",
            (name, latest + 1, dumps(desc), time.time()),
        )
    return ApiResponse(200)


def delete_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Without Qualifier: the App; with one: that revision (the App goes with its last revision)."""
    name = req.params["app"]
    number = _qualifier(req.query.get("Qualifier", ""))
    with ctx.store.transaction() as conn:
        _app(conn, name)
        if number is not None:
            _revision(conn, name, str(number))
            conn.execute("DELETE FROM app_revisions WHERE name = ? AND revision = ?", (name, number))
        if (
            number is None
            or not conn.execute("SELECT 1 FROM app_revisions WHERE name = ?", (name,)).fetchone()
        ):
            conn.execute("DELETE FROM app_revisions WHERE name = ?", (name,))
            conn.execute("DELETE FROM apps WHERE name = ?", (name,))
    return ApiResponse(204)
