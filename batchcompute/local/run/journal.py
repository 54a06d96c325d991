"""Attempt records: what a restarted server needs to know of the attempts its local processes ran.

Each attempt of the local executor has a record, made before its command can run, that holds
its process (pid and the kernel's start token, written before the command is released) and, once
it has ended, its outcome (written before the store is told). A server killed at any moment thus
leaves, for each attempt its store says is Running, no record (its command never ran), a process
to end, or the outcome to record; and the same for the attempts whose claims were still to be
written (the scheduler writes those of short instances in batches): ``unclaimed``. Records only
need to outlive the server process, not the machine: nothing is flushed to the disk.

A record is a slot: a file of fixed size that is reused, attempt after attempt (creating and
removing a file per attempt costs more than running a short command on some file systems), so
that an outcome is written over bytes that exist, also on a disk that has filled up since. A slot
stays open, and a freed slot holds no outcome: an attempt costs three writes (its process, its
outcome, the release), and its first write names it only once it has a process or an outcome.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as quoted  # a str as JSON text, escaped to ASCII
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..model.attempts import Key, RecordedAttempt, RunResult

__all__ = ["AttemptJournal", "AttemptRecord", "Recorded", "read_records"]

RECORD_SIZE = 4096
#: Where the outcome starts; before it, the attempt and its process.
OUTCOME_AT = 1024
_FREE = json.dumps({"key": None}).encode("ascii")
#: What a free slot starts with: no attempt, no outcome (one write).
_FREE_SLOT = _FREE + b"\n" + b" " * (OUTCOME_AT - len(_FREE) - 1) + b"\n"


@dataclass
class Recorded:
    """What a record says about an attempt."""

    key: Key
    run_seq: int
    pid: Optional[int]  # None: its command never ran
    start_token: Optional[str]
    outcome: Optional[RunResult]  # None: it had not ended (or it was never told)


def _json_int(value: Optional[int]) -> str:
    return "null" if value is None else str(int(value))


def _json_text(value: Optional[str]) -> str:
    return "null" if value is None else quoted(value)


def _outcome_text(result: RunResult) -> bytes:
    """The outcome as JSON that fits its room (a long message is cut)."""
    message = result.error_message
    while True:
        text = "[%s, %s, %s]" % (_json_int(result.exit_code), quoted(result.error_code), quoted(message))
        if len(text) < RECORD_SIZE - OUTCOME_AT - 1:
            return text.encode("ascii")
        message = message[: len(message) // 2]


class _Slot:
    """A record file of the journal, open for writing (``fd`` None once the journal is closed)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd: Optional[int] = fd

    def write(self, offset: int, data: bytes) -> None:
        if self.fd is None:
            raise OSError("the attempt journal is closed")
        os.pwrite(self.fd, data, offset)

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)


class AttemptRecord:
    """The record of one running attempt, in a slot of the journal."""

    def __init__(self, journal: "AttemptJournal", slot: _Slot, key: Key, run_seq: int) -> None:
        self._journal = journal
        self._slot = slot
        self._attempt = '{"key": [%s, %s, %d], "run_seq": %d' % (quoted(key[0]), quoted(key[1]), key[2], run_seq)
        self._pid: Optional[int] = None
        self._start: Optional[str] = None
        self._named = False  # whether the slot names this attempt yet

    def _write(self, offset: int, data: bytes) -> None:
        room = (OUTCOME_AT if offset == 0 else RECORD_SIZE - OUTCOME_AT) - 1
        if len(data) > room:
            raise ValueError("a record part of %d bytes does not fit in %d" % (len(data), room))
        self._slot.write(offset, data + b"\n")

    def _write_head(self) -> None:
        head = '%s, "pid": %s, "start": %s}' % (self._attempt, _json_int(self._pid), _json_text(self._start))
        self._write(0, head.encode("ascii"))
        self._named = True

    def started(self, pid: int, start_token: Optional[str]) -> None:
        """The attempt's process group, before its command is released."""
        self._pid, self._start = pid, start_token
        self._write_head()

    def ended(self, result: RunResult) -> None:
        """How the attempt ended, before the store records it."""
        if not self._named:  # it never had a process: its outcome counts all the same
            self._write_head()
        self._write(OUTCOME_AT, _outcome_text(result))

    def remove(self) -> None:
        """The store has recorded the end: the slot is free for another attempt."""
        self._journal.release(self._slot)


