"""``batchcompute.utils.functions``: the official module of small helpers, as thin shims.

The real code lives in :mod:`batchcompute.core` (regions, signing, times, helpers); what is left
here is ``do_tar``, which scripts used to pack a worker directory.
"""

from __future__ import annotations

import os
import tarfile

from ..core.compat import PY2, PY3, PY25, STRING, add_metaclass, import_httplib, import_json, partial
from ..core.exceptions import ConfigError
from ..core.helpers import get_local_ip, iget, str_md5, url_safe, utf8
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
    "API_VERSION",
    "ConfigError",
    "ENDPOINT_INFO",
    "PY2",
    "PY25",
    "PY3",
    "STRING",
    "UTC_FORMAT",
    "add_metaclass",
    "add_region",
    "datetime_timestamp",
    "do_tar",
    "get_all_region",
    "get_api_version",
    "get_local_ip",
    "get_region",
    "gmt_time",
    "iget",
    "import_httplib",
    "import_json",
    "local2utc",
    "partial",
    "set_api_version",
    "str2datetime",
    "str_md5",
    "timediff",
    "timestamp_datetime",
    "url_safe",
    "utc2local",
    "utf8",
]


def do_tar(worker_dir: str, tar_file: str) -> None:
    """Pack the contents of ``worker_dir`` into the gzipped tar ``tar_file`` (a PackagePath)."""
    with tarfile.open(tar_file, "w:gz") as archive:
        for name in sorted(os.listdir(worker_dir)):
            archive.add(os.path.join(worker_dir, name), arcname="./" + name)
