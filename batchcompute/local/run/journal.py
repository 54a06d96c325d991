"""Attempt records: what a restarted server needs to know of the attempts its local processes ran.

Each attempt of the local executor has a small file, made before its command can run, that holds
its process (pid and the kernel's start token, written before the command is released) and, once
it has ended, its outcome (written before the store is told). A server killed at any moment thus
leaves, for each attempt its store says is Running, no record (its command never ran), a process
to end, or the outcome to record. The outcome's bytes are reserved when the record is made, so
that it can be written on a disk that has filled up since. Records only need to outlive the
server process, not the machine: nothing is flushed to the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..model.attempts import Key, RunResult

__all__ = ["AttemptJournal", "AttemptRecord", "Recorded"]

RECORD_SIZE = 4096
#: Where the outcome starts; before it, the attempt and its process.
OUTCOME_AT = 1024
_PAD = b" "


@dataclass
class Recorded:
    """What a record says about an attempt."""

    run_seq: int
    pid: Optional[int]  # None: its command never ran
    start_token: Optional[str]
    outcome: Optional[RunResult]  # None: it had not ended (or it was never told)


def _write_at(fd: int, offset: int, data: bytes, room: int) -> None:
    if len(data) >= room:
        raise ValueError("a record part of %d bytes does not fit in %d" % (len(data), room))
    os.pwrite(fd, data + b"\n", offset)


def _outcome_text(result: RunResult) -> bytes:
    """The outcome as JSON that fits its reserved room (a long message is cut)."""
    message = result.error_message
    while True:
        text = json.dumps([result.exit_code, result.error_code, message]).encode("ascii")
        if len(text) < RECORD_SIZE - OUTCOME_AT - 1:
            return text
        message = message[: len(message) // 2]


class AttemptRecord:
    """The record of one running attempt (its file is open until the attempt has ended)."""

    def __init__(self, path: Path, key: Key, run_seq: int) -> None:
        self.path = path
        self._head = {"key": list(key), "run_seq": run_seq, "pid": None, "start": None}
        self._fd: Optional[int] = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(self._fd, _PAD * RECORD_SIZE)
            self._write_head()
        except BaseException:
            self.close()
            raise

    def _write_head(self) -> None:
        assert self._fd is not None
        _write_at(self._fd, 0, json.dumps(self._head).encode("utf-8"), OUTCOME_AT)

    def started(self, pid: int, start_token: Optional[str]) -> None:
        """The attempt's process group, before its command is released."""
        self._head.update(pid=pid, start=start_token)
        self._write_head()

    def ended(self, result: RunResult) -> None:
        """How the attempt ended, before the store records it; the file is closed."""
        try:
            if self._fd is not None:
                _write_at(self._fd, OUTCOME_AT, _outcome_text(result), RECORD_SIZE - OUTCOME_AT)
        finally:
            self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def remove(self) -> None:
        """The store has recorded the end: the record is not needed any more."""
        self.close()
        try:
            os.unlink(str(self.path))
        except FileNotFoundError:
            pass


class AttemptJournal:
    """The records of running attempts, one file each in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: Key) -> Path:
        return self.folder / hashlib.sha1(json.dumps(list(key)).encode("utf-8")).hexdigest()

    def open(self, key: Key, run_seq: int) -> AttemptRecord:
        """A new record for attempt ``run_seq`` of instance ``key`` (OSError when it cannot be made)."""
        return AttemptRecord(self._path(key), key, run_seq)

    def read(self, key: Key) -> Optional[Recorded]:
        """What the journal holds about instance ``key`` (None: no record, or an unreadable one)."""
        try:
            with open(self._path(key), "rb") as handle:
                data = handle.read(RECORD_SIZE)
            head = json.loads(data[:OUTCOME_AT].split(b"\n", 1)[0])
            outcome_text = data[OUTCOME_AT:].split(b"\n", 1)[0].strip()
            outcome = RunResult(*json.loads(outcome_text)) if outcome_text else None
        except (OSError, ValueError, TypeError):
            return None
        if head.get("key") != list(key):
            return None
        return Recorded(head["run_seq"], head["pid"], head["start"], outcome)

    def keep_only(self, keys: Iterable[Key]) -> None:
        """Remove every record but those of ``keys`` (at start-up: the records of attempts that are
        still Running in the store stay until their end is recorded and the instance runs again)."""
        kept = {self._path(key).name for key in keys}
        for path in self.folder.iterdir():
            if path.name not in kept:
                path.unlink()
