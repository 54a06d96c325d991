"""Images: the System images every account sees, and the account's own."""

from __future__ import annotations

from typing import List, Optional, Tuple

from ..ids import image_id
from ..model.images import OWN, SYSTEM, ImageSpec
from ..model.jsontext import dumps
from .paging import Page, fetch_page
from .store import Connection, Row, first_row

__all__ = ["SYSTEM_IMAGES", "seed_system_images", "insert_image", "find_image", "list_images", "delete_image"]

#: (Id, Name, Platform, EcsImageId) of the System images.
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


def seed_system_images(conn: Connection, now: float) -> None:
    """Add the System images that are not there yet."""
    for ident, name, platform, ecs_image in SYSTEM_IMAGES:
        body = {"Name": name, "Description": "System image", "Platform": platform, "EcsImageId": ecs_image}
        conn.execute(
            "INSERT OR IGNORE INTO images (id, type, body, creation_time) VALUES (?, ?, ?, ?)",
            (ident, SYSTEM, dumps(body), now),
        )


def insert_image(conn: Connection, spec: ImageSpec, now: float) -> str:
    """Store an image of the account's own; its new id."""
    ident = image_id()
    conn.execute(
        "INSERT INTO images (id, type, body, creation_time) VALUES (?, ?, ?, ?)",
        (ident, OWN, dumps(spec.description), now),
    )
    return ident


def find_image(conn: Connection, ident: str) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM images WHERE id = ?", (ident,)))


def list_images(conn: Connection, kind: str, page: Page) -> Tuple[List[Row], str]:
    """The images of one Type, oldest first, and the NextMarker."""
    return fetch_page(conn, "images", "seq", page, [("type = ?", kind)])


def delete_image(conn: Connection, ident: str) -> None:
    conn.execute("DELETE FROM images WHERE id = ?", (ident,))
