"""``batchcompute.utils.functions``: the official module of small helpers, as thin shims.

The real code lives in :mod:`batchcompute.core` (regions, signing, times); what is left here are
the Python 2 leftovers and three small helpers scripts used (``do_tar``, ``get_local_ip``,
``url_safe``).
"""
from __future__ import annotations

import hashlib
import os
import socket
import tarfile
from typing import Any, Mapping, Union
from urllib.parse import quote

from ..core.compat import PY2, PY3, PY25, STRING, add_metaclass, import_httplib, import_json, partial
from ..core.exceptions import ConfigError
from ..core.regions import ENDPOINTS as ENDPOINT_INFO
from ..core.regions import add_region, get_all_region, get_region
from ..core.signing import API_VERSION, get_api_version, set_api_version
from ..core.signing import gmt_date as gmt_time
from ..core.times import (
    UTC_FORMAT,
    datetime_timestamp,
    local2utc,
    str2datetime,
    timediff,
    timestamp_datetime,
    utc2local,
)

__all__ = [
    "API_VERSION", "ConfigError", "ENDPOINT_INFO", "PY2", "PY25", "PY3", "STRING", "UTC_FORMAT", "add_metaclass",
    "add_region", "datetime_timestamp", "do_tar", "get_all_region", "get_api_version", "get_local_ip",
    "get_region", "gmt_time", "iget", "import_httplib", "import_json", "local2utc", "partial", "set_api_version",
    "str2datetime", "str_md5", "timediff", "timestamp_datetime", "url_safe", "utc2local", "utf8",
]


def iget(d: Mapping[str, Any], key: str) -> Any:
    """``d[key]`` with the key matched case-insensitively (None when absent)."""
    wanted = key.lower()
    for name, value in d.items():
        if name.lower() == wanted:
            return value
    return None


def utf8(s: Union[str, bytes]) -> str:
    """``s`` as text (bytes decoded as UTF-8; Python 2's native string)."""
    return s.decode("utf-8") if isinstance(s, bytes) else s


def str_md5(s: Union[str, bytes]) -> str:
    """The hex md5 of ``s`` (text encoded as UTF-8)."""
    return hashlib.md5(s if isinstance(s, bytes) else s.encode("utf-8")).hexdigest()


def url_safe(s: Union[str, bytes]) -> str:
    """``s`` percent-encoded with no safe characters (``/`` too)."""
    return quote(s, safe="")


def get_local_ip() -> str:
    """This machine's address on its default route (127.0.0.1 without one). Nothing is sent."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def do_tar(worker_dir: str, tar_file: str) -> None:
    """Pack the contents of ``worker_dir`` into the gzipped tar ``tar_file`` (a PackagePath)."""
    with tarfile.open(tar_file, "w:gz") as archive:
        for name in sorted(os.listdir(worker_dir)):
            archive.add(os.path.join(worker_dir, name), arcname="./" + name)
