"""The server's object store as a Dask worker reaches it: over the OSS endpoint, never by a path.

A small OSS client over ``requests`` for what an attempt needs: read an object into a file, write
one from a file, append to one, list a folder. Requests are signed with signature V1
(``Authorization: OSS id:signature``) by a key pair the server hands its workers. ``download``,
``upload`` and ``open_for_read`` copy folders and files as the local object store does, so that
the steps of an attempt (``steps``) run the same on a worker.

This module is imported on Dask workers: it uses nothing of the server's state or web layers.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import os
import tempfile
import threading
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeTree
import requests

from .objects import SCHEME, OssPathError, is_dir_url, join_url, split_path

__all__ = ["OssClient", "OssRequestError", "split_url"]

CHUNK = 1 << 20
#: Query parameters that signature V1 signs (those this client sends).
SIGNED_PARAMS = ("append", "continuation-token", "position")
OCTET_STREAM = "application/octet-stream"


class OssRequestError(OSError):
    """The OSS endpoint refused a request: its HTTP status and OSS error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__("%s (HTTP %d): %s" % (code, status, message))
        self.status = status
        self.code = code


def split_url(url: str) -> Tuple[str, str]:
    """``(bucket, key)`` of an ``oss://bucket/key`` URL (key "" for a bucket; ends with ``/`` for
    a folder); OssPathError when malformed."""
    if not url.startswith(SCHEME):
        raise OssPathError("%r is not an oss:// path" % (url,))
    parts = split_path(url[len(SCHEME) :], url)
    key = "/".join(parts[1:])
    return parts[0], key + "/" if key and is_dir_url(url) else key


