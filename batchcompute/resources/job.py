"""Job descriptions: a JobDescription holds a DAG of TaskDescriptions."""

from __future__ import annotations

from typing import Any, Dict, Union

from ..core.compat import ANY, NUMBER, STRING, TIME, CamelCasedClass, add_metaclass, import_json, partial  # noqa: F401
from ._schema import Boolean, Child, Description, Dict_, Jsonizable, MapOf, Number, String, lookup  # noqa: F401
from .cluster import Configs, Mounts
from .notification import Notification, Topic

__all__ = [
    "Docker",
    "Command",
    "InputMappingConfig",
    "Parameters",
    "Topic",
    "Notification",
    "AutoCluster",
    "TaskDescription",
    "DAG",
    "JobDescription",
    "Logging",
    "Config",
    "App",
    "AppJobDescription",
    "Configs",
    "Mounts",
]


class Docker(Description):
    """The Docker image a task's command runs in."""

    Image = String(default="")

    required = ["Image"]


class Command(Description):
    """What an instance runs: a shell command line, an optional package and its environment."""

    CommandLine = String()
    PackagePath = String()
    EnvVars = Dict_(default=dict, str_values=True)
    Docker = Child(Docker, default=Docker)

    required = ["CommandLine", "PackagePath"]


class InputMappingConfig(Description):
    """How mapped input files are presented (locale, locking)."""

    Locale = String(default="GBK")
    Lock = Boolean(default=False)


class Parameters(Description):
    """A task's command and where its standard output and error go."""

    Command = Child(Command, default=Command)
    InputMappingConfig = Child(InputMappingConfig, default=InputMappingConfig)
    StdoutRedirectPath = String()
    StderrRedirectPath = String()

    required = ["Command", "InputMappingConfig", "StdoutRedirectPath", "StderrRedirectPath"]


class AutoCluster(Description):
    """A cluster created for one task and released after it."""

    InstanceType = String(default="")
    ResourceType = String()
    SpotStrategy = String()
    SpotPriceLimit = Number()
    ImageId = String()
    ECSImageId = String(default="")
    Configs = Child(Configs, settle=False)
    UserData = Dict_(default=dict)
    ReserveOnFail = Boolean(default=False)
    ClusterId = String()
    DependencyIsvService = String(default="")


class TaskDescription(Description):
    """One task of a job: InstanceCount instances of the same command."""

    Parameters = Child(Parameters, default=Parameters)
    InputMapping = Dict_(default=dict)
    OutputMapping = Dict_(default=dict)
    LogMapping = Dict_(default=dict)
    WriteSupport = Boolean()
    Timeout = Number(default=3600)
    InstanceCount = Number(default=1)
    MaxRetryCount = Number(default=0)
    ClusterId = String()
    Mounts = Child(Mounts)
    AutoCluster = Child(AutoCluster)

    required = ["Parameters", "Timeout", "InstanceCount", ["ClusterId", "AutoCluster"]]


class DAG(Description):
    """The tasks of a job and their dependencies (``{"a": ["b"]}``: b runs after a)."""

    Tasks = MapOf(TaskDescription, default=dict)
    Dependencies = Dict_(default=dict)

    required = ["Tasks"]

    def add_task(self, task_name: str, task: Union[TaskDescription, Dict[str, Any]]) -> None:
        """Add (a copy of) ``task`` under ``task_name``."""
        self.Tasks[task_name] = DAG.Tasks.item(task)

    def delete_task(self, task_name: str) -> None:
        self.Tasks.pop(task_name, None)

    def get_task(self, task_name: str) -> TaskDescription:
        return lookup("task", self.Tasks, task_name)


class JobDescription(Description):
    """A DAG job: the body of create_job."""

    resource_name = "jobs"
    Name = String()
    Description = String(default="Batchcompute Python SDK")
    Priority = Number()
    Notification = Child(Notification)
    JobFailOnInstanceFail = Boolean(default=True)
    AutoRelease = Boolean(default=False)
    Type = String(default="DAG")
    DAG = Child(DAG)

    required = ["Name", "Priority", "Type", "JobFailOnInstanceFail", "DAG"]


class Logging(Description):
    """Where an App job's stdout and stderr go."""

    StdoutPath = String()
    StderrPath = String()


class Config(Description):
    """Per-job overrides of an App's configs (plain values)."""

    ResourceType = String()
    InstanceType = String()
    InstanceCount = Number()
    MinDiskSize = Number()
    DiskType = String()
    MinDataDiskSize = Number()
    DataDiskType = String()
    DataDiskMountPoint = String()
    MaxRetryCount = Number()
    Timeout = Number()
    ClassicNetwork = Boolean()
    ClusterId = String()
    ReserveOnFail = Boolean()


class App(Description):
    """The App an App job runs, with its inputs and outputs."""

    AppName = String()
    Inputs = Dict_(default=dict)
    Outputs = Dict_()
    Logging = Child(Logging)
    Config = Child(Config)

    required = ["AppName", "Inputs"]

    def add_input(self, name: str, value: Any) -> None:
        self.Inputs[name] = value

    def get_input(self, name: str) -> Any:
        return lookup("input", self.Inputs, name)

    def delete_input(self, name: str) -> None:
        self.Inputs.pop(name, None)

    def add_output(self, name: str, value: Any) -> None:
        self.Outputs[name] = value

    def get_output(self, name: str) -> Any:
        return lookup("output", self.Outputs, name)

    def delete_output(self, name: str) -> None:
        self.Outputs.pop(name, None)


class AppJobDescription(Description):
    """An App job: runs a registered App with inputs (the body of create_job)."""

    resource_name = "jobs"
    Name = String()
    Description = String()
    Priority = Number()
    Notification = Child(Notification)
    JobFailOnInstanceFail = Boolean()
    AutoRelease = Boolean()
    Type = String()
    App = Child(App, default=App)

    required = ["Name", "Type", "App"]
