"""The region table: host name <-> region id, plus the plain-HTTP port."""

from __future__ import annotations

import threading
from typing import Dict

from .exceptions import ConfigError

__all__ = [
    "REGION_IDS",
    "ENDPOINTS",
    "REGION_CONSTANTS",
    "add_region",
    "add_endpoint",
    "remove_endpoint",
    "get_region",
    "get_all_region",
    "http_port",
]

REGION_IDS = (
    "cn-qingdao",
    "cn-hangzhou",
    "cn-shenzhen",
    "cn-beijing",
    "cn-chengdu",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-shanghai",
    "cn-hongkong",
    "ap-southeast-1",
    "ap-southeast-2",
    "eu-central-1",
    "us-west-1",
    "us-east-1",
)

ENDPOINTS: Dict[str, str] = {region: "batchcompute.%s.aliyuncs.com" % region for region in REGION_IDS}
#: The module constants of the regional endpoints: ``CN_QINGDAO`` -> its host name ...
REGION_CONSTANTS: Dict[str, str] = {region.upper().replace("-", "_"): ENDPOINTS[region] for region in REGION_IDS}
_ports = {"http": 80}
_lock = threading.Lock()


def add_region(region: str, url: str, port: int = 80) -> None:
    """Register ``region`` served at host ``url``, and make ``port`` the plain-HTTP port of every
    client from now on (the official SDK's contract: one port for the whole process; a client
    made with ``port=`` keeps its own)."""
    with _lock:
        ENDPOINTS[region] = url
        _ports["http"] = int(port)


def add_endpoint(region: str, host: str) -> bool:
    """Register ``region`` served at ``host`` without changing any port; False when the host was
    already known (nothing is changed then)."""
    with _lock:
        if host in ENDPOINTS.values():
            return False
        ENDPOINTS[region] = host
        return True


def remove_endpoint(region: str) -> None:
    """Forget ``region`` (what :func:`add_endpoint` added)."""
    with _lock:
        ENDPOINTS.pop(region, None)


def http_port() -> int:
    return _ports["http"]


def get_all_region() -> Dict[str, str]:
    """A copy of the table, region id -> host name."""
    return dict(ENDPOINTS)


def get_region(endpoint: str) -> str:
    """The region id served by host ``endpoint``; ConfigError when the table has none."""
    if not endpoint or not str(endpoint).strip():
        raise ConfigError("Empty endpoint string")
    for region, host in list(ENDPOINTS.items()):
        if host == endpoint:
            return region
    raise ConfigError("Invalid endpoint %s" % endpoint)
