"""Clusters and their VMs (cluster instances): /clusters/..."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterable

from ..errors import conflict, existing, not_found
from ..model import render
from ..model.clusters import ClusterSpec, check_change, check_cluster, hostname_prefix, vm_count
from ..state import clusters, tokens
from ..state.store import Connection, Row
from .base import ApiRequest, ApiResponse, Context, page_request

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


def _cluster(conn: Connection, cid: str) -> Row:
    return existing(clusters.find_cluster(conn, cid), "Cluster", cid)


def _group(conn: Connection, cid: str, group: str) -> Dict[str, Any]:
    """The cluster's description (404 when it has no such group)."""
    desc = clusters.description(_cluster(conn, cid))
    if group not in desc["Groups"]:
        raise not_found("Group", "%s of cluster %s" % (group, cid))
    return desc


def _vm(conn: Connection, cid: str, group: str, vid: str) -> Row:
    _group(conn, cid, group)
    return existing(
        clusters.find_vm(conn, cid, group, vid), "ClusterInstance", "%s of group %s of cluster %s" % (vid, group, cid)
    )


def _resize(conn: Connection, cid: str, desc: Dict[str, Any], groups: Iterable[str], now: float) -> None:
    """Give each of ``groups`` its DesiredVMCount of VMs."""
    for group in groups:
        clusters.resize_group(conn, cid, group, vm_count(desc, group), hostname_prefix(desc, cid, group), now)


def create_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    body, token = req.json(), req.token()
    spec = check_cluster(body, ctx.oss)
    with ctx.store.transaction() as conn:
        cid = tokens.create_once(conn, "cluster", token, body, lambda: _insert_cluster(conn, spec))
    ctx.scheduler.wake()
    return ApiResponse(201, {"Id": cid})


def _insert_cluster(conn: Connection, spec: ClusterSpec) -> str:
    now = time.time()
    cid = clusters.insert_cluster(conn, spec, now)
    _resize(conn, cid, spec.description, spec.description["Groups"], now)
    return cid


def _rendered(conn: Connection, row: Row) -> Any:
    return render.cluster(row, clusters.running_vm_counts(conn, row["id"]))


def list_clusters(ctx: Context, req: ApiRequest) -> ApiResponse:
    page = page_request(ctx, req.query)
    with ctx.store.read() as conn:
        rows, next_marker = clusters.list_clusters(conn, page)
        return ApiResponse(200, {"Items": [_rendered(conn, row) for row in rows], "NextMarker": next_marker})


def get_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(200, _rendered(conn, _cluster(conn, req.params["cluster"])))


def modify_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Groups (DesiredVMCount, InstanceType, SpotStrategy, SpotPriceLimit), UserData, EnvVars, ..."""
    change = check_change(req.json_object(), ctx.oss)
    with ctx.store.transaction() as conn:
        cid = req.params["cluster"]
        desc = clusters.description(_cluster(conn, cid))
        change.apply(desc, cid)
        clusters.set_description(conn, cid, desc)
        _resize(conn, cid, desc, change.groups, time.time())
    ctx.scheduler.wake()
    return ApiResponse(200)


def delete_cluster(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.transaction() as conn:
        cid = _cluster(conn, req.params["cluster"])["id"]
        busy = clusters.job_using(conn, cid)
        if busy:
            raise conflict("cluster %s is used by job %s, which has not ended" % (cid, busy))
        clusters.delete_cluster(conn, cid)
    return ApiResponse(204)


def list_cluster_instances(ctx: Context, req: ApiRequest) -> ApiResponse:
    """By slot; Marker = the slot of the next VM."""
    cid, group = req.params["cluster"], req.params["group"]
    page = page_request(ctx, req.query)
    with ctx.store.read() as conn:
        _group(conn, cid, group)
        rows, next_marker = clusters.list_vms(conn, cid, group, page)
        return ApiResponse(200, {"Items": [render.vm(row) for row in rows], "NextMarker": next_marker})


def get_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    with ctx.store.read() as conn:
        return ApiResponse(
            200, render.vm(_vm(conn, req.params["cluster"], req.params["group"], req.params["instance"]))
        )


def delete_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Remove a VM; its group's DesiredVMCount goes down by one."""
    cid, group = req.params["cluster"], req.params["group"]
    with ctx.store.transaction() as conn:
        vm = _vm(conn, cid, group, req.params["instance"])
        desc = _group(conn, cid, group)
        clusters.delete_vm(conn, cid, group, vm["id"])
        desc["Groups"][group]["DesiredVMCount"] = max(0, vm_count(desc, group) - 1)
        clusters.set_description(conn, cid, desc)
    return ApiResponse(204)


def recreate_cluster_instance(ctx: Context, req: ApiRequest) -> ApiResponse:
    """Replace a VM by a new one (new id) in the same slot."""
    cid, group = req.params["cluster"], req.params["group"]
    with ctx.store.transaction() as conn:
        vm = _vm(conn, cid, group, req.params["instance"])
        clusters.renew_vm(conn, cid, group, vm["id"], time.time())
    ctx.scheduler.wake()
    return ApiResponse(202)
