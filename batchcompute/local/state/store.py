"""SQLite state of the server: one writer connection behind a lock, readers on their own
connections, WAL, explicit transactions.

Every change is made inside ``transaction()``, which commits before it returns, so an answer is
only sent for a change that is on disk. Writes are serialised; a read (``read()``) runs on a
connection of its own with a snapshot of the last commit, so it never waits for a write in
progress, however long. ``Store(None)`` keeps everything in memory (tests): there reads share the
writer's connection and lock.

SQLite errors that say the database cannot be used now (disk full, locked, I/O error) are raised
as ``StoreUnavailable``, a 503 answer.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List, NoReturn, Optional, Union

from ..errors import ApiError
from .schema import INDEXES, SCHEMA, migrate

__all__ = ["Store", "StoreUnavailable", "Connection", "Row", "first_row"]

Connection = sqlite3.Connection
Row = sqlite3.Row
#: Idle read connections kept for reuse.
SPARE_READERS = 8
BUSY_TIMEOUT_MS = 5000
#: SQLite result codes (the low byte) of a database that cannot be used now.
_UNAVAILABLE_CODES = {5, 6, 8, 10, 13, 14}  # BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN
_UNAVAILABLE_TEXTS = ("disk is full", "database is locked", "disk i/o error", "unable to open", "readonly database")


def first_row(cursor: sqlite3.Cursor) -> Optional[Row]:
    """The next row of ``cursor``, None when there is none (a Row: the connections' row factory)."""
    row: Optional[Row] = cursor.fetchone()
    return row


class StoreUnavailable(ApiError):
    """The database cannot be read or written now (disk full, locked, I/O error): 503."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "ServiceUnavailable", "the server's database is unavailable: %s" % message)


def _unavailable(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _UNAVAILABLE_CODES
    return isinstance(exc, sqlite3.OperationalError) and any(text in str(exc).lower() for text in _UNAVAILABLE_TEXTS)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        _raise_translated(exc)


class Store:
    """The database; ``path`` None -> in memory."""

    def __init__(self, path: Union[None, str, Path] = None) -> None:
        self.path = None if path is None else Path(path)
        self._lock = threading.RLock()
        self._readers: List[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self.commits = 0  # write transactions committed by this Store: to tell whether others wrote since
        #: Called before each write transaction begins (the writer's lock held): what a writer keeps
        #: to record in batches is written first, so that every change sees it.
        self.before_write: Optional[Callable[[], None]] = None
        with _translated():
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect()
            self._configure()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path) if self.path else ":memory:", check_same_thread=False, isolation_level=None
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=%d" % BUSY_TIMEOUT_MS)
        return conn

    def _configure(self) -> None:
        conn = self._conn
        if self.path is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable across a crash of this process
        conn.executescript(SCHEMA)
        with self.transaction() as tx:
            migrate(tx)  # before foreign keys are on: it may rebuild a table
        conn.executescript(INDEXES)
        conn.execute("PRAGMA foreign_keys=ON")

    def writing(self) -> "threading.RLock":
        """The writer's lock (re-entrant), for a writer whose transactions must follow each other
        in the order it made them: ``with store.writing():`` around them."""
        return self._lock

    def transaction(self, before_write: bool = True) -> "_Transaction":
        """A write transaction, committed when the block ends (rolled back on an exception); the
        ``before_write`` call comes first, unless told not to (the batch it writes itself)."""
        return _Transaction(self, before_write)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection for queries only, with a consistent snapshot while the block runs."""
        if self.path is None:
            with self._lock:
                yield self._conn
            return
        with _translated():
            conn, ended = self._reader(), False
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")  # ends the snapshot
                    ended = True
            finally:
                if ended:
                    self._give_back(conn)
                else:
                    conn.close()

    def _reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._readers:
                return self._readers.pop()
        conn = self._connect()
        conn.execute("PRAGMA query_only=ON")
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._readers_lock:
            if len(self._readers) < SPARE_READERS:
                self._readers.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        with self._readers_lock:
            readers: Optional[List[sqlite3.Connection]] = self._readers
            self._readers = []
        for conn in readers or ():
            conn.close()


class _Transaction:
    """``with store.transaction() as conn``: the writer's lock and BEGIN IMMEDIATE on entry, COMMIT
    at the end of the block, ROLLBACK when it raises. A class rather than a generator: the
    scheduler opens them by the thousand."""

    __slots__ = ("_store", "_before_write")

    def __init__(self, store: Store, before_write: bool) -> None:
        self._store = store
        self._before_write = before_write

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        store._lock.acquire()
        try:
            if self._before_write and store.before_write is not None:
                store.before_write()
            store._conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            store._lock.release()
            _raise_translated(exc)
        return store._conn

    def __exit__(self, kind: object, error: Optional[BaseException], trace: object) -> None:
        store = self._store
        try:
            if error is None:
                try:
                    store._conn.execute("COMMIT")
                except BaseException as exc:
                    self._roll_back()
                    _raise_translated(exc)
                store.commits += 1
            else:
                self._roll_back()
                if isinstance(error, sqlite3.Error):
                    _raise_translated(error)
        finally:
            store._lock.release()

    def _roll_back(self) -> None:
        conn = self._store._conn
        if conn.in_transaction:
            with _translated():
                conn.execute("ROLLBACK")


def _raise_translated(exc: BaseException) -> NoReturn:
    """Raise ``exc``, as StoreUnavailable when it says the database cannot be used now."""
    if isinstance(exc, sqlite3.Error) and _unavailable(exc):
        raise StoreUnavailable(str(exc)) from exc
    raise exc
