"""Python 2 compatibility names that the official SDK exposed, as thin Python 3 shims.

Scripts and tools written for the official SDK import these from many of its modules
(``from batchcompute.utils.functions import import_json``); they keep working here. New code
has no use for them.
"""

from __future__ import annotations

import abc
import datetime
import functools
import json
from types import ModuleType
from typing import Any, Dict, Tuple

import six

__all__ = [
    "PY2",
    "PY25",
    "PY3",
    "STRING",
    "NUMBER",
    "FLOAT",
    "TIME",
    "ANY",
    "COLLECTION",
    "import_json",
    "import_httplib",
    "add_metaclass",
    "partial",
    "CamelCasedClass",
    "ABCMeta",
]

PY2 = six.PY2
PY25 = False
PY3 = six.PY3

#: The accepted types of a string, number, float, time and any-scalar property.
STRING: Tuple[type, ...] = (str, bytes, type(None))
NUMBER: Tuple[type, ...] = (int, float, type(None))
FLOAT: Tuple[type, ...] = (float, type(None))
TIME: Tuple[type, ...] = (int, datetime.datetime, type(None)) + STRING
ANY: Tuple[type, ...] = STRING + NUMBER
COLLECTION: Tuple[type, ...] = (list, tuple)


class ABCMeta(abc.ABCMeta):
    """The standard library's ``abc.ABCMeta``, under the name the official SDK exported."""


def partial(func: Any, *args: Any, **keywords: Any) -> "functools.partial[Any]":
    """``functools.partial``."""
    return functools.partial(func, *args, **keywords)


def import_json() -> ModuleType:
    """The ``json`` module (the official SDK chose between json and simplejson)."""
    return json


def import_httplib() -> ModuleType:
    """``http.client``, Python 3's httplib."""
    return six.moves.http_client


def add_metaclass(cls: type, mcls: type) -> type:
    """A copy of class ``cls`` made with metaclass ``mcls`` (``six.add_metaclass``)."""
    return six.add_metaclass(mcls)(cls)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class CamelCasedClass(ABCMeta):
    """Metaclass that gives every public ``snake_case`` method a ``camelCase`` alias
    (``list_jobs`` -> ``listJobs``), as the official documentation promised."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], attrs: Dict[str, Any]) -> "CamelCasedClass":
        aliases = {}
        for attr, value in attrs.items():
            if "_" in attr.strip("_") and not attr.startswith("_") and callable(getattr(value, "__func__", value)):
                alias = _camel(attr)
                if alias not in attrs:
                    aliases[alias] = value
        attrs.update(aliases)
        return super().__new__(mcs, name, bases, attrs)
