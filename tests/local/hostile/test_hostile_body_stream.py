"""Large bodies streamed into the application as they arrive (``make_server(stream_bodies=True)``,
the OSS endpoint's setting): the bytes are exact whatever the pieces, the request deadline holds
mid-body, a client that goes away mid-body costs nothing, an answer given before the body is read
leaves the connection usable, and past the slots a body is read whole as before. And the other
way: a file given as ``wsgi.file_wrapper`` reaches a slow reader whole."""

from __future__ import annotations

import hashlib
import http.client
import shutil
import socket
import ssl
import threading
import time
from typing import Any, Dict, Iterator, List

import pytest
from hostile_helpers import parse_answer
from local_helpers import self_signed_certificate

from batchcompute.local.web.body import STREAM_MIN_BYTES, BodyStream
from batchcompute.local.web.server import make_server
from batchcompute.local.web.tls import server_context

BIG = 3 * STREAM_MIN_BYTES + 12345


class Recorder:
    """A WSGI app: POST /md5 answers the body's MD5 (reading it in 1 MiB pieces), POST /refuse
    answers 403 without reading it, GET /ping answers pong; it keeps what it saw."""

    def __init__(self) -> None:
        self.inputs: List[Any] = []
        self.errors: List[BaseException] = []
        self.reading = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> Iterator[bytes]:
        path, stream = environ["PATH_INFO"], environ["wsgi.input"]
        self.inputs.append(stream)
        if path == "/refuse":
            body = b"refused"
            start_response("403 Forbidden", [("Content-Length", str(len(body)))])
            return iter([body])
        if path == "/md5":
            digest, left = hashlib.md5(), int(environ.get("CONTENT_LENGTH") or 0)
            try:
                while left:
                    self.reading.set()
                    self.release.wait(10)
                    data = stream.read(min(left, 1 << 20))
                    if not data:
                        break
                    digest.update(data)
                    left -= len(data)
            except (ConnectionError, TimeoutError) as exc:
                self.errors.append(exc)
                raise
            body = digest.hexdigest().encode()
        else:
            body = b"pong"
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return iter([body])


