"""Job descriptions checked and turned into typed specs: what the server stores and runs.

Errors are ApiErrors with the documented codes: ``Missing<Param>``/``Invalid<Param>`` (400),
``BadDAG`` (400) for a cyclic DAG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..constants import DEFAULT_BUCKET
from ..errors import ApiError, invalid, missing
from .fields import (
    UrlChecker,
    as_dict,
    command_line,
    env_vars,
    flag,
    integer,
    json_object,
    local_path,
    mapping,
    name_text,
    number,
    object_url,
    text,
    valid_name,
)
from .job_description import DAG_JOB, app_job_shape
from .jsontext import dumps, loads
from .limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_FIELD_CHARS,
    MAX_ID_CHARS,
    MAX_MAPPINGS,
    MAX_NAME_CHARS,
    MAX_PRIORITY,
    MAX_RETRIES,
    MAX_TIMEOUT_SECONDS,
    Limits,
)
from .shapes import check_types

__all__ = ["CommandSpec", "TaskSpec", "JobSpec", "parse_job", "DEFAULT_LOG_PATH", "Limits"]

DEFAULT_LOG_PATH = "oss://%s/logs/" % DEFAULT_BUCKET
#: An AutoCluster that sets none of these is empty: beside a ClusterId it does not count (the
#: official SDK sends such a one when a tool sets ``task["AutoCluster"] = {}``).
AUTO_CLUSTER_KEYS = ("ImageId", "ECSImageId", "InstanceType")
#: The longest job id, for checking that a log object's name fits (``job-`` + 32 hex digits).
_LONGEST_JOB_ID = "job-" + "F" * 32
#: Events of a notification topic at most.
MAX_EVENTS = 100


#: CommandSpec fields in their order, with their keys in the stored JSON (those of the first
#: stored version).
_STORED_KEYS = (
    ("command_line", "CommandLine"),
    ("env_vars", "EnvVars"),
    ("stdout_prefix", "StdoutPrefix"),
    ("stderr_prefix", "StderrPrefix"),
    ("package_path", "PackagePath"),
    ("docker_image", "DockerImage"),
    ("input_mapping", "InputMapping"),
    ("output_mapping", "OutputMapping"),
)


@dataclass  # not frozen: one is decoded for every attempt, and a frozen one takes twice as long
class CommandSpec:
    """How each instance of a task runs and where its output goes; stored as the task's JSON
    ``spec`` through ``to_json`` / ``from_json``."""

    command_line: str
    env_vars: Dict[str, str]
    stdout_prefix: str  # an oss:// prefix: the log object is <prefix>stdout.<job>.<task>.<instance>
    stderr_prefix: str
    package_path: str = ""  # an oss:// tar.gz unpacked in the working directory first
    docker_image: str = ""
    input_mapping: Dict[str, str] = field(default_factory=dict)  # oss url -> local path
    output_mapping: Dict[str, str] = field(default_factory=dict)  # local path -> oss url

    def to_json(self) -> str:
        return dumps({key: getattr(self, name) for name, key in _STORED_KEYS})

    @classmethod
    def from_json(cls, text: str) -> "CommandSpec":
        stored = loads(text)
        return cls(*[stored[key] for _, key in _STORED_KEYS])

    def log_urls(self, job_id: str, task: str, instance: int) -> Tuple[str, str]:
        """The stdout and stderr objects of an instance."""
        suffix = "%s.%s.%d" % (job_id, task, instance)
        return self.stdout_prefix + "stdout." + suffix, self.stderr_prefix + "stderr." + suffix


@dataclass(frozen=True)
class TaskSpec:
    """A checked task: its command, the tasks it waits for, where and how often it runs."""

    name: str
    command: CommandSpec
    upstream: List[str]
    cluster_id: Optional[str]  # None: an AutoCluster of its own
    instance_count: int
    max_retry: int
    timeout: float


@dataclass(frozen=True)
class JobSpec:
    """A checked job (DAG or App) and the description it was created with."""

    name: str
    type: str
    priority: int
    fail_on_instance_fail: bool
    auto_release: bool
    description: Dict[str, Any]
    tasks: List[TaskSpec]

    @property
    def summary(self) -> str:
        """The job's Description text."""
        return str(self.description.get("Description") or "")

    @property
    def topic(self) -> Dict[str, Any]:
        """The notification Topic (empty when the job names none)."""
        notification = self.description.get("Notification")
        topic = notification.get("Topic") if isinstance(notification, dict) else None
        return topic if isinstance(topic, dict) and topic.get("Name") else {}


