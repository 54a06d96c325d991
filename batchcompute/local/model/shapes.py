"""The shapes of the description classes (resources.md) as data: each key with its default, whose
type is the key's type. One shape serves twice: ``check_types`` refuses a value of another type
when a description arrives, and ``job_description`` completes a stored description with the
defaults of the keys it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Tuple

from ..errors import invalid

__all__ = ["Shape", "Each", "obj", "optional", "check_types"]


@dataclass(frozen=True)
class Shape:
    """The keys of one description class and their defaults: a value (copied in when the key is
    missing), a Shape (a nested object, completed in turn) or an Each."""

    fields: Mapping[str, Any]
    optional: bool = False  # created by the SDK only when used: completed when given, not added


@dataclass(frozen=True)
class Each:
    """A map (or list) whose every value has ``shape``; ``blank`` makes it when missing."""

    shape: Shape
    blank: Callable[[], Any] = dict


def obj(**fields: Any) -> Shape:
    return Shape(fields)


def optional(**fields: Any) -> Shape:
    return Shape(fields, optional=True)


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, list):
        return "an array"
    return "an object"


def _fits(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return True


def check_types(value: Any, shape: Shape, where: str, skip: Tuple[str, ...] = ()) -> None:
    """Refuse (400 ``Invalid<Key>``) any key of ``value`` whose value has not the type of its
    default in ``shape``, at every depth the shape describes; null means "not given". Keys the
    shape does not know are left alone, and so are the paths in ``skip`` (checked elsewhere)."""
    pending: List[Tuple[Any, Shape, str, str]] = [(value, shape, where, where.rsplit(".", 1)[-1])]
    while pending:
        given, current, path, param = pending.pop()
        if not isinstance(given, dict):
            raise invalid(param, "%s must be an object" % path)
        for key, default in current.fields.items():
            item = given.get(key)
            here = "%s.%s" % (path, key) if path else key
            if item is None or here in skip:
                continue
            if isinstance(default, Shape):
                pending.append((item, default, here, key))
            elif isinstance(default, Each):
                if isinstance(item, dict):
                    members: Any = item.items()
                elif isinstance(item, list):
                    members = enumerate(item)
                else:
                    raise invalid(key, "%s must be an object or an array" % here)
                pending.extend((member, default.shape, "%s.%s" % (here, name), key) for name, member in members)
            elif not _fits(item, default):
                raise invalid(key, "%s must be %s" % (here, _type_name(default)))
