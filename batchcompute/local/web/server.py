"""The HTTP layer: waitress serving a WSGI application, with what this server needs on top.

Waitress reads requests on one event loop (an idle or slow client holds no thread) and hands each
complete request to a bounded pool of threads. It limits the head and the body (413 as soon as a
Content-Length over the cap is read; a negative or malformed Content-Length is a 400), and handles
keep-alive, pipelining, chunked bodies and ``Expect: 100-continue``. On top of it, through
subclasses of its parser, channel, tasks and server:

- the loop itself: epoll (``selectors``) instead of waitress's ``poll()`` rebuilt every turn, so a
  turn costs what the connections with something to do cost, not what all of them cost (a
  thousand dripping connections would otherwise keep a core busy);
- what the signature check needs: the request target as sent (``REQUEST_URI``) and every header
  as received, names, order and duplicates (``batchcompute.raw_headers``);
- a cap on open connections (``max_connections``): past it the stalest connection that is not
  being answered (idle the longest, or whose unfinished request is the oldest) is closed, so a
  new client always gets in;
- a deadline for a whole request head and body (``request_timeout``, counted for the first
  request from the connection's opening, lengthened for a large body with ``body_rate``): then
  408; an idle kept-alive connection is closed after ``idle_timeout``;
- 414 for a request line over MAX_REQUEST_LINE, 431 for a head over MAX_HEADER_BYTES or
  MAX_HEADER_COUNT header lines;
- every HTTP-layer error answered as the application answers errors: JSON
  ``{Code, Message, RequestId}`` by default (``error_body`` renders another format, e.g. the OSS
  endpoint's XML), never waitress's text;
- HTTPS (``tls``, an ``ssl.SSLContext``; see ``web.tls``), its handshake on the loop too.

``make_server(host, port, app, max_body, ...)`` gives a ``WsgiServer``: ``serve_forever()`` (in a
thread), ``shutdown()``, ``server_close()``, ``close_connections()``, ``busy.wait_idle(timeout)``,
``server_address``; ``close()`` does all of the stopping in order.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import re
import resource
import selectors
import ssl
import threading
import time
from http import HTTPStatus
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, cast

from waitress import rfc7230, wasyncore
from waitress.adjustments import Adjustments
from waitress.buffers import OverflowableBuffer, ReadOnlyFileBasedBuffer
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.parser import (
    HTTPRequestParser,
    ParsingError,
    TransferEncodingNotImplemented,
    crack_first_line,
    get_header_lines,
    split_uri,
)
from waitress.receiver import ChunkedReceiver, FixedStreamReceiver
from waitress.rfc7230 import ONLY_DIGIT_RE
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import BadRequest, Error, RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from ..constants import (
    DEFAULT_HTTP_THREADS,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    MAX_HEADER_BYTES,
    MAX_HEADER_COUNT,
    MAX_REQUEST_LINE,
)
from ..ids import request_id as new_request_id
from .app import RAW_HEADERS_KEY
from .body import STREAM_MIN_BYTES, BodyStream, StreamSlots
from .tls import TlsChannelMixin

__all__ = ["WsgiServer", "make_server", "json_error", "ErrorBody", "is_loopback"]

log = logging.getLogger("batchcompute.local.http")
WsgiCallable = Callable[[Dict[str, Any], Callable[..., Any]], Any]
#: Renders an HTTP-layer error: (status, code, message, request id) -> (Content-Type, body).
ErrorBody = Callable[[int, str, str, str], Tuple[str, bytes]]
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE
_DISCONNECTED = wasyncore._DISCONNECTED
#: Bytes read from a connection at once.
_RECV_BYTES = 256 * 1024
#: Bytes of an answer held for a slow client before its thread waits.
_OUTBUF_BYTES = 4 * 1024 * 1024
#: Seconds between two checks of the deadlines.
_CHECK_INTERVAL = 0.5
#: The channel a thread is answering (see ``_Listener.pull_trigger``).
_serving = threading.local()


def json_error(status: int, code: str, message: str, request_id: str) -> Tuple[str, bytes]:
    """The API's error document: ``{"Code", "Message", "RequestId"}``."""
    body = {"Code": code, "Message": message, "RequestId": request_id}
    return "application/json", json.dumps(body, separators=(",", ":")).encode("utf-8")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _phrase(status: int) -> str:
    try:
        return "%d %s" % (status, HTTPStatus(status).phrase)
    except ValueError:
        return "%d Error" % status


# -- Errors of the HTTP layer --------------------------------------------------------------------


