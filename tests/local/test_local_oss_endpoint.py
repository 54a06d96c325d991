"""The OSS endpoint's protocol, its safety and its place in the server: jobs read and write what
the OSS clients see, virtual-host style on both ports, signatures, ranges, errors, links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import io
import os
import socket
import subprocess
import sys
import tarfile
import time
from email.utils import formatdate
from urllib.parse import urlsplit

import oss2
import pytest
import requests
from local_helpers import job, task, wait_until

from batchcompute.local.__main__ import parse_args
from batchcompute.local.constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from batchcompute.local.testing import SignedRequester, local_server

KEY_ID, SECRET = DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET


def v1_headers(method, resource, date=None, secret=SECRET, headers=None):
    """Headers of a V1-signed request for ``resource`` (``/bucket/key?subresource``)."""
    headers = dict(headers or {})
    headers["Date"] = date or formatdate(usegmt=True)
    oss = "".join("%s:%s\n" % (k.lower(), v) for k, v in sorted(headers.items()) if k.lower().startswith("x-oss-"))
    text = "\n".join(
        [method, headers.get("Content-MD5", ""), headers.get("Content-Type", ""), headers["Date"], oss + resource]
    )
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    headers["Authorization"] = "OSS %s:%s" % (KEY_ID, base64.b64encode(digest).decode())
    return headers


def raw(endpoint, method, target, headers=(), body=b""):
    """A request sent as given (duplicate headers, dot segments): ``(status, headers, body)``."""
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        has_host = any(name.lower() == "host" for name, _ in headers)
        connection.putrequest(method, target, skip_host=has_host, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class LoopbackAdapter(requests.adapters.HTTPAdapter):
    """Sends every request to 127.0.0.1 on the URL's port; the Host header keeps the URL's name
    (what a hosts file pointing the OSS names at this machine does, without any DNS)."""

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = parts._replace(netloc="127.0.0.1:%d" % parts.port).geturl()
        return super().send(request, **kwargs)


def loopback_bucket(host, port, bucket="test-bucket"):
    session = oss2.Session(adapter=LoopbackAdapter())
    session.session.trust_env = False  # no proxy from the environment
    return oss2.Bucket(oss2.Auth(KEY_ID, SECRET), "http://%s:%d" % (host, port), bucket, session=session)


# -- the object store seen from jobs


def _package(script: str) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        info = tarfile.TarInfo("run.sh")
        info.size = len(script.encode())
        archive.addfile(info, io.BytesIO(script.encode()))
    return data.getvalue()


def test_a_job_runs_what_oss2_uploaded_and_oss2_reads_its_stdout_while_it_runs(local_server, api, oss_bucket, tmp_path):
    script = (
        'echo "started on $BATCH_COMPUTE_OSS_HOST"\n'
        "mkdir -p out && tr a-z A-Z < input/data.txt > out/result.txt\n"
        'while [ ! -e "$GO" ]; do sleep 0.05; done\n'
        "echo done\n"
    )
    oss_bucket.put_object("pkg/prog.tar.gz", _package(script))
    oss_bucket.put_object("in/data.txt", b"hello oss\n")
    go = tmp_path / "go"
    description = task(
        "sh run.sh",
        package="oss://test-bucket/pkg/prog.tar.gz",
        env={"GO": str(go)},
        InputMapping={"oss://test-bucket/in/data.txt": "input/data.txt"},
        OutputMapping={"out/": "oss://test-bucket/out/"},
    )
    job_id = api.create_job(job({"t": description})).Id
    stdout = "logs/stdout.%s.t.0" % job_id
    started = "started on %s\n" % local_server.server.oss_host
    wait_until(lambda: oss_bucket.object_exists(stdout) and oss_bucket.get_object(stdout).read() == started.encode())
    assert api.get_job(job_id).State == "Running"
    go.touch()
    assert api.poll([job_id], timeout=30, interval=0.05) == []
    assert oss_bucket.get_object(stdout).read() == (started + "done\n").encode()
    assert oss_bucket.get_object("out/result.txt").read() == b"HELLO OSS\n"


# -- addressing


@pytest.mark.parametrize("port_of", ["oss", "api"])
def test_virtual_host_style_on_both_ports(local_server, oss_bucket, port_of):
    port = local_server.server.oss_httpd.server_address[1] if port_of == "oss" else local_server.port
    bucket = loopback_bucket("oss-cn-hangzhou.aliyuncs.com", port)
    bucket.put_object("vhost/a.txt", b"virtual host")
    assert bucket.get_object("vhost/a.txt").read() == b"virtual host"
    assert [o.key for o in bucket.list_objects(prefix="vhost/").object_list] == ["vhost/a.txt"]
    assert oss_bucket.get_object("vhost/a.txt").read() == b"virtual host"
    internal = loopback_bucket("oss-cn-hangzhou-internal.aliyuncs.com", port)
    assert internal.get_object("vhost/a.txt").read() == b"virtual host"
    assert local_server.request("GET", "/quotas").status_code == 200  # the API still answers on its port


def test_oss_host_names_and_a_disabled_oss_port(tmp_path):
    with local_server(tmp_path / "d", oss_port=0, oss_hosts=["storage.test"]) as server:
        assert server.server.oss_httpd is None and "OSS endpoint" not in server.server.banner()
        bucket = loopback_bucket("storage.test", server.port)
        bucket.create_bucket()
        bucket.put_object("named.txt", b"by name")
        assert server.read_object("oss://test-bucket/named.txt") == "by name"
        assert server.request("GET", "/quotas").status_code == 200


def test_the_api_port_serves_oss_only_for_oss_hosts(local_server, oss_bucket):
    target = "/"
    headers = v1_headers("GET", "/")
    status, answer, body = raw(
        local_server.endpoint, "GET", target, [("Host", "oss-cn-beijing.aliyuncs.com")] + list(headers.items())
    )
    assert status == 200 and b"<ListAllMyBucketsResult>" in body and answer["x-oss-request-id"], body
    status, _, body = raw(local_server.endpoint, "GET", target, [("Host", "127.0.0.1")] + list(headers.items()))
    assert status != 200 and body.startswith(b"{")  # the BatchCompute API's JSON error


# -- signatures


def test_v4_authorization_in_any_layout_and_a_skewed_date(oss_endpoint, oss_bucket):
    oss_bucket.put_object("v4.txt", b"v4")
    request = oss2.http.Request("GET", oss_endpoint + "/test-bucket/v4.txt", region="cn-beijing", product="oss")
    oss2.AuthV4(KEY_ID, SECRET)._sign_request(request, "test-bucket", "v4.txt")
    header = request.headers["authorization"]
    credential = header.split("Credential=")[1].split(",")[0]
    signature = header.split("Signature=")[1]
    for layout in (
        header,
        "OSS4-HMAC-SHA256 Credential=%s,Signature=%s" % (credential, signature),
        "OSS4-HMAC-SHA256 Signature=%s , Credential=%s" % (signature, credential),
    ):
        sent = dict(request.headers, authorization=layout)
        assert requests.get(request.url, headers=sent, timeout=10).content == b"v4"
    old = v1_headers("GET", "/test-bucket/v4.txt", date=formatdate(time.time() - 20 * 60, usegmt=True))
    answer = requests.get(oss_endpoint + "/test-bucket/v4.txt", headers=old, timeout=10)
    assert answer.status_code == 403 and b"RequestTimeTooSkewed" in answer.content


def test_refusals_change_nothing(oss_endpoint, oss_bucket, local_server):
    oss_bucket.put_object("kept.txt", b"original")
    target = "/test-bucket/kept.txt"
    anonymous = requests.put(oss_endpoint + target, data=b"anonymous", timeout=10)
    assert anonymous.status_code == 403 and b"AccessDenied" in anonymous.content
    unknown = requests.put(oss_endpoint + target, data=b"x", headers=v1_headers("PUT", target), timeout=10)
    assert unknown.status_code == 200  # the check works
    oss_bucket.put_object("kept.txt", b"original")
    twice = v1_headers("PUT", target, headers={"x-oss-meta-a": "1"})
    status, _, body = raw(oss_endpoint, "PUT", target, list(twice.items()) + [("x-oss-meta-a", "2")], b"sneaky")
    assert status == 400 and b"InvalidArgument" in body
    wrong_md5 = base64.b64encode(hashlib.md5(b"something else").digest()).decode()
    with pytest.raises(oss2.exceptions.InvalidDigest):
        oss_bucket.put_object("kept.txt", b"corrupted", headers={"Content-MD5": wrong_md5})
    with pytest.raises(oss2.exceptions.InvalidDigest):
        oss_bucket.append_object("appended.txt", 0, b"corrupted", headers={"Content-MD5": wrong_md5})
    assert oss_bucket.get_object("kept.txt").read() == b"original"
    assert not oss_bucket.object_exists("appended.txt")
    assert list((local_server.data_dir / "oss-staging" / "tmp").iterdir()) == []


def test_errors_are_oss_documents(oss_endpoint, oss_bucket):
    headers = v1_headers("HEAD", "/test-bucket/missing.txt")
    answer = requests.head(oss_endpoint + "/test-bucket/missing.txt", headers=headers, timeout=10)
    document = base64.b64decode(answer.headers["x-oss-err"])
    assert answer.status_code == 404 and b"<Code>NoSuchKey</Code>" in document and b"<RequestId>" in document
    bad_name = requests.get(oss_endpoint + "/Bad_Name/", headers=v1_headers("GET", "/Bad_Name/"), timeout=10)
    assert bad_name.status_code == 400 and b"<Code>InvalidBucketName</Code>" in bad_name.content
    tagging = requests.get(
        oss_endpoint + "/test-bucket/?tagging", headers=v1_headers("GET", "/test-bucket/?tagging"), timeout=10
    )
    assert tagging.status_code == 501 and b"<Code>NotImplemented</Code>" in tagging.content
    post = requests.post(oss_endpoint + "/test-bucket/x", headers=v1_headers("POST", "/test-bucket/x"), timeout=10)
    assert post.status_code == 405 and b"MethodNotAllowed" in post.content


# -- ranges


def test_ranges_as_oss_answers_them(oss_endpoint, oss_bucket):
    oss_bucket.put_object("ten.txt", b"0123456789")

    def get(value, standard=False):
        extra = {"x-oss-range-behavior": "standard"} if standard else {}
        headers = dict(v1_headers("GET", "/test-bucket/ten.txt", headers=extra), Range=value)
        return requests.get(oss_endpoint + "/test-bucket/ten.txt", headers=headers, timeout=10)

    clipped = get("bytes=0-10", standard=True)  # what ossfs asks for a whole object
    assert clipped.status_code == 206 and clipped.content == b"0123456789"
    assert clipped.headers["Content-Range"] == "bytes 0-9/10"
    assert get("bytes=-3").content == b"789" and get("bytes=4-").content == b"456789"
    beyond = get("bytes=20-", standard=True)
    assert beyond.status_code == 416 and b"InvalidRange" in beyond.content
    assert (get("bytes=20-").status_code, get("bytes=20-").content) == (200, b"0123456789")
    assert (get("bytes=5-2").status_code, get("chars=1-2").status_code) == (200, 200)


# -- keys, buckets and links stay inside the store


@pytest.mark.parametrize("key", ["../escape.txt", "a/../../escape.txt", "a//b.txt", "./a.txt", "a/./b"])
def test_keys_that_leave_or_bend_the_tree_are_refused(oss_bucket, local_server, key):
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss_bucket.put_object(key, b"x")
    assert caught.value.code == "InvalidObjectName"
    assert not (local_server.data_dir / "oss" / "escape.txt").exists()
    assert not (local_server.data_dir / "escape.txt").exists()


def test_dot_segments_in_the_raw_path_are_refused(oss_endpoint, oss_bucket, local_server):
    target = "/test-bucket/../escape.txt"
    status, _, body = raw(oss_endpoint, "PUT", target, list(v1_headers("PUT", target).items()), b"x")
    assert status == 400 and b"InvalidObjectName" in body
    assert not (local_server.data_dir / "oss" / "escape.txt").exists()


def test_links_in_the_store_are_not_followed(oss_bucket, local_server, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    root = local_server.data_dir / "oss"
    (root / "test-bucket" / "dir-link").symlink_to(outside)
    (root / "test-bucket" / "file-link").symlink_to(outside / "secret.txt")
    (root / "linked-bucket").symlink_to(outside)
    os.mkfifo(root / "test-bucket" / "fifo")
    for key in ("dir-link/secret.txt", "file-link", "fifo"):
        with pytest.raises(oss2.exceptions.NoSuchKey):
            oss_bucket.get_object(key)
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss_bucket.put_object("dir-link/planted.txt", b"x")
    assert caught.value.code == "InvalidObjectName"
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss_bucket.copy_object("test-bucket", "file-link", "copied.txt")
    oss_bucket.delete_object("dir-link/secret.txt")
    assert [o.key for o in oss2.ObjectIterator(oss_bucket)] == []
    assert sorted(os.listdir(outside)) == ["secret.txt"] and (outside / "secret.txt").read_text() == "secret"
    auth = oss2.Auth(KEY_ID, SECRET)
    assert [b.name for b in oss2.BucketIterator(oss2.Service(auth, oss_bucket.endpoint))] == ["test-bucket"]
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss2.Bucket(auth, oss_bucket.endpoint, "linked-bucket").get_object("secret.txt")


# -- nothing half-written is ever visible


def test_a_put_cut_off_midway_leaves_the_old_object(oss_endpoint, oss_bucket, local_server):
    oss_bucket.put_object("whole.bin", b"old")
    target = "/test-bucket/whole.bin"
    headers = v1_headers("PUT", target)
    parts = urlsplit(oss_endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        head = "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (target, parts.netloc, 1 << 20)
        head += "".join("%s: %s\r\n" % item for item in headers.items()) + "\r\n"
        connection.sendall(head.encode() + b"x" * 100_000)
    staging = local_server.data_dir / "oss-staging" / "tmp"
    wait_until(lambda: not list(staging.iterdir()), 30, "the cut-off body to be dropped")
    assert oss_bucket.get_object("whole.bin").read() == b"old"


def test_a_multipart_upload_survives_a_restart_and_shows_nothing_until_completed(tmp_path):
    data_dir = tmp_path / "data"
    parts = [os.urandom(100 * 1024), os.urandom(1000)]
    with local_server(data_dir) as server:
        bucket = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), server.oss_endpoint, "test-bucket")
        bucket.create_bucket()
        upload_id = bucket.init_multipart_upload("big.bin").upload_id
        etags = [bucket.upload_part("big.bin", upload_id, n, data).etag for n, data in zip((1, 2), parts)]
        assert not bucket.object_exists("big.bin")
        assert list((data_dir / "oss" / "test-bucket").iterdir()) == []
    (data_dir / "oss-staging" / "tmp" / "tmp-crashed").write_bytes(b"half")
    (data_dir / "oss-staging" / "uploads" / upload_id / "tmp-crashed").write_bytes(b"half")
    with local_server(data_dir) as server:
        bucket = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), server.oss_endpoint, "test-bucket")
        assert [p.etag for p in bucket.list_parts("big.bin", upload_id).parts] == etags
        assert list((data_dir / "oss-staging" / "tmp").iterdir()) == []
        assert not (data_dir / "oss-staging" / "uploads" / upload_id / "tmp-crashed").exists()
        with pytest.raises(oss2.exceptions.OssError) as caught:
            bucket.complete_multipart_upload("big.bin", upload_id, [oss2.models.PartInfo(1, etags[1])])
        assert caught.value.code == "InvalidPart"
        bucket.complete_multipart_upload(
            "big.bin", upload_id, [oss2.models.PartInfo(n, e) for n, e in zip((1, 2), etags)]
        )
        assert bucket.get_object("big.bin").read() == parts[0] + parts[1]
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.list_parts("big.bin", upload_id)


def test_multipart_refusals(oss_bucket):
    upload_id = oss_bucket.init_multipart_upload("parts.bin").upload_id
    parts = [oss2.models.PartInfo(n, oss_bucket.upload_part("parts.bin", upload_id, n, b"tiny").etag) for n in (1, 2)]
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss_bucket.complete_multipart_upload("parts.bin", upload_id, parts)
    assert caught.value.code == "EntityTooSmall"
    assert [u.upload_id for u in oss2.MultipartUploadIterator(oss_bucket)] == [upload_id]
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        oss_bucket.delete_bucket()
    oss_bucket.abort_multipart_upload("parts.bin", upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        oss_bucket.upload_part("parts.bin", upload_id, 3, b"late")
    assert not oss_bucket.object_exists("parts.bin")
    oss_bucket.delete_bucket()


def test_the_standalone_server_streams_large_objects(tmp_path):
    """A 256 MiB object goes up and comes back without the server's memory growing by it."""
    env = dict(os.environ)
    env.pop("BATCH_COMPUTE_LOCAL_ACCESS_KEYS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchcompute.local", "--port", "0", "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        endpoint = proc.stdout.readline().split("OSS endpoint ")[1].strip()
        bucket = oss2.Bucket(oss2.Auth(KEY_ID, SECRET), endpoint, "big-bucket", enable_crc=False)
        bucket.create_bucket()
        baseline = _memory_kib(proc.pid, "VmRSS")
        source = tmp_path / "source.bin"
        with open(source, "wb") as handle:
            for _ in range(256):
                handle.write(os.urandom(1 << 20))
        bucket.put_object_from_file("big.bin", str(source))
        bucket.get_object_to_file("big.bin", str(tmp_path / "back.bin"))
        assert (tmp_path / "back.bin").stat().st_size == 256 << 20
        assert _memory_kib(proc.pid, "VmHWM") - baseline < 64 * 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _memory_kib(pid: int, field: str) -> int:
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (field, pid))


def test_a_requester_of_the_api_is_no_oss_client(local_server):
    """The BatchCompute API's signature does not open the OSS endpoint."""
    answer = SignedRequester(local_server.oss_endpoint).request("GET", "/")
    assert answer.status_code == 400 and b"<Code>InvalidArgument</Code>" in answer.content


def test_command_line_options_of_the_oss_endpoint():
    args = parse_args(["--oss-port", "0", "--oss-host", "oss.test", "--oss-host", "files.test"])
    assert (args.oss_port, args.oss_host) == (0, ["oss.test", "files.test"])
    assert parse_args([]).oss_port is None
