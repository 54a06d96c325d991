"""Small helpers: regions, API version, time conversion, md5, ids."""
from __future__ import annotations

import calendar
import datetime
import hashlib
import re
import time
from typing import Any, Mapping, Optional, Union

from ..core.exceptions import ConfigError
from ..core.regions import add_region, get_all_region, get_region
from ..core.signing import gmt_date as gmt_time

__all__ = [
    "ConfigError", "add_region", "get_region", "get_all_region", "get_api_version", "set_api_version",
    "gmt_time", "iget", "str2datetime", "utc2local", "local2utc", "str_md5", "utf8", "UTC_FORMAT",
    "API_VERSION", "timestamp_datetime", "datetime_timestamp",
]

API_VERSION = "2015-11-11"
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_api_version = {"value": API_VERSION}


def get_api_version() -> str:
    """The default API version sent by new clients."""
    return _api_version["value"]


def set_api_version(version: str) -> None:
    _api_version["value"] = version


def iget(d: Mapping[str, Any], key: str) -> Any:
    """``d[key]`` with the key matched case-insensitively (None when absent)."""
    wanted = key.lower()
    for name, value in d.items():
        if name.lower() == wanted:
            return value
    return None


def utc2local(utc: datetime.datetime) -> datetime.datetime:
    """A naive UTC datetime as a naive local datetime."""
    return datetime.datetime.fromtimestamp(calendar.timegm(utc.timetuple()) + utc.microsecond / 1e6)


def local2utc(local: datetime.datetime) -> datetime.datetime:
    """A naive local datetime as a naive UTC datetime."""
    return datetime.datetime.utcfromtimestamp(time.mktime(local.timetuple()) + local.microsecond / 1e6)


# What strptime accepts for UTC_FORMAT or its form without a fraction, matched ten times faster.
_UTC_TIME = re.compile(r"(\d{4})-(\d\d?)-(\d\d?)T(\d\d?):(\d\d?):(\d\d?)(?:\.(\d{1,6}))?Z\Z", re.ASCII)


def str2datetime(utc_timestr: Any) -> Optional[datetime.datetime]:
    """A service time string (``%Y-%m-%dT%H:%M:%S.%fZ``, UTC) as a local datetime; None if it does not parse."""
    if isinstance(utc_timestr, datetime.datetime):
        return utc_timestr
    if not isinstance(utc_timestr, str):
        return None
    found = _UTC_TIME.match(utc_timestr)
    if found is None:
        return None
    fields = [int(part) for part in found.group(1, 2, 3, 4, 5, 6)]
    fraction = found.group(7)
    micros = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return utc2local(datetime.datetime(*fields, micros))
    except (ValueError, OverflowError):
        return None


def timestamp_datetime(value: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))


def datetime_timestamp(dt: datetime.datetime) -> float:
    return time.mktime(dt.timetuple())


def utf8(s: Union[str, bytes]) -> bytes:
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def str_md5(s: Union[str, bytes]) -> str:
    return hashlib.md5(utf8(s)).hexdigest()