class _RequestTimeout(BadRequest):
    code = 408
    reason = "Request Timeout"


class _UriTooLong(BadRequest):
    code = 414
    reason = "URI Too Long"


class _Unavailable(Error):
    code = 503
    reason = "Service Unavailable"


def _api_error(error: Error) -> Tuple[int, str, str]:
    """(status, code, message) of an HTTP-layer error."""
    status, message = int(error.code), str(error.body)
    if status == 400 and ("Content-Length" in message or "hunk" in message):
        return 400, "InvalidHttpBody", message
    if status == 413:
        return 413, "InvalidHttpBody", "the body is larger than the server accepts (%s)" % message
    if status == 501:  # a Transfer-Encoding other than chunked
        return 400, "InvalidHttpRequest", message
    codes = {
        400: "InvalidHttpRequest",
        408: "RequestTimeout",
        414: "RequestUriTooLong",
        431: "RequestHeaderFieldsTooLarge",
        503: "ServiceUnavailable",
    }
    return status, codes.get(status, "InternalError"), message


def error_answer(server: "_Listener", error: Error, close: bool = True) -> bytes:
    """A whole HTTP/1.1 error answer, for writing without a task."""
    status, code, message = _api_error(error)
    rid = new_request_id()
    content_type, body = server.error_body(status, code, message, rid)
    head = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nx-acs-request-id: %s\r\nDate: %s\r\n%s\r\n" % (
        _phrase(status),
        content_type,
        len(body),
        rid,
        time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
        "Connection: close\r\n" if close else "",
    )
    return head.encode("latin-1") + body


# -- Parser, tasks, channels ---------------------------------------------------------------------


#: A header line as waitress's HEADER_FIELD_RE takes it (token ":" OWS field-value OWS), with its
#: CRLF, on the header block decoded as latin-1: one C-level scan validates and splits every line.
_FIELD_LINE = re.compile("(%s):[ \t]*(%s)[ \t]*\r\n" % (rfc7230.TOKEN, rfc7230.FIELD_VALUE))


