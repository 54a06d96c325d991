"""A BatchCompute-compatible server that really runs jobs on this machine.

``python -m batchcompute.local`` (or ``batchcompute-local``) runs it in the foreground;
``batchcompute.local.testing.local_server()`` runs it in-process for tests and scripts.
"""

from __future__ import annotations

from typing import Any

from .constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_HOST, DEFAULT_PORT, REGION
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
    if name == "local_server":
        from .testing import local_server

        return local_server
    raise AttributeError("module 'batchcompute.local' has no attribute %r" % name)
