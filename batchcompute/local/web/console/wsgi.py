"""The console's requests and answers over WSGI: query, form body, cookies; status, headers, body.

Every answer carries headers that keep its pages to themselves: a Content-Security-Policy that
allows only the console's own scripts and styles, no framing, no referrer for other sites, no
caching of pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import parse_qsl, quote

from ...wsgi import raw_target

__all__ = ["Request", "Response", "BadRequest", "MAX_FORM_BYTES", "redirect", "json_answer", "url_path"]

#: The largest form body a console action accepts.
MAX_FORM_BYTES = 16 * 1024
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


class BadRequest(Exception):
    """A request the console cannot read: answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _pairs(text: str, what: str) -> Dict[str, str]:
    try:
        return dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(400, "the %s cannot be read" % what) from None


def _cookies(header: str) -> Dict[str, str]:
    """``a=1; b=2`` -> {"a": "1", "b": "2"} (a malformed part is left out)."""
    found: Dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            found.setdefault(name, value.strip().strip('"'))
    return found


class Request:
    """A console request: method, target and path (as sent, still quoted), query, cookies, form."""

    def __init__(self, environ: Dict[str, Any]) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.target = raw_target(environ)
        self.path, _, query = self.target.partition("?")
        self.query = _pairs(query, "query string")
        self.cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        self.session: Any = None  # the Session, once the console has found it
        self._form: Optional[Dict[str, str]] = None

    @property
    def secure(self) -> bool:
        return self.environ.get("wsgi.url_scheme") == "https"

    def header(self, name: str) -> str:
        return str(self.environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    def form(self) -> Dict[str, str]:
        """The url-encoded form body (413 over MAX_FORM_BYTES, 415 for another type)."""
        if self._form is None:
            self._form = self._read_form()
        return self._form

    def _read_form(self) -> Dict[str, str]:
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest(400, "Content-Length is not a number") from None
        if length > MAX_FORM_BYTES:
            raise BadRequest(413, "a console form is at most %d bytes" % MAX_FORM_BYTES)
        if length <= 0:
            return {}
        kind = self.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise BadRequest(415, "a console form is sent as application/x-www-form-urlencoded")
        body = self.environ["wsgi.input"].read(length)
        try:
            return _pairs(body.decode("ascii"), "form")
        except UnicodeDecodeError:
            raise BadRequest(400, "the form cannot be read") from None

    def same_origin(self) -> bool:
        """False for a request that a browser says comes from another site: by Sec-Fetch-Site,
        else by Origin (a client that sends neither is no browser, and needs the tokens)."""
        site = self.header("Sec-Fetch-Site")
        if site:
            return site in ("same-origin", "none")
        origin = self.header("Origin")
        if not origin:
            return True
        host = self.header("Host") or "%s:%s" % (self.environ.get("SERVER_NAME"), self.environ.get("SERVER_PORT"))
        return origin.split("://", 1)[-1] == host


@dataclass
class Response:
    """An answer: status, its extra headers and the body."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: List[Tuple[str, str]] = field(default_factory=list)
    cache: str = "no-store"

    def send(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            ("Cache-Control", self.cache),
            *SECURITY_HEADERS,
            *self.headers,
        ]
        start_response("%d %s" % (self.status, HTTPStatus(self.status).phrase), headers)
        return [self.body]


def redirect(location: str, status: int = 303) -> Response:
    return Response(status, headers=[("Location", location)])


def json_answer(value: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(value).encode("utf-8"), "application/json")


def url_path(*segments: Any) -> str:
    """``/console/`` and the segments, each quoted (``/`` included)."""
    return "/console/" + "/".join(quote(str(segment), safe="") for segment in segments)
