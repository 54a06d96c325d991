"""Unit tests of batchcompute.core.signing against the wire rules (spec: wire.md) and requests the
official 2.1.7 SDK signed (tests/data/golden/requests), with the HMAC computed independently here."""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import os
import random
import sys

import pytest

try:
    import batchcompute  # noqa: F401
except ImportError:  # running from a checkout that is not installed
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from batchcompute.core import signing
from batchcompute.core.signing import (
    authorization,
    body_md5,
    encode_query,
    gmt_date,
    signature,
    string_to_sign,
)


def reference_signature(secret: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()).decode()


def standard_headers(**extra: str) -> dict:
    headers = {
        "Date": "Tue, 01 Nov 2016 15:25:04 GMT",
        "x-acs-region-id": "cn-qingdao",
        "x-acs-access-key-id": "KEYID",
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        "x-acs-version": "2015-11-11",
        "x-acs-signature-nonce": "8c6b2a3e-9f5d-11e6-9b4a-0242ac110002",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Content-Length": "0",
    }
    headers.update(extra)
    return headers


CANONICAL = (
    "x-acs-access-key-id:KEYID\n"
    "x-acs-region-id:cn-qingdao\n"
    "x-acs-signature-method:HMAC-SHA1\n"
    "x-acs-signature-nonce:8c6b2a3e-9f5d-11e6-9b4a-0242ac110002\n"
    "x-acs-signature-version:1.0\n"
    "x-acs-version:2015-11-11\n"
)


# -- Date, md5 -------------------------------------------------------------------------------------


def test_gmt_date_format():
    assert gmt_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert gmt_date(calendar.timegm((2016, 11, 1, 15, 25, 4, 0, 0, 0))) == "Tue, 01 Nov 2016 15:25:04 GMT"


def test_gmt_date_defaults_to_now():
    before = gmt_date()
    assert before.endswith(" GMT") and len(before) == len("Tue, 01 Nov 2016 15:25:04 GMT")


def test_body_md5_is_lower_hex():
    assert body_md5(b"") == "d41d8cd98f00b204e9800998ecf8427e"
    assert body_md5(b'{"Priority": 5}') == hashlib.md5(b'{"Priority": 5}').hexdigest()
    assert body_md5(b"x") == body_md5(b"x").lower()


# -- query encoding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        # the examples of wire.md
        ({"Qualifier": "", "Scope": "Private"}, "Qualifier&Scope=Private"),
        ({"Marker": "", "MaxItemCount": "100", "State": "Running"}, "Marker&MaxItemCount=100&State=Running"),
        # sorted by key, whatever the insertion order
        ({"State": "Running", "MaxItemCount": 10, "Marker": ""}, "Marker&MaxItemCount=10&State=Running"),
        ({"Scope": "Public", "MaxItemCount": 50, "Marker": "m"}, "Marker=m&MaxItemCount=50&Scope=Public"),
        # numbers are sent as their text; 0 is a value, not a blank
        ({"Marker": 0, "MaxItemCount": 100}, "Marker=0&MaxItemCount=100"),
        # keys: '_' becomes '-'
        ({"Idempotent_Token": "tok"}, "Idempotent-Token=tok"),
        # no safe characters: '/', '+', '=', '&', ' ' are all escaped (as recorded from the official SDK)
        (
            {"Marker": "a b/c+d=e&f", "MaxItemCount": 5, "State": "Failed"},
            "Marker=a%20b%2Fc%2Bd%3De%26f&MaxItemCount=5&State=Failed",
        ),
        ({"IdempotentToken": "tok/1=2 3"}, "IdempotentToken=tok%2F1%3D2%203"),
        ({"Detail": "True", "Qualifier": ""}, "Detail=True&Qualifier"),
        ({"Name": "\u4f5c\u4e1a"}, "Name=%E4%BD%9C%E4%B8%9A"),
    ],
)
def test_encode_query(query, expected):
    assert encode_query(query) == expected


def test_encode_query_whitespace_value_is_escaped_not_bare():
    # The official SDK only sends a bare key for an EMPTY value; a value made of blanks is escaped:
    # list_jobs(' ', 20) -> '/jobs?Marker=%20&MaxItemCount=20', delete_app(n, '  ') -> '?Qualifier=%20%20'
    # (golden cases list_jobs_blank_values, list_apps_blank_marker, get_app_detail_blank_qualifier,
    # delete_app_blank_qualifier). wire.md's "empty or blank" is wrong about the blank part.
    assert encode_query({"Marker": " ", "MaxItemCount": "20"}) == "Marker=%20&MaxItemCount=20"
    assert encode_query({"Qualifier": "  "}) == "Qualifier=%20%20"


