"""Alibaba Cloud BatchCompute SDK for Python 3, a drop-in for the official 2.1.7 SDK.

``from batchcompute import Client`` and the description classes in ``batchcompute.resources``
work as they did; ``batchcompute.local`` runs a BatchCompute-compatible server on this machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List

from .core.exceptions import ClientError, ConfigError, FieldError, JsonError, ValidationError
from .core.regions import ENDPOINTS as _ENDPOINTS
from .core.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

CN_QINGDAO = _ENDPOINTS["cn-qingdao"]
CN_HANGZHOU = _ENDPOINTS["cn-hangzhou"]
CN_SHENZHEN = _ENDPOINTS["cn-shenzhen"]
CN_BEIJING = _ENDPOINTS["cn-beijing"]
CN_CHENGDU = _ENDPOINTS["cn-chengdu"]
CN_ZHANGJIAKOU = _ENDPOINTS["cn-zhangjiakou"]
CN_HUHEHAOTE = _ENDPOINTS["cn-huhehaote"]
CN_SHANGHAI = _ENDPOINTS["cn-shanghai"]
CN_HONGKONG = _ENDPOINTS["cn-hongkong"]
AP_SOUTHEAST_1 = _ENDPOINTS["ap-southeast-1"]
AP_SOUTHEAST_2 = _ENDPOINTS["ap-southeast-2"]
EU_CENTRAL_1 = _ENDPOINTS["eu-central-1"]
US_WEST_1 = _ENDPOINTS["us-west-1"]
US_EAST_1 = _ENDPOINTS["us-east-1"]

__all__ = [
    "Client",
    "ClientError",
    "ConfigError",
    "FieldError",
    "JsonError",
    "ValidationError",
    "__version__",
    "CN_QINGDAO",
    "CN_HANGZHOU",
    "CN_SHENZHEN",
    "CN_BEIJING",
    "CN_CHENGDU",
    "CN_ZHANGJIAKOU",
    "CN_HUHEHAOTE",
    "CN_SHANGHAI",
    "CN_HONGKONG",
    "AP_SOUTHEAST_1",
    "AP_SOUTHEAST_2",
    "EU_CENTRAL_1",
    "US_WEST_1",
    "US_EAST_1",
]


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    # The client (and requests behind it) is imported on first use, so scripts that only build
    # descriptions start fast.
    if name == "Client":
        from .client import Client

        return Client
    raise AttributeError("module 'batchcompute' has no attribute %r" % name)