def job_type(body: Dict[str, Any]) -> str:
    """``DAG`` or ``App``, from Type (or, without one, from which section is present)."""
    kind = body.get("Type")
    if kind is None:
        kind = "App" if "App" in body and "DAG" not in body else "DAG"
    if kind not in ("DAG", "App"):
        raise invalid("Type", "Type must be DAG or App, not %s" % _short(kind))
    return kind


def parse_job(
    body: Any,
    store: UrlChecker,
    cluster_exists: Callable[[str], bool],
    app_lookup: Callable[[str], Optional[Dict[str, Any]]],
    limits: Optional[Limits] = None,
) -> JobSpec:
    """A checked job (DAG or App) ready to be stored: every field of the description schema has
    its type, every value its range, and the job stays within ``limits``."""
    limits = limits or Limits()
    body = json_object(body, "job")
    kind = job_type(body)
    check_types(body, DAG_JOB if kind == "DAG" else app_job_shape(), "")
    if body.get("Name") is None:
        raise missing("Name")
    name = name_text(body, "Name", MAX_NAME_CHARS)
    text(body, "Description", "", max_chars=MAX_DESCRIPTION_CHARS)
    _check_notification(body)
    priority = integer(body, "Priority", 0, 0, MAX_PRIORITY)
    fail_on_instance_fail = flag(body, "JobFailOnInstanceFail", True)
    auto_release = flag(body, "AutoRelease", False)
    if kind == "App":
        tasks = [_app_task(body, store, app_lookup, limits)]
    else:
        tasks = _dag_tasks(body, store, cluster_exists, limits)
    total = sum(task.instance_count for task in tasks)
    if total > limits.max_instances_per_job:
        raise invalid(
            "InstanceCount",
            "the job has %d instances in all; at most %d are accepted (--max-instances-per-job)"
            % (total, limits.max_instances_per_job),
        )
    return JobSpec(name, kind, priority, fail_on_instance_fail, auto_release, body, tasks)


def _check_notification(body: Dict[str, Any]) -> None:
    """Topic.Events: a list of strings (the rest of the topic is checked by its shape)."""
    topic = as_dict(as_dict(body.get("Notification")).get("Topic"))
    events = topic.get("Events") or []
    if len(events) > MAX_EVENTS or not all(isinstance(e, str) and len(e) <= MAX_FIELD_CHARS for e in events):
        raise invalid("Events", "Notification.Topic.Events must be a list of at most %d names" % MAX_EVENTS)
    for key in ("Name", "Endpoint", "UserData", "UserTemplate"):
        text(topic, key, "", max_chars=MAX_FIELD_CHARS)


def _dag_tasks(
    body: Dict[str, Any], store: UrlChecker, cluster_exists: Callable[[str], bool], limits: Limits
) -> List[TaskSpec]:
    dag = body.get("DAG")
    if not isinstance(dag, dict):
        raise missing("DAG", "a DAG job needs a DAG object")
    tasks = mapping(dag, "Tasks", "Tasks")
    if not tasks:
        raise missing("Tasks", "DAG.Tasks must name at least one task")
    if len(tasks) > limits.max_tasks:
        raise invalid(
            "Tasks", "the DAG has %d tasks; at most %d are accepted (--max-tasks)" % (len(tasks), limits.max_tasks)
        )
    for name in tasks:
        valid_name(name, "TaskName", "task name")
    upstream = _upstream(tasks, mapping(dag, "Dependencies", "Dependencies"))
    return [_dag_task(name, desc, upstream[name], store, cluster_exists, limits) for name, desc in tasks.items()]


