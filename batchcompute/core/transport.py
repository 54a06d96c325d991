"""The HTTP layer: a pool of keep-alive connections per client, timeouts, a deadline, verified
HTTPS and safe retries.

The client hands over a method, the path-and-query exactly as it was signed, the body and a
``sign`` callback; the transport sends it and returns an :class:`HttpResponse`. Every attempt is
signed afresh (new ``Date``, new nonce), because a retried request is a new request to the
service.

What is retried, and when, depends on the route's retry class (see :mod:`batchcompute.core.routes`):

====================================  ==========  ===========  =============
failure                               RETRY_SAFE  RETRY_TOKEN  RETRY_REFUSED
====================================  ==========  ===========  =============
connection refused, connect timeout   yes         yes          yes
503, ``Throttling``                   yes         yes          yes
read timeout, dropped connection,     yes         yes          no
other 5xx
anything else                         no          no           no
====================================  ==========  ===========  =============

A ``RETRY_TOKEN`` route (a create) is only safe to repeat because the client sends an
``IdempotentToken`` with it; the client takes care of that, the transport only decides.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import random
import re
import select
import socket
import ssl
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Protocol, Tuple, Union

import requests
import urllib3
from certifi import where

from .exceptions import ClientError, ConfigError
from .routes import RETRY_REFUSED, RETRY_SAFE, RETRY_TOKEN

__all__ = [
    "HttpResponse",
    "AnswerHeaders",
    "Retry",
    "Transport",
    "NetworkError",
    "NetworkTimeout",
    "ConnectionRefused",
    "DEFAULT_TIMEOUT",
    "resolve_verify",
    "TimeoutSpec",
]

logger = logging.getLogger("batchcompute")

DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 60.0)
POOL_SIZE = 32  # connections kept per client; more threads than this still work, they reconnect

TimeoutSpec = Union[None, float, Tuple[Optional[float], Optional[float]]]
Timeouts = Tuple[Optional[float], Optional[float]]  # (connect, read) of one attempt
Headers = Mapping[str, str]


class AnswerHeaders(Protocol):
    """The headers of an answer, looked up case-insensitively (a mapping or an ``http.client``
    message)."""

    def get(self, name: str, /) -> Optional[str]: ...

    def items(self) -> Iterable[Tuple[str, str]]: ...


Sign = Callable[[str, str, bytes], Dict[str, str]]


class HttpResponse(NamedTuple):
    """An HTTP answer as the transport hands it over: status, headers (case-insensitive) and body."""

    status: int
    headers: AnswerHeaders
    body: bytes


# -- errors ---------------------------------------------------------------------------------------


class NetworkError(ClientError, ConnectionError):
    """No answer came back: the connection failed, broke or timed out.

    It is a :class:`ClientError` with status 0 (``code`` says what happened, ``msg`` gives the
    underlying error) and also an :class:`OSError`, so both ``except ClientError`` and the
    ``except socket.error`` clauses written for the official SDK catch it.
    """

    def __init__(self, status: int, code: str, request_id: Optional[str], msg: str) -> None:
        super().__init__(status, code, request_id, msg)
        # OSError took the four arguments for errno, strerror, filename ...: keep those meaningful.
        self.errno = None
        self.strerror = msg
        self.filename = None

    def __str__(self) -> str:
        return ClientError.__str__(self)

    def __repr__(self) -> str:
        return "%s(%r, %r, %r, %r)" % (type(self).__name__, self.status, self.code, self.request_id, self.msg)


class NetworkTimeout(NetworkError, TimeoutError):
    """Connecting, or waiting for the answer, took longer than the configured timeout."""


class ConnectionRefused(NetworkError, ConnectionRefusedError):
    """The endpoint could not be connected to (refused, unreachable, unknown host)."""


# -- retry policy ---------------------------------------------------------------------------------


class Retry:
    """How failed calls are retried: at most ``total`` more attempts, with exponential backoff and
    full jitter (retry ``n``, from 0, waits a random time in ``[0, min(max_backoff, backoff * 2**n)]``).

    ``statuses``: the 5xx answers that are retried (503 always is, while attempts remain);
    ``throttling_codes``: error codes of a 400 or 429 answer that mean "slow down". A
    ``Retry-After`` header (seconds) on a retried answer is honoured up to ``max_backoff``.
    """

    def __init__(
        self,
        total: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        statuses: Tuple[int, ...] = (500, 502, 503, 504),
        throttling_codes: Tuple[str, ...] = ("Throttling",),
        rng: Optional[random.Random] = None,
    ) -> None:
        if int(total) < 0:
            raise ConfigError("retries must be >= 0, not %r" % (total,))
        self.total = int(total)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.statuses = frozenset(int(status) for status in statuses) | {503}
        self.throttling_codes = tuple(throttling_codes)
        self._rng = rng or random.Random()

    @classmethod
    def from_option(cls, value: Union[None, bool, int, "Retry"]) -> "Retry":
        """The policy for a ``retries=`` option: a Retry, a number of retries, or None/False (off)."""
        if isinstance(value, Retry):
            return value
        if value is None or value is False:
            return cls(total=0)
        if value is True:
            return cls()
        if isinstance(value, int):
            return cls(total=value)
        raise ConfigError("retries must be a number of retries or a Retry, not %r" % (value,))

    def delay(self, attempt: int, retry_after: Optional[float] = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        wait = self._rng.uniform(0, ceiling) if ceiling > 0 else 0.0
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_backoff))
        return wait

    def __repr__(self) -> str:
        return "Retry(total=%d, backoff=%r, max_backoff=%r)" % (self.total, self.backoff, self.max_backoff)


# What a failure tells about the request:
_NOT_SENT = "not-sent"  # surely had no effect: connect failed, 503, Throttling
_MAYBE = "maybe"  # may have taken effect: read timeout, dropped connection, other 5xx
_FATAL = "fatal"  # another try cannot help: TLS verification, a bad URL, a 4xx answer

_MAY_RETRY = {
    RETRY_SAFE: (_NOT_SENT, _MAYBE),
    RETRY_TOKEN: (_NOT_SENT, _MAYBE),
    RETRY_REFUSED: (_NOT_SENT,),
}


def _reason(exc: BaseException) -> Any:
    """The urllib3 error behind a requests exception (MaxRetryError.reason, or the error itself)."""
    inner = exc.args[0] if exc.args else None
    return getattr(inner, "reason", None) or inner


def classify(exc: Exception) -> Tuple[str, NetworkError]:
    """What a requests or urllib3 exception tells about the request, and the error to raise for it."""
    text = str(exc)
    if isinstance(exc, requests.RequestException):
        if isinstance(exc, requests.exceptions.SSLError):
            return _FATAL, NetworkError(0, "SSLError", None, text)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return _NOT_SENT, NetworkTimeout(0, "ConnectTimeout", None, text)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return _MAYBE, NetworkTimeout(0, "ReadTimeout", None, text)
        if isinstance(
            exc,
            (
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ),
        ):
            reason = _reason(exc)
            if isinstance(reason, urllib3.exceptions.HTTPError):
                return classify(reason)
            return _MAYBE, NetworkError(0, "ConnectionError", None, text)
        return _FATAL, NetworkError(0, type(exc).__name__, None, text)
    if isinstance(exc, _ConnectFailed):
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return _NOT_SENT, NetworkTimeout(0, "ConnectTimeout", None, text)
        if isinstance(reason, ssl.SSLError):
            return _FATAL, NetworkError(0, "SSLError", None, text)
        code = "NameResolutionError" if isinstance(reason, socket.gaierror) else "ConnectionRefused"
        return _NOT_SENT, ConnectionRefused(0, code, None, text)
    if isinstance(exc, ssl.SSLError):
        return _FATAL, NetworkError(0, "SSLError", None, text)
    if isinstance(exc, TimeoutError):
        return _MAYBE, NetworkTimeout(0, "ReadTimeout", None, text)
    if isinstance(exc, http.client.HTTPException):
        return _MAYBE, NetworkError(0, "ConnectionError", None, text)
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        code = "NameResolutionError" if "NameResolution" in type(exc).__name__ else "ConnectionRefused"
        return _NOT_SENT, ConnectionRefused(0, code, None, text)
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return _NOT_SENT, NetworkTimeout(0, "ConnectTimeout", None, text)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return _MAYBE, NetworkTimeout(0, "ReadTimeout", None, text)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return _FATAL, NetworkError(0, "SSLError", None, text)
    if isinstance(exc, urllib3.exceptions.ProxyError):
        return _NOT_SENT, ConnectionRefused(0, "ProxyError", None, text)
    if isinstance(exc, (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError, OSError)):
        return _MAYBE, NetworkError(0, "ConnectionError", None, text)
    return _FATAL, NetworkError(0, type(exc).__name__, None, text)


def _retry_after(headers: AnswerHeaders) -> Optional[float]:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_code(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("Code") or "") if isinstance(data, dict) else ""


# -- settings resolved once -----------------------------------------------------------------------


def _timeout(value: TimeoutSpec) -> Tuple[Optional[float], Optional[float]]:
    if value is None:
        return (None, None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value), float(value))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (None if value[0] is None else float(value[0]), None if value[1] is None else float(value[1]))
    raise ConfigError("timeout must be seconds or a (connect, read) pair, not %r" % (value,))


def resolve_verify(verify: Union[None, bool, str], session: requests.Session) -> Union[bool, str]:
    """Certificate verification for HTTPS. An explicit ``verify`` wins, else the session's
    setting; ``True`` becomes the CA bundle named by REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or
    SSL_CERT_FILE when one is set (and the session trusts the environment), else the bundled CAs."""
    if verify is None:
        verify = session.verify if session.verify is not None else True
    if verify is True and session.trust_env:
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            path = os.environ.get(name)
            if path:
                verify = path
                break
    if isinstance(verify, str) and not os.path.exists(verify):
        raise ConfigError("CA bundle %s does not exist" % verify)
    return verify


def resolve_proxies(url: str, session: requests.Session) -> Dict[str, str]:
    """The proxies for ``url``: the session's, then the environment's (unless NO_PROXY excludes
    the host). Resolved once, as a client's endpoint never changes."""
    proxies = dict(session.proxies or {})
    if session.trust_env:
        for scheme, proxy in requests.utils.get_environ_proxies(url).items():
            proxies.setdefault(scheme, proxy)
    return proxies


