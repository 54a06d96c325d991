"""Typed getters for the fields of a request body: each refuses a bad value with the documented
``Missing<Param>`` / ``Invalid<Param>`` error."""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional, Protocol

from ..errors import ApiError, invalid, missing

__all__ = [
    "NAME_RE",
    "UrlChecker",
    "json_object",
    "text",
    "integer",
    "number",
    "flag",
    "mapping",
    "as_dict",
    "valid_name",
    "object_url",
    "env_vars",
]

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
ENV_NAME_RE = re.compile(r"^[^=\x00]+$")


class UrlChecker(Protocol):
    """What validation needs of the object store."""

    def check(self, url: str) -> str:
        """``url`` when it names a path inside the store; ValueError otherwise."""


def json_object(body: Any, what: str) -> Dict[str, Any]:
    """``body`` when it is a JSON object (400 InvalidJsonFormat otherwise)."""
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the %s description must be a JSON object" % what)
    return body


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
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
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


def as_dict(value: Any) -> Dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def valid_name(value: Any, param: str, what: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise invalid(
            param,
            "%s %r must be 1-128 letters, digits, '_', '-' or '.', not starting with '.' or '-'" % (what, value),
        )
    return value


def object_url(store: UrlChecker, url: Any, param: str) -> str:
    try:
        return store.check(url)
    except ValueError as exc:
        raise invalid(param, str(exc)) from exc


def env_vars(values: Mapping[str, Any], param: str) -> Dict[str, str]:
    env = {}
    for key, value in values.items():
        value = "" if value is None else value if isinstance(value, str) else str(value)
        if not ENV_NAME_RE.match(key) or "\x00" in value:
            raise invalid(param, "environment variable %r is not valid" % key)
        env[key] = value
    return env
