"""The one mechanism behind every description and status class: declared properties.

A class lists its properties as class attributes::

    class Docker(Description):
        Image = String(default="")

and this module does the rest for all of them: type checks and coercion on assignment, defaults
at construction, children created on first read, copying, validation, JSON (de)serialisation,
the official SDK's extension protocol (``descriptor_map``, ``getproperty`` ...) and the field
table appended to each class's docstring (what ``help()`` and the API reference show).

:class:`Description` is the base of request bodies (``batchcompute.resources``), :class:`Status`
the base of what the service answers (``batchcompute.client.response``): read-only attributes,
nothing created by a read, equality by id.

Copies follow the official SDK's rule: a copy (assignment of a description, ``copy.copy``,
``Cls(other)``) is the object *rebuilt from its JSON*, so removed defaults come back and partial
values are completed. Rebuilding is done structurally, without a JSON round trip, except for
objects whose JSON would not rebuild to themselves; those carry a state saying why:

- ``RAW``: a partial value stored on purpose (Configs' default VPC, the disk helpers' disks;
  plain dicts in the official SDK). It is dumped as is, not validated, and completed by a copy.
- ``EDITED``: a key was removed; deeper in a dump it appears as its copy would.

A copy keeps its nested descriptions and plain containers frozen: marshal data (bytes, which
the garbage collector never walks), made into objects when first read and dumped without being
made. New default children (a task's Parameters, Command, Docker ...) are stored frozen likewise.
So a large DAG is one tracked object per task, and the collector's cost per task does not grow
with the DAG.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import gc
import json
import marshal
import warnings
from json.encoder import encode_basestring_ascii as _escape
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    FrozenSet,
    Generic,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

from ..core.compat import FLOAT, NUMBER, STRING, TIME
from ..core.exceptions import FieldError, JsonError, ValidationError
from ..core.times import remap, service_time

__all__ = [
    "Jsonizable",
    "Description",
    "Status",
    "BatchEncoder",
    "UnknownPropertyWarning",
    "Prop",
    "Value",
    "String",
    "Number",
    "Float",
    "Boolean",
    "Time",
    "Dict_",
    "List_",
    "Child",
    "MapOf",
    "ListOf",
    "lookup",
]

_MISSING: Any = object()
G = TypeVar("G")  # what reading a property gives
S = TypeVar("S")  # what assigning it accepts
C = TypeVar("C", bound="Jsonizable")
P = TypeVar("P", bound="Prop[Any, Any]")
J = TypeVar("J", bound="Jsonizable")
Required = Union[str, List[str], Tuple[str, ...]]
CLEAN, RAW, EDITED = 0, 1, 2

# How a description appears in a dump, by where it sits (the official SDK's encoding): the dumped
# object (TOP) and its children (CHILD) as they are; deeper objects (DEEP) as their copies would be
# (COPY), except partial RAW values, which are plain dicts there and stay as they are.
TOP, CHILD, DEEP, COPY = 0, 1, 2, 3
_INNER = {TOP: CHILD, CHILD: DEEP, DEEP: DEEP, COPY: COPY}

# The marshal format of frozen values: version 2 writes each object on its own (later versions
# write a value met twice once, and read it back shared where a copy holds two).
_MARSHAL = 2


class _Later:
    """The data of an entry of a map or list of descriptions, made when a dump reaches it: a
    large DAG is then dumped one task at a time, not made into one tree of data first."""

    __slots__ = ("make", "value", "mode")

    def __init__(self, make: Callable[[Any, int], Any], value: Any, mode: int) -> None:
        self.make = make
        self.value = value
        self.mode = mode

    def data(self) -> Any:
        return self.make(self.value, self.mode)


class BatchEncoder(json.JSONEncoder):
    """JSON encoder that understands description and status objects, datetimes and bytes."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, Jsonizable):
            return obj.to_data()
        if isinstance(obj, _Later):
            return obj.data()
        if isinstance(obj, datetime.datetime):
            return obj.isoformat(" ")
        if isinstance(obj, bytes):
            return obj.decode("utf-8")
        return super().default(obj)


_INFINITY = float("inf")
_set_slot = object.__setattr__  # past the typo check of __setattr__, for the mechanism's own slots
#: What is left of a set of names that still decode once one has been decoded: the same frozenset
#: each time, so that a status object read from an answer never needs a set of its own.
_LEFT: Dict[FrozenSet[str], Dict[str, Optional[FrozenSet[str]]]] = {}
_LEFT_MOST = 4096  # sets kept at most (a class has a handful of decoding properties)


