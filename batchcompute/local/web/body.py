"""A large request body read as it arrives, by the thread that answers the request.

Waitress reads a whole body before the application runs, and keeps one over ``inbuf_overflow``
in a temporary file: an upload of an object would be written to disk twice. For a body of at
least ``STREAM_MIN_BYTES`` (fixed length, not chunked), the server can instead hand the request
over as soon as its head is read: ``wsgi.input`` is then a :class:`BodyStream`, which reads the
connection itself (the event loop leaves a connection alone while one of its requests is being
answered). The request's deadline still holds: past it the client gets 408 and the application
a ``TimeoutError``; a client that goes away gives a ``ConnectionError``.

``StreamSlots`` bounds how many bodies are streamed at once, so that slow uploads cannot hold every
thread; past it, bodies are spooled as waitress does.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from typing import Any, Callable, List, Optional

__all__ = ["BodyStream", "StreamSlots", "STREAM_MIN_BYTES"]

#: The smallest body streamed (a smaller one is read whole before the application runs).
STREAM_MIN_BYTES = 1024 * 1024
#: The most bytes asked of the connection at once.
_RECV_BYTES = 1024 * 1024
#: Bytes that wake a thread waiting for more of a body (fewer, when fewer are wanted).
_WAKE_BYTES = 256 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class StreamSlots:
    """At most ``count`` bodies streamed at once."""

    def __init__(self, count: int) -> None:
        self._free = threading.BoundedSemaphore(max(1, count))

    def take(self) -> bool:
        """A slot if one is free (never waits)."""
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        self._free.release()


class BodyStream:
    """``wsgi.input`` for a body of ``length`` bytes whose first bytes, ``prefix``, came with the
    head; the rest is read from ``sock`` (non-blocking) until ``deadline`` (``time.monotonic()``).

    ``send`` writes to the client: the ``100 Continue`` a client that expects it gets at the first
    read, and ``timeout_answer`` when the deadline passes before anything was answered.
    """

    def __init__(
        self,
        sock: Any,
        prefix: bytes,
        length: int,
        deadline: float,
        send: Callable[[bytes], Any],
        timeout_answer: Callable[[], bytes],
        expect_continue: bool = False,
    ) -> None:
        self._sock = sock
        self._prefix = prefix[:length]
        self.remaining = length
        self._deadline = deadline
        self._send = send
        self._timeout_answer: Optional[Callable[[], bytes]] = timeout_answer
        self.awaits_continue = expect_continue and not prefix

    # -- what WSGI asks of wsgi.input

    def read(self, size: Optional[int] = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative): all of them unless the body ends."""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if not size:
            return b""
        pieces: List[bytes] = []
        wanted = size
        if self._prefix:
            piece, self._prefix = self._prefix[:wanted], self._prefix[wanted:]
            pieces.append(piece)
            wanted -= len(piece)
        if wanted and self.awaits_continue:
            self.awaits_continue = False
            self._send(_CONTINUE)
        while wanted:
            piece = self._recv(min(wanted, _RECV_BYTES))
            pieces.append(piece)
            wanted -= len(piece)
        self.remaining -= size
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def readline(self, size: Optional[int] = -1) -> bytes:
        line = bytearray()
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        while len(line) < limit and not line.endswith(b"\n"):
            line += self.read(1)
        return bytes(line)

    def readlines(self, hint: Optional[int] = -1) -> List[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    # -- the end of a request

    @property
    def finished(self) -> bool:
        """Whether the whole body has been read."""
        return not self.remaining

    def drain(self) -> bool:
        """Read and drop what the application left of the body, so that the connection can carry
        the next request; False when that cannot be done (the client never sent it, or went
        away, or the deadline passed)."""
        if self.awaits_continue:
            return False  # the client waits for a 100 Continue it will not get: close instead
        self._timeout_answer = None  # the application has answered
        try:
            while self.remaining:
                self.read(_RECV_BYTES)
        except OSError:
            return False
        return True

    # -- the connection

    def _recv(self, size: int) -> bytes:
        while True:
            try:
                data: bytes = self._sock.recv(size)
            except (BlockingIOError, ssl.SSLWantReadError):
                self._wait(select.POLLIN, size)
                continue
            except ssl.SSLWantWriteError:
                self._wait(select.POLLOUT, 1)
                continue
            except (ConnectionError, TimeoutError):
                raise
            except OSError as exc:  # closed by the server meanwhile, or a TLS failure
                raise ConnectionAbortedError("the connection failed while its body was read: %s" % exc) from exc
            if not data:
                raise ConnectionResetError(
                    "the client closed the connection %d bytes before the end of the body" % self.remaining
                )
            return data

    def _wait(self, event: int, size: int) -> None:
        """Wait until the socket is ready for ``event``; for reading, until ``size`` bytes (or
        ``_WAKE_BYTES``) have come: a client that sends in small pieces would otherwise wake this
        thread for each of them."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            self._time_out()
        poller = select.poll()
        try:
            poller.register(self._sock, event)
            # (not under TLS: part of a record may wait inside the TLS layer, and the bytes still
            # to come could be fewer than asked for)
            plain = not isinstance(self._sock, ssl.SSLSocket)
            low = min(size, _WAKE_BYTES) if event == select.POLLIN and plain else 1
            if low > 1:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, low)
            try:
                ready = poller.poll(left * 1000)
            finally:
                if low > 1:  # the event loop reads small requests on this connection next
                    self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)
        except (ValueError, OSError) as exc:  # the socket is closed
            raise ConnectionAbortedError("the connection was closed while its body was read") from exc
        if not ready:
            self._time_out()

    def _time_out(self) -> None:
        if self._timeout_answer is not None:
            try:
                self._send(self._timeout_answer())
            except Exception:  # noqa: BLE001 - the client may be gone; the timeout is what matters
                pass
            self._timeout_answer = None
        raise TimeoutError("the request body did not arrive within the deadline")
