"""The OSS endpoint's WSGI application: routing, signature check, answers and error documents.

A request is routed by its method, whether it names a bucket and a key, and the sub-resource in
its query (``?uploads``, ``?append`` ...); a sub-resource the endpoint does not serve is 501
NotImplemented. Every answer carries ``x-oss-request-id``, ``Date`` and ``Content-Length``;
errors are OSS's XML error documents, and on HEAD (no body) the document is in ``x-oss-err``
(base64), where oss2 reads it.
"""

from __future__ import annotations

import base64
import errno
import logging
import secrets
import time
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, cast

from ..run.buckets import BucketStore
from ..run.multipart import Uploads
from ..run.object_errors import StoreError
from ..run.object_meta import MetadataTooLarge
from .auth import SUBRESOURCES, OssAuthenticator
from .documents import http_time, render
from .errors import OssError, from_store_error, invalid_argument
from .hosts import OssHosts
from .http import CHUNK, Answer, OssRequest
from .operations import Operations

__all__ = ["OssApp"]

log = logging.getLogger("batchcompute.local.oss")
StartResponse = Callable[..., Any]
#: Sub-resources any request may carry.
ALWAYS_ALLOWED = frozenset(["security-token"])


class Route(NamedTuple):
    level: str  # "service", "bucket" or "object"
    method: str
    marker: Optional[str]  # the query parameter that selects the route (None: the plain one)
    operation: str
    allowed: Tuple[str, ...] = ()  # other sub-resources it takes


ROUTES = (
    Route("service", "GET", None, "list_buckets"),
    Route("bucket", "GET", "bucketInfo", "bucket_info"),
    Route("bucket", "GET", "location", "bucket_location"),
    Route("bucket", "GET", "acl", "bucket_acl"),
    Route("bucket", "GET", "uploads", "list_uploads"),
    Route("bucket", "GET", "list-type", "list_objects_v2", ("continuation-token",)),
    Route("bucket", "GET", None, "list_objects"),
    Route("bucket", "HEAD", None, "head_bucket"),
    Route("bucket", "PUT", None, "put_bucket"),
    Route("bucket", "DELETE", None, "delete_bucket"),
    Route("bucket", "POST", "delete", "delete_objects"),
    Route("object", "GET", "uploadId", "list_parts"),
    Route("object", "GET", "acl", "object_acl"),
    Route("object", "GET", None, "get_object", tuple(name for name in SUBRESOURCES if name.startswith("response-"))),
    Route("object", "HEAD", "objectMeta", "object_meta"),
    Route("object", "HEAD", None, "head_object"),
    Route("object", "PUT", "uploadId", "upload_part", ("partNumber",)),
    Route("object", "PUT", None, "put_object"),
    Route("object", "POST", "uploads", "initiate_upload"),
    Route("object", "POST", "uploadId", "complete_upload"),
    Route("object", "POST", "append", "append_object", ("position",)),
    Route("object", "DELETE", "uploadId", "abort_upload"),
    Route("object", "DELETE", None, "delete_object"),
)


def _level(request: OssRequest) -> str:
    return "service" if request.bucket is None else "object" if request.key else "bucket"


def route(request: OssRequest) -> Route:
    """The route of a request; 405 for a method no route of its level takes, 501 for a
    sub-resource that is not served."""
    level = _level(request)
    candidates = [r for r in ROUTES if r.level == level and r.method == request.method]
    chosen = next((r for r in candidates if r.marker is None or r.marker in request.params), None)
    if chosen is None:
        raise OssError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    allowed = ALWAYS_ALLOWED.union(chosen.allowed, [chosen.marker] if chosen.marker else [])
    unserved = sorted(name for name in request.params if name in SUBRESOURCES and name not in allowed)
    if unserved:
        raise OssError(501, "NotImplemented", "?%s is not served by this endpoint." % unserved[0])
    return chosen


def _status_line(status: int) -> str:
    return "%d %s" % (status, HTTPStatus(status).phrase)


