"""A corpus of hostile requests to the local server's API: each one must be answered with a 4xx
JSON error, change nothing, and leave the server answering.

Cases are ``Case(name, method, target, body)`` with ``{job}``, ``{cluster}``, ``{image}``,
``{app}``, ``{stopped}`` in the target standing for resources the suite creates first. They cover:

- the regressions of the security review (each 500 it found, and what was accepted that failed
  later);
- bad JSON documents for every create and modify body (syntax, nesting, NaN and Infinity, numbers
  out of range, lone surrogates, wrong top-level types);
- a wrong type in every field of every description schema, generated from the schemas the server
  checks with (``model.shapes``), and values out of range or too long for the fields it uses;
- bad ids in every path parameter of every route, and bad markers, page sizes, filters, tokens
  and qualifiers in every query.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from local_helpers import cluster, job, task

from batchcompute.core.routes import ROUTES
from batchcompute.local.model.apps import APP
from batchcompute.local.model.clusters import CHANGE, CLUSTER
from batchcompute.local.model.images import IMAGE
from batchcompute.local.model.job_description import DAG_JOB, app_job_shape
from batchcompute.local.model.shapes import Each, Shape


class Case(NamedTuple):
    name: str
    method: str
    target: str
    body: bytes = b""


# -- The bodies the suite starts from (each is accepted as it is) -------------------------------


def base_task() -> Dict[str, Any]:
    desc = task("true")
    desc["Mounts"] = {
        "Entries": [{"Source": "oss://b/x/", "Destination": "/mnt/x", "WriteSupport": False}],
        "Locale": "UTF-8",
        "Lock": False,
        "CacheSupport": False,
        "NAS": {"AccessGroup": [], "FileSystem": []},
        "OSS": {"AccessKeyId": "", "AccessKeySecret": "", "SecurityToken": ""},
    }
    desc["AutoCluster"]["Configs"] = {
        "Disks": {"SystemDisk": {"Size": 40, "Type": "cloud"}, "DataDisk": {"Size": 0}},
        "Networks": {"VPC": {"CidrBlock": "192.168.0.0/16"}, "Classic": {"AllowIpAddress": []}},
    }
    desc["WriteSupport"] = False
    return desc


def base_job() -> Dict[str, Any]:
    body = job({"t1": base_task(), "t2": task("true")}, {"t1": ["t2"]})
    body["Notification"] = {"Topic": {"Name": "topic", "Endpoint": "http://x", "Events": ["OnJobFinished"]}}
    return body


def base_app() -> Dict[str, Any]:
    return {
        "Name": "hostile-app",
        "Description": "",
        "CommandLine": "echo $x",
        "InputParameters": {"x": {"Type": "String", "Default": "1", "Description": "", "LocalPath": ""}},
        "OutputParameters": {},
        "EnvVars": {"A": "1"},
        "Docker": {"Image": "", "RegistryOSSPath": ""},
        "VM": {"ECSImageId": ""},
        "Daemonize": False,
        "Config": {"InstanceCount": {"Default": 1, "Overwritable": True, "Description": ""}},
    }


def base_app_job(app_name: str = "hostile-app") -> Dict[str, Any]:
    return {
        "Name": "app-job",
        "Type": "App",
        "Description": "",
        "Priority": 0,
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "App": {
            "AppName": app_name,
            "Inputs": {"x": "2"},
            "Outputs": {},
            "Logging": {"StdoutPath": "oss://b/logs/", "StderrPath": "oss://b/logs/"},
            "Config": {"InstanceCount": 1, "MaxRetryCount": 0, "Timeout": 60},
        },
    }


def base_cluster() -> Dict[str, Any]:
    body = cluster(vms=1, name="hostile")
    body["EnvVars"] = {"A": "1"}
    body["Configs"] = {"Disks": {"SystemDisk": {"Size": 40}, "DataDisk": {"Size": 0}}}
    body["Notification"] = {"Topic": {"Name": "t", "Endpoint": "", "Events": []}}
    return body


def base_change() -> Dict[str, Any]:
    return {"Groups": {"group1": {"DesiredVMCount": 1, "InstanceType": "ecs.sn1.medium"}}, "EnvVars": {"B": "2"}}


def base_image() -> Dict[str, Any]:
    return {"Name": "img", "Description": "", "Platform": "Linux", "EcsImageId": "m-123"}


#: Each create or modify route: (name, method, target, base body, its schema).
BODIES: List[Tuple[str, str, str, Any, Shape]] = [
    ("create_job", "POST", "/jobs", base_job, DAG_JOB),
    ("create_job_sync", "POST", "/jobs?sync", base_job, DAG_JOB),
    ("create_app_job", "POST", "/jobs", base_app_job, app_job_shape()),
    ("create_cluster", "POST", "/clusters", base_cluster, CLUSTER),
    ("modify_cluster", "PUT", "/clusters/{cluster}", base_change, CHANGE),
    ("create_image", "POST", "/images", base_image, IMAGE),
    ("create_app", "POST", "/apps", base_app, APP),
    ("modify_app", "PUT", "/apps/{app}", base_app, APP),
]


def _dump(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


# -- Bad JSON documents --------------------------------------------------------------------------

BAD_DOCUMENTS: List[Tuple[str, bytes]] = [
    ("truncated", b'{"Name": "x"'),
    ("not-json", b"{not json}"),
    ("array", b"[1, 2]"),
    ("string", b'"text"'),
    ("number", b"12"),
    ("null", b"null"),
    ("true", b"true"),
    ("not-utf8", b'{"Name": "\xff\xfe"}'),
    ("utf8-bom", b'\xef\xbb\xbf{"Name": "x"}'),
    ("nested-100000", b"[" * 100000),
    ("nested-objects-40", b'{"a":' * 40 + b"1" + b"}" * 40),
    ("nested-lists-in-field", b'{"Name": "x", "Description": ' + b"[" * 50 + b"]" * 50 + b"}"),
    ("nan", b'{"Name": "x", "Priority": NaN}'),
    ("infinity", b'{"Name": "x", "Priority": Infinity}'),
    ("minus-infinity", b'{"Name": "x", "Priority": -Infinity}'),
    ("float-overflow", b'{"Name": "x", "Priority": 1e400}'),
    ("integer-5000-digits", b'{"Name": "x", "Priority": ' + b"9" * 5000 + b"}"),
    ("integer-over-64-bits", b'{"Name": "x", "Unknown": 99999999999999999999999}'),
    ("lone-surrogate", b'{"Name": "\\ud800"}'),
    ("string-100k", b'{"Name": "' + b"x" * 100000 + b'"}'),
    ("key-100k", b'{"' + b"k" * 100000 + b'": 1}'),
    ("trailing-garbage", b'{"Name": "x"} trailing'),
    ("control-in-string", b'{"Name": "a\x01b"}'),
]


def document_cases() -> Iterator[Case]:
    for route, method, target, _, _ in BODIES:
        for name, body in BAD_DOCUMENTS:
            yield Case("%s/json/%s" % (route, name), method, target, body)


# -- A wrong type in every field of every schema -------------------------------------------------


#: Stands for a map or list of sub-descriptions (DAG.Tasks, Groups, Mounts.Entries).
_EACH = object()


def _wrong_values(default: Any) -> List[Tuple[str, Any]]:
    """Values of other JSON types than ``default``'s (never null: null means "not given")."""
    if default is _EACH:
        return [("string", "x"), ("number", 3), ("bool", True)]
    if isinstance(default, bool):
        return [("string", "true"), ("number", 1), ("object", {})]
    if isinstance(default, (int, float)):
        return [("string", "12"), ("bool", True), ("array", [1]), ("object", {})]
    if isinstance(default, str):
        return [("number", 5), ("array", [1]), ("object", {"a": 1}), ("bool", False)]
    if isinstance(default, list):
        return [("string", "x"), ("object", {})]
    if isinstance(default, dict):
        return [("string", "x"), ("array", []), ("number", 3)]
    return []


