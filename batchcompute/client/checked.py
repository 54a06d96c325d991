"""``CheckedApi``: the official SDK's :class:`~batchcompute.core.api.Api` that raises for errors."""

from __future__ import annotations

import functools
from typing import Any, Callable, Union

from ..core.api import Api
from ..core.httpclient import DEFAULT_TIMEOUT
from ..core.transport import HttpResponse
from .response import client_error

__all__ = ["CheckedApi"]

# The Api methods whose answers are checked; every other attribute is the Api's own.
CHECKED_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
_REQUEST_ID_HEADERS = ("x-acs-request-id", "request-id")


def _error(response: Any) -> Exception:
    """The ClientError for an answer outside 2xx (anything with ``status``, ``read()`` and
    ``getheader()``), with the Client's texts for the cases the service gives none."""
    body = response.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {}
    for name in _REQUEST_ID_HEADERS:
        value = response.getheader(name)
        if value is not None:
            headers[name] = value
    return client_error(HttpResponse(response.status, headers, body or b""))


class CheckedApi:
    """An :class:`~batchcompute.core.api.Api` for the endpoint ``region`` whose ``get``,
    ``post``, ``put``, ``patch`` and ``delete`` raise :class:`~batchcompute.ClientError` when
    the answer's status is not 2xx (and return the answer otherwise). Every other attribute is
    the Api's.

    The arguments are those of :class:`~batchcompute.Client`; ``human_readable`` is kept as an
    attribute. The keyword-only ``timeout``, ``verify`` and ``session`` are passed to the Api.
    """

    def __init__(
        self,
        region: str,
        access_key_id: str,
        access_key_secret: str,
        security_token: str,
        security_conn: bool,
        human_readable: bool = False,
        *,
        timeout: Any = DEFAULT_TIMEOUT,
        verify: Union[None, bool, str] = None,
        session: Any = None,
        **headers: Any,
    ) -> None:
        self._api = Api(
            region,
            access_key_id,
            access_key_secret,
            security_token,
            security_conn,
            timeout=timeout,
            verify=verify,
            session=session,
            **headers,
        )
        self.human_readable = human_readable

    def check_wrapper(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """``f`` (which returns an HTTP answer) wrapped so that an answer outside 2xx raises
        :class:`~batchcompute.ClientError`; other answers are returned as they are."""

        @functools.wraps(f)
        def checked(*args: Any, **kwargs: Any) -> Any:
            response = f(*args, **kwargs)
            if not 200 <= response.status < 300:
                raise _error(response)
            return response

        return checked

    def __getattr__(self, name: str) -> Any:
        if name == "_api":  # not set yet (copying, unpickling)
            raise AttributeError(name)
        value = getattr(self._api, name)
        return self.check_wrapper(value) if name in CHECKED_METHODS else value

    def __repr__(self) -> str:
        return "CheckedApi(%r)" % (self._api,)
