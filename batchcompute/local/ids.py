"""Resource ids in the service's formats and the service's time strings."""

from __future__ import annotations

import datetime
import secrets
import string
import time
from typing import Optional

__all__ = ["job_id", "cluster_id", "image_id", "vm_id", "request_id", "now", "format_time"]

_LOWER = string.ascii_lowercase + string.digits


def _random(alphabet: str, size: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


def job_id() -> str:
    """``job-`` + 32 upper-case hex digits: the creation time in ns, then 64 random bits."""
    return "job-%016X%016X" % (time.time_ns() & (2**64 - 1), secrets.randbits(64))


def cluster_id() -> str:
    return "cls-" + _random(_LOWER, 22)


def image_id() -> str:
    return "img-" + _random(_LOWER, 22)


def vm_id() -> str:
    """The id of a cluster instance (a VM of a group)."""
    return "i-" + _random(_LOWER, 20)


def request_id() -> str:
    value = "%032X" % secrets.randbits(128)
    return "-".join((value[:8], value[8:12], value[12:16], value[16:20], value[20:]))


def now() -> float:
    return time.time()


def format_time(stamp: Optional[float]) -> str:
    """``%Y-%m-%dT%H:%M:%S.%fZ`` in UTC; ``""`` for a time that has not happened."""
    if stamp is None:
        return ""
    moment = datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # constants.TIME_FORMAT, faster than strftime
