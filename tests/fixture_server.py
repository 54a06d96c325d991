"""A recording HTTP server that answers like BatchCompute with canned JSON, for tests.

``RecordingServer`` listens on 127.0.0.1 (a free port), records every request exactly as it
arrived (method, path-and-query as sent, headers in order and case, body text) and answers with
whatever its ``responder`` returns for it. The default responder, ``canned_answer``, knows every
route of the API and returns realistic bodies (status objects with time strings, list pages with
``NextMarker``, ``{"Id": ...}`` for creates); ``replay_responder`` serves answers recorded earlier.

Only the standard library is used, so ``tests/compat/record_requests.py`` can import this module
from another interpreter; the pytest fixture ``recording_server`` is defined when pytest is there::

    from fixture_server import recording_server  # noqa: F401  (makes the fixture available)

    def test_something(recording_server):
        client = make_client(port=recording_server.port)
        ...
        assert recording_server.requests[-1]["path"] == "/jobs"
"""

from __future__ import annotations

import copy
import http.server
import json
import socketserver
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

__all__ = [
    "RecordingServer",
    "canned_answer",
    "replay_responder",
    "json_answer",
    "error_answer",
    "html_answer",
    "split_target",
    "header",
    "JOB_ID",
    "JOB_ID_2",
    "RUNNING_JOB_ID",
    "FAILED_JOB_ID",
    "STOPPED_JOB_ID",
    "APP_JOB_ID",
    "CLUSTER_ID",
    "IMAGE_ID",
    "APP_NAME",
    "REQUEST_ID",
    "RESPONSE_DATE",
    "NEXT_MARKER",
    "CONFIGURED_CLUSTER_ID",
    "FAILED_INSTANCE_ID",
    "FULL_APP_NAME",
]

Answer = Dict[str, Any]  # {"status": int, "headers": [[name, value], ...], "body": str}
Request = Dict[str, Any]  # {"method": str, "path": str, "headers": [[name, value], ...], "body": str}
Responder = Callable[[Request], Answer]

# Every method client.md documents (get_regions is a static helper of the Client).
DOCUMENTED_METHODS = frozenset(
    {
        "create_job",
        "get_job",
        "get_job_description",
        "list_jobs",
        "start_job",
        "stop_job",
        "delete_job",
        "change_job_priority",
        "get_task",
        "list_tasks",
        "get_instance",
        "list_instances",
        "create_cluster",
        "get_cluster",
        "list_clusters",
        "delete_cluster",
        "modify_cluster",
        "change_cluster_desired_vm_count",
        "change_cluster_spot_config",
        "change_cluster_user_data",
        "change_cluster_input_mapping",
        "change_cluster_env_vars",
        "get_cluster_instance",
        "list_cluster_instances",
        "recreate_cluster_instance",
        "delete_cluster_instance",
        "create_image",
        "get_image",
        "list_images",
        "delete_image",
        "create_app",
        "get_app",
        "get_app_detail",
        "get_app_revisions",
        "list_apps",
        "modify_app",
        "delete_app",
        "get_quotas",
        "get_available_resource",
        "easy_list",
        "poll",
        "get_regions",
    }
)

JOB_ID = "job-0000000058184218000008150000000D"
JOB_ID_2 = "job-0000000058184218000008150000000E"
RUNNING_JOB_ID = "job-000000005818421800000815000000A1"
FAILED_JOB_ID = "job-000000005818421800000815000000F1"
STOPPED_JOB_ID = "job-000000005818421800000815000000C1"
APP_JOB_ID = "job-000000005818421800000815000000AA"
CLUSTER_ID = "cls-hs4hl2dnaq3b6ad9tim002"
IMAGE_ID = "img-6ki7ji8vkigkmle9ukm00m"
APP_NAME = "echo"
REQUEST_ID = "58184218-0815-4D2E-9B4A-0000000000D1"
RESPONSE_DATE = "Tue, 01 Nov 2016 15:25:04 GMT"
NEXT_MARKER = "AQ1mb28tYmFyLTAwMDAy"
# Variants with every optional part the service can send, for the status-object tests: a cluster
# with Configs (Disks, Networks with an empty Classic, Mounts), Notification, groups with Disks and
# operation logs; a failed instance with Result, Error and no outputs; an App with parameters,
# Docker, VM and every config.
CONFIGURED_CLUSTER_ID = "cls-hs4hl2dnaq3b6ad9tim0c1"
FAILED_INSTANCE_ID = 9
FULL_APP_NAME = "ffmpeg"

