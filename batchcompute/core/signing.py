"""Request signing (HMAC-SHA1, API signature version 1.0) and URL query encoding.

Byte-compatible with what the official SDK sends: the body's md5 travels in a header named
``contentMd5``, so the md5 line of the string to sign is empty in practice; the server side uses
the same functions to check signatures.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Mapping, Optional, Union
from urllib.parse import quote

__all__ = [
    "string_to_sign", "signature", "authorization", "encode_query", "gmt_date", "body_md5", "API_VERSION",
    "get_api_version", "set_api_version",
]

DATE_FORMAT = "%a, %d %b %Y %H:%M:%S GMT"
#: The API version this SDK speaks, sent in ``x-acs-version``.
API_VERSION = "2015-11-11"
_api_version = {"value": API_VERSION}


def get_api_version() -> str:
    """The API version sent by every client (process-wide, as in the official SDK)."""
    return _api_version["value"]


def set_api_version(version: str) -> None:
    """Change the API version sent by every client."""
    _api_version["value"] = version


def gmt_date(now: Optional[float] = None) -> str:
    """The ``Date`` header value for ``now`` (default: the current time)."""
    return time.strftime(DATE_FORMAT, time.gmtime(now))


def body_md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value).strip()
    return ""


def string_to_sign(method: str, path_and_query: str, headers: Mapping[str, str]) -> str:
    """The text that is signed: verb, Accept, Content-MD5, Content-Type, Date, x-acs-*, resource."""
    # Sorted by the names as sent, written lower-cased (so 'X-Acs-Zone' sorts before 'x-acs-...').
    acs = [(key.strip().lower(), str(headers[key]))
           for key in sorted(headers) if key.strip().lower().startswith("x-acs-")]
    lines = [method, _header(headers, "Accept"), _header(headers, "Content-MD5"),
             _header(headers, "Content-Type"), _header(headers, "Date")]
    return "\n".join(lines) + "\n" + "".join("%s:%s\n" % kv for kv in acs) + path_and_query


def signature(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization(key_id: str, secret: str, method: str, path_and_query: str,
                  headers: Mapping[str, str]) -> str:
    """The ``Authorization`` header value for a request."""
    return "acs %s:%s" % (key_id, signature(secret, string_to_sign(method, path_and_query, headers)))


def _quote(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return quote(str(value), safe="")


def encode_query(query: Union[None, str, Mapping[str, object]]) -> str:
    """Query text after ``?`` as the official SDK builds it: sorted, ``_`` -> ``-`` in keys, every
    part percent-encoded, an empty value sent as the bare key."""
    if not query:
        return ""
    if isinstance(query, str):
        return query
    parts = []
    for key in sorted(query):
        value = query[key]
        name = _quote(str(key).replace("_", "-"))
        text = "" if value is None else (value.decode("utf-8") if isinstance(value, bytes) else str(value))
        parts.append(name + "=" + _quote(text) if text else name)
    return "&".join(parts)
