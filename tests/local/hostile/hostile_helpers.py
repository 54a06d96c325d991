"""Sending hostile requests exactly as written, and checking how the server answers them.

``RawClient`` signs and sends a request target byte for byte (``requests`` would re-encode it);
``assert_clean`` checks an answer is a 4xx JSON ``{Code, Message, RequestId}``; ``snapshot`` reads
what the server holds, to show a refused request changed nothing.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from batchcompute.local.testing import signed_headers

Answer = Tuple[int, Dict[str, str], bytes]


class RawClient:
    """Signed requests to a server, the target sent as given (one keep-alive connection)."""

    def __init__(self, host: str, port: int, key_id: str, secret: str) -> None:
        self.host, self.port, self.key_id, self.secret = host, port, key_id, secret
        self._conn: Optional[http.client.HTTPConnection] = None

    def send(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: Optional[Mapping[str, str]] = None,
        signed: bool = True,
    ) -> Answer:
        sent = (
            signed_headers(method, target, body, self.key_id, self.secret, headers) if signed else dict(headers or {})
        )
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self._conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
                for name, value in sent.items():
                    self._conn.putheader(name, value)
                self._conn.endheaders(body or None)
                response = self._conn.getresponse()
                data = response.read()
                answer = (response.status, {k.lower(): v for k, v in response.getheaders()}, data)
                if response.will_close:
                    self.close()
                return answer
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, target: str, body: Any = None) -> Any:
        data = b"" if body is None else json.dumps(body).encode()
        status, _, payload = self.send(method, target, data)
        assert status < 300, (status, payload[:500])
        return json.loads(payload) if payload else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def assert_clean(answer: Answer, what: str = "") -> Dict[str, Any]:
    """A 4xx whose body is ``{Code, Message, RequestId}`` (RequestId as in its header)."""
    status, headers, payload = answer
    assert 400 <= status < 500, "%s: %s %r" % (what, status, payload[:300])
    assert headers.get("content-type") == "application/json", "%s: %r" % (what, headers)
    body = json.loads(payload)
    assert set(body) == {"Code", "Message", "RequestId"}, "%s: %r" % (what, body)
    assert body["Code"] and body["Message"], "%s: %r" % (what, body)
    assert body["RequestId"] == headers.get("x-acs-request-id"), "%s: %r" % (what, body)
    return body


def _items(client: RawClient, path: str, query: str = "") -> List[Dict[str, Any]]:
    items: List[Dict[str, Any]] = []
    marker = ""
    while True:
        answer = client.json("GET", "%s?Marker=%s&MaxItemCount=100%s" % (path, marker, query))
        items.extend(answer["Items"])
        marker = answer.get("NextMarker") or ""
        if not marker:
            return items


def snapshot(client: RawClient) -> Dict[str, Any]:
    """What a refused request must leave as it was: the jobs (and their priorities), clusters
    (and their descriptions), own images, Apps (and their revisions)."""
    clusters = {item["Id"]: client.json("GET", "/clusters/" + item["Id"]) for item in _items(client, "/clusters")}
    for cluster in clusters.values():
        cluster.pop("Metrics", None)
        for group in cluster.get("Groups", {}).values():
            group.pop("ActualVMCount", None)
    apps = {
        item["Name"]: client.json("GET", "/apps/%s?Revisions=True" % item["Name"])["Items"]
        for item in _items(client, "/apps")
    }
    return {
        "jobs": sorted((item["Id"], item["Name"], item["Priority"]) for item in _items(client, "/jobs")),
        "clusters": clusters,
        "images": sorted(item["Id"] for item in _items(client, "/images")),
        "apps": apps,
    }


def alive(client: RawClient) -> None:
    status, _, payload = client.send("GET", "/quotas")
    assert status == 200, (status, payload[:300])


def raw_exchange(host: str, port: int, data: bytes, timeout: float = 10.0) -> Tuple[float, bytes]:
    """Send ``data`` on a fresh connection and read until the answer is complete or the server
    closes; (seconds taken, bytes received)."""
    started = time.monotonic()
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall(data)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
            head, sep, rest = received.partition(b"\r\n\r\n")
            if sep:
                lengths = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
                if lengths and len(rest) >= int(lengths[0].split(b":")[1]):
                    break
        return time.monotonic() - started, received
    finally:
        sock.close()


def parse_answer(data: bytes) -> Answer:
    """(status, headers, body) of a raw HTTP answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def request_bytes(method: str, target: str, headers: Iterable[Tuple[str, str]], body: bytes = b"") -> bytes:
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: 127.0.0.1"]
    lines += ["%s: %s" % (name, value) for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
