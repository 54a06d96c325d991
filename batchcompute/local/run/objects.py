"""The local object store: ``oss://bucket/key`` is the file ``<root>/bucket/key``.

Paths are confined to the root: a ``..`` or ``.`` segment, an empty segment (``//``), a NUL or a
backslash make the URL invalid, and the resolved path must stay under the root even through
symbolic links.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import BinaryIO, List, Set, Union

__all__ = ["OssPathError", "ObjectStore", "SCHEME", "is_dir_url", "join_url", "split_path"]

SCHEME = "oss://"


class OssPathError(ValueError):
    """An ``oss://`` URL that is malformed or would leave the store's root."""


def is_dir_url(url: str) -> bool:
    """Whether the URL names a "directory" (ends with ``/``)."""
    return url.endswith("/")


def join_url(prefix: str, name: str) -> str:
    """``prefix`` + ``name``, with a ``/`` between them when the prefix lacks one."""
    return prefix + name if prefix.endswith("/") else prefix + "/" + name


def split_path(path: str, shown: object = None) -> List[str]:
    """The segments of ``bucket/key`` (a trailing ``/`` names a directory); OssPathError when a
    segment is empty, ``.`` or ``..`` or the path holds a NUL or a backslash."""
    shown = path if shown is None else shown
    if "\x00" in path or "\\" in path:
        raise OssPathError("%r contains a forbidden character" % (shown,))
    parts = path.split("/")
    if parts and parts[-1] == "":
        parts = parts[:-1]  # a trailing slash names a directory
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise OssPathError("%r is not a valid object path (empty, '.' or '..' segment)" % (shown,))
    return parts


def _segments(url: object) -> List[str]:
    if not isinstance(url, str) or not url.startswith(SCHEME):
        raise OssPathError("%r is not an oss:// path" % (url,))
    return split_path(url[len(SCHEME) :], url)


class ObjectStore:
    """Maps oss:// URLs to files under ``root`` and copies between the store and local paths."""

    def __init__(self, root: Union[str, Path]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._root_text = str(self.root)
        self._checked_dirs: Set[str] = set()  # directories known to resolve inside the root

    def check(self, url: str) -> str:
        """Validate ``url`` (OssPathError when bad) and return it."""
        self.path(url)
        return url

    def path(self, url: str) -> Path:
        """The local file (or directory) for ``url``."""
        return Path(self._file(url))

    def _file(self, url: str) -> str:
        path = os.path.join(self._root_text, *_segments(url))
        if not self._inside(os.path.realpath(path)):
            raise OssPathError("%r leaves the object store" % (url,))
        return path

    def _inside(self, real: str) -> bool:
        root = self._root_text
        return real == root or real.startswith(root + os.sep)

    def open_for_write(self, url: str) -> BinaryIO:
        """A binary file at ``url`` opened for writing (parents created, truncated)."""
        return os.fdopen(self.create(url), "wb")

    def create(self, url: str) -> int:
        """The file descriptor of the file at ``url``, created or truncated, for writing.

        Log objects are created for every instance, so the parent directory's check is
        remembered and a symbolic link as the file itself is refused by the open."""
        path = os.path.join(self._root_text, *_segments(url))
        parent = os.path.dirname(path)
        if parent in self._checked_dirs:
            try:
                return self._create(path, url)
            except FileNotFoundError:  # the directory was removed since
                self._checked_dirs.discard(parent)
        if not self._inside(os.path.realpath(parent)):
            raise OssPathError("%r leaves the object store" % (url,))
        os.makedirs(parent, exist_ok=True)
        if len(self._checked_dirs) > 10000:
            self._checked_dirs.clear()
        self._checked_dirs.add(parent)
        return self._create(path, url)

    @staticmethod
    def _create(path: str, url: str) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            return os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OssPathError("%r is a symbolic link" % (url,)) from exc
            raise

    def read_bytes(self, url: str) -> bytes:
        return self.path(url).read_bytes()

    def write_bytes(self, url: str, data: bytes) -> None:
        with self.open_for_write(url) as handle:
            handle.write(data)

    def download(self, url: str, local: Path, into_dir: bool = False) -> None:
        """Copy the object (or, for a ``/`` URL, the directory) at ``url`` to ``local``
        (into it when ``into_dir`` or when it is a directory)."""
        source = self.path(url)
        if is_dir_url(url) or source.is_dir():
            local.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, local, dirs_exist_ok=True)
            return
        if not source.is_file():
            raise FileNotFoundError("%s does not exist" % url)
        target = local / source.name if into_dir or local.is_dir() else local
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def upload(self, local: Path, url: str) -> None:
        """Copy the local file or directory ``local`` to ``url`` (nothing when it is absent)."""
        if local.is_dir():
            target = self.path(url)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copytree(local, target, dirs_exist_ok=True)
        elif local.is_file():
            target = self.path(join_url(url, local.name) if is_dir_url(url) else url)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local, target)