CREATION_TIME = "2016-11-01T15:25:03.020203Z"
START_TIME = "2016-11-01T15:25:05.500000Z"
END_TIME = "2016-11-01T15:31:42.123456Z"
JOB_STATES = {RUNNING_JOB_ID: "Running", FAILED_JOB_ID: "Failed", STOPPED_JOB_ID: "Stopped"}


# -- answers -------------------------------------------------------------------------------------


def json_answer(
    status: int, obj: Any = None, request_id: Optional[str] = REQUEST_ID, request_id_header: str = "x-acs-request-id"
) -> Answer:
    """An answer with a JSON body (``obj`` None: empty body)."""
    headers = [["Content-Type", "application/json"], ["Date", RESPONSE_DATE]]
    if request_id is not None:
        headers.append([request_id_header, request_id])
    return {"status": status, "headers": headers, "body": "" if obj is None else json.dumps(obj)}


_SAME: Any = object()


def error_answer(
    status: int,
    code: Optional[str],
    message: Optional[str],
    request_id: Optional[str] = REQUEST_ID,
    body_request_id: Any = _SAME,
) -> Answer:
    """The service's error body ``{"Code", "Message", "RequestId"}`` (None leaves a key out);
    ``request_id`` goes in the ``x-acs-request-id`` header and, unless ``body_request_id`` says
    otherwise, in the body."""
    body_id = request_id if body_request_id is _SAME else body_request_id
    body: Dict[str, Any] = {}
    if code is not None:
        body["Code"] = code
    if message is not None:
        body["Message"] = message
    if body_id is not None:
        body["RequestId"] = body_id
    return json_answer(status, body, request_id)


def html_answer(status: int = 502) -> Answer:
    """An HTML error page, as a proxy in front of the service sends it."""
    body = (
        "<html>\r\n<head><title>%d Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>%d Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n"
        "</body>\r\n</html>\r\n" % (status, status)
    )
    return {"status": status, "headers": [["Content-Type", "text/html"], ["Date", RESPONSE_DATE]], "body": body}


def split_target(target: str) -> Tuple[str, Dict[str, Optional[str]]]:
    """``'/jobs?Marker&MaxItemCount=10'`` -> ``('/jobs', {'Marker': None, 'MaxItemCount': '10'})``."""
    path, _, query = target.partition("?")
    params: Dict[str, Optional[str]] = {}
    for item in query.split("&") if query else ():
        key, eq, value = item.partition("=")
        params[unquote(key)] = unquote(value) if eq else None
    return path, params


def header(headers: List[List[str]], name: str) -> Optional[str]:
    """The value of header ``name`` (case-insensitive) in a recorded header list, or None."""
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def _metrics(**counts: int) -> Dict[str, int]:
    metrics = {"WaitingCount": 0, "RunningCount": 0, "FinishedCount": 0, "FailedCount": 0, "StoppedCount": 0}
    metrics.update(counts)
    return metrics


def job_status(job_id: str = JOB_ID, state: Optional[str] = None) -> Dict[str, Any]:
    state = state or JOB_STATES.get(job_id, "Finished")
    done = state in ("Finished", "Failed", "Stopped")
    return {
        "Id": job_id,
        "Name": "log-count",
        "Owner": "1234567890123456",
        "Priority": 1,
        "State": state,
        "Message": "Instance failed" if state == "Failed" else "",
        "CreationTime": CREATION_TIME,
        "StartTime": START_TIME,
        "EndTime": END_TIME if done else "",
        "TaskMetrics": _metrics(**{state + "Count": 1}) if state != "Waiting" else _metrics(WaitingCount=1),
        "InstanceMetrics": _metrics(**{state + "Count": 2}) if state != "Waiting" else _metrics(WaitingCount=2),
    }


