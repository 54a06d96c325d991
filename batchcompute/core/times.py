"""The service's time strings and their conversion to local datetimes (wire.md, "Time fields").

The service answers times in UTC as ``%Y-%m-%dT%H:%M:%S.%fZ``; the client hands them to scripts
as naive datetimes in the local time zone, converting every ``*Time`` key of an answer.
"""

from __future__ import annotations

import calendar
import datetime
import re
import time
from typing import Any, Dict, Optional, Tuple, Union

__all__ = [
    "UTC_FORMAT",
    "str2datetime",
    "utc2local",
    "local2utc",
    "remap",
    "timediff",
    "timestamp_datetime",
    "datetime_timestamp",
]

UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# What strptime accepts for UTC_FORMAT or its form without a fraction, matched ten times faster.
_UTC_TIME = re.compile(r"(\d{4})-(\d\d?)-(\d\d?)T(\d\d?):(\d\d?):(\d\d?)(?:\.(\d{1,6}))?Z\Z", re.ASCII)
_TIME_KEY = re.compile(r"Time$")
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)


def str2datetime(utc_timestr: Any) -> Optional[datetime.datetime]:
    """A service time string as a naive datetime, still in UTC; None when it does not parse (a
    datetime is returned as it is)."""
    if type(utc_timestr) is str and _CANONICAL.fullmatch(utc_timestr):  # the service's own form, fast
        try:
            return datetime.datetime.fromisoformat(utc_timestr[:-1])
        except ValueError:  # a date that does not exist (2016-02-30)
            return None
    if isinstance(utc_timestr, datetime.datetime):
        return utc_timestr
    if not isinstance(utc_timestr, str):
        return None
    found = _UTC_TIME.match(utc_timestr)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.group(1, 2, 3, 4, 5, 6))
    fraction = found.group(7)
    try:
        return datetime.datetime(year, month, day, hour, minute, second, int(fraction.ljust(6, "0")) if fraction else 0)
    except ValueError:
        return None


def utc2local(utc_st: datetime.datetime) -> datetime.datetime:
    """A naive UTC datetime as a naive local datetime."""
    key = (time.timezone, time.altzone, utc_st.year, utc_st.month, utc_st.day, utc_st.hour)
    offset = _offsets.get(key)
    if offset is None:
        offset = _keep_offset(key, utc_st)
    return utc_st + offset


def _keep_offset(key: Tuple[Any, ...], utc_st: datetime.datetime) -> datetime.timedelta:
    """The local zone's offset in the UTC hour of ``utc_st``, kept under ``key``: a zone's offset
    changes on whole UTC hours (summer time included), so it is looked up once per hour."""
    hour = utc_st.replace(minute=0, second=0, microsecond=0)
    offset = datetime.datetime.fromtimestamp(calendar.timegm(hour.timetuple())) - hour
    if len(_offsets) >= 4096:
        _offsets.clear()
    _offsets[key] = offset
    return offset


#: Offsets by zone and UTC hour: (timezone, altzone, year, month, day, hour) for a datetime, or
#: (timezone, altzone, 'YYYY-MM-DDTHH') for a service time string.
_offsets: Dict[Tuple[Any, ...], datetime.timedelta] = {}


def local2utc(local_st: datetime.datetime) -> datetime.datetime:
    """A naive local datetime as a naive UTC datetime."""
    stamp = time.mktime(local_st.timetuple()) + local_st.microsecond / 1e6
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).replace(tzinfo=None)


def service_time(value: Any) -> Optional[datetime.datetime]:
    """A ``*Time`` value of an answer as a local datetime (None when it does not parse)."""
    if type(value) is str and _CANONICAL.fullmatch(value):  # the service's own form, fast
        try:
            in_utc = datetime.datetime.fromisoformat(value[:-1])
            key = (time.timezone, time.altzone, value[:13])  # the zone, and the hour in UTC
            offset = _offsets.get(key)
            return in_utc + (_keep_offset(key, in_utc) if offset is None else offset)
        except (OverflowError, OSError, ValueError):  # a date that does not exist, or out of range
            return None
    utc = str2datetime(value)
    if utc is None or isinstance(value, datetime.datetime):
        return utc
    try:
        return utc2local(utc)
    except (OverflowError, OSError, ValueError):
        return None


def remap(container: Any, human_readable: bool = False) -> Any:
    """A copy of an answer's body with every ``*Time`` value, at any depth, as a local datetime.

    Values that do not parse become None. ``human_readable`` is accepted for compatibility.
    """
    if isinstance(container, dict):
        return {
            key: (
                service_time(value)
                if isinstance(key, str) and _TIME_KEY.search(key) and not isinstance(value, (dict, list))
                else remap(value)
            )
            for key, value in container.items()
        }
    if isinstance(container, list):
        return [remap(item) for item in container]
    return container


_UNITS = (("Day", 86400), ("Hour", 3600), ("Minute", 60), ("Second", 1))


def timediff(delta: Union[int, float]) -> str:
    """A number of seconds in words: ``3725`` -> ``'1 Hour 2 Minutes 5 Seconds'`` (``'0'`` for none)."""
    span = datetime.timedelta(seconds=delta)
    left = span.seconds + max(span.days, 0) * 86400
    parts = []
    for unit, seconds in _UNITS:
        count, left = divmod(left, seconds)
        if count:
            parts.append("%d %s%s" % (count, unit, "" if count == 1 else "s"))
    return " ".join(parts) or "0"


def timestamp_datetime(value: float) -> str:
    """A Unix timestamp as local ``%Y-%m-%d %H:%M:%S``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))


def datetime_timestamp(dt: Union[str, datetime.datetime]) -> float:
    """A local time (``%Y-%m-%d %H:%M:%S`` text or a datetime) as a Unix timestamp."""
    if isinstance(dt, datetime.datetime):
        return time.mktime(dt.timetuple())
    return time.mktime(time.strptime(dt, "%Y-%m-%d %H:%M:%S"))
