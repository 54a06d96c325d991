"""The OSS endpoint driven by the real, unmodified clients: oss2, alibabacloud-oss-v2, ossfs."""

from __future__ import annotations

import hashlib
import os

import alibabacloud_oss_v2 as oss_v2
import fsspec
import oss2
import pytest
import requests

from batchcompute.local.constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

KEY_ID, SECRET = DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


# -- oss2


def test_oss2_put_get_range_head_delete(oss_bucket):
    data = os.urandom(300_000)
    put = oss_bucket.put_object("data/blob.bin", data, headers={"x-oss-meta-Owner": "me", "Content-Type": "x/y"})
    assert put.status == 200 and put.etag == md5_hex(data)
    assert oss_bucket.get_object("data/blob.bin").read() == data
    part = oss_bucket.get_object("data/blob.bin", byte_range=(1000, 1999))
    assert part.status == 206 and part.read() == data[1000:2000]
    head = oss_bucket.head_object("data/blob.bin")
    assert (head.content_length, head.etag, head.content_type) == (len(data), md5_hex(data), "x/y")
    assert head.headers["x-oss-meta-owner"] == "me" and head.object_type == "Normal"
    assert oss_bucket.get_object_meta("data/blob.bin").content_length == len(data)
    assert oss_bucket.object_exists("data/blob.bin") and not oss_bucket.object_exists("data/none")
    oss_bucket.delete_object("data/blob.bin")
    with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
        oss_bucket.get_object("data/blob.bin")
    assert caught.value.details["Key"] == "data/blob.bin"
    with pytest.raises(oss2.exceptions.NotFound):  # a HEAD error: the code comes in x-oss-err
        oss_bucket.head_object("data/blob.bin")


def test_oss2_lists_with_prefix_delimiter_and_pages(oss_bucket):
    keys = ["a-c", "a/b", "a/c/d", "b", "logs/1.txt", "logs/2.txt", "logs/old/3.txt", "z z+1"]
    for key in keys:
        oss_bucket.put_object(key, key.encode())
    assert [o.key for o in oss2.ObjectIterator(oss_bucket, max_keys=2)] == sorted(keys)
    assert [o.key for o in oss2.ObjectIteratorV2(oss_bucket, max_keys=3)] == sorted(keys)
    top = oss_bucket.list_objects(delimiter="/")
    assert [o.key for o in top.object_list] == ["a-c", "b", "z z+1"] and top.prefix_list == ["a/", "logs/"]
    logs = oss_bucket.list_objects_v2(prefix="logs/", delimiter="/")
    assert [o.key for o in logs.object_list] == ["logs/1.txt", "logs/2.txt"] and logs.prefix_list == ["logs/old/"]
    paged = [
        (o.key if isinstance(o, oss2.models.SimplifiedObjectInfo) else o)
        for o in oss2.ObjectIterator(oss_bucket, delimiter="/", max_keys=1)
    ]
    assert paged == ["a-c", "a/", "b", "logs/", "z z+1"]
    first = oss_bucket.list_objects(prefix="logs/", max_keys=1)
    assert first.is_truncated and first.next_marker == "logs/1.txt"
    assert oss_bucket.list_objects(prefix="logs/", marker=first.next_marker).object_list[0].key == "logs/2.txt"


def test_oss2_copies_with_or_without_new_metadata(oss_bucket):
    oss_bucket.put_object("src.txt", b"copy me", headers={"Content-Type": "text/plain", "x-oss-meta-a": "1"})
    oss_bucket.copy_object("test-bucket", "src.txt", "dir/same.txt")
    same = oss_bucket.head_object("dir/same.txt")
    assert same.content_type == "text/plain" and same.headers["x-oss-meta-a"] == "1"
    oss_bucket.copy_object(
        "test-bucket", "src.txt", "dir/new.txt", headers={"x-oss-metadata-directive": "REPLACE", "x-oss-meta-b": "2"}
    )
    new = oss_bucket.head_object("dir/new.txt")
    assert "x-oss-meta-a" not in new.headers and new.headers["x-oss-meta-b"] == "2"
    assert oss_bucket.get_object("dir/new.txt").read() == b"copy me" and new.etag == md5_hex(b"copy me")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss_bucket.copy_object("test-bucket", "missing.txt", "dir/x.txt")


def test_oss2_resumable_upload_over_the_multipart_threshold(oss_bucket, tmp_path, local_server):
    data = os.urandom(1024 * 1024 + 123)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    oss2.resumable_upload(
        oss_bucket,
        "big/big.bin",
        str(source),
        store=oss2.ResumableStore(root=str(tmp_path / "checkpoints")),
        multipart_threshold=256 * 1024,
        part_size=200 * 1024,
        num_threads=2,
    )
    head = oss_bucket.head_object("big/big.bin")
    assert head.object_type == "Multipart" and head.etag.endswith("-6")
    assert oss_bucket.get_object("big/big.bin").read() == data
    assert local_server.oss_path("oss://test-bucket/big/big.bin").read_bytes() == data
    uploads = local_server.data_dir / "oss-staging" / "uploads"
    assert list(uploads.iterdir()) == []  # the parts are gone with the completed upload
    target = tmp_path / "back.bin"
    oss2.resumable_download(
        oss_bucket,
        "big/big.bin",
        str(target),
        store=oss2.ResumableDownloadStore(root=str(tmp_path / "checkpoints")),
        multiget_threshold=256 * 1024,
        part_size=300 * 1024,
        num_threads=2,
    )
    assert target.read_bytes() == data


