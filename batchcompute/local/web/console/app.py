"""The console's WSGI application: routing, the login gate, CSRF checks, templates, static files.

Every page but the login page and the static files needs a live session (its cookie:
``HttpOnly; SameSite=Strict``, named after the port so that two servers on one host do not
share it). A page asked for without one redirects to the login page; a data request (a log
piece) is answered 401; an action is refused (403). Every POST must come from the console's own
pages: a cross-site request is refused, and an action must carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Pattern, Tuple
from urllib.parse import quote, unquote

import jinja2

from ...api import Context
from ...errors import ApiError
from . import actions, views
from .formatting import FILTERS, GLOBALS
from .sessions import Session, SessionStore
from .settings import Setting
from .wsgi import BadRequest, Request, Response, json_answer, redirect, url_path

__all__ = ["Console", "PUBLIC", "PAGE", "DATA"]

log = logging.getLogger("batchcompute.local.console")
HERE = Path(__file__).resolve().parent
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
#: Who may ask: anyone, a session (a page: redirected to the login page), a session (data: 401).
PUBLIC, PAGE, DATA = "public", "page", "data"
View = Callable[..., Response]
#: The answer to a request the console failed on (plain: the templates may be what failed).
FAILED_PAGE = b"<!doctype html><title>Console error</title><p>The console failed to answer; the server's log says why."
_SEGMENT = r"([^/]+)"
_INSTANCE = r"/console/jobs/%s/tasks/%s/instances/(\d{1,9})/(stdout|stderr)" % (_SEGMENT, _SEGMENT)

ROUTES: Tuple[Tuple[str, str, View, str], ...] = (
    ("GET", r"/console/?", views.home, PAGE),
    ("GET", r"/console/login", views.login_form, PUBLIC),
    ("POST", r"/console/login", views.login, PUBLIC),
    ("GET", r"/console/login/([A-Za-z0-9_-]{20,100})", views.login_link, PUBLIC),
    ("POST", r"/console/logout", views.logout, PAGE),
    ("GET", r"/console/static/([a-z0-9_-]+\.[a-z]+)", views.static_file, PUBLIC),
    ("GET", r"/console/jobs", views.jobs, PAGE),
    ("GET", r"/console/jobs/%s" % _SEGMENT, views.job, PAGE),
    ("POST", r"/console/jobs/%s/(%s)" % (_SEGMENT, "|".join(actions.JOB_ACTIONS)), actions.job_action, PAGE),
    ("GET", r"/console/jobs/%s/tasks/%s" % (_SEGMENT, _SEGMENT), views.task, PAGE),
    ("GET", _INSTANCE, views.log_page, PAGE),
    ("GET", _INSTANCE + r"\.json", views.log_piece, DATA),
    ("GET", r"/console/clusters", views.clusters, PAGE),
    ("GET", r"/console/clusters/%s" % _SEGMENT, views.cluster, PAGE),
    ("GET", r"/console/images", views.images, PAGE),
    ("GET", r"/console/apps", views.apps, PAGE),
    ("GET", r"/console/apps/%s" % _SEGMENT, views.app, PAGE),
    ("GET", r"/console/settings", views.settings, PAGE),
)
_COMPILED: List[Tuple[str, Pattern[str], View, str]] = [
    (method, re.compile(pattern + "$"), view, access) for method, pattern, view, access in ROUTES
]


def _params(values: Iterable[str]) -> List[str]:
    try:
        return [unquote(value, errors="strict") for value in values]
    except UnicodeDecodeError:
        raise BadRequest(400, "the path is not valid UTF-8") from None


class StaticFile:
    """A file of ``static/``, read once; its URL carries a digest of its content (cached long)."""

    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        self.content_type = STATIC_TYPES.get(path.suffix, "application/octet-stream")
        self.version = hashlib.sha256(self.body).hexdigest()[:12]


class Console:
    """The web console over ``ctx``: logins with one of ``keys`` (id -> secret); ``settings()``
    lists what the settings page shows."""

    def __init__(
        self,
        ctx: Context,
        keys: Dict[str, str],
        settings: Callable[[], List[Setting]] = list,
        sessions: Optional[SessionStore] = None,
    ) -> None:
        self.ctx = ctx
        self.keys = keys
        self.settings = settings
        self.sessions = sessions or SessionStore()
        self.static = {path.name: StaticFile(path) for path in sorted((HERE / "static").iterdir()) if path.is_file()}
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader(__name__.rpartition(".")[0], "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters.update(FILTERS)
        self.templates.globals.update(GLOBALS, url=url_path, static=self.static_url)

    def static_url(self, name: str) -> str:
        return "%s?v=%s" % (url_path("static", name), self.static[name].version)

    def login_link(self, endpoint: str) -> str:
        """A one-time login link (works once, for a day) to the console of the server at
        ``endpoint`` (``http://host:port``)."""
        return endpoint + url_path("login", self.sessions.login_links.issue())

    # -- answering -------------------------------------------------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            response = self._respond(environ)
        except Exception:
            log.exception("console request %s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = Response(500, FAILED_PAGE)
        return response.send(start_response)

    def _respond(self, environ: Dict[str, Any]) -> Response:
        req = None
        try:
            req = Request(environ)
            return self._answer(req)
        except BadRequest as err:
            return self.error(err.status, err.message, req)
        except ApiError as err:
            return self.error(err.status, "%s: %s" % (err.code, err.message), req)

    def _answer(self, req: Request) -> Response:
        view, params, access = self._route(req)
        if access != PUBLIC:
            session = self.sessions.get(req.cookies.get(self.cookie_name(req)))
            if session is None:
                return self._refuse(req, access)
            req.session = session
        if req.method == "POST":
            if not req.same_origin():
                return self.error(403, "The console accepts forms only from its own pages.")
            if access != PUBLIC and not req.session.csrf_matches(req.form().get("csrf")):
                return self.error(403, "The form's security token is missing or wrong: reload the page and try again.")
        return view(self, req, *params)

    def _route(self, req: Request) -> Tuple[View, List[str], str]:
        method = "GET" if req.method == "HEAD" else req.method
        allowed = False
        for route_method, pattern, view, access in _COMPILED:
            found = pattern.match(req.path)
            if found:
                if route_method == method:
                    return view, _params(found.groups()), access
                allowed = True
        if allowed:
            raise BadRequest(405, "%s is not allowed here" % req.method)
        raise BadRequest(404, "There is no console page at %s" % req.path)

    def _refuse(self, req: Request, access: str) -> Response:
        if access == DATA:
            return json_answer({"error": "login", "message": "log in to the console first"}, 401)
        if req.method in ("GET", "HEAD"):
            return redirect(url_path("login") + "?next=" + quote(req.target, safe="/"))
        return self.error(403, "Log in to the console first.")

    def cookie_name(self, req: Request) -> str:
        return "bc_console_%s" % re.sub(r"\D", "", str(req.environ.get("SERVER_PORT", "")))

    def session_cookie(self, req: Request, session: Optional[Session]) -> Tuple[str, str]:
        """The Set-Cookie header that starts ``session`` (None: that ends the current one)."""
        value, age = (session.id, int(self.sessions.lifetime)) if session else ("", 0)
        secure = "; Secure" if req.secure else ""
        return (
            "Set-Cookie",
            "%s=%s; Path=/console/; Max-Age=%d; HttpOnly; SameSite=Strict%s"
            % (self.cookie_name(req), value, age, secure),
        )

    def render(self, req: Optional[Request], template: str, status: int = 200, **values: Any) -> Response:
        session = getattr(req, "session", None)
        messages = session.take_messages() if session is not None else []
        page = self.templates.get_template(template).render(session=session, messages=messages, **values)
        return Response(status, page.encode("utf-8"))

    def error(self, status: int, message: str, req: Optional[Request] = None) -> Response:
        """An error page (with the console's menu for a logged-in user)."""
        return self.render(req, "error.html", status, code=status, message=message, section="")