def _without(names: FrozenSet[str], name: str) -> Optional[FrozenSet[str]]:
    """``names`` without ``name``; None when none is left."""
    try:
        return _LEFT[names][name]
    except KeyError:
        pass
    left = names - {name} or None
    if len(_LEFT) < _LEFT_MOST:
        _LEFT.setdefault(names, {})[name] = left
    return left


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json.dumps writes it (strings as they are; numbers, booleans, None as text)."""
    if isinstance(key, str):
        return _escape(key)
    if key is True or key is False or key is None:
        return _escape(json.dumps(key))
    if isinstance(key, float):
        return _escape(_float(key))
    if isinstance(key, int):
        return _escape(int.__repr__(key))
    raise TypeError("keys must be str, int, float, bool or None, not %s" % type(key).__name__)


def _indented(value: Any, pad: str, step: str) -> str:
    """``value`` as ``json.dumps(value, indent=len(step), cls=BatchEncoder)`` writes it, byte for
    byte, but a few times faster: the standard library encodes indented JSON in pure Python, one
    generator step per value; this builds each container with one join."""
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is dict or (kind is not str and isinstance(value, dict)):
        if not value:
            return "{}"
        inner = pad + step
        items = [
            (_escape(k) if type(k) is str else _key(k))
            + ": "
            + (_escape(v) if type(v) is str else _indented(v, inner, step))  # strings, the most, inline
            for k, v in value.items()
        ]
        return "".join(("{", inner, ("," + inner).join(items), pad, "}"))  # one copy of a large text
    if kind is list or isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = pad + step
        items = [_escape(v) if type(v) is str else _indented(v, inner, step) for v in value]
        return "".join(("[", inner, ("," + inner).join(items), pad, "]"))
    if kind is _Later:
        return _indented(value.data(), pad, step)
    if isinstance(value, str):
        return _escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return _indented(BatchEncoder().default(value), pad, step)


def _write(value: Any, pad: str, step: str, out: List[str], depth: int) -> None:
    """Append the text :func:`_indented` makes of ``value`` to ``out``: the ``depth`` outer
    levels piece by piece, deeper ones as it makes them. A large DAG's text is then copied once,
    in the final join, instead of three times at each level holding it."""
    if type(value) is _Later:
        value = value.data()
    if depth == 0 or not isinstance(value, (dict, list, tuple)) or not value:
        out.append(_indented(value, pad, step))
        return
    inner = pad + step
    lead = inner
    if isinstance(value, dict):
        out.append("{")
        for k, v in value.items():
            out.append(lead)
            out.append((_escape(k) if type(k) is str else _key(k)) + ": ")
            _write(v, inner, step, out, depth - 1)
            lead = "," + inner
        out.append(pad + "}")
        return
    out.append("[")
    for v in value:
        out.append(lead)
        _write(v, inner, step, out, depth - 1)
        lead = "," + inner
    out.append(pad + "]")


def dumps(value: Any, indent: Optional[int] = 4) -> str:
    """JSON text of plain data holding description objects and datetimes (as BatchEncoder
    writes them); ``indent`` as in ``json.dumps``."""
    if indent is None or not isinstance(indent, int) or isinstance(indent, bool) or indent < 0:
        return json.dumps(value, indent=indent, cls=BatchEncoder)
    out: List[str] = []
    _write(value, "\n", " " * indent, out, 3)  # a job, its DAG, its tasks
    return "".join(out)


class UnknownPropertyWarning(UserWarning):
    """An attribute that is not a declared property was set on a description: it is kept on the
    object, as the official SDK keeps it, but never sent. Usually a misspelt property name."""


def _type_error(name: str, accepted: Any) -> TypeError:
    return TypeError("Property %s must be type of %s" % (name, accepted))


_ATOMIC = frozenset((str, int, float, bool, type(None)))


def _copy_plain(value: Any) -> Any:
    """An independent copy of plain JSON-like data."""
    if isinstance(value, dict):
        return {key: item if type(item) in _ATOMIC else _copy_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _ATOMIC else _copy_plain(item) for item in value]
    if isinstance(value, Jsonizable):
        return value._rebuild()
    return value


_FROZEN_EMPTY: Dict[type, bytes] = {dict: marshal.dumps({}, _MARSHAL), list: marshal.dumps([], _MARSHAL)}


def _freeze_plain(value: Any) -> bytes:
    """The frozen copy of plain data (ValueError where it does not marshal); empty containers,
    the most, share one."""
    if type(value) is bytes:
        return value
    kind = type(value)
    if kind in _FROZEN_EMPTY and not value:
        return _FROZEN_EMPTY[kind]
    return marshal.dumps(_copy_plain(value), _MARSHAL)


def _type_names(accepted: Any) -> str:
    types = accepted if isinstance(accepted, tuple) else (accepted,)
    names = [t.__name__ for t in types if t is not type(None)]
    return " | ".join(dict.fromkeys(names))


class Prop(Generic[G, S]):
    """A declared property. Subclasses say which values it accepts and how they are stored
    (and, to type checkers, what a read gives, ``G``, and what an assignment takes, ``S``).

    ``default`` (a value, or a callable making one) is stored at construction when the property
    was not given; ``on_read`` is stored and returned when the property is read unset (containers
    always do this, with an empty value); ``blank_ignored`` drops blank strings (empty or only
    white space) instead of storing them; ``check`` is called as ``check(obj, value)`` after
    coercion to veto inconsistent values.
    """

    accepted: Tuple[type, ...] = (object,)

    def __init__(
        self,
        default: Any = _MISSING,
        *,
        on_read: Any = _MISSING,
        blank_ignored: bool = False,
        check: Optional[Callable[[Any, Any], None]] = None,
        doc: str = "",
    ) -> None:
        self.default = default
        self.on_read = on_read
        self.blank_ignored = blank_ignored
        self.check = check
        self.name = ""
        self.doc = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.__doc__ = "%s, JSON key %r%s" % (self.type_text(), name, ". " + self.doc if self.doc else "")

    @overload
    def __get__(self: P, obj: None, owner: Any) -> P: ...

    @overload
    def __get__(self, obj: "Jsonizable", owner: Any) -> G: ...

    def __get__(self, obj: Optional["Jsonizable"], owner: Any) -> Any:
        if obj is None:
            return self
        try:
            value = obj._values[self.name]
        except KeyError:
            empty = self.empty()
            if empty is _MISSING:
                return None
            if obj._read_stores_copy:  # as an assignment would: partial defaults completed
                self.__set__(obj, empty)
                return obj._values.get(self.name)
            obj._values[self.name] = empty
            return empty
        if type(value) is bytes and self.freezable:
            value = obj._values[self.name] = self.thaw(value)
            return value
        pending = obj._pending
        if pending and self.name in pending:
            value = obj._decode(self.name)
        return value

    #: Whether a value read from the service's JSON needs decoding (see :meth:`decode`).
    decodes = False
    #: Whether a copy of a description may store the value frozen (see :meth:`freeze`); a read
    #: then stores and gives what it stands for (see :meth:`thaw`).
    freezable = False
    #: Whether the stored value is also its copy and its JSON data (an immutable scalar): then
    #: :meth:`rebuild` and :meth:`data` need not be called for it.
    plain = True

    def decode(self, value: Any) -> Any:
        """A value of the service's JSON as this property holds it (a time, nested objects)."""
        return value

    def __set__(self, obj: "Jsonizable", value: S) -> None:
        value = self.coerce(value)
        if self.check is not None:
            self.check(obj, value)
        obj._values[self.name] = value

    @property
    def descriptor(self) -> Any:
        """What ``descriptor_map`` says of this property: its accepted type(s)."""
        return self.accepted if len(self.accepted) > 1 else self.accepted[0]

    def type_text(self) -> str:
        """The accepted types, for the documentation."""
        return _type_names(self.accepted)

    def default_text(self) -> str:
        """The default, for the documentation ('' when there is none)."""
        if self.default is _MISSING:
            return ""
        value = self.make_default()
        if isinstance(value, Jsonizable):
            return "%s()" % type(value).__name__
        return json.dumps(value, cls=BatchEncoder)

    def coerce(self, value: Any) -> Any:
        """Check ``value`` and return what is stored (raises TypeError)."""
        if not isinstance(value, self.accepted):
            raise _type_error(self.name, self.accepted)
        return value

    def make_default(self) -> Any:
        default = self.default
        if type(default) in _ATOMIC:
            return default
        return default() if callable(default) else copy.deepcopy(default)

    def stored_default(self) -> Any:
        """What construction stores for the default (the default, or a frozen one)."""
        return self.make_default()

    def empty(self) -> Any:
        """The value a read of the unset property stores, or _MISSING (the read gives None)."""
        return self.on_read

    def rebuild(self, value: Any) -> Any:
        """The value as a rebuilt-from-JSON copy of its owner would hold it."""
        return value

    def copied(self, value: Any) -> Any:
        """What a copy of a description stores: the value frozen where it can be, else rebuilt."""
        if not self.freezable:
            return self.rebuild(value)
        if type(value) is bytes:  # frozen already: immutable, so shared
            return value
        try:
            return self.freeze(value)
        except ValueError:  # a partial value, or one that does not marshal: copied as objects
            return self.rebuild(value)

    def freeze(self, value: Any) -> Any:
        """The value as a frozen copy of its owner holds it (ValueError where it cannot be frozen)."""
        return self.rebuild(value)

    def thaw(self, value: Any) -> Any:
        """The value a frozen one stands for (see :meth:`freeze`)."""
        return value

    def data(self, value: Any, mode: int) -> Any:
        """The value as JSON-ready data, for an owner dumped in ``mode`` (TOP ... COPY)."""
        return value

    def data_later(self, value: Any, mode: int) -> Any:
        """:meth:`data`, for a dump: entries of maps and lists of descriptions made when the dump
        reaches them (see _Later)."""
        return self.data(value, mode)