# -- the deadline of a whole call ------------------------------------------------------------------

_in_flight = threading.local()


class _Deadline:
    """The end of a call's time. While an attempt runs, a timer shuts the attempt's socket down
    when the time is up, so that an endpoint that sends a byte now and then cannot hold the call
    (a read timeout bounds each wait for data, not the whole answer)."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sock: Any = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def watch(self, sock: Any) -> None:
        """Called by the connection with the socket of the attempt in flight."""
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shut()

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @contextlib.contextmanager
    def guarding(self) -> Iterator[None]:
        """While the block runs, this deadline watches the connection this thread uses."""
        timer = threading.Timer(max(0.0, self.remaining()), self.expire)
        timer.daemon = True
        _in_flight.deadline = self
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            _in_flight.deadline = None
            self._sock = None


class _WatchedConnection(urllib3.connection.HTTPConnection):
    """A connection that shows its socket to the deadline of the call in flight, if any."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        deadline = getattr(_in_flight, "deadline", None)
        if deadline is not None:
            if self.sock is None:
                self.connect()
            deadline.watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watched(manager: urllib3.PoolManager) -> urllib3.PoolManager:
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


# -- how an attempt is sent -------------------------------------------------------------------------

_Sender = Union["_SocketSender", "_Urllib3Sender", "_SessionSender"]


