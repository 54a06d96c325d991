"""What the client tests talk to: a raw scripted HTTP endpoint and the answers it sends, a local
server executor that finishes every instance at once, and a job description the local server runs.

``ScriptedEndpoint`` answers, drops the connection, stalls or forwards to another server, request by
request, as its ``script`` says, and counts the TCP connections it accepts.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from collections import deque
from typing import Any, Callable, Deque, Dict, List, NamedTuple, Optional, Tuple, Union

import fixture_server as fx

from batchcompute.local.run.executor import Execution, Executor, RunResult

HOST = "127.0.0.1"
KEY_ID = "client-test-key"
SECRET = "client-test-secret"


# -- a raw, scripted endpoint ----------------------------------------------------------------------


class Request(NamedTuple):
    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


DROP = "drop"  # read the request, close the connection without a word
STALL = "stall"  # read the request, never answer (until the endpoint stops)
FORWARD = "forward"  # pass the request on to ``upstream`` and its answer back
FORWARD_DROP = "forward-drop"  # pass the request on, then drop the connection instead of answering


class Drip(NamedTuple):
    """Send ``data`` one byte every ``interval`` seconds (a slow or hostile endpoint)."""

    data: bytes
    interval: float


Action = Union[str, bytes, Drip]


def answer(status: int, body: Any = None, headers: Tuple[Tuple[str, str], ...] = ()) -> bytes:
    """A raw HTTP/1.1 answer; ``body`` a dict or list is sent as JSON."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    data = body if isinstance(body, bytes) else (body or "").encode("utf-8")
    lines = [
        "HTTP/1.1 %d %s" % (status, http.client.responses.get(status, "Status")),
        "Content-Type: application/json",
        "Date: %s" % fx.RESPONSE_DATE,
        "x-acs-request-id: %s" % fx.REQUEST_ID,
        "Content-Length: %d" % len(data),
    ]
    lines += ["%s: %s" % item for item in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def error(status: int, code: str, message: str = "") -> bytes:
    return answer(status, {"Code": code, "Message": message or code, "RequestId": fx.REQUEST_ID})


OK_JOB = answer(200, {"Id": fx.JOB_ID, "Name": "log-count", "State": "Running"})


def _read_request(stream: Any) -> Optional[Request]:
    line = stream.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while True:
        line = stream.readline().decode("latin-1").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    request = Request(method, target, headers, b"")
    length = int(request.header("Content-Length") or 0)
    return request._replace(body=stream.read(length) if length else b"")


class ScriptedEndpoint:
    """An HTTP/1.1 endpoint on 127.0.0.1 whose answers are scripted, one action per request.

    ``script`` holds the actions for the next requests (an answer's bytes, ``DROP``, ``STALL``,
    ``FORWARD`` or ``FORWARD_DROP``); when it is empty, ``default`` is used. ``requests`` lists
    what arrived, ``forwarded`` the answers ``upstream`` gave, ``accepts`` counts TCP connections.
    ``tls`` (an ``ssl.SSLContext``) serves HTTPS.
    """

    def __init__(
        self, default: Action = OK_JOB, upstream: Optional[Tuple[str, int]] = None, tls: Optional[ssl.SSLContext] = None
    ) -> None:
        self.default = default
        self.upstream = upstream
        self.tls = tls
        self.script: Deque[Action] = deque()
        self.requests: List[Request] = []
        self.forwarded: List[bytes] = []
        self.accepts = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._connections: List[socket.socket] = []
        self._listener = socket.create_server((HOST, 0), backlog=64)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="scripted-endpoint", daemon=True)

    def start(self) -> "ScriptedEndpoint":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        try:
            socket.create_connection((HOST, self.port), timeout=1).close()  # wakes the accept loop
        except OSError:
            pass
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            _close(conn)

    def __enter__(self) -> "ScriptedEndpoint":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def then(self, *actions: Action) -> "ScriptedEndpoint":
        """Queue actions for the next requests."""
        self.script.extend(actions)
        return self

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self._stopped.is_set():
                conn.close()
                return
            with self._lock:
                self.accepts += 1
                self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _next_action(self, request: Request) -> Action:
        with self._lock:
            self.requests.append(request)
            return self.script.popleft() if self.script else self.default

    def _serve(self, conn: socket.socket) -> None:
        upstream: Optional[http.client.HTTPConnection] = None
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            stream = conn.makefile("rb")
            while not self._stopped.is_set():
                request = _read_request(stream)
                if request is None:
                    return
                action = self._next_action(request)
                if action == STALL:
                    self._stopped.wait()
                    return
                if action in (FORWARD, FORWARD_DROP):
                    upstream = upstream or http.client.HTTPConnection(*self.upstream, timeout=10)
                    reply = _forward(upstream, request)
                    with self._lock:
                        self.forwarded.append(reply)
                    if action == FORWARD_DROP:
                        return
                    conn.sendall(reply)
                elif action == DROP:
                    return
                elif isinstance(action, Drip):
                    for index in range(len(action.data)):
                        if self._stopped.wait(action.interval):
                            return
                        conn.sendall(action.data[index : index + 1])
                else:
                    conn.sendall(action)
        except (OSError, ValueError):
            pass
        finally:
            if upstream is not None:
                upstream.close()
            _close(conn)


def _forward(upstream: http.client.HTTPConnection, request: Request) -> bytes:
    """Send ``request`` upstream; its answer as raw bytes (headers passed through)."""
    headers = {name: value for name, value in request.headers if name.lower() not in ("host", "connection")}
    upstream.request(request.method, request.target, body=request.body or None, headers=headers)
    response = upstream.getresponse()
    body = response.read()
    lines = ["HTTP/1.1 %d %s" % (response.status, response.reason)]
    lines += [
        "%s: %s" % (name, value)
        for name, value in response.getheaders()
        if name.lower() not in ("content-length", "connection", "transfer-encoding")
    ]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _close(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- the local server ------------------------------------------------------------------------------


class InstantExecutor(Executor):
    """Every instance succeeds at once, without running a process."""

    def start(self, run: Any, on_started: Callable[..., None], on_done: Callable[[RunResult], None]) -> Execution:
        threading.Thread(target=on_done, args=(RunResult(0),), daemon=True).start()
        return Execution()


def job_description(name: str = "client-test") -> Dict[str, Any]:
    """A DAG job with one task on an AutoCluster, complete enough for the local server."""
    command = {"CommandLine": "true", "PackagePath": "", "EnvVars": {}, "Docker": {"Image": ""}}
    task = {
        "InstanceCount": 1,
        "MaxRetryCount": 0,
        "Timeout": 60,
        "AutoCluster": {"InstanceType": "ecs.sn1.medium", "ImageId": "img-ubuntu"},
        "Parameters": {
            "Command": command,
            "InputMappingConfig": {"Locale": "GBK", "Lock": False},
            "StdoutRedirectPath": "oss://test-bucket/logs/",
            "StderrRedirectPath": "oss://test-bucket/logs/",
        },
        "InputMapping": {},
        "OutputMapping": {},
        "LogMapping": {},
    }
    return {
        "Name": name,
        "Description": "client test",
        "Priority": 0,
        "Type": "DAG",
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "DAG": {"Tasks": {"echo": task}, "Dependencies": {}},
    }
