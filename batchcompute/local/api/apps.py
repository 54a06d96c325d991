"""Apps and their revisions: /apps/..."""

from __future__ import annotations

import time
from typing import Optional

from ..errors import ApiError, existing, not_found
from ..model import render
from ..model import request as checks
from ..model.apps import AppSpec, check_app
from ..state import apps, tokens
from ..state.store import Connection, Row
from .base import ApiRequest, ApiResponse, Context, page_request

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
    return checks.scope(req.query)


def _app(conn: Connection, name: str) -> Row:
    return existing(apps.find_app(conn, name), "App", name)


def _revision(conn: Connection, name: str, qualifier: Optional[int] = None) -> Row:
    """Revision ``qualifier`` of an App (None: the latest)."""
    _app(conn, name)
    row = apps.find_revision(conn, name, qualifier)
    if row is None:
        raise not_found("App revision", "%s:%s" % (name, "latest" if qualifier is None else qualifier))
    return row


def create_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    body, token = req.json(), req.token()
    spec = check_app(body, ctx.limits)
    with ctx.store.transaction() as conn:
        name = tokens.create_once(conn, "app", token, body, lambda: _insert_app(conn, spec))
    return ApiResponse(201, {"Name": name})


def _insert_app(conn: Connection, spec: AppSpec) -> str:
    if apps.find_app(conn, spec.name) is not None:
        raise ApiError(403, "InvalidResource.AlreadyExisting", "App %s already exists" % spec.name)
    apps.insert_app(conn, spec, time.time())
    return spec.name


def list_apps(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Private: the account's Apps (oldest first); Public: none are published here."""
    page = page_request(ctx, req.query)
    if _scope(req) == "Public":
        return ApiResponse(200, {"Items": [], "NextMarker": ""})
    with ctx.store.read() as conn:
        rows, next_marker = apps.list_apps(conn, page)
        items = [render.app(row, _revision(conn, row["name"])) for row in rows]
        return ApiResponse(200, {"Items": items, "NextMarker": next_marker})


def get_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    scope, name = _scope(req), req.params["app"]
    if scope == "Public":
        raise not_found("Public App", name)
    with ctx.store.read() as conn:
        return ApiResponse(200, render.app(_app(conn, name), _revision(conn, name), scope))


def get_app_detail(ctx: Context, req: ApiRequest) -> ApiResponse:
    number = checks.qualifier(req.query.get("Qualifier", ""))
    with ctx.store.read() as conn:
        revision = _revision(conn, req.params["app"], number)
        return ApiResponse(200, apps.description(revision))


def get_app_revisions(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        _app(conn, req.params["app"])
        rows = apps.revisions(conn, req.params["app"])
    return ApiResponse(200, {"Items": render.revisions(rows), "NextMarker": ""})


def modify_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    """A new revision of the App."""
    name = req.params["app"]
    body = req.json_object()
    body["Name"] = name
    spec = check_app(body, ctx.limits)
    with ctx.store.transaction() as conn:
        _revision(conn, name)
        apps.add_revision(conn, spec, time.time())
    return ApiResponse(200)


def delete_app(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Without Qualifier: the App; with one: that revision (the App goes with its last revision)."""
    name = req.params["app"]
    number = checks.qualifier(req.query.get("Qualifier", ""))
    with ctx.store.transaction() as conn:
        _app(conn, name)
        if number is None:
            apps.delete_app(conn, name)
        else:
            _revision(conn, name, number)
            apps.delete_revision(conn, name, number)
    return ApiResponse(204)