class _Parser(HTTPRequestParser):
    """Waitress's parser, keeping the headers as received (names, order, duplicates), with limits
    on the request line and the number of header lines.

    ``parse_header`` is waitress's (3.0), made several times cheaper (it ran once per request at
    some 60 microseconds): the header lines are checked and split by one regular expression over
    the whole block instead of one per line, with the same rules (RFC 7230 field syntax, no bare CR
    or LF, names with ``_`` left out of the WSGI headers, repeated names joined with ``, ``). A
    head with folded (obs-fold) lines takes waitress's own path. tests/local/hostile checks both
    give the same result.
    """

    raw_headers: List[Tuple[str, str]] = []
    _late: Optional[Error] = None
    completed: bool
    error: Optional[Error]
    content_length: int
    expect_continue: bool
    #: Where streamed bodies get their slots (None: every body is read whole first).
    streams: Optional[StreamSlots] = None
    #: The body streams: handed over with its head and ``prefix``, the body's first bytes.
    streaming = False
    prefix = b""
    continue_wanted = False

    def received(self, data: bytes) -> int:
        if self.completed:
            return 0
        finished_before = self.headers_finished
        consumed: int = super().received(data)
        if not finished_before and self._streams_body():
            self.prefix = data[consumed : consumed + self.content_length]
            return consumed + len(self.prefix)
        if self.error is None:
            if self._late is not None:
                self.error, self.completed = self._late, True
            elif self.chunked and not self.completed and self.body_rcv is not None:
                # a chunk's size is known when its first line arrives: refuse then, not at the end
                receiver = self.body_rcv
                if len(receiver) + receiver.chunk_remainder >= self.adj.max_request_body_size:
                    self.error = RequestEntityTooLarge("a chunk goes past max_body")
                    self.completed = True
            elif not self.headers_finished and len(self.header_plus) > MAX_REQUEST_LINE:
                head = self.header_plus.lstrip(b"\r\n")
                if head.find(b"\r\n", 0, MAX_REQUEST_LINE + 2) < 0 and len(head) > MAX_REQUEST_LINE:
                    self.parse_header(b"GET / HTTP/1.0\r\n")
                    self.error = _UriTooLong("the request line is longer than %d bytes" % MAX_REQUEST_LINE)
                    self.completed = True
        return consumed

    def _streams_body(self) -> bool:
        """Whether the head just read hands its body over to be streamed (a slot taken)."""
        if not (self.headers_finished and not self.completed and self.error is None and self._late is None):
            return False
        if self.chunked or self.content_length < STREAM_MIN_BYTES or self.streams is None or not self.streams.take():
            return False
        self.streaming = self.completed = True
        self.continue_wanted, self.expect_continue = self.expect_continue, False  # the stream sends it
        return True

    def close(self) -> None:
        if self.streaming and self.streams is not None:
            self.streaming = False
            self.streams.give_back()
        super().close()

    def parse_header(self, header_plus: bytes) -> None:
        index = header_plus.find(b"\r\n")
        if index < 0:
            raise ParsingError("HTTP message header invalid")
        block = header_plus[index + 2 :]
        if block[:1] in (b" ", b"\t") or b"\r\n " in block or b"\r\n\t" in block:
            self._parse_folded(header_plus)
        else:
            self._parse_lines(header_plus[:index].rstrip(), block.decode("latin-1"))
        self.raw_headers = self.raw_headers or []
        if len(self.first_line) > MAX_REQUEST_LINE:
            self._late = _UriTooLong("the request line is longer than %d bytes" % MAX_REQUEST_LINE)
        elif len(self.raw_headers) > MAX_HEADER_COUNT:
            self._late = RequestHeaderFieldsTooLarge("more than %d header lines" % MAX_HEADER_COUNT)
        elif sum(1 for name, _ in self.raw_headers if name.lower() == "host") > 1:
            self._late = BadRequest("more than one Host header")  # RFC 7230 5.4

    def _parse_folded(self, header_plus: bytes) -> None:
        """Waitress's own parse, and the headers as received beside it."""
        try:
            super().parse_header(header_plus)
        except ValueError as exc:  # int() of a Content-Length of thousands of digits
            raise ParsingError("Content-Length is invalid") from exc
        index = header_plus.find(b"\r\n")
        raw: List[Tuple[str, str]] = []
        for line in get_header_lines(header_plus[index + 2 :]):
            name, _, value = line.partition(b":")  # each line has matched HEADER_FIELD_RE
            raw.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        self.raw_headers = raw

    def _parse_lines(self, first_line: bytes, block: str) -> None:
        if b"\r" in first_line or b"\n" in first_line:
            raise ParsingError("Bare CR or LF found in HTTP message")
        self.first_line = first_line
        raw: List[Tuple[str, str]] = []
        headers = self.headers
        text = block
        while text.endswith("\r\n"):  # the empty line that ends the head (only exact CRLFs)
            text = text[:-2]
        text = text + "\r\n" if text else ""
        end = 0
        for match in _FIELD_LINE.finditer(text):
            if match.start() != end:
                break
            end = match.end()
            name, value = match.group(1, 2)
            raw.append((name, value))
            if "_" in name:
                continue  # as waitress: such a name never reaches the WSGI environ
            key = name.upper().replace("-", "_")
            previous = headers.get(key)
            headers[key] = value if previous is None else previous + ", " + value
        if end != len(text):
            line = text[end:].split("\r\n", 1)[0]
            if "\r" in line or "\n" in line:
                raise ParsingError('Bare CR or LF found in header line "%s"' % line)
            raise ParsingError("Invalid header")
        self.raw_headers = raw
        self._parse_request(first_line, headers)

    def _parse_request(self, first_line: bytes, headers: Dict[str, str]) -> None:
        """The rest of waitress's ``parse_header``: request line, Connection, Transfer-Encoding,
        Expect, Content-Length."""
        command, uri, version = crack_first_line(first_line)
        if command == uri == version == b"":
            raise ParsingError("Start line is invalid")
        self.request_uri = uri.decode("latin-1")
        self.version = version = version.decode("latin-1")
        self.command = command.decode("latin-1")
        self.proxy_scheme, self.proxy_netloc, self.path, self.query, self.fragment = split_uri(uri)
        self.url_scheme = self.adj.url_scheme
        connection = headers.get("CONNECTION", "")
        if version == "1.0" and connection.lower() != "keep-alive":
            self.connection_close = True
        if version == "1.1":
            te = headers.pop("TRANSFER_ENCODING", "")
            encodings = [encoding.strip(" \t").lower() for encoding in te.split(",") if encoding]
            for encoding in encodings:
                if encoding not in {"chunked"}:
                    raise TransferEncodingNotImplemented("Transfer-Encoding requested is not supported.")
            if encodings and encodings[-1] == "chunked":
                self.chunked = True
                self.body_rcv = ChunkedReceiver(OverflowableBuffer(self.adj.inbuf_overflow))
            self.expect_continue = headers.get("EXPECT", "").lower() == "100-continue"
            if connection.lower() == "close":
                self.connection_close = True
        if not self.chunked:
            length = headers.get("CONTENT_LENGTH", "0")
            if not ONLY_DIGIT_RE.match(length.encode("latin-1")):
                raise ParsingError("Content-Length is invalid")
            # (more digits than any body could have: too large, without int() of a huge string)
            self.content_length = int(length) if len(length) <= 18 else 10**18
            if self.content_length > 0:
                self.body_rcv = FixedStreamReceiver(self.content_length, OverflowableBuffer(self.adj.inbuf_overflow))


