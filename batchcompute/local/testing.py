"""The local server in-process, for tests and scripts.

    from batchcompute.local.testing import local_server

    with local_server() as server:
        client = server.client()          # a batchcompute.Client for this server
        ...

``server.request(method, path, query, body)`` sends a signed request without the SDK (any
method, path or body, for protocol tests) and returns the ``requests.Response``.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Union

from ..core.regions import add_endpoint, remove_endpoint
from ..core.signing import authorization, body_md5, encode_query, gmt_date
from .constants import API_VERSION, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, REGION
from .server import LocalServer

__all__ = ["RunningServer", "SignedRequester", "local_server", "signed_headers"]


def signed_headers(
    method: str, target: str, body: bytes, key_id: str, secret: str, extra: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """The headers the official SDK sends for a request (``contentMd5``, empty md5 line signed)."""
    headers = {
        "Date": gmt_date(),
        "x-acs-region-id": REGION,
        "x-acs-access-key-id": key_id,
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        "x-acs-version": API_VERSION,
        "x-acs-signature-nonce": str(uuid.uuid4()),
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    if body:
        headers["contentMd5"] = body_md5(body)
    headers.update(extra or {})
    headers["Authorization"] = authorization(key_id, secret, method, target, headers)
    return headers


class SignedRequester:
    """Signed raw requests to a server at ``endpoint`` (one keep-alive session per object)."""

    def __init__(
        self,
        endpoint: str,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
        verify: Union[bool, str] = True,
    ) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.verify = verify  # for HTTPS: True, False or a CA bundle (a self-signed certificate)
        self._session: Any = None

    def request(
        self,
        method: str,
        path: str,
        query: Union[None, str, Mapping[str, Any]] = None,
        body: Union[None, bytes, str, Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        key_id: Optional[str] = None,
        secret: Optional[str] = None,
    ) -> Any:
        """A signed request; ``body`` a dict is sent as JSON. Returns the ``requests.Response``."""
        import requests

        if self._session is None:
            self._session = requests.Session()
        data = (
            body
            if isinstance(body, bytes)
            else (
                body.encode("utf-8")
                if isinstance(body, str)
                else b""
                if body is None
                else json.dumps(body).encode("utf-8")
            )
        )
        text = encode_query(query)
        target = path + ("?" + text if text else "")
        sent = signed_headers(
            method, target, data, key_id or self.access_key_id, secret or self.access_key_secret, headers
        )
        return self._session.request(
            method, self.endpoint + target, data=data, headers=sent, timeout=60, verify=self.verify
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class RunningServer(SignedRequester):
    """A started LocalServer: where it is, its keys, a Client, signed raw requests."""

    def __init__(self, server: LocalServer) -> None:
        key_id, secret = next(iter(server.access_keys.items()))
        super().__init__(server.endpoint, key_id, secret, str(server.tls_cert) if server.tls_cert else True)
        self.server = server
        self.host = server.host
        self.port = server.port

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    @property
    def oss_endpoint(self) -> Optional[str]:
        """``http://host:port`` of the server's OSS endpoint, for oss2, ossfs and the like."""
        return self.server.oss_endpoint

    def client(self, **kwargs: Any) -> Any:
        """A ``batchcompute.Client`` for this server, on its port. Its host is registered as the
        region 'local' while the server runs, without changing the port of any other client."""
        from .. import Client

        add_endpoint(REGION, self.host)
        kwargs.setdefault("port", self.port)  # several servers may share the host
        if self.server.tls:
            kwargs.setdefault("security_conn", True)
            kwargs.setdefault("verify", self.verify)
        return Client(self.host, self.access_key_id, self.access_key_secret, **kwargs)

    def __repr__(self) -> str:
        return "RunningServer(%r, data_dir=%r, access_key_id=%r)" % (
            self.endpoint,
            str(self.data_dir),
            self.access_key_id,
        )

    def oss_path(self, url: str) -> Path:
        """The file behind an ``oss://`` URL of this server's object store."""
        return self.server.oss.path(url)

    def read_object(self, url: str) -> str:
        return self.oss_path(url).read_text()


@contextmanager
def local_server(
    data_dir: Union[None, str, Path] = None,
    workers: Optional[int] = None,
    access_keys: Optional[Mapping[str, str]] = None,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> Iterator[RunningServer]:
    """A LocalServer on a free port, serving in a thread while the block runs.

    ``data_dir`` None: in-memory database and a temporary object store. ``options`` go to
    LocalServer (``max_body``, ``poll_interval``, ``executor``, ``max_connections``,
    ``request_timeout``, ``tls_cert``, ``tls_key``, ``limits`` ...).
    """
    keys = dict(access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    server = LocalServer(data_dir, host=host, port=port, access_keys=keys, workers=workers, **options)
    server.start()
    running = RunningServer(server)
    registered = add_endpoint(REGION, server.host)
    try:
        yield running
    finally:
        running.close()
        server.close()
        if registered:
            remove_endpoint(REGION)
