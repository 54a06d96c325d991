"""Clusters and their VMs (cluster instances): /clusters/..."""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Dict

from ..errors import conflict, invalid, not_found
from ..ids import cluster_id as new_cluster_id
from ..ids import vm_id
from ..model import render as views
from ..model.jobs import check_cluster, check_groups, integer, mapping
from ..model.states import ACTIVE, CLUSTER_ACTIVE, VM_RUNNING
from ..state.store import dumps, loads
from .base import ApiRequest, ApiResponse, Context, IdempotentTokens, int_marker, page, page_size

__all__ = [
    "create_cluster",
    "list_clusters",
    "get_cluster",
    "modify_cluster",
    "delete_cluster",
    "list_cluster_instances",
    "get_cluster_instance",
    "delete_cluster_instance",
    "recreate_cluster_instance",
]

MODIFIABLE = ("UserData", "EnvVars", "InputMapping", "ImageId", "Configs")


def _cluster(conn: sqlite3.Connection, cid: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM clusters WHERE id = ?", (cid,)).fetchone()
    if row is None:
        raise not_found("Cluster", cid)
    return row


def _vm(conn: sqlite3.Connection, cid: str, group: str, vid: str) -> sqlite3.Row:
    _group(conn, cid, group)
    row = conn.execute(
        "SELECT * FROM vms WHERE cluster_id = ? AND grp = ? AND id = ?", (cid, group, vid)
    ).fetchone()
    if row is None:
        raise not_found("ClusterInstance", "%s of group %s of cluster %s" % (vid, group, cid))
    return row


def _group(conn: sqlite3.Connection, cid: str, group: str) -> Dict[str, Any]:
    desc = loads(_cluster(conn, cid)["description"])
    if group not in desc["Groups"]:
        raise not_found("Group", "%s of cluster %s" % (group, cid))
    return desc


def _resize(conn: sqlite3.Connection, cid: str, group: str, desc: Dict[str, Any], now: float) -> None:
    """Add or remove VMs so that the group has DesiredVMCount of them."""
    wanted = integer(desc["Groups"][group], "DesiredVMCount", 0)
    slots = [
        row[0]
        for row in conn.execute(
            "SELECT slot FROM vms WHERE cluster_id = ? AND grp = ? ORDER BY slot", (cid, group)
        )
    ]
    for slot in slots[wanted:]:
        conn.execute("DELETE FROM vms WHERE cluster_id = ? AND grp = ? AND slot = ?", (cid, group, slot))
    prefix = desc["Groups"][group].get("HostnamePrefix") or "%s-%s-" % (cid, group)
    slot = (slots[-1] + 1) if slots else 0
    for _ in range(wanted - len(slots)):
        conn.execute(
            "INSERT INTO vms (cluster_id, grp, id, slot, state, ip, host_name, creation_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cid,
                group,
                vm_id(),
                slot,
                VM_RUNNING,
                "127.0.%d.%d" % (slot // 250, slot % 250 + 2),
                "%s%d" % (prefix, slot),
                now,
            ),
        )
        slot += 1


def create_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    body = req.json()
    token = req.query.get("IdempotentToken", "")
    with ctx.store.transaction() as conn:
        cid = IdempotentTokens.create_once(conn, "cluster", token, body, lambda: _insert_cluster(conn, body))
    ctx.scheduler.wake()
    return ApiResponse(201, {"Id": cid})


def _insert_cluster(conn: sqlite3.Connection, body: Any) -> str:
    desc = check_cluster(body)
    cid, now = new_cluster_id(), time.time()
    conn.execute(
        "INSERT INTO clusters (id, name, description, state, creation_time) VALUES (?, ?, ?, ?, ?)",
        (cid, desc["Name"], dumps(desc), CLUSTER_ACTIVE, now),
    )
    for group in desc["Groups"]:
        _resize(conn, cid, group, desc, now)
    return cid


def list_clusters(ctx: Context, req: ApiRequest) -> ApiResponse:
    size, marker = page_size(ctx, req.query), int_marker(req.query) or 0
    with ctx.store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM clusters WHERE seq >= ? ORDER BY seq LIMIT ?", (marker, size + 1)
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["seq"])
        return ApiResponse(
            200, {"Items": [views.cluster(conn, row) for row in items], "NextMarker": next_marker}
        )