def test_oss2_presigned_urls_v1_and_v4(oss_bucket, oss_endpoint):
    oss_bucket.put_object("shared/report.txt", b"for your eyes")
    url = oss_bucket.sign_url("GET", "shared/report.txt", 60)
    assert requests.get(url, timeout=10).content == b"for your eyes"
    put_url = oss_bucket.sign_url("PUT", "shared/upload.txt", 60)
    assert requests.put(put_url, data=b"uploaded", timeout=10).status_code == 200
    assert oss_bucket.get_object("shared/upload.txt").read() == b"uploaded"
    expired = requests.get(oss_bucket.sign_url("GET", "shared/report.txt", -10), timeout=10)
    assert expired.status_code == 403 and b"<Code>AccessDenied</Code>" in expired.content
    tampered = requests.get(url.replace("report", "upload"), timeout=10)
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    v4 = oss2.Bucket(oss2.AuthV4(KEY_ID, SECRET), oss_endpoint, "test-bucket", region="cn-hangzhou")
    assert requests.get(v4.sign_url("GET", "shared/report.txt", 60), timeout=10).content == b"for your eyes"


def test_oss2_signature_v4(oss_endpoint, oss_bucket):
    bucket = oss2.Bucket(oss2.AuthV4(KEY_ID, SECRET), oss_endpoint, "test-bucket", region="cn-shanghai")
    bucket.put_object("v4/a b+c=d&e.txt", b"signed with v4", headers={"x-oss-meta-k": "v"})
    assert bucket.get_object("v4/a b+c=d&e.txt").read() == b"signed with v4"
    assert [o.key for o in bucket.list_objects(prefix="v4/a b").object_list] == ["v4/a b+c=d&e.txt"]
    assert bucket.head_object("v4/a b+c=d&e.txt").headers["x-oss-meta-k"] == "v"
    bucket.delete_object("v4/a b+c=d&e.txt")
    assert not bucket.object_exists("v4/a b+c=d&e.txt")


def test_oss2_appends(oss_bucket):
    first = oss_bucket.append_object("logs/app.log", 0, b"one\n")
    second = oss_bucket.append_object("logs/app.log", first.next_position, b"two\n")
    assert second.next_position == 8 and oss_bucket.get_object("logs/app.log").read() == b"one\ntwo\n"
    assert oss_bucket.head_object("logs/app.log").object_type == "Appendable"
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as caught:
        oss_bucket.append_object("logs/app.log", 4, b"again\n")
    assert caught.value.next_position == 8
    oss_bucket.put_object("normal.txt", b"x")
    with pytest.raises(oss2.exceptions.ObjectNotAppendable):
        oss_bucket.append_object("normal.txt", 1, b"y")


def test_oss2_buckets(oss_endpoint, oss_bucket):
    auth = oss2.Auth(KEY_ID, SECRET)
    service = oss2.Service(auth, oss_endpoint)
    other = oss2.Bucket(auth, oss_endpoint, "other-bucket")
    other.create_bucket()
    assert [b.name for b in oss2.BucketIterator(service)] == ["other-bucket", "test-bucket"]
    info = oss_bucket.get_bucket_info()
    assert info.name == "test-bucket" and info.acl.grant == "private" and info.storage_class == "Standard"
    oss_bucket.put_object("keep.txt", b"x")
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        oss_bucket.delete_bucket()
    other.delete_bucket()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        other.get_bucket_info()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        other.put_object("x", b"x")


def test_oss2_folder_objects(oss_bucket):
    oss_bucket.put_object("empty/", b"")
    oss_bucket.put_object("made/", b"")
    oss_bucket.put_object("made/file.txt", b"x")
    assert [o.key for o in oss2.ObjectIterator(oss_bucket)] == ["empty/", "made/", "made/file.txt"]
    oss_bucket.delete_object("made/file.txt")
    assert oss_bucket.object_exists("made/")  # made as an object: it stays
    oss_bucket.put_object("implied/file.txt", b"x")
    oss_bucket.delete_object("implied/file.txt")
    assert not oss_bucket.object_exists("implied/")  # only implied by its object: gone with it
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss_bucket.put_object("made", b"a key where a folder is")
    assert caught.value.status == 409
    oss_bucket.put_object("bytes.txt", b"bytes")
    for write in (
        lambda: oss_bucket.put_object("folder/", b"bytes"),
        lambda: oss_bucket.copy_object("test-bucket", "bytes.txt", "folder/"),
    ):
        with pytest.raises(oss2.exceptions.OssError) as caught:
            write()  # a folder object holds no bytes
        assert caught.value.code == "InvalidObjectName" and not oss_bucket.object_exists("folder/")