def _upstream(tasks: Dict[str, Any], deps: Dict[str, Any]) -> Dict[str, List[str]]:
    """For each task, the tasks it waits for; ``{"a": ["b"]}`` means b waits for a."""
    before: Dict[str, Dict[str, None]] = {name: {} for name in tasks}  # ordered sets
    for first, thens in deps.items():
        if isinstance(thens, str):
            thens = [thens]
        if (
            first not in tasks
            or not isinstance(thens, list)
            or not all(isinstance(then, str) and then in tasks for then in thens)
        ):
            shown = "%r -> %s" % (first[:64], _short(thens))
            raise invalid("Dependencies", "Dependencies %s names a task that is not in DAG.Tasks" % shown)
        for then in thens:
            before[then][first] = None
    ordered = {name: list(ups) for name, ups in before.items()}
    _check_acyclic(ordered)
    return ordered


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


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
    name: str,
    desc: Any,
    before: List[str],
    store: UrlChecker,
    cluster_exists: Callable[[str], bool],
    limits: Limits,
) -> TaskSpec:
    if not isinstance(desc, dict):
        raise invalid("TaskDescription", "task %s must be an object" % name)
    params = desc.get("Parameters")
    if not isinstance(params, dict):
        raise missing("Parameters", "task %s has no Parameters" % name)
    command = params.get("Command")
    if not isinstance(command, dict):
        raise missing("Command", "task %s has no Parameters.Command" % name)
    line = command_line(command, "CommandLine", "task %s" % name)
    docker = as_dict(command.get("Docker"))
    instance_count = integer(desc, "InstanceCount", 1, 1, limits.max_instances_per_task)
    command_spec = CommandSpec(
        command_line=line,
        package_path=_package(store, text(command, "PackagePath", "") or ""),
        env_vars=env_vars(mapping(command, "EnvVars"), "EnvVars"),
        docker_image=text(docker, "Image", "") or "",
        stdout_prefix=_log_prefix(store, params, "StdoutRedirectPath", name, instance_count),
        stderr_prefix=_log_prefix(store, params, "StderrRedirectPath", name, instance_count),
        input_mapping=_input_mapping(store, mapping(desc, "InputMapping")),
        output_mapping=_output_mapping(store, mapping(desc, "OutputMapping")),
    )
    return TaskSpec(
        name=name,
        command=command_spec,
        upstream=before,
        cluster_id=_cluster_of(name, desc, cluster_exists),
        instance_count=instance_count,
        max_retry=integer(desc, "MaxRetryCount", 0, 0, MAX_RETRIES),
        timeout=number(desc, "Timeout", 3600, MAX_TIMEOUT_SECONDS),
    )


def _blank(value: Any) -> bool:
    """None, or a string of nothing but white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def _is_empty_auto_cluster(auto: Any) -> bool:
    return isinstance(auto, dict) and all(_blank(auto.get(key)) for key in AUTO_CLUSTER_KEYS)


def _cluster_of(name: str, desc: Dict[str, Any], cluster_exists: Callable[[str], bool]) -> Optional[str]:
    """The task's ClusterId; None for an AutoCluster."""
    cluster = desc.get("ClusterId") or None
    auto = desc.get("AutoCluster") or None
    if cluster and _is_empty_auto_cluster(auto):
        auto = None
    if cluster and auto:
        raise invalid("ClusterId", "task %s sets both ClusterId and AutoCluster; set exactly one" % name)
    if not cluster and not auto:
        raise missing("ClusterId", "task %s needs a ClusterId or an AutoCluster" % name)
    if auto is not None and not isinstance(auto, dict):
        raise invalid("AutoCluster", "task %s: AutoCluster must be an object" % name)
    if cluster is not None:
        if not isinstance(cluster, str) or len(cluster) > MAX_ID_CHARS:
            raise invalid("ClusterId", "task %s: ClusterId must be a string of at most %d" % (name, MAX_ID_CHARS))
        if not cluster_exists(cluster):
            raise ApiError(404, "InvalidResource.NotFound", "Cluster %s does not exist" % cluster)
    return cluster


def _package(store: UrlChecker, path: str) -> str:
    if not path:
        return ""
    if path.endswith("/"):
        raise invalid("PackagePath", "PackagePath %r names a folder, not a tar.gz object" % path[:128])
    return object_url(store, path, "PackagePath")


def _log_prefix(store: UrlChecker, section: Dict[str, Any], key: str, task: str, instances: int) -> str:
    """Where log objects go: the oss:// prefix ``section[key]`` (left out or blank: DEFAULT_LOG_PATH);
    a bad one is ``Invalid<key>``: one that names no folder inside a bucket, or under which the
    longest log object name of the task would not fit."""
    prefix = text(section, key, "") or DEFAULT_LOG_PATH
    object_url(store, "%sstderr.%s.%s.%d" % (prefix, _LONGEST_JOB_ID, task, instances - 1), key)
    return prefix


