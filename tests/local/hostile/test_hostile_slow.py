"""Slow and idle clients: a thousand connections that send nothing or drip a byte a second hold no
thread and do not keep a well-behaved client from being answered within a second; the connection
cap closes the stalest connection to let a new one in; an unfinished request gets a 408 at its
deadline; an idle kept-alive connection is closed."""

from __future__ import annotations

import resource
import socket
import threading
import time
from typing import List

import pytest
from hostile_helpers import RawClient, assert_clean, parse_answer, raw_exchange, request_bytes

from batchcompute.local.testing import local_server, signed_headers

SLOW = 1000


def _enough_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip("this process may open %d files, the test needs %d" % (hard, wanted))
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _open(server, count: int) -> List[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((server.host, server.port), timeout=5)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def _close(sockets: List[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def _read_all(sock: socket.socket, seconds: float) -> bytes:
    sock.setblocking(True)
    sock.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def test_a_thousand_idle_and_dripping_connections_do_not_stop_a_good_client(tmp_path):
    _enough_files(2 * SLOW + 256)
    with local_server(tmp_path / "data", workers=1) as server:
        idle = _open(server, SLOW // 2)
        drippers = _open(server, SLOW // 2)
        head = b"GET /quotas HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 10000
        stop = threading.Event()

        def drip() -> None:  # one byte a second on each connection, spread over the second
            position = 0
            while not stop.is_set():
                started = time.monotonic()
                for index, sock in enumerate(drippers):
                    try:
                        sock.send(head[position : position + 1])
                    except OSError:
                        pass
                    pause = started + (index + 1) / len(drippers) - time.monotonic()
                    if pause > 0 and stop.wait(pause):
                        return
                position += 1

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        client = RawClient(server.host, server.port, server.access_key_id, server.access_key_secret)
        waits = []
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                started = time.monotonic()
                status, _, payload = client.send("GET", "/quotas")
                waits.append(time.monotonic() - started)
                assert status == 200, payload
                client.close()  # a new connection each time: it must get in past the slow ones
                time.sleep(0.1)
        finally:
            stop.set()
            dripper.join()
            _close(idle + drippers)
            client.close()
        assert max(waits) < 1.0, "the slowest answer took %.2f s" % max(waits)
        assert len(waits) >= 20


def test_past_the_cap_the_stalest_connection_makes_room(tmp_path):
    with local_server(tmp_path / "data", workers=1, max_connections=50) as server:
        stale = _open(server, 60)
        time.sleep(0.3)
        client = RawClient(server.host, server.port, server.access_key_id, server.access_key_secret)
        started = time.monotonic()
        assert client.send("GET", "/quotas")[0] == 200
        assert time.monotonic() - started < 1
        assert len(server.server.httpd._listener.active_channels) <= 50
        closed = 0
        for sock in stale:
            try:
                closed += sock.recv(1) == b""
            except BlockingIOError:
                pass
        assert closed >= 10  # the oldest ones were closed to stay within the cap
        _close(stale)
        client.close()


def test_an_unfinished_request_gets_a_408_at_its_deadline(tmp_path):
    with local_server(tmp_path / "data", workers=1, request_timeout=1) as server:
        # a head that never ends, a body that never comes, nothing at all
        head = socket.create_connection((server.host, server.port))
        head.sendall(b"GET /quotas HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        body = socket.create_connection((server.host, server.port))
        headers = signed_headers("POST", "/jobs", b"{}", server.access_key_id, server.access_key_secret)
        body.sendall(request_bytes("POST", "/jobs", headers.items(), b"{"))
        silent = socket.create_connection((server.host, server.port))
        started = time.monotonic()
        for sock in (head, body, silent):
            received = _read_all(sock, 5)
            assert received, "no answer"
            answer = parse_answer(received)
            assert answer[0] == 408
            assert assert_clean(answer)["Code"] == "RequestTimeout"
            sock.close()
        assert time.monotonic() - started < 4
        assert server.request("GET", "/quotas").status_code == 200


def test_a_byte_a_second_does_not_stretch_the_deadline(tmp_path):
    with local_server(tmp_path / "data", workers=1, request_timeout=2) as server:
        sock = socket.create_connection((server.host, server.port))
        started = time.monotonic()
        answer = b""
        for byte in b"GET /quotas HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"d" * 20:
            try:
                sock.send(bytes([byte]))
            except OSError:
                break
            sock.settimeout(0.25)
            try:
                answer += sock.recv(65536)
            except socket.timeout:
                pass
            if answer:
                break
        taken = time.monotonic() - started
        sock.close()
        assert parse_answer(answer)[0] == 408 and taken < 4


def test_an_idle_kept_alive_connection_is_closed(tmp_path):
    with local_server(tmp_path / "data", workers=1, idle_timeout=1) as server:
        headers = signed_headers("GET", "/quotas", b"", server.access_key_id, server.access_key_secret)
        sock = socket.create_connection((server.host, server.port))
        sock.sendall(request_bytes("GET", "/quotas", headers.items()))
        time.sleep(0.2)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert _read_all(sock, 5) == b""  # closed by the server
        assert time.monotonic() - started < 3
        sock.close()


def test_a_huge_or_negative_content_length_is_answered_at_once(tmp_path):
    with local_server(tmp_path / "data", workers=1) as server:
        headers = signed_headers("POST", "/jobs", b"", server.access_key_id, server.access_key_secret)
        for length, status in (("10737418240", 413), ("-1", 400)):
            headers["Content-Length"] = length
            taken, received = raw_exchange(server.host, server.port, request_bytes("POST", "/jobs", headers.items()))
            assert parse_answer(received)[0] == status and taken < 1


def test_shutdown_is_quick_with_slow_connections_open(tmp_path):
    with local_server(tmp_path / "data", workers=1) as server:
        stale = _open(server, 100)
        for sock in stale[:50]:
            sock.send(b"GET /quotas HTTP/1.1\r\nHost")
        started = time.monotonic()
        server.server.close()
        assert time.monotonic() - started < 5
        _close(stale)
