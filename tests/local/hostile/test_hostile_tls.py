"""HTTPS: the server serves TLS (``tls_cert`` / ``--tls-cert``), the SDK's Client works over it,
a plain-HTTP request on that port gets a clear JSON error, and clients that stall in the TLS
handshake hold no thread and meet the request deadline. Binding beyond loopback without TLS warns."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import ssl
import time

import pytest
from hostile_helpers import assert_clean, parse_answer
from local_helpers import job, self_signed_certificate, task, wait_state

from batchcompute.local.__main__ import parse_args
from batchcompute.local.server import LocalServer
from batchcompute.local.testing import SignedRequester, local_server, signed_headers
from batchcompute.local.web.server import is_loopback

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(tmp_path, certificate):
    cert, key = certificate
    with local_server(tmp_path / "data", workers=2, poll_interval=0.05, tls_cert=cert, tls_key=key) as server:
        yield server


def _context(cert) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    return context


def test_the_client_works_over_https(tls_server):
    assert tls_server.endpoint.startswith("https://")
    api = tls_server.client()
    job_id = api.create_job(job({"t": task("echo over tls")})).Id
    assert wait_state(api.get_job, job_id).State == "Finished"
    assert [item.Id for item in api.list_jobs("", 10).Items] == [job_id]


def test_a_big_body_and_pipelined_requests_over_tls(tls_server, certificate):
    body = job({"t": task("true")})
    body["Extra"] = {"k%d" % n: "x" * 50000 for n in range(60)}  # 3 MB: many turns of the loop
    assert tls_server.request("POST", "/jobs", body=body).status_code == 201
    context = _context(certificate[0])
    with socket.create_connection((tls_server.host, tls_server.port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            data = b""
            for target in ("/quotas", "/available"):
                headers = signed_headers("GET", target, b"", tls_server.access_key_id, tls_server.access_key_secret)
                data += ("GET %s HTTP/1.1\r\nHost: x\r\n" % target).encode()
                data += "".join("%s: %s\r\n" % item for item in headers.items()).encode() + b"\r\n"
            sock.sendall(data)
            received = b""
            deadline = time.monotonic() + 10
            while received.count(b"HTTP/1.1 200") < 2 and time.monotonic() < deadline:
                received += sock.recv(65536)
    assert received.count(b"HTTP/1.1 200") == 2


def test_plain_http_on_the_tls_port_is_told_so(tls_server):
    with socket.create_connection((tls_server.host, tls_server.port), timeout=5) as sock:
        sock.sendall(b"GET /quotas HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    answer = parse_answer(received)
    assert answer[0] == 400 and "HTTPS" in json.loads(answer[2])["Message"]


def test_stalled_handshakes_do_not_stop_others_and_meet_the_deadline(tmp_path, certificate):
    cert, key = certificate
    with local_server(tmp_path / "data", workers=1, tls_cert=cert, tls_key=key, request_timeout=2) as server:
        stalled = [socket.create_connection((server.host, server.port)) for _ in range(100)]
        for sock in stalled[:50]:
            sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello
        requester = SignedRequester(server.endpoint, server.access_key_id, server.access_key_secret, str(cert))
        started = time.monotonic()
        assert requester.request("GET", "/quotas").status_code == 200
        assert time.monotonic() - started < 1
        requester.close()
        for sock in stalled:  # closed at the deadline, without an answer (no TLS to send it on)
            sock.settimeout(6)
            try:
                assert sock.recv(1) == b""
            except ConnectionResetError:
                pass
            sock.close()
        assert time.monotonic() - started < 6


def test_an_https_answer_is_a_json_error_too(tls_server, certificate):
    context = _context(certificate[0])
    with socket.create_connection((tls_server.host, tls_server.port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while b"RequestId" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
    answer = parse_answer(received)
    assert answer[0] == 414
    assert_clean(answer)


def test_tls_options_of_the_command_line():
    with pytest.raises(SystemExit):
        parse_args(["--tls-cert", "cert.pem"])
    args = parse_args(["--tls-cert", "c.pem", "--tls-key", "k.pem", "--max-connections", "10"])
    assert (args.tls_cert, args.tls_key, args.max_connections) == ("c.pem", "k.pem", 10)
    for bad in (["--max-connections", "0"], ["--request-timeout", "-1"], ["--max-tasks", "x"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_binding_beyond_loopback_without_tls_warns(tmp_path, caplog, certificate):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    with caplog.at_level(logging.WARNING, logger="batchcompute.local"):
        server = LocalServer(tmp_path / "a", host="0.0.0.0", port=0, workers=1)
        server.start()
        server.close()
    assert any("without TLS" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="batchcompute.local"):
        server = LocalServer(
            tmp_path / "b", host="0.0.0.0", port=0, workers=1, tls_cert=certificate[0], tls_key=certificate[1]
        )
        server.start()
        assert "https://" in server.banner() or "security_conn=True" in server.banner()
        server.close()
    assert not any("without TLS" in record.getMessage() for record in caplog.records)
