"""The one mechanism behind every description class: declared properties, coerced and copied.

A description class lists its properties as class attributes::

    class Docker(Jsonizable):
        Image = String(default="")

and this module does the rest for all of them: type checks and coercion on assignment, defaults
at construction, children created on first read, copying, validation and JSON (de)serialisation.
"""
from __future__ import annotations

import copy
import datetime
import json
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Optional, Sequence, Tuple, Type, Union

from ..core.exceptions import FieldError, JsonError, ValidationError

__all__ = [
    "Jsonizable", "BatchEncoder", "Prop", "Value", "String", "Number", "Float", "Boolean", "Dict_", "List_",
    "Child", "MapOf", "ListOf", "Required",
]

_MISSING: Any = object()
Required = Union[str, Tuple[str, ...]]


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


class Prop:
    """A declared property. Subclasses say which values it accepts and how they are stored.

    ``default`` (a value, or a callable making one) is stored at construction when the property
    was not given; ``on_read`` is stored and returned when the property is read unset (containers
    always do this, with an empty value); ``blank_ignored`` drops blank strings instead of storing
    them; ``check`` is called as ``check(obj, value)`` after coercion to veto inconsistent values.
    """

    accepted: ClassVar[Tuple[type, ...]] = (object,)

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
        return obj._read(self)

    def __set__(self, obj: "Jsonizable", value: Any) -> None:
        obj._assign(self, value)

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

    def copy_value(self, value: Any) -> Any:
        return copy.deepcopy(value)


class Value(Prop):
    """A scalar of the given types, stored as is (None included)."""

    def __init__(self, *types: type, **options: Any) -> None:
        super().__init__(**options)
        self.accepted = tuple(types)  # type: ignore[misc]

    def copy_value(self, value: Any) -> Any:
        return copy.deepcopy(value)


