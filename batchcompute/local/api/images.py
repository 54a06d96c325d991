"""Images: /images/... (a few System images are always there)."""

from __future__ import annotations

import time

from ..errors import existing, forbidden
from ..model import render
from ..model.images import OWN, SYSTEM, check_image
from ..state import images, tokens
from ..state.store import Connection, Row
from .base import ApiRequest, ApiResponse, Context, page_request

__all__ = ["create_image", "list_images", "get_image", "delete_image"]


def _image(conn: Connection, ident: str) -> Row:
    return existing(images.find_image(conn, ident), "Image", ident)


def create_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    body = req.json()
    spec = check_image(body)
    token = req.token() or spec.description.get("IdempotentToken") or ""
    with ctx.store.transaction() as conn:
        ident = tokens.create_once(conn, "image", token, body, lambda: images.insert_image(conn, spec, time.time()))
    return ApiResponse(201, {"Id": ident})


def list_images(ctx: Context, req: ApiRequest) -> ApiResponse:
    """``Type=System``: the System images; otherwise the account's own."""
    page = page_request(ctx, req.query)
    kind = SYSTEM if (req.query.get("Type") or "").strip() == SYSTEM else OWN
    with ctx.store.read() as conn:
        rows, next_marker = images.list_images(conn, kind, page)
    return ApiResponse(200, {"Items": [render.image(row) for row in rows], "NextMarker": next_marker})


def get_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, render.image(_image(conn, req.params["image"])))


def delete_image(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        row = _image(conn, req.params["image"])
        if row["type"] == SYSTEM:
            raise forbidden("System image %s cannot be deleted" % row["id"])
        images.delete_image(conn, row["id"])
    return ApiResponse(204)