def task_status(name: str = "split", state: str = "Finished") -> Dict[str, Any]:
    return {
        "TaskName": name,
        "State": state,
        "StartTime": START_TIME,
        "EndTime": END_TIME if state != "Running" else "",
        "InstanceMetrics": _metrics(FinishedCount=2),
    }


def instance_status(instance_id: int = 0, state: str = "Finished") -> Dict[str, Any]:
    if instance_id == FAILED_INSTANCE_ID:
        return {
            "InstanceId": instance_id,
            "State": "Failed",
            "StartTime": START_TIME,
            "EndTime": END_TIME,
            "RetryCount": 1,
            "Progress": 0,
            "StdoutRedirectPath": "oss://my-bucket/log-count/stdout/",
            "StderrRedirectPath": "oss://my-bucket/log-count/stderr/",
            "Result": {
                "ExitCode": 1,
                "ErrorCode": "ExitCodeNotZero",
                "ErrorMessage": "exit code 1",
                "Detail": "Traceback (most recent call last): ...",
            },
            "Error": {"Code": "InstanceFailed", "Message": "The instance exited with code 1"},
            "Outputs": {},
            "NodeIp": "10.163.14.29",
        }
    return {
        "InstanceId": instance_id,
        "State": state,
        "StartTime": START_TIME,
        "EndTime": END_TIME,
        "RetryCount": 0,
        "Progress": 100,
        "StdoutRedirectPath": "oss://my-bucket/log-count/stdout/",
        "StderrRedirectPath": "oss://my-bucket/log-count/stderr/",
        "Result": {"ExitCode": 0, "ErrorCode": "", "ErrorMessage": "", "Detail": ""},
        "Outputs": {"outputFile": "oss://my-bucket/log-count/out-%d.txt" % instance_id},
        "NodeIp": "10.163.14.%d" % (20 + instance_id),
    }


def _configured_cluster(cluster_id: str) -> Dict[str, Any]:
    disks = {
        "SystemDisk": {"Type": "cloud_efficiency", "Size": 40},
        "DataDisk": {"Type": "cloud_ssd", "Size": 100, "MountPoint": "/home/data"},
    }
    return {
        "Id": cluster_id,
        "Name": "cluster-configured",
        "OwnerId": 1234567890123456,
        "Description": "cluster with every part",
        "CreationTime": CREATION_TIME,
        "State": "Active",
        "InstanceType": "",
        "ImageId": "img-ubuntu",
        "UserData": {"role": "worker"},
        "EnvVars": {},
        "InputMapping": {"oss://my-bucket/data/": "/home/data/"},
        "InputMappingConfig": {"Locale": "UTF-8", "Lock": True},
        "Notification": {
            "Topic": {
                "Name": "cluster-events",
                "Endpoint": "http://1234.mns.cn-qingdao.aliyuncs.com/",
                "Events": ["OnClusterDeleted", "OnInstanceCreated"],
            }
        },
        "Configs": {
            "Disks": disks,
            "Networks": {"Classic": {}, "VPC": {"CidrBlock": "192.168.0.0/16", "VpcId": "vpc-2zeaqp1kdwwg1g9ao8ft0"}},
            "Mounts": {
                "Entries": [
                    {"Source": "oss://my-bucket/shared/", "Destination": "/home/shared/", "WriteSupport": False}
                ],
                "Locale": "UTF-8",
                "Lock": False,
            },
        },
        "WriteSupport": True,
        "Bootstrap": "oss://my-bucket/bootstrap.sh",
        "SecurityGroup": "sg-2ze5ck4xqcklbtlprc3k",
        "Groups": {
            "group1": {
                "DesiredVMCount": 2,
                "ActualVMCount": 2,
                "InstanceType": "ecs.sn1.medium",
                "ResourceType": "OnDemand",
                "SpotStrategy": "",
                "SpotPriceLimit": 0.0,
                "Disks": disks,
            },
            "spot": {
                "DesiredVMCount": 3,
                "ActualVMCount": 1,
                "InstanceType": "ecs.sn2.large",
                "ResourceType": "Spot",
                "SpotStrategy": "SpotWithPriceLimit",
                "SpotPriceLimit": 0.25,
                "Disks": {"SystemDisk": {"Type": "cloud_ssd", "Size": 50}},
            },
        },
        "OperationLogs": [
            {"Time": CREATION_TIME, "Level": "Info", "Message": "cluster created"},
            {"Time": START_TIME, "Level": "Warning", "Message": "spot instance released"},
        ],
        "Metrics": {"RunningCount": 3, "StartingCount": 0, "StoppingCount": 0, "StoppedCount": 0},
    }