def _write_first(task: Any, data: bytes) -> None:
    """The head and the first piece of the body in one write (one packet for a small answer),
    as waitress's ``Task.write`` would have sent them in two."""
    head = task.build_response_header()
    task.wrote_header = True
    body = b""
    if data and task.has_body:
        if task.chunked_response:
            body = b"%X\r\n%s\r\n" % (len(data), data)
        elif task.content_length is not None:
            body = data[: task.content_length - task.content_bytes_written]
            task.content_bytes_written += len(body)
        else:
            body = data
    elif data:
        task.content_bytes_written += len(data)
    task.channel.write_now(head + body)


class _Task(WSGITask):
    body: Optional[BodyStream] = None
    close_on_finish: bool

    def get_environment(self) -> Dict[str, Any]:
        environ: Dict[str, Any] = super().get_environment()
        environ.setdefault(RAW_HEADERS_KEY, list(getattr(self.request, "raw_headers", ())))
        if self.channel.server.tls_context is not None:
            # waitress would read a file again for each partial TLS write: the application's
            # own iteration does better there
            environ.pop("wsgi.file_wrapper", None)
        if getattr(self.request, "streaming", False) and self.body is None:
            self.body = self._body_stream()
            environ["wsgi.input"] = self.body
        return environ

    def _body_stream(self) -> BodyStream:
        channel, request = self.channel, self.request
        owner = channel.server.owner
        # the deadline of a request whose body is still to come, counted from its head
        allowed = owner.request_timeout + owner.body_allowance(request)

        def timeout_answer() -> bytes:
            return error_answer(channel.server, _RequestTimeout("the request body did not arrive within the deadline"))

        return BodyStream(
            channel.socket,
            request.prefix,
            request.content_length,
            time.monotonic() + allowed,
            channel.write_now,
            timeout_answer,
            request.continue_wanted,
        )

    def service(self) -> None:
        super().service()
        body = self.body
        if body is not None and not self.close_on_finish and not body.finished and not body.drain():
            self.close_on_finish = True
        sock = self.channel.socket
        if body is not None and not self.close_on_finish and isinstance(sock, ssl.SSLSocket) and sock.pending():
            self.channel.server.more_to_read.add(self.channel)  # decrypted bytes the loop would not see

    def write(self, data: bytes) -> None:
        if self.wrote_header or not self.complete:
            super().write(data)
        else:
            _write_first(self, data)


class _ErrorTask(ErrorTask):
    """An HTTP-layer error, rendered by the server's ``error_body`` (JSON by default)."""

    def execute(self) -> None:
        status, code, message = _api_error(self.request.error)
        rid = new_request_id()
        content_type, body = self.channel.server.error_body(status, code, message, rid)
        self.status = _phrase(status)
        self.response_headers.extend([("Content-Type", content_type), ("x-acs-request-id", rid)])
        self.set_close_on_finish()
        self.content_length = len(body)
        _write_first(self, body)


