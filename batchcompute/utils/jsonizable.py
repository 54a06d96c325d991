"""The one mechanism behind every description class: declared properties, coerced and copied.

A description class lists its properties as class attributes::

    class Docker(Jsonizable):
        Image = String(default="")

and this module does the rest for all of them: type checks and coercion on assignment, defaults
at construction, children created on first read, copying, validation and JSON (de)serialisation.

Copies follow the official SDK's rule: a copy (assignment of a description, ``copy.copy``,
``Cls(other)``) is the object *rebuilt from its JSON*, so removed defaults come back and partial
values are completed. Rebuilding is done structurally, without a JSON round trip, except for
objects whose JSON would not rebuild to themselves; those carry a state saying why:

- ``RAW``: a partial value stored on purpose (Configs' default VPC, the disk helpers' disks;
  plain dicts in the official SDK). It is dumped as is, not validated, and completed by a copy.
- ``EDITED``: a key was removed; deeper in a dump it appears as its copy would.
"""
from __future__ import annotations

import copy
import datetime
import json
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Sequence, Tuple, Type, Union

from ..core.exceptions import FieldError, JsonError, ValidationError

__all__ = [
    "Jsonizable", "BatchEncoder", "Prop", "Value", "String", "Number", "Float", "Boolean", "Dict_", "List_",
    "Child", "MapOf", "ListOf",
]

_MISSING: Any = object()
Required = Union[str, Tuple[str, ...]]
CLEAN, RAW, EDITED = 0, 1, 2

# How a description appears in a dump, by where it sits (the official SDK's encoding): the dumped
# object (TOP) and its children (CHILD) as they are; deeper objects (DEEP) as their copies would be
# (COPY), except partial RAW values, which are plain dicts there and stay as they are.
TOP, CHILD, DEEP, COPY = 0, 1, 2, 3
_INNER = {TOP: CHILD, CHILD: DEEP, DEEP: DEEP, COPY: COPY}


