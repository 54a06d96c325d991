"""Checking a request before a handler acts on it: its JSON body, the ids and names in its path,
and its query (paging, filters, tokens). Every malformed or out-of-range value is a 4xx ApiError
with the documented code, never an exception that would end as a 500.

The description checkers (``model.jobs``, ``model.clusters``, ``model.apps``, ``model.images``)
then check a body's fields; together they are the one validation layer every handler uses.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import unquote

from ..errors import ApiError, invalid
from .fields import has_control
from .limits import (
    MAX_ID_CHARS,
    MAX_INTEGER,
    MAX_JSON_DEPTH,
    MAX_MARKER_DIGITS,
    MAX_PAGE_DIGITS,
    MAX_STRING_CHARS,
    MAX_TOKEN_CHARS,
)
from .states import STATES

__all__ = [
    "parse_json",
    "parse_query",
    "path_params",
    "page_size",
    "marker",
    "state",
    "cluster_filter",
    "qualifier",
    "instance_number",
    "scope",
    "idempotent_token",
    "PARAM_NAMES",
]

#: Each path parameter of the route table and the name its errors use (``Invalid<name>``).
PARAM_NAMES = {
    "job": "JobId",
    "task": "TaskName",
    "instance": "InstanceId",
    "cluster": "ClusterId",
    "group": "GroupName",
    "image": "ImageId",
    "app": "AppName",
}
_DIGITS = re.compile(r"[0-9]+\Z")  # ASCII digits only: str.isdigit() also takes '²' and '٣'
#: Half of a UTF-16 surrogate pair, alone: JSON lets ``"\ud800"`` through, UTF-8 cannot store it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_json(message: str) -> ApiError:
    return ApiError(400, "InvalidJsonFormat", "the request body is not valid JSON: %s" % message)


def _constant(name: str) -> Any:
    raise ValueError("%s is not a JSON number" % name)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("the number %s is out of range" % text[:40])
    return value


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 19:  # before int(): a long run of digits costs quadratic time
        raise ValueError("the integer %s... is out of range" % text[:40])
    return int(text)


def parse_json(body: bytes) -> Any:
    """The body as JSON (None when it is empty): UTF-8, no NaN or Infinity, numbers in range, at
    most MAX_JSON_DEPTH levels, no string over MAX_STRING_CHARS. 400 InvalidJsonFormat otherwise."""
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad_json("not UTF-8 (%s)" % exc.reason) from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite, parse_int=_integer)
    except RecursionError:
        raise _bad_json("nested more than %d levels deep" % MAX_JSON_DEPTH) from None
    except ValueError as exc:  # JSONDecodeError, a constant, an integer of too many digits
        raise _bad_json(str(exc)[:200]) from None
    _check_tree(value)
    return value


def _check_tree(value: Any) -> None:
    """Depth, string sizes and integer range of a parsed body (iteratively: no recursion)."""
    pending: List[Tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING_CHARS:
                raise _bad_json("a string is longer than %d characters" % MAX_STRING_CHARS)
            if _SURROGATE.search(item):
                raise _bad_json("a string holds a lone UTF-16 surrogate")
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_INTEGER:
                raise _bad_json("the integer %.40s... is out of range" % item)
        else:
            if depth > MAX_JSON_DEPTH:
                raise _bad_json("nested more than %d levels deep" % MAX_JSON_DEPTH)
            members = list(item.items()) if isinstance(item, dict) else [(None, v) for v in item]
            for key, member in members:
                if key is not None and (len(key) > MAX_STRING_CHARS or _SURROGATE.search(key)):
                    raise _bad_json("a key is longer than %d characters or holds a lone surrogate" % MAX_STRING_CHARS)
                pending.append((member, depth + 1))


def parse_query(text: str) -> Dict[str, str]:
    """``Marker&MaxItemCount=10`` -> ``{"Marker": "", "MaxItemCount": "10"}``; a query that does
    not decode, or names a key twice, is 403 InvalidQueryString."""
    pairs: Dict[str, str] = {}
    for item in text.split("&") if text else ():
        if not item:
            continue
        key, _, value = item.partition("=")
        try:
            key = unquote(key.replace("+", " "), errors="strict")
            value = unquote(value.replace("+", " "), errors="strict")
        except UnicodeDecodeError as exc:
            raise ApiError(403, "InvalidQueryString", "the query string is not UTF-8: %s" % exc.reason) from None
        if key in pairs:
            raise ApiError(403, "InvalidQueryString", "the query names %s more than once" % key[:64])
        pairs[key] = value
    return pairs


def path_params(raw: Mapping[str, str]) -> Dict[str, str]:
    """The route's path parameters, percent-decoded: UTF-8, no control character, 1 to
    MAX_ID_CHARS characters (400 ``Invalid<Param>`` otherwise)."""
    params = {}
    for name, value in raw.items():
        param = PARAM_NAMES.get(name, name)
        try:
            text = unquote(value, errors="strict")
        except UnicodeDecodeError:
            raise invalid(param, "%s is not UTF-8 once percent-decoded" % param) from None
        if not text or len(text) > MAX_ID_CHARS or has_control(text):
            raise invalid(param, "%s must be 1 to %d characters without control characters" % (param, MAX_ID_CHARS))
        params[name] = text
    return params


def _short_text(value: str, name: str) -> str:
    if len(value) > MAX_ID_CHARS or has_control(value):
        raise invalid(name, "%s must be at most %d characters without control characters" % (name, MAX_ID_CHARS))
    return value.strip()


def _digits(value: str, name: str, most: int) -> int:
    """``value`` of ASCII digits, at most ``most`` of them."""
    if not _DIGITS.match(value) or len(value) > most:
        raise invalid(name, "%s must be a number of at most %d digits, not %r" % (name, most, value[:40]))
    return int(value)


def page_size(query: Mapping[str, str], maximum: int) -> int:
    """MaxItemCount (blank or 0: the maximum; capped at the maximum)."""
    text = (query.get("MaxItemCount") or "").strip()
    if not text:
        return maximum
    return min(_digits(text, "MaxItemCount", MAX_PAGE_DIGITS) or maximum, maximum)


def marker(query: Mapping[str, str], numeric: bool = True) -> Union[None, int, str]:
    """Marker: where a page starts (blank: the first page). A number issued by this server, or,
    not ``numeric``, a name (a task's)."""
    raw = query.get("Marker") or ""
    text = raw.strip()
    if not text:
        return None
    if not numeric:
        return _short_text(raw, "Marker")
    if not _DIGITS.match(text) or len(text) > MAX_MARKER_DIGITS:
        raise invalid("Marker", "Marker %r was not issued by this server" % text[:40])
    return int(text)


def state(query: Mapping[str, str]) -> Optional[str]:
    """The State a list is filtered by (None: any)."""
    value = (query.get("State") or "").strip()
    if not value:
        return None
    if value not in STATES:
        raise invalid("State", "State must be one of %s" % ", ".join(STATES))
    return value


def cluster_filter(query: Mapping[str, str]) -> str:
    """The ClusterId a list is filtered by ("": any)."""
    return _short_text(query.get("ClusterId") or "", "ClusterId")  # checked before it is stripped


def qualifier(text: str) -> Optional[int]:
    """Qualifier: an App's revision number (blank: the latest)."""
    text = (text or "").strip()
    if not text:
        return None
    return _digits(text, "Qualifier", MAX_PAGE_DIGITS)


def instance_number(text: str) -> int:
    """A job's instance id in a path: a number."""
    return _digits(text, "InstanceId", MAX_PAGE_DIGITS)


def scope(query: Mapping[str, str]) -> str:
    value = (query.get("Scope") or "Private").strip()
    if value not in ("Private", "Public"):
        raise invalid("Scope", "Scope must be Private or Public")
    return value


def idempotent_token(value: Any) -> str:
    """An IdempotentToken ("" when none): a string of at most MAX_TOKEN_CHARS without control
    characters."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TOKEN_CHARS or has_control(value):
        raise invalid(
            "IdempotentToken",
            "IdempotentToken must be a string of at most %d characters without control characters" % MAX_TOKEN_CHARS,
        )
    return value
