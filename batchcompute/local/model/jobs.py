"""Checking the descriptions the server receives and turning them into what it stores and runs.

Errors are ApiErrors with the documented codes: ``Missing<Param>``/``Invalid<Param>`` (400),
``BadDAG`` (400) for a cyclic DAG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..constants import DEFAULT_BUCKET
from ..errors import ApiError, invalid, missing
from ..run.objects import ObjectStore, OssPathError

__all__ = [
    "ParsedTask",
    "ParsedJob",
    "parse_job",
    "check_cluster",
    "check_groups",
    "check_app",
    "check_image",
    "DEFAULT_LOG_PATH",
    "NAME_RE",
    "number",
    "integer",
    "text",
    "mapping",
]

DEFAULT_LOG_PATH = "oss://%s/logs/" % DEFAULT_BUCKET
NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
ENV_NAME_RE = re.compile(r"^[^=\x00]+$")
MAX_INSTANCES = 10000
MAX_VMS = 1000


@dataclass
class ParsedTask:
    """A task as stored: how to run its instances and what it waits for."""

    name: str
    spec: Dict[str, Any]
    upstream: List[str]
    cluster_id: Optional[str]
    instance_count: int
    max_retry: int
    timeout: float


@dataclass
class ParsedJob:
    name: str
    type: str
    priority: int
    fail_on_instance_fail: bool
    auto_release: bool
    description: Dict[str, Any]
    tasks: List[ParsedTask] = field(default_factory=list)


# -- typed getters -------------------------------------------------------------------------------


def text(obj: Mapping[str, Any], key: str, default: Optional[str] = None, param: str = "") -> str:
    value = obj.get(key, default)
    if value is None:
        raise missing(param or key)
    if not isinstance(value, str):
        raise invalid(param or key, "%s must be a string" % key)
    return value


def integer(obj: Mapping[str, Any], key: str, default: int, low: int = 0, high: Optional[int] = None) -> int:
    value = obj.get(key, default)
    if value is None:
        value = default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = "between %d and %d" % (low, high) if high is not None else ">= %d" % low
        raise invalid(key, "%s must be an integer %s, not %r" % (key, bounds, value))
    return value


def number(obj: Mapping[str, Any], key: str, default: float) -> float:
    value = obj.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise invalid(key, "%s must be a positive number, not %r" % (key, value))
    return float(value)


def flag(obj: Mapping[str, Any], key: str, default: bool) -> bool:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(key, "%s must be true or false, not %r" % (key, value))
    return value


def mapping(obj: Mapping[str, Any], key: str, param: str = "") -> Dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(param or key, "%s must be an object" % key)
    return value


def _dict(value: Any) -> Dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _name(value: Any, param: str, what: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise invalid(
            param,
            "%s %r must be 1-128 letters, digits, '_', '-' or '.', not starting with "
            "'.' or '-'" % (what, value),
        )
    return value


def _oss(store: ObjectStore, url: Any, param: str) -> str:
    try:
        return store.check(url)
    except OssPathError as exc:
        raise invalid(param, str(exc)) from exc


def _env(values: Mapping[str, Any], param: str) -> Dict[str, str]:
    env = {}
    for key, value in values.items():
        value = "" if value is None else value if isinstance(value, str) else str(value)
        if not ENV_NAME_RE.match(key) or "\x00" in value:
            raise invalid(param, "environment variable %r is not valid" % key)
        env[key] = value
    return env


# -- jobs ----------------------------------------------------------------------------------------


def _job_header(body: Dict[str, Any], job_type: str) -> ParsedJob:
    name = text(body, "Name")
    if not name.strip():
        raise missing("Name")
    return ParsedJob(
        name=name,
        type=job_type,
        priority=integer(body, "Priority", 0, 0, 1000),
        fail_on_instance_fail=flag(body, "JobFailOnInstanceFail", True),
        auto_release=flag(body, "AutoRelease", False),
        description=body,
    )


def job_type(body: Dict[str, Any]) -> str:
    """``DAG`` or ``App``, from Type (or, without one, from which section is present)."""
    kind = body.get("Type")
    if kind is None:
        kind = "App" if "App" in body and "DAG" not in body else "DAG"
    if kind not in ("DAG", "App"):
        raise invalid("Type", "Type must be DAG or App, not %r" % (kind,))
    return kind


def parse_job(
    body: Any,
    store: ObjectStore,
    cluster_exists: Callable[[str], bool],
    app_lookup: Callable[[str], Optional[Dict[str, Any]]],
) -> ParsedJob:
    """A checked job (DAG or App) ready to be stored."""
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the job description must be a JSON object")
    kind = job_type(body)
    job = _job_header(body, kind)
    if kind == "App":
        job.tasks = [_app_task(body, store, app_lookup)]
    else:
        job.tasks = _dag_tasks(body, store, cluster_exists)
    return job


def _dag_tasks(
    body: Dict[str, Any], store: ObjectStore, cluster_exists: Callable[[str], bool]
) -> List[ParsedTask]:
    dag = body.get("DAG")
    if not isinstance(dag, dict):
        raise missing("DAG", "a DAG job needs a DAG object")
    tasks = mapping(dag, "Tasks", "Tasks")
    if not tasks:
        raise missing("Tasks", "DAG.Tasks must name at least one task")
    upstream = _upstream(tasks, mapping(dag, "Dependencies", "Dependencies"))
    return [
        _dag_task(_name(name, "TaskName", "task name"), desc, upstream[name], store, cluster_exists)
        for name, desc in tasks.items()
    ]


def _upstream(tasks: Dict[str, Any], deps: Dict[str, Any]) -> Dict[str, List[str]]:
    """For each task, the tasks it waits for; ``{"a": ["b"]}`` means b waits for a."""
    before: Dict[str, List[str]] = {name: [] for name in tasks}
    for first, thens in deps.items():
        if isinstance(thens, str):
            thens = [thens]
        if first not in tasks or not isinstance(thens, list) or any(t not in tasks for t in thens):
            raise invalid(
                "Dependencies", "Dependencies %r -> %r names a task that is not in DAG.Tasks" % (first, thens)
            )
        for then in thens:
            if first not in before[then]:
                before[then].append(first)
    _check_acyclic(before)
    return before


def _check_acyclic(before: Dict[str, List[str]]) -> None:
    waiting = {name: len(ups) for name, ups in before.items()}
    after: Dict[str, List[str]] = {name: [] for name in before}
    for name, ups in before.items():
        for up in ups:
            after[up].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    while ready:
        for then in after[ready.pop()]:
            waiting[then] -= 1
            if waiting[then] == 0:
                ready.append(then)
    cycle = sorted(name for name, count in waiting.items() if count > 0)
    if cycle:
        raise ApiError(400, "BadDAG", "the DAG has a cycle through tasks %s" % ", ".join(cycle))


def _dag_task(
    name: str, desc: Any, before: List[str], store: ObjectStore, cluster_exists: Callable[[str], bool]
) -> ParsedTask:
    if not isinstance(desc, dict):
        raise invalid("TaskDescription", "task %s must be an object" % name)
    params = desc.get("Parameters")
    if not isinstance(params, dict):
        raise missing("Parameters", "task %s has no Parameters" % name)
    command = params.get("Command")
    if not isinstance(command, dict):
        raise missing("Command", "task %s has no Parameters.Command" % name)
    line = text(command, "CommandLine", "")
    if not line.strip():
        raise missing("CommandLine", "task %s has no Command.CommandLine" % name)
    docker = _dict(command.get("Docker"))
    spec = {
        "CommandLine": line,
        "PackagePath": _package(store, text(command, "PackagePath", "") or ""),
        "EnvVars": _env(mapping(command, "EnvVars"), "EnvVars"),
        "DockerImage": text(docker, "Image", "") or "",
        "StdoutPrefix": _log_prefix(store, params, "StdoutRedirectPath"),
        "StderrPrefix": _log_prefix(store, params, "StderrRedirectPath"),
        "InputMapping": _input_mapping(store, mapping(desc, "InputMapping")),
        "OutputMapping": _output_mapping(store, mapping(desc, "OutputMapping")),
    }
    return ParsedTask(
        name=name,
        spec=spec,
        upstream=before,
        cluster_id=_cluster_of(name, desc, cluster_exists),
        instance_count=integer(desc, "InstanceCount", 1, 1, MAX_INSTANCES),
        max_retry=integer(desc, "MaxRetryCount", 0, 0, 100),
        timeout=number(desc, "Timeout", 3600),
    )


def _cluster_of(name: str, desc: Dict[str, Any], cluster_exists: Callable[[str], bool]) -> Optional[str]:
    cluster = desc.get("ClusterId") or None
    auto = desc.get("AutoCluster") or None
    if cluster and auto:
        raise invalid("ClusterId", "task %s sets both ClusterId and AutoCluster; set exactly one" % name)
    if not cluster and not auto:
        raise missing("ClusterId", "task %s needs a ClusterId or an AutoCluster" % name)
    if auto is not None and not isinstance(auto, dict):
        raise invalid("AutoCluster", "task %s: AutoCluster must be an object" % name)
    if cluster is not None:
        if not isinstance(cluster, str):
            raise invalid("ClusterId", "task %s: ClusterId must be a string" % name)
        if not cluster_exists(cluster):
            raise ApiError(404, "InvalidResource.NotFound", "Cluster %s does not exist" % cluster)
    return cluster


def _package(store: ObjectStore, path: str) -> str:
    return _oss(store, path, "PackagePath") if path else ""


def _log_prefix(store: ObjectStore, params: Dict[str, Any], key: str) -> str:
    prefix = text(params, key, "") or DEFAULT_LOG_PATH
    _oss(store, prefix + "stdout.job.task.0", key)
    return prefix


def _input_mapping(store: ObjectStore, values: Dict[str, Any]) -> Dict[str, str]:
    for url, local in values.items():
        _oss(store, url, "InputMapping")
        _local_path(local, "InputMapping")
    return dict(values)


def _output_mapping(store: ObjectStore, values: Dict[str, Any]) -> Dict[str, str]:
    for local, url in values.items():
        _local_path(local, "OutputMapping")
        _oss(store, url, "OutputMapping")
    return dict(values)


def _local_path(value: Any, param: str) -> None:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise invalid(param, "%r is not a valid local path" % (value,))


# -- App jobs ------------------------------------------------------------------------------------


def _config_value(config: Dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key, default)
    if isinstance(value, dict):
        value = value.get("Value", value.get("Default", default))
    return default if value is None or value == "" else value


def _app_task(
    body: Dict[str, Any], store: ObjectStore, app_lookup: Callable[[str], Optional[Dict[str, Any]]]
) -> ParsedTask:
    app = body.get("App")
    if not isinstance(app, dict):
        raise missing("App", "an App job needs an App object")
    app_name = text(app, "AppName", "")
    if not app_name:
        raise missing("AppName")
    found = app_lookup(app_name)
    if found is None:
        raise ApiError(404, "InvalidResource.NotFound", "App %s does not exist" % app_name)
    config = _merged_config(found, mapping(app, "Config", "Config"))
    logging = mapping(app, "Logging", "Logging")
    env = dict(_env(mapping(found, "EnvVars"), "EnvVars"))
    env.update(_parameters(found, "InputParameters", mapping(app, "Inputs", "Inputs"), "Inputs"))
    env.update(_parameters(found, "OutputParameters", mapping(app, "Outputs", "Outputs"), "Outputs"))
    docker = _dict(found.get("Docker"))
    spec = {
        "CommandLine": found["CommandLine"],
        "PackagePath": "",
        "EnvVars": env,
        "DockerImage": docker.get("Image") or "",
        "StdoutPrefix": _log_prefix(store, {"P": logging.get("StdoutPath") or ""}, "P"),
        "StderrPrefix": _log_prefix(store, {"P": logging.get("StderrPath") or ""}, "P"),
        "InputMapping": {},
        "OutputMapping": {},
    }
    return ParsedTask(
        name=found["Name"],
        spec=spec,
        upstream=[],
        cluster_id=None,
        instance_count=integer(config, "InstanceCount", 1, 1, MAX_INSTANCES),
        max_retry=integer(config, "MaxRetryCount", 0, 0, 100),
        timeout=number(config, "Timeout", 86400),
    )


def _merged_config(app: Dict[str, Any], overrides: Dict[str, Any]) -> Dict[str, Any]:
    """The App's config defaults, overridden by the job where the App allows it."""
    defaults = _dict(app.get("Config"))
    merged = {}
    for key in ("InstanceCount", "MaxRetryCount", "Timeout"):
        item = _dict(defaults.get(key))
        value = _config_value(defaults, key, None)
        if key in overrides and item.get("Overwritable", True):
            value = _config_value(overrides, key, value)
        merged[key] = value
    return merged


