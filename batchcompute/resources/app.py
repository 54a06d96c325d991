"""App descriptions: a reusable command with typed inputs, outputs and configs."""
from __future__ import annotations

from typing import Any

from ..utils.jsonizable import Boolean, Child, Dict_, Jsonizable, MapOf, String, Value

__all__ = [
    "Parameter", "InputParameter", "OutputParameter", "Docker", "VM", "Config", "AppDescription",
    "ResourceType", "InstanceType", "InstanceCount", "MinDiskSize", "DiskType", "MinDataDiskSize",
    "DataDiskType", "DataDiskMountPoint", "MaxRetryCount", "Timeout",
]

_STRING = (str, bytes, type(None))
_NUMBER = (int, float, type(None))
PARAMETER_TYPES = {"String": _STRING, "Number": _NUMBER}


class ParameterTypeError(TypeError, RuntimeError):
    """A Parameter's Default does not fit its Type."""


def _default_fits_type(parameter: "Parameter") -> None:
    type_name, default = parameter.get("Type"), parameter.get("Default")
    if type_name is None:
        return
    accepted = PARAMETER_TYPES.get(type_name, (type(None),))
    if not isinstance(default, accepted):
        raise ParameterTypeError(
            "Default value type(%s) does not match Type value(%s)" % (type(default), type_name))


class Parameter(Jsonizable):
    """An App input or output: ``Type`` is 'String' or 'Number'; when built from data (and so
    when assigned into an App), ``Default`` must fit it."""
    Description = String(default="")
    Type = String(default="String")
    Default = Value(str, bytes, int, float, type(None), default=None)
    LocalPath = String(default="")

    invariants = (_default_fits_type,)


InputParameter = Parameter
OutputParameter = Parameter


class Docker(Jsonizable):
    """The Docker image an App runs in, and the OSS registry holding it."""
    Image = String()
    RegistryOSSPath = String()


class VM(Jsonizable):
    """The ECS image an App runs on."""
    ECSImageId = String()


class _OneConfig(Jsonizable):
    # Default is declared by each subclass, with the types its config takes.
    Description = String(default="")
    Overwritable = Boolean(default=True)


def _config(name: str, *types: type) -> type:
    cls = type(name, (_OneConfig,), {
        "Default": Value(*types, type(None), default=None),
        "__doc__": "The App's %s config: a Default, a Description and whether jobs may override it." % name,
        "__module__": __name__,
    })
    return cls


ResourceType = _config("ResourceType", str, bytes)
InstanceType = _config("InstanceType", str, bytes)
InstanceCount = _config("InstanceCount", int, float)
MinDiskSize = _config("MinDiskSize", int, float)
DiskType = _config("DiskType", str, bytes)
MinDataDiskSize = _config("MinDataDiskSize", int, float)
DataDiskType = _config("DataDiskType", str, bytes)
DataDiskMountPoint = _config("DataDiskMountPoint", str, bytes)
MaxRetryCount = _config("MaxRetryCount", int, float)
Timeout = _config("Timeout", int, float)


class Config(Jsonizable):
    """The App's configs, each with a default that jobs may override."""
    ResourceType = Child(ResourceType)
    InstanceType = Child(InstanceType)
    InstanceCount = Child(InstanceCount)
    MinDiskSize = Child(MinDiskSize)
    DiskType = Child(DiskType)
    MinDataDiskSize = Child(MinDataDiskSize)
    DataDiskType = Child(DataDiskType)
    DataDiskMountPoint = Child(DataDiskMountPoint)
    MaxRetryCount = Child(MaxRetryCount)
    Timeout = Child(Timeout)


def _setter(config_name: str) -> Any:
    def set_config(self: "AppDescription", value: Any, overwritable: bool = True, description: str = "") -> None:
        self.Config[config_name] = {"Default": value, "Description": description, "Overwritable": overwritable}

    set_config.__doc__ = "Set the %s config: its default value, whether jobs may override it, a description." % (
        config_name)
    return set_config


class AppDescription(Jsonizable):
    """An App: the body of create_app and modify_app."""
    Name = String()
    Description = String()
    InputParameters = MapOf(Parameter, default=dict)
    OutputParameters = MapOf(Parameter, default=dict)
    Docker = Child(Docker)
    VM = Child(VM)
    CommandLine = String()
    EnvVars = Dict_()
    Daemonize = Boolean()
    Config = Child(Config)

    required = ("Name", "CommandLine")

    set_resource_type = _setter("ResourceType")
    set_instance_type = _setter("InstanceType")
    set_instance_count = _setter("InstanceCount")
    set_min_disk_size = _setter("MinDiskSize")
    set_disk_type = _setter("DiskType")
    set_min_data_disk_size = _setter("MinDataDiskSize")
    set_data_disk_type = _setter("DataDiskType")
    set_data_disk_mount_point = _setter("DataDiskMountPoint")
    set_max_retry_count = _setter("MaxRetryCount")
    set_timeout = _setter("Timeout")
