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
import uuid
from typing import Dict, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import quote

__all__ = [
    "string_to_sign",
    "signature",
    "authorization",
    "encode_query",
    "gmt_date",
    "body_md5",
    "API_VERSION",
    "get_api_version",
    "set_api_version",
    "signed_headers",
    "STANDARD_HEADERS",
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


def string_to_sign(method: str, path_and_query: str, headers: Mapping[str, str], prefix: str = "x-acs-") -> str:
    """The text that is signed: verb, Accept, Content-MD5, Content-Type, Date, the headers whose
    lower-cased names start with ``prefix`` (``x-acs-``), resource."""
    # Sorted by the names as sent, written lower-cased (so 'X-Acs-Zone' sorts before 'x-acs-...').
    acs = [
        (key.strip().lower(), str(headers[key])) for key in sorted(headers) if key.strip().lower().startswith(prefix)
    ]
    lines = [
        method,
        _header(headers, "Accept"),
        _header(headers, "Content-MD5"),
        _header(headers, "Content-Type"),
        _header(headers, "Date"),
    ]
    return "\n".join(lines) + "\n" + "".join("%s:%s\n" % kv for kv in acs) + path_and_query


def signature(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization(
    key_id: str, secret: str, method: str, path_and_query: str, headers: Mapping[str, str], prefix: str = "x-acs-"
) -> str:
    """The ``Authorization`` header value for a request (``prefix``: as for :func:`string_to_sign`)."""
    return "acs %s:%s" % (key_id, signature(secret, string_to_sign(method, path_and_query, headers, prefix)))


#: The headers a signed request carries, by lower-cased name (a caller's header of the same name
#: replaces the standard one).
STANDARD_HEADERS = {
    name.lower(): name
    for name in (
        "Date",
        "x-acs-region-id",
        "x-acs-access-key-id",
        "x-acs-security-token",
        "x-acs-signature-method",
        "x-acs-signature-version",
        "x-acs-version",
        "x-acs-signature-nonce",
        "Accept",
        "Content-Type",
        "User-Agent",
        "contentMd5",
        "Content-Length",
    )
}


def signed_headers(
    method: str,
    target: str,
    body: bytes,
    key_id: str,
    secret: str,
    region_id: str,
    security_token: str = "",
    extra: Iterable[Tuple[str, str]] = (),
    user_agent: Optional[str] = None,
) -> Dict[str, str]:
    """Every header of one request, as the official SDK sends them, signed over exactly
    ``target`` (the path-and-query as sent): a fresh Date and nonce, the body's md5 in
    ``contentMd5`` when there is a body, then ``extra`` headers (replacing standard headers of
    the same name, matched case-insensitively), then Authorization."""
    headers = {
        "Date": gmt_date(),
        "x-acs-region-id": region_id,
        "x-acs-access-key-id": key_id,
    }
    if security_token:
        headers["x-acs-security-token"] = security_token
    headers["x-acs-signature-method"] = "HMAC-SHA1"
    headers["x-acs-signature-version"] = "1.0"
    headers["x-acs-version"] = get_api_version()
    headers["x-acs-signature-nonce"] = str(uuid.uuid4())
    headers["Accept"] = "application/json"
    headers["Content-Type"] = "application/json"
    if user_agent:
        headers["User-Agent"] = user_agent
    if body:
        headers["contentMd5"] = body_md5(body)
    headers["Content-Length"] = str(len(body))
    for name, value in extra:
        standard = STANDARD_HEADERS.get(name.lower())
        if standard is not None and standard != name:
            headers.pop(standard, None)
        headers[name] = value
    headers["Authorization"] = authorization(key_id, secret, method, target, headers)
    return headers


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
