"""Opening paths below a root without following a symbolic link at any component.

Each component is opened relative to its parent's descriptor (``openat``) with ``O_NOFOLLOW``, so
a link placed anywhere in the tree (by a job, say) makes the open fail instead of leading out of
the tree. A symbolic link fails with ``ELOOP``, a file where a directory is expected with
``ENOTDIR``; anything that is not a regular file is refused by :func:`open_regular`.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Optional, Sequence

__all__ = ["DIR_FLAGS", "open_dir", "open_below", "open_regular", "is_link_error"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
#: O_NONBLOCK: a FIFO placed in the tree must not block the open; it is refused after fstat.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def is_link_error(exc: OSError) -> bool:
    """Whether ``exc`` is an open refused because a component is a symbolic link."""
    return exc.errno == errno.ELOOP


def open_dir(root: str, parts: Sequence[str], create: bool = False) -> int:
    """The descriptor of the directory ``root/parts...`` (the caller closes it); ``create`` makes
    missing directories. ``root`` itself is opened as given."""
    return _descend(os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), parts, create)


def open_below(dir_fd: int, parts: Sequence[str], create: bool = False) -> int:
    """The descriptor of the directory ``parts...`` inside the directory ``dir_fd`` (a new
    descriptor, even for no parts; the caller closes it)."""
    return _descend(os.dup(dir_fd), parts, create)


def _descend(fd: int, parts: Sequence[str], create: bool) -> int:
    """The descriptor of ``parts...`` inside the directory ``fd``, which it closes. A missing
    directory is made only when opening it fails: most exist already."""
    try:
        for part in parts:
            try:
                child = _open_folder(part, fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:  # made meanwhile by someone else
                    pass
                child = _open_folder(part, fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_folder(name: str, dir_fd: int) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except NotADirectoryError:  # Linux says so for a link too: tell them apart
        if stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            raise OSError(errno.ELOOP, "a symbolic link is in the way", name) from None
        raise


def open_regular(dir_fd: int, name: str) -> Optional[int]:
    """A read-only descriptor of the regular file ``name`` in ``dir_fd``; None when there is
    something else there (a directory, a FIFO, a link); FileNotFoundError when nothing."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    os.set_blocking(fd, True)
    return fd
