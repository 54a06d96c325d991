"""``batchcompute.utils``: the helpers at the module paths that existing scripts import them from.

Everything here is a re-export of :mod:`batchcompute.core` (or a thin shim), kept for scripts
written for the official SDK.
"""

from __future__ import annotations

from ..core.compat import CamelCasedClass, add_metaclass, import_json, partial
from ..core.regions import REGION_CONSTANTS
from ..core.times import remap
from .functions import (
    ConfigError,
    add_region,
    get_all_region,
    get_api_version,
    get_region,
    gmt_time,
    iget,
    set_api_version,
    str_md5,
    utf8,
)
from .http import RequestClient
from .log import get_logger, set_log_level

__all__ = [
    "CamelCasedClass",
    "remap",
    "set_log_level",
    "get_logger",
    "ConfigError",
    "add_region",
    "get_region",
    "get_all_region",
    "get_api_version",
    "set_api_version",
    "gmt_time",
    "iget",
    "str_md5",
    "utf8",
    "add_metaclass",
    "import_json",
    "partial",
    "RequestClient",
] + list(REGION_CONSTANTS)

globals().update(REGION_CONSTANTS)
