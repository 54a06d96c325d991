"""App descriptions: checking them, and the parameters an App job gives its App."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from ..errors import invalid, missing
from .fields import env_vars, json_object, mapping, text, valid_name

__all__ = ["AppSpec", "check_app"]


@dataclass(frozen=True)
class AppSpec:
    """A checked App description (stored as given, one revision each)."""

    name: str
    description: Dict[str, Any]


def check_app(body: Any) -> AppSpec:
    body = json_object(body, "app")
    if not text(body, "Name", ""):
        raise missing("Name")
    valid_name(body["Name"], "Name", "app name")
    if not text(body, "CommandLine", "").strip():
        raise missing("CommandLine")
    for section in ("InputParameters", "OutputParameters"):
        for param_name, decl in mapping(body, section).items():
            _check_parameter(section, param_name, decl)
    env_vars(mapping(body, "EnvVars"), "EnvVars")
    return AppSpec(body["Name"], body)


def _check_parameter(section: str, param_name: str, decl: Any) -> None:
    if not isinstance(decl, dict):
        raise invalid(section, "%s %s must be an object" % (section, param_name))
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
        raise invalid(section, "%s %s: Default %r is not a %s" % (section, param_name, default, kind))
