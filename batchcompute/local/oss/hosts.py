"""Which Host headers name an OSS endpoint, and the router that sends those requests on the
BatchCompute API's port to the OSS endpoint.

An endpoint name is a regional OSS host (``oss-<region>[-internal].aliyuncs.com``) or a name
given to the server (``--oss-host``); ``<bucket>.<endpoint name>`` addresses the bucket in
virtual-host style. Any other host (an IP address, ``localhost``) is path style.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

__all__ = ["OssHosts", "OssHostRouter"]

REGIONAL = re.compile(r"oss-[a-z0-9-]+\.aliyuncs\.com\Z")
WsgiApp = Callable[[Dict[str, Any], Callable[..., Any]], Any]


def host_name(header: str) -> str:
    """The host of a Host header, without its port, in lower case."""
    header = header.strip().lower()
    if header.startswith("["):  # an IPv6 literal
        return header[: header.find("]") + 1]
    return header.rsplit(":", 1)[0].rstrip(".")


class OssHosts:
    """The endpoint names of the OSS endpoint: the regional ones and ``names``."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(host_name(name) for name in names if name)
        self._parsed: Dict[str, Tuple[bool, Optional[str]]] = {}  # clients repeat their Host

    def is_endpoint(self, name: str) -> bool:
        return name in self.names or bool(REGIONAL.match(name))

    def parse(self, header: str) -> Tuple[bool, Optional[str]]:
        """Whether the Host header names an OSS endpoint, and the bucket it names (virtual-host
        style) if any."""
        found = self._parsed.get(header)
        if found is None:
            found = self._parse(header)
            if len(self._parsed) >= 1024:
                self._parsed.clear()
            self._parsed[header] = found
        return found

    def _parse(self, header: str) -> Tuple[bool, Optional[str]]:
        name = host_name(header)
        if self.is_endpoint(name):
            return True, None
        bucket, _, rest = name.partition(".")
        if rest and self.is_endpoint(rest):
            return True, bucket
        return False, None


class OssHostRouter:
    """A WSGI application that answers requests whose Host names an OSS endpoint with ``oss``
    and all others with ``api``."""

    def __init__(self, api: WsgiApp, oss: WsgiApp, hosts: OssHosts) -> None:
        self.api, self.oss, self.hosts = api, oss, hosts

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        is_oss, _ = self.hosts.parse(environ.get("HTTP_HOST", ""))
        return (self.oss if is_oss else self.api)(environ, start_response)
