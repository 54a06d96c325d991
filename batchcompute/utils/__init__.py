"""Utilities kept at the module paths that existing scripts import them from."""
from __future__ import annotations

import re
from typing import Any, Dict, Tuple

from ..core.regions import ENDPOINTS, REGION_IDS
from .functions import (
    ConfigError,
    add_region,
    get_all_region,
    get_api_version,
    get_region,
    gmt_time,
    iget,
    set_api_version,
    str2datetime,
    str_md5,
    utf8,
)
from .log import get_logger, set_log_level

__all__ = [
    "CamelCasedClass", "remap", "set_log_level", "get_logger", "ConfigError", "add_region", "get_region",
    "get_all_region", "get_api_version", "set_api_version", "gmt_time", "iget", "str_md5", "utf8",
] + [region.upper().replace("-", "_") for region in REGION_IDS]

globals().update({region.upper().replace("-", "_"): ENDPOINTS[region] for region in REGION_IDS})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class CamelCasedClass(type):
    """Metaclass that gives every public ``snake_case`` method a ``camelCase`` alias."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], attrs: Dict[str, Any]) -> "CamelCasedClass":
        aliases = {}
        for attr, value in attrs.items():
            if "_" in attr.strip("_") and not attr.startswith("_") and callable(getattr(value, "__func__", value)):
                alias = _camel(attr)
                if alias not in attrs:
                    aliases[alias] = value
        attrs.update(aliases)
        return super().__new__(mcs, name, bases, attrs)


_TIME_KEY = re.compile(r"Time$")


def remap(container: Any, human_readable: bool = False) -> Any:
    """A copy of a response body with every ``*Time`` value, at any depth, as a local datetime.

    Values that do not parse become None. ``human_readable`` is accepted for compatibility.
    """
    if isinstance(container, dict):
        return {key: (str2datetime(value) if isinstance(key, str) and _TIME_KEY.search(key)
                      and not isinstance(value, (dict, list)) else remap(value, human_readable))
                for key, value in container.items()}
    if isinstance(container, list):
        return [remap(item, human_readable) for item in container]
    return container