class _Channel(HTTPChannel):
    """One connection. ``request_since``: when the request being read began (the connection's
    opening for its first request; None between requests)."""

    parser_class: Callable[[Adjustments], _Parser] = _Parser
    task_class = _Task
    error_task_class = _ErrorTask
    request: Optional[_Parser]

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.request_since: Optional[float] = self.creation_time
        self.parser_class = self._new_parser  # waitress makes each request's parser with it

    def _new_parser(self, adj: Adjustments) -> _Parser:
        parser = _Parser(adj)
        parser.streams = self.server.owner.streams
        return parser

    @property
    def handshaking(self) -> bool:
        """Whether the TLS handshake is under way (never: plain HTTP)."""
        return False

    def received(self, data: bytes) -> bool:
        before = self.request
        result: bool = super().received(data)
        if self.request is None:
            self.request_since = None
        elif self.request_since is None or (before is not None and self.request is not before):
            self.request_since = time.time()
        return result

    def write_now(self, data: bytes) -> int:
        """What a thread writes, sent at once when nothing waits to be sent before it (one send,
        no buffer); what the socket does not take goes the way of ``write_soon``."""
        if not self.connected:
            raise ClientDisconnected
        with self.outbuf_lock:
            if not self.total_outbufs_len:
                sent: int = self.send(data, do_close=False)
                if sent == len(data):
                    self.last_activity = time.time()
                    return sent
                data = data[sent:]
        return cast(int, self.write_soon(data))

    def _flush_some(self, do_close: bool = True) -> bool:
        """Send what waits; a file the application gave as ``wsgi.file_wrapper`` goes with
        ``os.sendfile``, from the file to the socket without passing through Python."""
        sent = 0
        while self.outbufs[0].__class__ is ReadOnlyFileBasedBuffer and isinstance(self.outbufs[0].file, io.FileIO):
            outbuf = self.outbufs[0]
            while outbuf.remain:
                try:
                    count = os.sendfile(self._fileno, outbuf.file.fileno(), outbuf.file.tell(), outbuf.remain)
                except BlockingIOError:
                    break
                except OSError:
                    count = 0
                if not count:  # the socket failed, or the file is shorter than it was
                    if do_close:
                        self.handle_close()
                    return bool(sent)
                outbuf.skip(count, True)
                self.total_outbufs_len -= count
                sent += count
            if sent:
                self.last_activity = time.time()
            if outbuf.remain or len(self.outbufs) == 1:
                return bool(sent)
            self.outbufs.pop(0).close()
        return bool(super()._flush_some(do_close)) or bool(sent)

    def writable(self) -> bool:
        if self.requests and not (self.will_close or self.close_when_flushed):
            # A thread is answering: it sends what it writes itself, and needs the loop only when
            # the client reads too slowly for it (past the high watermark, where it waits).
            return cast(bool, self.total_outbufs_len >= self.adj.outbuf_high_watermark)
        return cast(bool, super().writable())

    @property
    def busy(self) -> bool:
        """Being answered, or with something to send or to do before it closes."""
        return bool(
            self.requests or self.total_outbufs_len or self.will_close or self.close_when_flushed or self._want_io
        )

    @property
    def _want_io(self) -> bool:
        return False

    @property
    def stale_since(self) -> float:
        """How long this connection has been of no use: its unfinished request's start, or its last
        activity when it waits for one."""
        return self.request_since if self.request_since is not None else self.last_activity

    def time_out(self) -> None:
        """The request deadline has passed: 408 (nothing when the TLS handshake is not done)."""
        if self.request is not None:
            self.request.close()
            self.request = None
        self.request_since = None
        if self.handshaking:  # no TLS to answer on
            self.handle_close()
            return
        answer = error_answer(self.server, _RequestTimeout("the request did not arrive within the deadline"))
        with self.outbuf_lock:
            self.outbufs[-1].append(answer)
            self.total_outbufs_len += len(answer)
        self.close_when_flushed = True

    def service(self) -> None:
        _serving.channel = self
        try:
            super().service()
        finally:
            _serving.channel = None

    def del_channel(self, map: Any = None) -> None:
        fd = self._fileno
        if fd is not None:
            self.server.owner.forget(fd)
        super().del_channel(map)


class _TlsChannel(TlsChannelMixin, _Channel):
    def _flush_some(self, do_close: bool = True) -> bool:
        return bool(HTTPChannel._flush_some(self, do_close))  # no sendfile under TLS

    @property
    def _want_io(self) -> bool:
        return self.handshaking and self._want_write