def cluster_status(cluster_id: str = CLUSTER_ID) -> Dict[str, Any]:
    if cluster_id == CONFIGURED_CLUSTER_ID:
        return _configured_cluster(cluster_id)
    return {
        "Id": cluster_id,
        "Name": "cluster-1",
        "OwnerId": 1234567890123456,
        "Description": "test cluster",
        "CreationTime": CREATION_TIME,
        "State": "Active",
        "InstanceType": "",
        "ImageId": "img-ubuntu",
        "UserData": {"role": "worker"},
        "EnvVars": {"LANG": "C"},
        "Groups": {
            "group1": {
                "DesiredVMCount": 2,
                "ActualVMCount": 2,
                "InstanceType": "ecs.sn1.medium",
                "ResourceType": "OnDemand",
                "SpotStrategy": "",
                "SpotPriceLimit": 0.0,
            }
        },
        "Metrics": {"RunningCount": 2, "StartingCount": 0, "StoppingCount": 0, "StoppedCount": 0},
    }


def cluster_instance_status(instance_id: str = "i-2ze5ck4xqcklbtlprc3k") -> Dict[str, Any]:
    return {
        "Id": instance_id,
        "State": "Running",
        "IpAddress": "10.163.14.22",
        "HostName": "iZ2ze5ck4xqcklbtlprc3kZ",
        "ErrorCode": 0,
        "ErrorMessage": "",
        "CreationTime": CREATION_TIME,
    }


def image_status(image_id: str = IMAGE_ID) -> Dict[str, Any]:
    return {
        "Id": image_id,
        "Name": "ubuntu-python",
        "Type": "Self",
        "Description": "Ubuntu with python",
        "EcsImageId": "m-28sq8qx5xg0",
        "OwnerId": 1234567890123456,
        "Platform": "Linux",
        "CreationTime": CREATION_TIME,
    }


def app_status(name: str = APP_NAME) -> Dict[str, Any]:
    if name == FULL_APP_NAME:
        return dict(app_description(name), CreationTime=CREATION_TIME, UpdateTime=END_TIME)
    return {"Name": name, "Description": "echo an input file", "CreationTime": CREATION_TIME}


def _config(default: Any, description: str = "", overwritable: bool = True) -> Dict[str, Any]:
    return {"Default": default, "Description": description, "Overwritable": overwritable}


def _full_app_description(name: str) -> Dict[str, Any]:
    return {
        "Name": name,
        "Description": "transcode a video",
        "CommandLine": "ffmpeg -i ${input} -b:v ${bitrate} ${output}",
        "InputParameters": {
            "input": {
                "Description": "the video",
                "Type": "String",
                "Default": "oss://my-bucket/in.mp4",
                "LocalPath": "/home/input/",
            },
            "bitrate": {"Description": "kbit/s", "Type": "Number", "Default": 800, "LocalPath": ""},
        },
        "OutputParameters": {
            "output": {"Description": "the result", "Type": "String", "Default": None, "LocalPath": "/home/output/"}
        },
        "Docker": {"Image": "localhost:5000/ffmpeg", "RegistryOSSPath": "oss://my-bucket/registry/"},
        "VM": {"ECSImageId": "m-28sq8qx5xg0"},
        "EnvVars": {"LANG": "C.UTF-8"},
        "Daemonize": True,
        "Config": {
            "ResourceType": _config("OnDemand"),
            "InstanceType": _config("ecs.sn1.medium", "type", True),
            "InstanceCount": _config(1, "", False),
            "MinDiskSize": _config(40),
            "DiskType": _config("cloud_efficiency"),
            "MinDataDiskSize": _config(0),
            "DataDiskType": _config("cloud_efficiency"),
            "DataDiskMountPoint": _config(""),
            "MaxRetryCount": _config(2),
            "Timeout": _config(86400, "seconds"),
        },
    }


