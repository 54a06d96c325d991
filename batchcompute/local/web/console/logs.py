"""Reading an instance's stdout or stderr object in pieces, for a viewer that follows it.

The object is opened through the store, which follows no symbolic link: a link planted in the
store cannot make the console read a file outside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from ...run.objects import ObjectStore

__all__ = ["LogChunk", "read_log", "CHUNK_BYTES", "FIRST_BYTES"]

#: The most one poll of the viewer reads.
CHUNK_BYTES = 256 * 1024
#: A viewer opened on a longer log starts this far before its end.
FIRST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LogChunk:
    """Text from byte ``start`` of a log up to byte ``end``; ``size`` is the log's length then
    (``exists`` False: no output yet)."""

    text: str
    start: int
    end: int
    size: int
    exists: bool = True


def _whole_characters(data: bytes) -> bytes:
    """``data`` without a UTF-8 character cut at its end (the next chunk starts with it)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # the first byte of a character: is the character whole?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= needed else data[:-back]
    return data


def read_log(store: ObjectStore, url: str, start: Optional[int], limit: int = CHUNK_BYTES) -> LogChunk:
    """Up to ``limit`` bytes of the object at ``url`` from byte ``start`` (None: the last
    FIRST_BYTES); from 0 when the object is now shorter than ``start`` (written anew by a retry).
    A missing object is an empty chunk; OssPathError / OSError for one that cannot be read."""
    try:
        fd = store.open_file(url)
    except (FileNotFoundError, NotADirectoryError):
        return LogChunk("", 0, 0, 0, exists=False)
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if start is None:
            start = max(0, size - FIRST_BYTES)
        elif start > size:
            start = 0
        handle.seek(start)
        data = handle.read(min(limit, size - start))
    if start + len(data) < size:
        data = _whole_characters(data)
    return LogChunk(data.decode("utf-8", errors="replace"), start, start + len(data), size)
