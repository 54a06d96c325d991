"""An OSS request as the operations see it, and their answers.

The request's bucket and key come from the path (path style) or the Host (virtual-host style),
percent-decoded; its query is decoded pair by pair as a form (``+`` is a space, as the
clients' HTTP libraries write it). Its body is read from
``wsgi.input`` in chunks of at most 1 MiB, never whole; ``x-oss-content-sha256``, when it is a
digest rather than ``UNSIGNED-PAYLOAD``, is checked at its end.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from urllib.parse import unquote, unquote_plus

from ..run.object_meta import DEFAULT_CONTENT_TYPE, Attributes
from ..wsgi import raw_target, request_headers
from .auth import UNSIGNED_PAYLOAD, SignedRequest
from .documents import render
from .errors import OssError, invalid_argument
from .hosts import OssHosts

__all__ = ["OssRequest", "Answer", "CHUNK", "STANDARD_HEADERS"]

CHUNK = 1 << 20
META_PREFIX = "x-oss-meta-"
#: Headers an object is stored with and served back with.
STANDARD_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")


def _decode(text: str, what: str, plus_is_space: bool = False) -> str:
    try:
        return (unquote_plus if plus_is_space else unquote)(text, errors="strict")
    except UnicodeDecodeError:
        raise OssError(400, "InvalidURI", "the %s is not UTF-8 once percent-decoded" % what) from None


def _query_pairs(text: str) -> List[Tuple[str, str]]:
    pairs = []
    for item in text.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((_decode(name, "query", True), _decode(value, "query", True)))
    names = [name for name, _ in pairs]
    for name in names:
        if names.count(name) > 1:
            raise invalid_argument("the query parameter %s is given more than once" % name, name)
    return pairs


class OssRequest(SignedRequest):
    """A request to the OSS endpoint (``bucket`` None: the service; ``key`` "": the bucket)."""

    def __init__(self, environ: Dict[str, Any], hosts: OssHosts) -> None:
        target = raw_target(environ)
        path, _, query = target.partition("?")
        if not path.startswith("/"):
            raise OssError(400, "InvalidURI", "the request target must be a path")
        host = environ.get("HTTP_HOST", "")
        _, host_bucket = hosts.parse(host)
        if host_bucket:
            bucket, key = host_bucket, path[1:]
        else:
            bucket, _, key = path[1:].partition("/")
        super().__init__(
            environ["REQUEST_METHOD"].upper(),
            _decode(bucket, "bucket") or None,
            _decode(key, "key"),
            _query_pairs(query),
            request_headers(environ),
        )
        self.environ = environ
        self.host = host
        try:
            self.length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            raise invalid_argument("Content-Length is not a number") from None

    def flag(self, name: str) -> bool:
        """Whether the header ``name`` says ``true``."""
        return self.header(name).lower() == "true"

    def chunks(self) -> Iterator[bytes]:
        """The body, in chunks (IncompleteBody when it ends before its Content-Length)."""
        expected = self._payload_sha256()
        digest = hashlib.sha256() if expected is not None else None
        stream = self.environ["wsgi.input"]
        remaining = self.length
        while remaining:
            data = stream.read(min(CHUNK, remaining))
            if not data:
                raise OssError(400, "IncompleteBody", "The request body is shorter than its Content-Length.")
            remaining -= len(data)
            if digest is not None:
                digest.update(data)
            yield data
        if digest is not None and digest.digest() != expected:
            raise OssError(400, "InvalidDigest", "The x-oss-content-sha256 you specified did not match the body.")

    def body(self, limit: int) -> bytes:
        """The whole (small) body: a document (EntityTooLarge over ``limit`` bytes)."""
        if self.length > limit:
            raise OssError(400, "EntityTooLarge", "The body is larger than the %d bytes accepted here." % limit)
        data = b"".join(self.chunks())
        expected = self.content_md5()
        if expected is not None and hashlib.md5(data).digest() != expected:
            raise OssError(400, "InvalidDigest", "The Content-MD5 you specified did not match what was received.")
        return data

    def _payload_sha256(self) -> Optional[bytes]:
        value = self.header("x-oss-content-sha256")
        if not value or value == UNSIGNED_PAYLOAD:
            return None
        try:
            digest = bytes.fromhex(value)
        except ValueError:
            digest = b""
        if len(digest) != 32:
            raise invalid_argument("x-oss-content-sha256 is not a SHA-256 in hex", "x-oss-content-sha256", value)
        return digest

    def content_md5(self) -> Optional[bytes]:
        """The Content-MD5 header's digest (None when absent; InvalidDigest when malformed)."""
        value = self.header("content-md5")
        if not value:
            return None
        try:
            digest = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 16:
            raise OssError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
        return digest

    def attributes(self) -> Attributes:
        """What the request says about the object it writes: Content-Type, standard headers
        and ``x-oss-meta-*`` (names in lower case, as OSS keeps them)."""
        headers = {name: self.header(name.lower()) for name in STANDARD_HEADERS if self.header(name.lower())}
        meta = {
            name[len(META_PREFIX) :]: self.header(name)
            for name in sorted(self.headers)
            if name.startswith(META_PREFIX) and len(name) > len(META_PREFIX)
        }
        return Attributes(self.header("content-type") or DEFAULT_CONTENT_TYPE, headers, meta)


@dataclass
class Answer:
    """An answer: status, headers and a body (a list of bytes, or chunks as they are read);
    ``opened``, when given, opens the same body as a file, for a server that sends files itself
    (``wsgi.file_wrapper``)."""

    status: int = 200
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: Iterable[bytes] = field(default_factory=list)
    length: int = 0
    opened: Optional[Callable[[], BinaryIO]] = None

    @classmethod
    def document(cls, root: str, nodes: Iterable[Any], status: int = 200) -> "Answer":
        data = render(root, nodes)
        return cls(status, [("Content-Type", "application/xml")], [data], len(data))

    @classmethod
    def empty(cls, status: int = 200, headers: Optional[List[Tuple[str, str]]] = None) -> "Answer":
        return cls(status, list(headers or []))