def app_description(name: str = APP_NAME) -> Dict[str, Any]:
    if name == FULL_APP_NAME:
        return _full_app_description(name)
    return {
        "Name": name,
        "Description": "echo an input file",
        "CommandLine": "cat ${inputFile}",
        "InputParameters": {
            "inputFile": {"Description": "", "Type": "String", "Default": "oss://my-bucket/in.txt", "LocalPath": ""}
        },
        "OutputParameters": {},
        "VM": {"ECSImageId": "m-28sq8qx5xg0"},
        "EnvVars": {},
        "Daemonize": False,
        "Config": {
            "InstanceType": {"Default": "ecs.sn1.medium", "Description": "", "Overwritable": True},
            "Timeout": {"Default": 3600, "Description": "", "Overwritable": True},
        },
    }


def job_description(job_id: str = JOB_ID) -> Dict[str, Any]:
    if job_id == APP_JOB_ID:
        return {
            "Name": "echo-job",
            "Description": "run echo",
            "Priority": 0,
            "Type": "App",
            "JobFailOnInstanceFail": True,
            "AutoRelease": False,
            "App": {
                "AppName": APP_NAME,
                "Inputs": {"inputFile": "oss://my-bucket/in.txt"},
                "Outputs": {},
                "Config": {"InstanceCount": 1},
            },
        }
    command = {
        "CommandLine": "python split.py",
        "PackagePath": "oss://my-bucket/log-count/worker.tar.gz",
        "EnvVars": {},
        "Docker": {"Image": ""},
    }
    return {
        "Name": "log-count",
        "Description": "count words",
        "Priority": 1,
        "Type": "DAG",
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "DAG": {
            "Tasks": {
                "split": {
                    "InstanceCount": 1,
                    "MaxRetryCount": 0,
                    "Timeout": 3600,
                    "ClusterId": CLUSTER_ID,
                    "InputMapping": {},
                    "OutputMapping": {},
                    "LogMapping": {},
                    "Parameters": {
                        "Command": command,
                        "InputMappingConfig": {"Locale": "GBK", "Lock": False},
                        "StdoutRedirectPath": "oss://my-bucket/log-count/stdout/",
                        "StderrRedirectPath": "oss://my-bucket/log-count/stderr/",
                    },
                }
            },
            "Dependencies": {},
        },
    }


def sync_instance() -> Dict[str, Any]:
    return {
        "JobId": APP_JOB_ID,
        "State": "Finished",
        "StartTime": START_TIME,
        "EndTime": END_TIME,
        "Result": {"ExitCode": 0, "ErrorCode": "", "ErrorMessage": "", "Detail": ""},
        "Outputs": {"outputFile": "oss://my-bucket/out.txt"},
    }


def quotas() -> Dict[str, Any]:
    return {
        "AvailableClusterInstanceType": ["ecs.sn1.medium", "ecs.sn2.large"],
        "AvailableSpotInstanceType": ["ecs.sn1.medium"],
        "AvailablePrepaidInstanceType": [],
        "AvailableResourceType": ["OnDemand", "Spot"],
    }


def available_resource() -> Dict[str, Any]:
    def instance_type(name: str, cpu: int, memory: int) -> Dict[str, Any]:
        return {"CpuCore": cpu, "InstanceType": name, "MemorySize": memory, "Network": {"Classic": True, "Vpc": True}}

    return {
        "AvailableClusterInstanceType": [instance_type("ecs.sn1.medium", 2, 4), instance_type("ecs.sn2.large", 4, 16)],
        "AvailableSpotInstanceType": [instance_type("ecs.sn1.medium", 2, 4)],
        "AvailablePrepaidInstanceType": [],
        "AvailableResourceType": ["OnDemand", "Spot"],
        "AvailableSystemDiskType": ["cloud_efficiency", "cloud_ssd"],
        "AvailableDataDiskType": ["cloud_efficiency", "cloud_ssd"],
    }