@pytest.mark.parametrize("operation", ["get", "head", "put", "list"])
def test_oss2_wrong_secret_is_signature_does_not_match(oss_endpoint, oss_bucket, operation):
    oss_bucket.put_object("there.txt", b"unchanged")
    wrong = oss2.Bucket(oss2.Auth(KEY_ID, "not-the-secret"), oss_endpoint, "test-bucket")
    calls = {
        "get": lambda: wrong.get_object("there.txt"),
        "head": lambda: wrong.head_object("there.txt"),
        "put": lambda: wrong.put_object("there.txt", b"changed"),
        "list": lambda: wrong.list_objects(),
    }
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        calls[operation]()
    assert oss_bucket.get_object("there.txt").read() == b"unchanged"


# -- alibabacloud-oss-v2 (signature V4)


def v2_client(endpoint: str, secret: str = SECRET) -> oss_v2.Client:
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(KEY_ID, secret)
    config.region = "cn-hangzhou"
    config.endpoint = endpoint
    return oss_v2.Client(config)


def test_oss_v2_put_get_list(oss_endpoint):
    client = v2_client(oss_endpoint)
    client.put_bucket(oss_v2.PutBucketRequest(bucket="v2-bucket"))
    keys = ["in/a b.txt", "in/c+d.txt", "in/sub/e.txt", "out.txt"]
    for key in keys:
        put = client.put_object(oss_v2.PutObjectRequest(bucket="v2-bucket", key=key, body=key.encode()))
        assert put.etag == '"%s"' % md5_hex(key.encode())
    got = client.get_object(oss_v2.GetObjectRequest(bucket="v2-bucket", key="in/a b.txt"))
    assert got.body.read() == b"in/a b.txt"
    ranged = client.get_object(oss_v2.GetObjectRequest(bucket="v2-bucket", key="in/c+d.txt", range_header="bytes=3-"))
    assert ranged.body.read() == b"c+d.txt"
    pages = client.list_objects_v2_paginator().iter_page(
        oss_v2.ListObjectsV2Request(bucket="v2-bucket", prefix="in/", max_keys=2)
    )
    assert [o.key for page in pages for o in page.contents or []] == keys[:3]
    folders = client.list_objects_v2(oss_v2.ListObjectsV2Request(bucket="v2-bucket", delimiter="/"))
    assert [p.prefix for p in folders.common_prefixes] == ["in/"] and [o.key for o in folders.contents] == ["out.txt"]


def test_oss_v2_wrong_secret_is_signature_does_not_match(oss_endpoint, oss_bucket):
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        v2_client(oss_endpoint, "wrong").put_object(
            oss_v2.PutObjectRequest(bucket="test-bucket", key="no.txt", body=b"x")
        )
    error = caught.value.unwrap()
    assert isinstance(error, oss_v2.exceptions.ServiceError) and error.code == "SignatureDoesNotMatch"
    assert not oss_bucket.object_exists("no.txt")


# -- ossfs through fsspec


def oss_filesystem(endpoint: str, secret: str = SECRET):
    return fsspec.filesystem("oss", key=KEY_ID, secret=secret, endpoint=endpoint, skip_instance_cache=True)


def test_ossfs_ls_open_put_get(oss_endpoint, oss_bucket, tmp_path):
    oss_bucket.put_object("inputs/one.txt", b"1")
    oss_bucket.put_object("inputs/deep/two.txt", b"22")
    fs = oss_filesystem(oss_endpoint)
    assert "test-bucket" in [entry["name"].rstrip("/") for entry in fs.ls("", detail=True)]
    listed = sorted(name.rstrip("/") for name in fs.ls("test-bucket/inputs", detail=False))
    assert listed == ["test-bucket/inputs/deep", "test-bucket/inputs/one.txt"]
    with fs.open("test-bucket/inputs/deep/two.txt", "rb") as handle:
        assert handle.read() == b"22"
    data = os.urandom(200_000)
    with fs.open("test-bucket/written/by-ossfs.bin", "wb") as handle:
        handle.write(data[:123])
        handle.write(data[123:])
    assert oss_bucket.get_object("written/by-ossfs.bin").read() == data
    source = tmp_path / "local.txt"
    source.write_text("put with fsspec")
    fs.put(str(source), "test-bucket/put/local.txt")
    fs.get("test-bucket/put/local.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "put with fsspec"
    assert fs.exists("test-bucket/put") and not fs.exists("test-bucket/nothing")
    assert fs.info("test-bucket/written/by-ossfs.bin")["size"] == len(data)
    fs.rm("test-bucket/put", recursive=True)
    assert not oss_bucket.object_exists("put/local.txt")


def test_ossfs_wrong_secret_is_signature_does_not_match(oss_endpoint, oss_bucket):
    fs = oss_filesystem(oss_endpoint, "wrong")
    with pytest.raises(Exception) as caught:
        fs.ls("test-bucket/")
    error = caught.value
    cause = error if isinstance(error, oss2.exceptions.OssError) else error.__cause__
    assert isinstance(cause, oss2.exceptions.SignatureDoesNotMatch)
