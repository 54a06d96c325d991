"""Abuse at the HTTP layer: malformed request lines and headers, bad and huge Content-Length,
unsupported transfer codings, smuggling attempts. Every answer is a 4xx JSON {Code, Message,
RequestId} (never HTML or text), sent before any body is waited for, and the server goes on."""

from __future__ import annotations

import socket
import time

import pytest
from hostile_helpers import RawClient, alive, assert_clean, parse_answer, raw_exchange, request_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser

from batchcompute.local.testing import local_server, signed_headers
from batchcompute.local.web.server import _Parser

GET = b"GET /quotas HTTP/1.1\r\nHost: x\r\n"
POST = b"POST /jobs HTTP/1.1\r\nHost: x\r\n"

CASES = [
    ("negative-content-length", POST + b"Content-Length: -5\r\n\r\n", 400, "InvalidHttpBody"),
    ("content-length-text", POST + b"Content-Length: ten\r\n\r\n", 400, "InvalidHttpBody"),
    ("content-length-plus", POST + b"Content-Length: +5\r\n\r\nabcde", 400, "InvalidHttpBody"),
    ("content-length-twice", POST + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "InvalidHttpBody"),
    ("content-length-huge", POST + b"Content-Length: 99999999999999999999\r\n\r\n", 413, "InvalidHttpBody"),
    ("content-length-5000-digits", POST + b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n", 413, "InvalidHttpBody"),
    (
        "folded-content-length-5000-digits",
        POST + b"X-F: a\r\n b\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        400,
        "InvalidHttpBody",
    ),
    ("content-length-over-cap", POST + b"Content-Length: 4194305\r\n\r\n", 413, "InvalidHttpBody"),
    ("chunked-over-cap", POST + b"Transfer-Encoding: chunked\r\n\r\n500000\r\n" + b"a" * 100, 413, None),
    ("chunked-garbage", POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400, None),
    ("transfer-encoding-gzip", POST + b"Transfer-Encoding: gzip\r\n\r\n", 400, "InvalidHttpRequest"),
    ("transfer-encoding-chunked-then-identity", POST + b"Transfer-Encoding: chunked, identity\r\n\r\n", 400, None),
    ("request-line-9000", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "RequestUriTooLong"),
    ("request-line-no-end", b"GET /" + b"a" * 20000, 414, "RequestUriTooLong"),
    ("header-70000", GET + b"X-Big: " + b"b" * 70000 + b"\r\n\r\n", 431, "RequestHeaderFieldsTooLarge"),
    ("headers-150", GET + b"".join(b"X-H%d: v\r\n" % n for n in range(150)) + b"\r\n", 431, None),
    ("header-no-colon", GET + b"Bad Header\r\n\r\n", 400, "InvalidHttpRequest"),
    ("header-space-before-colon", GET + b"Date : x\r\n\r\n", 400, "InvalidHttpRequest"),
    ("header-bare-lf", GET + b"X-A: a\nX-B: b\r\n\r\n", 400, "InvalidHttpRequest"),
    ("header-bare-cr", GET + b"X-A: a\rb\r\n\r\n", 400, "InvalidHttpRequest"),
    ("header-nul", GET + b"X-A: a\x00b\r\n\r\n", 400, "InvalidHttpRequest"),
    ("header-fold-first", b"GET /quotas HTTP/1.1\r\n folded\r\nHost: x\r\n\r\n", 400, None),
    ("host-twice", GET + b"Host: y\r\n\r\n", 400, "InvalidHttpRequest"),
    ("lowercase-method", b"get /quotas HTTP/1.1\r\nHost: x\r\n\r\n", 400, "InvalidHttpRequest"),
    ("garbage-line", b"\x00\x01\x02 garbage\r\n\r\n", 400, "InvalidHttpRequest"),
    ("no-version", b"GET\r\n\r\n", 400, None),
    ("unsigned", GET + b"\r\n", 403, "Forbidden"),
    ("absolute-uri-unsigned", b"GET http://evil/quotas HTTP/1.1\r\nHost: x\r\n\r\n", 403, None),
    ("connect", b"CONNECT evil:443 HTTP/1.1\r\nHost: x\r\n\r\n", 403, None),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with local_server(tmp_path_factory.mktemp("http") / "data", workers=1) as running:
        yield running


@pytest.mark.parametrize("name, data, status, code", CASES, ids=[case[0] for case in CASES])
def test_http_abuse_is_answered_with_a_json_error(server, name, data, status, code):
    taken, received = raw_exchange(server.host, server.port, data)
    answer = parse_answer(received)
    assert answer[0] == status, received[:300]
    error = assert_clean(answer, name)
    if code:
        assert error["Code"] == code, error
    assert taken < 2, "%s: answered after %.1f s" % (name, taken)
    client = RawClient(server.host, server.port, server.access_key_id, server.access_key_secret)
    alive(client)
    client.close()


def test_a_huge_content_length_is_refused_before_the_body_is_sent(server):
    """No body follows: the 413 must not wait for it (it used to wait 120 s)."""
    headers = signed_headers("POST", "/jobs", b"", server.access_key_id, server.access_key_secret)
    headers["Content-Length"] = str(50 * 1024 * 1024)
    data = request_bytes("POST", "/jobs", headers.items())
    taken, received = raw_exchange(server.host, server.port, data)
    assert parse_answer(received)[0] == 413 and taken < 1


def test_a_signed_request_with_an_odd_but_valid_head_still_works(server):
    """A folded header, extra white space around values: as HTTP allows."""
    headers = signed_headers("GET", "/quotas", b"", server.access_key_id, server.access_key_secret)
    lines = ["%s:   %s  " % (name, value) for name, value in headers.items()]
    data = ("GET /quotas HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode()
    _, received = raw_exchange(server.host, server.port, data)
    assert parse_answer(received)[0] == 200, received[:400]


def test_pipelined_requests_are_answered_in_order(server):
    one = request_bytes(
        "GET", "/quotas", signed_headers("GET", "/quotas", b"", server.access_key_id, server.access_key_secret).items()
    )
    two = request_bytes(
        "GET",
        "/available",
        signed_headers("GET", "/available", b"", server.access_key_id, server.access_key_secret).items(),
    )
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.sendall(one + two)
    received = b""
    deadline = time.monotonic() + 10
    while received.count(b"HTTP/1.1 200") < 2 and time.monotonic() < deadline:
        received += sock.recv(65536)
    sock.close()
    assert received.count(b"HTTP/1.1 200") == 2
    assert received.index(b"AvailableClusterInstanceType") < received.index(b"AvailableDataDiskType")


# -- The parser: waitress's rules, kept --------------------------------------------------------

HEADS = [
    b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\n",
    b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX_Under: 1\r\n\r\nabc",
    b"POST /jobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-Empty:\r\nX-Spaces:   a b   \r\nX-Obs: \xe9t\xe9\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-Fold: a\r\n  b\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A: a\nb\r\n\r\n",
    b"GET / HTTP/1.1\r\nX-A : a\r\n\r\n",
    b"GET / HTTP/1.1\r\n: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"get / HTTP/1.1\r\n\r\n",
    b"GET /\x01 HTTP/1.1\r\n\r\n",
    b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
]
FIELDS = ("completed", "headers", "path", "query", "command", "version", "content_length", "chunked")
FIELDS += ("connection_close", "expect_continue", "url_scheme", "request_uri")


@pytest.mark.parametrize("head", HEADS)
def test_the_parser_decides_as_waitress_does(head):
    ours, theirs = _Parser(Adjustments()), HTTPRequestParser(Adjustments())
    ours.received(head)
    theirs.received(head)
    if theirs.error is None and ours.error is not None and ours.error.body == "more than one Host header":
        return  # the one rule ours adds (RFC 7230 5.4)
    assert (ours.error is None) == (theirs.error is None), (ours.error and ours.error.body, theirs.error)
    if ours.error is not None:
        assert ours.error.code == theirs.error.code
        return
    for field in FIELDS:
        assert getattr(ours, field, None) == getattr(theirs, field, None), field


_NAMES = st.sampled_from(["Host", "X-A", "x-a", "X_U", "Content-Length", "Transfer-Encoding", "Connection", "Expect"])
_VALUES = st.sampled_from(["1", "0", "-1", "a b", " padded ", "chunked", "close", "100-continue", "\xe9", "", "a\tb"])
_LINE = st.one_of(
    st.tuples(_NAMES, _VALUES).map(lambda kv: ("%s: %s" % kv).encode("latin-1")),
    st.binary(max_size=12).filter(lambda b: b"\r\n" not in b),
    st.sampled_from([b" folded", b"\tfolded", b"Bad Header", b"X-A : b", b": v", b"X-A: a\rb", b"X-A: a\nb"]),
)


@settings(max_examples=400, deadline=None)
@given(
    first=st.sampled_from([b"GET / HTTP/1.1", b"POST /a?b HTTP/1.0", b"get / HTTP/1.1", b"GET  / HTTP/1.1", b"GET /"]),
    lines=st.lists(_LINE, max_size=6),
)
def test_the_parser_decides_as_waitress_does_on_generated_heads(first, lines):
    head = first + b"\r\n" + b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    test_the_parser_decides_as_waitress_does(head)
