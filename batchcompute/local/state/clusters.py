"""Clusters and their VMs (the cluster instances of each group)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..ids import cluster_id as new_cluster_id
from ..ids import vm_id
from ..model.clusters import ClusterSpec
from ..model.jsontext import dumps, loads
from ..model.states import ACTIVE, CLUSTER_ACTIVE, VM_RUNNING
from .paging import Page, fetch_page
from .store import Connection, Row, first_row

__all__ = [
    "insert_cluster",
    "find_cluster",
    "description",
    "set_description",
    "resize_group",
    "list_clusters",
    "job_using",
    "delete_cluster",
    "find_vm",
    "list_vms",
    "delete_vm",
    "renew_vm",
    "running_vm_counts",
    "running_vms",
]


def insert_cluster(conn: Connection, spec: ClusterSpec, now: float) -> str:
    """Store a new Active cluster (without VMs: ``resize_group`` adds them); its new id."""
    cid = new_cluster_id()
    conn.execute(
        "INSERT INTO clusters (id, name, description, state, creation_time) VALUES (?, ?, ?, ?, ?)",
        (cid, spec.name, dumps(spec.description), CLUSTER_ACTIVE, now),
    )
    return cid


def find_cluster(conn: Connection, cid: str) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM clusters WHERE id = ?", (cid,)))


def description(row: Row) -> Dict[str, Any]:
    """The stored description of a cluster row."""
    return loads(row["description"]) or {}


def set_description(conn: Connection, cid: str, desc: Dict[str, Any]) -> None:
    conn.execute("UPDATE clusters SET description = ? WHERE id = ?", (dumps(desc), cid))


def resize_group(conn: Connection, cid: str, group: str, count: int, hostname_prefix: str, now: float) -> None:
    """Add or remove VMs (the last slots first) so that the group has ``count`` of them."""
    slots = [
        row[0]
        for row in conn.execute("SELECT slot FROM vms WHERE cluster_id = ? AND grp = ? ORDER BY slot", (cid, group))
    ]
    for slot in slots[count:]:
        conn.execute("DELETE FROM vms WHERE cluster_id = ? AND grp = ? AND slot = ?", (cid, group, slot))
    slot = (slots[-1] + 1) if slots else 0
    for _ in range(count - len(slots)):
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
                "%s%d" % (hostname_prefix, slot),
                now,
            ),
        )
        slot += 1


def list_clusters(conn: Connection, page: Page) -> Tuple[List[Row], str]:
    """Clusters, oldest first, and the NextMarker."""
    return fetch_page(conn, "clusters", "seq", page)


def job_using(conn: Connection, cid: str) -> Optional[str]:
    """The id of a job that has not ended and has a task on the cluster, if there is one."""
    row = conn.execute(
        "SELECT j.id FROM jobs j JOIN tasks t ON t.job_id = j.id WHERE t.cluster_id = ? AND j.state IN (?, ?) LIMIT 1",
        (cid, *ACTIVE),
    ).fetchone()
    return row[0] if row else None


def delete_cluster(conn: Connection, cid: str) -> None:
    conn.execute("DELETE FROM vms WHERE cluster_id = ?", (cid,))
    conn.execute("DELETE FROM clusters WHERE id = ?", (cid,))


def find_vm(conn: Connection, cid: str, group: str, vid: str) -> Optional[Row]:
    return first_row(conn.execute("SELECT * FROM vms WHERE cluster_id = ? AND grp = ? AND id = ?", (cid, group, vid)))


def list_vms(conn: Connection, cid: str, group: str, page: Page) -> Tuple[List[Row], str]:
    """The VMs of a group by slot, and the NextMarker (a slot)."""
    return fetch_page(conn, "vms", "slot", page, [("cluster_id = ?", cid), ("grp = ?", group)])


def delete_vm(conn: Connection, cid: str, group: str, vid: str) -> None:
    conn.execute("DELETE FROM vms WHERE cluster_id = ? AND grp = ? AND id = ?", (cid, group, vid))


def renew_vm(conn: Connection, cid: str, group: str, vid: str, now: float) -> None:
    """Replace a VM by a new one (a new id) in the same slot."""
    conn.execute(
        "UPDATE vms SET id = ?, creation_time = ?, state = ? WHERE cluster_id = ? AND grp = ? AND id = ?",
        (vm_id(), now, VM_RUNNING, cid, group, vid),
    )


def running_vm_counts(conn: Connection, cid: str) -> Dict[str, int]:
    """Group name -> how many of its VMs run."""
    return dict(
        conn.execute(
            "SELECT grp, COUNT(*) FROM vms WHERE cluster_id = ? AND state = ? GROUP BY grp", (cid, VM_RUNNING)
        ).fetchall()
    )


def running_vms(conn: Connection, cid: str) -> List[Tuple[str, str]]:
    """(id, ip) of the cluster's running VMs, by group and slot: where its instances run."""
    return [
        (row["id"], row["ip"])
        for row in conn.execute(
            "SELECT id, ip FROM vms WHERE cluster_id = ? AND state = ? ORDER BY grp, slot", (cid, VM_RUNNING)
        )
    ]
