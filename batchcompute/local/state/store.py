"""SQLite state of the server: one connection, a lock, WAL, explicit transactions.

Every change is made inside ``transaction()``, which commits before it returns, so an answer is
only sent for a change that is on disk. ``Store(None)`` keeps everything in memory (tests).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

from .schema import SCHEMA

__all__ = ["Store", "Connection", "Row", "savepoint"]

Connection = sqlite3.Connection
Row = sqlite3.Row


class Store:
    """The database; ``path`` None -> in memory."""

    def __init__(self, path: Union[None, str, Path] = None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        self._configure()

    def _configure(self) -> None:
        conn = self._conn
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable across a crash of this process
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed when the block ends (rolled back on an exception)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for queries only (a consistent snapshot while the block runs)."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@contextmanager
def savepoint(conn: Connection, name: str) -> Iterator[None]:
    """A nested transaction inside the current one: an exception in the block undoes only what the
    block did (and is raised again)."""
    conn.execute("SAVEPOINT " + name)
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO " + name)
        raise
    finally:
        conn.execute("RELEASE " + name)
