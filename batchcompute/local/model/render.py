"""Stored rows as the status JSON the service answers with (client.md).

A row is a mapping of column names to values, as the store reads it; counts map a state to how
many tasks or instances are in it.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, List, Mapping, Optional, Protocol

from ..constants import OWNER_ID
from ..ids import format_time
from .images import SYSTEM
from .job_description import completed_app_job, completed_dag_job
from .jsontext import loads
from .states import FINAL, STATES, State

__all__ = [
    "job",
    "job_description",
    "task",
    "instance",
    "sync_instance",
    "cluster",
    "vm",
    "image",
    "app",
    "revisions",
    "metrics",
]


class Row(Protocol):
    """A stored row: its columns by name (``sqlite3.Row`` is one)."""

    def __getitem__(self, key: str) -> Any: ...

    def keys(self) -> List[str]: ...


#: (state, its metric's key), computed once: every job and task answer has two metrics.
_METRIC_KEYS = tuple((state, state + "Count") for state in STATES)


def metrics(counts: Mapping[str, int]) -> Dict[str, int]:
    """``{WaitingCount, RunningCount, FinishedCount, FailedCount, StoppedCount}`` of state counts."""
    return {key: counts.get(state, 0) for state, key in _METRIC_KEYS}


def job(row: Row, task_counts: Mapping[str, int], instance_counts: Mapping[str, int]) -> Dict[str, Any]:
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
        "TaskMetrics": metrics(task_counts),
        "InstanceMetrics": metrics(instance_counts),
    }


def job_description(job: Row, app_task: Optional[Row]) -> Dict[str, Any]:
    """The description a job was created with, completed with the service's defaults; an App job's
    Config with what its task (``app_task``) runs with."""
    desc = loads(job["description"])
    if job["type"] == "App" and app_task is not None:
        return completed_app_job(desc, app_task["instance_count"], app_task["max_retry"], app_task["timeout"])
    return completed_dag_job(desc)


def task(row: Row, instance_counts: Mapping[str, int]) -> Dict[str, Any]:
    return {
        "TaskName": row["name"],
        "State": row["state"],
        "ClusterId": row["cluster_id"] or "",
        "StartTime": format_time(row["start_time"]),
        "EndTime": format_time(row["end_time"]),
        "InstanceMetrics": metrics(instance_counts),
    }


def instance(row: Row) -> Dict[str, Any]:
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


def sync_instance(job_id: str, job: Optional[Row], first_instance: Optional[Row], request_id: str) -> Dict[str, Any]:
    """The SynchronousInstance of create_job_sync: the job's state and times, its first instance's
    result, the App's outputs. A job that is gone (AutoRelease) has Finished."""
    answer: Dict[str, Any] = {
        "JobId": job_id,
        "RequestId": request_id,
        "State": State.FINISHED,
        "StartTime": "",
        "EndTime": "",
        "Result": {"ExitCode": 0, "ErrorCode": "", "ErrorMessage": "", "Detail": ""},
        "Error": {"Code": "", "Message": ""},
        "Outputs": {},
    }
    if job is None:
        return answer
    if first_instance is not None:
        shown = instance(first_instance)
        answer.update(Result=shown["Result"], Error=shown["Error"])
    outputs = ((loads(job["description"]) or {}).get("App") or {}).get("Outputs") or {}
    answer.update(
        State=job["state"],
        StartTime=format_time(job["start_time"]),
        EndTime=format_time(job["end_time"]),
        Outputs=outputs,
    )
    return answer


def vm(row: Row) -> Dict[str, Any]:
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


def _price(value: Any) -> float:
    """A group's SpotPriceLimit (checked when stored; a database of an older version may hold text
    there, which must not break every cluster list)."""
    try:
        price = float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0
    return price if math.isfinite(price) else 0.0


def _group(desc: Dict[str, Any], actual: int) -> Dict[str, Any]:
    return {
        "DesiredVMCount": desc.get("DesiredVMCount", 0),
        "ActualVMCount": actual,
        "InstanceType": desc.get("InstanceType") or "",
        "ResourceType": desc.get("ResourceType") or "OnDemand",
        "SpotStrategy": desc.get("SpotStrategy") or "",
        "SpotPriceLimit": _price(desc.get("SpotPriceLimit")),
        "HostnamePrefix": desc.get("HostnamePrefix") or "",
        "Disks": desc.get("Disks") or {},
    }


def cluster(row: Row, counts: Mapping[str, int]) -> Dict[str, Any]:
    """A cluster; ``counts``: group name -> its running VMs."""
    desc = loads(row["description"]) or {}
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


def image(row: Row) -> Dict[str, Any]:
    body = loads(row["body"]) or {}
    return {
        "Id": row["id"],
        "Name": body.get("Name") or "",
        "Type": row["type"],
        "Description": body.get("Description") or "",
        "EcsImageId": body.get("EcsImageId") or "",
        "OwnerId": None if row["type"] == SYSTEM else int(OWNER_ID),
        "Platform": body.get("Platform") or "Linux",
        "CreationTime": format_time(row["creation_time"]),
    }


def app(row: Row, revision: Row, scope: str = "Private") -> Dict[str, Any]:
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


def revisions(rows: Iterable[Row]) -> List[Dict[str, Any]]:
    return [{"Revision": row["revision"], "UpdateTime": format_time(row["update_time"])} for row in rows]
