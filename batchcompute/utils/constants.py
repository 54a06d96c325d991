"""``batchcompute.utils.constants``: the official module of constants, as re-exports."""

from __future__ import annotations

from ..core.compat import ANY, COLLECTION, FLOAT, NUMBER, PY2, PY3, PY25, STRING, TIME
from ..core.regions import ENDPOINTS as ENDPOINT_INFO
from ..core.regions import REGION_CONSTANTS
from ..core.signing import API_VERSION
from ..core.times import UTC_FORMAT
from .log import ALL_LOGS, LOG_FORMATTER, LOG_LEVEL

__all__ = [
    "ALL_LOGS",
    "ANY",
    "API_VERSION",
    "COLLECTION",
    "DEFAULT_LIST_ITEM",
    "ENDPOINT_INFO",
    "FLOAT",
    "LOG_FILE_NAME",
    "LOG_FORMATTER",
    "LOG_HANDLER",
    "LOG_LEVEL",
    "NUMBER",
    "PY2",
    "PY25",
    "PY3",
    "SECURITY_SERVICE_PORT",
    "SERVICE_PORT",
    "SERVICE_PORT_MOCKED",
    "STATE_MAP",
    "STRING",
    "TIME",
    "UTC_FORMAT",
] + list(REGION_CONSTANTS)

globals().update(REGION_CONSTANTS)

#: Items a page of easy_list asks for.
DEFAULT_LIST_ITEM = 100
SERVICE_PORT = 80
SECURITY_SERVICE_PORT = 443
SERVICE_PORT_MOCKED = 8888
LOG_FILE_NAME = "batchcompute_python_sdk.LOG"
LOG_HANDLER = None
#: Job, task and instance states, in the order they are reached.
STATE_MAP = ["Init", "Waiting", "Running", "Finished", "Failed", "Stopped"]
