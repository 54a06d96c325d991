"""``Api``, the official SDK's signed REST layer: one method per HTTP verb on resource paths.

The :class:`~batchcompute.Client` does not need it; it is here for the tools written against
the official SDK's internals::

    api = Api(batchcompute.CN_QINGDAO, key_id, secret, "", True)
    answer = api.get("jobs", job_id, ["tasks", "split"])   # GET /jobs/<id>/tasks/split
    answer.status, json.loads(answer.read())

The module also exports, under their official names, the helpers the official module had.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, Dict, Iterable, Mapping, Optional, Union

from .compat import PY2, PY3, import_json
from .helpers import iget, str_md5, utf8
from .httpclient import DEFAULT_TIMEOUT, Params, RequestClient, ResponseWrapper, as_bytes
from .regions import get_region, http_port
from .signing import API_VERSION, body_md5, encode_query, get_api_version, signature, string_to_sign
from .signing import gmt_date as gmt_time
from .version import __version__

__all__ = [
    "Api",
    "RequestClient",
    "API_VERSION",
    "PY2",
    "PY3",
    "get_api_version",
    "get_region",
    "gmt_time",
    "iget",
    "import_json",
    "str_md5",
    "utf8",
]


@functools.lru_cache(maxsize=None)
def _user_agent() -> str:
    """What the Client sends too: this package's and requests' versions."""
    import requests

    return "batchcompute-python/%s requests/%s" % (__version__, requests.__version__)


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Api:
    """Signed requests to the BatchCompute endpoint ``endpoint`` (a host name of the region
    table, looked up at each request for ``x-acs-region-id``).

    ``access_id`` and ``secret_key`` sign the requests, ``auth_token`` is an STS security token
    (``''`` for none). ``security=True`` uses HTTPS on port 443, otherwise plain HTTP on the port
    registered with ``Client.register_region`` (80 by default). Every other keyword argument is
    a header sent with every request, replacing a standard header of the same name.

    ``get``, ``post``, ``put``, ``patch`` and ``delete`` send one request to
    ``/resource/resource_id/attrs`` and return its :class:`~batchcompute.core.httpclient.ResponseWrapper`
    whatever the status (``CheckedApi`` raises for errors); a failed connection raises
    :class:`~batchcompute.core.transport.NetworkError`, an ``OSError``. Keyword-only options:
    ``timeout``, ``verify`` and ``session`` as for :class:`~batchcompute.core.httpclient.RequestClient`.

    ``prefix`` is the prefix of the header names that are signed; ``version`` the API version
    this SDK was written for (requests send :func:`get_api_version`).
    """

    prefix = "x-acs-"
    version = API_VERSION

    def __init__(
        self,
        endpoint: str,
        access_id: str,
        secret_key: str,
        auth_token: Optional[str],
        security: bool,
        *,
        timeout: Any = DEFAULT_TIMEOUT,
        verify: Union[None, bool, str] = None,
        session: Any = None,
        **headers: Any,
    ) -> None:
        self.endpoint = self.host = endpoint
        self.port = 443 if security else http_port()
        self.token = (auth_token or "").strip()
        self.user_defined_headers: Dict[str, Any] = dict(headers)
        self.rc = RequestClient(
            self.host, self.port, secure=bool(security), timeout=timeout, verify=verify, session=session
        )
        self._access_id = access_id
        self._secret = secret_key

    # -- signing ------------------------------------------------------------------------------

    def raw_headers(self, body: Any) -> Dict[str, Any]:
        """The headers of a request with ``body``, before it is signed: a fresh ``Date`` and
        nonce, the region, key id and token, the body's md5 (``contentMd5``) and length, then the
        user-defined headers.

        :raises ConfigError: the endpoint is not in the region table.
        """
        payload = as_bytes(body)
        headers: Dict[str, Any] = {
            "Date": gmt_time(),
            "x-acs-region-id": get_region(self.endpoint),
            "x-acs-access-key-id": self._access_id,
        }
        if self.token:
            headers["x-acs-security-token"] = self.token
        headers.update(
            {
                "x-acs-signature-method": "HMAC-SHA1",
                "x-acs-signature-version": "1.0",
                "x-acs-version": get_api_version(),
                "x-acs-signature-nonce": str(uuid.uuid4()),
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": _user_agent(),
            }
        )
        if payload:
            headers["contentMd5"] = body_md5(payload)
        headers["Content-Length"] = len(payload)
        for name, value in self.user_defined_headers.items():
            for standard in [key for key in headers if key.lower() == name.lower() and key != name]:
                del headers[standard]
            headers[name] = value
        return headers

    def get_auth(
        self,
        method: str,
        path: str = "",
        params: Params = None,
        body: Any = "",
        headers: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """The ``Authorization`` value for ``method path?params`` sent with ``headers``
        (``body`` is accepted for compatibility: its md5 travels in the headers)."""
        query = encode_query(params)
        target = path + "?" + query if query else path
        text = string_to_sign(method, target, {_text(k): _text(v) for k, v in (headers or {}).items()}, self.prefix)
        return "acs %s:%s" % (self._access_id, signature(self._secret, text))

    def get_headers(self, method: str, path: str = "", params: Params = None, body: Any = "") -> Dict[str, Any]:
        """The complete headers of a request: :meth:`raw_headers` and their ``Authorization``."""
        headers = self.raw_headers(body)
        headers["Authorization"] = self.get_auth(method, path, params, body, headers)
        return headers

    # -- paths --------------------------------------------------------------------------------

    def attr_join(self, attrs: Union[None, str, Iterable[Any]]) -> str:
        """Sub-resource names as a path: ``['tasks', 'split']`` -> ``'tasks/split'`` (a string is
        taken as it is, None as ``''``)."""
        if not attrs:
            return ""
        if isinstance(attrs, str):
            return attrs
        return "/".join(str(attr) for attr in attrs)

    def url_join(self, url_list: Iterable[Any]) -> str:
        """``'/'`` followed by the parts that are not empty, joined by ``'/'``:
        ``['jobs', '', 'x']`` -> ``'/jobs/x'``."""
        return "/" + "/".join(str(part) for part in url_list if part is not None and part != "")

    # -- the verbs ----------------------------------------------------------------------------

    def _request(
        self, method: str, resource: str, resource_id: Any, attrs: Any, params: Params, body: Any
    ) -> ResponseWrapper:
        path = self.url_join([resource, resource_id, self.attr_join(attrs)])
        payload = as_bytes(body)

        def sign(*_: Any) -> Dict[str, str]:
            return {name: _text(value) for name, value in self.get_headers(method, path, params, payload).items()}

        return self.rc.send_request(method, path, params, body=payload, sign=sign)

    def get(self, resource: str, resource_id: Any = "", attrs: Any = "", params: Params = None) -> ResponseWrapper:
        """``GET /resource[/resource_id][/attrs][?params]``."""
        return self._request("GET", resource, resource_id, attrs, params, "")

    def post(
        self, resource: str, resource_id: Any = "", attrs: Any = "", params: Params = None, body: Any = ""
    ) -> ResponseWrapper:
        """``POST /resource[/resource_id][/attrs][?params]`` with ``body`` (text, bytes, or data
        sent as JSON)."""
        return self._request("POST", resource, resource_id, attrs, params, body)

    def put(
        self, resource: str, resource_id: Any, attrs: Any = "", params: Params = None, body: Any = ""
    ) -> ResponseWrapper:
        """``PUT /resource/resource_id[/attrs][?params]`` with ``body``."""
        return self._request("PUT", resource, resource_id, attrs, params, body)

    def patch(
        self, resource: str, resource_id: Any, attrs: Any = "", params: Params = None, body: Any = ""
    ) -> ResponseWrapper:
        """``PATCH /resource/resource_id[/attrs][?params]`` with ``body``."""
        return self._request("PATCH", resource, resource_id, attrs, params, body)

    def delete(self, resource: str, resource_id: Any, attrs: Any = "", params: Params = None) -> ResponseWrapper:
        """``DELETE /resource/resource_id[/attrs][?params]``."""
        return self._request("DELETE", resource, resource_id, attrs, params, "")

    def close(self) -> None:
        """Close the pooled connections."""
        self.rc.close()

    def __repr__(self) -> str:
        return "Api(%r, port=%d)" % (self.endpoint, self.port)
