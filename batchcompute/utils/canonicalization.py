"""``batchcompute.utils.canonicalization``: the official module of time and name helpers, as re-exports."""

from __future__ import annotations

from ..core.compat import PY2, PY3, STRING, ABCMeta, CamelCasedClass, import_json, partial
from ..core.times import remap, str2datetime, timediff, timestamp_datetime, utc2local
from .constants import STATE_MAP

__all__ = [
    "ABCMeta",
    "CamelCasedClass",
    "PY2",
    "PY3",
    "STATE_MAP",
    "STRING",
    "import_json",
    "partial",
    "remap",
    "str2datetime",
    "timediff",
    "timestamp_datetime",
    "utc2local",
]
