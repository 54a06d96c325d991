"""The errors the server answers with: an HTTP status, a documented code and a message."""

from __future__ import annotations

from typing import Optional, TypeVar

T = TypeVar("T")

__all__ = ["ApiError", "invalid", "missing", "not_found", "existing", "conflict", "forbidden"]


class ApiError(Exception):
    """An error answer: ``{"Code": code, "Message": message}`` with HTTP ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return "%s %s: %s" % (self.status, self.code, self.message)


def invalid(param: str, message: str) -> ApiError:
    """400 ``Invalid<Param>``."""
    return ApiError(400, "Invalid" + param, message)


def missing(param: str, message: str = "") -> ApiError:
    """400 ``Missing<Param>``."""
    return ApiError(400, "Missing" + param, message or "%s is required" % param)


def not_found(kind: str, ident: object) -> ApiError:
    """404 ``InvalidResource.NotFound``."""
    return ApiError(404, "InvalidResource.NotFound", "%s %s does not exist" % (kind, ident))


def existing(row: Optional[T], kind: str, ident: object) -> T:
    """``row``, or 404 ``InvalidResource.NotFound`` for the ``kind`` ``ident`` when there is none."""
    if row is None:
        raise not_found(kind, ident)
    return row


def conflict(message: str) -> ApiError:
    """409 ``StateConflict``."""
    return ApiError(409, "StateConflict", message)


def forbidden(message: str, code: str = "Forbidden") -> ApiError:
    """403 with ``code`` (Forbidden, SignatureDoesNotMatch, ...)."""
    return ApiError(403, code, message)
