"""A bucket's keys in order, as OSS lists them, from its folder tree.

Within a folder, entries are visited in the order of their keys (a sub-folder ``a`` sorts as
``a/``), so a depth-first walk yields every key in lexicographic order. The walk starts at the
deepest folder the prefix names, skips whole sub-folders that lie at or before the marker or
inside a common prefix already reported, and opens every folder without following links.
A folder is itself listed, as the zero-byte object ``folder/``, when it is empty or was made
as an object (PutObject of ``folder/``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Generator, List, Optional, Tuple

from .nofollow import DIR_FLAGS, open_below

__all__ = ["Entry", "KeyWalker"]


@dataclass(frozen=True)
class Entry:
    """A key met by the walk: a file ``name`` in the folder ``dir_fd``, or a folder object whose
    descriptor is ``folder_fd``. The descriptors are valid until the walk goes on."""

    key: str
    dir_fd: int
    name: str
    folder_fd: Optional[int] = None


class _Frame:
    def __init__(self, fd: int, base: str) -> None:
        self.fd, self.base = fd, base
        self.entries = _sorted_entries(fd)
        self.position = 0

    def next(self) -> Optional[Tuple[str, bool]]:
        if self.position >= len(self.entries):
            return None
        self.position += 1
        return self.entries[self.position - 1][1:]


def _sorted_entries(fd: int) -> List[Tuple[str, str, bool]]:
    """``(sort key, name, is folder)`` of the files and folders in ``fd`` (links, devices and
    names that cannot be keys are left out)."""
    found = []
    with os.scandir(fd) as entries:
        for entry in entries:
            name = entry.name
            if "\\" in name or not _is_text(name):
                continue
            if entry.is_dir(follow_symlinks=False):
                found.append((name + "/", name, True))
            elif entry.is_file(follow_symlinks=False):
                found.append((name, name, False))
    found.sort()
    return found


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name (surrogate escapes)
        return False
    return True


class KeyWalker:
    """The keys of the bucket folder ``bucket_fd`` that start with ``prefix`` and sort after
    ``after``, in order; :meth:`skip` drops every later key that starts with a given prefix."""

    def __init__(self, bucket_fd: int, prefix: str, after: str, is_folder_object: Callable[[int], bool]) -> None:
        self._bucket_fd = bucket_fd
        self._prefix = prefix
        self._after = after
        self._skip: Optional[str] = None
        self._is_folder_object = is_folder_object

    def skip(self, prefix: str) -> None:
        """Leave out every key that starts with ``prefix`` from now on."""
        self._skip = prefix

    def __iter__(self) -> Generator[Entry, None, None]:
        stack: List[_Frame] = []
        try:
            start = self._start()
            if start is None:
                return
            stack.append(start)
            if start.base and self._folder_listed(start) and self._wanted(start.base):
                yield Entry(start.base, start.fd, "", start.fd)
            while stack:
                frame = stack[-1]
                entry = None if self._skipped(frame.base) else frame.next()
                if entry is None:
                    os.close(stack.pop().fd)
                    continue
                name, is_folder = entry
                key = frame.base + name + ("/" if is_folder else "")
                if not is_folder:
                    if self._wanted(key):
                        yield Entry(key, frame.fd, name)
                    continue
                if not self._wanted_folder(key):
                    continue
                try:
                    child = _Frame(os.open(name, DIR_FLAGS, dir_fd=frame.fd), key)
                except OSError:  # gone, or replaced by something else, since the scan
                    continue
                stack.append(child)
                if self._folder_listed(child) and self._wanted(key):
                    yield Entry(key, frame.fd, name, child.fd)
        finally:
            for frame in stack:
                os.close(frame.fd)

    def _start(self) -> Optional[_Frame]:
        """The frame of the deepest folder that the prefix names (None: there is none)."""
        base = self._prefix[: self._prefix.rfind("/") + 1]
        parts = base.split("/")[:-1]
        if any(part in ("", ".", "..") or "\\" in part for part in parts):
            return None
        try:
            fd = open_below(self._bucket_fd, parts)
        except OSError:
            return None
        try:
            return _Frame(fd, base)
        except OSError:
            os.close(fd)
            return None

    def _folder_listed(self, frame: _Frame) -> bool:
        return not frame.entries or self._is_folder_object(frame.fd)

    def _skipped(self, base: str) -> bool:
        return self._skip is not None and base.startswith(self._skip)

    def _wanted(self, key: str) -> bool:
        """Whether the key itself is listed."""
        return key.startswith(self._prefix) and key > self._after and not self._skipped(key)

    def _wanted_folder(self, key: str) -> bool:
        """Whether some key inside the folder ``key`` may be listed."""
        if not (key.startswith(self._prefix) or self._prefix.startswith(key)):
            return False
        if self._after >= key and not self._after.startswith(key):
            return False  # the whole folder sorts before the marker
        return not self._skipped(key)
