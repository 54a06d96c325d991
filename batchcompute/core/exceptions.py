"""Exceptions raised by the SDK.

The names and constructor signatures are those of the official SDK, so ``except`` clauses in
existing scripts keep working.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

__all__ = ["ClientError", "FieldError", "ValidationError", "JsonError", "ConfigError", "InvalidResponse"]


class FieldError(Exception):
    """A property name that the description class does not know, or a bad argument value."""

    def __init__(self, key: Any) -> None:
        super().__init__(key)
        self.key = key

    @property
    def field(self) -> Any:
        return self.key

    def __str__(self) -> str:
        return str(self.key)


class ValidationError(Exception):
    """A required property is missing (``str(err)`` is its name) or a one-of rule is broken."""

    def __init__(self, key: Any) -> None:
        super().__init__(key)
        self.key = key

    @property
    def field(self) -> Any:
        return self.key

    def __str__(self) -> str:
        return str(self.key)


class JsonError(Exception):
    """A string that should hold JSON does not parse."""

    def __init__(self, msg: Any = "") -> None:
        super().__init__(msg)
        self.msg = msg

    @property
    def value(self) -> Any:
        return self.msg

    def __str__(self) -> str:
        return "%r is not jsonizable." % (self.msg,)


class ConfigError(Exception):
    """The client was configured with an endpoint or option it cannot use."""

    def __init__(self, msg: Any) -> None:
        super().__init__(msg)
        self.msg = msg

    def __str__(self) -> str:
        return str(self.msg)


class ClientError(Exception):
    """The service answered with an error status (or could not be reached).

    ``status`` is the HTTP status (0 when no answer arrived), ``code`` the service's error code,
    ``request_id`` the id the service gave the request, ``msg`` its message.
    """

    def __init__(self, status: int, code: str, request_id: Optional[str], msg: str) -> None:
        super().__init__(status, code, request_id, msg)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.msg = msg

    def get_status_code(self) -> int:
        return self.status

    def get_code(self) -> str:
        return self.code

    def get_requestid(self) -> Optional[str]:
        return self.request_id

    def get_msg(self) -> str:
        return self.msg

    def __str__(self) -> str:
        return "HTTP Status: %s, Code: %s, RequestID: %s, Message: %s." % (
            self.status,
            self.code,
            self.request_id,
            self.msg,
        )

    def __repr__(self) -> str:
        return "ClientError(%r, %r, %r, %r)" % (self.status, self.code, self.request_id, self.msg)

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:  # keep pickling (multiprocessing, logging handlers) working
        return (type(self), (self.status, self.code, self.request_id, self.msg))


class InvalidResponse(ClientError):
    """The endpoint answered something the call cannot use: a redirect, a success whose body is not
    JSON, a create answer without an id. ``code`` says which; ``msg`` shows what came back (for a
    create, look there for the id of what may have been made)."""
