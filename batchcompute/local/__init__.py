"""A BatchCompute-compatible server that really runs jobs on this machine.

``python -m batchcompute.local`` (or ``batchcompute-local``) runs it in the foreground;
``batchcompute.local.testing.local_server()`` runs it in-process for tests and scripts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_HOST, DEFAULT_PORT, REGION

if TYPE_CHECKING:  # pragma: no cover
    from .server import LocalServer

__all__ = [
    "LocalServer",
    "local_server",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "REGION",
]


def __getattr__(name: str) -> Any:
    """The server is imported on first use: a Dask worker imports the modules it runs (under
    ``run``) without it."""
    if name == "LocalServer":
        from .server import LocalServer

        return LocalServer
    if name == "local_server":
        from .testing import local_server

        return local_server
    raise AttributeError("module 'batchcompute.local' has no attribute %r" % name)
