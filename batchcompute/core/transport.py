"""The HTTP layer: one ``requests`` session per client, timeouts, verified HTTPS and safe retries.

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

import json
import logging
import os
import random
import threading
import time
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from .exceptions import ClientError, ConfigError
from .routes import RETRY_REFUSED, RETRY_SAFE, RETRY_TOKEN

__all__ = [
    "HttpResponse", "Retry", "Transport", "NetworkError", "NetworkTimeout", "ConnectionRefused", "DEFAULT_TIMEOUT",
    "resolve_verify", "TimeoutSpec",
]

logger = logging.getLogger("batchcompute")

DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 60.0)
POOL_SIZE = 32  # connections kept per client; more threads than this still work, they reconnect

TimeoutSpec = Union[None, float, Tuple[Optional[float], Optional[float]]]
Sign = Callable[[str, str, bytes], Dict[str, str]]


class HttpResponse(NamedTuple):
    """An HTTP answer as the transport hands it over: status, headers (case-insensitive) and body."""
    status: int
    headers: Mapping[str, str]
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

    def __init__(self, total: int = 3, backoff: float = 0.5, max_backoff: float = 20.0,
                 statuses: Tuple[int, ...] = (500, 502, 503, 504),
                 throttling_codes: Tuple[str, ...] = ("Throttling",),
                 rng: Optional[random.Random] = None) -> None:
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
        ceiling = min(self.max_backoff, self.backoff * (2 ** attempt))
        wait = self._rng.uniform(0, ceiling) if ceiling > 0 else 0.0
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_backoff))
        return wait

    def __repr__(self) -> str:
        return "Retry(total=%d, backoff=%r, max_backoff=%r)" % (self.total, self.backoff, self.max_backoff)


# What a failure tells about the request:
_NOT_SENT = "not-sent"   # surely had no effect: connect failed, 503, Throttling
_MAYBE = "maybe"         # may have taken effect: read timeout, dropped connection, other 5xx
_FATAL = "fatal"         # another try cannot help: TLS verification, a bad URL, a 4xx answer

_MAY_RETRY = {
    RETRY_SAFE: (_NOT_SENT, _MAYBE),
    RETRY_TOKEN: (_NOT_SENT, _MAYBE),
    RETRY_REFUSED: (_NOT_SENT,),
}


def _reason(exc: BaseException) -> Any:
    """The urllib3 error behind a requests exception (MaxRetryError.reason, or the error itself)."""
    inner = exc.args[0] if exc.args else None
    return getattr(inner, "reason", None) or inner


def classify(exc: requests.RequestException) -> Tuple[str, NetworkError]:
    """What a requests exception tells about the request, and the error to raise for it."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return _FATAL, NetworkError(0, "SSLError", None, text)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _NOT_SENT, NetworkTimeout(0, "ConnectTimeout", None, text)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _MAYBE, NetworkTimeout(0, "ReadTimeout", None, text)
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _reason(exc)
        if isinstance(reason, NewConnectionError):
            code = "NameResolutionError" if "NameResolution" in type(reason).__name__ else "ConnectionRefused"
            return _NOT_SENT, ConnectionRefused(0, code, None, text)
        if isinstance(reason, ConnectTimeoutError):
            return _NOT_SENT, NetworkTimeout(0, "ConnectTimeout", None, text)
        if isinstance(reason, ReadTimeoutError):
            return _MAYBE, NetworkTimeout(0, "ReadTimeout", None, text)
        return _MAYBE, NetworkError(0, "ConnectionError", None, text)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return _MAYBE, NetworkError(0, "ConnectionError", None, text)
    return _FATAL, NetworkError(0, type(exc).__name__, None, text)


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
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


# -- the transport --------------------------------------------------------------------------------

class Transport:
    """Sends signed requests to one endpoint over one ``requests.Session``, shared by threads.

    ``timeout``: seconds, or ``(connect, read)`` (None: wait forever); ``retry``: a
    :class:`Retry`; ``verify``: True, False or a CA bundle path (HTTPS only); ``session``: a
    session to use instead of a new one (:meth:`close` then leaves it open).
    """

    def __init__(self, host: str, port: int, secure: bool = False, timeout: TimeoutSpec = DEFAULT_TIMEOUT,
                 retry: Optional[Retry] = None, verify: Union[None, bool, str] = None,
                 session: Optional[requests.Session] = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        scheme = "https" if secure else "http"
        self.base_url = "%s://%s:%d" % (scheme, host, int(port))
        self.retry = retry if retry is not None else Retry()
        self.timeout = _timeout(timeout)
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._sleep = sleep
        # Everything Session.send would otherwise work out on every call (environment proxies,
        # CA bundle, redirects) is settled here, once.
        self._send_options: Dict[str, Any] = {
            "timeout": self.timeout,
            "verify": resolve_verify(verify, session) if secure else True,
            "cert": session.cert,
            "proxies": resolve_proxies(self.base_url + "/", session),
            "stream": False,
            "allow_redirects": False,
        }
        self._closed = threading.Event()

    @property
    def verify(self) -> Union[bool, str]:
        return self._send_options["verify"]

    @property
    def proxies(self) -> Dict[str, str]:
        return dict(self._send_options["proxies"])

    def _attempt(self, method: str, target: str, body: bytes, sign: Sign) -> requests.Response:
        prepared = requests.PreparedRequest()
        prepared.method = method
        # Set directly: requests must not re-encode the path-and-query that was signed.
        prepared.url = self.base_url + target
        prepared.headers = sign(method, target, body)  # type: ignore[assignment]
        prepared.body = body or None
        # An empty cookie jar, no Cookie header (the official SDK sends none): requests reads the
        # jar of a request that was answered with a redirect.
        prepared.prepare_cookies(None)
        return self.session.send(prepared, **self._send_options)

    def request(self, method: str, target: str, body: bytes, sign: Sign,
                retry_mode: str = RETRY_SAFE) -> HttpResponse:
        """Send ``method target`` with ``body``, retrying as ``retry_mode`` allows.

        Returns the last answer, whatever its status; raises :class:`NetworkError` when no
        answer came back.
        """
        retry = self.retry
        allowed = _MAY_RETRY.get(retry_mode, ())
        attempt = 0
        while True:
            retry_after = None
            try:
                response = self._attempt(method, target, body, sign)
            except requests.RequestException as exc:
                kind, error = classify(exc)
                if attempt >= retry.total or kind not in allowed:
                    raise error from exc
                what = "%s (%s)" % (error.code, error.msg)
            else:
                status = response.status_code
                raw = HttpResponse(status, response.headers, response.content)
                if status < 400 or (status < 500 and status not in (400, 429)):
                    return raw
                if status == 503:
                    kind = _NOT_SENT
                elif status >= 500:
                    kind = _MAYBE if status in retry.statuses else _FATAL
                else:  # 400 / 429: only Throttling is worth another try
                    code = _error_code(raw.body)
                    kind = _NOT_SENT if code and code.startswith(retry.throttling_codes) else _FATAL
                if attempt >= retry.total or kind not in allowed:
                    return raw
                retry_after = _retry_after(response.headers)
                what = "HTTP %d" % status
            delay = retry.delay(attempt, retry_after)
            attempt += 1
            logger.warning("%s %s failed: %s; retry %d of %d in %.2fs", method, target, what, attempt,
                           retry.total, delay)
            if delay > 0:
                self._sleep(delay)

    def close(self) -> None:
        """Close the pooled connections (only when the session was made here)."""
        if self._owns_session and not self._closed.is_set():
            self._closed.set()
            self.session.close()