class _Listener(TcpWSGIServer):
    """The listening socket: accepts (over the cap, closes the stalest connection) and enforces
    the deadlines (``check``)."""

    channel_class: Any = _Channel
    accepting: bool

    def __init__(self, owner: "WsgiServer", application: WsgiCallable, **kwargs: Any) -> None:
        self.owner = owner
        self.error_body = owner.error_body
        self.tls_context = owner.tls
        self.more_to_read: Set[Any] = set()
        self._evicted, self._next_warning = 0, 0.0
        if owner.tls is not None:
            self.channel_class = _TlsChannel
        super().__init__(application, **kwargs)

    def readable(self) -> bool:  # waitress checks its deadlines here; the loop calls ``check``
        return self.accepting

    def pull_trigger(self) -> None:
        """Wake the loop, unless a thread has answered a request in full on a connection the loop
        still reads (then the next request wakes it): one wake-up and two epoll calls less for
        every request."""
        channel = getattr(_serving, "channel", None)
        if channel is not None and self.owner.quiet(channel):
            return
        super().pull_trigger()

    def handle_accept(self) -> None:
        try:
            pair = self.accept()
            if pair is None:
                return
            conn, addr = pair
            self.set_socket_options(conn)
        except OSError:
            return
        try:
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
        except (OSError, ValueError):
            conn.close()
            return
        self.owner.watch(channel)
        if len(self.active_channels) > self.owner.max_connections:
            self._make_room(channel)

    def _make_room(self, newest: Any) -> None:
        """Close the stalest connection not being answered; if every one is, refuse the newest."""
        idle = [ch for ch in self.active_channels.values() if ch is not newest and not ch.requests]
        if not idle:
            try:
                newest.socket.send(error_answer(self, _Unavailable("the server has too many connections open")))
            except (OSError, ssl.SSLError):
                pass
            newest.handle_close()
            return
        victim = min(idle, key=lambda ch: ch.stale_since)
        log.debug("%d connections open: closing the stalest one, from %s", len(self.active_channels), victim.addr)
        victim.handle_close()
        self._evicted += 1
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + 60
            log.warning(
                "%d connections open (--max-connections %d): %d stale ones closed to let new ones in",
                len(self.active_channels),
                self.owner.max_connections,
                self._evicted,
            )
            self._evicted = 0

    def check(self, now: float) -> None:
        """Answer 408 to requests past their deadline; close connections idle too long."""
        request_limit = now - self.owner.request_timeout
        idle_limit = now - self.owner.idle_timeout
        for channel in list(self.active_channels.values()):
            if channel.requests or channel.will_close or channel.close_when_flushed:
                continue
            if channel.request_since is not None:
                if channel.request_since < request_limit - self.owner.body_allowance(channel.request):
                    channel.time_out()
                    self.owner.watch(channel)
            elif channel.last_activity < idle_limit:
                channel.will_close = True
                self.owner.watch(channel)


# -- The server ----------------------------------------------------------------------------------


