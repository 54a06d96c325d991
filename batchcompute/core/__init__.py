"""Protocol core: errors, regions, signing, the route table, times and the transport.

Nothing here imports the rest of the package.
"""
from .exceptions import ClientError, ConfigError, FieldError, JsonError, ValidationError

__all__ = ["ClientError", "ConfigError", "FieldError", "JsonError", "ValidationError"]