def _parse(data: bytes) -> Optional[Recorded]:
    """The attempt a slot holds (None: a free slot, or one that cannot be read)."""
    try:
        head = json.loads(data[:OUTCOME_AT].split(b"\n", 1)[0])
        if not head.get("key"):
            return None
        outcome_text = data[OUTCOME_AT:].split(b"\n", 1)[0].strip()
        outcome = RunResult(*json.loads(outcome_text)) if outcome_text else None
        return Recorded(tuple(head["key"]), head["run_seq"], head["pid"], head["start"], outcome)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def read_records(folder: Path) -> List[Recorded]:
    """The attempts that the slots in ``folder`` hold (to look at a journal from outside)."""
    found = []
    for path in sorted(folder.iterdir()):
        recorded = _parse(path.read_bytes())
        if recorded is not None:
            found.append(recorded)
    return found


class AttemptJournal:
    """The records of running attempts: slot files in ``folder``, reused."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._slots: List[_Slot] = []  # all of them, to close
        self._free: List[_Slot] = []
        self._lock = threading.Lock()
        self._left = [(path, _parse(path.read_bytes())) for path in sorted(folder.iterdir())]  # a previous process's
        self._unclaimed: List[Tuple[Path, Recorded]] = []
        names = [path.name[1:] for path, _ in self._left]
        self._count = max((int(name) + 1 for name in names if name.isdigit()), default=0)

    def open(self, key: Key, run_seq: int) -> AttemptRecord:
        """A record for attempt ``run_seq`` of instance ``key`` (OSError when it cannot be made)."""
        with self._lock:
            slot = self._free.pop() if self._free else None
        return AttemptRecord(self, slot or self._new_slot(), key, run_seq)

    def _new_slot(self) -> _Slot:
        with self._lock:
            path = self.folder / ("r%d" % self._count)
            self._count += 1
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, _FREE_SLOT + b" " * (RECORD_SIZE - len(_FREE_SLOT)))
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        return self._opened(path, fd)

    def _opened(self, path: Path, fd: int) -> _Slot:
        slot = _Slot(path, fd)
        with self._lock:
            self._slots.append(slot)
        return slot

    def release(self, slot: _Slot) -> None:
        """Mark a slot free, its outcome wiped, and keep it for the next attempt (one that cannot be
        written is not used again)."""
        try:
            slot.write(0, _FREE_SLOT)
        except OSError:
            slot.close()
            return
        with self._lock:
            self._free.append(slot)

    def _reuse(self, path: Path) -> None:
        """Take a slot a previous process left for the next attempts."""
        try:
            fd = os.open(str(path), os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            return
        self.release(self._opened(path, fd))

    def recovered(self, attempts: Sequence[RecordedAttempt]) -> Dict[Key, Recorded]:
        """At start-up: the records that a previous server process left of ``attempts`` (those
        its store says are Running). Their slots are kept until the next start (the store records
        these ends after this answer); so are the slots of the other attempts that had a process or
        an outcome (``unclaimed``) until ``release_unclaimed``; every other slot is free."""
        wanted = {(attempt.key, attempt.run_seq) for attempt in attempts}
        found: Dict[Key, Recorded] = {}
        for path, recorded in self._left:
            if recorded is not None and (recorded.key, recorded.run_seq) in wanted:
                found[recorded.key] = recorded
            elif recorded is not None and (recorded.pid is not None or recorded.outcome is not None):
                self._unclaimed.append((path, recorded))
            else:
                self._reuse(path)
        self._left = []
        return found

    def unclaimed(self) -> List[Recorded]:
        """The records of attempts with a process or an outcome that ``recovered`` was not asked
        about."""
        return [recorded for _, recorded in self._unclaimed]

    def release_unclaimed(self) -> None:
        """The store has what the ``unclaimed`` records told: their slots are free."""
        unclaimed, self._unclaimed = self._unclaimed, []
        for path, _ in unclaimed:
            self._reuse(path)

    def close(self) -> None:
        """Close the slots (what they hold stays for the next start)."""
        with self._lock:
            slots, self._slots, self._free = self._slots, [], []
        for slot in slots:
            slot.close()
