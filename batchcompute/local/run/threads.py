"""Threads shared by all instance attempts: a pool of reusable workers and a deadline watchdog."""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from typing import Any, Callable, List, Optional, Tuple

__all__ = ["ThreadPool", "Deadline", "Watchdog"]

log = logging.getLogger("batchcompute.local")
SLACK = 0.01  # seconds a deadline may be late
#: Cancelled deadlines the heap keeps before they are dropped (more when they are under half of it).
PRUNE_AT = 64


class ThreadPool:
    """Daemon threads that are reused: an attempt starts without waiting for a new thread.

    A call submitted from one of the pool's own threads runs on that thread right after its
    current call returns (the end of one attempt launches the next): no hand-over to another
    thread, no new thread.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: "queue.SimpleQueue[Tuple[Callable[..., Any], Tuple[Any, ...]]]" = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        local = self._local
        if getattr(local, "follow_up", False) is None:
            local.follow_up = (function, args)
            return
        with self._lock:
            spawn = self._idle == 0
            if not spawn:
                self._idle -= 1
        self._queue.put((function, args))
        if spawn:
            threading.Thread(target=self._work, name=self.name, daemon=True).start()

    def _work(self) -> None:
        local = self._local
        while True:
            call: Optional[Tuple[Callable[..., Any], Tuple[Any, ...]]] = self._queue.get()
            while call is not None:
                local.follow_up = None
                try:
                    call[0](*call[1])
                except Exception:  # the function reports its own errors; never lose the thread
                    log.exception("%s thread failed", self.name)
                call, local.follow_up = local.follow_up, False
            with self._lock:
                self._idle += 1


class Deadline:
    """A call scheduled by the Watchdog; ``cancel()`` before it is due and it never happens."""

    def __init__(self, function: Callable[[], None], watchdog: "Watchdog") -> None:
        self.function: Optional[Callable[[], None]] = function
        self._watchdog = watchdog

    def cancel(self) -> None:
        if self.function is not None:
            self.function = None
            self._watchdog._cancelled()


class Watchdog:
    """One thread that makes the calls due at deadlines (timeouts, pid reports) for all attempts."""

    def __init__(self) -> None:
        self._heap: List[Tuple[float, int, Deadline]] = []
        self._cancelled_in_heap = 0  # at most: some were popped since
        self._count = itertools.count()
        self._wake = threading.Condition()
        self._thread: Optional[threading.Thread] = None

    def after(self, seconds: float, function: Callable[[], None]) -> Deadline:
        """Call ``function`` in ``seconds`` (from the watchdog thread)."""
        deadline = Deadline(function, self)
        entry = (time.monotonic() + seconds, next(self._count), deadline)
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="watchdog", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:  # the thread sleeps until an earlier deadline otherwise
                self._wake.notify()
        return deadline

    def _cancelled(self) -> None:
        """Drop the cancelled deadlines once they are most of the heap: the Timeout of each short
        command would otherwise stay there until it is due (600 seconds of attempts, say)."""
        with self._wake:
            self._cancelled_in_heap += 1
            if self._cancelled_in_heap > max(PRUNE_AT, len(self._heap) // 2):
                self._heap = [entry for entry in self._heap if entry[2].function is not None]
                heapq.heapify(self._heap)
                self._cancelled_in_heap = 0

    def pending(self) -> int:
        """How many deadlines the heap holds (cancelled ones not yet dropped too)."""
        with self._wake:
            return len(self._heap)

    def _loop(self) -> None:
        while True:
            for function in self._due():
                try:
                    function()
                except Exception:  # a failed call must not stop the others
                    log.exception("watchdog call failed")

    def _due(self) -> List[Callable[[], None]]:
        """Wait for the next deadline, then take every deadline due by then. The thread sleeps
        up to ``SLACK`` longer than needed, so that the deadlines of many short commands, most
        of them cancelled, cost one wake-up together rather than one each."""
        with self._wake:
            while not self._heap or self._heap[0][0] > time.monotonic():
                self._wake.wait(self._heap[0][0] - time.monotonic() + SLACK if self._heap else None)
            now = time.monotonic()
            due = []
            while self._heap and self._heap[0][0] <= now:
                function = heapq.heappop(self._heap)[2].function
                if function is not None:
                    due.append(function)
            return due