def get_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, views.cluster(conn, _cluster(conn, req.params["cluster"])))


def modify_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Groups (DesiredVMCount, InstanceType, SpotStrategy, SpotPriceLimit), UserData, EnvVars, ..."""
    body = req.json_object()
    groups = check_groups(body.get("Groups") or {}, partial=True)
    with ctx.store.transaction() as conn:
        cid = req.params["cluster"]
        desc = loads(_cluster(conn, cid)["description"])
        for name, change in groups.items():
            if name not in desc["Groups"]:
                raise not_found("Group", "%s of cluster %s" % (name, cid))
            desc["Groups"][name].update({k: v for k, v in change.items() if v is not None})
        for key in MODIFIABLE:
            if key in body:
                if key != "ImageId" and not isinstance(body[key], dict):
                    raise invalid(key, "%s must be an object" % key)
                desc[key] = body[key]
        mapping(desc, "EnvVars")
        conn.execute("UPDATE clusters SET description = ? WHERE id = ?", (dumps(desc), cid))
        for name in groups:
            _resize(conn, cid, name, desc, time.time())
    ctx.scheduler.wake()
    return ApiResponse(200)


def delete_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        cid = _cluster(conn, req.params["cluster"])["id"]
        busy = conn.execute(
            "SELECT j.id FROM jobs j JOIN tasks t ON t.job_id = j.id WHERE t.cluster_id = ? "
            "AND j.state IN (?, ?) LIMIT 1",
            (cid, *ACTIVE),
        ).fetchone()
        if busy:
            raise conflict("cluster %s is used by job %s, which has not ended" % (cid, busy[0]))
        conn.execute("DELETE FROM vms WHERE cluster_id = ?", (cid,))
        conn.execute("DELETE FROM clusters WHERE id = ?", (cid,))
    return ApiResponse(204)


def list_cluster_instances(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By slot; Marker = the slot of the next VM."""
    cid, group = req.params["cluster"], req.params["group"]
    size, marker = page_size(ctx, req.query), int_marker(req.query) or 0
    with ctx.store.read() as conn:
        _group(conn, cid, group)
        rows = conn.execute(
            "SELECT * FROM vms WHERE cluster_id = ? AND grp = ? AND slot >= ? ORDER BY slot LIMIT ?",
            (cid, group, marker, size + 1),
        ).fetchall()
        items, next_marker = page(rows, size, lambda row: row["slot"])
        return ApiResponse(200, {"Items": [views.vm(row) for row in items], "NextMarker": next_marker})


def get_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(
            200, views.vm(_vm(conn, req.params["cluster"], req.params["group"], req.params["instance"]))
        )


def delete_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Remove a VM; its group's DesiredVMCount goes down by one."""
    cid, group = req.params["cluster"], req.params["group"]
    with ctx.store.transaction() as conn:
        vm = _vm(conn, cid, group, req.params["instance"])
        desc = _group(conn, cid, group)
        conn.execute("DELETE FROM vms WHERE cluster_id = ? AND grp = ? AND id = ?", (cid, group, vm["id"]))
        count = integer(desc["Groups"][group], "DesiredVMCount", 0)
        desc["Groups"][group]["DesiredVMCount"] = max(0, count - 1)
        conn.execute("UPDATE clusters SET description = ? WHERE id = ?", (dumps(desc), cid))
    return ApiResponse(204)


def recreate_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Replace a VM by a new one (new id) in the same slot."""
    cid, group = req.params["cluster"], req.params["group"]
    with ctx.store.transaction() as conn:
        vm = _vm(conn, cid, group, req.params["instance"])
        conn.execute(
            "UPDATE vms SET id = ?, creation_time = ?, state = ? WHERE cluster_id = ? AND grp = ? AND id = ?",
            (vm_id(), time.time(), VM_RUNNING, cid, group, vm["id"]),
        )
    ctx.scheduler.wake()
    return ApiResponse(202)