class Value(Prop[Any, Any]):
    """A scalar of the given types, stored as is (None included)."""

    plain = False

    def __init__(self, *types: type, **options: Any) -> None:
        super().__init__(**options)
        self.accepted = tuple(types)

    def data(self, value: Any, mode: int) -> Any:
        return _plain(value, _INNER[mode])


def _blank(value: Any) -> bool:
    return value is None or not value.strip()


class String(Prop[Optional[str], Union[str, bytes, None]]):
    """str, bytes (decoded) or None. ``''`` or None removes a value that is set; a blank value
    (also one of only white space) is ignored altogether where ``blank_ignored``."""

    accepted = STRING

    def __set__(self, obj: "Jsonizable", value: Union[str, bytes, None]) -> None:
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        elif not isinstance(value, str) and value is not None:
            raise _type_error(self.name, self.accepted)
        if self.blank_ignored and _blank(value):
            return
        values = obj._values
        if not value and self.name in values:  # '' or None removes a value that is set
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

    def type_text(self) -> str:
        return "str"


class Number(Prop[Union[int, float, None], Union[int, float, None]]):
    """int, float or None (bool counts as int)."""

    accepted = NUMBER

    def type_text(self) -> str:
        return "int | float"


class Float(Number):
    """A number stored as float."""

    accepted = FLOAT + (int,)

    def coerce(self, value: Any) -> Any:
        value = super().coerce(value)
        return None if value is None else float(value)

    @property
    def descriptor(self) -> Any:
        return FLOAT

    def type_text(self) -> str:
        return "float"


