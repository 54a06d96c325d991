"""A small threaded HTTP/1.1 server for a WSGI application (keep-alive, no Nagle stalls).

Each connection gets a thread; an answer's status line, headers and body leave in one write on
a TCP_NODELAY socket (a body the application produces as an iterator, not a list, is sent
chunk by chunk as it comes). The request headers are handed to the application exactly as received
(``batchcompute.raw_headers``) and the request target as sent (``REQUEST_URI``), which the
signature check needs.
"""

from __future__ import annotations

import http.server
import io
import logging
import socket
import socketserver
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from .app import RAW_HEADERS_KEY

__all__ = ["WsgiServer", "make_server"]

log = logging.getLogger("batchcompute.local.http")
DRAIN_LIMIT = 64 * 1024 * 1024
#: A chunked body is read whole before the application runs: at most this much of it.
MAX_CHUNKED_BODY = 64 * 1024 * 1024
MAX_LINE = 65536
MAX_HEADERS = 100
WsgiCallable = Callable[[Dict[str, Any], Callable[..., Any]], Any]


class _Input(io.RawIOBase):
    """The request body: at most ``length`` bytes of the connection."""

    def __init__(self, stream: Any, length: int) -> None:
        super().__init__()
        self.stream, self.remaining = stream, length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.stream.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Headers:
    """Request headers in their order and case, looked up case-insensitively."""

    def __init__(self, items: List[Tuple[str, str]]) -> None:
        self._items = items
        self._lower = {name.lower(): value for name, value in items}

    def get(self, name: str, default: Any = None) -> Any:
        return self._lower.get(name.lower(), default)

    def items(self) -> List[Tuple[str, str]]:
        return list(self._items)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "batchcompute-local"
    timeout = 120  # an idle keep-alive connection is closed after this
    server: "WsgiServer"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def handle_one_request(self) -> None:
        """Read one request (a lean parser: the email package's costs more than the request) and
        answer it."""
        try:
            if not self._read_head():
                self.close_connection = True
                return
            with self.server.busy:
                self._serve_one()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _read_head(self) -> bool:
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        self.raw_requestline = line
        self.requestline = line.decode("iso-8859-1").rstrip("\r\n")
        parts = self.requestline.split()
        self.command, self.request_version = "", "HTTP/1.1"
        if len(line) > MAX_LINE or len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.send_error(400 if len(line) <= MAX_LINE else 414)
            return False
        self.command, self.path, self.request_version = parts
        headers: List[Tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            if len(raw) > MAX_LINE or len(headers) >= MAX_HEADERS:
                self.send_error(431)
                return False
            name, _, value = raw.decode("iso-8859-1").partition(":")
            headers.append((name.strip(), value.strip()))
        self.headers = _Headers(headers)  # type: ignore[assignment]
        connection = (self.headers.get("Connection") or "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if (self.headers.get("Expect") or "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _serve_one(self) -> None:
        body = self._body()
        environ = self._environ(body)
        answer: List[Any] = []

        def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Callable:
            answer[:] = [status, headers]
            return lambda data: None

        chunks = self.server.app(environ, start_response)
        try:
            if isinstance(chunks, list):
                payload = b"".join(chunks)
                if body.remaining:
                    self._drain(body)
                self._send(answer[0], answer[1], payload)
            else:
                self._stream(answer, iter(chunks), body)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def _stream(self, answer: List[Any], chunks: Iterator[bytes], body: _Input) -> None:
        """Send a body that the application produces chunk by chunk (a large object): the head
        with the first chunk, then the rest as it comes. A body that breaks off or ends short of
        its Content-Length closes the connection, so that the client sees it was cut."""
        first = next(chunks, b"")  # an application may call start_response on the first one
        if body.remaining:
            self._drain(body)
        status, headers = answer
        length = next((value for key, value in headers if key.lower() == "content-length"), None)
        if length is None:
            self.close_connection = True
        self._send(status, headers, first)
        if self.command == "HEAD":
            return
        sent = len(first)
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (TimeoutError, ConnectionError):
            raise
        except Exception:
            log.exception("the answer to %s broke off after %d bytes", self.requestline, sent)
        if str(sent) != length:
            self.close_connection = True

    def _drain(self, body: _Input) -> None:
        """Read and drop a refused body (so that the client reads the answer, not a reset); a
        very large one closes the connection instead."""
        budget = DRAIN_LIMIT
        while body.remaining and budget > 0:
            got = len(body.read(min(65536, budget)))
            if not got:
                break
            budget -= got
        if body.remaining:
            self.close_connection = True

    def _body(self) -> _Input:
        """The body stream; ``self._length`` is what the application is told its length is."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            limit = min(self.server.max_body, MAX_CHUNKED_BODY)
            data = self._read_chunked(limit)
            self._length = len(data) if data is not None else limit + 1
            return _Input(io.BytesIO(data or b""), len(data or b""))
        try:
            self._length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self._length = 0
            self.close_connection = True
        return _Input(self.rfile, self._length)

    def _read_chunked(self, limit: int) -> Optional[bytes]:
        """A chunked body, or None (and the connection closed) when it is malformed or too long."""
        data = bytearray()
        try:
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
                if not size:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                if len(data) + size > limit:
                    break
                data += self.rfile.read(size)
                self.rfile.readline(65537)
        except ValueError:
            pass
        self.close_connection = True
        return None

    def _environ(self, body: _Input) -> Dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_URI": self.path,
            "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(self._length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": body,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            RAW_HEADERS_KEY: list(self.headers.items()),
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[name] = value
        return environ

    def _send(self, status: str, headers: List[Tuple[str, str]], payload: bytes) -> None:
        lines = ["HTTP/1.1 " + status, "Server: " + self.server_version]
        lines += ["%s: %s" % (key, value) for key, value in headers]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + payload)
        self.log_request(status.split(" ", 1)[0], len(payload))

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class _Counter:
    """Requests being answered; ``wait_idle`` waits until there are none."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc: object) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class WsgiServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """Serves ``app``; ``close_connections()`` ends the kept-alive connections at shutdown."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: Tuple[str, int], app: WsgiCallable, max_body: int) -> None:
        self.app = app
        self.max_body = max_body
        self._connections: Set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self.busy = _Counter()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._conn_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_server(host: str, port: int, app: WsgiCallable, max_body: int) -> WsgiServer:
    """A server bound to ``host:port`` (port 0: a free port)."""
    return WsgiServer((host, port), app, max_body)