def _paths(value: Any, shape: Shape, prefix: Tuple[Any, ...] = ()) -> Iterator[Tuple[Tuple[Any, ...], Any]]:
    """(path, default) of every field of ``shape`` whose parent object is in ``value``."""
    if not isinstance(value, dict):
        return
    for key, default in shape.fields.items():
        path = prefix + (key,)
        given = value.get(key)
        if isinstance(default, Shape):
            yield path, {}
            if given is not None:
                yield from _paths(given, default, path)
        elif isinstance(default, Each):
            yield path, _EACH
            members = given.items() if isinstance(given, dict) else enumerate(given or [])
            for name, member in list(members)[:1]:
                yield from _paths(member, default.shape, path + (name,))
        else:
            yield path, default


def _set(body: Any, path: Tuple[Any, ...], value: Any) -> Any:
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


#: Fields whose wrong types the server cannot see: the Name of a modify_app body (the path names the App).
_FREE = {("modify_app", ("Name",))}


#: create_job_sync and modify_app take the bodies of create_job and create_app: their fields are
#: checked there (their bad documents here).
_SAME_SCHEMA = ("create_job_sync", "modify_app")


def type_cases() -> Iterator[Case]:
    for route, method, target, base, shape in BODIES:
        if route in _SAME_SCHEMA:
            continue
        body = base()
        for path, default in _paths(body, shape):
            if (route, path) in _FREE:
                continue
            for kind, value in _wrong_values(default):
                name = "%s/type/%s=%s" % (route, ".".join(map(str, path)), kind)
                yield Case(name, method, target, _dump(_set(body, path, value)))