class Time(Prop[Optional[datetime.datetime], Union[datetime.datetime, str, bytes, int, None]]):
    """A service time: a ``datetime`` (local time) once the client has read it from an answer,
    else as given (the service's text, a timestamp or None)."""

    accepted = TIME
    decodes = True

    def decode(self, value: Any) -> Any:
        return service_time(value)

    def type_text(self) -> str:
        return "datetime"


class Boolean(Prop[Optional[bool], bool]):
    """True or False only."""

    accepted = (bool,)


class _PlainContainer:
    """What plain dicts and lists share: a copy stores them frozen (marshal data), made into a
    dict or list again when first read."""

    freezable = True

    def rebuild(self, value: Any) -> Any:
        # stored values are coerced already: a copy is what a rebuild from JSON holds
        return value if type(value) is bytes else _copy_plain(value)

    def freeze(self, value: Any) -> Any:
        return _freeze_plain(value)

    def thaw(self, value: Any) -> Any:
        return marshal.loads(value)


class Dict_(_PlainContainer, Prop[Dict[str, Any], Dict[str, Any]]):
    """A plain dict. ``str_values=True`` turns every non-None value into str (EnvVars)."""

    plain = False

    accepted = (dict,)
    decodes = True

    def decode(self, value: Any) -> Any:
        return remap(value)

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

    def data(self, value: Any, mode: int) -> Any:
        if type(value) is bytes:
            value = marshal.loads(value)
        if self.str_values and mode == COPY:  # a copy coerces again
            return self.coerce(value)
        return _plain(value, _INNER[mode])


class List_(_PlainContainer, Prop[Optional[List[Any]], List[Any]]):
    """A plain list (reading it unset gives None, as for a scalar)."""

    plain = False

    accepted = (list,)
    decodes = True

    def decode(self, value: Any) -> Any:
        return remap(value)

    def coerce(self, value: Any) -> Any:
        return list(super().coerce(value))

    def data(self, value: Any, mode: int) -> Any:
        if type(value) is bytes:
            value = marshal.loads(value)
        return _plain(value, _INNER[mode])


class _Nested(Prop[G, S]):
    """A property holding objects of a description or status class ``cls``: a dict or an
    instance is stored as a copy rebuilt from its JSON."""

    plain = False

    def __init__(
        self, cls: Type["Jsonizable"], default: Any = _MISSING, *, settle: bool = True, **options: Any
    ) -> None:
        super().__init__(default, **options)
        self.cls = cls
        self.settle = settle  # False: a dict is stored as built, partial defaults left partial

    decodes = True
    freezable = True

    def frozen(self, value: Any) -> bytes:
        """One object's frozen copy (see Jsonizable._frozen)."""
        if type(value) is not self.cls:
            raise ValueError("only objects of class %s are frozen" % self.cls.__name__)
        return value._frozen()

    def decoded(self, value: Any) -> Any:
        """One nested object of the service's JSON: a status object decoded as it is read, a
        description built as an assignment would build it."""
        if isinstance(value, dict) and issubclass(self.cls, Status):
            return self.cls.from_service(value)
        return self.one(remap(value)) if isinstance(value, dict) else value

    def one(self, value: Any) -> Any:
        """The stored copy of ``value``: an instance of the class (rebuilt) or a dict."""
        cls = self.cls
        if type(value) is cls:
            return value._rebuild()
        if not isinstance(value, dict):
            raise _type_error(self.name, (cls, dict))
        return cls(value)._settle() if self.settle else cls(value)

    def item(self, value: Any) -> Any:
        """One entry of a map or list (or a helper's argument): also accepts a JSON text."""
        if isinstance(value, (str, bytes)):
            return self.cls(value)._settle()
        return self.one(value)


class Child(_Nested[C, Union[C, Dict[str, Any]]]):
    """A nested description (or status object) of class ``cls``."""

    def __init__(self, cls: Type[C], default: Any = _MISSING, *, settle: bool = True, **options: Any) -> None:
        super().__init__(cls, default, settle=settle, **options)

    @property
    def accepted(self) -> Tuple[type, ...]:  # type: ignore[override]
        return (self.cls, dict)

    def type_text(self) -> str:
        return self.cls.__name__

    def coerce(self, value: Any) -> Any:
        return self.one(value)

    def rebuild(self, value: Any) -> Any:
        return value if type(value) is bytes else self.one(value)

    def freeze(self, value: Any) -> Any:
        return value if type(value) is bytes else self.frozen(value)

    def thaw(self, value: Any) -> Any:
        return self.cls._thawed(value)

    decode = _Nested.decoded

    def data(self, value: Any, mode: int) -> Any:
        if type(value) is bytes:
            return self.cls._frozen_data(value, _INNER[mode])
        return _plain(value, _INNER[mode])

    def data_later(self, value: Any, mode: int) -> Any:
        if type(value) is bytes:
            return self.cls._frozen_data(value, _INNER[mode], True)
        if isinstance(value, Jsonizable):
            return value._data(_INNER[mode], True)
        return _plain(value, _INNER[mode])

    def make_default(self) -> Any:
        return self.default() if callable(self.default) else self.cls.blank()

    def stored_default(self) -> Any:
        if self.default is self.cls:  # a new child: made when first read
            return self.cls._default_child()
        return self.make_default()

    def empty(self) -> Any:
        return self.cls.blank()


