"""What an object is besides its bytes: ETag, type, Content-Type, user metadata.

The record is kept with the file, in the extended attribute ``user.batchcompute.oss``, so that
an atomic rename publishes data and record together. It is valid while the file keeps the size
and modification time it was recorded with: a file that a job wrote or changed in place has no
valid record, and its ETag (the MD5 of its bytes) is computed when asked for and then recorded.
Where the file system keeps no extended attributes, records live in memory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "NORMAL",
    "MULTIPART",
    "APPENDABLE",
    "Attributes",
    "ObjectInfo",
    "MetadataTooLarge",
    "MetaRecords",
    "file_md5",
]

XATTR = "user.batchcompute.oss"
FOLDER_XATTR = "user.batchcompute.folder"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
NORMAL, MULTIPART, APPENDABLE = "Normal", "Multipart", "Appendable"
#: The largest record kept (one file system block holds all of a file's attributes on ext4).
MAX_RECORD_BYTES = 3000
_READ_CHUNK = 1 << 20


class MetadataTooLarge(ValueError):
    """The object's metadata does not fit in what the store keeps per object."""


@dataclass(frozen=True)
class Attributes:
    """What a writer says about an object: its Content-Type, the standard headers it is served
    with (Content-Encoding, Content-Disposition, ...) and user metadata (``x-oss-meta-*``)."""

    content_type: str = DEFAULT_CONTENT_TYPE
    headers: Dict[str, str] = field(default_factory=dict)
    meta: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectInfo:
    """An object as listed and served: ``etag`` is upper-case hex without quotes."""

    key: str
    size: int
    mtime: float
    etag: str
    kind: str = NORMAL
    attributes: Attributes = field(default_factory=Attributes)


def file_md5(fd: int, size: int) -> str:
    """The MD5 of the first ``size`` bytes of the open file ``fd``, upper-case hex."""
    digest = hashlib.md5()
    offset = 0
    while offset < size:
        chunk = os.pread(fd, min(_READ_CHUNK, size - offset), offset)
        if not chunk:
            break
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest().upper()


def _encode(stat: os.stat_result, etag: str, kind: str, attributes: Attributes) -> bytes:
    record: Dict[str, Any] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "etag": etag, "type": kind}
    if attributes != Attributes():
        record.update(content_type=attributes.content_type, headers=attributes.headers, meta=attributes.meta)
    data = json.dumps(record, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_RECORD_BYTES:
        raise MetadataTooLarge("the object's metadata takes %d bytes, over the %d kept" % (len(data), MAX_RECORD_BYTES))
    return data


def _decode(data: bytes, stat: os.stat_result) -> Optional[Tuple[str, str, Attributes]]:
    try:
        record = json.loads(data)
        if record["size"] != stat.st_size or record["mtime_ns"] != stat.st_mtime_ns:
            return None
        attributes = Attributes(
            str(record.get("content_type", DEFAULT_CONTENT_TYPE)),
            {str(k): str(v) for k, v in record.get("headers", {}).items()},
            {str(k): str(v) for k, v in record.get("meta", {}).items()},
        )
        return str(record["etag"]), str(record["type"]), attributes
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


class MetaRecords:
    """Reads and writes the records of open files (extended attributes, else memory)."""

    def __init__(self, memory_size: int = 4096) -> None:
        self._xattrs = hasattr(os, "getxattr")
        self._memory: "OrderedDict[Tuple[int, int], bytes]" = OrderedDict()
        self._memory_size = memory_size
        self._lock = threading.Lock()

    def write(self, fd: int, etag: str, kind: str, attributes: Attributes) -> None:
        """Record ``etag``, ``kind`` and ``attributes`` for the file's current size and time."""
        stat = os.fstat(fd)
        data = _encode(stat, etag, kind, attributes)
        if self._xattrs:
            try:
                os.setxattr(fd, XATTR, data)
                return
            except OSError as exc:
                if exc.errno in (errno.E2BIG, errno.ENOSPC, errno.ERANGE):
                    raise MetadataTooLarge("the file system keeps no more metadata for this object") from exc
                if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                    raise
                self._xattrs = False
        with self._lock:
            self._memory[(stat.st_dev, stat.st_ino)] = data
            while len(self._memory) > self._memory_size:
                self._memory.popitem(last=False)

    def read(self, fd: int, key: str, stat: Optional[os.stat_result] = None) -> ObjectInfo:
        """The object in the open file ``fd``. Its ETag, when not recorded (a file a job wrote,
        an appended object), is computed, and recorded if the file did not change meanwhile."""
        stat = stat or os.fstat(fd)
        etag, kind, attributes = self.peek(fd, stat) or ("", NORMAL, Attributes())
        if not etag:
            etag = file_md5(fd, stat.st_size)
            if os.fstat(fd).st_mtime_ns == stat.st_mtime_ns:
                try:
                    self.write(fd, etag, kind, attributes)
                except OSError:  # a read-only store still serves the object
                    pass
        return ObjectInfo(key, stat.st_size, stat.st_mtime, etag, kind, attributes)

    def peek(self, fd: int, stat: Optional[os.stat_result] = None) -> Optional[Tuple[str, str, Attributes]]:
        """``(etag, kind, attributes)`` as recorded for the file as it is (etag "": unknown);
        None without a valid record."""
        stat = stat or os.fstat(fd)
        return _decode(self._load(fd, stat), stat)

    def mark_folder(self, fd: int) -> None:
        """Mark the directory ``fd`` as a folder object (listed even when it holds objects)."""
        if self._xattrs:
            try:
                os.setxattr(fd, FOLDER_XATTR, b"1")
            except OSError:  # without attributes, only empty folders are objects
                pass

    def is_marked_folder(self, fd: int) -> bool:
        if not self._xattrs:
            return False
        try:
            return os.getxattr(fd, FOLDER_XATTR) == b"1"
        except OSError:
            return False

    def unmark_folder(self, fd: int) -> None:
        if self._xattrs:
            try:
                os.removexattr(fd, FOLDER_XATTR)
            except OSError:
                pass

    def _load(self, fd: int, stat: os.stat_result) -> bytes:
        if self._xattrs:
            try:
                return os.getxattr(fd, XATTR)
            except OSError:
                return b""
        with self._lock:
            return self._memory.get((stat.st_dev, stat.st_ino), b"")