def _server(app: Any, **options: Any) -> Any:
    options.setdefault("threads", 4)
    server = make_server("127.0.0.1", 0, app, 64 * STREAM_MIN_BYTES, stream_bodies=True, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def app():
    return Recorder()


@pytest.fixture
def server(app):
    running = _server(app)
    yield running
    running.close()


def _payload(size: int = BIG) -> bytes:
    return bytes(range(256)) * (size // 256) + b"x" * (size % 256)


def _until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection."""
    return b"".join(iter(lambda: sock.recv(65536), b""))


def _post(port: int, path: str, body: bytes, pieces: int = 1, pause: float = 0.0) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.putrequest("POST", path)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    step = -(-len(body) // pieces)
    for start in range(0, len(body), step):
        connection.send(body[start : start + step])
        time.sleep(pause)
    return connection.getresponse()


def test_a_large_body_arrives_exact_and_streamed(server, app):
    body = _payload()
    answer = _post(server.server_port, "/md5", body)
    assert answer.status == 200
    assert answer.read().decode() == hashlib.md5(body).hexdigest()
    assert isinstance(app.inputs[-1], BodyStream)


@pytest.mark.parametrize("pieces", [7, 301])
def test_a_body_sent_in_uneven_pieces_arrives_exact(server, pieces):
    body = _payload()
    answer = _post(server.server_port, "/md5", body, pieces=pieces, pause=0.001)
    assert answer.read().decode() == hashlib.md5(body).hexdigest()


def test_a_small_body_is_read_whole_as_before(server, app):
    body = _payload(STREAM_MIN_BYTES - 1)
    answer = _post(server.server_port, "/md5", body)
    assert answer.read().decode() == hashlib.md5(body).hexdigest()
    assert not isinstance(app.inputs[-1], BodyStream)


def test_a_request_pipelined_after_a_streamed_body_is_answered(server):
    body = _payload()
    head = b"POST /md5 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=20) as sock:
        sock.sendall(head + body + b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while received.count(b"HTTP/1.1 200") < 2 or not received.endswith(b"pong"):
            data = sock.recv(65536)
            assert data, received
            received += data
    assert hashlib.md5(body).hexdigest().encode() in received


def test_an_answer_before_the_body_is_read_leaves_the_connection_usable(server):
    body = _payload()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=20)
    connection.request("POST", "/refuse", body=body)
    first = connection.getresponse()
    assert (first.status, first.read()) == (403, b"refused")
    connection.request("GET", "/ping")
    second = connection.getresponse()
    assert (second.status, second.read()) == (200, b"pong")


def test_the_deadline_holds_in_the_middle_of_a_body(app):
    server = _server(app, request_timeout=0.5)
    try:
        body = _payload()
        head = b"POST /md5 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(head + body[: len(body) // 2])  # and no more
            started = time.monotonic()
            received = _until_closed(sock)
        assert time.monotonic() - started < 3
        assert parse_answer(received)[0] == 408
        assert [type(error) for error in app.errors] == [TimeoutError]
        assert _post(server.server_port, "/md5", b"ok").status == 200
    finally:
        server.close()


def test_a_client_that_leaves_mid_body_frees_its_slot(server, app):
    body = _payload()
    head = b"POST /md5 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    for count in range(1, 5):  # more than the server's slots (half of its 4 threads), in turn
        sock = socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
        sock.sendall(head + body[: STREAM_MIN_BYTES // 2])
        sock.close()
        deadline = time.monotonic() + 5
        while len(app.errors) < count and time.monotonic() < deadline:
            time.sleep(0.01)
    assert [isinstance(error, ConnectionError) for error in app.errors] == [True] * 4
    answer = _post(server.server_port, "/md5", body)
    assert answer.read().decode() == hashlib.md5(body).hexdigest()
    assert isinstance(app.inputs[-1], BodyStream)


def test_past_the_slots_a_body_is_read_whole(server, app):
    app.release.clear()  # the streamed bodies wait in the application
    body = _payload()
    results: List[str] = []

    def upload() -> None:
        results.append(_post(server.server_port, "/md5", body).read().decode())

    uploads = [threading.Thread(target=upload) for _ in range(3)]
    for thread in uploads:
        thread.start()
    deadline = time.monotonic() + 5
    while sum(isinstance(stream, BodyStream) for stream in app.inputs) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    app.release.set()
    for thread in uploads:
        thread.join(20)
    assert results == [hashlib.md5(body).hexdigest()] * 3
    assert sum(isinstance(stream, BodyStream) for stream in app.inputs) == 2


def test_expect_continue_gets_its_100_when_the_body_is_read(server):
    body = _payload()
    head = b"POST /md5 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
        sock.sendall(head)
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        received = b""
        while not received.endswith(hashlib.md5(body).hexdigest().encode()):
            data = sock.recv(65536)
            assert data, received
            received += data


def test_expect_continue_refused_without_100_closes_the_connection(server):
    head = b"POST /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % BIG
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
        sock.sendall(head)
        received = _until_closed(sock)
    assert received.startswith(b"HTTP/1.1 403") and b"100 Continue" not in received


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_streamed_body_over_tls(app, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    server = _server(app, tls=server_context(cert, key))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        body = _payload()
        connection = http.client.HTTPSConnection("127.0.0.1", server.server_port, timeout=20, context=context)
        for _ in range(2):  # and the connection carries the next request
            connection.request("POST", "/md5", body=body)
            assert connection.getresponse().read().decode() == hashlib.md5(body).hexdigest()
        # in uneven pieces: TLS records that arrive in parts, the last one too
        connection.putrequest("POST", "/md5")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        for start in range(0, len(body), 10007):
            connection.send(body[start : start + 10007])
            if start % 7 == 0:
                time.sleep(0.001)
        assert connection.getresponse().read().decode() == hashlib.md5(body).hexdigest()
        assert isinstance(app.inputs[-1], BodyStream)
    finally:
        server.close()


def _file_app(path: Any, length: int) -> Any:
    def app(environ: Dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Length", str(length))])
        return environ["wsgi.file_wrapper"](open(path, "rb", buffering=0), 1 << 20)

    return app


def test_a_file_answer_is_sent_whole_to_a_slow_reader(tmp_path):
    body = _payload()
    (tmp_path / "object").write_bytes(body)
    server = _server(_file_app(tmp_path / "object", len(body)))
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            for _ in range(2):  # and the connection carries the next request
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                received = b""
                while not received.endswith(body):
                    data = sock.recv(16384)
                    assert data
                    received += data
                    time.sleep(0.0001 if len(received) < len(body) // 2 else 0)
                assert received.split(b"\r\n\r\n", 1)[1] == body
    finally:
        server.close()
