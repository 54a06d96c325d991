"""The WSGI application: body cap, signature check, routing, JSON answers and errors.

Every answer carries ``x-acs-request-id`` and ``Date``; errors are
``{"Code", "Message", "RequestId"}`` with the documented codes (wire.md): 400 InvalidUrlPattern
for an unknown path, 405 MethodNotAllowed for a known path with another method, 413
InvalidHttpBody for a body over the cap, 500 InternalError for a bug.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote

from ...core import routes
from ...core.signing import gmt_date
from ..api import HANDLERS, ApiRequest, ApiResponse, Context
from ..constants import MAX_BODY_BYTES
from ..errors import ApiError
from ..ids import request_id as new_request_id
from .auth import Authenticator
from .console import is_console_path

__all__ = ["WsgiApp", "RAW_HEADERS_KEY"]

log = logging.getLogger("batchcompute.local")
#: environ key under which a server may pass the request headers as received (names unchanged).
RAW_HEADERS_KEY = "batchcompute.raw_headers"
StartResponse = Callable[..., Any]
Headers = List[Tuple[str, str]]


def _status_line(status: int) -> str:
    try:
        return "%d %s" % (status, HTTPStatus(status).phrase)
    except ValueError:
        return "%d Unknown" % status


def raw_target(environ: Dict[str, Any]) -> str:
    """The path-and-query as the client sent it (what it signed)."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if target:
        return target
    query = environ.get("QUERY_STRING", "")
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/;=,~!$&'()*+@:")
    return path + ("?" + query if query else "")


def request_headers(environ: Dict[str, Any]) -> Headers:
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


def parse_query(text: str) -> Dict[str, str]:
    """``Marker&MaxItemCount=10`` -> ``{"Marker": "", "MaxItemCount": "10"}``."""
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(403, "InvalidQueryString", "the query string cannot be parsed: %s" % exc) from exc


class WsgiApp:
    """BatchCompute's REST API over ``ctx``; paths under ``/console/`` go to ``console``."""

    def __init__(
        self,
        ctx: Context,
        authenticator: Authenticator,
        max_body: int = MAX_BODY_BYTES,
        console: Optional[Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]] = None,
    ) -> None:
        self.ctx = ctx
        self.auth = authenticator
        self.max_body = max_body
        self.console = console

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.console is not None and is_console_path(environ.get("PATH_INFO", "")):
            return self.console(environ, start_response)
        rid = new_request_id()
        try:
            answer = self._handle(environ, rid)
        except ApiError as err:
            answer = ApiResponse(err.status, {"Code": err.code, "Message": err.message, "RequestId": rid})
        except Exception as exc:
            log.exception("request %s failed", rid)
            answer = ApiResponse(
                500,
                {"Code": "InternalError", "Message": "%s: %s" % (type(exc).__name__, exc), "RequestId": rid},
            )
        payload = b"" if answer.body is None else json.dumps(answer.body, separators=(",", ":")).encode("utf-8")
        start_response(
            _status_line(answer.status),
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("x-acs-request-id", rid),
                ("Date", gmt_date()),
            ],
        )
        return [payload]

    def _handle(self, environ: Dict[str, Any], rid: str) -> ApiResponse:
        method = environ["REQUEST_METHOD"].upper()
        target = raw_target(environ)
        headers = request_headers(environ)
        body = self._body(environ)
        self.auth.verify(method, target, headers, body)
        path, _, query_text = target.partition("?")
        query = parse_query(query_text)
        route, params, known = routes.match(method, path, query.keys())
        if route is None:
            if known:
                raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s" % (method, path))
            raise ApiError(400, "InvalidUrlPattern", "no API answers %s %s" % (method, path))
        request = ApiRequest(
            method=method,
            route=route.name,
            params={k: unquote(v) for k, v in params.items()},
            query=query,
            body=body,
            request_id=rid,
        )
        return HANDLERS[route.name](self.ctx, request)

    def _body(self, environ: Dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ApiError(400, "InvalidHttpBody", "Content-Length is not a number") from None
        if length > self.max_body:
            raise ApiError(
                413,
                "InvalidHttpBody",
                "the body (%d bytes) is larger than the %d bytes accepted" % (length, self.max_body),
            )
        if length <= 0:
            return b""
        body = environ["wsgi.input"].read(length)
        if len(body) != length:
            raise ApiError(400, "InvalidHttpBody", "the body is shorter than its Content-Length")
        return body
