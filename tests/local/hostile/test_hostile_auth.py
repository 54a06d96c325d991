"""Authentication under attack: forged, replayed (also across a restart on the same data dir),
duplicated-header and re-bodied requests are refused and change nothing; every request the
official SDK sent (the golden fixtures) is accepted once."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
from hostile_helpers import assert_clean
from local_helpers import WriteRefusal, job, task

from batchcompute.core.signing import authorization, body_md5, gmt_date
from batchcompute.local.errors import ApiError
from batchcompute.local.state.store import Store
from batchcompute.local.testing import local_server, signed_headers
from batchcompute.local.web.auth import Authenticator, MemoryNonces, StoredNonces

Headers = List[Tuple[str, str]]
GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "requests"
BODY = json.dumps(job({"t": task("true")})).encode()


def _send(server, method: str, target: str, headers: Headers, body: bytes = b""):
    """Send ``headers`` exactly (duplicates kept, in order); (status, headers, parsed body)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            if name.lower() != "content-length":
                conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def _signed(server, method: str, target: str, body: bytes = b"", **extra: str) -> Headers:
    return list(signed_headers(method, target, body, server.access_key_id, server.access_key_secret, extra).items())


def _jobs(server) -> int:
    return len(server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": 100}).json()["Items"])


def _refused(answer, status: int, code: Optional[str] = None) -> dict:
    assert answer[0] == status, answer
    error = assert_clean(answer)
    if code:
        assert error["Code"] == code, error
    return error


def _replace(headers: Headers, name: str, value: str) -> Headers:
    return [(n, value if n.lower() == name.lower() else v) for n, v in headers]


def _drop(headers: Headers, name: str) -> Headers:
    return [(n, v) for n, v in headers if n.lower() != name.lower()]


# -- Forged --------------------------------------------------------------------------------------


def test_a_forged_signature_is_refused(local_server):
    headers = _replace(_signed(local_server, "POST", "/jobs", BODY), "Authorization", "acs LocalAccessKeyId:Zm9yZ2Vk")
    _refused(_send(local_server, "POST", "/jobs", headers, BODY), 403, "SignatureDoesNotMatch")
    other = list(signed_headers("POST", "/jobs", BODY, "LocalAccessKeyId", "not-the-secret").items())
    _refused(_send(local_server, "POST", "/jobs", other, BODY), 403, "SignatureDoesNotMatch")
    unknown = list(signed_headers("POST", "/jobs", BODY, "SomeoneElse", "secret").items())
    _refused(_send(local_server, "POST", "/jobs", unknown, BODY), 403, "Forbidden")
    _refused(_send(local_server, "POST", "/jobs", _drop(unknown, "Authorization"), BODY), 403, "Forbidden")
    assert _jobs(local_server) == 0


def test_a_request_signed_for_another_target_or_method_is_refused(local_server):
    headers = _signed(local_server, "GET", "/jobs?Marker&MaxItemCount=1")
    _refused(_send(local_server, "GET", "/jobs?Marker&MaxItemCount=100", headers), 403, "SignatureDoesNotMatch")
    headers = _signed(local_server, "GET", "/jobs")
    _refused(_send(local_server, "DELETE", "/jobs", headers), 403, "SignatureDoesNotMatch")


# -- Replayed ------------------------------------------------------------------------------------


def test_a_replayed_request_is_refused(local_server):
    headers = _signed(local_server, "POST", "/jobs", BODY)
    assert _send(local_server, "POST", "/jobs", headers, BODY)[0] == 201
    error = _refused(_send(local_server, "POST", "/jobs", headers, BODY), 403, "Forbidden")
    assert "nonce" in error["Message"]
    assert _jobs(local_server) == 1


def test_a_replay_is_refused_after_a_restart_on_the_same_data_dir(tmp_path):
    data = tmp_path / "data"
    with local_server(data, workers=1) as server:
        headers = _signed(server, "POST", "/jobs", BODY)
        assert _send(server, "POST", "/jobs", headers, BODY)[0] == 201
        read = _signed(server, "GET", "/quotas")
        assert _send(server, "GET", "/quotas", read)[0] == 200
    with local_server(data, workers=1) as server:
        _refused(_send(server, "POST", "/jobs", headers, BODY), 403, "Forbidden")
        _refused(_send(server, "GET", "/quotas", read), 403, "Forbidden")
        assert _jobs(server) == 1


def test_a_month_old_request_with_a_fresh_date_appended_is_refused(local_server):
    """The review's critical finding: the signature covered the first Date, the clock the last."""
    old = time.time() - 30 * 86400
    headers = dict(signed_headers("POST", "/jobs", BODY, local_server.access_key_id, local_server.access_key_secret))
    headers["Date"] = gmt_date(old)
    headers["Authorization"] = authorization(
        local_server.access_key_id, local_server.access_key_secret, "POST", "/jobs", headers
    )
    stale = list(headers.items())
    _refused(_send(local_server, "POST", "/jobs", stale, BODY), 403, "Forbidden")
    for fresh in (stale + [("date", gmt_date())], [("Date", gmt_date())] + stale):
        error = _refused(_send(local_server, "POST", "/jobs", fresh, BODY), 400, "InvalidHeader.Duplicate")
        assert "Date" in error["Message"] or "date" in error["Message"]
    assert _jobs(local_server) == 0


def test_the_nonce_is_required(local_server):
    headers = _drop(_signed(local_server, "GET", "/quotas"), "x-acs-signature-nonce")
    headers = _replace(
        headers,
        "Authorization",
        authorization(local_server.access_key_id, local_server.access_key_secret, "GET", "/quotas", dict(headers)),
    )
    _refused(_send(local_server, "GET", "/quotas", headers), 400, "MissingSignatureNonce")
    long = _signed(local_server, "GET", "/quotas", **{"x-acs-signature-nonce": "n" * 200})
    _refused(_send(local_server, "GET", "/quotas", long), 400, "InvalidSignatureNonce")


# -- Duplicated headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("Date", None),
        ("date", None),
        ("x-acs-signature-nonce", "another-nonce"),
        ("X-Acs-Signature-Nonce", "another-nonce"),
        ("x-acs-version", "2015-11-11"),
        ("x-acs-access-key-id", "LocalAccessKeyId"),
        ("x-acs-anything", "a"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
        ("Authorization", None),
        ("contentMd5", None),
        ("ContentMD5", None),
        ("Content-MD5", "CONTENT_MD5"),
    ],
)
def test_a_signed_header_twice_is_refused(local_server, name, value):
    extra = {"x-acs-anything": "a"} if name.lower() == "x-acs-anything" else {}
    if name == "Content-MD5":
        extra["Content-MD5"] = base64.b64encode(hashlib.md5(BODY).digest()).decode()
    headers = _signed(local_server, "POST", "/jobs", BODY, **extra)
    existing = dict((n.lower(), v) for n, v in headers)
    duplicate = existing.get(name.lower()) if value in (None, "CONTENT_MD5") else value
    error = _refused(_send(local_server, "POST", "/jobs", headers + [(name, duplicate)], BODY), 400)
    assert error["Code"] == "InvalidHeader.Duplicate"
    assert _jobs(local_server) == 0