class OssClient:
    """Signed requests to the OSS endpoint at ``endpoint`` (``http://host:port``); one keep-alive
    session per thread."""

    def __init__(
        self, endpoint: str, access_key_id: str, access_key_secret: str, timeout: float = 60.0, trust: str = ""
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.host = urlsplit(self.endpoint).netloc
        self._key_id = access_key_id
        self._secret = access_key_secret.encode("utf-8")
        self._timeout = timeout
        self._local = threading.local()
        #: What HTTPS is verified against: the certificates ``trust`` holds (PEM), else the system's
        #: (given with each request: a session's own setting would yield to REQUESTS_CA_BUNDLE).
        self._verify: Union[bool, str] = _pem_file(trust) if trust else True

    # -- requests

    def _session(self) -> requests.Session:
        session: Optional[requests.Session] = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _request(
        self,
        method: str,
        bucket: str,
        key: str = "",
        params: Sequence[Tuple[str, str]] = (),
        body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        stream: bool = False,
    ) -> requests.Response:
        sent = dict(headers or {})
        sent["Date"] = formatdate(usegmt=True)
        if body is not None:
            sent.setdefault("Content-Type", OCTET_STREAM)
        sent["Authorization"] = "OSS %s:%s" % (self._key_id, self._signature(method, bucket, key, params, sent))
        url = "%s/%s/%s" % (self.endpoint, bucket, quote(key, safe="/-_.~"))
        if params:
            url += "?" + "&".join(quote(k) + ("=" + quote(v, safe="") if v else "") for k, v in params)
        response = self._session().request(
            method, url, data=body, headers=sent, stream=stream, timeout=(10, self._timeout), verify=self._verify
        )
        if response.status_code >= 300:
            raise _refusal(response)
        return response

    def _signature(
        self, method: str, bucket: str, key: str, params: Sequence[Tuple[str, str]], headers: Mapping[str, str]
    ) -> str:
        signed = sorted((k, v) for k, v in params if k in SIGNED_PARAMS)
        resource = "/%s/%s" % (bucket, key)
        if signed:
            resource += "?" + "&".join(k + "=" + v if v else k for k, v in signed)
        oss_headers = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-oss-"))
        canonical = "".join("%s:%s\n" % pair for pair in oss_headers) + resource
        md5, content_type = headers.get("Content-MD5", ""), headers.get("Content-Type", "")
        text = "\n".join([method, md5, content_type, headers["Date"], canonical])
        return base64.b64encode(hmac.new(self._secret, text.encode("utf-8"), hashlib.sha1).digest()).decode("ascii")

    # -- objects

    def append(self, url: str, position: int, data: bytes) -> int:
        """AppendObject at ``position`` (0 creates the object, and fails when it exists);
        the next position."""
        bucket, key = split_url(url)
        params = [("append", ""), ("position", str(position))]
        response = self._request("POST", bucket, key, params, data)
        return int(response.headers.get("x-oss-next-append-position", position + len(data)))

    def get_into(self, url: str, handle: BinaryIO) -> None:
        """Write the object at ``url`` to ``handle`` (FileNotFoundError when it is absent)."""
        bucket, key = split_url(url)
        try:
            response = self._request("GET", bucket, key, stream=True)
        except OssRequestError as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise FileNotFoundError("%s does not exist" % url) from None
            raise
        with response:
            for chunk in response.iter_content(CHUNK):
                handle.write(chunk)

    def put_from(self, source: Path, url: str) -> None:
        """Write the file ``source`` as the object at ``url``."""
        bucket, key = split_url(url)
        with open(source, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self._request("PUT", bucket, key, body=handle if size else b"", headers={"Content-Length": str(size)})

    def keys(self, url: str) -> Iterator[str]:
        """The keys below the folder ``url`` (``oss://bucket/prefix/``), relative to it."""
        bucket, prefix = split_url(url)
        token = ""
        while True:
            params = [("list-type", "2"), ("max-keys", "1000"), ("prefix", prefix)]
            response = self._request("GET", bucket, "", params + ([("continuation-token", token)] if token else []))
            document = SafeTree.fromstring(response.content)
            for element in document.iter("Key"):
                yield (element.text or "")[len(prefix) :]
            token = document.findtext("NextContinuationToken") or ""
            if document.findtext("IsTruncated") != "true" or not token:
                return

    # -- what the steps of an attempt use (as the local object store offers it)

    @contextmanager
    def open_for_read(self, url: str) -> Iterator[BinaryIO]:
        """The object at ``url``, read into a temporary file."""
        with tempfile.TemporaryFile() as handle:
            self.get_into(url, handle)
            handle.seek(0)
            yield handle

    def download(self, url: str, local: Path, into_dir: bool = False) -> None:
        """Copy the object (or, for a ``/`` URL, the folder) at ``url`` to ``local`` (into it when
        ``into_dir`` or when it is a directory)."""
        if is_dir_url(url):
            self._download_folder(url, local)
            return
        target = local / url.rsplit("/", 1)[1] if into_dir or local.is_dir() else local
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "wb") as handle:
                self.get_into(url, handle)
        except FileNotFoundError:
            target.unlink()
            if not self._download_folder(url + "/", local):
                raise

    def _download_folder(self, url: str, local: Path) -> bool:
        """Copy the folder at ``url`` into ``local``; whether it held anything."""
        local.mkdir(parents=True, exist_ok=True)
        found = False
        for name in self.keys(url):
            found = True
            target = local / name
            if name.endswith("/") or not name:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                self.get_into(url + name, handle)
        return found

    def upload(self, local: Path, url: str) -> None:
        """Copy the local file or directory ``local`` to ``url`` (nothing when it is absent)."""
        if local.is_dir():
            folder = url if is_dir_url(url) else url + "/"
            for source, name in _files_below(local):
                self.put_from(source, folder + name)
        elif local.is_file():
            self.put_from(local, join_url(url, local.name) if is_dir_url(url) else url)


def _files_below(root: Path) -> List[Tuple[Path, str]]:
    """Every file below ``root`` with its path relative to it (``/``-separated)."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda pair: pair[1])


def _pem_file(pem: str) -> str:
    """A file holding ``pem`` (what requests verifies against), removed when the process ends."""
    handle, path = tempfile.mkstemp(prefix="batchcompute-trust-", suffix=".pem")
    with os.fdopen(handle, "w") as out:
        out.write(pem)
    atexit.register(_remove, path)
    return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _refusal(response: requests.Response) -> OssRequestError:
    """The error an OSS error document (or a bare status) describes."""
    fields: Dict[str, str] = {}
    try:
        document = SafeTree.fromstring(response.content or b"<Error/>")
        fields = {child.tag: child.text or "" for child in document}
    except ParseError:
        pass
    code = fields.get("Code", "HTTP%d" % response.status_code)
    return OssRequestError(response.status_code, code, fields.get("Message", response.reason))