def _tls_context(verify: Union[bool, str]) -> ssl.SSLContext:
    """Certificate and host name verification as ``verify`` says (a CA bundle path, True for the
    bundled CAs, False for none)."""
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else where())
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _idle_and_open(sock: socket.socket) -> bool:
    """Whether a kept-alive socket can carry another request: nothing to read on an idle
    connection (a readable one was closed by the endpoint, or holds garbage)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")


class _SocketSender:
    """Sends over the transport's own keep-alive sockets when no proxy is on the way: each request
    is written in one piece and its answer read with ``http.client``'s parser, nothing more (the
    layers of a general HTTP library cost more than a call to the service takes)."""

    def __init__(self, host: str, port: int, secure: bool, verify: Union[bool, str]) -> None:
        self._address = (host, port)
        self._host = host
        self._host_header = host if port == (443 if secure else 80) else "%s:%d" % (host, port)
        self._secure = secure
        self._verify = verify
        self._context: Optional[ssl.SSLContext] = None  # made at the first connection
        self._idle: List[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connect(self, timeout: Optional[float]) -> socket.socket:
        try:
            sock = socket.create_connection(self._address, timeout)
        except OSError as exc:
            raise _ConnectFailed(exc) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._secure:
                if self._context is None:
                    self._context = _tls_context(self._verify)
                sock = self._context.wrap_socket(sock, server_hostname=self._host)
        except OSError as exc:
            sock.close()
            raise _ConnectFailed(exc) from exc
        except BaseException:
            sock.close()
            raise
        return sock

    def _socket(self, connect_timeout: Optional[float]) -> socket.socket:
        """A kept-alive socket of the pool, or a new one."""
        with self._lock:
            while self._idle:
                sock = self._idle.pop()
                if _idle_and_open(sock):
                    return sock
                sock.close()
        return self._connect(connect_timeout)

    def _give_back(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < POOL_SIZE:
                self._idle.append(sock)
                return
        sock.close()

    def _head(self, method: str, target: str, headers: Mapping[str, str]) -> bytes:
        lines = ["%s %s HTTP/1.1" % (method, target), "Host: " + self._host_header, "Accept-Encoding: identity"]
        lines += ["%s: %s" % item for item in headers.items()]
        text = "\r\n".join(lines)
        if _UNSAFE_HEADER.search(text.replace("\r\n", "")):
            raise ValueError("a request header or the request target holds a line break or NUL")
        return (text + "\r\n\r\n").encode("latin-1")

    def send(self, method: str, target: str, headers: Headers, body: bytes, timeout: Timeouts) -> HttpResponse:
        head = self._head(method, target, headers)
        sock = self._socket(timeout[0])
        deadline = getattr(_in_flight, "deadline", None)
        if deadline is not None:
            deadline.watch(sock)
        try:
            sock.settimeout(timeout[1])
            sock.sendall(head + body)
            answer = http.client.HTTPResponse(sock, method=method)
            answer.begin()
            data = answer.read()
        except BaseException:
            sock.close()
            raise
        if answer.will_close:
            sock.close()
        else:
            self._give_back(sock)
        return HttpResponse(answer.status, answer.headers, data)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


class _Urllib3Sender:
    """Sends through urllib3's connection pools, for the way through a proxy."""

    def __init__(self, base_url: str, secure: bool, verify: Union[bool, str], proxies: Mapping[str, str]) -> None:
        options: Dict[str, Any] = {"maxsize": POOL_SIZE, "block": False, "retries": False}
        if secure:
            if verify is False:
                options.update(cert_reqs="CERT_NONE", assert_hostname=False)
            else:
                options.update(cert_reqs="CERT_REQUIRED", ca_certs=verify if isinstance(verify, str) else where())
        proxy = proxies.get("https" if secure else "http") or proxies.get("all")
        manager = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self._manager = _watched(manager)
        # Without a proxy the endpoint's own pool is used (no URL parsing per call); through a
        # plain HTTP proxy the request line must carry the whole URL, which the manager writes.
        self._direct = not (proxy and not secure)
        self._pool: Any = None
        self._base_url = base_url

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, timeout: Timeouts
    ) -> HttpResponse:
        limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        if self._direct:
            pool = self._pool
            if pool is None:  # made at the first call: an endpoint may be unusable until then
                pool = self._pool = self._manager.connection_from_url(self._base_url)
            answer = pool.urlopen(
                method,
                target,
                body or None,
                headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                timeout=limits,
                preload_content=True,
            )
        else:
            answer = self._manager.urlopen(
                method,
                self._base_url + target,
                body=body or None,
                headers=headers,
                retries=False,
                redirect=False,
                timeout=limits,
                preload_content=True,
            )
        return HttpResponse(answer.status, answer.headers, answer.data)

    def close(self) -> None:
        self._manager.clear()