# -- Re-bodied -----------------------------------------------------------------------------------


def test_a_captured_request_with_another_body_is_refused(local_server):
    evil = json.dumps(job({"t": task("touch /tmp/owned-by-replay")})).encode()
    headers = _signed(local_server, "POST", "/jobs", BODY)
    # before the original arrives: the body does not match its md5, or carries none
    _refused(_send(local_server, "POST", "/jobs", headers, evil), 403, "InvalidHttpBody")
    _refused(_send(local_server, "POST", "/jobs", _drop(headers, "contentMd5"), evil), 400, "MissingContentMd5")
    # once the original has arrived: a matching md5 does not help, the nonce was used
    assert _send(local_server, "POST", "/jobs", headers, BODY)[0] == 201
    rebodied = _replace(headers, "contentMd5", body_md5(evil))
    _refused(_send(local_server, "POST", "/jobs", rebodied, evil), 403, "Forbidden")
    # a client that signs Content-MD5: another body cannot keep the signature
    md5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()
    signed_md5 = _signed(local_server, "POST", "/jobs", BODY, **{"Content-MD5": md5})
    forged_md5 = base64.b64encode(hashlib.md5(evil).digest()).decode()
    forged = _replace(_replace(signed_md5, "Content-MD5", forged_md5), "contentMd5", body_md5(evil))
    _refused(_send(local_server, "POST", "/jobs", forged, evil), 403, "SignatureDoesNotMatch")
    assert _jobs(local_server) == 1


def test_a_body_needs_its_md5(local_server):
    for method, target in (("POST", "/jobs"), ("PUT", "/jobs/job-x"), ("GET", "/quotas")):
        headers = _drop(_signed(local_server, method, target, BODY), "contentMd5")
        _refused(_send(local_server, method, target, headers, BODY), 400, "MissingContentMd5")
    assert _jobs(local_server) == 0


# -- Units: the authenticator and the durable nonces ---------------------------------------------


