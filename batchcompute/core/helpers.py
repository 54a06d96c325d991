"""Small helpers that the official SDK exported from several of its modules, written once here.

``batchcompute.core.api``, ``batchcompute.utils.functions`` and ``batchcompute.utils.http``
re-export them under their official names (the Python 2 names are in :mod:`batchcompute.core.compat`).
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping, Union
from urllib.parse import quote

__all__ = ["iget", "utf8", "str_md5", "url_safe", "get_local_ip"]


def iget(d: Mapping[str, Any], key: str) -> Any:
    """``d[key]`` with the key matched case-insensitively; of several matches the last one, and
    ``''`` when there is none (as the official SDK answers)."""
    wanted = key.lower()
    found: Any = ""
    for name, value in d.items():
        if name.lower() == wanted:
            found = value
    return found


def utf8(s: Union[str, bytes]) -> str:
    """``s`` as text (bytes decoded as UTF-8; Python 2's native string)."""
    return s.decode("utf-8") if isinstance(s, bytes) else s


def str_md5(s: Any) -> str:
    """The hex md5 of ``s``: bytes as they are, anything else as the UTF-8 of its text."""
    return hashlib.md5(s if isinstance(s, bytes) else str(s).encode("utf-8")).hexdigest()


def url_safe(s: Any) -> Any:
    """Text or bytes percent-encoded with no safe characters (``/`` too); other values are
    returned unchanged."""
    return quote(s, safe="") if isinstance(s, (str, bytes)) else s


def get_local_ip() -> str:
    """This machine's address on its default route (127.0.0.1 without one). Nothing is sent."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
