"""The bucket store under the OSS endpoint: listing against a model of OSS's, key rules, records."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchcompute.local.oss.errors import OssError
from batchcompute.local.oss.hosts import OssHosts
from batchcompute.local.oss.http import CHUNK, OssRequest
from batchcompute.local.run.buckets import BucketStore, split_key
from batchcompute.local.run.multipart import Uploads
from batchcompute.local.run.object_errors import (
    InvalidDigest,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    NoSuchKey,
)
from batchcompute.local.run.object_meta import Attributes

SEGMENTS = st.sampled_from(["a", "b", "a-b", "a.b", "é", "z z"])
KEY_SETS = st.lists(st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join), max_size=12, unique=True)


def storable(keys):
    """The keys a folder tree holds at once: none is the folder of another."""
    return [key for key in keys if not any(other.startswith(key + "/") for other in keys)]


def oss_listing(keys, prefix, delimiter, after):
    """OSS's listing of ``keys``: objects and common prefixes in order, after the marker."""
    found = []
    for key in sorted(keys):
        if not key.startswith(prefix) or key <= after:
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        item = key[: cut + len(delimiter)] if cut >= 0 else key
        if item > after and (not found or found[-1] != item):
            found.append(item)
    return found


@settings(max_examples=60, deadline=None)
@given(
    KEY_SETS,
    st.sampled_from(["", "a", "a/", "a/b", "b/", "é", "z"]),
    st.sampled_from(["", "/", "-", "b"]),
    st.integers(1, 4),
)
def test_listing_pages_match_oss(keys, prefix, delimiter, max_keys):
    keys = storable(keys)
    with tempfile.TemporaryDirectory() as folder:
        store = BucketStore(Path(folder) / "oss", Path(folder) / "staging")
        store.create_bucket("bucket")
        for key in keys:
            store.put("bucket", key, [key.encode()])
        listed, after = [], ""
        while True:
            page = store.list("bucket", prefix, delimiter, after, max_keys)
            items = sorted([info.key for info in page.objects] + page.prefixes)
            assert len(items) <= max_keys and all(item > after for item in items)
            listed += items
            if not page.truncated:
                break
            assert page.next_marker == items[-1]
            after = page.next_marker
        assert listed == oss_listing(keys, prefix, delimiter, "")


@pytest.mark.parametrize("key", ["", "/a", "a//b", "../a", "a/./b", "a\\b", "a\x00b", "x" * 1024, "a/" + "b" * 256])
def test_keys_the_store_refuses(key):
    with pytest.raises(InvalidObjectName):
        split_key(key)


def test_split_key_names_folders():
    assert split_key("a/b") == (["a", "b"], False) and split_key("a/b/") == (["a", "b"], True)


def test_files_written_by_jobs_get_their_md5_and_lose_stale_records(tmp_path):
    store = BucketStore(tmp_path / "oss", tmp_path / "staging")
    store.create_bucket("bucket")
    store.put("bucket", "log.txt", [b"first"], Attributes("text/plain", {}, {"a": "1"}))
    path = tmp_path / "oss" / "bucket" / "log.txt"
    with open(path, "ab") as handle:  # a job appends in place: the record no longer holds
        handle.write(b" and more")
    info = store.head("bucket", "log.txt")
    assert info.etag == hashlib.md5(b"first and more").hexdigest().upper()
    assert info.attributes == Attributes() and info.size == len(b"first and more")


def test_complete_checks_the_parts(tmp_path):
    store = BucketStore(tmp_path / "oss", tmp_path / "staging")
    store.create_bucket("bucket")
    uploads = Uploads(store)
    upload = uploads.initiate("bucket", "k", Attributes())
    first = uploads.upload_part("bucket", "k", upload.upload_id, 1, [os.urandom(100 * 1024)], None)
    second = uploads.upload_part("bucket", "k", upload.upload_id, 2, [b"end"], None)
    with pytest.raises(InvalidPartOrder):
        uploads.complete("bucket", "k", upload.upload_id, [(2, second.etag), (1, first.etag)])
    with pytest.raises(InvalidPart):
        uploads.complete("bucket", "k", upload.upload_id, [(1, second.etag)])
    with pytest.raises(NoSuchKey):
        store.head("bucket", "k")
    info = uploads.complete("bucket", "k", upload.upload_id, [(1, first.etag), (2, '"%s"' % second.etag)])
    assert info.size == 100 * 1024 + 3 and info.etag.endswith("-2") and info.kind == "Multipart"


class _Input(io.BytesIO):
    """A request body that records the sizes asked of it."""

    def __init__(self, data):
        super().__init__(data)
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)


def test_a_body_is_read_in_bounded_chunks():
    body = _Input(b"x" * (3 * CHUNK + 5))
    environ = {
        "REQUEST_METHOD": "PUT",
        "REQUEST_URI": "/bucket/key",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(3 * CHUNK + 5),
        "wsgi.input": body,
    }
    request = OssRequest(environ, OssHosts())
    assert sum(len(chunk) for chunk in request.chunks()) == 3 * CHUNK + 5
    assert max(body.reads) <= CHUNK and len(body.reads) == 4
    assert (request.bucket, request.key) == ("bucket", "key")


def test_a_large_body_is_hashed_beside_its_writing_and_checked(tmp_path):
    store = BucketStore(tmp_path / "oss", tmp_path / "staging")
    store.create_bucket("bucket")
    chunks = [os.urandom(CHUNK) for _ in range(20)]
    digest = hashlib.md5(b"".join(chunks)).digest()
    with pytest.raises(InvalidDigest):
        store.put("bucket", "big", iter(chunks), expected_md5=hashlib.md5(b"other").digest())
    assert not (tmp_path / "oss" / "bucket" / "big").exists() and not list((tmp_path / "staging" / "tmp").iterdir())
    info = store.put("bucket", "big", iter(chunks), expected_md5=digest)
    assert info.etag == digest.hex().upper() and info.size == 20 * CHUNK


def _put_request(body, headers):
    environ = {
        "REQUEST_METHOD": "PUT",
        "REQUEST_URI": "/bucket/key",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "batchcompute.raw_headers": list(headers.items()),
    }
    return OssRequest(environ, OssHosts())


def test_a_signed_payload_digest_is_checked_at_the_end_of_the_body():
    good = {"x-oss-content-sha256": hashlib.sha256(b"body").hexdigest()}
    assert b"".join(_put_request(b"body", good).chunks()) == b"body"
    with pytest.raises(OssError) as caught:
        list(_put_request(b"other", good).chunks())
    assert caught.value.code == "InvalidDigest"
    with pytest.raises(OssError) as caught:
        list(_put_request(b"body", {"x-oss-content-sha256": "xyz"}).chunks())
    assert caught.value.code == "InvalidArgument"
    short = _put_request(b"abc", {})
    short.length = 10  # the body ends before its Content-Length
    with pytest.raises(OssError) as caught:
        list(short.chunks())
    assert caught.value.code == "IncompleteBody"