def _page(query: Dict[str, Optional[str]], first: List[Any], rest: List[Any]) -> Dict[str, Any]:
    """Two-page listings: a blank (or ``0``) Marker gives page one, any other marker the last page."""
    if (query.get("Marker") or "").strip() in ("", "0"):
        return {"Items": first, "NextMarker": NEXT_MARKER}
    return {"Items": rest, "NextMarker": ""}


def canned_answer(request: Request) -> Answer:
    """The default answer for a request: a realistic success body for every route of the API."""
    method = request["method"]
    path, query = split_target(request["path"])
    parts = [part for part in path.split("/") if part]
    n = len(parts)
    if not parts:
        return error_answer(400, "InvalidUrlPattern", "The url pattern is invalid")
    kind = parts[0]

    if kind == "jobs":
        if n == 1 and method == "POST":
            return json_answer(201, sync_instance() if "sync" in query else {"Id": JOB_ID})
        if n == 1 and method == "GET":
            return json_answer(
                200, _page(query, [job_status(JOB_ID), job_status(RUNNING_JOB_ID)], [job_status(JOB_ID_2)])
            )
        if n == 2 and method == "GET":
            if "description" in query:
                return json_answer(200, job_description(parts[1]))
            return json_answer(200, job_status(parts[1]))
        if n == 2 and method == "PUT":
            return json_answer(200, {})
        if n == 2 and method == "DELETE":
            return json_answer(204)
        if n == 3 and method == "POST" and parts[2] in ("start", "stop"):
            return json_answer(202)
        if n == 3 and method == "GET" and parts[2] == "tasks":
            return json_answer(
                200,
                _page(
                    query, [task_status("split"), task_status("count", "Running")], [task_status("merge", "Waiting")]
                ),
            )
        if n == 4 and method == "GET" and parts[2] == "tasks":
            return json_answer(200, task_status(parts[3]))
        if n == 5 and method == "GET" and parts[4] == "instances":
            return json_answer(200, _page(query, [instance_status(0), instance_status(1)], [instance_status(2)]))
        if n == 6 and method == "GET" and parts[4] == "instances":
            return json_answer(200, instance_status(int(parts[5]) if parts[5].isdigit() else 0))
    elif kind == "clusters":
        if n == 1 and method == "POST":
            return json_answer(201, {"Id": CLUSTER_ID})
        if n == 1 and method == "GET":
            return json_answer(200, _page(query, [cluster_status()], [cluster_status("cls-hs4hl2dnaq3b6ad9tim003")]))
        if n == 2 and method == "GET":
            return json_answer(200, cluster_status(parts[1]))
        if n == 2 and method == "PUT":
            return json_answer(200, {})
        if n == 2 and method == "DELETE":
            return json_answer(204)
        if n == 5 and parts[2] == "groups" and parts[4] == "instances" and method == "GET":
            return json_answer(
                200, _page(query, [cluster_instance_status()], [cluster_instance_status("i-2ze5ck4xqcklbtlprc3m")])
            )
        if n == 6 and parts[2] == "groups" and method == "GET":
            return json_answer(200, cluster_instance_status(parts[5]))
        if n == 6 and parts[2] == "groups" and method == "DELETE":
            return json_answer(204)
        if n == 7 and parts[2] == "groups" and parts[6] == "recreate" and method == "POST":
            return json_answer(202)
    elif kind == "images":
        if n == 1 and method == "POST":
            return json_answer(201, {"Id": IMAGE_ID})
        if n == 1 and method == "GET":
            return json_answer(200, _page(query, [image_status()], [image_status("img-6ki7ji8vkigkmle9ukm00n")]))
        if n == 2 and method == "GET":
            return json_answer(200, image_status(parts[1]))
        if n == 2 and method == "DELETE":
            return json_answer(204)
    elif kind == "apps":
        if n == 1 and method == "POST":
            try:
                name = json.loads(request.get("body") or "{}").get("Name", APP_NAME)
            except ValueError:
                name = APP_NAME
            return json_answer(201, {"Name": name})
        if n == 1 and method == "GET":
            return json_answer(200, _page(query, [app_status(), app_status("wordcount")], [app_status("grep")]))
        if n == 2 and method == "GET":
            if "Detail" in query:
                return json_answer(200, app_description(parts[1]))
            if "Revisions" in query:
                return json_answer(
                    200,
                    {
                        "Items": [
                            {"Revision": 1, "UpdateTime": CREATION_TIME},
                            {"Revision": 2, "UpdateTime": END_TIME},
                        ],
                        "NextMarker": "",
                    },
                )
            return json_answer(200, app_status(parts[1]))
        if n == 2 and method == "PUT":
            return json_answer(200, {})
        if n == 2 and method == "DELETE":
            return json_answer(204)
    elif n == 1 and kind == "quotas" and method == "GET":
        return json_answer(200, quotas())
    elif n == 1 and kind == "available" and method == "GET":
        return json_answer(200, available_resource())
    return error_answer(400, "InvalidUrlPattern", "The url pattern %s %s is invalid" % (method, path))


