"""Multipart uploads: parts staged beside the store, the object published whole on Complete.

An upload is a folder ``<staging>/uploads/<upload id>`` holding ``upload.json`` (bucket, key,
attributes, time) and one file per part, named ``<number>-<MD5>`` so that one rename publishes a
part and its ETag together. Complete concatenates the chosen parts into a staged file and
publishes it with one rename: a crash at any moment leaves either no object or the whole one,
and parts never appear in the store. Uploads survive a restart until completed or aborted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .buckets import BucketStore, split_key
from .object_errors import EntityTooSmall, InvalidObjectName, InvalidPart, InvalidPartOrder, NoSuchUpload
from .object_meta import MULTIPART, Attributes, ObjectInfo

__all__ = ["Uploads", "Upload", "Part", "MIN_PART_SIZE", "MAX_PART_NUMBER"]

UPLOAD_ID = re.compile(r"[0-9A-F]{32}\Z")
PART_FILE = re.compile(r"(\d{5})-([0-9A-F]{32})\Z")
MIN_PART_SIZE = 100 * 1024
MAX_PART_NUMBER = 10000
DESCRIPTION = "upload.json"


@dataclass(frozen=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    attributes: Attributes


@dataclass(frozen=True)
class Part:
    number: int
    etag: str
    size: int
    mtime: float


class Uploads:
    """The multipart uploads of a :class:`BucketStore`."""

    def __init__(self, store: BucketStore) -> None:
        self.store = store
        self.root = Path(store.staging) / "uploads"
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob("*/tmp-*"):  # parts a crashed server was receiving
            leftover.unlink()
        self._locks: Dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def initiate(self, bucket: str, key: str, attributes: Attributes) -> Upload:
        """Start an upload of ``key``; the object gets ``attributes`` when completed."""
        if split_key(key)[1]:
            raise InvalidObjectName("%r names a folder, which holds no bytes here" % key)
        self.store.bucket(bucket)
        upload = Upload(secrets.token_hex(16).upper(), bucket, key, time.time(), attributes)
        folder = self.root / upload.upload_id
        folder.mkdir()
        description = {
            "bucket": bucket,
            "key": key,
            "initiated": upload.initiated,
            "attributes": dataclasses.asdict(attributes),
        }
        (folder / "tmp-description").write_text(json.dumps(description))
        os.rename(folder / "tmp-description", folder / DESCRIPTION)
        return upload

    def upload_part(
        self, bucket: str, key: str, upload_id: str, number: int, chunks: Iterable[bytes], expected_md5: Optional[bytes]
    ) -> Part:
        """Receive part ``number`` (replacing an earlier one with that number)."""
        self.find(bucket, key, upload_id)
        folder = self.root / upload_id
        try:
            staged = self.store.stage(chunks, expected_md5, directory=str(folder))
        except FileNotFoundError:
            raise NoSuchUpload("the upload %s was completed or aborted meanwhile" % upload_id) from None
        etag = staged.md5.hex().upper()
        name = "%05d-%s" % (number, etag)
        try:
            with self._lock(upload_id):
                if not folder.is_dir():
                    raise NoSuchUpload("the upload %s was completed or aborted meanwhile" % upload_id)
                os.rename(staged.path, folder / name)
                for other in folder.glob("%05d-*" % number):
                    if other.name != name:
                        other.unlink()
        finally:
            staged.discard()
        return Part(number, etag, staged.size, time.time())

    def parts(self, bucket: str, key: str, upload_id: str) -> List[Part]:
        """The parts received so far, by number."""
        self.find(bucket, key, upload_id)
        return self._parts(self.root / upload_id)

    @staticmethod
    def _parts(folder: Path) -> List[Part]:
        found = []
        for path in folder.iterdir():
            match = PART_FILE.match(path.name)
            if match:
                stat = path.stat()
                found.append(Part(int(match.group(1)), match.group(2), stat.st_size, stat.st_mtime))
        return sorted(found, key=lambda part: part.number)

    def complete(
        self, bucket: str, key: str, upload_id: str, chosen: Optional[List[Tuple[int, str]]] = None
    ) -> ObjectInfo:
        """Publish the parts ``chosen`` (``(number, etag)`` in ascending order; None: all
        received) as the object, and end the upload."""
        with self._lock(upload_id):
            upload = self.find(bucket, key, upload_id)
            folder = self.root / upload_id
            parts = self._chosen(self._parts(folder), chosen)
            with ExitStack() as files:
                sources = [
                    (files.enter_context(open(folder / ("%05d-%s" % (p.number, p.etag)), "rb")).fileno(), p.size)
                    for p in parts
                ]
                staged = self.store.stage_files(sources)
            digests = b"".join(bytes.fromhex(part.etag) for part in parts)
            etag = "%s-%d" % (hashlib.md5(digests).hexdigest().upper(), len(parts))
            info = self.store.publish(staged, bucket, key, etag, MULTIPART, upload.attributes)
            self._end(upload_id)
            return info

    @staticmethod
    def _chosen(received: List[Part], chosen: Optional[List[Tuple[int, str]]]) -> List[Part]:
        by_number = {part.number: part for part in received}
        if chosen is None:
            chosen = [(part.number, part.etag) for part in received]
        if not chosen:
            raise InvalidPart("an upload is completed with at least one part")
        parts = []
        for index, (number, etag) in enumerate(chosen):
            if index and number <= chosen[index - 1][0]:
                raise InvalidPartOrder("the parts must be listed in ascending order of their numbers")
            part = by_number.get(number)
            if part is None or part.etag != etag.strip('"').upper():
                raise InvalidPart("part %d with ETag %s was not uploaded" % (number, etag))
            parts.append(part)
        for part in parts[:-1]:
            if part.size < MIN_PART_SIZE:
                raise EntityTooSmall(
                    "part %d has %d bytes; every part but the last has at least %d"
                    % (part.number, part.size, MIN_PART_SIZE)
                )
        return parts

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        """End the upload and drop its parts."""
        with self._lock(upload_id):
            self.find(bucket, key, upload_id)
            self._end(upload_id)

    def in_bucket(self, bucket: str) -> List[Upload]:
        """The bucket's uploads in progress, by key then start time."""
        found = []
        for folder in self.root.iterdir():
            upload = self._read(folder.name)
            if upload is not None and upload.bucket == bucket:
                found.append(upload)
        return sorted(found, key=lambda upload: (upload.key, upload.initiated))

    def find(self, bucket: str, key: str, upload_id: str) -> Upload:
        """The upload ``upload_id`` of ``key`` in ``bucket`` (NoSuchUpload when there is none)."""
        upload = self._read(upload_id)
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise NoSuchUpload("The specified upload does not exist: %s" % upload_id)
        return upload

    def _read(self, upload_id: str) -> Optional[Upload]:
        if not UPLOAD_ID.match(upload_id):
            return None
        try:
            data = json.loads((self.root / upload_id / DESCRIPTION).read_text())
            attributes = Attributes(**data["attributes"])
            return Upload(upload_id, data["bucket"], data["key"], float(data["initiated"]), attributes)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _lock(self, upload_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    def _end(self, upload_id: str) -> None:
        shutil.rmtree(self.root / upload_id, ignore_errors=True)
        with self._guard:
            self._locks.pop(upload_id, None)
