"""``batchcompute.utils.jsonizable``: where the official SDK kept ``Jsonizable``.

The mechanism now lives in :mod:`batchcompute.resources._schema`; this module re-exports it with
the other names the official module had.
"""

from ..core.compat import PY2, STRING, CamelCasedClass, add_metaclass, import_json, partial
from ..core.exceptions import FieldError, JsonError, ValidationError
from ..resources._schema import BatchEncoder, Jsonizable

__all__ = [
    "Jsonizable",
    "BatchEncoder",
    "CamelCasedClass",
    "FieldError",
    "JsonError",
    "ValidationError",
    "PY2",
    "STRING",
    "add_metaclass",
    "import_json",
    "partial",
]