# -- Values out of range, too long, or failing later ---------------------------------------------

_T = ("DAG", "Tasks", "t1")
_P = _T + ("Parameters",)
_C = _P + ("Command",)


def _job_with(path: Tuple[Any, ...], value: Any) -> bytes:
    return _dump(_set(base_job(), path, value))


def _many_tasks(count: int, instances: int = 1) -> bytes:
    return _dump(job({"t%d" % n: task("true", instances=instances) for n in range(count)}))


VALUE_CASES: List[Tuple[str, str, str, bytes]] = [
    # job fields
    ("job/Name-blank", "POST", "/jobs", _job_with(("Name",), "   ")),
    ("job/Name-300", "POST", "/jobs", _job_with(("Name",), "n" * 300)),
    ("job/Name-1MB", "POST", "/jobs", _job_with(("Name",), "n" * 1_000_000)),
    ("job/Name-control", "POST", "/jobs", _job_with(("Name",), "a\nb")),
    ("job/Description-5000", "POST", "/jobs", _job_with(("Description",), "d" * 5000)),
    ("job/Type-weird", "POST", "/jobs", _job_with(("Type",), "Weird")),
    ("job/Priority-minus", "POST", "/jobs", _job_with(("Priority",), -1)),
    ("job/Priority-1001", "POST", "/jobs", _job_with(("Priority",), 1001)),
    ("job/Priority-fraction", "POST", "/jobs", _job_with(("Priority",), 1.5)),
    ("job/Priority-huge", "POST", "/jobs", _job_with(("Priority",), 10**18)),
    ("job/Events-number", "POST", "/jobs", _job_with(("Notification", "Topic", "Events"), 5)),
    ("job/Events-numbers", "POST", "/jobs", _job_with(("Notification", "Topic", "Events"), [1, 2])),
    ("job/Topic-string", "POST", "/jobs", _job_with(("Notification", "Topic"), "t")),
    ("job/DAG-missing", "POST", "/jobs", _dump({"Name": "x", "Type": "DAG"})),
    ("job/Tasks-empty", "POST", "/jobs", _job_with(("DAG", "Tasks"), {})),
    ("job/Task-null", "POST", "/jobs", _job_with(_T, None)),
    ("job/TaskName-slash", "POST", "/jobs", _dump(job({"a/b": task("true")}))),
    ("job/TaskName-200", "POST", "/jobs", _dump(job({"t" * 200: task("true")}))),
    ("job/TaskName-dotdot", "POST", "/jobs", _dump(job({"..": task("true")}))),
    ("job/Dependencies-object-item", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": [{}]})),
    ("job/Dependencies-list-item", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": [["t2"]]})),
    ("job/Dependencies-number", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": 5})),
    ("job/Dependencies-unknown", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": ["zz"]})),
    ("job/Dependencies-cycle", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": ["t2"], "t2": ["t1"]})),
    ("job/Dependencies-self", "POST", "/jobs", _job_with(("DAG", "Dependencies"), {"t1": ["t1"]})),
    ("job/too-many-tasks", "POST", "/jobs", _many_tasks(1001)),
    ("job/too-many-instances-per-job", "POST", "/jobs", _many_tasks(11, instances=10000)),
    # task fields
    ("task/InstanceCount-0", "POST", "/jobs", _job_with(_T + ("InstanceCount",), 0)),
    ("task/InstanceCount-10001", "POST", "/jobs", _job_with(_T + ("InstanceCount",), 10001)),
    ("task/InstanceCount-huge", "POST", "/jobs", _job_with(_T + ("InstanceCount",), 99999999999999999)),
    ("task/InstanceCount-fraction", "POST", "/jobs", _job_with(_T + ("InstanceCount",), 2.5)),
    ("task/MaxRetryCount-minus", "POST", "/jobs", _job_with(_T + ("MaxRetryCount",), -1)),
    ("task/MaxRetryCount-101", "POST", "/jobs", _job_with(_T + ("MaxRetryCount",), 101)),
    ("task/Timeout-0", "POST", "/jobs", _job_with(_T + ("Timeout",), 0)),
    ("task/Timeout-minus", "POST", "/jobs", _job_with(_T + ("Timeout",), -5)),
    ("task/Timeout-1e300", "POST", "/jobs", _job_with(_T + ("Timeout",), 1e300)),
    ("task/ClusterId-number", "POST", "/jobs", _dump(job({"t": task("true", ClusterId=5, AutoCluster=None)}))),
    ("task/ClusterId-200", "POST", "/jobs", _dump(job({"t": task("true", cluster_id="c" * 200)}))),
    ("task/ClusterId-unknown", "POST", "/jobs", _dump(job({"t": task("true", cluster_id="cls-none")}))),
    ("task/ClusterId-and-AutoCluster", "POST", "/jobs", _job_with(_T + ("ClusterId",), "{cluster}")),
    ("task/neither-cluster", "POST", "/jobs", _job_with(_T + ("AutoCluster",), None)),
    ("task/AutoCluster-ImageId-list", "POST", "/jobs", _job_with(_T + ("AutoCluster", "ImageId"), [1])),
    ("task/CommandLine-blank", "POST", "/jobs", _job_with(_C + ("CommandLine",), "  ")),
    ("task/CommandLine-70k", "POST", "/jobs", _job_with(_C + ("CommandLine",), "x" * 70000)),
    ("task/CommandLine-NUL", "POST", "/jobs", _job_with(_C + ("CommandLine",), "echo a\x00b")),
    ("task/EnvVars-name-equals", "POST", "/jobs", _job_with(_C + ("EnvVars",), {"A=B": "1"})),
    ("task/EnvVars-value-NUL", "POST", "/jobs", _job_with(_C + ("EnvVars",), {"A": "x\x00"})),
    ("task/EnvVars-value-object", "POST", "/jobs", _job_with(_C + ("EnvVars",), {"A": {"b": 1}})),
    ("task/EnvVars-1001", "POST", "/jobs", _job_with(_C + ("EnvVars",), {"V%d" % n: "1" for n in range(1001)})),
    ("task/EnvVars-value-40k", "POST", "/jobs", _job_with(_C + ("EnvVars",), {"A": "v" * 40000})),
    ("task/PackagePath-folder", "POST", "/jobs", _job_with(_C + ("PackagePath",), "oss://b/pkg/")),
    ("task/PackagePath-bucket", "POST", "/jobs", _job_with(_C + ("PackagePath",), "oss://pkg.tar.gz")),
    ("task/PackagePath-escape", "POST", "/jobs", _job_with(_C + ("PackagePath",), "oss://b/../../x.tar.gz")),
    ("task/PackagePath-http", "POST", "/jobs", _job_with(_C + ("PackagePath",), "http://x/p.tar.gz")),
    ("task/Stdout-oss-root", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://")),
    ("task/Stdout-bucket-only", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://b")),
    ("task/Stdout-escape", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://b/../../etc/")),
    ("task/Stdout-absolute", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "/var/log/")),
    ("task/Stdout-NUL", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://b/a\x00/")),
    (
        "task/Stdout-segment-5000",
        "POST",
        "/jobs",
        _job_with(_P + ("StdoutRedirectPath",), "oss://b/%s/" % ("s" * 5000)),
    ),
    ("task/Stdout-segment-300", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://b/%s/" % ("s" * 300))),
    ("task/Stdout-name-too-long", "POST", "/jobs", _job_with(_P + ("StdoutRedirectPath",), "oss://b/" + "p" * 220)),
    ("task/Stderr-url-2000", "POST", "/jobs", _job_with(_P + ("StderrRedirectPath",), "oss://b/" + "a/" * 1000)),
    ("task/InputMapping-escape", "POST", "/jobs", _job_with(_T + ("InputMapping",), {"oss://b/../../x": "/in"})),
    ("task/InputMapping-local-NUL", "POST", "/jobs", _job_with(_T + ("InputMapping",), {"oss://b/x": "/in\x00"})),
    ("task/InputMapping-local-number", "POST", "/jobs", _job_with(_T + ("InputMapping",), {"oss://b/x": 5})),
    (
        "task/InputMapping-local-5000",
        "POST",
        "/jobs",
        _job_with(_T + ("InputMapping",), {"oss://b/x": "/" + "l" * 5000}),
    ),
    ("task/InputMapping-bucket-only", "POST", "/jobs", _job_with(_T + ("InputMapping",), {"oss://b": "/in"})),
    ("task/OutputMapping-double-slash", "POST", "/jobs", _job_with(_T + ("OutputMapping",), {"/out": "oss://b//x"})),
    ("task/OutputMapping-local-blank", "POST", "/jobs", _job_with(_T + ("OutputMapping",), {" ": "oss://b/x"})),
    (
        "task/OutputMapping-1001",
        "POST",
        "/jobs",
        _job_with(_T + ("OutputMapping",), {"/o%d" % n: "oss://b/o%d" % n for n in range(1001)}),
    ),
    # App jobs
    ("appjob/AppName-missing", "POST", "/jobs", _dump(_set(base_app_job(), ("App", "AppName"), ""))),
    ("appjob/AppName-unknown", "POST", "/jobs", _dump(base_app_job("no-such-app"))),
    ("appjob/AppName-300", "POST", "/jobs", _dump(base_app_job("a" * 300))),
    ("appjob/Inputs-object-value", "POST", "/jobs", _dump(_set(base_app_job(), ("App", "Inputs", "x"), {"v": 1}))),
    (
        "appjob/Config-InstanceCount-0",
        "POST",
        "/jobs",
        _dump(_set(base_app_job(), ("App", "Config", "InstanceCount"), 0)),
    ),
    ("appjob/Config-Timeout-string", "POST", "/jobs", _dump(_set(base_app_job(), ("App", "Config", "Timeout"), "x"))),
    ("appjob/Config-list", "POST", "/jobs", _dump(_set(base_app_job(), ("App", "Config", "MaxRetryCount"), [1]))),
    (
        "appjob/Logging-oss-root",
        "POST",
        "/jobs",
        _dump(_set(base_app_job(), ("App", "Logging", "StdoutPath"), "oss://")),
    ),
    ("appjob/App-missing", "POST", "/jobs", _dump({"Name": "x", "Type": "App"})),
    # clusters
    ("cluster/Name-blank", "POST", "/clusters", _dump(_set(base_cluster(), ("Name",), ""))),
    ("cluster/Name-300", "POST", "/clusters", _dump(_set(base_cluster(), ("Name",), "c" * 300))),
    ("cluster/ImageId-missing", "POST", "/clusters", _dump(_set(base_cluster(), ("ImageId",), None))),
    ("cluster/ImageId-list", "POST", "/clusters", _dump(_set(base_cluster(), ("ImageId",), [1]))),
    ("cluster/Groups-empty", "POST", "/clusters", _dump(_set(base_cluster(), ("Groups",), {}))),
    (
        "cluster/Group-name-slash",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups",), {"a/b": {"DesiredVMCount": 1}})),
    ),
    ("cluster/Group-not-object", "POST", "/clusters", _dump(_set(base_cluster(), ("Groups", "group1"), 5))),
    ("cluster/DesiredVMCount-missing", "POST", "/clusters", _dump(_set(base_cluster(), ("Groups", "group1"), {}))),
    (
        "cluster/DesiredVMCount-minus",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups", "group1", "DesiredVMCount"), -1)),
    ),
    (
        "cluster/DesiredVMCount-1001",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups", "group1", "DesiredVMCount"), 1001)),
    ),
    (
        "cluster/DesiredVMCount-huge",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups", "group1", "DesiredVMCount"), 10**18)),
    ),
    (
        "cluster/SpotPriceLimit-abc",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups", "group1", "SpotPriceLimit"), "abc")),
    ),
    (
        "cluster/SpotPriceLimit-minus",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups", "group1", "SpotPriceLimit"), -1)),
    ),
    (
        "cluster/too-many-groups",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups",), {"g%d" % n: {"DesiredVMCount": 0} for n in range(101)})),
    ),
    (
        "cluster/too-many-VMs",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("Groups",), {"a": {"DesiredVMCount": 600}, "b": {"DesiredVMCount": 600}})),
    ),
    ("cluster/EnvVars-name-equals", "POST", "/clusters", _dump(_set(base_cluster(), ("EnvVars",), {"A=B": "1"}))),
    (
        "cluster/InputMapping-escape",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("InputMapping",), {"oss://b/../../x": "/in"})),
    ),
    (
        "cluster/InputMapping-local-NUL",
        "POST",
        "/clusters",
        _dump(_set(base_cluster(), ("InputMapping",), {"oss://b/x": "\x00"})),
    ),
    ("modify_cluster/group-unknown", "PUT", "/clusters/{cluster}", _dump({"Groups": {"nope": {"DesiredVMCount": 1}}})),
    (
        "modify_cluster/DesiredVMCount-1001",
        "PUT",
        "/clusters/{cluster}",
        _dump({"Groups": {"group1": {"DesiredVMCount": 1001}}}),
    ),
    (
        "modify_cluster/SpotPriceLimit-abc",
        "PUT",
        "/clusters/{cluster}",
        _dump({"Groups": {"group1": {"SpotPriceLimit": "abc"}}}),
    ),
    ("modify_cluster/ImageId-list", "PUT", "/clusters/{cluster}", _dump({"ImageId": [1]})),
    ("modify_cluster/UserData-string", "PUT", "/clusters/{cluster}", _dump({"UserData": "x"})),
    ("modify_cluster/Configs-list", "PUT", "/clusters/{cluster}", _dump({"Configs": []})),
    ("modify_cluster/EnvVars-value-NUL", "PUT", "/clusters/{cluster}", _dump({"EnvVars": {"A": "\x00"}})),
    (
        "modify_cluster/InputMapping-escape",
        "PUT",
        "/clusters/{cluster}",
        _dump({"InputMapping": {"oss://../x": "/in"}}),
    ),
    # images
    ("image/Platform-missing", "POST", "/images", _dump(_set(base_image(), ("Platform",), ""))),
    ("image/EcsImageId-missing", "POST", "/images", _dump(_set(base_image(), ("EcsImageId",), None))),
    ("image/Name-300", "POST", "/images", _dump(_set(base_image(), ("Name",), "i" * 300))),
    ("image/IdempotentToken-number", "POST", "/images", _dump(_set(base_image(), ("IdempotentToken",), 5))),
    ("image/IdempotentToken-300", "POST", "/images", _dump(_set(base_image(), ("IdempotentToken",), "t" * 300))),
    # apps
    ("app/Name-missing", "POST", "/apps", _dump(_set(base_app(), ("Name",), ""))),
    ("app/Name-slash", "POST", "/apps", _dump(_set(base_app(), ("Name",), "a/b"))),
    ("app/Name-200", "POST", "/apps", _dump(_set(base_app(), ("Name",), "a" * 200))),
    ("app/CommandLine-blank", "POST", "/apps", _dump(_set(base_app(), ("CommandLine",), " "))),
    ("app/CommandLine-NUL", "POST", "/apps", _dump(_set(base_app(), ("CommandLine",), "a\x00"))),
    ("app/Parameter-not-object", "POST", "/apps", _dump(_set(base_app(), ("InputParameters", "x"), "p"))),
    ("app/Parameter-type", "POST", "/apps", _dump(_set(base_app(), ("InputParameters", "x", "Type"), "Bool"))),
    ("app/Parameter-default", "POST", "/apps", _dump(_set(base_app(), ("InputParameters", "x", "Default"), {"a": 1}))),
    ("app/Parameter-name-equals", "POST", "/apps", _dump(_set(base_app(), ("InputParameters",), {"a=b": {}}))),
    ("app/Config-InstanceCount-0", "POST", "/apps", _dump(_set(base_app(), ("Config", "InstanceCount", "Default"), 0))),
    ("app/Config-Timeout-string", "POST", "/apps", _dump(_set(base_app(), ("Config", "Timeout"), {"Default": "x"}))),
    (
        "app/Config-Overwritable-string",
        "POST",
        "/apps",
        _dump(_set(base_app(), ("Config", "InstanceCount", "Overwritable"), "no")),
    ),
    ("app/Config-list", "POST", "/apps", _dump(_set(base_app(), ("Config", "DiskType"), [1]))),
    ("app/EnvVars-list", "POST", "/apps", _dump(_set(base_app(), ("EnvVars",), []))),
    ("modify_app/CommandLine-missing", "PUT", "/apps/{app}", _dump(_set(base_app(), ("CommandLine",), None))),
    # change_job_priority
    ("update_job/Priority-missing", "PUT", "/jobs/{stopped}", _dump({})),
    ("update_job/Priority-minus", "PUT", "/jobs/{stopped}", _dump({"Priority": -1})),
    ("update_job/Priority-1001", "PUT", "/jobs/{stopped}", _dump({"Priority": 1001})),
    ("update_job/Priority-string", "PUT", "/jobs/{stopped}", _dump({"Priority": "5"})),
    ("update_job/Priority-huge", "PUT", "/jobs/{stopped}", _dump({"Priority": 10**18})),
    ("update_job/body-array", "PUT", "/jobs/{stopped}", b"[5]"),
    ("update_job/body-nan", "PUT", "/jobs/{stopped}", b'{"Priority": NaN}'),
    ("update_job/running-job", "PUT", "/jobs/{job}", _dump({"Priority": 5})),
]


def value_cases() -> Iterator[Case]:
    for name, method, target, body in VALUE_CASES:
        yield Case(name, method, target, body)


# -- Bad ids in paths, bad queries ---------------------------------------------------------------

BAD_IDS: List[Tuple[str, str]] = [
    ("digits-23", "99999999999999999999999"),
    ("superscript-two", "%C2%B2"),
    ("arabic-three", "%D9%A3"),
    ("not-utf8", "%FF%FE"),
    ("nul", "a%00b"),
    ("crlf", "a%0D%0Ab"),
    ("tab", "a%09b"),
    ("long-5000", "i" * 5000),
    ("dotdot", "%2E%2E"),
    ("slash", "a%2Fb"),
    ("sql", "x'%3B%20DROP%20TABLE%20jobs%3B--"),
    ("percent", "%25"),
    ("minus", "-1"),
    ("hex", "0x10"),
    ("space", "%20"),
]


def _fill(path: str, ids: Dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{%s}" % name, value)
    return path


def id_cases() -> Iterator[Case]:
    """Each route with each of its path parameters replaced by each bad id (the others real)."""
    real = {
        "job": "{job}",
        "task": "t1",
        "instance": "0",
        "cluster": "{cluster}",
        "group": "group1",
        "image": "{image}",
    }
    real["app"] = "{app}"
    for route in ROUTES:
        for param in route.params:
            for label, value in BAD_IDS:
                ids = dict(real, **{param: value})
                target = _fill(route.path, ids)
                if route.selector:
                    target += "?" + route.selector[0]
                body = b"{}" if route.method in ("PUT", "POST") else b""
                yield Case("%s/%s=%s" % (route.name, param, label), route.method, target, body)


BAD_QUERIES: List[Tuple[str, str]] = [
    ("marker-23-digits", "Marker=99999999999999999999999"),
    ("marker-minus", "Marker=-1"),
    ("marker-superscript", "Marker=%C2%B2"),
    ("marker-float", "Marker=1e5"),
    ("marker-text", "Marker=abc"),
    ("marker-not-utf8", "Marker=%FF"),
    ("max-minus", "MaxItemCount=-1"),
    ("max-20-digits", "MaxItemCount=99999999999999999999"),
    ("max-superscript", "MaxItemCount=%C2%B2"),
    ("max-fraction", "MaxItemCount=1.5"),
    ("max-text", "MaxItemCount=many"),
    ("state-unknown", "State=Sleeping"),
    ("state-nul", "State=%00"),
    ("cluster-filter-200", "ClusterId=" + "c" * 200),
    ("cluster-filter-crlf", "ClusterId=a%0D%0Ab"),
    ("duplicate-key", "MaxItemCount=1&MaxItemCount=2"),
    ("key-not-utf8", "%FF=1"),
]


def query_cases() -> Iterator[Case]:
    lists = {
        "list_jobs": "/jobs",
        "list_tasks": "/jobs/{job}/tasks",
        "list_instances": "/jobs/{job}/tasks/t1/instances",
        "list_clusters": "/clusters",
        "list_cluster_instances": "/clusters/{cluster}/groups/group1/instances",
        "list_images": "/images",
        "list_apps": "/apps",
    }
    filters = {"list_jobs": ("state", "cluster-filter"), "list_tasks": ("state", "cluster-filter")}
    filters["list_instances"] = ("state",)
    for route, path in lists.items():
        for label, query in BAD_QUERIES:
            if route == "list_tasks" and label.startswith("marker") and label != "marker-not-utf8":
                continue  # a task list's Marker is a task name: these are names (an empty page)
            if label.startswith(("state", "cluster-filter")) and not label.startswith(filters.get(route, ("-",))):
                continue  # no such filter on that list: ignored, as by the service
            yield Case("%s/query/%s" % (route, label), "GET", path + "?" + query)
    others = [
        ("list_tasks/query/marker-200", "GET", "/jobs/{job}/tasks?Marker=" + "m" * 200),
        ("list_tasks/query/marker-crlf", "GET", "/jobs/{job}/tasks?Marker=a%0D%0A"),
        ("get_app_detail/Qualifier-superscript", "GET", "/apps/{app}?Detail=True&Qualifier=%C2%B2"),
        ("get_app_detail/Qualifier-23-digits", "GET", "/apps/{app}?Detail=True&Qualifier=99999999999999999999999"),
        ("get_app_detail/Qualifier-text", "GET", "/apps/{app}?Detail=True&Qualifier=latest"),
        ("delete_app/Qualifier-superscript", "DELETE", "/apps/{app}?Qualifier=%C2%B2"),
        ("delete_app/Qualifier-23-digits", "DELETE", "/apps/{app}?Qualifier=99999999999999999999999"),
        ("delete_app/Qualifier-minus", "DELETE", "/apps/{app}?Qualifier=-1"),
        ("get_app/Scope-bogus", "GET", "/apps/{app}?Scope=Bogus"),
        ("list_apps/Scope-bogus", "GET", "/apps?Scope=Bogus"),
        ("create_job/token-300", "POST", "/jobs?IdempotentToken=" + "t" * 300),
        ("create_job/token-crlf", "POST", "/jobs?IdempotentToken=a%0D%0Ab"),
        ("create_cluster/token-nul", "POST", "/clusters?IdempotentToken=%00"),
        ("create_app/token-300", "POST", "/apps?IdempotentToken=" + "t" * 300),
        ("create_image/token-not-utf8", "POST", "/images?IdempotentToken=%FF"),
        ("unknown-path", "GET", "/nothing/here"),
        ("double-slash", "GET", "/jobs//tasks"),
        ("extra-segment", "GET", "/jobs/{job}/tasks/t1/instances/0/extra"),
        ("method-patch", "PATCH", "/jobs"),
        ("method-post-quotas", "POST", "/quotas"),
        ("start-finished-job", "POST", "/jobs/{job}/start"),
        ("delete-unknown-image", "DELETE", "/images/img-none"),
    ]
    for name, method, target in others:
        body = _dump(base_job()) if target.startswith("/jobs?") else b""
        if target.startswith(("/clusters?", "/apps?", "/images?")):
            body = {"/clusters?": _dump(base_cluster()), "/apps?": _dump(base_app()), "/images?": _dump(base_image())}[
                target[: target.index("?") + 1]
            ]
        yield Case(name, method, target, body)


def all_cases() -> List[Case]:
    cases = [*document_cases(), *type_cases(), *value_cases(), *id_cases(), *query_cases()]
    names = [case.name for case in cases]
    duplicates = {name for name in names if names.count(name) > 1}
    assert not duplicates, duplicates
    return cases


def resolve(case: Case, ids: Dict[str, str]) -> Case:
    """The case with the suite's resource ids in its target and body."""
    target = _fill(case.target, ids)
    body = case.body.replace(b"{cluster}", ids["cluster"].encode()) if case.body else case.body
    return case._replace(target=target, body=body)


def describe(cases: Optional[List[Case]] = None) -> Dict[str, int]:
    """How many cases of each kind (for the report)."""
    counts: Dict[str, int] = {}
    for case in cases or all_cases():
        kind = case.name.split("/")[1].split("=")[0] if "/" in case.name else case.name
        key = {"json": "bad JSON documents", "type": "wrong types"}.get(kind)
        if key is None:
            key = "bad queries" if "query" in case.name else "bad ids" if "=" in case.name else "bad values"
        counts[key] = counts.get(key, 0) + 1
    return counts