class _Collection(_Nested[G, S]):
    """A container (``kind``) of nested descriptions: what is done to it is done to each entry
    (``_each``), the container kept."""

    kind: type

    @staticmethod
    def _each(function: Callable[[Any], Any], entries: Any) -> Any:
        raise NotImplementedError

    @property
    def accepted(self) -> Tuple[type, ...]:  # type: ignore[override]
        return (self.kind,)

    def coerce(self, value: Any) -> Any:
        if not isinstance(value, self.kind):
            raise _type_error(self.name, self.kind)
        return self._each(self.item, value)

    def rebuild(self, value: Any) -> Any:
        return value if type(value) is bytes else self.coerce(value)

    def freeze(self, value: Any) -> Any:
        if type(value) is bytes:
            return value
        if not isinstance(value, self.kind):
            raise ValueError("not a %s" % self.kind.__name__)
        return marshal.dumps(self._each(self.frozen, value), _MARSHAL)

    def thaw(self, value: Any) -> Any:
        return self._each(self.cls._thawed, marshal.loads(value))

    def decode(self, value: Any) -> Any:
        if not isinstance(value, self.kind):
            return value
        return self._each(self.decoded, value)

    def data(self, value: Any, mode: int) -> Any:
        inner = _INNER[mode]
        if type(value) is bytes:
            frozen_data = self.cls._frozen_data
            return self._each(lambda entry: frozen_data(entry, inner), marshal.loads(value))
        return self._each(lambda entry: _plain(entry, inner), value)

    def data_later(self, value: Any, mode: int) -> Any:
        inner = _INNER[mode]
        if type(value) is bytes:
            frozen_data = self.cls._frozen_data
            return self._each(lambda entry: _Later(frozen_data, entry, inner), marshal.loads(value))
        return self._each(lambda entry: _Later(_plain, entry, inner), value)

    def make_default(self) -> Any:
        return self.kind()

    def empty(self) -> Any:
        return self.kind()


class MapOf(_Collection[Dict[str, C], Dict[str, Any]]):
    """A dict of name -> nested description (DAG.Tasks, ClusterDescription.Groups)."""

    kind = dict

    def __init__(self, cls: Type[C], default: Any = _MISSING, **options: Any) -> None:
        super().__init__(cls, default, **options)

    def type_text(self) -> str:
        return "dict[str, %s]" % self.cls.__name__

    @staticmethod
    def _each(function: Callable[[Any], Any], entries: Any) -> Any:
        return {key: function(entry) for key, entry in entries.items()}


class ListOf(_Collection[List[C], List[Any]]):
    """A list of nested descriptions (Mounts.Entries)."""

    kind = list

    def __init__(self, cls: Type[C], default: Any = _MISSING, **options: Any) -> None:
        super().__init__(cls, default, **options)

    def type_text(self) -> str:
        return "list[%s]" % self.cls.__name__

    @staticmethod
    def _each(function: Callable[[Any], Any], entries: Any) -> Any:
        return [function(entry) for entry in entries]


def _field_table(cls: type, fields: Dict[str, "Prop[Any, Any]"]) -> str:
    """The docstring section that lists a class's properties (generated, never written by hand)."""
    if not fields:
        return ""
    header = ("property", "JSON key", "type", "default")
    rows = [(name, name, field.type_text(), field.default_text() or "-") for name, field in fields.items()]
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    rule = "  ".join("=" * width for width in widths)
    line = "  ".join("%%-%ds" % width for width in widths)
    lines = [rule, line % header, rule] + [line % row for row in rows] + [rule]
    return "\n\nProperties:\n\n" + "\n".join("    " + text.rstrip() for text in lines)


