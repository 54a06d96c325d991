"""Protocol core: errors, regions, signing, the route table, times and the transport.

Nothing here imports the rest of the package. ``Api`` (:mod:`batchcompute.core.api`) is imported
on first use, so that importing the package stays light.
"""

from typing import TYPE_CHECKING, Any

from .exceptions import ClientError, ConfigError, FieldError, JsonError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .api import Api

__all__ = ["Api", "ClientError", "ConfigError", "FieldError", "JsonError", "ValidationError"]


def __getattr__(name: str) -> Any:
    if name == "Api":
        from .api import Api

        return Api
    raise AttributeError("module 'batchcompute.core' has no attribute %r" % name)
