"""OSS's error answers: an HTTP status, OSS's code, a message and extra elements."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Type

from ..run.object_errors import (
    BucketNotEmpty,
    EntityTooSmall,
    FileAlreadyExists,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    ObjectConflict,
    ObjectNotAppendable,
    PositionNotEqualToLength,
    StoreError,
)

__all__ = ["OssError", "from_store_error", "invalid_argument", "access_denied"]


class OssError(Exception):
    """An error answer. ``details`` become elements of the error document (``Key``,
    ``BucketName``, ``StringToSign`` ...), ``headers`` extra response headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[Dict[str, str]] = None,
        headers: Optional[List[Tuple[str, str]]] = None,
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = list(headers or [])

    def __str__(self) -> str:
        return "%d %s: %s" % (self.status, self.code, self.message)


def invalid_argument(message: str, name: str = "", value: str = "") -> OssError:
    """400 InvalidArgument about the argument ``name``."""
    details = {"ArgumentName": name, "ArgumentValue": value} if name else {}
    return OssError(400, "InvalidArgument", message, details)


def access_denied(message: str) -> OssError:
    return OssError(403, "AccessDenied", message)


ALREADY_EXISTS = "The object you specified already exists and can not be overwritten."
#: (status, code, message: None keeps the store's) of each refusal of the store.
_STORE_ERRORS: Dict[Type[StoreError], Tuple[int, str, Optional[str]]] = {
    NoSuchBucket: (404, "NoSuchBucket", "The specified bucket does not exist."),
    NoSuchKey: (404, "NoSuchKey", "The specified key does not exist."),
    NoSuchUpload: (404, "NoSuchUpload", "The specified upload does not exist."),
    InvalidBucketName: (400, "InvalidBucketName", "The specified bucket is not valid."),
    InvalidObjectName: (400, "InvalidObjectName", None),
    BucketNotEmpty: (409, "BucketNotEmpty", "The bucket you tried to delete is not empty."),
    # A folder tree cannot hold a key and a longer key through it: a file system says "exists".
    ObjectConflict: (409, "FileAlreadyExists", None),
    FileAlreadyExists: (409, "FileAlreadyExists", ALREADY_EXISTS),
    ObjectNotAppendable: (409, "ObjectNotAppendable", "The object is not appendable."),
    PositionNotEqualToLength: (409, "PositionNotEqualToLength", "Position is not equal to file length."),
    InvalidDigest: (400, "InvalidDigest", None),
    InvalidPart: (400, "InvalidPart", None),
    InvalidPartOrder: (400, "InvalidPartOrder", None),
    EntityTooSmall: (400, "EntityTooSmall", None),
}


def from_store_error(exc: StoreError, bucket: Optional[str], key: str) -> OssError:
    """The answer to a refusal of the store, with the bucket or key it is about."""
    status, code, message = _STORE_ERRORS[type(exc)]
    details: Dict[str, str] = {}
    headers: List[Tuple[str, str]] = []
    if isinstance(exc, (NoSuchBucket, InvalidBucketName)) and bucket:
        details["BucketName"] = bucket
    elif isinstance(exc, NoSuchKey):
        details["Key"] = key
    if isinstance(exc, PositionNotEqualToLength):
        headers.append(("x-oss-next-append-position", str(exc.next_position)))
    return OssError(status, code, message or str(exc), details, headers)