def _golden_requests():
    for path in sorted(GOLDEN.glob("*.json")):
        case = json.loads(path.read_text())
        for number, exchange in enumerate(case["exchanges"]):
            yield "%s#%d" % (path.stem, number), case["client"], exchange["request"]


GOLDEN_REQUESTS = list(_golden_requests())


@pytest.mark.parametrize("name, client, request_", GOLDEN_REQUESTS, ids=[item[0] for item in GOLDEN_REQUESTS])
def test_every_request_of_the_official_sdk_is_accepted_once(name, client, request_):
    """At the time it was sent; a replay is refused, so is the same request with a header twice."""
    from email.utils import parsedate_to_datetime

    headers = [(n, v) for n, v in request_["headers"]]
    sent_at = parsedate_to_datetime(dict(headers)["Date"]).timestamp()
    body = request_.get("body", "").encode("utf-8")
    auth = Authenticator({client["key_id"]: client["secret"]}, clock=lambda: sent_at + 1)
    version = {n.lower(): v for n, v in headers}.get("x-acs-version", "2015-11-11")
    if version != "2015-11-11":  # a test of the SDK's version switch: signed right, but no such API here
        with pytest.raises(ApiError) as other:
            auth.verify(request_["method"], request_["path"], headers, body)
        assert other.value.code == "InvalidVersion.NotFound"
        return
    assert auth.verify(request_["method"], request_["path"], headers, body) == client["key_id"]
    with pytest.raises(ApiError) as replay:
        auth.verify(request_["method"], request_["path"], headers, body)
    assert replay.value.status == 403 and "nonce" in replay.value.message
    fresh = Authenticator({client["key_id"]: client["secret"]}, clock=lambda: sent_at + 1)
    with pytest.raises(ApiError) as twice:
        fresh.verify(request_["method"], request_["path"], headers + [("Date", dict(headers)["Date"])], body)
    assert twice.value.code == "InvalidHeader.Duplicate"


def test_nonces_are_stored_pruned_after_the_date_window_and_survive_a_reopen(tmp_path):
    path = tmp_path / "db.sqlite"
    store = Store(path)
    book = StoredNonces(store)
    assert book.add("k", "n1", expires=1000.0, now=100.0)
    assert not book.add("k", "n1", expires=1000.0, now=200.0)
    assert book.add("other-key", "n1", expires=1000.0, now=200.0)
    store.close()
    store = Store(path)
    book = StoredNonces(store)
    assert not book.add("k", "n1", expires=1000.0, now=300.0)  # remembered across a reopen
    assert book.add("k", "n2", expires=5000.0, now=2000.0)  # the first add prunes: n1 has expired
    with store.read() as conn:
        left = {row[0] for row in conn.execute("SELECT nonce FROM nonces WHERE key_id = 'k'")}
    assert left == {"n2"}
    store.close()


def test_nonces_seen_while_the_database_refuses_writes_are_checked_and_stored_later(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    book = StoredNonces(store)
    assert book.add("k", "before", expires=1000.0, now=100.0)
    refusal = WriteRefusal(store)
    assert not book.add("k", "before", expires=1000.0, now=110.0)  # recorded before: still a replay
    assert book.add("k", "during", expires=1000.0, now=120.0)  # a read is answered meanwhile
    assert not book.add("k", "during", expires=1000.0, now=130.0)
    refusal.on = False
    assert book.add("k", "after", expires=1000.0, now=140.0)
    with store.read() as conn:
        kept = {row[0] for row in conn.execute("SELECT nonce FROM nonces WHERE key_id = 'k'")}
    assert kept == {"before", "during", "after"}
    assert not StoredNonces(store).add("k", "during", expires=1000.0, now=150.0)
    store.close()


def test_a_nonce_is_kept_for_as_long_as_its_date_is_accepted():
    now = [1_000_000.0]
    book = MemoryNonces()
    auth = Authenticator({"id": "secret"}, clock=lambda: now[0], nonces=book)
    headers = list(signed_headers("GET", "/quotas", b"", "id", "secret", {"Date": gmt_date(now[0])}).items())
    auth.verify("GET", "/quotas", headers, b"")
    for later in (60, 14 * 60, 15 * 60):  # still within the 15 minutes the Date is accepted for
        now[0] = 1_000_000.0 + later
        with pytest.raises(ApiError):
            auth.verify("GET", "/quotas", headers, b"")
    now[0] = 1_000_000.0 + 16 * 60  # past it: refused for its Date
    with pytest.raises(ApiError) as late:
        auth.verify("GET", "/quotas", headers, b"")
    assert "15 minutes" in late.value.message
