"""Why a bucket or object operation is refused: one class per OSS error code it answers with."""

from __future__ import annotations

__all__ = [
    "StoreError",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "InvalidBucketName",
    "InvalidObjectName",
    "BucketNotEmpty",
    "ObjectConflict",
    "FileAlreadyExists",
    "ObjectNotAppendable",
    "PositionNotEqualToLength",
    "InvalidDigest",
    "InvalidPart",
    "InvalidPartOrder",
    "EntityTooSmall",
]


class StoreError(Exception):
    """A refused operation; nothing was changed. The class name is the OSS error code."""

    @property
    def code(self) -> str:
        return type(self).__name__


class NoSuchBucket(StoreError):
    pass


class NoSuchKey(StoreError):
    pass


class NoSuchUpload(StoreError):
    pass


class InvalidBucketName(StoreError):
    pass


class InvalidObjectName(StoreError):
    pass


class BucketNotEmpty(StoreError):
    pass


class ObjectConflict(StoreError):
    """A key that the folder tree cannot hold beside another: ``a/b`` where ``a`` is an object,
    ``a`` where ``a/`` holds objects."""


class FileAlreadyExists(StoreError):
    pass


class ObjectNotAppendable(StoreError):
    pass


class PositionNotEqualToLength(StoreError):
    """An append at another position than the object's length (``next_position``)."""

    def __init__(self, message: str, next_position: int) -> None:
        super().__init__(message)
        self.next_position = next_position


class InvalidDigest(StoreError):
    pass


class InvalidPart(StoreError):
    pass


class InvalidPartOrder(StoreError):
    pass


class EntityTooSmall(StoreError):
    pass
