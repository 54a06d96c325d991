"""The WSGI application: body cap, signature check, routing, JSON answers and errors.

Every answer carries ``x-acs-request-id`` and ``Date``; errors are
``{"Code", "Message", "RequestId"}`` with the documented codes (wire.md): 400 InvalidUrlPattern
for an unknown path, 405 MethodNotAllowed for a known path with another method, 413
InvalidHttpBody for a body over the cap, 400 ``Invalid<Param>`` for a bad id in the path
(``model.request``), 500 InternalError for a bug.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ...core import routes
from ...core.signing import gmt_date
from ..api import HANDLERS, ApiRequest, ApiResponse, Context
from ..constants import MAX_BODY_BYTES
from ..errors import ApiError
from ..ids import request_id as new_request_id
from ..model import request as checks
from ..wsgi import RAW_HEADERS_KEY, raw_target, request_headers
from .auth import Authenticator
from .console import is_console_path

__all__ = ["WsgiApp", "RAW_HEADERS_KEY"]

log = logging.getLogger("batchcompute.local")
StartResponse = Callable[..., Any]
Headers = List[Tuple[str, str]]


def _status_line(status: int) -> str:
    try:
        return "%d %s" % (status, HTTPStatus(status).phrase)
    except ValueError:
        return "%d Unknown" % status


def parse_query(text: str) -> Dict[str, str]:
    """``Marker&MaxItemCount=10`` -> ``{"Marker": "", "MaxItemCount": "10"}`` (``model.request``)."""
    return checks.parse_query(text)


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
        payload = answer.payload()
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
                raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s" % (method[:16], path[:256]))
            raise ApiError(400, "InvalidUrlPattern", "no API answers %s %s" % (method[:16], path[:256]))
        request = ApiRequest(
            method=method,
            route=route.name,
            params=checks.path_params(params),
            query=query,
            body=body,
            request_id=rid,
        )
        return HANDLERS[route.name](self.ctx, request)

    def _body(self, environ: Dict[str, Any]) -> bytes:
        text = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise ApiError(400, "InvalidHttpBody", "Content-Length must be a number of bytes")
        length = int(text)
        if length > self.max_body:
            raise ApiError(
                413,
                "InvalidHttpBody",
                "the body (%d bytes) is larger than the %d bytes accepted" % (length, self.max_body),
            )
        if length <= 0:
            return b""
        body: bytes = environ["wsgi.input"].read(length)
        if len(body) != length:
            raise ApiError(400, "InvalidHttpBody", "the body is shorter than its Content-Length")
        return body