class _SessionSender:
    """Sends through a caller's ``requests.Session`` (its adapters, certificate and proxies)."""

    def __init__(
        self, session: requests.Session, base_url: str, verify: Union[bool, str], proxies: Mapping[str, str]
    ) -> None:
        self.session = session
        self._base_url = base_url
        # Everything Session.send would otherwise work out on every call is settled once.
        self._options: Dict[str, Any] = {
            "verify": verify,
            "cert": session.cert,
            "proxies": dict(proxies),
            "stream": False,
            "allow_redirects": False,
        }

    def send(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, timeout: Timeouts
    ) -> HttpResponse:
        prepared = requests.PreparedRequest()
        prepared.method = method
        # Set directly: requests must not re-encode the path-and-query that was signed.
        prepared.url = self._base_url + target
        prepared.headers = headers  # type: ignore[assignment]
        prepared.body = body or None
        # An empty cookie jar, no Cookie header (the official SDK sends none): requests reads the
        # jar of a request that was answered with a redirect.
        prepared.prepare_cookies(None)
        answer = self.session.send(prepared, timeout=timeout, **self._options)
        return HttpResponse(answer.status_code, answer.headers, answer.content)

    def close(self) -> None:
        """The caller's session stays open."""


# -- the transport --------------------------------------------------------------------------------