def replay_responder(exchanges: List[Dict[str, Any]]) -> Responder:
    """Serve recorded answers: the first unused one recorded for the same method and path-and-query
    (the last one again when all were used, as for a retry); 599 when nothing was recorded for it."""
    pending = [dict(exchange, used=False) for exchange in exchanges]
    lock = threading.Lock()

    def respond(request: Request) -> Answer:
        with lock:
            same = [
                ex
                for ex in pending
                if ex["request"]["method"] == request["method"] and ex["request"]["path"] == request["path"]
            ]
            for exchange in same:
                if not exchange["used"]:
                    exchange["used"] = True
                    return copy.deepcopy(exchange["response"])
            if same:
                return copy.deepcopy(same[-1]["response"])
        what = "%s %s" % (request["method"], request["path"])
        return error_answer(599, "NoRecordedAnswer", "nothing recorded for " + what)

    return respond


# -- server --------------------------------------------------------------------------------------


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "RecordingServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up (timeout tests)
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections are dropped after this
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall between them

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if not size:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        owner = self.server.owner  # type: ignore[attr-defined]
        body = self._read_body()
        request = {
            "method": self.command,
            "path": self.path,
            "headers": [[key, value] for key, value in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        }
        try:
            answer = owner.responder(request)
        except Exception as exc:  # a broken responder must not hang the client
            answer = error_answer(500, "FixtureError", repr(exc))
        owner._record(request, answer)
        payload = answer.get("body", "")
        data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
        status = int(answer["status"])
        self.send_response_only(status)
        for key, value in answer.get("headers", []):
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        no_body = status in (204, 304) or 100 <= status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


class RecordingServer:
    """A threaded HTTP server on ``host`` (free port) that records requests and answers them.

    ``responder(request) -> answer`` may be replaced at any time; ``exchanges`` holds
    ``{"request": ..., "response": ...}`` pairs in arrival order, ``requests`` just the requests.
    Use as a context manager or call ``start()`` / ``stop()``.
    """

    def __init__(self, responder: Optional[Responder] = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.responder: Responder = responder or canned_answer
        self.exchanges: List[Dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    def _record(self, request: Request, answer: Answer) -> None:
        with self._lock:
            self.exchanges.append({"request": request, "response": copy.deepcopy(answer)})

    @property
    def requests(self) -> List[Request]:
        with self._lock:
            return [exchange["request"] for exchange in self.exchanges]

    def clear(self, responder: Optional[Responder] = None) -> None:
        """Forget what was recorded; install ``responder`` (default: the canned answers)."""
        with self._lock:
            self.exchanges = []
        self.responder = responder or canned_answer

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return "http://%s:%d" % (self.host, self.port)

    def start(self) -> "RecordingServer":
        self._server = _Server((self.host, 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="recording-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> "RecordingServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


try:
    import pytest
except ImportError:  # pragma: no cover - the recorder's interpreter has no pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:
    __all__.append("recording_server")

    @pytest.fixture
    def recording_server():
        """A started RecordingServer with the canned answers; stopped after the test."""
        server = RecordingServer().start()
        try:
            yield server
        finally:
            server.stop()