def _parameters(app: Dict[str, Any], section: str, given: Dict[str, Any], param: str) -> Dict[str, str]:
    declared = _dict(app.get(section))
    values = {}
    for name, decl in declared.items():
        decl = _dict(decl)
        value = given.get(name, decl.get("Default"))
        if value is None and section == "InputParameters":
            raise missing(param, "App input %s has no value and no default" % name)
        values[name] = "" if value is None else str(value)
    values.update({name: str(value) for name, value in given.items() if name not in values})
    return _env(values, param)


# -- clusters, images, apps ----------------------------------------------------------------------


def check_groups(groups: Any, partial: bool = False) -> Dict[str, Any]:
    """Groups of a cluster (``partial``: of a modify call, where DesiredVMCount may be left out)."""
    if not isinstance(groups, dict) or (not groups and not partial):
        raise missing("Groups", "a cluster needs at least one group")
    for name, group in groups.items():
        _name(name, "GroupName", "group name")
        if not isinstance(group, dict):
            raise invalid("Groups", "group %s must be an object" % name)
        if "DesiredVMCount" in group or not partial:
            if group.get("DesiredVMCount") is None:
                raise missing("DesiredVMCount", "group %s has no DesiredVMCount" % name)
            integer(group, "DesiredVMCount", 0, 0, MAX_VMS)
    return groups