def test_encode_query_string_is_sent_as_is():
    assert encode_query("description") == "description"
    assert encode_query("Detail=True&Qualifier") == "Detail=True&Qualifier"


@pytest.mark.parametrize("empty", [None, {}, ""])
def test_encode_query_empty(empty):
    assert encode_query(empty) == ""


# -- string to sign --------------------------------------------------------------------------------


def test_string_to_sign_layout():
    text = string_to_sign("GET", "/jobs?Marker&MaxItemCount=100", standard_headers())
    assert text == (
        "GET\napplication/json\n\napplication/json\nTue, 01 Nov 2016 15:25:04 GMT\n"
        + CANONICAL
        + "/jobs?Marker&MaxItemCount=100"
    )


def test_canonical_headers_sorted_whatever_the_order():
    headers = standard_headers()
    items = list(headers.items())
    expected = string_to_sign("PUT", "/jobs/job-1", headers)
    rng = random.Random(7)
    for _ in range(10):
        rng.shuffle(items)
        assert string_to_sign("PUT", "/jobs/job-1", dict(items)) == expected


def test_only_x_acs_headers_are_canonicalized():
    text = string_to_sign(
        "GET",
        "/quotas",
        standard_headers(
            **{
                "User-Agent": "python-requests/2.31",
                "Host": "127.0.0.1:8080",
                "X-Request-Trace": "t-1",
                "Connection": "keep-alive",
                "Accept-Encoding": "gzip",
            }
        ),
    )
    assert text == (
        "GET\napplication/json\n\napplication/json\nTue, 01 Nov 2016 15:25:04 GMT\n" + CANONICAL + "/quotas"
    )


def test_extra_lowercase_acs_header_is_canonicalized_in_order():
    text = string_to_sign("GET", "/jobs/job-1", standard_headers(**{"x-acs-caller-type": "sdk-test"}))
    lines = text.split("\n")
    acs = [line for line in lines if line.startswith("x-acs-")]
    assert acs == sorted(acs)
    assert "x-acs-caller-type:sdk-test" in acs


def test_mixed_case_acs_headers_sort_by_name_as_sent():
    # The official SDK sorts the x-acs- headers by their names AS SENT (so 'X-Acs-Zone' comes before
    # every lower-case 'x-acs-...') and writes each name lower-cased (golden case
    # extra_headers_mixed_case_acs). Only extra headers passed to Client(**headers) can be mixed-case.
    headers = standard_headers(**{"X-Acs-Zone": "cn-qingdao-b", "x-acs-b-custom": "b"})
    text = string_to_sign("GET", "/jobs?Marker&MaxItemCount=10&State=Running", headers)
    acs = [line for line in text.split("\n") if line.startswith("x-acs-")]
    assert acs[0] == "x-acs-zone:cn-qingdao-b"
    assert acs[1:] == sorted(acs[1:])


def test_md5_line_empty_with_contentMd5_header():
    # the body hash travels as 'contentMd5', which the case-insensitive look-up of 'Content-MD5' misses
    headers = standard_headers(contentMd5=body_md5(b'{"Priority": 5}'))
    headers["Content-Length"] = "15"
    lines = string_to_sign("PUT", "/jobs/job-1", headers).split("\n")
    assert lines[:5] == ["PUT", "application/json", "", "application/json", "Tue, 01 Nov 2016 15:25:04 GMT"]


@pytest.mark.parametrize("name", ["Content-MD5", "content-md5", "CONTENT-MD5"])
def test_md5_line_uses_a_real_content_md5_header(name):
    headers = standard_headers(**{name: "  e10adc3949ba59abbe56e057f20f883e "})
    lines = string_to_sign("POST", "/jobs", headers).split("\n")
    assert lines[2] == "e10adc3949ba59abbe56e057f20f883e"


def test_accept_and_content_type_are_stripped_and_may_be_missing():
    headers = standard_headers(Accept=" application/json ", **{"Content-Type": "application/json  "})
    assert string_to_sign("GET", "/quotas", headers).split("\n")[1:4] == ["application/json", "", "application/json"]
    del headers["Accept"], headers["Content-Type"]
    assert string_to_sign("GET", "/quotas", headers).split("\n")[:5] == [
        "GET",
        "",
        "",
        "",
        "Tue, 01 Nov 2016 15:25:04 GMT",
    ]


def test_header_names_are_matched_case_insensitively():
    headers = {key.lower(): value for key, value in standard_headers().items()}
    assert string_to_sign("GET", "/quotas", headers) == string_to_sign("GET", "/quotas", standard_headers())


