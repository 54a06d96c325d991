"""App descriptions: a reusable command with typed inputs, outputs and configs."""

from __future__ import annotations

from typing import Any, Dict, Tuple, Type, Union

from ..core.compat import ANY, NUMBER, STRING, CamelCasedClass, add_metaclass, partial  # noqa: F401
from ._schema import Boolean, Child, Description, Dict_, Jsonizable, MapOf, String, Value, lookup  # noqa: F401

__all__ = [
    "Parameter",
    "InputParameter",
    "OutputParameter",
    "Docker",
    "VM",
    "Config",
    "AppDescription",
    "ResourceType",
    "InstanceType",
    "InstanceCount",
    "MinDiskSize",
    "DiskType",
    "MinDataDiskSize",
    "DataDiskType",
    "DataDiskMountPoint",
    "MaxRetryCount",
    "Timeout",
    "define_one_config",
]

PARAMETER_TYPES = {"String": STRING, "Number": NUMBER}


class ParameterTypeError(TypeError, RuntimeError):
    """A Parameter's Default does not fit its Type."""


def _default_fits_type(parameter: "Parameter") -> None:
    type_name, default = parameter.get("Type"), parameter.get("Default")
    if type_name is None:
        return
    accepted = PARAMETER_TYPES.get(type_name, (type(None),))
    if not isinstance(default, accepted):
        raise ParameterTypeError("Default value type(%s) does not match Type value(%s)" % (type(default), type_name))


class Parameter(Description):
    """An App input or output: ``Type`` is 'String' or 'Number'; when built from data (and so
    when assigned into an App), ``Default`` must fit it."""

    Description = String(default="")
    Default = Value(*ANY, default=None)
    Type = String(default="String")
    LocalPath = String(default="")

    #: Type -> the types its Default may have.
    available_types = PARAMETER_TYPES
    invariants = (_default_fits_type,)


InputParameter = Parameter
OutputParameter = Parameter


class Docker(Description):
    """The Docker image an App runs in, and the OSS registry holding it."""

    Image = String()
    RegistryOSSPath = String()

    required = ["Image"]


class VM(Description):
    """The ECS image an App runs on."""

    ECSImageId = String()

    required = ["ECSImageId"]


class _OneConfig(Description):
    # Default is declared by each subclass, with the types its config takes.
    default = None  # the official classes' attribute (always None there)
    Description = String(default="")
    Overwritable = Boolean(default=True)


def define_one_config(name: str, value_type: Tuple[type, ...], default_value: Any) -> Type["_OneConfig"]:
    """A config class of an App: a ``Default`` of ``value_type``, a Description and whether jobs
    may override it. ``default_value`` is the service's default, named in the documentation."""
    default = String(default=None) if tuple(value_type) == STRING else Value(*value_type, default=None)
    return type(
        name,
        (_OneConfig,),
        {
            "Default": default,
            "__doc__": "The App's %s config (the service's default: %r): a Default, a Description and whether "
            "jobs may override it." % (name, default_value),
            "__module__": __name__,
        },
    )


ResourceType = define_one_config("ResourceType", STRING, "OnDemand")
InstanceType = define_one_config("InstanceType", STRING, "")
InstanceCount = define_one_config("InstanceCount", NUMBER, 1)
MinDiskSize = define_one_config("MinDiskSize", NUMBER, 40)
DiskType = define_one_config("DiskType", STRING, "cloud_efficiency")
MinDataDiskSize = define_one_config("MinDataDiskSize", NUMBER, 0)
DataDiskType = define_one_config("DataDiskType", STRING, "cloud_efficiency")
DataDiskMountPoint = define_one_config("DataDiskMountPoint", STRING, "")
MaxRetryCount = define_one_config("MaxRetryCount", NUMBER, 0)
Timeout = define_one_config("Timeout", NUMBER, 86400)


def _setter(config_name: str) -> Any:
    def set_config(self: Any, value: Any, overwritable: bool = True, description: str = "") -> None:
        self._configs()[config_name] = {"Default": value, "Description": description, "Overwritable": overwritable}

    set_config.__doc__ = "Set the %s config: its default value, whether jobs may override it, a description." % (
        config_name
    )
    return set_config


class _ConfigSetters:
    """One setter per config of an App, writing to the Config that ``_configs()`` returns."""

    __slots__ = ()

    def _configs(self) -> "Config":
        raise NotImplementedError

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


class Config(_ConfigSetters, Description):
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

    def _configs(self) -> "Config":
        return self


_Configs = Config


def _parameter_name(name: Any) -> str:
    if not name or not isinstance(name, str):
        raise TypeError("A parameter name must be a non-empty string, not %r" % (name,))
    return name


class AppDescription(_ConfigSetters, Description):
    """An App: the body of create_app and modify_app."""

    resource_name = "apps"
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

    required = ["Name", "CommandLine"]

    def _configs(self) -> _Configs:
        return self.Config

    def add_input_parameter(self, name: str, params: Union[Parameter, Dict[str, Any]]) -> None:
        """Declare input ``name`` (a Parameter or its dict, stored as a copy)."""
        self.InputParameters[_parameter_name(name)] = AppDescription.InputParameters.item(params)

    def get_input_parameter(self, name: str) -> Parameter:
        """Input ``name`` (KeyError when the App declares none of that name)."""
        return lookup("input parameter", self.InputParameters, name)

    def delete_input_parameter(self, name: str) -> None:
        """Remove input ``name`` (nothing happens when there is none)."""
        self.InputParameters.pop(name, None)

    def add_output_parameter(self, name: str, params: Union[Parameter, Dict[str, Any]]) -> None:
        """Declare output ``name`` (a Parameter or its dict, stored as a copy)."""
        self.OutputParameters[_parameter_name(name)] = AppDescription.OutputParameters.item(params)

    def get_output_parameter(self, name: str) -> Parameter:
        """Output ``name`` (KeyError when the App declares none of that name)."""
        return lookup("output parameter", self.OutputParameters, name)

    #: The official SDK's spelling of :meth:`get_output_parameter`.
    get_outpu_parameter = get_output_parameter

    def delete_output_parameter(self, name: str) -> None:
        """Remove output ``name`` (nothing happens when there is none)."""
        self.OutputParameters.pop(name, None)
