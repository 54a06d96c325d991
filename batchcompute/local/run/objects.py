"""The local object store: ``oss://bucket/key`` is the file ``<root>/bucket/key``.

Paths are confined to the root: a ``..`` or ``.`` segment, an empty segment (``//``), a NUL or a
backslash make the URL invalid, and the resolved path must stay under the root even through
symbolic links. Objects are read and written through descriptors opened from the root one path
component at a time, none of them following a symbolic link: a folder swapped for a link after a
first look leads nowhere outside the store.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO, Dict, Iterator, List, Sequence, Tuple, Union

from .nofollow import DIR_FLAGS, is_link_error, open_dir, open_regular

__all__ = ["OssPathError", "ObjectStore", "SCHEME", "is_dir_url", "join_url", "split_path"]

SCHEME = "oss://"
_NO_FOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_BAD_SEGMENTS = frozenset(("", ".", ".."))


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
    if not parts or not _BAD_SEGMENTS.isdisjoint(parts):
        raise OssPathError("%r is not a valid object path (empty, '.' or '..' segment)" % (shown,))
    return parts


def _segments(url: object) -> List[str]:
    if not isinstance(url, str) or not url.startswith(SCHEME):
        raise OssPathError("%r is not an oss:// path" % (url,))
    return split_path(url[len(SCHEME) :], url)


def _linked(exc: OSError, url: str) -> Union[OSError, OssPathError]:
    """The error of an open that met a symbolic link (ELOOP) as an OssPathError."""
    if is_link_error(exc):
        return OssPathError("%r goes through a symbolic link" % (url,))
    return exc


def _open_in(folder: int, name: str, flags: int, url: str) -> int:
    try:
        return os.open(name, flags | _NO_FOLLOW, 0o644, dir_fd=folder)
    except OSError as exc:
        raise _linked(exc, url) from exc


class ObjectStore:
    """Maps oss:// URLs to files under ``root`` and copies between the store and local paths."""

    def __init__(self, root: Union[str, Path]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._root_text = str(self.root)

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

    def _folder(self, parts: List[str], url: str, create: bool = False) -> int:
        """A descriptor of the folder ``<root>/<parts>``, each component opened without following a
        symbolic link (missing ones made when ``create``)."""
        try:
            return open_dir(self._root_text, parts, create)
        except OSError as exc:
            raise _linked(exc, url) from exc

    def open_object(self, url: str, flags: int, create_folders: bool = False) -> int:
        """A descriptor of the object at ``url`` opened with ``flags``, no component of its path a
        symbolic link (an OssPathError if one is)."""
        parts = _segments(url)
        folder = self._folder(parts[:-1], url, create_folders)
        try:
            return _open_in(folder, parts[-1], flags, url)
        finally:
            os.close(folder)

    def open_file(self, url: str) -> int:
        """A read-only descriptor of the regular file at ``url``: FileNotFoundError (or
        NotADirectoryError) when there is none, OssPathError when a symbolic link, a folder or
        anything else but a file is there."""
        parts = _segments(url)
        folder = self._folder(parts[:-1], url)
        try:
            fd = open_regular(folder, parts[-1])
        finally:
            os.close(folder)
        if fd is None:
            raise OssPathError("%s is not a file" % url)
        return fd

    def open_for_write(self, url: str) -> BinaryIO:
        """A binary file at ``url`` opened for writing (parents created, truncated)."""
        return os.fdopen(self.create(url), "wb")

    def open_for_read(self, url: str) -> BinaryIO:
        """The object at ``url`` opened for reading."""
        return os.fdopen(self.open_object(url, os.O_RDONLY), "rb")

    def create(self, url: str) -> int:
        """The file descriptor of the file at ``url``, created or truncated, for writing."""
        return self.open_object(url, _CREATE, create_folders=True)

    def create_all(self, urls: Sequence[str]) -> List[int]:
        """The descriptors of the files at ``urls`` (each URL once), created or truncated, for
        writing; a folder they share is opened once (an instance's two logs, say)."""
        fds: List[int] = []
        folders: Dict[Tuple[str, ...], int] = {}
        try:
            for url in urls:
                parts = _segments(url)
                where = tuple(parts[:-1])
                if where not in folders:
                    folders[where] = self._folder(parts[:-1], url, create=True)
                fds.append(_open_in(folders[where], parts[-1], _CREATE, url))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        finally:
            for folder in folders.values():
                os.close(folder)
        return fds

    def append(self, url: str, data: bytes) -> None:
        """Add ``data`` at the end of the object at ``url`` (made when missing)."""
        fd = self.open_object(url, os.O_WRONLY | os.O_CREAT | os.O_APPEND, create_folders=True)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def read_bytes(self, url: str) -> bytes:
        with self.open_for_read(url) as handle:
            return handle.read()

    def write_bytes(self, url: str, data: bytes) -> None:
        with self.open_for_write(url) as handle:
            handle.write(data)

    def download(self, url: str, local: Path, into_dir: bool = False) -> None:
        """Copy the object (or, for a ``/`` URL, the directory) at ``url`` to ``local``
        (into it when ``into_dir`` or when it is a directory)."""
        parts = _segments(url)
        try:
            folder = self._folder(parts, url)
        except (FileNotFoundError, NotADirectoryError) as exc:
            if is_dir_url(url):
                local.mkdir(parents=True, exist_ok=True)
            elif isinstance(exc, FileNotFoundError):
                raise FileNotFoundError("%s does not exist" % url) from None
            else:
                target = local / parts[-1] if into_dir or local.is_dir() else local
                target.parent.mkdir(parents=True, exist_ok=True)
                with self.open_for_read(url) as source, open(target, "wb") as copy:
                    shutil.copyfileobj(source, copy)
            return
        local.mkdir(parents=True, exist_ok=True)
        _copy_folder(folder, local, url)

    def upload(self, local: Path, url: str) -> None:
        """Copy the local file or directory ``local`` to ``url`` (nothing when it is absent)."""
        if local.is_dir():
            os.close(self._folder(_segments(url), url, create=True))
            for relative, is_folder in _paths_under(local):
                target = join_url(url, relative)
                if is_folder:
                    os.close(self._folder(_segments(target), target, create=True))
                    continue
                with open(local / relative, "rb") as source, self.open_for_write(target) as copy:
                    shutil.copyfileobj(source, copy)
        elif local.is_file():
            with open(local, "rb") as source, self.open_for_write(
                join_url(url, local.name) if is_dir_url(url) else url
            ) as copy:
                shutil.copyfileobj(source, copy)


def _copy_folder(folder: int, local: Path, url: str) -> None:
    """Copy the files and folders of the store folder ``folder`` (closed after) into ``local``;
    a symbolic link in it is an OssPathError."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                inner = join_url(url, entry.name)
                if entry.is_symlink():
                    raise OssPathError("%s is a symbolic link" % inner)
                if entry.is_dir(follow_symlinks=False):
                    (local / entry.name).mkdir(exist_ok=True)
                    _copy_folder(os.open(entry.name, DIR_FLAGS, dir_fd=folder), local / entry.name, inner)
                elif entry.is_file(follow_symlinks=False):
                    source = os.open(entry.name, os.O_RDONLY | _NO_FOLLOW, dir_fd=folder)
                    with os.fdopen(source, "rb") as handle, open(local / entry.name, "wb") as copy:
                        shutil.copyfileobj(handle, copy)
    except OSError as exc:
        raise _linked(exc, url) from exc
    finally:
        os.close(folder)


def _paths_under(local: Path) -> Iterator[Tuple[str, bool]]:
    """The folders and files under the local folder: ``/``-separated paths relative to it, and
    whether each is a folder."""
    for top, folders, files in os.walk(local):
        base = os.path.relpath(top, local)
        prefix = "" if base == "." else base.replace(os.sep, "/") + "/"
        for name in sorted(folders):
            yield prefix + name, True
        for name in sorted(files):
            yield prefix + name, False