def check_cluster(body: Any) -> Dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the cluster description must be a JSON object")
    if not text(body, "Name", "").strip():
        raise missing("Name")
    if not text(body, "ImageId", "").strip():
        raise missing("ImageId")
    check_groups(body.get("Groups"))
    _env(mapping(body, "EnvVars"), "EnvVars")
    return body


def check_image(body: Any) -> Dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the image description must be a JSON object")
    for key in ("Platform", "EcsImageId"):
        if not text(body, key, "").strip():
            raise missing(key)
    text(body, "Name", "")
    return body


def check_app(body: Any) -> Dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the app description must be a JSON object")
    if not text(body, "Name", ""):
        raise missing("Name")
    _name(body["Name"], "Name", "app name")
    if not text(body, "CommandLine", "").strip():
        raise missing("CommandLine")
    for section in ("InputParameters", "OutputParameters"):
        for name, decl in mapping(body, section).items():
            _check_parameter(section, name, decl)
    _env(mapping(body, "EnvVars"), "EnvVars")
    return body


def _check_parameter(section: str, name: str, decl: Any) -> None:
    if not isinstance(decl, dict):
        raise invalid(section, "%s %s must be an object" % (section, name))
    kind = decl.get("Type") or "String"
    default = decl.get("Default")
    if kind not in ("String", "Number"):
        raise invalid(section, "%s %s: Type must be String or Number" % (section, name))
    fits = default is None or (
        isinstance(default, str)
        if kind == "String"
        else isinstance(default, (int, float)) and not isinstance(default, bool)
    )
    if not fits:
        raise invalid(section, "%s %s: Default %r is not a %s" % (section, name, default, kind))
