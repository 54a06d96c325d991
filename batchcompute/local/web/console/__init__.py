"""The web console of the local server, at ``/console/`` on the API port.

Server-rendered pages (Jinja2 templates, the ``console`` extra) with a little JavaScript of its
own: no build step, nothing fetched from elsewhere. Without Jinja2 the server runs all the same
and ``/console/`` says how to get the console.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Protocol

from ...api import Context
from .settings import Setting

__all__ = ["PREFIX", "is_console_path", "make_console", "ConsoleApp", "MissingConsole", "INSTALL_HINT"]

PREFIX = "/console"
INSTALL_HINT = 'pip install "batchcompute[console]"'
WsgiCallable = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ConsoleApp(Protocol):
    """What ``make_console`` gives: a WSGI application that issues one-time login links."""

    def login_link(self, endpoint: str) -> str: ...

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]: ...


def is_console_path(path: str) -> bool:
    """Whether a request path belongs to the console."""
    return path == PREFIX or path.startswith(PREFIX + "/")


class MissingConsole:
    """Answers every console request with how to install the console (503)."""

    def login_link(self, endpoint: str) -> str:
        return "%s%s/ (needs %s)" % (endpoint, PREFIX, INSTALL_HINT)

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = (
            "<!doctype html><title>batchcompute console</title>"
            "<p>The web console needs Jinja2, which is not installed. Install it with "
            "<code>%s</code> and restart the server." % INSTALL_HINT
        ).encode("utf-8")
        start_response(
            "503 Service Unavailable",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]


def make_console(ctx: Context, keys: Dict[str, str], settings: Callable[[], List[Setting]] = list) -> ConsoleApp:
    """The console's WSGI application (a MissingConsole when Jinja2 is not installed). It has
    ``login_link(endpoint)``, which issues a one-time login link."""
    try:
        from .app import Console
    except ImportError as exc:
        if exc.name not in ("jinja2", "markupsafe"):
            raise
        return MissingConsole()
    return Console(ctx, keys, settings)
