"""Buckets and objects of the object store, as the OSS endpoint serves them.

A bucket is a top folder of the store's root; the object ``key`` is the file ``<bucket>/<key>``,
the same file that jobs read (PackagePath, InputMapping) and write (logs, OutputMapping). Every
path is opened component by component without following links (``nofollow``). Writes are
staged in a folder beside the root (same file system) while the body streams in and its digests
are checked, then published by one atomic rename: a reader sees the old object or the new one,
never a part, and a refused or broken upload leaves nothing behind. A key that ends with ``/``
is a folder object (an empty folder, or one made by a PutObject of ``folder/``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import shutil
import tempfile
import threading
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, List, Optional, Tuple, Union, cast

from .listing import Entry, KeyWalker
from .nofollow import DIR_FLAGS, is_link_error, open_below, open_dir, open_regular
from .object_errors import (
    BucketNotEmpty,
    FileAlreadyExists,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectName,
    NoSuchBucket,
    NoSuchKey,
    ObjectConflict,
    ObjectNotAppendable,
    PositionNotEqualToLength,
)
from .object_meta import APPENDABLE, NORMAL, Attributes, MetaRecords, ObjectInfo
from .objects import OssPathError, split_path

__all__ = ["BucketStore", "BucketInfo", "Listing", "ObjectReader", "Staged", "check_bucket_name", "split_key"]

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\Z")
MAX_KEY_BYTES = 1023
MAX_SEGMENT_BYTES = 255
EMPTY_MD5 = "D41D8CD98F00B204E9800998ECF8427E"
CHUNK = 1 << 20


def check_bucket_name(name: str) -> str:
    """``name`` when it follows OSS's rules (3 to 63 lower-case letters, digits and hyphens,
    starting and ending with a letter or digit); InvalidBucketName otherwise."""
    if not BUCKET_NAME.match(name):
        raise InvalidBucketName("%r is not a valid bucket name" % name)
    return name


def split_key(key: str) -> Tuple[List[str], bool]:
    """The path segments of ``key`` and whether it names a folder (ends with ``/``);
    InvalidObjectName for a key OSS or the folder tree cannot hold."""
    size = len(key.encode("utf-8", "surrogatepass"))
    if not 0 < size <= MAX_KEY_BYTES or key.startswith("/"):
        raise InvalidObjectName("an object name is 1 to %d bytes and does not start with '/'" % MAX_KEY_BYTES)
    try:
        parts = split_path(key)
    except OssPathError as exc:
        raise InvalidObjectName(str(exc)) from None
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES for part in parts):
        raise InvalidObjectName("a segment of %r is longer than %d bytes" % (key, MAX_SEGMENT_BYTES))
    return parts, key.endswith("/")


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created: float


@dataclass(frozen=True)
class Listing:
    """One page of a listing: ``next_marker`` is the last key or prefix in it when truncated."""

    objects: List[ObjectInfo]
    prefixes: List[str]
    truncated: bool
    next_marker: str


class Staged:
    """A body written to the staging folder (still open), with its size and MD5."""

    def __init__(self, fd: int, path: str, size: int, md5: bytes) -> None:
        self.fd, self.path, self.size, self.md5 = fd, path, size, md5

    def discard(self) -> None:
        """Remove the staged file (once published, it is no longer there)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class ObjectReader:
    """An object opened for reading: ``info``, and its bytes in chunks."""

    def __init__(self, fd: Optional[int], info: ObjectInfo) -> None:
        self.fd, self.info = fd, info

    def chunks(self, start: int = 0, stop: Optional[int] = None) -> Iterator[bytes]:
        """Bytes ``start`` to ``stop`` (exclusive; default the end), then the file is closed."""
        try:
            position, stop = start, self.info.size if stop is None else stop
            while self.fd is not None and position < stop:
                chunk = os.pread(self.fd, min(CHUNK, stop - position), position)
                if not chunk:
                    break
                position += len(chunk)
                yield chunk
        finally:
            self.close()

    def file_from(self, start: int) -> BinaryIO:
        """The object as a file positioned at ``start``; it takes the descriptor over (closing
        it is the file's business from then on)."""
        if self.fd is None:
            raise ValueError("the object is closed")
        fd, self.fd = self.fd, None
        opened = os.fdopen(fd, "rb", buffering=0)
        opened.seek(start)
        return cast(BinaryIO, opened)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "ObjectReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _StreamMd5:
    """The MD5 of a stream of chunks. Past the first ``INLINE_BYTES`` it is computed on a thread
    of its own, beside the caller's receiving and writing (hashlib releases the GIL): MD5 is the
    largest cost of an upload, and this hides the rest behind it."""

    INLINE_BYTES = 8 * CHUNK

    def __init__(self) -> None:
        self._md5 = hashlib.md5()
        self._seen = 0
        self._queue: "Optional[queue.Queue[Optional[bytes]]]" = None
        self._thread: Optional[threading.Thread] = None

    def update(self, chunk: bytes) -> None:
        if self._queue is not None:
            self._queue.put(chunk)
            return
        self._md5.update(chunk)
        self._seen += len(chunk)
        if self._seen >= self.INLINE_BYTES:
            self._queue = queue.Queue(maxsize=4)
            self._thread = threading.Thread(target=self._run, name="md5", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        assert self._queue is not None
        for chunk in iter(self._queue.get, None):
            self._md5.update(chunk)

    def digest(self) -> bytes:
        """The digest (the hashing thread, if any, is ended: call once, also on failure)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        return self._md5.digest()


def _write_all(fd: int, data: Union[bytes, memoryview]) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_range(source: int, target: int, size: int, target_offset: int) -> None:
    """``size`` bytes from the start of ``source`` to ``target_offset`` of ``target``."""
    copied = 0
    while copied < size:
        count = min(CHUNK * 64, size - copied)
        if hasattr(os, "copy_file_range"):
            done = os.copy_file_range(source, target, count, copied, target_offset + copied)
        else:
            done = os.pwrite(target, os.pread(source, min(count, CHUNK), copied), target_offset + copied)
        if not done:
            raise OSError(errno.EIO, "the source ended early")
        copied += done


class BucketStore:
    """The buckets under ``root`` (the object store's root); ``staging`` holds bodies being
    written and must be on the same file system."""

    def __init__(self, root: Union[str, Path], staging: Union[str, Path]) -> None:
        Path(root).mkdir(parents=True, exist_ok=True)
        self.root = str(Path(root).resolve())
        self.staging = Path(staging)
        self.records = MetaRecords()
        self._tmp = str(self.staging / "tmp")
        shutil.rmtree(self._tmp, ignore_errors=True)  # what a crashed server was writing
        os.makedirs(self._tmp, exist_ok=True)
        self._append_lock = threading.Lock()

    # -- buckets

    def buckets(self) -> List[BucketInfo]:
        """Every bucket: the root's folders whose names are bucket names, by name."""
        with os.scandir(self.root) as entries:
            names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False) and BUCKET_NAME.match(e.name))
        found = []
        for name in names:
            try:
                found.append(self.bucket(name))
            except NoSuchBucket:  # removed meanwhile
                pass
        return found

    def bucket(self, name: str) -> BucketInfo:
        """The bucket ``name`` (NoSuchBucket when there is none)."""
        with self._bucket(name) as fd:
            return BucketInfo(name, os.fstat(fd).st_ctime)

    def create_bucket(self, name: str) -> None:
        """Make the bucket ``name`` (nothing when it exists)."""
        check_bucket_name(name)
        try:
            os.mkdir(os.path.join(self.root, name), 0o755)
        except FileExistsError:
            self.bucket(name)  # a file or a link by that name is no bucket

    def delete_bucket(self, name: str) -> None:
        """Remove the empty bucket ``name`` (BucketNotEmpty when it holds anything)."""
        self.bucket(name)
        try:
            os.rmdir(os.path.join(self.root, name))
        except FileNotFoundError:
            raise NoSuchBucket("the bucket %s does not exist" % name) from None
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise BucketNotEmpty("the bucket %s is not empty" % name) from None
            raise

    @contextmanager
    def _bucket(self, name: str) -> Iterator[int]:
        check_bucket_name(name)
        try:
            fd = open_dir(self.root, [name])
        except OSError as exc:
            if isinstance(exc, (FileNotFoundError, NotADirectoryError)) or is_link_error(exc):
                raise NoSuchBucket("the bucket %s does not exist" % name) from None
            raise
        try:
            yield fd
        finally:
            os.close(fd)

    # -- reading

    def open(self, bucket: str, key: str) -> ObjectReader:
        """The object ``key`` opened for reading (NoSuchKey when there is none)."""
        parts, folder = split_key(key)
        with self._bucket(bucket) as bucket_fd:
            try:
                parent = open_below(bucket_fd, parts[:-1])
            except OSError:
                raise NoSuchKey(key) from None
            try:
                if folder:
                    return ObjectReader(None, self._folder_info(parent, parts[-1], key))
                try:
                    fd = open_regular(parent, parts[-1])
                except OSError:
                    fd = None
                if fd is None:
                    raise NoSuchKey(key)
                try:
                    return ObjectReader(fd, self.records.read(fd, key))
                except BaseException:
                    os.close(fd)
                    raise
            finally:
                os.close(parent)

    def head(self, bucket: str, key: str) -> ObjectInfo:
        """The object ``key`` without its bytes."""
        with self.open(bucket, key) as reader:
            return reader.info

    def _folder_info(self, parent: int, name: str, key: str) -> ObjectInfo:
        try:
            fd = os.open(name, DIR_FLAGS, dir_fd=parent)
        except OSError:
            raise NoSuchKey(key) from None
        try:
            if not self.is_folder_object(fd):
                raise NoSuchKey(key)
            return ObjectInfo(key, 0, os.fstat(fd).st_mtime, EMPTY_MD5)
        finally:
            os.close(fd)

    def is_folder_object(self, fd: int) -> bool:
        """Whether the folder ``fd`` is listed as an object: empty, or made as one."""
        with os.scandir(fd) as entries:
            if next(entries, None) is None:
                return True
        return self.records.is_marked_folder(fd)

    def list(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "", max_keys: int = 100) -> Listing:
        """At most ``max_keys`` objects and common prefixes of ``bucket`` that start with
        ``prefix`` and sort after ``after``; keys that hold ``delimiter`` past the prefix are
        rolled up into one common prefix each."""
        objects: List[ObjectInfo] = []
        prefixes: List[str] = []
        last = ""
        with self._bucket(bucket) as bucket_fd:
            walker = KeyWalker(bucket_fd, prefix, after, self.is_folder_object)
            with closing(iter(walker)) as entries:
                for entry in entries:
                    cut = entry.key.find(delimiter, len(prefix)) if delimiter else -1
                    common = entry.key[: cut + len(delimiter)] if cut >= 0 else None
                    if common is not None:
                        walker.skip(common)
                        if common <= after:
                            continue
                    if len(objects) + len(prefixes) >= max_keys:
                        return Listing(objects, prefixes, True, last)
                    if common is not None:
                        prefixes.append(common)
                        last = common
                        continue
                    info = self._entry_info(entry)
                    if info is not None:
                        objects.append(info)
                        last = entry.key
        return Listing(objects, prefixes, False, "")

    def _entry_info(self, entry: Entry) -> Optional[ObjectInfo]:
        if entry.folder_fd is not None:
            return ObjectInfo(entry.key, 0, os.fstat(entry.folder_fd).st_mtime, EMPTY_MD5)
        try:
            fd = open_regular(entry.dir_fd, entry.name)
        except OSError:
            return None  # removed since the folder was read
        if fd is None:
            return None
        try:
            return self.records.read(fd, entry.key)
        finally:
            os.close(fd)

    # -- writing

    def stage(
        self, chunks: Iterable[bytes], expected_md5: Optional[bytes] = None, directory: Optional[str] = None
    ) -> Staged:
        """Write ``chunks`` to a new file in the staging folder (or ``directory``, on the same
        file system); InvalidDigest when ``expected_md5`` does not match what came. Whatever
        goes wrong (the iterator of chunks may raise), nothing is left behind."""
        fd, path = tempfile.mkstemp(prefix="tmp-", dir=directory or self._tmp)
        md5 = _StreamMd5()
        size = 0
        try:
            try:
                for chunk in chunks:
                    md5.update(chunk)
                    _write_all(fd, chunk)
                    size += len(chunk)
            finally:
                digest = md5.digest()
            if expected_md5 is not None and digest != expected_md5:
                raise InvalidDigest("The Content-MD5 you specified did not match what was received.")
            os.fchmod(fd, 0o644)
        except BaseException:
            Staged(fd, path, size, b"").discard()
            raise
        return Staged(fd, path, size, digest)

    def stage_files(self, sources: Iterable[Tuple[int, int]]) -> Staged:
        """A staged file made of the first ``size`` bytes of each ``(fd, size)`` in turn."""
        fd, path = tempfile.mkstemp(prefix="tmp-", dir=self._tmp)
        staged = Staged(fd, path, 0, b"")
        try:
            for source, size in sources:
                _copy_range(source, fd, size, staged.size)
                staged.size += size
            os.fchmod(fd, 0o644)
        except BaseException:
            staged.discard()
            raise
        return staged

    def publish(
        self,
        staged: Staged,
        bucket: str,
        key: str,
        etag: str,
        kind: str = NORMAL,
        attributes: Optional[Attributes] = None,
        overwrite: bool = True,
    ) -> ObjectInfo:
        """Make ``staged`` the object ``key`` with its record, in one rename (FileAlreadyExists
        when ``overwrite`` is false and the key exists). The staged file is gone afterwards."""
        parts, folder = split_key(key)
        try:
            if folder:
                raise InvalidObjectName("%r names a folder, which holds no bytes here" % key)
            attributes = attributes or Attributes()
            self.records.write(staged.fd, etag, kind, attributes)
            stat = os.fstat(staged.fd)
            with self._bucket(bucket) as bucket_fd:
                self._place(staged.path, bucket_fd, parts, key, overwrite)
        finally:
            staged.discard()
        return ObjectInfo(key, stat.st_size, stat.st_mtime, etag, kind, attributes)

    def _place(self, path: str, bucket_fd: int, parts: List[str], key: str, overwrite: bool) -> None:
        for _ in range(3):  # the folder may be pruned by a delete between its open and the rename
            parent = self._make_folders(bucket_fd, parts[:-1], key)
            try:
                if overwrite:
                    os.rename(path, parts[-1], dst_dir_fd=parent)
                else:
                    os.link(path, parts[-1], dst_dir_fd=parent, follow_symlinks=False)
                return
            except FileNotFoundError:
                continue
            except FileExistsError:
                raise FileAlreadyExists("the object %s exists" % key) from None
            except OSError as exc:
                if exc.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.ENOTDIR):
                    raise ObjectConflict("%s is a folder holding objects here" % key) from None
                raise
            finally:
                os.close(parent)
        raise ObjectConflict("the folder of %s keeps being removed" % key)

    def _make_folders(self, bucket_fd: int, folders: List[str], key: str) -> int:
        """The descriptor of the folder ``folders`` of ``key``, made when missing."""
        try:
            return open_below(bucket_fd, folders, create=True)
        except OSError as exc:
            if is_link_error(exc):
                raise InvalidObjectName("the path of %s passes through a symbolic link" % key) from None
            if exc.errno in (errno.ENOTDIR, errno.EEXIST):
                raise ObjectConflict("a folder of %s is an object here" % key) from None
            raise

    def put(
        self,
        bucket: str,
        key: str,
        chunks: Iterable[bytes],
        attributes: Optional[Attributes] = None,
        expected_md5: Optional[bytes] = None,
        overwrite: bool = True,
    ) -> ObjectInfo:
        """Store the object ``key`` (a folder key: make the folder, from an empty body)."""
        parts, folder = split_key(key)
        self.bucket(bucket)
        staged = self.stage(chunks, expected_md5)
        if folder:
            staged.discard()
            if staged.size:
                raise InvalidObjectName("%r names a folder, which holds no bytes here" % key)
            return self._make_folder(bucket, parts, key)
        return self.publish(staged, bucket, key, staged.md5.hex().upper(), NORMAL, attributes, overwrite)

    def _make_folder(self, bucket: str, parts: List[str], key: str) -> ObjectInfo:
        with self._bucket(bucket) as bucket_fd:
            folder = self._make_folders(bucket_fd, parts, key)
            try:
                self.records.mark_folder(folder)
                return ObjectInfo(key, 0, os.fstat(folder).st_mtime, EMPTY_MD5)
            finally:
                os.close(folder)

    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        attributes: Optional[Attributes] = None,
        overwrite: bool = True,
    ) -> ObjectInfo:
        """Copy an object, with its attributes or (given) new ones; the copy keeps the ETag."""
        parts, folder = split_key(key)
        self.bucket(bucket)
        with self.open(source_bucket, source_key) as reader:
            source = reader.info
            staged = self.stage_files([(reader.fd, source.size)] if reader.fd is not None else [])
        if folder:
            staged.discard()
            if source.size:
                raise InvalidObjectName("%r names a folder, which holds no bytes here" % key)
            return self._make_folder(bucket, parts, key)
        kind = NORMAL if source.kind == APPENDABLE else source.kind
        return self.publish(staged, bucket, key, source.etag, kind, attributes or source.attributes, overwrite)

    def append(
        self,
        bucket: str,
        key: str,
        position: int,
        chunks: Iterable[bytes],
        attributes: Optional[Attributes] = None,
        expected_md5: Optional[bytes] = None,
    ) -> ObjectInfo:
        """Append ``chunks`` to the appendable object ``key`` whose length is ``position`` (0
        makes it). The body is staged and checked first; the append itself is serialised."""
        parts, folder = split_key(key)
        if folder:
            raise InvalidObjectName("%r names a folder, which holds no bytes here" % key)
        self.bucket(bucket)
        staged = self.stage(chunks, expected_md5)
        try:
            with self._append_lock, self._bucket(bucket) as bucket_fd:
                parent = self._make_folders(bucket_fd, parts[:-1], key)
                try:
                    return self._append_staged(
                        staged, parent, parts[-1], bucket, key, position, attributes or Attributes()
                    )
                finally:
                    os.close(parent)
        finally:
            staged.discard()

    def _append_staged(
        self, staged: Staged, parent: int, name: str, bucket: str, key: str, position: int, attributes: Attributes
    ) -> ObjectInfo:
        try:
            fd = os.open(name, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=parent)
        except FileNotFoundError:
            if position != 0:
                raise PositionNotEqualToLength("the object %s does not exist yet" % key, 0) from None
            return self.publish(staged, bucket, key, staged.md5.hex().upper(), APPENDABLE, attributes, False)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                raise ObjectNotAppendable("the object %s is not appendable" % key) from None
            raise
        try:
            stat = os.fstat(fd)
            record = self.records.peek(fd, stat)
            if record is None or record[1] != APPENDABLE:
                raise ObjectNotAppendable("the object %s is not appendable" % key)
            if stat.st_size != position:
                raise PositionNotEqualToLength(
                    "the object %s is %d bytes long, not %d" % (key, stat.st_size, position), stat.st_size
                )
            try:
                _copy_range(staged.fd, fd, staged.size, stat.st_size)
            except BaseException:
                os.ftruncate(fd, stat.st_size)
                raise
            self.records.write(fd, "", APPENDABLE, record[2])
            after = os.fstat(fd)
            return ObjectInfo(key, after.st_size, after.st_mtime, "", APPENDABLE, record[2])
        finally:
            os.close(fd)

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object ``key`` (nothing when there is none) and the folders it leaves
        empty (except folders made as objects)."""
        parts, folder = split_key(key)
        with self._bucket(bucket) as bucket_fd:
            try:
                parent = open_below(bucket_fd, parts[:-1])
            except OSError:
                return
            try:
                if folder:
                    self._delete_folder(parent, parts[-1])
                else:
                    try:
                        os.unlink(parts[-1], dir_fd=parent)
                    except OSError as exc:
                        if exc.errno not in (errno.ENOENT, errno.EISDIR, errno.EPERM, errno.ENOTDIR):
                            raise
            finally:
                os.close(parent)
            self._prune(bucket_fd, parts[:-1])

    def _delete_folder(self, parent: int, name: str) -> None:
        try:
            os.rmdir(name, dir_fd=parent)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                return
            try:
                fd = os.open(name, DIR_FLAGS, dir_fd=parent)
            except OSError:
                return
            try:
                self.records.unmark_folder(fd)
            finally:
                os.close(fd)

    def _prune(self, bucket_fd: int, folders: List[str]) -> None:
        """Remove the empty folders of ``folders`` from the deepest up, not those made as objects."""
        for depth in range(len(folders), 0, -1):
            try:
                fd = open_below(bucket_fd, folders[:depth])
            except OSError:
                return
            try:
                if self.records.is_marked_folder(fd):
                    return
                with os.scandir(fd) as entries:
                    if next(entries, None) is not None:
                        return
            finally:
                os.close(fd)
            try:
                parent = open_below(bucket_fd, folders[: depth - 1])
            except OSError:
                return
            try:
                os.rmdir(folders[depth - 1], dir_fd=parent)
            except OSError:
                return
            finally:
                os.close(parent)
