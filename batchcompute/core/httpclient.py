"""``RequestClient``, the official SDK's low-level HTTP client, on this package's transport.

``RequestClient(host, port)`` sends one request per call and hands back a
:class:`ResponseWrapper`: ``read()`` gives the body, every other attribute comes from the answer
(``status``, ``reason``, ``getheader()`` ...), as with the official ``httplib`` client. Unlike
that client it keeps a pool of keep-alive connections, has timeouts and verifies HTTPS
certificates (see :class:`batchcompute.core.transport.Transport`).
"""

from __future__ import annotations

import functools
import http
import importlib.util
import json
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from .signing import encode_query

if TYPE_CHECKING:
    import http.client

    import requests

    from .transport import AnswerHeaders  # pragma: no cover

__all__ = ["RequestClient", "ResponseWrapper", "HTTPAnswer", "HAVE_HTTPS_CONNECTION", "DEFAULT_TIMEOUT", "as_bytes"]

HAVE_HTTPS_CONNECTION = importlib.util.find_spec("ssl") is not None
DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 60.0)  # (connect, read) seconds, as the Client's

Params = Union[None, str, Mapping[str, Any]]
Sign = Callable[[str, str, bytes], Dict[str, str]]


def as_bytes(body: Any) -> bytes:
    """A request body as sent: bytes as they are, text as UTF-8, None as nothing, anything else
    (a dict ...) as its JSON."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


class HTTPAnswer:
    """The status line and headers of an answer whose body was read, with the accessors of
    ``http.client.HTTPResponse`` for them (``status``, ``reason``, ``getheader()`` ...)."""

    version = 11  # HTTP/1.1

    def __init__(self, status: int, headers: "AnswerHeaders", reason: Optional[str] = None) -> None:
        import http.client

        self.status = int(status)
        if reason is None:
            try:
                reason = http.HTTPStatus(self.status).phrase
            except ValueError:
                reason = ""
        self.reason = reason
        message = http.client.HTTPMessage()
        for name, value in headers.items():
            message[name] = value
        self.headers = self.msg = message

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The value of header ``name`` (any case; several values joined by ``', '``), or ``default``."""
        values = self.headers.get_all(name)
        return ", ".join(values) if values else default

    def getheaders(self) -> List[Tuple[str, str]]:
        """Every header as a ``(name, value)`` pair, in the order received."""
        return list(self.headers.items())

    def getcode(self) -> int:
        return self.status

    def info(self) -> "http.client.HTTPMessage":
        return self.headers

    def __repr__(self) -> str:
        return "HTTPAnswer(%d %s)" % (self.status, self.reason)


class ResponseWrapper:
    """An answer whose body was read: :meth:`read` returns ``response_body`` (as often as
    asked); every other attribute is looked up on ``raw_response``."""

    def __init__(self, response_body: Any, raw_response: Any) -> None:
        self._body = response_body
        self._raw = raw_response

    def read(self) -> Any:
        """The body."""
        return self._body

    def __getattr__(self, name: str) -> Any:
        if name in ("_body", "_raw"):  # not set yet (copying, unpickling)
            raise AttributeError(name)
        return getattr(self._raw, name)


class RequestClient:
    """Sends requests to ``host:port`` and returns :class:`ResponseWrapper` objects.

    HTTPS is used for port 443 (as in the official SDK) unless ``secure`` says otherwise.
    ``timeout``: seconds, or ``(connect, read)``, None to wait forever; ``verify``: HTTPS
    certificate verification, True, False or a CA bundle path; ``session``: a
    ``requests.Session`` to send with. Each call is one attempt: nothing is retried.

    ``client.get(path, ...)``, ``client.post(...)`` and the other names of :attr:`methods`
    (in either case) are ``send_request`` with that method.
    """

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    def __init__(
        self,
        host: str,
        port: Union[int, str],
        *,
        secure: Optional[bool] = None,
        timeout: Any = DEFAULT_TIMEOUT,
        verify: Union[None, bool, str] = None,
        session: Optional["requests.Session"] = None,
    ) -> None:
        # Imported here: the transport brings in requests, which plain imports of the package avoid.
        from .transport import Retry, Transport

        self.host = host
        self.port = int(port)
        self.secure = self.port == 443 if secure is None else bool(secure)
        self._transport = Transport(
            host, self.port, secure=self.secure, timeout=timeout, retry=Retry(total=0), verify=verify, session=session
        )

    def get_http_connection(self) -> "http.client.HTTPConnection":
        """A new, unconnected ``http.client`` connection to the endpoint (HTTPS when secure, with
        the same certificate verification and read timeout), for callers that speak HTTP
        themselves; :meth:`send_request` does not need it."""
        import http.client
        import ssl

        transport = self._transport
        options: Dict[str, Any] = {}
        if transport.timeout[1] is not None:
            options["timeout"] = transport.timeout[1]
        if not self.secure:
            return http.client.HTTPConnection(self.host, self.port, **options)
        verify = transport.verify
        from requests.utils import DEFAULT_CA_BUNDLE_PATH

        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else DEFAULT_CA_BUNDLE_PATH)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(self.host, self.port, context=context, **options)

    def get_url(self, path: str, params: Params) -> str:
        """``path`` with the query made of ``params``: a dict (sorted, ``_`` in names sent as
        ``-``, percent-encoded) or a string sent as it is."""
        query = encode_query(params)
        return path + "?" + query if query else path

    def send_request(
        self,
        method: str,
        path: str = "",
        params: Params = None,
        headers: Optional[Mapping[str, Any]] = None,
        body: Any = "",
        *,
        sign: Optional[Sign] = None,
    ) -> ResponseWrapper:
        """Send ``method path?params`` with ``headers`` and ``body`` (see :func:`as_bytes`) and
        a ``Content-Length`` of the body.

        ``sign(method, path_and_query, body_bytes)``, when given, makes the headers instead
        (``Content-Length`` included).
        Returns the answer whatever its status; raises
        :class:`~batchcompute.core.transport.NetworkError` (an ``OSError``) when none came.
        """
        if not isinstance(path, str) or not path:
            # the official SDK's error, kept for the callers that catch it
            raise AssertionError("path must be str and may not be Empty")
        payload = as_bytes(body)
        if sign is None:
            fixed = {"Content-Length": str(len(payload))}
            fixed.update(
                (str(name), str(value))
                for name, value in (headers or {}).items()
                if str(name).lower() != "content-length"
            )

            def sign(*_: Any) -> Dict[str, str]:
                return dict(fixed)

        raw = self._transport.request(method, self.get_url(path, params), payload, sign)
        return ResponseWrapper(raw.body, HTTPAnswer(raw.status, raw.headers))

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name.upper() in self.methods:
            return functools.partial(self.send_request, name.upper())
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    def close(self) -> None:
        """Close the pooled connections."""
        self._transport.close()

    def __repr__(self) -> str:
        return "RequestClient(%r)" % self._transport.base_url