class BatchEncoder(json.JSONEncoder):
    """JSON encoder that understands description objects and datetimes."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Jsonizable):
            return o.to_data()
        if isinstance(o, datetime.datetime):
            return o.isoformat(" ")
        if isinstance(o, bytes):
            return o.decode("utf-8")
        return super().default(o)


def _type_error(name: str, accepted: Any) -> TypeError:
    return TypeError("Property %s must be type of %s" % (name, accepted))


def _copy_plain(value: Any) -> Any:
    """An independent copy of plain JSON-like data."""
    if isinstance(value, dict):
        return {key: _copy_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy_plain(item) for item in value]
    if isinstance(value, Jsonizable):
        return value._rebuild()
    return value


class Prop:
    """A declared property. Subclasses say which values it accepts and how they are stored.

    ``default`` (a value, or a callable making one) is stored at construction when the property
    was not given; ``on_read`` is stored and returned when the property is read unset (containers
    always do this, with an empty value); ``blank_ignored`` drops blank strings instead of storing
    them; ``check`` is called as ``check(obj, value)`` after coercion to veto inconsistent values.
    """

    accepted: Tuple[type, ...] = (object,)

    def __init__(self, default: Any = _MISSING, *, on_read: Any = _MISSING, blank_ignored: bool = False,
                 check: Optional[Callable[[Any, Any], None]] = None, doc: str = "") -> None:
        self.default = default
        self.on_read = on_read
        self.blank_ignored = blank_ignored
        self.check = check
        self.name = ""
        self.__doc__ = doc or None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Optional["Jsonizable"], owner: type) -> Any:
        if obj is None:
            return self
        try:
            return obj._values[self.name]
        except KeyError:
            empty = self.empty()
            if empty is _MISSING:
                return None
            self.__set__(obj, empty)
            return obj._values.get(self.name)

    def __set__(self, obj: "Jsonizable", value: Any) -> None:
        value = self.coerce(value)
        if self.check is not None:
            self.check(obj, value)
        obj._values[self.name] = value

    def coerce(self, value: Any) -> Any:
        """Check ``value`` and return what is stored (raises TypeError)."""
        if not isinstance(value, self.accepted):
            raise _type_error(self.name, self.accepted)
        return value

    def make_default(self) -> Any:
        default = self.default
        return default() if callable(default) else copy.deepcopy(default)

    def empty(self) -> Any:
        """The value a read of the unset property stores, or _MISSING (the read gives None)."""
        return self.on_read

    def rebuild(self, value: Any) -> Any:
        """The value as a rebuilt-from-JSON copy of its owner would hold it."""
        return value

    def data(self, value: Any, mode: int) -> Any:
        """The value as JSON-ready data, for an owner dumped in ``mode`` (TOP ... COPY)."""
        return value


class Value(Prop):
    """A scalar of the given types, stored as is (None included)."""

    def __init__(self, *types: type, **options: Any) -> None:
        super().__init__(**options)
        self.accepted = tuple(types)

    def data(self, value: Any, mode: int) -> Any:
        return _plain(value, _INNER[mode])


class String(Prop):
    """str, bytes (decoded) or None. ``''`` or None removes a value that is set (and is ignored
    altogether where ``blank_ignored``)."""

    accepted = (str, bytes, type(None))

    def __set__(self, obj: "Jsonizable", value: Any) -> None:
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        elif not isinstance(value, str) and value is not None:
            raise _type_error(self.name, self.accepted)
        values = obj._values
        if not value:  # '' or None: ignored, or removes a value that is set, or is stored
            if self.blank_ignored:
                return
            if self.name in values:
                del values[self.name]
                obj._state = obj._state or EDITED
                return
        if self.check is not None:
            self.check(obj, value)
        values[self.name] = value

    def coerce(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        return super().coerce(value)


class Number(Prop):
    """int, float or None (bool counts as int)."""

    accepted = (int, float, type(None))


class Float(Number):
    """A number stored as float."""

    def coerce(self, value: Any) -> Any:
        value = super().coerce(value)
        return None if value is None else float(value)


class Boolean(Prop):
    """True or False only."""

    accepted = (bool,)


class Dict_(Prop):
    """A plain dict. ``str_values=True`` turns every non-None value into str (EnvVars)."""

    accepted = (dict,)

    def __init__(self, default: Any = _MISSING, *, str_values: bool = False, **options: Any) -> None:
        super().__init__(default, **options)
        self.str_values = str_values

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise _type_error(self.name, self.accepted)
        if self.str_values:
            return {key: (item if item is None else str(item)) for key, item in value.items()}
        return dict(value)

    def empty(self) -> Any:
        return {}

    def rebuild(self, value: Any) -> Any:
        return self.coerce(_copy_plain(value))

    def data(self, value: Any, mode: int) -> Any:
        if self.str_values and mode == COPY:  # a copy coerces again
            return self.coerce(value)
        return _plain(value, _INNER[mode])


class List_(Prop):
    """A plain list."""

    accepted = (list,)

    def coerce(self, value: Any) -> Any:
        return list(super().coerce(value))

    def empty(self) -> Any:
        return []

    def rebuild(self, value: Any) -> Any:
        return _copy_plain(value)

    def data(self, value: Any, mode: int) -> Any:
        return _plain(value, _INNER[mode])


class Child(Prop):
    """A nested description. A dict or an instance is stored as a copy rebuilt from its JSON."""

    def __init__(self, cls: Union[Type["Jsonizable"], str], default: Any = _MISSING, *, settle: bool = True,
                 **options: Any) -> None:
        super().__init__(default, **options)
        self._cls = cls
        self.settle = settle  # False: a dict is stored as built, partial defaults left partial

    @property
    def cls(self) -> Type["Jsonizable"]:
        if isinstance(self._cls, str):  # forward reference, resolved on first use
            self._cls = Jsonizable._registry[self._cls]
        return self._cls

    def one(self, value: Any) -> "Jsonizable":
        """The stored copy of ``value``: an instance of the class (rebuilt) or a dict."""
        cls = self.cls
        if type(value) is cls:
            return value._rebuild()
        if not isinstance(value, dict):
            raise _type_error(self.name, (cls, dict))
        return cls(value)._settle() if self.settle else cls(value)

    coerce = rebuild = one

    def item(self, value: Any) -> "Jsonizable":
        """One entry of a map or list (or a helper's argument): also accepts a JSON text."""
        if isinstance(value, (str, bytes)):
            return self.cls(value)._settle()
        return self.one(value)

    def data(self, value: Any, mode: int) -> Any:
        return _plain(value, _INNER[mode])

    def make_default(self) -> Any:
        return self.default() if callable(self.default) else self.cls()

    def empty(self) -> Any:
        return self.cls()


class MapOf(Child):
    """A dict of name -> nested description (DAG.Tasks, ClusterDescription.Groups)."""

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise _type_error(self.name, dict)
        item = self.item
        return {key: item(entry) for key, entry in value.items()}

    rebuild = coerce

    def data(self, value: Any, mode: int) -> Any:
        inner = _INNER[mode]
        return {key: _plain(entry, inner) for key, entry in value.items()}

    def make_default(self) -> Any:
        return {}

    def empty(self) -> Any:
        return {}


class ListOf(Child):
    """A list of nested descriptions (Mounts.Entries)."""

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise _type_error(self.name, list)
        return [self.item(entry) for entry in value]

    rebuild = coerce

    def data(self, value: Any, mode: int) -> Any:
        inner = _INNER[mode]
        return [_plain(entry, inner) for entry in value]

    def make_default(self) -> Any:
        return []

    def empty(self) -> Any:
        return []


class _Schema(type):
    """Collects a class's declared properties into ``_fields``."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any]) -> "_Schema":
        cls = super().__new__(mcs, name, bases, namespace)
        fields: Dict[str, Prop] = {}
        for klass in reversed(cls.__mro__):
            fields.update((key, value) for key, value in vars(klass).items() if isinstance(value, Prop))
        cls._fields = fields
        cls._defaults = [field for field in fields.values() if field.default is not _MISSING]
        Jsonizable_registry.setdefault(name, cls)
        return cls


Jsonizable_registry: Dict[str, type] = {}


class Jsonizable(metaclass=_Schema):
    """Base of every description class: a typed, JSON-serialisable bag of declared properties.

    Construct from nothing, a dict, a JSON string or another instance of the same class (a
    copy). Properties read and write as attributes or items; unknown keys in input are dropped.
    ``required`` lists the names :meth:`validate` insists on; a tuple entry means exactly one
    of those names must be set. ``invariants`` are called with the object after it was built
    from data (a dict or JSON text), and raise on inconsistent input.
    """

    __slots__ = ("_values", "_state", "__dict__")
    required: ClassVar[Sequence[Required]] = ()
    invariants: ClassVar[Sequence[Callable[[Any], None]]] = ()
    _fields: ClassVar[Dict[str, Prop]]
    _defaults: ClassVar[List[Prop]]
    _registry: ClassVar[Dict[str, type]] = Jsonizable_registry

    def __init__(self, dct: Any = None) -> None:
        self._values: Dict[str, Any] = {}
        self._state = CLEAN
        if dct is None:
            pass
        elif isinstance(dct, dict):
            self.update(dct)
        elif isinstance(dct, (str, bytes)):
            self.load(dct)
        elif type(dct) is type(self):
            self._values = dct._rebuild()._values
            return
        else:
            raise TypeError("Invalid type '%s' for '%s'" % (type(dct), type(self).__name__))
        values = self._values
        for field in self._defaults:
            if field.name not in values:
                values[field.name] = field.make_default()
        if dct is not None:
            for invariant in self.invariants:
                invariant(self)

    @classmethod
    def raw(cls, **values: Any) -> Any:
        """An instance holding exactly ``values``: no defaults, no coercion. Used for the few
        values the service expects in a partial form, such as Configs' default VPC."""
        obj = cls.__new__(cls)
        obj._values = dict(values)
        obj._state = RAW
        return obj

    def put_raw(self, name: str, value: Any) -> None:
        """Store ``value`` under ``name`` as is (see :meth:`raw`)."""
        self._field(name)
        self._values[name] = value

    def _field(self, name: str) -> Prop:
        try:
            return self._fields[name]
        except KeyError:
            raise FieldError(name) from None

    def _rebuild(self) -> Any:
        """A copy equal to this object rebuilt from its JSON."""
        cls = type(self)
        if self._state:
            return cls(_copy_plain(self.to_data()))._settle()
        obj = cls.__new__(cls)
        fields = self._fields
        obj._values = {name: fields[name].rebuild(value) for name, value in self._values.items()}
        obj._state = CLEAN
        for invariant in cls.invariants:
            invariant(obj)
        return obj

    def _settle(self) -> Any:
        """Complete, in place, the partial values a fresh object holds (what an assignment, which
        stores a copy, does to them); returns the object."""
        values = self._values
        for name, value in values.items():
            if isinstance(value, Jsonizable) and value._state:
                values[name] = value._rebuild()
        return self

    # -- item access and the dict-like API ------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        try:
            field = self._fields[name]
        except KeyError:
            raise KeyError(name) from None
        return field.__get__(self, type(self))

    def __setitem__(self, name: str, value: Any) -> None:
        self._field(name).__set__(self, value)

    def __delitem__(self, name: str) -> None:
        if self._values.pop(name, _MISSING) is not _MISSING and self._state == CLEAN:
            self._state = EDITED

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values))

    def keys(self) -> List[str]:
        return list(self._values)

    def values(self) -> List[Any]:
        return list(self._values.values())

    def items(self) -> List[Tuple[str, Any]]:
        return list(self._values.items())

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Jsonizable):
            return type(self) is type(other) and self.to_data() == other.to_data()
        if isinstance(other, dict):
            return self.to_data() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    # -- bulk operations ------------------------------------------------------------------
    def update(self, dct: Dict[str, Any]) -> None:
        """Assign every known key of ``dct`` (in declaration order); unknown keys are dropped."""
        if isinstance(dct, Jsonizable):
            dct = dct.to_data()
        if not isinstance(dct, dict):
            raise TypeError("update() needs a dict, not %s" % type(dct).__name__)
        for name, field in self._fields.items():
            if name in dct:
                field.__set__(self, dct[name])

    def load(self, json_str: Union[str, bytes]) -> None:
        """Update from a JSON text (JsonError when it does not parse to an object)."""
        try:
            data = json.loads(json_str)
        except (TypeError, ValueError):
            raise JsonError("Bad json format string") from None
        if not isinstance(data, dict):
            raise JsonError("Bad json format string")
        self.update(data)

    def to_data(self) -> Dict[str, Any]:
        """The properties as plain JSON-ready data (may share containers with the object)."""
        return self._data(TOP)

    def _data(self, mode: int) -> Dict[str, Any]:
        if mode == DEEP and self._state != RAW:
            mode = COPY
        if mode == COPY and self._state:
            return self._rebuild()._data(COPY)
        fields = self._fields
        return {name: fields[name].data(value, mode) for name, value in self._values.items()}

    def detail(self) -> Dict[str, Any]:
        """A deep copy of the properties as a dict."""
        return self._rebuild()._values

    def dump(self, indent: Optional[int] = 4) -> str:
        """The JSON text of the description (what goes on the wire)."""
        return json.dumps(self.to_data(), indent=indent, cls=BatchEncoder)

    def __str__(self) -> str:
        return self.dump()

    __repr__ = __str__

    def __copy__(self) -> Any:
        return self._rebuild()

    def __deepcopy__(self, memo: Dict[int, Any]) -> Any:
        return self._rebuild()

    def __reduce__(self) -> Any:
        return (type(self), (self.to_data(),))

    # -- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ValidationError unless every required property is set; required descriptions
        are validated in turn (partial values stored by helpers are not)."""
        values = self._values
        for rule in self.required:
            if isinstance(rule, tuple):
                present = [name for name in rule if name in values]
                if len(present) > 1:
                    raise ValidationError("Only one property in %s should be assigned." % list(rule))
                if not present:
                    raise ValidationError("One of the property in %s should be assigned." % list(rule))
                continue
            if rule not in values:
                raise ValidationError(rule)
            value = values[rule]
            if isinstance(value, Jsonizable) and value._state != RAW:
                value.validate()


def _plain(value: Any, mode: int = CHILD) -> Any:
    if isinstance(value, Jsonizable):
        return value._data(mode)
    if type(value) is dict:
        if value and _has_objects(value):
            return {key: _plain(item, mode) for key, item in value.items()}
        return value
    if isinstance(value, list):
        return [_plain(item, mode) for item in value]
    return value


def _has_objects(value: Dict[str, Any]) -> bool:
    for item in value.values():
        if isinstance(item, (Jsonizable, dict, list)):
            return True
    return False
