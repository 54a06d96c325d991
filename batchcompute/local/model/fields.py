"""Typed getters for the fields of a request body: each refuses a bad value (wrong type, out of
range, too long) with the documented ``Missing<Param>`` / ``Invalid<Param>`` error."""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Mapping, Optional, Protocol

from ..errors import ApiError, invalid, missing
from .limits import (
    MAX_COMMAND_BYTES,
    MAX_ENV_BYTES,
    MAX_ENV_NAME_CHARS,
    MAX_ENV_VALUE_BYTES,
    MAX_ENV_VARS,
    MAX_FIELD_CHARS,
    MAX_LOCAL_PATH_BYTES,
    MAX_SEGMENT_BYTES,
    MAX_URL_CHARS,
)

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
    "local_path",
    "env_vars",
    "command_line",
    "has_control",
    "name_text",
]

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
ENV_NAME_RE = re.compile(r"^[^=\x00]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SCHEME = "oss://"


class UrlChecker(Protocol):
    """What validation needs of the object store."""

    def check(self, url: str) -> str:
        """``url`` when it names a path inside the store; ValueError otherwise."""


def has_control(value: str) -> bool:
    """Whether ``value`` holds a control character (NUL, CR, LF, ...)."""
    return _CONTROL.search(value) is not None


def json_object(body: Any, what: str) -> Dict[str, Any]:
    """``body`` when it is a JSON object (400 InvalidJsonFormat otherwise)."""
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidJsonFormat", "the %s description must be a JSON object" % what)
    return body


def text(
    obj: Mapping[str, Any],
    key: str,
    default: Optional[str] = None,
    param: str = "",
    max_chars: int = MAX_FIELD_CHARS,
) -> str:
    """A string field (None: ``default``; no default: Missing<Param>) of at most ``max_chars``."""
    value = obj.get(key)
    if value is None:
        value = default
    if value is None:
        raise missing(param or key)
    if not isinstance(value, str):
        raise invalid(param or key, "%s must be a string, not %s" % (key, _kind(value)))
    if len(value) > max_chars:
        raise invalid(param or key, "%s is longer than %d characters" % (key, max_chars))
    return value


def _kind(value: Any) -> str:
    """The JSON type of ``value``, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def integer(obj: Mapping[str, Any], key: str, default: int, low: int = 0, high: Optional[int] = None) -> int:
    value = obj.get(key, default)
    if value is None:
        value = default
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = "between %d and %d" % (low, high) if high is not None else ">= %d" % low
        shown = repr(value) if isinstance(value, (int, float, str)) and len(repr(value)) <= 40 else _kind(value)
        raise invalid(key, "%s must be an integer %s, not %s" % (key, bounds, shown))
    return value


def number(obj: Mapping[str, Any], key: str, default: float, high: float = math.inf) -> float:
    """A positive, finite number of at most ``high``."""
    value = obj.get(key, default)
    if value is None:
        value = default
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
        or value > high
    ):
        shown = repr(value) if isinstance(value, (int, float, str)) and len(repr(value)) <= 40 else _kind(value)
        raise invalid(key, "%s must be a positive number of at most %g, not %s" % (key, high, shown))
    return float(value)


def flag(obj: Mapping[str, Any], key: str, default: bool) -> bool:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(key, "%s must be true or false, not %s" % (key, _kind(value)))
    return value


def mapping(obj: Mapping[str, Any], key: str, param: str = "", max_items: Optional[int] = None) -> Dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(param or key, "%s must be an object, not %s" % (key, _kind(value)))
    if max_items is not None and len(value) > max_items:
        raise invalid(param or key, "%s has more than %d entries" % (key, max_items))
    return value


def as_dict(value: Any) -> Dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def valid_name(value: Any, param: str, what: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        shown = repr(value[:64]) if isinstance(value, str) else _kind(value)
        raise invalid(
            param,
            "%s %s must be 1-128 letters, digits, '_', '-' or '.', not starting with '.' or '-'" % (what, shown),
        )
    return value


def _segments_fit(path: str) -> bool:
    return all(len(part.encode("utf-8")) <= MAX_SEGMENT_BYTES for part in path.split("/"))


def object_url(store: UrlChecker, url: Any, param: str) -> str:
    """An ``oss://bucket/...`` URL inside the store that names something inside a bucket (at
    least ``oss://bucket/``), of at most MAX_URL_CHARS, no segment over MAX_SEGMENT_BYTES."""
    if not isinstance(url, str):
        raise invalid(param, "%s must be an oss:// path, not %s" % (param, _kind(url)))
    if len(url) > MAX_URL_CHARS:
        raise invalid(param, "%s is longer than %d characters" % (param, MAX_URL_CHARS))
    if url.startswith(SCHEME):
        if "/" not in url[len(SCHEME) :]:
            raise invalid(param, "%r names no object inside a bucket (oss://bucket/...)" % url)
        if has_control(url) or not _segments_fit(url[len(SCHEME) :]):
            raise invalid(param, "%r has a control character or a segment over %d bytes" % (url, MAX_SEGMENT_BYTES))
    try:
        return store.check(url)
    except ValueError as exc:
        raise invalid(param, str(exc)) from exc
    except OSError as exc:  # a name the file system refuses
        raise invalid(param, "%r is not a valid object path: %s" % (url, exc.strerror)) from exc


def local_path(value: Any, param: str) -> str:
    """A local path of a mapping: a non-blank string without control characters, of at most
    MAX_LOCAL_PATH_BYTES, no segment over MAX_SEGMENT_BYTES."""
    if not isinstance(value, str) or not value.strip() or has_control(value):
        shown = repr(value[:64]) if isinstance(value, str) else _kind(value)
        raise invalid(param, "%s is not a valid local path" % shown)
    if len(value.encode("utf-8")) > MAX_LOCAL_PATH_BYTES or not _segments_fit(value):
        raise invalid(
            param,
            "local path %r... is longer than %d bytes or has a segment over %d bytes"
            % (value[:64], MAX_LOCAL_PATH_BYTES, MAX_SEGMENT_BYTES),
        )
    return value


def env_vars(values: Mapping[str, Any], param: str) -> Dict[str, str]:
    """Environment variables as strings: names without ``=`` or NUL, values scalars (numbers and
    booleans as the SDK turns them into text), within the MAX_ENV_* limits."""
    if len(values) > MAX_ENV_VARS:
        raise invalid(param, "%s has more than %d variables" % (param, MAX_ENV_VARS))
    env: Dict[str, str] = {}
    total = 0
    for key, value in values.items():
        if isinstance(value, (dict, list)):
            raise invalid(param, "environment variable %r must be a string, not %s" % (key[:64], _kind(value)))
        value = "" if value is None else value if isinstance(value, str) else str(value)
        if len(key) > MAX_ENV_NAME_CHARS or not ENV_NAME_RE.match(key) or "\x00" in value:
            raise invalid(param, "environment variable %r is not valid" % key[:64])
        size = len(value.encode("utf-8"))
        if size > MAX_ENV_VALUE_BYTES:
            raise invalid(param, "environment variable %r is longer than %d bytes" % (key[:64], MAX_ENV_VALUE_BYTES))
        total += size + len(key)
        env[key] = value
    if total > MAX_ENV_BYTES:
        raise invalid(param, "%s holds more than %d bytes" % (param, MAX_ENV_BYTES))
    return env


def command_line(obj: Mapping[str, Any], key: str, what: str) -> str:
    """A CommandLine: not blank, no NUL, at most MAX_COMMAND_BYTES (UTF-8)."""
    line = text(obj, key, "", max_chars=MAX_COMMAND_BYTES)
    if not line.strip():
        raise missing(key, "%s has no %s" % (what, key))
    if "\x00" in line or len(line.encode("utf-8")) > MAX_COMMAND_BYTES:
        raise invalid(key, "%s: %s holds a NUL or is longer than %d bytes" % (what, key, MAX_COMMAND_BYTES))
    return line


def name_text(obj: Mapping[str, Any], key: str, max_chars: int, required: bool = True) -> str:
    """A Name: a string of at most ``max_chars`` without control characters (not blank when
    ``required``: Missing<Key>)."""
    value = text(obj, key, "", max_chars=max_chars)
    if required and not value.strip():
        raise missing(key)
    if has_control(value):
        raise invalid(key, "%s must not hold control characters" % key)
    return value
