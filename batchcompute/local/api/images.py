"""Images: /images/... (a few System images are always there)."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from ..errors import forbidden, not_found
from ..ids import image_id
from ..model import render as views
from ..model.jobs import check_image
from ..state.store import dumps
from .base import ApiRequest, ApiResponse, Context, IdempotentTokens, int_marker, page, page_size

__all__ = ["SYSTEM_IMAGES", "seed_system_images", "create_image", "list_images", "get_image", "delete_image"]

SYSTEM_IMAGES = (
    ("img-ubuntu", "Ubuntu 16.04 64bit", "Linux", "ubuntu_16_0402_64_20G_alibase_20170818.vhd"),
    ("img-centos", "CentOS 7.2 64bit", "Linux", "centos_7_2_64_40G_base_20170222.vhd"),
    (
        "img-windows",
        "Windows Server 2012 R2",
        "Windows",
        "win2012r2_64_dtc_9600_zh-cn_40G_alibase_20170915.vhd",
    ),
)


def seed_system_images(conn: sqlite3.Connection) -> None:
    for ident, name, platform, ecs_image in SYSTEM_IMAGES:
        body = {"Name": name, "Description": "System image", "Platform": platform, "EcsImageId": ecs_image}
        conn.execute(
            "INSERT OR IGNORE INTO images (id, type, body, creation_time) VALUES (?, 'System', ?, ?)",
            (ident, dumps(body), time.time()),
        )


def _image(conn: sqlite3.Connection, ident: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM images WHERE id = ?", (ident,)).fetchone()
    if row is None:
        raise not_found("Image", ident)
    return row


def create_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    body = req.json()
    token = req.query.get("IdempotentToken", "") or (
        body.get("IdempotentToken", "") if isinstance(body, dict) else ""
    )
    with ctx.store.transaction() as conn:
        ident = IdempotentTokens.create_once(conn, "image", token, body, lambda: _insert_image(conn, body))
    return ApiResponse(201, {"Id": ident})


def _insert_image(conn: sqlite3.Connection, body: Any) -> str:
    check_image(body)
    ident = image_id()
    conn.execute(
        "INSERT INTO images (id, type, body, creation_time) VALUES (?, 'Self', ?, ?)",
        (ident, dumps(body), time.time()),
    )
    return ident


def list_images(ctx: Context, req: ApiRequest) -> ApiResponse:
    """``Type=System``: the System images; otherwise the account's own."""
    size, marker = page_size(ctx, req.query), int_marker(req.query) or 0
    kind = "System" if (req.query.get("Type") or "").strip() == "System" else "Self"
    with ctx.store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM images WHERE type = ? AND seq >= ? ORDER BY seq LIMIT ?", (kind, marker, size + 1)
        ).fetchall()
    items, next_marker = page(rows, size, lambda row: row["seq"])
    return ApiResponse(200, {"Items": [views.image(row) for row in items], "NextMarker": next_marker})


def get_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, views.image(_image(conn, req.params["image"])))


def delete_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        row = _image(conn, req.params["image"])
        if row["type"] == "System":
            raise forbidden("System image %s cannot be deleted" % row["id"])
        conn.execute("DELETE FROM images WHERE id = ?", (row["id"],))
    return ApiResponse(204)