class Transport:
    """Sends signed requests to one endpoint through a pool of keep-alive connections shared by
    threads.

    ``timeout``: seconds, or ``(connect, read)`` (None: wait forever); ``retry``: a
    :class:`Retry`; ``verify``: True, False or a CA bundle path (HTTPS only); ``session``: a
    ``requests.Session`` to send with instead of the transport's own pool (:meth:`close` then
    leaves it open); ``deadline``: seconds a whole call may take, attempts, waits between them and
    slow answers included (None: no limit beyond the timeouts). Proxies come from the environment
    (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``) or the session.
    """

    def __init__(
        self,
        host: str,
        port: int,
        secure: bool = False,
        timeout: TimeoutSpec = DEFAULT_TIMEOUT,
        retry: Optional[Retry] = None,
        verify: Union[None, bool, str] = None,
        session: Optional[requests.Session] = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Optional[float] = None,
    ) -> None:
        scheme = "https" if secure else "http"
        self.base_url = "%s://%s:%d" % (scheme, host, int(port))
        self.retry = retry if retry is not None else Retry()
        self.timeout = _timeout(timeout)
        if deadline is not None and (
            not isinstance(deadline, (int, float)) or isinstance(deadline, bool) or not deadline > 0
        ):
            raise ConfigError("deadline must be a positive number of seconds, not %r" % (deadline,))
        self.deadline = deadline
        settings = session if session is not None else requests.Session()
        self.verify: Union[bool, str] = resolve_verify(verify, settings) if secure else True
        self.proxies = resolve_proxies(self.base_url + "/", settings)
        if session is None:
            if self.proxies.get(scheme) or self.proxies.get("all"):
                self._sender: _Sender = _Urllib3Sender(self.base_url, secure, self.verify, self.proxies)
            else:
                self._sender = _SocketSender(host, int(port), secure, self.verify)
        else:
            self._sender = _SessionSender(session, self.base_url, self.verify, self.proxies)
        self._sleep = sleep

    def _attempt(
        self, method: str, target: str, body: bytes, sign: Sign, deadline: Optional[_Deadline]
    ) -> HttpResponse:
        headers = sign(method, target, body)
        sender: _Sender = self._sender
        if deadline is None:
            return sender.send(method, target, headers, body, self.timeout)
        left = deadline.remaining()
        if left <= 0:
            raise _DeadlineExceeded()
        connect, read = self.timeout
        timeout = (left if connect is None else min(connect, left), left if read is None else min(read, left))
        try:
            with deadline.guarding():
                response = sender.send(method, target, headers, body, timeout)
        except Exception:
            if deadline.expired:
                raise _DeadlineExceeded() from None
            raise
        if deadline.expired:  # the answer was cut short when the socket was shut down
            raise _DeadlineExceeded()
        return response

    def request(self, method: str, target: str, body: bytes, sign: Sign, retry_mode: str = RETRY_SAFE) -> HttpResponse:
        """Send ``method target`` with ``body``, retrying as ``retry_mode`` allows.

        Returns the last answer, whatever its status; raises :class:`NetworkError` when no
        answer came back (:class:`NetworkTimeout` with code ``DeadlineExceeded`` when the
        deadline passed).
        """
        retry = self.retry
        allowed = _MAY_RETRY.get(retry_mode, ())
        deadline = _Deadline(self.deadline) if self.deadline is not None else None
        attempt = 0
        while True:
            retry_after = None
            response: Optional[HttpResponse] = None
            try:
                response = self._attempt(method, target, body, sign, deadline)
            except _DeadlineExceeded:
                raise NetworkTimeout(
                    0,
                    "DeadlineExceeded",
                    None,
                    "%s %s did not finish within the deadline of %g seconds" % (method, target, self.deadline or 0),
                ) from None
            except (
                requests.RequestException,
                urllib3.exceptions.HTTPError,
                http.client.HTTPException,
                _ConnectFailed,
                OSError,
            ) as exc:
                kind, error = classify(exc)
                if attempt >= retry.total or kind not in allowed:
                    raise error from exc
                what = "%s (%s)" % (error.code, error.msg)
                failure: BaseException = error
            else:
                status = response.status
                if status < 400 or (status < 500 and status not in (400, 429)):
                    return response
                if status == 503:
                    kind = _NOT_SENT
                elif status >= 500:
                    kind = _MAYBE if status in retry.statuses else _FATAL
                else:  # 400 / 429: only Throttling is worth another try
                    code = _error_code(response.body)
                    kind = _NOT_SENT if code and code.startswith(retry.throttling_codes) else _FATAL
                if attempt >= retry.total or kind not in allowed:
                    return response
                retry_after = _retry_after(response.headers)
                what = "HTTP %d" % status
            delay = retry.delay(attempt, retry_after)
            if deadline is not None and delay >= deadline.remaining():  # no time left to try again
                if response is not None:
                    return response
                raise failure
            attempt += 1
            logger.warning(
                "%s %s failed: %s; retry %d of %d in %.2fs", method, target, what, attempt, retry.total, delay
            )
            if delay > 0:
                self._sleep(delay)

    def close(self) -> None:
        """Close the pooled connections (a caller's session stays open)."""
        self._sender.close()


class _ConnectFailed(Exception):
    """Connecting (or the TLS handshake) failed: the request was not sent."""

    def __init__(self, reason: OSError) -> None:
        super().__init__(str(reason))
        self.reason = reason


class _DeadlineExceeded(Exception):
    """The call's deadline passed during an attempt."""