def test_sts_token_header_is_signed():
    token = "CAIS8wF1q6Ft5B2yfSjIr5bEKfjbr7hx5ZbRNFbdhUk5T8pm3YTLjjz2IHhJeHRoA+kbtf8/lW1T6fkYlqx"
    text = string_to_sign("GET", "/jobs/job-1", standard_headers(**{"x-acs-security-token": token}))
    acs = [line for line in text.split("\n") if line.startswith("x-acs-")]
    assert acs == sorted(acs)
    assert "x-acs-security-token:" + token in acs
    assert acs.index("x-acs-security-token:" + token) == 2  # after access-key-id and region-id


def test_resource_is_the_path_and_query_as_sent():
    text = string_to_sign("GET", "/apps/echo?Detail=True&Qualifier", standard_headers())
    assert text.endswith("\nx-acs-version:2015-11-11\n/apps/echo?Detail=True&Qualifier")


# -- signature and Authorization -------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret, text",
    [
        ("secret", "GET\n\n\n\n\n/"),
        ("FakeSecret+/=0123456789abcdefghijk", "POST\napplication/json\n\napplication/json\nDate\n/jobs"),
        ("\u5bc6\u94a5", "GET\n\u4f5c\u4e1a"),
    ],
)
def test_signature_is_base64_hmac_sha1(secret, text):
    assert signature(secret, text) == reference_signature(secret, text)


def test_authorization_format():
    headers = standard_headers()
    expected = "acs KEYID:" + reference_signature("s3cr3t", string_to_sign("DELETE", "/jobs/job-1", headers))
    assert authorization("KEYID", "s3cr3t", "DELETE", "/jobs/job-1", headers) == expected


def test_authorization_independent_of_the_module():
    headers = standard_headers(contentMd5="0123456789abcdef0123456789abcdef")
    text = (
        "POST\napplication/json\n\napplication/json\nTue, 01 Nov 2016 15:25:04 GMT\n"
        + CANONICAL
        + "/jobs?IdempotentToken=tok"
    )
    assert authorization("KEYID", "s3cr3t", "POST", "/jobs?IdempotentToken=tok", headers) == (
        "acs KEYID:" + reference_signature("s3cr3t", text)
    )


# A POST with a body and an STS token, as the official SDK sent and signed it (golden case
# security_token_post): the contentMd5 header is there and the md5 line is still empty.
OFFICIAL_STS_POST = {
    "key_id": "STS.NUgYrLnoC37mZZCNnAbez2nKR",
    "secret": "3ZQoBlJH4WjzKgwmHx5d4Fb9fFYbKdzsCmf8M1vnHjA",
    "method": "POST",
    "path": "/jobs?IdempotentToken=tok",
    "headers": [
        ["Host", "127.0.0.1:35523"],
        ["Accept-Encoding", "identity"],
        ["Date", "Mon, 23 Nov 2026 07:35:20 GMT"],
        ["x-acs-region-id", "local"],
        ["x-acs-access-key-id", "STS.NUgYrLnoC37mZZCNnAbez2nKR"],
        ["x-acs-security-token", "CAIS8wF1q6Ft5B2yfSjIr5bEKfjbr7hx5ZbRNFbdhUk5T8pm3YTLjjz2IHhJeHRoA+kbtf8/lW1T6fkYlqx"],
        ["x-acs-signature-method", "HMAC-SHA1"],
        ["x-acs-signature-version", "1.0"],
        ["x-acs-version", "2015-11-11"],
        ["x-acs-signature-nonce", "6f9afa06-e710-11f1-ac1c-02fc00000001"],
        ["Accept", "application/json"],
        ["Content-Type", "application/json"],
        ["User-Agent", "Mozilla/5.0 (Windows NT 6.1)"],
        ["contentMd5", "a61e73f6ca6b0c6d52fb431d3cd87dee"],
        ["Content-Length", "2752"],
    ],
    "authorization": "acs STS.NUgYrLnoC37mZZCNnAbez2nKR:GfQaOC85D/8xvfUeEgFedYycZVc=",
}


def test_official_vector():
    v = OFFICIAL_STS_POST
    headers = dict(v["headers"])
    assert authorization(v["key_id"], v["secret"], v["method"], v["path"], headers) == v["authorization"]
    # and the same by hand
    text = (
        "\n".join(["POST", "application/json", "", "application/json", headers["Date"]])
        + "\n"
        + "".join("%s:%s\n" % (k, headers[k]) for k in sorted(k for k in headers if k.startswith("x-acs-")))
        + v["path"]
    )
    assert "acs %s:%s" % (v["key_id"], reference_signature(v["secret"], text)) == v["authorization"]


def test_module_exports():
    for name in ("string_to_sign", "signature", "authorization", "encode_query", "gmt_date"):
        assert name in signing.__all__