class _Dispatcher:
    """The threads that answer requests: waitress's dispatcher interface (``add_task``,
    ``set_thread_count``, ``shutdown``) on a ``queue.SimpleQueue``, whose hand-over to a waiting
    thread costs a fraction of a ``threading.Condition``'s (it happens once per request)."""

    def __init__(self) -> None:
        self._queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []
        self._lock = threading.Lock()
        self._pending = 0  # tasks queued or being served

    def set_thread_count(self, count: int) -> None:
        with self._lock:
            while len(self._threads) < count:
                thread = threading.Thread(
                    target=self._run, name="batchcompute-http-%d" % len(self._threads), daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def add_task(self, task: Any) -> None:
        with self._lock:
            self._pending += 1
        self._queue.put(task)

    def _run(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            try:
                task.service()
            except BaseException:  # noqa: B036 - a thread must survive what a request does
                log.exception("a request failed outside the application")
            finally:
                with self._lock:
                    self._pending -= 1

    @property
    def idle(self) -> bool:
        return self._pending <= 0

    def shutdown(self, cancel_pending: bool = True, timeout: float = 5.0) -> bool:
        """End the threads (those still answering are left to end on their own, as daemons)."""
        with self._lock:
            threads, self._threads = self._threads, []
        if cancel_pending:
            while True:
                try:
                    task = self._queue.get_nowait()
                except queue.Empty:
                    break
                if task is not None:
                    task.cancel()
                    with self._lock:
                        self._pending -= 1
        for _ in threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)


class _Busy:
    """Requests being answered; ``wait_idle`` waits until there are none, then ends the threads."""

    def __init__(self, dispatcher: _Dispatcher) -> None:
        self.dispatcher = dispatcher

    def idle(self) -> bool:
        return self.dispatcher.idle

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.idle() and time.monotonic() < deadline:
            time.sleep(0.01)
        idle = self.idle()
        self.dispatcher.shutdown(cancel_pending=True, timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        return idle


def _raise_file_limit(wanted: int) -> None:
    """Let the process open ``wanted`` files if the hard limit allows (connections are files)."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            if target < wanted:
                log.warning("open files are limited to %d: fewer connections than %d may be served", target, wanted)
    except (ValueError, OSError):  # pragma: no cover - a platform without the limit
        pass


class WsgiServer:
    """Serves ``app`` on ``address``, with bodies up to ``max_body`` bytes; see the module's
    documentation. ``tls`` serves HTTPS; ``error_body`` renders the HTTP layer's own errors
    (default: the API's JSON); ``body_rate`` (bytes a second) lengthens the request deadline of a
    large body; ``stream_bodies`` hands a large body to the application as it arrives
    (``web.body``) instead of reading it whole first."""

    def __init__(
        self,
        address: Tuple[str, int],
        app: WsgiCallable,
        max_body: int,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        threads: int = DEFAULT_HTTP_THREADS,
        tls: Optional[ssl.SSLContext] = None,
        error_body: ErrorBody = json_error,
        body_rate: Optional[float] = None,
        stream_bodies: bool = False,
    ) -> None:
        if max_connections < 1 or threads < 1 or request_timeout <= 0 or idle_timeout <= 0:
            raise ValueError("max_connections, threads and the timeouts must be positive")
        self.app = app
        self.max_body = max_body
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.idle_timeout = idle_timeout
        self.tls = tls
        self.error_body = error_body
        self.body_rate = body_rate
        #: Slots of the bodies read as they arrive (see ``web.body``); half the threads at most.
        self.streams = StreamSlots(threads // 2) if stream_bodies and threads > 1 else None
        _raise_file_limit(max_connections + 256)
        self._map: Dict[int, Any] = {}
        self._selector: Optional[selectors.BaseSelector] = None
        self._masks: Dict[int, int] = {}
        self._watched: Set[Any] = set()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self.dispatcher = _Dispatcher()
        self.busy = _Busy(self.dispatcher)
        host, port = address
        adj = Adjustments(
            host=host,
            port=str(port),
            threads=threads,
            max_request_body_size=max_body + 1,  # waitress refuses a body of exactly its limit
            max_request_header_size=MAX_HEADER_BYTES,
            connection_limit=max_connections + 16,  # the cap is ours (``_make_room``)
            channel_timeout=int(max(1, idle_timeout)),
            url_scheme="https" if tls is not None else "http",
            ident="batchcompute-local",
            backlog=1024,
            expose_tracebacks=False,
            log_socket_errors=False,
            clear_untrusted_proxy_headers=False,  # no proxy in front; the app reads no Forwarded header
            # Large bodies (objects of the OSS endpoint) in few turns of the loop; an answer waits
            # in memory, never in a temporary file, and its thread pauses past the watermark.
            recv_bytes=_RECV_BYTES,
            outbuf_overflow=_OUTBUF_BYTES + 1,
            outbuf_high_watermark=_OUTBUF_BYTES,
        )
        self._listener = _Listener(self, app, map=self._map, dispatcher=self.dispatcher, adj=adj)
        self.server_address: Tuple[str, int] = (str(self._listener.effective_host), int(self._listener.effective_port))
        self.server_name, self.server_port = self.server_address
        self.dispatcher.set_thread_count(threads)

    def body_allowance(self, request: Any) -> float:
        """Seconds the request deadline grows for the body of ``request`` (with ``body_rate``:
        one per ``body_rate`` bytes of its Content-Length, or of what a chunked body has sent)."""
        if not self.body_rate or request is None:
            return 0.0
        receiver = getattr(request, "body_rcv", None)
        sent = len(receiver) if receiver is not None else 0
        return max(getattr(request, "content_length", 0) or 0, sent) / self.body_rate

    # -- the loop --------------------------------------------------------------------------------

    def watch(self, obj: Any) -> None:
        """Recompute what ``obj`` waits for at the next turn (the loop's thread only)."""
        self._watched.add(obj)

    def forget(self, fd: int) -> None:
        """A connection closes: stop watching its file descriptor."""
        with self._lock:
            if self._masks.pop(fd, 0) and self._selector is not None:
                try:
                    self._selector.unregister(fd)
                except (KeyError, ValueError, OSError):
                    pass

    def quiet(self, channel: Any) -> bool:
        """Whether the loop need not look at ``channel`` now: nothing to send or close, no
        request queued, and registered for reading."""
        return (
            not channel.total_outbufs_len
            and not channel.requests
            and not channel.will_close
            and not channel.close_when_flushed
            and self._masks.get(channel._fileno) == _READ
        )

    def _apply(self, selector: selectors.BaseSelector, obj: Any, fd: int, mask: int) -> bool:
        """Register ``fd`` for ``mask`` (0: not at all); False when the descriptor is gone."""
        with self._lock:
            old = self._masks.get(fd, 0)
            if mask == old:
                return True
            try:
                if not old:
                    selector.register(fd, mask, obj)
                elif not mask:
                    selector.unregister(fd)
                else:
                    selector.modify(fd, mask, obj)
            except (KeyError, ValueError, OSError):
                return False
            if mask:
                self._masks[fd] = mask
            else:
                self._masks.pop(fd, None)
            return True

    def _update(self, selector: selectors.BaseSelector) -> None:
        """Register each watched object for what it waits for now; keep watching the busy ones."""
        for obj in list(self._watched):
            fd = obj._fileno
            if fd not in self._map or self._map[fd] is not obj:  # closed, or its descriptor now another's
                self._watched.discard(obj)
                continue
            # Read first: a thread that answers a request changes what the connection waits for,
            # then pulls the trigger; a connection that was not busy is left alone by the threads.
            keep = getattr(obj, "busy", False)
            mask = (_READ if obj.readable() else 0) | (_WRITE if obj.writable() and not obj.accepting else 0)
            if not mask and keep and self._masks.get(fd) == _READ:
                # Being answered: left registered for reading (an event that comes meanwhile
                # unregisters it, see ``serve_forever``), so that a thread that answers in full
                # need not wake the loop (``quiet``).
                continue
            if not self._apply(selector, obj, fd, mask):
                obj.handle_close()
                continue
            if not keep:
                self._watched.discard(obj)

    @staticmethod
    def _dispatch(obj: Any, events: int) -> None:
        try:
            if events & _READ:
                obj.handle_read_event()
            if events & _WRITE and obj.socket is not None:
                obj.handle_write_event()
        except OSError as exc:
            if exc.args and exc.args[0] in _DISCONNECTED:
                obj.handle_close()
            else:
                obj.handle_error()
        except (wasyncore.ExitNow, KeyboardInterrupt, SystemExit):
            raise
        except Exception:
            obj.handle_error()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until ``shutdown()`` (which may come first: then this returns at once)."""
        self._stopped.clear()
        if self._stop.is_set():  # shut down before it began (a server serves once)
            self._stopped.set()
            return
        selector = selectors.DefaultSelector()
        with self._lock:
            self._selector, self._masks = selector, {}
        self._watched.update(self._map.values())
        next_check = 0.0
        try:
            while not self._stop.is_set():
                self._update(selector)
                more = self._listener.more_to_read
                # (a connection being answered is read again once it is done, not polled meanwhile)
                ready = any(channel.socket is None or channel.readable() for channel in more)
                timeout = 0.0 if ready else min(poll_interval, _CHECK_INTERVAL)
                for key, events in selector.select(timeout):
                    obj = key.data
                    self._watched.add(obj)
                    if events & _READ and not obj.accepting and not obj.readable():
                        # data (or a close) on a connection being answered: look again when done
                        self._apply(selector, obj, key.fd, _WRITE if obj.writable() else 0)
                        events &= ~_READ
                        if not events & _WRITE or not obj.writable():
                            continue
                    self._dispatch(obj, events)
                for channel in list(more):
                    if channel.socket is None or channel.readable():
                        more.discard(channel)
                        if channel.socket is not None:
                            self._dispatch(channel, _READ)
                            self._watched.add(channel)
                now = time.time()
                if now >= next_check:
                    next_check = now + _CHECK_INTERVAL
                    self._listener.check(now)
        finally:
            with self._lock:
                self._selector, self._masks = None, {}
            selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` and wait until it has returned."""
        self._stop.set()
        try:
            self._listener.pull_trigger()
        except OSError:
            pass
        self._stopped.wait()

    def server_close(self) -> None:
        """Stop listening."""
        if self._listener.socket is not None:
            self._listener.del_channel()
            self._listener.socket.close()
            self._listener.socket = None

    def close_connections(self) -> None:
        """Close every open connection (after ``shutdown``)."""
        for channel in list(self._listener.active_channels.values()):
            try:
                channel.handle_close()
            except OSError:
                pass

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving, close the connections, wait for the requests being answered, end the threads."""
        if not self._stopped.is_set():
            self.shutdown()
        self.server_close()
        self.close_connections()
        self.busy.wait_idle(timeout)
        try:
            self._listener.trigger.close()
        except OSError:
            pass


def make_server(host: str, port: int, app: WsgiCallable, max_body: int, **options: Any) -> WsgiServer:
    """A ``WsgiServer`` bound to ``host:port`` (port 0: a free port); ``options`` are its keyword
    arguments."""
    return WsgiServer((host, port), app, max_body, **options)
