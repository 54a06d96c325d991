"""App descriptions: checking them, and the parameters an App job gives its App."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from ..errors import invalid, missing
from .fields import command_line, env_vars, integer, json_object, mapping, number, text, valid_name
from .limits import MAX_DESCRIPTION_CHARS, MAX_ENV_NAME_CHARS, MAX_ENV_VARS, MAX_RETRIES, MAX_TIMEOUT_SECONDS, Limits
from .shapes import Each, check_types
from .shapes import obj as _object

__all__ = ["AppSpec", "check_app", "APP"]

#: An input or output parameter of an App.
PARAMETER = _object(Description="", Type="", LocalPath="")
#: AppDescription (Config is checked by itself: each config is a value or {Default, Description,
#: Overwritable}).
APP = _object(
    Name="",
    Description="",
    InputParameters=Each(PARAMETER),
    OutputParameters=Each(PARAMETER),
    Docker=_object(Image="", RegistryOSSPath=""),
    VM=_object(ECSImageId=""),
    CommandLine="",
    EnvVars={},
    Daemonize=False,
    Config={},
)
_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class AppSpec:
    """A checked App description (stored as given, one revision each)."""

    name: str
    description: Dict[str, Any]


def check_app(body: Any, limits: Optional[Limits] = None) -> AppSpec:
    limits = limits or Limits()
    body = json_object(body, "app")
    check_types(body, APP, "")
    if not text(body, "Name", ""):
        raise missing("Name")
    valid_name(body["Name"], "Name", "app name")
    text(body, "Description", "", max_chars=MAX_DESCRIPTION_CHARS)
    command_line(body, "CommandLine", "App %s" % body["Name"])
    for section in ("InputParameters", "OutputParameters"):
        declared = mapping(body, section, max_items=MAX_ENV_VARS)
        for param_name, decl in declared.items():
            _check_parameter(section, param_name, decl)
    env_vars(mapping(body, "EnvVars"), "EnvVars")
    _check_config(mapping(body, "Config"), limits)
    return AppSpec(body["Name"], body)


def _check_parameter(section: str, param_name: str, decl: Any) -> None:
    if not isinstance(decl, dict):
        raise invalid(section, "%s %s must be an object" % (section, param_name[:64]))
    if not param_name or len(param_name) > MAX_ENV_NAME_CHARS or "=" in param_name or "\x00" in param_name:
        raise invalid(section, "%s: %r cannot name an environment variable" % (section, param_name[:64]))
    kind = decl.get("Type") or "String"
    default = decl.get("Default")
    if kind not in ("String", "Number"):
        raise invalid(section, "%s %s: Type must be String or Number" % (section, param_name))
    fits = default is None or (
        isinstance(default, str)
        if kind == "String"
        else isinstance(default, (int, float)) and not isinstance(default, bool)
    )
    if not fits:
        raise invalid(section, "%s %s: Default is not a %s" % (section, param_name, kind))


def _config_default(config: Dict[str, Any], key: str) -> Any:
    value = config.get(key)
    return value.get("Default") if isinstance(value, dict) else value


def _check_config(config: Dict[str, Any], limits: Limits) -> None:
    """Each config a value or {Default, Description, Overwritable}; the numbers an App job runs
    with in range."""
    for key, value in config.items():
        if isinstance(value, dict):
            check_types(value, _object(Description="", Overwritable=False), "Config." + key)
            value = value.get("Default")
        if value is not None and not isinstance(value, _SCALARS):
            raise invalid(key, "Config.%s must be a value or {Default, Description, Overwritable}" % key[:64])
        if isinstance(value, str):
            text({key: value}, key)
    numbers = {key: _config_default(config, key) for key in ("InstanceCount", "MaxRetryCount", "Timeout")}
    integer(numbers, "InstanceCount", 1, 1, limits.max_instances_per_task)
    integer(numbers, "MaxRetryCount", 0, 0, MAX_RETRIES)
    number(numbers, "Timeout", 86400, MAX_TIMEOUT_SECONDS)