class String(Prop):
    """str, bytes (decoded) or None. ``''`` or None removes a value that is set."""

    accepted = (str, bytes, type(None))

    def coerce(self, value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        return super().coerce(value)

    def copy_value(self, value: Any) -> Any:
        return value


class Number(Prop):
    """int, float or None (bool counts as int)."""

    accepted = (int, float, type(None))

    def copy_value(self, value: Any) -> Any:
        return value


class Float(Number):
    """A number stored as float."""

    def coerce(self, value: Any) -> Any:
        value = super().coerce(value)
        return None if value is None else float(value)


class Boolean(Prop):
    """True or False only."""

    accepted = (bool,)

    def copy_value(self, value: Any) -> Any:
        return value


class Dict_(Prop):
    """A plain dict. ``str_values=True`` turns every non-None value into str (EnvVars)."""

    accepted = (dict,)

    def __init__(self, default: Any = _MISSING, *, str_values: bool = False, **options: Any) -> None:
        super().__init__(default, **options)
        self.str_values = str_values

    def coerce(self, value: Any) -> Any:
        value = dict(super().coerce(value))
        if self.str_values:
            value = {key: (item if item is None else str(item)) for key, item in value.items()}
        return value

    def empty(self) -> Any:
        return {}


class List_(Prop):
    """A plain list."""

    accepted = (list,)

    def coerce(self, value: Any) -> Any:
        return list(super().coerce(value))

    def empty(self) -> Any:
        return []


class Child(Prop):
    """A nested description. A dict or an instance is stored as a copy rebuilt from its JSON."""

    def __init__(self, cls: Union[Type["Jsonizable"], str], default: Any = _MISSING, **options: Any) -> None:
        super().__init__(default, **options)
        self._cls = cls

    @property
    def cls(self) -> Type["Jsonizable"]:
        if isinstance(self._cls, str):  # forward reference, resolved on first use
            self._cls = Jsonizable._registry[self._cls]
        return self._cls

    def item(self, value: Any) -> "Jsonizable":
        """One nested description rebuilt from ``value`` (an instance or a dict)."""
        cls = self.cls
        if isinstance(value, Jsonizable):
            value = value.to_data()
        elif not isinstance(value, dict):
            raise _type_error(self.name, (cls, dict))
        return cls(value)

    coerce = item

    def make_default(self) -> Any:
        return self.default() if callable(self.default) else self.cls()

    def empty(self) -> Any:
        return self.cls()

    def copy_value(self, value: Any) -> Any:
        return value._deepcopy()


class MapOf(Child):
    """A dict of name -> nested description (DAG.Tasks, ClusterDescription.Groups)."""

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise _type_error(self.name, dict)
        return {key: self.item(item) for key, item in value.items()}

    def make_default(self) -> Any:
        return {}

    def empty(self) -> Any:
        return {}

    def copy_value(self, value: Any) -> Any:
        return {key: item._deepcopy() for key, item in value.items()}


class ListOf(Child):
    """A list of nested descriptions (Mounts.Entries)."""

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise _type_error(self.name, list)
        return [self.item(item) for item in value]

    def make_default(self) -> Any:
        return []

    def empty(self) -> Any:
        return []

    def copy_value(self, value: Any) -> Any:
        return [item._deepcopy() for item in value]


class Jsonizable:
    """Base of every description class: a typed, JSON-serialisable bag of declared properties.

    Construct from nothing, a dict, a JSON string or another instance of the same class (a
    copy). Properties read and write as attributes or items; unknown keys in input are dropped.
    ``required`` lists the names :meth:`validate` insists on; a tuple entry means exactly one
    of those names must be set.
    """

    required: ClassVar[Sequence[Required]] = ()
    _fields: ClassVar[Dict[str, Prop]] = {}
    _defaults: ClassVar[List[Prop]] = []
    _registry: ClassVar[Dict[str, Type["Jsonizable"]]] = {}
    __slots__ = ("_values", "__dict__")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: Dict[str, Prop] = {}
        for klass in reversed(cls.__mro__):
            fields.update((name, value) for name, value in vars(klass).items() if isinstance(value, Prop))
        cls._fields = fields
        cls._defaults = [field for field in fields.values() if field.default is not _MISSING]
        Jsonizable._registry.setdefault(cls.__name__, cls)

    def __init__(self, dct: Any = None) -> None:
        self._values: Dict[str, Any] = {}
        if dct is None:
            pass
        elif isinstance(dct, (str, bytes)):
            self.load(dct)
        elif type(dct) is type(self):
            self._values = dct._deepcopy()._values
            return
        elif isinstance(dct, dict):
            self.update(dct)
        else:
            raise TypeError("Invalid type '%s' for '%s'" % (type(dct), type(self).__name__))
        values = self._values
        for field in self._defaults:
            if field.name not in values:
                values[field.name] = field.make_default()

    @classmethod
    def raw(cls, **values: Any) -> "Jsonizable":
        """An instance holding exactly ``values``: no defaults, no coercion (used for the few
        defaults the service expects in a partial form, such as Configs' VPC)."""
        obj = cls.__new__(cls)
        obj._values = dict(values)
        return obj

    # -- the generic property protocol -------------------------------------------------
    def _field(self, name: str) -> Prop:
        try:
            return self._fields[name]
        except KeyError:
            raise FieldError(name) from None

    def _read(self, field: Prop) -> Any:
        values = self._values
        name = field.name
        if name in values:
            return values[name]
        empty = field.empty()
        if empty is _MISSING:
            return None
        self._assign(field, empty)
        return values.get(name)

    def _assign(self, field: Prop, value: Any) -> None:
        values = self._values
        name = field.name
        if isinstance(field, String):
            value = field.coerce(value)
            if not value:
                if value is None or field.blank_ignored or name in values:
                    values.pop(name, None)
                    return
        else:
            value = field.coerce(value)
        if field.check is not None:
            field.check(self, value)
        values[name] = value

    # -- attribute and item access ------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if name[:1].isupper() and name not in self._fields:
            raise FieldError(name)  # a typo'd property would otherwise vanish from the JSON
        object.__setattr__(self, name, value)

    def __getitem__(self, name: str) -> Any:
        try:
            field = self._fields[name]
        except KeyError:
            raise KeyError(name) from None
        return self._read(field)

    def __setitem__(self, name: str, value: Any) -> None:
        self._assign(self._field(name), value)

    def __delitem__(self, name: str) -> None:
        self._values.pop(name, None)

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

    # -- bulk operations ----------------------------------------------------------------
    def update(self, dct: Dict[str, Any]) -> None:
        """Assign every known key of ``dct`` (in declaration order); unknown keys are dropped."""
        if isinstance(dct, Jsonizable):
            dct = dct.to_data()
        if not isinstance(dct, dict):
            raise TypeError("update() needs a dict, not %s" % type(dct).__name__)
        for name, field in self._fields.items():
            if name in dct:
                self._assign(field, dct[name])

    def load(self, json_str: Union[str, bytes]) -> None:
        """Update from a JSON text."""
        try:
            data = json.loads(json_str)
        except (TypeError, ValueError):
            raise JsonError("Bad json format string") from None
        if not isinstance(data, dict):
            raise JsonError("Bad json format string")
        self.update(data)

    def to_data(self) -> Dict[str, Any]:
        """The properties as plain JSON-ready data (nested descriptions become dicts)."""
        return {name: _plain(value) for name, value in self._values.items()}

    def detail(self) -> Dict[str, Any]:
        """A deep copy of the properties as a dict."""
        return self._deepcopy()._values

    def dump(self, indent: Optional[int] = 4) -> str:
        """The JSON text of the description (what goes on the wire)."""
        return json.dumps(self.to_data(), indent=indent, cls=BatchEncoder)

    def __str__(self) -> str:
        return self.dump()

    __repr__ = __str__

    def _deepcopy(self) -> "Jsonizable":
        fields = self._fields
        return type(self).raw(**{
            name: fields[name].copy_value(value) if name in fields else copy.deepcopy(value)
            for name, value in self._values.items()})

    def __copy__(self) -> "Jsonizable":
        return self._deepcopy()

    def __deepcopy__(self, memo: Dict[int, Any]) -> "Jsonizable":
        return self._deepcopy()

    def __reduce__(self) -> Any:
        return (type(self), (self.to_data(),))

    # -- validation ---------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ValidationError unless every required property is set (recursively)."""
        values = self._values
        for rule in self.required:
            if isinstance(rule, tuple):
                present = [name for name in rule if name in values]
                if len(present) > 1:
                    raise ValidationError("Only one property in %s should be assigned." % list(rule))
                if not present:
                    raise ValidationError("One of the property in %s should be assigned." % list(rule))
            elif rule not in values:
                raise ValidationError(rule)
        for value in values.values():
            if isinstance(value, Jsonizable):
                value.validate()


def _plain(value: Any) -> Any:
    if isinstance(value, Jsonizable):
        return value.to_data()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
