"""The names of the official SDK's ``batchcompute.utils.http``; the HTTP client itself is
:mod:`batchcompute.core.httpclient`."""

from __future__ import annotations

from ..core.compat import STRING, import_httplib, partial
from ..core.helpers import get_local_ip, url_safe, utf8
from ..core.httpclient import HAVE_HTTPS_CONNECTION, RequestClient, ResponseWrapper
from .log import get_logger

__all__ = [
    "RequestClient",
    "ResponseWrapper",
    "HAVE_HTTPS_CONNECTION",
    "STRING",
    "get_local_ip",
    "get_logger",
    "import_httplib",
    "partial",
    "url_safe",
    "utf8",
]