def _input_mapping(store: UrlChecker, values: Dict[str, Any]) -> Dict[str, str]:
    _count(values, "InputMapping")
    for url, local in values.items():
        object_url(store, url, "InputMapping")
        local_path(local, "InputMapping")
    return dict(values)


def _output_mapping(store: UrlChecker, values: Dict[str, Any]) -> Dict[str, str]:
    _count(values, "OutputMapping")
    for local, url in values.items():
        local_path(local, "OutputMapping")
        object_url(store, url, "OutputMapping")
    return dict(values)


def _count(values: Dict[str, Any], param: str) -> None:
    if len(values) > MAX_MAPPINGS:
        raise invalid(param, "%s has more than %d entries" % (param, MAX_MAPPINGS))


# -- App jobs ------------------------------------------------------------------------------------


def _config_value(config: Dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key, default)
    if isinstance(value, dict):
        value = value.get("Value", value.get("Default", default))
    return default if value is None or value == "" else value


def _app_task(
    body: Dict[str, Any],
    store: UrlChecker,
    app_lookup: Callable[[str], Optional[Dict[str, Any]]],
    limits: Limits,
) -> TaskSpec:
    app = body.get("App")
    if not isinstance(app, dict):
        raise missing("App", "an App job needs an App object")
    app_name = text(app, "AppName", "", max_chars=MAX_ID_CHARS)
    if not app_name:
        raise missing("AppName")
    found = app_lookup(app_name)
    if found is None:
        raise ApiError(404, "InvalidResource.NotFound", "App %s does not exist" % app_name)
    config = _merged_config(found, mapping(app, "Config", "Config"))
    logging = mapping(app, "Logging", "Logging")
    env = dict(env_vars(mapping(found, "EnvVars"), "EnvVars"))
    env.update(_parameters(found, "InputParameters", mapping(app, "Inputs", "Inputs"), "Inputs"))
    env.update(_parameters(found, "OutputParameters", mapping(app, "Outputs", "Outputs"), "Outputs"))
    env = env_vars(env, "Inputs")
    docker = as_dict(found.get("Docker"))
    instance_count = integer(config, "InstanceCount", 1, 1, limits.max_instances_per_task)
    task = found["Name"]
    command_spec = CommandSpec(
        command_line=found["CommandLine"],
        env_vars=env,
        docker_image=docker.get("Image") or "",
        stdout_prefix=_log_prefix(
            store, {"StdoutPath": logging.get("StdoutPath") or ""}, "StdoutPath", task, instance_count
        ),
        stderr_prefix=_log_prefix(
            store, {"StderrPath": logging.get("StderrPath") or ""}, "StderrPath", task, instance_count
        ),
    )
    return TaskSpec(
        name=task,
        command=command_spec,
        upstream=[],
        cluster_id=None,
        instance_count=instance_count,
        max_retry=integer(config, "MaxRetryCount", 0, 0, MAX_RETRIES),
        timeout=number(config, "Timeout", 86400, MAX_TIMEOUT_SECONDS),
    )


def _merged_config(app: Dict[str, Any], overrides: Dict[str, Any]) -> Dict[str, Any]:
    """The App's config defaults, overridden by the job where the App allows it."""
    defaults = as_dict(app.get("Config"))
    merged = {}
    for key in ("InstanceCount", "MaxRetryCount", "Timeout"):
        item = as_dict(defaults.get(key))
        value = _config_value(defaults, key, None)
        if key in overrides and item.get("Overwritable", True) is not False:
            value = _config_value(overrides, key, value)
        merged[key] = value
    return merged


def _parameters(app: Dict[str, Any], section: str, given: Dict[str, Any], param: str) -> Dict[str, str]:
    """The job's Inputs (or Outputs) over the App's declared defaults, as environment variables."""
    declared = as_dict(app.get(section))
    for name, value in given.items():
        if isinstance(value, (dict, list)):
            raise invalid(param, "%s.%s must be a value, not an object or array" % (param, name[:64]))
    values = {}
    for name, decl in declared.items():
        decl = as_dict(decl)
        value = given.get(name, decl.get("Default"))
        if value is None and section == "InputParameters":
            raise missing(param, "App input %s has no value and no default" % name)
        values[name] = "" if value is None else str(value)
    values.update({name: "" if value is None else str(value) for name, value in given.items() if name not in values})
    return env_vars(values, param)
