"""Stored rows as the status JSON the service answers with (client.md)."""

from __future__ import annotations

import sqlite3
from typing import Any, Dict, List

from ..constants import OWNER_ID
from ..ids import format_time
from ..state.store import loads
from .states import FINAL, VM_RUNNING, State

__all__ = ["job", "task", "instance", "cluster", "vm", "image", "app", "metrics"]


def metrics(conn: sqlite3.Connection, sql: str, args: tuple) -> Dict[str, int]:
    """``{WaitingCount, RunningCount, FinishedCount, FailedCount, StoppedCount}`` of a GROUP BY state."""
    counts = {state + "Count": 0 for state in State}
    for state, count in conn.execute(sql, args):
        counts[state + "Count"] = count
    return counts


def job(conn: sqlite3.Connection, row: sqlite3.Row) -> Dict[str, Any]:
    return {
        "Id": row["id"],
        "Name": row["name"],
        "Owner": OWNER_ID,
        "Priority": row["priority"],
        "State": row["state"],
        "Message": row["message"],
        "Type": row["type"],
        "Description": row["summary"],
        "CreationTime": format_time(row["creation_time"]),
        "StartTime": format_time(row["start_time"]),
        "EndTime": format_time(row["end_time"]),
        "TaskMetrics": metrics(
            conn, "SELECT state, COUNT(*) FROM tasks WHERE job_id = ? GROUP BY state", (row["id"],)
        ),
        "InstanceMetrics": metrics(
            conn, "SELECT state, COUNT(*) FROM instances WHERE job_id = ? GROUP BY state", (row["id"],)
        ),
    }


def task(conn: sqlite3.Connection, row: sqlite3.Row) -> Dict[str, Any]:
    return {
        "TaskName": row["name"],
        "State": row["state"],
        "ClusterId": row["cluster_id"] or "",
        "StartTime": format_time(row["start_time"]),
        "EndTime": format_time(row["end_time"]),
        "InstanceMetrics": metrics(
            conn,
            "SELECT state, COUNT(*) FROM instances WHERE job_id = ? AND task = ? GROUP BY state",
            (row["job_id"], row["name"]),
        ),
    }


def instance(row: sqlite3.Row) -> Dict[str, Any]:
    done = row["state"] in FINAL
    return {
        "InstanceId": row["iid"],
        "State": row["state"],
        "StartTime": format_time(row["start_time"]),
        "EndTime": format_time(row["end_time"]),
        "RetryCount": row["retry_count"],
        "Progress": 100 if done else 0,
        "StdoutRedirectPath": row["stdout_path"],
        "StderrRedirectPath": row["stderr_path"],
        "Result": {
            "ExitCode": row["exit_code"],
            "ErrorCode": row["error_code"],
            "ErrorMessage": row["error_message"],
            "Detail": row["detail"],
        },
        "Error": {"Code": row["error_code"], "Message": row["error_message"]},
        "Outputs": {},
        "NodeIp": row["node_ip"],
    }


def vm(row: sqlite3.Row) -> Dict[str, Any]:
    return {
        "Id": row["id"],
        "Hint": "",
        "State": row["state"],
        "IpAddress": row["ip"],
        "HostName": row["host_name"],
        "ErrorCode": None,
        "ErrorMessage": "",
        "CreationTime": format_time(row["creation_time"]),
        "InstancePassword": "",
    }


def _group(desc: Dict[str, Any], actual: int) -> Dict[str, Any]:
    return {
        "DesiredVMCount": desc.get("DesiredVMCount", 0),
        "ActualVMCount": actual,
        "InstanceType": desc.get("InstanceType") or "",
        "ResourceType": desc.get("ResourceType") or "OnDemand",
        "SpotStrategy": desc.get("SpotStrategy") or "",
        "SpotPriceLimit": float(desc.get("SpotPriceLimit") or 0.0),
        "HostnamePrefix": desc.get("HostnamePrefix") or "",
        "Disks": desc.get("Disks") or {},
    }


def cluster(conn: sqlite3.Connection, row: sqlite3.Row) -> Dict[str, Any]:
    desc = loads(row["description"]) or {}
    counts = dict(
        conn.execute(
            "SELECT grp, COUNT(*) FROM vms WHERE cluster_id = ? AND state = ? GROUP BY grp",
            (row["id"], VM_RUNNING),
        ).fetchall()
    )
    groups = {name: _group(group, counts.get(name, 0)) for name, group in (desc.get("Groups") or {}).items()}
    return {
        "Id": row["id"],
        "Name": row["name"],
        "OwnerId": int(OWNER_ID),
        "Description": desc.get("Description") or "",
        "CreationTime": format_time(row["creation_time"]),
        "State": row["state"],
        "InstanceType": desc.get("InstanceType") or "",
        "ImageId": desc.get("ImageId") or "",
        "UserData": desc.get("UserData") or {},
        "EnvVars": desc.get("EnvVars") or {},
        "InputMapping": desc.get("InputMapping") or {},
        "InputMappingConfig": desc.get("InputMappingConfig") or {},
        "Notification": desc.get("Notification") or {},
        "Configs": desc.get("Configs") or {},
        "WriteSupport": bool(desc.get("WriteSupport", False)),
        "Bootstrap": desc.get("Bootstrap") or "",
        "SecurityGroup": "",
        "Groups": groups,
        "OperationLogs": [],
        "Metrics": {
            "RunningCount": sum(counts.values()),
            "StartingCount": 0,
            "StoppingCount": 0,
            "StoppedCount": 0,
        },
    }


def image(row: sqlite3.Row) -> Dict[str, Any]:
    body = loads(row["body"]) or {}
    return {
        "Id": row["id"],
        "Name": body.get("Name") or "",
        "Type": row["type"],
        "Description": body.get("Description") or "",
        "EcsImageId": body.get("EcsImageId") or "",
        "OwnerId": None if row["type"] == "System" else int(OWNER_ID),
        "Platform": body.get("Platform") or "Linux",
        "CreationTime": format_time(row["creation_time"]),
    }


def app(row: sqlite3.Row, revision: sqlite3.Row, scope: str = "Private") -> Dict[str, Any]:
    """The App's latest description plus Scope, Revision and times."""
    body = dict(loads(revision["body"]) or {})
    body.update(
        {
            "Name": row["name"],
            "Description": body.get("Description") or "",
            "Scope": scope,
            "Revision": revision["revision"],
            "CreationTime": format_time(row["creation_time"]),
            "UpdateTime": format_time(revision["update_time"]),
        }
    )
    return body


def revisions(rows: List[sqlite3.Row]) -> List[Dict[str, Any]]:
    return [{"Revision": row["revision"], "UpdateTime": format_time(row["update_time"])} for row in rows]
