"""Record golden request/response fixtures from the official BatchCompute SDK (2.1.7).

Run it with the interpreter of a virtualenv where the official ``batchcompute==2.1.7`` is
installed (NOT this project), with the time zone fixed to UTC, from the repository root::

    TZ=UTC /path/to/official-venv/bin/python tests/compat/record_requests.py [case-name-prefix ...]

It starts a small recording HTTP server (``tests/fixture_server.py``) on 127.0.0.1 that records every
request exactly as sent and answers with canned JSON, points the official client at it with
``Client.register_region('local', '127.0.0.1', port)``, calls every client method with
representative arguments (the ``CASES`` below) and writes one file per case to
``tests/data/golden/requests/<case>.json`` holding:

- ``client``: the key id, secret and other constructor settings (region, token, extra headers, version);
- ``call``: method name, args and kwargs as JSON data; a description object is
  ``{"$desc": "<class>", "json": <its JSON>}``, an object with an ``Id`` is ``{"$has_id": "<id>"}``,
  a predicate is ``{"$endswith": "<suffix>"}``;
- ``exchanges``: every request (method, path-and-query as sent, headers in order, body text) with
  the canned answer it got (status, headers, body text);
- ``outcome``: what the official SDK made of the answers: the result's type name, StatusCode,
  RequestId, Date, Id/Name, Items and NextMarker, every attribute named in the answer body
  (datetimes as ``{"$datetime": isoformat}``), or the exception (ClientError status, code,
  request_id, msg).

``tests/test_wire_golden.py`` checks this project against the files: it recomputes each recorded
signature, replays each call with this project's client against the same answers and compares
requests and outcomes. The functions used to run a case and describe its outcome (``run_case``,
``summarize``, ``decode``) live here so both sides use the same code; they only need the module
(``batchcompute``) that is passed in.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
GOLDEN_DIR = os.path.join(TESTS, "data", "golden", "requests")

if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import fixture_server as fx  # noqa: E402

KEY_ID = "LTAI4FakeKeyId00000001"
SECRET = "FakeSecret+/=0123456789abcdefghijk"
DEFAULT_VERSION = "2015-11-11"
STS_KEY_ID = "STS.NUgYrLnoC37mZZCNnAbez2nKR"
STS_SECRET = "3ZQoBlJH4WjzKgwmHx5d4Fb9fFYbKdzsCmf8M1vnHjA"
STS_TOKEN = "CAIS8wF1q6Ft5B2yfSjIr5bEKfjbr7hx5ZbRNFbdhUk5T8pm3YTLjjz2IHhJeHRoA+kbtf8/lW1T6fkYlqx"


# -- the cases -----------------------------------------------------------------------------------


def desc(cls: str, data: Any) -> Dict[str, Any]:
    return {"$desc": cls, "json": data}


def has_id(value: str) -> Dict[str, str]:
    return {"$has_id": value}


DAG_JOB = {
    "Name": "log-count",
    "Description": "count words",
    "Priority": 1,
    "DAG": {
        "Tasks": {
            "split": {
                "InstanceCount": 1,
                "MaxRetryCount": 1,
                "Timeout": 600,
                "ClusterId": fx.CLUSTER_ID,
                "InputMapping": {"oss://my-bucket/input/": "/home/input/"},
                "Parameters": {
                    "Command": {
                        "CommandLine": "python split.py",
                        "PackagePath": "oss://my-bucket/log-count/worker.tar.gz",
                        "EnvVars": {"LEVEL": "2"},
                    },
                    "StdoutRedirectPath": "oss://my-bucket/log-count/stdout/",
                    "StderrRedirectPath": "oss://my-bucket/log-count/stderr/",
                },
            },
            "count": {
                "InstanceCount": 2,
                "Timeout": 1800,
                "AutoCluster": {"InstanceType": "ecs.sn1.medium", "ImageId": "img-ubuntu", "ResourceType": "OnDemand"},
                "Parameters": {
                    "Command": {
                        "CommandLine": "python count.py",
                        "PackagePath": "oss://my-bucket/log-count/worker.tar.gz",
                    },
                    "StdoutRedirectPath": "oss://my-bucket/log-count/stdout/",
                    "StderrRedirectPath": "oss://my-bucket/log-count/stderr/",
                },
            },
        },
        "Dependencies": {"split": ["count"]},
    },
}

APP_JOB = {
    "Name": "echo-job",
    "Description": "run echo",
    "Priority": 0,
    "Type": "App",
    "App": {
        "AppName": fx.APP_NAME,
        "Inputs": {"inputFile": "oss://my-bucket/in.txt"},
        "Outputs": {"outputFile": "oss://my-bucket/out.txt"},
        "Config": {"InstanceCount": 1, "ResourceType": "OnDemand", "InstanceType": "ecs.sn1.medium"},
    },
}

CLUSTER = {
    "Name": "cluster-1",
    "Description": "test cluster",
    "ImageId": "img-ubuntu",
    "UserData": {"role": "worker"},
    "Groups": {"group1": {"DesiredVMCount": 2, "InstanceType": "ecs.sn1.medium", "ResourceType": "OnDemand"}},
    "Configs": {
        "Disks": {
            "SystemDisk": {"Type": "cloud_efficiency", "Size": 40},
            "DataDisk": {"Type": "cloud_efficiency", "Size": 50, "MountPoint": "/home/data"},
        }
    },
}

MODIFY_CLUSTER = {
    "Groups": {"group1": {"DesiredVMCount": 3, "InstanceType": "ecs.sn2.large"}},
    "UserData": {"role": "master"},
    "EnvVars": {"LANG": "C.UTF-8"},
    "ImageId": "img-ubuntu-2",
}

IMAGE = {
    "Name": "ubuntu-python",
    "Description": "Ubuntu with python",
    "Platform": "Linux",
    "EcsImageId": "m-28sq8qx5xg0",
}

APP = {
    "Name": fx.APP_NAME,
    "Description": "echo an input file",
    "CommandLine": "cat ${inputFile}",
    "InputParameters": {
        "inputFile": {"Type": "String", "Default": "oss://my-bucket/in.txt", "LocalPath": "/home/input"}
    },
    "OutputParameters": {"outputFile": {"Type": "String", "LocalPath": "/home/output"}},
    "VM": {"ECSImageId": "m-28sq8qx5xg0"},
    "EnvVars": {"A": "1"},
    "Daemonize": False,
    "Config": {
        "InstanceType": {"Default": "ecs.sn1.medium", "Description": "type", "Overwritable": True},
        "InstanceCount": {"Default": 1, "Description": "", "Overwritable": False},
        "Timeout": {"Default": 3600, "Description": "", "Overwritable": True},
    },
}

INSTANCE_ID = "i-2ze5ck4xqcklbtlprc3k"
CASES: List[Dict[str, Any]] = []


def case(
    name: str,
    method: str,
    *args: Any,
    client: Optional[Dict[str, Any]] = None,
    answer: Optional[Dict[str, Any]] = None,
    note: str = "",
    **kwargs: Any,
) -> None:
    assert all(c["case"] != name for c in CASES), name
    config = {"key_id": KEY_ID, "secret": SECRET}
    config.update(client or {})
    CASES.append(
        {
            "case": name,
            "note": note,
            "client": config,
            "call": {"method": method, "args": list(args), "kwargs": kwargs},
            "answer": answer,
        }
    )


# jobs
case("create_job_dag", "create_job", desc("JobDescription", DAG_JOB))
case("create_job_dag_token", "create_job", desc("JobDescription", DAG_JOB), token="tok")
case("create_job_dag_token_positional", "create_job", desc("JobDescription", DAG_JOB), "tok/1=2 3")
case(
    "create_job_dag_dict",
    "create_job",
    dict(DAG_JOB, Type="DAG", JobFailOnInstanceFail=True),
    note="a dict with Type DAG and every required JobDescription key is sent as a JobDescription",
)
case("create_job_dag_json_string", "create_job", json.dumps(dict(DAG_JOB, Type="DAG", JobFailOnInstanceFail=True)))
case("create_job_app", "create_job", desc("AppJobDescription", APP_JOB))
case(
    "create_job_app_dict",
    "create_job",
    {"Name": "echo-job", "App": {"AppName": fx.APP_NAME, "Inputs": {}}},
    note="a dict without Type DAG is taken as an AppJobDescription (and validated)",
)
case(
    "create_job_app_dict_typed",
    "create_job",
    {"Name": "echo-job", "Type": "App", "App": {"AppName": fx.APP_NAME, "Inputs": {}}},
)
case("create_job_app_sync", "create_job", desc("AppJobDescription", APP_JOB), sync=True)
case("create_job_app_sync_token", "create_job", desc("AppJobDescription", APP_JOB), token="tok", sync=True)
case("create_job_app_sync_positional", "create_job", desc("AppJobDescription", APP_JOB), "tok", True)
case(
    "create_job_dag_sync",
    "create_job",
    desc("JobDescription", DAG_JOB),
    sync=True,
    note="sync only applies to App jobs",
)
case(
    "create_job_invalid",
    "create_job",
    desc("JobDescription", {"Name": "no-dag", "Priority": 1}),
    note="validated before anything is sent",
)
case("get_job", "get_job", fx.JOB_ID)
case("get_job_running", "get_job", fx.RUNNING_JOB_ID)
case("get_job_has_id", "get_job", has_id(fx.JOB_ID), note="any object with an Id attribute")
case("get_job_human_readable", "get_job", fx.JOB_ID, client={"human_readable": True})
case("get_job_empty_id", "get_job", "")
case("get_job_description", "get_job_description", fx.JOB_ID)
case("get_job_description_app", "get_job_description", fx.APP_JOB_ID)
case("list_jobs", "list_jobs", "", 100)
case("list_jobs_named_filters", "list_jobs", "", 50, "Running", "cls-1", "project-a")
case(
    "list_jobs_keyword_filters",
    "list_jobs",
    fx.NEXT_MARKER,
    10,
    State="Finished",
    ClusterId="cls-2",
    ProjectId="project-b",
    OrderBy="CreationTime",
    IsReverse="True",
)
case("list_jobs_keyword_named", "list_jobs", "", 10, state="Waiting", cluster_id="cls-3", project_id="p")
case("list_jobs_blank_values", "list_jobs", " ", 20, state="", cluster_id=" ", project_id="", OrderBy="")
case("list_jobs_quoted_marker", "list_jobs", "a b/c+d=e&f", 5, "Failed")
case("start_job", "start_job", fx.JOB_ID)
case("start_job_has_id", "start_job", has_id(fx.JOB_ID))
case("stop_job", "stop_job", fx.JOB_ID)
case("delete_job", "delete_job", fx.JOB_ID)
case("change_job_priority", "change_job_priority", fx.JOB_ID, 5)
case("change_job_priority_bad_type", "change_job_priority", fx.JOB_ID, "high")
case("get_task", "get_task", fx.JOB_ID, "split")
case("list_tasks", "list_tasks", fx.JOB_ID, "", 100)
case("list_tasks_filters", "list_tasks", fx.JOB_ID, "", 10, "Running", "cls-1")
case("list_tasks_keyword_filters", "list_tasks", fx.JOB_ID, fx.NEXT_MARKER, 10, State="Finished", ClusterId="cls-2")
case("get_instance", "get_instance", fx.JOB_ID, "split", 0)
case("get_instance_str_id", "get_instance", has_id(fx.JOB_ID), "split", "1")
case("list_instances", "list_instances", fx.JOB_ID, "split", "", 100)
case("list_instances_state", "list_instances", fx.JOB_ID, "split", 0, 10, "Finished")
case("list_instances_keyword_state", "list_instances", fx.JOB_ID, "split", fx.NEXT_MARKER, 10, State="Running")

# clusters
case("create_cluster", "create_cluster", desc("ClusterDescription", CLUSTER))
case("create_cluster_token", "create_cluster", desc("ClusterDescription", CLUSTER), token="tok")
case("create_cluster_dict", "create_cluster", CLUSTER)
case("get_cluster", "get_cluster", fx.CLUSTER_ID)
case("get_cluster_has_id", "get_cluster", has_id(fx.CLUSTER_ID))
case("list_clusters", "list_clusters", "", 100)
case("list_clusters_marker", "list_clusters", fx.NEXT_MARKER, 10)
case("delete_cluster", "delete_cluster", fx.CLUSTER_ID)
case("modify_cluster", "modify_cluster", fx.CLUSTER_ID, desc("ModifyClusterDescription", MODIFY_CLUSTER))
case("modify_cluster_dict", "modify_cluster", has_id(fx.CLUSTER_ID), MODIFY_CLUSTER)
case("change_cluster_desired_vm_count", "change_cluster_desired_vm_count", fx.CLUSTER_ID, group1=3, group2=0)
case("change_cluster_desired_vm_count_bad_type", "change_cluster_desired_vm_count", fx.CLUSTER_ID, group1="3")
case("change_cluster_spot_config", "change_cluster_spot_config", fx.CLUSTER_ID, "group1", "SpotWithPriceLimit", 0.5)
case(
    "change_cluster_spot_config_strategy_only",
    "change_cluster_spot_config",
    fx.CLUSTER_ID,
    "group1",
    strategy="SpotAsPriceGo",
)
case("change_cluster_spot_config_defaults", "change_cluster_spot_config", fx.CLUSTER_ID, "group1")
case("change_cluster_spot_config_empty_group", "change_cluster_spot_config", fx.CLUSTER_ID, "", "SpotAsPriceGo")
case("change_cluster_user_data", "change_cluster_user_data", fx.CLUSTER_ID, {"role": "worker", "n": 1})
case("change_cluster_user_data_empty", "change_cluster_user_data", fx.CLUSTER_ID)
case("change_cluster_user_data_bad_type", "change_cluster_user_data", fx.CLUSTER_ID, ["role"])
case(
    "change_cluster_input_mapping",
    "change_cluster_input_mapping",
    fx.CLUSTER_ID,
    {"oss://my-bucket/data/": "/home/data/"},
)
case("change_cluster_env_vars", "change_cluster_env_vars", fx.CLUSTER_ID, data={"LANG": "C", "DEBUG": "1"})
case("get_cluster_instance", "get_cluster_instance", fx.CLUSTER_ID, "group1", INSTANCE_ID)
case("list_cluster_instances", "list_cluster_instances", fx.CLUSTER_ID, "group1", "", 100)
case("list_cluster_instances_marker", "list_cluster_instances", fx.CLUSTER_ID, "group1", fx.NEXT_MARKER, 10)
case("recreate_cluster_instance", "recreate_cluster_instance", fx.CLUSTER_ID, "group1", INSTANCE_ID)
case("delete_cluster_instance", "delete_cluster_instance", fx.CLUSTER_ID, "group1", INSTANCE_ID)

# images
case("create_image", "create_image", desc("ImageDescription", IMAGE))
case("create_image_token", "create_image", desc("ImageDescription", IMAGE), token="tok")
case("get_image", "get_image", fx.IMAGE_ID)
case("list_images", "list_images", "", 100)
case("list_images_system", "list_images", "", 100, "System")
case("list_images_self", "list_images", fx.NEXT_MARKER, 10, type_="Self", note="only System is passed on")
case("delete_image", "delete_image", has_id(fx.IMAGE_ID))

# apps
case("create_app", "create_app", desc("AppDescription", APP))
case("create_app_token", "create_app", desc("AppDescription", APP), token="tok")
case("get_app", "get_app", fx.APP_NAME)
case("get_app_public", "get_app", fx.APP_NAME, "Public")
case("get_app_scope_keyword", "get_app", fx.APP_NAME, scope="Private")
case("get_app_bad_scope", "get_app", fx.APP_NAME, "Shared")
case("get_app_detail", "get_app_detail", fx.APP_NAME)
case("get_app_detail_qualifier", "get_app_detail", fx.APP_NAME, "2")
case("get_app_detail_qualifier_keyword", "get_app_detail", fx.APP_NAME, qualifier="latest")
case("get_app_detail_blank_qualifier", "get_app_detail", fx.APP_NAME, " ")
case("get_app_revisions", "get_app_revisions", fx.APP_NAME)
case("list_apps", "list_apps")
case("list_apps_public", "list_apps", "Public", fx.NEXT_MARKER, 10)
case("list_apps_blank_marker", "list_apps", "Private", " ", 10)
case("list_apps_keywords", "list_apps", scope="Private", max_item_count=20)
case("modify_app", "modify_app", fx.APP_NAME, desc("AppDescription", APP))
case("delete_app", "delete_app", fx.APP_NAME)
case("delete_app_qualifier", "delete_app", fx.APP_NAME, "3")
case("delete_app_qualifier_keyword", "delete_app", fx.APP_NAME, qualifier="1")
case("delete_app_blank_qualifier", "delete_app", fx.APP_NAME, "  ")

# account
case("get_quotas", "get_quotas")
case("get_available_resource", "get_available_resource")

# client settings
case("version_change", "get_quotas", client={"version": "2016-03-01"}, note="client.version = '2016-03-01'")
case(
    "version_change_other_client",
    "get_quotas",
    client={"version": "2016-03-01", "version_via_other_client": True},
    note="client.version is set on another client created just before: the version is process-wide",
)
case(
    "security_token",
    "get_job",
    fx.JOB_ID,
    client={"key_id": STS_KEY_ID, "secret": STS_SECRET, "security_token": "  %s \n" % STS_TOKEN},
)
case(
    "security_token_post",
    "create_job",
    desc("JobDescription", DAG_JOB),
    token="tok",
    client={"key_id": STS_KEY_ID, "secret": STS_SECRET, "security_token": STS_TOKEN},
)
case(
    "extra_headers",
    "get_job",
    fx.JOB_ID,
    client={"headers": {"x-acs-caller-type": "sdk-test", "X-Request-Trace": "trace-0001"}},
)
case(
    "extra_headers_mixed_case_acs",
    "list_jobs",
    "",
    10,
    "Running",
    client={"headers": {"X-Acs-Zone": "cn-qingdao-b", "x-acs-b-custom": "b"}},
    note="a mixed-case x-acs- header changes the canonical header order",
)
case(
    "extra_headers_override",
    "stop_job",
    fx.JOB_ID,
    client={"headers": {"x-acs-version": "2015-11-11-beta"}},
    note="extra headers may override the standard ones",
)
case(
    "register_region",
    "get_job",
    fx.JOB_ID,
    client={"region": {"name": "cn-local-test", "host": "localhost"}},
    note="Client.register_region('cn-local-test', 'localhost', port); Client('localhost', ...)",
)
case(
    "get_regions",
    "get_regions",
    client={"region": {"name": "cn-regions-test", "host": "regions-test.invalid"}},
    note="Client.register_region('cn-regions-test', 'regions-test.invalid', port) first",
)
case(
    "invalid_endpoint",
    "get_job",
    fx.JOB_ID,
    client={"region": {"name": None, "host": "batchcompute.nowhere.example.com"}},
)

# answers
case(
    "error_not_found",
    "get_job",
    fx.JOB_ID,
    answer=fx.error_answer(404, "InvalidResource.NotFound", "The specified job does not exist"),
)
case(
    "error_state_conflict",
    "start_job",
    fx.JOB_ID,
    answer=fx.error_answer(409, "StateConflict", "Job is already running"),
)
case(
    "error_signature",
    "list_jobs",
    "",
    10,
    answer=fx.error_answer(403, "SignatureDoesNotMatch", "The request signature does not conform"),
)
case(
    "error_internal",
    "delete_cluster",
    fx.CLUSTER_ID,
    answer=fx.error_answer(500, "InternalError", "The request processing has failed due to some unknown error"),
)
case(
    "error_without_code_message", "get_cluster", fx.CLUSTER_ID, answer=fx.error_answer(500, None, None, "5818-no-code")
)
case(
    "error_request_id_header_and_body",
    "get_job",
    fx.JOB_ID,
    answer=fx.error_answer(404, "InvalidResource.NotFound", "no such job", "id-in-header", "id-in-body"),
)
case(
    "error_request_id_body_only",
    "get_job",
    fx.JOB_ID,
    answer=fx.error_answer(404, "InvalidResource.NotFound", "no such job", None, "id-in-body"),
)
case("error_message_only", "get_job", fx.JOB_ID, answer=fx.error_answer(400, None, "Only a message", "id-in-header"))
case("error_html", "get_image", fx.IMAGE_ID, answer=fx.html_answer(502))
case("error_empty_body", "delete_job", fx.JOB_ID, answer=fx.json_answer(503, None))
case(
    "error_on_create",
    "create_job",
    desc("JobDescription", DAG_JOB),
    token="tok",
    answer=fx.error_answer(400, "IdempotentTokenMismatch", "token used with another job"),
)
case(
    "answer_request_id_header",
    "get_job",
    fx.JOB_ID,
    answer=fx.json_answer(200, fx.job_status(), "req-from-request-id-header", request_id_header="request-id"),
)
case("answer_no_request_id", "get_job", fx.JOB_ID, answer=fx.json_answer(200, fx.job_status(), None))
case(
    "answer_create_name_only",
    "create_job",
    desc("JobDescription", DAG_JOB),
    answer=fx.json_answer(201, {"Name": "log-count"}),
    note="Id falls back to Name",
)
case(
    "answer_time_fields_blank",
    "get_job",
    fx.JOB_ID,
    answer=fx.json_answer(200, dict(fx.job_status(), StartTime="", EndTime=None, CreationTime="not a time")),
)

# helpers
case("easy_list_jobs", "easy_list", "jobs")
case("easy_list_jobs_filter_value", "easy_list", "jobs", State="Finished")
case("easy_list_jobs_filter_callable", "easy_list", "jobs", Id={"$endswith": "D"})
case("easy_list_clusters", "easy_list", "clusters")
case("easy_list_images", "easy_list", "images")
case("easy_list_tasks", "easy_list", "tasks", fx.JOB_ID, State=["Running", "Waiting"])
case("easy_list_instances", "easy_list", "instances", fx.JOB_ID, "split")
case("easy_list_bad_type", "easy_list", "apps")
case("poll_finished", "poll", [fx.JOB_ID, fx.JOB_ID_2], timeout=10, interval=0.01)
case("poll_one_string", "poll", fx.JOB_ID, 10, 0.01)
case("poll_failed", "poll", [fx.FAILED_JOB_ID, fx.RUNNING_JOB_ID], timeout=10, interval=0.01)
case("poll_stopped", "poll", [fx.JOB_ID, fx.STOPPED_JOB_ID], timeout=10, interval=0.01)
case("poll_invalid", "poll", 12345)


# -- running a case ------------------------------------------------------------------------------


class HasId:
    """Any object with an ``Id`` attribute (what a CreateResponse looks like to the client)."""

    def __init__(self, id_: str) -> None:
        self.Id = id_


def decode(value: Any, bc: Any) -> Any:
    """Turn the JSON form of an argument into the object passed to the client of module ``bc``."""
    if isinstance(value, dict):
        if "$desc" in value:
            return getattr(bc.resources, value["$desc"])(copy.deepcopy(value["json"]))
        if "$has_id" in value:
            return HasId(value["$has_id"])
        if "$endswith" in value:
            suffix = value["$endswith"]
            return lambda v: str(v).endswith(suffix)
        return {key: decode(item, bc) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item, bc) for item in value]
    return value


def plain(value: Any) -> Any:
    """A JSON-able picture of a value from a response."""
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    detail = getattr(value, "detail", None)
    if callable(detail):
        return plain(detail())
    return {"$repr_type": type(value).__name__}


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj[key]
    return getattr(obj, key)


def probe(obj: Any, shape: Any) -> Any:
    """Read from ``obj`` every key of ``shape`` (the answer's JSON), recursively, by attribute."""
    if isinstance(shape, dict) and shape:
        out = {}
        for key, sub in shape.items():
            try:
                value = _get(obj, key)
            except Exception as exc:  # what the client does not expose is noted, not compared
                out[key] = {"$missing": type(exc).__name__}
                continue
            out[key] = probe(value, sub)
        return out
    if isinstance(shape, list) and isinstance(obj, (list, tuple)) and len(obj) == len(shape) and shape:
        return [probe(item, sub) for item, sub in zip(obj, shape)]
    return plain(obj)


def _attr(obj: Any, name: str) -> Any:
    try:
        return plain(getattr(obj, name))
    except Exception as exc:
        return {"$missing": type(exc).__name__}


def _last_body(exchanges: List[Dict[str, Any]]) -> Any:
    if not exchanges:
        return None
    try:
        return json.loads(exchanges[-1]["response"]["body"] or "null")
    except ValueError:
        return None


ITEM_KEYS = ("Id", "Name", "TaskName", "InstanceId", "State")


def summarize(result: Any, exchanges: List[Dict[str, Any]]) -> Dict[str, Any]:
    """What a client call returned, as JSON data that both SDKs' results can be compared on."""
    if isinstance(result, list):  # easy_list (consumed), poll
        items = []
        for item in result:
            if isinstance(item, (str, int, float, type(None))):
                items.append(item)
            else:
                items.append({"type": type(item).__name__, "attrs": {key: _attr(item, key) for key in ITEM_KEYS}})
        return {"type": "list", "len": len(result), "items": items}
    if result is None or isinstance(result, (str, int, float, bool, dict)):
        return {"type": type(result).__name__, "value": plain(result)}
    summary: Dict[str, Any] = {"type": type(result).__name__}
    for name in ("StatusCode", "RequestId", "Date"):
        summary[name] = _attr(result, name)
    body = _last_body(exchanges)
    if isinstance(body, dict) and "Items" in body and hasattr(result, "Items"):
        items = list(result.Items)
        summary["NextMarker"] = _attr(result, "NextMarker")
        summary["Items_count"] = len(items)
        summary["len"] = len(result)
        summary["items"] = [
            {"type": type(item).__name__, "attrs": probe(item, shape)} for item, shape in zip(items, body["Items"])
        ]
        summary["iterates_items"] = [probe(item, shape) for item, shape in zip(result, body["Items"])] == [
            entry["attrs"] for entry in summary["items"]
        ]
        return summary
    shape = dict(body) if isinstance(body, dict) else {}
    if summary["type"] == "CreateResponse":
        shape.setdefault("Id", None)
        shape.setdefault("Name", None)
    if shape:
        summary["attrs"] = probe(result, shape)
    return summary


def describe_error(exc: BaseException, bc: Any) -> Dict[str, Any]:
    if isinstance(exc, bc.ClientError):
        return {
            "type": "ClientError",
            "status": exc.status,
            "code": exc.code,
            "request_id": exc.request_id,
            "msg": exc.msg,
            "str": str(exc),
        }
    return {"type": type(exc).__name__, "message": str(exc)}


def make_client(bc: Any, config: Dict[str, Any], port: int, **options: Any) -> Any:
    """The client of module ``bc`` for a case's ``client`` settings, pointed at 127.0.0.1:port."""
    region = config.get("region") or {"name": "local", "host": "127.0.0.1"}
    if region.get("name"):
        bc.Client.register_region(region["name"], region["host"], port)
    kwargs = dict(config.get("headers") or {})
    kwargs.update(options)
    if "security_token" in config:
        kwargs["security_token"] = config["security_token"]
    if "human_readable" in config:
        kwargs["human_readable"] = config["human_readable"]
    if config.get("version_via_other_client"):
        other = bc.Client(region["host"], config["key_id"], config["secret"], **kwargs)
        other.version = config["version"]
    client = bc.Client(region["host"], config["key_id"], config["secret"], **kwargs)
    if config.get("version") and not config.get("version_via_other_client"):
        client.version = config["version"]
    return client


def reset_version(bc: Any, config: Dict[str, Any], port: int, **options: Any) -> None:
    """Put the API version back after a case that changed it (it is process-wide in the official SDK)."""
    if config.get("version"):
        make_client(
            bc, dict(config, version=None, version_via_other_client=False), port, **options
        ).version = DEFAULT_VERSION


def run_case(
    bc: Any, spec: Dict[str, Any], server: "fx.RecordingServer", answer: Any = None, **options: Any
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Make the case's call with module ``bc``'s client against ``server``.

    Returns ``(outcome, exchanges)``: what the call gave and the requests it made with their answers.
    ``answer``: a responder for the server (default: the case's fixed answer, else the canned ones).
    """
    if answer is None and spec.get("answer"):
        fixed = spec["answer"]
        answer = lambda request: copy.deepcopy(fixed)  # noqa: E731
    server.clear(answer)
    call = spec["call"]
    outcome: Dict[str, Any] = {}
    try:
        client = make_client(bc, spec["client"], server.port, **options)
        outcome["client_version"] = client.version
        args = decode(call["args"], bc)
        kwargs = decode(call["kwargs"], bc)
        result = getattr(client, call["method"])(*args, **kwargs)
        if call["method"] == "easy_list":
            result = list(result)
        outcome["result"] = summarize(result, server.exchanges)
    except Exception as exc:
        outcome["error"] = describe_error(exc, bc)
    finally:
        exchanges = list(server.exchanges)
        reset_version(bc, spec["client"], server.port, **options)
        server.clear()
    return outcome, exchanges


def full_descriptions(value: Any, bc: Any) -> Any:
    """The call's arguments with every description replaced by the JSON the object dumps."""
    if isinstance(value, dict):
        if "$desc" in value:
            obj = decode(value, bc)
            return {"$desc": value["$desc"], "json": json.loads(obj.dump())}
        return {key: full_descriptions(item, bc) for key, item in value.items()}
    if isinstance(value, list):
        return [full_descriptions(item, bc) for item in value]
    return value


def to_json(record: Any) -> str:
    """Indented JSON with each header pair on one line."""
    text = json.dumps(record, indent=2, ensure_ascii=False)
    text = re.sub(r'\[\n\s*("(?:[^"\\]|\\.)*"),\n\s*("(?:[^"\\]|\\.)*")\n\s*\]', r"[\1, \2]", text)
    return text + "\n"


def main(argv: List[str]) -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    import batchcompute as bc  # the official SDK

    if os.path.dirname(TESTS) in os.path.abspath(bc.__file__):
        sys.stderr.write("This imported the project's batchcompute; run with the official SDK's interpreter.\n")
        return 2
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    selected = [c for c in CASES if not argv or any(c["case"].startswith(prefix) for prefix in argv)]
    with fx.RecordingServer() as server:
        for spec in selected:
            call = dict(spec["call"])
            call["args"] = full_descriptions(call["args"], bc)
            call["kwargs"] = full_descriptions(call["kwargs"], bc)
            outcome, exchanges = run_case(bc, dict(spec, call=call), server)
            record = {
                "case": spec["case"],
                "note": spec["note"],
                "recorded_with": "official batchcompute 2.1.7, TZ=UTC",
                "client": spec["client"],
                "call": call,
                "exchanges": exchanges,
                "outcome": outcome,
            }
            with open(os.path.join(GOLDEN_DIR, spec["case"] + ".json"), "w", encoding="utf-8") as fh:
                fh.write(to_json(record))
            shown = outcome.get("error") or outcome.get("result", {})
            print("%-45s %2d request(s)  %s" % (spec["case"], len(record["exchanges"]), json.dumps(shown)[:110]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
