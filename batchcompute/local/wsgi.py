"""What a WSGI request looked like on the wire: its target and headers as sent, which the
signature checks of both the BatchCompute API and the OSS endpoint must use."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

__all__ = ["RAW_HEADERS_KEY", "raw_target", "request_headers"]

#: environ key under which a server may pass the request headers as received (names unchanged).
RAW_HEADERS_KEY = "batchcompute.raw_headers"
Headers = List[Tuple[str, str]]


def raw_target(environ: Dict[str, Any]) -> str:
    """The path-and-query as the client sent it (what it signed)."""
    target: Optional[str] = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if target:
        return target
    query = environ.get("QUERY_STRING", "")
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/;=,~!$&'()*+@:")
    return path + ("?" + query if query else "")


def request_headers(environ: Dict[str, Any]) -> Headers:
    """The request headers as received when the server passed them, else rebuilt from ``HTTP_*``."""
    raw = environ.get(RAW_HEADERS_KEY)
    if raw is not None:
        return list(raw)
    headers = [
        (key[5:].replace("_", "-").lower(), str(value)) for key, value in environ.items() if key.startswith("HTTP_")
    ]
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers.append((name, environ[key]))
    return headers