class _Schema(type):
    """Collects a class's declared properties into ``_fields`` and describes them."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any]) -> Any:
        doc = namespace.get("__doc__")
        cls: Any = super().__new__(mcs, name, bases, namespace)
        fields: Dict[str, "Prop[Any, Any]"] = {}
        for klass in reversed(cls.__mro__):
            fields.update((key, value) for key, value in vars(klass).items() if isinstance(value, Prop))
        cls._fields = fields
        cls._decoding = frozenset(name for name, field in fields.items() if field.decodes)
        cls._defaults = [field for field in fields.values() if field.default is not _MISSING]
        cls._not_plain = tuple(name for name, field in fields.items() if not field.plain)
        cls._copied = frozenset(cls._not_plain)
        # (name, the default itself when it is an immutable scalar, else the property that makes it)
        cls._default_plan = [
            (field.name, field.default, None) if type(field.default) in _ATOMIC else (field.name, None, field)
            for field in cls._defaults
        ]
        cls.descriptor_map = {key: field.descriptor for key, field in fields.items()}
        if doc is not None:
            cls.__doc__ = doc.rstrip() + _field_table(cls, fields)
        return cls


class Jsonizable(metaclass=_Schema):
    """Base of every description and status class: a typed, JSON-serialisable bag of declared
    properties (the official SDK's name for it).

    Construct from nothing, a dict, a JSON string or another instance of the same class (a
    copy). Properties read and write as attributes or items; unknown keys in input are dropped.
    ``required`` lists the names :meth:`validate` insists on; a list entry means exactly one
    of those names must be set. ``invariants`` are called with the object after it was built
    from data (a dict or JSON text), and raise on inconsistent input.
    """

    __slots__ = ("_values", "_state", "_pending", "__dict__")
    #: Property name -> the type (or tuple of types) it accepts.
    descriptor_map: ClassVar[Dict[str, Any]] = {}
    #: 'data descriptor' where properties may be assigned, 'non data descriptor' where they are read-only.
    descriptor_type: ClassVar[str] = "data descriptor"
    required: ClassVar[List[Any]] = []
    invariants: ClassVar[Sequence[Callable[[Any], None]]] = ()
    # Whether reading an unset child stores a copy of the new child, as assigning it would (the
    # official description classes do; its status classes store the child as made).
    _read_stores_copy: ClassVar[bool] = True
    # Whether copies of the class may be kept frozen (see _frozen).
    _freezes: ClassVar[bool] = False
    _fields: ClassVar[Dict[str, "Prop[Any, Any]"]]
    _decoding: ClassVar[FrozenSet[str]]
    _values: Dict[str, Any]
    _state: int
    _pending: Optional[FrozenSet[str]]  # of a status object: properties not yet decoded
    _defaults: ClassVar[List["Prop[Any, Any]"]]
    _not_plain: ClassVar[Tuple[str, ...]]
    _copied: ClassVar[FrozenSet[str]]  # the names of _not_plain
    _default_plan: ClassVar[List[Tuple[str, Any, Optional["Prop[Any, Any]"]]]]

    def __init__(self, properties: Any = None) -> None:
        self._init(properties)

    def _init(self, dct: Any) -> None:
        _set_slot(self, "_values", {})
        _set_slot(self, "_state", CLEAN)
        _set_slot(self, "_pending", None)
        if dct is None:
            pass
        elif isinstance(dct, dict):
            self.update(dct)
        elif isinstance(dct, (str, bytes)):
            self.load(dct)
        elif type(dct) is type(self):
            _set_slot(self, "_values", dct._rebuild()._values)
            return
        else:
            raise TypeError("Invalid type '%s' for '%s'" % (type(dct), type(self).__name__))
        values = self._values
        for name, value, maker in self._default_plan:
            if name not in values:
                values[name] = value if maker is None else maker.stored_default()
        if dct is not None:
            for invariant in self.invariants:
                invariant(self)

    @classmethod
    def blank(cls: Type[J]) -> J:
        """A new object holding only the class's defaults (what reading an unset child makes)."""
        obj = cls.__new__(cls)
        obj._init(None)
        return obj

    @classmethod
    def raw(cls: Type[J], **values: Any) -> J:
        """An instance holding exactly ``values``: no defaults, no coercion. Used for the few
        values the service expects in a partial form, such as Configs' default VPC."""
        obj = cls.__new__(cls)
        _set_slot(obj, "_values", dict(values))
        _set_slot(obj, "_state", RAW)
        _set_slot(obj, "_pending", None)
        return obj

    def put_raw(self, name: str, value: Any) -> None:
        """Store ``value`` under ``name`` as is (see :meth:`raw`)."""
        self._field(name)
        self._values[name] = value

    def _field(self, name: str) -> "Prop[Any, Any]":
        try:
            return self._fields[name]
        except KeyError:
            raise FieldError(name) from None

    if not TYPE_CHECKING:  # to a type checker, an undeclared attribute stays an error

        def __setattr__(self, name: str, value: Any) -> None:
            field = self._fields.get(name)
            if field is not None:
                field.__set__(self, value)
                return
            if not name.startswith("_") and not hasattr(type(self), name):
                _warn_unknown(type(self), name)
            object.__setattr__(self, name, value)

    def _decode(self, name: str) -> Any:
        """Decode property ``name`` of a status object read from an answer (see Status.from_service)."""
        pending = self._pending
        assert pending is not None  # (called for a property still to decode)
        values = self._values
        value = values[name] = self._fields[name].decode(values[name])
        _set_pending(self, _without(pending, name))
        return value

    def _materialize(self) -> None:
        """Decode every property still in the service's JSON form (before the values are read in bulk)."""
        while self._pending:
            name = next((name for name in self._pending if name in self._values), None)
            if name is None:
                _set_slot(self, "_pending", None)
                return
            self._decode(name)

    def _rebuild(self: J) -> J:
        """A copy equal to this object rebuilt from its JSON."""
        if not gc.isenabled():
            return self._rebuilt()
        # A copy makes many objects and no reference cycle: the collector would only walk the
        # growing tree again and again (the time of copying a large DAG grew faster than its size).
        gc.disable()
        try:
            return self._rebuilt()
        finally:
            gc.enable()

    def _rebuilt(self: J) -> J:
        cls = type(self)
        if self._state:
            return cls(_copy_plain(self.to_data()))._settle()
        obj = cls.__new__(cls)
        fields = self._fields
        self._materialize()
        if cls._freezes:
            # Built afresh, not copied: the copy of a dict the collector tracks stays tracked,
            # while this one, holding only frozen values and scalars, is never walked.
            copied = cls._copied
            values = {
                name: fields[name].copied(value) if name in copied else value for name, value in self._values.items()
            }
        else:
            values = dict(self._values)
            for name in cls._not_plain:
                if name in values:
                    values[name] = fields[name].rebuild(values[name])
        _set_slot(obj, "_values", values)
        _set_slot(obj, "_state", CLEAN)
        _set_slot(obj, "_pending", None)
        for invariant in cls.invariants:
            invariant(obj)
        return obj

    def _frozen(self) -> bytes:
        """This object's copy, frozen: the marshal data of the values :meth:`_rebuilt` gives,
        with nested descriptions and containers frozen likewise. An owner keeps such a copy as it
        is until the property is read: one bytes object, which the garbage collector never walks,
        instead of a tree of objects, and data to dump as it is. ValueError where the copy is made
        otherwise (partial values, invariants to check, status objects) or a value does not marshal."""
        cls = type(self)
        if self._state or self._pending or cls.invariants or not cls._freezes:
            raise ValueError("%s objects are copied as objects" % cls.__name__)
        fields = cls._fields
        values = dict(self._values)
        for name in cls._not_plain:
            if name in values:
                values[name] = fields[name].freeze(values[name])
        return marshal.dumps(values, _MARSHAL)

    @classmethod
    def _thawed(cls: Type[J], frozen: bytes) -> J:
        """The object a frozen copy stands for (its own nested values still frozen)."""
        obj = cls.__new__(cls)
        _set_slot(obj, "_values", marshal.loads(frozen))
        _set_slot(obj, "_state", CLEAN)
        _set_slot(obj, "_pending", None)
        return obj

    @classmethod
    def _frozen_data(cls, frozen: bytes, mode: int, later: bool = False) -> Dict[str, Any]:
        """``cls._thawed(frozen)._data(mode, later)``, without making the objects."""
        return cls._values_data(marshal.loads(frozen), COPY if mode == DEEP else mode, later)

    @classmethod
    def _default_child(cls) -> Any:
        """What an owner stores for a new child of this class as its default: frozen, so that
        the object is made only if it is read, where the class allows it."""
        frozen = cls.__dict__.get("_frozen_default")
        if frozen is None:
            try:
                frozen = cls()._frozen()
            except ValueError:
                frozen = b""
            type.__setattr__(cls, "_frozen_default", frozen)
        return frozen if frozen else cls()

    def _thaw_all(self) -> None:
        """Make the objects of every frozen value (before the values are handed out in bulk)."""
        values = self._values
        for name in self._not_plain:
            value = values.get(name)
            field = self._fields[name]
            if type(value) is bytes and field.freezable:
                values[name] = field.thaw(value)

    def _settle(self: J) -> J:
        """Complete, in place, the partial values a fresh object holds (what an assignment, which
        stores a copy, does to them); returns the object."""
        values = self._values
        for name, value in values.items():
            if isinstance(value, Jsonizable) and value._state:
                values[name] = value._rebuild()
        return self

    # -- item access, the dict-like API and the official extension protocol ----------------
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
            _set_slot(self, "_state", EDITED)

    def getproperty(self, key: str) -> Any:
        """The value of property ``key`` (``obj[key]``; KeyError for an unknown name)."""
        return self[key]

    def setproperty(self, key: str, value: Any) -> None:
        """Set property ``key`` (type-checked as an assignment); an unknown name is ignored."""
        field = self._fields.get(key)
        if field is not None:
            field.__set__(self, value)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values))

    def keys(self) -> List[str]:
        return list(self._values)

    def values(self) -> List[Any]:
        self._materialize()
        self._thaw_all()
        return list(self._values.values())

    def items(self) -> List[Tuple[str, Any]]:
        self._materialize()
        self._thaw_all()
        return list(self._values.items())

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self._values:
            return default
        return self._fields[name].__get__(self, type(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Jsonizable):
            return type(self) is type(other) and self.to_data() == other.to_data()
        if isinstance(other, dict):
            return self.to_data() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    # -- bulk operations ------------------------------------------------------------------
    def update(self, d: Dict[str, Any]) -> None:
        """Assign every known key of ``d`` (in its order, which the JSON keeps); unknown keys are
        dropped."""
        if isinstance(d, Jsonizable):
            d = d.to_data()
        if not isinstance(d, dict):
            raise TypeError("update() needs a dict, not %s" % type(d).__name__)
        fields = self._fields
        for name, value in d.items():
            field = fields.get(name)
            if field is not None:
                field.__set__(self, value)

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

    def _data(self, mode: int, later: bool = False) -> Dict[str, Any]:
        """The data of the object dumped in ``mode``; ``later``: for a dump (see Prop.data_later)."""
        self._materialize()
        if mode == DEEP and self._state != RAW:
            mode = COPY
        if mode == COPY and self._state:
            return self._rebuild()._data(COPY, later)
        return self._values_data(dict(self._values), mode, later)

    @classmethod
    def _values_data(cls, values: Dict[str, Any], mode: int, later: bool = False) -> Dict[str, Any]:
        """``values`` (a copy of an object's, changed in place) as JSON-ready data."""
        fields = cls._fields
        for name in cls._not_plain:
            if name in values:
                field = fields[name]
                values[name] = field.data_later(values[name], mode) if later else field.data(values[name], mode)
        return values

    def detail(self) -> Dict[str, Any]:
        """A deep copy of the properties as a dict; nested objects keep their classes."""
        copy = self._rebuild()
        copy._thaw_all()
        return copy._values

    def dump(self, indent: Optional[int] = 4) -> str:
        """The JSON text of the object (what goes on the wire)."""
        if not gc.isenabled():
            return dumps(self._data(TOP, True), indent)
        gc.disable()  # as in _rebuild: no cycles are made, the collector would only walk the tree
        try:
            return dumps(self._data(TOP, True), indent)
        finally:
            gc.enable()

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
        self._materialize()
        values = self._values
        for rule in self.required:
            if isinstance(rule, (list, tuple)):
                present = [name for name in rule if name in values]
                if len(present) > 1:
                    raise ValidationError("Only one property in %s should be assigned." % list(rule))
                if not present:
                    raise ValidationError("One of the property in %s should be assigned." % list(rule))
                continue
            if rule not in values:
                raise ValidationError(rule)
            value = values[rule]
            field = self._fields[rule]
            if type(value) is bytes and isinstance(field, Child):  # a frozen copy: validated, left frozen
                value = field.thaw(value)
            if isinstance(value, Jsonizable) and value._state != RAW:
                value.validate()


def lookup(kind: str, table: Dict[str, G], name: str) -> G:
    """``table[name]``, with a KeyError that says what was looked for."""
    try:
        return table[name]
    except KeyError:
        raise KeyError("'%s' is not a valid %s name" % (name, kind)) from None


def _warn_unknown(cls: type, name: str) -> None:
    known = list(getattr(cls, "_fields", ()))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:  # the same name in another case (StdOutRedirectPath)
        close = [key for key in known if key.lower() == name.lower()][:1]
    hint = "; did you mean %r?" % close[0] if close else ""
    warnings.warn(
        "%s has no property %r: the value is kept on the object but never sent%s" % (cls.__name__, name, hint),
        UnknownPropertyWarning,
        stacklevel=3,
    )


# The slots' own setters: quicker than _set_slot where a page of objects is made.
_set_values, _set_state, _set_pending = (
    Jsonizable.__dict__[slot].__set__ for slot in ("_values", "_state", "_pending")
)


class Description(Jsonizable):
    """Base of the description classes: the bodies sent to the service."""

    __slots__ = ()
    _freezes = True

    def __init__(self, dct: Any = None) -> None:
        self._init(dct)


class Status(Jsonizable):
    """Base of the status classes: what the service answers, read-only as attributes.

    Assigning a property as an attribute raises AttributeError (item assignment and
    :meth:`setproperty` still change a value, as in the official SDK). ``id_field`` names the
    property that identifies the object: it then compares equal to its id and sorts by it (and,
    unlike in the official SDK, hashes by it). Objects without one (metrics, results) are equal
    only to themselves, as in the official SDK.
    """

    __slots__ = ()
    descriptor_type = "non data descriptor"
    id_field: ClassVar[Optional[str]] = None
    _read_stores_copy = False

    def __init__(self, dct: Any = None) -> None:
        self._init(dct)

    @classmethod
    def from_service(cls: Type[J], data: Dict[str, Any]) -> J:
        """An object of the service's JSON, as the client reads it from an answer: the declared
        properties are kept (in the answer's order) and decoded when first read (``*Time`` values
        become local datetimes, nested objects objects of their classes), so that a page of
        many objects costs little until its fields are used. ``data`` is taken over, not copied."""
        obj = cls.__new__(cls)
        fields = cls._fields
        if not data.keys() <= fields.keys():  # the decoded JSON is kept, not copied: it is ours
            for name in data.keys() - fields.keys():
                del data[name]
        _set_values(obj, data)
        _set_state(obj, CLEAN)
        _set_pending(obj, cls._decoding or None)  # every property that decodes, still to decode
        return obj

    if not TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None:
            if name in self._fields:
                raise AttributeError(
                    "property %r of %r object has no setter (it is the service's answer)" % (name, type(self).__name__)
                )
            super().__setattr__(name, value)

    @property
    def id(self) -> Any:
        """The value of the ``id_field`` property (None without one)."""
        return self._values.get(self.id_field) if self.id_field else None

    def __eq__(self, other: object) -> bool:
        if not self.id_field:
            return self is other
        if isinstance(other, Status):
            return type(other) is type(self) and self.id == other.id
        if isinstance(other, (dict, Jsonizable)):
            return False
        return bool(self.id == other)

    def __hash__(self) -> int:  # type: ignore[override]  # a status object with an id hashes by it
        return hash(self.id) if self.id_field else object.__hash__(self)

    def __lt__(self, other: object) -> bool:
        if not self.id_field:
            return NotImplemented
        other_id = other if isinstance(other, str) else getattr(other, "id", None)
        return str(self.id) < str(other_id)


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