class OssApp:
    """OSS's REST API over ``store`` and ``uploads``, for requests signed with ``keys``.

    ``endpoint`` (``host:port``) and ``region`` are what bucket documents report; ``hosts``
    tells which Host headers address a bucket (virtual-host style).
    """

    def __init__(
        self,
        store: BucketStore,
        uploads: Uploads,
        keys: Mapping[str, str],
        endpoint: str,
        region: str,
        hosts: Optional[OssHosts] = None,
    ) -> None:
        self.hosts = hosts or OssHosts()
        self.auth = OssAuthenticator(keys)
        self.operations = Operations(store, uploads, endpoint, region)

    @property
    def endpoint(self) -> str:
        """``host:port`` as bucket documents report it (set once the port is known)."""
        return self.operations.endpoint

    @endpoint.setter
    def endpoint(self, value: str) -> None:
        self.operations.endpoint = value

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = "%024X" % secrets.randbits(96)
        answer = self._answer(environ, request_id)
        headers = answer.headers + [("x-oss-request-id", request_id), ("Date", http_time(time.time()))]
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(answer.length)))
        start_response(_status_line(answer.status), headers)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if answer.opened is not None and file_wrapper is not None:
            return cast(Iterable[bytes], file_wrapper(answer.opened(), CHUNK))
        return answer.body

    def _answer(self, environ: Dict[str, Any], request_id: str) -> Answer:
        request: Optional[OssRequest] = None
        try:
            request = OssRequest(environ, self.hosts)
            self.auth.verify(request)
            answer: Answer = getattr(self.operations, route(request).operation)(request)
            if request.method == "HEAD":
                answer.body, answer.length, answer.opened = [], 0, None
            return answer
        except OssError as err:
            return self._error(err, environ, request_id)
        except StoreError as exc:
            bucket, key = (request.bucket, request.key) if request else (None, "")
            return self._error(from_store_error(exc, bucket, key), environ, request_id)
        except MetadataTooLarge as exc:
            return self._error(invalid_argument(str(exc)), environ, request_id)
        except (ConnectionError, TimeoutError):
            raise  # the client went away: the server closes the connection
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                return self._internal(exc, environ, request_id)
            disk_full = OssError(507, "InsufficientStorage", "The server's disk is full.")
            return self._error(disk_full, environ, request_id)
        except Exception as exc:
            return self._internal(exc, environ, request_id)

    def _internal(self, exc: Exception, environ: Dict[str, Any], request_id: str) -> Answer:
        log.exception("OSS request %s failed", request_id)
        err = OssError(500, "InternalError", "%s: %s" % (type(exc).__name__, exc))
        return self._error(err, environ, request_id)

    @staticmethod
    def _error(err: OssError, environ: Dict[str, Any], request_id: str) -> Answer:
        nodes: List[Tuple[str, str]] = [
            ("Code", err.code),
            ("Message", err.message),
            ("RequestId", request_id),
            ("HostId", environ.get("HTTP_HOST", "")),
        ]
        document = render("Error", nodes + list(err.details.items()))
        headers = [("Content-Type", "application/xml")] + err.headers
        if environ.get("REQUEST_METHOD", "").upper() == "HEAD":
            headers.append(("x-oss-err", base64.b64encode(document).decode("ascii")))
            return Answer(err.status, headers, [], 0)
        return Answer(err.status, headers, [document], len(document))


#: The OSS codes of the HTTP layer's own errors (``web.server``), by status.
_HTTP_LAYER_CODES = {
    400: "InvalidArgument",
    408: "RequestTimeout",
    413: "EntityTooLarge",
    414: "InvalidURI",
    431: "RequestHeaderSectionTooLarge",
    503: "ServiceUnavailable",
}


def xml_error(status: int, code: str, message: str, request_id: str) -> Tuple[str, bytes]:
    """An error of the HTTP layer as OSS's XML error document (the server's ``error_body``)."""
    nodes = [("Code", _HTTP_LAYER_CODES.get(status, code)), ("Message", message), ("RequestId", request_id)]
    return "application/xml", render("Error", nodes)
